/* Token pass: finds dotted-quad IPv4 tokens and 32/40/64-character hex runs
 * (hash tokens) with byte-class bit masks, 64 bytes at a time, and hands each
 * candidate to the matcher for exact boundary checks and table lookups.
 *
 * Why not Hyperscan: on address-dense logs a dotted-quad regex runs at
 * ~0.65 GB/s on one core here, and 10k IPv4 literals at ~0.8 GB/s, because
 * digits and dots are everywhere; the hex-run regex behaves alike. A mask
 * pass costs a few instructions per 64 bytes and its cost does not depend on
 * how many addresses or hashes the set holds (lookups are hash probes), so a
 * million hashes cost what ten do.
 *
 * Masks: for a 64-byte block, bit j of D/P/H says byte j is a digit / a dot /
 * a hex digit. Blocks are handled one step late so that the masks of the
 * following block are known: a candidate dot is a dot with a digit on both
 * sides (P & D<<1 & D>>1, with the bits that cross blocks carried), and a
 * hex window start is a bit of H & H>>1 & ... over 32 positions, computed on
 * the 128-bit pair (block, next block). Only true run starts (no hex byte
 * before) are handed on.
 *
 * URLs and e-mail addresses ("://" and '@') have a pass of their own
 * (txt_scan_with, below): see there and db_internal.h. */
/* Included by match.c only, after it defines the three candidate handlers
 * below: the pass is a template instantiated with them so that the calls
 * inline into the mask loop. */
#ifndef TRAWL_TOKENS_H
#define TRAWL_TOKENS_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* What the pass looks for. */
#define TOK_IPV4 0x1u   /* a dot with a digit on both sides */
#define TOK_HEX 0x2u    /* the start of a run of 32+ hex digits */
#define TOK_IPV6 0x4u   /* "::" or the first colon of seven hex-separated colons */
#define TOK_URL 0x8u    /* the colon of "://" */
#define TOK_EMAIL 0x10u /* an '@' */

struct masks {
    uint64_t d, p, h, k; /* digit, dot, hex digit, colon */
};

#if defined(__SSE2__)
static inline uint64_t mm16(__m128i v)
{
    return (uint64_t)(uint16_t)_mm_movemask_epi8(v);
}

static inline void classify16(const uint8_t *p, struct masks *m, unsigned shift)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    /* unsigned range checks through signed compares on biased bytes */
    const __m128i bias = _mm_set1_epi8((char)0x80);
    __m128i dg = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, _mm_set1_epi8('0')), bias),
                                _mm_set1_epi8((char)(0x80 + 10)));
    __m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i af = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(lo, _mm_set1_epi8('a')), bias),
                                _mm_set1_epi8((char)(0x80 + 6)));
    m->d |= mm16(dg) << shift;
    m->p |= mm16(_mm_cmpeq_epi8(v, _mm_set1_epi8('.'))) << shift;
    m->h |= mm16(_mm_or_si128(dg, af)) << shift;
    m->k |= mm16(_mm_cmpeq_epi8(v, _mm_set1_epi8(':'))) << shift;
}

static inline struct masks classify_base(const uint8_t *p)
{
    struct masks m = {0, 0, 0, 0};
    classify16(p, &m, 0);
    classify16(p + 16, &m, 16);
    classify16(p + 32, &m, 32);
    classify16(p + 48, &m, 48);
    return m;
}
#else
static inline struct masks classify_base(const uint8_t *p)
{
    struct masks m = {0, 0, 0, 0};
    for (unsigned j = 0; j < 64; j++) {
        uint8_t c = p[j];
        bool dg = c >= '0' && c <= '9';
        m.d |= (uint64_t)dg << j;
        m.p |= (uint64_t)(c == '.') << j;
        m.h |= (uint64_t)(dg || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) << j;
        m.k |= (uint64_t)(c == ':') << j;
    }
    return m;
}
#endif

/* Queues the positions of the bits of m (pos + bit) at q: `slots` slots
 * are written whatever the count (most blocks have fewer candidates), so
 * that the count does not decide a branch; returns the count. */
