/* libFuzzer target: compile -> serialise -> load -> scan round trip.
 *
 * Input layout: byte 0 holds options (bits 0-2: number of indicator lines
 * minus one; bit 3: compile with UTF-16LE; bit 4: scan with UTF-16LE),
 * bytes 1-2 the split point, then that many '\n'-terminated indicator lines
 * (first byte: type in the low nibble, bit 4 EXACT, bit 5 NOCASE; the rest
 * the raw value, normalised as that type; lines that do not normalise are
 * skipped), and the rest is the data to scan.
 *
 * Checks, each aborting on a mismatch:
 *  - the database written to a file and opened again holds the same
 *    indicators and finds exactly the same hits as the compiled one;
 *  - splitting the data's accepted range in two at the chosen point over one
 *    base gives the same hits (chunks of a mapped file);
 *  - so does scanning it as two stream windows, the second starting with
 *    the first's carried tail (LOOKBEHIND bytes before its range, as scan.c);
 *  - every hit lies inside the data;
 *  - with URL or e-mail indicators in the set, the database compiled with
 *    every one of them as a Hyperscan literal (text_literals) finds exactly
 *    the same hits as the token pass does;
 *  - on a CPU with AVX-512, the portable token pass finds the same hits as
 *    the AVX-512 one.
 * Regex indicators take part in the first check only: a regex match may
 * begin anywhere, so its start depends on where scanning starts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "trawl_engine.h"

#define LOOKBEHIND 512 /* engine/scan.c */

static int cmp_hit(const void *a, const void *b)
{
    const struct trawl_hit *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->ioc != y->ioc) return x->ioc < y->ioc ? -1 : 1;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return (int)x->utf16 - (int)y->utf16;
}

struct hits {
    struct trawl_hit *h;
    size_t n;
};

/* Scans the spans, then returns the sorted hits (caller frees). */
static struct hits collect(struct trawl_matcher *m, const struct trawl_span *sp, size_t nsp)
{
    struct trawl_error err = {0};
    trawl_matcher_clear(m);
    for (size_t i = 0; i < nsp; i++)
        FUZZ_CHECK(trawl_matcher_scan(m, &sp[i], &err) == 0, "scan: %s", err.msg);
    struct hits r = {.n = trawl_matcher_nhits(m)};
    r.h = malloc((r.n ? r.n : 1) * sizeof(*r.h));
    FUZZ_CHECK(r.h, "out of memory");
    if (r.n) memcpy(r.h, trawl_matcher_hits(m), r.n * sizeof(*r.h));
    qsort(r.h, r.n, sizeof(*r.h), cmp_hit);
    for (size_t i = 0; i < r.n; i++)
        r.h[i].line = 0;
    trawl_matcher_clear(m);
    return r;
}

static void same(const struct hits *a, const struct hits *b, const char *what)
{
    if (a->n == b->n && (!a->n || !memcmp(a->h, b->h, a->n * sizeof(*a->h)))) return;
    fprintf(stderr, "%s: %zu hits vs %zu\n", what, a->n, b->n);
    for (size_t i = 0; i < a->n || i < b->n; i++) {
        if (i < a->n)
            fprintf(stderr, "  a: off %llu ioc %u len %u u16 %u\n",
                    (unsigned long long)a->h[i].offset, a->h[i].ioc, a->h[i].len, a->h[i].utf16);
        if (i < b->n)
            fprintf(stderr, "  b: off %llu ioc %u len %u u16 %u\n",
                    (unsigned long long)b->h[i].offset, b->h[i].ioc, b->h[i].len, b->h[i].utf16);
    }
    FUZZ_CHECK(0, "%s differ", what);
}

static const char *tmp_path(void)
{
    static char path[256];
    if (!path[0]) {
        /* tmpfs: trawl_db_write fsyncs */
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(path, sizeof(path), "%s/trawl-fuzz-rt-%d.tdb", dir, (int)getpid());
    }
    return path;
}

/* Compiling a database costs far more than the scans, and most mutations
 * touch the data, not the indicator lines: the last CACHE compiled
 * databases (with their reopened twins and matchers) are kept, keyed by the
 * exact indicator bytes and the UTF-16 option. A cached entry passed every
 * database check when it was built; the scans are rerun for each input. */
#define CACHE 64

struct entry {
    uint8_t *key;
    size_t klen;
    struct trawl_iocset *set;
    struct trawl_db *db, *db2, *db3;
    struct trawl_matcher *m1, *m2, *m3; /* db3/m3: text_literals, or NULL */
    bool regex;
    uint64_t used;
};

