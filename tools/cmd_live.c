/* trawl live: taps a network interface (a SOC's span or mirror port) and
 * matches its traffic as trawl scan matches a capture file. Root is needed
 * only to open the capture: privileges are dropped to --user right after.
 * With -j N the capture thread decodes and hands each flow's packets to one
 * of N workers (engine/netscan.c). SIGHUP reloads the database file between
 * two packets without stopping the capture (every worker switches at the
 * same packet); SIGINT/SIGTERM stop, end every flow in every worker and
 * flush the sinks. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sinks_cli.h"
#include "trawl_engine.h"

static const char help[] =
    "usage: trawl live -d DB.tdb -i IFACE [OPTIONS]\n"
    "\n"
    "Captures packets on a network interface (a span or mirror port) and matches\n"
    "them as 'trawl scan' matches a capture file: flow addresses, TCP streams\n"
    "reassembled, UDP datagrams, DNS names and HTTP URLs. One JSON object per hit\n"
    "(see docs/hits.md), with \"db\": the checksum of the database that found it.\n"
    "\n"
    "options:\n"
    "  -d, --db FILE         compiled database (required; reloaded on SIGHUP)\n"
    "  -i, --interface IF    interface to capture on (required)\n"
    "  -f, --filter EXPR     BPF filter, tcpdump syntax (e.g. 'udp port 53 or tcp')\n"
    "  -j, --threads N       workers the flows are spread over (default: number of cores);\n"
    "                        the capture thread decodes each packet (IP fragments rebuilt)\n"
    "                        and hands it to the worker that owns its flow, chosen by a\n"
    "                        symmetric hash of addresses and ports, so both directions\n"
    "                        meet on one worker; flow-table and stream-buffer caps are\n"
    "                        shared out. -j1 runs everything on the capture thread\n"
    "  -u, --user NAME       drop root privileges to NAME once the capture is open\n"
    "      --snaplen BYTES   bytes kept per packet (default 262144)\n"
    "      --no-promisc      do not put the interface in promiscuous mode\n" CLI_CAPS_HELP
    "      --stats SEC       statistics on stderr every SEC seconds (default 10, 0 = off):\n"
    "                        packets, bytes, hits, active flows, kernel drops, flows\n"
    "                        timed out and evicted (summed over the workers)\n"
    "  -o, --output FILE     write hits to FILE instead of standard output\n"
    "      --sink SPEC       send hits to a sink (repeatable; replaces standard output):\n"
    "                          stdout | jsonl:PATH[,rotate=SIZE] | redis://HOST:PORT/STREAM\n"
    "                          options: ,max-tlp=TLP  ,redact  (,spool=PATH for Redis)\n"
    "      --max-tlp TLP     TLP ceiling of standard output / -o (default amber+strict)\n"
    "      --redact          send hits above the ceiling with the value replaced by its id\n"
    "      --aggregate SEC   emit the same indicator on the same interface once per SEC\n"
    "                        seconds, with count, first_seen, last_seen and last_offset\n"
    "  -q, --quiet           no start, statistics or summary lines on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "Signals: SIGHUP reloads DB.tdb (replace the file atomically, e.g. compile to a\n"
    "temporary name and rename it); a database that cannot be loaded is reported and\n"
    "the old one is kept. The workers first finish the packets captured before the\n"
    "reload, then all switch at the same packet: each hit's \"db\" names the database\n"
    "that found it. SIGINT/SIGTERM stop the capture, end every flow in every worker\n"
    "(their address hits and stream tails are written) and flush the sinks.\n"
    "\n"
    "Exit status: 0 hits found, 1 no hits, 2 an error happened.\n"
    "\n"
    "examples:\n"
    "  trawl live -d iocs.tdb -i eth1 --user trawl -o /var/log/trawl/hits.jsonl\n"
    "  trawl live -d iocs.tdb -i eth1 -f 'not port 22' \\\n"
    "             --sink redis://127.0.0.1:6379/trawl:hits --aggregate 60\n";

static volatile sig_atomic_t stop_flag, reload_flag;
static struct trawl_pcap *volatile live_pc;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
    if (live_pc) trawl_pcap_break(live_pc);
}

static void on_hup(int sig)
{
    (void)sig;
    reload_flag = 1;
}

static void print_err(const struct trawl_error *err)
{
    char buf[1100];
    cli_error("%s", trawl_error_str(err, buf, sizeof(buf)));
}

/* The database "version" written with each hit: its checksum in hex. */
static void db_id(const struct trawl_db *db, char out[17])
{
    struct trawl_db_info in;
    trawl_db_info(db, &in);
    snprintf(out, 17, "%016llx", (unsigned long long)in.checksum);
}

/* setgid/setuid to user, with its supplementary groups. */
static int drop_privileges(const char *user)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        cli_error("--user %s: %s", user, errno ? strerror(errno) : "no such user");
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
        cli_error("cannot drop privileges to %s: %s", user, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
        cli_error("cannot drop privileges to %s: root could be regained", user);
        return -1;
    }
    return 0;
}

