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
 * workers, not packets within one capture).
 *
 * The same object serves live capture (trawl live): the packet loop returns
 * to its caller when asked to stop, when a database reload is pending and
 * at a wall-clock tick, and the database and matcher can be swapped between
 * two packets (trawl_netscan_set_db). The flow table, the carry windows and
 * the protocol state hold only input bytes and positions, none of them
 * depends on the indicators, so they carry across a swap: every byte is
 * matched exactly once, by the database current when its window is scanned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_internal.h"
#include "netscan.h"

#define CARRY 512       /* bytes carried per direction (overlap capped here) */
#define PKT_LIST 64     /* packet numbers listed in an address hit */
#define MAX_FLOWS 65536 /* flow table size */
#define BATCH 16        /* packets decoded ahead, their flow entries prefetched */
#define SLOT 2048       /* frames up to this size are copied into the batch */

/* Per flow, in the flow table's user area. */
struct dirstate {
    struct trawl_proto_dir proto;
    uint64_t acc; /* stream offset accepted up to */
    uint64_t end; /* stream offset after the carried bytes */
    uint16_t ncarry;
    uint64_t last_pkt; /* packet that delivered the latest bytes */
    uint8_t carry[CARRY];
};

struct flowstate {
    struct dirstate dir[2];
    /* packet numbers per direction, for address hits */
    uint32_t npkts[2];
    uint64_t pkts[2][PKT_LIST];
};

struct trawl_netscan {
    const struct trawl_db *db;
    struct trawl_matcher *m;
    struct trawl_sinks *sinks;
    const char *path;
    const char *job;
    const char *db_id;
    struct trawl_netscan_stats stats;
    struct trawl_proto *proto;
    struct trawl_decoder *dec;
    struct trawl_flows *ft;
    struct trawl_flow_pkt fp;
    /* the batch: frames copied out of libpcap's buffer, decoded, their flow
     * hashed and the table bucket prefetched (see run_batch) */
    unsigned nb;
    struct trawl_decoded bd[BATCH];
    int64_t bts[BATCH];
    uint64_t bidx[BATCH], bhash[BATCH];
    uint8_t slots[BATCH][SLOT];
    size_t overlap;
    uint8_t *win; /* carry + chunk */
    size_t wincap;
    int failed;
    /* the packet being handled; its addresses are formatted into meta only
     * when it has a hit (formatting them for every packet cost ~10%) */
    struct trawl_net_meta meta;
    uint8_t src[16], dst[16];
    bool meta_text;
    const struct trawl_decoded *dp;
    uint8_t dir;
};

static void set_meta(struct trawl_netscan *ns, const uint8_t *src, uint16_t sport,
                     const uint8_t *dst, uint16_t dport, uint8_t proto, uint64_t flow, uint8_t dir)
{
    struct trawl_net_meta *mt = &ns->meta;
    memcpy(ns->src, src, 16);
    memcpy(ns->dst, dst, 16);
    ns->meta_text = false;
    mt->src_port = sport;
    mt->dest_port = dport;
    mt->proto = proto == 6 ? "TCP" : proto == 17 ? "UDP" : "IP";
    mt->flow_id = flow;
    mt->direction = dir == TRAWL_DIR_TO_SERVER ? "to_server" : "to_client";
}

/* Sends the matcher's hits with the current meta. base: the bytes the hit
 * offsets refer to (for the context), base_off their stream offset. */
static void emit(struct trawl_netscan *ns, const uint8_t *base, size_t len, uint64_t base_off)
{
    size_t n = trawl_matcher_nhits(ns->m);
    if (!n) return;
    struct trawl_hit *h = trawl_matcher_hits(ns->m);
    if (!ns->meta_text) {
        trawl_addr_str(ns->src, ns->meta.src_ip, sizeof(ns->meta.src_ip));
        trawl_addr_str(ns->dst, ns->meta.dest_ip, sizeof(ns->meta.dest_ip));
        ns->meta_text = true;
    }
    for (size_t i = 0; i < n; i++)
        ns->stats.by_type[ns->db->iocs[h[i].ioc].type]++;
    ns->stats.hits += n;
    struct trawl_hit_origin o = {.file = ns->path,
                                 .base = base,
                                 .len = len,
                                 .base_off = base_off,
                                 .timestamp = trawl_now_real(),
                                 .job = ns->job,
                                 .net = &ns->meta,
                                 .db_id = ns->db_id};
    trawl_hits_prepare(h, n, &o);
    if (trawl_sinks_emit(ns->sinks, ns->db, h, n, &o)) ns->failed = 1;
    trawl_matcher_clear(ns->m);
}

