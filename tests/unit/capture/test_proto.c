/* Protocol fields: DNS (compression pointers, loops, forward pointers,
 * truncation, every answer type we read), HTTP request heads (Host with
 * port, absolute URIs, CONNECT, pipelining), TLS ClientHello SNI, SMTP
 * envelope; the per-direction dispatcher with heads cut across segments;
 * and a generated capture read end to end (pcap, decode, flows, proto). */
#include "netgen.h"

struct got {
    int n;
    char name[64][32];
    char val[64][512];
};

static void grab(void *ud, const char *field, const char *value, size_t len)
{
    struct got *g = ud;
    cr_assert_lt(g->n, 64);
    snprintf(g->name[g->n], 32, "%s", field);
    snprintf(g->val[g->n], 512, "%.*s", (int)len, value);
    g->n++;
}

static bool has(const struct got *g, const char *name, const char *val)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->name[i], name) && !strcmp(g->val[i], val)) return true;
    return false;
}

/* ---- DNS -------------------------------------------------------------------- */

static size_t dns_head(uint8_t *m, uint16_t qd, uint16_t an)
{
    memset(m, 0, 12);
    put16(m, 0x1234);
    put16(m + 2, an ? 0x8180 : 0x0100);
    put16(m + 4, qd);
    put16(m + 6, an);
    return 12;
}

static size_t put_rr(uint8_t *m, size_t o, const void *name, size_t nl, uint16_t type,
                     const void *rd, size_t rdl)
{
    memcpy(m + o, name, nl);
    o += nl;
    put16(m + o, type);
    put16(m + o + 2, 1);
    put32(m + o + 4, 300);
    put16(m + o + 8, (uint16_t)rdl);
    memcpy(m + o + 10, rd, rdl);
    return o + 10 + rdl;
}

/* A response for mail.evil.com: CNAME cdn.evil.com (compressed), A, AAAA, MX. */
static size_t dns_response(uint8_t *m)
{
    size_t o = dns_head(m, 1, 4);
    static const char q[] = "\x04mail\x04"
                            "evil\x03"
                            "com"; /* at 12; "evil" at 17 */
    memcpy(m + o, q, sizeof(q));
    o += sizeof(q);
    put16(m + o, 1);
    put16(m + o + 2, 1);
    o += 4;
    size_t cname_at = o + 12;
    o = put_rr(m, o, "\xc0\x0c", 2, 5,
               "\x03"
               "cdn\xc0\x11",
               6);
    uint8_t ptr[2] = {0xc0, (uint8_t)cname_at};
    o = put_rr(m, o, ptr, 2, 1, "\x01\x02\x03\x04", 4);
    o = put_rr(m, o, ptr, 2, 28, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
    o = put_rr(m, o, "\xc0\x11", 2, 15, "\x00\x0a\x02mx\xc0\x11", 7);
    return o;
}

Test(proto, dns_query_and_answers)
{
    uint8_t m[512];
    size_t n = dns_response(m);
    struct got g = {0};
    int r = trawl_proto_dns(m, n, grab, &g);
    cr_assert_eq(r, g.n);
    cr_assert(has(&g, "dns.query", "mail.evil.com"));
    cr_assert(has(&g, "dns.answer", "cdn.evil.com"));
    cr_assert(has(&g, "dns.answer", "1.2.3.4"));
    cr_assert(has(&g, "dns.answer", "2001:db8::5"));
    cr_assert(has(&g, "dns.answer", "mx.evil.com"));
    cr_assert(has(&g, "dns.answer", "evil.com")); /* the MX record's owner */
    /* the CNAME target as owner of the next records is not repeated */
    int cdn = 0;
    for (int i = 0; i < g.n; i++)
        cdn += !strcmp(g.val[i], "cdn.evil.com");
    cr_assert_eq(cdn, 1);
    cr_assert_eq(r, 6);

    /* every truncation of the message: no crash, the fields before stand */
    for (size_t cut = 0; cut < n; cut++) {
        struct got h = {0};
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, m, cut);
        int x = trawl_proto_dns(c, cut, grab, &h);
        cr_assert(x == h.n || (x == TRAWL_EFORMAT && h.n == 0));
        free(c);
    }
}

