/* Unit tests of the file scan (engine/scan.c) and the JSON hit lines
 * (engine/hits.c): real temporary files, plain, chunked, gzip (single and
 * multi-member, ISA-L and zlib, truncated), directories, empty and binary
 * files, stdin; the output is read back, every line checked to be valid
 * JSON, and the (offset, value, line) triples compared with what was
 * planted. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "trawl_engine.h"

/* ---- indicator set -------------------------------------------------------- */

#define MD5 "d41d8cd98f00b204e9800998ecf8427e"

static struct trawl_db *g_db;
static char g_dir[64];

static void add(struct trawl_iocset *set, enum trawl_ioc_type type, unsigned flags, const char *raw)
{
    char v[TRAWL_IOC_MAX + 1];
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_normalise(&type, raw, strlen(raw), v, sizeof(v), NULL, &err), 0,
                 "normalise %s: %s", raw, err.msg);
    struct trawl_ioc_rec r = {.type = type,
                              .flags = flags,
                              .value = v,
                              .tlp = TRAWL_TLP_AMBER,
                              .severity = TRAWL_SEV_HIGH,
                              .source = "unit \"feed\"",
                              .confidence = 80};
    cr_assert_geq(trawl_iocset_add(set, &r), 0);
}

static void setup(void)
{
    struct trawl_iocset *set;
    cr_assert_eq(trawl_iocset_new(&set), 0);
    add(set, TRAWL_T_DOMAIN, 0, "evil.com");
    add(set, TRAWL_T_IPV4, 0, "1.2.3.4");
    add(set, TRAWL_T_CIDR, 0, "10.9.0.0/16");
    add(set, TRAWL_T_MD5, 0, MD5);
    add(set, TRAWL_T_STRING, 0, "Secret");
    add(set, TRAWL_T_FILENAME, 0, "invoice.exe");
    add(set, TRAWL_T_URL, 0, "http://bad.org/Path");
    add(set, TRAWL_T_EMAIL, 0, "user@evil.com");
    add(set, TRAWL_T_REGEX, 0, "mal[0-9]{3}kit");
    struct trawl_error err = {0};
    struct trawl_compile_opts co = {.utf16 = true};
    cr_assert_eq(trawl_db_compile(set, &co, &g_db, &err), 0, "compile: %s", err.msg);
    trawl_iocset_free(set);
    snprintf(g_dir, sizeof(g_dir), "/tmp/trawl-scan-XXXXXX");
    cr_assert(mkdtemp(g_dir));
}

static void teardown(void)
{
    trawl_db_close(g_db);
    g_db = NULL;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", g_dir);
}

/* ---- files ---------------------------------------------------------------- */

static char *path_of(const char *name)
{
    static char buf[4][256];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 256, "%s/%s", g_dir, name);
    return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* One gzip member of p[0, n). */
static void gz_member(const uint8_t *p, size_t n, struct trawl_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    cr_assert_eq(deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    cr_assert_eq(trawl_buf_reserve(out, cap), 0);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out->data + out->len;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    out->len += z.total_out;
    deflateEnd(&z);
}

/* ---- planted text --------------------------------------------------------- */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* What a planted text holds: indicator text, the value it is reported as. */
static const struct {
    const char *text, *value;
} plants[] = {
    {"evil.com", "evil.com"},
    {"1.2.3.4", "1.2.3.4"},
    {"10.9.200.7", "10.9.0.0/16"},
    {MD5, MD5},
    {"D41D8CD98F00B204E9800998ECF8427E", MD5},
    {"Secret", "Secret"},
    {"INVOICE.exe", "invoice.exe"},
    {"http://bad.org/Path", "http://bad.org/Path"},
    {"mal123kit", "mal[0-9]{3}kit"},
};
#define NPLANTS (sizeof(plants) / sizeof(*plants))

struct want {
    size_t n;
    char **items; /* "offset:value:line", sorted */
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void want_free(struct want *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->items[i]);
    free(w->items);
    w->items = NULL;
    w->n = 0;
}

static void want_push(struct want *w, const char *s)
{
    if ((w->n & (w->n - 1)) == 0) { /* grow at powers of two */
        w->items = realloc(w->items, (w->n ? 2 * w->n : 1) * sizeof(*w->items));
        cr_assert(w->items);
    }
    w->items[w->n++] = strdup(s);
}

static bool want_has(const struct want *w, const char *s)
{
    return bsearch(&s, w->items, w->n, sizeof(*w->items), cmp_str) != NULL;
}

/* Filler of letters g-z, spaces and newlines: never part of any indicator. */
static void filler(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd() % 40;
        p[i] = r < 20 ? (uint8_t)('g' + r) : r < 36 ? ' ' : r < 39 ? 'x' : '\n';
    }
}