static void scan_span(struct trawl_netscan *ns, const uint8_t *base, size_t len, uint64_t base_off,
                      uint64_t lo, uint64_t hi)
{
    struct trawl_span sp = {.base = base, .len = len, .base_off = base_off, .lo = lo, .hi = hi};
    struct trawl_error err = {0};
    if (hi > lo && trawl_matcher_scan(ns->m, &sp, &err) == 0) emit(ns, base, len, base_off);
    trawl_matcher_clear(ns->m);
}

/* In-order bytes of one direction: window = carry + chunk. */
static void stream_bytes(struct trawl_netscan *ns, struct dirstate *d,
                         const struct trawl_flow_chunk *c, bool final)
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
    if (!need) /* nothing carried, nothing new (an empty final tail) */
        return;
    memcpy(ns->win, d->carry, d->ncarry);
    if (add) memcpy(ns->win + d->ncarry, c->data, add);
    uint64_t base_off = d->end - d->ncarry;
    d->end += add;
    uint64_t hi = final ? d->end : (d->end > ns->overlap ? d->end - ns->overlap : 0);
    if (hi < d->acc) hi = d->acc;
    scan_span(ns, ns->win, need, base_off, d->acc, hi);
    d->acc = hi;
    size_t keep = need < CARRY ? need : CARRY;
    memcpy(d->carry, ns->win + need - keep, keep);
    d->ncarry = (uint16_t)keep;
    ns->stats.bytes += add;
}

static void on_field(void *ud, const char *field, const char *value, size_t len)
{
    struct trawl_netscan *ns = ud;
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
            if (ns->db->iocs[h[i].ioc].type == TRAWL_T_URL) h[k++] = h[i];
        trawl_matcher_truncate(ns->m, k);
    }
    emit(ns, (const uint8_t *)value, len, 0);
    ns->meta.field = NULL;
}

/* A flow ends: the tail of each direction, then its address hits. */
static void on_end(void *ud, const struct trawl_flow_end *e)
{
    struct trawl_netscan *ns = ud;
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
                if (e->chunks[i].dir == dir) stream_bytes(ns, &f->dir[dir], &e->chunks[i], false);
            ns->meta.packet = f->dir[dir].last_pkt;
            stream_bytes(ns, &f->dir[dir], NULL, true);
            trawl_proto_dir_end(ns->proto, &f->dir[dir].proto);
        }
        if (!e->pkts[dir]) continue;
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

static void set_matcher(struct trawl_netscan *ns, const struct trawl_db *db,
                        struct trawl_matcher *m, const char *db_id)
{
    ns->db = db;
    ns->m = m;
    ns->db_id = db_id;
    ns->overlap = trawl_matcher_overlap(m);
    if (ns->overlap > CARRY - 2) ns->overlap = CARRY - 2;
}

int trawl_netscan_new(const struct trawl_db *db, struct trawl_matcher *m,
                      const struct trawl_netscan_opts *o, struct trawl_netscan **ret,
                      struct trawl_error *err)
{
    struct trawl_netscan *ns = calloc(1, sizeof(*ns));
    if (!ns) return trawl_error_set(err, TRAWL_ENOMEM, o->name, "out of memory");
    ns->sinks = o->sinks;
    ns->path = o->name;
    ns->job = o->job;
    set_matcher(ns, db, m, o->db_id);
    struct trawl_flows_cfg cfg = {
        .max_flows = MAX_FLOWS, .user_size = sizeof(struct flowstate), .on_end = on_end, .ud = ns};
    if (trawl_decode_new(NULL, &ns->dec) || trawl_proto_new(0, &ns->proto) ||
        trawl_flows_new(&cfg, &ns->ft)) {
        trawl_netscan_free(ns);
        return trawl_error_set(err, TRAWL_ENOMEM, o->name, "out of memory for the flow table");
    }
    *ret = ns;
    return 0;
}

