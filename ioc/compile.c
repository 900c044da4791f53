/* The compiler: turns an indicator set into a database image (the exact bytes
 * of a .tdb file) and opens that image. Each type goes to the structure that
 * scales for it:
 *  - domains, file names and strings become literals
 *    of one caseless Hyperscan literal database (one flag group, so no mixed
 *    flag sets slow the scan); case-sensitive strings are confirmed in the
 *    match callback. UTF-16LE needs no patterns of its own: the engine
 *    narrows UTF-16LE text to bytes and runs the same database over it;
 *  - URLs and e-mail addresses of the usual shape (db_internal.h) are found
 *    by the token pass and looked up in tables built when the database is
 *    opened; any other is a literal like the domains;
 *  - IPv4 addresses and hashes go to hash tables, found in the text by the
 *    engine's token pass (engine/tokens.h): a literal database of a million
 *    strings takes ~50 s and 2.4 GB to compile, a hash table a fraction of a
 *    second, and the token pass is faster than literals on address-dense logs;
 *  - IPv6 addresses are literals (three spellings) while few, tables beyond;
 *  - CIDRs go to one table per prefix length, probed for each address token,
 *    so that every containing prefix is reported.
 * See docs/matching.md for the thresholds and the reasons. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "dbimage.h"

/* Above this many literals, two databases are compiled on two threads. */
#define LIT_SHARD_MIN 200000u

struct litvec {
    const char **expr;
    size_t *lens;
    unsigned *ids;
    size_t n, cap;
};

struct builder {
    struct trawl_error *err;
    struct trawl_buf strings;
    struct trawl_buf iocs;     /* struct trawl_db_ioc[] */
    struct trawl_buf srclist;  /* uint32_t[] */
    struct trawl_buf srcoffs;  /* uint32_t[] */
    struct trawl_buf pats;     /* struct trawl_db_pat[] */
    struct trawl_buf litbytes; /* storage for literal texts (offsets in lit vectors) */
    struct litvec lit, re;
    uint32_t max_len;
    uint64_t ntoken;    /* URLs and e-mail addresses served by the token pass */
    bool text_literals; /* opts->text_literals: none served that way */
    /* source interning: open addressing over source string offsets */
    uint32_t *src_slots;
    uint32_t src_mask;
    uint32_t nsources;
    /* token tables under construction: (key, ioc) pairs */
    struct trawl_buf hashes, ipv4, ipv6;
    struct trawl_buf cidr4[33], cidr6[129];
    const char *last_warning;
    uint32_t last_warning_off;
    struct trawl_db_info info;
};

struct kv {
    uint64_t key;
    uint32_t ioc;
};

static int lit_push(struct litvec *v, struct trawl_buf *store, const char *s, size_t len,
                    unsigned id)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        const char **e = realloc(v->expr, cap * sizeof(*e));
        if (!e) return TRAWL_ENOMEM;
        v->expr = e;
        size_t *l = realloc(v->lens, cap * sizeof(*l));
        if (!l) return TRAWL_ENOMEM;
        v->lens = l;
        unsigned *i = realloc(v->ids, cap * sizeof(*i));
        if (!i) return TRAWL_ENOMEM;
        v->ids = i;
        v->cap = cap;
    }
    /* store the offset now; pointers are fixed up once storage stops moving */
    v->expr[v->n] = (const char *)(uintptr_t)store->len;
    v->lens[v->n] = len;
    v->ids[v->n] = id;
    v->n++;
    return trawl_buf_put(store, s, len);
}

static void lit_fix(struct litvec *v, const struct trawl_buf *store)
{
    for (size_t i = 0; i < v->n; i++)
        v->expr[i] = store->data + (uintptr_t)v->expr[i];
}

static void lit_free(struct litvec *v)
{
    free(v->expr);
    free(v->lens);
    free(v->ids);
}