Test(proto, dns_pointer_abuse)
{
    uint8_t m[64];
    struct got g = {0};
    /* a name pointing at itself */
    size_t o = dns_head(m, 1, 0);
    memcpy(m + o, "\xc0\x0c\0\x01\0\x01", 6);
    cr_assert_eq(trawl_proto_dns(m, o + 6, grab, &g), TRAWL_EFORMAT);
    /* a label, then a pointer back to the label: a loop */
    memcpy(m + o,
           "\x01"
           "a\xc0\x0c\0\x01\0\x01",
           8);
    cr_assert_eq(trawl_proto_dns(m, o + 8, grab, &g), TRAWL_EFORMAT);
    /* a forward pointer */
    memcpy(m + o,
           "\xc0\x12\0\x01\0\x01\x01"
           "b\0",
           9);
    cr_assert_eq(trawl_proto_dns(m, o + 9, grab, &g), TRAWL_EFORMAT);
    /* two answers pointing at each other */
    o = dns_head(m, 0, 2);
    memcpy(m + o, "\xc0\x1a\0\x01\0\x01\0\0\0\0\0\0", 12); /* rr at 12 -> 26 */
    memcpy(m + o + 12, "\x01x\xc0\x0c", 4);                /* at 24: x, then -> 12 */
    cr_assert_eq(trawl_proto_dns(m, o + 16, grab, &g), TRAWL_EFORMAT);
    /* extended label types */
    o = dns_head(m, 1, 0);
    memcpy(m + o,
           "\x41"
           "a\0\0\x01\0\x01",
           7);
    cr_assert_eq(trawl_proto_dns(m, o + 7, grab, &g), TRAWL_EFORMAT);
    /* a name longer than 255 */
    uint8_t big[400];
    o = dns_head(big, 1, 0);
    for (int i = 0; i < 5; i++) {
        big[o++] = 63;
        memset(big + o, 'a', 63);
        o += 63;
    }
    big[o++] = 0;
    memcpy(big + o, "\0\x01\0\x01", 4);
    cr_assert_eq(trawl_proto_dns(big, o + 4, grab, &g), TRAWL_EFORMAT);
    cr_assert_eq(g.n, 0);
    cr_assert_eq(trawl_proto_dns(m, 5, grab, &g), TRAWL_EFORMAT);

    /* a chain of 30 backward pointers is fine (each jump goes further back) */
    uint8_t ch[200];
    o = dns_head(ch, 1, 0);
    size_t first = o;
    memcpy(ch + o,
           "\x03"
           "end\0",
           5);
    o += 5;
    size_t prev = first;
    for (int i = 0; i < 30; i++) {
        size_t here = o;
        ch[o++] = 1;
        ch[o++] = (uint8_t)('a' + i % 26);
        ch[o++] = 0xc0;
        ch[o++] = (uint8_t)prev;
        prev = here;
    }
    /* make the question the last name */
    uint8_t q[200];
    memcpy(q, ch, o);
    put16(q + 4, 1);
    size_t qo = o;
    q[qo++] = 0xc0;
    q[qo++] = (uint8_t)prev;
    memcpy(q + qo, "\0\x01\0\x01", 4);
    /* the question starts at 12, which holds "end": parse that one */
    struct got h = {0};
    cr_assert_eq(trawl_proto_dns(q, qo + 4, grab, &h), 1);
    cr_assert_str_eq(h.val[0], "end");
}

Test(proto, dns_udp_ports)
{
    uint8_t m[512];
    size_t n = dns_response(m);
    struct got g = {0};
    cr_assert_gt(trawl_proto_udp(NULL, 53, 40000, m, n, grab, &g), 0);
    cr_assert_eq(trawl_proto_udp(NULL, 1234, 40000, m, n, grab, &g), 0);
    cr_assert_gt(trawl_proto_udp(NULL, 5353, 5353, m, n, grab, &g), 0);
}

/* ---- HTTP ------------------------------------------------------------------- */

#define HTTP(s) trawl_proto_http((const uint8_t *)(s), strlen(s), grab, &g)

