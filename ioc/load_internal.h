/* Private interface between the loader driver (load.c) and the per-format
 * parsers (load_plain.c, load_csv.c, load_zeek.c): the load context and the
 * shared "add one value" step (refang, detect or normalise, defaults, expiry,
 * counting, diagnostics). Not installed; not part of the public API. */
#ifndef TRAWL_LOAD_INTERNAL_H
#define TRAWL_LOAD_INTERNAL_H

#include "trawl_ioc.h"

struct load_ctx {
    struct trawl_iocset *set;
    const struct trawl_load_opts *opts;
    struct trawl_load_stats *stats;
    trawl_diag_fn diag;
    void *ud;
    const char *name;   /* for diagnostics */
    const char *source; /* default source: opts->source or the base name */
    int64_t now;
    struct trawl_buf scratch; /* refang output, reused across values */
};

/* Per-value attributes a format may carry; load_item_init sets "use the
 * defaults" everywhere. */
struct load_item {
    enum trawl_ioc_type type; /* TRAWL_T_NONE: opts->as_type, else detect */
    uint32_t flags;           /* TRAWL_IOC_*; kept only where meaningful */
    int tlp;                  /* < 0: opts->tlp */
    int severity;             /* 0: opts->severity */
    const char *source;       /* NULL or "": the context's default */
    int confidence;           /* -1: unknown */
    int64_t valid_until;      /* 0: no expiry */
};

void load_item_init(struct load_item *it);

/* Adds one raw value (not NUL-terminated, surrounding blanks allowed).
 * Rejections, expiries and warnings are counted and reported through diag;
 * they return 0. Returns < 0 only for fatal errors (out of memory). */
int load_add(struct load_ctx *c, unsigned long line, const char *val, size_t len,
             const struct load_item *it);

/* Reports a rejected line: counts stats->rejected[type] (type out of range,
 * e.g. TRAWL_T_NONE, counts in the "unknown" slot) and calls diag. */
void load_reject(struct load_ctx *c, unsigned long line, int type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports a warning (counted in stats->warnings) through diag; line 0 for
 * formats without lines. Newlines and tabs in the message become blanks. */
void load_warn(struct load_ctx *c, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* JSON formats have no useful line numbers: their loaders route the diag
 * callback through load_id_diag_fn, which prefixes every message (also those
 * load_add raises) with the object it is about: prefix + id + ": ". */
struct load_id_diag {
    trawl_diag_fn fn;
    void *ud;
    const char *prefix; /* "attribute ", or "" */
    const char *id;     /* the current object, NULL: no prefix */
};
void load_id_diag_fn(void *ud, const char *file, unsigned long line, bool is_error,
                     const char *msg);

/* Strips the UTF-8 byte order mark. */
static inline void load_skip_bom(const char **p, const char *end)
{
    if (end - *p >= 3 && (unsigned char)(*p)[0] == 0xef && (unsigned char)(*p)[1] == 0xbb &&
        (unsigned char)(*p)[2] == 0xbf)
        *p += 3;
}

static inline int load_isblank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims blanks (and CR) on both sides of [*s, *s + *len). */
static inline void load_trim(const char **s, size_t *len)
{
    while (*len && load_isblank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && load_isblank((*s)[*len - 1]))
        (*len)--;
}

/* The format parsers. data need not be NUL-terminated. They return 0 when the
 * input was in the format (rejected lines included), < 0 with *err otherwise. */
int load_plain(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err);
int load_csv(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err);
int load_zeek(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err);
int load_stix(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err);
int load_misp(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err);
int load_openioc(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err);
int load_text(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err);

/* Content sniffers for the formats above (in their files): true when the
 * data looks like that format. sniff_text tells a free-text datasheet from a
 * plain one-value-per-line list (name: the file name, may be NULL). */
bool sniff_stix(const char *data, size_t len);
bool sniff_misp(const char *data, size_t len);
bool sniff_openioc(const char *data, size_t len);
bool sniff_text(const char *name, const char *data, size_t len);

#endif