static int add_pat(struct builder *b, struct litvec *v, uint32_t ioc, const char *s, size_t len,
                   enum trawl_verify verify, bool utf16)
{
    struct trawl_db_pat p = {
        .ioc = ioc, .len = (uint16_t)len, .verify = (uint8_t)verify, .utf16 = utf16};
    unsigned id = (unsigned)(b->pats.len / sizeof(p));
    if (len > 65535)
        return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "indicator longer than 64 KiB");
    if (len > b->max_len) b->max_len = (uint32_t)len;
    int r = trawl_buf_put(&b->pats, &p, sizeof(p));
    /* Hyperscan sees at most the last TRAWL_HS_LIT_MAX bytes (db_internal.h) */
    size_t cut = len > TRAWL_HS_LIT_MAX ? len - TRAWL_HS_LIT_MAX : 0;
    return r ? r : lit_push(v, &b->litbytes, s + cut, len - cut, id);
}

static int add_lit(struct builder *b, uint32_t ioc, const char *s, enum trawl_verify verify)
{
    return add_pat(b, &b->lit, ioc, s, strlen(s), verify, false);
}

/* A URL or e-mail address the token pass serves: its table is built at
 * load from the indicator records (dbfile.c); the matchers' overlap must
 * still hold it whole. */
static int add_token(struct builder *b, size_t len)
{
    if (len > 65535)
        return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "indicator longer than 64 KiB");
    if (len > b->max_len) b->max_len = (uint32_t)len;
    b->ntoken++;
    return 0;
}

static int kv_push(struct trawl_buf *t, uint64_t key, uint32_t ioc)
{
    struct kv e = {key, ioc};
    return trawl_buf_put(t, &e, sizeof(e));
}

static int add_cidr(struct builder *b, uint32_t ioc, const char *v)
{
    const char *slash = strchr(v, '/');
    if (!slash) return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "bad CIDR value %s", v);
    unsigned plen = (unsigned)atoi(slash + 1);
    uint32_t a4;
    uint8_t a6[16];
    if (!trawl_ipv4_parse(v, (size_t)(slash - v), &a4) && plen <= 32) {
        uint32_t mask = plen ? 0xffffffffu << (32 - plen) : 0;
        return kv_push(&b->cidr4[plen], a4 & mask, ioc);
    }
    if (!trawl_ipv6_parse(v, (size_t)(slash - v), a6) && plen <= 128) {
        trawl_v6_mask(a6, plen);
        return kv_push(&b->cidr6[plen], trawl_db_key_v6(a6, plen), ioc);
    }
    return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "bad CIDR value %s", v);
}

static uint32_t intern_source(struct builder *b, const char *s)
{
    size_t len = strlen(s);
    uint32_t i = (uint32_t)trawl_hash64(s, len, 1) & b->src_mask;
    for (;; i = (i + 1) & b->src_mask) {
        uint32_t slot = b->src_slots[i];
        if (!slot) break;
        uint32_t off = ((uint32_t *)b->srcoffs.data)[slot - 1];
        if (!strcmp(b->strings.data + off, s)) return slot - 1;
    }
    if (b->nsources * 2 >= b->src_mask) /* table is sized for the worst case */
        return UINT32_MAX;
    uint32_t off = (uint32_t)b->strings.len;
    if (trawl_buf_put(&b->strings, s, len + 1) || trawl_buf_put(&b->srcoffs, &off, 4))
        return UINT32_MAX;
    b->src_slots[i] = ++b->nsources;
    return b->nsources - 1;
}

