/* Frame and pcap writing shared by the capture generators of the tests and
 * benchmarks (bench/pcapgen.c, tests/live/mkpcap.c, tests/netjobs/gencap.c,
 * tests/unit/capture): big-endian stores, the IPv4 header checksum, one
 * Ethernet/IPv4/TCP-or-UDP frame, and the classic pcap file and record
 * headers (microseconds, host byte order, which readers detect). */
#ifndef TRAWL_TEST_PCAPW_H
#define TRAWL_TEST_PCAPW_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static inline uint16_t ip_csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1) s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* The fields of one Ethernet/IPv4 frame: TCP when proto is 6 (seq, ack,
 * flags), UDP when 17. */
struct frame4 {
    uint32_t src, dst;
    uint16_t sp, dp;
    uint8_t proto;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t id; /* IPv4 identification */
};

/* Writes the frame carrying pl[0, n) at fr (room for 54 + n bytes);
 * returns its length. */
static inline size_t eth_frame4(uint8_t *fr, const struct frame4 *f, const void *pl, size_t n)
{
    static const uint8_t mac[12] = {0x02, 0, 0, 0, 0, 0xb, 0x02, 0, 0, 0, 0, 0xa};
    memcpy(fr, mac, 12);
    put16(fr + 12, 0x0800);
    uint8_t *ip = fr + 14;
    size_t l4 = f->proto == 6 ? 20 : 8;
    memset(ip, 0, 20 + l4);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + l4 + n));
    put16(ip + 4, f->id);
    ip[8] = 64;
    ip[9] = f->proto;
    put32(ip + 12, f->src);
    put32(ip + 16, f->dst);
    put16(ip + 10, ip_csum(ip, 20));
    uint8_t *t = ip + 20;
    put16(t, f->sp);
    put16(t + 2, f->dp);
    if (f->proto == 6) {
        put32(t + 4, f->seq);
        put32(t + 8, f->ack);
        t[12] = 0x50;
        t[13] = f->flags;
        put16(t + 14, 65535);
    } else {
        put16(t + 4, (uint16_t)(8 + n));
    }
    if (n) memcpy(t + l4, pl, n);
    return 14 + 20 + l4 + n;
}

static inline void pcap_file_header(FILE *out, uint32_t snaplen, uint32_t linktype)
{
    uint32_t gh[6] = {0xa1b2c3d4, 0x00040002, 0, 0, snaplen, linktype};
    fwrite(gh, sizeof(gh), 1, out);
}

/* One record at time us (microseconds since the epoch), not truncated. */
static inline void pcap_record(FILE *out, uint64_t us, const uint8_t *fr, size_t len)
{
    uint32_t h[4] = {(uint32_t)(us / 1000000), (uint32_t)(us % 1000000), (uint32_t)len,
                     (uint32_t)len};
    fwrite(h, sizeof(h), 1, out);
    fwrite(fr, len, 1, out);
}

#endif
