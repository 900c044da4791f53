/* trawl bench: vets an indicator set before it is deployed. Measures what the
 * set costs (compile time and memory, database, scratch and per-flow stream
 * state sizes, scan throughput on one core and on all of them) and what it
 * would drown the triage queue with (hits per indicator on benign data), then
 * prices each type group and each suspicious indicator by re-compiling the
 * set without it, and turns the findings into recommendations. The benign
 * corpus is generated (tools/bench_corpus.c) unless one is given. Report
 * format and JSON schema: docs/bench.md. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <unistd.h>

#include <hs/hs.h>

#include "bench_corpus.h"
#include "cli.h"
#include "trawl_engine.h"

static const char help[] =
    "usage: trawl bench -d DB.tdb [OPTIONS] [CORPUS...]\n"
    "       trawl bench [OPTIONS] IOCFILE...   (compile the set on the fly)\n"
    "\n"
    "Vets an indicator set before deployment. Reports:\n"
    "  - compile time and peak memory, database size, Hyperscan scratch per thread and\n"
    "    the per-flow stream state the set's literals would need in stream mode;\n"
    "  - scan throughput on one core and on all cores (median of --runs runs);\n"
    "  - noise: the indicators with the most hits on benign data, flagging those above\n"
    "    --noise-threshold hits per MB and known benign infrastructure (public resolvers,\n"
    "    top sites, shared hosting parents, private ranges, empty-file hashes...);\n"
    "  - cost: throughput without each type group, and short literals (< 4 bytes) and\n"
    "    regexes priced one by one;\n"
    "  - recommendations, and with --compare the difference to an older set.\n"
    "The corpus is the files and directories given (gzip is read; pcap/pcapng are\n"
    "scanned as traffic), or else a generated benign corpus of proxy, DNS, web,\n"
    "syslog, mail, firewall and EDR logs plus a capture of DNS and HTTP traffic.\n"
    "See docs/bench.md.\n"
    "\n"
    "options:\n"
    "  -d, --db FILE             compiled database to vet (else IOCFILEs are compiled)\n"
    "  -c, --corpus PATH         benign corpus file or directory (repeatable; with -d,\n"
    "                            extra arguments are corpus paths too)\n"
    "      --corpus-size MB      size of the generated corpus (default 64)\n"
    "      --seed N              seed of the generated corpus (default 1)\n"
    "      --save-corpus FILE    keep the generated corpus in FILE\n"
    "  -j, --threads N           threads for the all-cores run (default: number of cores)\n"
    "      --runs N              runs per throughput figure, median taken (default 3)\n"
    "      --top N               noisiest indicators listed (default 20)\n"
    "      --noise-threshold X   hits per MB of benign data above which an indicator is\n"
    "                            noisy (default 1; at least 3 hits are needed too)\n"
    "      --no-cost             skip the per-group and per-indicator cost runs\n"
    "      --no-compile          with -d: do not re-compile the set to measure the compile\n"
    "                            (the time recorded in the database is shown instead)\n"
    "      --compare OLD.tdb     indicators added and removed since OLD, throughput of both\n"
    "      --json                JSON report on standard output (schema: docs/bench.md)\n"
    "  -f, --format FMT          format of IOCFILEs (as trawl compile)\n"
    "  -a, --as TYPE             type of untyped values in IOCFILEs\n"
    "  -q, --quiet               no progress lines on stderr\n"
    "  -h, --help                this help\n"
    "\n"
    "Exit status: 0 report written and nothing flagged, 1 report written and some\n"
    "indicators flagged noisy or costly (for CI gates), 2 an error happened.\n"
    "\n"
    "examples:\n"
    "  trawl bench -d iocs.tdb                       # generated 64 MB benign corpus\n"
    "  trawl bench -d iocs.tdb /var/log/squid /var/log/syslog.1.gz\n"
    "  trawl bench --corpus-size 16 datasheets/*.csv # compile on the fly\n"
    "  trawl bench -d new.tdb --compare old.tdb --json > bench.json\n";

#define MAX_CORPUS 64
#define STEP (1u << 20)       /* noise pass: bytes per span */
#define BLOCK (4u << 20)      /* noise pass: stream block */
#define LOOKBEHIND 512        /* noise pass: carried bytes before a window */
#define STREAM_MAX_LIT 300000 /* above: stream-state compile too slow, n/a */
#define COST_MAX_LIT 300000   /* above: cost re-compiles too slow, skipped */
#define INDIV_MAX 8           /* suspicious indicators priced one by one */
#define SHORT_LIT 4           /* literals shorter than this are costly */
#define NOISY_MIN_HITS 3
#define GROUP_COSTLY 50         /* % gain without a group that earns a recommendation */
#define LIST_MAX 200            /* entries of the noisy/costly lists in JSON */
#define EXAMPLES 20             /* --compare examples */
#define SMALL_CORPUS (1u << 20) /* below: per-MB and throughput figures are rough */

enum group {
    G_IPV4,
    G_IPV6,
    G_CIDR,
    G_DOMAIN,
    G_URL,
    G_EMAIL,
    G_HASH,
    G_FILENAME,
    G_STRING,
    G_REGEX,
    G_SHORT, /* literals under SHORT_LIT bytes, across types */
    G_COUNT,
};

static const char *const group_names[G_COUNT] = {"ipv4",   "ipv6",  "cidr",          "domain",
                                                 "url",    "email", "hash",          "filename",
                                                 "string", "regex", "short-literals"};

static enum group group_of(enum trawl_ioc_type t)
{
    switch (t) {
    case TRAWL_T_IPV4:
        return G_IPV4;
    case TRAWL_T_IPV6:
        return G_IPV6;
    case TRAWL_T_CIDR:
        return G_CIDR;
    case TRAWL_T_DOMAIN:
        return G_DOMAIN;
    case TRAWL_T_URL:
        return G_URL;
    case TRAWL_T_EMAIL:
        return G_EMAIL;
    case TRAWL_T_FILENAME:
        return G_FILENAME;
    case TRAWL_T_STRING:
        return G_STRING;
    case TRAWL_T_REGEX:
        return G_REGEX;
    default:
        return G_HASH;
    }
}

static bool is_literal_type(enum trawl_ioc_type t)
{
    return t == TRAWL_T_DOMAIN || t == TRAWL_T_URL || t == TRAWL_T_EMAIL || t == TRAWL_T_FILENAME ||
           t == TRAWL_T_STRING;
}

/* ---- known benign infrastructure --------------------------------------------
 * A small built-in list of values that turn up in real CERT lists by mistake.
 * They are flagged whatever the corpus says: a small corpus may simply not
 * contain them. */

struct named {
    const char *value;
    const char *what;
};

static const struct named RESOLVERS[] = {
    {"8.8.8.8", "Google Public DNS"},
    {"8.8.4.4", "Google Public DNS"},
    {"1.1.1.1", "Cloudflare DNS"},
    {"1.0.0.1", "Cloudflare DNS"},
    {"9.9.9.9", "Quad9 DNS"},
    {"149.112.112.112", "Quad9 DNS"},
    {"208.67.222.222", "OpenDNS"},
    {"208.67.220.220", "OpenDNS"},
    {"94.140.14.14", "AdGuard DNS"},
    {"94.140.15.15", "AdGuard DNS"},
    {"64.6.64.6", "Verisign DNS"},
    {"4.2.2.2", "Level3 DNS"},
    {"2001:4860:4860::8888", "Google Public DNS"},
    {"2001:4860:4860::8844", "Google Public DNS"},
    {"2606:4700:4700::1111", "Cloudflare DNS"},
    {"2606:4700:4700::1001", "Cloudflare DNS"},
    {"2620:fe::fe", "Quad9 DNS"},
    {"2620:fe::9", "Quad9 DNS"},
};

static const char *const TOP_DOMAINS[] = {
    "google.com",      "googleapis.com",      "gstatic.com",  "youtube.com",     "microsoft.com",
    "windows.com",     "windowsupdate.com",   "office.com",   "office365.com",   "live.com",
    "outlook.com",     "microsoftonline.com", "bing.com",     "msftncsi.com",    "apple.com",
    "icloud.com",      "amazon.com",          "facebook.com", "fbcdn.net",       "instagram.com",
    "whatsapp.com",    "twitter.com",         "x.com",        "linkedin.com",    "wikipedia.org",
    "yahoo.com",       "github.com",          "gitlab.com",   "dropbox.com",     "zoom.us",
    "slack.com",       "cloudflare.com",      "digicert.com", "letsencrypt.org", "lencr.org",
    "doubleclick.net", "mozilla.org",         "ubuntu.com",   "debian.org",      "gmail.com",
    "1e100.net",       "akamai.com",          "adobe.com",    "paypal.com",
};

/* Parents whose subdomains belong to many unrelated tenants: a domain
 * indicator matches its subdomains, so these match everybody's. */
static const char *const SHARED_PARENTS[] = {
    "akamaiedge.net",
    "akamai.net",
    "akamaihd.net",
    "edgekey.net",
    "edgesuite.net",
    "cloudfront.net",
    "amazonaws.com",
    "s3.amazonaws.com",
    "azureedge.net",
    "azurewebsites.net",
    "windows.net",
    "blob.core.windows.net",
    "cloudapp.net",
    "trafficmanager.net",
    "fastly.net",
    "fastly.com",
    "cdn.cloudflare.net",
    "cloudflare.net",
    "workers.dev",
    "pages.dev",
    "github.io",
    "githubusercontent.com",
    "blogspot.com",
    "appspot.com",
    "herokuapp.com",
    "firebaseapp.com",
    "web.app",
    "netlify.app",
    "vercel.app",
    "ngrok.io",
    "duckdns.org",
    "no-ip.com",
    "dyndns.org",
    "000webhostapp.com",
    "wordpress.com",
    "sharepoint.com",
    "googleusercontent.com",
    "jsdelivr.net",
    "co.uk",
    "com.au",
};

static const struct named EMPTY_HASHES[] = {
    {"d41d8cd98f00b204e9800998ecf8427e", "MD5 of the empty file"},
    {"da39a3ee5e6b4b0d3255bfef95601890afd80709", "SHA-1 of the empty file"},
    {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "SHA-256 of the empty file"},
};

static const char *const SYSTEM_FILES[] = {
    "svchost.exe", "cmd.exe",      "powershell.exe", "rundll32.exe", "explorer.exe",
    "lsass.exe",   "regsvr32.exe", "mshta.exe",      "wscript.exe",  "cscript.exe",
    "conhost.exe", "services.exe", "winlogon.exe",   "csrss.exe",    "taskhostw.exe",
    "dllhost.exe", "msiexec.exe",  "notepad.exe",    "chrome.exe",   "setup.exe",
    "update.exe",  "install.exe",  "smss.exe",       "spoolsv.exe",  "wininit.exe",
};

static bool in_list(const char *const *list, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], v)) return true;
    return false;
}

static const char *resolver_name(const char *v)
{
    for (size_t i = 0; i < sizeof(RESOLVERS) / sizeof(RESOLVERS[0]); i++)
        if (!strcmp(RESOLVERS[i].value, v)) return RESOLVERS[i].what;
    return NULL;
}