void trawl_netscan_set_db(struct trawl_netscan *ns, const struct trawl_db *db,
                          struct trawl_matcher *m, const char *db_id)
{
    set_matcher(ns, db, m, db_id);
}

/* One decoded packet: flow, protocol fields, payload. */
static void flow_packet(struct trawl_netscan *ns, const struct trawl_decoded *dp, int64_t ts_ns,
                        uint64_t index)
{
    struct trawl_flow_pkt *fp = &ns->fp;
    if (trawl_flows_packet(ns->ft, dp, ts_ns, index, fp)) return;
    struct flowstate *f = fp->user;
    if (f->npkts[fp->dir] < PKT_LIST) f->pkts[fp->dir][f->npkts[fp->dir]++] = index;
    ns->meta.packet = index;
    ns->meta.pcap_ts = (double)ts_ns / 1e9;
    set_meta(ns, dp->src, dp->sport, dp->dst, dp->dport, dp->proto, fp->flow_id, fp->dir);
    for (unsigned i = 0; i < fp->nchunks; i++) {
        const struct trawl_flow_chunk *c = &fp->chunks[i];
        if (dp->proto == 6) {
            struct dirstate *ds = &f->dir[c->dir];
            if (c->dir != fp->dir) /* bytes of the other side released by an ACK */
                set_meta(ns, dp->dst, dp->dport, dp->src, dp->sport, dp->proto, fp->flow_id,
                         c->dir);
            ds->last_pkt = index;
            uint16_t dport = c->dir == fp->dir ? dp->dport : dp->sport;
            trawl_proto_tcp(ns->proto, &ds->proto, dport, c, on_field, ns);
            stream_bytes(ns, ds, c, false);
            if (c->dir != fp->dir)
                set_meta(ns, dp->src, dp->sport, dp->dst, dp->dport, dp->proto, fp->flow_id,
                         fp->dir);
        } else if (dp->proto == 17) {
            trawl_proto_udp(ns->proto, dp->sport, dp->dport, c->data, c->len, on_field, ns);
            scan_span(ns, c->data, c->len, 0, 0, c->len);
            ns->stats.bytes += c->len;
        }
    }
}

/* With tens of thousands of flows, the flow table's bucket and entry are
 * two cache misses per packet, most of the cost of a packet. Packets are
 * therefore decoded up to BATCH ahead (frames copied out of libpcap's
 * buffer, which the next read reuses), the bucket of each prefetched at
 * decode time and the entries before the batch runs in capture order. A
 * datagram rebuilt from fragments lives in the decoder until the next
 * decode, and a frame larger than SLOT is not copied: either ends the batch
 * at once. The results do not depend on the batching. */
static void run_batch(struct trawl_netscan *ns)
{
    for (unsigned k = 0; k < ns->nb; k++)
        trawl_flows_prefetch_flow(ns->ft, ns->bhash[k]);
    for (unsigned k = 0; k < ns->nb; k++)
        flow_packet(ns, &ns->bd[k], ns->bts[k], ns->bidx[k]);
    ns->nb = 0;
}

