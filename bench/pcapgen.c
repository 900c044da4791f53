/* trawl-pcapgen: writes a deterministic capture of realistic traffic for the
 * pcap throughput benchmark (bench/pcap.sh): Ethernet/IPv4, 16k concurrent
 * TCP connections (HTTP with Host and text bodies, TLS with a ClientHello
 * naming the server then encrypted-looking records, other TCP with binary
 * payloads) with handshakes, MSS-sized server segments, client ACKs, FINs,
 * 1 in 50 data segments swapped with the next and 1 in 200 retransmitted;
 * DNS queries and answers and other UDP datagrams between them. With --iocs,
 * a few flows use domains and IPv4 addresses of an indicator set (trawl-gen
 * iocs CSV), so the scan has hits to report. Same arguments, same bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"

#define NFLOWS 16384
#define MSS 1448
#define TEXT_SIZE (1u << 20)

static const char usage[] =
    "usage: trawl-pcapgen -o OUT.pcap [--packets N] [--seed S] [--iocs SET.csv]\n"
    "  --packets N   packets to write (default 1000000)\n"
    "  --seed S      PRNG seed (default 1)\n"
    "  --iocs FILE   trawl-gen iocs CSV: plant its domains and IPv4 addresses in a few flows\n";

/* xoshiro256** seeded through splitmix64, as trawl-gen */
static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rnd(void)
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0];
    rs[3] ^= rs[1];
    rs[1] ^= rs[2];
    rs[0] ^= rs[3];
    rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)((rnd() >> 32) * n >> 32);
}

static FILE *out;
static uint64_t npkts, maxpkts, nbytes;
static uint64_t clock_us = 1700000000ull * 1000000;

static void frame(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t proto, uint32_t seq,
                  uint32_t ack, uint8_t flags, const uint8_t *pl, size_t n)
{
    static uint8_t fr[2048];
    if (npkts >= maxpkts) return;
    struct frame4 f = {src, dst, sp, dp, proto, seq, ack, flags, (uint16_t)npkts};
    size_t len = eth_frame4(fr, &f, pl, n);
    clock_us += 1 + below(3);
    pcap_record(out, clock_us, fr, len);
    npkts++;
    nbytes += len;
}

/* ---- content ---------------------------------------------------------------------------- */

static char *text;   /* English-like text for HTTP bodies */
static uint8_t *bin; /* random bytes for TLS records and other TCP */
static char **ioc_domains, **ioc_ips;
static size_t n_domains, n_ips;

static const char *const words[] = {
    "the",      "network", "session", "report",   "update",  "server",   "client",  "data",
    "incident", "review",  "policy",  "account",  "access",  "system",   "service", "request",
    "and",      "of",      "to",      "for",      "with",    "from",     "time",    "user",
    "<div>",    "</div>",  "<p>",     "class=\"", "href=\"", "/static/", "json",    "value"};

static const char *const tlds[] = {"com", "net", "org", "io", "de", "fr", "co.uk"};

static void fill_content(void)
{
    text = malloc(TEXT_SIZE + MSS);
    bin = malloc(TEXT_SIZE + MSS);
    if (!text || !bin) exit(2);
    size_t n = 0;
    while (n < TEXT_SIZE + MSS - 16) {
        const char *w = words[below(sizeof(words) / sizeof(words[0]))];
        size_t l = strlen(w);
        memcpy(text + n, w, l);
        n += l;
        text[n++] = below(12) ? ' ' : '\n';
    }
    while (n < TEXT_SIZE + MSS)
        text[n++] = ' ';
    for (size_t i = 0; i < TEXT_SIZE + MSS; i += 8) {
        uint64_t r = rnd();
        memcpy(bin + i, &r, 8);
    }
}

