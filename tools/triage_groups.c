/* trawl triage: parses hit lines (docs/hits.md) and folds them into groups, one
 * per indicator and one per source datasheet, then assigns each group its
 * triage level and sorts them. Every lookup goes through a hash table (string
 * interning, group index, host-per-group sets), so the cost is linear in the
 * number of hits. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triage.h"
#include "trawl_ioc.h"

#define ARENA_CHUNK (1u << 20)
#define NO_SOURCE "(no source)"

/* ---- string interning ------------------------------------------------- */

/* Strings carry a one-byte kind (part of the key), kept at strs[id][-1]. */
static int strtab_grow(struct strtab *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *slots = calloc(ns, sizeof(*slots));
    if (!slots) return -1;
    for (uint32_t id = 0; id < t->n; id++) {
        const char *s = t->strs[id];
        size_t j = trawl_hash64(s, t->lens[id], (uint8_t)s[-1]) & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

static char *arena_alloc(struct strtab *t, size_t n)
{
    if (n > t->arena_left) {
        size_t sz = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        char **c = realloc(t->chunks, (t->nchunks + 1) * sizeof(*c));
        if (!c) return NULL;
        t->chunks = c;
        if (!(c[t->nchunks] = malloc(sz))) return NULL;
        t->arena = c[t->nchunks++];
        t->arena_left = sz;
    }
    char *p = t->arena;
    t->arena += n;
    t->arena_left -= n;
    return p;
}

/* Returns the id of (kind, s), adding it if new; UINT32_MAX when out of memory. */
static uint32_t strtab_intern(struct strtab *t, char kind, const char *s, size_t len)
{
    if ((t->n + 1) * 2 > t->nslots && strtab_grow(t)) return UINT32_MAX;
    size_t j = trawl_hash64(s, len, (uint8_t)kind) & (t->nslots - 1);
    for (; t->slots[j]; j = (j + 1) & (t->nslots - 1)) {
        uint32_t id = t->slots[j] - 1;
        if (t->lens[id] == len && t->strs[id][-1] == kind && !memcmp(t->strs[id], s, len))
            return id;
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 1024;
        char **strs = realloc(t->strs, cap * sizeof(*strs));
        if (!strs) return UINT32_MAX;
        t->strs = strs;
        uint32_t *lens = realloc(t->lens, cap * sizeof(*lens));
        if (!lens) return UINT32_MAX;
        t->lens = lens;
        t->cap = cap;
    }
    char *p = arena_alloc(t, len + 2);
    if (!p) return UINT32_MAX;
    p[0] = kind;
    memcpy(p + 1, s, len);
    p[len + 1] = 0;
    t->strs[t->n] = p + 1;
    t->lens[t->n] = (uint32_t)len;
    t->slots[j] = t->n + 1;
    return t->n++;
}

static void strtab_free(struct strtab *t)
{
    for (size_t i = 0; i < t->nchunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    free(t->strs);
    free(t->lens);
    free(t->slots);
}

/* ---- 64-bit key map --------------------------------------------------- */

/* Inserts key (any value but UINT64_MAX). Returns 1 if it was new, 0 if it
 * was there (*val set to its value), -1 when out of memory. */
static int map_put(struct u64map *m, uint64_t key, uint32_t val, uint32_t *old)
{
    key++;
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        uint64_t *keys = calloc(cap, sizeof(*keys));
        uint32_t *vals = malloc(cap * sizeof(*vals));
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            size_t j = trawl_mix64(m->keys[i]) & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            vals[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t j = trawl_mix64(key) & (m->cap - 1);
    for (; m->keys[j]; j = (j + 1) & (m->cap - 1))
        if (m->keys[j] == key) {
            if (old) *old = m->vals[j];
            return 0;
        }
    m->keys[j] = key;
    m->vals[j] = val;
    m->n++;
    return 1;
}

static void map_free(struct u64map *m)
{
    free(m->keys);
    free(m->vals);
}

/* ---- time ------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

/* Fraction ".ddd" to microseconds (extra digits dropped). */
static int64_t fraction(const char **p)
{
    int64_t us = 0, scale = 100000;
    if (**p != '.' && **p != ',') return 0;
    (*p)++;
    for (; **p >= '0' && **p <= '9'; (*p)++, scale /= 10)
        us += (**p - '0') * scale;
    return us;
}

int triage_parse_time(const char *s, int64_t *usec)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0;
    int64_t us = 0;
    size_t nd = strspn(s, "0123456789");
    if (nd && !(nd == 4 && s[4] == '-')) { /* Unix epoch seconds */
        if (nd > 12) return -1;
        int64_t v = 0;
        for (; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (*p - '0');
        us = fraction(&p);
        if (*p) return -1;
        *usec = v * 1000000 + us;
        return 0;
    }
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || h > 23 || mi > 59) return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &se) || se > 60) return -1;
            us = fraction(&p);
        }
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (digits(&p, 2, &oh)) return -1;
        if (*p == ':') p++;
        if (*p && digits(&p, 2, &om)) return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    if (*p) return -1;
    int64_t secs =
        days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
    *usec = secs * 1000000 + us;
    return 0;
}

