/* Sources of content bytes: opens a path or standard input, sniffs the kind
 * from the first bytes, maps regular raw files (handed out zero-copy by
 * trawl_src_map, and read at any offset by trawl_src_pread, which the
 * scanner uses) and streams everything else with read(). Gzip input goes
 * through the decoder in gzip.c. Bytes read to sniff a pipe are kept in the
 * input window and delivered first. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gzip_internal.h"
#include "trawl_capture.h"

/* read() block for gzip input and sniffing: large, so inflate runs on
 * long windows and the syscall cost vanishes. */
#define IN_BUF_SIZE (1u << 20)

/* Largest single read(); Linux caps reads near 2 GiB anyway. */
#define READ_MAX (1u << 30)

struct trawl_src {
    char *path;
    int fd; /* -1 when not needed any more (mapped) */
    bool is_stdin;
    enum trawl_input_kind kind;
    int64_t size;

    /* whole-file mapping: the content (raw kinds) or the compressed input (gzip) */
    uint8_t *map;
    size_t map_len;
    bool content_mapped; /* trawl_src_map works */

    /* input window: sniffed bytes, then read() blocks, or the gzip mapping */
    uint8_t *ibuf;
    const uint8_t *in;
    size_t in_len;
    bool in_eof;

    uint64_t out_off; /* content bytes delivered */
    struct gz_dec *gz;

    bool failed; /* sticky error, replayed by later reads */
    struct trawl_error fail;
};

const char *trawl_input_kind_name(int kind)
{
    switch (kind) {
    case TRAWL_IN_RAW:
        return "raw";
    case TRAWL_IN_GZIP:
        return "gzip";
    case TRAWL_IN_PCAP:
        return "pcap";
    case TRAWL_IN_PCAPNG:
        return "pcapng";
    default:
        return "unknown";
    }
}

enum trawl_input_kind trawl_cap_sniff(const uint8_t *head, size_t len)
{
    if (!head) return TRAWL_IN_RAW;
    if (len >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 0x08) return TRAWL_IN_GZIP;
    if (len >= 4) {
        uint32_t m = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 |
                     (uint32_t)head[3];
        switch (m) {
        case 0xa1b2c3d4: /* microseconds, writer's byte order read as big endian */
        case 0xd4c3b2a1: /* microseconds, swapped */
        case 0xa1b23c4d: /* nanoseconds */
        case 0x4d3cb2a1: /* nanoseconds, swapped */
            return TRAWL_IN_PCAP;
        case 0x0a0d0d0a: /* section header block type, a palindrome */
            return TRAWL_IN_PCAPNG;
        default:
            break;
        }
    }
    return TRAWL_IN_RAW;
}

bool trawl_cap_have_isal(void)
{
#ifdef TRAWL_HAVE_ISAL
    return true;
#else
    return false;
#endif
}

static const volatile sig_atomic_t *stop_flag;

void trawl_cap_set_stop_flag(const volatile sig_atomic_t *flag)
{
    stop_flag = flag;
}

/* read() that retries on EINTR. With a stop flag set, a read that would
 * block (a pipe, a terminal) waits in poll() slices of 200 ms and gives up
 * with ECANCELED once the flag is raised, so SIGTERM ends a scan of an idle
 * stdin. */
static ssize_t read_some(int fd, void *buf, size_t cap)
{
    if (cap > READ_MAX) cap = READ_MAX;
    for (;;) {
        if (stop_flag) {
            if (*stop_flag) {
                errno = ECANCELED;
                return -1;
            }
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int pr = poll(&pfd, 1, 200);
            if (pr == 0 || (pr < 0 && errno == EINTR)) continue;
        }
        ssize_t r = read(fd, buf, cap);
        if (r >= 0 || errno != EINTR) return r;
    }
}

static int src_fail(struct trawl_src *src, struct trawl_error *err, int code, uint64_t off,
                    const char *msg)
{
    char where[sizeof(src->fail.where)];
    snprintf(where, sizeof(where), "%s@%llu", src->path, (unsigned long long)off);
    trawl_error_set(&src->fail, code, where, "%s", msg);
    src->failed = true;
    if (err) *err = src->fail;
    return code;
}

/* Fills the window with at least 4 bytes (or up to EOF) for sniffing: a
 * pipe may hand them out one at a time. */