static void random_domain(char *buf, size_t cap)
{
    static const char al[] = "abcdefghijklmnopqrstuvwxyz";
    char lab[16];
    size_t l = 4 + below(9);
    for (size_t i = 0; i < l; i++)
        lab[i] = al[below(26)];
    lab[l] = 0;
    static const char *const sub[] = {"www", "api", "cdn", "mail", "static", "img"};
    snprintf(buf, cap, "%s.%s.%s", sub[below(6)], lab, tlds[below(7)]);
}

/* a domain for a new flow: 1 in 2000 from the indicator set */
static void pick_domain(char *buf, size_t cap)
{
    if (n_domains && below(2000) == 0)
        snprintf(buf, cap, "%s", ioc_domains[below((uint32_t)n_domains)]);
    else
        random_domain(buf, cap);
}

static uint32_t parse_ip(const char *s)
{
    unsigned a, b, c, d;
    if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4) return 0;
    return a << 24 | b << 16 | c << 8 | d;
}

static void load_iocs(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        char *comma = strchr(line, ',');
        if (!comma) continue;
        *comma = 0;
        char *v = comma + 1, *e = strchr(v, ',');
        if (e) *e = 0;
        bool dom = !strcmp(line, "domain"), ip4 = !strcmp(line, "ipv4");
        if ((!dom && !ip4) || strlen(v) > 200) continue;
        char ***arr = dom ? &ioc_domains : &ioc_ips;
        size_t *n = dom ? &n_domains : &n_ips;
        *arr = realloc(*arr, (*n + 1) * sizeof(char *));
        (*arr)[(*n)++] = strdup(v);
    }
    fclose(f);
}

/* ---- flows ------------------------------------------------------------------------------ */

enum kind { HTTP, TLS, OTHER };

struct flow {
    uint32_t cli, srv;
    uint16_t cport, sport;
    uint32_t cseq, sseq;
    int kind, state;
    uint32_t left;    /* server bytes still to send */
    uint32_t unacked; /* server segments since the client's last ACK */
    bool head;        /* HTTP response head sent */
    char host[220];
};

static struct flow flows[NFLOWS];
static uint16_t next_port = 1024;

static void new_flow(struct flow *f)
{
    uint32_t k = below(100);
    f->kind = k < 45 ? HTTP : k < 85 ? TLS : OTHER;
    f->cli = 0x0a000000u | below(1u << 16);
    f->srv = n_ips && below(5000) == 0 ? parse_ip(ioc_ips[below((uint32_t)n_ips)])
                                       : (0x5d000000u | below(1u << 22));
    f->cport = next_port;
    next_port = next_port == 65535 ? 1024 : next_port + 1;
    f->sport = f->kind == HTTP ? 80 : f->kind == TLS ? 443 : (uint16_t)(2000 + below(8000));
    f->cseq = (uint32_t)rnd();
    f->sseq = (uint32_t)rnd();
    f->state = 0;
    /* response sizes: mostly small, some large (heavy tail) */
    uint32_t r = below(100);
    f->left = r < 60 ? 500 + below(8000) : r < 95 ? 10000 + below(60000) : 100000 + below(400000);
    f->unacked = 0;
    f->head = false;
    pick_domain(f->host, sizeof(f->host));
}

static size_t client_hello(uint8_t *b, const char *host)
{
    size_t hl = strlen(host), n = 0;
    uint8_t *rec = b;
    rec[n++] = 0x16, rec[n++] = 3, rec[n++] = 1, n += 2; /* record header, length later */
    size_t hs = n;
    b[n++] = 1, n += 3; /* ClientHello, length later */
    b[n++] = 3, b[n++] = 3;
    memcpy(b + n, bin + below(TEXT_SIZE - 32), 32), n += 32; /* random */
    b[n++] = 0;                                              /* session id */
    put16(b + n, 4), n += 2, put16(b + n, 0x1301), put16(b + n + 2, 0x1302), n += 4;
    b[n++] = 1, b[n++] = 0; /* compression */
    size_t ext = n;
    n += 2;
    put16(b + n, 0), put16(b + n + 2, (uint16_t)(hl + 5)), put16(b + n + 4, (uint16_t)(hl + 3));
    b[n + 6] = 0, put16(b + n + 7, (uint16_t)hl), memcpy(b + n + 9, host, hl);
    n += 9 + hl;
    put16(b + ext, (uint16_t)(n - ext - 2));
    size_t hlen = n - hs - 4;
    b[hs + 1] = 0, b[hs + 2] = (uint8_t)(hlen >> 8), b[hs + 3] = (uint8_t)hlen;
    put16(rec + 3, (uint16_t)(n - 5));
    return n;
}