static int add_ioc(struct builder *b, const struct trawl_ioc_view *v, const char *warning)
{
    uint32_t idx = (uint32_t)(b->iocs.len / sizeof(struct trawl_db_ioc));
    struct trawl_db_ioc rec = {
        .value_off = (uint32_t)b->strings.len,
        .value_len = (uint32_t)strlen(v->value),
        .src_off = (uint32_t)(b->srclist.len / 4),
        .nsrc = (uint16_t)(v->nsources > 65535 ? 65535 : v->nsources),
        .type = (uint8_t)v->type,
        .flags = (uint8_t)v->flags,
        .tlp = (uint8_t)v->tlp,
        .severity = (uint8_t)v->severity,
        .confidence = (int8_t)v->confidence,
        .valid_until = v->valid_until,
    };
    if (b->strings.len > UINT32_MAX - rec.value_len - 1)
        return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "indicator text over 4 GiB");
    int r = trawl_buf_put(&b->strings, v->value, rec.value_len + 1);
    rec.warn_off = UINT32_MAX;
    if (!r && warning) {
        /* the lists are few: remember where each name went */
        if (warning != b->last_warning) {
            b->last_warning = warning;
            b->last_warning_off = (uint32_t)b->strings.len;
            r = trawl_buf_put(&b->strings, warning, strlen(warning) + 1);
        }
        rec.warn_off = b->last_warning_off;
    }
    for (size_t i = 0; !r && i < rec.nsrc; i++) {
        uint32_t s = intern_source(b, v->sources[i]);
        r = s == UINT32_MAX ? TRAWL_ENOMEM : trawl_buf_put(&b->srclist, &s, 4);
    }
    if (!r) r = trawl_buf_put(&b->iocs, &rec, sizeof(rec));
    if (r) return r;
    b->info.by_type[v->type]++;
    b->info.by_tlp[v->tlp < TRAWL_TLP_COUNT ? v->tlp : 0]++;
    b->info.by_severity[v->severity >= 1 && v->severity <= 4 ? v->severity : 0]++;

    switch (v->type) {
    case TRAWL_T_IPV4: {
        uint32_t a;
        if (trawl_ipv4_parse(v->value, rec.value_len, &a))
            return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "bad IPv4 %s", v->value);
        return kv_push(&b->ipv4, a, idx);
    }
    case TRAWL_T_IPV6: {
        uint8_t a[16];
        if (trawl_ipv6_parse(v->value, rec.value_len, a))
            return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "bad IPv6 %s", v->value);
        return kv_push(&b->ipv6, trawl_db_key_v6(a, 128), idx);
    }
    case TRAWL_T_CIDR:
        return add_cidr(b, idx, v->value);
    case TRAWL_T_DOMAIN:
        return add_lit(b, idx, v->value,
                       (v->flags & TRAWL_IOC_EXACT) ? TRAWL_V_DOMAIN_X : TRAWL_V_DOMAIN);
    case TRAWL_T_URL:
        if (!b->text_literals && trawl_url_tok(v->value, rec.value_len))
            return add_token(b, rec.value_len);
        return add_lit(b, idx, v->value, TRAWL_V_URL);
    case TRAWL_T_EMAIL:
        if (!b->text_literals && trawl_email_tok(v->value, rec.value_len))
            return add_token(b, rec.value_len);
        return add_lit(b, idx, v->value, TRAWL_V_EMAIL);
    case TRAWL_T_MD5:
    case TRAWL_T_SHA1:
    case TRAWL_T_SHA256:
        return kv_push(&b->hashes, trawl_hash64(v->value, rec.value_len, 0), idx);
    case TRAWL_T_FILENAME:
        return add_lit(b, idx, v->value, TRAWL_V_FILENAME);
    case TRAWL_T_STRING:
        return add_lit(b, idx, v->value,
                       (v->flags & TRAWL_IOC_NOCASE) ? TRAWL_V_NONE : TRAWL_V_CASED);
    case TRAWL_T_REGEX: {
        struct trawl_db_pat p = {.ioc = idx, .len = 0, .verify = TRAWL_V_REGEX};
        unsigned id = (unsigned)(b->pats.len / sizeof(p));
        r = trawl_buf_put(&b->pats, &p, sizeof(p));
        return r ? r : lit_push(&b->re, &b->litbytes, v->value, rec.value_len + 1, id);
    }
    default:
        return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "unknown indicator type %d", v->type);
    }
}