/* Special-use IPv4 ranges: hits there are everybody's own network. */
static const char *v4_special(uint32_t a)
{
    static const struct {
        uint32_t net;
        unsigned len;
        const char *what;
    } R[] = {
        {0x00000000u, 8, "\"this network\" (0.0.0.0/8)"},
        {0x0a000000u, 8, "private (RFC 1918)"},
        {0x64400000u, 10, "carrier-grade NAT"},
        {0x7f000000u, 8, "loopback"},
        {0xa9fe0000u, 16, "link-local"},
        {0xac100000u, 12, "private (RFC 1918)"},
        {0xc0000200u, 24, "documentation"},
        {0xc0a80000u, 16, "private (RFC 1918)"},
        {0xc6336400u, 24, "documentation"},
        {0xcb007100u, 24, "documentation"},
        {0xe0000000u, 4, "multicast or reserved"},
    };
    for (size_t i = 0; i < sizeof(R) / sizeof(R[0]); i++)
        if ((a & (0xffffffffu << (32 - R[i].len))) == R[i].net) return R[i].what;
    return NULL;
}

/* Why v is known benign infrastructure, written into buf; NULL if it is not. */
static const char *benign_reason(enum trawl_ioc_type t, const char *v, char *buf, size_t n)
{
    const char *w;
    uint32_t a4;
    switch (t) {
    case TRAWL_T_IPV4:
    case TRAWL_T_IPV6:
        if ((w = resolver_name(v))) {
            snprintf(buf, n, "a public DNS resolver (%s)", w);
            return buf;
        }
        if (t == TRAWL_T_IPV4 && !trawl_ipv4_parse(v, strlen(v), &a4) && (w = v4_special(a4))) {
            snprintf(buf, n, "a %s address: every network has it", w);
            return buf;
        }
        if (t == TRAWL_T_IPV6) {
            uint8_t a6[16];
            if (!trawl_ipv6_parse(v, strlen(v), a6) &&
                ((a6[0] == 0xfe && (a6[1] & 0xc0) == 0x80) || (a6[0] & 0xfe) == 0xfc ||
                 (a6[0] == 0x20 && a6[1] == 0x01 && a6[2] == 0x0d && a6[3] == 0xb8) ||
                 !memcmp(a6, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16))) {
                snprintf(buf, n,
                         "a special-use IPv6 address (link-local, ULA, loopback or "
                         "documentation): every network has it");
                return buf;
            }
        }
        return NULL;
    case TRAWL_T_CIDR: {
        const char *slash = strchr(v, '/');
        if (!slash) return NULL;
        unsigned plen = (unsigned)atoi(slash + 1);
        if (!trawl_ipv4_parse(v, (size_t)(slash - v), &a4)) {
            if ((w = v4_special(a4))) {
                snprintf(buf, n, "a %s range: every network has it", w);
                return buf;
            }
            for (size_t i = 0; i < sizeof(RESOLVERS) / sizeof(RESOLVERS[0]); i++) {
                uint32_t r;
                uint32_t mask = plen ? 0xffffffffu << (32 - plen) : 0;
                if (!trawl_ipv4_parse(RESOLVERS[i].value, strlen(RESOLVERS[i].value), &r) &&
                    (r & mask) == a4) {
                    snprintf(buf, n, "covers the public DNS resolver %s (%s)", RESOLVERS[i].value,
                             RESOLVERS[i].what);
                    return buf;
                }
            }
            if (plen < 16) {
                snprintf(buf, n, "a broad range: /%u covers %.0f addresses", plen,
                         ldexp(1.0, (int)(32 - plen)));
                return buf;
            }
        } else if (plen < 32) {
            snprintf(buf, n, "a broad IPv6 range: /%u", plen);
            return buf;
        }
        return NULL;
    }
    case TRAWL_T_DOMAIN:
    case TRAWL_T_URL: {
        char host[256];
        const char *h = v;
        if (t == TRAWL_T_URL) {
            const char *s = strstr(v, "://");
            if (!s) return NULL;
            h = s + 3;
            size_t hl = strcspn(h, "/?#:");
            if (h[hl] && !(h[hl] == '/' && !h[hl + 1])) return NULL; /* a path: specific enough */
            if (hl >= sizeof(host)) return NULL;
            memcpy(host, h, hl);
            host[hl] = 0;
            h = host;
        }
        const char *bare = strncmp(h, "www.", 4) ? h : h + 4;
        if (in_list(TOP_DOMAINS, sizeof(TOP_DOMAINS) / sizeof(TOP_DOMAINS[0]), bare)) {
            snprintf(buf, n, "%s of a top site: everybody's traffic has it",
                     t == TRAWL_T_URL ? "the home page" : "the domain");
            return buf;
        }
        if (t == TRAWL_T_DOMAIN &&
            in_list(SHARED_PARENTS, sizeof(SHARED_PARENTS) / sizeof(SHARED_PARENTS[0]), bare)) {
            snprintf(buf, n,
                     "a shared hosting/CDN parent: it matches the subdomains of every "
                     "tenant");
            return buf;
        }
        return NULL;
    }
    case TRAWL_T_MD5:
    case TRAWL_T_SHA1:
    case TRAWL_T_SHA256:
        for (size_t i = 0; i < sizeof(EMPTY_HASHES) / sizeof(EMPTY_HASHES[0]); i++)
            if (!strcmp(EMPTY_HASHES[i].value, v)) {
                snprintf(buf, n, "the %s", EMPTY_HASHES[i].what);
                return buf;
            }
        return NULL;
    case TRAWL_T_FILENAME:
        for (size_t i = 0; i < sizeof(SYSTEM_FILES) / sizeof(SYSTEM_FILES[0]); i++)
            if (!strcasecmp(SYSTEM_FILES[i], v)) {
                snprintf(buf, n,
                         "a standard Windows or installer file name: every Windows "
                         "host logs it");
                return buf;
            }
        return NULL;
    default:
        return NULL;
    }
}

/* ---- state --------------------------------------------------------------- */

struct flag {
    uint32_t id;
    uint64_t hits;
    double gain_pct;                /* throughput gain without it, NAN when not measured */
    double mbps_with, mbps_without; /* MB per CPU-second, paired runs */
    char reason[300];
};

/* Throughput of one configuration: MB per wall-clock second, and MB per
 * CPU-second of the whole process (every worker), each the median of the
 * runs. The CPU figure moves far less when other processes load the
 * machine, so costs and comparisons use it. */
struct speed {
    double wall, cpu;
};

struct group_cost {
    size_t count;
    bool measured;
    double mbps_with, mbps_without;
    double gain_pct;
};

struct bench {
    /* options */
    const char *dbpath, *compare, *save_corpus;
    const char *iocfiles[MAX_CORPUS];
    size_t niocfiles;
    const char *corpus[MAX_CORPUS];
    size_t ncorpus;
    uint64_t corpus_mb, seed;
    unsigned threads, runs, top;
    double threshold;
    bool json, quiet, no_cost, no_compile;
    struct trawl_load_opts lo;

    /* the set */
    struct trawl_iocset *set; /* loaded, or rebuilt from the database */
    struct trawl_db *db;
    struct trawl_db_info info;
    size_t nioc;
    uint8_t *types;
    bool utf16;
    uint64_t rejected_lines;

    /* compile */
    double compile_s, load_compile_s, stored_compile_s;
    long peak_kb, delta_kb; /* -1: unknown */
    bool hwm_reset;

    /* sizes */
    size_t scratch;
    bool stream_ok;
    size_t stream_lit, stream_re, stream_scratch;
    size_t stream_nlit, stream_nre;
    double stream_s;
    char stream_note[200];

    /* corpus */
    bool generated;
    char tmpcorpus[4096];
    char tmppcap[4200];
    const char *paths[MAX_CORPUS];
    size_t npaths;
    uint64_t bytes, lines, files, skipped_pcap, read_errors;

    /* noise */
    uint64_t *hits;
    uint64_t total_hits, hits_by_type[TRAWL_T_COUNT];
    struct flag *noisy;
    size_t nnoisy;

    /* throughput */
    struct speed s1, sN;
    unsigned nthreads;

    /* cost */
    bool cost_done;
    char cost_note[200];
    struct group_cost groups[G_COUNT];
    struct flag *costly;
    size_t ncostly;

    /* compare */
    size_t old_count, added, removed;
    uint32_t added_ex[EXAMPLES];
    size_t nadded_ex;
    struct trawl_ioc_view removed_ex[EXAMPLES];
    size_t nremoved_ex;
    struct speed old1, oldN, new1, newN; /* paired runs, old and new alternating */
};