static void server_segment(struct flow *f, uint32_t n)
{
    static uint8_t held[MSS];
    const uint8_t *src = f->kind == HTTP ? (const uint8_t *)text : bin;
    const uint8_t *pl = src + below(TEXT_SIZE);
    uint32_t seq = f->sseq;
    f->sseq += n;
    f->left -= n;
    if (below(50) == 0 && f->left >= MSS) { /* out of order: the next segment first */
        memcpy(held, pl, n);
        uint32_t n2 = f->left < MSS ? f->left : MSS;
        frame(f->srv, f->cli, f->sport, f->cport, 6, f->sseq, f->cseq, 0x10, src + below(TEXT_SIZE),
              n2);
        f->sseq += n2;
        f->left -= n2;
        frame(f->srv, f->cli, f->sport, f->cport, 6, seq, f->cseq, 0x10, held, n);
        return;
    }
    frame(f->srv, f->cli, f->sport, f->cport, 6, seq, f->cseq, 0x18, pl, n);
    if (below(200) == 0) /* retransmission */
        frame(f->srv, f->cli, f->sport, f->cport, 6, seq, f->cseq, 0x18, pl, n);
}

static void step(struct flow *f)
{
    static uint8_t buf[2048];
    switch (f->state) {
    case 0:
        frame(f->cli, f->srv, f->cport, f->sport, 6, f->cseq++, 0, 0x02, NULL, 0);
        break;
    case 1:
        frame(f->srv, f->cli, f->sport, f->cport, 6, f->sseq++, f->cseq, 0x12, NULL, 0);
        break;
    case 2:
        frame(f->cli, f->srv, f->cport, f->sport, 6, f->cseq, f->sseq, 0x10, NULL, 0);
        break;
    case 3: { /* the client's request */
        size_t n;
        if (f->kind == HTTP)
            n = (size_t)snprintf((char *)buf, sizeof(buf),
                                 "GET /%.*s/%u.html?id=%u HTTP/1.1\r\nHost: %s\r\n"
                                 "User-Agent: Mozilla/5.0 (X11; Linux x86_64) bench/1.0\r\n"
                                 "Accept: text/html,*/*;q=0.8\r\nAccept-Language: en\r\n"
                                 "Connection: keep-alive\r\n\r\n",
                                 (int)(3 + below(12)), text + below(TEXT_SIZE), below(100000),
                                 below(1000000), f->host);
        else if (f->kind == TLS)
            n = client_hello(buf, f->host);
        else
            memcpy(buf, bin + below(TEXT_SIZE), n = 40 + below(400));
        frame(f->cli, f->srv, f->cport, f->sport, 6, f->cseq, f->sseq, 0x18, buf, n);
        f->cseq += (uint32_t)n;
        break;
    }
    case 4: /* the server's response, then FINs */
        if (f->left) {
            if (f->kind == HTTP && !f->head) { /* the response head in its own segment */
                f->head = true;
                int n = snprintf((char *)buf, sizeof(buf),
                                 "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                 "Content-Length: %u\r\n\r\n",
                                 f->left);
                uint32_t m = (uint32_t)n < f->left ? (uint32_t)n : f->left;
                frame(f->srv, f->cli, f->sport, f->cport, 6, f->sseq, f->cseq, 0x18, buf, m);
                f->sseq += m;
                f->left -= m;
            } else {
                server_segment(f, f->left < MSS ? f->left : MSS);
            }
            if (++f->unacked == 2) { /* delayed ACK every two segments */
                frame(f->cli, f->srv, f->cport, f->sport, 6, f->cseq, f->sseq, 0x10, NULL, 0);
                f->unacked = 0;
            }
            return;
        }
        frame(f->srv, f->cli, f->sport, f->cport, 6, f->sseq++, f->cseq, 0x11, NULL, 0);
        break;
    case 5:
        frame(f->cli, f->srv, f->cport, f->sport, 6, f->cseq++, f->sseq, 0x11, NULL, 0);
        break;
    default:
        frame(f->srv, f->cli, f->sport, f->cport, 6, f->sseq, f->cseq, 0x10, NULL, 0);
        new_flow(f);
        return;
    }
    f->state++;
}

