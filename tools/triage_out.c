/* trawl triage: the outputs. An aligned table for the terminal, one JSON
 * document for machines, and a Markdown incident summary with what CERT
 * reporting forms ask for (IPs, FQDNs, first/last seen, log extracts),
 * labelled with the strictest TLP of what it contains. Text from the evidence
 * (file names, log lines) is escaped so it cannot drive a terminal or break
 * the Markdown around it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "triage.h"
#include "trawl_ioc.h"

#define REPORT_HOSTS 20  /* hosts listed under one indicator */
#define REPORT_ROWS 200  /* rows of the report's global tables */
#define REPORT_INPUTS 20 /* inputs named in the header */

const char *triage_level_name(int level)
{
    switch (level) {
    case 3:
        return "crisis";
    case 2:
        return "investigate";
    default:
        return "confirm";
    }
}

static const char *level_action(int level)
{
    switch (level) {
    case 3:
        return "crisis: critical severity or a wide extent, activate the crisis cell";
    case 2:
        return "investigate: several hosts or high severity, needs an investigation";
    default:
        return "confirm: lone low/medium hits, likely false positives to confirm or close";
    }
}

/* TLP 2.0 definitions (FIRST), as its label should be read. */
static const char *tlp_meaning(int tlp)
{
    switch (tlp) {
    case TRAWL_TLP_RED:
        return "For the eyes and ears of individual recipients only, no further disclosure.";
    case TRAWL_TLP_AMBER_STRICT:
        return "Limited disclosure, recipients can only spread this on a need-to-know basis "
               "within their organization.";
    case TRAWL_TLP_AMBER:
        return "Limited disclosure, recipients can only spread this on a need-to-know basis "
               "within their organization and its clients.";
    case TRAWL_TLP_GREEN:
        return "Limited disclosure, recipients can spread this within their community.";
    default:
        return "Recipients can spread this to the world, there is no limit on disclosure.";
    }
}

static const char *tlp_label(int tlp)
{
    static const char *const up[] = {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"};
    return tlp >= 0 && tlp < TRAWL_TLP_COUNT ? up[tlp] : "CLEAR";
}

static bool shown(const struct triage *t, const struct group *g)
{
    return (unsigned long)g->level >= t->opt.min_level;
}

/* ---- network observables of an indicator ------------------------------ */

/* Host part of a URL: "https://user@[::1]:8443/x" -> "::1". */
static bool url_host(const char *url, char *out, size_t outsz)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (*p == '[') {
        const char *e = memchr(p, ']', n);
        if (!e) return false;
        n = (size_t)(e - p - 1);
        p++;
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon) n = (size_t)(colon - p);
    }
    if (!n || n >= outsz) return false;
    memcpy(out, p, n);
    out[n] = 0;
    return true;
}

static bool is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* The IP (or CIDR) or FQDN an indicator names, if any: kind 'i' or 'd'. */
static char observable(const struct triage *t, const struct group *g, char *buf, size_t bufsz)
{
    const char *v = triage_str(t, g->name);
    if (g->redacted) return 0;
    switch (g->type) {
    case TRAWL_T_IPV4:
    case TRAWL_T_IPV6:
    case TRAWL_T_CIDR:
        snprintf(buf, bufsz, "%s", v);
        return 'i';
    case TRAWL_T_DOMAIN:
        snprintf(buf, bufsz, "%s", v);
        return 'd';
    case TRAWL_T_URL:
        if (!url_host(v, buf, bufsz)) return 0;
        return is_ip(buf) ? 'i' : 'd';
    default:
        return 0;
    }
}

/* ---- text escaping ---------------------------------------------------- */

/* Appends s with control bytes as \xNN (no terminal escapes from evidence). */
static void put_cleann(struct trawl_buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            trawl_buf_printf(b, "\\x%02x", c);
        else
            trawl_buf_putc(b, (char)c);
    }
}

static void put_clean(struct trawl_buf *b, const char *s)
{
    put_cleann(b, s, strlen(s));
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xc0) != 0x80;
    return w;
}

