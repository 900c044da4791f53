/* Writes deterministic captures of mixed traffic for tests/netjobs/run.sh,
 * which scans them with -j1, -j2 and -j4 and compares the hits:
 *   gencap iocs OUT.csv               the indicators planted in the traffic
 *   gencap cap SEED FLOWS OUT [ng]    FLOWS flows (classic pcap; pcapng with "ng")
 * Flows: HTTP over TCP (requests cut across segments, segments swapped,
 * repeated or lost, the server's answer coming back), other TCP both ways,
 * DNS queries and answers, UDP datagrams (the large ones fragmented, the
 * fragments in any order), TCP segments fragmented, flows to and from
 * indicator addresses; IPv4 and IPv6; some flows with a different VLAN tag
 * per direction. The packets of all flows are interleaved. A second phase,
 * 300 s later, reuses 5-tuples of the first: UDP flows past their timeout,
 * TCP connections opened again after their FIN. Same arguments, same bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"

/* ---- indicators ------------------------------------------------------------ */

static const char *const dom_iocs[] = {
    "evil-one.netjobs-test.net",     "c2.badhost-netjobs.org",    "dns-only.netjobs-test.com",
    "cname-target.netjobs-test.net", "resp-dom.netjobs-test.org",
};
#define NDOM (sizeof(dom_iocs) / sizeof(dom_iocs[0]))
static const char *const ip4_iocs[] = {"45.77.10.99", "185.220.101.47", "91.215.85.12",
                                       "23.94.7.201", "141.98.10.55"};
#define NIP4 (sizeof(ip4_iocs) / sizeof(ip4_iocs[0]))
static const char *const ip6_iocs[] = {"2a03:b0c0:3:d0::1a2:b001", "2001:67c:2e8:22::c100:68b"};
#define NIP6 (sizeof(ip6_iocs) / sizeof(ip6_iocs[0]))
static const char *const str_iocs[] = {
    "NETJOBS-MARKER-ALPHA", "payload_beacon_v7",       "X-Exfil-Token: 5f3e9a",
    "mimikatz-netjobs",     "ransom-note-netjobs.txt",
};
#define NSTR (sizeof(str_iocs) / sizeof(str_iocs[0]))
/* only in the marker flows, each exactly once (see markers) */
static const char *const marker_iocs[] = {
    "frag-dom.netjobs-test.net",    "v6-dom.netjobs-test.org", "split-me.netjobs-test.info",
    "MARKER-IN-FRAGMENTED-SEGMENT", "MARKER-FROM-THE-SERVER",
};
#define NMARK (sizeof(marker_iocs) / sizeof(marker_iocs[0]))
static const char url_host[] = "url-ioc.netjobs-test.com";
static const char url_path[] = "/download/payload.bin";

/* ---- PRNG: xorshift64* ------------------------------------------------------ */

static uint64_t rs = 88172645463325252ull;

static uint32_t rnd(void)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return (uint32_t)((rs * 2685821657736338717ull) >> 32);
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(((uint64_t)rnd() * n) >> 32);
}

/* ---- packets and flows ------------------------------------------------------- */

struct addr {
    bool v6;
    uint8_t a[16];
};

struct pkt {
    uint8_t *ip;
    uint32_t n;
    uint16_t vlan; /* 0: untagged */
};

struct flow {
    struct pkt *p;
    size_t np, cap, next;
};

static struct flow *flows;
static size_t nflows, capflows;
static uint32_t ipid = 1;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "gencap: out of memory\n");
        exit(2);
    }
    return p;
}

static struct flow *flow_new(void)
{
    if (nflows == capflows) {
        capflows = capflows ? capflows * 2 : 1024;
        flows = realloc(flows, capflows * sizeof(*flows));
        if (!flows) exit(2);
    }
    struct flow *f = &flows[nflows++];
    memset(f, 0, sizeof(*f));
    return f;
}

