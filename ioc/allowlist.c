/* Allowlists (MISP warninglists, plain lists, trawl's built-in list): loading
 * them into per-list hash tables, CIDR tables and Hyperscan databases, and
 * answering "is this indicator on a list, and which one?" for the compiler.
 *
 * Matching rules. A list applies to an indicator only when the indicator's
 * type is one its "matching_attributes" map to (absent, empty or "ALL": every
 * type): ip-src/ip-dst(|port) and ip -> ipv4, ipv6, cidr; domain, hostname
 * (|port) -> domain; url, uri, link -> url; email, email-src, email-dst,
 * email-reply-to, target-email, whois-registrant-email, dns-soa-email ->
 * email; md5, sha1, sha256 -> the hash; filename -> filename; text, other,
 * pattern-in-file/-traffic/-memory -> string; composites such as
 * domain|ip or filename|md5 map each part; MISP types trawl has no indicator
 * for (sha512, ssdeep, port...) are ignored. Then, by MISP list type, on the
 * indicator's normalised value:
 *  - string: the value equals an entry. The comparison ignores case when the
 *    indicator itself matches caselessly (domain, email, hashes, filename,
 *    IPv6/CIDR hex, strings flagged nocase) and is exact otherwise (url,
 *    string, regex), as MISP compares exactly but lower-cases those types on
 *    input. Entries are trimmed and not otherwise rewritten: MISP's google
 *    list entry ".google.com" matches the value ".google.com" only.
 *  - hostname: the indicator's host (the domain itself; a URL's host; the
 *    part of an e-mail address after '@') equals an entry or is a subdomain
 *    of one, on label boundaries (entries are lower-cased, their leading and
 *    trailing dots and a leading "*." removed). IPv4/IPv6 indicators must
 *    equal an entry. Other types are not checked. Like MISP, this drops every
 *    subdomain: an "amazonaws.com" entry (Alexa list) covers
 *    evil-bucket.s3.amazonaws.com, so popularity lists are better used to
 *    flag than to drop.
 *  - substring: an entry occurs anywhere in the value, ignoring case.
 *  - cidr: an IPv4/IPv6 indicator inside an entry's range, or a CIDR
 *    indicator whose whole network lies inside it (an entry without "/n" is
 *    one address; ::ffff:a.b.c.d entries are IPv4). Other types never match.
 *  - regex: the entry matches somewhere in the value. MISP writes PCRE with
 *    delimiters ("/^foo$/i"): the delimiters are removed and the flags i, m,
 *    s, x, u, A honoured (D, S, U, X, J, n need nothing for a yes/no match),
 *    so "/x/" is case-sensitive like PHP's preg_match. An entry without
 *    delimiters is matched caselessly. Hyperscan compiles them; entries it
 *    refuses (including ones that match the empty string) are reported.
 * Plain lists mix kinds per entry (see trawl_allowlist_load). The built-in
 * list adds one kind of its own, "exact host": a domain indicator, or a URL
 * with nothing after its host, matches when its host is the entry or
 * "www." + the entry. Large platforms host attacker content on their
 * subdomains (S3 buckets, *.blogspot, user pages), so only their own names
 * are allowlisted, never the subtree.
 *
 * Structures: string and host entries live in open-addressing hash tables
 * keyed by the lower-cased text (a hostname lookup probes each label suffix
 * of the host); cidr entries in one hash table per list keyed by (family,
 * prefix length, masked address), probed once per prefix length in use, as
 * the compiler's CIDR tables are; substring and regex entries in one
 * Hyperscan block-mode database per list and kind (caseless literal or
 * regex, SINGLEMATCH). Lists are tried in load order; the first match wins. */
#include <dirent.h>
#include <errno.h>
#include <hs/hs.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trawl_allowlist.h"

#define ALL_TYPES ((1u << TRAWL_T_COUNT) - 1u)
#define TBIT(t) (1u << (unsigned)(t))
#define IP_TYPES (TBIT(TRAWL_T_IPV4) | TBIT(TRAWL_T_IPV6) | TBIT(TRAWL_T_CIDR))
#define MAX_DEPTH 8
#define HASH_SEED 0x616c6c6f776c7374ULL

/* ---- small helpers ------------------------------------------------------ */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

static void lower_copy(char *dst, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = trawl_lower(s[i]);
    dst[n] = '\0';
}

static bool mem_caseeq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (trawl_lower(a[i]) != trawl_lower(b[i])) return false;
    return true;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* ---- string set (hash on the lower-cased text) --------------------------- */

struct sent {
    uint64_t hash;
    uint32_t off, len; /* in the list's arena, NUL-terminated there */
};

struct strtab {
    struct sent *ent;
    size_t n, cap;
    uint32_t *slot; /* entry index + 1; 0 = empty */
    size_t mask;    /* slots - 1 */
};

static uint64_t hash_lower(const char *low, size_t n)
{
    return trawl_hash64(low, n, HASH_SEED);
}

/* Index of an entry with this hash equal to s (caselessly or byte for
 * byte), or -1. */
static long strtab_find(const struct strtab *t, const struct trawl_buf *arena, uint64_t h,
                        const char *s, size_t n, bool caseless)
{
    if (!t->n) return -1;
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        uint32_t e = t->slot[i];
        if (!e) return -1;
        const struct sent *se = &t->ent[e - 1];
        if (se->hash != h || se->len != n) continue;
        const char *p = arena->data + se->off;
        if (caseless ? mem_caseeq(p, s, n) : memcmp(p, s, n) == 0) return (long)(e - 1);
    }
}

static int strtab_rehash(struct strtab *t, size_t nslot)
{
    uint32_t *ns = calloc(nslot, sizeof(*ns));
    if (!ns) return TRAWL_ENOMEM;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = (size_t)t->ent[k].hash & (nslot - 1);
        while (ns[i])
            i = (i + 1) & (nslot - 1);
        ns[i] = (uint32_t)(k + 1);
    }
    free(t->slot);
    t->slot = ns;
    t->mask = nslot - 1;
    return 0;
}

/* Adds s (n <= TRAWL_IOC_MAX bytes) as stored. Returns 0 when added, 1 when
 * an identical entry exists, or TRAWL_ENOMEM. */