/* Plants indicator k at offset `at` with a space on each side. Returns the
 * first free offset after it. */
static size_t plant(uint8_t *p, size_t at, size_t k)
{
    size_t n = strlen(plants[k].text);
    p[at - 1] = ' ';
    memcpy(p + at, plants[k].text, n);
    p[at + n] = ' ';
    return at + n + 1;
}

/* The expected (offset, value, line) set of a planted buffer. */
static void collect(const uint8_t *p, size_t len, const size_t *offs, const size_t *kinds, size_t n,
                    struct want *w)
{
    size_t line = 1, pos = 0;
    char item[200];
    for (size_t i = 0; i < n; i++) {
        for (; pos < offs[i]; pos++)
            line += p[pos] == '\n';
        snprintf(item, sizeof(item), "%zu:%s:%zu", offs[i], plants[kinds[i]].value, line);
        want_push(w, item);
    }
    (void)len;
    qsort(w->items, w->n, sizeof(*w->items), cmp_str);
}

/* Builds a text of len bytes with indicators planted at random places and
 * straddling every multiple of `every` (and at `extra` boundaries ± 400). */
static uint8_t *make_text(size_t len, size_t every, struct want *w)
{
    uint8_t *p = malloc(len);
    cr_assert(p);
    filler(p, len);
    size_t cap = len / 50 + 1000, n = 0;
    size_t *offs = malloc(cap * sizeof(*offs)), *kinds = malloc(cap * sizeof(*kinds));
    size_t at = 10;
    size_t next_b = every;
    while (at + 100 < len && n + 2 < cap) {
        size_t k = rnd() % NPLANTS;
        size_t tl = strlen(plants[k].text);
        size_t pos;
        if (next_b && at + 200 > next_b && next_b + 100 < len) {
            /* straddle the boundary: start up to tl-1 bytes before it */
            size_t back = 1 + rnd() % (tl - 1);
            pos = next_b - back > at ? next_b - back : at;
            next_b += every;
        } else {
            pos = at + 2 + rnd() % 300;
            if (next_b && pos + tl + 2 > next_b - 200 && pos < next_b)
                pos = at + 2; /* keep room for the straddling plant */
        }
        if (pos + tl + 2 >= len) break;
        offs[n] = pos;
        kinds[n++] = k;
        at = plant(p, pos, k) + 1;
    }
    collect(p, len, offs, kinds, n, w);
    free(offs);
    free(kinds);
    return p;
}

/* ---- output --------------------------------------------------------------- */

static const char *json_value(const char *p);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"') return NULL;
    while (*p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20) return NULL;
        if (c == '\\') {
            p++;
            if (*p && strchr("\"\\/bfnrt", *p)) {
                p++;
                continue;
            }
            if (*p != 'u') return NULL;
            for (int i = 1; i <= 4; i++)
                if (!isxdigit((unsigned char)p[i])) return NULL;
            p += 5;
            continue;
        }
        if (c >= 0x80) { /* one valid UTF-8 sequence */
            int n = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            if (!n) return NULL;
            for (int i = 1; i < n; i++)
                if (((unsigned char)p[i] & 0xc0) != 0x80) return NULL;
            p += n;
            continue;
        }
        p++;
    }
    return p + 1;
}

static const char *json_number(const char *p)
{
    const char *s = p;
    if (*p == '-') p++;
    if (!isdigit((unsigned char)*p)) return NULL;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return p > s ? p : NULL;
}

