/* trawl bench: the built-in benign corpus. Deterministic text logs (proxy,
 * DNS, web server, syslog, mail, firewall, EDR JSON) whose hosts, addresses
 * and hashes are the everyday infrastructure of an enterprise network (public
 * resolvers, search, cloud and CDN names, Windows system binaries) mixed with
 * random hosts, addresses and hashes. An indicator that hits here hits on any
 * network's benign traffic. Own PRNG, no locale, same bytes for the same
 * size and seed. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench_corpus.h"

struct rng {
    uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
    /* splitmix64: small, fast, good enough for benign filler */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static unsigned below(struct rng *r, unsigned n)
{
    return (unsigned)(((rnd(r) >> 32) * (uint64_t)n) >> 32);
}

#define PICK(r, a) ((a)[below((r), sizeof(a) / sizeof((a)[0]))])

/* Names every network resolves all day long. Repeated entries are weights. */
static const char *const POPULAR[] = {
    "www.google.com",
    "www.google.com",
    "google.com",
    "clients4.google.com",
    "accounts.google.com",
    "update.googleapis.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "www.gstatic.com",
    "www.youtube.com",
    "i.ytimg.com",
    "www.microsoft.com",
    "microsoft.com",
    "login.microsoftonline.com",
    "settings-win.data.microsoft.com",
    "v10.events.data.microsoft.com",
    "ctldl.windowsupdate.com",
    "go.microsoft.com",
    "outlook.office365.com",
    "teams.microsoft.com",
    "www.bing.com",
    "e2462.dscb.akamaiedge.net",
    "e6858.dsce9.akamaiedge.net",
    "a1887.dscq.akamai.net",
    "d2ur9jkq3cp9xx.cloudfront.net",
    "d1ge0kk1l5kms0.cloudfront.net",
    "cdn.jsdelivr.net",
    "ajax.googleapis.com",
    "static.xx.fbcdn.net",
    "www.facebook.com",
    "github.com",
    "api.github.com",
    "raw.githubusercontent.com",
    "objects.githubusercontent.com",
    "ocsp.digicert.com",
    "crl3.digicert.com",
    "r3.o.lencr.org",
    "ocsp.pki.goog",
    "s3.amazonaws.com",
    "ec2.eu-west-1.amazonaws.com",
    "www.amazon.com",
    "www.apple.com",
    "swscan.apple.com",
    "time.cloudflare.com",
    "www.cloudflare.com",
    "slack.com",
    "edge-chat.slack.com",
    "www.wikipedia.org",
    "en.wikipedia.org",
    "www.linkedin.com",
    "zoom.us",
    "www.dropbox.com",
    "ntp.ubuntu.com",
    "security.debian.org",
    "deb.debian.org",
    "pypi.org",
    "registry.npmjs.org",
    "www.msftncsi.com",
    "connectivity-check.ubuntu.com",
};

static const char *const RESOLVERS[] = {"8.8.8.8", "8.8.8.8", "8.8.4.4", "1.1.1.1",
                                        "1.1.1.1", "1.0.0.1", "9.9.9.9", "208.67.222.222"};

/* Addresses of popular services (as seen in proxy and flow logs). */
static const char *const POPULAR_IPS[] = {
    "142.250.74.36", "142.250.185.78", "172.217.16.142",  "216.58.206.46", "13.107.4.52",
    "20.190.159.2",  "40.126.32.134",  "52.109.8.19",     "23.45.120.79",  "104.16.132.229",
    "151.101.1.69",  "140.82.121.4",   "185.199.108.133", "54.231.160.2",  "17.253.144.10",
    "162.159.200.1", "31.13.72.36",    "199.232.138.133",
};

static const char *const TLDS[] = {"com", "com", "com", "net", "org",   "de",
                                   "fr",  "io",  "nl",  "eu",  "co.uk", "info"};
static const char *const SYL[] = {"ka",  "lo",  "mi",  "ra",  "te",  "no",  "vi",  "sa",
                                  "po",  "lu",  "ber", "tan", "gel", "mar", "den", "sol",
                                  "fin", "cor", "tri", "ven", "al",  "ex",  "on",  "is"};
static const char *const WORDS[] = {"shop",   "news", "portal", "cloud", "data", "media",
                                    "travel", "bank", "mail",   "app",   "cdn",  "static"};
static const char *const USERS[] = {"jdoe",   "asmith",  "mmueller", "opetrova", "deploy",
                                    "backup", "svc_sql", "admin",    "nagios",   "jenkins"};