Test(proto, http_request_heads)
{
    struct got g = {0};
    cr_assert_eq(HTTP("GET /a/b?c=d HTTP/1.1\r\nUser-Agent: x\r\nhOsT:  evil.com:8080 \r\n\r\n"),
                 3);
    cr_assert(has(&g, "http.uri", "/a/b?c=d"));
    cr_assert(has(&g, "http.host", "evil.com"));
    cr_assert(has(&g, "http.url", "http://evil.com:8080/a/b?c=d"));

    g.n = 0;
    cr_assert_eq(HTTP("GET http://user@proxy.evil.org:3128/x HTTP/1.0\r\n\r\n"), 3);
    cr_assert(has(&g, "http.host", "proxy.evil.org"));
    cr_assert(has(&g, "http.url", "http://user@proxy.evil.org:3128/x"));

    g.n = 0;
    cr_assert_eq(HTTP("CONNECT tunnel.evil.net:443 HTTP/1.1\r\nHost: tunnel.evil.net:443\r\n\r\n"),
                 2);
    cr_assert(has(&g, "http.host", "tunnel.evil.net"));

    g.n = 0;
    HTTP("GET / HTTP/1.1\nHost: [2001:db8::1]:80\n\n"); /* bare LF, IPv6 literal */
    cr_assert(has(&g, "http.host", "2001:db8::1"));
    cr_assert(has(&g, "http.url", "http://[2001:db8::1]:80/"));

    /* pipelined, with a body in between */
    g.n = 0;
    HTTP("POST /up HTTP/1.1\r\nHost: a.com\r\nContent-Length: 5\r\n\r\nhello"
         "GET /two HTTP/1.1\r\nHost: b.com\r\n\r\n");
    cr_assert(has(&g, "http.url", "http://a.com/up"));
    cr_assert(has(&g, "http.url", "http://b.com/two"));

    /* not requests */
    g.n = 0;
    cr_assert_eq(HTTP("HTTP/1.1 200 OK\r\n\r\n"), TRAWL_EFORMAT);
    cr_assert_eq(HTTP("GET /nothing-after\r\n\r\n"), TRAWL_EFORMAT);
    cr_assert_eq(HTTP("get / HTTP/1.1\r\n"), TRAWL_EFORMAT);
    cr_assert_eq(HTTP(""), TRAWL_EFORMAT);
    cr_assert_eq(g.n, 0);
    /* a head cut short: what is there */
    cr_assert_eq(HTTP("GET /cut HTTP/1.1\r\nHost: c.com\r\nAcc"), 3);
}

/* ---- TLS -------------------------------------------------------------------- */

static size_t client_hello(uint8_t *o, const char *sni)
{
    uint8_t ext[512];
    size_t e = 0;
    /* supported_groups first */
    memcpy(ext, "\x00\x0a\x00\x04\x00\x02\x00\x1d", 8);
    e = 8;
    if (sni) {
        size_t sl = strlen(sni);
        put16(ext + e, 0);
        put16(ext + e + 2, (uint16_t)(sl + 5));
        put16(ext + e + 4, (uint16_t)(sl + 3));
        ext[e + 6] = 0;
        put16(ext + e + 7, (uint16_t)sl);
        memcpy(ext + e + 9, sni, sl);
        e += 9 + sl;
    }
    uint8_t body[1024];
    size_t b = 0;
    body[b++] = 3, body[b++] = 3;
    memset(body + b, 0x42, 32);
    b += 32;
    body[b++] = 32;
    memset(body + b, 0x17, 32);
    b += 32;
    memcpy(body + b, "\x00\x04\x13\x01\x13\x02", 6);
    b += 6;
    body[b++] = 1, body[b++] = 0;
    put16(body + b, (uint16_t)e);
    b += 2;
    memcpy(body + b, ext, e);
    b += e;
    o[0] = 0x16, o[1] = 3, o[2] = 1;
    put16(o + 3, (uint16_t)(b + 4));
    o[5] = 1;
    o[6] = 0;
    put16(o + 7, (uint16_t)b);
    memcpy(o + 9, body, b);
    return 9 + b;
}

Test(proto, tls_sni)
{
    uint8_t ch[1024];
    size_t n = client_hello(ch, "c2.evil.io");
    struct got g = {0};
    cr_assert_eq(trawl_proto_tls(ch, n, grab, &g), 1);
    cr_assert(has(&g, "tls.sni", "c2.evil.io"));
    g.n = 0;
    n = client_hello(ch, NULL);
    cr_assert_eq(trawl_proto_tls(ch, n, grab, &g), 0);
    /* every truncation: no crash, no field from a cut name */
    n = client_hello(ch, "c2.evil.io");
    for (size_t cut = 0; cut < n; cut++) {
        g.n = 0;
        trawl_proto_tls(ch, cut, grab, &g);
        cr_assert_eq(g.n, 0, "cut %zu", cut);
    }
    /* a ServerHello is not a ClientHello */
    ch[5] = 2;
    cr_assert_eq(trawl_proto_tls(ch, n, grab, &g), TRAWL_EFORMAT);
}

