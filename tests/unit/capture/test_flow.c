/* Flow table and TCP reassembly: in-order delivery without copies, segments
 * out of order, retransmitted and overlapping (first copy wins), an
 * indicator split across 2 and 3 segments, a randomised shuffle property,
 * losses given up on acknowledgement, window overflow, RST and flow end,
 * snap-length cuts, idle timeouts, eviction when the table or the ring
 * pool is full, port reuse, UDP directions. */
#include "netgen.h"

#define CLI "10.0.0.1"
#define SRV "10.0.0.2"

struct coll {
    struct mem s[2];
    uint64_t next[2];
    int gaps[2];
    bool many_flows; /* offsets of several flows interleave: not checked */
    int ends, end_reason[64];
    uint64_t end_pkts[64][2];
};

static void take(struct coll *c, const struct trawl_flow_chunk *ch, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const struct trawl_flow_chunk *k = &ch[i];
        cr_assert_gt(k->len, 0);
        if (k->gap)
            c->gaps[k->dir]++;
        else if (!c->many_flows)
            cr_assert_eq(k->offset, c->next[k->dir], "dir %d: offset %llu, expected %llu", k->dir,
                         (unsigned long long)k->offset, (unsigned long long)c->next[k->dir]);
        mem_put(&c->s[k->dir], k->data, k->len);
        c->next[k->dir] = k->offset + k->len;
    }
}

static void on_end(void *ud, const struct trawl_flow_end *e)
{
    struct coll *c = ud;
    take(c, e->chunks, e->nchunks);
    if (c->ends < 64) {
        c->end_reason[c->ends] = e->reason;
        c->end_pkts[c->ends][0] = e->pkts[0];
        c->end_pkts[c->ends][1] = e->pkts[1];
    }
    c->ends++;
}

static struct trawl_flows *table(struct coll *c, uint32_t window, uint64_t mem_cap,
                                 uint32_t max_flows)
{
    memset(c, 0, sizeof(*c));
    struct trawl_flows_cfg cfg = {.window = window,
                                  .mem_cap = mem_cap,
                                  .max_flows = max_flows,
                                  .user_size = 24,
                                  .on_end = on_end,
                                  .ud = c};
    struct trawl_flows *ft = NULL;
    cr_assert_eq(trawl_flows_new(&cfg, &ft), 0);
    return ft;
}

static void coll_free(struct coll *c)
{
    mem_free(&c->s[0]);
    mem_free(&c->s[1]);
}

static struct trawl_flow_pkt fp;
static int64_t now;
static uint64_t pkt_index;

/* A TCP segment from the client (or the server), seq relative to an ISN
 * of 1000 (client) / 5000 (server). */
static struct trawl_flow_pkt *seg_on(struct trawl_flows *ft, struct coll *c, bool from_cli,
                                     uint16_t cport, uint32_t rseq, uint32_t rack, uint8_t flags,
                                     const void *data, size_t n, size_t wire)
{
    struct trawl_decoded p = {0};
    p.ipver = 4;
    p.proto = 6;
    uint8_t a[4], b[4];
    inet_pton(AF_INET, CLI, a);
    inet_pton(AF_INET, SRV, b);
    memset(p.src + 10, 0xff, 2);
    memset(p.dst + 10, 0xff, 2);
    memcpy(p.src + 12, from_cli ? a : b, 4);
    memcpy(p.dst + 12, from_cli ? b : a, 4);
    p.sport = from_cli ? cport : 80;
    p.dport = from_cli ? 80 : cport;
    p.seq = (from_cli ? 1000u : 5000u) + rseq;
    p.ack = (from_cli ? 5000u : 1000u) + rack;
    p.tcp_flags = flags;
    p.payload = data;
    p.payload_len = (uint32_t)n;
    p.payload_wire = (uint32_t)(wire ? wire : n);
    now += 1000;
    cr_assert_eq(trawl_flows_packet(ft, &p, now, ++pkt_index, &fp), 0);
    take(c, fp.chunks, fp.nchunks);
    return &fp;
}

static struct trawl_flow_pkt *seg(struct trawl_flows *ft, struct coll *c, bool from_cli,
                                  uint32_t rseq, uint8_t flags, const void *data, size_t n)
{
    return seg_on(ft, c, from_cli, 40000, rseq, 0, flags | F_ACK, data, n, 0);
}