static int strtab_add(struct strtab *t, struct trawl_buf *arena, const char *s, size_t n)
{
    char low[TRAWL_IOC_MAX + 1];
    lower_copy(low, s, n);
    uint64_t h = hash_lower(low, n);
    if (strtab_find(t, arena, h, s, n, false) >= 0) return 1;
    if (t->n >= UINT32_MAX - 1 || arena->len + n + 1 > UINT32_MAX) return TRAWL_ENOMEM;
    if (!t->slot || (t->n + 1) * 2 > t->mask + 1) {
        int r = strtab_rehash(t, t->slot ? (t->mask + 1) * 2 : 64);
        if (r < 0) return r;
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        struct sent *ne = realloc(t->ent, nc * sizeof(*ne));
        if (!ne) return TRAWL_ENOMEM;
        t->ent = ne;
        t->cap = nc;
    }
    uint32_t off = (uint32_t)arena->len;
    if (trawl_buf_put(arena, s, n) < 0 || trawl_buf_putc(arena, '\0') < 0) return TRAWL_ENOMEM;
    t->ent[t->n] = (struct sent){.hash = h, .off = off, .len = (uint32_t)n};
    size_t i = (size_t)h & t->mask;
    while (t->slot[i])
        i = (i + 1) & t->mask;
    t->slot[i] = (uint32_t)(++t->n);
    return 0;
}

static void strtab_free(struct strtab *t)
{
    free(t->ent);
    free(t->slot);
}

/* ---- CIDR set -------------------------------------------------------------- */

struct nkey {
    uint8_t fam;  /* 4 or 6 */
    uint8_t plen; /* 0-32 or 0-128 */
    uint8_t a[16];
};

struct netset {
    struct nkey *ent;
    size_t n, cap;
    uint32_t *slot;
    size_t mask;
    uint64_t used4;    /* bit l: a v4 entry of prefix length l exists */
    uint64_t used6[3]; /* the same for v6, 129 bits */
};

static void net_mask(struct nkey *k, unsigned plen)
{
    unsigned nbytes = k->fam == 4 ? 4 : 16;
    for (unsigned i = 0; i < 16; i++) {
        unsigned bit = i * 8;
        if (i >= nbytes || bit >= plen)
            k->a[i] = 0;
        else if (plen - bit < 8)
            k->a[i] &= (uint8_t)(0xffu << (8 - (plen - bit)));
    }
    k->plen = (uint8_t)plen;
}

static uint64_t net_hash(const struct nkey *k)
{
    return trawl_hash64(k, sizeof(*k), HASH_SEED);
}

static bool netset_has(const struct netset *t, const struct nkey *k)
{
    if (!t->n) return false;
    uint64_t h = net_hash(k);
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        uint32_t e = t->slot[i];
        if (!e) return false;
        if (memcmp(&t->ent[e - 1], k, sizeof(*k)) == 0) return true;
    }
}

static int netset_rehash(struct netset *t, size_t nslot)
{
    uint32_t *ns = calloc(nslot, sizeof(*ns));
    if (!ns) return TRAWL_ENOMEM;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = (size_t)net_hash(&t->ent[k]) & (nslot - 1);
        while (ns[i])
            i = (i + 1) & (nslot - 1);
        ns[i] = (uint32_t)(k + 1);
    }
    free(t->slot);
    t->slot = ns;
    t->mask = nslot - 1;
    return 0;
}

/* Adds a masked key. Returns 0, 1 when present, or TRAWL_ENOMEM. */
static int netset_add(struct netset *t, const struct nkey *k)
{
    if (netset_has(t, k)) return 1;
    if (t->n >= UINT32_MAX - 1) return TRAWL_ENOMEM;
    if (!t->slot || (t->n + 1) * 2 > t->mask + 1) {
        int r = netset_rehash(t, t->slot ? (t->mask + 1) * 2 : 64);
        if (r < 0) return r;
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        struct nkey *ne = realloc(t->ent, nc * sizeof(*ne));
        if (!ne) return TRAWL_ENOMEM;
        t->ent = ne;
        t->cap = nc;
    }
    t->ent[t->n] = *k;
    size_t i = (size_t)net_hash(k) & t->mask;
    while (t->slot[i])
        i = (i + 1) & t->mask;
    t->slot[i] = (uint32_t)(++t->n);
    if (k->fam == 4)
        t->used4 |= 1ull << k->plen;
    else
        t->used6[k->plen / 64] |= 1ull << (k->plen % 64);
    return 0;
}

/* Is the network q (an address is a /32 or /128) inside an entry? One probe
 * per prefix length in use that is not longer than q's. */
static bool netset_covers(const struct netset *t, const struct nkey *q)
{
    if (!t->n) return false;
    for (unsigned l = 0; l <= q->plen; l++) {
        bool used = q->fam == 4 ? (t->used4 >> l) & 1 : (t->used6[l / 64] >> (l % 64)) & 1;
        if (!used) continue;
        struct nkey k = *q;
        net_mask(&k, l);
        if (netset_has(t, &k)) return true;
    }
    return false;
}

static void netset_free(struct netset *t)
{
    free(t->ent);
    free(t->slot);
}

/* Parses "address[/len]" (IPv4 or IPv6). ::ffff:a.b.c.d becomes IPv4. The
 * key is masked; *hostbits tells whether that changed the address. */
static int parse_net(const char *s, size_t n, struct nkey *out, bool *hostbits)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    struct nkey k;
    memset(&k, 0, sizeof(k));
    unsigned max;
    if (memchr(s, ':', alen)) {
        if (trawl_ipv6_parse(s, alen, k.a) < 0) return TRAWL_EINVAL;
        k.fam = 6;
        max = 128;
    } else {
        uint32_t v4;
        if (trawl_ipv4_parse(s, alen, &v4) < 0) return TRAWL_EINVAL;
        k.fam = 4;
        k.a[0] = (uint8_t)(v4 >> 24);
        k.a[1] = (uint8_t)(v4 >> 16);
        k.a[2] = (uint8_t)(v4 >> 8);
        k.a[3] = (uint8_t)v4;
        max = 32;
    }
    unsigned plen = max;
    if (slash) {
        const char *p = slash + 1, *e = s + n;
        if (p == e || e - p > 3) return TRAWL_EINVAL;
        plen = 0;
        for (; p < e; p++) {
            if (*p < '0' || *p > '9') return TRAWL_EINVAL;
            plen = plen * 10 + (unsigned)(*p - '0');
        }
        if (plen > max) return TRAWL_EINVAL;
    }
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (k.fam == 6 && plen >= 96 && memcmp(k.a, mapped, 12) == 0) {
        memmove(k.a, k.a + 12, 4);
        memset(k.a + 4, 0, 12);
        k.fam = 4;
        plen -= 96;
    }
    struct nkey m = k;
    net_mask(&m, plen);
    *hostbits = memcmp(m.a, k.a, 16) != 0;
    *out = m;
    return 0;
}

/* ---- one list ------------------------------------------------------------- */