/* ---- SMTP ------------------------------------------------------------------- */

Test(proto, smtp_envelope)
{
    static const char s[] = "EHLO client.example\r\n"
                            "MAIL FROM:<bad@evil.com> SIZE=1000\r\n"
                            "rcpt to: <victim@corp.example>\r\n"
                            "RCPT TO:<>\r\n"
                            "RCPT TO:plain@addr.example\r\n"
                            "DATA\r\n";
    struct got g = {0};
    cr_assert_eq(trawl_proto_smtp((const uint8_t *)s, sizeof(s) - 1, grab, &g), 3);
    cr_assert(has(&g, "smtp.mail_from", "bad@evil.com"));
    cr_assert(has(&g, "smtp.rcpt_to", "victim@corp.example"));
    cr_assert(has(&g, "smtp.rcpt_to", "plain@addr.example"));
}

/* ---- the per-direction dispatcher ------------------------------------------ */

static int feed(struct trawl_proto *p, struct trawl_proto_dir *st, uint16_t dport, const void *data,
                size_t n, uint64_t off, bool gap, struct got *g)
{
    struct trawl_flow_chunk c = {.data = data, .len = (uint32_t)n, .offset = off, .gap = gap};
    return trawl_proto_tcp(p, st, dport, &c, grab, g);
}

Test(proto, stream_http_split_and_keepalive)
{
    struct trawl_proto *p = NULL;
    cr_assert_eq(trawl_proto_new(4, &p), 0);
    struct trawl_proto_dir st = {0};
    struct got g = {0};
    const char *a = "GET /first HTTP/1.1\r\nHo", *b = "st: split.evil.com\r\n\r\n";
    cr_assert_eq(feed(p, &st, 80, a, strlen(a), 0, false, &g), 0);
    cr_assert_eq(feed(p, &st, 80, b, strlen(b), strlen(a), false, &g), 3);
    cr_assert(has(&g, "http.url", "http://split.evil.com/first"));
    /* keep-alive: the next request at a later chunk start */
    g.n = 0;
    const char *c = "GET /second HTTP/1.1\r\nHost: k.com\r\n\r\nGET /thi";
    feed(p, &st, 80, c, strlen(c), 100, false, &g);
    cr_assert(has(&g, "http.url", "http://k.com/second"));
    cr_assert_eq(g.n, 3);
    const char *d = "rd HTTP/1.1\r\nHost: k.com\r\n\r\n";
    feed(p, &st, 80, d, strlen(d), 200, false, &g);
    cr_assert(has(&g, "http.url", "http://k.com/third"));
    trawl_proto_dir_end(p, &st);

    /* the server's direction is not parsed */
    struct trawl_proto_dir sv = {0};
    g.n = 0;
    const char *resp = "HTTP/1.1 200 OK\r\n\r\nGET /not HTTP/1.1\r\n\r\n";
    cr_assert_eq(feed(p, &sv, 40000, resp, strlen(resp), 0, false, &g), 0);
    cr_assert_eq(trawl_proto_overflows(p), 0);
    trawl_proto_free(p);
}

Test(proto, stream_tls_split)
{
    struct trawl_proto *p = NULL;
    cr_assert_eq(trawl_proto_new(0, &p), 0);
    uint8_t ch[1024];
    size_t n = client_hello(ch, "split.sni.example");
    struct trawl_proto_dir st = {0};
    struct got g = {0};
    size_t c1 = 3, c2 = n - 12;
    cr_assert_eq(feed(p, &st, 443, ch, c1, 0, false, &g), 0);
    cr_assert_eq(feed(p, &st, 443, ch + c1, c2 - c1, c1, false, &g), 0);
    cr_assert_eq(feed(p, &st, 443, ch + c2, n - c2, c2, false, &g), 1);
    cr_assert(has(&g, "tls.sni", "split.sni.example"));
    /* only the first record is looked at */
    cr_assert_eq(feed(p, &st, 443, ch, n, n, false, &g), 0);
    trawl_proto_dir_end(p, &st);

    /* a gap ends the collection: parsed as far as it goes */
    struct trawl_proto_dir s2 = {0};
    g.n = 0;
    feed(p, &s2, 443, ch, 50, 0, false, &g);
    feed(p, &s2, 443, "zz", 2, 900, true, &g);
    cr_assert_eq(g.n, 0);
    trawl_proto_dir_end(p, &s2);
    trawl_proto_free(p);
}

