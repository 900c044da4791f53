/* Unit tests of match verification (engine/match.c): indicator sets built in
 * memory, compiled, and run over byte buffers; every test asserts the exact
 * set of (offset, indicator) hits, positive and negative, for the boundary
 * rules of each type, for both the literal and the token (hashed) structure
 * of addresses and hashes, for UTF-16LE, and for the independence of the
 * hits from where spans start and end. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixture.h"
#include "trawl_engine.h"

/* ---- helpers ------------------------------------------------------------ */

/* Normalises raw as type and adds it to the set. */
static void add(enum trawl_ioc_type type, unsigned flags, const char *raw)
{
    char v[TRAWL_IOC_MAX + 1];
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_normalise(&type, raw, strlen(raw), v, sizeof(v), NULL, &err), 0,
                 "normalise %s: %s", raw, err.msg);
    struct trawl_ioc_rec r = {.type = type,
                              .flags = flags,
                              .value = v,
                              .tlp = TRAWL_TLP_AMBER,
                              .severity = TRAWL_SEV_MEDIUM,
                              .source = "test",
                              .confidence = -1};
    cr_assert_geq(trawl_iocset_add(g_set, &r), 0, "add %s", raw);
}

static void build(void)
{
    struct trawl_error err = {0};
    struct trawl_compile_opts co = {.utf16 = true};
    cr_assert_eq(trawl_db_compile(g_set, &co, &g_db, &err), 0, "compile: %s", err.msg);
    cr_assert_eq(trawl_matcher_new(g_db, &g_m, &err), 0, "matcher: %s", err.msg);
}

/* xorshift64*: reproducible pseudo-random numbers */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

struct hp {
    uint64_t off;
    const char *val;
    int wide;
};

static int cmp_hp(const void *a, const void *b)
{
    const struct hp *x = a, *y = b;
    if (x->off != y->off) return x->off < y->off ? -1 : 1;
    int c = strcmp(x->val, y->val);
    return c ? c : x->wide - y->wide;
}

/* The matcher's hits as sorted "offset:value" items (UTF-16 ones with a
 * "/u16" suffix) separated by single spaces; "" when there are none.
 * Clears the hit list. The caller frees the result. */
static char *render(void)
{
    size_t n = trawl_matcher_nhits(g_m);
    struct trawl_hit *h = trawl_matcher_hits(g_m);
    struct hp *v = calloc(n ? n : 1, sizeof(*v));
    cr_assert(v);
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_view iv;
        cr_assert_lt(h[i].ioc, trawl_db_count(g_db));
        trawl_db_get(g_db, h[i].ioc, &iv);
        v[i] = (struct hp){h[i].offset, iv.value, h[i].utf16};
    }
    qsort(v, n, sizeof(*v), cmp_hp);
    struct trawl_buf b = {0};
    for (size_t i = 0; i < n; i++)
        trawl_buf_printf(&b, "%s%llu:%s%s", i ? " " : "", (unsigned long long)v[i].off, v[i].val,
                         v[i].wide ? "/u16" : "");
    trawl_buf_putc(&b, 0);
    free(v);
    trawl_matcher_clear(g_m);
    return b.data;
}

static void scan_span(const void *p, size_t len, uint64_t lo, uint64_t hi, bool utf16)
{
    struct trawl_error err = {0};
    struct trawl_span s = {
        .base = p, .len = len, .base_off = 0, .lo = lo, .hi = hi, .utf16 = utf16};
    cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0, "scan: %s", err.msg);
}

/* Whole buffer as one span. */
static char *scan_whole(const void *p, size_t len, bool utf16)
{
    trawl_matcher_clear(g_m);
    scan_span(p, len, 0, len, utf16);
    return render();
}

static void expect_n(const void *p, size_t len, bool utf16, const char *want)
{
    char *got = scan_whole(p, len, utf16);
    cr_expect_str_eq(got, want, "text \"%.*s\": got [%s], want [%s]", (int)len, (const char *)p,
                     got, want);
    free(got);
}

static void expect(const char *text, const char *want)
{
    expect_n(text, strlen(text), false, want);
}

/* Writes s as UTF-16LE into out (2 bytes per char); returns the length. */
static size_t u16(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; *s; s++) {
        out[n++] = (uint8_t)*s;
        out[n++] = 0;
    }
    return n;
}

/* ---- IPv4 --------------------------------------------------------------- */

static void ipv4_cases(void)
{
    expect("1.2.3.4", "0:1.2.3.4");
    expect("ip=1.2.3.4,", "3:1.2.3.4");
    expect("(1.2.3.4)", "1:1.2.3.4");
    expect("seen at 1.2.3.4.", "8:1.2.3.4");
    expect("::ffff:1.2.3.4", "7:1.2.3.4");
    expect("1.2.3.4:443 a1.2.3.4 [1.2.3.4]", "0:1.2.3.4 13:1.2.3.4 22:1.2.3.4");
    expect("x\n1.2.3.4\r\n", "2:1.2.3.4");
    expect("1.2.3.4/24", "0:1.2.3.4");
    /* not whole tokens */
    expect("11.2.3.45", "");
    expect("1.2.3.4.5", "");
    expect("1.2.3.45", "");
    expect("21.2.3.4", "");
    expect("5.1.2.3.4", "");
    expect("1.2.3.4.5.6", "");
    expect("1.2.3.40 1.2.3.4000 1000.2.3.4 1.2.3.456", "");
    expect("210.0.0.55", "");
    expect("10.0.0.55", "0:10.0.0.55");
    expect("10.0.0.550 110.0.0.55 10.0.0.55.1", "");
    /* a dot without a digit after it ends the token */
    expect("10.0.0.55.x 1.2.3.4..", "0:10.0.0.55 12:1.2.3.4");
}

Test(match_ipv4, small_set_whole_token, .init = setup, .fini = teardown)
{
    add(TRAWL_T_IPV4, 0, "1.2.3.4");
    add(TRAWL_T_IPV4, 0, "10.0.0.55");
    build();
    ipv4_cases();
}

Test(match_ipv4, large_set_same_results, .init = setup, .fini = teardown)
{
    add(TRAWL_T_IPV4, 0, "1.2.3.4");
    char v[32];
    for (unsigned i = 0; i < 50001; i++) {
        snprintf(v, sizeof(v), "100.%u.%u.%u", 64 + (i >> 16), (i >> 8) & 255, i & 255);
        add(TRAWL_T_IPV4, 0, v);
    }
    add(TRAWL_T_IPV4, 0, "10.0.0.55");
    build();
    struct trawl_db_info info;
    trawl_db_info(g_db, &info);
    cr_assert_geq(info.hashed, 50003, "large IPv4 set must use token lookup");
    ipv4_cases();
    expect("100.64.0.0 100.64.195.80", "0:100.64.0.0 11:100.64.195.80");
    expect("100.64.195.81", ""); /* 50001 = 0xc351 is the first one not added */
}

/* The token pass against a plain reading of the IPv4 token rule, on random
 * text of digits, dots and separators (dense in near-quads), at every span
 * split: the mask prefilters must never drop a quad. */
static bool ref_digit(const char *t, long i, long n)
{
    return i >= 0 && i < n && t[i] >= '0' && t[i] <= '9';
}