static const char *const UAS[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Microsoft-CryptoAPI/10.0",
    "Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50",
    "curl/7.88.1",
    "python-requests/2.31.0",
    "Debian APT-HTTP/1.3 (2.6.1)",
};
static const char *const PATHS[] = {
    "",
    "index.html",
    "search?q=weather",
    "static/js/app.3f9a1c.js",
    "favicon.ico",
    "api/v1/status",
    "login",
    "images/logo.png",
    "css/site.css",
    "update/v2/check",
    "msdownload/update/v3/static/trustedr/en/authrootstl.cab",
    "generate_204",
};
static const char *const MIME[] = {"text/html", "application/json",
                                   "image/png", "application/javascript",
                                   "text/css",  "application/octet-stream"};
static const char *const IMAGES[] = {
    "C:\\\\Windows\\\\System32\\\\svchost.exe",
    "C:\\\\Windows\\\\System32\\\\svchost.exe",
    "C:\\\\Windows\\\\explorer.exe",
    "C:\\\\Windows\\\\System32\\\\cmd.exe",
    "C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe",
    "C:\\\\Windows\\\\System32\\\\rundll32.exe",
    "C:\\\\Windows\\\\System32\\\\lsass.exe",
    "C:\\\\Windows\\\\System32\\\\taskhostw.exe",
    "C:\\\\Program Files\\\\Google\\\\Chrome\\\\Application\\\\chrome.exe",
    "C:\\\\Program Files\\\\Microsoft Office\\\\root\\\\Office16\\\\OUTLOOK.EXE",
    "C:\\\\Users\\\\jdoe\\\\AppData\\\\Local\\\\Microsoft\\\\Teams\\\\current\\\\Teams.exe",
};
static const char *const MAILDOM[] = {"gmail.com",    "outlook.com", "yahoo.com",
                                      "corp.example", "gmx.de",      "orange.fr"};

struct gen {
    struct rng r;
    time_t t;
    unsigned frac;
    char *p; /* write position in the line buffer */
};

static void put(struct gen *g, const char *s)
{
    size_t n = strlen(s);
    memcpy(g->p, s, n);
    g->p += n;
}

static void putf(struct gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(g->p, 512, fmt, ap);
    va_end(ap);
    g->p += n > 0 ? (n < 512 ? n : 511) : 0;
}

static void put_hex(struct gen *g, int n)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < n; i++)
        *g->p++ = hx[below(&g->r, 16)];
}

static void put_host(struct gen *g)
{
    if (below(&g->r, 100) < 55) {
        put(g, PICK(&g->r, POPULAR));
        return;
    }
    if (below(&g->r, 3) == 0) {
        put(g, PICK(&g->r, WORDS));
        *g->p++ = '.';
    }
    unsigned n = 2 + below(&g->r, 3);
    for (unsigned i = 0; i < n; i++)
        put(g, PICK(&g->r, SYL));
    if (below(&g->r, 4) == 0) {
        *g->p++ = '-';
        put(g, PICK(&g->r, WORDS));
    }
    *g->p++ = '.';
    put(g, PICK(&g->r, TLDS));
}

static void put_pubip(struct gen *g)
{
    if (below(&g->r, 100) < 40) {
        put(g, PICK(&g->r, POPULAR_IPS));
        return;
    }
    unsigned a;
    do
        a = 1 + below(&g->r, 223);
    while (a == 10 || a == 127 || a == 100 || a == 169 || a == 172 || a == 192);
    putf(g, "%u.%u.%u.%u", a, below(&g->r, 256), below(&g->r, 256), 1 + below(&g->r, 254));
}

static void put_lanip(struct gen *g)
{
    if (below(&g->r, 4) == 0)
        putf(g, "192.168.%u.%u", below(&g->r, 4), 2 + below(&g->r, 250));
    else
        putf(g, "10.%u.%u.%u", 1 + below(&g->r, 3), below(&g->r, 40), 2 + below(&g->r, 250));
}

static void put_syslog_time(struct gen *g)
{
    struct tm tm;
    gmtime_r(&g->t, &tm);
    g->p += strftime(g->p, 32, "%b %e %H:%M:%S", &tm);
}