static const char *json_value(const char *p)
{
    p = json_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p = json_ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (obj) {
                p = json_string(json_ws(p));
                if (!p) return NULL;
                p = json_ws(p);
                if (*p++ != ':') return NULL;
            }
            p = json_value(p);
            if (!p) return NULL;
            p = json_ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            return *p == close ? p + 1 : NULL;
        }
    }
    if (*p == '"') return json_string(p);
    if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4)) return p + 4;
    if (!strncmp(p, "false", 5)) return p + 5;
    return json_number(p);
}

/* Asserts that line is exactly one JSON object. */
static void assert_json(const char *line)
{
    const char *e = json_value(line);
    cr_assert(e && *line == '{', "not JSON: %s", line);
    cr_assert_eq(*json_ws(e), 0, "trailing bytes after JSON: %s", line);
}

/* Field helpers on a validated hit line (values in these tests need no
 * unescaping except \" and \\). */
static bool field_str(const char *line, const char *key, char *out, size_t outsz)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    const char *p = strstr(line, pat);
    if (!p) return false;
    p += strlen(pat);
    size_t n = 0;
    while (*p && *p != '"' && n + 1 < outsz) {
        if (*p == '\\') p++;
        out[n++] = *p++;
    }
    out[n] = 0;
    return true;
}

static long long field_num(const char *line, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    const char *p = strstr(line, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

struct out {
    char *data; /* whole output, NUL-terminated */
    size_t nlines;
    char **lines; /* pointers into data */
};

static void out_free(struct out *o)
{
    free(o->data);
    free(o->lines);
    memset(o, 0, sizeof(*o));
}

static void read_out(int fd, struct out *o)
{
    memset(o, 0, sizeof(*o));
    off_t end = lseek(fd, 0, SEEK_END);
    cr_assert_geq(end, 0);
    o->data = malloc((size_t)end + 1);
    cr_assert(o->data);
    cr_assert_eq(pread(fd, o->data, (size_t)end, 0), end);
    o->data[end] = 0;
    cr_assert(end == 0 || o->data[end - 1] == '\n', "output does not end with a newline");
    for (char *p = o->data; *p;) {
        char *nl = strchr(p, '\n');
        *nl = 0;
        if ((o->nlines & (o->nlines - 1)) == 0) /* grow at powers of two */
            o->lines = realloc(o->lines, (o->nlines ? 2 * o->nlines : 1) * sizeof(*o->lines));
        o->lines[o->nlines++] = p;
        assert_json(p);
        p = nl + 1;
    }
}

/* The output as sorted "offset:value:line" items (file names dropped). */
static void got_items(const struct out *o, struct want *g)
{
    for (size_t i = 0; i < o->nlines; i++) {
        char v[TRAWL_IOC_MAX + 1], item[TRAWL_IOC_MAX + 64];
        cr_assert(field_str(o->lines[i], "value", v, sizeof(v)), "%s", o->lines[i]);
        snprintf(item, sizeof(item), "%lld:%s:%lld", field_num(o->lines[i], "offset"), v,
                 field_num(o->lines[i], "line"));
        want_push(g, item);
    }
    qsort(g->items, g->n, sizeof(*g->items), cmp_str);
}

static void assert_same(const struct want *got, const struct want *want, const char *what)
{
    size_t i = 0, j = 0;
    while (i < got->n || j < want->n) {
        int c = i == got->n ? 1 : j == want->n ? -1 : strcmp(got->items[i], want->items[j]);
        cr_assert_eq(c, 0, "%s: %s %s", what, c < 0 ? "unexpected hit" : "missing hit",
                     c < 0 ? got->items[i] : want->items[j]);
        i++;
        j++;
    }
}

/* ---- running a scan --------------------------------------------------------- */

struct errs {
    int calls;
    char last[600];
};

static void on_error(void *ud, const char *where, const char *msg)
{
    struct errs *e = ud;
    e->calls++;
    snprintf(e->last, sizeof(e->last), "%s: %s", where, msg);
}

struct run {
    int rc;
    struct trawl_scan_stats st;
    struct errs errs;
    struct out out;
};

static void scan(const char *const *paths, size_t n, unsigned threads, size_t chunk,
                 unsigned src_flags, int utf16, struct run *r)
{
    memset(r, 0, sizeof(*r));
    char tmpl[128];
    snprintf(tmpl, sizeof(tmpl), "%s/.out-XXXXXX", g_dir);
    int fd = mkstemp(tmpl);
    cr_assert_geq(fd, 0);
    unlink(tmpl);
    struct trawl_scan_opts o;
    trawl_scan_opts_init(&o);
    o.threads = threads;
    o.chunk_size = chunk ? chunk : o.chunk_size;
    o.src_flags = src_flags;
    o.utf16 = utf16;
    struct trawl_sinks *sinks;
    cr_assert_eq(trawl_sinks_new(&sinks), 0);
    cr_assert_eq(trawl_sinks_add_fd(sinks, fd, "out", TRAWL_TLP_RED, false, NULL), 0);
    o.sinks = sinks;
    o.on_error = on_error;
    o.ud = &r->errs;
    r->rc = trawl_scan_paths(g_db, paths, n, &o, &r->st);
    cr_assert_eq(trawl_sinks_close(sinks), 0);
    trawl_sinks_free(sinks);
    read_out(fd, &r->out);
    close(fd);
}

static void scan1(const char *path, unsigned threads, struct run *r)
{
    scan(&path, 1, threads, 0, 0, -1, r);
}

static void expect_items(const struct run *r, const struct want *w, const char *what)
{
    struct want g = {0};
    got_items(&r->out, &g);
    assert_same(&g, w, what);
    want_free(&g);
}

/* ---- tests ------------------------------------------------------------------ */

TestSuite(scan, .init = setup, .fini = teardown, .timeout = 240);

Test(scan, small_plain_file)
{
    const char *text = "first line\n"
                       "ip 1.2.3.4 and evil.com\n"
                       "mail user@evil.com from 10.9.1.2\r\n"
                       "C:\\tmp\\Invoice.EXE " MD5 " Secret mal777kit\n"
                       "http://bad.org/Path/x 11.2.3.45 notevil.com secret";
    const char *p = path_of("small.log");
    write_file(p, text, strlen(text));
    struct run r;
    scan1(p, 1, &r);
    cr_assert_eq(r.rc, 0, "%s", r.errs.last);
    cr_assert_eq(r.errs.calls, 0);
    struct want w = {0};
    const char *items[] = {"14:1.2.3.4:2",         "26:evil.com:2",
                           "40:user@evil.com:3",   "45:evil.com:3",
                           "59:10.9.0.0/16:3",     "76:invoice.exe:4",
                           "88:" MD5 ":4",         "121:Secret:4",
                           "128:mal[0-9]{3}kit:4", "138:http://bad.org/Path:5"};
    for (size_t i = 0; i < sizeof(items) / sizeof(*items); i++)
        want_push(&w, items[i]);
    qsort(w.items, w.n, sizeof(*w.items), cmp_str);
    expect_items(&r, &w, "small");
    cr_expect_eq(r.st.files, 1);
    cr_expect_eq(r.st.bytes, strlen(text));
    cr_expect_eq(r.st.hits, 10);
    cr_expect_eq(r.st.hits_by_type[TRAWL_T_DOMAIN], 2);
    cr_expect_eq(r.st.errors, 0);
    /* the metadata of a line */
    const char *l = r.out.lines[0];
    char f[256];
    cr_assert(field_str(l, "file", f, sizeof(f)));
    cr_expect_str_eq(f, p);
    cr_expect(strstr(l, "\"event_type\":\"ioc\""), "%s", l);
    cr_expect(strstr(l, "\"ioc\":{\"id\":1,\"value\":\"1.2.3.4\",\"type\":\"ipv4\","
                        "\"tlp\":\"amber\",\"severity\":\"high\","
                        "\"sources\":[\"unit \\\"feed\\\"\"],\"confidence\":80}"),
              "%s", l);
    cr_expect(strstr(l, "\"length\":7"), "%s", l);
    cr_expect(strstr(l, "\"context\":\"ip 1.2.3.4 and evil.com\""), "%s", l);
    /* the \r of a CRLF line is not part of the context */
    cr_expect(strstr(r.out.lines[2], "\"context\":\"mail user@evil.com from 10.9.1.2\"}"), "%s",
              r.out.lines[2]);
    want_free(&w);
    out_free(&r.out);
}

Test(scan, large_file_chunks_and_threads)
{
    size_t len = 5 * 65536 + 12345;
    struct want w = {0};
    uint8_t *text = make_text(len, 65536, &w);
    const char *p = path_of("large.log");
    write_file(p, text, len);
    cr_assert_gt(w.n, 500);
    static const unsigned threads[] = {1, 2, 4};
    for (size_t t = 0; t < 3; t++) {
        struct run r;
        const char *paths[] = {p};
        scan(paths, 1, threads[t], 65536, 0, -1, &r);
        cr_assert_eq(r.rc, 0, "%s", r.errs.last);
        char what[32];
        snprintf(what, sizeof(what), "-j%u", threads[t]);
        expect_items(&r, &w, what);
        cr_expect_eq(r.st.bytes, len);
        cr_expect_eq(r.st.hits, w.n);
        out_free(&r.out);
    }
    /* read() instead of mmap: the stream path gives the same hits */
    struct run r;
    const char *paths[] = {p};
    scan(paths, 1, 2, 65536, TRAWL_SRC_NO_MMAP, -1, &r);
    cr_assert_eq(r.rc, 0, "%s", r.errs.last);
    expect_items(&r, &w, "no mmap");
    out_free(&r.out);
    want_free(&w);
    free(text);
}

/* Chunks of several 1 MiB steps, which hold their hits until the newline
 * counts of the chunks before them are known (scan.c, scan_read); chunks
 * that find more than 65536 hits, and chunks above 16 MiB, which count the
 * lines before them themselves. Hits straddle every step and chunk boundary,
 * and the (offset, value, line) set must not depend on any of it. */
Test(scan, large_file_held_chunks)
{
    size_t len = (36u << 20) + 4321;
    struct want w = {0};
    uint8_t *text = make_text(len, 1u << 20, &w);
    const char *p = path_of("held.log");
    write_file(p, text, len);
    cr_assert_gt(w.n, 200000); /* above 65536 per 12 MiB chunk */
    static const struct {
        unsigned threads;
        size_t chunk;
    } ways[] = {{2, 3u << 20}, {4, 3u << 20}, {2, 12u << 20}, {2, 17u << 20}};
    for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
        struct run r;
        scan(&p, 1, ways[i].threads, ways[i].chunk, 0, -1, &r);
        char what[64];
        snprintf(what, sizeof(what), "-j%u chunk %zu", ways[i].threads, ways[i].chunk);
        cr_assert_eq(r.rc, 0, "%s: %s", what, r.errs.last);
        expect_items(&r, &w, what);
        cr_expect_eq(r.st.bytes, len, "%s", what);
        cr_expect_eq(r.st.hits, w.n, "%s", what);
        out_free(&r.out);
    }
    want_free(&w);
    free(text);
}

/* Hits planted around the stream reader's 4 MiB blocks. */
static uint8_t *make_stream_text(size_t len, struct want *w)
{
    return make_text(len, 1u << 20, w);
}

static void gzip_check(const uint8_t *text, size_t len, const struct trawl_buf *gz,
                       const struct want *w, const char *name)
{
    const char *p = path_of(name);
    write_file(p, gz->data, gz->len);
    /* 4 MiB blocks (default) and 64 KiB ones: with many small blocks the
     * reader thread runs ahead, fills the ring and scans blocks itself
     * (-j2), and idle workers scan blocks alongside (-j4) */
    static const unsigned js[] = {1, 2, 4};
    static const size_t blocks[] = {0, 64u << 10};
    for (int zlib = 0; zlib < 2; zlib++) {
        for (size_t k = 0; k < 2; k++) {
            for (size_t i = 0; i < 3; i++) {
                struct run r;
                scan(&p, 1, js[i], blocks[k], zlib ? TRAWL_SRC_FORCE_ZLIB : 0, -1, &r);
                cr_assert_eq(r.rc, 0, "%s: %s", name, r.errs.last);
                char what[80];
                snprintf(what, sizeof(what), "%s zlib=%d -j%u block=%zu", name, zlib, js[i],
                         blocks[k]);
                expect_items(&r, w, what);
                cr_expect_eq(r.st.bytes, len, "%s", what);
                cr_expect_eq(r.st.hits, w->n, "%s", what);
                out_free(&r.out);
            }
        }
    }
    (void)text;
}

Test(scan, gzip_single_and_multi_member)
{
    size_t len = 9u << 20;
    struct want w = {0};
    uint8_t *text = make_stream_text(len, &w);
    const char *plain = path_of("stream.log");
    write_file(plain, text, len);
    struct run r;
    scan1(plain, 2, &r);
    expect_items(&r, &w, "plain");
    out_free(&r.out);

    struct trawl_buf gz = {0};
    gz_member(text, len, &gz);
    gzip_check(text, len, &gz, &w, "single.gz");

    /* members split inside planted indicators (and one empty member) */
    gz.len = 0;
    size_t cuts[16], nc = 0, prev = 0;
    for (size_t i = 0; i < w.n && nc < 12; i += w.n / 12 + 1)
        cuts[nc++] = (size_t)strtoull(w.items[i], NULL, 10) + 3;
    qsort(cuts, nc, sizeof(*cuts), cmp_size);
    prev = 0;
    for (size_t i = 0; i < nc; i++) {
        if (cuts[i] <= prev) continue;
        gz_member(text + prev, cuts[i] - prev, &gz);
        prev = cuts[i];
        if (i == 3) gz_member(text, 0, &gz);
    }
    gz_member(text + prev, len - prev, &gz);
    gzip_check(text, len, &gz, &w, "multi.gz");
    trawl_buf_free(&gz);
    want_free(&w);
    free(text);
}

Test(scan, gzip_truncated)
{
    size_t len = 9u << 20;
    struct want w = {0};
    uint8_t *text = make_stream_text(len, &w);
    struct trawl_buf gz = {0};
    gz_member(text, len, &gz);
    const char *p = path_of("cut.gz");
    write_file(p, gz.data, gz.len * 2 / 3);
    /* also -j2 with 64 KiB blocks, scanned out of order by two threads */
    for (int v = 0; v < 4; v++) {
        int zlib = v & 1;
        struct run r;
        scan(&p, 1, v < 2 ? 1 : 2, v < 2 ? 0 : 64u << 10, zlib ? TRAWL_SRC_FORCE_ZLIB : 0, -1, &r);
        cr_assert_lt(r.rc, 0);
        cr_assert_eq(r.errs.calls, 1, "errors: %d, last %s", r.errs.calls, r.errs.last);
        cr_expect(strstr(r.errs.last, p), "%s", r.errs.last);
        cr_expect_eq(r.st.errors, 1);
        struct want g = {0};
        got_items(&r.out, &g);
        /* every hit written is a planted one, and every planted hit in the
         * first 4 MiB (at least one whole block before the damage) is there */
        size_t before = 0;
        for (size_t i = 0; i < g.n; i++)
            cr_assert(want_has(&w, g.items[i]), "unexpected hit %s", g.items[i]);
        for (size_t i = 0; i < w.n; i++) {
            if (strtoull(w.items[i], NULL, 10) + 100 > (4u << 20)) continue;
            before++;
            cr_assert(want_has(&g, w.items[i]), "zlib=%d: missing hit before the damage: %s", zlib,
                      w.items[i]);
        }
        cr_assert_gt(before, 1000);
        want_free(&g);
        out_free(&r.out);
    }
    trawl_buf_free(&gz);
    want_free(&w);
    free(text);
}

Test(scan, directory_recursion)
{
    char d[300];
    snprintf(d, sizeof(d), "%s/tree", g_dir);
    cr_assert_eq(mkdir(d, 0700), 0);
    snprintf(d, sizeof(d), "%s/tree/sub", g_dir);
    cr_assert_eq(mkdir(d, 0700), 0);
    snprintf(d, sizeof(d), "%s/tree/sub/deeper", g_dir);
    cr_assert_eq(mkdir(d, 0700), 0);
    write_file(path_of("tree/a.txt"), "evil.com\n", 9);
    write_file(path_of("tree/sub/b.log"), "x\n1.2.3.4\n", 10);
    write_file(path_of("tree/sub/deeper/c"), "Secret", 6);
    write_file(path_of("tree/sub/empty"), "", 0);
    struct trawl_buf gz = {0};
    gz_member((const uint8_t *)"..evil.com..", 12, &gz);
    write_file(path_of("tree/sub/d.gz"), gz.data, gz.len);
    trawl_buf_free(&gz);
    const char *root = path_of("tree");
    for (unsigned j = 1; j <= 3; j++) {
        struct run r;
        scan(&root, 1, j, 0, 0, -1, &r);
        cr_assert_eq(r.rc, 0, "%s", r.errs.last);
        cr_assert_eq(r.st.files, 5);
        cr_assert_eq(r.out.nlines, 4);
        struct want g = {0};
        for (size_t i = 0; i < r.out.nlines; i++) {
            char f[300], v[100], item[420];
            cr_assert(field_str(r.out.lines[i], "file", f, sizeof(f)));
            cr_assert(field_str(r.out.lines[i], "value", v, sizeof(v)));
            snprintf(item, sizeof(item), "%s %lld %s %lld", f + strlen(g_dir),
                     field_num(r.out.lines[i], "offset"), v, field_num(r.out.lines[i], "line"));
            want_push(&g, item);
        }
        qsort(g.items, g.n, sizeof(*g.items), cmp_str);
        cr_expect_str_eq(g.items[0], "/tree/a.txt 0 evil.com 1");
        cr_expect_str_eq(g.items[1], "/tree/sub/b.log 2 1.2.3.4 2");
        cr_expect_str_eq(g.items[2], "/tree/sub/d.gz 2 evil.com 1");
        cr_expect_str_eq(g.items[3], "/tree/sub/deeper/c 0 Secret 1");
        want_free(&g);
        out_free(&r.out);
    }
}

Test(scan, empty_and_missing_files)
{
    const char *e = path_of("empty");
    write_file(e, "", 0);
    struct run r;
    scan1(e, 2, &r);
    cr_assert_eq(r.rc, 0, "%s", r.errs.last);
    cr_expect_eq(r.out.nlines, 0);
    cr_expect_eq(r.st.files, 1);
    cr_expect_eq(r.st.bytes, 0);
    out_free(&r.out);

    const char *paths[] = {path_of("does-not-exist"), e};
    scan(paths, 2, 1, 0, 0, -1, &r);
    cr_expect_lt(r.rc, 0);
    cr_expect_eq(r.errs.calls, 1);
    cr_expect_eq(r.st.errors, 1);
    out_free(&r.out);
}

static size_t put16(uint8_t *p, const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        p[n++] = (uint8_t)*s;
        p[n++] = 0;
    }
    return n;
}

