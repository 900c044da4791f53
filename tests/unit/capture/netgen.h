/* Test helpers for the network tests: frame builders (Ethernet with VLAN
 * tags, SLL, SLL2, NULL, raw; IPv4, IPv6 with extension headers; TCP, UDP),
 * a tiny pcap and pcapng writer, and the whole read pipeline (open, next,
 * decode, flows, proto) collecting fields with their packet index. */
#ifndef TRAWL_TEST_NETGEN_H
#define TRAWL_TEST_NETGEN_H

#include <criterion/criterion.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapw.h"
#include "trawl_capture.h"

struct mem {
    uint8_t *p;
    size_t n, cap;
};

static inline void mem_put(struct mem *m, const void *data, size_t n)
{
    if (m->n + n > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->n + n)
            cap *= 2;
        m->p = realloc(m->p, cap);
        cr_assert_not_null(m->p);
        m->cap = cap;
    }
    if (n) memcpy(m->p + m->n, data, n);
    m->n += n;
}

static inline void mem_free(struct mem *m)
{
    free(m->p);
    memset(m, 0, sizeof(*m));
}

static inline void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* ---- transport and IP --------------------------------------------------- */

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static inline size_t mk_tcp(uint8_t *o, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack,
                            uint8_t flags, const void *pl, size_t n)
{
    memset(o, 0, 20);
    put16(o, sp);
    put16(o + 2, dp);
    put32(o + 4, seq);
    put32(o + 8, ack);
    o[12] = 5 << 4;
    o[13] = flags;
    put16(o + 14, 65535);
    if (n) memcpy(o + 20, pl, n);
    return 20 + n;
}

static inline size_t mk_udp(uint8_t *o, uint16_t sp, uint16_t dp, const void *pl, size_t n)
{
    put16(o, sp);
    put16(o + 2, dp);
    put16(o + 4, (uint16_t)(8 + n));
    put16(o + 6, 0);
    if (n) memcpy(o + 8, pl, n);
    return 8 + n;
}

/* IPv4 header + l4. frag = the flags/offset field (offset in 8-byte units). */
static inline size_t mk_ip4(uint8_t *o, const char *src, const char *dst, uint8_t proto,
                            const void *l4, size_t n, uint16_t id, uint16_t frag)
{
    memset(o, 0, 20);
    o[0] = 0x45;
    put16(o + 2, (uint16_t)(20 + n));
    put16(o + 4, id);
    put16(o + 6, frag);
    o[8] = 64;
    o[9] = proto;
    cr_assert_eq(inet_pton(AF_INET, src, o + 12), 1);
    cr_assert_eq(inet_pton(AF_INET, dst, o + 16), 1);
    if (n) memcpy(o + 20, l4, n);
    return 20 + n;
}

/* IPv6 header + ext (already chained: ext's first byte is its next header)
 * + l4. nh = the first next-header value. */
static inline size_t mk_ip6(uint8_t *o, const char *src, const char *dst, uint8_t nh,
                            const void *ext, size_t extn, const void *l4, size_t n)
{
    memset(o, 0, 40);
    o[0] = 0x60;
    put16(o + 4, (uint16_t)(extn + n));
    o[6] = nh;
    o[7] = 64;
    cr_assert_eq(inet_pton(AF_INET6, src, o + 8), 1);
    cr_assert_eq(inet_pton(AF_INET6, dst, o + 24), 1);
    if (extn) memcpy(o + 40, ext, extn);
    if (n) memcpy(o + 40 + extn, l4, n);
    return 40 + extn + n;
}

/* ---- link layers ---------------------------------------------------------- */

/* Ethernet; tags[] = (tpid << 16 | vid), outermost first. */
static inline size_t mk_eth(uint8_t *o, const uint32_t *tags, int ntags, uint16_t type,
                            const void *l3, size_t n)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10};
    memcpy(o, macs, 12);
    size_t off = 12;
    for (int i = 0; i < ntags; i++) {
        put16(o + off, (uint16_t)(tags[i] >> 16));
        put16(o + off + 2, (uint16_t)tags[i]);
        off += 4;
    }
    put16(o + off, type);
    off += 2;
    memcpy(o + off, l3, n);
    return off + n;
}

static inline size_t mk_sll(uint8_t *o, uint16_t type, const void *l3, size_t n)
{
    memset(o, 0, 16);
    put16(o + 2, 1);
    put16(o + 4, 6);
    put16(o + 14, type);
    memcpy(o + 16, l3, n);
    return 16 + n;
}

