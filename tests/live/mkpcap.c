/* Writes the small captures replayed by tests/live/run.sh (Ethernet, IPv4):
 *   mkpcap main OUT    a DNS query for dns-ioc.trawl-test.net; an HTTP request
 *                      with Host: http-ioc.trawl-test.org; a TCP flow to
 *                      45.77.10.99; split-across.trawl-test.com cut across two
 *                      TCP segments; a flow with nothing to find
 *   mkpcap part N OUT  DNS queries from source port 1000+N for
 *                      alpha-ioc.trawl-test.net and beta-ioc.trawl-test.net
 *   mkpcap flood N OUT N SYNs of N distinct flows (a SYN flood), then the
 *                      DNS query and the split indicator of "main"
 *   mkpcap ooo N OUT   N TCP flows whose client sends its second segment
 *                      first: every flow's second segment, then every first
 *                      one, so N out-of-order buffers are held at once; the
 *                      split indicator of "main" crosses the two segments */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapw.h"

static FILE *out;
static uint32_t npkt;

static uint32_t ip(int a, int b, int c, int d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | (uint32_t)d;
}

/* One frame: TCP when proto is 6 (seq, flags), UDP when 17. */
static void frame(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint8_t proto, uint32_t seq,
                  uint32_t ack, uint8_t flags, const void *pl, size_t n)
{
    uint8_t fr[1600];
    struct frame4 f = {src, dst, sp, dp, proto, seq, ack, flags, (uint16_t)npkt};
    size_t len = eth_frame4(fr, &f, pl, n);
    npkt++;
    pcap_record(out, (1700000000ull + npkt / 10) * 1000000 + (npkt % 10) * 1000, fr, len);
}

static void dns_query(uint32_t src, uint16_t sport, const char *name)
{
    uint8_t m[300] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    size_t n = 12;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m[n++] = (uint8_t)l;
        memcpy(m + n, name, l);
        n += l;
        name += l + (dot != NULL);
    }
    m[n++] = 0;
    put16(m + n, 1); /* A */
    put16(m + n + 2, 1);
    n += 4;
    frame(src, ip(10, 9, 0, 53), sport, 53, 17, 0, 0, 0, m, n);
}

/* A TCP connection: handshake, then the client's segments in order. */
static void tcp_flow(uint32_t cli, uint16_t cport, uint32_t srv, uint16_t sport,
                     const char *const *segs, int nsegs)
{
    uint32_t cs = 1000, ss = 5000;
    frame(cli, srv, cport, sport, 6, cs++, 0, 0x02, "", 0);
    frame(srv, cli, sport, cport, 6, ss++, cs, 0x12, "", 0);
    frame(cli, srv, cport, sport, 6, cs, ss, 0x10, "", 0);
    for (int i = 0; i < nsegs; i++) {
        size_t n = strlen(segs[i]);
        frame(cli, srv, cport, sport, 6, cs, ss, 0x18, segs[i], n);
        cs += (uint32_t)n;
        frame(srv, cli, sport, cport, 6, ss, cs, 0x10, "", 0);
    }
}

int main(int argc, char **argv)
{
    if (argc < 3 ||
        (strcmp(argv[1], "main") &&
         ((strcmp(argv[1], "part") && strcmp(argv[1], "flood") && strcmp(argv[1], "ooo")) ||
          argc < 4))) {
        fprintf(
            stderr,
            "usage: mkpcap main OUT | mkpcap part N OUT | mkpcap flood N OUT | mkpcap ooo N OUT\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    out = fopen(path, "wb");
    if (!out) {
        perror(path);
        return 2;
    }
    pcap_file_header(out, 65535, 1 /* Ethernet */);
    if (!strcmp(argv[1], "main")) {
        dns_query(ip(10, 9, 0, 1), 40001, "dns-ioc.trawl-test.net");
        static const char *const http[] = {
            "GET /index.html HTTP/1.1\r\nHost: http-ioc.trawl-test.org\r\n"
            "User-Agent: live-test\r\nAccept: */*\r\n\r\n"};
        tcp_flow(ip(10, 9, 0, 2), 40002, ip(10, 9, 0, 80), 80, http, 1);
        static const char *const tls[] = {"hello there"};
        tcp_flow(ip(10, 9, 0, 3), 40003, ip(45, 77, 10, 99), 443, tls, 1);
        static const char *const split[] = {"first segment ends in split-across.traw",
                                            "l-test.com and the second goes on"};
        tcp_flow(ip(10, 9, 0, 4), 40004, ip(10, 9, 0, 99), 4444, split, 2);
        static const char *const none[] = {"nothing to see here\n"};
        tcp_flow(ip(10, 9, 0, 5), 40005, ip(10, 9, 0, 98), 25, none, 1);
    } else if (!strcmp(argv[1], "flood")) {
        long n = atol(argv[2]);
        for (long i = 0; i < n; i++)
            frame(ip(10, (int)(i >> 16 & 255), (int)(i >> 8 & 255), (int)(i & 255)),
                  ip(192, 0, 2, 1), (uint16_t)(1024 + i % 60000), 80, 6, (uint32_t)i, 0,
                  0x02 /* SYN */, NULL, 0);
        dns_query(ip(10, 9, 0, 1), 40001, "dns-ioc.trawl-test.net");
        static const char *const split[] = {"first segment ends in split-across.traw",
                                            "l-test.com and the second goes on"};
        tcp_flow(ip(10, 9, 0, 4), 40004, ip(10, 9, 0, 99), 4444, split, 2);
    } else if (!strcmp(argv[1], "ooo")) {
        long n = atol(argv[2]);
        static const char s1[] = "first segment ends in split-across.traw",
                          s2[] = "l-test.com and the second goes on";
        uint32_t srv = ip(10, 9, 0, 99), cs = 1001, ss = 5001;
        for (long i = 0; i < n; i++) { /* handshakes */
            uint32_t cli = ip(10, 8, (int)(i >> 8 & 255), (int)(i & 255));
            uint16_t cp = (uint16_t)(20000 + i % 40000);
            frame(cli, srv, cp, 4444, 6, cs - 1, 0, 0x02, "", 0);
            frame(srv, cli, 4444, cp, 6, ss - 1, cs, 0x12, "", 0);
            frame(cli, srv, cp, 4444, 6, cs, ss, 0x10, "", 0);
        }
        for (int half = 1; half >= 0; half--)
            for (long i = 0; i < n; i++) {
                uint32_t cli = ip(10, 8, (int)(i >> 8 & 255), (int)(i & 255));
                uint16_t cp = (uint16_t)(20000 + i % 40000);
                if (half)
                    frame(cli, srv, cp, 4444, 6, cs + (uint32_t)strlen(s1), ss, 0x18, s2,
                          strlen(s2));
                else
                    frame(cli, srv, cp, 4444, 6, cs, ss, 0x18, s1, strlen(s1));
            }
    } else {
        uint16_t sport = (uint16_t)(1000 + atoi(argv[2]));
        dns_query(ip(10, 9, 0, 7), sport, "alpha-ioc.trawl-test.net");
        dns_query(ip(10, 9, 0, 7), sport, "beta-ioc.trawl-test.net");
    }
    return fclose(out) ? 2 : 0;
}
