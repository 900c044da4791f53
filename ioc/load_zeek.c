/* Zeek intel framework loader. A "#fields" line (tab separated by default,
 * or as set by "#separator \x09") names the columns; `indicator` and
 * `indicator_type` are required, `meta.source` gives the source, other
 * columns are ignored. "-" (or #unset_field / #empty_field) is an empty cell.
 * Intel::* types map onto trawl types; those trawl cannot match (user names,
 * certificate and key hashes, JA3, software) are rejected per line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"

#define MAX_FIELDS 64
#define SEP_MAX 8

struct zeek_hdr {
    char sep[SEP_MAX];
    size_t seplen;
    char unset[16], empty[16];
    int col_ind, col_type, col_src;
    size_t ncols;
};

/* Decodes the value of a "#separator" line: "\x09" escapes or literal text. */
static void parse_separator(const char *s, size_t n, struct zeek_hdr *h)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o < SEP_MAX; i++) {
        if (s[i] == '\\' && i + 3 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
            char hex[3] = {s[i + 2], s[i + 3], 0};
            char *e;
            unsigned long v = strtoul(hex, &e, 16);
            if (*e == 0) {
                h->sep[o++] = (char)v;
                i += 3;
                continue;
            }
        }
        h->sep[o++] = s[i];
    }
    if (o) {
        h->seplen = o;
    }
}

/* Splits [s, e) by the separator into at most max fields. */
static size_t split(const char *s, const char *e, const struct zeek_hdr *h, const char **fs,
                    size_t *fl, size_t max)
{
    size_t n = 0;
    for (;;) {
        const char *f = s;
        const char *hit = h->seplen ? memmem(s, (size_t)(e - s), h->sep, h->seplen) : NULL;
        const char *fe = hit ? hit : e;
        if (n < max) {
            fs[n] = f;
            fl[n] = (size_t)(fe - f);
        }
        n++;
        if (!hit) break;
        s = hit + h->seplen;
    }
    return n < max ? n : max;
}

static void set_str(char *dst, size_t dstsz, const char *s, size_t n)
{
    if (n >= dstsz) n = dstsz - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

static bool is_empty_cell(const struct zeek_hdr *h, const char *s, size_t n)
{
    return n == 0 || (n == strlen(h->unset) && memcmp(s, h->unset, n) == 0) ||
           (n == strlen(h->empty) && memcmp(s, h->empty, n) == 0);
}

static bool eq(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && trawl_strncaseeq(s, lit, n);
}

/* Maps an Intel::* type. Returns 0 with *type set, 1 when the value decides
 * (ADDR, FILE_HASH: *type set to a first guess), or -1 (reject; msg set). */
static int map_type(const char *t, size_t n, const char *v, size_t vlen, enum trawl_ioc_type *type,
                    char *msg, size_t msgsz)
{
    char tq[64];
    set_str(tq, sizeof(tq), t, n);
    const char *name = t;
    size_t nn = n;
    if (n > 7 && trawl_strncaseeq(t, "Intel::", 7)) {
        name += 7;
        nn -= 7;
    }
    if (eq(name, nn, "ADDR")) {
        /* Either family: let the value decide. */
        *type = memchr(v, ':', vlen) ? TRAWL_T_IPV6 : TRAWL_T_IPV4;
        return 0;
    }
    if (eq(name, nn, "SUBNET")) {
        *type = TRAWL_T_CIDR;
        return 0;
    }
    if (eq(name, nn, "DOMAIN")) {
        /* Zeek's DOMAIN matches the exact name only; trawl's default
         * (this name and its subdomains) is kept on purpose: a feed listing
         * a C2 name wants its subdomains caught too. */
        *type = TRAWL_T_DOMAIN;
        return 0;
    }
    if (eq(name, nn, "URL")) {
        *type = TRAWL_T_URL;
        return 0;
    }
    if (eq(name, nn, "EMAIL")) {
        *type = TRAWL_T_EMAIL;
        return 0;
    }
    if (eq(name, nn, "FILE_NAME")) {
        *type = TRAWL_T_FILENAME;
        return 0;
    }
    if (eq(name, nn, "FILE_HASH")) {
        switch (vlen) {
        case 32:
            *type = TRAWL_T_MD5;
            return 0;
        case 40:
            *type = TRAWL_T_SHA1;
            return 0;
        case 64:
            *type = TRAWL_T_SHA256;
            return 0;
        default:
            snprintf(msg, msgsz,
                     "Intel::FILE_HASH of %zu characters is not an MD5, SHA-1 or SHA-256", vlen);
            return -1;
        }
    }
    static const char *const unsupported[] = {"USER_NAME", "CERT_HASH", "PUBKEY_HASH", "JA3",
                                              "SOFTWARE"};
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        if (eq(name, nn, unsupported[i])) {
            snprintf(msg, msgsz, "unsupported Zeek indicator type %s", tq);
            return -1;
        }
    }
    snprintf(msg, msgsz, "unknown Zeek indicator type \"%s\"", tq);
    return -1;
}