static char *ref_ipv4(const char *t, long n, const char *const *set, int nset)
{
    struct trawl_buf b = {0};
    for (long s = 0; s < n; s++) {
        if (!ref_digit(t, s, n) || ref_digit(t, s - 1, n)) continue;
        if (s >= 2 && t[s - 1] == '.' && ref_digit(t, s - 2, n)) continue;
        long i = s;
        unsigned oct[4];
        bool ok = true;
        for (int k = 0; k < 4 && ok; k++) {
            if (k) ok = i < n && t[i++] == '.';
            long j = i;
            unsigned v = 0;
            while (ok && ref_digit(t, j, n) && j - i < 4)
                v = v * 10 + (unsigned)(t[j++] - '0');
            ok = ok && j > i && j - i <= 3 && v <= 255;
            oct[k] = v;
            i = j;
        }
        if (!ok || ref_digit(t, i, n) || (i < n && t[i] == '.' && ref_digit(t, i + 1, n))) continue;
        char v[20];
        snprintf(v, sizeof(v), "%u.%u.%u.%u", oct[0], oct[1], oct[2], oct[3]);
        for (int k = 0; k < nset; k++)
            if (!strcmp(v, set[k])) trawl_buf_printf(&b, "%s%ld:%s", b.len ? " " : "", s, v);
    }
    trawl_buf_putc(&b, 0);
    return b.data;
}

Test(match_ipv4, random_text_against_reference, .init = setup, .fini = teardown)
{
    static const char *const set[] = {"1.2.3.4",         "10.0.0.1",  "192.168.100.200", "0.0.0.0",
                                      "255.255.255.255", "1.22.3.44", "100.10.1.0"};
    const int nset = (int)(sizeof(set) / sizeof(set[0]));
    for (int k = 0; k < nset; k++)
        add(TRAWL_T_IPV4, 0, set[k]);
    build();
    static const char alpha[] = "0123456789....  :x";
    char t[700];
    for (int round = 0; round < 400; round++) {
        long n = 0;
        while (n < 600) {
            uint64_t r = rnd();
            if (r % 4 == 0) { /* plant an indicator, maybe with neighbours */
                n += sprintf(t + n, "%s", set[(r >> 8) % (uint64_t)nset]);
            } else {
                int len = 1 + (int)((r >> 8) % 6);
                for (int i = 0; i < len; i++)
                    t[n++] = alpha[rnd() % (sizeof(alpha) - 1)];
            }
        }
        t[n] = 0;
        char *want = ref_ipv4(t, n, set, nset);
        char *got = scan_whole(t, (size_t)n, false);
        cr_assert_str_eq(got, want, "text \"%s\"", t);
        free(got);
        /* split into two spans at a random point: same hits */
        long cut = (long)(rnd() % (uint64_t)n);
        trawl_matcher_clear(g_m);
        scan_span(t, (size_t)n, 0, (uint64_t)cut, false);
        scan_span(t, (size_t)n, (uint64_t)cut, (uint64_t)n, false);
        got = render();
        cr_assert_str_eq(got, want, "split at %ld of \"%s\"", cut, t);
        free(got);
        free(want);
    }
}

/* ---- token queues ------------------------------------------------------ */

/* Text dense in every token kind, longer than several sub-blocks: the token
 * pass queues its candidates and handles them when a queue fills (IPv4 every
 * 256 blocks with a candidate, IPv6 every 64, URLs and addresses every 128,
 * hex runs every 16), so every flush path runs many times, with queues full
 * at sub-block ends and across span splits. Every planted indicator must be
 * found once, and no benign neighbour. */
Test(match_tokens, dense_text_every_queue_flush, .init = setup, .fini = teardown, .timeout = 120)
{
    add(TRAWL_T_IPV4, 0, "1.2.3.4");
    add(TRAWL_T_IPV6, 0, "2001:db8::7");
    add(TRAWL_T_MD5, 0, "d41d8cd98f00b204e9800998ecf8427e");
    add(TRAWL_T_URL, 0, "http://evil.test/a");
    add(TRAWL_T_EMAIL, 0, "u@evil.test");
    build();
    /* even lines hold every indicator; odd ones the full-form IPv6 spelling
     * (the seven-colon chain) among benign tokens of each kind */
    static const char *const line[2] = {
        "1.2.3.4 2001:db8::7 d41d8cd98f00b204e9800998ecf8427e http://evil.test/a u@evil.test\n",
        "5.6.7.8 x 2001:db8:0:0:0:0:0:7 0123456789abcdef0123456789abcdef "
        "http://good.test/ v@good.test fe80::1\n"};
    static const struct {
        int line;
        const char *text, *value; /* text as written, value as reported */
    } planted[] = {{0, "1.2.3.4", "1.2.3.4"},
                   {0, "2001:db8::7", "2001:db8::7"},
                   {0, "d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"},
                   {0, "http://evil.test/a", "http://evil.test/a"},
                   {0, "u@evil.test", "u@evil.test"},
                   {1, "2001:db8:0:0:0:0:0:7", "2001:db8::7"}};
    const int nlines = 8000, nplanted = (int)(sizeof(planted) / sizeof(planted[0]));
    struct trawl_buf text = {0};
    struct hp *want = calloc((size_t)nlines * 5, sizeof(*want));
    cr_assert(want);
    size_t nwant = 0;
    for (int i = 0; i < nlines; i++) {
        const char *l = line[i & 1];
        for (int k = 0; k < nplanted; k++)
            if (planted[k].line == (i & 1))
                want[nwant++] = (struct hp){text.len + (size_t)(strstr(l, planted[k].text) - l),
                                            planted[k].value, 0};
        trawl_buf_printf(&text, "%s", l);
    }
    qsort(want, nwant, sizeof(*want), cmp_hp);
    struct trawl_buf wb = {0};
    for (size_t i = 0; i < nwant; i++)
        trawl_buf_printf(&wb, "%s%llu:%s", i ? " " : "", (unsigned long long)want[i].off,
                         want[i].val);
    trawl_buf_putc(&wb, 0);
    char *got = scan_whole(text.data, text.len, false);
    cr_assert_eq(strlen(got), strlen(wb.data), "%zu hits' worth of text, want %zu", strlen(got),
                 strlen(wb.data));
    cr_assert_str_eq(got, wb.data);
    free(got);
    /* the same hits from three spans over the one buffer, cut anywhere */
    for (int round = 0; round < 4; round++) {
        uint64_t a = rnd() % text.len, b = rnd() % text.len;
        if (a > b) {
            uint64_t t = a;
            a = b;
            b = t;
        }
        trawl_matcher_clear(g_m);
        scan_span(text.data, text.len, 0, a, false);
        scan_span(text.data, text.len, a, b, false);
        scan_span(text.data, text.len, b, text.len, false);
        got = render();
        cr_assert_str_eq(got, wb.data, "cut at %llu and %llu", (unsigned long long)a,
                         (unsigned long long)b);
        free(got);
    }
    free(want);
    trawl_buf_free(&wb);
    trawl_buf_free(&text);
}

/* Every kind of token at every offset across the 64-byte blocks of the mask
 * pass, the eight-block groups and the 64-block batches of its AVX-512 form
 * (masks carried from block to block and from batch to batch), alone among
 * spaces: found once, where it was written. */