static inline size_t mk_sll2(uint8_t *o, uint16_t type, const void *l3, size_t n)
{
    memset(o, 0, 20);
    put16(o, type);
    put32(o + 4, 2);
    put16(o + 8, 1);
    o[11] = 6;
    memcpy(o + 20, l3, n);
    return 20 + n;
}

static inline size_t mk_null(uint8_t *o, uint32_t af, bool big, const void *l3, size_t n)
{
    if (big)
        put32(o, af);
    else
        put32le(o, af);
    memcpy(o + 4, l3, n);
    return 4 + n;
}

/* ---- capture files -------------------------------------------------------- */

static inline void pcap_begin(struct mem *m, uint32_t linktype, uint32_t snaplen)
{
    uint8_t h[24];
    put32le(h, 0xa1b2c3d4);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
    memset(h + 8, 0, 8);
    put32le(h + 16, snaplen);
    put32le(h + 20, linktype);
    mem_put(m, h, 24);
}

static inline void pcap_rec(struct mem *m, uint32_t sec, uint32_t usec, const void *data,
                            uint32_t caplen, uint32_t len)
{
    uint8_t h[16];
    put32le(h, sec);
    put32le(h + 4, usec);
    put32le(h + 8, caplen);
    put32le(h + 12, len);
    mem_put(m, h, 16);
    mem_put(m, data, caplen);
}

static inline void ng_block(struct mem *m, uint32_t type, const void *body, size_t n)
{
    uint8_t h[8], z[4] = {0};
    size_t pad = (4 - n % 4) % 4;
    uint32_t tot = (uint32_t)(12 + n + pad);
    put32le(h, type);
    put32le(h + 4, tot);
    mem_put(m, h, 8);
    mem_put(m, body, n);
    mem_put(m, z, pad);
    put32le(h, tot);
    mem_put(m, h, 4);
}

static inline void pcapng_begin(struct mem *m, uint16_t linktype)
{
    uint8_t shb[16];
    put32le(shb, 0x1a2b3c4d);
    shb[4] = 1, shb[5] = 0, shb[6] = 0, shb[7] = 0;
    memset(shb + 8, 0xff, 8); /* section length unknown */
    ng_block(m, 0x0a0d0d0a, shb, 16);
    uint8_t idb[8] = {0};
    idb[0] = (uint8_t)linktype;
    idb[1] = (uint8_t)(linktype >> 8);
    put32le(idb + 4, 262144);
    ng_block(m, 1, idb, 8);
}

static inline void pcapng_epb(struct mem *m, uint64_t ts_us, const void *data, uint32_t caplen,
                              uint32_t len)
{
    uint8_t *b = malloc(20 + caplen + 4);
    put32le(b, 0);
    put32le(b + 4, (uint32_t)(ts_us >> 32));
    put32le(b + 8, (uint32_t)ts_us);
    put32le(b + 12, caplen);
    put32le(b + 16, len);
    memcpy(b + 20, data, caplen);
    ng_block(m, 6, b, 20 + caplen);
    free(b);
}

static inline char *write_tmp(const char *tag, const void *data, size_t n)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "/tmp/trawl-%s-XXXXXX", tag) > 0);
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    cr_assert_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
    return path;
}

/* ---- a TCP conversation on Ethernet/IPv4 ---------------------------------- */

struct conv {
    struct mem *m;
    const char *cli, *srv;
    uint16_t cport, sport;
    uint32_t cseq, sseq; /* next sequence numbers */
    uint32_t t;          /* microseconds */
};

static inline void conv_frame(struct conv *c, bool from_cli, uint32_t seq, uint32_t ack,
                              uint8_t flags, const void *pl, size_t n)
{
    static uint8_t l4[70000], l3[70000], fr[70000];
    size_t a = mk_tcp(l4, from_cli ? c->cport : c->sport, from_cli ? c->sport : c->cport, seq, ack,
                      flags, pl, n);
    size_t b = mk_ip4(l3, from_cli ? c->cli : c->srv, from_cli ? c->srv : c->cli, 6, l4, a, 1, 0);
    size_t f = mk_eth(fr, NULL, 0, 0x0800, l3, b);
    c->t += 10;
    pcap_rec(c->m, 1700000000 + c->t / 1000000, c->t % 1000000, fr, (uint32_t)f, (uint32_t)f);
}

static inline void conv_open(struct conv *c)
{
    conv_frame(c, true, c->cseq - 1, 0, F_SYN, NULL, 0);
    conv_frame(c, false, c->sseq - 1, c->cseq, F_SYN | F_ACK, NULL, 0);
    conv_frame(c, true, c->cseq, c->sseq, F_ACK, NULL, 0);
}