static void put_iso_time(struct gen *g)
{
    struct tm tm;
    gmtime_r(&g->t, &tm);
    g->p += strftime(g->p, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    putf(g, ".%03uZ", g->frac);
}

static void line_squid(struct gen *g)
{
    putf(g, "%lld.%03u %6u ", (long long)g->t, g->frac, 20 + below(&g->r, 3000));
    put_lanip(g);
    bool tunnel = below(&g->r, 3) == 0;
    putf(g, " %s/%u %u %s ", below(&g->r, 5) ? "TCP_MISS" : "TCP_TUNNEL",
         below(&g->r, 10) ? 200 : 304, 300 + below(&g->r, 90000), tunnel ? "CONNECT" : "GET");
    if (tunnel) {
        put_host(g);
        put(g, ":443");
    } else {
        put(g, below(&g->r, 4) ? "https://" : "http://");
        put_host(g);
        *g->p++ = '/';
        put(g, PICK(&g->r, PATHS));
    }
    put(g, " - HIER_DIRECT/");
    put_pubip(g);
    putf(g, " %s\n", tunnel ? "-" : PICK(&g->r, MIME));
}

static void line_bind(struct gen *g)
{
    put_syslog_time(g);
    putf(g, " ns1 named[812]: client @0x7f3a%08x ", (unsigned)(rnd(&g->r) & 0xffffffff));
    put_lanip(g);
    putf(g, "#%u (", 1024 + below(&g->r, 60000));
    char *h = g->p;
    put_host(g);
    size_t hl = (size_t)(g->p - h);
    put(g, "): query: ");
    memmove(g->p, h, hl);
    g->p += hl;
    static const char *const QT[] = {"A", "A", "AAAA", "HTTPS", "TXT", "MX"};
    putf(g, " IN %s +E(0)K (10.0.0.53)\n", PICK(&g->r, QT));
}

static void line_dnsmasq(struct gen *g)
{
    char host[256];
    char *save = g->p;
    put_host(g);
    size_t hl = (size_t)(g->p - save);
    memcpy(host, save, hl);
    host[hl] = 0;
    g->p = save;
    put_syslog_time(g);
    putf(g, " gw dnsmasq[733]: query[A] %s from ", host);
    put_lanip(g);
    *g->p++ = '\n';
    put_syslog_time(g);
    putf(g, " gw dnsmasq[733]: forwarded %s to %s\n", host, PICK(&g->r, RESOLVERS));
    put_syslog_time(g);
    putf(g, " gw dnsmasq[733]: reply %s is ", host);
    put_pubip(g);
    *g->p++ = '\n';
}

static void line_apache(struct gen *g)
{
    struct tm tm;
    gmtime_r(&g->t, &tm);
    put_pubip(g);
    put(g, " - - [");
    g->p += strftime(g->p, 40, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    putf(g, "] \"GET /%s HTTP/1.1\" %u %u \"https://", PICK(&g->r, PATHS),
         below(&g->r, 8) ? 200 : 404, 200 + below(&g->r, 60000));
    put_host(g);
    putf(g, "/\" \"%s\"\n", PICK(&g->r, UAS));
}

static void line_syslog(struct gen *g)
{
    put_syslog_time(g);
    switch (below(&g->r, 6)) {
    case 0:
        putf(g, " web01 sshd[%u]: Accepted publickey for %s from ", 1000 + below(&g->r, 30000),
             PICK(&g->r, USERS));
        put_lanip(g);
        putf(g, " port %u ssh2: ED25519 SHA256:", 30000 + below(&g->r, 30000));
        put_hex(g, 43);
        *g->p++ = '\n';
        break;
    case 1:
        putf(g, " web01 sshd[%u]: Failed password for invalid user %s from ",
             1000 + below(&g->r, 30000), PICK(&g->r, USERS));
        put_pubip(g);
        putf(g, " port %u ssh2\n", 30000 + below(&g->r, 30000));
        break;
    case 2:
        putf(g,
             " web01 systemd-resolved[402]: Using degraded feature set UDP instead of "
             "UDP+EDNS0 for DNS server %s.\n",
             PICK(&g->r, RESOLVERS));
        break;
    case 3:
        put(g, " fw01 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=");
        put_pubip(g);
        put(g, " DST=");
        put_lanip(g);
        putf(g, " LEN=60 TTL=%u PROTO=TCP SPT=%u DPT=%u SYN\n", 40 + below(&g->r, 200),
             1024 + below(&g->r, 60000), PICK(&g->r, ((const unsigned[]){22, 23, 445, 3389})));
        break;
    case 4:
        putf(g,
             " mx1 postfix/smtp[%u]: %08X%02X: to=<%s@%s>, relay=gmail-smtp-in.l.google.com"
             "[142.250.102.27]:25, delay=%u.%u, status=sent (250 2.0.0 OK)\n",
             1000 + below(&g->r, 30000), (unsigned)(rnd(&g->r) & 0xffffffff), below(&g->r, 256),
             PICK(&g->r, USERS), PICK(&g->r, MAILDOM), below(&g->r, 4), below(&g->r, 10));
        break;
    default:
        put(g, " web01 systemd-timesyncd[512]: Initial synchronization to time server "
               "162.159.200.1:123 (ntp.ubuntu.com).\n");
        break;
    }
}

static void line_flow(struct gen *g)
{
    put_iso_time(g);
    putf(g, " fw01 %s %s ", below(&g->r, 10) ? "ACCEPT" : "DROP", below(&g->r, 4) ? "TCP" : "UDP");
    put_lanip(g);
    putf(g, ":%u -> ", 1024 + below(&g->r, 60000));
    if (below(&g->r, 4) == 0) {
        put(g, PICK(&g->r, RESOLVERS));
        put(g, ":53");
    } else {
        put_pubip(g);
        put(g, ":443");
    }
    putf(g, " bytes=%u packets=%u\n", 60 + below(&g->r, 200000), 1 + below(&g->r, 300));
}

static void line_json(struct gen *g)
{
    put(g, "{\"ts\":\"");
    put_iso_time(g);
    putf(g, "\",\"host\":\"wks-%04u\",", below(&g->r, 400));
    switch (below(&g->r, 3)) {
    case 0:
        put(g, "\"event\":\"process_start\",\"image\":\"");
        put(g, PICK(&g->r, IMAGES));
        put(g, "\",\"sha256\":\"");
        put_hex(g, 64);
        put(g, "\",\"md5\":\"");
        put_hex(g, 32);
        putf(g, "\",\"user\":\"CORP\\\\%s\",\"pid\":%u}\n", PICK(&g->r, USERS),
             100 + below(&g->r, 20000));
        break;
    case 1:
        put(g, "\"event\":\"network_connect\",\"image\":\"");
        put(g, PICK(&g->r, IMAGES));
        put(g, "\",\"dst_ip\":\"");
        put_pubip(g);
        put(g, "\",\"dst_host\":\"");
        put_host(g);
        putf(g, "\",\"dst_port\":443}\n");
        break;
    default:
        put(g, "\"event\":\"dns_query\",\"query\":\"");
        put_host(g);
        putf(g, "\",\"server\":\"%s\",\"answers\":[\"", PICK(&g->r, RESOLVERS));
        put_pubip(g);
        put(g, "\"]}\n");
        break;
    }
}

int bench_corpus_write(FILE *f, uint64_t bytes, uint64_t seed, uint64_t *lines)
{
    struct gen g = {.r = {seed * 0x9e3779b97f4a7c15ULL + 0x7261776cULL}, .t = 1763856000};
    static char buf[1 << 16];
    uint64_t written = 0, nl = 0;
    while (written < bytes) {
        g.p = buf;
        /* one line (dnsmasq: three) per round; the buffer is flushed when
         * less than 4 KiB is left, far more than the longest line */
        while (g.p < buf + sizeof(buf) - 4096 && written + (uint64_t)(g.p - buf) < bytes) {
            g.t += below(&g.r, 3);
            g.frac = below(&g.r, 1000);
            unsigned k = below(&g.r, 100);
            char *start = g.p;
            if (k < 24)
                line_squid(&g);
            else if (k < 38)
                line_bind(&g);
            else if (k < 46)
                line_dnsmasq(&g);
            else if (k < 60)
                line_apache(&g);
            else if (k < 74)
                line_syslog(&g);
            else if (k < 86)
                line_flow(&g);
            else
                line_json(&g);
            for (const char *q = start; q < g.p; q++)
                nl += *q == '\n';
        }
        size_t n = (size_t)(g.p - buf);
        if (fwrite(buf, 1, n, f) != n) return -1;
        written += n;
    }
    if (lines) *lines = nl;
    return 0;
}

/* ---- benign traffic ------------------------------------------------------- */

static void pcap_put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* One Ethernet/IPv4 frame around an L4 header and payload into frame;
 * returns its length. */
static size_t frame_ipv4(uint8_t *frame, const uint8_t src[4], const uint8_t dst[4], int proto,
                         const uint8_t *l4, size_t l4len)
{
    static const uint8_t macs[12] = {0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5d,
                                     0x00, 0x0c, 0x29, 0x7e, 0x8f, 0x90};
    memcpy(frame, macs, 12);
    pcap_put16(frame + 12, 0x0800);
    uint8_t *ip = frame + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    pcap_put16(ip + 2, (unsigned)(20 + l4len));
    ip[8] = 64;
    ip[9] = (uint8_t)proto;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    pcap_put16(ip + 10, ~sum & 0xffff);
    memcpy(ip + 20, l4, l4len);
    return 14 + 20 + l4len;
}

static void parse_v4(const char *s, uint8_t out[4])
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d);
    out[0] = (uint8_t)a, out[1] = (uint8_t)b, out[2] = (uint8_t)c, out[3] = (uint8_t)d;
}

