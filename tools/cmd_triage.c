/* trawl triage: turns hits (JSON Lines files, stdin or a Redis stream) into a
 * triage queue: groups by indicator and by source datasheet, a triage level
 * per group as in CERT incident handling (1 confirm, 2 investigate, 3
 * crisis), a table or JSON, and a Markdown incident summary. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "triage.h"
#include "trawl_ioc.h"

static const char help[] =
    "usage: trawl triage [OPTIONS] HITS...\n"
    "\n"
    "Reads hits (docs/hits.md) from JSON Lines files, '-' for standard input, or\n"
    "Redis streams given as redis://HOST:PORT/STREAM (entries written by\n"
    "'trawl scan --sink redis://...', the hit in their \"json\" field). Groups them\n"
    "by indicator and by source datasheet. For each group: hits, distinct hosts (the\n"
    "src_ip/dest_ip of network hits, else the file), first and last seen, the\n"
    "strictest TLP and the highest severity, and a triage level:\n"
    "  3 crisis       critical severity, or at least --crisis-hosts hosts/files\n"
    "  2 investigate  high severity, or at least --investigate-hosts hosts/files\n"
    "                 (or --investigate-hits hits, when set)\n"
    "  1 confirm      the rest: lone low/medium hits, likely false positives\n"
    "Groups are sorted by level, severity, hosts, then hits (highest first).\n"
    "Malformed lines are reported as FILE:LINE: REASON and skipped. A hit_id seen\n"
    "twice counts once.\n"
    "\n"
    "options:\n"
    "      --json                one JSON document instead of the tables (see\n"
    "                            docs/triage.md for its schema)\n"
    "      --report FILE.md      also write a Markdown incident summary: TLP banner,\n"
    "                            period, IPs and FQDNs, hosts and files, log extracts\n"
    "  -o, --output FILE         write the table or JSON to FILE, not standard output\n"
    "      --investigate-hosts N level 2 from N distinct hosts/files (default 2)\n"
    "      --crisis-hosts N      level 3 from N distinct hosts/files (default 10)\n"
    "      --investigate-hits N  level 2 from N hits, even on one host (default 0: off)\n"
    "      --min-level N         show only groups at level N or above (default 1)\n"
    "      --max-tlp TLP         leave out hits above this TLP (clear, green, amber,\n"
    "                            amber+strict, red); they are only counted\n"
    "      --extracts N          log extracts kept per indicator (default 3, max 50)\n"
    "  -q, --quiet               no summary on standard error\n"
    "  -h, --help                this help\n"
    "\n"
    "Exit status: 0 done, 2 malformed lines were skipped, an input could not be read,\n"
    "an output could not be written, or bad usage.\n"
    "\n"
    "examples:\n"
    "  trawl scan -d iocs.tdb -o hits.jsonl /evidence && trawl triage hits.jsonl\n"
    "  trawl scan -d iocs.tdb /evidence | trawl triage --report incident.md -\n"
    "  trawl triage --crisis-hosts 5 --min-level 2 hits-*.jsonl\n"
    "  trawl triage --json redis://127.0.0.1:6379/trawl:hits > queue.json\n"
    "  trawl triage --max-tlp green --report share.md hits.jsonl\n";

int cmd_triage(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"json", no_argument, NULL, 'J'},
        {"report", required_argument, NULL, 'r'},
        {"output", required_argument, NULL, 'o'},
        {"investigate-hosts", required_argument, NULL, 'I'},
        {"crisis-hosts", required_argument, NULL, 'C'},
        {"investigate-hits", required_argument, NULL, 'H'},
        {"min-level", required_argument, NULL, 'L'},
        {"max-tlp", required_argument, NULL, 'T'},
        {"extracts", required_argument, NULL, 'E'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct triage_opts o = {
        .investigate_hosts = 2,
        .crisis_hosts = 10,
        .min_level = 1,
        .max_tlp = -1,
        .extracts = 3,
        .max_bad_shown = 10,
    };
    const char *report = NULL, *out = NULL;
    bool json = false, quiet = false;
    unsigned long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'J':
            json = true;
            break;
        case 'r':
            report = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'I':
            if (!cli_parse_uint(optarg, 1000000000, &v) || !v)
                return cli_usage_error("triage", "--investigate-hosts needs a count of 1 or more");
            o.investigate_hosts = v;
            break;
        case 'C':
            if (!cli_parse_uint(optarg, 1000000000, &v) || !v)
                return cli_usage_error("triage", "--crisis-hosts needs a count of 1 or more");
            o.crisis_hosts = v;
            break;
        case 'H':
            if (!cli_parse_uint(optarg, 1000000000, &v))
                return cli_usage_error("triage", "--investigate-hits needs a count (0 = off)");
            o.investigate_hits = v;
            break;
        case 'L':
            if (!cli_parse_uint(optarg, 3, &v) || !v)
                return cli_usage_error("triage", "--min-level takes 1, 2 or 3");
            o.min_level = v;
            break;
        case 'T': {
            enum trawl_tlp tlp;
            if (trawl_tlp_parse(optarg, &tlp))
                return cli_usage_error("triage", "unknown TLP '%s'", optarg);
            o.max_tlp = (int)tlp;
            break;
        }
        case 'E':
            if (!cli_parse_uint(optarg, TRIAGE_MAX_EXTRACTS, &v))
                return cli_usage_error("triage", "--extracts takes 0 to %d", TRIAGE_MAX_EXTRACTS);
            o.extracts = (unsigned)v;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cli_other_opt("triage", c, help, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("triage", "no hits to read: give JSONL files, '-' or "
                                         "redis://HOST:PORT/STREAM");
    if (o.investigate_hosts > o.crisis_hosts)
        return cli_usage_error("triage", "--investigate-hosts (%lu) is above --crisis-hosts (%lu)",
                               o.investigate_hosts, o.crisis_hosts);

    struct triage t;
    triage_init(&t, &o);
    int rc = 0;
    for (int i = optind; i < argc && !t.oom; i++)
        if (triage_read(&t, argv[i])) rc = EXIT_TROUBLE;
    if (t.oom) {
        cli_error("out of memory");
        triage_free(&t);
        return EXIT_TROUBLE;
    }
    if (t.bad > o.max_bad_shown)
        cli_warn("%llu more malformed line(s) not shown",
                 (unsigned long long)(t.bad - o.max_bad_shown));
    triage_finish(&t);
    if (t.oom) {
        cli_error("out of memory");
        triage_free(&t);
        return EXIT_TROUBLE;
    }

    FILE *f = stdout;
    if (out && strcmp(out, "-") && !(f = fopen(out, "w"))) {
        cli_error("%s: cannot create: %s", out, strerror(errno));
        triage_free(&t);
        return EXIT_TROUBLE;
    }
    if (json)
        triage_print_json(&t, f);
    else
        triage_print_table(&t, f);
    if (fflush(f) || ferror(f)) {
        cli_error("%s: write error: %s", f == stdout ? "stdout" : out, strerror(errno));
        rc = EXIT_TROUBLE;
    }
    if (f != stdout && fclose(f)) {
        cli_error("%s: %s", out, strerror(errno));
        rc = EXIT_TROUBLE;
    }
    if (report && triage_write_report(&t, report, (const char *const *)argv + optind,
                                      (size_t)(argc - optind)))
        rc = EXIT_TROUBLE;

    if (!quiet) {
        size_t lv[4] = {0};
        for (size_t i = 0; i < t.nind; i++)
            lv[t.ind[i].level]++;
        fprintf(stderr,
                "trawl: %llu hit(s), %zu indicator(s) [level 3: %zu, level 2: %zu, level 1: "
                "%zu], %zu source(s), %zu host(s)/file(s)",
                (unsigned long long)t.hits, t.nind, lv[3], lv[2], lv[1], t.nsrc, t.all_hosts.n);
        if (t.duplicates)
            fprintf(stderr, ", %llu duplicate(s) dropped", (unsigned long long)t.duplicates);
        if (t.withheld)
            fprintf(stderr, ", %llu withheld above TLP %s", (unsigned long long)t.withheld,
                    trawl_tlp_name(o.max_tlp));
        if (t.other_events)
            fprintf(stderr, ", %llu non-hit record(s) ignored", (unsigned long long)t.other_events);
        fprintf(stderr, ", %llu malformed line(s)\n", (unsigned long long)t.bad);
    }
    if (t.bad) rc = EXIT_TROUBLE;
    triage_free(&t);
    return rc;
}