static size_t backtick_run(const char *s)
{
    size_t best = 0, run = 0;
    for (; *s; s++) {
        run = *s == '`' ? run + 1 : 0;
        if (run > best) best = run;
    }
    return best;
}

/* Markdown code span; in a table cell, '|' is escaped too (GFM). */
static void md_code(FILE *f, const char *s, bool cell)
{
    struct trawl_buf b = {0};
    put_clean(&b, s);
    trawl_buf_putc(&b, 0);
    size_t fence = backtick_run(b.data) + 1;
    bool pad = b.data[0] == '`' || b.data[0] == ' ' || (b.len > 1 && b.data[b.len - 2] == '`');
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
    if (pad) fputc(' ', f);
    for (const char *p = b.data; *p; p++) {
        if (cell && *p == '|') fputc('\\', f);
        fputc(*p, f);
    }
    if (pad) fputc(' ', f);
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
    trawl_buf_free(&b);
}

/* Markdown text with its special characters escaped. */
static void md_text(FILE *f, const char *s)
{
    struct trawl_buf b = {0};
    put_clean(&b, s);
    trawl_buf_putc(&b, 0);
    for (const char *p = b.data; *p; p++) {
        if (strchr("\\`*_[]<>|#!~", *p)) fputc('\\', f);
        fputc(*p, f);
    }
    trawl_buf_free(&b);
}

static void md_block(FILE *f, const char *s, size_t len)
{
    struct trawl_buf b = {0};
    put_cleann(&b, s, len);
    trawl_buf_putc(&b, 0);
    size_t fence = backtick_run(b.data) + 1;
    if (fence < 3) fence = 3;
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
    fputs("text\n", f);
    fputs(b.data, f);
    fputc('\n', f);
    for (size_t i = 0; i < fence; i++)
        fputc('`', f);
    fputc('\n', f);
    trawl_buf_free(&b);
}

/* ---- terminal table --------------------------------------------------- */

enum col {
    C_LEVEL,
    C_SEV,
    C_TLP,
    C_HITS,
    C_HOSTS,
    C_INDS,
    C_FIRST,
    C_LAST,
    C_TYPE,
    C_NAME,
    C_SRCS,
    C_SOURCE
};

static const char *const col_head[] = {
    [C_LEVEL] = "LEVEL", [C_SEV] = "SEVERITY",    [C_TLP] = "TLP",          [C_HITS] = "HITS",
    [C_HOSTS] = "HOSTS", [C_INDS] = "INDICATORS", [C_FIRST] = "FIRST SEEN", [C_LAST] = "LAST SEEN",
    [C_TYPE] = "TYPE",   [C_NAME] = "INDICATOR",  [C_SRCS] = "SOURCES",     [C_SOURCE] = "SOURCE",
};

static void cell(const struct triage *t, const struct group *g, enum col c, struct trawl_buf *b)
{
    char tb[40];
    b->len = 0;
    switch (c) {
    case C_LEVEL:
        trawl_buf_printf(b, "%d %s", g->level, triage_level_name(g->level));
        break;
    case C_SEV:
        trawl_buf_printf(b, "%s", trawl_severity_name(g->severity));
        break;
    case C_TLP:
        trawl_buf_printf(b, "%s", trawl_tlp_name(g->tlp));
        break;
    case C_HITS:
        trawl_buf_printf(b, "%llu", (unsigned long long)g->hits);
        break;
    case C_HOSTS:
        trawl_buf_printf(b, "%u", g->nhosts);
        break;
    case C_INDS:
        trawl_buf_printf(b, "%u", g->nsrcs);
        break;
    case C_FIRST:
    case C_LAST:
        triage_format_time(c == C_FIRST ? g->first : g->last, true, tb, sizeof(tb));
        trawl_buf_printf(b, "%s", tb);
        break;
    case C_TYPE:
        trawl_buf_printf(b, "%s", trawl_ioc_type_name(g->type));
        break;
    case C_NAME:
    case C_SOURCE:
        put_clean(b, triage_str(t, g->name));
        if (g->redacted && g->type >= 0) trawl_buf_printf(b, " (redacted)");
        break;
    case C_SRCS:
        for (uint32_t i = 0; i < g->nsrcs; i++) {
            if (i) trawl_buf_put(b, ", ", 2);
            put_clean(b, triage_str(t, g->srcs[i]));
        }
        break;
    }
}

