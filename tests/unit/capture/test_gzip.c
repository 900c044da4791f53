/* Gzip sources: every case runs on both inflate back ends (ISA-L when
 * built in, zlib forced) and on both input paths (mapped file, read()).
 * Test data is built here with zlib: members with chosen header flags,
 * concatenations, padding, garbage, truncations and flipped bytes; the
 * third-party corpus adds real truncated streams and a decompression bomb. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "trawl_capture.h"

/* ---- helpers -------------------------------------------------------------- */

struct mem {
    uint8_t *p;
    size_t n, cap;
};

static void mem_put(struct mem *m, const void *data, size_t n)
{
    if (m->n + n > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->n + n)
            cap *= 2;
        m->p = realloc(m->p, cap);
        cr_assert_not_null(m->p);
        m->cap = cap;
    }
    if (n) memcpy(m->p + m->n, data, n);
    m->n += n;
}

static void mem_free(struct mem *m)
{
    free(m->p);
    memset(m, 0, sizeof(*m));
}

/* Log-like text, deterministic per seed. */
static uint8_t *gen_text(size_t n, uint32_t seed)
{
    static const char *const words[] = {"GET",      "POST",     "/index.html", "200",  "404",
                                        "evil.com", "10.0.0.1", "user=admin",  "sshd", "Accepted",
                                        "session",  "opened",   "for",         "root", "from"};
    uint8_t *p = malloc(n + 1);
    cr_assert_not_null(p);
    uint32_t x = seed * 2654435761u + 1;
    size_t i = 0;
    while (i < n) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        const char *w = words[x % (sizeof(words) / sizeof(words[0]))];
        char tmp[64];
        int k = snprintf(tmp, sizeof(tmp), "%s%s%u", w, (x & 0x700) ? " " : "\n", x >> 20);
        for (int j = 0; j < k && i < n; j++)
            p[i++] = (uint8_t)tmp[j];
    }
    return p;
}

#define F_TEXT 0x01u
#define F_HCRC 0x02u
#define F_EXTRA 0x04u
#define F_NAME 0x08u
#define F_COMMENT 0x10u

/* Appends one gzip member (header with the given FLG bits, raw deflate at
 * level, trailer). */