/* Sends data from one side as one segment and advances its sequence. */
static inline void conv_send(struct conv *c, bool from_cli, const void *pl, size_t n)
{
    uint32_t *seq = from_cli ? &c->cseq : &c->sseq;
    conv_frame(c, from_cli, *seq, from_cli ? c->sseq : c->cseq, F_ACK | F_PSH, pl, n);
    *seq += (uint32_t)n;
}

/* ---- the read pipeline ---------------------------------------------------- */

struct field {
    uint64_t pkt;
    char name[32];
    char *value;
};

struct run {
    int open_rc, read_rc;
    struct trawl_error err;
    uint64_t packets, decoded;
    struct trawl_decode_stats ds;
    struct trawl_flows_stats fs;
    struct field *f;
    size_t nf, capf;
    uint64_t cur_pkt;
    struct trawl_proto *proto;
};

static inline void run_emit(void *ud, const char *field, const char *value, size_t len)
{
    struct run *r = ud;
    if (r->nf == r->capf) {
        r->capf = r->capf ? r->capf * 2 : 64;
        r->f = realloc(r->f, r->capf * sizeof(*r->f));
        cr_assert_not_null(r->f);
    }
    struct field *f = &r->f[r->nf++];
    f->pkt = r->cur_pkt;
    snprintf(f->name, sizeof(f->name), "%s", field);
    f->value = strndup(value, len);
}

struct run_user {
    struct trawl_proto_dir pd[2];
};

static inline void run_on_end(void *ud, const struct trawl_flow_end *e)
{
    struct run *r = ud;
    struct run_user *u = e->user;
    trawl_proto_dir_end(r->proto, &u->pd[0]);
    trawl_proto_dir_end(r->proto, &u->pd[1]);
}

/* Reads a whole capture through decode, flows and proto. */
static inline void run_file(const char *path, unsigned flags, struct run *r)
{
    memset(r, 0, sizeof(*r));
    struct trawl_pcap *pc = NULL;
    r->open_rc = trawl_pcap_open(path, flags, &pc, &r->err);
    if (r->open_rc < 0) return;
    struct trawl_decoder *d = NULL;
    struct trawl_flows *ft = NULL;
    cr_assert_eq(trawl_decode_new(NULL, &d), 0);
    cr_assert_eq(trawl_proto_new(0, &r->proto), 0);
    struct trawl_flows_cfg cfg = {.max_flows = 4096,
                                  .mem_cap = 8 << 20,
                                  .user_size = sizeof(struct run_user),
                                  .on_end = run_on_end,
                                  .ud = r};
    cr_assert_eq(trawl_flows_new(&cfg, &ft), 0);
    int link = trawl_pcap_linktype(pc);
    struct trawl_pkt pkt;
    struct trawl_decoded dp;
    static struct trawl_flow_pkt fp;
    int rc;
    while ((rc = trawl_pcap_next(pc, &pkt, &r->err)) == 1) {
        r->packets++;
        r->cur_pkt = pkt.index;
        if (trawl_decode_packet(d, link, &pkt, &dp) != TRAWL_DEC_OK) continue;
        r->decoded++;
        cr_assert_eq(trawl_flows_packet(ft, &dp, pkt.ts_ns, pkt.index, &fp), 0);
        struct run_user *u = fp.user;
        for (unsigned i = 0; i < fp.nchunks; i++) {
            const struct trawl_flow_chunk *c = &fp.chunks[i];
            if (dp.proto == 6) {
                uint16_t dport = c->dir == fp.dir ? dp.dport : dp.sport;
                trawl_proto_tcp(r->proto, &u->pd[c->dir], dport, c, run_emit, r);
            } else if (dp.proto == 17) {
                trawl_proto_udp(r->proto, dp.sport, dp.dport, c->data, c->len, run_emit, r);
            }
        }
    }
    r->read_rc = rc;
    trawl_flows_flush(ft);
    trawl_decode_get_stats(d, &r->ds);
    trawl_flows_get_stats(ft, &r->fs);
    trawl_flows_free(ft);
    trawl_decode_free(d);
    trawl_proto_free(r->proto);
    r->proto = NULL;
    trawl_pcap_close(pc);
}

static inline void run_free(struct run *r)
{
    for (size_t i = 0; i < r->nf; i++)
        free(r->f[i].value);
    free(r->f);
    memset(r, 0, sizeof(*r));
}

/* True when field name=value was emitted for packet pkt (0 = any packet). */
static inline bool run_has(const struct run *r, uint64_t pkt, const char *name, const char *value)
{
    for (size_t i = 0; i < r->nf; i++)
        if ((!pkt || r->f[i].pkt == pkt) && !strcmp(r->f[i].name, name) &&
            !strcmp(r->f[i].value, value))
            return true;
    return false;
}

#endif