/* Patterns waiting for their Hyperscan database (the list is compiled once
 * complete). off points into the arena; idx is the entry number for
 * diagnostics. */
struct patvec {
    uint32_t *off;
    unsigned *flags;
    size_t *len;
    size_t *idx;
    size_t n, cap;
};

struct wlist {
    char *name, *id, *path;
    const char *type;
    uint32_t types;
    size_t entries, dups, rejected;
    struct trawl_buf arena;
    struct strtab str, host, xhost;
    struct netset net;
    struct patvec lits, res;
    hs_database_t *litdb, *redb;
};

static void patvec_free(struct patvec *v)
{
    free(v->off);
    free(v->flags);
    free(v->len);
    free(v->idx);
    memset(v, 0, sizeof(*v));
}

static void wlist_free(struct wlist *l)
{
    if (!l) return;
    free(l->name);
    free(l->id);
    free(l->path);
    trawl_buf_free(&l->arena);
    strtab_free(&l->str);
    strtab_free(&l->host);
    strtab_free(&l->xhost);
    netset_free(&l->net);
    patvec_free(&l->lits);
    patvec_free(&l->res);
    hs_free_database(l->litdb);
    hs_free_database(l->redb);
    free(l);
}

static struct wlist *wlist_new(const char *name, const char *id, const char *path, const char *type,
                               uint32_t types)
{
    struct wlist *l = calloc(1, sizeof(*l));
    if (!l) return NULL;
    l->name = strdup(name);
    l->id = strdup(id);
    l->path = strdup(path);
    l->type = type;
    l->types = types;
    if (!l->name || !l->id || !l->path) {
        wlist_free(l);
        return NULL;
    }
    return l;
}

/* ---- the allowlist ---------------------------------------------------------- */

struct trawl_allowlist {
    struct wlist **lists;
    size_t n, cap;
    bool has_defaults;
    /* Scratch big enough for every database; the first thread to take busy
     * uses it, a concurrent one scans with a clone. */
    hs_scratch_t *scratch;
    atomic_flag busy;
};

static int al_push(struct trawl_allowlist *al, struct wlist *l)
{
    if (al->n == al->cap) {
        size_t nc = al->cap ? al->cap * 2 : 16;
        struct wlist **nl = realloc(al->lists, nc * sizeof(*nl));
        if (!nl) return TRAWL_ENOMEM;
        al->lists = nl;
        al->cap = nc;
    }
    al->lists[al->n++] = l;
    return 0;
}

static void al_truncate(struct trawl_allowlist *al, size_t n)
{
    while (al->n > n)
        wlist_free(al->lists[--al->n]);
}

/* ---- loading context and entry adders ------------------------------------------- */

struct lctx {
    struct trawl_allowlist *al;
    const char *file;
    trawl_diag_fn diag;
    void *ud;
};

__attribute__((format(printf, 4, 5))) static void report(struct lctx *c, unsigned long line,
                                                         bool is_error, const char *fmt, ...)
{
    if (!c->diag) return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    c->diag(c->ud, c->file, line, is_error, msg);
}

/* A value quoted for a diagnostic, clipped to 80 bytes. */
static const char *clip(const char *s, size_t n, char buf[96])
{
    size_t k = n > 80 ? 80 : n;
    for (size_t i = 0; i < k; i++)
        buf[i] = (s[i] >= 0x20 && s[i] != 0x7f) ? s[i] : '?';
    if (k < n) {
        memcpy(buf + k, "...", 4);
    } else {
        buf[k] = '\0';
    }
    return buf;
}

/* Where an entry is, for messages: "line N" is given through diag's line,
 * JSON entries carry their index in the list. */
static void reject(struct lctx *c, struct wlist *l, unsigned long line, size_t idx, const char *s,
                   size_t n, const char *why)
{
    char q[96];
    l->rejected++;
    if (line)
        report(c, line, true, "%s: \"%s\" %s", l->id, clip(s, n, q), why);
    else
        report(c, 0, true, "%s: entry %zu \"%s\" %s", l->id, idx, clip(s, n, q), why);
}

static int counted(struct wlist *l, int r)
{
    if (r == 0) l->entries++;
    if (r == 1) l->dups++;
    return r < 0 ? r : 0;
}

static int add_string(struct lctx *c, struct wlist *l, unsigned long line, size_t idx,
                      const char *s, size_t n)
{
    if (n > TRAWL_IOC_MAX) {
        reject(c, l, line, idx, s, n, "is longer than the longest indicator");
        return 0;
    }
    return counted(l, strtab_add(&l->str, &l->arena, s, n));
}

/* Hostname entries: lower case, no leading "*." and no dots at either end,
 * no blanks. */
static int add_host(struct lctx *c, struct wlist *l, struct strtab *t, unsigned long line,
                    size_t idx, const char *s, size_t n)
{
    const char *v = s;
    size_t m = n;
    if (m >= 2 && v[0] == '*' && v[1] == '.') {
        v += 2;
        m -= 2;
    }
    while (m && v[0] == '.') {
        v++;
        m--;
    }
    while (m && v[m - 1] == '.')
        m--;
    if (!m) {
        reject(c, l, line, idx, s, n, "is not a host name");
        return 0;
    }
    if (m > TRAWL_IOC_MAX) {
        reject(c, l, line, idx, s, n, "is longer than the longest indicator");
        return 0;
    }
    for (size_t i = 0; i < m; i++) {
        /* '/' is left alone: RFC 2317 reverse zones ("0/24.2.0.192.in-addr.arpa")
         * have it and real lists carry such names. */
        if (is_blank(v[i])) {
            reject(c, l, line, idx, s, n, "is not a host name");
            return 0;
        }
    }
    char low[TRAWL_IOC_MAX + 1];
    lower_copy(low, v, m);
    return counted(l, strtab_add(t, &l->arena, low, m));
}

static int add_net(struct lctx *c, struct wlist *l, unsigned long line, size_t idx, const char *s,
                   size_t n)
{
    struct nkey k;
    bool hostbits;
    if (parse_net(s, n, &k, &hostbits) < 0) {
        reject(c, l, line, idx, s, n, "is not an IP address or CIDR range");
        return 0;
    }
    if (hostbits) {
        char q[96];
        report(c, line, false, "%s: \"%s\" has host bits set; they were masked", l->id,
               clip(s, n, q));
    }
    return counted(l, netset_add(&l->net, &k));
}