static void progress(const struct bench *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(const struct bench *b, const char *fmt, ...)
{
    if (b->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("trawl bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void report_error(const struct trawl_error *err)
{
    char buf[1100];
    cli_error("%s", trawl_error_str(err, buf, sizeof(buf)));
}

/* ---- memory ---------------------------------------------------------------- */

static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Resets the peak RSS (VmHWM) to the current RSS, Linux >= 4.0. */
static bool reset_hwm(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

static long peak_kb(void)
{
    long v = status_kb("VmHWM");
    if (v < 0) {
        struct rusage ru;
        if (!getrusage(RUSAGE_SELF, &ru)) v = ru.ru_maxrss;
    }
    return v;
}

/* ---- sets ------------------------------------------------------------------ */

static int add_view(struct trawl_iocset *set, const struct trawl_ioc_view *v,
                    const struct trawl_db *db, size_t i)
{
    struct trawl_ioc_rec rec = {.type = v->type,
                                .flags = v->flags,
                                .value = v->value,
                                .tlp = v->tlp,
                                .severity = v->severity,
                                .confidence = v->confidence,
                                .valid_until = v->valid_until};
    size_t ns = v->nsources ? v->nsources : 1;
    for (size_t k = 0; k < ns; k++) {
        rec.source = !v->nsources ? "bench" : db ? trawl_db_source(db, i, k) : v->sources[k];
        if (trawl_iocset_add(set, &rec) < 0) return TRAWL_ENOMEM;
    }
    return 0;
}

/* The database's indicators as a set (same order, so the same indices). */
static int set_from_db(const struct trawl_db *db, struct trawl_iocset **ret)
{
    struct trawl_iocset *set;
    if (trawl_iocset_new(&set)) return TRAWL_ENOMEM;
    size_t n = trawl_db_count(db);
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(db, i, &v);
        if (add_view(set, &v, db, i)) {
            trawl_iocset_free(set);
            return TRAWL_ENOMEM;
        }
    }
    *ret = set;
    return 0;
}

/* What to leave out of a subset: one group, or one indicator. */
struct skip {
    int group; /* enum group or -1 */
    long id;   /* indicator or -1 */
};

static bool skipped(const struct skip *s, size_t i, const struct trawl_ioc_view *v)
{
    if ((long)i == s->id) return true;
    if (s->group < 0) return false;
    if (s->group == G_SHORT) return is_literal_type(v->type) && strlen(v->value) < SHORT_LIT;
    return (int)group_of(v->type) == s->group;
}

static int subset_db(struct bench *b, const struct skip *s, struct trawl_db **ret,
                     struct trawl_error *err)
{
    struct trawl_iocset *sub;
    if (trawl_iocset_new(&sub)) return trawl_error_set(err, TRAWL_ENOMEM, NULL, "out of memory");
    int r = 0;
    for (size_t i = 0; i < b->nioc && !r; i++) {
        struct trawl_ioc_view v;
        trawl_iocset_get(b->set, i, &v);
        if (!skipped(s, i, &v)) r = add_view(sub, &v, NULL, i);
    }
    if (r) r = trawl_error_set(err, r, NULL, "out of memory");
    struct trawl_compile_opts co = {.utf16 = b->utf16};
    if (!r) r = trawl_db_compile(sub, &co, ret, err);
    trawl_iocset_free(sub);
    return r;
}

/* ---- loading / compiling --------------------------------------------------- */

static void on_diag(void *ud, const char *file, unsigned long line, bool is_error, const char *msg)
{
    struct bench *b = ud;
    if (is_error) b->rejected_lines++;
    if (b->rejected_lines > 20 || !is_error) return;
    if (line)
        fprintf(stderr, "%s:%lu: %s\n", file, line, msg);
    else
        fprintf(stderr, "%s: %s\n", file, msg);
}

static int load_set(struct bench *b)
{
    struct trawl_error err = {0};
    b->hwm_reset = reset_hwm();
    long rss0 = status_kb("VmRSS");
    double t0 = trawl_now_mono();
    if (b->dbpath) {
        progress(b, "opening %s", b->dbpath);
        if (trawl_db_open(b->dbpath, &b->db, &err)) {
            report_error(&err);
            return -1;
        }
        trawl_db_info(b->db, &b->info);
        b->stored_compile_s = b->info.compile_seconds;
        b->utf16 = b->info.utf16;
        if (set_from_db(b->db, &b->set)) {
            cli_error("out of memory");
            return -1;
        }
        if (b->no_compile) {
            b->compile_s = b->load_compile_s = b->stored_compile_s;
            b->peak_kb = -1;
            b->hwm_reset = false;
            goto done;
        }
        /* re-run the compile from the database's indicators, to measure it */
        progress(b, "re-compiling %zu indicators to measure the compile", trawl_db_count(b->db));
        b->hwm_reset = reset_hwm();
        rss0 = status_kb("VmRSS");
        t0 = trawl_now_mono();
        struct trawl_db *again;
        struct trawl_compile_opts co = {.utf16 = b->utf16};
        if (trawl_db_compile(b->set, &co, &again, &err)) {
            report_error(&err);
            return -1;
        }
        b->load_compile_s = b->compile_s = trawl_now_mono() - t0;
        b->peak_kb = peak_kb();
        trawl_db_close(again);
    } else {
        progress(b, "loading and compiling %zu file(s)", b->niocfiles);
        if (trawl_iocset_new(&b->set)) {
            cli_error("out of memory");
            return -1;
        }
        struct trawl_load_stats st = {0};
        for (size_t i = 0; i < b->niocfiles; i++)
            if (trawl_ioc_load_file(b->set, b->iocfiles[i], &b->lo, &st, on_diag, b, &err)) {
                report_error(&err);
                return -1;
            }
        if (b->rejected_lines > 20)
            fprintf(stderr, "trawl: ... %llu rejected line(s) in all\n",
                    (unsigned long long)b->rejected_lines);
        uint64_t expired = 0;
        for (int t = 0; t < TRAWL_T_COUNT; t++)
            expired += st.expired[t];
        b->utf16 = true;
        struct trawl_compile_opts co = {.utf16 = true, .expired = expired};
        double t1 = trawl_now_mono();
        if (trawl_db_compile(b->set, &co, &b->db, &err)) {
            report_error(&err);
            return -1;
        }
        b->compile_s = trawl_now_mono() - t1;
        b->load_compile_s = trawl_now_mono() - t0;
        b->peak_kb = peak_kb();
        trawl_db_info(b->db, &b->info);
    }
done:
    b->delta_kb = b->peak_kb >= 0 && rss0 >= 0 && b->hwm_reset ? b->peak_kb - rss0 : -1;
    b->nioc = trawl_db_count(b->db);
    b->types = malloc(b->nioc ? b->nioc : 1);
    b->hits = calloc(b->nioc ? b->nioc : 1, sizeof(*b->hits));
    if (!b->types || !b->hits) {
        cli_error("out of memory");
        return -1;
    }
    for (size_t i = 0; i < b->nioc; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, i, &v);
        b->types[i] = (uint8_t)v.type;
    }
    return 0;
}

/* ---- sizes ----------------------------------------------------------------- */

static void measure_sizes(struct bench *b)
{
    struct trawl_matcher *m;
    struct trawl_error err = {0};
    if (!trawl_matcher_new(b->db, &m, &err)) {
        b->scratch = trawl_matcher_scratch_size(m);
        trawl_matcher_free(m);
    }

    /* Stream state: trawl has no streaming database yet, so compile the
     * set's literals (and regexes) the way a streaming one would be. What
     * the token pass finds (addresses, hashes, CIDRs, most URLs and e-mail
     * addresses) needs no Hyperscan state, only a carry of the longest
     * token. */
    size_t nl = 0, nr = 0;
    for (size_t i = 0; i < b->nioc; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, i, &v);
        nl += trawl_ioc_is_literal(v.type, v.value);
        nr += v.type == TRAWL_T_REGEX;
    }
    b->stream_nlit = nl;
    b->stream_nre = nr;
    if (!nl && !nr) {
        b->stream_ok = true;
        snprintf(b->stream_note, sizeof(b->stream_note),
                 "no literals or regexes: the token pass keeps no per-flow Hyperscan state");
        return;
    }
    if (nl > STREAM_MAX_LIT) {
        snprintf(b->stream_note, sizeof(b->stream_note),
                 "n/a: %zu literals, over the %u this measurement compiles in stream mode", nl,
                 STREAM_MAX_LIT);
        return;
    }
    progress(b, "compiling %zu literal(s) and %zu regex(es) in stream mode", nl, nr);
    const char **ex = malloc((nl + nr + 1) * sizeof(*ex));
    size_t *lens = malloc((nl + 1) * sizeof(*lens));
    unsigned *flags = malloc((nl + nr + 1) * sizeof(*flags));
    unsigned *ids = malloc((nl + nr + 1) * sizeof(*ids));
    if (!ex || !lens || !flags || !ids) {
        snprintf(b->stream_note, sizeof(b->stream_note), "n/a: out of memory");
        goto out;
    }
    size_t kl = 0, kr = nl;
    for (size_t i = 0; i < b->nioc; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, i, &v);
        if (!trawl_ioc_is_literal(v.type, v.value) && v.type != TRAWL_T_REGEX) continue;
        if (v.type == TRAWL_T_REGEX) {
            ex[kr] = v.value;
            flags[kr] = HS_FLAG_SOM_LEFTMOST | HS_FLAG_ALLOWEMPTY;
            ids[kr] = (unsigned)i;
            kr++;
        } else {
            ex[kl] = v.value;
            lens[kl] = strlen(v.value);
            flags[kl] = HS_FLAG_CASELESS;
            ids[kl] = (unsigned)i;
            kl++;
        }
    }
    double t0 = trawl_now_mono();
    hs_database_t *dl = NULL, *dr = NULL;
    hs_compile_error_t *ce = NULL;
    hs_scratch_t *sc = NULL;
    bool ok = true;
    if (nl && hs_compile_lit_multi(ex, flags, ids, lens, (unsigned)nl, HS_MODE_STREAM, NULL, &dl,
                                   &ce) != HS_SUCCESS) {
        snprintf(b->stream_note, sizeof(b->stream_note), "n/a: stream compile failed: %s",
                 ce ? ce->message : "?");
        ok = false;
    }
    hs_free_compile_error(ce);
    ce = NULL;
    if (ok && nr &&
        hs_compile_multi(ex + nl, flags + nl, ids + nl, (unsigned)nr,
                         HS_MODE_STREAM | HS_MODE_SOM_HORIZON_LARGE, NULL, &dr,
                         &ce) != HS_SUCCESS) {
        snprintf(b->stream_note, sizeof(b->stream_note),
                 "n/a: stream compile of the regexes failed: %s", ce ? ce->message : "?");
        ok = false;
    }
    hs_free_compile_error(ce);
    b->stream_s = trawl_now_mono() - t0;
    if (ok) {
        if (dl) hs_stream_size(dl, &b->stream_lit);
        if (dr) hs_stream_size(dr, &b->stream_re);
        if ((dl && hs_alloc_scratch(dl, &sc) != HS_SUCCESS) ||
            (dr && hs_alloc_scratch(dr, &sc) != HS_SUCCESS) || !sc ||
            hs_scratch_size(sc, &b->stream_scratch) != HS_SUCCESS)
            b->stream_scratch = 0;
        hs_free_scratch(sc);
        b->stream_ok = true;
        snprintf(b->stream_note, sizeof(b->stream_note),
                 "estimated: %zu literal(s)%s compiled in stream mode without SINGLEMATCH, as a "
                 "streaming database would be",
                 nl, nr ? " and the regexes" : "");
    }
    hs_free_database(dl);
    hs_free_database(dr);
out:
    free(ex);
    free(lens);
    free(flags);
    free(ids);
}

/* ---- corpus ---------------------------------------------------------------- */

/* The temporary corpus is removed when the run is interrupted, too. */
static char tmp_corpus[4096], tmp_pcap[4200];

static void on_signal(int sig)
{
    if (tmp_corpus[0]) unlink(tmp_corpus);
    if (tmp_pcap[0]) unlink(tmp_pcap);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int make_corpus(struct bench *b)
{
    if (b->ncorpus) {
        for (size_t i = 0; i < b->ncorpus; i++)
            b->paths[i] = b->corpus[i];
        b->npaths = b->ncorpus;
        return 0;
    }
    b->generated = true;
    int fd;
    if (b->save_corpus) {
        snprintf(b->tmpcorpus, sizeof(b->tmpcorpus), "%s", b->save_corpus);
        fd = open(b->tmpcorpus, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(b->tmpcorpus, sizeof(b->tmpcorpus), "%s/trawl-bench-corpus-XXXXXX.log",
                 tmp && *tmp ? tmp : "/tmp");
        fd = mkstemps(b->tmpcorpus, 4);
    }
    if (fd < 0) {
        cli_error("%s: cannot create: %s", b->tmpcorpus, strerror(errno));
        b->tmpcorpus[0] = 0;
        return -1;
    }
    if (!b->save_corpus) {
        memcpy(tmp_corpus, b->tmpcorpus, sizeof(tmp_corpus));
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGHUP, on_signal);
    }
    progress(b, "generating %llu MB of benign logs in %s", (unsigned long long)b->corpus_mb,
             b->tmpcorpus);
    FILE *f = fdopen(fd, "w");
    uint64_t lines = 0;
    if (!f || bench_corpus_write(f, b->corpus_mb << 20, b->seed, &lines) || fflush(f)) {
        cli_error("%s: cannot write: %s", b->tmpcorpus, strerror(errno));
        if (f)
            fclose(f);
        else
            close(fd);
        return -1;
    }
    if (fclose(f)) {
        cli_error("%s: cannot write: %s", b->tmpcorpus, strerror(errno));
        return -1;
    }
    b->paths[0] = b->tmpcorpus;
    b->npaths = 1;
    /* and traffic: a capture beside it, one packet per 2 KiB of logs */
    snprintf(b->tmppcap, sizeof(b->tmppcap), "%s.pcap", b->tmpcorpus);
    if (!b->save_corpus) memcpy(tmp_pcap, b->tmppcap, sizeof(tmp_pcap));
    progress(b, "generating benign traffic in %s", b->tmppcap);
    f = fopen(b->tmppcap, "we");
    if (!f || bench_corpus_write_pcap(f, (b->corpus_mb << 20) / 2048, b->seed) || fclose(f)) {
        cli_error("%s: cannot write: %s", b->tmppcap, strerror(errno));
        return -1;
    }
    b->paths[1] = b->tmppcap;
    b->npaths = 2;
    return 0;
}

/* ---- noise pass: hits per indicator ----------------------------------------- */

struct noise {
    struct bench *b;
    struct trawl_matcher *m;
    uint8_t *buf;
    size_t cap;
};

static int scan_count(struct noise *ns, const struct trawl_span *sp, const char *path)
{
    struct trawl_error err = {0};
    if (trawl_matcher_scan(ns->m, sp, &err)) {
        cli_error("%s: %s", path, err.msg);
        trawl_matcher_clear(ns->m);
        return -1;
    }
    size_t n = trawl_matcher_nhits(ns->m);
    const struct trawl_hit *h = trawl_matcher_hits(ns->m);
    for (size_t i = 0; i < n; i++) {
        ns->b->hits[h[i].ioc]++;
        ns->b->hits_by_type[ns->b->types[h[i].ioc]]++;
    }
    ns->b->total_hits += n;
    trawl_matcher_clear(ns->m);
    return 0;
}

/* A stream (gzip, pipe) in windows that carry the overlap and a look-behind,
 * as the scan does (engine/scan.c), so no hit straddling a block is lost. */
static int noise_stream(struct noise *ns, struct trawl_src *src, const char *path)
{
    size_t ov = trawl_matcher_overlap(ns->m), carry = ov + LOOKBEHIND;
    if (!ns->buf) {
        ns->cap = carry + BLOCK;
        ns->buf = malloc(ns->cap);
        if (!ns->buf) {
            cli_error("out of memory");
            return -1;
        }
    }
    size_t ncarry = 0;
    uint64_t next = 0, acc = 0;
    bool utf16 = false, first = true;
    for (;;) {
        size_t got = 0;
        bool last = false;
        int bad = 0;
        while (got < BLOCK) {
            struct trawl_error err = {0};
            ssize_t r = trawl_src_read(src, ns->buf + ncarry + got, BLOCK - got, &err);
            if (r < 0) {
                report_error(&err);
                bad = -1;
            }
            if (r <= 0) {
                last = true;
                break;
            }
            got += (size_t)r;
        }
        size_t wlen = ncarry + got;
        uint64_t base_off = next - ncarry;
        next += got;
        if (first) {
            utf16 = trawl_looks_binary(ns->buf, wlen);
            first = false;
        }
        uint64_t hi = last ? next : (next > ov ? next - ov : 0);
        for (uint64_t a = acc; a < hi; a += STEP) {
            uint64_t e = hi - a > STEP ? a + STEP : hi;
            struct trawl_span sp = {.base = ns->buf,
                                    .len = wlen,
                                    .base_off = base_off,
                                    .lo = a,
                                    .hi = e,
                                    .utf16 = utf16};
            if (scan_count(ns, &sp, path)) return -1;
        }
        if (hi > acc) acc = hi;
        ns->b->lines += trawl_count_lines(ns->buf + ncarry, got);
        ns->b->bytes += got;
        if (last) return bad;
        ncarry = wlen < carry ? wlen : carry;
        memmove(ns->buf, ns->buf + wlen - ncarry, ncarry);
    }
}

/* A capture: the network scan (flows, reassembly, DNS and HTTP fields)
 * writes its hits to a memory file, whose indicator ids are then counted. */
static int noise_capture(struct noise *ns, const char *path)
{
    struct bench *b = ns->b;
    struct trawl_error err = {0};
    struct trawl_sinks *sinks = NULL;
    struct trawl_netscan *net = NULL;
    struct trawl_pcap *pc = NULL;
    int r = -1, fd = memfd_create("trawl-bench-hits", MFD_CLOEXEC);
    if (fd < 0 || trawl_sinks_new(&sinks) ||
        trawl_sinks_add_fd(sinks, fd, "count", TRAWL_TLP_RED, false, &err))
        goto out;
    struct trawl_netscan_opts no = {.sinks = sinks, .name = path};
    if (trawl_pcap_open(path, 0, &pc, &err) || trawl_netscan_new(b->db, ns->m, &no, &net, &err))
        goto out;
    struct trawl_netscan_loop loop = {0};
    if (trawl_netscan_run(net, pc, &loop, &err) < 0) goto out;
    trawl_netscan_flush(net);
    struct trawl_netscan_stats st;
    trawl_netscan_get_stats(net, &st);
    b->bytes += st.bytes;
    if (trawl_sinks_close(sinks)) goto out;
    off_t size = lseek(fd, 0, SEEK_END);
    char *text = size > 0 ? malloc((size_t)size + 1) : NULL;
    if (size > 0 && (!text || pread(fd, text, (size_t)size, 0) != size)) {
        free(text);
        goto out;
    }
    static const char key[] = "\"ioc\":{\"id\":";
    for (char *p = text; p && (p = strstr(p, key)) != NULL;) {
        p += sizeof(key) - 1;
        unsigned long id = strtoul(p, &p, 10);
        if (id < trawl_db_count(b->db)) {
            b->hits[id]++;
            b->hits_by_type[b->types[id]]++;
            b->total_hits++;
        }
    }
    free(text);
    r = 0;
out:
    if (r && err.msg[0]) report_error(&err);
    trawl_netscan_free(net);
    trawl_pcap_close(pc);
    trawl_sinks_free(sinks);
    if (fd >= 0) close(fd);
    return r;
}

static int noise_file(void *ud, const char *path, const struct stat *st)
{
    (void)st;
    struct noise *ns = ud;
    struct bench *b = ns->b;
    struct trawl_src *src;
    struct trawl_error err = {0};
    /* read(), never mapped: a file cut short under a mapping would fault */
    if (trawl_src_open(path, TRAWL_SRC_NO_MMAP, &src, &err)) {
        report_error(&err);
        b->read_errors++;
        return 0;
    }
    enum trawl_input_kind k = trawl_src_kind(src);
    if (k == TRAWL_IN_PCAP || k == TRAWL_IN_PCAPNG) {
        trawl_src_close(src);
        b->files++;
        if (noise_capture(ns, path)) b->read_errors++;
        return 0;
    }
    b->files++;
    if (noise_stream(ns, src, path)) b->read_errors++;
    trawl_src_close(src);
    return 0;
}

static void noise_walk_err(void *ud, const char *path, const char *msg)
{
    struct noise *ns = ud;
    ns->b->read_errors++;
    fprintf(stderr, "trawl: %s: %s\n", path, msg);
}

static int noise_pass(struct bench *b)
{
    struct noise ns = {.b = b};
    struct trawl_error err = {0};
    if (trawl_matcher_new(b->db, &ns.m, &err)) {
        report_error(&err);
        return -1;
    }
    progress(b, "counting hits per indicator on the corpus");
    trawl_cap_walk(b->paths, b->npaths, noise_file, noise_walk_err, &ns);
    trawl_matcher_free(ns.m);
    free(ns.buf);
    if (!b->bytes) {
        cli_error("the corpus holds no scannable bytes");
        return -1;
    }
    return 0;
}

/* ---- throughput --------------------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, c = *(const double *)y;
    return a < c ? -1 : a > c;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* One scan of the corpus with db, hits formatted as in a real scan and
 * written to /dev/null. Returns 0 and the speeds, or < 0. */
static int scan_once(struct bench *b, const struct trawl_db *db, unsigned threads, int nul,
                     struct speed *out)
{
    struct trawl_sinks *sinks;
    struct trawl_error err = {0};
    if (trawl_sinks_new(&sinks)) {
        cli_error("out of memory");
        return -1;
    }
    if (trawl_sinks_add_fd(sinks, nul, "/dev/null", TRAWL_TLP_RED, false, &err)) {
        report_error(&err);
        trawl_sinks_free(sinks);
        return -1;
    }
    struct trawl_scan_opts so;
    trawl_scan_opts_init(&so);
    so.threads = threads;
    so.sinks = sinks;
    so.on_error = cli_report;
    struct trawl_scan_stats st;
    double c0 = cpu_seconds();
    int rc = trawl_scan_paths(db, b->paths, b->npaths, &so, &st);
    trawl_sinks_close(sinks);
    double cs = cpu_seconds() - c0;
    trawl_sinks_free(sinks);
    if (rc && !st.bytes) return -1;
    double mb = (double)st.bytes / 1e6;
    out->wall = st.seconds > 0 ? mb / st.seconds : 0;
    out->cpu = cs > 0 ? mb / cs : out->wall;
    return 0;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(v[0]), cmp_double);
    return n ? v[n / 2] : NAN;
}

/* Scans the corpus b->runs times with db (and, when other is not NULL,
 * as many times with other, alternating, so that both see the same load
 * on the machine). *out gets the medians for db, *oout those for other.
 * Returns 0, or < 0 when no run succeeded. */
static int measure(struct bench *b, const struct trawl_db *db, const struct trawl_db *other,
                   unsigned threads, struct speed *out, struct speed *oout)
{
    double w[16], c[16], ow[16], oc[16];
    int nul = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (nul < 0) {
        cli_error("/dev/null: %s", strerror(errno));
        return -1;
    }
    unsigned n = 0;
    for (unsigned r = 0; r < b->runs; r++) {
        struct speed s, o = {0};
        if (scan_once(b, db, threads, nul, &s) || (other && scan_once(b, other, threads, nul, &o)))
            break;
        w[n] = s.wall;
        c[n] = s.cpu;
        ow[n] = o.wall;
        oc[n] = o.cpu;
        n++;
    }
    close(nul);
    if (!n) return -1;
    out->wall = median(w, n);
    out->cpu = median(c, n);
    if (other) {
        oout->wall = median(ow, n);
        oout->cpu = median(oc, n);
    }
    return 0;
}

static int throughput(struct bench *b, const struct trawl_db *db, unsigned threads,
                      struct speed *out)
{
    return measure(b, db, NULL, threads, out, NULL);
}

/* ---- noise flags ---------------------------------------------------------------- */

static int cmp_flag(const void *x, const void *y)
{
    const struct flag *a = x, *c = y;
    if (a->hits != c->hits) return a->hits < c->hits ? 1 : -1;
    return a->id < c->id ? -1 : a->id > c->id;
}

static void flag_noisy(struct bench *b)
{
    double mb = (double)b->bytes / 1e6;
    b->noisy = calloc(b->nioc ? b->nioc : 1, sizeof(*b->noisy));
    if (!b->noisy) return;
    for (size_t i = 0; i < b->nioc; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, i, &v);
        char why[240];
        const char *known = benign_reason(v.type, v.value, why, sizeof(why));
        double per = (double)b->hits[i] / mb;
        bool generic = b->hits[i] >= NOISY_MIN_HITS && per >= b->threshold;
        if (!known && !generic) continue;
        struct flag *f = &b->noisy[b->nnoisy++];
        f->id = (uint32_t)i;
        f->hits = b->hits[i];
        f->gain_pct = NAN;
        if (known && generic)
            snprintf(f->reason, sizeof(f->reason), "%s; %.1f hits per MB of benign data", known,
                     per);
        else if (known)
            snprintf(f->reason, sizeof(f->reason), "%s", known);
        else
            snprintf(f->reason, sizeof(f->reason),
                     "too generic: %.1f hits per MB of benign data (threshold %g)", per,
                     b->threshold);
    }
    qsort(b->noisy, b->nnoisy, sizeof(*b->noisy), cmp_flag);
}