static int sniff_fill(struct trawl_src *src, size_t *have, struct trawl_error *err)
{
    while (*have < 4 && !src->in_eof) {
        ssize_t r = read_some(src->fd, src->ibuf + *have, IN_BUF_SIZE - *have);
        if (r < 0) return trawl_error_set(err, TRAWL_EIO, src->path, "read: %s", strerror(errno));
        if (r == 0) src->in_eof = true;
        *have += (size_t)r;
    }
    return 0;
}

int trawl_src_open(const char *path, unsigned flags, struct trawl_src **ret,
                   struct trawl_error *err)
{
    if (!path || !ret) return trawl_error_set(err, TRAWL_EINVAL, path, "no path");

    struct trawl_src *src = calloc(1, sizeof(*src));
    if (!src || !(src->path = strdup(path))) {
        free(src);
        return trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
    }
    src->fd = -1;
    src->size = -1;
    src->is_stdin = strcmp(path, "-") == 0;
    int rc;

    if (src->is_stdin) {
        src->fd = STDIN_FILENO;
    } else {
        src->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (src->fd < 0) {
            rc = trawl_error_set(err, TRAWL_EIO, path, "open: %s", strerror(errno));
            goto fail;
        }
    }

    struct stat st;
    if (fstat(src->fd, &st) != 0) {
        rc = trawl_error_set(err, TRAWL_EIO, path, "stat: %s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = trawl_error_set(err, TRAWL_EINVAL, path, "is a directory");
        goto fail;
    }

    /* Standard input is never mapped, even when redirected from a file: it
     * may sit at any offset and its size is not ours to promise. */
    bool regular = S_ISREG(st.st_mode) && !src->is_stdin;
    if (regular) src->size = st.st_size;

    if (regular && !(flags & TRAWL_SRC_NO_MMAP) && st.st_size == 0) {
        src->kind = TRAWL_IN_RAW;
        src->content_mapped = true;
        close(src->fd);
        src->fd = -1;
        *ret = src;
        return 0;
    }
    /* Only raw content is mapped: the scanner reads it under its SIGBUS
     * guard (a file that shrinks while mapped faults on the lost pages).
     * gzip and captures are decoded from read() blocks, so a file cut short
     * under them just ends early: a truncated stream, reported. The kind is
     * told from the head read with pread, not from the mapping. */
    if (regular && !(flags & TRAWL_SRC_NO_MMAP) && (uint64_t)st.st_size <= SIZE_MAX) {
        uint8_t head[8];
        ssize_t hn = pread(src->fd, head, sizeof(head), 0);
        void *m = hn >= 0 && trawl_cap_sniff(head, (size_t)hn) == TRAWL_IN_RAW
                      ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, src->fd, 0)
                      : MAP_FAILED;
        if (m != MAP_FAILED) {
            src->map = m;
            src->map_len = (size_t)st.st_size;
            madvise(m, src->map_len, MADV_SEQUENTIAL);
            /* the descriptor stays open for trawl_src_pread */
            src->kind = TRAWL_IN_RAW;
            src->content_mapped = true;
        }
        /* else: not raw, or a file system without mmap: read() */
    }

    if (!src->map) {
        src->ibuf = malloc(IN_BUF_SIZE);
        if (!src->ibuf) {
            rc = trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
            goto fail;
        }
        size_t have = 0;
        rc = sniff_fill(src, &have, err);
        if (rc < 0) goto fail;
        src->in = src->ibuf;
        src->in_len = have;
        src->kind = trawl_cap_sniff(src->ibuf, have);
    }

    if (src->kind == TRAWL_IN_GZIP) {
        bool isal = trawl_cap_have_isal() && !(flags & TRAWL_SRC_FORCE_ZLIB);
        rc = gz_dec_new(isal, &src->gz);
        if (rc < 0) {
            trawl_error_set(err, rc, path, "out of memory");
            goto fail;
        }
    }
    *ret = src;
    return 0;

fail:
    trawl_src_close(src);
    return rc;
}

void trawl_src_close(struct trawl_src *src)
{
    if (!src) return;
    if (src->fd >= 0 && !src->is_stdin) close(src->fd);
    if (src->map) munmap(src->map, src->map_len);
    gz_dec_free(src->gz);
    free(src->ibuf);
    free(src->path);
    free(src);
}

enum trawl_input_kind trawl_src_kind(const struct trawl_src *src)
{
    return src->kind;
}