static int patvec_push(struct patvec *v, uint32_t off, size_t len, unsigned flags, size_t idx)
{
    if (v->n == v->cap) {
        size_t nc = v->cap ? v->cap * 2 : 16;
        uint32_t *no = realloc(v->off, nc * sizeof(*no));
        if (no) v->off = no;
        unsigned *nf = realloc(v->flags, nc * sizeof(*nf));
        if (nf) v->flags = nf;
        size_t *nl = realloc(v->len, nc * sizeof(*nl));
        if (nl) v->len = nl;
        size_t *ni = realloc(v->idx, nc * sizeof(*ni));
        if (ni) v->idx = ni;
        if (!no || !nf || !nl || !ni) return TRAWL_ENOMEM;
        v->cap = nc;
    }
    v->off[v->n] = off;
    v->len[v->n] = len;
    v->flags[v->n] = flags;
    v->idx[v->n] = idx;
    v->n++;
    return 0;
}

/* Stores text (NUL-terminated) in the arena and queues it as a pattern. */
static int add_pat(struct wlist *l, struct patvec *v, const char *pre, const char *s, size_t n,
                   const char *post, unsigned flags, size_t idx)
{
    size_t pl = strlen(pre), ql = strlen(post);
    if (l->arena.len + pl + n + ql + 1 > UINT32_MAX) return TRAWL_ENOMEM;
    uint32_t off = (uint32_t)l->arena.len;
    if (trawl_buf_put(&l->arena, pre, pl) < 0 || trawl_buf_put(&l->arena, s, n) < 0 ||
        trawl_buf_put(&l->arena, post, ql) < 0 || trawl_buf_putc(&l->arena, '\0') < 0)
        return TRAWL_ENOMEM;
    int r = patvec_push(v, off, pl + n + ql, flags, idx);
    if (r == 0) l->entries++;
    return r;
}

/* A PCRE delimiter as PHP accepts them, minus the bracket pairs (a bare
 * "[ab]" or "(a|b)" is far likelier than a bracket-delimited pattern). */
static bool is_delim(char c)
{
    return c && strchr("/#~!@%|`+;,=:", c) != NULL;
}

static int add_regex(struct lctx *c, struct wlist *l, unsigned long line, size_t idx, const char *s,
                     size_t n)
{
    unsigned flags = HS_FLAG_SINGLEMATCH;
    const char *body = s;
    size_t blen = n;
    const char *pre = "", *post = "";
    const char *close = n >= 2 && is_delim(s[0]) ? memrchr(s + 1, s[0], n - 1) : NULL;
    bool delimited = false;
    if (close) {
        const char *f = close + 1, *e = s + n;
        delimited = true;
        for (const char *p = f; p < e; p++)
            if (!strchr("imsxuADSUXJn", *p)) delimited = false;
        if (delimited) {
            bool ext = false, anchored = false;
            body = s + 1;
            blen = (size_t)(close - body);
            for (const char *p = f; p < e; p++) {
                switch (*p) {
                case 'i':
                    flags |= HS_FLAG_CASELESS;
                    break;
                case 'm':
                    flags |= HS_FLAG_MULTILINE;
                    break;
                case 's':
                    flags |= HS_FLAG_DOTALL;
                    break;
                case 'u':
                    flags |= HS_FLAG_UTF8 | HS_FLAG_UCP;
                    break;
                case 'x':
                    ext = true;
                    break;
                case 'A':
                    anchored = true;
                    break;
                default:
                    break; /* D S U X J n: no effect on a yes/no match */
                }
            }
            if (anchored) {
                pre = ext ? "(?x)^(?:" : "^(?:";
                post = ")";
            } else if (ext) {
                pre = "(?x)";
            }
        }
    }
    if (!delimited) flags |= HS_FLAG_CASELESS;
    if (!blen) {
        reject(c, l, line, idx, s, n, "is an empty regex");
        return 0;
    }
    return add_pat(l, &l->res, pre, body, blen, post, flags, idx);
}

static int add_substring(struct wlist *l, size_t idx, const char *s, size_t n)
{
    return add_pat(l, &l->lits, "", s, n, "", HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, idx);
}

/* Compiles the queued patterns of one kind into one database. Entries that
 * Hyperscan refuses are reported, dropped, and the rest compiled again. */
