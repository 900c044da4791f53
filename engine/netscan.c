/* Network captures: runs a pcap/pcapng file (plain or gzip) through the
 * capture layer's decoder, flow table and protocol parsers, and matches:
 *  - the addresses of each flow, once per flow and direction, reported when
 *    the flow ends with the packet of first sight, the packet count and the
 *    first packet numbers;
 *  - TCP payloads per direction, in order as the flow table releases them,
 *    through a carry-over window kept in the flow's user area: the window
 *    accepts hits starting up to `overlap` bytes before its end and carries
 *    those bytes to the next chunk (the same rule as gzip streams, see
 *    scan.c), so an indicator split across two or three segments hits once;
 *    a gap in the stream drops the carry;
 *  - UDP payloads per datagram;
 *  - protocol fields whose text is not in the payload as such: DNS names and
 *    addresses (wire labels), and the reconstructed HTTP URL (URL indicators
 *    only: the Host header itself is matched in the payload).
 * One worker runs a capture from start to end (captures are spread across
 * workers, not packets within one capture). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "netscan.h"

#define CARRY 512       /* bytes carried per direction (overlap capped here) */
#define PKT_LIST 64     /* packet numbers listed in an address hit */
#define MAX_FLOWS 65536 /* flow table size */

/* Per flow, in the flow table's user area. */
struct dirstate {
    struct trawl_proto_dir proto;
    uint64_t acc;       /* stream offset accepted up to */
    uint64_t end;       /* stream offset after the carried bytes */
    uint16_t ncarry;
    uint64_t last_pkt;  /* packet that delivered the latest bytes */
    uint8_t carry[CARRY];
};

struct flowstate {
    struct dirstate dir[2];
    /* packet numbers per direction, for address hits */
    uint32_t npkts[2];
    uint64_t pkts[2][PKT_LIST];
};

struct netscan {
    const struct trawl_db *db;
    struct trawl_matcher *m;
    struct trawl_sinks *sinks;
    const char *path;
    const char *job;
    struct netscan_stats *st;
    struct trawl_proto *proto;
    size_t overlap;
    uint8_t *win; /* carry + chunk */
    size_t wincap;
    int failed;
    /* the packet being handled */
    struct trawl_net_meta meta;
    const struct trawl_decoded *dp;
    uint8_t dir;
};

static void addr_text(const uint8_t a[16], char *buf, size_t n)
{
    trawl_addr_str(a, buf, n);
}

static void set_meta(struct netscan *ns, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                     uint16_t dport, uint8_t proto, uint64_t flow, uint8_t dir)
{
    struct trawl_net_meta *mt = &ns->meta;
    addr_text(src, mt->src_ip, sizeof(mt->src_ip));
    addr_text(dst, mt->dest_ip, sizeof(mt->dest_ip));
    mt->src_port = sport;
    mt->dest_port = dport;
    mt->proto = proto == 6 ? "TCP" : proto == 17 ? "UDP" : "IP";
    mt->flow_id = flow;
    mt->direction = dir == TRAWL_DIR_TO_SERVER ? "to_server" : "to_client";
}

/* Sends the matcher's hits with the current meta. base: the bytes the hit
 * offsets refer to (for the context), base_off their stream offset. */
static void emit(struct netscan *ns, const uint8_t *base, size_t len, uint64_t base_off)
{
    size_t n = trawl_matcher_nhits(ns->m);
    if (!n)
        return;
    struct trawl_hit *h = trawl_matcher_hits(ns->m);
    for (size_t i = 0; i < n; i++)
        ns->st->by_type[ns->db->iocs[h[i].ioc].type]++;
    ns->st->hits += n;
    struct trawl_hit_origin o = {.file = ns->path, .base = base, .len = len,
                                 .base_off = base_off, .timestamp = trawl_now_real(),
                                 .job = ns->job, .net = &ns->meta};
    trawl_hits_prepare(h, n, &o);
    if (trawl_sinks_emit(ns->sinks, ns->db, h, n, &o))
        ns->failed = 1;
    trawl_matcher_clear(ns->m);
}

static void scan_span(struct netscan *ns, const uint8_t *base, size_t len, uint64_t base_off,
                      uint64_t lo, uint64_t hi)
{
    struct trawl_span sp = {.base = base, .len = len, .base_off = base_off, .lo = lo, .hi = hi};
    struct trawl_error err = {0};
    if (hi > lo && trawl_matcher_scan(ns->m, &sp, &err) == 0)
        emit(ns, base, len, base_off);
    trawl_matcher_clear(ns->m);
}