static void gz_member(struct mem *out, const uint8_t *data, size_t n, unsigned flg, int level)
{
    size_t start = out->n;
    uint8_t hdr[10] = {0x1f, 0x8b, 8, (uint8_t)flg, 0x12, 0x34, 0x56, 0x78, 0, 3};
    mem_put(out, hdr, sizeof(hdr));
    if (flg & F_EXTRA) {
        static const uint8_t extra[] = {9, 0, 'A', 'p', 5, 0, 1, 2, 3, 4, 5};
        mem_put(out, extra, sizeof(extra));
    }
    if (flg & F_NAME) mem_put(out, "some-file.log", 14);
    if (flg & F_COMMENT) mem_put(out, "a comment, with \xff bytes", 24);
    if (flg & F_HCRC) {
        uint32_t c = (uint32_t)crc32(0, out->p + start, (uInt)(out->n - start));
        uint8_t h[2] = {(uint8_t)c, (uint8_t)(c >> 8)};
        mem_put(out, h, 2);
    }

    z_stream z;
    memset(&z, 0, sizeof(z));
    cr_assert_eq(deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t bound = deflateBound(&z, (uLong)n) + 16;
    uint8_t *buf = malloc(bound);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)bound;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    mem_put(out, buf, bound - z.avail_out);
    deflateEnd(&z);
    free(buf);

    uint32_t c = (uint32_t)crc32(0, data, (uInt)n);
    uint8_t t[8] = {(uint8_t)c, (uint8_t)(c >> 8), (uint8_t)(c >> 16), (uint8_t)(c >> 24),
                    (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    mem_put(out, t, 8);
}

static char *write_tmp(const void *data, size_t n)
{
    char *path = strdup("/tmp/trawl-gz-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        cr_assert(w > 0);
        p += w;
        n -= (size_t)w;
    }
    close(fd);
    return path;
}

static void rm_tmp(char *path)
{
    unlink(path);
    free(path);
}

struct result {
    struct mem out;
    int code;
    struct trawl_error err;
    unsigned members;
    uint64_t raw_off;
    enum trawl_input_kind kind;
    bool isal_used;
};

/* Reads a whole source with reads of `cap` bytes. */
static void read_src(struct trawl_src *s, size_t cap, struct result *r)
{
    uint8_t *buf = malloc(cap);
    for (;;) {
        ssize_t n = trawl_src_read(s, buf, cap, &r->err);
        if (n < 0) {
            r->code = (int)n;
            /* sticky: the same error again */
            struct trawl_error again;
            cr_assert_eq(trawl_src_read(s, buf, cap, &again), n);
            cr_assert_str_eq(again.msg, r->err.msg);
            cr_assert_str_eq(again.where, r->err.where);
            break;
        }
        if (n == 0) break;
        cr_assert_leq((size_t)n, cap);
        mem_put(&r->out, buf, (size_t)n);
    }
    free(buf);
    r->members = trawl_src_members(s);
    r->raw_off = trawl_src_raw_offset(s);
    r->kind = trawl_src_kind(s);
    cr_assert_eq(trawl_src_offset(s), r->out.n);
}

static void read_path(const char *path, unsigned flags, size_t cap, struct result *r)
{
    memset(r, 0, sizeof(*r));
    struct trawl_src *s = NULL;
    int rc = trawl_src_open(path, flags, &s, &r->err);
    cr_assert_eq(rc, 0, "open %s: %s", path, r->err.msg);
    read_src(s, cap, r);
    trawl_src_close(s);
}

/* All four ways of reading a file: {ISA-L, zlib} x {mapped, read()}. */
static const unsigned ways[] = {0, TRAWL_SRC_NO_MMAP, TRAWL_SRC_FORCE_ZLIB,
                                TRAWL_SRC_FORCE_ZLIB | TRAWL_SRC_NO_MMAP};
#define NWAYS (sizeof(ways) / sizeof(ways[0]))

static const char *way_name(unsigned f)
{
    static const char *const names[] = {"isal/mmap", "isal/read", "zlib/mmap", "zlib/read"};
    return names[(f & TRAWL_SRC_FORCE_ZLIB ? 2 : 0) + (f & TRAWL_SRC_NO_MMAP ? 1 : 0)];
}

/* The kind of error, from the message: what both back ends must agree on. */
static const char *err_kind(const char *msg)
{
    static const char *const kinds[] = {"truncated gzip stream", "invalid deflate data",
                                        "header crc mismatch",   "crc mismatch",
                                        "trailing garbage",      "invalid gzip header"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strncmp(msg, kinds[i], strlen(kinds[i])) == 0) return kinds[i];
    return "other";
}

static void expect_ok(const char *path, const uint8_t *data, size_t n, unsigned members)
{
    for (size_t w = 0; w < NWAYS; w++) {
        struct result r;
        read_path(path, ways[w], 1 << 16, &r);
        cr_assert_eq(r.kind, TRAWL_IN_GZIP);
        cr_assert_eq(r.code, 0, "%s: %s: %s", way_name(ways[w]), r.err.where, r.err.msg);
        cr_assert_eq(r.out.n, n, "%s: got %zu bytes, want %zu", way_name(ways[w]), r.out.n, n);
        cr_assert(n == 0 || memcmp(r.out.p, data, n) == 0, "%s: content differs",
                  way_name(ways[w]));
        cr_assert_eq(r.members, members, "%s: %u members", way_name(ways[w]), r.members);
        struct stat st;
        stat(path, &st);
        cr_assert_eq(r.raw_off, (uint64_t)st.st_size);
        mem_free(&r.out);
    }
}

/* Expects an error of `kind` at `off` (or any offset if off < 0), the
 * output being a prefix of `good` no shorter than min_good. */
static void expect_err(const char *path, const char *kind, const char *full_msg, long long off,
                       const uint8_t *good, size_t good_n, size_t min_good)
{
    for (size_t w = 0; w < NWAYS; w++) {
        struct result r;
        read_path(path, ways[w], 1 << 16, &r);
        const char *wn = way_name(ways[w]);
        cr_assert_lt(r.code, 0, "%s: no error", wn);
        cr_assert_str_eq(err_kind(r.err.msg), kind, "%s: %s", wn, r.err.msg);
        if (full_msg) cr_assert_str_eq(r.err.msg, full_msg, "%s", wn);
        char want[600];
        if (off >= 0) {
            snprintf(want, sizeof(want), "%s@%lld", path, off);
            cr_assert_str_eq(r.err.where, want, "%s", wn);
        } else {
            snprintf(want, sizeof(want), "%s@", path);
            cr_assert(strncmp(r.err.where, want, strlen(want)) == 0, "%s: %s", wn, r.err.where);
        }
        cr_assert_leq(r.out.n, good_n, "%s", wn);
        cr_assert_geq(r.out.n, min_good, "%s: only %zu of %zu good bytes", wn, r.out.n, min_good);
        cr_assert(r.out.n == 0 || memcmp(r.out.p, good, r.out.n) == 0, "%s: not a prefix", wn);
        mem_free(&r.out);
    }
}

static void note_backend(void)
{
    if (!trawl_cap_have_isal()) cr_log_info("built without ISA-L: both back ends are zlib");
}

/* ---- framing ---------------------------------------------------------------- */

Test(gzip, single_member)
{
    note_backend();
    size_t n = 300000;
    uint8_t *data = gen_text(n, 1);
    struct mem gz = {0};
    gz_member(&gz, data, n, 0, 6);
    char *path = write_tmp(gz.p, gz.n);
    expect_ok(path, data, n, 1);

    /* not mapped as content: gzip is read through the decoder */
    struct trawl_src *s;
    struct trawl_error err;
    cr_assert_eq(trawl_src_open(path, 0, &s, &err), 0);
    const uint8_t *m;
    size_t ml;
    cr_assert_eq(trawl_src_map(s, &m, &ml), TRAWL_EUNSUPPORTED);
    cr_assert_eq(trawl_src_size(s), (int64_t)gz.n);
    cr_assert_str_eq(trawl_src_path(s), path);
    trawl_src_close(s);

    rm_tmp(path);
    mem_free(&gz);
    free(data);
}

Test(gzip, stored_and_levels)
{
    size_t n = 150000;
    uint8_t *data = gen_text(n, 2);
    for (int level = 0; level <= 9; level += 3) {
        struct mem gz = {0};
        gz_member(&gz, data, n, 0, level);
        char *path = write_tmp(gz.p, gz.n);
        expect_ok(path, data, n, 1);
        rm_tmp(path);
        mem_free(&gz);
    }
    free(data);
}

Test(gzip, multi_member_odd_boundaries)
{
    /* three members whose compressed sizes are all odd, so every boundary
     * after the first sits at an odd offset */
    size_t lens[3] = {40001, 7, 90000};
    struct mem gz = {0}, plain = {0};
    for (int i = 0; i < 3; i++) {
        for (;;) {
            uint8_t *d = gen_text(lens[i], 10 + (uint32_t)i);
            struct mem one = {0};
            gz_member(&one, d, lens[i], i == 1 ? F_NAME : 0, 6);
            if (one.n % 2 == 1) {
                mem_put(&gz, one.p, one.n);
                mem_put(&plain, d, lens[i]);
                cr_log_info("member %d: %zu plain bytes, %zu compressed, ends at %zu", i + 1,
                            lens[i], one.n, gz.n);
                mem_free(&one);
                free(d);
                break;
            }
            mem_free(&one);
            free(d);
            lens[i]++;
        }
    }
    char *path = write_tmp(gz.p, gz.n);
    expect_ok(path, plain.p, plain.n, 3);
    rm_tmp(path);
    mem_free(&gz);
    mem_free(&plain);
}

Test(gzip, many_small_members)
{
    struct mem gz = {0}, plain = {0};
    for (int i = 0; i < 500; i++) {
        size_t n = (size_t)(i * 37) % 300;
        uint8_t *d = gen_text(n + 1, (uint32_t)i);
        gz_member(&gz, d, n, (unsigned)i & 0x1f, i % 10);
        mem_put(&plain, d, n);
        free(d);
    }
    char *path = write_tmp(gz.p, gz.n);
    expect_ok(path, plain.p, plain.n, 500);
    rm_tmp(path);
    mem_free(&gz);
    mem_free(&plain);
}

Test(gzip, header_flags)
{
    size_t n = 20000;
    uint8_t *data = gen_text(n, 3);
    static const unsigned combos[] = {
        F_TEXT,           F_NAME,
        F_COMMENT,        F_EXTRA,
        F_HCRC,           F_NAME | F_COMMENT,
        F_EXTRA | F_HCRC, F_TEXT | F_HCRC | F_EXTRA | F_NAME | F_COMMENT};
    for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
        struct mem gz = {0};
        gz_member(&gz, data, n, combos[i], 6);
        char *path = write_tmp(gz.p, gz.n);
        expect_ok(path, data, n, 1);
        rm_tmp(path);
        mem_free(&gz);
    }
    free(data);
}

Test(gzip, bad_header)
{
    size_t n = 5000;
    uint8_t *data = gen_text(n, 4);

    /* FHCRC that does not match: the 2 bytes sit right after the name */
    struct mem gz = {0};
    gz_member(&gz, data, n, F_NAME | F_HCRC, 6);
    size_t hcrc_at = 10 + 14;
    gz.p[hcrc_at] ^= 0xff;
    char *path = write_tmp(gz.p, gz.n);
    expect_err(path, "header crc mismatch", "header crc mismatch in member 1", (long long)hcrc_at,
               data, n, 0);
    rm_tmp(path);

    /* reserved flag bits */
    gz.p[hcrc_at] ^= 0xff;
    gz.p[3] |= 0x20;
    path = write_tmp(gz.p, gz.n);
    expect_err(path, "invalid gzip header", "invalid gzip header in member 1", 2, data, n, 0);
    rm_tmp(path);
    mem_free(&gz);

    /* second member with compression method 7 */
    gz_member(&gz, data, n, 0, 6);
    size_t second = gz.n;
    gz_member(&gz, data, n, 0, 6);
    gz.p[second + 2] = 7;
    path = write_tmp(gz.p, gz.n);
    expect_err(path, "invalid gzip header", "invalid gzip header in member 2",
               (long long)second + 2, data, n, n);
    rm_tmp(path);
    mem_free(&gz);
    free(data);
}

Test(gzip, empty_members)
{
    struct mem gz = {0};
    gz_member(&gz, (const uint8_t *)"", 0, 0, 6);
    char *path = write_tmp(gz.p, gz.n);
    expect_ok(path, NULL, 0, 1);
    rm_tmp(path);

    uint8_t *data = gen_text(3000, 5);
    gz_member(&gz, data, 3000, F_NAME, 9);
    gz_member(&gz, (const uint8_t *)"", 0, F_COMMENT, 0);
    gz_member(&gz, data, 3000, 0, 1);
    struct mem plain = {0};
    mem_put(&plain, data, 3000);
    mem_put(&plain, data, 3000);
    path = write_tmp(gz.p, gz.n);
    expect_ok(path, plain.p, plain.n, 4);
    rm_tmp(path);
    mem_free(&gz);
    mem_free(&plain);
    free(data);
}

Test(gzip, zero_padding)
{
    size_t n = 50000;
    uint8_t *data = gen_text(n, 6);
    struct mem gz = {0};
    gz_member(&gz, data, n, 0, 6);
    size_t end = gz.n;
    uint8_t zeros[4096] = {0};
    mem_put(&gz, zeros, 1);
    char *path = write_tmp(gz.p, gz.n);
    expect_ok(path, data, n, 1);
    rm_tmp(path);

    mem_put(&gz, zeros, sizeof(zeros)); /* like a tape or a block device */
    path = write_tmp(gz.p, gz.n);
    expect_ok(path, data, n, 1);
    rm_tmp(path);

    /* padding, then something else: garbage, at its own offset */
    mem_put(&gz, "x", 1);
    path = write_tmp(gz.p, gz.n);
    expect_err(path, "trailing garbage", "trailing garbage after member 1", (long long)gz.n - 1,
               data, n, n);
    rm_tmp(path);
    (void)end;
    mem_free(&gz);
    free(data);
}

Test(gzip, trailing_garbage)
{
    size_t n = 50000;
    uint8_t *data = gen_text(n, 7);
    struct mem gz = {0};
    gz_member(&gz, data, n, 0, 6);
    gz_member(&gz, data, n, 0, 6);
    size_t end = gz.n;
    struct mem plain = {0};
    mem_put(&plain, data, n);
    mem_put(&plain, data, n);

    mem_put(&gz, "garbage\n", 8);
    char *path = write_tmp(gz.p, gz.n);
    expect_err(path, "trailing garbage", "trailing garbage after member 2", (long long)end, plain.p,
               plain.n, plain.n);
    rm_tmp(path);

    /* 1f followed by something other than 8b: still garbage */
    gz.n = end;
    mem_put(&gz, "\x1f\x00", 2);
    path = write_tmp(gz.p, gz.n);
    expect_err(path, "trailing garbage", "trailing garbage after member 2", (long long)end, plain.p,
               plain.n, plain.n);
    rm_tmp(path);

    /* a lone 1f at the end is the start of a cut-off third member */
    gz.n = end;
    mem_put(&gz, "\x1f", 1);
    path = write_tmp(gz.p, gz.n);
    expect_err(path, "truncated gzip stream", "truncated gzip stream (member 3)",
               (long long)end + 1, plain.p, plain.n, plain.n);
    rm_tmp(path);

    mem_free(&gz);
    mem_free(&plain);
    free(data);
}

/* Cuts a stream at every offset: each cut yields a prefix of the data and a
 * truncation error at the cut (or, at a member boundary, a clean end). */
static void truncate_everywhere(const struct mem *gz, const uint8_t *plain, size_t plain_n,
                                const size_t *bounds, size_t nbounds, const size_t *plain_at)
{
    size_t differ = 0;
    for (size_t t = 3; t < gz->n; t++) {
        char *path = write_tmp(gz->p, t);
        size_t got[NWAYS];
        size_t boundary = SIZE_MAX;
        for (size_t b = 0; b < nbounds; b++)
            if (bounds[b] == t) boundary = b;
        for (size_t w = 0; w < NWAYS; w++) {
            struct result r;
            read_path(path, ways[w], 1 << 16, &r);
            const char *wn = way_name(ways[w]);
            got[w] = r.out.n;
            cr_assert_leq(r.out.n, plain_n);
            cr_assert(r.out.n == 0 || memcmp(r.out.p, plain, r.out.n) == 0,
                      "%s: cut at %zu: not a prefix", wn, t);
            if (boundary != SIZE_MAX) {
                cr_assert_eq(r.code, 0, "%s: cut at boundary %zu: %s", wn, t, r.err.msg);
                cr_assert_eq(r.out.n, plain_at[boundary]);
            } else {
                cr_assert_eq(r.code, TRAWL_ETRUNC, "%s: cut at %zu: %d %s", wn, t, r.code,
                             r.err.msg);
                cr_assert_str_eq(err_kind(r.err.msg), "truncated gzip stream", "%s: %s", wn,
                                 r.err.msg);
                char want[600];
                snprintf(want, sizeof(want), "%s@%zu", path, t);
                cr_assert_str_eq(r.err.where, want, "%s", wn);
            }
            mem_free(&r.out);
        }
        /* The input path never matters. Between back ends: ISA-L decodes
         * up to three literals per table lookup and waits for all their
         * bits, so at a cut it may hold back the last one or two bytes that
         * zlib (symbol by symbol) already gave. */
        cr_assert_eq(got[0], got[1], "isal mmap/read differ at cut %zu", t);
        cr_assert_eq(got[2], got[3], "zlib mmap/read differ at cut %zu", t);
        cr_assert(got[0] <= got[2] && got[2] - got[0] <= 2, "cut at %zu: isal %zu, zlib %zu", t,
                  got[0], got[2]);
        if (got[0] != got[2]) differ++;
        rm_tmp(path);
    }
    cr_log_info("%zu of %zu cuts: ISA-L held back 1-2 bytes more than zlib", differ, gz->n - 3);
}

Test(gzip, truncated_everywhere, .timeout = 120)
{
    size_t n = 12000;
    uint8_t *data = gen_text(n, 8);
    for (int level = 0; level <= 9; level += 9) {
        struct mem gz = {0};
        gz_member(&gz, data, n, F_NAME | F_COMMENT | F_EXTRA | F_HCRC, level);
        truncate_everywhere(&gz, data, n, NULL, 0, NULL);
        /* a cut inside the trailer still delivered every byte */
        char *path = write_tmp(gz.p, gz.n - 1);
        expect_err(path, "truncated gzip stream", "truncated gzip stream (member 1)",
                   (long long)gz.n - 1, data, n, n);
        rm_tmp(path);
        mem_free(&gz);
    }
    free(data);
}

Test(gzip, truncated_multi_member, .timeout = 120)
{
    struct mem gz = {0}, plain = {0};
    size_t bounds[3], plain_at[3];
    for (int i = 0; i < 3; i++) {
        size_t n = 2000 + (size_t)i * 1500;
        uint8_t *d = gen_text(n, 20 + (uint32_t)i);
        gz_member(&gz, d, n, 0, 6);
        mem_put(&plain, d, n);
        bounds[i] = gz.n;
        plain_at[i] = plain.n;
        free(d);
    }
    truncate_everywhere(&gz, plain.p, plain.n, bounds, 2, plain_at);
    mem_free(&gz);
    mem_free(&plain);
}

Test(gzip, flipped_bytes, .timeout = 120)
{
    size_t n = 30000;
    uint8_t *data = gen_text(n, 9);
    struct mem gz = {0};
    gz_member(&gz, data, n, 0, 6);
    size_t kinds_differ = 0, bytes_differ = 0, tried = 0;
    /* every byte of the deflate body and the trailer, several bit patterns */
    for (size_t at = 10; at < gz.n; at += (at < 200 || at + 40 > gz.n) ? 1 : 7) {
        for (int pat = 0; pat < 3; pat++) {
            static const uint8_t xors[] = {0x01, 0x80, 0xff};
            gz.p[at] ^= xors[pat];
            char *path = write_tmp(gz.p, gz.n);
            const char *kind[NWAYS];
            size_t got[NWAYS];
            struct mem outs[NWAYS];
            for (size_t w = 0; w < NWAYS; w++) {
                struct result r;
                read_path(path, ways[w], 1 << 16, &r);
                const char *wn = way_name(ways[w]);
                cr_assert_lt(r.code, 0, "%s: flip %#x at %zu went unnoticed", wn, xors[pat], at);
                kind[w] = err_kind(r.err.msg);
                got[w] = r.out.n;
                cr_assert(strcmp(kind[w], "other") != 0, "%s: %s", wn, r.err.msg);
                cr_assert(strchr(r.err.where, '@'), "%s: no offset in %s", wn, r.err.where);
                if (at >= gz.n - 8) {
                    /* trailer: the data is intact, the check is not */
                    cr_assert_str_eq(kind[w], "crc mismatch", "%s", wn);
                    cr_assert_eq(r.out.n, n);
                    char want[600];
                    snprintf(want, sizeof(want), "%s@%zu", path, gz.n - 8);
                    cr_assert_str_eq(r.err.where, want);
                }
                outs[w] = r.out;
            }
            cr_assert_str_eq(kind[0], kind[1]);
            cr_assert_str_eq(kind[2], kind[3]);
            cr_assert_eq(got[0], got[1]);
            cr_assert_eq(got[2], got[3]);
            /* Both back ends decode the same bits to the same bytes; they may
             * stop at different places: zlib checks Huffman tables when a
             * block starts, ISA-L only when a bad code turns up, and ISA-L
             * accepts some incomplete code sets zlib refuses (the damage is
             * then caught by the CRC). One output is a prefix of the other. */
            size_t common = got[0] < got[2] ? got[0] : got[2];
            cr_assert(common == 0 || memcmp(outs[0].p, outs[2].p, common) == 0,
                      "flip at %zu: outputs disagree", at);
            if (strcmp(kind[0], kind[2]) != 0) {
                kinds_differ++;
                cr_assert_str_eq(kind[0], "crc mismatch", "flip %#x at %zu", xors[pat], at);
                cr_assert_str_eq(kind[2], "invalid deflate data");
                cr_log_info("flip %#x at %zu: isal says %s, zlib %s", xors[pat], at, kind[0],
                            kind[2]);
            }
            if (got[0] != got[2]) bytes_differ++;
            for (size_t w = 0; w < NWAYS; w++)
                mem_free(&outs[w]);
            tried++;
            rm_tmp(path);
            gz.p[at] ^= xors[pat];
        }
    }
    cr_log_info("%zu flips: error kinds differ in %zu, byte counts before the error in %zu", tried,
                kinds_differ, bytes_differ);
    mem_free(&gz);
    free(data);
}

/* ---- reading patterns ---------------------------------------------------------- */

Test(gzip, small_caps)
{
    struct mem gz = {0}, plain = {0};
    for (int i = 0; i < 3; i++) {
        size_t n = 70000 + (size_t)i * 333;
        uint8_t *d = gen_text(n, 30 + (uint32_t)i);
        gz_member(&gz, d, n, F_NAME | F_EXTRA, 6);
        mem_put(&plain, d, n);
        free(d);
    }
    char *gzpath = write_tmp(gz.p, gz.n);
    char *rawpath = write_tmp(plain.p, plain.n);
    static const size_t caps[] = {1, 7, 4096, 1000003};
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        for (size_t w = 0; w < NWAYS; w++) {
            struct result r;
            read_path(gzpath, ways[w], caps[c], &r);
            cr_assert_eq(r.code, 0, "%s cap %zu: %s", way_name(ways[w]), caps[c], r.err.msg);
            cr_assert_eq(r.out.n, plain.n);
            cr_assert(memcmp(r.out.p, plain.p, plain.n) == 0, "%s cap %zu", way_name(ways[w]),
                      caps[c]);
            mem_free(&r.out);

            read_path(rawpath, ways[w], caps[c], &r);
            cr_assert_eq(r.code, 0);
            cr_assert_eq(r.kind, TRAWL_IN_RAW);
            cr_assert_eq(r.out.n, plain.n);
            cr_assert(memcmp(r.out.p, plain.p, plain.n) == 0);
            mem_free(&r.out);
        }
    }
    rm_tmp(gzpath);
    rm_tmp(rawpath);
    mem_free(&gz);
    mem_free(&plain);
}