static const struct flag *noisy_of(const struct bench *b, uint32_t id)
{
    for (size_t i = 0; i < b->nnoisy; i++)
        if (b->noisy[i].id == id) return &b->noisy[i];
    return NULL;
}

/* ---- cost ------------------------------------------------------------------------ */

static double gain(double with, double without)
{
    return with > 0 && without > 0 ? (without / with - 1) * 100 : NAN;
}

static void measure_cost(struct bench *b)
{
    if (b->no_cost) {
        snprintf(b->cost_note, sizeof(b->cost_note), "skipped (--no-cost)");
    } else if (b->info.literals > COST_MAX_LIT) {
        snprintf(b->cost_note, sizeof(b->cost_note),
                 "skipped: %llu literals; each re-compile would take too long (limit %u)",
                 (unsigned long long)b->info.literals, COST_MAX_LIT);
    } else {
        b->cost_done = true;
    }
    for (size_t i = 0; i < b->nioc; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, i, &v);
        b->groups[group_of(v.type)].count++;
        if (is_literal_type(v.type) && strlen(v.value) < SHORT_LIT) b->groups[G_SHORT].count++;
    }
    /* suspicious one by one: short literals and regexes, most hits first */
    b->costly = calloc(b->nioc ? b->nioc : 1, sizeof(*b->costly));
    if (!b->costly) return;
    for (size_t i = 0; i < b->nioc; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, i, &v);
        size_t len = strlen(v.value);
        struct flag *f = &b->costly[b->ncostly];
        f->id = (uint32_t)i;
        f->hits = b->hits[i];
        f->gain_pct = NAN;
        if (is_literal_type(v.type) && len < SHORT_LIT)
            snprintf(f->reason, sizeof(f->reason),
                     "%zu-byte %s: too short to be specific; Hyperscan reports a candidate at "
                     "almost every position and every hit must be confirmed and written",
                     len, trawl_ioc_type_name(v.type));
        else if (v.type == TRAWL_T_REGEX)
            snprintf(f->reason, sizeof(f->reason),
                     "regex: scanned by a second Hyperscan pass with start-of-match "
                     "tracking, slower than literals");
        else
            continue;
        b->ncostly++;
    }
    qsort(b->costly, b->ncostly, sizeof(*b->costly), cmp_flag);
    if (!b->cost_done || b->s1.cpu <= 0) return;

    struct trawl_error err = {0};
    for (int g = 0; g < G_COUNT; g++) {
        if (!b->groups[g].count) continue;
        progress(b, "measuring the cost of the %s group (%zu indicator(s))", group_names[g],
                 b->groups[g].count);
        struct skip s = {.group = g, .id = -1};
        struct trawl_db *sub;
        if (subset_db(b, &s, &sub, &err)) {
            report_error(&err);
            continue;
        }
        struct speed base, t;
        int rt = measure(b, b->db, sub, 1, &base, &t);
        trawl_db_close(sub);
        if (rt) continue;
        b->groups[g].measured = true;
        b->groups[g].mbps_with = base.cpu;
        b->groups[g].mbps_without = t.cpu;
        b->groups[g].gain_pct = gain(base.cpu, t.cpu);
    }
    for (size_t k = 0; k < b->ncostly && k < INDIV_MAX; k++) {
        struct flag *f = &b->costly[k];
        progress(b, "measuring the cost of indicator %u", f->id);
        struct skip s = {.group = -1, .id = f->id};
        struct trawl_db *sub;
        if (subset_db(b, &s, &sub, &err)) {
            report_error(&err);
            continue;
        }
        struct speed base, t;
        int rt = measure(b, b->db, sub, 1, &base, &t);
        trawl_db_close(sub);
        if (!rt) {
            f->mbps_with = base.cpu;
            f->mbps_without = t.cpu;
            f->gain_pct = gain(base.cpu, t.cpu);
        }
    }
}

