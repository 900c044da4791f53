/* Sniffing the kind of an input from its first bytes: every magic number,
 * inputs shorter than a magic, near misses, and the same through
 * trawl_src_open on files and on a pipe that delivers one byte at a time. */
#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trawl_capture.h"

#define SNIFF(lit) trawl_cap_sniff((const uint8_t *)(lit), sizeof(lit) - 1)

Test(sniff, magics)
{
    cr_assert_eq(SNIFF("\x1f\x8b\x08\x00"), TRAWL_IN_GZIP);
    cr_assert_eq(SNIFF("\x1f\x8b\x08"), TRAWL_IN_GZIP); /* 3 bytes are enough */
    /* pcap, microseconds, both byte orders */
    cr_assert_eq(SNIFF("\xa1\xb2\xc3\xd4\x00\x02"), TRAWL_IN_PCAP);
    cr_assert_eq(SNIFF("\xd4\xc3\xb2\xa1\x02\x00"), TRAWL_IN_PCAP);
    /* pcap, nanoseconds, both byte orders */
    cr_assert_eq(SNIFF("\xa1\xb2\x3c\x4d"), TRAWL_IN_PCAP);
    cr_assert_eq(SNIFF("\x4d\x3c\xb2\xa1"), TRAWL_IN_PCAP);
    cr_assert_eq(SNIFF("\x0a\x0d\x0d\x0a\x1c\x00\x00\x00"), TRAWL_IN_PCAPNG);
    cr_assert_eq(SNIFF("2026-11-23 sshd[1]: Accepted"), TRAWL_IN_RAW);
}

Test(sniff, short_inputs)
{
    cr_assert_eq(trawl_cap_sniff(NULL, 0), TRAWL_IN_RAW);
    cr_assert_eq(trawl_cap_sniff((const uint8_t *)"", 0), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\x1f"), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\x1f\x8b"), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\xd4\xc3\xb2"), TRAWL_IN_RAW); /* 3 of 4 pcap bytes */
    cr_assert_eq(SNIFF("\x0a\x0d\x0d"), TRAWL_IN_RAW);
    /* len is honoured even when the buffer holds more */
    cr_assert_eq(trawl_cap_sniff((const uint8_t *)"\x1f\x8b\x08", 2), TRAWL_IN_RAW);
    cr_assert_eq(trawl_cap_sniff((const uint8_t *)"\xa1\xb2\xc3\xd4", 3), TRAWL_IN_RAW);
}

Test(sniff, near_misses)
{
    cr_assert_eq(SNIFF("\x1f\x8b\x07\x00"), TRAWL_IN_RAW); /* not deflate */
    cr_assert_eq(SNIFF("\x1f\x9d\x90\x00"), TRAWL_IN_RAW); /* compress(1) */
    cr_assert_eq(SNIFF("\x8b\x1f\x08\x00"), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\xa1\xb2\xc3\xd5"), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\xa1\xb2\x3c\x4e"), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\x0a\x0d\x0d\x0b"), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\x00\x00\x00\x00"), TRAWL_IN_RAW);
    cr_assert_eq(SNIFF("\x28\xb5\x2f\xfd"), TRAWL_IN_RAW); /* zstd: bytes as they are */
}

Test(sniff, kind_names)
{
    cr_assert_str_eq(trawl_input_kind_name(TRAWL_IN_RAW), "raw");
    cr_assert_str_eq(trawl_input_kind_name(TRAWL_IN_GZIP), "gzip");
    cr_assert_str_eq(trawl_input_kind_name(TRAWL_IN_PCAP), "pcap");
    cr_assert_str_eq(trawl_input_kind_name(TRAWL_IN_PCAPNG), "pcapng");
    cr_assert_not_null(trawl_input_kind_name(42));
}

static char *write_tmp(const void *data, size_t n)
{
    char *path = strdup("/tmp/trawl-sniff-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    cr_assert_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
    return path;
}

Test(sniff, through_sources)
{
    static const struct {
        const char *bytes;
        size_t n;
        enum trawl_input_kind kind;
    } cases[] = {
        {"\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 8, TRAWL_IN_PCAP},
        {"\x4d\x3c\xb2\xa1\x02\x00\x04\x00", 8, TRAWL_IN_PCAP},
        {"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00", 8, TRAWL_IN_PCAPNG},
        {"hello", 5, TRAWL_IN_RAW},
        {"\xa1", 1, TRAWL_IN_RAW},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *path = write_tmp(cases[i].bytes, cases[i].n);
        for (unsigned flags = 0; flags <= TRAWL_SRC_NO_MMAP; flags += TRAWL_SRC_NO_MMAP) {
            struct trawl_src *s;
            struct trawl_error err;
            cr_assert_eq(trawl_src_open(path, flags, &s, &err), 0);
            cr_assert_eq(trawl_src_kind(s), cases[i].kind, "case %zu", i);
            /* pcap bytes come through untouched for the packet reader */
            uint8_t buf[64];
            ssize_t r = trawl_src_read(s, buf, sizeof(buf), &err);
            cr_assert_eq(r, (ssize_t)cases[i].n);
            cr_assert(memcmp(buf, cases[i].bytes, cases[i].n) == 0);
            cr_assert_eq(trawl_src_read(s, buf, sizeof(buf), &err), 0);
            trawl_src_close(s);
        }
        unlink(path);
        free(path);
    }
}

struct drip {
    int fd;
    const char *p;
    size_t n;
};

static void *drip(void *arg)
{
    struct drip *d = arg;
    for (size_t i = 0; i < d->n; i++) {
        if (write(d->fd, d->p + i, 1) != 1) break;
        usleep(3000);
    }
    close(d->fd);
    return NULL;
}

Test(sniff, pipe_one_byte_at_a_time)
{
    static const char pcapng[] = "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a";
    int p[2];
    cr_assert_eq(pipe(p), 0);
    if (p[0] != STDIN_FILENO) {
        cr_assert_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
        close(p[0]);
    }
    struct drip d = {p[1], pcapng, sizeof(pcapng) - 1};
    pthread_t th;
    pthread_create(&th, NULL, drip, &d);

    struct trawl_src *s;
    struct trawl_error err;
    cr_assert_eq(trawl_src_open("-", 0, &s, &err), 0);
    cr_assert_eq(trawl_src_kind(s), TRAWL_IN_PCAPNG);
    cr_assert_str_eq(trawl_src_path(s), "-");
    cr_assert_eq(trawl_src_size(s), -1);
    uint8_t got[32];
    size_t n = 0;
    ssize_t r;
    while ((r = trawl_src_read(s, got + n, sizeof(got) - n, &err)) > 0)
        n += (size_t)r;
    cr_assert_eq(r, 0);
    cr_assert_eq(n, sizeof(pcapng) - 1, "sniffed bytes lost: %zu", n);
    cr_assert(memcmp(got, pcapng, n) == 0);
    trawl_src_close(s);
    pthread_join(th, NULL);
}