struct live {
    const char *iface;
    const char *dbpath;
    struct trawl_db *db;
    struct trawl_matcher *m;
    char ids[2][17]; /* current and previous database ids (hits keep a pointer) */
    int cur;
    struct trawl_netscan *ns;
    struct trawl_pcap *pc;
    struct cli_sinks *cs;
    bool quiet;
    uint64_t reloads;
};

/* SIGHUP: load the file again and swap between two packets. The sinks are
 * synced first so that hits aggregated under the old database are written
 * while it is still open. */
static void reload(struct live *lv)
{
    struct trawl_error err = {0};
    struct trawl_db *db;
    struct trawl_matcher *m;
    char buf[1100];
    if (trawl_db_open(lv->dbpath, &db, &err)) {
        cli_error("live %s: reload failed, keeping database %s: %s", lv->iface, lv->ids[lv->cur],
                  trawl_error_str(&err, buf, sizeof(buf)));
        return;
    }
    if (trawl_matcher_new(db, &m, &err)) {
        cli_error("live %s: reload failed, keeping database %s: %s", lv->iface, lv->ids[lv->cur],
                  trawl_error_str(&err, buf, sizeof(buf)));
        trawl_db_close(db);
        return;
    }
    trawl_sinks_sync(lv->cs->sinks);
    int next = !lv->cur;
    db_id(db, lv->ids[next]);
    /* the workers are idle here: trawl_netscan_run drained them */
    if (trawl_netscan_set_db(lv->ns, db, m, lv->ids[next], &err)) {
        cli_error("live %s: reload failed, keeping database %s: %s", lv->iface, lv->ids[lv->cur],
                  trawl_error_str(&err, buf, sizeof(buf)));
        trawl_matcher_free(m);
        trawl_db_close(db);
        return;
    }
    trawl_matcher_free(lv->m);
    trawl_db_close(lv->db);
    lv->db = db;
    lv->m = m;
    lv->reloads++;
    if (!lv->quiet)
        fprintf(stderr, "trawl: live %s: database reloaded: %s, %zu indicators (was %s)\n",
                lv->iface, lv->ids[next], trawl_db_count(db), lv->ids[lv->cur]);
    lv->cur = next;
}

/* what: NULL for the periodic line, else the final line's preamble */
static void print_stats(struct live *lv, const char *what)
{
    struct trawl_netscan_stats st;
    trawl_netscan_get_stats(lv->ns, &st);
    uint64_t recv = 0, drop = 0;
    bool kern = trawl_pcap_stats(lv->pc, &recv, &drop) == 0;
    fprintf(stderr, "trawl: live %s: %s%llu packets, %.1f MB scanned, %llu hit(s), %llu flows%s",
            lv->iface, what ? what : "", (unsigned long long)st.packets, (double)st.bytes / 1e6,
            (unsigned long long)st.hits, (unsigned long long)(what ? st.flows : st.flows_active),
            what ? "" : " active");
    if (kern)
        fprintf(stderr, ", kernel: %llu received, %llu dropped", (unsigned long long)recv,
                (unsigned long long)drop);
    fprintf(stderr, ", flows: %llu timed out, %llu evicted", (unsigned long long)st.flows_timeout,
            (unsigned long long)st.flows_evicted);
    fputc('\n', stderr);
}