Test(gzip, raw_sources)
{
    size_t n = 100000;
    uint8_t *data = gen_text(n, 40);
    char *path = write_tmp(data, n);

    struct trawl_src *s;
    struct trawl_error err;
    const uint8_t *m;
    size_t ml;
    cr_assert_eq(trawl_src_open(path, 0, &s, &err), 0);
    cr_assert_eq(trawl_src_kind(s), TRAWL_IN_RAW);
    cr_assert_eq(trawl_src_map(s, &m, &ml), 0);
    cr_assert_eq(ml, n);
    cr_assert(memcmp(m, data, n) == 0);
    cr_assert_eq(trawl_src_size(s), (int64_t)n);
    cr_assert_eq(trawl_src_members(s), 0);
    trawl_src_close(s);

    cr_assert_eq(trawl_src_open(path, TRAWL_SRC_NO_MMAP, &s, &err), 0);
    cr_assert_eq(trawl_src_map(s, &m, &ml), TRAWL_EUNSUPPORTED);
    cr_assert_eq(trawl_src_size(s), (int64_t)n);
    trawl_src_close(s);
    rm_tmp(path);

    /* empty file: mapped, no data */
    path = write_tmp("", 0);
    cr_assert_eq(trawl_src_open(path, 0, &s, &err), 0);
    m = (const uint8_t *)"x";
    ml = 99;
    cr_assert_eq(trawl_src_map(s, &m, &ml), 0);
    cr_assert_null(m);
    cr_assert_eq(ml, 0);
    uint8_t b[8];
    cr_assert_eq(trawl_src_read(s, b, sizeof(b), &err), 0);
    trawl_src_close(s);
    cr_assert_eq(trawl_src_open(path, TRAWL_SRC_NO_MMAP, &s, &err), 0);
    cr_assert_eq(trawl_src_read(s, b, sizeof(b), &err), 0);
    trawl_src_close(s);
    rm_tmp(path);

    /* tiny files that start like gzip but are too short to be it */
    path = write_tmp("\x1f\x8b", 2);
    for (size_t w = 0; w < NWAYS; w++) {
        struct result r;
        read_path(path, ways[w], 1, &r);
        cr_assert_eq(r.kind, TRAWL_IN_RAW);
        cr_assert_eq(r.out.n, 2);
        mem_free(&r.out);
    }
    rm_tmp(path);

    /* errors name the path */
    cr_assert_eq(trawl_src_open("/nonexistent/trawl/file", 0, &s, &err), TRAWL_EIO);
    cr_assert_str_eq(err.where, "/nonexistent/trawl/file");
    cr_assert(strstr(err.msg, "No such file"), "%s", err.msg);
    cr_assert_eq(trawl_src_open("/tmp", 0, &s, &err), TRAWL_EINVAL);
    trawl_src_close(NULL);
    free(data);
}