void triage_format_time(int64_t usec, bool short_form, char *buf, size_t bufsz)
{
    if (usec == TRIAGE_NO_TIME) {
        snprintf(buf, bufsz, "-");
        return;
    }
    int64_t secs = usec / 1000000, us = usec % 1000000;
    if (us < 0) {
        us += 1000000;
        secs--;
    }
    time_t tt = (time_t)secs;
    struct tm tm;
    gmtime_r(&tt, &tm);
    if (short_form)
        snprintf(buf, bufsz, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        snprintf(buf, bufsz, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+0000", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
}

/* ---- setup ------------------------------------------------------------ */

int triage_init(struct triage *t, const struct triage_opts *opt)
{
    memset(t, 0, sizeof(*t));
    t->opt = *opt;
    t->first = TRIAGE_NO_TIME;
    t->last = TRIAGE_NO_TIME;
    return 0;
}

static void group_free(struct group *g)
{
    free(g->srcs);
    free(g->hosts);
    for (unsigned i = 0; i < g->nex; i++)
        free(g->ex[i].context);
    free(g->ex);
}

void triage_free(struct triage *t)
{
    for (size_t i = 0; i < t->nind; i++)
        group_free(&t->ind[i]);
    for (size_t i = 0; i < t->nsrc; i++)
        group_free(&t->src[i]);
    free(t->ind);
    free(t->src);
    strtab_free(&t->strs);
    strtab_free(&t->hosts);
    map_free(&t->ind_by_key);
    map_free(&t->src_by_name);
    map_free(&t->ind_hosts);
    map_free(&t->src_hosts);
    map_free(&t->src_inds);
    map_free(&t->seen_ids);
    map_free(&t->all_hosts);
    free(t->scratch);
    triage_json_free(&t->hj);
}

const char *triage_str(const struct triage *t, uint32_t id)
{
    return t->strs.strs[id];
}

const char *triage_host(const struct triage *t, uint32_t id, bool *is_addr)
{
    const char *s = t->hosts.strs[id];
    if (is_addr) *is_addr = s[-1] == 'a';
    return s;
}

/* ---- one hit ---------------------------------------------------------- */

/* The facts of one hit that the groups need, pulled out of its JSON. */
struct hit {
    const char *value, *file, *context, *hit_id;
    size_t value_len, context_len;
    int type, tlp, sev;
    bool redacted;
    uint64_t count, line;
    int64_t first, last;
    const char *addr[2];
};

static int grow(void **p, uint32_t *cap, size_t elem)
{
    uint32_t c = *cap ? *cap * 2 : 4;
    void *n = realloc(*p, c * elem);
    if (!n) return -1;
    *p = n;
    *cap = c;
    return 0;
}

static int add_u32(uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t v)
{
    if (*n == *cap && grow((void **)arr, cap, sizeof(**arr))) return -1;
    (*arr)[(*n)++] = v;
    return 0;
}

static void widen(struct group *g, const struct hit *h)
{
    g->hits += h->count;
    if (h->tlp > g->tlp) g->tlp = h->tlp;
    if (h->sev > g->severity) g->severity = h->sev;
    g->redacted |= h->redacted;
    if (h->first != TRIAGE_NO_TIME && (g->first == TRIAGE_NO_TIME || h->first < g->first))
        g->first = h->first;
    if (h->last != TRIAGE_NO_TIME && (g->last == TRIAGE_NO_TIME || h->last > g->last))
        g->last = h->last;
}

/* Keeps up to opt.extracts log lines per indicator, preferring lines from
 * files not represented yet: once full, a line from a new file replaces one
 * whose file already has another extract. */
static int keep_extract(struct triage *t, struct group *g, const struct hit *h, uint32_t file)
{
    unsigned n = t->opt.extracts;
    int replace = -1;
    bool file_known = false;
    for (unsigned i = 0; i < g->nex; i++) {
        if (g->ex[i].file == file) {
            if (g->ex[i].line == h->line) return 0;
            file_known = true;
        }
    }
    if (g->nex >= n) {
        if (file_known) return 0;
        for (int i = (int)g->nex - 1; i >= 0 && replace < 0; i--)
            for (int k = 0; k < i; k++)
                if (g->ex[k].file == g->ex[i].file) {
                    replace = i;
                    break;
                }
        if (replace < 0) return 0;
    }
    if (!g->ex && !(g->ex = calloc(n, sizeof(*g->ex)))) return -1;
    char *ctx = malloc(h->context_len + 1);
    if (!ctx) return -1;
    memcpy(ctx, h->context, h->context_len + 1);
    struct extract *e = replace >= 0 ? &g->ex[replace] : &g->ex[g->nex++];
    if (replace >= 0) free(e->context);
    *e = (struct extract){.file = file, .line = h->line, .context = ctx, .ctx_len = h->context_len};
    return 0;
}

/* The hit's own address is the indicator (the attacker's side), not an
 * affected host: 185.220.101.47 as dest_ip of a hit on 185.220.101.47. */
static bool is_indicator_addr(const struct hit *h, const char *addr)
{
    unsigned char a[16], v[16];
    int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(fam, addr, a) != 1) return false;
    if (h->type == TRAWL_T_IPV4 || h->type == TRAWL_T_IPV6)
        return inet_pton(fam, h->value, v) == 1 && !memcmp(a, v, fam == AF_INET ? 4 : 16);
    if (h->type != TRAWL_T_CIDR) return false;
    const char *slash = strchr(h->value, '/');
    char net[64];
    if (!slash || (size_t)(slash - h->value) >= sizeof(net)) return false;
    memcpy(net, h->value, (size_t)(slash - h->value));
    net[slash - h->value] = 0;
    int bits = atoi(slash + 1), max = fam == AF_INET ? 32 : 128;
    if (inet_pton(fam, net, v) != 1 || bits < 0 || bits > max) return false;
    for (int i = 0; i < bits; i++)
        if ((a[i / 8] ^ v[i / 8]) & (0x80 >> (i % 8))) return false;
    return true;
}

/* Adds the hit to group gi (indicator) and its sources. */
static int fold(struct triage *t, const struct hit *h, const uint32_t *srcs, size_t nsrcs)
{
    uint32_t val = strtab_intern(&t->strs, 0, h->value, h->value_len);
    if (val == UINT32_MAX) return -1;
    uint32_t gi = (uint32_t)t->nind;
    int r = map_put(&t->ind_by_key, (uint64_t)h->type << 32 | val, gi, &gi);
    if (r < 0) return -1;
    if (r == 1) {
        if (t->nind == t->cap_ind) {
            size_t cap = t->cap_ind ? t->cap_ind * 2 : 256;
            struct group *n = realloc(t->ind, cap * sizeof(*n));
            if (!n) return -1;
            t->ind = n;
            t->cap_ind = cap;
        }
        t->ind[t->nind++] = (struct group){.name = val,
                                           .type = h->type,
                                           .tlp = -1,
                                           .first = TRIAGE_NO_TIME,
                                           .last = TRIAGE_NO_TIME};
    }
    struct group *g = &t->ind[gi];
    widen(g, h);
    for (size_t k = 0; k < nsrcs; k++) {
        uint32_t i = 0;
        while (i < g->nsrcs && g->srcs[i] != srcs[k])
            i++;
        if (i == g->nsrcs && add_u32(&g->srcs, &g->nsrcs, &g->cap_srcs, srcs[k])) return -1;
    }

    /* hosts: the addresses of a network hit, else the file (dump, log) */
    uint32_t hosts[2];
    size_t nh = 0;
    for (int k = 0; k < 2; k++) {
        if (!h->addr[k] || is_indicator_addr(h, h->addr[k])) continue;
        uint32_t id = strtab_intern(&t->hosts, 'a', h->addr[k], strlen(h->addr[k]));
        if (id == UINT32_MAX) return -1;
        if (!nh || hosts[0] != id) hosts[nh++] = id;
    }
    uint32_t file = UINT32_MAX;
    if (h->file) {
        file = strtab_intern(&t->strs, 0, h->file, strlen(h->file));
        if (file == UINT32_MAX) return -1;
        if (!nh &&
            (hosts[0] = strtab_intern(&t->hosts, 'f', h->file, strlen(h->file))) == UINT32_MAX)
            return -1;
        if (!nh) nh = 1;
    } else if (h->context && t->opt.extracts) { /* a packet: the flow names the extract */
        char flow[128];
        int fl = snprintf(flow, sizeof(flow), "%s -> %s", h->addr[0] ? h->addr[0] : "?",
                          h->addr[1] ? h->addr[1] : "?");
        if (fl < 0 || (size_t)fl >= sizeof(flow)) fl = (int)strlen(flow);
        if ((file = strtab_intern(&t->strs, 0, flow, (size_t)fl)) == UINT32_MAX) return -1;
    }
    for (size_t k = 0; k < nh; k++) {
        if ((r = map_put(&t->ind_hosts, (uint64_t)gi << 32 | hosts[k], 0, NULL)) < 0 ||
            (r == 1 && add_u32(&g->hosts, &g->nhosts, &g->cap_hosts, hosts[k])) ||
            map_put(&t->all_hosts, hosts[k], 0, NULL) < 0)
            return -1;
    }
    if (h->context && file != UINT32_MAX && t->opt.extracts && keep_extract(t, g, h, file))
        return -1;

    for (size_t k = 0; k < nsrcs; k++) {
        uint32_t si = (uint32_t)t->nsrc;
        if ((r = map_put(&t->src_by_name, srcs[k], si, &si)) < 0) return -1;
        if (r == 1) {
            if (t->nsrc == t->cap_src) {
                size_t cap = t->cap_src ? t->cap_src * 2 : 64;
                struct group *n = realloc(t->src, cap * sizeof(*n));
                if (!n) return -1;
                t->src = n;
                t->cap_src = cap;
            }
            t->src[t->nsrc++] = (struct group){.name = srcs[k],
                                               .type = -1,
                                               .tlp = -1,
                                               .first = TRIAGE_NO_TIME,
                                               .last = TRIAGE_NO_TIME};
        }
        struct group *s = &t->src[si];
        widen(s, h);
        if ((r = map_put(&t->src_inds, (uint64_t)si << 32 | gi, 0, NULL)) < 0 ||
            (r == 1 && add_u32(&s->srcs, &s->nsrcs, &s->cap_srcs, gi)))
            return -1;
        for (size_t j = 0; j < nh; j++)
            if ((r = map_put(&t->src_hosts, (uint64_t)si << 32 | hosts[j], 0, NULL)) < 0 ||
                (r == 1 && add_u32(&s->hosts, &s->nhosts, &s->cap_hosts, hosts[j])))
                return -1;
    }
    t->hits += h->count;
    if (h->first != TRIAGE_NO_TIME && (t->first == TRIAGE_NO_TIME || h->first < t->first))
        t->first = h->first;
    if (h->last != TRIAGE_NO_TIME && (t->last == TRIAGE_NO_TIME || h->last > t->last))
        t->last = h->last;
    return 0;
}

static const char *str_of(const struct jval *v)
{
    return v->kind == J_STRING && v->len ? v->s : NULL;
}

/* A time field: ISO 8601 or epoch string, or an epoch number (pcap_ts).
 * Returns 1 when set, 0 when absent or null, -1 when unparsable. */
static int time_field(const struct jval *v, const char *key, int64_t *out, char *why, size_t whysz)
{
    if (v->kind == J_ABSENT || v->kind == J_NULL) return 0;
    if (v->kind == J_NUMBER && v->num >= 0 && v->num < 1e12) {
        *out = (int64_t)(v->num * 1e6 + 0.5);
        return 1;
    }
    if (v->kind == J_STRING && !triage_parse_time(v->s, out)) return 1;
    snprintf(why, whysz, "bad \"%s\"", key);
    return -1;
}

static int bad(char *why, size_t whysz, const char *msg)
{
    snprintf(why, whysz, "%s", msg);
    return -1;
}

/* Validates the hit and pulls its facts out; returns 0 or -1 with why. */
static int parse_hit(const struct hit_json *j, struct hit *h, char *why, size_t whysz)
{
    if (j->ioc.kind != J_OBJECT) return bad(why, whysz, "no \"ioc\" object");
    if (!(h->value = str_of(&j->value))) return bad(why, whysz, "no \"ioc.value\"");
    h->value_len = j->value.len;
    const char *s = str_of(&j->type);
    enum trawl_ioc_type type;
    if (!s || trawl_ioc_type_parse(s, &type))
        return bad(why, whysz, "missing or unknown \"ioc.type\"");
    h->type = (int)type;
    enum trawl_tlp tlp;
    if (!(s = str_of(&j->tlp)) || trawl_tlp_parse(s, &tlp))
        return bad(why, whysz, "missing or unknown \"ioc.tlp\"");
    h->tlp = (int)tlp;
    enum trawl_severity sev;
    if (!(s = str_of(&j->severity)) || trawl_severity_parse(s, &sev))
        return bad(why, whysz, "missing or unknown \"ioc.severity\"");
    h->sev = (int)sev;
    h->redacted = j->redacted.kind == J_TRUE;
    if (j->sources.kind != J_ABSENT && j->sources.kind != J_ARRAY)
        return bad(why, whysz, "\"ioc.sources\" is not an array");

    h->file = str_of(&j->file);
    if ((h->context = j->context.kind == J_STRING ? j->context.s : NULL))
        h->context_len = j->context.len;
    h->hit_id = str_of(&j->hit_id);
    h->addr[0] = str_of(&j->src_ip);
    h->addr[1] = str_of(&j->dest_ip);
    if (!h->file && !h->addr[0] && !h->addr[1])
        return bad(why, whysz, "no \"file\", \"src_ip\" or \"dest_ip\"");
    h->line = j->line.kind == J_NUMBER && j->line.integer && j->line.ival > 0
                  ? (uint64_t)j->line.ival
                  : 0;
    h->count = 1;
    if (j->count.kind != J_ABSENT) {
        if (j->count.kind != J_NUMBER || !j->count.integer || j->count.ival < 1)
            return bad(why, whysz, "bad \"count\"");
        h->count = (uint64_t)j->count.ival;
    }

    /* when: the packet time, else an aggregate's window, else the hit time */
    int64_t a = TRIAGE_NO_TIME, b = TRIAGE_NO_TIME;
    int r = time_field(&j->pcap_ts, "pcap_ts", &a, why, whysz);
    if (r < 0) return -1;
    if (r) {
        b = a;
    } else {
        int r1 = time_field(&j->first_seen, "first_seen", &a, why, whysz);
        int r2 = r1 < 0 ? -1 : time_field(&j->last_seen, "last_seen", &b, why, whysz);
        if (r1 < 0 || r2 < 0) return -1;
        if (!r1 || !r2) {
            if ((r = time_field(&j->timestamp, "timestamp", &a, why, whysz)) < 0) return -1;
            if (!r) a = TRIAGE_NO_TIME;
            b = a;
        }
    }
    if (a != TRIAGE_NO_TIME && b != TRIAGE_NO_TIME && b < a) {
        int64_t x = a;
        a = b;
        b = x;
    }
    h->first = a;
    h->last = b;
    return 0;
}

int triage_add_line(struct triage *t, const char *line, size_t len, char *why, size_t whysz)
{
    const char *err;
    struct hit_json *j = &t->hj;
    if (triage_json_read(j, line, len, &err)) {
        snprintf(why, whysz, "%s", err);
        return -1;
    }
    const char *ev = str_of(&j->event_type);
    if (ev && strcmp(ev, "ioc")) { /* other EVE records mixed in: not hits */
        t->other_events++;
        return 0;
    }
    struct hit h = {0};
    if (parse_hit(j, &h, why, whysz)) return -1;
    if (h.hit_id) { /* the same hit read twice (two sinks, two runs) counts once */
        int r =
            map_put(&t->seen_ids, trawl_hash64(h.hit_id, strlen(h.hit_id), 0x7472) >> 1, 0, NULL);
        if (r == 0) {
            t->duplicates++;
            return 0;
        }
        if (r < 0) goto oom;
    }
    if (t->opt.max_tlp >= 0 && h.tlp > t->opt.max_tlp) {
        t->withheld += h.count;
        return 0;
    }

    /* distinct sources of this hit, interned */
    size_t n = j->nsources, ns = 0;
    if (n + 1 > t->cap_scratch) {
        uint32_t *p = realloc(t->scratch, (n + 1) * sizeof(*p));
        if (!p) goto oom;
        t->scratch = p;
        t->cap_scratch = n + 1;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = strtab_intern(&t->strs, 0, j->srcv[i].s, j->srcv[i].len);
        if (id == UINT32_MAX) goto oom;
        size_t k = 0;
        while (k < ns && t->scratch[k] != id)
            k++;
        if (k == ns) t->scratch[ns++] = id;
    }
    if (!ns) {
        uint32_t id = strtab_intern(&t->strs, 0, NO_SOURCE, strlen(NO_SOURCE));
        if (id == UINT32_MAX) goto oom;
        t->scratch[ns++] = id;
    }
    if (fold(t, &h, t->scratch, ns)) goto oom;
    return 0;
oom:
    t->oom = true;
    return 0;
}

/* ---- levels and order ------------------------------------------------- */

static int level_of(const struct triage *t, const struct group *g)
{
    if (g->severity >= TRAWL_SEV_CRITICAL || g->nhosts >= t->opt.crisis_hosts) return 3;
    if (g->severity >= TRAWL_SEV_HIGH || g->nhosts >= t->opt.investigate_hosts ||
        (t->opt.investigate_hits && g->hits >= t->opt.investigate_hits))
        return 2;
    return 1;
}

static int cmp_group(const void *pa, const void *pb, void *ud)
{
    const struct group *a = pa, *b = pb;
    const struct triage *t = ud;
#define DESC(f)                                                                                    \
    if (a->f != b->f) return a->f > b->f ? -1 : 1;
    DESC(level)
    DESC(severity)
    DESC(nhosts)
    DESC(hits)
    DESC(tlp)
#undef DESC
    if (a->type != b->type) return a->type < b->type ? -1 : 1;
    return strcmp(triage_str(t, a->name), triage_str(t, b->name));
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

void triage_finish(struct triage *t)
{
    for (size_t i = 0; i < t->nind; i++) {
        t->ind[i].level = level_of(t, &t->ind[i]);
        t->ind[i].index = (uint32_t)i; /* old index, for the remap below */
    }
    for (size_t i = 0; i < t->nsrc; i++)
        t->src[i].level = level_of(t, &t->src[i]);
    if (t->nind) qsort_r(t->ind, t->nind, sizeof(*t->ind), cmp_group, t);
    if (t->nsrc) qsort_r(t->src, t->nsrc, sizeof(*t->src), cmp_group, t);
    /* sources list their indicators by index: follow the sort */
    uint32_t *pos = malloc((t->nind ? t->nind : 1) * sizeof(*pos));
    if (!pos) {
        t->oom = true;
        return;
    }
    for (size_t i = 0; i < t->nind; i++)
        pos[t->ind[i].index] = (uint32_t)i;
    for (size_t i = 0; i < t->nsrc; i++) {
        struct group *s = &t->src[i];
        for (uint32_t k = 0; k < s->nsrcs; k++)
            s->srcs[k] = pos[s->srcs[k]];
        qsort(s->srcs, s->nsrcs, sizeof(*s->srcs), cmp_u32);
    }
    free(pos);
}