/* ---- compare ---------------------------------------------------------------------- */

struct keytab {
    uint64_t *keys;
    uint32_t *idx; /* index + 1, 0 = empty */
    size_t mask;
};

static uint64_t ioc_key(const struct trawl_ioc_view *v)
{
    return trawl_hash64(v->value, strlen(v->value), 0x1000u + (unsigned)v->type);
}

static int keytab_build(struct keytab *t, const struct trawl_db *db)
{
    size_t n = trawl_db_count(db), ns = 16;
    while (ns < 2 * n)
        ns *= 2;
    t->keys = calloc(ns, sizeof(*t->keys));
    t->idx = calloc(ns, sizeof(*t->idx));
    t->mask = ns - 1;
    if (!t->keys || !t->idx) return -1;
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(db, i, &v);
        uint64_t k = ioc_key(&v);
        size_t s = trawl_mix64(k) & t->mask;
        while (t->idx[s])
            s = (s + 1) & t->mask;
        t->keys[s] = k;
        t->idx[s] = (uint32_t)i + 1;
    }
    return 0;
}

static bool keytab_has(const struct keytab *t, const struct trawl_db *db,
                       const struct trawl_ioc_view *v)
{
    uint64_t k = ioc_key(v);
    for (size_t s = trawl_mix64(k) & t->mask; t->idx[s]; s = (s + 1) & t->mask) {
        if (t->keys[s] != k) continue;
        struct trawl_ioc_view o;
        trawl_db_get(db, t->idx[s] - 1, &o);
        if (o.type == v->type && !strcmp(o.value, v->value)) return true;
    }
    return false;
}

static int compare(struct bench *b, struct trawl_db **oldp)
{
    struct trawl_error err = {0};
    progress(b, "comparing with %s", b->compare);
    if (trawl_db_open(b->compare, oldp, &err)) {
        report_error(&err);
        return -1;
    }
    struct trawl_db *old = *oldp;
    b->old_count = trawl_db_count(old);
    struct keytab to = {0}, tn = {0};
    int r = -1;
    if (keytab_build(&to, old) || keytab_build(&tn, b->db)) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < b->nioc; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, i, &v);
        if (keytab_has(&to, old, &v)) continue;
        if (b->nadded_ex < EXAMPLES) b->added_ex[b->nadded_ex++] = (uint32_t)i;
        b->added++;
    }
    for (size_t i = 0; i < b->old_count; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(old, i, &v);
        if (keytab_has(&tn, b->db, &v)) continue;
        if (b->nremoved_ex < EXAMPLES)
            b->removed_ex[b->nremoved_ex++] = v; /* the old db stays open until the end */
        b->removed++;
    }
    progress(b, "measuring the throughput of %s", b->compare);
    if (measure(b, old, b->db, 1, &b->old1, &b->new1) ||
        (b->nthreads > 1 && measure(b, old, b->db, b->nthreads, &b->oldN, &b->newN)))
        goto out;
    if (b->nthreads == 1) {
        b->oldN = b->old1;
        b->newN = b->new1;
    }
    r = 0;
out:
    free(to.keys);
    free(to.idx);
    free(tn.keys);
    free(tn.idx);
    return r;
}

/* ---- recommendations ------------------------------------------------------------------ */

struct recs {
    char **v;
    size_t n, cap;
};

static void rec_add(struct recs *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rec_add(struct recs *r, const char *fmt, ...)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        char **v = realloc(r->v, cap * sizeof(*v));
        if (!v) return;
        r->v = v;
        r->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&r->v[r->n], fmt, ap) >= 0) r->n++;
    va_end(ap);
}

/* A value quoted for a sentence, cut to 80 bytes. */
static const char *shown(const char *v, char *buf, size_t n)
{
    size_t l = strlen(v);
    if (l < 80 && l + 1 <= n) return v;
    snprintf(buf, n, "%.77s...", v);
    return buf;
}

/* Whether the group holds an indicator flagged noisy. */
static bool group_noisy(const struct bench *b, int g)
{
    for (size_t k = 0; k < b->nnoisy; k++) {
        enum trawl_ioc_type t = (enum trawl_ioc_type)b->types[b->noisy[k].id];
        if (b->noisy[k].hits && (g == G_SHORT ? false : (int)group_of(t) == g)) return true;
    }
    return false;
}

static void recommend(struct bench *b, struct recs *r)
{
    double mb = (double)b->bytes / 1e6;
    char sb[100];
    /* costly indicators first: they hurt every scan */
    for (size_t k = 0; k < b->ncostly; k++) {
        const struct flag *f = &b->costly[k];
        struct trawl_ioc_view v;
        trawl_db_get(b->db, f->id, &v);
        char cost[200] = "";
        if (!isnan(f->gain_pct) && f->gain_pct >= 5)
            snprintf(cost, sizeof(cost),
                     "; it slows the scan by %.0f%% (%.0f MB per CPU-second without it, %.0f "
                     "with it)",
                     f->gain_pct, f->mbps_without, f->mbps_with);
        else if (!isnan(f->gain_pct))
            snprintf(cost, sizeof(cost), "; its measured cost on this corpus is small (%+.0f%%)",
                     f->gain_pct);
        if (v.type == TRAWL_T_REGEX)
            rec_add(r,
                    "review regex '%s': %llu hit(s) on benign data%s; prefer a literal or a "
                    "pattern that starts with a long fixed string",
                    shown(v.value, sb, sizeof(sb)), (unsigned long long)f->hits, cost);
        else
            rec_add(r,
                    "remove or lengthen %s '%s' (%zu bytes): matches everywhere (%llu hits, "
                    "%.1f per MB of benign data)%s",
                    trawl_ioc_type_name(v.type), shown(v.value, sb, sizeof(sb)), strlen(v.value),
                    (unsigned long long)f->hits, (double)f->hits / mb, cost);
    }
    for (size_t k = 0; k < b->nnoisy; k++) {
        const struct flag *f = &b->noisy[k];
        struct trawl_ioc_view v;
        trawl_db_get(b->db, f->id, &v);
        if (is_literal_type(v.type) && strlen(v.value) < SHORT_LIT) continue; /* said above */
        char why[240];
        const char *known = benign_reason(v.type, v.value, why, sizeof(why));
        if (known)
            rec_add(r, "%s is %s (%llu hit(s) on benign data): drop it or add it to an allowlist",
                    shown(v.value, sb, sizeof(sb)), known, (unsigned long long)f->hits);
        else
            rec_add(r,
                    "%s (%s) is too generic: %llu hits on benign data (%.1f per MB); drop it, "
                    "make it more specific or downgrade its severity",
                    shown(v.value, sb, sizeof(sb)), trawl_ioc_type_name(v.type),
                    (unsigned long long)f->hits, (double)f->hits / mb);
    }
    for (int g = 0; g < G_COUNT; g++) {
        const struct group_cost *c = &b->groups[g];
        if (!c->measured || isnan(c->gain_pct) || c->gain_pct < GROUP_COSTLY) continue;
        rec_add(r,
                "the %s group (%zu indicator(s)) slows the scan by %.0f%% (%.0f MB per "
                "CPU-second without it, %.0f with it)%s",
                group_names[g], c->count, c->gain_pct, c->mbps_without, c->mbps_with,
                g == G_REGEX   ? "; turn fixed regexes into strings"
                : g == G_SHORT ? "; remove or lengthen the short literals"
                : group_noisy(b, g)
                    ? "; mostly the hits of its noisy indicators above: their hits are written "
                      "out, and that costs more than finding them"
                    : "");
    }
    if (!b->stream_ok && b->stream_nlit > STREAM_MAX_LIT)
        rec_add(r,
                "%zu literals: per-flow stream state could not be estimated; expect large "
                "state per flow when this set is used on network traffic",
                b->stream_nlit);
    else if (b->stream_ok && b->stream_lit + b->stream_re > 64 * 1024)
        rec_add(r,
                "stream state is %.1f KB per flow: a live capture with 100k flows needs %.1f "
                "GB for it alone",
                (double)(b->stream_lit + b->stream_re) / 1024,
                (double)(b->stream_lit + b->stream_re) * 1e5 / 1e9);
    if (b->compile_s > 30)
        rec_add(r,
                "the compile takes %.0f s: move addresses and hashes out of free-text "
                "literals, or split the set",
                b->compile_s);
}