Test(scan, binary_file_utf16)
{
    uint8_t buf[256];
    size_t n = 0;
    memcpy(buf, "\0\0\x01\x02MZ", 6);
    n = 6;
    n += put16(buf + n, "host=www.evil.com;");
    memcpy(buf + n, "\0\0ascii evil.com\0", 17);
    n += 17;
    n += put16(buf + n, "Secret");
    const char *p = path_of("image.bin");
    write_file(p, buf, n);

    struct run r;
    scan1(p, 1, &r); /* auto: binary input turns UTF-16 on */
    cr_assert_eq(r.rc, 0);
    cr_assert_eq(r.out.nlines, 3, "%s", r.out.data);
    cr_expect_eq(field_num(r.out.lines[0], "offset"), 6 + 2 * 9);
    cr_expect_eq(field_num(r.out.lines[0], "length"), 16);
    cr_expect(strstr(r.out.lines[0], "\"encoding\":\"utf-16le\""), "%s", r.out.lines[0]);
    char ctx[300];
    cr_assert(field_str(r.out.lines[0], "context", ctx, sizeof(ctx)));
    cr_expect(strstr(ctx, "host=www.evil.com;"), "context %s", ctx);
    cr_expect_eq(field_num(r.out.lines[1], "offset"), 6 + 36 + 8);
    cr_expect_null(strstr(r.out.lines[1], "encoding"));
    cr_expect_eq(field_num(r.out.lines[2], "offset"), 6 + 36 + 17);
    out_free(&r.out);

    /* forced off */
    scan(&p, 1, 1, 0, 0, 0, &r);
    cr_assert_eq(r.out.nlines, 1);
    cr_expect_eq(field_num(r.out.lines[0], "offset"), 50);
    out_free(&r.out);

    /* forced on for text input; off by default for text */
    n = put16(buf, "evil.com");
    p = path_of("u16.txt");
    memcpy(buf + n, "\n", 1);
    write_file(p, buf, n + 1);
    scan(&p, 1, 1, 0, 0, 1, &r);
    cr_expect_eq(r.out.nlines, 1);
    out_free(&r.out);
}