static void table(const struct triage *t, FILE *f, const char *title, const struct group *gs,
                  size_t n, const enum col *cols, size_t ncols)
{
    size_t w[16] = {0}, rows = 0;
    struct trawl_buf b = {0};
    for (size_t k = 0; k < ncols; k++)
        w[k] = strlen(col_head[cols[k]]);
    for (size_t i = 0; i < n; i++) {
        if (!shown(t, &gs[i])) continue;
        rows++;
        for (size_t k = 0; k + 1 < ncols; k++) {
            cell(t, &gs[i], cols[k], &b);
            size_t cw = width(b.data, b.len);
            if (cw > w[k]) w[k] = cw;
        }
    }
    fprintf(f, "%s (%zu)\n", title, rows);
    if (!rows) {
        fputs("  none\n", f);
        trawl_buf_free(&b);
        return;
    }
    for (size_t k = 0; k < ncols; k++)
        fprintf(f, "%-*s%s", k + 1 < ncols ? (int)w[k] : 0, col_head[cols[k]],
                k + 1 < ncols ? "  " : "\n");
    for (size_t i = 0; i < n; i++) {
        if (!shown(t, &gs[i])) continue;
        for (size_t k = 0; k < ncols; k++) {
            cell(t, &gs[i], cols[k], &b);
            fwrite(b.data, 1, b.len, f);
            if (k + 1 == ncols) {
                fputc('\n', f);
                break;
            }
            for (size_t p = width(b.data, b.len); p < w[k] + 2; p++)
                fputc(' ', f);
        }
    }
    trawl_buf_free(&b);
}

void triage_print_table(const struct triage *t, FILE *f)
{
    static const enum col ind_cols[] = {C_LEVEL, C_SEV,  C_TLP,  C_HITS, C_HOSTS,
                                        C_FIRST, C_LAST, C_TYPE, C_NAME, C_SRCS};
    static const enum col src_cols[] = {C_LEVEL, C_SEV,   C_TLP,  C_HITS,  C_HOSTS,
                                        C_INDS,  C_FIRST, C_LAST, C_SOURCE};
    table(t, f, "BY INDICATOR", t->ind, t->nind, ind_cols, sizeof(ind_cols) / sizeof(*ind_cols));
    fputc('\n', f);
    table(t, f, "BY SOURCE", t->src, t->nsrc, src_cols, sizeof(src_cols) / sizeof(*src_cols));
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *jtime(int64_t us)
{
    char b[40];
    if (us == TRIAGE_NO_TIME) return json_null();
    triage_format_time(us, false, b, sizeof(b));
    return json_string(b);
}

/* jansson refuses invalid UTF-8; evidence may hold it (file names). */
static json_t *jstrn(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (j) return j;
    struct trawl_buf b = {0};
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            trawl_buf_printf(&b, "\\x%02x", c);
        else
            trawl_buf_putc(&b, (char)c);
    }
    j = json_stringn(b.data ? b.data : "", b.len);
    trawl_buf_free(&b);
    return j;
}

static json_t *jstr(const char *s)
{
    return jstrn(s, strlen(s));
}

static void common_fields(json_t *o, const struct group *g)
{
    json_object_set_new(o, "level", json_integer(g->level));
    json_object_set_new(o, "level_name", json_string(triage_level_name(g->level)));
    json_object_set_new(o, "severity", json_string(trawl_severity_name(g->severity)));
    json_object_set_new(o, "tlp", json_string(trawl_tlp_name(g->tlp)));
    json_object_set_new(o, "hits", json_integer((json_int_t)g->hits));
    json_object_set_new(o, "hosts", json_integer(g->nhosts));
}