int cmd_live(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"interface", required_argument, NULL, 'i'},
        {"filter", required_argument, NULL, 'f'},
        {"threads", required_argument, NULL, 'j'},
        {"user", required_argument, NULL, 'u'},
        {"snaplen", required_argument, NULL, 'S'},
        {"no-promisc", no_argument, NULL, 'N'},
        {"stats", required_argument, NULL, 's'},
        {"output", required_argument, NULL, 'o'},
        {"sink", required_argument, NULL, 'K'},
        {"max-tlp", required_argument, NULL, 'T'},
        {"redact", no_argument, NULL, 'R'},
        {"aggregate", required_argument, NULL, 'A'},
        {"max-flows", required_argument, NULL, CLI_OPT_MAX_FLOWS},
        {"stream-mem", required_argument, NULL, CLI_OPT_STREAM_MEM},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dbpath = NULL, *iface = NULL, *filter = NULL, *user = NULL;
    unsigned long snaplen = 0, stats_every = 10;
    unsigned threads = 0;
    bool promisc = true, quiet = false;
    uint32_t caps_flows = 0;
    uint64_t caps_mem = 0;
    struct cli_sinks cs;
    cli_sinks_init(&cs);
    int c, r;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:i:f:j:u:o:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            dbpath = optarg;
            break;
        case 'i':
            iface = optarg;
            break;
        case 'f':
            filter = optarg;
            break;
        case 'j':
            if ((r = cli_threads_opt("live", optarg, &threads))) return r;
            break;
        case 'u':
            user = optarg;
            break;
        case 'S':
            if (!cli_parse_uint(optarg, 262144, &snaplen) || snaplen < 64)
                return cli_usage_error("live", "--snaplen needs a size from 64 to 262144");
            break;
        case 'N':
            promisc = false;
            break;
        case 's':
            if (!cli_parse_uint(optarg, 86400, &stats_every))
                return cli_usage_error("live", "--stats needs a number of seconds (0 = off)");
            break;
        case 'o':
        case 'K':
        case 'T':
        case 'R':
        case 'A':
            if ((r = cli_sinks_opt(&cs, "live", c, optarg))) return r;
            break;
        case CLI_OPT_MAX_FLOWS:
        case CLI_OPT_STREAM_MEM:
            if ((r = cli_caps_opt("live", c, optarg, &caps_flows, &caps_mem))) return r;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cli_other_opt("live", c, help, argv);
        }
    }
    if (!dbpath) return cli_usage_error("live", "no database: give -d DB.tdb");
    if (!iface) return cli_usage_error("live", "no interface: give -i IFACE");
    if (optind < argc) return cli_usage_error("live", "unexpected argument '%s'", argv[optind]);

    struct live lv = {.iface = iface, .dbpath = dbpath, .cs = &cs, .quiet = quiet};
    struct trawl_error err = {0};
    int status = EXIT_TROUBLE;
    if (trawl_db_open(dbpath, &lv.db, &err)) {
        print_err(&err);
        return EXIT_TROUBLE;
    }
    db_id(lv.db, lv.ids[0]);
    if (trawl_matcher_new(lv.db, &lv.m, &err)) {
        print_err(&err);
        goto out;
    }
    /* output files are created before privileges are dropped */
    if (cli_sinks_open(&cs, cli_report)) goto out;
    if (trawl_pcap_open_live(iface, (uint32_t)snaplen, promisc, &lv.pc, &err) ||
        (filter && trawl_pcap_set_filter(lv.pc, filter, &err))) {
        print_err(&err);
        goto out;
    }
    if (user) {
        if (drop_privileges(user)) goto out;
        if (access(dbpath, R_OK))
            cli_warn("%s is not readable by %s (%s): SIGHUP reloads will fail", dbpath, user,
                     strerror(errno));
    }
    if (!threads) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        threads = nc > 0 ? (unsigned)nc : 1;
    }
    struct trawl_netscan_opts no = {.sinks = cs.sinks,
                                    .name = iface,
                                    .db_id = lv.ids[0],
                                    .threads = (unsigned)threads,
                                    .max_flows = caps_flows,
                                    .stream_mem = caps_mem,
                                    .prompt = true};
    if (trawl_netscan_new(lv.db, lv.m, &no, &lv.ns, &err)) {
        print_err(&err);
        goto out;
    }

    live_pc = lv.pc;
    struct sigaction sa = {.sa_handler = on_stop};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!quiet) {
        struct trawl_netscan_stats st0;
        trawl_netscan_get_stats(lv.ns, &st0);
        fprintf(stderr,
                "trawl: live %s: capturing, database %s (%zu indicators), %u worker(s)%s%s%s%s%s\n",
                iface, lv.ids[0], trawl_db_count(lv.db), st0.workers, filter ? ", filter '" : "",
                filter ? filter : "", filter ? "'" : "", user ? ", running as " : "",
                user ? user : "");
    }
    double t0 = trawl_now_mono(), next_stats = t0 + (double)stats_every;
    /* hits are pushed out at least once a second: a live pipe wants them now */
    struct trawl_netscan_loop loop = {.stop = &stop_flag, .reload = &reload_flag, .tick = 1.0};
    int why;
    while ((why = trawl_netscan_run(lv.ns, lv.pc, &loop, &err)) > TRAWL_NETSCAN_STOP) {
        if (why == TRAWL_NETSCAN_RELOAD) {
            reload_flag = 0;
            reload(&lv);
        }
        trawl_sinks_flush(cs.sinks);
        double now = trawl_now_mono();
        if (stats_every && !quiet && now >= next_stats) {
            print_stats(&lv, NULL);
            next_stats = now + (double)stats_every;
        }
    }
    bool failed = false;
    if (why < 0) {
        print_err(&err);
        failed = true;
    }
    trawl_netscan_flush(lv.ns); /* address hits and stream tails of every flow */
    if (trawl_netscan_failed(lv.ns)) failed = true;
    if (cli_sinks_close(&cs)) failed = true;
    struct trawl_netscan_stats st;
    trawl_netscan_get_stats(lv.ns, &st);
    if (!quiet) {
        char what[64];
        snprintf(what, sizeof(what),
                 "stopped after %.0f s, %llu reload(s): ", trawl_now_mono() - t0,
                 (unsigned long long)lv.reloads);
        print_stats(&lv, what);
        cli_sinks_summary(&cs);
    }
    status = failed ? EXIT_TROUBLE : st.hits ? EXIT_HITS : EXIT_NOHITS;
out:
    live_pc = NULL;
    trawl_netscan_free(lv.ns);
    trawl_pcap_close(lv.pc);
    cli_sinks_free(&cs);
    trawl_matcher_free(lv.m);
    trawl_db_close(lv.db);
    return status;
}