static void packet(struct trawl_netscan *ns, int link, const struct trawl_pkt *pkt)
{
    ns->stats.packets++;
    struct trawl_pkt cp = *pkt;
    bool copy = pkt->caplen <= SLOT;
    if (copy) {
        memcpy(ns->slots[ns->nb], pkt->data, pkt->caplen);
        cp.data = ns->slots[ns->nb];
    }
    struct trawl_decoded *q = &ns->bd[ns->nb];
    if (trawl_decode_packet(ns->dec, link, &cp, q) != TRAWL_DEC_OK) return;
    ns->bts[ns->nb] = pkt->ts_ns;
    ns->bidx[ns->nb] = pkt->index;
    ns->bhash[ns->nb] = trawl_decode_flow_hash(q);
    trawl_flows_prefetch_bucket(ns->ft, ns->bhash[ns->nb]);
    if (++ns->nb == BATCH || !copy || q->reassembled) run_batch(ns);
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every return passes here: the batch is run first, so that a reload or a
 * stop falls between two packets and no packet is left behind. */
static int ret(struct trawl_netscan *ns, int why)
{
    run_batch(ns);
    return why;
}

int trawl_netscan_run(struct trawl_netscan *ns, struct trawl_pcap *pc,
                      const struct trawl_netscan_loop *l, struct trawl_error *err)
{
    int link = trawl_pcap_linktype(pc);
    double deadline = l->tick > 0 ? mono() + l->tick : 0;
    struct trawl_pkt pkt;
    unsigned n = 0;
    for (;;) {
        if (ns->failed)
            return ret(ns,
                       trawl_error_set(err, TRAWL_EIO, ns->path, "hits could not be delivered"));
        if (l->stop && *l->stop) return ret(ns, TRAWL_NETSCAN_STOP);
        if (l->reload && *l->reload) return ret(ns, TRAWL_NETSCAN_RELOAD);
        int rc = trawl_pcap_next(pc, &pkt, err);
        if (rc == 1) {
            packet(ns, link, &pkt);
            /* the clock is read every 256 packets, or on each idle timeout */
            if (deadline > 0 && !(++n & 255) && mono() >= deadline)
                return ret(ns, TRAWL_NETSCAN_TICK);
            continue;
        }
        if (rc == 0) return ret(ns, TRAWL_NETSCAN_END);
        if (rc < 0) return ret(ns, err->code ? err->code : TRAWL_EFORMAT);
        /* rc == 2: a live capture was idle: its batch goes now, and flows idle
         * past their timeout end */
        run_batch(ns);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        trawl_flows_expire(ns->ft, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
        if (deadline > 0 && mono() >= deadline) return TRAWL_NETSCAN_TICK;
    }
}

void trawl_netscan_flush(struct trawl_netscan *ns)
{
    trawl_flows_flush(ns->ft); /* ends every flow: tails and address hits */
}

int trawl_netscan_failed(const struct trawl_netscan *ns)
{
    return ns->failed;
}

void trawl_netscan_get_stats(const struct trawl_netscan *ns, struct trawl_netscan_stats *st)
{
    *st = ns->stats;
    struct trawl_decode_stats dst;
    trawl_decode_get_stats(ns->dec, &dst);
    st->malformed = dst.frames - dst.by_status[TRAWL_DEC_OK] - dst.by_status[TRAWL_DEC_NOT_IP] -
                    dst.by_status[TRAWL_DEC_FRAG_HELD];
    struct trawl_flows_stats fs;
    trawl_flows_get_stats(ns->ft, &fs);
    st->flows = fs.flows;
    st->flows_active = fs.active;
}

void trawl_netscan_free(struct trawl_netscan *ns)
{
    if (!ns) return;
    trawl_flows_free(ns->ft);
    trawl_proto_free(ns->proto);
    trawl_decode_free(ns->dec);
    free(ns->win);
    free(ns);
}

int trawl_netscan(const struct trawl_db *db, struct trawl_matcher *m, const char *path,
                  const struct netscan_opts *opts, struct netscan_stats *st,
                  struct trawl_error *err)
{
    struct trawl_pcap *pc = NULL;
    int r = trawl_pcap_open(path, 0, &pc, err);
    if (r) return r;
    struct trawl_netscan *ns;
    struct trawl_netscan_opts o = {.sinks = opts->sinks, .name = path, .job = opts->job};
    r = trawl_netscan_new(db, m, &o, &ns, err);
    if (r) {
        trawl_pcap_close(pc);
        return r;
    }
    struct trawl_netscan_loop l = {.stop = opts->stop};
    r = trawl_netscan_run(ns, pc, &l, err);
    if (r > 0) r = 0;
    trawl_netscan_flush(ns);
    if (ns->failed && !r) r = trawl_error_set(err, TRAWL_EIO, path, "hits could not be delivered");
    struct trawl_netscan_stats s;
    trawl_netscan_get_stats(ns, &s);
    st->packets = s.packets;
    st->malformed = s.malformed;
    st->bytes = s.bytes;
    st->hits = s.hits;
    memcpy(st->by_type, s.by_type, sizeof(st->by_type));
    trawl_netscan_free(ns);
    trawl_pcap_close(pc);
    return r;
}