/* A writer thread feeding a pipe in awkward pieces (1 byte first, so the
 * sniff has to wait for more). */
struct feeder {
    int fd;
    const char *fifo; /* open this path instead of using fd */
    const uint8_t *p;
    size_t n;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    int fd = f->fifo ? open(f->fifo, O_WRONLY) : f->fd;
    size_t i = 0, step = 1;
    while (i < f->n) {
        size_t k = step < f->n - i ? step : f->n - i;
        ssize_t w = write(fd, f->p + i, k);
        if (w <= 0) break;
        i += (size_t)w;
        step = step * 3 + 1;
        if (step > 100000) step = 2;
        if (i < 64) usleep(2000);
    }
    close(fd);
    return NULL;
}

static void read_pipe(const uint8_t *in, size_t in_n, unsigned flags, bool use_fifo,
                      struct result *r)
{
    pthread_t th;
    struct feeder f = {.p = in, .n = in_n};
    char fifo[64] = "";
    const char *path = "-";
    if (use_fifo) {
        snprintf(fifo, sizeof(fifo), "/tmp/trawl-fifo-%d-%u", (int)getpid(), flags);
        cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo: %s", strerror(errno));
        f.fifo = fifo;
        path = fifo;
    } else {
        int p[2];
        cr_assert_eq(pipe(p), 0);
        if (p[0] != STDIN_FILENO) {
            cr_assert_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
            close(p[0]);
        }
        f.fd = p[1];
    }
    pthread_create(&th, NULL, feed, &f);