static json_t *group_json(const struct triage *t, const struct group *g)
{
    json_t *o = json_object();
    common_fields(o, g);
    json_object_set_new(o, "first_seen", jtime(g->first));
    json_object_set_new(o, "last_seen", jtime(g->last));
    json_object_set_new(o, "type", json_string(trawl_ioc_type_name(g->type)));
    json_object_set_new(o, "indicator", jstr(triage_str(t, g->name)));
    if (g->redacted) json_object_set_new(o, "redacted", json_true());
    json_t *a = json_array();
    for (uint32_t i = 0; i < g->nsrcs; i++)
        json_array_append_new(a, jstr(triage_str(t, g->srcs[i])));
    json_object_set_new(o, "sources", a);
    json_t *addrs = json_array(), *files = json_array();
    for (uint32_t i = 0; i < g->nhosts; i++) {
        bool is_addr;
        const char *h = triage_host(t, g->hosts[i], &is_addr);
        json_array_append_new(is_addr ? addrs : files, jstr(h));
    }
    json_object_set_new(o, "addresses", addrs);
    json_object_set_new(o, "files", files);
    char obs[512];
    char kind = observable(t, g, obs, sizeof(obs));
    json_t *ips = json_array(), *fqdns = json_array();
    if (kind) json_array_append_new(kind == 'i' ? ips : fqdns, jstr(obs));
    json_object_set_new(o, "ips", ips);
    json_object_set_new(o, "fqdns", fqdns);
    json_t *ex = json_array();
    for (unsigned i = 0; i < g->nex; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "file", jstr(triage_str(t, g->ex[i].file)));
        if (g->ex[i].line) json_object_set_new(e, "line", json_integer((json_int_t)g->ex[i].line));
        json_object_set_new(e, "context", jstrn(g->ex[i].context, g->ex[i].ctx_len));
        json_array_append_new(ex, e);
    }
    json_object_set_new(o, "extracts", ex);
    return o;
}

static json_t *source_json(const struct triage *t, const struct group *g)
{
    json_t *o = json_object();
    common_fields(o, g);
    json_object_set_new(o, "indicators", json_integer(g->nsrcs));
    json_object_set_new(o, "first_seen", jtime(g->first));
    json_object_set_new(o, "last_seen", jtime(g->last));
    json_object_set_new(o, "source", jstr(triage_str(t, g->name)));
    return o;
}

/* Totals over everything read (not only the groups shown). */
struct totals {
    int max_level, tlp; /* tlp: strictest among the groups shown; -1 none */
    size_t levels[4], shown;
};

static void totals_of(const struct triage *t, struct totals *tt)
{
    memset(tt, 0, sizeof(*tt));
    tt->tlp = -1;
    for (size_t i = 0; i < t->nind; i++) {
        const struct group *g = &t->ind[i];
        tt->levels[g->level]++;
        if (g->level > tt->max_level) tt->max_level = g->level;
        if (shown(t, g)) {
            tt->shown++;
            if (g->tlp > tt->tlp) tt->tlp = g->tlp;
        }
    }
}