bool trawl_ioc_is_literal(enum trawl_ioc_type type, const char *value)
{
    switch (type) {
    case TRAWL_T_DOMAIN:
    case TRAWL_T_FILENAME:
    case TRAWL_T_STRING:
        return true;
    case TRAWL_T_URL:
        return !trawl_url_tok(value, strlen(value));
    case TRAWL_T_EMAIL:
        return !trawl_email_tok(value, strlen(value));
    default:
        return false;
    }
}

/* Builds an open-addressing table section from (key, ioc) pairs. */
static int table_section(struct dbimage *img, unsigned id, const struct trawl_buf *kvs)
{
    size_t n = kvs->len / sizeof(struct kv);
    if (!n) return 0;
    size_t ns = 16;
    while (ns < 2 * n)
        ns *= 2;
    if (ns > (1u << 31)) return TRAWL_ENOMEM;
    size_t bytes = ns * 8 + ns * 4;
    uint8_t *mem = calloc(1, bytes);
    if (!mem) return TRAWL_ENOMEM;
    uint64_t *keys = (uint64_t *)mem;
    uint32_t *slots = (uint32_t *)(mem + ns * 8);
    const struct kv *e = (const struct kv *)kvs->data;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = (uint32_t)trawl_mix64(e[i].key) & (uint32_t)(ns - 1);
        while (slots[s])
            s = (s + 1) & (uint32_t)(ns - 1);
        slots[s] = e[i].ioc + 1;
        keys[s] = e[i].key;
    }
    int r = dbimage_add(img, id, mem, bytes);
    free(mem);
    return r;
}

/* One Hyperscan literal compile, run on its own thread for shards. */
struct litjob {
    const char *const *expr;
    const unsigned *flags, *ids;
    const size_t *lens;
    unsigned n;
    hs_database_t *db;
    hs_compile_error_t *ce;
    hs_error_t he;
};

static void *litjob_run(void *arg)
{
    struct litjob *j = arg;
    j->he = hs_compile_lit_multi(j->expr, j->flags, j->ids, j->lens, j->n, HS_MODE_BLOCK, NULL,
                                 &j->db, &j->ce);
    return NULL;
}

static int serialize_section(struct builder *b, struct dbimage *img, unsigned id, hs_database_t *db)
{
    char *bytes = NULL;
    size_t len = 0;
    hs_error_t he = hs_serialize_database(db, &bytes, &len);
    if (he != HS_SUCCESS)
        return trawl_error_set(b->err, TRAWL_EHS, NULL, "hs_serialize_database failed (%d)", he);
    int r = dbimage_add(img, id, bytes, len);
    free(bytes);
    b->info.hs_bytes += len;
    return r;
}

/* The literal database. Hyperscan's literal compile time grows faster than
 * the number of literals (100k: 3.6 s, 370k: 18 s, 1M: 53 s here), so
 * beyond LIT_SHARD_MIN the literals are split into two databases compiled
 * on two threads; the scan then runs both. */
static int literal_sections(struct builder *b, struct dbimage *img)
{
    struct litvec *v = &b->lit;
    if (!v->n) return 0;
    lit_fix(v, &b->litbytes);
    unsigned *flags = malloc(v->n * sizeof(*flags));
    if (!flags) return TRAWL_ENOMEM;
    /* Case-sensitive strings are compiled so: fewer false candidates for
     * Hyperscan's literal matcher (at 100k, with 1,978 such strings among
     * 22,825 literals, its pass takes 14% less time); the rest caseless,
     * verified by the callback where a part is cased (URL paths). */
    const struct trawl_db_pat *pats = (const struct trawl_db_pat *)b->pats.data;
    for (size_t i = 0; i < v->n; i++)
        flags[i] = pats[v->ids[i]].verify == TRAWL_V_CASED ? 0 : HS_FLAG_CASELESS;
    unsigned half = v->n > LIT_SHARD_MIN ? (unsigned)(v->n / 2) : (unsigned)v->n;
    struct litjob jobs[2] = {
        {v->expr, flags, v->ids, v->lens, half, NULL, NULL, HS_SUCCESS},
        {v->expr + half, flags + half, v->ids + half, v->lens + half, (unsigned)v->n - half, NULL,
         NULL, HS_SUCCESS},
    };
    pthread_t th;
    bool threaded = jobs[1].n && !pthread_create(&th, NULL, litjob_run, &jobs[1]);
    litjob_run(&jobs[0]);
    if (threaded)
        pthread_join(th, NULL);
    else if (jobs[1].n)
        litjob_run(&jobs[1]);
    free(flags);
    int r = 0;
    for (int i = 0; i < 2; i++) {
        if (!jobs[i].n) continue;
        if (!r && jobs[i].he != HS_SUCCESS)
            r = trawl_error_set(b->err, TRAWL_EHS, NULL, "Hyperscan compile failed: %s",
                                jobs[i].ce ? jobs[i].ce->message : "unknown error");
        if (!r) r = serialize_section(b, img, i ? DBS_HS_LIT2 : DBS_HS_LIT, jobs[i].db);
        hs_free_compile_error(jobs[i].ce);
        hs_free_database(jobs[i].db);
    }
    return r;
}