/* In-order bytes of one direction: window = carry + chunk. */
static void stream_bytes(struct netscan *ns, struct dirstate *d, const struct trawl_flow_chunk *c,
                         bool final)
{
    if (c && (c->gap || c->offset != d->end)) { /* lost bytes: start over after the gap */
        d->ncarry = 0;
        d->acc = d->end = c->offset;
    }
    size_t add = c ? c->len : 0;
    size_t need = d->ncarry + add;
    if (need > ns->wincap) {
        uint8_t *w = realloc(ns->win, need);
        if (!w) {
            ns->failed = 1;
            return;
        }
        ns->win = w;
        ns->wincap = need;
    }
    memcpy(ns->win, d->carry, d->ncarry);
    if (add)
        memcpy(ns->win + d->ncarry, c->data, add);
    uint64_t base_off = d->end - d->ncarry;
    d->end += add;
    uint64_t hi = final ? d->end : (d->end > ns->overlap ? d->end - ns->overlap : 0);
    if (hi < d->acc)
        hi = d->acc;
    scan_span(ns, ns->win, need, base_off, d->acc, hi);
    d->acc = hi;
    size_t keep = need < CARRY ? need : CARRY;
    memcpy(d->carry, ns->win + need - keep, keep);
    d->ncarry = (uint16_t)keep;
    ns->st->bytes += add;
}

static void on_field(void *ud, const char *field, const char *value, size_t len)
{
    struct netscan *ns = ud;
    bool url_only = !strcmp(field, "http.url");
    if (!url_only && strncmp(field, "dns.", 4))
        return; /* Host, SNI and SMTP addresses are matched in the payload */
    ns->meta.field = field;
    struct trawl_span sp = {.base = (const uint8_t *)value, .len = len, .lo = 0, .hi = len};
    struct trawl_error err = {0};
    if (trawl_matcher_scan(ns->m, &sp, &err) == 0 && url_only) {
        /* keep URL indicators: a domain in the URL is already in the Host line */
        size_t n = trawl_matcher_nhits(ns->m), k = 0;
        struct trawl_hit *h = trawl_matcher_hits(ns->m);
        for (size_t i = 0; i < n; i++)
            if (ns->db->iocs[h[i].ioc].type == TRAWL_T_URL)
                h[k++] = h[i];
        trawl_matcher_truncate(ns->m, k);
    }
    emit(ns, (const uint8_t *)value, len, 0);
    ns->meta.field = NULL;
}

/* A flow ends: the tail of each direction, then its address hits. */
static void on_end(void *ud, const struct trawl_flow_end *e)
{
    struct netscan *ns = ud;
    struct flowstate *f = e->user;
    const uint8_t *client = e->client_is_lo ? e->key.lo : e->key.hi;
    const uint8_t *server = e->client_is_lo ? e->key.hi : e->key.lo;
    uint16_t cport = e->client_is_lo ? e->key.plo : e->key.phi;
    uint16_t sport = e->client_is_lo ? e->key.phi : e->key.plo;
    for (int dir = 0; dir < 2; dir++) {
        bool up = dir == TRAWL_DIR_TO_SERVER;
        set_meta(ns, up ? client : server, up ? cport : sport, up ? server : client,
                 up ? sport : cport, e->key.proto, e->flow_id, (uint8_t)dir);
        ns->meta.pcap_ts = (double)e->last_ts / 1e9;
        if (e->key.proto == 6) {
            for (unsigned i = 0; i < e->nchunks; i++)
                if (e->chunks[i].dir == dir)
                    stream_bytes(ns, &f->dir[dir], &e->chunks[i], false);
            ns->meta.packet = f->dir[dir].last_pkt;
            stream_bytes(ns, &f->dir[dir], NULL, true);
            trawl_proto_dir_end(ns->proto, &f->dir[dir].proto);
        }
        if (!e->pkts[dir])
            continue;
        /* addresses: once per flow and direction */
        ns->meta.packet = e->first_pkt[dir];
        ns->meta.pcap_ts = (double)e->first_ts / 1e9;
        ns->meta.npackets = e->pkts[dir];
        ns->meta.packet_list = f->pkts[dir];
        ns->meta.npacket_list = f->npkts[dir];
        for (int side = 0; side < 2; side++) {
            ns->meta.field = side ? "ip.dst" : "ip.src";
            const uint8_t *a = (side == 0) == up ? client : server;
            trawl_matcher_match_addr(ns->m, a, 0);
            emit(ns, NULL, 0, 0);
        }
        ns->meta.field = NULL;
        ns->meta.npackets = 0;
        ns->meta.packet_list = NULL;
        ns->meta.npacket_list = 0;
    }
}

