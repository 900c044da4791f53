/* CSV loader (RFC 4180): quoted fields with doubled quotes, commas and line
 * breaks inside quotes, CRLF or LF. A header row names the columns, in any
 * order and any case: type, value (indicator, ioc, ioc_value), tlp, severity,
 * source, confidence, valid_until (expires, expiry), exact, nocase. Other
 * columns are ignored. A bad cell rejects its row, naming the column;
 * diagnostics give the physical line where the record starts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_internal.h"

enum col {
    COL_TYPE,
    COL_VALUE,
    COL_TLP,
    COL_SEVERITY,
    COL_SOURCE,
    COL_CONFIDENCE,
    COL_VALID_UNTIL,
    COL_EXACT,
    COL_NOCASE,
    COL_COUNT,
};

static const struct {
    const char *name;
    enum col col;
} col_names[] = {
    {"type", COL_TYPE},
    {"value", COL_VALUE},
    {"indicator", COL_VALUE},
    {"ioc", COL_VALUE},
    {"ioc_value", COL_VALUE},
    {"tlp", COL_TLP},
    {"severity", COL_SEVERITY},
    {"source", COL_SOURCE},
    {"confidence", COL_CONFIDENCE},
    {"valid_until", COL_VALID_UNTIL},
    {"expires", COL_VALID_UNTIL},
    {"expiry", COL_VALID_UNTIL},
    {"exact", COL_EXACT},
    {"nocase", COL_NOCASE},
};

/* One parsed record: fields are NUL-terminated strings in buf. */
struct record {
    struct trawl_buf buf;
    size_t *off;
    size_t nf, cap;
    unsigned long line; /* physical line where the record starts */
    bool unterminated;  /* a quoted field ran to the end of the input */
};

static int rec_push_field(struct record *r)
{
    if (r->nf == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 16;
        size_t *n = realloc(r->off, ncap * sizeof(*n));
        if (!n) return TRAWL_ENOMEM;
        r->off = n;
        r->cap = ncap;
    }
    r->off[r->nf++] = r->buf.len;
    return 0;
}

static const char *rec_field(const struct record *r, size_t i)
{
    return r->buf.data + r->off[i];
}

/* Parses the record at *pp, advancing *pp and *line past it. Unquoted
 * fields are copied with their blanks; callers trim. */
static int parse_record(const char **pp, const char *end, unsigned long *line, struct record *r)
{
    const char *p = *pp;
    r->buf.len = 0;
    r->nf = 0;
    r->line = *line;
    r->unterminated = false;
    if (rec_push_field(r)) return TRAWL_ENOMEM;
    for (;;) {
        if (p < end && *p == '"') {
            /* Quoted field; text after the closing quote up to the next
             * separator is kept too (lenient with `"a"b`). */
            p++;
            for (;;) {
                const char *q = p;
                while (q < end && *q != '"' && *q != '\n')
                    q++;
                if (trawl_buf_put(&r->buf, p, (size_t)(q - p))) return TRAWL_ENOMEM;
                p = q;
                if (p == end) {
                    r->unterminated = true;
                    break;
                }
                if (*p == '\n') {
                    (*line)++;
                    /* A CRLF inside quotes is one line break. */
                    if (r->buf.len && r->buf.data[r->buf.len - 1] == '\r') r->buf.len--;
                    if (trawl_buf_putc(&r->buf, '\n')) return TRAWL_ENOMEM;
                    p++;
                    continue;
                }
                if (p + 1 < end && p[1] == '"') { /* doubled quote */
                    if (trawl_buf_putc(&r->buf, '"')) return TRAWL_ENOMEM;
                    p += 2;
                    continue;
                }
                p++; /* closing quote */
                break;
            }
        }
        const char *q = p;
        while (q < end && *q != ',' && *q != '\n')
            q++;
        if (trawl_buf_put(&r->buf, p, (size_t)(q - p)) || trawl_buf_putc(&r->buf, 0))
            return TRAWL_ENOMEM;
        p = q;
        if (p < end && *p == ',') {
            p++;
            if (rec_push_field(r)) return TRAWL_ENOMEM;
            continue;
        }
        if (p < end) { /* newline */
            p++;
            (*line)++;
        }
        break;
    }
    /* Strip the CR of a CRLF record end from the last field. */
    char *last = r->buf.data + r->off[r->nf - 1];
    size_t ll = strlen(last);
    if (ll && last[ll - 1] == '\r') last[ll - 1] = 0;
    *pp = p;
    return 0;
}

/* Trimmed field i, or "" when the row has fewer fields. */
static const char *cell(struct record *r, int idx)
{
    if (idx < 0 || (size_t)idx >= r->nf) return "";
    char *s = r->buf.data + r->off[idx];
    while (load_isblank(*s))
        s++;
    size_t n = strlen(s);
    while (n && load_isblank(s[n - 1]))
        s[--n] = 0;
    return s;
}

/* Copies s into buf, cut to fit, for quoting in a message. */
static const char *clip(const char *s, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", s);
    return buf;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "1", "y", "t"};
    static const char *const no[] = {"false", "no", "0", "n", "f"};
    for (size_t i = 0; i < 5; i++) {
        if (trawl_strcaseeq(s, yes[i])) {
            *out = true;
            return 0;
        }
        if (trawl_strcaseeq(s, no[i])) {
            *out = false;
            return 0;
        }
    }
    return TRAWL_EINVAL;
}