static void handshake(struct trawl_flows *ft, struct coll *c, uint16_t cport)
{
    seg_on(ft, c, true, cport, (uint32_t)-1, 0, F_SYN, NULL, 0, 0);
    seg_on(ft, c, false, cport, (uint32_t)-1, 0, F_SYN | F_ACK, NULL, 0, 0);
    seg_on(ft, c, true, cport, 0, 0, F_ACK, NULL, 0, 0);
}

static bool stream_is(const struct mem *m, const char *s)
{
    return m->n == strlen(s) && !memcmp(m->p, s, m->n);
}

Test(flow, in_order)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    struct trawl_flow_pkt *p = seg_on(ft, &c, true, 40000, (uint32_t)-1, 0, F_SYN, NULL, 0, 0);
    cr_assert(p->new_flow);
    cr_assert(p->new_dir);
    cr_assert_eq(p->dir, TRAWL_DIR_TO_SERVER);
    uint64_t id = p->flow_id;
    uint8_t *user = p->user;
    for (int i = 0; i < 24; i++)
        cr_assert_eq(user[i], 0);
    user[0] = 42;
    p = seg_on(ft, &c, false, 40000, (uint32_t)-1, 0, F_SYN | F_ACK, NULL, 0, 0);
    cr_assert_not(p->new_flow);
    cr_assert(p->new_dir);
    cr_assert_eq(p->dir, TRAWL_DIR_TO_CLIENT);
    cr_assert_eq(p->flow_id, id);
    cr_assert_eq(((uint8_t *)p->user)[0], 42);
    seg(ft, &c, true, 0, 0, NULL, 0);
    p = seg(ft, &c, true, 0, F_PSH, "GET / HTTP/1.1\r\n", 16);
    cr_assert_eq(p->nchunks, 1);
    cr_assert_eq(p->chunks[0].offset, 0);
    cr_assert_not(p->chunks[0].gap);
    cr_assert_eq(p->dir_pkts, 3);
    seg(ft, &c, true, 16, F_PSH, "Host: a\r\n\r\n", 11);
    seg(ft, &c, false, 0, F_PSH, "HTTP/1.1 200 OK\r\n", 17);
    cr_assert(stream_is(&c.s[0], "GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    cr_assert(stream_is(&c.s[1], "HTTP/1.1 200 OK\r\n"));
    trawl_flows_flush(ft);
    cr_assert_eq(c.ends, 1);
    cr_assert_eq(c.end_reason[0], TRAWL_FLOW_END_FLUSH);
    cr_assert_eq(c.end_pkts[0][0], 4);
    cr_assert_eq(c.end_pkts[0][1], 2);
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.flows, 1);
    cr_assert_eq(st.active, 0);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, out_of_order)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    handshake(ft, &c, 40000);
    const char *msg = "0123456789abcdefghijklmnopqrstuvwxyz";
    /* 5 segments of 7 bytes (the last 8), sent 3,1,4,0,2 */
    int order[] = {3, 1, 4, 0, 2};
    for (int i = 0; i < 5; i++) {
        uint32_t off = (uint32_t)order[i] * 7;
        size_t n = order[i] == 4 ? 8 : 7;
        struct trawl_flow_pkt *p = seg(ft, &c, true, off, 0, msg + off, n);
        if (i < 3) cr_assert_eq(p->nchunks, 0);
        if (i == 3) cr_assert_eq(c.s[0].n, 14); /* 0 and 1 released */
    }
    cr_assert(stream_is(&c.s[0], msg));
    cr_assert_eq(c.gaps[0], 0);
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.tcp_ooo_segs, 3);
    cr_assert_eq(st.tcp_gap_bytes, 0);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, retransmissions_and_overlaps)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    handshake(ft, &c, 40000);
    seg(ft, &c, true, 0, 0, "AAAAAAAAAA", 10);
    seg(ft, &c, true, 0, 0, "AAAAAAAAAA", 10); /* retransmission */
    seg(ft, &c, true, 5, 0, "xxxxxBBBBB", 10); /* overlap: the first copy stays */
    cr_assert(stream_is(&c.s[0], "AAAAAAAAAABBBBB"));
    /* overlaps among buffered segments: first copy wins there too */
    seg(ft, &c, true, 20, 0, "DDDDD", 5);
    seg(ft, &c, true, 18, 0, "yyzzzzzzzE", 10); /* 20..24 already held */
    seg(ft, &c, true, 15, 0, "CCCCCyy", 7);     /* fills the hole, overlaps the held bytes */
    cr_assert(stream_is(&c.s[0], "AAAAAAAAAABBBBBCCCyyDDDDDzzE"), "%.*s", (int)c.s[0].n,
              (char *)c.s[0].p);
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.tcp_retrans, 10 + 5 + 5 + 4);
    trawl_flows_free(ft);
    coll_free(&c);
}