static int regex_section(struct builder *b, struct dbimage *img)
{
    struct litvec *v = &b->re;
    if (!v->n) return 0;
    lit_fix(v, &b->litbytes);
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    unsigned *flags = malloc(v->n * sizeof(*flags));
    if (!flags) return TRAWL_ENOMEM;
    for (size_t i = 0; i < v->n; i++)
        flags[i] = HS_FLAG_SOM_LEFTMOST | HS_FLAG_ALLOWEMPTY;
    hs_error_t he =
        hs_compile_multi(v->expr, flags, v->ids, (unsigned)v->n, HS_MODE_BLOCK, NULL, &db, &ce);
    free(flags);
    if (he != HS_SUCCESS && ce && ce->expression >= 0) {
        const struct trawl_db_pat *p = (const struct trawl_db_pat *)b->pats.data;
        const struct trawl_db_ioc *ioc =
            (const struct trawl_db_ioc *)b->iocs.data + p[v->ids[ce->expression]].ioc;
        trawl_error_set(b->err, TRAWL_EINVAL, NULL, "regex \"%s\" rejected by Hyperscan: %s",
                        b->strings.data + ioc->value_off, ce->message);
        hs_free_compile_error(ce);
        return TRAWL_EINVAL;
    }
    if (he != HS_SUCCESS) {
        trawl_error_set(b->err, TRAWL_EHS, NULL, "Hyperscan compile failed: %s",
                        ce ? ce->message : "unknown error");
        hs_free_compile_error(ce);
        return TRAWL_EHS;
    }
    int r = serialize_section(b, img, DBS_HS_RE, db);
    hs_free_database(db);
    return r;
}

static void builder_free(struct builder *b)
{
    trawl_buf_free(&b->strings);
    trawl_buf_free(&b->iocs);
    trawl_buf_free(&b->srclist);
    trawl_buf_free(&b->srcoffs);
    trawl_buf_free(&b->pats);
    trawl_buf_free(&b->litbytes);
    lit_free(&b->lit);
    lit_free(&b->re);
    free(b->src_slots);
    trawl_buf_free(&b->hashes);
    trawl_buf_free(&b->ipv4);
    trawl_buf_free(&b->ipv6);
    for (int i = 0; i <= 32; i++)
        trawl_buf_free(&b->cidr4[i]);
    for (int i = 0; i <= 128; i++)
        trawl_buf_free(&b->cidr6[i]);
}