/* ---- output ---------------------------------------------------------------------------- */

static void jstr(struct trawl_buf *o, const char *s)
{
    trawl_buf_putc(o, '"');
    trawl_buf_json_str(o, s, strlen(s));
    trawl_buf_putc(o, '"');
}

static void jnum(struct trawl_buf *o, double v)
{
    if (isnan(v) || isinf(v))
        trawl_buf_printf(o, "null");
    else
        trawl_buf_printf(o, "%.3f", v);
}

static void jflag(struct trawl_buf *o, const struct bench *b, const struct flag *f, bool noisy)
{
    struct trawl_ioc_view v;
    trawl_db_get(b->db, f->id, &v);
    trawl_buf_printf(o, "{\"id\":%u,\"type\":", f->id);
    jstr(o, trawl_ioc_type_name(v.type));
    trawl_buf_printf(o, ",\"value\":");
    jstr(o, v.value);
    trawl_buf_printf(o, ",\"hits\":%llu,\"hits_per_mb\":", (unsigned long long)f->hits);
    jnum(o, (double)f->hits / ((double)b->bytes / 1e6));
    if (!noisy) {
        trawl_buf_printf(o, ",\"cpu_mbps_with\":");
        jnum(o, isnan(f->gain_pct) ? NAN : f->mbps_with);
        trawl_buf_printf(o, ",\"cpu_mbps_without\":");
        jnum(o, isnan(f->gain_pct) ? NAN : f->mbps_without);
        trawl_buf_printf(o, ",\"gain_pct\":");
        jnum(o, f->gain_pct);
    }
    trawl_buf_printf(o, ",\"reason\":");
    jstr(o, f->reason);
    trawl_buf_putc(o, '}');
}

static int cmp_hits_desc(const void *x, const void *y, void *ud)
{
    const uint64_t *h = ud;
    uint32_t a = *(const uint32_t *)x, c = *(const uint32_t *)y;
    if (h[a] != h[c]) return h[a] < h[c] ? 1 : -1;
    return a < c ? -1 : a > c;
}

/* Indicators with hits, most first, at most top. */
static size_t top_list(const struct bench *b, uint32_t **out)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nioc; i++)
        n += b->hits[i] > 0;
    uint32_t *v = malloc((n ? n : 1) * sizeof(*v));
    if (!v) {
        *out = NULL;
        return 0;
    }
    n = 0;
    for (size_t i = 0; i < b->nioc; i++)
        if (b->hits[i]) v[n++] = (uint32_t)i;
    qsort_r(v, n, sizeof(*v), cmp_hits_desc, b->hits);
    *out = v;
    return n < b->top ? n : b->top;
}

static const char *corpus_kind(const struct bench *b)
{
    return b->generated ? "generated" : "files";
}

#define TRAFFIC_NOTE                                                                               \
    "captures (pcap/pcapng) are scanned as network traffic: flow addresses, reassembled TCP, "     \
    "UDP, DNS and HTTP fields; their MB are payload bytes"

static void print_json(struct bench *b, const struct recs *rc, FILE *f)
{
    struct trawl_buf o = {0};
    double mb = (double)b->bytes / 1e6;
    trawl_buf_printf(&o, "{\n  \"trawl_bench\": 1,\n  \"version\": ");
    jstr(&o, TRAWL_VERSION);
    trawl_buf_printf(&o, ",\n  \"hyperscan\": ");
    jstr(&o, hs_version());
    /* set */
    trawl_buf_printf(&o, ",\n  \"set\": {\"source\": ");
    jstr(&o, b->dbpath ? "database" : "compiled");
    trawl_buf_printf(&o, ", \"path\": ");
    if (b->dbpath)
        jstr(&o, b->dbpath);
    else
        trawl_buf_printf(&o, "null");
    trawl_buf_printf(&o, ", \"inputs\": [");
    for (size_t i = 0; i < b->niocfiles; i++) {
        trawl_buf_printf(&o, i ? ", " : "");
        jstr(&o, b->iocfiles[i]);
    }
    trawl_buf_printf(&o, "], \"indicators\": %zu, \"by_type\": {", b->nioc);
    bool first = true;
    for (int t = 0; t < TRAWL_T_COUNT; t++)
        if (b->info.by_type[t]) {
            trawl_buf_printf(&o, "%s\"%s\": %llu", first ? "" : ", ", trawl_ioc_type_name(t),
                             (unsigned long long)b->info.by_type[t]);
            first = false;
        }
    trawl_buf_printf(&o,
                     "}, \"literals\": %llu, \"hashed\": %llu, \"cidrs\": %llu, "
                     "\"rejected_lines\": %llu}",
                     (unsigned long long)b->info.literals, (unsigned long long)b->info.hashed,
                     (unsigned long long)b->info.cidrs, (unsigned long long)b->rejected_lines);
    /* compile */
    trawl_buf_printf(&o, ",\n  \"compile\": {\"measured\": ");
    jstr(&o, !b->dbpath ? "load+compile" : b->no_compile ? "recorded" : "recompile");
    trawl_buf_printf(&o, ", \"seconds\": ");
    jnum(&o, b->compile_s);
    trawl_buf_printf(&o, ", \"load_compile_seconds\": ");
    jnum(&o, b->load_compile_s);
    trawl_buf_printf(&o, ", \"recorded_seconds\": ");
    jnum(&o, b->dbpath ? b->stored_compile_s : b->info.compile_seconds);
    trawl_buf_printf(&o, ", \"peak_rss_bytes\": ");
    if (b->peak_kb >= 0)
        trawl_buf_printf(&o, "%lld", (long long)b->peak_kb * 1024);
    else
        trawl_buf_printf(&o, "null");
    trawl_buf_printf(&o, ", \"rss_growth_bytes\": ");
    if (b->delta_kb >= 0)
        trawl_buf_printf(&o, "%lld", (long long)b->delta_kb * 1024);
    else
        trawl_buf_printf(&o, "null");
    trawl_buf_printf(&o, "}");
    /* sizes */
    trawl_buf_printf(&o,
                     ",\n  \"sizes\": {\"database_bytes\": %llu, \"hyperscan_bytes\": %llu, "
                     "\"metadata_bytes\": %llu, \"scratch_bytes\": %zu}",
                     (unsigned long long)b->info.file_size, (unsigned long long)b->info.hs_bytes,
                     (unsigned long long)b->info.meta_bytes, b->scratch);
    trawl_buf_printf(&o, ",\n  \"stream_state\": {\"bytes\": ");
    if (b->stream_ok)
        trawl_buf_printf(&o, "%zu", b->stream_lit + b->stream_re);
    else
        trawl_buf_printf(&o, "null");
    trawl_buf_printf(&o,
                     ", \"literal_bytes\": %zu, \"regex_bytes\": %zu, \"literals\": %zu, "
                     "\"regexes\": %zu, \"stream_scratch_bytes\": %zu, \"compile_seconds\": ",
                     b->stream_lit, b->stream_re, b->stream_nlit, b->stream_nre, b->stream_scratch);
    jnum(&o, b->stream_s);
    trawl_buf_printf(&o, ", \"note\": ");
    jstr(&o, b->stream_note);
    trawl_buf_printf(&o, "}");
    /* corpus */
    trawl_buf_printf(&o, ",\n  \"corpus\": {\"kind\": ");
    jstr(&o, corpus_kind(b));
    trawl_buf_printf(&o, ", \"paths\": [");
    for (size_t i = 0; i < b->npaths; i++) {
        trawl_buf_printf(&o, i ? ", " : "");
        jstr(&o, b->generated && !b->save_corpus ? "(generated, deleted)" : b->paths[i]);
    }
    trawl_buf_printf(&o,
                     "], \"bytes\": %llu, \"lines\": %llu, \"files\": %llu, "
                     "\"pcap_skipped\": %llu, \"read_errors\": %llu, \"seed\": ",
                     (unsigned long long)b->bytes, (unsigned long long)b->lines,
                     (unsigned long long)b->files, (unsigned long long)b->skipped_pcap,
                     (unsigned long long)b->read_errors);
    if (b->generated)
        trawl_buf_printf(&o, "%llu", (unsigned long long)b->seed);
    else
        trawl_buf_printf(&o, "null");
    trawl_buf_printf(&o,
                     ", \"small\": %s, \"traffic\": ", b->bytes < SMALL_CORPUS ? "true" : "false");
    jstr(&o, TRAFFIC_NOTE);
    trawl_buf_printf(&o, "}");
    /* throughput */
    trawl_buf_printf(&o, ",\n  \"throughput\": {\"runs\": %u, \"mbps_1\": ", b->runs);
    jnum(&o, b->s1.wall);
    trawl_buf_printf(&o, ", \"cpu_mbps_1\": ");
    jnum(&o, b->s1.cpu);
    trawl_buf_printf(&o, ", \"threads\": %u, \"mbps_all\": ", b->nthreads);
    jnum(&o, b->sN.wall);
    trawl_buf_printf(&o, ", \"cpu_mbps_all\": ");
    jnum(&o, b->sN.cpu);
    trawl_buf_printf(&o, ", \"hits\": %llu, \"hits_by_type\": {",
                     (unsigned long long)b->total_hits);
    first = true;
    for (int t = 0; t < TRAWL_T_COUNT; t++)
        if (b->hits_by_type[t]) {
            trawl_buf_printf(&o, "%s\"%s\": %llu", first ? "" : ", ", trawl_ioc_type_name(t),
                             (unsigned long long)b->hits_by_type[t]);
            first = false;
        }
    trawl_buf_printf(&o, "}}");
    /* noise */
    trawl_buf_printf(&o, ",\n  \"noise\": {\"threshold_hits_per_mb\": ");
    jnum(&o, b->threshold);
    trawl_buf_printf(&o, ", \"min_hits\": %d, \"noisy_count\": %zu,\n    \"top\": [",
                     NOISY_MIN_HITS, b->nnoisy);
    uint32_t *top;
    size_t nt = top_list(b, &top);
    for (size_t k = 0; k < nt; k++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, top[k], &v);
        const struct flag *nf = noisy_of(b, top[k]);
        trawl_buf_printf(&o, "%s\n      {\"id\":%u,\"type\":", k ? "," : "", top[k]);
        jstr(&o, trawl_ioc_type_name(v.type));
        trawl_buf_printf(&o, ",\"value\":");
        jstr(&o, v.value);
        trawl_buf_printf(&o,
                         ",\"hits\":%llu,\"hits_per_mb\":", (unsigned long long)b->hits[top[k]]);
        jnum(&o, (double)b->hits[top[k]] / mb);
        trawl_buf_printf(&o, ",\"noisy\":%s}", nf ? "true" : "false");
    }
    free(top);
    trawl_buf_printf(&o, "%s],\n    \"noisy\": [", nt ? "\n    " : "");
    for (size_t k = 0; k < b->nnoisy && k < LIST_MAX; k++) {
        trawl_buf_printf(&o, "%s\n      ", k ? "," : "");
        jflag(&o, b, &b->noisy[k], true);
    }
    trawl_buf_printf(&o, "%s]}", b->nnoisy ? "\n    " : "");
    /* cost */
    trawl_buf_printf(
        &o, ",\n  \"cost\": {\"measured\": %s, \"note\": ", b->cost_done ? "true" : "false");
    jstr(&o, b->cost_done ? "1 thread, MB per CPU-second without each group; gain_pct: how much "
                            "faster the scan is without it"
                          : b->cost_note);
    trawl_buf_printf(&o, ", \"baseline_cpu_mbps\": ");
    jnum(&o, b->s1.cpu);
    trawl_buf_printf(&o, ",\n    \"groups\": [");
    first = true;
    for (int g = 0; g < G_COUNT; g++) {
        const struct group_cost *c = &b->groups[g];
        if (!c->count) continue;
        trawl_buf_printf(&o, "%s\n      {\"group\":\"%s\",\"indicators\":%zu,\"cpu_mbps_with\":",
                         first ? "" : ",", group_names[g], c->count);
        jnum(&o, c->measured ? c->mbps_with : NAN);
        trawl_buf_printf(&o, ",\"cpu_mbps_without\":");
        jnum(&o, c->measured ? c->mbps_without : NAN);
        trawl_buf_printf(&o, ",\"gain_pct\":");
        jnum(&o, c->measured ? c->gain_pct : NAN);
        trawl_buf_printf(&o, "}");
        first = false;
    }
    trawl_buf_printf(&o, "%s],\n    \"costly_count\": %zu,\n    \"costly\": [",
                     first ? "" : "\n    ", b->ncostly);
    for (size_t k = 0; k < b->ncostly && k < LIST_MAX; k++) {
        trawl_buf_printf(&o, "%s\n      ", k ? "," : "");
        jflag(&o, b, &b->costly[k], false);
    }
    trawl_buf_printf(&o, "%s]}", b->ncostly ? "\n    " : "");
    /* recommendations */
    trawl_buf_printf(&o, ",\n  \"recommendations\": [");
    for (size_t k = 0; k < rc->n; k++) {
        trawl_buf_printf(&o, "%s\n    ", k ? "," : "");
        jstr(&o, rc->v[k]);
    }
    trawl_buf_printf(&o, "%s]", rc->n ? "\n  " : "");
    /* compare */
    trawl_buf_printf(&o, ",\n  \"compare\": ");
    if (!b->compare) {
        trawl_buf_printf(&o, "null");
    } else {
        trawl_buf_printf(&o, "{\"old\": ");
        jstr(&o, b->compare);
        trawl_buf_printf(&o,
                         ", \"old_indicators\": %zu, \"new_indicators\": %zu, \"added\": %zu, "
                         "\"removed\": %zu,\n    \"added_examples\": [",
                         b->old_count, b->nioc, b->added, b->removed);
        for (size_t k = 0; k < b->nadded_ex; k++) {
            struct trawl_ioc_view v;
            trawl_db_get(b->db, b->added_ex[k], &v);
            trawl_buf_printf(&o, "%s{\"type\":\"%s\",\"value\":", k ? ", " : "",
                             trawl_ioc_type_name(v.type));
            jstr(&o, v.value);
            trawl_buf_printf(&o, "}");
        }
        trawl_buf_printf(&o, "],\n    \"removed_examples\": [");
        for (size_t k = 0; k < b->nremoved_ex; k++) {
            trawl_buf_printf(&o, "%s{\"type\":\"%s\",\"value\":", k ? ", " : "",
                             trawl_ioc_type_name(b->removed_ex[k].type));
            jstr(&o, b->removed_ex[k].value);
            trawl_buf_printf(&o, "}");
        }
        trawl_buf_printf(&o, "],\n    \"old_mbps_1\": ");
        jnum(&o, b->old1.wall);
        trawl_buf_printf(&o, ", \"new_mbps_1\": ");
        jnum(&o, b->new1.wall);
        trawl_buf_printf(&o, ", \"old_cpu_mbps_1\": ");
        jnum(&o, b->old1.cpu);
        trawl_buf_printf(&o, ", \"new_cpu_mbps_1\": ");
        jnum(&o, b->new1.cpu);
        trawl_buf_printf(&o, ", \"change_pct_1\": ");
        jnum(&o, gain(b->old1.cpu, b->new1.cpu));
        trawl_buf_printf(&o, ",\n    \"old_mbps_all\": ");
        jnum(&o, b->oldN.wall);
        trawl_buf_printf(&o, ", \"new_mbps_all\": ");
        jnum(&o, b->newN.wall);
        trawl_buf_printf(&o, ", \"change_pct_all\": ");
        jnum(&o, gain(b->oldN.wall, b->newN.wall));
        trawl_buf_printf(&o, "}");
    }
    trawl_buf_printf(&o, ",\n  \"flagged\": %s\n}\n", b->nnoisy || b->ncostly ? "true" : "false");
    fwrite(o.data, 1, o.len, f);
    trawl_buf_free(&o);
}