static void dump(json_t *j, FILE *f)
{
    json_dumpf(j, f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
}

void triage_print_json(const struct triage *t, FILE *f)
{
    struct totals tt;
    totals_of(t, &tt);
    json_t *th = json_object();
    json_object_set_new(th, "investigate_hosts",
                        json_integer((json_int_t)t->opt.investigate_hosts));
    json_object_set_new(th, "crisis_hosts", json_integer((json_int_t)t->opt.crisis_hosts));
    json_object_set_new(th, "investigate_hits", json_integer((json_int_t)t->opt.investigate_hits));
    json_object_set_new(th, "min_level", json_integer((json_int_t)t->opt.min_level));
    json_object_set_new(th, "max_tlp",
                        t->opt.max_tlp >= 0 ? json_string(trawl_tlp_name(t->opt.max_tlp))
                                            : json_null());
    json_t *to = json_object();
    json_object_set_new(to, "hits", json_integer((json_int_t)t->hits));
    json_object_set_new(to, "indicators", json_integer((json_int_t)t->nind));
    json_object_set_new(to, "sources", json_integer((json_int_t)t->nsrc));
    json_object_set_new(to, "hosts", json_integer((json_int_t)t->all_hosts.n));
    json_object_set_new(to, "first_seen", jtime(t->first));
    json_object_set_new(to, "last_seen", jtime(t->last));
    json_object_set_new(to, "max_level", json_integer(tt.max_level));
    json_t *lv = json_object();
    for (int l = 3; l >= 1; l--) {
        char k[2] = {(char)('0' + l), 0};
        json_object_set_new(lv, k, json_integer((json_int_t)tt.levels[l]));
    }
    json_object_set_new(to, "levels", lv);
    json_object_set_new(to, "shown", json_integer((json_int_t)tt.shown));
    json_object_set_new(to, "tlp", tt.tlp >= 0 ? json_string(trawl_tlp_name(tt.tlp)) : json_null());
    json_object_set_new(to, "lines", json_integer((json_int_t)t->lines));
    json_object_set_new(to, "malformed", json_integer((json_int_t)t->bad));
    json_object_set_new(to, "duplicates", json_integer((json_int_t)t->duplicates));
    json_object_set_new(to, "withheld", json_integer((json_int_t)t->withheld));
    json_object_set_new(to, "other_events", json_integer((json_int_t)t->other_events));

    /* streamed group by group: a million groups never become one tree */
    fputs("{\"version\":1,\"thresholds\":", f);
    dump(th, f);
    fputs(",\"totals\":", f);
    dump(to, f);
    fputs(",\"groups\":[", f);
    bool first = true;
    for (size_t i = 0; i < t->nind; i++) {
        if (!shown(t, &t->ind[i])) continue;
        if (!first) fputc(',', f);
        first = false;
        dump(group_json(t, &t->ind[i]), f);
    }
    fputs("],\"sources\":[", f);
    first = true;
    for (size_t i = 0; i < t->nsrc; i++) {
        if (!shown(t, &t->src[i])) continue;
        if (!first) fputc(',', f);
        first = false;
        dump(source_json(t, &t->src[i]), f);
    }
    fputs("]}\n", f);
}

/* ---- Markdown report -------------------------------------------------- */

struct obs_row {
    char *value;
    char kind; /* 'i' IP/CIDR, 'd' FQDN */
    int roles; /* 1 indicator, 2 address seen in the traffic */
    int level, tlp;
};

static int cmp_obs_value(const void *a, const void *b)
{
    const struct obs_row *x = a, *y = b;
    int c = strcmp(x->value, y->value);
    return c ? c : x->kind - y->kind;
}

static int cmp_obs_rank(const void *a, const void *b)
{
    const struct obs_row *x = a, *y = b;
    if (x->level != y->level) return y->level - x->level;
    if (x->roles != y->roles) return (x->roles & 1) ? -1 : (y->roles & 1) ? 1 : 0;
    return strcmp(x->value, y->value);
}

static int add_obs(struct obs_row **rows, size_t *n, size_t *cap, const char *v, char kind,
                   int role, const struct group *g)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        struct obs_row *r = realloc(*rows, c * sizeof(*r));
        if (!r) return -1;
        *rows = r;
        *cap = c;
    }
    char *s = strdup(v);
    if (!s) return -1;
    (*rows)[(*n)++] = (struct obs_row){s, kind, role, g->level, g->tlp};
    return 0;
}

/* Every IP and FQDN of the groups shown: the indicators' own, and the
 * addresses seen in the traffic; one row per value, roles merged. */