    memset(r, 0, sizeof(*r));
    struct trawl_src *s;
    cr_assert_eq(trawl_src_open(path, flags, &s, &r->err), 0, "%s", r->err.msg);
    const uint8_t *m;
    size_t ml;
    cr_assert_eq(trawl_src_map(s, &m, &ml), TRAWL_EUNSUPPORTED);
    cr_assert_eq(trawl_src_size(s), -1);
    read_src(s, 4096, r);
    trawl_src_close(s);
    pthread_join(th, NULL);
    if (!use_fifo)
        close(STDIN_FILENO);
    else
        unlink(fifo);
}

Test(gzip, pipes)
{
    struct mem gz = {0}, plain = {0};
    for (int i = 0; i < 2; i++) {
        size_t n = 200000 + (size_t)i;
        uint8_t *d = gen_text(n, 50 + (uint32_t)i);
        gz_member(&gz, d, n, F_NAME, 6);
        mem_put(&plain, d, n);
        free(d);
    }
    for (int fifo = 0; fifo < 2; fifo++) {
        for (size_t w = 0; w < NWAYS; w++) {
            struct result r;
            read_pipe(gz.p, gz.n, ways[w], fifo, &r);
            cr_assert_eq(r.kind, TRAWL_IN_GZIP);
            cr_assert_eq(r.code, 0, "%s", r.err.msg);
            cr_assert_eq(r.members, 2);
            cr_assert_eq(r.raw_off, gz.n);
            cr_assert_eq(r.out.n, plain.n);
            cr_assert(memcmp(r.out.p, plain.p, plain.n) == 0);
            mem_free(&r.out);

            read_pipe(plain.p, plain.n, ways[w], fifo, &r);
            cr_assert_eq(r.kind, TRAWL_IN_RAW);
            cr_assert_eq(r.code, 0);
            cr_assert_eq(r.out.n, plain.n);
            cr_assert(memcmp(r.out.p, plain.p, plain.n) == 0, "sniffed bytes lost");
            mem_free(&r.out);

            /* shorter than a magic number */
            read_pipe((const uint8_t *)"ab", 2, ways[w], fifo, &r);
            cr_assert_eq(r.out.n, 2);
            cr_assert(memcmp(r.out.p, "ab", 2) == 0);
            mem_free(&r.out);

            /* truncated gzip through a pipe: offset is where input ended */
            read_pipe(gz.p, gz.n - 100, ways[w], fifo, &r);
            cr_assert_eq(r.code, TRAWL_ETRUNC, "%s", r.err.msg);
            char want[64];
            snprintf(want, sizeof(want), "@%zu", gz.n - 100);
            cr_assert(strstr(r.err.where, want), "%s", r.err.where);
            cr_assert(memcmp(r.out.p, plain.p, r.out.n) == 0);
            mem_free(&r.out);
        }
    }
    mem_free(&gz);
    mem_free(&plain);
}