Test(proto, stream_smtp_and_dns_tcp)
{
    struct trawl_proto *p = NULL;
    cr_assert_eq(trawl_proto_new(2, &p), 0);
    struct trawl_proto_dir st = {0};
    struct got g = {0};
    const char *a = "EHLO x\r\nMAIL FROM:<a@evil.", *b = "com>\r\nRCPT TO:<b@c.d>\r\n";
    feed(p, &st, 25, a, strlen(a), 0, false, &g);
    feed(p, &st, 25, b, strlen(b), strlen(a), false, &g);
    cr_assert(has(&g, "smtp.mail_from", "a@evil.com"));
    cr_assert(has(&g, "smtp.rcpt_to", "b@c.d"));
    cr_assert_eq(g.n, 2);
    trawl_proto_dir_end(p, &st);

    /* DNS over TCP: two messages with length prefixes */
    uint8_t m[512], buf[1200];
    size_t n = dns_response(m);
    put16(buf, (uint16_t)n);
    memcpy(buf + 2, m, n);
    put16(buf + 2 + n, (uint16_t)n);
    memcpy(buf + 4 + n, m, n);
    struct trawl_proto_dir d = {0};
    g.n = 0;
    cr_assert_eq(feed(p, &d, 53, buf, 4 + 2 * n, 0, false, &g), 12);
    trawl_proto_free(p);
}

Test(proto, head_pool_exhausted)
{
    struct trawl_proto *p = NULL;
    cr_assert_eq(trawl_proto_new(1, &p), 0);
    struct trawl_proto_dir a = {0}, b = {0};
    struct got g = {0};
    const char *h = "GET /x HTTP/1.1\r\nHost: pool.example\r\n";
    feed(p, &a, 80, h, strlen(h), 0, false, &g);
    cr_assert_eq(g.n, 0); /* held */
    feed(p, &b, 80, h, strlen(h), 0, false, &g);
    cr_assert_eq(g.n, 3); /* no buffer left: parsed as it is */
    cr_assert_eq(trawl_proto_overflows(p), 1);
    trawl_proto_dir_end(p, &a);
    trawl_proto_dir_end(p, &b);
    trawl_proto_free(p);
}

/* Random bytes into every parser: no crash (run under ASan). */
Test(proto, random_bytes)
{
    uint32_t x = 99;
    struct got g;
    struct trawl_proto *p = NULL;
    cr_assert_eq(trawl_proto_new(8, &p), 0);
    for (int it = 0; it < 100000; it++) {
        size_t n = 1 + (x % 300);
        uint8_t *b = malloc(n);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245 + 12345;
            b[i] = (uint8_t)(x >> 16);
        }
        if (it % 4 == 1 && n > 5) memcpy(b, "GET /", 5);
        if (it % 4 == 2 && n > 2) b[0] = 0x16, b[1] = 3;
        if (it % 4 == 3 && n > 12) b[4] = 0, b[5] = 2, b[6] = 0, b[7] = 3;
        g.n = 0;
        trawl_proto_dns(b, n, grab, &g);
        g.n = 0;
        trawl_proto_http(b, n, grab, &g);
        g.n = 0;
        trawl_proto_tls(b, n, grab, &g);
        g.n = 0;
        trawl_proto_smtp(b, n, grab, &g);
        struct trawl_proto_dir st = {0};
        g.n = 0;
        feed(p, &st, (uint16_t)(it % 2 ? 80 : 53), b, n, 0, false, &g);
        g.n = 0;
        feed(p, &st, 80, b, n, n, it % 3 == 0, &g);
        trawl_proto_dir_end(p, &st);
        free(b);
    }
    trawl_proto_free(p);
}