static inline __attribute__((always_inline)) unsigned queue_bits(size_t *q, size_t pos, uint64_t m,
                                                                 unsigned slots)
{
    unsigned cnt = (unsigned)__builtin_popcountll(m);
    for (unsigned k = 0; k < slots; k++) {
        q[k] = pos + (unsigned)__builtin_ctzll(m | 1ull << 63);
        m &= m - 1;
    }
    for (unsigned k = slots; m; k++, m &= m - 1)
        q[k] = pos + (unsigned)__builtin_ctzll(m);
    return cnt;
}

static inline struct masks classify_tail(struct masks (*classify)(const uint8_t *),
                                         const uint8_t *p, size_t n)
{
    uint8_t tmp[64];
    memset(tmp, 0, sizeof(tmp));
    memcpy(tmp, p, n);
    return classify(tmp);
}

/* Colons that start a chain of seven colons, each preceded by a hex digit
 * and separated by 1-4 hex digits: full-form IPv6 ("a:b:c:d:e:f:g:h"). */
static inline uint64_t v6_chains(uint64_t cur_g, uint64_t nxt_g)
{
    __uint128_t g = ((__uint128_t)nxt_g << 64) | cur_g, c = g;
    for (int i = 0; i < 6 && c; i++) /* most colon runs (times) die in two steps */
        c = g & ((c >> 2) | (c >> 3) | (c >> 4) | (c >> 5));
    return (uint64_t)c;
}

static inline void token_ipv4(struct ctx *c, size_t dot, uint64_t dd, uint64_t pp);
static size_t token_ipv6(struct ctx *c, size_t at);

typedef unsigned __int128 u128;

#define HEX_BATCH 16u /* hex runs whose filter words are fetched together */

/* Bits of x with a bit of the 128-bit (x, hi) 2, 3 or 4 positions above. */
static inline uint64_t near_next(uint64_t x, uint64_t hi)
{
    uint64_t s2 = x >> 2 | hi << 62, s3 = x >> 3 | hi << 61, s4 = x >> 4 | hi << 60;
    return x & (s2 | s3 | s4);
}

#define V4_QUEUE 1024u /* quad candidates handled together */

/* The quad candidates (first dots) queued by the mask loop: the digit and
 * dot bits of base[dot - 8, dot + 56) are read again from the bytes (bytes
 * outside the buffer count as neither), which costs less than carrying
 * them through the queue. */
static inline __attribute__((always_inline)) void
v4_batch(struct masks (*classify)(const uint8_t *), struct ctx *ctx, const uint8_t *base,
         size_t len, const size_t *v4, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        size_t dot = v4[i];
        struct masks m;
        if (dot >= 8 && len - dot >= 56) {
            m = classify(base + dot - 8);
        } else {
            uint8_t tmp[64];
            memset(tmp, 0, sizeof(tmp));
            size_t from = dot >= 8 ? dot - 8 : 0, to = len - dot >= 56 ? dot + 56 : len;
            memcpy(tmp + (from + 8 - dot), base + from, to - from);
            m = classify(tmp);
        }
        token_ipv4(ctx, dot, m.d, m.p);
    }
}