static int compile_pats(struct lctx *c, struct wlist *l, struct patvec *v, bool literal,
                        hs_database_t **out, struct trawl_error *err)
{
    const char **expr = NULL;
    unsigned *ids = NULL;
    int rc = 0;
    if (!v->n) goto done;
    expr = malloc(v->n * sizeof(*expr));
    ids = malloc(v->n * sizeof(*ids));
    if (!expr || !ids) {
        rc = trawl_error_set(err, TRAWL_ENOMEM, c->file, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < v->n; i++) {
        expr[i] = l->arena.data + v->off[i];
        ids[i] = (unsigned)i;
    }
    while (v->n) {
        hs_compile_error_t *ce = NULL;
        hs_error_t he;
        if (literal)
            he = hs_compile_lit_multi(expr, v->flags, ids, v->len, (unsigned)v->n, HS_MODE_BLOCK,
                                      NULL, out, &ce);
        else
            he = hs_compile_multi(expr, v->flags, ids, (unsigned)v->n, HS_MODE_BLOCK, NULL, out,
                                  &ce);
        if (he == HS_SUCCESS) break;
        if (!ce || ce->expression < 0 || (size_t)ce->expression >= v->n) {
            rc = trawl_error_set(err, TRAWL_EHS, c->file, "%s: Hyperscan: %s", l->id,
                                 ce ? ce->message : "compile failed");
            hs_free_compile_error(ce);
            goto done;
        }
        size_t k = (size_t)ce->expression;
        char q[96];
        l->rejected++;
        l->entries--;
        report(c, 0, true, "%s: entry %zu \"%s\" refused by Hyperscan: %s", l->id, v->idx[k],
               clip(expr[k], v->len[k], q), ce->message);
        hs_free_compile_error(ce);
        v->n--;
        memmove(expr + k, expr + k + 1, (v->n - k) * sizeof(*expr));
        memmove(v->flags + k, v->flags + k + 1, (v->n - k) * sizeof(*v->flags));
        memmove(v->len + k, v->len + k + 1, (v->n - k) * sizeof(*v->len));
        memmove(v->idx + k, v->idx + k + 1, (v->n - k) * sizeof(*v->idx));
    }
    if (*out && hs_alloc_scratch(*out, &c->al->scratch) != HS_SUCCESS)
        rc = trawl_error_set(err, TRAWL_EHS, c->file, "%s: cannot allocate Hyperscan scratch",
                             l->id);
done:
    free(expr);
    free(ids);
    patvec_free(v);
    return rc;
}

/* Compiles a complete list's Hyperscan databases and appends it. Takes
 * ownership of l. */
static int finish_list(struct lctx *c, struct wlist *l, struct trawl_error *err)
{
    int r = compile_pats(c, l, &l->lits, true, &l->litdb, err);
    if (r == 0) r = compile_pats(c, l, &l->res, false, &l->redb, err);
    if (r == 0 && al_push(c->al, l) < 0)
        r = trawl_error_set(err, TRAWL_ENOMEM, c->file, "out of memory");
    if (r < 0) wlist_free(l);
    return r;
}

/* ---- MISP warninglist JSON -------------------------------------------------------- */

enum kind { K_STRING, K_HOSTNAME, K_SUBSTRING, K_CIDR, K_REGEX };
static const char *const kind_names[] = {"string", "hostname", "substring", "cidr", "regex"};

static const struct {
    const char *attr;
    uint32_t types;
} attr_map[] = {
    {"ip-src", IP_TYPES},
    {"ip-dst", IP_TYPES},
    {"ip", IP_TYPES},
    {"domain", TBIT(TRAWL_T_DOMAIN)},
    {"hostname", TBIT(TRAWL_T_DOMAIN)},
    {"url", TBIT(TRAWL_T_URL)},
    {"uri", TBIT(TRAWL_T_URL)},
    {"link", TBIT(TRAWL_T_URL)},
    {"email", TBIT(TRAWL_T_EMAIL)},
    {"email-src", TBIT(TRAWL_T_EMAIL)},
    {"email-dst", TBIT(TRAWL_T_EMAIL)},
    {"email-reply-to", TBIT(TRAWL_T_EMAIL)},
    {"target-email", TBIT(TRAWL_T_EMAIL)},
    {"whois-registrant-email", TBIT(TRAWL_T_EMAIL)},
    {"dns-soa-email", TBIT(TRAWL_T_EMAIL)},
    {"md5", TBIT(TRAWL_T_MD5)},
    {"sha1", TBIT(TRAWL_T_SHA1)},
    {"sha256", TBIT(TRAWL_T_SHA256)},
    {"filename", TBIT(TRAWL_T_FILENAME)},
    {"malware-sample", TBIT(TRAWL_T_FILENAME) | TBIT(TRAWL_T_MD5)},
    {"text", TBIT(TRAWL_T_STRING)},
    {"other", TBIT(TRAWL_T_STRING)},
    {"pattern-in-file", TBIT(TRAWL_T_STRING)},
    {"pattern-in-traffic", TBIT(TRAWL_T_STRING)},
    {"pattern-in-memory", TBIT(TRAWL_T_STRING)},
};

/* Indicator types a MISP attribute type maps to; composites ("domain|ip",
 * "filename|md5") map each part. */
static uint32_t attr_types(const char *a)
{
    if (trawl_strcaseeq(a, "ALL")) return ALL_TYPES;
    uint32_t t = 0;
    while (*a) {
        const char *bar = strchr(a, '|');
        size_t n = bar ? (size_t)(bar - a) : strlen(a);
        for (size_t i = 0; i < sizeof(attr_map) / sizeof(attr_map[0]); i++)
            if (strlen(attr_map[i].attr) == n && trawl_strncaseeq(a, attr_map[i].attr, n))
                t |= attr_map[i].types;
        a += n;
        if (*a) a++;
    }
    return t;
}

static int json_entry(struct lctx *c, struct wlist *l, enum kind k, size_t idx, const char *s,
                      size_t n)
{
    if (k != K_SUBSTRING && k != K_REGEX) trim(&s, &n);
    if (!n) return 0; /* MISP skips empty entries too */
    switch (k) {
    case K_STRING:
        return add_string(c, l, 0, idx, s, n);
    case K_HOSTNAME:
        return add_host(c, l, &l->host, 0, idx, s, n);
    case K_CIDR:
        return add_net(c, l, 0, idx, s, n);
    case K_SUBSTRING:
        return add_substring(l, idx, s, n);
    case K_REGEX:
        return add_regex(c, l, 0, idx, s, n);
    }
    return 0;
}

static int load_json(struct lctx *c, const char *data, size_t len, const char *id,
                     struct trawl_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, 0, &je);
    if (!root) {
        char where[600];
        snprintf(where, sizeof(where), "%s:%d:%d", c->file, je.line, je.column);
        return trawl_error_set(err, TRAWL_EFORMAT, where, "%s", je.text);
    }
    int r = 0;
    struct wlist *l = NULL;
    json_t *list = json_object_get(root, "list");
    json_t *jtype = json_object_get(root, "type");
    json_t *jname = json_object_get(root, "name");
    json_t *jattrs = json_object_get(root, "matching_attributes");
    if (!json_is_object(root) || (!json_is_array(list) && !json_is_object(list))) {
        r = trawl_error_set(err, TRAWL_EFORMAT, c->file,
                            "not a MISP warninglist: no \"list\" array");
        goto out;
    }
    const char *tname = json_is_string(jtype) ? json_string_value(jtype) : "string";
    enum kind k = K_STRING;
    size_t nk = sizeof(kind_names) / sizeof(kind_names[0]);
    for (k = 0; (size_t)k < nk && strcmp(kind_names[k], tname) != 0; k++)
        ;
    if ((size_t)k == nk || (jtype && !json_is_string(jtype))) {
        char q[96];
        r = trawl_error_set(err, TRAWL_EFORMAT, c->file,
                            "unknown warninglist type \"%s\" (string, hostname, substring, cidr "
                            "or regex)",
                            clip(tname, strlen(tname), q));
        goto out;
    }
    uint32_t types = ALL_TYPES;
    if (json_is_array(jattrs) && json_array_size(jattrs) > 0) {
        types = 0;
        size_t i;
        json_t *a;
        json_array_foreach(jattrs, i, a)
        {
            if (json_is_string(a)) types |= attr_types(json_string_value(a));
        }
    }
    const char *name =
        json_is_string(jname) && *json_string_value(jname) ? json_string_value(jname) : id;
    l = wlist_new(name, id, c->file, kind_names[k], types);
    if (!l) {
        r = trawl_error_set(err, TRAWL_ENOMEM, c->file, "out of memory");
        goto out;
    }
    if (!types)
        report(c, 0, false,
               "%s: matching_attributes name no trawl indicator type; the list "
               "never matches",
               l->id);
    if (json_is_array(list)) {
        size_t i;
        json_t *e;
        json_array_foreach(list, i, e)
        {
            if (!json_is_string(e)) {
                l->rejected++;
                report(c, 0, true, "%s: entry %zu is not a string", l->id, i);
                continue;
            }
            r = json_entry(c, l, k, i, json_string_value(e), json_string_length(e));
            if (r < 0) break;
        }
    } else {
        /* {"value": "comment", ...}: MISP's export of a list with comments. */
        const char *key;
        json_t *e;
        size_t i = 0;
        json_object_foreach(list, key, e)
        {
            r = json_entry(c, l, k, i++, key, strlen(key));
            if (r < 0) break;
        }
    }
    if (r < 0) {
        r = trawl_error_set(err, r, c->file, "%s", trawl_strerror(r));
        wlist_free(l);
        goto out;
    }
    r = finish_list(c, l, err);
out:
    json_decref(root);
    return r;
}

