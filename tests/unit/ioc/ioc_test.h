/* Helpers shared by the loader test suites: a diagnostics collector and
 * look-ups in an indicator set. */
#ifndef TRAWL_IOC_TEST_H
#define TRAWL_IOC_TEST_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl_ioc.h"

#define MAX_DIAGS 256

struct diag_rec {
    unsigned long line;
    bool is_error;
    char file[1024];
    char msg[1024];
};

struct diags {
    size_t n;
    struct diag_rec d[MAX_DIAGS];
};

static inline void collect(void *ud, const char *file, unsigned long line, bool is_error,
                           const char *msg)
{
    struct diags *ds = ud;
    cr_assert_not_null(msg);
    cr_assert_null(strchr(msg, '\n'), "diagnostic must be one line: %s", msg);
    if (ds->n < MAX_DIAGS) {
        struct diag_rec *d = &ds->d[ds->n];
        d->line = line;
        d->is_error = is_error;
        snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
        snprintf(d->msg, sizeof(d->msg), "%s", msg);
    }
    ds->n++;
}

/* The first diagnostic containing both strings (b may be NULL), or NULL. */
static inline const struct diag_rec *diag_with(const struct diags *ds, const char *a, const char *b)
{
    for (size_t i = 0; i < ds->n && i < MAX_DIAGS; i++)
        if (strstr(ds->d[i].msg, a) && (!b || strstr(ds->d[i].msg, b))) return &ds->d[i];
    return NULL;
}

/* A file of tests/unit/ioc/data (TRAWL_SRCDIR: the source tree). */
static inline const char *data_path(const char *rel)
{
    static char buf[4096];
    const char *src = getenv("TRAWL_SRCDIR");
    snprintf(buf, sizeof(buf), "%s/tests/unit/ioc/data/%s", src && *src ? src : ".", rel);
    return buf;
}

static inline struct trawl_iocset *new_set(void)
{
    struct trawl_iocset *s = NULL;
    cr_assert_eq(trawl_iocset_new(&s), 0);
    cr_assert_not_null(s);
    return s;
}

static inline long find(const struct trawl_iocset *s, enum trawl_ioc_type type, const char *value)
{
    for (size_t i = 0; i < trawl_iocset_count(s); i++) {
        struct trawl_ioc_view v;
        trawl_iocset_get(s, i, &v);
        if (v.type == type && strcmp(v.value, value) == 0) return (long)i;
    }
    return -1;
}

static inline struct trawl_ioc_view view_of(const struct trawl_iocset *s, enum trawl_ioc_type type,
                                            const char *value)
{
    long i = find(s, type, value);
    cr_assert_geq(i, 0, "%s %s not in set", trawl_ioc_type_name(type), value);
    struct trawl_ioc_view v;
    trawl_iocset_get(s, (size_t)i, &v);
    return v;
}

static inline bool has_source(const struct trawl_ioc_view *v, const char *src)
{
    for (size_t i = 0; i < v->nsources; i++)
        if (strcmp(v->sources[i], src) == 0) return true;
    return false;
}

static inline uint64_t sum(const uint64_t *a, size_t n)
{
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += a[i];
    return t;
}

#endif