static const char *human(double bytes, char *buf, size_t n)
{
    if (bytes < 1024)
        snprintf(buf, n, "%.0f B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(buf, n, "%.1f KB", bytes / 1024);
    else if (bytes < 1024.0 * 1024 * 1024)
        snprintf(buf, n, "%.1f MB", bytes / 1024 / 1024);
    else
        snprintf(buf, n, "%.2f GB", bytes / 1024 / 1024 / 1024);
    return buf;
}

static void heading(FILE *f, bool tty, const char *s)
{
    if (tty)
        fprintf(f, "\n\033[1m%s\033[0m\n", s);
    else
        fprintf(f, "\n%s\n", s);
}

static void print_text(struct bench *b, const struct recs *rc, FILE *f)
{
    bool tty = isatty(fileno(f));
    char h1[32], h2[32], h3[32], sb[100];
    double mb = (double)b->bytes / 1e6;
    fprintf(f, "trawl bench: %s%s\n", b->dbpath ? b->dbpath : "indicators compiled from ",
            b->dbpath ? "" : (b->niocfiles == 1 ? b->iocfiles[0] : "several files"));

    heading(f, tty, "Set");
    fprintf(f, "  indicators        %zu:", b->nioc);
    for (int t = 0; t < TRAWL_T_COUNT; t++)
        if (b->info.by_type[t])
            fprintf(f, " %s %llu", trawl_ioc_type_name(t), (unsigned long long)b->info.by_type[t]);
    fprintf(f, "\n  structures        %llu literals, %llu hashed lookups, %llu CIDR prefixes\n",
            (unsigned long long)b->info.literals, (unsigned long long)b->info.hashed,
            (unsigned long long)b->info.cidrs);
    if (b->rejected_lines)
        fprintf(f, "  rejected lines    %llu (see stderr)\n",
                (unsigned long long)b->rejected_lines);

    heading(f, tty, "Compile and memory");
    if (b->dbpath && b->no_compile)
        fprintf(f, "  compile time      %.2f s (recorded when it was built; not re-run)\n",
                b->stored_compile_s);
    else if (b->dbpath)
        fprintf(f,
                "  compile time      %.2f s (re-run from the database's indicators; %.2f s "
                "when it was built)\n",
                b->compile_s, b->stored_compile_s);
    else
        fprintf(f, "  compile time      %.2f s (%.2f s with loading)\n", b->compile_s,
                b->load_compile_s);
    if (b->peak_kb >= 0)
        fprintf(f, "  peak memory       %s RSS%s%s%s\n", human((double)b->peak_kb * 1024, h1, 32),
                b->delta_kb >= 0 ? " (+" : "",
                b->delta_kb >= 0 ? human((double)b->delta_kb * 1024, h2, 32) : "",
                b->delta_kb >= 0 ? " during the compile)" : " (whole process)");
    else
        fprintf(f, "  peak memory       n/a\n");
    fprintf(f, "  database          %s (Hyperscan %s, metadata %s)\n",
            human((double)b->info.file_size, h1, 32), human((double)b->info.hs_bytes, h2, 32),
            human((double)b->info.meta_bytes, h3, 32));
    fprintf(f, "  scratch           %s per scanning thread\n", human((double)b->scratch, h1, 32));
    if (b->stream_ok)
        fprintf(f, "  stream state      %s per flow (literals %s, regexes %s; scratch %s)\n",
                human((double)(b->stream_lit + b->stream_re), h1, 32),
                human((double)b->stream_lit, h2, 32), human((double)b->stream_re, h3, 32),
                human((double)b->stream_scratch, sb, sizeof(sb)));
    else
        fprintf(f, "  stream state      n/a\n");
    fprintf(f, "                    %s\n", b->stream_note);

    heading(f, tty, "Corpus");
    if (b->generated)
        fprintf(f,
                "  generated benign logs (seed %llu): proxy, DNS, web, syslog, mail, firewall, "
                "EDR JSON\n",
                (unsigned long long)b->seed);
    else
        fprintf(f, "  %llu file(s) from %zu path(s)\n", (unsigned long long)b->files, b->npaths);
    fprintf(f, "  %.1f MB, %llu lines\n", mb, (unsigned long long)b->lines);
    if (b->skipped_pcap)
        fprintf(f, "  %llu pcap/pcapng file(s) skipped\n", (unsigned long long)b->skipped_pcap);
    if (b->bytes < SMALL_CORPUS)
        fprintf(f, "  a small corpus (under 1 MiB): throughput and hits per MB are rough; any "
                   "hit is still a false positive if the corpus is benign\n");
    fprintf(f, "  %s\n", TRAFFIC_NOTE);

    heading(f, tty, "Throughput");
    fprintf(f, "  1 thread          %.0f MB/s (%.0f MB per CPU-second; median of %u runs)\n",
            b->s1.wall, b->s1.cpu, b->runs);
    fprintf(f, "  %u thread%s         %.0f MB/s\n", b->nthreads, b->nthreads > 1 ? "s" : " ",
            b->sN.wall);
    fprintf(f, "  hits              %llu (%.1f per MB)", (unsigned long long)b->total_hits,
            (double)b->total_hits / mb);
    const char *sep = ": ";
    for (int t = 0; t < TRAWL_T_COUNT; t++)
        if (b->hits_by_type[t]) {
            fprintf(f, "%s%s %llu", sep, trawl_ioc_type_name(t),
                    (unsigned long long)b->hits_by_type[t]);
            sep = ", ";
        }
    fputc('\n', f);

    heading(f, tty, "Noise: indicators with the most hits on benign data");
    uint32_t *top;
    size_t nt = top_list(b, &top);
    if (!nt)
        fprintf(f, "  no indicator hit the corpus\n");
    else
        fprintf(f, "  %10s %9s  %-9s %s\n", "hits", "per MB", "type", "indicator");
    for (size_t k = 0; k < nt; k++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, top[k], &v);
        fprintf(f, "  %10llu %9.1f  %-9s %s%s\n", (unsigned long long)b->hits[top[k]],
                (double)b->hits[top[k]] / mb, trawl_ioc_type_name(v.type),
                shown(v.value, sb, sizeof(sb)), noisy_of(b, top[k]) ? "  [noisy]" : "");
    }
    free(top);
    fprintf(f, "  %zu indicator(s) flagged noisy (threshold %g hits per MB, or known benign)\n",
            b->nnoisy, b->threshold);
    for (size_t k = 0; k < b->nnoisy && k < LIST_MAX; k++) {
        struct trawl_ioc_view v;
        trawl_db_get(b->db, b->noisy[k].id, &v);
        fprintf(f, "    %-9s %s: %s\n", trawl_ioc_type_name(v.type), shown(v.value, sb, sizeof(sb)),
                b->noisy[k].reason);
    }

    heading(f, tty, "Cost: what each group and suspicious indicator costs the scan");
    if (!b->cost_done) {
        fprintf(f, "  %s\n", b->cost_note);
    } else {
        fprintf(f, "  1 thread, MB per CPU-second, runs with and without alternating\n");
        fprintf(f, "  %-15s %10s %10s %10s %8s\n", "group", "indicators", "with", "without",
                "gain");
        for (int g = 0; g < G_COUNT; g++) {
            const struct group_cost *c = &b->groups[g];
            if (!c->count) continue;
            if (c->measured)
                fprintf(f, "  %-15s %10zu %10.0f %10.0f %+7.0f%%\n", group_names[g], c->count,
                        c->mbps_with, c->mbps_without, c->gain_pct);
            else
                fprintf(f, "  %-15s %10zu %10s %10s %8s\n", group_names[g], c->count, "n/a", "n/a",
                        "");
        }
    }
    fprintf(f, "  %zu indicator(s) flagged costly\n", b->ncostly);
    for (size_t k = 0; k < b->ncostly && k < LIST_MAX; k++) {
        const struct flag *c = &b->costly[k];
        struct trawl_ioc_view v;
        trawl_db_get(b->db, c->id, &v);
        fprintf(f, "    %-9s %s: %s", trawl_ioc_type_name(v.type), shown(v.value, sb, sizeof(sb)),
                c->reason);
        if (!isnan(c->gain_pct))
            fprintf(f, "; %.0f MB per CPU-second without it, %.0f with it (%+.0f%%)",
                    c->mbps_without, c->mbps_with, c->gain_pct);
        fputc('\n', f);
    }

    if (b->compare) {
        heading(f, tty, "Compared with the old set");
        fprintf(f, "  old set           %s: %zu indicators (now %zu)\n", b->compare, b->old_count,
                b->nioc);
        fprintf(f, "  added             %zu\n", b->added);
        for (size_t k = 0; k < b->nadded_ex; k++) {
            struct trawl_ioc_view v;
            trawl_db_get(b->db, b->added_ex[k], &v);
            fprintf(f, "    + %-9s %s\n", trawl_ioc_type_name(v.type),
                    shown(v.value, sb, sizeof(sb)));
        }
        if (b->added > b->nadded_ex) fprintf(f, "    ... and %zu more\n", b->added - b->nadded_ex);
        fprintf(f, "  removed           %zu\n", b->removed);
        for (size_t k = 0; k < b->nremoved_ex; k++)
            fprintf(f, "    - %-9s %s\n", trawl_ioc_type_name(b->removed_ex[k].type),
                    shown(b->removed_ex[k].value, sb, sizeof(sb)));
        if (b->removed > b->nremoved_ex)
            fprintf(f, "    ... and %zu more\n", b->removed - b->nremoved_ex);
        fprintf(f, "  1 thread          %.0f MB/s -> %.0f MB/s (%+.0f%% in MB per CPU-second)\n",
                b->old1.wall, b->new1.wall, gain(b->old1.cpu, b->new1.cpu));
        fprintf(f, "  %u thread%s         %.0f MB/s -> %.0f MB/s (%+.0f%%)\n", b->nthreads,
                b->nthreads > 1 ? "s" : " ", b->oldN.wall, b->newN.wall,
                gain(b->oldN.wall, b->newN.wall));
    }

    heading(f, tty, "Recommendations");
    if (!rc->n) fprintf(f, "  none: no indicator was flagged noisy or costly\n");
    for (size_t k = 0; k < rc->n; k++)
        fprintf(f, "  %zu. %s\n", k + 1, rc->v[k]);
}