/* ---- plain lists ------------------------------------------------------------------ */

static int plain_entry(struct lctx *c, struct wlist *l, unsigned long line, const char *s, size_t n)
{
    if (n > TRAWL_IOC_MAX) {
        reject(c, l, line, 0, s, n, "is longer than the longest indicator");
        return 0;
    }
    char ref[TRAWL_IOC_MAX + 1], norm[TRAWL_IOC_MAX + 1];
    size_t rn = trawl_ioc_refang(s, n, ref, sizeof(ref));
    if (rn == (size_t)-1) {
        memcpy(ref, s, n);
        ref[n] = '\0';
        rn = n;
    }
    const char *v = ref;
    if (rn > 2 && v[0] == '*' && v[1] == '.') {
        v += 2;
        rn -= 2;
    }
    enum trawl_ioc_type t = trawl_ioc_detect(v, rn);
    if (t == TRAWL_T_NONE) return add_string(c, l, line, 0, s, n);
    struct trawl_error e;
    if (trawl_ioc_normalise(&t, v, rn, norm, sizeof(norm), NULL, &e) < 0) {
        reject(c, l, line, 0, s, n, e.msg);
        return 0;
    }
    size_t nn = strlen(norm);
    switch (t) {
    case TRAWL_T_IPV4:
    case TRAWL_T_IPV6:
    case TRAWL_T_CIDR:
        return add_net(c, l, line, 0, norm, nn);
    case TRAWL_T_DOMAIN:
        return add_host(c, l, &l->host, line, 0, norm, nn);
    default:
        return add_string(c, l, line, 0, norm, nn);
    }
}

static int load_plain_list(struct lctx *c, const char *data, size_t len, struct trawl_error *err)
{
    const char *id = base_name(c->file);
    struct wlist *l = wlist_new(id, id, c->file, "plain", ALL_TYPES);
    if (!l) return trawl_error_set(err, TRAWL_ENOMEM, c->file, "out of memory");
    const char *p = data, *end = data + len;
    unsigned long line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p;
        size_t n = (size_t)((nl ? nl : end) - p);
        p = nl ? nl + 1 : end;
        line++;
        trim(&s, &n);
        if (!n || s[0] == '#') continue;
        for (size_t i = 1; i < n; i++) {
            if (s[i] == '#' && is_blank(s[i - 1])) {
                n = i;
                trim(&s, &n);
                break;
            }
        }
        int r = plain_entry(c, l, line, s, n);
        if (r < 0) {
            wlist_free(l);
            return trawl_error_set(err, r, c->file, "%s", trawl_strerror(r));
        }
    }
    return finish_list(c, l, err);
}

/* ---- files and directories ------------------------------------------------------- */

static int read_all(const char *path, char **data, size_t *len, struct trawl_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return trawl_error_set(err, TRAWL_EIO, path, "open: %s", strerror(errno));
    struct trawl_buf b = {0};
    char chunk[65536];
    size_t got;
    int r = 0;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (trawl_buf_put(&b, chunk, got) < 0) {
            r = trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
            break;
        }
    }
    if (!r && ferror(f)) r = trawl_error_set(err, TRAWL_EIO, path, "read: %s", strerror(errno));
    fclose(f);
    if (!r && trawl_buf_putc(&b, '\0') < 0)
        r = trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
    if (r) {
        trawl_buf_free(&b);
        return r;
    }
    *data = b.data;
    *len = b.len - 1;
    return 0;
}

static int load_file(struct lctx *c, const char *path, struct trawl_error *err)
{
    char *data;
    size_t len;
    int r = read_all(path, &data, &len, err);
    if (r < 0) return r;
    c->file = path;
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3;
    const char *q = p;
    while (q < end && is_blank(*q))
        q++;
    size_t plen = strlen(path);
    bool json = (q < end && *q == '{') || (plen >= 5 && strcmp(path + plen - 5, ".json") == 0);
    if (json) {
        /* list.json is named after its directory, other files after themselves. */
        char id[256] = "";
        const char *b = base_name(path);
        if (strcmp(b, "list.json") == 0 && b > path) {
            const char *d = b - 1;
            while (d > path && d[-1] != '/')
                d--;
            size_t dn = (size_t)(b - 1 - d);
            snprintf(id, sizeof(id), "%.*s", (int)dn, d);
        }
        if (strcmp(b, "list.json") != 0 || b == path || !id[0]) snprintf(id, sizeof(id), "%s", b);
        r = load_json(c, p, (size_t)(end - p), id, err);
    } else {
        r = load_plain_list(c, p, (size_t)(end - p), err);
    }
    free(data);
    return r;
}

struct pathvec {
    char **v;
    size_t n, cap;
};

static int collect(const char *dir, int depth, struct pathvec *pv, struct trawl_error *err)
{
    DIR *d = opendir(dir);
    if (!d) return trawl_error_set(err, TRAWL_EIO, dir, "opendir: %s", strerror(errno));
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue; /* ., .., .git */
        size_t n = strlen(dir) + strlen(de->d_name) + 2;
        char *full = malloc(n);
        if (!full) {
            r = trawl_error_set(err, TRAWL_ENOMEM, dir, "out of memory");
            break;
        }
        snprintf(full, n, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(full, &st) != 0) {
            free(full);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth < MAX_DEPTH) r = collect(full, depth + 1, pv, err);
            free(full);
        } else if (S_ISREG(st.st_mode) && strcmp(de->d_name, "list.json") == 0) {
            if (pv->n == pv->cap) {
                size_t nc = pv->cap ? pv->cap * 2 : 32;
                char **nv = realloc(pv->v, nc * sizeof(*nv));
                if (!nv) {
                    free(full);
                    r = trawl_error_set(err, TRAWL_ENOMEM, dir, "out of memory");
                    break;
                }
                pv->v = nv;
                pv->cap = nc;
            }
            pv->v[pv->n++] = full;
        } else {
            free(full);
        }
    }
    closedir(d);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct lctx *c, const char *path, struct trawl_error *err)
{
    struct pathvec pv = {0};
    int r = collect(path, 0, &pv, err);
    if (r == 0 && pv.n == 0)
        r = trawl_error_set(err, TRAWL_EINVAL, path, "no list.json below this directory");
    if (r == 0) qsort(pv.v, pv.n, sizeof(*pv.v), cmp_str);
    for (size_t i = 0; r == 0 && i < pv.n; i++)
        r = load_file(c, pv.v[i], err);
    for (size_t i = 0; i < pv.n; i++)
        free(pv.v[i]);
    free(pv.v);
    return r;
}