/* ---- third-party corpus --------------------------------------------------------- */

static char *corpus_dir(void)
{
    const char *root = getenv("TRAWL_CORPUS");
    if (!root || !*root) root = "/work/shared/corpus";
    char *dir = malloc(strlen(root) + 64);
    cr_assert_not_null(dir);
    sprintf(dir, "%s/malformed/gzip/scrapy", root);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(dir);
        return NULL;
    }
    return dir;
}

static char *corpus_file(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert_not_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    struct mem m = {0};
    uint8_t buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
        mem_put(&m, buf, k);
    fclose(f);
    *n = m.n;
    return m.p;
}

static bool ends_with(const struct mem *m, const char *s)
{
    size_t k = strlen(s);
    return m->n >= k && memcmp(m->p + m->n - k, s, k) == 0;
}

Test(gzip_corpus, every_file_both_backends)
{
    char *dir = corpus_dir();
    if (!dir) {
        cr_skip_test("corpus not found (TRAWL_CORPUS)");
        return;
    }
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char *path = corpus_file(dir, de->d_name);
        struct stat st;
        stat(path, &st);
        for (size_t w = 0; w < NWAYS; w++) {
            struct result r;
            read_path(path, ways[w], 1 << 20, &r);
            if (r.kind == TRAWL_IN_GZIP && r.code < 0) {
                /* damage is located */
                cr_assert(strchr(r.err.where, '@'), "%s", r.err.where);
                if (r.code == TRAWL_ETRUNC) {
                    char want[32];
                    snprintf(want, sizeof(want), "@%lld", (long long)st.st_size);
                    cr_assert(strstr(r.err.where, want), "%s: %s", de->d_name, r.err.where);
                }
            }
            if (r.kind != TRAWL_IN_GZIP) {
                cr_assert_eq(r.code, 0);
                cr_assert_eq(r.out.n, (size_t)st.st_size);
            }
            mem_free(&r.out);
        }
        files++;
        free(path);
    }
    closedir(d);
    cr_assert_gt(files, 5);
    free(dir);
}