int trawl_netscan(const struct trawl_db *db, struct trawl_matcher *m, const char *path,
                  const struct netscan_opts *opts, struct netscan_stats *st,
                  struct trawl_error *err)
{
    struct trawl_pcap *pc = NULL;
    int r = trawl_pcap_open(path, 0, &pc, err);
    if (r)
        return r;
    struct netscan ns = {.db = db, .m = m, .sinks = opts->sinks, .path = path, .job = opts->job,
                         .st = st, .overlap = trawl_matcher_overlap(m)};
    if (ns.overlap > CARRY - 2)
        ns.overlap = CARRY - 2;
    struct trawl_decoder *d = NULL;
    struct trawl_flows *ft = NULL;
    struct trawl_flows_cfg cfg = {.max_flows = MAX_FLOWS,
                                  .user_size = sizeof(struct flowstate),
                                  .on_end = on_end,
                                  .ud = &ns};
    if (trawl_decode_new(NULL, &d) || trawl_proto_new(0, &ns.proto) || trawl_flows_new(&cfg, &ft)) {
        r = trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory for the flow table");
        goto out;
    }
    int link = trawl_pcap_linktype(pc);
    struct trawl_pkt pkt;
    struct trawl_decoded dp;
    static __thread struct trawl_flow_pkt fp;
    int rc;
    while ((rc = trawl_pcap_next(pc, &pkt, err)) == 1 && !ns.failed &&
           !(opts->stop && *opts->stop)) {
        st->packets++;
        if (trawl_decode_packet(d, link, &pkt, &dp) != TRAWL_DEC_OK)
            continue;
        if (trawl_flows_packet(ft, &dp, pkt.ts_ns, pkt.index, &fp))
            continue;
        struct flowstate *f = fp.user;
        if (f->npkts[fp.dir] < PKT_LIST)
            f->pkts[fp.dir][f->npkts[fp.dir]++] = pkt.index;
        ns.meta.packet = pkt.index;
        ns.meta.pcap_ts = (double)pkt.ts_ns / 1e9;
        set_meta(&ns, dp.src, dp.sport, dp.dst, dp.dport, dp.proto, fp.flow_id, fp.dir);
        for (unsigned i = 0; i < fp.nchunks; i++) {
            const struct trawl_flow_chunk *c = &fp.chunks[i];
            if (dp.proto == 6) {
                struct dirstate *ds = &f->dir[c->dir];
                if (c->dir != fp.dir) /* bytes of the other side released by an ACK */
                    set_meta(&ns, dp.dst, dp.dport, dp.src, dp.sport, dp.proto, fp.flow_id,
                             c->dir);
                ds->last_pkt = pkt.index;
                uint16_t dport = c->dir == fp.dir ? dp.dport : dp.sport;
                trawl_proto_tcp(ns.proto, &ds->proto, dport, c, on_field, &ns);
                stream_bytes(&ns, ds, c, false);
                if (c->dir != fp.dir)
                    set_meta(&ns, dp.src, dp.sport, dp.dst, dp.dport, dp.proto, fp.flow_id,
                             fp.dir);
            } else if (dp.proto == 17) {
                trawl_proto_udp(ns.proto, dp.sport, dp.dport, c->data, c->len, on_field, &ns);
                scan_span(&ns, c->data, c->len, 0, 0, c->len);
                st->bytes += c->len;
            }
        }
    }
    trawl_flows_flush(ft); /* ends every flow: tails and address hits */
    if (rc < 0)
        r = err->code ? err->code : TRAWL_EFORMAT;
    if (ns.failed && !r)
        r = trawl_error_set(err, TRAWL_EIO, path, "hits could not be delivered");
    struct trawl_decode_stats dst;
    trawl_decode_get_stats(d, &dst);
    st->malformed = dst.frames - dst.by_status[TRAWL_DEC_OK] - dst.by_status[TRAWL_DEC_NOT_IP] -
                    dst.by_status[TRAWL_DEC_FRAG_HELD];
out:
    trawl_flows_free(ft);
    trawl_proto_free(ns.proto);
    trawl_decode_free(d);
    trawl_pcap_close(pc);
    free(ns.win);
    return r;
}
