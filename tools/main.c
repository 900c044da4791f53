/* trawl: the command line. Dispatches to one file per subcommand. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "cli.h"
#include "trawl_capture.h"
#include "trawl_common.h"

static const char usage[] =
    "usage: trawl COMMAND [OPTIONS] ...\n"
    "\n"
    "IOC matching for incident response: compile indicators from CERT datasheets and\n"
    "feeds into a database, then scan logs, gzip archives and raw dumps for them.\n"
    "\n"
    "commands:\n"
    "  bench     vet an indicator set: cost, throughput, noisy and costly indicators\n"
    "  compile   load indicator files and write a compiled database (.tdb)\n"
    "  info      describe a compiled database\n"
    "  live      capture on a network interface (span port) and match its traffic\n"
    "  scan      scan files, directories, gzip archives or stdin; JSON hits out\n"
    "  status    show a distributed scan: jobs queued, running, done, failed; workers\n"
    "  submit    queue scan jobs for workers on other machines (Redis Streams)\n"
    "  triage    group hits by indicator and source, rank them, write an incident report\n"
    "  worker    run queued scan jobs on this machine, hits to sinks\n"
    "\n"
    "examples:\n"
    "  trawl compile -o iocs.tdb datasheets/*.csv feeds/intel.dat\n"
    "  trawl scan -d iocs.tdb /evidence/logs > hits.jsonl\n"
    "  trawl live -d iocs.tdb -i eth1 --user trawl -o hits.jsonl\n"
    "  trawl info iocs.tdb\n"
    "  trawl triage --report incident.md hits.jsonl\n"
    "  trawl bench -d iocs.tdb --json > bench.json\n"
    "  trawl submit --queue redis://10.0.0.5:6379/trawl:jobs -d iocs.tdb /mnt/evidence\n"
    "\n"
    "Run 'trawl COMMAND --help' for the options of a command.\n"
    "Exit status: 0 hits found (or success), 1 no hits, 2 an error happened.\n";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("trawl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void cli_report(void *ud, const char *where, const char *msg)
{
    (void)ud;
    if (where && *where)
        fprintf(stderr, "trawl: %s: %s\n", where, msg);
    else
        fprintf(stderr, "trawl: %s\n", msg);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("trawl: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "trawl %s: ", sub);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'trawl %s --help'.\n", sub);
    va_end(ap);
    return EXIT_TROUBLE;
}

int cli_other_opt(const char *sub, int c, const char *help, char **argv)
{
    if (c == 'h') {
        fputs(help, stdout);
        return EXIT_HITS;
    }
    if (c == ':') return cli_usage_error(sub, "option '%s' needs a value", argv[optind - 1]);
    return cli_usage_error(sub, "unknown option '%s'", argv[optind - 1]);
}

int cli_threads_opt(const char *sub, const char *arg, unsigned *out)
{
    unsigned long v;
    if (!cli_parse_uint(arg, 1024, &v) || !v)
        return cli_usage_error(sub, "-j needs a thread count from 1 to 1024");
    *out = (unsigned)v;
    return 0;
}

bool cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!s || !*s || *s == '-') return false;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v > max) return false;
    *out = v;
    return true;
}

int cli_caps_opt(const char *sub, int c, const char *arg, uint32_t *max_flows, uint64_t *stream_mem)
{
    unsigned long v;
    if (c == CLI_OPT_MAX_FLOWS) {
        if (!cli_parse_uint(arg, 1ul << 24, &v) || !v)
            return cli_usage_error(sub, "--max-flows needs a count from 1 to 16777216");
        *max_flows = (uint32_t)v;
    } else {
        if (!cli_parse_uint(arg, 65536, &v) || !v)
            return cli_usage_error(sub, "--stream-mem needs a size in MB from 1 to 65536");
        *stream_mem = (uint64_t)v << 20;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_TROUBLE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("trawl %s (Hyperscan %s, %s inflate)\n", TRAWL_VERSION, hs_version(),
               trawl_cap_have_isal() ? "ISA-L" : "zlib");
        return 0;
    }
    if (!strcmp(cmd, "bench")) return cmd_bench(argc - 1, argv + 1);
    if (!strcmp(cmd, "compile")) return cmd_compile(argc - 1, argv + 1);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 1, argv + 1);
    if (!strcmp(cmd, "live")) return cmd_live(argc - 1, argv + 1);
    if (!strcmp(cmd, "scan")) return cmd_scan(argc - 1, argv + 1);
    if (!strcmp(cmd, "status")) return cmd_status(argc - 1, argv + 1);
    if (!strcmp(cmd, "submit")) return cmd_submit(argc - 1, argv + 1);
    if (!strcmp(cmd, "triage")) return cmd_triage(argc - 1, argv + 1);
    if (!strcmp(cmd, "worker")) return cmd_worker(argc - 1, argv + 1);
    fprintf(stderr, "trawl: unknown command '%s'\n%s", cmd, usage);
    return EXIT_TROUBLE;
}