static void flow_add(struct flow *f, const uint8_t *ip, size_t n, uint16_t vlan)
{
    if (f->np == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->p = realloc(f->p, f->cap * sizeof(*f->p));
        if (!f->p) exit(2);
    }
    struct pkt *p = &f->p[f->np++];
    p->ip = xmalloc(n);
    memcpy(p->ip, ip, n);
    p->n = (uint32_t)n;
    p->vlan = vlan;
}

static void addr4(struct addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
    memset(a, 0, sizeof(*a));
    a->a[0] = x, a->a[1] = y, a->a[2] = z, a->a[3] = w;
}

static void addr_parse4(struct addr *a, const char *s)
{
    unsigned x, y, z, w;
    sscanf(s, "%u.%u.%u.%u", &x, &y, &z, &w);
    addr4(a, (uint8_t)x, (uint8_t)y, (uint8_t)z, (uint8_t)w);
}

static void addr6(struct addr *a, uint16_t pfx, uint32_t host)
{
    memset(a, 0, sizeof(*a));
    a->v6 = true;
    put16(a->a, 0x2001);
    put16(a->a + 2, 0xdb8);
    put16(a->a + 4, pfx);
    put32(a->a + 12, host);
}

/* The few IPv6 indicators, written out by hand (no inet_pton needed). */
static void addr_ioc6(struct addr *a, size_t k)
{
    static const uint16_t g[2][8] = {{0x2a03, 0xb0c0, 3, 0xd0, 0, 0, 0x1a2, 0xb001},
                                     {0x2001, 0x67c, 0x2e8, 0x22, 0, 0, 0xc100, 0x68b}};
    memset(a, 0, sizeof(*a));
    a->v6 = true;
    for (int i = 0; i < 8; i++)
        put16(a->a + 2 * i, g[k][i]);
}

/* IP packet(s) carrying the transport bytes l4[0, n) from s to d. frag:
 * fragment payload size (multiple of 8), 0 = not fragmented; mix: the
 * fragments in a shuffled order. */