const char *trawl_src_path(const struct trawl_src *src)
{
    return src->path;
}

int64_t trawl_src_size(const struct trawl_src *src)
{
    return src->size;
}

int trawl_src_map(struct trawl_src *src, const uint8_t **data, size_t *len)
{
    if (!src->content_mapped) return TRAWL_EUNSUPPORTED;
    *data = src->map;
    *len = src->map_len;
    return 0;
}

ssize_t trawl_src_pread(struct trawl_src *src, uint8_t *buf, size_t n, uint64_t off,
                        struct trawl_error *err)
{
    if (!src->content_mapped)
        return trawl_error_set(err, TRAWL_EUNSUPPORTED, src->path, "not a mapped file");
    size_t got = 0;
    while (got < n && src->fd >= 0) {
        ssize_t r = pread(src->fd, buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            char where[PATH_MAX + 32];
            snprintf(where, sizeof(where), "%s@%llu", src->path, (unsigned long long)(off + got));
            return trawl_error_set(err, TRAWL_EIO, where, "read: %s", strerror(e));
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

uint64_t trawl_src_offset(const struct trawl_src *src)
{
    return src->out_off;
}

uint64_t trawl_src_raw_offset(const struct trawl_src *src)
{
    return src->gz ? gz_dec_consumed(src->gz) : src->out_off;
}

unsigned trawl_src_members(const struct trawl_src *src)
{
    return src->gz ? gz_dec_members(src->gz) : 0;
}

/* Next read() block into the window; sets in_eof at the end. */
static int refill(struct trawl_src *src, struct trawl_error *err)
{
    ssize_t r = read_some(src->fd, src->ibuf, IN_BUF_SIZE);
    if (r < 0) {
        char msg[256];
        snprintf(msg, sizeof(msg), "read: %s", strerror(errno));
        return src_fail(src, err, TRAWL_EIO, gz_dec_consumed(src->gz), msg);
    }
    src->in = src->ibuf;
    src->in_len = (size_t)r;
    if (r == 0) src->in_eof = true;
    return 0;
}

static ssize_t read_gzip(struct trawl_src *src, uint8_t *buf, size_t cap, struct trawl_error *err)
{
    for (;;) {
        size_t made = 0;
        enum gz_status st =
            gz_dec_run(src->gz, &src->in, &src->in_len, src->in_eof, buf, cap, &made);
        switch (st) {
        case GZ_OK:
            src->out_off += made;
            return (ssize_t)made;
        case GZ_END:
            return 0;
        case GZ_ERR: {
            const char *msg;
            uint64_t off;
            int code = gz_dec_error(src->gz, &msg, &off);
            return src_fail(src, err, code, off, msg);
        }
        case GZ_NEED_INPUT: {
            int rc = refill(src, err);
            if (rc < 0) return rc;
            break;
        }
        }
    }
}

ssize_t trawl_src_read(struct trawl_src *src, uint8_t *buf, size_t cap, struct trawl_error *err)
{
    if (!src || !buf || cap == 0)
        return trawl_error_set(err, TRAWL_EINVAL, src ? src->path : NULL, "read: no buffer");
    if (cap > SSIZE_MAX) cap = SSIZE_MAX;
    if (src->failed) {
        if (err) *err = src->fail;
        return src->fail.code;
    }
    if (src->gz) return read_gzip(src, buf, cap, err);

    if (src->content_mapped) {
        size_t left = src->map_len - (size_t)src->out_off;
        size_t n = cap < left ? cap : left;
        if (n > 0) memcpy(buf, src->map + src->out_off, n);
        src->out_off += n;
        return (ssize_t)n;
    }

    /* Unmapped raw: first what sniffing left in the window, then read()
     * straight into the caller's buffer. */
    if (src->in_len > 0) {
        size_t n = cap < src->in_len ? cap : src->in_len;
        memcpy(buf, src->in, n);
        src->in += n;
        src->in_len -= n;
        src->out_off += n;
        return (ssize_t)n;
    }
    if (src->in_eof) return 0;
    ssize_t r = read_some(src->fd, buf, cap);
    if (r < 0) {
        char msg[256];
        snprintf(msg, sizeof(msg), "read: %s", strerror(errno));
        return src_fail(src, err, TRAWL_EIO, src->out_off, msg);
    }
    if (r == 0) src->in_eof = true;
    src->out_off += (uint64_t)r;
    return r;
}