/* The indicator never sits whole in one chunk, yet the stream holds it. */
static void split_case(const int *cuts, int ncuts, const int *order)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    handshake(ft, &c, 40000);
    const char *msg = "GET /x HTTP/1.1\r\nHost: www.evil.com\r\n\r\n";
    size_t n = strlen(msg);
    int bounds[8] = {0};
    for (int i = 0; i < ncuts; i++)
        bounds[i + 1] = cuts[i];
    bounds[ncuts + 1] = (int)n;
    bool whole = false;
    for (int i = 0; i <= ncuts; i++) {
        int k = order[i];
        struct trawl_flow_pkt *p = seg(ft, &c, true, (uint32_t)bounds[k], 0, msg + bounds[k],
                                       (size_t)(bounds[k + 1] - bounds[k]));
        for (unsigned j = 0; j < p->nchunks; j++)
            if (memmem(p->chunks[j].data, p->chunks[j].len, "evil.com", 8)) whole = true;
    }
    cr_assert(stream_is(&c.s[0], msg));
    cr_assert(memmem(c.s[0].p, c.s[0].n, "evil.com", 8));
    (void)whole;
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, indicator_split)
{
    /* "evil.com" starts at 27: cut inside it */
    int two[] = {30};
    int o2[] = {0, 1};
    split_case(two, 1, o2);
    int o2r[] = {1, 0};
    split_case(two, 1, o2r);
    int three[] = {29, 32};
    int o3[] = {0, 1, 2};
    split_case(three, 2, o3);
    int o3r[] = {2, 0, 1};
    split_case(three, 2, o3r);
    int o3m[] = {1, 2, 0};
    split_case(three, 2, o3m);
}

