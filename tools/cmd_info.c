/* trawl info: describe a compiled database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "cli.h"
#include "trawl_ioc.h"

static const char help[] =
    "usage: trawl info DB.tdb\n"
    "\n"
    "Prints the counts of indicators by type, TLP, severity and source, the sizes,\n"
    "the compile time and the platform the database was built for.\n"
    "\n"
    "options:\n"
    "  -h, --help    this help\n"
    "\n"
    "example:\n"
    "  trawl info iocs.tdb\n";

struct srccount {
    const char *name;
    unsigned long n;
};

static int cmp_src(const void *a, const void *b)
{
    const struct srccount *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->name, y->name);
}

int cmd_info(int argc, char **argv)
{
    static const struct option lopts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1)
        return cli_other_opt("info", c, help, argv);
    if (optind != argc - 1) return cli_usage_error("info", "give exactly one database file");
    const char *path = argv[optind];
    double t0 = trawl_now_mono();
    struct trawl_db *db;
    struct trawl_error err = {0};
    if (trawl_db_open(path, &db, &err)) {
        char buf[1100];
        cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
        return EXIT_TROUBLE;
    }
    double load = trawl_now_mono() - t0;
    struct trawl_db_info in;
    trawl_db_info(db, &in);
    char when[64];
    time_t t = (time_t)in.compiled_at;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    size_t n = trawl_db_count(db);
    printf("database:     %s\n", path);
    printf("format:       trawl database v%u, checksum %016llx\n", in.format_version,
           (unsigned long long)in.checksum);
    printf("platform:     %s, Hyperscan %s\n", in.platform, in.hs_version);
    printf("compiled:     %s in %.2f s\n", when, in.compile_seconds);
    printf("size:         %.2f MB (Hyperscan %.2f MB, metadata %.2f MB), loaded in %.3f s\n",
           (double)in.file_size / 1e6, (double)in.hs_bytes / 1e6, (double)in.meta_bytes / 1e6,
           load);
    printf("structures:   %llu literals, %llu hashed lookups, %llu CIDR prefixes\n",
           (unsigned long long)in.literals, (unsigned long long)in.hashed,
           (unsigned long long)in.cidrs);
    printf("indicators:   %zu (expired and dropped at compile: %llu)\n", n,
           (unsigned long long)in.expired);
    size_t flagged = 0;
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(db, i, &v);
        flagged += v.warning != NULL;
    }
    if (flagged)
        printf("allowlisted:  %zu indicators kept but flagged; their hits carry \"warning\"\n",
               flagged);
    printf("by type:\n");
    for (int i = 0; i < TRAWL_T_COUNT; i++)
        if (in.by_type[i])
            printf("  %-14s %llu\n", trawl_ioc_type_name(i), (unsigned long long)in.by_type[i]);
    printf("by TLP:\n");
    for (int i = 0; i < TRAWL_TLP_COUNT; i++)
        if (in.by_tlp[i])
            printf("  %-14s %llu\n", trawl_tlp_name(i), (unsigned long long)in.by_tlp[i]);
    printf("by severity:\n");
    for (int i = 1; i <= 4; i++)
        if (in.by_severity[i])
            printf("  %-14s %llu\n", trawl_severity_name(i), (unsigned long long)in.by_severity[i]);

    /* sources: count indicators per source name; names are interned in the
     * database, so the pointer identifies the source */
    size_t tcap = 1024, nsc = 0;
    struct srccount *sc = calloc(tcap, sizeof(*sc));
    for (size_t i = 0; sc && i < n; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(db, i, &v);
        for (size_t k = 0; sc && k < v.nsources; k++) {
            const char *s = trawl_db_source(db, i, k);
            if (2 * (nsc + 1) > tcap) { /* grow and rehash */
                struct srccount *g = calloc(tcap * 2, sizeof(*g));
                if (!g) {
                    free(sc);
                    sc = NULL;
                    break;
                }
                for (size_t j = 0; j < tcap; j++) {
                    if (!sc[j].name) continue;
                    size_t h = trawl_mix64((uintptr_t)sc[j].name) & (tcap * 2 - 1);
                    while (g[h].name)
                        h = (h + 1) & (tcap * 2 - 1);
                    g[h] = sc[j];
                }
                free(sc);
                sc = g;
                tcap *= 2;
            }
            size_t h = trawl_mix64((uintptr_t)s) & (tcap - 1);
            while (sc[h].name && sc[h].name != s)
                h = (h + 1) & (tcap - 1);
            if (!sc[h].name) {
                sc[h].name = s;
                nsc++;
            }
            sc[h].n++;
        }
    }
    /* compact, then sort by count */
    size_t m = 0;
    for (size_t j = 0; sc && j < tcap; j++)
        if (sc[j].name) sc[m++] = sc[j];
    nsc = m;
    if (sc) qsort(sc, nsc, sizeof(*sc), cmp_src);
    printf("by source:\n");
    for (size_t j = 0; j < nsc && j < 50; j++)
        printf("  %-40s %lu\n", sc[j].name, sc[j].n);
    if (nsc > 50) printf("  ... and %zu more sources\n", nsc - 50);
    free(sc);
    trawl_db_close(db);
    return 0;
}
