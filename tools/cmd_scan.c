/* trawl scan: scan files, directories, gzip archives and stdin. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sinks_cli.h"
#include "trawl_engine.h"

static const char help[] =
    "usage: trawl scan -d DB.tdb [OPTIONS] PATH...\n"
    "\n"
    "Scans files and directories (recursively) for the indicators of a compiled\n"
    "database. gzip archives (also multi-member) are decompressed on the fly; other\n"
    "files are scanned as raw bytes (logs, disk images, memory dumps). '-' reads\n"
    "standard input. Network captures (pcap, pcapng, also gzip) are matched as\n"
    "traffic: flow addresses, TCP streams, UDP datagrams, DNS names, HTTP URLs.\n"
    "One JSON object per hit is written (see docs/hits.md).\n"
    "\n"
    "options:\n"
    "  -d, --db FILE         compiled database (required; see trawl compile)\n"
    "  -j, --threads N       worker threads (default: number of cores). Files and large\n"
    "                        files' chunks are shared out among them. A capture file is\n"
    "                        read and decoded by one thread (IP fragments rebuilt) that\n"
    "                        hands each packet to one of its own workers (N, fewer when\n"
    "                        other files keep the pool busy), chosen by\n"
    "                        a symmetric hash of addresses and ports: both directions of\n"
    "                        a flow meet on one worker, which owns the flow's state, and\n"
    "                        the flow-table and stream-buffer caps are shared out. The\n"
    "                        hits do not depend on N; -j1 uses no extra thread\n"
    "  -o, --output FILE     write hits to FILE instead of standard output\n"
    "      --sink SPEC       send hits to a sink (repeatable; replaces standard output):\n"
    "                          stdout | jsonl:PATH[,rotate=SIZE] | redis://HOST:PORT/STREAM\n"
    "                          options: ,max-tlp=TLP  ,redact  (,spool=PATH for Redis)\n"
    "      --max-tlp TLP     TLP ceiling of standard output / -o (default amber+strict:\n"
    "                        RED hits are withheld unless you say red)\n"
    "      --redact          send hits above the ceiling with the value replaced by its id\n"
    "      --aggregate SEC   emit the same indicator in the same file once per SEC seconds,\n"
    "                        with count, first_seen, last_seen and last_offset\n"
    "      --utf16 MODE      auto (binary input only; default), on, off\n"
    "      --chunk MB        split large files into chunks of MB megabytes (default 1),\n"
    "                        and read gzip and pipes in blocks of that size (default 4)\n"
    "  capture files (pcap, pcapng):\n" CLI_CAPS_HELP
    "  -q, --quiet           no summary or progress on stderr\n"
    "      --progress        force the progress line even when stderr is not a terminal\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 hits found, 1 no hits, 2 an error happened (hits found before it\n"
    "are still written). SIGINT/SIGTERM stop the scan and flush what was found.\n"
    "\n"
    "examples:\n"
    "  trawl scan -d iocs.tdb /var/log\n"
    "  trawl scan -d iocs.tdb -j 8 -o hits.jsonl /evidence/*.gz\n"
    "  trawl scan -d iocs.tdb -j 4 capture.pcapng traffic.pcap.gz\n"
    "  zcat old.log.gz | trawl scan -d iocs.tdb -\n"
    "  trawl scan -d iocs.tdb --sink jsonl:/var/spool/trawl/hits.jsonl,rotate=100M \\\n"
    "             --sink redis://127.0.0.1:6379/trawl:hits,max-tlp=green /evidence\n"
    "  trawl scan -d iocs.tdb --utf16 on memory.dmp\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct progress {
    _Atomic uint64_t bytes;
    volatile int done;
    double t0;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void *progress_main(void *arg)
{
    struct progress *p = arg;
    bool shown = false;
    pthread_mutex_lock(&p->mu);
    while (!p->done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 500000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        double el = trawl_now_mono() - p->t0;
        if (p->done || el < 1.0) continue;
        uint64_t b = atomic_load(&p->bytes);
        fprintf(stderr, "\r\033[Ktrawl: %.1f MB scanned, %.0f MB/s, %.0f s", (double)b / 1e6,
                (double)b / 1e6 / el, el);
        shown = true;
    }
    pthread_mutex_unlock(&p->mu);
    if (shown) fputs("\r\033[K", stderr);
    return NULL;
}

int cmd_scan(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"threads", required_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"utf16", required_argument, NULL, 'U'},
        {"chunk", required_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'q'},
        {"progress", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {"sink", required_argument, NULL, 'K'},
        {"max-tlp", required_argument, NULL, 'T'},
        {"redact", no_argument, NULL, 'R'},
        {"aggregate", required_argument, NULL, 'A'},
        {"max-flows", required_argument, NULL, CLI_OPT_MAX_FLOWS},
        {"stream-mem", required_argument, NULL, CLI_OPT_STREAM_MEM},
        {NULL, 0, NULL, 0},
    };
    struct trawl_scan_opts so;
    trawl_scan_opts_init(&so);
    const char *dbpath = NULL;
    bool quiet = false, force_progress = false;
    struct cli_sinks cs;
    cli_sinks_init(&cs);
    unsigned long v;
    int c, r;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:j:o:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dbpath = optarg;
            break;
        case 'j':
            if ((r = cli_threads_opt("scan", optarg, &so.threads))) return r;
            break;
        case 'o':
        case 'K':
        case 'T':
        case 'R':
        case 'A':
            if ((r = cli_sinks_opt(&cs, "scan", c, optarg))) return r;
            break;
        case 'U':
            if (!strcmp(optarg, "auto"))
                so.utf16 = -1;
            else if (!strcmp(optarg, "on"))
                so.utf16 = 1;
            else if (!strcmp(optarg, "off"))
                so.utf16 = 0;
            else
                return cli_usage_error("scan", "--utf16 takes auto, on or off");
            break;
        case 'C':
            if (!cli_parse_uint(optarg, 1 << 20, &v) || !v)
                return cli_usage_error("scan", "--chunk needs a size in MB");
            so.chunk_size = (size_t)v << 20;
            break;
        case CLI_OPT_MAX_FLOWS:
        case CLI_OPT_STREAM_MEM:
            if ((r = cli_caps_opt("scan", c, optarg, &so.max_flows, &so.stream_mem))) return r;
            break;
        case 'q':
            quiet = true;
            break;
        case 'P':
            force_progress = true;
            break;
        default:
            return cli_other_opt("scan", c, help, argv);
        }
    }
    if (!dbpath) return cli_usage_error("scan", "no database: give -d DB.tdb");
    if (optind >= argc)
        return cli_usage_error("scan", "nothing to scan: give files, directories or '-'");

    struct trawl_db *db;
    struct trawl_error err = {0};
    if (trawl_db_open(dbpath, &db, &err)) {
        char buf[1100];
        cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
        return EXIT_TROUBLE;
    }
    if (cli_sinks_open(&cs, cli_report)) {
        trawl_db_close(db);
        return EXIT_TROUBLE;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct progress pr = {.t0 = trawl_now_mono()};
    pthread_mutex_init(&pr.mu, NULL);
    pthread_cond_init(&pr.cv, NULL);
    pthread_t pth;
    bool progress = !quiet && (force_progress || isatty(2));
    if (progress && pthread_create(&pth, NULL, progress_main, &pr)) progress = false;

    so.sinks = cs.sinks;
    so.on_error = cli_report;
    so.stop = &stop_flag;
    trawl_cap_set_stop_flag(&stop_flag);
    so.progress = &pr.bytes;
    struct trawl_scan_stats st;
    r = trawl_scan_paths(db, (const char *const *)argv + optind, (size_t)(argc - optind), &so, &st);
    if (progress) {
        pthread_mutex_lock(&pr.mu);
        pr.done = 1;
        pthread_cond_signal(&pr.cv);
        pthread_mutex_unlock(&pr.mu);
        pthread_join(pth, NULL);
    }
    if (cli_sinks_close(&cs)) st.write_failed = true;
    if (!quiet) {
        fprintf(stderr, "trawl: %llu file(s), %.1f MB in %.2f s (%.0f MB/s), %llu hit(s)",
                (unsigned long long)st.files, (double)st.bytes / 1e6, st.seconds,
                st.seconds > 0 ? (double)st.bytes / 1e6 / st.seconds : 0.0,
                (unsigned long long)st.hits);
        const char *sep = " [";
        for (int t = 0; t < TRAWL_T_COUNT; t++)
            if (st.hits_by_type[t]) {
                fprintf(stderr, "%s%s %llu", sep, trawl_ioc_type_name(t),
                        (unsigned long long)st.hits_by_type[t]);
                sep = ", ";
            }
        fprintf(stderr, "%s, %llu error(s)%s\n", sep[0] == ',' ? "]" : "",
                (unsigned long long)st.errors, st.interrupted ? ", interrupted" : "");
        if (st.packets)
            fprintf(stderr,
                    "trawl: captures: %llu packets, %llu flows (%llu timed out, %llu evicted)\n",
                    (unsigned long long)st.packets, (unsigned long long)st.flows,
                    (unsigned long long)st.flows_timeout, (unsigned long long)st.flows_evicted);
        cli_sinks_summary(&cs);
    }
    cli_sinks_free(&cs);
    trawl_db_close(db);
    if (r || st.write_failed || st.interrupted) return EXIT_TROUBLE;
    return st.hits ? EXIT_HITS : EXIT_NOHITS;
}