static inline __attribute__((always_inline)) void
tokens_scan_with(struct masks (*classify)(const uint8_t *), const uint8_t *base, size_t len,
                 size_t lo, size_t hi, unsigned what, struct ctx *ctx)
{
    /* A token starting before hi may end up to 64 (hex) or 45 (IPv6) bytes
     * later; scan that far so its candidates are seen. */
    size_t end = hi + 70 < len ? hi + 70 : len;
    size_t skip6 = 0; /* candidates inside a token already handled */
    struct masks cur, nxt, zero = {0, 0, 0, 0};
    size_t pos = lo;
    cur = end - pos >= 64 ? classify(base + pos) : classify_tail(classify, base + pos, end - pos);
    /* the eight bytes before lo, as the top bits of a previous block */
    uint64_t prev_d = 0, prev_h = 0;
    for (size_t k = 1; k <= 8 && k <= lo; k++) {
        uint8_t ch = base[lo - k];
        uint64_t bit = 1ull << (64 - k);
        bool dg = ch >= '0' && ch <= '9';
        prev_d |= dg ? bit : 0;
        prev_h |= dg || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') ? bit : 0;
    }
    struct hex_run hex[HEX_BATCH];
    unsigned nhex = 0;
    size_t v4[V4_QUEUE];
    unsigned nv4 = 0;
    while (pos < end) {
        size_t npos = pos + 64;
        if (npos < end)
            nxt = end - npos >= 64 ? classify(base + npos)
                                   : classify_tail(classify, base + npos, end - npos);
        else
            nxt = zero;
        if (what & TOK_IPV4) {
            /* Dots with a digit on each side; a quad has three, each 2-4
             * bytes after the one before. The first dot of such a chain
             * (starting in this block, ending at most 9 bytes into the next)
             * is a quad candidate: timestamps, versions and decimals rarely
             * are. */
            uint64_t c0 = cur.p & (cur.d << 1 | prev_d >> 63) & (cur.d >> 1 | nxt.d << 63);
            uint64_t c1 = nxt.p & (nxt.d << 1 | cur.d >> 63) & (nxt.d >> 1);
            uint64_t n1 = near_next(c0, c1), n1h = near_next(c1, 0);
            uint64_t first = c0 & near_next(n1, n1h);
            /* Candidates are queued without branching on how many there
             * are (about one block in two has one, at random): four slots
             * are written whatever the count, and handled in a batch. */
            nv4 += queue_bits(v4 + nv4, pos, first, 4);
            if (nv4 > V4_QUEUE - 64) {
                v4_batch(classify, ctx, base, len, v4, nv4);
                nv4 = 0;
            }
        }
        /* a 32-digit run starting in this block holds 16 in a row inside it,
         * or starts in its last 16 bytes and goes on with 16 in the next
         * block: cheap to rule out, and timestamps rarely pass */
        uint64_t h16 = cur.h & (cur.h >> 1);
        h16 &= h16 >> 2;
        h16 &= h16 >> 4;
        h16 &= h16 >> 8;
        if ((what & TOK_HEX) && (h16 || ((cur.h >> 63) && (nxt.h & 0xffff) == 0xffff))) {
            u128 h = ((u128)nxt.h << 64) | cur.h, x = h;
            x &= x >> 1;
            x &= x >> 2;
            x &= x >> 4;
            x &= x >> 8;
            x &= x >> 16; /* bit j: 32 hex digits from j */
            uint64_t w = (uint64_t)x & ~((cur.h << 1) | prev_h >> 63); /* run starts only */
            while (w) {
                unsigned j = (unsigned)__builtin_ctzll(w);
                w &= w - 1;
                /* run length from the masks, unless it reaches past them */
                u128 rest = ~(h >> j);
                uint64_t lo64 = (uint64_t)rest;
                unsigned n = lo64 ? (unsigned)__builtin_ctzll(lo64)
                                  : 64 + (unsigned)__builtin_ctzll((uint64_t)(rest >> 64) | 1);
                if (n >= 128 - j || pos + 64 + 64 > end) n = 0; /* unknown: let the handler walk */
                if (pos + j >= lo && pos + j < hi) {            /* accepted starts only */
                    hex[nhex++] = (struct hex_run){pos + j, n, 0};
                    if (nhex == HEX_BATCH) {
                        hex_batch(ctx, hex, nhex);
                        nhex = 0;
                    }
                }
            }
        }
        if ((what & TOK_IPV6) && cur.k) {
            uint64_t c = cur.k & ((cur.k >> 1) | (nxt.k << 63));
            /* a full-form chain has seven colons after hex digits, within
             * this block and the next: most blocks (times) hold fewer */
            if (__builtin_popcountll(cur.k) + __builtin_popcountll(nxt.k) >= 7) {
                uint64_t g_cur = cur.k & ((cur.h << 1) | prev_h >> 63);
                uint64_t g_nxt = nxt.k & ((nxt.h << 1) | (cur.h >> 63));
                if (g_cur && __builtin_popcountll(g_cur) + __builtin_popcountll(g_nxt) >= 7)
                    c |= v6_chains(g_cur, g_nxt);
            }
            while (c) {
                size_t at = pos + (size_t)__builtin_ctzll(c);
                c &= c - 1;
                if (at >= skip6) {
                    size_t e = token_ipv6(ctx, at);
                    if (e) skip6 = e;
                }
            }
        }
        prev_d = cur.d;
        prev_h = cur.h;
        cur = nxt;
        pos = npos;
    }
    v4_batch(classify, ctx, base, len, v4, nv4);
    hex_batch(ctx, hex, nhex);
}

