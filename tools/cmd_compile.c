/* trawl compile: load indicator files and write a compiled database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "trawl_allowlist.h"
#include "trawl_ioc.h"

static const char help[] =
    "usage: trawl compile -o OUT.tdb [OPTIONS] FILE...\n"
    "       trawl compile --dry-run [OPTIONS] FILE...\n"
    "\n"
    "Loads indicators from plain lists, CSV (with a header row), Zeek intel files,\n"
    "STIX 2.x bundles, MISP events (or a MISP feed directory), OpenIOC files and\n"
    "free-text datasheets; refangs and normalises them, merges duplicates and\n"
    "writes one database file.\n"
    "'-' reads standard input.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE     database to write (required unless --dry-run)\n"
    "  -n, --dry-run         load, normalise and merge, but write nothing: print on\n"
    "                        stdout what would be compiled, per type (\"# TYPE: COUNT\"),\n"
    "                        one \"VALUE<TAB>TLP<TAB>SEVERITY<TAB>SOURCES\" line each,\n"
    "                        sorted (a fifth column lists exact, nocase and an\n"
    "                        allowlist warning when there are any)\n"
    "  -f, --format FMT      auto (default), plain, csv, zeek, stix, misp, openioc, text\n"
    "  -a, --as TYPE         type of untyped values (ipv4, domain, filename, string...)\n"
    "  -t, --tlp TLP         default TLP (clear, green, amber, amber+strict, red; default amber)\n"
    "  -s, --severity SEV    default severity (low, medium, high, critical; default medium)\n"
    "  -S, --source NAME     default source (default: the file's name)\n"
    "      --no-utf16        never match in UTF-16LE text with this database\n"
    "      --include-non-ids MISP: also load attributes whose to_ids flag is false\n"
    "      --lenient         exit 0 even when lines were rejected\n"
    "      --allowlist FILE  drop indicators found on a warninglist: MISP warninglist JSON,\n"
    "                        a directory of them, or a plain list (repeatable)\n"
    "      --flag-only       keep them instead; their hits carry \"warning\": LIST\n"
    "      --no-default-allowlist  do not flag indicators on trawl's built-in list of\n"
    "                        benign infrastructure (public resolvers, private and\n"
    "                        loopback ranges, the largest platforms); that list only\n"
    "                        flags (\"warning\": \"trawl-default\"), it never drops\n"
    "  -q, --quiet           no summary\n"
    "  -h, --help            this help\n"
    "\n"
    "Every rejected line is reported as FILE:LINE: reason on stderr (the first 50 per\n"
    "file). Exit status: 0 clean, 1 written but some lines were rejected, 2 error.\n"
    "\n"
    "examples:\n"
    "  trawl compile -o iocs.tdb sample/datasheets/*\n"
    "  trawl compile --dry-run --tlp green report.adoc apt.ioc | less\n"
    "  trawl compile -o c2.tdb --as domain --tlp green --severity high c2-domains.txt\n"
    "  trawl compile -o feed.tdb --allowlist misp-warninglists/lists --flag-only feed.json\n"
    "  curl -s https://feed.example/intel.dat | trawl compile -o feed.tdb -f zeek -\n";

#define DIAG_MAX 50

struct diag_state {
    const char *file;
    unsigned long shown, hidden;
};

static void on_diag(void *ud, const char *file, unsigned long line, bool is_error, const char *msg)
{
    struct diag_state *d = ud;
    if (d->shown >= DIAG_MAX) {
        d->hidden++;
        return;
    }
    d->shown++;
    if (line)
        fprintf(stderr, "%s:%lu: %s%s\n", file, line, is_error ? "" : "warning: ", msg);
    else
        fprintf(stderr, "%s: %s%s\n", file, is_error ? "" : "warning: ", msg);
}

static void summary(const struct trawl_load_stats *st, size_t total, int nfiles, double secs,
                    const struct trawl_db_info *in, const char *out)
{
    fprintf(stderr, "%-10s %10s %10s %10s %10s\n", "type", "accepted", "merged", "expired",
            "rejected");
    uint64_t sum[4] = {0};
    for (int t = 0; t < TRAWL_T_COUNT; t++) {
        if (!st->accepted[t] && !st->merged[t] && !st->expired[t] && !st->rejected[t]) continue;
        fprintf(stderr, "%-10s %10llu %10llu %10llu %10llu\n", trawl_ioc_type_name(t),
                (unsigned long long)st->accepted[t], (unsigned long long)st->merged[t],
                (unsigned long long)st->expired[t], (unsigned long long)st->rejected[t]);
        sum[0] += st->accepted[t];
        sum[1] += st->merged[t];
        sum[2] += st->expired[t];
        sum[3] += st->rejected[t];
    }
    if (st->rejected[TRAWL_T_COUNT]) {
        fprintf(stderr, "%-10s %10s %10s %10s %10llu\n", "unknown", "-", "-", "-",
                (unsigned long long)st->rejected[TRAWL_T_COUNT]);
        sum[3] += st->rejected[TRAWL_T_COUNT];
    }
    fprintf(stderr, "%-10s %10llu %10llu %10llu %10llu\n", "total", (unsigned long long)sum[0],
            (unsigned long long)sum[1], (unsigned long long)sum[2], (unsigned long long)sum[3]);
    if (in)
        fprintf(stderr,
                "trawl: %zu indicators from %d file(s) -> %s (%.1f MB, %llu literals, %llu "
                "hashed, %llu CIDRs) in %.2f s\n",
                total, nfiles, out, (double)in->file_size / 1e6, (unsigned long long)in->literals,
                (unsigned long long)in->hashed, (unsigned long long)in->cidrs, secs);
}

/* --dry-run: the indicators that would be compiled, grouped by type, sorted
 * by value. Dropped ones (allowlists) are left out. */