static bool is_blank_record(const struct record *r)
{
    if (r->nf != 1) return false;
    for (const char *s = rec_field(r, 0); *s; s++)
        if (!load_isblank(*s)) return false;
    return true;
}

/* Turns one data row into a load_item + value and adds it. */
static int csv_row(struct load_ctx *c, struct record *r, const int *cols)
{
    char q[64];
    struct load_item it;
    load_item_init(&it);
    unsigned long line = r->line;
    const char *s;

    s = cell(r, cols[COL_TYPE]);
    if (*s && trawl_ioc_type_parse(s, &it.type) != 0) {
        load_reject(c, line, TRAWL_T_NONE, "bad type \"%s\" in column type", clip(s, q, sizeof(q)));
        return 0;
    }
    int rt = it.type; /* for counting rejections of this row */
    if (r->unterminated) {
        load_reject(c, line, rt,
                    "unterminated quoted field (quote opened on or after line %lu "
                    "runs to the end of the input)",
                    line);
        return 0;
    }
    s = cell(r, cols[COL_TLP]);
    if (*s) {
        enum trawl_tlp t;
        if (trawl_tlp_parse(s, &t) != 0) {
            load_reject(c, line, rt, "bad TLP \"%s\" in column tlp", clip(s, q, sizeof(q)));
            return 0;
        }
        it.tlp = (int)t;
    }
    s = cell(r, cols[COL_SEVERITY]);
    if (*s) {
        enum trawl_severity sev;
        if (trawl_severity_parse(s, &sev) != 0) {
            load_reject(c, line, rt, "bad severity \"%s\" in column severity",
                        clip(s, q, sizeof(q)));
            return 0;
        }
        it.severity = (int)sev;
    }
    s = cell(r, cols[COL_CONFIDENCE]);
    if (*s) {
        char *e;
        long v = strtol(s, &e, 10);
        if (*e || v < 0 || v > 100) {
            load_reject(c, line, rt, "bad confidence \"%s\" in column confidence (0-100)",
                        clip(s, q, sizeof(q)));
            return 0;
        }
        it.confidence = (int)v;
    }
    s = cell(r, cols[COL_VALID_UNTIL]);
    if (*s) {
        int64_t t;
        if (trawl_parse_time(s, &t) != 0) {
            load_reject(c, line, rt,
                        "bad date \"%s\" in column valid_until (ISO 8601 or Unix time)",
                        clip(s, q, sizeof(q)));
            return 0;
        }
        it.valid_until = t;
    }
    static const struct {
        enum col col;
        uint32_t flag;
        const char *name;
    } bools[] = {{COL_EXACT, TRAWL_IOC_EXACT, "exact"}, {COL_NOCASE, TRAWL_IOC_NOCASE, "nocase"}};
    for (size_t i = 0; i < 2; i++) {
        s = cell(r, cols[bools[i].col]);
        bool b;
        if (!*s) continue;
        if (parse_bool(s, &b) != 0) {
            load_reject(c, line, rt, "bad boolean \"%s\" in column %s (true or false)",
                        clip(s, q, sizeof(q)), bools[i].name);
            return 0;
        }
        if (b) it.flags |= bools[i].flag;
    }
    it.source = cell(r, cols[COL_SOURCE]);
    if ((size_t)cols[COL_VALUE] >= r->nf) {
        load_reject(c, line, rt, "missing value column (row has %zu fields)", r->nf);
        return 0;
    }
    const char *v = cell(r, cols[COL_VALUE]);
    return load_add(c, line, v, strlen(v), &it);
}

int load_csv(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    const char *p = data, *end = data + len;
    unsigned long line = 1;
    struct record r = {0};
    int cols[COL_COUNT];
    int rc = 0;
    bool have_header = false;
    load_skip_bom(&p, end);

    while (p < end) {
        unsigned long before = line;
        /* '#' comment lines are allowed before the header only. */
        if (!have_header && *p == '#') {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
            line++;
            continue;
        }
        if ((rc = parse_record(&p, end, &line, &r)) != 0) {
            trawl_error_set(err, rc, c->name, "%s", trawl_strerror(rc));
            goto out;
        }
        if (is_blank_record(&r)) continue;
        if (!have_header) {
            for (int i = 0; i < COL_COUNT; i++)
                cols[i] = -1;
            for (size_t f = 0; f < r.nf; f++) {
                const char *name = cell(&r, (int)f);
                for (size_t k = 0; k < sizeof(col_names) / sizeof(col_names[0]); k++)
                    if (trawl_strcaseeq(name, col_names[k].name) && cols[col_names[k].col] < 0)
                        cols[col_names[k].col] = (int)f;
            }
            if (cols[COL_VALUE] < 0) {
                char where[600];
                snprintf(where, sizeof(where), "%s:%lu", c->name, before);
                rc = trawl_error_set(err, TRAWL_EFORMAT, where,
                                     "CSV header names no value column (expected one of value, "
                                     "indicator, ioc, ioc_value)");
                goto out;
            }
            have_header = true;
            continue;
        }
        if ((rc = csv_row(c, &r, cols)) != 0) {
            trawl_error_set(err, rc, c->name, "%s", trawl_strerror(rc));
            goto out;
        }
    }
    if (!have_header)
        rc = trawl_error_set(err, TRAWL_EFORMAT, c->name, "CSV input has no header row");
out:
    /* Physical lines seen; a final line without a newline counts too. */
    c->stats->lines += line - 1 + (len && data[len - 1] != '\n' ? 1 : 0);
    trawl_buf_free(&r.buf);
    free(r.off);
    return rc;
}
