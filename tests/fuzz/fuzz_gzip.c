/* libFuzzer target: reading a file through trawl_src_open/trawl_src_read,
 * which sniffs it and inflates gzip (multi-member, trailing padding). The
 * first byte is a mode: bit 0 lets a raw file be mapped (else read(); gzip
 * is always read), bits 1-2 pick the
 * read size (1, 13, 4096 or 256 KiB bytes), so that block edges fall
 * everywhere. The rest is the file. When ISA-L is built in, the file is also
 * read with zlib and the two must agree: same bytes delivered, and both
 * fail or both succeed, except that ISA-L accepts some incomplete Huffman
 * code sets zlib refuses (see below). */
#include <string.h>

#include "fuzz_util.h"
#include "trawl_capture.h"
#include "trawl_common.h"

#define OUT_MAX                                                                                    \
    (256u << 10) /* stop after this much output (8 x the inflate window): bombs are not bugs */

struct result {
    struct trawl_buf out;
    int rc; /* 0 clean end, < 0 error */
    uint64_t members;
};

static void read_all(const char *path, unsigned flags, size_t cap, struct result *res)
{
    memset(res, 0, sizeof(*res));
    struct trawl_src *src;
    struct trawl_error err = {0};
    res->rc = trawl_src_open(path, flags, &src, &err);
    if (res->rc) {
        FUZZ_CHECK(res->rc < 0 && err.msg[0], "open error %d without a message", res->rc);
        return;
    }
    uint8_t *buf = malloc(cap);
    FUZZ_CHECK(buf, "out of memory");
    for (;;) {
        ssize_t n = trawl_src_read(src, buf, cap, &err);
        if (n < 0) {
            res->rc = (int)n;
            FUZZ_CHECK(err.msg[0] && err.where[0], "read error %zd without a message", n);
            /* sticky: the same error again */
            struct trawl_error e2 = {0};
            FUZZ_CHECK(trawl_src_read(src, buf, cap, &e2) == n, "error not sticky");
            break;
        }
        if (n == 0) break;
        FUZZ_CHECK((size_t)n <= cap, "read %zd > cap %zu", n, cap);
        FUZZ_CHECK(trawl_buf_put(&res->out, buf, (size_t)n) == 0, "out of memory");
        FUZZ_CHECK(trawl_src_offset(src) == res->out.len, "offset %llu != %zu delivered",
                   (unsigned long long)trawl_src_offset(src), res->out.len);
        if (res->out.len >= OUT_MAX) {
            res->rc = 1; /* not compared */
            break;
        }
    }
    res->members = trawl_src_members(src);
    free(buf);
    trawl_src_close(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_file f;
    static const size_t caps[4] = {1, 13, 4096, 256 << 10};
    if (size < 1) return 0;
    unsigned mode = data[0];
    fuzz_file_put(&f, data + 1, size - 1);
    unsigned flags = (mode & 1) ? 0 : TRAWL_SRC_NO_MMAP;
    size_t cap = caps[(mode >> 1) & 3];

    struct result a, b;
    read_all(f.path, flags | TRAWL_SRC_FORCE_ZLIB, cap, &a);
    if (trawl_cap_have_isal()) {
        read_all(f.path, flags, cap, &b);
        if (a.rc != 1 && b.rc != 1 && a.rc < 0 && b.rc == 0) {
            /* ISA-L decodes some Huffman code sets that zlib refuses as
             * incomplete ("invalid literal/lengths set"); its reading
             * stands when the member's CRC-32 and length then match. zlib
             * must not have delivered anything else before its error. */
            FUZZ_CHECK(a.out.len <= b.out.len &&
                           (!a.out.len || !memcmp(a.out.data, b.out.data, a.out.len)),
                       "zlib delivered %zu bytes isa-l did not", a.out.len);
        } else if (a.rc != 1 && b.rc != 1) {
            FUZZ_CHECK((a.rc == 0) == (b.rc == 0), "zlib rc %d, isa-l rc %d", a.rc, b.rc);
            if (a.rc == 0)
                FUZZ_CHECK(a.out.len == b.out.len &&
                               (!a.out.len || !memcmp(a.out.data, b.out.data, a.out.len)),
                           "zlib and isa-l disagree: %zu vs %zu bytes", a.out.len, b.out.len);
        }
        trawl_buf_free(&b.out);
    }
    trawl_buf_free(&a.out);
    return 0;
}