static const struct trawl_iocset *dry_set;

static int cmp_value(const void *a, const void *b)
{
    struct trawl_ioc_view va, vb;
    trawl_iocset_get(dry_set, *(const size_t *)a, &va);
    trawl_iocset_get(dry_set, *(const size_t *)b, &vb);
    int r = strcmp(va.value, vb.value);
    return r ? r : (int)va.flags - (int)vb.flags;
}

static int print_dry_run(const struct trawl_iocset *set, const bool *drop,
                         const char *const *warnings)
{
    size_t n = trawl_iocset_count(set);
    size_t *idx = malloc((n + 1) * sizeof(*idx));
    if (!idx) return -1;
    dry_set = set;
    for (int t = 0; t < TRAWL_T_COUNT; t++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            struct trawl_ioc_view v;
            trawl_iocset_get(set, i, &v);
            if ((int)v.type == t && !(drop && drop[i])) idx[k++] = i;
        }
        if (!k) continue;
        qsort(idx, k, sizeof(*idx), cmp_value);
        printf("# %s: %zu\n", trawl_ioc_type_name(t), k);
        for (size_t j = 0; j < k; j++) {
            struct trawl_ioc_view v;
            trawl_iocset_get(set, idx[j], &v);
            printf("%s\t%s\t%s\t", v.value, trawl_tlp_name(v.tlp), trawl_severity_name(v.severity));
            for (size_t s = 0; s < v.nsources; s++)
                printf("%s%s", s ? "," : "", v.sources[s]);
            const char *w = warnings ? warnings[idx[j]] : NULL;
            if (v.flags || w)
                printf("\t%s%s%s%s%s", v.flags & TRAWL_IOC_EXACT ? "exact" : "",
                       (v.flags & TRAWL_IOC_EXACT) && (v.flags & TRAWL_IOC_NOCASE) ? " " : "",
                       v.flags & TRAWL_IOC_NOCASE ? "nocase" : "", v.flags && w ? " " : "",
                       w ? "warning=" : "");
            if (w) fputs(w, stdout);
            putchar('\n');
        }
    }
    free(idx);
    return fflush(stdout) == 0 ? 0 : -1;
}