static void report_observables(const struct triage *t, FILE *f)
{
    struct obs_row *rows = NULL;
    size_t n = 0, cap = 0;
    char buf[512];
    int err = 0;
    for (size_t i = 0; i < t->nind && !err; i++) {
        const struct group *g = &t->ind[i];
        if (!shown(t, g)) continue;
        char kind = observable(t, g, buf, sizeof(buf));
        if (kind) err |= add_obs(&rows, &n, &cap, buf, kind, 1, g);
        for (uint32_t k = 0; k < g->nhosts && !err; k++) {
            bool is_addr;
            const char *h = triage_host(t, g->hosts[k], &is_addr);
            if (is_addr) err |= add_obs(&rows, &n, &cap, h, is_ip(h) ? 'i' : 'd', 2, g);
        }
    }
    if (n) qsort(rows, n, sizeof(*rows), cmp_obs_value);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && !strcmp(rows[m - 1].value, rows[i].value) && rows[m - 1].kind == rows[i].kind) {
            struct obs_row *r = &rows[m - 1];
            r->roles |= rows[i].roles;
            if (rows[i].level > r->level) r->level = rows[i].level;
            if (rows[i].tlp > r->tlp) r->tlp = rows[i].tlp;
            free(rows[i].value);
            continue;
        }
        rows[m++] = rows[i];
    }
    if (m) qsort(rows, m, sizeof(*rows), cmp_obs_rank);
    fputs("## IP addresses and FQDNs\n\n", f);
    if (!m) {
        fputs("None among the indicators shown.\n\n", f);
    } else {
        fputs("| Value | Kind | Role | Level | TLP |\n|---|---|---|---|---|\n", f);
        for (size_t i = 0; i < m && i < REPORT_ROWS; i++) {
            fputs("| ", f);
            md_code(f, rows[i].value, true);
            fprintf(f, " | %s | %s | %d | TLP:%s |\n",
                    rows[i].kind == 'd'          ? "FQDN"
                    : strchr(rows[i].value, '/') ? "CIDR"
                                                 : "IP",
                    rows[i].roles == 3   ? "indicator, seen in traffic"
                    : rows[i].roles == 1 ? "indicator"
                                         : "address seen in traffic",
                    rows[i].level, tlp_label(rows[i].tlp));
        }
        if (m > REPORT_ROWS)
            fprintf(f, "\n... and %zu more (see `trawl triage --json`).\n", m - REPORT_ROWS);
        fputc('\n', f);
    }
    for (size_t i = 0; i < m; i++)
        free(rows[i].value);
    free(rows);
}

struct host_row {
    uint32_t id, indicators;
    int level, tlp;
};

static const struct triage *sort_ctx;

static int cmp_host_row(const void *a, const void *b)
{
    const struct host_row *x = a, *y = b;
    if (x->level != y->level) return y->level - x->level;
    if (x->indicators != y->indicators) return x->indicators > y->indicators ? -1 : 1;
    return strcmp(triage_host(sort_ctx, x->id, NULL), triage_host(sort_ctx, y->id, NULL));
}

static void report_hosts(const struct triage *t, FILE *f)
{
    size_t nh = t->hosts.n, m = 0;
    struct host_row *rows = calloc(nh ? nh : 1, sizeof(*rows));
    if (!rows) return;
    for (size_t i = 0; i < t->nind; i++) {
        const struct group *g = &t->ind[i];
        if (!shown(t, g)) continue;
        for (uint32_t k = 0; k < g->nhosts; k++) {
            struct host_row *r = &rows[g->hosts[k]];
            r->id = g->hosts[k];
            r->indicators++;
            if (g->level > r->level) r->level = g->level;
            if (g->tlp > r->tlp) r->tlp = g->tlp;
        }
    }
    for (size_t i = 0; i < nh; i++)
        if (rows[i].indicators) rows[m++] = rows[i];
    sort_ctx = t;
    qsort(rows, m, sizeof(*rows), cmp_host_row);
    fputs("## Affected hosts and files\n\n", f);
    if (!m) {
        fputs("None.\n\n", f);
    } else {
        fputs("| Host or file | Kind | Indicators | Highest level | TLP |\n"
              "|---|---|---|---|---|\n",
              f);
        for (size_t i = 0; i < m && i < REPORT_ROWS; i++) {
            bool is_addr;
            const char *h = triage_host(t, rows[i].id, &is_addr);
            fputs("| ", f);
            md_code(f, h, true);
            fprintf(f, " | %s | %u | %d | TLP:%s |\n", is_addr ? "address" : "file",
                    rows[i].indicators, rows[i].level, tlp_label(rows[i].tlp));
        }
        if (m > REPORT_ROWS)
            fprintf(f, "\n... and %zu more (see `trawl triage --json`).\n", m - REPORT_ROWS);
        fputc('\n', f);
    }
    free(rows);
}