static void add_ip(struct flow *f, const struct addr *s, const struct addr *d, uint8_t proto,
                   const uint8_t *l4, size_t n, size_t frag, bool mix, uint16_t vlan)
{
    static uint8_t b[70000];
    while (frag && (n + frag - 1) / frag > 64) /* at most 64 fragments */
        frag += 8;
    size_t nfr = frag && n > frag ? (n + frag - 1) / frag : 1;
    size_t order[64];
    for (size_t i = 0; i < nfr; i++)
        order[i] = i;
    if (mix && nfr > 1)
        for (size_t i = nfr - 1; i > 0; i--) {
            size_t j = below((uint32_t)i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    uint32_t id = ipid++;
    for (size_t k = 0; k < nfr; k++) {
        size_t i = order[k];
        size_t off = nfr > 1 ? i * frag : 0;
        size_t len = nfr > 1 ? (off + frag < n ? frag : n - off) : n;
        bool more = nfr > 1 && i + 1 < nfr;
        size_t h;
        if (!s->v6) {
            h = 20;
            memset(b, 0, 20);
            b[0] = 0x45;
            put16(b + 2, (uint16_t)(20 + len));
            put16(b + 4, (uint16_t)id);
            put16(b + 6, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
            b[8] = 64;
            b[9] = proto;
            memcpy(b + 12, s->a, 4);
            memcpy(b + 16, d->a, 4);
        } else {
            h = nfr > 1 ? 48 : 40;
            memset(b, 0, h);
            b[0] = 0x60;
            put16(b + 4, (uint16_t)(h - 40 + len));
            b[6] = nfr > 1 ? 44 : proto;
            b[7] = 64;
            memcpy(b + 8, s->a, 16);
            memcpy(b + 24, d->a, 16);
            if (nfr > 1) {
                b[40] = proto;
                put16(b + 42, (uint16_t)(off | (more ? 1 : 0)));
                put32(b + 44, id);
            }
        }
        memcpy(b + h, l4 + off, len);
        flow_add(f, b, h + len, vlan);
    }
}

/* ---- TCP --------------------------------------------------------------------- */

struct tcp {
    struct flow *f;
    struct addr c, s;
    uint16_t cp, sp;
    uint32_t cseq, sseq; /* next sequence numbers */
    uint16_t cvlan, svlan;
};

static void tcp_seg(struct tcp *t, bool from_c, uint32_t seq, uint32_t ack, uint8_t flags,
                    const void *pl, size_t n, size_t frag)
{
    static uint8_t l4[70000];
    memset(l4, 0, 20);
    put16(l4, from_c ? t->cp : t->sp);
    put16(l4 + 2, from_c ? t->sp : t->cp);
    put32(l4 + 4, seq);
    put32(l4 + 8, ack);
    l4[12] = 5 << 4;
    l4[13] = flags;
    put16(l4 + 14, 65535);
    if (n) memcpy(l4 + 20, pl, n);
    add_ip(t->f, from_c ? &t->c : &t->s, from_c ? &t->s : &t->c, 6, l4, 20 + n, frag,
           frag && below(2), from_c ? t->cvlan : t->svlan);
}

static void tcp_open(struct tcp *t)
{
    tcp_seg(t, true, t->cseq - 1, 0, 0x02, NULL, 0, 0);
    tcp_seg(t, false, t->sseq - 1, t->cseq, 0x12, NULL, 0, 0);
    tcp_seg(t, true, t->cseq, t->sseq, 0x10, NULL, 0, 0);
}

/* Sends data[0, n) from one side in up to nseg segments cut at random
 * places, then one ACK from the other side. Segments may be swapped with
 * the next (out of order), sent twice (retransmission), lost (chaos > 0),
 * or cut into IP fragments. */
static void tcp_data(struct tcp *t, bool from_c, const char *data, size_t n, unsigned nseg,
                     bool chaos)
{
    size_t cut[17];
    if (nseg > 16) nseg = 16;
    if (nseg > n) nseg = (unsigned)(n ? n : 1);
    cut[0] = 0;
    for (unsigned i = 1; i < nseg; i++)
        cut[i] = 1 + below((uint32_t)n - 1);
    cut[nseg] = n;
    for (unsigned i = 1; i < nseg; i++) /* sort the cuts */
        for (unsigned j = i + 1; j < nseg; j++)
            if (cut[j] < cut[i]) {
                size_t x = cut[i];
                cut[i] = cut[j];
                cut[j] = x;
            }
    unsigned order[16];
    for (unsigned i = 0; i < nseg; i++)
        order[i] = i;
    if (chaos && nseg > 1 && below(3) == 0) { /* one pair out of order */
        unsigned k = below(nseg - 1);
        order[k] = k + 1;
        order[k + 1] = k;
    }
    uint32_t *seq = from_c ? &t->cseq : &t->sseq;
    uint32_t ack = from_c ? t->sseq : t->cseq;
    int lost = chaos && nseg > 2 && below(8) == 0 ? (int)below(nseg) : -1;
    for (unsigned k = 0; k < nseg; k++) {
        unsigned i = order[k];
        size_t a = cut[i], b = cut[i + 1];
        if (b <= a || (int)i == lost) continue;
        size_t frag = chaos && below(10) == 0 ? 16 + 8 * below(20) : 0;
        tcp_seg(t, from_c, *seq + (uint32_t)a, ack, 0x18, data + a, b - a, frag);
        if (chaos && below(10) == 0) /* the same segment again */
            tcp_seg(t, from_c, *seq + (uint32_t)a, ack, 0x18, data + a, b - a, 0);
    }
    *seq += (uint32_t)n;
    tcp_seg(t, !from_c, from_c ? t->sseq : t->cseq, *seq, 0x10, NULL, 0, 0);
}

static void tcp_close(struct tcp *t)
{
    tcp_seg(t, true, t->cseq, t->sseq, 0x11, NULL, 0, 0);
    t->cseq++;
    tcp_seg(t, false, t->sseq, t->cseq, 0x11, NULL, 0, 0);
    t->sseq++;
    tcp_seg(t, true, t->cseq, t->sseq, 0x10, NULL, 0, 0);
}

/* ---- UDP and DNS ------------------------------------------------------------------ */

static void udp(struct flow *f, const struct addr *s, const struct addr *d, uint16_t sp,
                uint16_t dp, const void *pl, size_t n, size_t frag, uint16_t vlan)
{
    static uint8_t l4[70000];
    put16(l4, sp);
    put16(l4 + 2, dp);
    put16(l4 + 4, (uint16_t)(8 + n));
    put16(l4 + 6, 0);
    memcpy(l4 + 8, pl, n);
    add_ip(f, s, d, 17, l4, 8 + n, frag, frag && below(2), vlan);
}

static size_t dns_name(uint8_t *o, const char *name)
{
    size_t n = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        o[n++] = (uint8_t)l;
        memcpy(o + n, name, l);
        n += l;
        name += l + (dot != NULL);
    }
    o[n++] = 0;
    return n;
}

/* A query for qname and, when answer, its response: CNAME cname (when not
 * NULL) and an A record a4. */
static size_t dns_msg(uint8_t *m, uint16_t id, const char *qname, bool answer, const char *cname,
                      const uint8_t *a4)
{
    memset(m, 0, 12);
    put16(m, id);
    put16(m + 2, answer ? 0x8180 : 0x0100);
    put16(m + 4, 1);
    put16(m + 6, answer ? (cname ? 2 : 1) : 0);
    size_t n = 12 + dns_name(m + 12, qname);
    put16(m + n, 1);
    put16(m + n + 2, 1);
    n += 4;
    if (!answer) return n;
    if (cname) {
        put16(m + n, 0xc00c);
        put16(m + n + 2, 5);
        put16(m + n + 4, 1);
        put32(m + n + 6, 300);
        size_t l = dns_name(m + n + 12, cname);
        put16(m + n + 10, (uint16_t)l);
        n += 12 + l;
    }
    put16(m + n, 0xc00c);
    put16(m + n + 2, 1);
    put16(m + n + 4, 1);
    put32(m + n + 6, 300);
    put16(m + n + 10, 4);
    memcpy(m + n + 12, a4, 4);
    return n + 16;
}

/* ---- traffic ---------------------------------------------------------------------- */

static void client_addr(struct addr *a, bool v6)
{
    if (v6)
        addr6(a, 0x100, 0x1000 + below(4000));
    else
        addr4(a, 10, (uint8_t)(1 + below(20)), (uint8_t)below(256), (uint8_t)(1 + below(250)));
}

static void server_addr(struct addr *a, bool v6)
{
    if (v6)
        addr6(a, 0x200, 0x80 + below(200));
    else
        addr4(a, 198, (uint8_t)(18 + below(2)), (uint8_t)below(256), (uint8_t)(1 + below(250)));
}

/* A sentence with an indicator in it now and then. */
static size_t text(char *o, size_t cap, size_t want)
{
    static const char *const words[] = {"the",    "quick", "session", "token",  "bytes",
                                        "server", "said",  "nothing", "about",  "logs",
                                        "and",    "then",  "closed",  "stream", "again"};
    size_t n = 0;
    while (n + 64 < cap && n < want) {
        const char *w;
        char buf[64];
        uint32_t r = below(300);
        if (r == 0)
            w = str_iocs[below(NSTR)];
        else if (r == 1)
            w = dom_iocs[below(NDOM)];
        else if (r == 2)
            w = ip4_iocs[below(NIP4)];
        else if (r == 3) {
            snprintf(buf, sizeof(buf), "ip=%u.%u.%u.%u", 172, 16 + below(8), below(256),
                     below(256));
            w = buf;
        } else
            w = words[below(sizeof(words) / sizeof(words[0]))];
        size_t l = strlen(w);
        memcpy(o + n, w, l);
        n += l;
        o[n++] = below(12) ? ' ' : '\n';
    }
    return n;
}

struct reuse {
    int kind; /* 1 DNS, 2 TCP */
    struct addr c, s;
    uint16_t cp, sp;
    uint32_t cseq, sseq;
};

static struct reuse *reuses;
static size_t nreuse;

static uint16_t vlan_pick(void)
{
    return below(6) == 0 ? (uint16_t)(100 + below(3)) : 0;
}

static void http_flow(bool v6, bool chaos)
{
    struct tcp t = {.f = flow_new(), .cp = (uint16_t)(20000 + below(40000)), .sp = 80};
    client_addr(&t.c, v6);
    server_addr(&t.s, v6);
    t.cseq = rnd(), t.sseq = rnd();
    t.cvlan = vlan_pick(), t.svlan = vlan_pick();
    tcp_open(&t);
    char host[128], path[128], req[1024], resp[4096], body[3000];
    uint32_t r = below(6);
    if (r == 0)
        snprintf(host, sizeof(host), "%s", dom_iocs[below(NDOM)]);
    else if (r == 1)
        snprintf(host, sizeof(host), "www.%s", dom_iocs[below(NDOM)]);
    else if (r == 2)
        snprintf(host, sizeof(host), "%s", url_host);
    else
        snprintf(host, sizeof(host), "site%u.example-benign.com", below(500));
    if (r == 2 && below(2))
        snprintf(path, sizeof(path), "%s", url_path);
    else
        snprintf(path, sizeof(path), "/static/page%u.html", below(1000));
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: netjobs/1.0\r\n"
                     "Accept: */*\r\n\r\n",
                     path, host);
    tcp_data(&t, true, req, (size_t)n, 1 + below(4), chaos);
    size_t bl = text(body, sizeof(body), 100 + below(2500));
    int hn =
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n", bl);
    memcpy(resp + hn, body, bl);
    tcp_data(&t, false, resp, (size_t)hn + bl, 1 + below(5), chaos);
    tcp_close(&t);
    if (below(6) == 0 && nreuse < 100000) {
        reuses[nreuse++] = (struct reuse){.kind = 2,
                                          .c = t.c,
                                          .s = t.s,
                                          .cp = t.cp,
                                          .sp = t.sp,
                                          .cseq = t.cseq + 1000,
                                          .sseq = t.sseq + 5000};
    }
}

static void tcp_other(bool v6, bool chaos)
{
    struct tcp t = {.f = flow_new(), .cp = (uint16_t)(20000 + below(40000))};
    t.sp = (uint16_t)(below(2) ? 4444 + below(100) : 8000 + below(1000));
    client_addr(&t.c, v6);
    server_addr(&t.s, v6);
    if (!v6 && below(5) == 0) addr_parse4(&t.s, ip4_iocs[below(NIP4)]);
    if (v6 && below(4) == 0) addr_ioc6(&t.s, below(NIP6));
    if (!v6 && below(12) == 0) addr_parse4(&t.c, ip4_iocs[below(NIP4)]);
    t.cseq = rnd(), t.sseq = rnd();
    t.cvlan = vlan_pick(), t.svlan = vlan_pick();
    tcp_open(&t);
    char buf[6000];
    unsigned turns = 1 + below(4);
    for (unsigned i = 0; i < turns; i++) {
        size_t n = text(buf, sizeof(buf), 20 + below(4000));
        tcp_data(&t, i % 2 == 0, buf, n, 1 + below(6), chaos);
    }
    if (below(4)) tcp_close(&t);
}

static void dns_flow(bool v6)
{
    struct flow *f = flow_new();
    struct addr c, s;
    client_addr(&c, v6);
    server_addr(&s, v6);
    uint16_t cp = (uint16_t)(1024 + below(60000)), vq = vlan_pick(), va = vlan_pick();
    char q[128];
    uint32_t r = below(4);
    if (r == 0)
        snprintf(q, sizeof(q), "%s", dom_iocs[below(NDOM)]);
    else if (r == 1)
        snprintf(q, sizeof(q), "host%u.%s", below(50), dom_iocs[below(NDOM)]);
    else
        snprintf(q, sizeof(q), "name%u.example-benign.com", below(5000));
    uint8_t m[600], a4[4] = {93, 184, (uint8_t)below(256), (uint8_t)below(256)};
    if (below(5) == 0) {
        unsigned x, y, z, w;
        sscanf(ip4_iocs[below(NIP4)], "%u.%u.%u.%u", &x, &y, &z, &w);
        a4[0] = (uint8_t)x, a4[1] = (uint8_t)y, a4[2] = (uint8_t)z, a4[3] = (uint8_t)w;
    }
    uint16_t id = (uint16_t)rnd();
    size_t n = dns_msg(m, id, q, false, NULL, NULL);
    udp(f, &c, &s, cp, 53, m, n, 0, vq);
    if (below(8)) {
        const char *cn = below(3) == 0 ? "cname-target.netjobs-test.net" : NULL;
        n = dns_msg(m, id, q, true, cn, a4);
        udp(f, &s, &c, 53, cp, m, n, below(8) == 0 ? 24 : 0, va);
    }
    if (below(3) == 0 && nreuse < 100000)
        reuses[nreuse++] = (struct reuse){.kind = 1, .c = c, .s = s, .cp = cp, .sp = 53};
}

static void udp_other(bool v6)
{
    struct flow *f = flow_new();
    struct addr c, s;
    client_addr(&c, v6);
    server_addr(&s, v6);
    if (below(6) == 0) { /* to an indicator address */
        addr_parse4(&s, ip4_iocs[below(NIP4)]);
        client_addr(&c, false);
    }
    uint16_t cp = (uint16_t)(1024 + below(60000)), sp = (uint16_t)(514 + below(2));
    char buf[9000];
    unsigned k = 1 + below(3);
    for (unsigned i = 0; i < k; i++) {
        size_t n = text(buf, sizeof(buf), 40 + (below(3) == 0 ? 1500 + below(6000) : below(600)));
        size_t frag = n > 1400 ? 1232 : 0;
        if (below(2))
            udp(f, &c, &s, cp, sp, buf, n, frag, 0);
        else
            udp(f, &s, &c, sp, cp, buf, n, frag, 0);
    }
}

static void reuse_flow(const struct reuse *u)
{
    struct flow *f = flow_new();
    if (u->kind == 1) {
        uint8_t m[600], a4[4] = {45, 77, 10, 99};
        const char *q = below(2) ? "again.dns-only.netjobs-test.com" : "again.example-benign.com";
        uint16_t id = (uint16_t)rnd();
        size_t n = dns_msg(m, id, q, false, NULL, NULL);
        udp(f, &u->c, &u->s, u->cp, u->sp, m, n, 0, 0);
        n = dns_msg(m, id, q, true, NULL, a4);
        udp(f, &u->s, &u->c, u->sp, u->cp, m, n, 0, 0);
        return;
    }
    struct tcp t = {.f = f, .c = u->c, .s = u->s, .cp = u->cp, .sp = u->sp};
    t.cseq = u->cseq, t.sseq = u->sseq;
    tcp_open(&t);
    char req[300];
    int n = snprintf(req, sizeof(req), "GET /again HTTP/1.1\r\nHost: %s\r\n\r\n",
                     below(2) ? dom_iocs[below(NDOM)] : "again.example-benign.com");
    tcp_data(&t, true, req, (size_t)n, 1 + below(3), false);
    tcp_close(&t);
}

/* Flows whose hits run.sh looks for by name, each indicator once: a DNS
 * query in IPv4 fragments and one in IPv6 fragments (out of order), a name
 * cut across two TCP segments sent in reverse order, a TCP segment in IP
 * fragments, and an indicator sent by the server (to_client). */
static void markers(void)
{
    uint8_t m[600];
    struct addr c, s;
    addr4(&c, 10, 99, 0, 1);
    addr4(&s, 198, 18, 99, 1);
    size_t n = dns_msg(m, 0x4242, marker_iocs[0], false, NULL, NULL);
    struct flow *f = flow_new();
    udp(f, &c, &s, 33001, 53, m, n, 16, 0);
    f->np > 1 ? (void)0 : (void)fprintf(stderr, "gencap: marker not fragmented\n");
    addr6(&c, 0x99, 1);
    addr6(&s, 0x99, 2);
    n = dns_msg(m, 0x4243, marker_iocs[1], false, NULL, NULL);
    udp(flow_new(), &c, &s, 33002, 53, m, n, 24, 0);

    struct tcp t = {.f = flow_new(), .cp = 33003, .sp = 4444, .cseq = 1000, .sseq = 9000};
    addr4(&t.c, 10, 99, 0, 3);
    addr4(&t.s, 198, 18, 99, 3);
    tcp_open(&t);
    char req[200];
    int k = snprintf(req, sizeof(req), "HELLO %s PLEASE\n", marker_iocs[2]);
    size_t cut = 6 + 10; /* inside the name */
    tcp_seg(&t, true, t.cseq + (uint32_t)cut, t.sseq, 0x18, req + cut, (size_t)k - cut, 0);
    tcp_seg(&t, true, t.cseq, t.sseq, 0x18, req, cut, 0);
    t.cseq += (uint32_t)k;
    tcp_seg(&t, false, t.sseq, t.cseq, 0x10, NULL, 0, 0);
    k = snprintf(req, sizeof(req), "OK %s BYE\n", marker_iocs[4]);
    tcp_data(&t, false, req, (size_t)k, 1, false);
    tcp_close(&t);

    struct tcp u = {.f = flow_new(), .cp = 33004, .sp = 4445, .cseq = 7000, .sseq = 3000};
    addr4(&u.c, 10, 99, 0, 4);
    addr4(&u.s, 198, 18, 99, 4);
    tcp_open(&u);
    char big[400];
    memset(big, '.', sizeof(big));
    memcpy(big + 150, marker_iocs[3], strlen(marker_iocs[3]));
    tcp_seg(&u, true, u.cseq, u.sseq, 0x18, big, sizeof(big), 64);
    u.cseq += (uint32_t)sizeof(big);
    tcp_seg(&u, false, u.sseq, u.cseq, 0x10, NULL, 0, 0);
    tcp_close(&u);
}

/* ---- output --------------------------------------------------------------------- */

static FILE *out;
static bool ng;
static uint64_t t_us = 1700000000ull * 1000000;

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static void ng_block(uint32_t type, const uint8_t *body, size_t n)
{
    uint8_t h[8], z[4] = {0};
    size_t pad = (4 - n % 4) % 4;
    uint32_t tot = (uint32_t)(12 + n + pad);
    put32le(h, type);
    put32le(h + 4, tot);
    fwrite(h, 8, 1, out);
    fwrite(body, n, 1, out);
    fwrite(z, pad, 1, out);
    fwrite(h + 4, 4, 1, out);
}

static void write_header(void)
{
    if (!ng) {
        uint8_t h[24];
        put32le(h, 0xa1b2c3d4);
        h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
        memset(h + 8, 0, 8);
        put32le(h + 16, 262144);
        put32le(h + 20, 1);
        fwrite(h, 24, 1, out);
        return;
    }
    uint8_t shb[16], idb[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    put32le(shb, 0x1a2b3c4d);
    shb[4] = 1, shb[5] = 0, shb[6] = 0, shb[7] = 0;
    memset(shb + 8, 0xff, 8);
    ng_block(0x0a0d0d0a, shb, 16);
    put32le(idb + 4, 262144);
    ng_block(1, idb, 8);
}

static void write_pkt(const struct pkt *p)
{
    static uint8_t fr[70100];
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa};
    memcpy(fr, macs, 12);
    size_t off = 12;
    if (p->vlan) {
        put16(fr + 12, 0x8100);
        put16(fr + 14, p->vlan);
        off = 16;
    }
    put16(fr + off, (p->ip[0] >> 4) == 6 ? 0x86dd : 0x0800);
    off += 2;
    memcpy(fr + off, p->ip, p->n);
    uint32_t len = (uint32_t)(off + p->n);
    t_us += 1 + below(300);
    if (!ng) {
        uint8_t h[16];
        put32le(h, (uint32_t)(t_us / 1000000));
        put32le(h + 4, (uint32_t)(t_us % 1000000));
        put32le(h + 8, len);
        put32le(h + 12, len);
        fwrite(h, 16, 1, out);
        fwrite(fr, len, 1, out);
        return;
    }
    uint8_t *b = xmalloc(20 + len);
    put32le(b, 0);
    put32le(b + 4, (uint32_t)(t_us >> 32));
    put32le(b + 8, (uint32_t)t_us);
    put32le(b + 12, len);
    put32le(b + 16, len);
    memcpy(b + 20, fr, len);
    ng_block(6, b, 20 + len);
    free(b);
}

/* Writes flows [from, nflows) with their packets interleaved at random,
 * each flow's own order kept. */
static void interleave(size_t from)
{
    size_t *act = xmalloc((nflows - from) * sizeof(*act)), nact = 0;
    for (size_t i = from; i < nflows; i++)
        if (flows[i].np) act[nact++] = i;
    while (nact) {
        size_t k = below((uint32_t)(nact < 64 ? nact : 64)); /* ~64 flows open at once */
        struct flow *f = &flows[act[k]];
        write_pkt(&f->p[f->next]);
        free(f->p[f->next].ip);
        if (++f->next == f->np) {
            free(f->p);
            memmove(act + k, act + k + 1, (nact - k - 1) * sizeof(*act));
            nact--;
        }
    }
    free(act);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "iocs")) {
        FILE *o = fopen(argv[2], "w");
        if (!o) return 2;
        fprintf(o, "type,value\n");
        for (size_t i = 0; i < NDOM; i++)
            fprintf(o, "domain,%s\n", dom_iocs[i]);
        for (size_t i = 0; i < NIP4; i++)
            fprintf(o, "ipv4,%s\n", ip4_iocs[i]);
        for (size_t i = 0; i < NIP6; i++)
            fprintf(o, "ipv6,%s\n", ip6_iocs[i]);
        for (size_t i = 0; i < NSTR; i++)
            fprintf(o, "string,\"%s\"\n", str_iocs[i]);
        for (size_t i = 0; i < NMARK; i++)
            fprintf(o, "%s,%s\n", i < 3 ? "domain" : "string", marker_iocs[i]);
        fprintf(o, "url,http://%s%s\n", url_host, url_path);
        fprintf(o, "cidr,172.20.0.0/16\n");
        return fclose(o) ? 2 : 0;
    }
    if ((argc != 5 && argc != 6) || strcmp(argv[1], "cap")) {
        fprintf(stderr, "usage: gencap iocs OUT.csv | gencap cap SEED FLOWS OUT [ng]\n");
        return 2;
    }
    rs ^= strtoull(argv[2], NULL, 10) * 0x9e3779b97f4a7c15ull;
    if (!rs) rs = 1;
    long nf = atol(argv[3]);
    ng = argc == 6 && !strcmp(argv[5], "ng");
    out = fopen(argv[4], "wb");
    if (!out) {
        perror(argv[4]);
        return 2;
    }
    reuses = xmalloc(100000 * sizeof(*reuses));
    write_header();
    markers();
    for (long i = 0; i < nf; i++) {
        bool v6 = below(4) == 0, chaos = below(2) == 0;
        switch (below(10)) {
        case 0:
        case 1:
        case 2:
            http_flow(v6, chaos);
            break;
        case 3:
        case 4:
            tcp_other(v6, chaos);
            break;
        case 5:
        case 6:
        case 7:
            dns_flow(v6);
            break;
        default:
            udp_other(v6);
            break;
        }
    }
    interleave(0);
    /* phase 2: 300 s later, past the UDP timeout, within the TCP one */
    t_us += 300ull * 1000000;
    size_t from = nflows;
    for (size_t i = 0; i < nreuse; i++)
        reuse_flow(&reuses[i]);
    interleave(from);
    free(reuses);
    free(flows);
    return fclose(out) ? 2 : 0;
}