static uint32_t rnd(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* Random segmentation, local reordering, duplicates and re-segmented
 * overlaps: the stream always comes out as sent, without gaps. */
Test(flow, shuffle_property)
{
    uint32_t x = 2463534242u;
    static uint8_t data[30000];
    struct {
        uint32_t off, len;
    } segs[4000];
    for (int round = 0; round < 150; round++) {
        size_t n = 1000 + rnd(&x) % (sizeof(data) - 1000);
        for (size_t i = 0; i < n; i++)
            data[i] = (uint8_t)rnd(&x);
        int ns = 0;
        for (uint32_t off = 0; off < n;) {
            uint32_t len = 1 + rnd(&x) % 1460;
            if (off + len > n) len = (uint32_t)n - off;
            segs[ns].off = off;
            segs[ns].len = len;
            ns++;
            /* sometimes a re-segmented overlap or a duplicate */
            if (rnd(&x) % 5 == 0 && ns < 3900) {
                uint32_t s = off > 700 ? off - rnd(&x) % 700 : 0;
                uint32_t e = off + len + rnd(&x) % 300;
                if (e > n) e = (uint32_t)n;
                segs[ns].off = s;
                segs[ns].len = e - s;
                ns++;
            }
            off += len;
        }
        /* local shuffle: swap neighbours within 8 */
        for (int i = 0; i < ns; i++) {
            int j = i + (int)(rnd(&x) % 8);
            if (j < ns) {
                __typeof__(segs[0]) t = segs[i];
                segs[i] = segs[j];
                segs[j] = t;
            }
        }
        struct coll c;
        struct trawl_flows *ft = table(&c, 65536, 0, 0);
        handshake(ft, &c, 40000);
        for (int i = 0; i < ns; i++)
            seg(ft, &c, true, segs[i].off, 0, data + segs[i].off, segs[i].len);
        cr_assert_eq(c.gaps[0], 0);
        cr_assert_eq(c.s[0].n, n, "round %d: %zu of %zu", round, c.s[0].n, n);
        cr_assert_eq(memcmp(c.s[0].p, data, n), 0, "round %d", round);
        trawl_flows_free(ft);
        coll_free(&c);
    }
}

Test(flow, loss_given_up_on_ack)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    handshake(ft, &c, 40000);
    seg(ft, &c, true, 0, 0, "first.", 6);
    /* 6..12 never captured */
    seg(ft, &c, true, 12, 0, "third.", 6);
    cr_assert_eq(c.s[0].n, 6);
    /* the server acknowledges everything: the hole is lost */
    struct trawl_flow_pkt *p = seg_on(ft, &c, false, 40000, 0, 18, F_ACK, NULL, 0, 0);
    cr_assert_eq(p->nchunks, 1);
    cr_assert_eq(p->chunks[0].dir, TRAWL_DIR_TO_SERVER);
    cr_assert(p->chunks[0].gap);
    cr_assert_eq(p->chunks[0].offset, 12);
    cr_assert(stream_is(&c.s[0], "first.third."));
    /* the stream goes on */
    p = seg(ft, &c, true, 18, 0, "fourth", 6);
    cr_assert_not(p->chunks[0].gap);
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.tcp_gap_bytes, 6);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, window_overflow)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 1024, 0, 0);
    handshake(ft, &c, 40000);
    static uint8_t data[4096];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)('a' + i % 26);
    seg(ft, &c, true, 0, 0, data, 100);
    /* 100..200 lost; the rest buffered until the window is exceeded */
    for (uint32_t off = 200; off < 4000; off += 100)
        seg(ft, &c, true, off, 0, data + off, 100);
    cr_assert_eq(c.gaps[0], 1);
    cr_assert_eq(c.s[0].n, 3900);
    cr_assert_eq(memcmp(c.s[0].p + 100, data + 200, 3800), 0);
    /* the late segment is old news now */
    struct trawl_flow_pkt *p = seg(ft, &c, true, 100, 0, data + 100, 100);
    cr_assert_eq(p->nchunks, 0);
    /* a segment larger than the whole window, arriving in order with a hole behind it */
    seg(ft, &c, true, 4100, 0, data, 50);
    static uint8_t big[3000];
    memset(big, 'Q', sizeof(big));
    p = seg(ft, &c, true, 4000, 0, big, sizeof(big));
    size_t got = 0;
    for (unsigned i = 0; i < p->nchunks; i++)
        got += p->chunks[i].len;
    cr_assert_eq(got, 3000);
    cr_assert_eq(c.s[0].n, 3900 + 3000);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, rst_and_end_release_buffered)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    handshake(ft, &c, 40000);
    seg(ft, &c, true, 0, 0, "aaaa", 4);
    seg(ft, &c, true, 8, 0, "cccc", 4);
    struct trawl_flow_pkt *p = seg(ft, &c, true, 12, F_RST, NULL, 0);
    cr_assert_eq(p->nchunks, 1);
    cr_assert(p->chunks[0].gap);
    cr_assert(stream_is(&c.s[0], "aaaacccc"));

    /* another flow: buffered bytes come out at the end, through on_end */
    handshake(ft, &c, 40001);
    seg_on(ft, &c, false, 40001, 0, 0, F_ACK, "zz", 2, 0);
    seg_on(ft, &c, false, 40001, 10, 0, F_ACK, "late", 4, 0);
    trawl_flows_flush(ft);
    cr_assert(stream_is(&c.s[1], "zzlate"));
    cr_assert_eq(c.gaps[1], 1);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, snap_cut_and_syn_data)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    /* TCP Fast Open: data on the SYN */
    struct trawl_flow_pkt *p = seg_on(ft, &c, true, 40000, (uint32_t)-1, 0, F_SYN, "hello", 5, 0);
    cr_assert_eq(p->nchunks, 1);
    cr_assert_eq(p->chunks[0].offset, 0);
    /* 10 bytes on the wire, 4 captured */
    p = seg_on(ft, &c, true, 40000, 5, 0, F_ACK, "0123", 4, 10);
    cr_assert_eq(p->chunks[0].len, 4);
    p = seg_on(ft, &c, true, 40000, 15, 0, F_ACK, "next", 4, 0);
    cr_assert(p->chunks[0].gap);
    cr_assert_eq(p->chunks[0].offset, 15);
    cr_assert(stream_is(&c.s[0], "hello0123next"));
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, midstream_pickup)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    /* the server's answer is seen first: its sender is still the server */
    struct trawl_flow_pkt *p = seg(ft, &c, false, 100, 0, "resp", 4);
    cr_assert(p->new_flow);
    cr_assert_eq(p->dir, TRAWL_DIR_TO_CLIENT);
    cr_assert_eq(p->chunks[0].offset, 0);
    p = seg(ft, &c, true, 50, 0, "req", 3);
    cr_assert_eq(p->dir, TRAWL_DIR_TO_SERVER);
    cr_assert(stream_is(&c.s[1], "resp"));
    cr_assert(stream_is(&c.s[0], "req"));
    trawl_flows_free(ft);
    coll_free(&c);
}