static void tokens_scan_base(const uint8_t *base, size_t len, size_t lo, size_t hi, unsigned what,
                             struct ctx *ctx)
{
    tokens_scan_with(classify_base, base, len, lo, hi, what, ctx);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512bw"))) static inline struct masks classify_avx512(const uint8_t *p)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    __m512i lo = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    uint64_t d =
        _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
    uint64_t af =
        _mm512_cmplt_epu8_mask(_mm512_sub_epi8(lo, _mm512_set1_epi8('a')), _mm512_set1_epi8(6));
    struct masks m = {d, _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.')), d | af,
                      _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(':'))};
    return m;
}

__attribute__((target("avx512bw"))) static void tokens_scan_avx512(const uint8_t *base, size_t len,
                                                                   size_t lo, size_t hi,
                                                                   unsigned what, struct ctx *ctx)
{
    /* the usual set has all three kinds: an instance where that is a
     * constant keeps the tests of what out of the loop (and registers) */
    if ((what & (TOK_IPV4 | TOK_HEX | TOK_IPV6)) == (TOK_IPV4 | TOK_HEX | TOK_IPV6))
        tokens_scan_with(classify_avx512, base, len, lo, hi, TOK_IPV4 | TOK_HEX | TOK_IPV6, ctx);
    else
        tokens_scan_with(classify_avx512, base, len, lo, hi, what, ctx);
}
#endif

/* URLs and e-mail addresses: "://" and '@' in a pass of their own. They are
 * rare (a few per line of a proxy log), and a loop that only looks for
 * them runs at a few bytes per cycle over the sub-block still in cache,
 * where carrying two more masks through the loop above costs it registers
 * (spills) and far more. Bit j of *u: a "://" starts at p[j]; of *e: p[j]
 * is an '@'. Reads p[0, 66). */
static inline void txtmask_base(const uint8_t *p, uint64_t *u, uint64_t *e)
{
    uint64_t mu = 0, me = 0;
#if defined(__SSE2__)
    const __m128i sl = _mm_set1_epi8('/');
    for (unsigned i = 0; i < 64; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i v1 = _mm_loadu_si128((const __m128i *)(p + i + 1));
        __m128i v2 = _mm_loadu_si128((const __m128i *)(p + i + 2));
        __m128i x = _mm_and_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')),
                                  _mm_and_si128(_mm_cmpeq_epi8(v1, sl), _mm_cmpeq_epi8(v2, sl)));
        mu |= mm16(x) << i;
        me |= mm16(_mm_cmpeq_epi8(v, _mm_set1_epi8('@'))) << i;
    }
#else
    for (unsigned j = 0; j < 64; j++) {
        mu |= (uint64_t)(p[j] == ':' && p[j + 1] == '/' && p[j + 2] == '/') << j;
        me |= (uint64_t)(p[j] == '@') << j;
    }
#endif
    *u = mu;
    *e = me;
}

