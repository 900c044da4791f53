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

/* Candidates are queued a 64-byte block at a time, as the block's offset
 * (qpos) and its mask of candidate bits (qm), without branching on how many
 * there are (about one block in two has one, at random): the entry is
 * always written and counted only when the mask is not empty. */
static inline __attribute__((always_inline)) unsigned queue_block(size_t *qpos, uint64_t *qm,
                                                                  size_t pos, uint64_t m)
{
    *qpos = pos;
    *qm = m;
    return m != 0;
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

#define V4_QUEUE 256u /* blocks with quad candidates handled together */

/* The quad candidates (first dots) queued by the mask loop: the digit and
 * dot bits of base[dot - 8, dot + 56) are read again from the bytes (bytes
 * outside the buffer count as neither), which costs less than carrying
 * them through the queue. */
static inline __attribute__((always_inline)) void
v4_batch(struct masks (*classify)(const uint8_t *), struct ctx *ctx, const uint8_t *base,
         size_t len, const size_t *qpos, const uint64_t *qm, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        for (uint64_t bits = qm[i]; bits; bits &= bits - 1) {
            size_t dot = qpos[i] + (unsigned)__builtin_ctzll(bits);
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
}

#define TXT_BLOCKS 128u /* blocks with "://" or '@' handled together */
#define TOK_BATCH 64u   /* blocks whose masks the AVX-512 pass computes before reading them */
#define HEX_QUEUE (HEX_BATCH + 2u * TOK_BATCH) /* at most two 32-digit runs start per block */
#define V6_QUEUE 128u                          /* blocks with IPv6 candidates handled together */

/* The mask loop's queues (a block's offset and its candidate bits, in two
 * arrays that the AVX-512 pass fills eight blocks at a time; 8 entries of
 * slack for its vector stores), and (struct tokscan) the portable loop's
 * state between blocks: the loop itself calls nothing (calls would take the
 * vector constants and the masks out of registers); the queues are handled
 * when one fills. */
struct tokq {
    size_t v4pos[V4_QUEUE + 8];
    uint64_t v4m[V4_QUEUE + 8];
    struct hex_run hex[HEX_QUEUE];
    size_t v6pos[V6_QUEUE + 8];
    uint64_t v6m[V6_QUEUE + 8];
    size_t urlpos[TXT_BLOCKS + 8], mailpos[TXT_BLOCKS + 8]; /* the AVX-512 pass only */
    uint64_t urlm[TXT_BLOCKS + 8], mailm[TXT_BLOCKS + 8];
};

/* The hex-run starts of the block at pos (hex masks: cur_h, the next
 * block's nxt_h, the previous block's prev_h) that lie in [lo, hi), appended
 * to out (at most two); returns how many. */
static inline __attribute__((always_inline)) unsigned hex_block(struct hex_run *out, uint64_t cur_h,
                                                                uint64_t nxt_h, uint64_t prev_h,
                                                                size_t pos, size_t lo, size_t hi,
                                                                size_t end)
{
    unsigned n_out = 0;
    u128 h = ((u128)nxt_h << 64) | cur_h, x = h;
    x &= x >> 1;
    x &= x >> 2;
    x &= x >> 4;
    x &= x >> 8;
    x &= x >> 16;                                              /* bit j: 32 hex digits from j */
    uint64_t w = (uint64_t)x & ~((cur_h << 1) | prev_h >> 63); /* run starts only */
    while (w) {
        unsigned j = (unsigned)__builtin_ctzll(w);
        w &= w - 1;
        /* run length from the masks, unless it reaches past them */
        u128 rest = ~(h >> j);
        uint64_t lo64 = (uint64_t)rest;
        unsigned n = lo64 ? (unsigned)__builtin_ctzll(lo64)
                          : 64 + (unsigned)__builtin_ctzll((uint64_t)(rest >> 64) | 1);
        if (n >= 128 - j || pos + 64 + 64 > end) n = 0; /* unknown: let the handler walk */
        if (pos + j >= lo && pos + j < hi)              /* accepted starts only */
            out[n_out++] = (struct hex_run){pos + j, n, 0};
    }
    return n_out;
}

struct tokscan { /* kept apart from the queues, so that it lives in registers */
    struct masks cur, nxt;
    uint64_t prev_d, prev_h;
    size_t pos;
    unsigned nv4, nhex, nv6;
};

/* One 64-byte block at st->pos, whose masks are st->cur, the next block's
 * st->nxt. */
static inline __attribute__((always_inline)) void
tok_block(struct tokscan *st, struct tokq *q, size_t lo, size_t hi, size_t end, unsigned what)
{
    const struct masks cur = st->cur, nxt = st->nxt;
    size_t pos = st->pos;
    if (what & TOK_IPV4) {
        /* Dots with a digit on each side; a quad has three, each 2-4
         * bytes after the one before. The first dot of such a chain
         * (starting in this block, ending at most 9 bytes into the next)
         * is a quad candidate: timestamps, versions and decimals rarely
         * are. */
        uint64_t c0 = cur.p & (cur.d << 1 | st->prev_d >> 63) & (cur.d >> 1 | nxt.d << 63);
        uint64_t c1 = nxt.p & (nxt.d << 1 | cur.d >> 63) & (nxt.d >> 1);
        uint64_t n1 = near_next(c0, c1), n1h = near_next(c1, 0);
        uint64_t first = c0 & near_next(n1, n1h);
        st->nv4 += queue_block(q->v4pos + st->nv4, q->v4m + st->nv4, pos, first);
    }
    /* a 32-digit run starting in this block holds 16 in a row inside it,
     * or starts in its last 16 bytes and goes on with 16 in the next
     * block: cheap to rule out, and timestamps rarely pass */
    uint64_t h16 = cur.h & (cur.h >> 1);
    h16 &= h16 >> 2;
    h16 &= h16 >> 4;
    h16 &= h16 >> 8;
    if ((what & TOK_HEX) && (h16 || ((cur.h >> 63) && (nxt.h & 0xffff) == 0xffff)))
        st->nhex += hex_block(q->hex + st->nhex, cur.h, nxt.h, st->prev_h, pos, lo, hi, end);
    if (what & TOK_IPV6) {
        uint64_t c = cur.k & ((cur.k >> 1) | (nxt.k << 63));
        /* a full-form chain has seven colons after hex digits, within this
         * block and the next. Times and JSON keys give colons in most
         * blocks, seldom after hex digits: the masks are computed without
         * a branch, and the one branch is nearly always not taken. */
        uint64_t g_cur = cur.k & ((cur.h << 1) | st->prev_h >> 63);
        uint64_t g_nxt = nxt.k & ((nxt.h << 1) | (cur.h >> 63));
        if (__builtin_popcountll(g_cur) + __builtin_popcountll(g_nxt) >= 7 && g_cur)
            c |= v6_chains(g_cur, g_nxt);
        st->nv6 += queue_block(q->v6pos + st->nv6, q->v6m + st->nv6, pos, c);
    }
    st->prev_d = cur.d;
    st->prev_h = cur.h;
    st->cur = nxt;
    st->pos = pos + 64;
}

static inline __attribute__((always_inline)) bool tok_full(const struct tokscan *st)
{
    return st->nv4 == V4_QUEUE || st->nhex >= HEX_BATCH || st->nv6 == V6_QUEUE;
}

static inline __attribute__((always_inline)) void
tok_flush(struct masks (*classify)(const uint8_t *), unsigned *nv4, unsigned *nhex, unsigned *nv6,
          struct tokq *q, const uint8_t *base, size_t len, struct ctx *ctx, size_t *skip6)
{
    v4_batch(classify, ctx, base, len, q->v4pos, q->v4m, *nv4);
    for (unsigned i = 0; i < *nhex; i += HEX_BATCH)
        hex_batch(ctx, q->hex + i, *nhex - i < HEX_BATCH ? *nhex - i : HEX_BATCH);
    for (unsigned i = 0; i < *nv6; i++) {
        for (uint64_t c = q->v6m[i]; c; c &= c - 1) {
            size_t at = q->v6pos[i] + (size_t)__builtin_ctzll(c);
            if (at >= *skip6) {
                size_t e = token_ipv6(ctx, at);
                if (e) *skip6 = e;
            }
        }
    }
    *nv4 = *nhex = *nv6 = 0;
}

/* The digit and hex masks of the eight bytes before lo, as the top bits of
 * a previous block. */
static inline void prev_masks(const uint8_t *base, size_t lo, uint64_t *d, uint64_t *h)
{
    *d = *h = 0;
    for (size_t k = 1; k <= 8 && k <= lo; k++) {
        uint8_t ch = base[lo - k];
        uint64_t bit = 1ull << (64 - k);
        bool dg = ch >= '0' && ch <= '9';
        *d |= dg ? bit : 0;
        *h |= dg || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') ? bit : 0;
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
    struct tokscan st;
    struct tokq q;
    st.pos = lo;
    st.nv4 = st.nhex = st.nv6 = 0;
    st.cur = end - lo >= 64 ? classify(base + lo) : classify_tail(classify, base + lo, end - lo);
    prev_masks(base, lo, &st.prev_d, &st.prev_h);
    while (st.pos < end) {
        /* whole blocks, the next one whole too: nothing called */
        while (end - st.pos >= 128 && !tok_full(&st)) {
            st.nxt = classify(base + st.pos + 64);
            tok_block(&st, &q, lo, hi, end, what);
        }
        if (!tok_full(&st) && st.pos < end) { /* the last one or two blocks */
            size_t npos = st.pos + 64;
            struct masks zero = {0, 0, 0, 0};
            st.nxt = npos >= end        ? zero
                     : end - npos >= 64 ? classify(base + npos)
                                        : classify_tail(classify, base + npos, end - npos);
            tok_block(&st, &q, lo, hi, end, what);
        }
        tok_flush(classify, &st.nv4, &st.nhex, &st.nv6, &q, base, len, ctx, &skip6);
    }
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
#endif

/* URLs and e-mail addresses: "://" and '@'. In the portable form they have
 * a pass of their own: they are rare (a few per line of a proxy log), and a
 * loop that only looks for them runs at a few bytes per cycle over the
 * sub-block still in cache, where carrying two more masks through the loop
 * above costs it registers (spills) and far more. The AVX-512 pass (below)
 * keeps its masks in arrays, not registers, and computes these with the
 * others. Bit j of *u: a "://" starts at p[j]; of *e: p[j] is an '@'.
 * Reads p[0, 66). */
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

/* The queued blocks' candidates as positions, in batches for txt_batch. */
static void txt_flush(struct ctx *ctx, const size_t *qpos, const uint64_t *qm, unsigned n,
                      bool email)
{
    size_t at[TXT_QUEUE];
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        for (uint64_t bits = qm[i]; bits; bits &= bits - 1)
            at[k++] = qpos[i] + (unsigned)__builtin_ctzll(bits);
        if (k > TXT_QUEUE - 64) {
            (email ? email_batch : url_batch)(ctx, at, k);
            k = 0;
        }
    }
    (email ? email_batch : url_batch)(ctx, at, k);
}

static inline __attribute__((always_inline)) void
txt_scan_with(void (*txtmask)(const uint8_t *, uint64_t *, uint64_t *), const uint8_t *base,
              size_t len, size_t lo, size_t hi, unsigned what, struct ctx *ctx)
{
    /* a URL's scheme is at most 32 bytes, a local part 64: their "://" or
     * '@' lies less than 70 bytes past the start */
    size_t end = hi + 70 < len ? hi + 70 : len;
    size_t urlpos[TXT_BLOCKS], mailpos[TXT_BLOCKS];
    uint64_t urlm[TXT_BLOCKS], mailm[TXT_BLOCKS];
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
        nurl += queue_block(urlpos + nurl, urlm + nurl, pos, u & mu);
        /* an '@' next to another is in no address: runs of them (binary
         * data) would each cost a filter probe */
        e &= ~(e << 1) & ~(e >> 1);
        nmail += queue_block(mailpos + nmail, mailm + nmail, pos, e & me);
        if (nurl == TXT_BLOCKS || nmail == TXT_BLOCKS) {
            txt_flush(ctx, urlpos, urlm, nurl, false);
            txt_flush(ctx, mailpos, mailm, nmail, true);
            nurl = nmail = 0;
        }
    }
    txt_flush(ctx, urlpos, urlm, nurl, false);
    txt_flush(ctx, mailpos, mailm, nmail, true);
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

/* The AVX-512 pass computes the masks of TOK_BATCH blocks into arrays
 * first, then reads them back as eight 64-bit lanes (eight blocks) per
 * vector, with the previous and next blocks' masks as the same arrays one
 * entry off: the shifts, and the bits carried across blocks, of the
 * portable loop above become a few vector operations for eight blocks. The
 * rare blocks with a hex-run or full-form IPv6 candidate go through the
 * scalar code. */
#define AVX512_T __attribute__((target("avx512bw,popcnt")))

AVX512_T static inline __m512i v_or3(__m512i a, __m512i b, __m512i c)
{
    return _mm512_ternarylogic_epi64(a, b, c, 0xfe); /* a | b | c */
}

AVX512_T static inline __m512i v_and_or(__m512i a, __m512i b, __m512i c)
{
    return _mm512_ternarylogic_epi64(a, b, c, 0xe0); /* a & (b | c) */
}

/* near_next on eight lanes */
AVX512_T static inline __m512i v_near_next(__m512i x, __m512i hi)
{
    __m512i lo3 = v_or3(_mm512_srli_epi64(x, 2), _mm512_srli_epi64(x, 3), _mm512_srli_epi64(x, 4));
    __m512i hi3 =
        v_or3(_mm512_slli_epi64(hi, 62), _mm512_slli_epi64(hi, 61), _mm512_slli_epi64(hi, 60));
    return v_and_or(x, lo3, hi3);
}

/* popcount of each byte */
AVX512_T static inline __m512i v_popcnt8(__m512i x)
{
    const __m512i lut = _mm512_set4_epi32(0x04030302, 0x03020201, 0x03020201, 0x02010100);
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    __m512i lo = _mm512_and_si512(x, m4), hi = _mm512_and_si512(_mm512_srli_epi64(x, 4), m4);
    return _mm512_add_epi8(_mm512_shuffle_epi8(lut, lo), _mm512_shuffle_epi8(lut, hi));
}

/* Appends the lanes of m in k (and their blocks' offsets) to a queue. */
AVX512_T static inline unsigned v_queue(size_t *qpos, uint64_t *qm, __mmask8 k, __m512i posv,
                                        __m512i m)
{
    _mm512_storeu_si512((void *)qm, _mm512_maskz_compress_epi64(k, m));
    _mm512_storeu_si512((void *)qpos, _mm512_maskz_compress_epi64(k, posv));
    return (unsigned)__builtin_popcount(k);
}

/* All the masks of the block at p, which ends past end or lies within 66
 * bytes of the buffer's end: the token masks see the bytes below end, the
 * "://" masks the bytes of the buffer (trimmed to starts below end). */
AVX512_T static void tok_tail_avx512(const uint8_t *base, size_t len, size_t end, size_t p,
                                     uint64_t *d, uint64_t *pp, uint64_t *h, uint64_t *k,
                                     uint64_t *u, uint64_t *e)
{
    *d = *pp = *h = *k = *u = *e = 0;
    if (p >= end) return;
    struct masks m = end - p >= 64 ? classify_avx512(base + p)
                                   : classify_tail(classify_avx512, base + p, end - p);
    *d = m.d, *pp = m.p, *h = m.h, *k = m.k;
    uint8_t tmp[128];
    memset(tmp, 0, sizeof(tmp));
    memcpy(tmp, base + p, len - p < 66 ? len - p : 66);
    txtmask_avx512(tmp, u, e);
    if (end - p < 64) {
        *u &= (1ull << (end - p)) - 1;
        *e &= (1ull << (end - p)) - 1;
    }
}

AVX512_T static void tokens_scan_avx512(const uint8_t *base, size_t len, size_t lo, size_t hi,
                                        unsigned what, struct ctx *ctx)
{
    size_t end = hi + 70 < len ? hi + 70 : len; /* as in tokens_scan_with */
    size_t skip6 = 0;
    struct tokq q;
    unsigned nv4 = 0, nhex = 0, nv6 = 0, nurl = 0, nmail = 0;
    /* entry 0: the block before the batch; 1..nb: the batch; nb + 1: the
     * block after it; then zeros (read by the lanes past nb, unused) */
    enum { NM = TOK_BATCH + 10 };
    _Alignas(64) uint64_t D[NM], P[NM], H[NM], K[NM], U[NM], E[NM];
    /* every entry is written before it is read: entry 0 here (K, U and E
     * are read from entry 1 on), 1 just below, the rest per batch (spans of
     * a packet's size come by the million: no memset of the arrays) */
    P[0] = K[0] = U[0] = E[0] = 0;
    prev_masks(base, lo, &D[0], &H[0]);
    bool txt = what & (TOK_URL | TOK_EMAIL);
    const __m512i umask = _mm512_set1_epi64((what & TOK_URL) ? -1ll : 0);
    const __m512i emask = _mm512_set1_epi64((what & TOK_EMAIL) ? -1ll : 0);
    tok_tail_avx512(base, len, end, lo, &D[1], &P[1], &H[1], &K[1], &U[1], &E[1]);
    const __m512i lanes = _mm512_set_epi64(448, 384, 320, 256, 192, 128, 64, 0);
    const __m512i top = _mm512_set1_epi64((long long)(1ull << 63)),
                  low16 = _mm512_set1_epi64(0xffff);
    size_t pos = lo; /* the offset of block 1 */
    while (pos < end) {
        size_t left = (end - pos + 63) / 64;
        unsigned nb = left < TOK_BATCH ? (unsigned)left : TOK_BATCH;
        /* blocks 2..nb + 1: whole ones in a loop that calls nothing (the
         * vector constants stay in registers), then at most two more */
        /* whole: the last block index j whose 64 bytes lie below end and
         * whose 66 (the "://" masks read two more) lie in the buffer */
        size_t whole = end - pos >= 64 ? (end - pos - 64) / 64 + 1 : 0;
        if (whole && len - (pos + 64 * (whole - 1)) < 66) whole--;
        unsigned j = 2, wend = whole < nb + 1 ? (unsigned)whole : nb + 1;
        if (txt) {
            for (; j <= wend; j++) {
                const uint8_t *b = base + pos + 64 * (j - 1);
                struct masks m = classify_avx512(b);
                D[j] = m.d, P[j] = m.p, H[j] = m.h, K[j] = m.k;
                txtmask_avx512(b, &U[j], &E[j]);
            }
        } else {
            for (; j <= wend; j++) {
                struct masks m = classify_avx512(base + pos + 64 * (j - 1));
                D[j] = m.d, P[j] = m.p, H[j] = m.h, K[j] = m.k;
            }
        }
        for (; j <= nb + 1; j++)
            tok_tail_avx512(base, len, end, pos + 64 * (j - 1), &D[j], &P[j], &H[j], &K[j], &U[j],
                            &E[j]);
        for (unsigned z = (nb + 7) / 8 * 8 + 2; j < z; j++) /* read by the lanes past nb */
            D[j] = P[j] = H[j] = K[j] = U[j] = E[j] = 0;
        for (unsigned g = 0; g < nb; g += 8) {
            __mmask8 lm = nb - g >= 8 ? 0xff : (__mmask8)((1u << (nb - g)) - 1);
            __m512i posv = _mm512_add_epi64(_mm512_set1_epi64((long long)(pos + 64 * g)), lanes);
            __m512i hp = _mm512_loadu_si512(H + g);
            __m512i hc = _mm512_loadu_si512(H + g + 1), hn = _mm512_loadu_si512(H + g + 2);
            if (what & TOK_IPV4) {
                __m512i dp = _mm512_loadu_si512(D + g), dc = _mm512_loadu_si512(D + g + 1);
                __m512i dn = _mm512_loadu_si512(D + g + 2);
                __m512i pc = _mm512_loadu_si512(P + g + 1), pn = _mm512_loadu_si512(P + g + 2);
                __m512i a = _mm512_or_si512(_mm512_slli_epi64(dc, 1), _mm512_srli_epi64(dp, 63));
                __m512i b = _mm512_or_si512(_mm512_srli_epi64(dc, 1), _mm512_slli_epi64(dn, 63));
                __m512i c0 = _mm512_ternarylogic_epi64(pc, a, b, 0x80); /* pc & a & b */
                __m512i a1 = _mm512_or_si512(_mm512_slli_epi64(dn, 1), _mm512_srli_epi64(dc, 63));
                __m512i c1 = _mm512_ternarylogic_epi64(pn, a1, _mm512_srli_epi64(dn, 1), 0x80);
                __m512i n1 = v_near_next(c0, c1);
                __m512i n1h =
                    _mm512_and_si512(c1, v_or3(_mm512_srli_epi64(c1, 2), _mm512_srli_epi64(c1, 3),
                                               _mm512_srli_epi64(c1, 4)));
                __m512i first = v_near_next(n1, n1h); /* c0 & near_next(n1, n1h): n1 is in c0 */
                __mmask8 k = _mm512_test_epi64_mask(first, first) & lm;
                nv4 += v_queue(q.v4pos + nv4, q.v4m + nv4, k, posv, first);
            }
            if (what & TOK_HEX) {
                __m512i t = _mm512_and_si512(hc, _mm512_srli_epi64(hc, 1));
                t = _mm512_and_si512(t, _mm512_srli_epi64(t, 2));
                t = _mm512_and_si512(t, _mm512_srli_epi64(t, 4));
                t = _mm512_and_si512(t, _mm512_srli_epi64(t, 8));
                __mmask8 edge = _mm512_test_epi64_mask(hc, top) &
                                _mm512_cmpeq_epi64_mask(_mm512_and_si512(hn, low16), low16);
                __mmask8 k = (_mm512_test_epi64_mask(t, t) | edge) & lm;
                for (unsigned bits = k; bits; bits &= bits - 1) {
                    unsigned i = g + (unsigned)__builtin_ctz(bits);
                    nhex += hex_block(q.hex + nhex, H[i + 1], H[i + 2], H[i], pos + 64 * (size_t)i,
                                      lo, hi, end);
                }
            }
            if (what & TOK_IPV6) {
                __m512i kc = _mm512_loadu_si512(K + g + 1), kn = _mm512_loadu_si512(K + g + 2);
                __m512i c = v_and_or(kc, _mm512_srli_epi64(kc, 1), _mm512_slli_epi64(kn, 63));
                __m512i gc = v_and_or(kc, _mm512_slli_epi64(hc, 1), _mm512_srli_epi64(hp, 63));
                __m512i gn = v_and_or(kn, _mm512_slli_epi64(hn, 1), _mm512_srli_epi64(hc, 63));
                __m512i cnt = _mm512_sad_epu8(_mm512_add_epi8(v_popcnt8(gc), v_popcnt8(gn)),
                                              _mm512_setzero_si512());
                __mmask8 chains = _mm512_cmpge_epu64_mask(cnt, _mm512_set1_epi64(7)) &
                                  _mm512_test_epi64_mask(gc, gc) & lm;
                if (chains) { /* rare: full-form chains, lane by lane */
                    _Alignas(64) uint64_t cv[8], gcv[8], gnv[8];
                    _mm512_store_si512((void *)cv, c);
                    _mm512_store_si512((void *)gcv, gc);
                    _mm512_store_si512((void *)gnv, gn);
                    for (unsigned bits = chains; bits; bits &= bits - 1) {
                        unsigned i = (unsigned)__builtin_ctz(bits);
                        cv[i] |= v6_chains(gcv[i], gnv[i]);
                    }
                    c = _mm512_load_si512((const void *)cv);
                }
                __mmask8 k = _mm512_test_epi64_mask(c, c) & lm;
                nv6 += v_queue(q.v6pos + nv6, q.v6m + nv6, k, posv, c);
            }
            if (txt) {
                __m512i u = _mm512_and_si512(_mm512_loadu_si512(U + g + 1), umask);
                __m512i e = _mm512_loadu_si512(E + g + 1);
                /* an '@' next to another (in the block) is in no address:
                 * runs of them (binary data) would each cost a filter probe */
                e = _mm512_ternarylogic_epi64(e, _mm512_slli_epi64(e, 1), _mm512_srli_epi64(e, 1),
                                              0x10); /* e & ~(e << 1) & ~(e >> 1) */
                e = _mm512_and_si512(e, emask);
                nurl += v_queue(q.urlpos + nurl, q.urlm + nurl, _mm512_test_epi64_mask(u, u) & lm,
                                posv, u);
                nmail += v_queue(q.mailpos + nmail, q.mailm + nmail,
                                 _mm512_test_epi64_mask(e, e) & lm, posv, e);
            }
        }
        D[0] = D[nb], P[0] = P[nb], H[0] = H[nb], K[0] = K[nb];
        D[1] = D[nb + 1], P[1] = P[nb + 1], H[1] = H[nb + 1], K[1] = K[nb + 1];
        U[1] = U[nb + 1], E[1] = E[nb + 1];
        pos += 64 * (size_t)nb;
        if (nv4 > V4_QUEUE - TOK_BATCH || nhex >= HEX_BATCH || nv6 > V6_QUEUE - TOK_BATCH ||
            pos >= end)
            tok_flush(classify_avx512, &nv4, &nhex, &nv6, &q, base, len, ctx, &skip6);
        if (nurl > TXT_BLOCKS - TOK_BATCH || nmail > TXT_BLOCKS - TOK_BATCH || pos >= end) {
            txt_flush(ctx, q.urlpos, q.urlm, nurl, false);
            txt_flush(ctx, q.mailpos, q.mailm, nmail, true);
            nurl = nmail = 0;
        }
    }
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
    if (trawl_cpu_avx512()) {
        tokens_scan_avx512(base, len, lo, hi, what, ctx);
        return;
    }
#endif
    if (what & (TOK_IPV4 | TOK_HEX | TOK_IPV6)) tokens_scan_base(base, len, lo, hi, what, ctx);
    if (what & (TOK_URL | TOK_EMAIL)) txt_scan_base(base, len, lo, hi, what, ctx);
}

#endif
