/* Hand benchmark (not a test): writes a capture of N packets (default 1M;
 * 20k concurrent TCP flows with HTTP requests, some segments out of order,
 * plus DNS over UDP; ~800-byte average frames), then times libpcap reading
 * alone and the whole path: read, decode, flow hash, flows with TCP
 * reassembly, protocol fields. Prints Mpps and Gbit/s.
 *   bench_net [packets] [path] */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcapw.h"
#include "trawl_capture.h"

#ifndef NFLOWS
#define NFLOWS 20000
#endif

static uint32_t rnd(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

struct bflow {
    uint32_t cli, srv;
    uint16_t cport;
    uint32_t cseq, sseq;
    int state;
};

static size_t frame(uint8_t *fr, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
                    uint8_t proto, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
                    size_t n)
{
    struct frame4 f = {src, dst, sp, dp, proto, seq, ack, flags, 0};
    return eth_frame4(fr, &f, pl, n);
}

static void rec(FILE *f, uint64_t i, const uint8_t *fr, size_t n)
{
    pcap_record(f, (1700000000ull + i / 100000) * 1000000 + (i % 100000) * 10, fr, n);
}

static void generate(const char *path, uint64_t npkts)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    pcap_file_header(f, 262144, DLT_EN10MB);
    static struct bflow fl[NFLOWS];
    uint32_t x = 88172645;
    for (int i = 0; i < NFLOWS; i++) {
        fl[i].cli = 0x0a000000 | (rnd(&x) & 0xffff);
        fl[i].srv = 0xc6330000 | (rnd(&x) & 0xffff);
        fl[i].cport = (uint16_t)(1024 + i % 60000);
        fl[i].cseq = rnd(&x);
        fl[i].sseq = rnd(&x);
    }
    static uint8_t pl[1500], fr[1600], held[1600];
    for (size_t i = 0; i < sizeof(pl); i++)
        pl[i] = (uint8_t)('a' + i % 26);
    size_t heldn = 0;
    uint64_t i = 0;
    while (i < npkts) {
        if (rnd(&x) % 20 == 0) { /* DNS query */
            static const uint8_t q[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                                       "\x03www\x07"
                                       "example\x03"
                                       "com\x00\x00\x01\x00\x01";
            size_t n = frame(fr, 0x0a000001, 0x08080808, (uint16_t)(rnd(&x) | 1024), 53, 17, 0, 0,
                             0, q, sizeof(q) - 1);
            rec(f, ++i, fr, n);
            continue;
        }
        struct bflow *b = &fl[rnd(&x) % NFLOWS];
        size_t n;
        switch (b->state) {
        case 0:
            n = frame(fr, b->cli, b->srv, b->cport, 80, 6, b->cseq++, 0, 0x02, pl, 0);
            b->state++;
            break;
        case 1:
            n = frame(fr, b->srv, b->cli, 80, b->cport, 6, b->sseq++, b->cseq, 0x12, pl, 0);
            b->state++;
            break;
        case 2: {
            static const char req[] = "GET /index.html?id=12345 HTTP/1.1\r\nHost: www.example.com"
                                      "\r\nUser-Agent: bench/1.0\r\nAccept: */*\r\n\r\n";
            n = frame(fr, b->cli, b->srv, b->cport, 80, 6, b->cseq, b->sseq, 0x18,
                      (const uint8_t *)req, sizeof(req) - 1);
            b->cseq += sizeof(req) - 1;
            b->state++;
            break;
        }
        default: {
            bool from_cli = rnd(&x) % 4 == 0;
            size_t len = from_cli ? 100 + rnd(&x) % 400 : 600 + rnd(&x) % 860;
            uint32_t *seq = from_cli ? &b->cseq : &b->sseq;
            n = frame(fr, from_cli ? b->cli : b->srv, from_cli ? b->srv : b->cli,
                      from_cli ? b->cport : 80, from_cli ? 80 : b->cport, 6, *seq,
                      from_cli ? b->sseq : b->cseq, 0x10, pl, len);
            *seq += (uint32_t)len;
            /* 1 in 50: swap with the next segment of the same flow */
            if (!heldn && rnd(&x) % 50 == 0) {
                memcpy(held, fr, n);
                heldn = n;
                size_t n2 = frame(fr, from_cli ? b->cli : b->srv, from_cli ? b->srv : b->cli,
                                  from_cli ? b->cport : 80, from_cli ? 80 : b->cport, 6, *seq,
                                  from_cli ? b->sseq : b->cseq, 0x10, pl, len);
                *seq += (uint32_t)len;
                rec(f, ++i, fr, n2);
                if (i < npkts) rec(f, ++i, held, heldn);
                heldn = 0;
                continue;
            }
            break;
        }
        }
        rec(f, ++i, fr, n);
    }
    fclose(f);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the machine may be shared */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t nfields;
static void count(void *ud, const char *field, const char *value, size_t len)
{
    (void)ud, (void)field, (void)value, (void)len;
    nfields++;
}

struct user {
    struct trawl_proto_dir pd[2];
};

static struct trawl_proto *proto;
static void on_end(void *ud, const struct trawl_flow_end *e)
{
    struct user *u = e->user;
    trawl_proto_dir_end(proto, &u->pd[0]);
    trawl_proto_dir_end(proto, &u->pd[1]);
}

int main(int argc, char **argv)
{
    uint64_t npkts = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    const char *path = argc > 2 ? argv[2] : "/tmp/trawl-bench-net.pcap";
    double t0 = now();
    generate(path, npkts);
    fprintf(stderr, "generated %llu packets in %.2f s: %s\n", (unsigned long long)npkts, now() - t0,
            path);

    struct trawl_error err;
    struct trawl_pcap *pc;
    struct trawl_pkt pkt;
    for (int round = 0; round < 3; round++) {
        /* libpcap alone */
        if (trawl_pcap_open(path, 0, &pc, &err) < 0) {
            fprintf(stderr, "%s: %s\n", err.where, err.msg);
            return 1;
        }
        uint64_t n = 0, bytes = 0;
        t0 = now();
        double c0 = cpu();
        while (trawl_pcap_next(pc, &pkt, &err) == 1) {
            n++;
            bytes += pkt.caplen;
        }
        double t_read = now() - t0, c_read = cpu() - c0;
        trawl_pcap_close(pc);

        /* the whole path */
        struct trawl_decoder *d;
        struct trawl_flows *ft;
        trawl_decode_new(NULL, &d);
        trawl_proto_new(0, &proto);
        struct trawl_flows_cfg cfg = {
            .max_flows = 1 << 17, .user_size = sizeof(struct user), .on_end = on_end};
        trawl_flows_new(&cfg, &ft);
        trawl_pcap_open(path, 0, &pc, &err);
        int link = trawl_pcap_linktype(pc);
        static struct trawl_flow_pkt fp;
        struct trawl_decoded dp;
        uint64_t chunks = 0, hashx = 0;
        nfields = 0;
        t0 = now();
        c0 = cpu();
        while (trawl_pcap_next(pc, &pkt, &err) == 1) {
            if (trawl_decode_packet(d, link, &pkt, &dp) != TRAWL_DEC_OK) continue;
            hashx ^= trawl_decode_flow_hash(&dp); /* the dispatcher's worker choice */
            trawl_flows_packet(ft, &dp, pkt.ts_ns, pkt.index, &fp);
            struct user *u = fp.user;
            for (unsigned i = 0; i < fp.nchunks; i++) {
                const struct trawl_flow_chunk *c = &fp.chunks[i];
                chunks++;
                if (dp.proto == 6)
                    trawl_proto_tcp(proto, &u->pd[c->dir], c->dir == fp.dir ? dp.dport : dp.sport,
                                    c, count, NULL);
                else if (dp.proto == 17)
                    trawl_proto_udp(proto, dp.sport, dp.dport, c->data, c->len, count, NULL);
            }
        }
        double t_all = now() - t0, c_all = cpu() - c0;
        uint64_t fields1 = nfields;
        trawl_flows_flush(ft);
        trawl_flows_free(ft);
        trawl_pcap_close(pc);

        /* the same, in batches of BATCH copied packets with prefetches, as
         * a worker fed through a queue would do it */
        trawl_flows_new(&cfg, &ft);
        trawl_pcap_open(path, 0, &pc, &err);
        enum { BATCH = 16 };
        static uint8_t bufs[BATCH][2048];
        static struct trawl_decoded bd[BATCH];
        static int64_t bts[BATCH];
        static uint64_t bidx[BATCH], bh[BATCH];
        t0 = now();
        c0 = cpu();
        for (bool more = true; more;) {
            int nb = 0;
            while (nb < BATCH) {
                if (trawl_pcap_next(pc, &pkt, &err) != 1) {
                    more = false;
                    break;
                }
                uint32_t cl = pkt.caplen < 2048 ? pkt.caplen : 2048;
                memcpy(bufs[nb], pkt.data, cl);
                struct trawl_pkt cp = pkt;
                cp.data = bufs[nb];
                cp.caplen = cl;
                if (trawl_decode_packet(d, link, &cp, &bd[nb]) != TRAWL_DEC_OK) continue;
                bts[nb] = pkt.ts_ns;
                bidx[nb] = pkt.index;
                bh[nb] = trawl_decode_flow_hash(&bd[nb]);
                trawl_flows_prefetch_bucket(ft, bh[nb]);
                nb++;
            }
            for (int k = 0; k < nb; k++)
                trawl_flows_prefetch_flow(ft, bh[k]);
            for (int k = 0; k < nb; k++) {
                struct trawl_decoded *q = &bd[k];
                trawl_flows_packet(ft, q, bts[k], bidx[k], &fp);
                struct user *u = fp.user;
                for (unsigned i = 0; i < fp.nchunks; i++) {
                    const struct trawl_flow_chunk *c = &fp.chunks[i];
                    if (q->proto == 6)
                        trawl_proto_tcp(proto, &u->pd[c->dir],
                                        c->dir == fp.dir ? q->dport : q->sport, c, count, NULL);
                    else if (q->proto == 17)
                        trawl_proto_udp(proto, q->sport, q->dport, c->data, c->len, count, NULL);
                }
            }
        }
        double c_batch = cpu() - c0;
        (void)t0;
        trawl_flows_flush(ft);
        struct trawl_flows_stats fs;
        trawl_flows_get_stats(ft, &fs);
        trawl_pcap_close(pc);
        printf("round %d: batched with prefetch %.2f Mpps cpu\n", round, n / c_batch / 1e6);
        printf("round %d: %llu packets, %.0f B/frame | libpcap alone %.2f Mpps wall, %.2f cpu | "
               "read+decode+flows+proto %.2f Mpps wall, %.2f cpu (%.1f Gbit/s cpu) | %llu chunks, "
               "%llu fields, %llu flows, %llu ooo (hash %llx)\n",
               round, (unsigned long long)n, (double)bytes / (double)n, n / t_read / 1e6,
               n / c_read / 1e6, n / t_all / 1e6, n / c_all / 1e6, bytes * 8 / c_all / 1e9,
               (unsigned long long)chunks, (unsigned long long)fields1,
               (unsigned long long)fs.flows, (unsigned long long)fs.tcp_ooo_segs,
               (unsigned long long)(hashx & 0xfff));
        trawl_flows_free(ft);
        trawl_proto_free(proto);
        trawl_decode_free(d);
    }
    if (argc <= 2) remove(path);
    return 0;
}