static void dns(void)
{
    uint8_t m[512] = {0};
    char name[220];
    pick_domain(name, sizeof(name));
    uint16_t id = (uint16_t)rnd();
    put16(m, id);
    m[2] = 1, m[5] = 1;
    size_t n = 12;
    for (const char *p = name; *p;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        m[n++] = (uint8_t)l;
        memcpy(m + n, p, l);
        n += l;
        p += l + (dot != NULL);
    }
    m[n++] = 0;
    put16(m + n, 1), put16(m + n + 2, 1), n += 4;
    uint32_t cli = 0x0a000000u | below(1u << 16), rsv = 0x0a0a0a0a;
    uint16_t cport = (uint16_t)(1024 + below(60000));
    frame(cli, rsv, cport, 53, 17, 0, 0, 0, m, n);
    /* the answer: one A record through a compression pointer */
    m[2] = 0x81, m[3] = 0x80, m[7] = 1;
    uint8_t a[16] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4};
    put32(a + 12, 0x5d000000u | below(1u << 22));
    memcpy(m + n, a, 16);
    frame(rsv, cli, 53, cport, 17, 0, 0, 0, m, n + 16);
}

static void other_udp(void)
{
    uint32_t n = 60 + below(1100);
    frame(0x0a000000u | below(1u << 16), 0x5d000000u | below(1u << 22),
          (uint16_t)(1024 + below(60000)), (uint16_t)(below(2) ? 443 : 123 + below(2000)), 17, 0, 0,
          0, bin + below(TEXT_SIZE), n);
}

int main(int argc, char **argv)
{
    const char *path = NULL, *iocs = NULL;
    uint64_t seed = 1;
    maxpkts = 1000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--packets") && i + 1 < argc)
            maxpkts = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--iocs") && i + 1 < argc)
            iocs = argv[++i];
        else {
            fputs(usage, !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ? stdout : stderr);
            return !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ? 0 : 2;
        }
    }
    if (!path) {
        fputs(usage, stderr);
        return 2;
    }
    uint64_t sx = seed;
    for (int i = 0; i < 4; i++)
        rs[i] = splitmix(&sx);
    if (iocs) load_iocs(iocs);
    fill_content();
    out = fopen(path, "wb");
    if (!out) {
        perror(path);
        return 2;
    }
    static char obuf[1 << 20];
    setvbuf(out, obuf, _IOFBF, sizeof(obuf));
    pcap_file_header(out, 65535, 1 /* Ethernet */);
    for (int i = 0; i < NFLOWS; i++) {
        new_flow(&flows[i]);
        flows[i].state = 0;
    }
    while (npkts < maxpkts) {
        uint32_t r = below(1000);
        if (r < 40)
            dns();
        else if (r < 60)
            other_udp();
        else
            step(&flows[below(NFLOWS)]);
    }
    if (fclose(out)) {
        perror(path);
        return 2;
    }
    fprintf(stderr, "trawl-pcapgen: %llu packets, %llu bytes (%.0f B/frame) -> %s\n",
            (unsigned long long)npkts, (unsigned long long)nbytes, (double)nbytes / (double)npkts,
            path);
    return 0;
}