/* ---- the built-in list ------------------------------------------------------------ */

static const char *const default_nets[] = {
    /* public DNS resolvers: Google, Cloudflare, Quad9, OpenDNS */
    "8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222",
    "208.67.220.220", "2001:4860:4860::8888", "2001:4860:4860::8844", "2606:4700:4700::1111",
    "2606:4700:4700::1001", "2620:fe::fe", "2620:fe::9",
    /* special-use IPv4: unspecified, private, CGNAT, loopback, link-local,
     * multicast, broadcast (documentation ranges are left out: examples and
     * tests use them as stand-ins for real indicators) */
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/4", "255.255.255.255/32",
    /* special-use IPv6: unspecified, loopback, ULA, link-local, multicast */
    "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8"};

/* Registrable domains of the largest platforms and a few of their service
 * hosts whose whole traffic no indicator may cover. Matched exactly (or with
 * "www."): their deeper subdomains often serve attacker content. */
static const char *const default_hosts[] = {
    "google.com", "youtube.com", "facebook.com", "microsoft.com", "windows.com",
    "windowsupdate.com", "apple.com", "amazon.com", "amazonaws.com", "cloudflare.com", "akamai.com",
    "akamai.net", "github.com", "twitter.com", "x.com", "linkedin.com", "wikipedia.org", "bing.com",
    "office.com", "live.com", "outlook.com", "yahoo.com", "baidu.com", "instagram.com",
    "whatsapp.com", "netflix.com", "zoom.us",
    /* service hosts */
    "mail.google.com", "accounts.google.com", "dns.google", "login.microsoftonline.com",
    "login.live.com", "update.microsoft.com", "api.github.com", "s3.amazonaws.com",
    "one.one.one.one", "cloudflare-dns.com", "dns.quad9.net"};

/* ---- public API ------------------------------------------------------------------- */

int trawl_allowlist_new(struct trawl_allowlist **ret)
{
    struct trawl_allowlist *al = calloc(1, sizeof(*al));
    if (!al) return TRAWL_ENOMEM;
    atomic_flag_clear(&al->busy);
    *ret = al;
    return 0;
}

void trawl_allowlist_free(struct trawl_allowlist *al)
{
    if (!al) return;
    al_truncate(al, 0);
    free(al->lists);
    hs_free_scratch(al->scratch);
    free(al);
}

int trawl_allowlist_load(struct trawl_allowlist *al, const char *path, trawl_diag_fn diag, void *ud,
                         struct trawl_error *err)
{
    if (!al || !path) return trawl_error_set(err, TRAWL_EINVAL, path, "no allowlist or path");
    struct lctx c = {.al = al, .file = path, .diag = diag, .ud = ud};
    size_t n0 = al->n;
    struct stat st;
    if (stat(path, &st) != 0) return trawl_error_set(err, TRAWL_EIO, path, "%s", strerror(errno));
    int r = S_ISDIR(st.st_mode) ? load_dir(&c, path, err) : load_file(&c, path, err);
    if (r < 0) al_truncate(al, n0);
    return r;
}

int trawl_allowlist_add_defaults(struct trawl_allowlist *al)
{
    if (!al) return TRAWL_EINVAL;
    if (al->has_defaults) return 0;
    struct wlist *l = wlist_new(TRAWL_ALLOWLIST_DEFAULT_NAME, TRAWL_ALLOWLIST_DEFAULT_NAME, "",
                                "builtin", IP_TYPES | TBIT(TRAWL_T_DOMAIN) | TBIT(TRAWL_T_URL));
    if (!l) return TRAWL_ENOMEM;
    struct lctx c = {.al = al, .file = ""};
    int r = 0;
    for (size_t i = 0; r == 0 && i < sizeof(default_nets) / sizeof(*default_nets); i++)
        r = add_net(&c, l, 0, i, default_nets[i], strlen(default_nets[i]));
    for (size_t i = 0; r == 0 && i < sizeof(default_hosts) / sizeof(*default_hosts); i++)
        r = add_host(&c, l, &l->xhost, 0, i, default_hosts[i], strlen(default_hosts[i]));
    if (r < 0) {
        wlist_free(l);
        return r;
    }
    r = finish_list(&c, l, NULL);
    if (r == 0) al->has_defaults = true;
    return r;
}

/* ---- matching --------------------------------------------------------------------- */

/* The indicator, prepared once for all lists. */
struct query {
    enum trawl_ioc_type type;
    const char *v;
    size_t len;
    bool caseless;
    bool have_low; /* low/hlow valid (len <= TRAWL_IOC_MAX) */
    char low[TRAWL_IOC_MAX + 1];
    uint64_t hlow;
    const char *host; /* inside low, or NULL */
    size_t hostlen;
    bool walk; /* hostname entries may match a parent domain */
    bool bare; /* domain, or a URL with nothing after its host */
    bool have_net;
    struct nkey net;
};

static void query_host(struct query *q)
{
    const char *s = q->low, *e = q->low + q->len;
    switch (q->type) {
    case TRAWL_T_DOMAIN:
        q->host = s;
        q->hostlen = q->len;
        q->walk = q->bare = true;
        break;
    case TRAWL_T_EMAIL: {
        const char *at = memrchr(s, '@', q->len);
        if (!at) return;
        q->host = at + 1;
        q->hostlen = (size_t)(e - q->host);
        q->walk = true;
        break;
    }
    case TRAWL_T_URL: {
        const char *p = strstr(s, "://");
        if (!p) return;
        p += 3;
        const char *a = p;
        while (a < e && *a != '/' && *a != '?' && *a != '#')
            a++;
        const char *auth_end = a;
        const char *at = memrchr(p, '@', (size_t)(auth_end - p));
        bool extra = at != NULL || auth_end != e;
        if (at) p = at + 1;
        const char *h = p, *he;
        if (*h == '[') {
            he = memchr(h, ']', (size_t)(auth_end - h));
            if (!he) return;
            h++;
            extra |= he + 1 != auth_end;
        } else {
            he = memchr(h, ':', (size_t)(auth_end - h));
            if (he)
                extra = true;
            else
                he = auth_end;
        }
        q->host = h;
        q->hostlen = (size_t)(he - h);
        q->walk = true;
        q->bare = !extra;
        break;
    }
    case TRAWL_T_IPV4:
    case TRAWL_T_IPV6:
        q->host = s;
        q->hostlen = q->len;
        break;
    default:
        break;
    }
    while (q->hostlen && q->host[q->hostlen - 1] == '.')
        q->hostlen--;
    if (!q->hostlen) q->host = NULL;
}