Test(match_tokens, every_block_alignment, .init = setup, .fini = teardown, .timeout = 120)
{
    add(TRAWL_T_IPV4, 0, "1.2.3.4");
    add(TRAWL_T_IPV4, 0, "100.200.30.4");
    add(TRAWL_T_IPV6, 0, "2001:db8::7");
    add(TRAWL_T_IPV6, 0, "fe80::1:2");
    add(TRAWL_T_MD5, 0, "d41d8cd98f00b204e9800998ecf8427e");
    add(TRAWL_T_SHA256, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    build();
    static const struct {
        const char *text, *value;
    } tok[] = {{"1.2.3.4", "1.2.3.4"},
               {"100.200.30.4", "100.200.30.4"},
               {"2001:db8::7", "2001:db8::7"},
               {"2001:db8:0:0:0:0:0:7", "2001:db8::7"},
               {"fe80:0:0:0:0:0:1:2", "fe80::1:2"},
               {"d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e"},
               {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}};
    static char text[4400];
    for (size_t t = 0; t < sizeof(tok) / sizeof(tok[0]); t++) {
        size_t n = strlen(tok[t].text);
        for (size_t off = 0; off + n < sizeof(text); off++) {
            if (off == 700) off = 3900; /* the first groups, and the second batch's start */
            memset(text, ' ', sizeof(text));
            memcpy(text + off, tok[t].text, n);
            char want[128];
            snprintf(want, sizeof(want), "%zu:%s", off, tok[t].value);
            char *got = scan_whole(text, sizeof(text), false);
            cr_assert_str_eq(got, want, "\"%s\" at offset %zu", tok[t].text, off);
            free(got);
        }
    }
}

/* The vector passes read whole 64-byte blocks (and the "://" masks two
 * bytes more): a buffer that ends where the mapping ends, followed by a
 * page that may not be read, at every length and with every token kind
 * just before its end and at its very end. */
Test(match_tokens, no_read_past_buffer_end, .init = setup, .fini = teardown)
{
    add(TRAWL_T_IPV4, 0, "1.2.3.4");
    add(TRAWL_T_IPV6, 0, "2001:db8::7");
    add(TRAWL_T_MD5, 0, "d41d8cd98f00b204e9800998ecf8427e");
    add(TRAWL_T_URL, 0, "http://evil.test/a");
    add(TRAWL_T_EMAIL, 0, "u@evil.test");
    add(TRAWL_T_DOMAIN, 0, "evil.test");
    build();
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *map = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(map != MAP_FAILED);
    cr_assert_eq(mprotect(map + 2 * pg, pg, PROT_NONE), 0);
    uint8_t *stop = map + 2 * pg; /* the first byte that may not be read */
    static const char *const tail[] = {"1.2.3.4",
                                       "d41d8cd98f00b204e9800998ecf8427e",
                                       "http://evil.test/a",
                                       "u@evil.test",
                                       "2001:db8::7",
                                       "x://",
                                       "a@",
                                       ":"};
    for (size_t t = 0; t < sizeof(tail) / sizeof(tail[0]); t++) {
        for (size_t len = 1; len <= 2 * pg; len += len < 300 ? 1 : 61) {
            uint8_t *b = stop - len;
            memset(b, ' ', len);
            size_t n = strlen(tail[t]) < len ? strlen(tail[t]) : len;
            memcpy(stop - n, tail[t] + strlen(tail[t]) - n, n);
            free(scan_whole(b, len, true));
            trawl_matcher_clear(g_m);
            scan_span(b, len, len / 2, len, false); /* a span ending at the buffer's end */
        }
    }
    /* and the hits are still right at the end */
    memcpy(stop - 19, " http://evil.test/a", 19);
    char *got = scan_whole(stop - 19, 19, false);
    cr_assert_str_eq(got, "1:http://evil.test/a 8:evil.test");
    free(got);
    munmap(map, 3 * pg);
}

/* The AVX-512 token pass against the portable one, in one process: random
 * text dense in every token kind's bytes (digits, dots, colons, hex, '@',
 * "://") with planted indicators, 1 byte to 3 batches long, scanned over
 * random spans of it (so that the bytes before the span matter too): the
 * same hits, byte for byte. */
Test(match_tokens, avx512_same_hits_as_portable, .init = setup, .fini = teardown, .timeout = 120)
{
    trawl_cpu_avx512_allow(true);
    if (!trawl_cpu_avx512()) cr_skip_test("this CPU has no AVX-512BW");
    static const char *const planted[] = {
        "1.2.3.4",
        "10.0.0.55",
        "192.168.100.200",
        "2001:db8::7",
        "2001:db8:0:0:0:0:0:7",
        "fe80::1",
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "http://evil.test/a",
        "HTTPS://Evil.Test/a",
        "u@evil.test",
        "evil.test"};
    add(TRAWL_T_IPV4, 0, "1.2.3.4");
    add(TRAWL_T_IPV4, 0, "10.0.0.55");
    add(TRAWL_T_CIDR, 0, "192.168.0.0/16");
    add(TRAWL_T_IPV6, 0, "2001:db8::7");
    add(TRAWL_T_IPV6, 0, "fe80::1");
    add(TRAWL_T_MD5, 0, "d41d8cd98f00b204e9800998ecf8427e");
    add(TRAWL_T_SHA1, 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    add(TRAWL_T_SHA256, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    add(TRAWL_T_URL, 0, "http://evil.test/a");
    add(TRAWL_T_URL, 0, "https://evil.test/a");
    add(TRAWL_T_EMAIL, 0, "u@evil.test");
    add(TRAWL_T_DOMAIN, 0, "evil.test");
    build();
    static const char alpha[] = "0123456789....::::abcdefABCDEF@@//xyz  \n-_";
    static char t[13000];
    for (int round = 0; round < 300; round++) {
        size_t want = 1 + (size_t)(rnd() % (round < 100 ? 300 : 12500)), n = 0;
        while (n < want) {
            uint64_t r = rnd();
            const char *p = planted[(r >> 8) % (sizeof(planted) / sizeof(*planted))];
            if (r % 3 == 0 && n + strlen(p) < sizeof(t)) {
                memcpy(t + n, p, strlen(p));
                n += strlen(p);
            } else {
                for (int i = 1 + (int)((r >> 16) % 12); i > 0 && n < sizeof(t); i--)
                    t[n++] = alpha[rnd() % (sizeof(alpha) - 1)];
            }
        }
        size_t lo = (size_t)(rnd() % (n / 4 + 1)), hi = n - (size_t)(rnd() % (n / 4 + 1));
        if (hi < lo) hi = lo;
        char *got[2];
        for (int k = 0; k < 2; k++) {
            trawl_cpu_avx512_allow(k == 0);
            trawl_matcher_clear(g_m);
            scan_span(t, n, lo, hi, false);
            got[k] = render();
        }
        trawl_cpu_avx512_allow(true);
        cr_assert_str_eq(got[0], got[1], "round %d: %zu bytes, span [%zu, %zu)", round, n, lo, hi);
        free(got[0]);
        free(got[1]);
    }
}

/* ---- CIDR --------------------------------------------------------------- */

Test(match_cidr, every_overlapping_prefix, .init = setup, .fini = teardown)
{
    add(TRAWL_T_IPV4, 0, "192.168.142.1");
    add(TRAWL_T_CIDR, 0, "192.168.142.0/24");
    add(TRAWL_T_CIDR, 0, "192.168.142.0/26");
    add(TRAWL_T_CIDR, 0, "192.168.128.0/18");
    build();
    expect("src 192.168.142.1 dst",
           "4:192.168.128.0/18 4:192.168.142.0/24 4:192.168.142.0/26 4:192.168.142.1");
    expect("192.168.142.100", "0:192.168.128.0/18 0:192.168.142.0/24");
    expect("192.168.142.63;192.168.142.64",
           "0:192.168.128.0/18 0:192.168.142.0/24 0:192.168.142.0/26 "
           "15:192.168.128.0/18 15:192.168.142.0/24");
    expect("192.168.191.255", "0:192.168.128.0/18");
    expect("192.168.127.255 192.168.192.0 192.168.200.1", "");
    /* whole tokens only */
    expect("1192.168.142.1 192.168.142.1.5 192.168.142.1234", "");
    expect("192.168.142.1.", "0:192.168.128.0/18 0:192.168.142.0/24 0:192.168.142.0/26 "
                             "0:192.168.142.1");
    expect("::ffff:192.168.142.200", "7:192.168.128.0/18 7:192.168.142.0/24");
}

Test(match_cidr, wide_and_host_prefixes, .init = setup, .fini = teardown)
{
    add(TRAWL_T_CIDR, 0, "10.0.0.0/8");
    add(TRAWL_T_CIDR, 0, "10.1.2.3/32");
    build();
    expect("10.0.0.0 10.255.255.255 11.0.0.0 9.255.255.255", "0:10.0.0.0/8 9:10.0.0.0/8");
    expect("10.1.2.3", "0:10.0.0.0/8 0:10.1.2.3/32");
    expect("10.1.2.33", "0:10.0.0.0/8");
}

Test(match_cidr, ipv6, .init = setup, .fini = teardown)
{
    add(TRAWL_T_CIDR, 0, "2001:db8::/32");
    add(TRAWL_T_CIDR, 0, "2001:db8:1::/48");
    build();
    expect("2001:db8::1", "0:2001:db8::/32");
    expect("x 2001:0db8:0:0:0:0:0:1 y", "2:2001:db8::/32");
    expect("[2001:DB8:1::abcd]:443", "1:2001:db8:1::/48 1:2001:db8::/32");
    expect("2001:db8:0001:0000:0000:0000:0000:0000", "0:2001:db8:1::/48 0:2001:db8::/32");
    expect("2001:db9::1 2001:db7:ffff::1", "");
    /* not inside a longer colon-hex run, not a valid address */
    expect("12001:db8::1 :2001:db8::1 2001:db8::1:2:3:4:5:6:7", "");
    expect("2001:db8::1.", "0:2001:db8::/32");
}

/* ---- IPv6 --------------------------------------------------------------- */

static void ipv6_cases(void)
{
    expect("2001:db8::1", "0:2001:db8::1");
    expect("a=2001:0db8:0000:0000:0000:0000:0000:0001;", "2:2001:db8::1");
    expect("2001:db8:0:0:0:0:0:1", "0:2001:db8::1");
    expect("2001:DB8::1", "0:2001:db8::1");
    expect("[2001:db8::1]:443 (2001:db8::1) 2001:db8::1.", "1:2001:db8::1 19:2001:db8::1 "
                                                           "32:2001:db8::1");
    expect("fe80::1%eth0", "0:fe80::1");
    /* whole tokens only */
    expect("2001:db8::10", "");
    expect("2001:db8::1:5", "");
    expect("12001:db8::1", "");
    expect("a2001:db8::1", "");
    expect(":2001:db8::1", "");
    expect("2001:db8::1::", "");
    expect("2001:db8::1.2.3.4", "");
    expect("1fe80::1", "");
}

Test(match_ipv6, small_set, .init = setup, .fini = teardown)
{
    add(TRAWL_T_IPV6, 0, "2001:db8::1");
    add(TRAWL_T_IPV6, 0, "fe80::1");
    build();
    ipv6_cases();
}

Test(match_ipv6, with_cidr_same_results, .init = setup, .fini = teardown)
{
    add(TRAWL_T_IPV6, 0, "2001:db8::1");
    add(TRAWL_T_IPV6, 0, "fe80::1");
    add(TRAWL_T_CIDR, 0, "fc00::/7"); /* CIDR tables next to exact ones */
    build();
    ipv6_cases();
    expect("fd12::3", "0:fc00::/7");
}

/* ---- domains ------------------------------------------------------------ */

Test(match_domain, label_aligned_caseless, .init = setup, .fini = teardown)
{
    add(TRAWL_T_DOMAIN, 0, "evil.com");
    add(TRAWL_T_DOMAIN, 0, "t.me");
    add(TRAWL_T_DOMAIN, 0, "1e100.net");
    build();
    expect("EVIL.com", "0:evil.com");
    expect("host a.b.evil.com ok", "9:evil.com");
    expect("www.Evil.Com:8080", "4:evil.com");
    expect("visit evil.com.", "6:evil.com");
    expect("user@evil.com", "5:evil.com");
    expect("https://x.evil.com/path?q=1", "10:evil.com");
    expect("\"evil.com\"", "1:evil.com");
    expect("see t.me/chan", "4:t.me");
    expect("1e100.net and a-b.1e100.net", "0:1e100.net 18:1e100.net");
    /* not label-aligned */
    expect("notevil.com", "");
    expect("evil.com.au", "");
    expect("evil.community", "");
    expect("evil.com-x evil.com_x x_evil.com", "");
    expect("tt.me", "");
    expect("x-1e100.net", "");
    expect("evil.co evil.comm", "");
}

Test(match_domain, nested_indicators, .init = setup, .fini = teardown)
{
    add(TRAWL_T_DOMAIN, 0, "evil.com");
    add(TRAWL_T_DOMAIN, 0, "b.evil.com");
    build();
    expect("a.b.evil.com", "2:b.evil.com 4:evil.com");
    expect("xb.evil.com", "3:evil.com");
}

Test(match_domain, exact, .init = setup, .fini = teardown)
{
    add(TRAWL_T_DOMAIN, TRAWL_IOC_EXACT, "evil.com");
    build();
    expect("evil.com", "0:evil.com");
    expect("http://EVIL.COM/x", "7:evil.com");
    expect("user@evil.com", "5:evil.com");
    expect("evil.com.", "0:evil.com");
    expect("www.evil.com", "");
    expect("a.b.evil.com", "");
    expect("notevil.com", "");
}

/* ---- URLs --------------------------------------------------------------- */

Test(match_url, prefix_case_rules, .init = setup, .fini = teardown)
{
    add(TRAWL_T_URL, 0, "http://bad.org/Path");
    add(TRAWL_T_URL, 0, "http://bad.org");
    build();
    expect("HTTP://BAD.ORG/Path/more", "0:http://bad.org 0:http://bad.org/Path");
    expect("http://bad.org/path", "0:http://bad.org");
    expect("http://bad.org/PATH", "0:http://bad.org");
    expect("get http://bad.org/Pathology", "4:http://bad.org 4:http://bad.org/Path");
    expect("http://bad.org.evil.net/", "");
    expect("http://bad.orgx/ http://bad.org-x", "");
    expect("http://bad.org:8080/ \"http://bad.org\"", "0:http://bad.org 22:http://bad.org");
    /* prefix from the scheme */
    expect("xhttp://bad.org/Path", "");
}

Test(match_url, query_only, .init = setup, .fini = teardown)
{
    add(TRAWL_T_URL, 0, "https://a.example.com/dl?id=AbC");
    build();
    expect("HTTPS://A.Example.COM/dl?id=AbC&x=1", "0:https://a.example.com/dl?id=AbC");
    expect("https://a.example.com/dl?id=abc", "");
}

/* Literals longer than TRAWL_HS_LIT_MAX reach Hyperscan as their last 32
 * bytes; the bytes before are compared by the engine with the same rules. */
Test(match_long, head_compared_with_type_rules, .init = setup, .fini = teardown)
{
    add(TRAWL_T_URL, 0, "https://files.example.org/Share/Download/AbCdEf0123456789/x.zip");
    add(TRAWL_T_DOMAIN, 0, "a-very-long-subdomain-name.of.a.dynamic-dns-provider.example");
    add(TRAWL_T_STRING, 0, "Cased Marker Head ---- and the last thirty-two bytes!");
    build();
    /* scheme and host caseless, path cased, also inside the head */
    expect("GET HTTPS://FILES.EXAMPLE.ORG/Share/Download/AbCdEf0123456789/x.zip?q",
           "4:https://files.example.org/Share/Download/AbCdEf0123456789/x.zip");
    expect("https://files.example.org/share/Download/AbCdEf0123456789/x.zip", "");
    /* same last 32 bytes, another head */
    expect("https://files.example.net/Share/Download/AbCdEf0123456789/x.zip", "");
    expect("xhttps://files.example.org/Share/Download/AbCdEf0123456789/x.zip", "");
    /* domains: caseless head, label-aligned start, subdomains */
    expect("q A-Very-Long-Subdomain-Name.of.a.dynamic-dns-provider.example.",
           "2:a-very-long-subdomain-name.of.a.dynamic-dns-provider.example");
    expect("x.a-very-long-subdomain-name.of.a.dynamic-dns-provider.example",
           "2:a-very-long-subdomain-name.of.a.dynamic-dns-provider.example");
    expect("not-a-very-long-subdomain-name.of.a.dynamic-dns-provider.example", "");
    expect("a-very-long-subdomain-namX.of.a.dynamic-dns-provider.example", "");
    /* a cased string stays cased in its head */
    expect("Cased Marker Head ---- and the last thirty-two bytes!",
           "0:Cased Marker Head ---- and the last thirty-two bytes!");
    expect("cased Marker Head ---- and the last thirty-two bytes!", "");
    /* the head lies before the scanned part of a span: still judged on it */
    const char *t = "  https://files.example.org/Share/Download/AbCdEf0123456789/x.zip";
    trawl_matcher_clear(g_m);
    scan_span(t, strlen(t), 2, 3, false);
    char *got = render();
    cr_expect_str_eq(got, "2:https://files.example.org/Share/Download/AbCdEf0123456789/x.zip");
    free(got);
}

/* The input fuzz_roundtrip found: with a 56-byte literal in the set,
 * Hyperscan 5.4.0 returned HS_UNKNOWN_ERROR for this data (its bug #303). */
Test(match_long, hyperscan_long_literal_bug, .init = setup, .fini = teardown)
{
    char url[64] = "http://a.example/x?y=1";
    size_t n = strlen(url);
    memset(url + n, 0xbb, 34);
    url[n + 34] = 0;
    add(TRAWL_T_DOMAIN, 0, "evil.example.com");
    add(TRAWL_T_STRING, TRAWL_IOC_NOCASE, url);
    build();
    char data[512];
    size_t len = 0;
    for (int k = 0; k < 3; k++) {
        len += (size_t)sprintf(data + len, "\x03%s\n\x04%s\n\x05", "evil.example.com", url);
        memcpy(data + len, "bob@evil.exa.51.100?y=1\n", 24);
        len += 24;
    }
    for (size_t off = 0; off < 40; off++) {
        for (size_t end = off + 1; end <= len; end += 7) {
            struct trawl_error err = {0};
            struct trawl_span s = {
                .base = (const uint8_t *)data + off, .len = end - off, .lo = 0, .hi = end - off};
            cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0, "at %zu+%zu: %s", off, end - off,
                         err.msg);
            trawl_matcher_clear(g_m);
        }
    }
}

/* ---- e-mail ------------------------------------------------------------- */

Test(match_email, whole_token, .init = setup, .fini = teardown)
{
    add(TRAWL_T_EMAIL, 0, "user@evil.com");
    build();
    expect("From: User@EVIL.com>", "6:user@evil.com");
    expect("<user@evil.com>", "1:user@evil.com");
    expect("mailto:user@evil.com", "7:user@evil.com");
    expect("user@evil.com.", "0:user@evil.com");
    expect("xuser@evil.com", "");
    expect("a.user@evil.com a+user@evil.com a-user@evil.com", "");
    expect("user@evil.com.au user@evil.community", "");
}

Test(match_email, after_nul_byte, .init = setup, .fini = teardown)
{
    add(TRAWL_T_EMAIL, 0, "user@evil.com");
    build();
    /* binary input: a NUL byte is not an address character */
    static const char bin[] = "\0user@evil.com\0\0";
    expect_n(bin, sizeof(bin) - 1, false, "1:user@evil.com");
}

/* ---- URLs and e-mail addresses as tokens ---------------------------------- */

/* Most URLs and addresses are found by the token pass ("://" and '@', a
 * filter over the bytes around them, a table keyed by "scheme://host" or
 * the address); the rest stay Hyperscan literals. Both give the same hits. */
Test(match_text_tokens, shapes_and_filter_lengths, .init = setup, .fini = teardown)
{
    char local64[80], text[256];
    memset(local64, 'x', 64);
    strcpy(local64 + 64, "@evil.com");
    add(TRAWL_T_URL, 0, "http://a.io"); /* 4 bytes after "://" */
    add(TRAWL_T_URL, 0, "https://login.example.com/P?x=1");
    add(TRAWL_T_URL, 0, "svn+ssh://repo.example.org/trunk");
    add(TRAWL_T_URL, 0, "http://evil.example:8080/x");
    add(TRAWL_T_EMAIL, 0, "a@evil.com"); /* 1-byte local part */
    add(TRAWL_T_EMAIL, 0, "ab@evil.com");
    add(TRAWL_T_EMAIL, 0, "john.smith@corp.example.com");
    add(TRAWL_T_EMAIL, 0, local64);
    add(TRAWL_T_EMAIL, 0, "o'brien@evil.com"); /* "'" is no token character: a literal */
    build();
    struct trawl_db_info in;
    trawl_db_info(g_db, &in);
    cr_expect_eq(in.hashed, 8, "token URLs and addresses: %llu", (unsigned long long)in.hashed);
    cr_expect_eq(in.literals, 1);
    /* what trawl bench counts as Hyperscan literals */
    cr_expect(!trawl_ioc_is_literal(TRAWL_T_URL, "http://a.io"));
    cr_expect(!trawl_ioc_is_literal(TRAWL_T_EMAIL, "a@evil.com"));
    cr_expect(trawl_ioc_is_literal(TRAWL_T_EMAIL, "o'brien@evil.com"));
    cr_expect(trawl_ioc_is_literal(TRAWL_T_DOMAIN, "evil.com"));
    cr_expect(!trawl_ioc_is_literal(TRAWL_T_IPV4, "192.0.2.1"));

    expect("GET HTTP://A.IO/x http://a.io. http://a.iox http://a.io.uk",
           "4:http://a.io 18:http://a.io");
    expect("xhttp://a.io +http://a.io", "");
    expect("\"https://LOGIN.example.COM/P?x=1&y\" https://login.example.com/p?x=1",
           "1:https://login.example.com/P?x=1");
    expect("svn+ssh://Repo.Example.org/trunk/a ssh://repo.example.org/trunk",
           "0:svn+ssh://repo.example.org/trunk");
    expect("http://evil.example:8080/x http://evil.example:8081/x http://evil.example/x",
           "0:http://evil.example:8080/x");
    expect("a@evil.com ba@evil.com ab@evil.com A@EVIL.COM.",
           "0:a@evil.com 23:ab@evil.com 35:a@evil.com");
    expect("to:John.Smith@corp.example.com;jjohn.smith@corp.example.com",
           "3:john.smith@corp.example.com");
    expect("john.smith@corp.example.community john.smith@x.corp.example.com", "");
    /* runs of '@' are skipped; an '@' next to them is not */
    expect("@@@a@evil.com@@ab@evil.com @@@", "3:a@evil.com 15:ab@evil.com");
    snprintf(text, sizeof(text), "<%s> z%s", local64, local64);
    expect(text, "1:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@evil.com");
    expect("<O'Brien@evil.com> xo'brien@evil.com", "1:o'brien@evil.com");
    /* at the very ends of the buffer */
    expect("a@evil.com", "0:a@evil.com");
    expect("x://", "");
    expect("@", "");
    /* UTF-16LE */
    static const char u16[] = "h\0t\0t\0p\0:\0/\0/\0a\0.\0i\0o\0 \0a\0@\0e\0v\0i\0l\0.\0c\0o\0m\0";
    expect_n(u16, sizeof(u16) - 1, true, "0:http://a.io/u16 24:a@evil.com/u16");
}

/* Random text rich in the characters of URLs and addresses, matched with
 * the token tables and with every URL and address compiled as a literal:
 * the same hits, whole and split into two spans anywhere. */
Test(match_text_tokens, same_hits_as_literals, .init = setup, .fini = teardown, .timeout = 120)
{
    static const char *const urls[] = {"http://a.io",
                                       "https://b.example.com/Q",
                                       "ftp://b.example.com",
                                       "http://c.example.org/a/b?c=D",
                                       "hxxps://d-e.example.net/x",
                                       "http://a.io/p"};
    static const char *const mails[] = {"a@b.example.com", "ab.c@b.example.com", "x+y@c.io",
                                        "ab@c.io"};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        add(TRAWL_T_URL, 0, urls[i]);
    for (size_t i = 0; i < sizeof(mails) / sizeof(mails[0]); i++)
        add(TRAWL_T_EMAIL, 0, mails[i]);
    add(TRAWL_T_DOMAIN, 0, "b.example.com");
    build();
    struct trawl_error err = {0};
    struct trawl_compile_opts co = {.utf16 = true, .text_literals = true};
    struct trawl_db *ldb;
    struct trawl_matcher *lm;
    cr_assert_eq(trawl_db_compile(g_set, &co, &ldb, &err), 0, "compile: %s", err.msg);
    cr_assert_eq(trawl_matcher_new(ldb, &lm, &err), 0, "matcher: %s", err.msg);
    struct trawl_db_info in;
    trawl_db_info(ldb, &in);
    cr_assert_eq(in.literals, 11);

    static const char *const frag[] = {
        "http", "https",   "ftp",  "://",  "@",    ".",   "/",    ":", "a", "b",    "c",
        "io",   "example", ".com", ".org", "-",    "+",   "x",    "Q", "q", "?c=D", "A",
        "B.",   " ",       "\"",   "ab",   ".net", "d-e", "/a/b", "p", "y"};
    const size_t nfrag = sizeof(frag) / sizeof(frag[0]);
    char t[400];
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        while (n < 300) {
            uint64_t r = rnd();
            const char *f;
            if (r % 5 == 0)
                f = r % 3 ? urls[(r >> 8) % 6] : mails[(r >> 8) % 4];
            else
                f = frag[(r >> 8) % nfrag];
            size_t k = strlen(f);
            memcpy(t + n, f, k);
            if ((r >> 20) % 4 == 0) /* some upper case */
                for (size_t i = 0; i < k; i++)
                    t[n + i] =
                        (char)(t[n + i] >= 'a' && t[n + i] <= 'z' ? t[n + i] - 32 : t[n + i]);
            n += k;
        }
        t[n] = 0;
        char *tok = scan_whole(t, n, false);
        struct trawl_db *sdb = g_db;
        struct trawl_matcher *sm = g_m;
        g_db = ldb;
        g_m = lm;
        char *lit = scan_whole(t, n, false);
        g_db = sdb;
        g_m = sm;
        cr_assert_str_eq(tok, lit, "text \"%s\"", t);
        size_t cut = (size_t)(rnd() % n);
        trawl_matcher_clear(g_m);
        scan_span(t, n, 0, cut, false);
        scan_span(t, n, cut, n, false);
        char *split = render();
        cr_assert_str_eq(split, lit, "split at %zu of \"%s\"", cut, t);
        free(tok);
        free(lit);
        free(split);
    }
    trawl_matcher_free(lm);
    trawl_db_close(ldb);
}

/* ---- hashes ------------------------------------------------------------- */

#define MD5 "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1 "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* an unrelated 64-hex run that contains MD5 and SHA1 */
#define RUN64 "00" MD5 "da39a3ee5e6b4b0d3255bfef956018"
#define RUN70 RUN64 "901234"

static void hash_cases(void)
{
    expect(MD5, "0:" MD5);
    expect("md5=D41D8CD98F00B204E9800998ECF8427E;", "4:" MD5);
    expect("sha1:" SHA1 " sha256:" SHA256, "5:" SHA1 " 53:" SHA256);
    expect("\"" SHA256 "\"", "1:" SHA256);
    expect(MD5 "." MD5 "-" MD5 "_", "0:" MD5 " 33:" MD5 " 66:" MD5);
    /* never inside a longer hex run or token */
    expect(RUN64, "");
    expect(RUN70, "");
    expect(SHA256 SHA256, "");
    expect(SHA1 "00", "");
    expect("0x" MD5, "");
    expect("g" MD5, "");
    expect(MD5 "g", "");
    expect("a" MD5, "");
    expect(MD5 "0", "");
    expect("d41d8cd98f00b204e9800998ecf8427", "");
    expect(SHA256 "0", "");
}

static void add_hashes(void)
{
    add(TRAWL_T_MD5, 0, MD5);
    add(TRAWL_T_SHA1, 0, SHA1);
    add(TRAWL_T_SHA256, 0, SHA256);
    /* MD5 and SHA1 are prefixes of these: they must not hit inside */
    add(TRAWL_T_MD5, 0, "e3b0c44298fc1c149afbf4c8996fb924");
    add(TRAWL_T_SHA1, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4");
}

Test(match_hash, small_set, .init = setup, .fini = teardown)
{
    add_hashes();
    build();
    hash_cases();
}

Test(match_hash, large_set_same_results, .init = setup, .fini = teardown)
{
    add_hashes();
    static const struct {
        enum trawl_ioc_type t;
        int len;
    } kinds[] = {{TRAWL_T_MD5, 32}, {TRAWL_T_SHA1, 40}, {TRAWL_T_SHA256, 64}};
    char v[65];
    for (unsigned i = 0; i < 50001; i++) {
        int k = (int)(rnd() % 3);
        for (int j = 0; j < kinds[k].len; j++)
            v[j] = "0123456789abcdef"[rnd() & 15];
        v[kinds[k].len] = 0;
        add(kinds[k].t, 0, v);
    }
    build();
    struct trawl_db_info info;
    trawl_db_info(g_db, &info);
    cr_assert_gt(info.hashed, 50000, "large hash set must use token lookup");
    hash_cases();
    /* a random one of the generated hashes, upper case, in text */
    struct trawl_ioc_view iv;
    trawl_db_get(g_db, 12345, &iv);
    char text[100], want[100];
    snprintf(text, sizeof(text), "h=%s\n", iv.value);
    for (char *p = text; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
    snprintf(want, sizeof(want), "2:%s", iv.value);
    expect(text, want);
}

/* ---- file names --------------------------------------------------------- */

Test(match_filename, token_or_after_separator, .init = setup, .fini = teardown)
{
    add(TRAWL_T_FILENAME, 0, "invoice.exe");
    build();
    expect("C:\\Users\\x\\Invoice.EXE", "11:invoice.exe");
    expect("/tmp/invoice.exe", "5:invoice.exe");
    expect("invoice.exe", "0:invoice.exe");
    expect("ran \"invoice.exe\" then invoice.exe.", "5:invoice.exe 23:invoice.exe");
    expect("invoice.exe:Zone.Identifier", "0:invoice.exe");
    expect("myinvoice.exe", "");
    expect("my-invoice.exe my_invoice.exe x.invoice.exe", "");
    expect("invoice.exe.txt invoice.exe2 invoice.exe_ invoice.exe-1", "");
}

/* ---- strings ------------------------------------------------------------ */

Test(match_string, cased_and_nocase, .init = setup, .fini = teardown)
{
    add(TRAWL_T_STRING, 0, "Secret");
    add(TRAWL_T_STRING, TRAWL_IOC_NOCASE, "TokenX");
    build();
    expect("a Secret here", "2:Secret");
    expect("xSecretx", "1:Secret");
    expect("SECRET secret sEcret", "");
    expect("tokenx TOKENX TokenX", "0:TokenX 7:TokenX 14:TokenX");
}

/* One text as a cased string, a caseless one and a domain: the cased one is
 * compiled case-sensitive, the others caseless, into the one database. */
Test(match_string, same_text_cased_caseless_domain, .init = setup, .fini = teardown)
{
    add(TRAWL_T_STRING, 0, "Evil.Com");
    add(TRAWL_T_STRING, TRAWL_IOC_NOCASE, "evil.coM");
    add(TRAWL_T_DOMAIN, 0, "evil.com");
    build();
    expect("EVIL.COM", "0:evil.coM 0:evil.com");
    expect("x Evil.Com", "2:Evil.Com 2:evil.coM 2:evil.com");
    expect("xEvil.Comx", "1:Evil.Com 1:evil.coM");
}

Test(match_string, overlapping, .init = setup, .fini = teardown)
{
    add(TRAWL_T_STRING, 0, "aa");
    add(TRAWL_T_STRING, 0, "aXa");
    build();
    expect("aaa", "0:aa 1:aa");
    expect("aaaa", "0:aa 1:aa 2:aa");
    expect("aXaXa", "0:aXa 2:aXa");
    expect("axa AA", "");
}

/* ---- UTF-16LE ----------------------------------------------------------- */

Test(match_utf16, strings_domains_filenames, .init = setup, .fini = teardown)
{
    add(TRAWL_T_STRING, 0, "Secret");
    add(TRAWL_T_DOMAIN, 0, "evil.com");
    add(TRAWL_T_FILENAME, 0, "invoice.exe");
    build();
    uint8_t buf[512];
    size_t n = u16("x Secret www.EVIL.com C:\\INVOICE.exe", buf);
    expect_n(buf, n, true, "4:Secret/u16 26:evil.com/u16 50:invoice.exe/u16");
    expect_n(buf, n, false, "");

    /* case of a cased string still matters */
    n = u16("SECRET", buf);
    expect_n(buf, n, true, "");
    /* boundaries are judged on UTF-16 units */
    n = u16("notevil.com evil.com.au myinvoice.exe", buf);
    expect_n(buf, n, true, "");
    /* a non-ASCII unit next to the name is a boundary */
    static const uint8_t wide[] = {0x3b, 0x04, 'e', 0, 'v', 0, 'i', 0, 'l',  0,
                                   '.',  0,    'c', 0, 'o', 0, 'm', 0, 0x3b, 0x04};
    expect_n(wide, sizeof(wide), true, "2:evil.com/u16");

    /* both encodings in one buffer */
    size_t k = u16("evil.com", buf);
    memcpy(buf + k, " evil.com", 9);
    expect_n(buf, k + 9, true, "0:evil.com/u16 17:evil.com");
    expect_n(buf, k + 9, false, "17:evil.com");

    /* hit record details */
    trawl_matcher_clear(g_m);
    n = u16("Secret", buf);
    scan_span(buf, n, 0, n, true);
    cr_assert_eq(trawl_matcher_nhits(g_m), 1);
    struct trawl_hit *h = trawl_matcher_hits(g_m);
    cr_expect_eq(h->offset, 0);
    cr_expect_eq(h->len, 12);
    cr_expect_eq(h->utf16, 1);
}

/* The lookahead of a UTF-16 name (two units: ".x") must lie within the
 * overlap a span carries past hi, also when that name is the longest
 * literal of the database. */
Test(match_utf16, long_name_at_span_end, .init = setup, .fini = teardown)
{
    const char *dom = "a-rather-long-subdomain-name-here.evil.com";
    add(TRAWL_T_DOMAIN, 0, dom);
    build();
    uint8_t buf[512];
    size_t n = u16("x ", buf);
    size_t start = n;
    n += u16(dom, buf + n);
    n += u16(".au and more text after the name to fill the buffer", buf + n);
    expect_n(buf, n, true, "");
    size_t ov = trawl_matcher_overlap(g_m);
    cr_assert_leq(start + 1 + ov, n);
    for (size_t hi = start + 1; hi <= start + 2 * strlen(dom); hi++) {
        /* a window as the stream reader builds it: hi + overlap bytes */
        struct trawl_error err = {0};
        struct trawl_span s = {
            .base = buf, .len = hi + ov, .base_off = 0, .lo = 0, .hi = hi, .utf16 = true};
        trawl_matcher_clear(g_m);
        cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
        cr_assert_eq(trawl_matcher_nhits(g_m), 0, "hi %zu: false hit of %s before .au", hi, dom);
    }
}

Test(match_utf16, not_compiled_without_option, .init = setup, .fini = teardown)
{
    add(TRAWL_T_STRING, 0, "Secret");
    struct trawl_error err = {0};
    struct trawl_compile_opts co = {.utf16 = false};
    cr_assert_eq(trawl_db_compile(g_set, &co, &g_db, &err), 0);
    cr_assert_eq(trawl_matcher_new(g_db, &g_m, &err), 0);
    uint8_t buf[64];
    size_t n = u16("Secret", buf);
    expect_n(buf, n, true, "");
}

/* ---- regex -------------------------------------------------------------- */

Test(match_regex, start_offsets, .init = setup, .fini = teardown)
{
    add(TRAWL_T_REGEX, 0, "evil[0-9]+kit");
    add(TRAWL_T_REGEX, 0, "a+b");
    build();
    cr_assert_geq(trawl_matcher_overlap(g_m), 4096);
    expect("xx evil123kit yy evil9kit", "3:evil[0-9]+kit 17:evil[0-9]+kit");
    expect("evilkit evil12", "");
    expect("caaab", "1:a+b");
}

Test(match_regex, same_hit_in_next_buffer, .init = setup, .fini = teardown)
{
    add(TRAWL_T_REGEX, 0, "evil[0-9]+kit");
    build();
    /* a matcher scans one buffer after another (files in a worker): the
     * same regex at the same offset of the next buffer is a new hit */
    expect("evil1kit", "0:evil[0-9]+kit");
    expect("evil1kit", "0:evil[0-9]+kit");
    expect("evil22kit", "0:evil[0-9]+kit");
}

/* A regex that can match from many starts: a span must not report a later
 * start of a match that began in an earlier span. */
Test(match_regex, many_starts_split, .init = setup, .fini = teardown)
{
    add(TRAWL_T_REGEX, 0, "[a-z]+@evil\\.com");
    add(TRAWL_T_REGEX, 0, "x+y");
    build();
    static uint8_t text[4000];
    size_t n = 0;
    while (n + 60 < sizeof(text)) {
        int k = (int)(rnd() % 20);
        for (int i = 0; i < k; i++)
            text[n++] = (uint8_t) "abcx"[rnd() % 4];
        n += (size_t)snprintf((char *)text + n, sizeof(text) - n, "%s",
                              rnd() % 2 ? "@evil.com " : "y; ");
    }
    char *whole = scan_whole(text, n, false);
    cr_assert_gt(strlen(whole), 1000);
    for (unsigned step = 1; step <= 50; step++) {
        trawl_matcher_clear(g_m);
        for (size_t lo = 0; lo < n; lo += step)
            scan_span(text, n, lo, lo + step < n ? lo + step : n, false);
        char *split = render();
        cr_assert_str_eq(split, whole, "step %u differs", step);
        free(split);
    }
    free(whole);
}

/* ---- API edges ------------------------------------------------------------ */

Test(match_api, overlap_and_bad_span, .init = setup, .fini = teardown)
{
    char longs[300];
    memset(longs, 'q', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = 0;
    add(TRAWL_T_STRING, 0, longs);
    build();
    cr_assert_geq(trawl_matcher_overlap(g_m), 299 + 2);
    struct trawl_error err = {0};
    struct trawl_span s = {
        .base = (const uint8_t *)"abc", .len = 3, .base_off = 10, .lo = 5, .hi = 13};
    cr_assert_lt(trawl_matcher_scan(g_m, &s, &err), 0);
    s.lo = 10;
    cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
    cr_assert_eq(trawl_matcher_nhits(g_m), 0);
    /* empty span */
    s.hi = 10;
    cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
    /* long literal across a split */
    char text[400];
    snprintf(text, sizeof(text), "0123456789%s!", longs);
    char want[400];
    snprintf(want, sizeof(want), "10:%s", longs);
    expect(text, want);
}

Test(match_api, base_offset_shifts_hits, .init = setup, .fini = teardown)
{
    add(TRAWL_T_DOMAIN, 0, "evil.com");
    build();
    const char *t = "..evil.com..";
    struct trawl_error err = {0};
    struct trawl_span s = {.base = (const uint8_t *)t,
                           .len = strlen(t),
                           .base_off = 1000,
                           .lo = 1000,
                           .hi = 1000 + strlen(t)};
    cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
    char *got = render();
    cr_expect_str_eq(got, "1002:evil.com");
    free(got);
    /* only hits starting in [lo, hi) are accepted */
    s.lo = 1003;
    cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
    cr_expect_eq(trawl_matcher_nhits(g_m), 0);
    s.lo = 1000;
    s.hi = 1002;
    cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
    cr_expect_eq(trawl_matcher_nhits(g_m), 0);
    s.hi = 1003;
    cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
    cr_expect_eq(trawl_matcher_nhits(g_m), 1);
}

/* ---- boundary independence ------------------------------------------------ */

static const char *const planted[] = {"1.2.3.4",
                                      "11.2.3.45",
                                      "1.2.3.4.5",
                                      "10.0.0.55",
                                      "210.0.0.55",
                                      "192.168.142.1",
                                      "192.168.142.77",
                                      "::ffff:1.2.3.4",
                                      "2001:db8::1",
                                      "2001:0db8:0:0:0:0:0:1",
                                      "2001:db9::1",
                                      "fe80::1",
                                      "EVIL.com",
                                      "a.b.evil.com",
                                      "notevil.com",
                                      "evil.com.au",
                                      "t.me",
                                      "tt.me",
                                      "x-1e100.net",
                                      "1e100.net",
                                      "http://bad.org/Path/x",
                                      "HTTP://BAD.ORG/path",
                                      "user@evil.com",
                                      "xuser@evil.com",
                                      MD5,
                                      SHA1,
                                      SHA256,
                                      RUN64,
                                      "C:\\Invoice.EXE",
                                      "myinvoice.exe",
                                      "Secret",
                                      "SECRET",
                                      "aaa",
                                      "evil123kit",
                                      "tokenx"};

static const char *const seps[] = {" ", ",", ";", "(", ")", "\n", "\t", "=",  "/", "\\",
                                   "@", ":", ".", "",  "x", "0",  "-",  "\"", "[", "]"};

static void add_boundary_set(void)
{
    add(TRAWL_T_IPV4, 0, "1.2.3.4");
    add(TRAWL_T_IPV4, 0, "10.0.0.55");
    add(TRAWL_T_IPV4, 0, "2.3.4.5");
    add(TRAWL_T_IPV6, 0, "2001:db8::1");
    add(TRAWL_T_IPV6, 0, "fe80::1");
    add(TRAWL_T_DOMAIN, 0, "evil.com");
    add(TRAWL_T_DOMAIN, 0, "b.evil.com");
    add(TRAWL_T_DOMAIN, 0, "t.me");
    add(TRAWL_T_DOMAIN, 0, "1e100.net");
    add(TRAWL_T_URL, 0, "http://bad.org/Path");
    add(TRAWL_T_EMAIL, 0, "user@evil.com");
    add_hashes();
    add(TRAWL_T_FILENAME, 0, "invoice.exe");
    add(TRAWL_T_STRING, 0, "Secret");
    add(TRAWL_T_STRING, 0, "aa");
    add(TRAWL_T_STRING, TRAWL_IOC_NOCASE, "TOKENX");
    add(TRAWL_T_REGEX, 0, "evil[0-9]{2,4}kit");
}

/* Random text of planted indicators, separators and filler, with some
 * UTF-16LE copies. */
static size_t make_text(uint8_t *buf, size_t cap)
{
    size_t n = 0;
    while (n + 300 < cap) {
        const char *p = planted[rnd() % (sizeof(planted) / sizeof(*planted))];
        const char *s = seps[rnd() % (sizeof(seps) / sizeof(*seps))];
        const char *s2 = seps[rnd() % (sizeof(seps) / sizeof(*seps))];
        if (rnd() % 8 == 0) {
            n += u16(s, buf + n);
            n += u16(p, buf + n);
        } else {
            n += (size_t)snprintf((char *)buf + n, cap - n, "%s%s%s", s, p, s2);
        }
        if (rnd() % 4 == 0)
            n += (size_t)snprintf((char *)buf + n, cap - n, " filler words %u ",
                                  (unsigned)(rnd() % 1000));
    }
    return n;
}

static char *scan_steps(const uint8_t *t, size_t len, unsigned step, bool random)
{
    trawl_matcher_clear(g_m);
    for (size_t lo = 0; lo < len;) {
        size_t k = random ? 1 + rnd() % 50 : step;
        size_t hi = lo + k < len ? lo + k : len;
        scan_span(t, len, lo, hi, true);
        lo = hi;
    }
    return render();
}

/* Spans over windows of the text, as the stream reader builds them: base
 * starts `behind` bytes before lo and ends `overlap` bytes after hi. */
static char *scan_windows(const uint8_t *t, size_t len, unsigned step, size_t behind)
{
    trawl_matcher_clear(g_m);
    size_t ov = trawl_matcher_overlap(g_m);
    for (size_t lo = 0; lo < len;) {
        size_t hi = lo + step < len ? lo + step : len;
        size_t b = lo > behind ? lo - behind : 0;
        size_t e = hi + ov < len ? hi + ov : len;
        struct trawl_error err = {0};
        struct trawl_span s = {
            .base = t + b, .len = e - b, .base_off = b, .lo = lo, .hi = hi, .utf16 = true};
        cr_assert_eq(trawl_matcher_scan(g_m, &s, &err), 0);
        lo = hi;
    }
    return render();
}

static void boundary_check(void)
{
    static uint8_t text[12000];
    size_t len = make_text(text, sizeof(text));
    char *whole = scan_whole(text, len, true);
    size_t nhits = 1;
    for (const char *p = whole; *p; p++)
        nhits += *p == ' ';
    cr_assert_gt(nhits, 200, "too few planted hits: %zu", nhits);
    cr_assert(strstr(whole, "/u16"), "no UTF-16 hits planted");
    for (unsigned step = 1; step <= 50; step++) {
        char *split = scan_steps(text, len, step, false);
        cr_assert_str_eq(split, whole, "step %u differs", step);
        free(split);
    }
    for (int i = 0; i < 5; i++) {
        char *split = scan_steps(text, len, 0, true);
        cr_assert_str_eq(split, whole, "random steps differ");
        free(split);
    }
    for (unsigned step = 7; step <= 4096; step *= 3) {
        char *win = scan_windows(text, len, step, 512);
        cr_assert_str_eq(win, whole, "windows of %u differ", step);
        free(win);
    }
    free(whole);
}

Test(match_boundary, small_sets, .init = setup, .fini = teardown, .timeout = 120)
{
    add_boundary_set();
    build();
    boundary_check();
}

Test(match_boundary, large_sets_and_cidrs, .init = setup, .fini = teardown, .timeout = 120)
{
    add_boundary_set();
    add(TRAWL_T_CIDR, 0, "192.168.142.0/24");
    add(TRAWL_T_CIDR, 0, "192.168.128.0/18");
    add(TRAWL_T_CIDR, 0, "2001:db8::/32");
    char v[65];
    for (unsigned i = 0; i < 50001; i++) {
        for (int j = 0; j < 64; j++)
            v[j] = "0123456789abcdef"[rnd() & 15];
        v[64] = 0;
        add(TRAWL_T_SHA256, 0, v);
    }
    build();
    struct trawl_db_info info;
    trawl_db_info(g_db, &info);
    cr_assert_gt(info.hashed, 50000);
    boundary_check();
}