static struct trawl_flow_pkt *udp(struct trawl_flows *ft, struct coll *c, const char *src,
                                  const char *dst, uint16_t sp, uint16_t dp, const char *pl)
{
    struct trawl_decoded p = {0};
    p.ipver = 4;
    p.proto = 17;
    memset(p.src + 10, 0xff, 2);
    memset(p.dst + 10, 0xff, 2);
    inet_pton(AF_INET, src, p.src + 12);
    inet_pton(AF_INET, dst, p.dst + 12);
    p.sport = sp;
    p.dport = dp;
    p.payload = (const uint8_t *)pl;
    p.payload_len = p.payload_wire = (uint32_t)strlen(pl);
    cr_assert_eq(trawl_flows_packet(ft, &p, now, ++pkt_index, &fp), 0);
    (void)c;
    return &fp;
}

Test(flow, udp_and_timeouts)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    now = 0;
    /* a DNS response seen before its query: the resolver is the server */
    struct trawl_flow_pkt *p = udp(ft, &c, "10.0.0.53", "10.0.0.9", 53, 33333, "answer");
    cr_assert_eq(p->dir, TRAWL_DIR_TO_CLIENT);
    cr_assert_eq(p->nchunks, 1);
    cr_assert_eq(p->chunks[0].len, 6);
    uint64_t id = p->flow_id;
    p = udp(ft, &c, "10.0.0.9", "10.0.0.53", 33333, 53, "query");
    cr_assert_eq(p->dir, TRAWL_DIR_TO_SERVER);
    cr_assert_eq(p->flow_id, id);
    for (int i = 0; i < 5; i++) {
        char a[32];
        snprintf(a, sizeof(a), "10.1.0.%d", i);
        udp(ft, &c, a, "10.0.0.53", 1000, 53, "x");
    }
    /* 121 s later (UDP timeout 120 s): all six end as time moves on */
    now += 121ll * 1000000000;
    p = udp(ft, &c, "10.0.0.9", "10.0.0.53", 33333, 53, "again");
    cr_assert(p->new_flow);
    cr_assert_neq(p->flow_id, id);
    trawl_flows_expire(ft, now);
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.ended_timeout, 6);
    cr_assert_eq(st.active, 1);
    cr_assert_eq(c.ends, 6);
    cr_assert_eq(c.end_reason[0], TRAWL_FLOW_END_TIMEOUT);
    trawl_flows_free(ft);
    coll_free(&c);
}

struct idle_seen {
    int n;
    uint64_t ids[16];
    int64_t last[16];
};

static void on_idle(void *ud, const struct trawl_flow_end *v)
{
    struct idle_seen *s = ud;
    cr_assert_lt(s->n, 16);
    cr_assert_not_null(v->user);
    s->ids[s->n] = v->flow_id;
    s->last[s->n++] = v->last_ts;
}

/* trawl_flows_each_idle visits the flows whose last packet falls in the
 * range, once per pause when the ranges follow each other, and ends none. */