static inline __attribute__((always_inline)) void
txt_scan_with(void (*txtmask)(const uint8_t *, uint64_t *, uint64_t *), const uint8_t *base,
              size_t len, size_t lo, size_t hi, unsigned what, struct ctx *ctx)
{
    /* a URL's scheme is at most 32 bytes, a local part 64: their "://" or
     * '@' lies less than 70 bytes past the start */
    size_t end = hi + 70 < len ? hi + 70 : len;
    size_t urlq[TXT_QUEUE], mailq[TXT_QUEUE];
    unsigned nurl = 0, nmail = 0;
    uint64_t mu = (what & TOK_URL) ? ~0ull : 0, me = (what & TOK_EMAIL) ? ~0ull : 0;
    for (size_t pos = lo; pos < end; pos += 64) {
        uint64_t u, e;
        if (len - pos >= 66) {
            txtmask(base + pos, &u, &e);
        } else {
            uint8_t tmp[66];
            memset(tmp, 0, sizeof(tmp));
            memcpy(tmp, base + pos, len - pos);
            txtmask_base(tmp, &u, &e);
        }
        if (end - pos < 64) {
            u &= (1ull << (end - pos)) - 1;
            e &= (1ull << (end - pos)) - 1;
        }
        /* about one block in five holds one: queued without a branch */
        nurl += queue_bits(urlq + nurl, pos, u & mu, 2);
        /* an '@' next to another is in no address: runs of them (binary
         * data) would each cost a filter probe */
        e &= ~(e << 1) & ~(e >> 1);
        nmail += queue_bits(mailq + nmail, pos, e & me, 2);
        if (nurl > TXT_QUEUE - 66 || nmail > TXT_QUEUE - 66) {
            url_batch(ctx, urlq, nurl);
            email_batch(ctx, mailq, nmail);
            nurl = nmail = 0;
        }
    }
    url_batch(ctx, urlq, nurl);
    email_batch(ctx, mailq, nmail);
}

static void txt_scan_base(const uint8_t *base, size_t len, size_t lo, size_t hi, unsigned what,
                          struct ctx *ctx)
{
    txt_scan_with(txtmask_base, base, len, lo, hi, what, ctx);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512bw"))) static inline void txtmask_avx512(const uint8_t *p, uint64_t *u,
                                                                      uint64_t *e)
{
    __m512i v = _mm512_loadu_si512((const void *)p);
    __m512i v1 = _mm512_loadu_si512((const void *)(p + 1));
    __m512i v2 = _mm512_loadu_si512((const void *)(p + 2));
    const __m512i sl = _mm512_set1_epi8('/');
    __mmask64 x = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(':'));
    x = _mm512_mask_cmpeq_epi8_mask(x, v1, sl);
    *u = _mm512_mask_cmpeq_epi8_mask(x, v2, sl);
    *e = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('@'));
}

__attribute__((target("avx512bw"))) static void txt_scan_avx512(const uint8_t *base, size_t len,
                                                                size_t lo, size_t hi, unsigned what,
                                                                struct ctx *ctx)
{
    txt_scan_with(txtmask_avx512, base, len, lo, hi, what, ctx);
}
#endif

/* Scans base for candidates of tokens that start in [lo, hi); reads at most
 * base[lo - 1, min(hi + 70, len)). AVX-512BW when the CPU has it
 * (TRAWL_NO_AVX512 in the environment forces the portable path). */
static void tokens_scan(const uint8_t *base, size_t len, size_t lo, size_t hi, unsigned what,
                        struct ctx *ctx)
{
    if (lo >= hi || lo >= len) return;
#if defined(__x86_64__) && defined(__GNUC__)
    /* racing first calls store the same value: relaxed atomics suffice */
    static _Atomic int have_avx512 = -1;
    int have = atomic_load_explicit(&have_avx512, memory_order_relaxed);
    if (have < 0) {
        have = __builtin_cpu_supports("avx512bw") && !getenv("TRAWL_NO_AVX512");
        atomic_store_explicit(&have_avx512, have, memory_order_relaxed);
    }
    if (have) {
        if (what & (TOK_IPV4 | TOK_HEX | TOK_IPV6))
            tokens_scan_avx512(base, len, lo, hi, what, ctx);
        if (what & (TOK_URL | TOK_EMAIL)) txt_scan_avx512(base, len, lo, hi, what, ctx);
        return;
    }
#endif
    if (what & (TOK_IPV4 | TOK_HEX | TOK_IPV6)) tokens_scan_base(base, len, lo, hi, what, ctx);
    if (what & (TOK_URL | TOK_EMAIL)) txt_scan_base(base, len, lo, hi, what, ctx);
}

#endif