static struct entry cache[CACHE];
static uint64_t clock_;

static void entry_free(struct entry *e)
{
    trawl_matcher_free(e->m1);
    trawl_matcher_free(e->m2);
    trawl_matcher_free(e->m3);
    trawl_db_close(e->db2);
    trawl_db_close(e->db3);
    trawl_db_close(e->db);
    trawl_iocset_free(e->set);
    free(e->key);
    memset(e, 0, sizeof(*e));
}

static struct entry *cache_find(const uint8_t *key, size_t klen)
{
    for (int i = 0; i < CACHE; i++)
        if (cache[i].key && cache[i].klen == klen && !memcmp(cache[i].key, key, klen)) {
            cache[i].used = ++clock_;
            return &cache[i];
        }
    return NULL;
}

/* A free slot, or the least recently used one, emptied. */
static struct entry *cache_slot(void)
{
    struct entry *lru = &cache[0];
    for (int i = 0; i < CACHE; i++) {
        if (!cache[i].key) return &cache[i];
        if (cache[i].used < lru->used) lru = &cache[i];
    }
    entry_free(lru);
    return lru;
}

/* The scan checks of one input against a (possibly cached) entry. */
static int scan_checks(struct entry *e, const uint8_t *text, size_t len, size_t split, unsigned opt)
{
    split = len ? split % (len + 1) : 0;
    /* A copy of exactly len bytes, so that ASan sees any read past the end. */
    uint8_t *buf = malloc(len ? len : 1);
    FUZZ_CHECK(buf, "out of memory");
    if (len) memcpy(buf, text, len);
    bool u16 = (opt & 16) != 0;

    struct trawl_matcher *m1 = e->m1, *m2 = e->m2;
    size_t n = trawl_db_count(e->db);
    struct trawl_span whole = {.base = buf, .len = len, .lo = 0, .hi = len, .utf16 = u16};
    struct hits h1 = collect(m1, &whole, 1);
    struct hits h2 = collect(m2, &whole, 1);
    same(&h1, &h2, "compiled and reopened database");
    if (e->m3) {
        struct hits h5 = collect(e->m3, &whole, 1);
        same(&h1, &h5, "token and literal URLs and addresses");
        free(h5.h);
    }
    if (trawl_cpu_avx512()) { /* the portable token pass finds the same */
        trawl_cpu_avx512_allow(false);
        struct hits h6 = collect(m1, &whole, 1);
        trawl_cpu_avx512_allow(true);
        same(&h1, &h6, "AVX-512 and portable token passes");
        free(h6.h);
    }
    if (getenv("TRAWL_FUZZ_VERBOSE"))
        fprintf(stderr, "roundtrip: %zu indicators, %zu data bytes, split %zu, %zu hits\n", n, len,
                split, h1.n);
    for (size_t i = 0; i < h1.n; i++)
        FUZZ_CHECK(h1.h[i].ioc < n && h1.h[i].offset + h1.h[i].len <= len,
                   "hit off %llu len %u ioc %u outside", (unsigned long long)h1.h[i].offset,
                   h1.h[i].len, h1.h[i].ioc);

    if (!e->regex) {
        /* chunks of one mapping */
        struct trawl_span two[2] = {
            {.base = buf, .len = len, .lo = 0, .hi = split, .utf16 = u16},
            {.base = buf, .len = len, .lo = split, .hi = len, .utf16 = u16},
        };
        struct hits h3 = collect(m2, two, 2);
        same(&h1, &h3, "whole and split spans");
        free(h3.h);

        /* stream windows as scan.c makes them: the first ends overlap bytes
         * past its accepted range, the second begins LOOKBEHIND bytes
         * before its own (the carry is overlap + LOOKBEHIND bytes) */
        size_t ov = trawl_matcher_overlap(m2);
        size_t e1 = split + ov < len ? split + ov : len;
        size_t s2 = split > LOOKBEHIND ? split - LOOKBEHIND : 0;
        struct trawl_span win[2] = {
            {.base = buf, .len = e1, .lo = 0, .hi = split, .utf16 = u16},
            {.base = buf + s2,
             .len = len - s2,
             .base_off = s2,
             .lo = split,
             .hi = len,
             .utf16 = u16},
        };
        struct hits h4 = collect(m2, win, 2);
        same(&h1, &h4, "whole and stream windows");
        free(h4.h);
    }
    free(h1.h);
    free(h2.h);
    free(buf);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    unsigned opt = data[0];
    size_t split = (size_t)data[1] << 8 | data[2];
    const uint8_t *p = data + 3, *end = data + size;
    unsigned nlines = (opt & 7) + 1;

    /* where the indicator lines end: the text starts there */
    const uint8_t *q = p;
    for (unsigned i = 0; i < nlines && q < end; i++) {
        const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) break;
        q = nl + 1;
    }
    size_t klen = (size_t)(q - p) + 1;
    uint8_t *key = malloc(klen);
    FUZZ_CHECK(key, "out of memory");
    key[0] = (uint8_t)(opt & 8);
    memcpy(key + 1, p, klen - 1);
    struct entry *ce = cache_find(key, klen);
    if (ce) {
        free(key);
        return scan_checks(ce, q, (size_t)(end - q), split, opt);
    }

    struct trawl_iocset *set;
    FUZZ_CHECK(trawl_iocset_new(&set) == 0, "out of memory");
    bool regex = false, text = false;
    for (unsigned i = 0; i < nlines && p < end; i++) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break;
        const uint8_t *v = p + 1;
        unsigned tb = p[0];
        p = nl + 1;
        if (v > nl) continue;
        enum trawl_ioc_type type = (enum trawl_ioc_type)((tb & 15) % TRAWL_T_COUNT);
        char val[TRAWL_IOC_MAX + 1];
        struct trawl_error err = {0};
        if (trawl_ioc_normalise(&type, (const char *)v, (size_t)(nl - v), val, sizeof(val), NULL,
                                &err))
            continue;
        struct trawl_ioc_rec rec = {.type = type,
                                    .flags = (tb & 16 ? TRAWL_IOC_EXACT : 0) |
                                             (tb & 32 ? TRAWL_IOC_NOCASE : 0),
                                    .value = val,
                                    .tlp = (enum trawl_tlp)(tb >> 6),
                                    .severity = TRAWL_SEV_HIGH,
                                    .source = "fuzz",
                                    .confidence = -1};
        FUZZ_CHECK(trawl_iocset_add(set, &rec) >= 0, "add failed");
        regex |= type == TRAWL_T_REGEX;
        text |= type == TRAWL_T_URL || type == TRAWL_T_EMAIL;
    }
    FUZZ_CHECK(p == q, "indicator lines parsed twice differently");

    struct trawl_compile_opts co = {.utf16 = (opt & 8) != 0};
    struct trawl_db *db = NULL, *db2 = NULL;
    struct trawl_error err = {0};
    if (trawl_db_compile(set, &co, &db, &err)) {
        /* an empty set, or a regex Hyperscan refuses: fine, but say why */
        FUZZ_CHECK(err.msg[0], "compile failed without a message");
        trawl_iocset_free(set);
        free(key);
        return 0;
    }
    const char *path = tmp_path();
    FUZZ_CHECK(trawl_db_write(db, path, &err) == 0, "write: %s", err.msg);
    FUZZ_CHECK(trawl_db_open(path, &db2, &err) == 0, "open: %s", err.msg);
    unlink(path);

    size_t n = trawl_db_count(db);
    FUZZ_CHECK(n == trawl_db_count(db2), "count %zu vs %zu", n, trawl_db_count(db2));
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_view a, b;
        trawl_db_get(db, i, &a);
        trawl_db_get(db2, i, &b);
        FUZZ_CHECK(a.type == b.type && a.flags == b.flags && a.tlp == b.tlp &&
                       a.severity == b.severity && a.nsources == b.nsources &&
                       !strcmp(a.value, b.value),
                   "indicator %zu differs", i);
    }

    struct entry *e = cache_slot();
    *e = (struct entry){.key = key,
                        .klen = klen,
                        .set = set,
                        .db = db,
                        .db2 = db2,
                        .regex = regex,
                        .used = ++clock_};
    FUZZ_CHECK(trawl_matcher_new(db, &e->m1, &err) == 0, "matcher: %s", err.msg);
    FUZZ_CHECK(trawl_matcher_new(db2, &e->m2, &err) == 0, "matcher: %s", err.msg);
    if (text) {
        co.text_literals = true;
        FUZZ_CHECK(trawl_db_compile(set, &co, &e->db3, &err) == 0, "literal compile: %s", err.msg);
        FUZZ_CHECK(trawl_matcher_new(e->db3, &e->m3, &err) == 0, "matcher: %s", err.msg);
    }
    return scan_checks(e, q, (size_t)(end - q), split, opt);
}