int bench_corpus_write_pcap(FILE *f, uint64_t packets, uint64_t seed)
{
    struct gen g = {.r = {seed * 0xbf58476d1ce4e5b9ULL + 0x74726166ULL}, .t = 1763856000};
    static const uint8_t ghdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0, 0, 0, 0,
                                     0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
    if (fwrite(ghdr, 1, sizeof(ghdr), f) != sizeof(ghdr)) return -1;
    char host[600], req[1400];
    uint8_t l4[1600], frame[1700];
    for (uint64_t i = 0; i < packets; i++) {
        g.t += below(&g.r, 2);
        uint8_t cli[4] = {10, (uint8_t)below(&g.r, 4), (uint8_t)below(&g.r, 256),
                          (uint8_t)(2 + below(&g.r, 250))};
        g.p = host;
        put_host(&g);
        *g.p = 0;
        size_t l4len;
        uint8_t srv[4];
        int proto;
        if (below(&g.r, 100) < 45) { /* a DNS query to a public resolver */
            parse_v4(PICK(&g.r, RESOLVERS), srv);
            uint8_t *u = l4, *q = l4 + 8 + 12, *lab = q;
            memset(l4, 0, 20);
            pcap_put16(u, 1024 + below(&g.r, 60000));
            pcap_put16(u + 2, 53);
            pcap_put16(u + 8, below(&g.r, 65536));
            pcap_put16(u + 10, 0x0100);
            pcap_put16(u + 12, 1);
            for (const char *s = host;;) { /* dotted name to length-prefixed labels */
                const char *dot = strchr(s, '.');
                size_t n = dot ? (size_t)(dot - s) : strlen(s);
                *lab++ = (uint8_t)n;
                memcpy(lab, s, n);
                lab += n;
                if (!dot) break;
                s = dot + 1;
            }
            *lab++ = 0;
            pcap_put16(lab, 1);
            pcap_put16(lab + 2, 1);
            lab += 4;
            l4len = (size_t)(lab - l4);
            pcap_put16(u + 4, (unsigned)l4len);
            proto = 17;
        } else { /* an HTTP request in one segment */
            parse_v4(PICK(&g.r, POPULAR_IPS), srv);
            int n = snprintf(req, sizeof(req),
                             "GET /%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
                             "Accept: */*\r\n\r\n",
                             PICK(&g.r, PATHS), host, PICK(&g.r, UAS));
            size_t rl = n > 0 && (size_t)n < sizeof(req) ? (size_t)n : 0;
            memset(l4, 0, 20);
            pcap_put16(l4, 1024 + below(&g.r, 60000));
            pcap_put16(l4 + 2, 80);
            uint32_t seq = (uint32_t)rnd(&g.r);
            l4[4] = (uint8_t)(seq >> 24), l4[5] = (uint8_t)(seq >> 16);
            l4[6] = (uint8_t)(seq >> 8), l4[7] = (uint8_t)seq;
            l4[12] = 5 << 4;
            l4[13] = 0x18; /* PSH ACK */
            pcap_put16(l4 + 14, 65535);
            memcpy(l4 + 20, req, rl);
            l4len = 20 + rl;
            proto = 6;
        }
        size_t fl = frame_ipv4(frame, cli, srv, proto, l4, l4len);
        uint32_t rec[4] = {(uint32_t)g.t, (uint32_t)below(&g.r, 1000000), (uint32_t)fl,
                           (uint32_t)fl};
        if (fwrite(rec, 4, 4, f) != 4 || fwrite(frame, 1, fl, f) != fl) return -1;
    }
    return 0;
}