static int build_image(struct builder *b, const struct trawl_iocset *set,
                       const struct trawl_compile_opts *opts, struct dbimage *img, double t0)
{
    size_t n = trawl_iocset_count(set);
    if (n > UINT32_MAX / 4)
        return trawl_error_set(b->err, TRAWL_EINVAL, NULL, "too many indicators (%zu)", n);

    size_t src_slots = 64;
    while (src_slots < 4 * n + 64)
        src_slots *= 2;
    b->src_slots = calloc(src_slots, sizeof(uint32_t));
    if (!b->src_slots) return TRAWL_ENOMEM;
    b->src_mask = (uint32_t)(src_slots - 1);

    int r = 0;
    struct trawl_ioc_view v;
    for (size_t i = 0; i < n && !r; i++) {
        if (opts && opts->drop && opts->drop[i]) continue;
        const char *warning = opts && opts->warnings ? opts->warnings[i] : NULL;
        trawl_iocset_get(set, i, &v);
        r = add_ioc(b, &v, warning);
        if (r && b->err && !b->err->where[0])
            snprintf(b->err->where, sizeof(b->err->where), "indicator %s", v.value);
    }
    if (r) return r;

    r = literal_sections(b, img);
    if (!r) r = regex_section(b, img);
    if (!r) r = table_section(img, DBS_TAB_HASH, &b->hashes);
    if (!r) r = table_section(img, DBS_TAB_IPV4, &b->ipv4);
    if (!r) r = table_section(img, DBS_TAB_IPV6, &b->ipv6);
    uint64_t ncidr = 0;
    for (int l = 0; l <= 32 && !r; l++) {
        ncidr += b->cidr4[l].len / sizeof(struct kv);
        r = table_section(img, DBS_CIDR4 + (unsigned)l, &b->cidr4[l]);
    }
    for (int l = 0; l <= 128 && !r; l++) {
        ncidr += b->cidr6[l].len / sizeof(struct kv);
        r = table_section(img, DBS_CIDR6 + (unsigned)l, &b->cidr6[l]);
    }
    if (r) return r;

    struct dbmeta meta = {
        .compiled_at = trawl_now_wall(),
        .expired = opts ? opts->expired : 0,
        .literals = b->lit.n,
        .hashed = (b->hashes.len + b->ipv4.len + b->ipv6.len) / sizeof(struct kv) + b->ntoken,
        .cidrs = ncidr,
        .hs_bytes = b->info.hs_bytes,
        .max_len = b->max_len,
        .flags =
            ((!opts || opts->utf16) ? DBMETA_UTF16 : 0) | (b->text_literals ? DBMETA_TEXT_LIT : 0),
    };
    r = dbimage_add(img, DBS_IOCS, b->iocs.data, b->iocs.len);
    if (!r) r = dbimage_add(img, DBS_STRINGS, b->strings.data, b->strings.len);
    if (!r) r = dbimage_add(img, DBS_SRCLIST, b->srclist.data, b->srclist.len);
    if (!r) r = dbimage_add(img, DBS_SRCOFFS, b->srcoffs.data, b->srcoffs.len);
    if (!r) r = dbimage_add(img, DBS_PATS, b->pats.data, b->pats.len);
    meta.compile_seconds = trawl_now_mono() - t0;
    if (!r) r = dbimage_add(img, DBS_META, &meta, sizeof(meta));
    return r;
}

int trawl_db_compile(const struct trawl_iocset *set, const struct trawl_compile_opts *opts,
                     struct trawl_db **ret, struct trawl_error *err)
{
    double t0 = trawl_now_mono();
    struct builder *b = calloc(1, sizeof(*b));
    struct dbimage *img = calloc(1, sizeof(*img));
    struct trawl_db *db = calloc(1, sizeof(*db));
    if (!b || !img || !db) {
        free(b);
        free(img);
        free(db);
        return trawl_error_set(err, TRAWL_ENOMEM, NULL, "out of memory");
    }
    b->err = err;
    b->text_literals = opts && opts->text_literals;
    int r = build_image(b, set, opts, img, t0);
    builder_free(b);
    free(b);
    void *bytes = NULL;
    size_t len = 0;
    if (!r) r = dbimage_finish(img, &bytes, &len, err);
    dbimage_free(img);
    free(img);
    if (!r) {
        r = dbimage_open(db, bytes, len, "compiled database", err);
        if (r) free(bytes);
    }
    if (r) {
        free(db);
        if (err && !err->code) trawl_error_set(err, r, NULL, "%s", trawl_strerror(r));
        return r;
    }
    *ret = db;
    return 0;
}