static int parse_fields(struct load_ctx *c, unsigned long line, const char *s, const char *e,
                        struct zeek_hdr *h, struct trawl_error *err)
{
    const char *fs[MAX_FIELDS];
    size_t fl[MAX_FIELDS];
    /* Tolerate a "#fields" line written with spaces when the separator is
     * the default tab and no tab is present. */
    struct zeek_hdr hh = *h;
    if (hh.seplen == 1 && hh.sep[0] == '\t' && !memchr(s, '\t', (size_t)(e - s))) {
        hh.sep[0] = ' ';
    }
    size_t n = split(s, e, &hh, fs, fl, MAX_FIELDS);
    h->col_ind = h->col_type = h->col_src = -1;
    for (size_t i = 1; i < n; i++) { /* field 0 is "#fields" */
        const char *f = fs[i];
        size_t fn = fl[i];
        load_trim(&f, &fn);
        int col = (int)i - 1;
        if (eq(f, fn, "indicator") && h->col_ind < 0)
            h->col_ind = col;
        else if (eq(f, fn, "indicator_type") && h->col_type < 0)
            h->col_type = col;
        else if (eq(f, fn, "meta.source") && h->col_src < 0)
            h->col_src = col;
    }
    h->ncols = n - 1;
    if (h->col_ind < 0 || h->col_type < 0) {
        char where[600];
        snprintf(where, sizeof(where), "%s:%lu", c->name, line);
        return trawl_error_set(err, TRAWL_EFORMAT, where, "Zeek #fields header lacks the %s column",
                               h->col_ind < 0 ? "indicator" : "indicator_type");
    }
    return 0;
}

int load_zeek(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    const char *p = data, *end = data + len;
    unsigned long line = 0;
    bool have_fields = false;
    struct zeek_hdr h = {.sep = "\t", .seplen = 1, .unset = "-", .empty = "(empty)"};
    const char *fs[MAX_FIELDS];
    size_t fl[MAX_FIELDS];
    char src[256];
    char msg[160];
    char urlbuf[TRAWL_IOC_MAX + 16];
    load_skip_bom(&p, end);

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p, *e = nl ? nl : end;
        p = nl ? nl + 1 : end;
        line++;
        c->stats->lines++;
        if (e > s && e[-1] == '\r') e--;
        size_t n = (size_t)(e - s);
        const char *t = s;
        size_t tn = n;
        load_trim(&t, &tn);
        if (tn == 0) continue;

        if (s[0] == '#') {
            if (n > 10 && memcmp(s, "#separator", 10) == 0 && load_isblank(s[10])) {
                const char *v = s + 11;
                size_t vn = (size_t)(e - v);
                load_trim(&v, &vn);
                parse_separator(v, vn, &h);
            } else if (n > 7 && memcmp(s, "#fields", 7) == 0 &&
                       (load_isblank(s[7]) || (h.seplen && (size_t)(e - s - 7) >= h.seplen &&
                                               memcmp(s + 7, h.sep, h.seplen) == 0))) {
                int r = parse_fields(c, line, s, e, &h, err);
                if (r) return r;
                have_fields = true;
            } else if (n > 12 && memcmp(s, "#unset_field", 12) == 0) {
                const char *v = s + 12;
                size_t vn = (size_t)(e - v);
                load_trim(&v, &vn);
                set_str(h.unset, sizeof(h.unset), v, vn);
            } else if (n > 12 && memcmp(s, "#empty_field", 12) == 0) {
                const char *v = s + 12;
                size_t vn = (size_t)(e - v);
                load_trim(&v, &vn);
                set_str(h.empty, sizeof(h.empty), v, vn);
            }
            continue; /* other '#' lines (#path, #types, #open...) are comments */
        }
        if (!have_fields) {
            char where[600];
            snprintf(where, sizeof(where), "%s:%lu", c->name, line);
            return trawl_error_set(err, TRAWL_EFORMAT, where,
                                   "Zeek intel data before any #fields header");
        }

        size_t nf = split(s, e, &h, fs, fl, MAX_FIELDS);
        const char *v = (size_t)h.col_ind < nf ? fs[h.col_ind] : "";
        size_t vn = (size_t)h.col_ind < nf ? fl[h.col_ind] : 0;
        const char *ty = (size_t)h.col_type < nf ? fs[h.col_type] : "";
        size_t tyn = (size_t)h.col_type < nf ? fl[h.col_type] : 0;
        load_trim(&v, &vn);
        load_trim(&ty, &tyn);
        if (is_empty_cell(&h, ty, tyn)) {
            load_reject(c, line, TRAWL_T_NONE, "empty indicator_type");
            continue;
        }
        enum trawl_ioc_type type;
        if (map_type(ty, tyn, v, vn, &type, msg, sizeof(msg)) < 0) {
            load_reject(c, line, TRAWL_T_NONE, "%s", msg);
            continue;
        }
        if (is_empty_cell(&h, v, vn)) {
            load_reject(c, line, type, "empty indicator");
            continue;
        }
        /* Zeek URLs carry no scheme ("www.example.com/path"). */
        if (type == TRAWL_T_URL && !memmem(v, vn, "://", 3) && !memmem(v, vn, "[://]", 5)) {
            if (vn + 8 > sizeof(urlbuf)) {
                load_reject(c, line, type, "URL too long (%zu bytes)", vn);
                continue;
            }
            memcpy(urlbuf, "http://", 7);
            memcpy(urlbuf + 7, v, vn);
            v = urlbuf;
            vn += 7;
        }
        struct load_item it;
        load_item_init(&it);
        it.type = type;
        if (h.col_src >= 0 && (size_t)h.col_src < nf) {
            const char *sv = fs[h.col_src];
            size_t sn = fl[h.col_src];
            load_trim(&sv, &sn);
            if (!is_empty_cell(&h, sv, sn)) {
                set_str(src, sizeof(src), sv, sn);
                it.source = src;
            }
        }
        int r = load_add(c, line, v, vn, &it);
        if (r < 0) return trawl_error_set(err, r, c->name, "%s", trawl_strerror(r));
    }
    if (!have_fields)
        return trawl_error_set(err, TRAWL_EFORMAT, c->name,
                               "not a Zeek intel file: no #fields header");
    return 0;
}
