/* Match verification. Hyperscan reports candidates (literal ends, token
 * ends); this file decides which are real occurrences under the boundary
 * rules of docs/matching.md and records them. Everything here runs per
 * candidate on the hot path: no allocation (except growing the hit list),
 * no locks, no logging.
 *
 * Boundaries are judged on the bytes around the candidate in the span's
 * base buffer, never on where a scan started: a span scans from its accepted
 * start `lo` but may peek before it, so the same occurrence is judged the
 * same way whichever chunk, buffer or gzip window finds it, and only the
 * chunk whose [lo, hi) holds its first byte accepts it. That is what makes
 * the hits identical for any chunking and thread count.
 *
 * For UTF-16LE literals the neighbouring "characters" are 16-bit units: a
 * unit whose high byte is non-zero counts as a non-ASCII character, which
 * is never a token character. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "trawl_engine.h"

#define SUB_BLOCK (256u * 1024u)
#define REGEX_OVERLAP 4096u
#define NARROW_BEHIND 128u /* look-behind bytes narrowed before a sub-block */
#define REGEX_BEHIND 256u  /* <= the look-behind scan.c carries (512) */

struct trawl_matcher {
    const struct trawl_db *db;
    hs_scratch_t *scratch;
    struct trawl_hit *hits;
    size_t nhits, cap;
    size_t overlap;
    uint64_t *re_last;  /* per pattern: {re_serial, last accepted regex start + 1} */
    uint64_t re_serial; /* bumped per regex pass: a start is only a repeat within one */
    unsigned tok;       /* TOK_* kinds the token pass looks for (tokens.h) */
    uint8_t *narrow;    /* UTF-16LE narrowing buffer */
    size_t narrow_cap;
    int oom;
};

/* Per-scan context handed to the Hyperscan callbacks. */
struct ctx {
    struct trawl_matcher *m;
    const uint8_t *base; /* span base */
    size_t len;
    size_t scan_from; /* base offset of the scanned pointer */
    size_t lo, hi;    /* accepted start range, base offsets */
    uint64_t base_off;
    bool narrow;   /* base is narrowed UTF-16LE text (see scan_narrow) */
    size_t nstart; /* original base offset of narrowed byte 0 */
};

enum { CH_NONE = -1, CH_WIDE = 256 };