Test(gzip_corpus, known_files)
{
    char *dir = corpus_dir();
    if (!dir) {
        cr_skip_test("corpus not found (TRAWL_CORPUS)");
        return;
    }
    char *feed_gz = corpus_file(dir, "feed-sample1.xml.gz");
    char *feed = corpus_file(dir, "feed-sample1.xml");
    char *trunc = corpus_file(dir, "truncated-crc-error.gz");
    char *trunc_short = corpus_file(dir, "truncated-crc-error-short.gz");
    char *eof = corpus_file(dir, "unexpected-eof.gz");
    char *eof_out = corpus_file(dir, "unexpected-eof-output.txt");
    char *html = corpus_file(dir, "html-gzip.bin");
    char *nested = corpus_file(dir, "html-gzip-deflate-gzip.bin");
    size_t feed_n, eof_out_n;
    uint8_t *feed_data = slurp(feed, &feed_n);
    uint8_t *eof_out_data = slurp(eof_out, &eof_out_n);

    for (size_t w = 0; w < NWAYS; w++) {
        const char *wn = way_name(ways[w]);
        struct result r;

        /* scrapy: test_gunzip_basic */
        read_path(feed_gz, ways[w], 1 << 20, &r);
        cr_assert_eq(r.code, 0, "%s: %s", wn, r.err.msg);
        cr_assert_eq(r.out.n, 9950);
        cr_assert_eq(feed_n, 9950);
        cr_assert(memcmp(r.out.p, feed_data, feed_n) == 0);
        mem_free(&r.out);

        /* the plain XML is not gzip */
        read_path(feed, ways[w], 1 << 20, &r);
        cr_assert_eq(r.kind, TRAWL_IN_RAW);
        mem_free(&r.out);

        /* test_gunzip_truncated: everything up to the cut, then an error at the end */
        read_path(trunc, ways[w], 1 << 20, &r);
        cr_assert_eq(r.code, TRAWL_ETRUNC, "%s: %s", wn, r.err.msg);
        cr_assert_str_eq(r.err.msg, "truncated gzip stream (member 1)");
        cr_assert(ends_with(&r.out, "</html"), "%s: %zu bytes", wn, r.out.n);
        cr_assert_eq(r.out.n, 25542, "%s: %zu", wn, r.out.n);
        mem_free(&r.out);

        read_path(trunc_short, ways[w], 1 << 20, &r);
        cr_assert_eq(r.code, TRAWL_ETRUNC);
        cr_assert(ends_with(&r.out, "</html>"), "%s", wn);
        cr_assert_eq(r.out.n, 3741, "%s: %zu", wn, r.out.n);
        mem_free(&r.out);

        /* test_gunzip_illegal_eof: the cp1252 text, byte for byte */
        read_path(eof, ways[w], 1 << 20, &r);
        cr_assert_eq(r.code, TRAWL_ETRUNC);
        cr_assert_eq(r.out.n, 8576, "%s: %zu", wn, r.out.n);
        iconv_t cd = iconv_open("UTF-8", "CP1252");
        if (cd != (iconv_t)-1) {
            size_t in_left = r.out.n, out_cap = r.out.n * 4, out_left = out_cap;
            char *u = malloc(out_cap), *ip = (char *)r.out.p, *op = u;
            cr_assert_neq(iconv(cd, &ip, &in_left, &op, &out_left), (size_t)-1);
            cr_assert_eq(out_cap - out_left, eof_out_n);
            cr_assert(memcmp(u, eof_out_data, eof_out_n) == 0);
            free(u);
            iconv_close(cd);
        } else {
            cr_log_info("no CP1252 in iconv: byte comparison skipped");
        }
        mem_free(&r.out);

        read_path(html, ways[w], 1 << 20, &r);
        cr_assert_eq(r.code, 0);
        cr_assert_eq(r.out.n, 74837);
        mem_free(&r.out);

        /* gzip around a zlib stream: only the outer layer is ours */
        read_path(nested, ways[w], 1 << 20, &r);
        cr_assert_eq(r.code, 0);
        cr_assert_eq(r.out.n, 7991);
        cr_assert(r.out.p[0] == 0x78 && r.out.p[1] == 0x9c);
        mem_free(&r.out);
    }
    free(feed_data);
    free(eof_out_data);
    free(feed_gz);
    free(feed);
    free(trunc);
    free(trunc_short);
    free(eof);
    free(eof_out);
    free(html);
    free(nested);
    free(dir);
}