static void query_init(struct query *q, enum trawl_ioc_type type, const char *value, uint32_t flags)
{
    q->type = type;
    q->v = value;
    q->len = strlen(value);
    q->host = NULL;
    q->hostlen = 0;
    q->walk = q->bare = q->have_net = false;
    switch (type) {
    case TRAWL_T_IPV4:
    case TRAWL_T_IPV6:
    case TRAWL_T_CIDR:
    case TRAWL_T_DOMAIN:
    case TRAWL_T_EMAIL:
    case TRAWL_T_MD5:
    case TRAWL_T_SHA1:
    case TRAWL_T_SHA256:
    case TRAWL_T_FILENAME:
        q->caseless = true;
        break;
    case TRAWL_T_STRING:
        q->caseless = (flags & TRAWL_IOC_NOCASE) != 0;
        break;
    default:
        q->caseless = false;
        break;
    }
    q->have_low = q->len <= TRAWL_IOC_MAX;
    if (q->have_low) {
        lower_copy(q->low, value, q->len);
        q->hlow = hash_lower(q->low, q->len);
        query_host(q);
    }
    if (type == TRAWL_T_IPV4 || type == TRAWL_T_IPV6 || type == TRAWL_T_CIDR) {
        bool hb;
        q->have_net = parse_net(value, q->len, &q->net, &hb) == 0;
    }
}

static bool host_probe(const struct wlist *l, const struct strtab *t, const char *h, size_t n)
{
    return strtab_find(t, &l->arena, hash_lower(h, n), h, n, false) >= 0;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (void)ctx;
    return 1; /* one match is enough: stop */
}

struct scratch_ref {
    struct trawl_allowlist *al;
    hs_scratch_t *s;
    bool owned;
};

static hs_scratch_t *scratch_take(struct scratch_ref *sr)
{
    if (sr->s) return sr->s;
    if (!sr->al->scratch) return NULL;
    if (!atomic_flag_test_and_set_explicit(&sr->al->busy, memory_order_acquire)) {
        sr->s = sr->al->scratch;
        sr->owned = false;
    } else if (hs_clone_scratch(sr->al->scratch, &sr->s) == HS_SUCCESS) {
        sr->owned = true;
    } else {
        sr->s = NULL;
    }
    return sr->s;
}

static void scratch_give(struct scratch_ref *sr)
{
    if (!sr->s) return;
    if (sr->owned)
        hs_free_scratch(sr->s);
    else
        atomic_flag_clear_explicit(&sr->al->busy, memory_order_release);
    sr->s = NULL;
}

static bool hs_hit(const hs_database_t *db, const struct query *q, struct scratch_ref *sr)
{
    if (!db || q->len > UINT32_MAX) return false;
    hs_scratch_t *s = scratch_take(sr);
    if (!s) return false;
    return hs_scan(db, q->v, (unsigned)q->len, 0, s, on_match, NULL) == HS_SCAN_TERMINATED;
}

static bool list_match(const struct wlist *l, const struct query *q, struct scratch_ref *sr)
{
    if (q->have_low && strtab_find(&l->str, &l->arena, q->hlow, q->caseless ? q->low : q->v, q->len,
                                   q->caseless) >= 0)
        return true;
    if (q->host && l->host.n) {
        const char *h = q->host, *e = q->host + q->hostlen;
        if (host_probe(l, &l->host, h, q->hostlen)) return true;
        if (q->walk) {
            for (const char *p = h; p < e; p++)
                if (*p == '.' && p + 1 < e && host_probe(l, &l->host, p + 1, (size_t)(e - p - 1)))
                    return true;
        }
    }
    if (q->host && q->bare && l->xhost.n) {
        if (host_probe(l, &l->xhost, q->host, q->hostlen)) return true;
        if (q->hostlen > 4 && memcmp(q->host, "www.", 4) == 0 &&
            host_probe(l, &l->xhost, q->host + 4, q->hostlen - 4))
            return true;
    }
    if (q->have_net && netset_covers(&l->net, &q->net)) return true;
    if (hs_hit(l->litdb, q, sr)) return true;
    if (hs_hit(l->redb, q, sr)) return true;
    return false;
}

long trawl_allowlist_lookup(const struct trawl_allowlist *al, enum trawl_ioc_type type,
                            const char *value, uint32_t flags)
{
    if (!al || !value || (int)type < 0 || type >= TRAWL_T_COUNT || !al->n) return -1;
    struct query q;
    query_init(&q, type, value, flags);
    /* The scratch is the only state a lookup changes; see scratch_take. */
    struct scratch_ref sr = {.al = (struct trawl_allowlist *)al};
    long found = -1;
    for (size_t i = 0; i < al->n; i++) {
        const struct wlist *l = al->lists[i];
        if (!(l->types & TBIT(type))) continue;
        if (list_match(l, &q, &sr)) {
            found = (long)i;
            break;
        }
    }
    scratch_give(&sr);
    return found;
}

const char *trawl_allowlist_match(const struct trawl_allowlist *al, enum trawl_ioc_type type,
                                  const char *value, uint32_t flags)
{
    long i = trawl_allowlist_lookup(al, type, value, flags);
    return i < 0 ? NULL : al->lists[i]->name;
}

size_t trawl_allowlist_count(const struct trawl_allowlist *al)
{
    return al ? al->n : 0;
}

const char *trawl_allowlist_name(const struct trawl_allowlist *al, size_t i)
{
    return al && i < al->n ? al->lists[i]->name : NULL;
}

int trawl_allowlist_info(const struct trawl_allowlist *al, size_t i,
                         struct trawl_allowlist_info *out)
{
    if (!al || i >= al->n || !out) return TRAWL_EINVAL;
    const struct wlist *l = al->lists[i];
    *out = (struct trawl_allowlist_info){
        .name = l->name,
        .id = l->id,
        .path = l->path,
        .type = l->type,
        .types = l->types,
        .entries = l->entries,
        .duplicates = l->dups,
        .rejected = l->rejected,
    };
    return 0;
}