static inline bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static inline bool is_alpha(int c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline bool is_alnum(int c)
{
    return is_digit(c) || is_alpha(c);
}
static inline bool is_hex(int c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
/* characters of a host name label */
static inline bool is_dom(int c)
{
    return is_alnum(c) || c == '-' || c == '_';
}

/* The character k positions before start / at end + k (k >= 0, unit-wide
 * for UTF-16), or CH_NONE outside the buffer. */
static inline int before(const struct ctx *c, size_t start, size_t k, bool wide)
{
    if (!wide) return start >= k + 1 ? c->base[start - k - 1] : CH_NONE;
    size_t need = 2 * (k + 1);
    if (start < need) return CH_NONE;
    const uint8_t *p = c->base + start - need;
    return p[1] ? CH_WIDE : p[0];
}

static inline int after(const struct ctx *c, size_t end, size_t k, bool wide)
{
    if (!wide) return end + k < c->len ? c->base[end + k] : CH_NONE;
    size_t at = end + 2 * k;
    if (at + 1 >= c->len) return CH_NONE;
    return c->base[at + 1] ? CH_WIDE : c->base[at];
}

static void push_hit(struct ctx *c, size_t start, size_t len, uint32_t ioc, bool wide)
{
    struct trawl_matcher *m = c->m;
    if (m->nhits == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4096;
        struct trawl_hit *h = realloc(m->hits, cap * sizeof(*h));
        if (!h) {
            m->oom = 1;
            return;
        }
        m->hits = h;
        m->cap = cap;
    }
    if (c->narrow) { /* back to the UTF-16LE bytes */
        start = c->nstart + 2 * start;
        len *= 2;
        wide = true;
    }
    m->hits[m->nhits++] = (struct trawl_hit){.offset = c->base_off + start,
                                             .ioc = ioc,
                                             .len = (uint16_t)(len > 65535 ? 65535 : len),
                                             .utf16 = wide,
                                             .tlp = m->db->iocs[ioc].tlp};
}

/* A host name ends here: no further label character and no ".label". */
static inline bool host_ends(const struct ctx *c, size_t end, bool wide)
{
    int n1 = after(c, end, 0, wide);
    if (n1 >= 0 && n1 < CH_WIDE && is_dom(n1)) return false;
    if (n1 == '.') {
        int n2 = after(c, end, 1, wide);
        if (n2 >= 0 && n2 < CH_WIDE && is_dom(n2)) return false;
    }
    return true;
}

static bool url_ok(const struct ctx *c, const struct trawl_db_ioc *ioc, size_t start, size_t end)
{
    const char *v = c->m->db->strings + ioc->value_off;
    int p1 = before(c, start, 0, false);
    if (p1 >= 0 && (is_alnum(p1) || p1 == '+' || p1 == '.' || p1 == '-')) return false;
    const char *hostp = strstr(v, "://");
    size_t path = hostp ? (size_t)(hostp - v) + 3 : 0;
    while (path < ioc->value_len && v[path] != '/' && v[path] != '?' && v[path] != '#')
        path++;
    if (path < ioc->value_len) /* path, query and fragment are case-sensitive */
        return !memcmp(c->base + start + path, v + path, ioc->value_len - path);
    return host_ends(c, end, false);
}

static bool cased_ok(const struct ctx *c, const struct trawl_db_ioc *ioc, size_t start, bool wide)
{
    const char *v = c->m->db->strings + ioc->value_off;
    if (!wide) return !memcmp(c->base + start, v, ioc->value_len);
    for (size_t i = 0; i < ioc->value_len; i++)
        if (c->base[start + 2 * i] != (uint8_t)v[i]) return false;
    return true;
}

/* Confirms a literal candidate [start, end) of pattern p. */
static bool literal_ok(const struct ctx *c, const struct trawl_db_pat *p, size_t start, size_t end)
{
    const struct trawl_db_ioc *ioc = &c->m->db->iocs[p->ioc];
    bool w = p->utf16;
    int p1 = before(c, start, 0, w), n1;
    switch ((enum trawl_verify)p->verify) {
    case TRAWL_V_NONE:
        return true;
    case TRAWL_V_CASED:
        return cased_ok(c, ioc, start, w);
    case TRAWL_V_DOMAIN_X:
        if (p1 == '.') return false;
        /* fall through */
    case TRAWL_V_DOMAIN:
        if (p1 >= 0 && p1 < CH_WIDE && is_dom(p1)) return false;
        return host_ends(c, end, w);
    case TRAWL_V_URL:
        return url_ok(c, ioc, start, end);
    case TRAWL_V_EMAIL:
        /* p1 != 0: strchr would find the terminator of a NUL byte */
        if (p1 > 0 && p1 < CH_WIDE && (is_alnum(p1) || strchr("._%+-", p1))) return false;
        return host_ends(c, end, w);
    case TRAWL_V_FILENAME:
        if (p1 >= 0 && p1 < CH_WIDE && (is_alnum(p1) || p1 == '.' || p1 == '_' || p1 == '-'))
            return false;
        n1 = after(c, end, 0, w);
        if (n1 >= 0 && n1 < CH_WIDE && (is_alnum(n1) || n1 == '_' || n1 == '-')) return false;
        return !(n1 == '.' && is_alnum(after(c, end, 1, w)));
    case TRAWL_V_REGEX:
        return true;
    default: /* addresses and hashes are served by the token pass */
        return false;
    }
}

/* Hyperscan matched the last TRAWL_HS_LIT_MAX bytes of a longer literal:
 * compare the bytes before them, ignoring ASCII case as Hyperscan does. */
static bool head_ok(const struct ctx *c, const struct trawl_db_pat *p, size_t start)
{
    const struct trawl_db_ioc *ioc = &c->m->db->iocs[p->ioc];
    const uint8_t *v = (const uint8_t *)c->m->db->strings + ioc->value_off;
    const uint8_t *b = c->base + start;
    size_t n = (size_t)p->len - TRAWL_HS_LIT_MAX;
    if (ioc->value_len != p->len) return false;
    for (size_t i = 0; i < n; i++)
        if (trawl_lower((char)b[i]) != trawl_lower((char)v[i])) return false;
    return true;
}

static int on_literal(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                      void *ud)
{
    struct ctx *c = ud;
    const struct trawl_db *db = c->m->db;
    if (id >= db->npat) return 0;
    const struct trawl_db_pat *p = &db->pats[id];
    size_t end = c->scan_from + (size_t)to;
    if (end < p->len) return 0;
    size_t start = end - p->len;
    if (start < c->lo || start >= c->hi) return 0;
    if (p->len > TRAWL_HS_LIT_MAX && !head_ok(c, p, start)) return 0;
    if (literal_ok(c, p, start, end)) push_hit(c, start, p->len, p->ioc, p->utf16);
    return 0;
}

static int on_regex(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ud)
{
    struct ctx *c = ud;
    const struct trawl_db *db = c->m->db;
    if (id >= db->npat) return 0;
    size_t start = c->scan_from + (size_t)from, end = c->scan_from + (size_t)to;
    if (start < c->lo || start >= c->hi) return 0;
    /* one hit per (regex, start): Hyperscan reports every end */
    uint64_t key = c->base_off + start + 1;
    uint64_t *last = &c->m->re_last[2 * (size_t)id];
    if (last[0] == c->m->re_serial && last[1] == key) return 0;
    last[0] = c->m->re_serial;
    last[1] = key;
    push_hit(c, start, end - start, db->pats[id].ioc, false);
    return 0;
}

struct lookup {
    struct ctx *c;
    size_t start, len;
    const char *text; /* lower-case token text for hash confirmation */
};

static void found(void *ud, uint32_t ioc)
{
    struct lookup *l = ud;
    const struct trawl_db *db = l->c->m->db;
    if (ioc >= db->nioc) return;
    if (l->text) { /* 64-bit key collision guard: compare the hex text */
        const struct trawl_db_ioc *r = &db->iocs[ioc];
        if (r->value_len != l->len || memcmp(db->strings + r->value_off, l->text, l->len)) return;
    }
    push_hit(l->c, l->start, l->len, ioc, false);
}

static void lookup_v4(struct ctx *c, uint32_t a, size_t start, size_t len)
{
    const struct trawl_db *db = c->m->db;
    if (!(db->v4_filter[a >> 22] & (1ull << ((a >> 16) & 63)))) return;
    struct lookup l = {c, start, len, NULL};
    uint64_t which = db->v4_lens[a >> 16]; /* non-NULL: the filter passed */
    if (which >> 63) trawl_db_tab_find(&db->ipv4, a, found, &l);
    which &= ~(1ull << 63);
    const struct trawl_db_cidr *t = &db->cidr4;
    while (which) {
        unsigned i = (unsigned)__builtin_ctzll(which);
        which &= which - 1;
        unsigned plen = t->lens[i];
        uint32_t mask = plen ? 0xffffffffu << (32 - plen) : 0;
        trawl_db_tab_find(&t->tabs[i], a & mask, found, &l);
    }
}

/* The value of the 1-3 digit octet at b[0..len): no branch on len, and no
 * byte read past the octet (b[0] stands in for the digits it lacks). The
 * lengths are selected with masks: written as conditional expressions, GCC
 * made them branches, which octets of random lengths mispredict (it cost
 * ~10 ns a quad candidate, 12% of a scan of address-dense logs). */
static inline unsigned octet_value(const uint8_t *b, unsigned len)
{
    unsigned d0 = (unsigned)(b[0] - '0');
    unsigned d1 = (unsigned)(b[len >= 2] - '0'), d2 = (unsigned)(b[len >= 3 ? 2 : 0] - '0');
    unsigned m2 = 0u - (unsigned)(len >= 2), m3 = 0u - (unsigned)(len >= 3);
    unsigned v2 = d0 * 10 + d1, v3 = v2 * 10 + d2;
    return (d0 & ~m2) | (v2 & m2 & ~m3) | (v3 & m3);
}

/* A quad candidate of the token pass: the first dot of a chain of three,
 * at base[dot]. dd/pp: digit/dot bits of base[dot - 8, dot + 56), so the dot
 * is bit 8 (bytes before the buffer count as neither). The shape (four runs
 * of 1-3 digits joined by single dots) and both boundary rules are read off
 * the bits, the octets parsed without branching on their lengths. */
static inline void token_ipv4(struct ctx *c, size_t dot, uint64_t dd, uint64_t pp)
{
    /* Most addresses are in no indicator's /16: the first two octets alone
     * let one probe reject them before the rest of the shape is read.
     * l1 is at most 8 (only 8 bits lie before the dot), so s is 0-7; the
     * octet reads touch digits only. */
    unsigned l1 = (unsigned)__builtin_clzll(~(dd << 56)); /* digits before the dot */
    unsigned l2 = (unsigned)__builtin_ctzll(~(dd >> 9));
    unsigned s = 8 - l1;
    const uint8_t *b = c->base;
    size_t o = dot - 8; /* may wrap below 0: o + s does not */
    unsigned v1 = octet_value(b + (o + s), l1), v2 = octet_value(b + dot + 1, l2);
    unsigned k = (v1 << 8 | v2) & 0xffff; /* garbage when out of range: refused below */
    if (!(c->m->db->v4_filter[k >> 6] & (1ull << (k & 63)))) return;
    /* shift counts are masked: when a length is out of range the result is
     * refused below whatever they read */
    unsigned d2 = (9 + l2) & 63;
    unsigned l3 = (unsigned)__builtin_ctzll(~(dd >> ((d2 + 1) & 63)));
    unsigned d3 = (d2 + 1 + l3) & 63;
    unsigned l4 = (unsigned)__builtin_ctzll(~(dd >> ((d3 + 1) & 63)));
    unsigned e = (d3 + 1 + l4) & 63;
    /* lengths 1-3; dots at d2 and d3; not preceded by "digit." nor followed
     * by ".digit" (no digit right before or after: the runs are maximal) */
    bool ok = (l1 - 1 < 3) & (l2 - 1 < 3) & (l3 - 1 < 3) & (l4 - 1 < 3);
    ok &= (bool)((pp >> d2) & (pp >> d3) & 1);
    ok &= !((pp >> ((s - 1) & 63)) & (dd >> ((s - 2) & 63)) & 1);
    ok &= !((pp >> e) & (dd >> ((e + 1) & 63)) & 1);
    if (!ok) return;
    unsigned v3 = octet_value(b + (o + d2 + 1), l3), v4 = octet_value(b + (o + d3 + 1), l4);
    if ((v1 | v2 | v3 | v4) > 255) return;
    uint32_t a = v1 << 24 | v2 << 16 | v3 << 8 | v4;
    size_t start = o + s;
    if (start >= c->lo && start < c->hi) lookup_v4(c, a, start, e - s);
}

static inline unsigned hexval(uint8_t ch)
{
    return ch <= '9' ? (unsigned)(ch - '0') : (unsigned)((ch | 0x20) - 'a' + 10);
}

/* Filter key of the hex run at b: the top hex_bits bits of its first six
 * digits. */
static inline uint32_t hex_key(const struct trawl_db *db, const uint8_t *b)
{
    uint32_t k = 0;
    for (int i = 0; i < 6; i++)
        k = k << 4 | hexval(b[i]);
    return k >> (24 - db->hex_bits);
}

/* Start of a hex run of 32+ characters from the token pass; n is its length
 * when the mask pass knew it, else 0; k its filter key, already probed by
 * hex_batch (most runs in logs are benign and stop there). */
static void token_hex(struct ctx *c, size_t s, size_t n, uint32_t k)
{
    if (!(c->m->db->hex_filter[k >> 6] & (1ull << (k & 63)))) return;
    const uint8_t *b = c->base + s;
    if (!n) {
        size_t e = s;
        while (e < c->len && is_hex(c->base[e]) && e - s <= 64)
            e++;
        n = e - s;
    }
    if (n != 32 && n != 40 && n != 64) return;
    if (is_alnum(before(c, s, 0, false)) || is_alnum(after(c, s + n, 0, false))) return;
    char text[64];
    for (size_t i = 0; i < n; i++)
        text[i] = trawl_lower((char)b[i]);
    struct lookup l = {c, s, n, text};
    trawl_db_tab_find(&c->m->db->hashes, trawl_hash64(text, n, 0), found, &l);
}

/* Hex runs are handled in batches: the filter is too large to stay cached
 * while Hyperscan runs, so its words are fetched for the whole batch first,
 * in parallel, instead of one miss after another. */
struct hex_run {
    size_t at;
    unsigned n;
    uint32_t k;
};

static void hex_batch(struct ctx *c, struct hex_run *r, unsigned nr)
{
    const struct trawl_db *db = c->m->db;
    for (unsigned i = 0; i < nr; i++) {
        r[i].k = hex_key(db, c->base + r[i].at);
        __builtin_prefetch(&db->hex_filter[r[i].k >> 6]);
    }
    for (unsigned i = 0; i < nr; i++)
        token_hex(c, r[i].at, r[i].n, r[i].k);
}

static bool v6char(int ch)
{
    return ch >= 0 && (is_hex(ch) || ch == ':' || ch == '.');
}

static void lookup_v6(struct ctx *c, const uint8_t a[16], size_t start, size_t len)
{
    const struct trawl_db *db = c->m->db;
    struct lookup l = {c, start, len, NULL};
    trawl_db_tab_find(&db->ipv6, trawl_db_key_v6(a, 128), found, &l);
    const struct trawl_db_cidr *t = &db->cidr6;
    for (unsigned i = 0; i < t->nlens; i++) {
        uint8_t m[16];
        memcpy(m, a, 16);
        trawl_v6_mask(m, t->lens[i]);
        trawl_db_tab_find(&t->tabs[i], trawl_db_key_v6(m, t->lens[i]), found, &l);
    }
}

/* Candidate colon of the token pass ("::" or a full-form chain): take the
 * whole colon-hex run around it as the token. */
static size_t token_ipv6(struct ctx *c, size_t at)
{
    size_t s = at, e = at;
    while (s > 0 && v6char(c->base[s - 1]) && at - s <= 46)
        s--;
    while (e < c->len && v6char(c->base[e]) && e - at <= 46)
        e++;
    if (e - s > 45) return e;
    while (s < e && c->base[s] == '.')
        s++;
    while (e > s && c->base[e - 1] == '.')
        e--;
    int p1 = before(c, s, 0, false), n1 = after(c, e, 0, false);
    if ((p1 >= 0 && (is_alnum(p1) || p1 == '_')) || (n1 >= 0 && (is_alnum(n1) || n1 == '_')))
        return e; /* part of a word such as "std::string" */
    uint8_t a[16];
    if (trawl_ipv6_parse((const char *)c->base + s, e - s, a)) return e;
    if (s < c->lo || s >= c->hi) return e;
    lookup_v6(c, a, s, e - s);
    return e;
}

/* URLs and e-mail addresses of the token pass (db_internal.h). A
 * candidate is the ':' of a "://" or an '@'; the filter word is read around
 * it, the scheme or local part walked back to the start of its run (the
 * byte before a hit may not belong to it), the host run walked forward,
 * and "scheme://host" or the whole address looked up. A key hit is then
 * confirmed with the same rules as a Hyperscan literal. */
#define TXT_QUEUE 512u

struct txt_lookup {
    struct ctx *c;
    size_t start;
};

static bool caseless_eq(const uint8_t *b, const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (trawl_lower((char)b[i]) != trawl_lower(v[i])) return false;
    return true;
}

static void url_found(void *ud, uint32_t ioc)
{
    struct txt_lookup *l = ud;
    struct ctx *c = l->c;
    const struct trawl_db *db = c->m->db;
    if (ioc >= db->nioc) return;
    const struct trawl_db_ioc *r = &db->iocs[ioc];
    const char *v = db->strings + r->value_off;
    size_t n = r->value_len;
    if (n > c->len - l->start) return;
    /* caseless up to the path, as the literal is; url_ok does the rest */
    const char *hostp = strstr(v, "://");
    size_t path = hostp ? (size_t)(hostp - v) + 3 : 0;
    while (path < n && v[path] != '/' && v[path] != '?' && v[path] != '#')
        path++;
    if (!caseless_eq(c->base + l->start, v, path)) return;
    if (url_ok(c, r, l->start, l->start + n)) push_hit(c, l->start, n, ioc, false);
}

static void email_found(void *ud, uint32_t ioc)
{
    struct txt_lookup *l = ud;
    struct ctx *c = l->c;
    const struct trawl_db *db = c->m->db;
    if (ioc >= db->nioc) return;
    const struct trawl_db_ioc *r = &db->iocs[ioc];
    size_t n = r->value_len;
    if (n > c->len - l->start) return;
    if (!caseless_eq(c->base + l->start, db->strings + r->value_off, n)) return;
    if (host_ends(c, l->start + n, false)) push_hit(c, l->start, n, ioc, false);
}

/* A candidate mark ("://" at mark, gap 3, or '@', gap 1): the run of
 * in_run characters before it (at most back_max, the scheme or local
 * part) is where the token starts; the host run after the gap (at most
 * host_max) ends it; the key of the whole is looked up in tab. */
static inline void token_text(struct ctx *c, size_t mark, size_t gap, size_t back_max,
                              bool (*in_run)(int), uint32_t host_max,
                              const struct trawl_db_tab *tab, void (*fn)(void *, uint32_t))
{
    const uint8_t *b = c->base;
    size_t s = mark, lim = mark > back_max + 1 ? mark - back_max - 1 : 0;
    while (s > lim && in_run(b[s - 1]))
        s--;
    if (s == mark || mark - s > back_max) return;
    if (s < c->lo || s >= c->hi) return;
    size_t h = mark + gap, e = trawl_host_run(b, h, c->len, host_max);
    if (e - h > host_max) return;
    struct txt_lookup l = {c, s};
    trawl_db_tab_find(tab, trawl_tok_key(b + s, e - s), fn, &l);
}

static void token_url(struct ctx *c, size_t col)
{
    const struct trawl_db *db = c->m->db;
    token_text(c, col, 3, TRAWL_TOK_SCHEME_MAX, trawl_scheme_char, db->url_host_max, &db->urls,
               url_found);
}

static void token_email(struct ctx *c, size_t at)
{
    const struct trawl_db *db = c->m->db;
    token_text(c, at, 1, TRAWL_TOK_LOCAL_MAX, trawl_local_char, db->email_dom_max, &db->emails,
               email_found);
}

/* The 8 bytes at b[from, from + 8) as a filter word (db_internal.h), the
 * bytes outside [0, len) as zero. */
static inline uint64_t txt_word8(const uint8_t *b, size_t len, size_t from, size_t back)
{
    uint64_t w = 0;
    if (from >= back && len >= 8 && from - back <= len - 8) {
        memcpy(&w, b + from - back, 8);
        return w | TRAWL_TOK_CASE;
    }
    for (unsigned i = 0; i < 8; i++) {
        size_t at = from - back + i; /* may wrap: then >= len */
        if (from + i >= back && at < len) w |= (uint64_t)(b[at] | 0x20) << (8 * i);
    }
    return w;
}

/* Filter index of the candidate for its longest filter word, or
 * UINT32_MAX when no word of the set fits there. */
static inline uint32_t email_first(const struct ctx *c, size_t at)
{
    const struct trawl_db *db = c->m->db;
    if (c->len - at < 4) return UINT32_MAX;
    unsigned lb = 4;
    while (lb && (!(db->email_flens & (1u << (lb - 1))) || at < lb))
        lb--;
    if (!lb) return UINT32_MAX;
    uint64_t w8 = txt_word8(c->base, c->len, at, 4); /* 4 local bytes, '@', 3 domain bytes */
    return trawl_tok_hash(w8 >> (8 * (4 - lb)), lb + 4, db->email_bits);
}

static inline uint32_t url_first(const struct ctx *c, size_t col)
{
    const struct trawl_db *db = c->m->db;
    size_t h = col + 3, avail = c->len - h;
    unsigned fl = 8;
    while (fl && (!(db->url_flens & (1u << (fl - 1))) || fl > avail))
        fl--;
    if (!fl) return UINT32_MAX;
    uint64_t w8 = txt_word8(c->base, c->len, h, 0);
    return trawl_tok_hash(fl == 8 ? w8 : w8 & ((1ull << (8 * fl)) - 1), fl, db->url_bits);
}

/* Every filter word of the set that fits at the candidate (sets with
 * short local parts or URLs have several lengths in use), after the
 * longest one failed: rare, so done one by one. */
static bool email_rest(const struct ctx *c, size_t at)
{
    const struct trawl_db *db = c->m->db;
    uint64_t w8 = txt_word8(c->base, c->len, at, 4);
    for (unsigned lb = 1; lb <= 4; lb++) {
        if (!(db->email_flens & (1u << (lb - 1))) || at < lb) continue;
        uint32_t f = trawl_tok_hash(w8 >> (8 * (4 - lb)), lb + 4, db->email_bits);
        if (db->email_filter[f >> 6] & (1ull << (f & 63))) return true;
    }
    return false;
}

static bool url_rest(const struct ctx *c, size_t col)
{
    const struct trawl_db *db = c->m->db;
    size_t h = col + 3, avail = c->len - h;
    uint64_t w8 = txt_word8(c->base, c->len, h, 0);
    for (unsigned fl = 1; fl <= 8; fl++) {
        if (!(db->url_flens & (1u << (fl - 1))) || fl > avail) continue;
        uint32_t f = trawl_tok_hash(fl == 8 ? w8 : w8 & ((1ull << (8 * fl)) - 1), fl, db->url_bits);
        if (db->url_filter[f >> 6] & (1ull << (f & 63))) return true;
    }
    return false;
}

/* Candidates in batches ('@'s with email, else "://"s): the filter words
 * are fetched together first. */
static inline void txt_batch(struct ctx *c, const size_t *q, unsigned n, bool email)
{
    const struct trawl_db *db = c->m->db;
    const uint64_t *filter = email ? db->email_filter : db->url_filter;
    if (!n || !filter) return;
    uint32_t f[TXT_QUEUE];
    for (unsigned i = 0; i < n; i++) {
        f[i] = email ? email_first(c, q[i]) : url_first(c, q[i]);
        if (f[i] != UINT32_MAX) __builtin_prefetch(&filter[f[i] >> 6]);
    }
    bool many = __builtin_popcount(email ? db->email_flens : db->url_flens) > 1;
    for (unsigned i = 0; i < n; i++) {
        if (f[i] == UINT32_MAX) continue;
        if (!(filter[f[i] >> 6] & (1ull << (f[i] & 63))) &&
            !(many && (email ? email_rest(c, q[i]) : url_rest(c, q[i]))))
            continue;
        if (email)
            token_email(c, q[i]);
        else
            token_url(c, q[i]);
    }
}

static void email_batch(struct ctx *c, const size_t *q, unsigned n)
{
    txt_batch(c, q, n, true);
}

static void url_batch(struct ctx *c, const size_t *q, unsigned n)
{
    txt_batch(c, q, n, false);
}

/* The token pass, instantiated with the callbacks above so they inline. */
#include "tokens.h"

int trawl_matcher_new(const struct trawl_db *db, struct trawl_matcher **ret,
                      struct trawl_error *err)
{
    struct trawl_matcher *m = calloc(1, sizeof(*m));
    if (!m) return trawl_error_set(err, TRAWL_ENOMEM, NULL, "out of memory");
    m->db = db;
    hs_database_t *dbs[3] = {db->hs_lit, db->hs_lit2, db->hs_re};
    for (int i = 0; i < 3; i++) {
        if (dbs[i] && hs_alloc_scratch(dbs[i], &m->scratch) != HS_SUCCESS) {
            trawl_matcher_free(m);
            return trawl_error_set(err, TRAWL_EHS, NULL, "cannot allocate Hyperscan scratch");
        }
    }
    if (db->hs_re) {
        m->re_last = calloc(db->npat ? 2 * (size_t)db->npat : 2, sizeof(*m->re_last));
        if (!m->re_last) {
            trawl_matcher_free(m);
            return trawl_error_set(err, TRAWL_ENOMEM, NULL, "out of memory");
        }
    }
    if (db->ipv4.mask || db->cidr4.nlens) m->tok |= TOK_IPV4;
    if (db->hashes.mask && db->hex_filter) m->tok |= TOK_HEX;
    if (db->ipv6.mask || db->cidr6.nlens) m->tok |= TOK_IPV6;
    if (db->urls.mask) m->tok |= TOK_URL;
    if (db->emails.mask) m->tok |= TOK_EMAIL;
    /* longest literal, longest hash/IPv6 token, plus the lookahead of the
     * boundary rules: two characters, which are four bytes in UTF-16LE */
    m->overlap = (db->max_len > 66 ? db->max_len : 66) + 4;
    if (db->utf16) { /* a UTF-16LE match spans twice its characters */
        m->overlap *= 2;
        m->narrow_cap = (SUB_BLOCK + NARROW_BEHIND + 2 * m->overlap + REGEX_OVERLAP) / 2 + 64;
        m->narrow = malloc(m->narrow_cap);
        if (!m->narrow) {
            trawl_matcher_free(m);
            return trawl_error_set(err, TRAWL_ENOMEM, NULL, "out of memory");
        }
    }
    if (db->hs_re && m->overlap < REGEX_OVERLAP) m->overlap = REGEX_OVERLAP;
    *ret = m;
    return 0;
}

void trawl_matcher_free(struct trawl_matcher *m)
{
    if (!m) return;
    hs_free_scratch(m->scratch);
    free(m->hits);
    free(m->re_last);
    free(m->narrow);
    free(m);
}

size_t trawl_matcher_overlap(const struct trawl_matcher *m)
{
    return m->overlap;
}

size_t trawl_matcher_scratch_size(const struct trawl_matcher *m)
{
    size_t n = 0;
    if (m->scratch && hs_scratch_size(m->scratch, &n) != HS_SUCCESS) n = 0;
    return n;
}

static int run(struct ctx *c, hs_database_t *db, match_event_handler fn, size_t to,
               struct trawl_error *err)
{
    if (!db || to <= c->scan_from) return 0;
    hs_error_t he = hs_scan(db, (const char *)c->base + c->scan_from, (unsigned)(to - c->scan_from),
                            0, c->m->scratch, fn, c);
    if (he != HS_SUCCESS) return trawl_error_set(err, TRAWL_EHS, NULL, "hs_scan failed (%d)", he);
    return 0;
}

/* UTF-16LE. For each byte parity, the 16-bit units of the sub-block (plus
 * look-behind and overlap) are narrowed to one byte each: a unit whose high
 * byte is zero becomes its low byte, any other unit becomes 0x01, which is
 * never a token character. The literal database and the token pass then
 * run unchanged over the narrowed bytes, so every type that matches in
 * ASCII also matches in UTF-16LE, with the same boundary rules applied to
 * the neighbouring characters; push_hit maps offsets back. Each original
 * offset belongs to one parity only, so nothing is found twice. */
static int scan_narrow(struct trawl_matcher *m, const struct trawl_span *s, size_t sub,
                       size_t sub_hi, size_t to, struct trawl_error *err)
{
    for (size_t par = 0; par < 2; par++) {
        size_t start = sub > NARROW_BEHIND ? sub - NARROW_BEHIND : 0;
        if ((start & 1) != par) start++;
        if (start + 1 >= to) continue;
        size_t n = (to - start) / 2;
        if (n > m->narrow_cap) n = m->narrow_cap;
        const uint8_t *src = s->base + start;
        for (size_t k = 0; k < n; k++)
            m->narrow[k] = src[2 * k + 1] ? 0x01 : src[2 * k];
        /* accepted: units whose first byte lies in [sub, sub_hi) */
        size_t kl = sub > start ? (sub - start + 1) / 2 : 0;
        size_t kh = (sub_hi - start + 1) / 2;
        if (kh > n) kh = n;
        struct ctx c = {.m = m,
                        .base = m->narrow,
                        .len = n,
                        .scan_from = kl,
                        .lo = kl,
                        .hi = kh,
                        .base_off = s->base_off,
                        .narrow = true,
                        .nstart = start};
        int r = run(&c, m->db->hs_lit, on_literal, n, err);
        if (!r) r = run(&c, m->db->hs_lit2, on_literal, n, err);
        if (r) return r;
        if (m->tok) tokens_scan(m->narrow, n, kl, kh, m->tok, &c);
    }
    return 0;
}

int trawl_matcher_scan(struct trawl_matcher *m, const struct trawl_span *s, struct trawl_error *err)
{
    const struct trawl_db *db = m->db;
    if (s->lo < s->base_off || s->hi < s->lo)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "bad span");
    size_t lo = (size_t)(s->lo - s->base_off);
    size_t hi = (size_t)(s->hi - s->base_off);
    if (hi > s->len) hi = s->len;
    /* Sub-blocks keep the data in cache while each database passes over it. */
    for (size_t sub = lo; sub < hi; sub += SUB_BLOCK) {
        size_t sub_hi = hi - sub > SUB_BLOCK ? sub + SUB_BLOCK : hi;
        size_t to = sub_hi + m->overlap < s->len ? sub_hi + m->overlap : s->len;
        struct ctx c = {.m = m,
                        .base = s->base,
                        .len = s->len,
                        .scan_from = sub,
                        .lo = sub,
                        .hi = sub_hi,
                        .base_off = s->base_off};
        int r = run(&c, db->hs_lit, on_literal, to, err);
        if (!r) r = run(&c, db->hs_lit2, on_literal, to, err);
        if (!r && m->tok) tokens_scan(s->base, s->len, sub, sub_hi, m->tok, &c);
        if (!r && s->utf16 && db->utf16) r = scan_narrow(m, s, sub, sub_hi, to, err);
        m->re_serial++;
        if (!r && db->hs_re) {
            /* A regex may match from many starts ("a+b"). Scanning from a
             * little before sub lets Hyperscan report the leftmost start of
             * a match begun in an earlier span (rejected here, accepted
             * there) instead of a later start inside this one. */
            struct ctx rc = c;
            rc.scan_from = sub > REGEX_BEHIND ? sub - REGEX_BEHIND : 0;
            r = run(&rc, db->hs_re, on_regex, to, err);
        }
        if (r) return r;
        if (m->oom) return trawl_error_set(err, TRAWL_ENOMEM, NULL, "out of memory for hits");
    }
    return 0;
}

void trawl_matcher_match_addr(struct trawl_matcher *m, const uint8_t addr[16], uint64_t off)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    struct ctx c = {.m = m, .lo = 0, .hi = 1, .base_off = off};
    if (!memcmp(addr, mapped, 12)) { /* IPv4, as the decoder hands it over */
        uint32_t a = (uint32_t)addr[12] << 24 | (uint32_t)addr[13] << 16 | (uint32_t)addr[14] << 8 |
                     addr[15];
        lookup_v4(&c, a, 0, 0);
    }
    lookup_v6(&c, addr, 0, 0); /* also ::ffff:0:0/96-style IPv6 indicators */
}

void trawl_matcher_truncate(struct trawl_matcher *m, size_t n)
{
    if (n < m->nhits) m->nhits = n;
}

size_t trawl_matcher_nhits(const struct trawl_matcher *m)
{
    return m->nhits;
}

struct trawl_hit *trawl_matcher_hits(struct trawl_matcher *m)
{
    return m->hits;
}

void trawl_matcher_clear(struct trawl_matcher *m)
{
    m->nhits = 0;
}