/* ---- command ------------------------------------------------------------------------- */

static bool parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= 0) || isinf(v)) return false;
    *out = v;
    return true;
}

/* Reads the options into b; returns -1 when the run may go on, else the
 * exit status (help shown, or a usage error printed). */
static int bench_opts(struct bench *b, int argc, char **argv)
{
    static const struct option lopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"corpus", required_argument, NULL, 'c'},
        {"corpus-size", required_argument, NULL, 'M'},
        {"seed", required_argument, NULL, 'S'},
        {"save-corpus", required_argument, NULL, 'K'},
        {"threads", required_argument, NULL, 'j'},
        {"runs", required_argument, NULL, 'R'},
        {"top", required_argument, NULL, 'T'},
        {"noise-threshold", required_argument, NULL, 'N'},
        {"no-cost", no_argument, NULL, 'C'},
        {"no-compile", no_argument, NULL, 'X'},
        {"compare", required_argument, NULL, 'P'},
        {"json", no_argument, NULL, 'J'},
        {"format", required_argument, NULL, 'f'},
        {"as", required_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long v;
    int c, r;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:c:j:f:a:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            b->dbpath = optarg;
            break;
        case 'c':
            if (b->ncorpus == MAX_CORPUS)
                return cli_usage_error("bench", "at most %d corpus paths", MAX_CORPUS);
            b->corpus[b->ncorpus++] = optarg;
            break;
        case 'M':
            if (!cli_parse_uint(optarg, 1 << 20, &v) || !v)
                return cli_usage_error("bench", "--corpus-size needs a size in MB (1 or more)");
            b->corpus_mb = v;
            break;
        case 'S':
            if (!cli_parse_uint(optarg, (unsigned long)-1, &v))
                return cli_usage_error("bench", "--seed needs a number");
            b->seed = v;
            break;
        case 'K':
            b->save_corpus = optarg;
            break;
        case 'j':
            if ((r = cli_threads_opt("bench", optarg, &b->threads))) return r;
            break;
        case 'R':
            if (!cli_parse_uint(optarg, 15, &v) || !v)
                return cli_usage_error("bench", "--runs needs a number from 1 to 15");
            b->runs = (unsigned)v;
            break;
        case 'T':
            if (!cli_parse_uint(optarg, 100000, &v))
                return cli_usage_error("bench", "--top needs a number");
            b->top = (unsigned)v;
            break;
        case 'N':
            if (!parse_double(optarg, &b->threshold))
                return cli_usage_error("bench", "--noise-threshold needs a number >= 0");
            break;
        case 'C':
            b->no_cost = true;
            break;
        case 'X':
            b->no_compile = true;
            break;
        case 'P':
            b->compare = optarg;
            break;
        case 'J':
            b->json = true;
            break;
        case 'f':
            if (trawl_format_parse(optarg, &b->lo.format))
                return cli_usage_error("bench", "unknown format '%s'", optarg);
            break;
        case 'a':
            if (trawl_ioc_type_parse(optarg, &b->lo.as_type))
                return cli_usage_error("bench", "unknown indicator type '%s'", optarg);
            break;
        case 'q':
            b->quiet = true;
            break;
        default:
            return cli_other_opt("bench", c, help, argv);
        }
    }
    for (int i = optind; i < argc; i++) {
        if (b->dbpath ? b->ncorpus == MAX_CORPUS : b->niocfiles == MAX_CORPUS)
            return cli_usage_error("bench", "at most %d paths", MAX_CORPUS);
        if (b->dbpath)
            b->corpus[b->ncorpus++] = argv[i];
        else
            b->iocfiles[b->niocfiles++] = argv[i];
    }
    if (!b->dbpath && !b->niocfiles)
        return cli_usage_error("bench", "nothing to vet: give -d DB.tdb or indicator files");
    if (b->no_compile && !b->dbpath)
        return cli_usage_error("bench", "--no-compile applies to -d only");
    if (b->save_corpus && b->ncorpus)
        return cli_usage_error("bench", "--save-corpus applies to the generated corpus only");
    return -1;
}

int cmd_bench(int argc, char **argv)
{
    struct bench *b = calloc(1, sizeof(*b));
    if (!b) {
        cli_error("out of memory");
        return EXIT_TROUBLE;
    }
    b->corpus_mb = 64;
    b->seed = 1;
    b->runs = 3;
    b->top = 20;
    b->threshold = 1.0;
    b->peak_kb = b->delta_kb = -1;
    trawl_load_opts_init(&b->lo);
    int status = EXIT_TROUBLE, r = bench_opts(b, argc, argv);
    if (r >= 0) {
        free(b);
        return r;
    }
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    b->nthreads = b->threads ? b->threads : nc > 0 ? (unsigned)nc : 1;

    struct trawl_db *old = NULL;
    struct recs rc = {0};
    if (load_set(b)) goto out;
    measure_sizes(b);
    if (make_corpus(b) || noise_pass(b)) goto out;
    progress(b, "measuring throughput (%u run(s) on 1 and %u thread(s))", b->runs, b->nthreads);
    if (throughput(b, b->db, 1, &b->s1) ||
        (b->nthreads > 1 && throughput(b, b->db, b->nthreads, &b->sN))) {
        cli_error("the throughput scans failed");
        goto out;
    }
    if (b->nthreads == 1) b->sN = b->s1;
    flag_noisy(b);
    measure_cost(b);
    if (b->compare && compare(b, &old)) goto out;
    recommend(b, &rc);
    if (b->json)
        print_json(b, &rc, stdout);
    else
        print_text(b, &rc, stdout);
    if (fflush(stdout) || ferror(stdout)) {
        cli_error("standard output: %s", strerror(errno));
        goto out;
    }
    status = b->nnoisy || b->ncostly ? 1 : 0;
out:
    if (b->generated && !b->save_corpus && b->tmpcorpus[0]) {
        unlink(b->tmpcorpus);
        tmp_corpus[0] = 0;
        if (b->tmppcap[0]) unlink(b->tmppcap);
        tmp_pcap[0] = 0;
    }
    for (size_t i = 0; i < rc.n; i++)
        free(rc.v[i]);
    free(rc.v);
    trawl_db_close(old);
    trawl_db_close(b->db);
    trawl_iocset_free(b->set);
    free(b->types);
    free(b->hits);
    free(b->noisy);
    free(b->costly);
    free(b);
    return status;
}
