/* Unit tests of hit runs (engine/hits.c, trawl_hits_run): the scan copies
 * the bytes a run of hits reads out of a mapping before the hits go to the
 * sinks, so every JSON line formatted from that copy must equal the line
 * formatted from the whole buffer, context extracts and their masks of
 * hits above a sink's ceiling included. Random text with long and short
 * lines, dense and sparse hits, UTF-16LE stretches and buffer edges. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "trawl_engine.h"

static const char *const domains[] = {"a.evil.example", "bb.evil.example", "c.bad.example",
                                      "dd.bad.example", "e.worse.example"};
#define NDOMAINS (sizeof(domains) / sizeof(domains[0]))

/* Every domain, with TLPs from CLEAR to RED in turn. */
static void build(void)
{
    for (size_t i = 0; i < NDOMAINS; i++) {
        struct trawl_ioc_rec r = {.type = TRAWL_T_DOMAIN,
                                  .value = domains[i],
                                  .tlp = (enum trawl_tlp)(i % TRAWL_TLP_COUNT),
                                  .severity = TRAWL_SEV_MEDIUM,
                                  .source = "test",
                                  .confidence = -1};
        cr_assert_geq(trawl_iocset_add(g_set, &r), 0, "add %s", domains[i]);
    }
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

/* Random text into p[0, cap): words, domains one token in `every`, newlines
 * after lines of up to `maxline` bytes, now and then a UTF-16LE stretch.
 * Returns the length. */
static size_t gen(uint8_t *p, size_t cap, unsigned every, size_t maxline)
{
    static const char *const words[] = {"GET", "from", "x", "status=200", "->", "\t", "ok."};
    size_t n = 0, line = 0, limit = 1 + rnd() % maxline;
    while (n + 80 < cap) {
        const char *t = rnd() % every ? words[rnd() % 7] : domains[rnd() % NDOMAINS];
        size_t tl = strlen(t);
        if (rnd() % 50 == 0) { /* UTF-16LE */
            for (size_t i = 0; i < tl; i++) {
                p[n++] = (uint8_t)t[i];
                p[n++] = 0;
            }
        } else {
            memcpy(p + n, t, tl);
            n += tl;
        }
        p[n++] = ' ';
        line += tl + 1;
        if (line >= limit) {
            p[n++] = '\n';
            line = 0;
            limit = 1 + rnd() % maxline;
        }
    }
    return n;
}

/* Scans p[0, len), formats every hit for every ceiling (and redacted) from
 * the whole buffer and from a copy of its run, and compares. Returns the
 * number of runs. */
static size_t check_runs(const uint8_t *p, size_t len, uint64_t base_off)
{
    struct trawl_error err = {0};
    trawl_matcher_clear(g_m);
    struct trawl_span sp = {.base = p,
                            .len = len,
                            .base_off = base_off,
                            .lo = base_off,
                            .hi = base_off + len,
                            .utf16 = true};
    cr_assert_eq(trawl_matcher_scan(g_m, &sp, &err), 0, "scan: %s", err.msg);
    size_t n = trawl_matcher_nhits(g_m);
    struct trawl_hit *h = trawl_matcher_hits(g_m);
    struct trawl_hit_origin o = {
        .file = "f", .base = p, .len = len, .base_off = base_off, .line_at = 0, .line_base = 1};
    trawl_hits_prepare(h, n, &o);
    struct trawl_buf whole = {0}, part = {0};
    size_t runs = 0;
    for (size_t i = 0, k; i < n; i += k) {
        size_t lo, hi;
        k = trawl_hits_run(h + i, n - i, &o, &lo, &hi);
        cr_assert(k >= 1 && k <= n - i);
        cr_assert(lo <= hi && hi <= len);
        runs++;
        uint8_t *copy = malloc(hi - lo + 1);
        cr_assert(copy);
        memcpy(copy, p + lo, hi - lo);
        struct trawl_hit_origin c = o;
        c.base = copy;
        c.len = hi - lo;
        c.base_off = base_off + lo;
        for (size_t j = i; j < i + k; j++) {
            for (int t = 0; t <= TRAWL_TLP_COUNT; t++) {
                bool redact = t == TRAWL_TLP_COUNT;
                struct trawl_hit_mask mw = {h, n, t}, mr = {h + i, k, t};
                whole.len = part.len = 0;
                cr_assert_eq(trawl_hit_format(g_db, &h[j], &o, redact, redact ? NULL : &mw, &whole),
                             0);
                cr_assert_eq(trawl_hit_format(g_db, &h[j], &c, redact, redact ? NULL : &mr, &part),
                             0);
                cr_assert(whole.len == part.len && !memcmp(whole.data, part.data, whole.len),
                          "hit %zu at %llu, ceiling %d:\n%.*s\n%.*s", j,
                          (unsigned long long)h[j].offset, t, (int)whole.len, whole.data,
                          (int)part.len, part.data);
            }
        }
        free(copy);
    }
    trawl_buf_free(&whole);
    trawl_buf_free(&part);
    trawl_matcher_clear(g_m);
    return runs;
}

Test(hits_run, copy_formats_as_whole, .init = setup, .fini = teardown)
{
    build();
    size_t cap = 256 << 10;
    uint8_t *p = malloc(cap);
    cr_assert(p);
    static const struct {
        unsigned every;
        size_t maxline;
    } mixes[] = {{2, 40}, {3, 300}, {40, 100}, {200, 3000}, {500, 20000}, {30, 1 << 20}};
    for (size_t r = 0; r < 40; r++) {
        size_t len = gen(p, 1024 + rnd() % (cap - 1024), mixes[r % 6].every, mixes[r % 6].maxline);
        size_t runs = check_runs(p, len, r * 1000003);
        if (mixes[r % 6].every >= 200) /* sparse hits: more than one run */
            cr_expect_gt(runs, 1, "round %zu: %zu runs", r, runs);
    }
    free(p);
}

/* Hits at the very start and end of the buffer, and pairs whose reaches
 * just touch or just miss each other. */
Test(hits_run, edges_and_gaps, .init = setup, .fini = teardown)
{
    build();
    char buf[4096];
    for (size_t gap = 200; gap < 540; gap++) {
        memset(buf, ' ', sizeof(buf));
        memcpy(buf, domains[4], strlen(domains[4])); /* RED, masked in the others */
        size_t at = strlen(domains[4]) + gap;
        memcpy(buf + at, domains[1], strlen(domains[1]));
        size_t end = at + strlen(domains[1]) + gap;
        memcpy(buf + end, domains[0], strlen(domains[0]));
        size_t len = end + strlen(domains[0]);
        check_runs((const uint8_t *)buf, len, 7);
    }
}