Test(gzip_corpus, bomb_streams, .timeout = 120)
{
    char *dir = corpus_dir();
    if (!dir) {
        cr_skip_test("corpus not found (TRAWL_CORPUS)");
        return;
    }
    char *bomb = corpus_file(dir, "bomb-gzip.bin");
    static const char line[] = "This is a compression bomb.\n";
    const size_t ll = sizeof(line) - 1;
    const uint64_t stop_at = 2ull << 30;
    size_t cap = 1 << 20;
    uint8_t *buf = malloc(cap);

    for (size_t w = 0; w < NWAYS; w++) {
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        struct trawl_src *s;
        struct trawl_error err;
        cr_assert_eq(trawl_src_open(bomb, ways[w], &s, &err), 0);
        int64_t in_size = trawl_src_size(s);
        uint64_t total = 0;
        ssize_t n;
        while (total < stop_at && (n = trawl_src_read(s, buf, cap, &err)) > 0) {
            for (ssize_t i = 0; i < n; i += 4099) /* sample the content */
                cr_assert_eq(buf[i], (uint8_t)line[(total + (uint64_t)i) % ll]);
            total += (uint64_t)n;
        }
        cr_assert_geq(n, 0, "%s: %s", err.where, err.msg);
        getrusage(RUSAGE_SELF, &after);
        cr_log_info("%s: %llu bytes out of %lld, max RSS %ld -> %ld KiB", way_name(ways[w]),
                    (unsigned long long)total, (long long)in_size, before.ru_maxrss,
                    after.ru_maxrss);
        /* 11.5 MB out of 28 KB in: a ratio of 400 */
        cr_assert_eq(total, 411129 * ll);
        cr_assert_gt(total, (uint64_t)in_size * 400);
        /* streamed: memory did not grow with the output */
        cr_assert_lt(after.ru_maxrss - before.ru_maxrss, 8 * 1024);
        trawl_src_close(s);
    }
    free(buf);
    free(bomb);
    free(dir);
}