/* ---- end to end ------------------------------------------------------------ */

Test(proto, capture_end_to_end)
{
    struct mem m = {0};
    pcap_begin(&m, DLT_EN10MB, 65535);
    uint8_t l4[2000], l3[2100], fr[2200];
    /* 1: a DNS response over UDP, in a QinQ frame */
    uint8_t d[512];
    size_t dn = dns_response(d);
    size_t a = mk_udp(l4, 53, 40001, d, dn);
    size_t b = mk_ip4(l3, "10.0.0.53", "10.0.0.1", 17, l4, a, 1, 0);
    uint32_t tags[] = {0x88a8u << 16 | 10, 0x8100u << 16 | 20};
    size_t f = mk_eth(fr, tags, 2, 0x0800, l3, b);
    pcap_rec(&m, 1700000000, 0, fr, (uint32_t)f, (uint32_t)f);

    /* 2-7: HTTP, the head over two segments sent in reverse order */
    struct conv h = {.m = &m,
                     .cli = "10.0.0.1",
                     .srv = "93.184.216.34",
                     .cport = 50000,
                     .sport = 80,
                     .cseq = 100,
                     .sseq = 9000,
                     .t = 100};
    conv_open(&h); /* 2, 3, 4 */
    const char *req = "GET /payload.bin HTTP/1.1\r\nHost: dl.evil.com\r\nAccept: */*\r\n\r\n";
    size_t cut = 30;
    conv_frame(&h, true, h.cseq + (uint32_t)cut, h.sseq, F_ACK, req + cut,
               strlen(req) - cut);                         /* 5 */
    conv_frame(&h, true, h.cseq, h.sseq, F_ACK, req, cut); /* 6 */
    h.cseq += (uint32_t)strlen(req);
    conv_send(&h, false, "HTTP/1.1 200 OK\r\n\r\n", 19); /* 7 */

    /* 8-12: TLS, ClientHello in two segments */
    struct conv t = {.m = &m,
                     .cli = "10.0.0.1",
                     .srv = "198.51.100.4",
                     .cport = 50001,
                     .sport = 443,
                     .cseq = 7,
                     .sseq = 70,
                     .t = 200};
    conv_open(&t); /* 8, 9, 10 */
    uint8_t ch[1024];
    size_t chn = client_hello(ch, "sni.evil.net");
    conv_send(&t, true, ch, 40);            /* 11 */
    conv_send(&t, true, ch + 40, chn - 40); /* 12 */

    /* 13-17: SMTP */
    struct conv s = {.m = &m,
                     .cli = "10.0.0.1",
                     .srv = "192.0.2.25",
                     .cport = 50002,
                     .sport = 25,
                     .cseq = 1,
                     .sseq = 1,
                     .t = 300};
    conv_open(&s);                                /* 13, 14, 15 */
    conv_send(&s, false, "220 mx ESMTP\r\n", 14); /* 16 */
    const char *env = "EHLO me\r\nMAIL FROM:<ceo@evil-corp.com>\r\nRCPT TO:<cfo@victim.org>\r\n";
    conv_send(&s, true, env, strlen(env)); /* 17 */

    char *path = write_tmp("e2e", m.p, m.n);
    struct run r;
    run_file(path, 0, &r);
    cr_assert_eq(r.open_rc, 0);
    cr_assert_eq(r.read_rc, 0);
    cr_assert_eq(r.packets, 17);
    cr_assert_eq(r.decoded, 17);
    cr_assert(run_has(&r, 1, "dns.query", "mail.evil.com"));
    cr_assert(run_has(&r, 1, "dns.answer", "1.2.3.4"));
    cr_assert(run_has(&r, 6, "http.host", "dl.evil.com"));
    cr_assert(run_has(&r, 6, "http.url", "http://dl.evil.com/payload.bin"));
    cr_assert(run_has(&r, 12, "tls.sni", "sni.evil.net"));
    cr_assert(run_has(&r, 17, "smtp.mail_from", "ceo@evil-corp.com"));
    cr_assert(run_has(&r, 17, "smtp.rcpt_to", "cfo@victim.org"));
    cr_assert_eq(r.fs.flows, 4);
    cr_assert_eq(r.fs.tcp_ooo_segs, 1);
    unlink(path);
    free(path);
    run_free(&r);
    mem_free(&m);
}