Test(scan, json_escaping)
{
    static const char text[] = "q\"uo\"te \\back\\slash\x01\x7f\xff\xfe \t"
                               "evil.com \xc3\xa9t\xc3\xa9 \xe2\x82 end";
    const char *p = path_of("weird.txt");
    write_file(p, text, sizeof(text) - 1);
    struct run r;
    scan1(p, 1, &r);
    cr_assert_eq(r.out.nlines, 1);
    const char *want = "\"context\":\"q\\\"uo\\\"te \\\\back\\\\slash\\u0001\\u007f\\u00ff"
                       "\\u00fe \\tevil.com \xc3\xa9t\xc3\xa9 \\u00e2\\u0082 end\"";
    cr_expect(strstr(r.out.lines[0], want), "%s", r.out.lines[0]);
    out_free(&r.out);

    /* a file name that needs escaping */
    p = path_of("we\"ird\\name\x01.txt");
    write_file(p, "evil.com", 8);
    scan1(p, 1, &r);
    cr_assert_eq(r.out.nlines, 1);
    cr_expect(strstr(r.out.lines[0], "we\\\"ird\\\\name\\u0001.txt\""), "%s", r.out.lines[0]);
    out_free(&r.out);
}

Test(scan, long_line_context)
{
    size_t len = 10000;
    char *text = malloc(len);
    memset(text, 'k', len);
    memcpy(text + 5000, " evil.com ", 10);
    const char *p = path_of("long.txt");
    write_file(p, text, len);
    struct run r;
    scan1(p, 1, &r);
    cr_assert_eq(r.out.nlines, 1);
    char ctx[1000];
    cr_assert(field_str(r.out.lines[0], "context", ctx, sizeof(ctx)));
    cr_expect_eq(strlen(ctx), 256);
    cr_expect(strstr(ctx, " evil.com "), "%s", ctx);
    out_free(&r.out);
    free(text);
}