Test(flow, each_idle_visits_paused_flows_once)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    now = 1000;
    udp(ft, &c, "10.3.0.1", "10.0.0.53", 1000, 53, "a"); /* t = 1000 */
    now = 2000;
    udp(ft, &c, "10.3.0.2", "10.0.0.53", 1000, 53, "b"); /* t = 2000 */
    now = 3000;
    udp(ft, &c, "10.3.0.3", "10.0.0.53", 1000, 53, "c"); /* t = 3000 */
    struct idle_seen s = {0};
    trawl_flows_each_idle(ft, INT64_MIN, 2500, on_idle, &s);
    cr_assert_eq(s.n, 2, "paused before 2500: %d", s.n);
    cr_assert(s.last[0] < 2500 && s.last[1] < 2500);
    /* the next range: only the third flow; the first two are not seen again */
    memset(&s, 0, sizeof(s));
    trawl_flows_each_idle(ft, 2500, 4000, on_idle, &s);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.last[0], 3000);
    /* the first flow speaks again and pauses: it is visited in a later range */
    now = 5000;
    udp(ft, &c, "10.3.0.1", "10.0.0.53", 1000, 53, "again");
    memset(&s, 0, sizeof(s));
    trawl_flows_each_idle(ft, 4000, 6000, on_idle, &s);
    cr_assert_eq(s.n, 1);
    cr_assert_eq(s.last[0], 5000);
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.active, 3, "visiting ends nothing");
    cr_assert_eq(c.ends, 0);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, table_full_evicts_lru)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 4);
    now = 0;
    for (int i = 0; i < 10; i++) {
        char a[32];
        snprintf(a, sizeof(a), "10.2.0.%d", i);
        udp(ft, &c, a, "10.0.0.53", 1000, 53, "x");
    }
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.evicted_full, 6);
    cr_assert_eq(st.active, 4);
    cr_assert_eq(c.ends, 6);
    cr_assert_eq(c.end_reason[0], TRAWL_FLOW_END_EVICTED);
    /* the most recent are still known */
    struct trawl_flow_pkt *p = udp(ft, &c, "10.2.0.9", "10.0.0.53", 1000, 53, "x");
    cr_assert_not(p->new_flow);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, ring_pool_pressure)
{
    struct coll c;
    /* two rings of 1 KiB for everything */
    struct trawl_flows *ft = table(&c, 1024, 2048, 0);
    c.many_flows = true;
    for (uint16_t port = 41000; port < 41003; port++) {
        handshake(ft, &c, port);
        seg_on(ft, &c, true, port, 0, 0, F_ACK, "a", 1, 0);
        seg_on(ft, &c, true, port, 5, 0, F_ACK, "later", 5, 0); /* needs a ring */
    }
    struct trawl_flows_stats st;
    trawl_flows_get_stats(ft, &st);
    cr_assert_eq(st.evicted_mem, 1);
    cr_assert_eq(st.windows_peak, 2);
    cr_assert_eq(c.ends, 1);
    trawl_flows_flush(ft);
    /* each flow's bytes came out: 3 x "a" + "later" */
    cr_assert_eq(c.s[0].n, 3 * 6);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, port_reuse_after_close)
{
    struct coll c;
    struct trawl_flows *ft = table(&c, 0, 0, 0);
    handshake(ft, &c, 40000);
    uint64_t id = fp.flow_id;
    seg(ft, &c, true, 0, F_FIN, NULL, 0);
    seg(ft, &c, false, 0, F_FIN, NULL, 0);
    struct trawl_flow_pkt *p = seg_on(ft, &c, true, 40000, 500, 0, F_SYN, NULL, 0, 0);
    cr_assert(p->new_flow);
    cr_assert_neq(p->flow_id, id);
    cr_assert_eq(c.ends, 1);
    cr_assert_eq(c.end_reason[0], TRAWL_FLOW_END_REUSED);
    trawl_flows_free(ft);
    coll_free(&c);
}

Test(flow, bad_config)
{
    struct trawl_flows *ft = NULL;
    struct trawl_flows_cfg cfg = {.window = 1000};
    cr_assert_eq(trawl_flows_new(&cfg, &ft), TRAWL_EINVAL);
    cr_assert_null(ft);
    trawl_flows_free(NULL);
}