static int cmp_extract(const void *a, const void *b)
{
    const struct extract *x = a, *y = b;
    int c = strcmp(triage_str(sort_ctx, x->file), triage_str(sort_ctx, y->file));
    if (c) return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static void report_group(const struct triage *t, FILE *f, size_t num, const struct group *g)
{
    char a[40], b[40], obs[512];
    fprintf(f, "### %zu. Level %d (%s): %s ", num, g->level, triage_level_name(g->level),
            trawl_ioc_type_name(g->type));
    md_code(f, triage_str(t, g->name), false);
    fprintf(f, "%s\n\n", g->redacted ? " (redacted)" : "");
    fprintf(f, "- **TLP:%s**, severity %s\n", tlp_label(g->tlp), trawl_severity_name(g->severity));
    fputs("- Sources: ", f);
    for (uint32_t i = 0; i < g->nsrcs; i++) {
        if (i) fputs(", ", f);
        md_text(f, triage_str(t, g->srcs[i]));
    }
    triage_format_time(g->first, false, a, sizeof(a));
    triage_format_time(g->last, false, b, sizeof(b));
    fprintf(f, "\n- Hits: %llu on %u host(s)/file(s)\n- First seen: %s\n- Last seen: %s\n",
            (unsigned long long)g->hits, g->nhosts, a, b);
    char kind = observable(t, g, obs, sizeof(obs));
    if (kind) {
        fprintf(f, "- %s named by the indicator: ", kind == 'i' ? "IP" : "FQDN");
        md_code(f, obs, false);
        fputc('\n', f);
    }
    for (int pass = 0; pass < 2; pass++) { /* addresses, then files */
        uint32_t listed = 0, total = 0;
        for (uint32_t k = 0; k < g->nhosts; k++) {
            bool is_addr;
            const char *h = triage_host(t, g->hosts[k], &is_addr);
            if (is_addr != (pass == 0)) continue;
            if (!total++) fputs(pass ? "- Files: " : "- Addresses seen in traffic: ", f);
            if (listed < REPORT_HOSTS) {
                if (listed++) fputs(", ", f);
                md_code(f, h, false);
            }
        }
        if (total > listed) fprintf(f, " and %u more", total - listed);
        if (total) fputc('\n', f);
    }
    if (g->nex) {
        struct extract ex[TRIAGE_MAX_EXTRACTS];
        memcpy(ex, g->ex, g->nex * sizeof(*ex));
        sort_ctx = t;
        qsort(ex, g->nex, sizeof(*ex), cmp_extract);
        fputs("- Log extracts:\n\n", f);
        for (unsigned i = 0; i < g->nex; i++) {
            md_code(f, triage_str(t, ex[i].file), false);
            if (ex[i].line) fprintf(f, " line %llu", (unsigned long long)ex[i].line);
            fputs(":\n\n", f);
            md_block(f, ex[i].context, ex[i].ctx_len);
            fputc('\n', f);
        }
    } else {
        fputc('\n', f);
    }
}

static void report_sources(const struct triage *t, FILE *f)
{
    char a[40], b[40];
    fputs("## By source datasheet\n\n", f);
    fputs("| Source | Level | Severity | TLP | Indicators | Hits | Hosts/files | First seen | "
          "Last seen |\n|---|---|---|---|---|---|---|---|---|\n",
          f);
    size_t rows = 0;
    for (size_t i = 0; i < t->nsrc; i++) {
        const struct group *g = &t->src[i];
        if (!shown(t, g)) continue;
        rows++;
        triage_format_time(g->first, true, a, sizeof(a));
        triage_format_time(g->last, true, b, sizeof(b));
        fputs("| ", f);
        md_text(f, triage_str(t, g->name));
        fprintf(f, " | %d | %s | TLP:%s | %u | %llu | %u | %s | %s |\n", g->level,
                trawl_severity_name(g->severity), tlp_label(g->tlp), g->nsrcs,
                (unsigned long long)g->hits, g->nhosts, a, b);
    }
    if (!rows) fputs("| none | | | | | | | | |\n", f);
    fputc('\n', f);
}

static void banner(FILE *f, int tlp)
{
    fprintf(f, "**TLP:%s** %s\n", tlp_label(tlp), tlp_meaning(tlp));
}

int triage_write_report(const struct triage *t, const char *path, const char *const *inputs,
                        size_t ninputs)
{
    struct totals tt;
    totals_of(t, &tt);
    int tlp = tt.tlp < 0 ? TRAWL_TLP_CLEAR : tt.tlp;
    /* AMBER and stricter stay readable by their owner only */
    int fd =
        open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, tlp >= TRAWL_TLP_AMBER ? 0600 : 0644);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        cli_error("%s: cannot create: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    char a[40], b[40], now[40];
    triage_format_time((int64_t)(trawl_now_real() * 1e6), false, now, sizeof(now));
    triage_format_time(t->first, false, a, sizeof(a));
    triage_format_time(t->last, false, b, sizeof(b));

    banner(f, tlp);
    fputs("\n# Incident summary (trawl triage)\n\n", f);
    fputs("| | |\n|---|---|\n", f);
    fprintf(f, "| Generated | %s |\n", now);
    fputs("| Inputs | ", f);
    for (size_t i = 0; i < ninputs && i < REPORT_INPUTS; i++) {
        if (i) fputs(", ", f);
        md_code(f, inputs[i], true);
    }
    if (ninputs > REPORT_INPUTS) fprintf(f, " and %zu more", ninputs - REPORT_INPUTS);
    fprintf(f, " |\n| Period (first seen to last seen, UTC) | %s to %s |\n", a, b);
    fprintf(f, "| Hits | %llu |\n", (unsigned long long)t->hits);
    fprintf(f, "| Indicators hit | %zu (level 3: %zu, level 2: %zu, level 1: %zu) |\n", t->nind,
            tt.levels[3], tt.levels[2], tt.levels[1]);
    fprintf(f, "| Source datasheets | %zu |\n", t->nsrc);
    fprintf(f, "| Hosts and files affected | %zu |\n", t->all_hosts.n);
    if (tt.max_level)
        fprintf(f, "| Highest level | **%d**, %s |\n", tt.max_level, level_action(tt.max_level));
    else
        fputs("| Highest level | none (no hits) |\n", f);
    fprintf(f,
            "| Levels | 3 from %lu hosts/files or critical severity; 2 from %lu hosts/files or "
            "high severity",
            t->opt.crisis_hosts, t->opt.investigate_hosts);
    if (t->opt.investigate_hits) fprintf(f, " or %lu hits", t->opt.investigate_hits);
    fputs(" |\n", f);
    if (t->opt.min_level > 1)
        fprintf(f, "| Shown | %zu indicator(s) at level %lu and above |\n", tt.shown,
                t->opt.min_level);
    if (t->withheld)
        fprintf(f, "| Withheld | %llu hit(s) above TLP:%s, left out of this report |\n",
                (unsigned long long)t->withheld, tlp_label(t->opt.max_tlp));
    if (t->bad || t->duplicates)
        fprintf(f, "| Input | %llu malformed line(s) skipped, %llu duplicate hit(s) dropped |\n",
                (unsigned long long)t->bad, (unsigned long long)t->duplicates);
    fputc('\n', f);

    report_observables(t, f);
    report_hosts(t, f);
    fputs("## Indicators\n\n", f);
    size_t num = 0;
    for (size_t i = 0; i < t->nind; i++)
        if (shown(t, &t->ind[i])) report_group(t, f, ++num, &t->ind[i]);
    if (!num) fputs("No hits.\n\n", f);
    report_sources(t, f);
    fputs("---\n\n", f);
    banner(f, tlp);
    int rc = 0;
    if (ferror(f)) {
        cli_error("%s: write error", path);
        rc = -1;
    }
    if (fclose(f)) {
        cli_error("%s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}