int cmd_compile(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"as", required_argument, NULL, 'a'},
        {"tlp", required_argument, NULL, 't'},
        {"severity", required_argument, NULL, 's'},
        {"source", required_argument, NULL, 'S'},
        {"no-utf16", no_argument, NULL, 'U'},
        {"lenient", no_argument, NULL, 'L'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"allowlist", required_argument, NULL, 'W'},
        {"flag-only", no_argument, NULL, 'F'},
        {"no-default-allowlist", no_argument, NULL, 'N'},
        {"include-non-ids", no_argument, NULL, 'I'},
        {"dry-run", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    struct trawl_load_opts lo;
    trawl_load_opts_init(&lo);
    const char *out = NULL;
    bool lenient = false, quiet = false, utf16 = true, flag_only = false, defaults = true;
    bool dry_run = false;
    const char *allow_paths[64];
    int nallow = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:f:a:t:s:S:nqh", lopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'f':
            if (trawl_format_parse(optarg, &lo.format))
                return cli_usage_error("compile", "unknown format '%s'", optarg);
            break;
        case 'a':
            if (trawl_ioc_type_parse(optarg, &lo.as_type))
                return cli_usage_error("compile", "unknown indicator type '%s'", optarg);
            break;
        case 't':
            if (trawl_tlp_parse(optarg, &lo.tlp))
                return cli_usage_error("compile", "unknown TLP '%s'", optarg);
            break;
        case 's': {
            enum trawl_severity sv;
            if (trawl_severity_parse(optarg, &sv))
                return cli_usage_error("compile", "unknown severity '%s'", optarg);
            lo.severity = sv;
            break;
        }
        case 'S':
            lo.source = optarg;
            break;
        case 'U':
            utf16 = false;
            break;
        case 'L':
            lenient = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'n':
            dry_run = true;
            break;
        case 'W':
            if (nallow == 64) return cli_usage_error("compile", "at most 64 --allowlist files");
            allow_paths[nallow++] = optarg;
            break;
        case 'F':
            flag_only = true;
            break;
        case 'N':
            defaults = false;
            break;
        case 'I':
            lo.include_non_ids = true;
            break;
        default:
            return cli_other_opt("compile", c, help, argv);
        }
    }
    if (!out && !dry_run) return cli_usage_error("compile", "no output file: give -o OUT.tdb");
    if (optind >= argc) return cli_usage_error("compile", "no input file");

    double t0 = trawl_now_mono();
    struct trawl_iocset *set;
    if (trawl_iocset_new(&set)) {
        cli_error("out of memory");
        return EXIT_TROUBLE;
    }
    struct trawl_load_stats st = {0};
    int failed_files = 0, nfiles = 0;
    for (int i = optind; i < argc; i++) {
        struct trawl_error err = {0};
        struct diag_state d = {.file = argv[i]};
        nfiles++;
        if (trawl_ioc_load_file(set, argv[i], &lo, &st, on_diag, &d, &err)) {
            char buf[1100];
            cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
            failed_files++;
        }
        if (d.hidden) fprintf(stderr, "%s: ... and %lu more problems\n", argv[i], d.hidden);
    }
    uint64_t rejected = st.rejected[TRAWL_T_COUNT], expired = 0;
    for (int t = 0; t < TRAWL_T_COUNT; t++) {
        rejected += st.rejected[t];
        expired += st.expired[t];
    }
    /* allowlists: one verdict per indicator, counted per list */
    struct trawl_allowlist *al = NULL;
    const char **warnings = NULL;
    if (trawl_allowlist_new(&al)) {
        cli_error("out of memory");
        trawl_iocset_free(set);
        return EXIT_TROUBLE;
    }
    if (defaults) trawl_allowlist_add_defaults(al);
    for (int i = 0; i < nallow; i++) {
        struct trawl_error aerr = {0};
        struct diag_state d = {.file = allow_paths[i]};
        if (trawl_allowlist_load(al, allow_paths[i], on_diag, &d, &aerr)) {
            char buf[1100];
            cli_error("%s", trawl_error_str(&aerr, buf, sizeof(buf)));
            failed_files++;
        }
    }
    size_t nset = trawl_iocset_count(set), nlists = trawl_allowlist_count(al);
    uint64_t *per_list = calloc(nlists + 1, sizeof(*per_list));
    warnings = calloc(nset + 1, sizeof(*warnings));
    if (!per_list || !warnings) {
        cli_error("out of memory");
        free(per_list);
        free(warnings);
        trawl_allowlist_free(al);
        trawl_iocset_free(set);
        return EXIT_TROUBLE;
    }
    bool *drop = calloc(nset + 1, sizeof(*drop));
    uint64_t flagged = 0, dropped = 0;
    for (size_t i = 0; drop && nlists && i < nset; i++) {
        struct trawl_ioc_view v;
        trawl_iocset_get(set, i, &v);
        long k = trawl_allowlist_lookup(al, v.type, v.value, v.flags);
        if (k < 0) continue;
        struct trawl_allowlist_info li;
        trawl_allowlist_info(al, (size_t)k, &li);
        warnings[i] = li.id && li.id[0] ? li.id : li.name;
        /* the built-in list only flags; lists given by the user drop */
        drop[i] = !flag_only && strcmp(li.type, "builtin");
        dropped += drop[i];
        flagged += !drop[i];
        per_list[k]++;
    }
    struct trawl_compile_opts co = {.utf16 = utf16,
                                    .expired = expired,
                                    .warnings = flagged || dropped ? warnings : NULL,
                                    .drop = dropped ? drop : NULL};
    struct trawl_db *db = NULL;
    struct trawl_error err = {0};
    int status = EXIT_HITS;
    if (dry_run) {
        if (print_dry_run(set, co.drop, co.warnings)) {
            cli_error("out of memory");
            status = EXIT_TROUBLE;
        }
    } else if (trawl_db_compile(set, &co, &db, &err) || trawl_db_write(db, out, &err)) {
        char buf[1100];
        cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
        status = EXIT_TROUBLE;
    }
    struct trawl_db_info in;
    if (db) trawl_db_info(db, &in);
    if (!quiet) {
        for (size_t k = 0; k < nlists; k++) {
            if (!per_list[k]) continue;
            struct trawl_allowlist_info li;
            trawl_allowlist_info(al, k, &li);
            fprintf(stderr, "trawl: allowlist %s: %llu indicator(s) %s\n",
                    li.id && li.id[0] ? li.id : li.name, (unsigned long long)per_list[k],
                    flag_only || !strcmp(li.type, "builtin") ? "flagged" : "dropped");
        }
        summary(&st, trawl_iocset_count(set) - dropped, nfiles, trawl_now_mono() - t0,
                status == EXIT_HITS && db ? &in : NULL, out);
        if (dry_run)
            fprintf(stderr, "trawl: %zu indicators from %d file(s); dry run, nothing written\n",
                    trawl_iocset_count(set) - dropped, nfiles);
    }
    free(per_list);
    free(warnings);
    free(drop);
    trawl_allowlist_free(al);
    trawl_db_close(db);
    trawl_iocset_free(set);
    if (status != EXIT_HITS || failed_files) return EXIT_TROUBLE;
    return rejected && !lenient ? 1 : 0;
}
