/* The body of the loader targets (fuzz_load_<format>.c): feeds the input
 * to trawl_ioc_load_mem with one format forced (or AUTO, with a file name
 * chosen by the first byte), and checks what came out: every diagnostic is
 * one line with a file name, every accepted indicator is of a real type, has
 * a source, fits TRAWL_IOC_MAX and is a fixed point of normalisation (the
 * loader stored the normalised form), and the counters add up. */
#ifndef TRAWL_FUZZ_LOAD_H
#define TRAWL_FUZZ_LOAD_H

#include <string.h>

#include "fuzz_util.h"
#include "trawl_ioc.h"

static void fuzz_diag(void *ud, const char *file, unsigned long line, bool is_error,
                      const char *msg)
{
    (void)line;
    (void)is_error;
    unsigned long *n = ud;
    (*n)++;
    FUZZ_CHECK(file && msg, "diagnostic without file or message");
    FUZZ_CHECK(!strchr(msg, '\n'), "diagnostic is not one line: %s", msg);
}

static int fuzz_load(const uint8_t *data, size_t size, enum trawl_format fmt)
{
    static const char *const names[] = {"feed.txt",   "feed.csv", "intel.dat", "bundle.json",
                                        "event.json", "iocs.ioc", "report.md", "feed"};
    const char *name = "fuzz";
    if (fmt == TRAWL_FMT_AUTO) {
        if (size < 1) return 0;
        name = names[data[0] % (sizeof(names) / sizeof(names[0]))];
        data++;
        size--;
    }
    struct trawl_iocset *set;
    FUZZ_CHECK(trawl_iocset_new(&set) == 0, "out of memory");
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = fmt;
    o.now = 1767225600; /* 2026-01-01: expiry is reproducible */
    struct trawl_load_stats st;
    memset(&st, 0, sizeof(st));
    struct trawl_error err = {0};
    unsigned long ndiag = 0;
    /* A copy of exactly size bytes, so that ASan sees any read past the end. */
    char *copy = malloc(size ? size : 1);
    FUZZ_CHECK(copy, "out of memory");
    if (size) memcpy(copy, data, size);
    int r = trawl_ioc_load_mem(set, name, copy, size, &o, &st, fuzz_diag, &ndiag, &err);
    free(copy);
    FUZZ_CHECK(r <= 0, "load returned %d", r);
    if (r < 0) FUZZ_CHECK(err.code == r, "error code %d, err.code %d", r, err.code);

    uint64_t accepted = 0;
    for (int t = 0; t < TRAWL_T_COUNT; t++)
        accepted += st.accepted[t];
    size_t n = trawl_iocset_count(set);
    FUZZ_CHECK(accepted == n, "accepted %llu, set holds %zu", (unsigned long long)accepted, n);
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_view v;
        trawl_iocset_get(set, i, &v);
        FUZZ_CHECK((int)v.type >= 0 && v.type < TRAWL_T_COUNT, "type %d", (int)v.type);
        FUZZ_CHECK((int)v.tlp >= 0 && v.tlp < TRAWL_TLP_COUNT, "tlp %d", (int)v.tlp);
        FUZZ_CHECK(v.severity >= TRAWL_SEV_LOW && v.severity <= TRAWL_SEV_CRITICAL, "severity %d",
                   v.severity);
        FUZZ_CHECK(v.nsources >= 1 && v.sources && v.sources[0], "indicator without a source");
        size_t len = strlen(v.value);
        FUZZ_CHECK(len > 0 && len <= TRAWL_IOC_MAX, "value length %zu", len);
        if (v.type == TRAWL_T_REGEX) continue;
        char out[TRAWL_IOC_MAX + 1];
        enum trawl_ioc_type t = v.type;
        struct trawl_error ne = {0};
        FUZZ_CHECK(trawl_ioc_normalise(&t, v.value, len, out, sizeof(out), NULL, &ne) == 0,
                   "stored %s \"%s\" does not normalise: %s", trawl_ioc_type_name(v.type), v.value,
                   ne.msg);
        FUZZ_CHECK(t == v.type && strcmp(out, v.value) == 0,
                   "normalisation not idempotent: %s \"%s\" -> %s \"%s\"",
                   trawl_ioc_type_name(v.type), v.value, trawl_ioc_type_name(t), out);
    }
    trawl_iocset_free(set);
    return 0;
}

#endif