Test(scan, regex_same_offset_in_two_files)
{
    const char *a = path_of("a.txt"), *b = path_of("b.txt");
    write_file(a, "mal123kit\n", 10);
    write_file(b, "mal456kit\n", 10);
    const char *paths[] = {a, b};
    struct run r;
    scan(paths, 2, 1, 0, 0, -1, &r);
    cr_assert_eq(r.rc, 0);
    cr_expect_eq(r.out.nlines, 2, "%s", r.out.data);
    out_free(&r.out);
}

Test(scan, stdin_pipe)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    const char *text = "line\nevil.com 1.2.3.4\n";
    cr_assert_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fds[1]);
    cr_assert_geq(dup2(fds[0], 0), 0);
    close(fds[0]);
    const char *dash = "-";
    struct run r;
    scan(&dash, 1, 1, 0, 0, -1, &r);
    cr_assert_eq(r.rc, 0, "%s", r.errs.last);
    cr_assert_eq(r.out.nlines, 2);
    struct want g = {0}, w = {0};
    got_items(&r.out, &g);
    want_push(&w, "14:1.2.3.4:2");
    want_push(&w, "5:evil.com:2");
    assert_same(&g, &w, "stdin");
    want_free(&g);
    want_free(&w);
    out_free(&r.out);
}

Test(scan, count_lines)
{
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i % 7 == 0 ? '\n' : i % 5 == 0 ? 0x8a : i);
    for (size_t off = 0; off < 16; off++)
        for (size_t n = 0; n + off <= sizeof(buf); n += 13) {
            uint64_t want = 0;
            for (size_t i = off; i < off + n; i++)
                want += buf[i] == '\n';
            cr_assert_eq(trawl_count_lines(buf + off, n), want, "off %zu n %zu", off, n);
        }
}
