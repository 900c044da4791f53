/* Network captures: runs a pcap/pcapng file (plain or gzip) or a live
 * interface through the capture layer's decoder, flow table and protocol
 * parsers, and matches:
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
 *
 * Workers (-j N). The per-flow work (flow table, streams, protocol fields,
 * matching) lives in a lane. With one worker the calling thread reads,
 * decodes and runs the only lane itself, with no thread and no copy beyond
 * the decode-ahead batch. With N workers the calling thread becomes the
 * reader: it reads and decodes every frame (IP fragments are rebuilt here,
 * so every datagram arrives whole and with its ports), hashes the flow's
 * 5-tuple symmetrically (trawl_flow_worker) and hands the packet to the
 * lane that owns the flow, on its own thread (netpool.c). Both directions
 * of a flow therefore meet on one lane, in capture order, and a lane sees
 * exactly the packets of its flows that the single lane would see. The
 * hits are the same for any N: flow_id is the number of the flow's first
 * packet (not a per-table counter), packet numbers and times come from the
 * reader. The flow-table, stream-buffer and head-buffer caps are divided
 * between the lanes, so the totals stay those of one worker; only flows
 * evicted under that memory pressure can tell N apart.
 *
 * The same object serves live capture (trawl live): the packet loop returns
 * to its caller when asked to stop, when a database reload is pending and
 * at a wall-clock tick, and the database and matchers can be swapped between
 * two packets (trawl_netscan_set_db). On a stop or a reload the reader first
 * waits until every lane has handled every packet read so far, so all lanes
 * switch at the same packet: the first one read after the reload. The flow
 * table, the carry windows and the protocol state hold only input bytes and
 * positions, none of them depends on the indicators, so they carry across a
 * swap: every byte is matched exactly once, by the database current when its
 * window is scanned. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_internal.h"
#include "netscan.h"

#define CARRY 512              /* bytes carried per direction (overlap capped here) */
#define PKT_LIST 64            /* packet numbers listed in an address hit */
#define MAX_FLOWS 65536        /* flow table entries, all lanes together */
#define STREAM_MEM (64u << 20) /* out-of-order stream buffers, all lanes together */
#define HEAD_BUFS 256          /* protocol head buffers (16 KiB), all lanes together */
#define MAX_LANES 64           /* workers of one capture at most */
#define BATCH 16               /* packets decoded ahead, their flow entries prefetched */
#define SLOT 2048              /* frames up to this size are copied into the batch */
#define EARLY 4                /* hits of a held tail reported early, per direction */
#define LOOKAHEAD 2            /* bytes after a hit that its boundary rules read */
#define PAUSE_NS 1000000000LL  /* live: a flow this long without packets has paused */

/* Per flow, in the flow table's user area. What every packet touches comes
 * first, in the two cache lines the flow table prefetches with the entry
 * (trawl_flows_cfg.user_hot); the carried bytes and packet lists follow. */
struct dirstate {
    struct trawl_proto_dir proto;
    uint16_t ncarry;
    uint8_t nearly;    /* entries of early[] (prompt mode) */
    bool settled;      /* the tail held now has been looked at (settle) */
    uint64_t acc;      /* stream offset accepted up to */
    uint64_t end;      /* stream offset after the carried bytes */
    uint64_t last_pkt; /* packet that delivered the latest bytes */
};

struct flowstate {
    uint64_t id; /* flow_id of the hits: the packet number of the flow's first packet */
    uint32_t npkts[2];
    struct dirstate dir[2];
    /* packet numbers per direction, for address hits */
    uint64_t pkts[2][PKT_LIST];
    uint8_t carry[2][CARRY];
    /* hits in the held tail reported early (settle), not to be sent again;
     * the indicator by early_key, so that a database reloaded since (other
     * indices, same indicator) does not send them again either */
    struct early {
        uint64_t offset;
        uint64_t key;
    } early[2][EARLY];
};
_Static_assert(offsetof(struct flowstate, pkts) <= 128, "hot flow state fits two lines");

#define NPUB (sizeof(struct netlane_stats) / sizeof(uint64_t))
_Static_assert(sizeof(struct netlane_stats) % sizeof(uint64_t) == 0, "netlane_stats: u64 only");

/* One worker's share of a capture: used by one thread at a time. */
struct netlane {
    const struct trawl_db *db;
    struct trawl_matcher *m;
    bool own_m; /* made for this lane, freed with it */
    struct trawl_sinks *sinks;
    const char *path;
    const char *job;
    const char *db_id;
    atomic_int *failed; /* the scanner's: hits could not be delivered */
    uint64_t bytes, hits, by_type[TRAWL_T_COUNT];
    struct trawl_proto *proto;
    struct trawl_flows *ft;
    struct trawl_flow_pkt fp;
    size_t overlap;
    bool prompt;        /* live: see trawl_netscan_opts.prompt */
    int64_t settled_to; /* flows paused before this time were settled */
    uint8_t *win;       /* carry + chunk */
    size_t wincap;
    /* the packet being handled; its addresses are formatted into meta only
     * when it has a hit (formatting them for every packet cost ~10%) */
    struct trawl_net_meta meta;
    uint8_t src[16], dst[16];
    bool meta_text;
    _Atomic uint64_t pub[NPUB]; /* counters for other threads (netlane_publish) */
};

struct trawl_netscan {
    const char *path;
    bool prompt;
    atomic_int failed;
    bool oom; /* a packet could not be handed to its lane */
    uint64_t packets;
    struct trawl_decoder *dec;
    unsigned nlanes;
    struct netlane **lanes;
    struct netpool *pool; /* NULL: lanes[0] runs on the calling thread */
    /* the calling thread's batch (one lane): frames copied out of libpcap's
     * buffer, decoded, their flow hashed and the table bucket prefetched
     * (see run_batch) */
    unsigned nb;
    struct trawl_decoded bd[BATCH];
    int64_t bts[BATCH];
    uint64_t bidx[BATCH], bhash[BATCH];
    uint8_t slots[BATCH][SLOT];
};

static void set_meta(struct netlane *ns, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                     uint16_t dport, uint8_t proto, uint64_t flow, uint8_t dir)
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
static void emit(struct netlane *ns, const uint8_t *base, size_t len, uint64_t base_off)
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
        ns->by_type[ns->db->iocs[h[i].ioc].type]++;
    ns->hits += n;
    struct trawl_hit_origin o = {.file = ns->path,
                                 .base = base,
                                 .len = len,
                                 .base_off = base_off,
                                 .timestamp = trawl_now_real(),
                                 .job = ns->job,
                                 .net = &ns->meta,
                                 .db_id = ns->db_id};
    trawl_hits_prepare(h, n, &o);
    if (trawl_sinks_emit(ns->sinks, ns->db, h, n, &o))
        atomic_store_explicit(ns->failed, 1, memory_order_relaxed);
    trawl_matcher_clear(ns->m);
}

static void scan_span(struct netlane *ns, const uint8_t *base, size_t len, uint64_t base_off,
                      uint64_t lo, uint64_t hi)
{
    struct trawl_span sp = {.base = base, .len = len, .base_off = base_off, .lo = lo, .hi = hi};
    struct trawl_error err = {0};
    if (hi > lo && trawl_matcher_scan(ns->m, &sp, &err) == 0) emit(ns, base, len, base_off);
    trawl_matcher_clear(ns->m);
}

/* The indicator of a hit as early[] records it: its type and value. */
static uint64_t early_key(const struct netlane *ns, uint32_t ioc)
{
    const struct trawl_db_ioc *r = &ns->db->iocs[ioc];
    return trawl_hash64(ns->db->strings + r->value_off, r->value_len, 0xea51u + r->type);
}

static bool early_has(const struct netlane *ns, const struct early *e, unsigned n,
                      const struct trawl_hit *h)
{
    uint64_t key = 0;
    for (unsigned i = 0; i < n; i++) {
        if (e[i].offset != h->offset) continue;
        if (!key) key = early_key(ns, h->ioc);
        if (e[i].key == key) return true;
    }
    return false;
}

/* scan_span for a direction with hits reported early: those are found
 * again here and dropped. Returns how many early hits lie at or after hi
 * (moved to the front of early): they stay recorded. */
static unsigned scan_stream_span(struct netlane *ns, struct dirstate *d, struct early *early,
                                 const uint8_t *base, size_t len, uint64_t base_off, uint64_t hi)
{
    struct trawl_span sp = {.base = base, .len = len, .base_off = base_off, .lo = d->acc, .hi = hi};
    struct trawl_error err = {0};
    if (hi > d->acc && trawl_matcher_scan(ns->m, &sp, &err) == 0) {
        size_t n = trawl_matcher_nhits(ns->m), k = 0;
        struct trawl_hit *h = trawl_matcher_hits(ns->m);
        for (size_t i = 0; i < n; i++)
            if (!early_has(ns, early, d->nearly, &h[i])) h[k++] = h[i];
        trawl_matcher_truncate(ns->m, k);
        emit(ns, base, len, base_off);
    }
    trawl_matcher_clear(ns->m);
    unsigned keep = 0;
    for (unsigned i = 0; i < d->nearly; i++)
        if (early[i].offset >= hi) early[keep++] = early[i];
    return keep;
}

/* In-order bytes of one direction: window = carry + chunk. early: the
 * direction's early hits (prompt mode). */
static void stream_bytes(struct netlane *ns, struct dirstate *d, uint8_t *carry,
                         struct early *early, const struct trawl_flow_chunk *c, bool final)
{
    if (c && (c->gap || c->offset != d->end)) { /* lost bytes: start over after the gap */
        d->ncarry = 0;
        d->nearly = 0;
        d->acc = d->end = c->offset;
    }
    size_t add = c ? c->len : 0;
    size_t need = d->ncarry + add;
    if (need > ns->wincap) {
        uint8_t *w = realloc(ns->win, need);
        if (!w) {
            atomic_store_explicit(ns->failed, 1, memory_order_relaxed);
            return;
        }
        ns->win = w;
        ns->wincap = need;
    }
    if (!need) /* nothing carried, nothing new (an empty final tail) */
        return;
    memcpy(ns->win, carry, d->ncarry);
    if (add) memcpy(ns->win + d->ncarry, c->data, add);
    uint64_t base_off = d->end - d->ncarry;
    d->end += add;
    uint64_t hi = final ? d->end : (d->end > ns->overlap ? d->end - ns->overlap : 0);
    if (hi < d->acc) hi = d->acc;
    unsigned still = 0; /* early hits not reached yet */
    if (d->nearly)
        still = scan_stream_span(ns, d, early, ns->win, need, base_off, hi);
    else
        scan_span(ns, ns->win, need, base_off, d->acc, hi);
    d->nearly = (uint8_t)still;
    d->acc = hi;
    d->settled = false;
    size_t keep = need < CARRY ? need : CARRY;
    memcpy(carry, ns->win + need - keep, keep);
    d->ncarry = (uint16_t)keep;
    ns->bytes += add;
}

static void on_field(void *ud, const char *field, const char *value, size_t len)
{
    struct netlane *ns = ud;
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

/* The address hits of one direction (meta set by the caller). */
static void addr_hits(struct netlane *ns, const uint8_t *src, const uint8_t *dst)
{
    for (int side = 0; side < 2; side++) {
        ns->meta.field = side ? "ip.dst" : "ip.src";
        trawl_matcher_match_addr(ns->m, side ? dst : src, 0);
        emit(ns, NULL, 0, 0);
    }
    ns->meta.field = NULL;
}

/* set_meta for one direction of a flow known by its table record. */
static void set_meta_dir(struct netlane *ns, const struct trawl_flow_end *e, uint64_t id, int dir)
{
    bool lo_sends = (dir == TRAWL_DIR_TO_SERVER) == (bool)e->client_is_lo;
    set_meta(ns, lo_sends ? e->key.lo : e->key.hi, lo_sends ? e->key.plo : e->key.phi,
             lo_sends ? e->key.hi : e->key.lo, lo_sends ? e->key.phi : e->key.plo, e->key.proto, id,
             (uint8_t)dir);
}

/* A flow ends: the tail of each direction, then its address hits. */
static void on_end(void *ud, const struct trawl_flow_end *e)
{
    struct netlane *ns = ud;
    struct flowstate *f = e->user;
    for (int dir = 0; dir < 2; dir++) {
        set_meta_dir(ns, e, f->id, dir);
        ns->meta.pcap_ts = (double)e->last_ts / 1e9;
        if (e->key.proto == 6) {
            for (unsigned i = 0; i < e->nchunks; i++)
                if (e->chunks[i].dir == dir)
                    stream_bytes(ns, &f->dir[dir], f->carry[dir], f->early[dir], &e->chunks[i],
                                 false);
            ns->meta.packet = f->dir[dir].last_pkt;
            stream_bytes(ns, &f->dir[dir], f->carry[dir], f->early[dir], NULL, true);
            trawl_proto_dir_end(ns->proto, &f->dir[dir].proto);
        }
        if (!e->pkts[dir] || ns->prompt) continue; /* prompt: sent at first sight */
        /* addresses: once per flow and direction */
        ns->meta.packet = e->first_pkt[dir];
        ns->meta.pcap_ts = (double)e->first_ts / 1e9;
        ns->meta.npackets = e->pkts[dir];
        ns->meta.packet_list = f->pkts[dir];
        ns->meta.npacket_list = f->npkts[dir];
        bool lo_sends = (dir == TRAWL_DIR_TO_SERVER) == (bool)e->client_is_lo;
        addr_hits(ns, lo_sends ? e->key.lo : e->key.hi, lo_sends ? e->key.hi : e->key.lo);
        ns->meta.npackets = 0;
        ns->meta.packet_list = NULL;
        ns->meta.npacket_list = 0;
    }
}

/* Live capture (prompt mode), for a flow without packets since before the
 * last tick: the bytes each TCP direction holds back in its carry (the
 * last `overlap` bytes, kept in case an indicator goes on in the next
 * segment) are scanned as they are. A hit is sent now when the bytes its
 * boundary rules read after it are all there; it is recorded, and dropped
 * when the carry is scanned again with more bytes or at the flow's end.
 * Hits that touch the end of the held bytes still wait. */
static void settle(void *ud, const struct trawl_flow_end *v)
{
    struct netlane *ns = ud;
    struct flowstate *f = v->user;
    if (v->key.proto != 6) return;
    for (int dir = 0; dir < 2; dir++) {
        struct dirstate *d = &f->dir[dir];
        if (d->settled || d->acc >= d->end || !d->ncarry) continue;
        d->settled = true;
        set_meta_dir(ns, v, f->id, dir);
        ns->meta.packet = d->last_pkt;
        ns->meta.pcap_ts = (double)v->last_ts / 1e9;
        uint64_t base_off = d->end - d->ncarry;
        struct trawl_span sp = {.base = f->carry[dir],
                                .len = d->ncarry,
                                .base_off = base_off,
                                .lo = d->acc,
                                .hi = d->end};
        struct trawl_error err = {0};
        if (trawl_matcher_scan(ns->m, &sp, &err) == 0) {
            size_t n = trawl_matcher_nhits(ns->m), k = 0;
            struct trawl_hit *h = trawl_matcher_hits(ns->m);
            for (size_t i = 0; i < n; i++) {
                if (h[i].offset + h[i].len + LOOKAHEAD > d->end) continue;    /* undecided */
                if (early_has(ns, f->early[dir], d->nearly, &h[i])) continue; /* sent before */
                if (d->nearly == EARLY) continue; /* no room to record it: it waits */
                f->early[dir][d->nearly++] = (struct early){h[i].offset, early_key(ns, h[i].ioc)};
                h[k++] = h[i];
            }
            trawl_matcher_truncate(ns->m, k);
            emit(ns, f->carry[dir], d->ncarry, base_off);
        }
        trawl_matcher_clear(ns->m);
    }
}

static void set_matcher(struct netlane *ns, const struct trawl_db *db, struct trawl_matcher *m,
                        const char *db_id)
{
    ns->db = db;
    ns->m = m;
    ns->db_id = db_id;
    ns->overlap = trawl_matcher_overlap(m);
    if (ns->overlap > CARRY - 2) ns->overlap = CARRY - 2;
}

static void lane_free(struct netlane *l)
{
    if (!l) return;
    trawl_flows_free(l->ft);
    trawl_proto_free(l->proto);
    if (l->own_m) trawl_matcher_free(l->m);
    free(l->win);
    free(l);
}

/* A lane with 1/n of the caps. m is owned by the lane when own_m. */
static int lane_new(struct trawl_netscan *ns, const struct trawl_db *db, struct trawl_matcher *m,
                    bool own_m, const struct trawl_netscan_opts *o, unsigned n,
                    struct netlane **ret)
{
    struct netlane *l = calloc(1, sizeof(*l));
    if (!l) return TRAWL_ENOMEM;
    l->m = m;
    l->own_m = own_m;
    l->sinks = o->sinks;
    l->path = o->name;
    l->job = o->job;
    l->failed = &ns->failed;
    l->prompt = o->prompt;
    l->settled_to = INT64_MIN;
    set_matcher(l, db, m, o->db_id);
    uint32_t flows = o->max_flows ? o->max_flows : MAX_FLOWS;
    uint64_t mem = o->stream_mem ? o->stream_mem : STREAM_MEM;
    unsigned heads = HEAD_BUFS / n;
    struct trawl_flows_cfg cfg = {.max_flows = flows / n ? flows / n : 1,
                                  .mem_cap = mem / n ? mem / n : 1,
                                  .user_size = sizeof(struct flowstate),
                                  .user_hot = offsetof(struct flowstate, pkts),
                                  .on_end = on_end,
                                  .ud = l};
    if (trawl_proto_new(heads ? heads : 1, &l->proto) || trawl_flows_new(&cfg, &l->ft)) {
        lane_free(l);
        return TRAWL_ENOMEM;
    }
    *ret = l;
    return 0;
}

/* One decoded packet: flow, protocol fields, payload. */
void netlane_packet(struct netlane *ns, const struct trawl_decoded *dp, uint64_t hash,
                    int64_t ts_ns, uint64_t index)
{
    struct trawl_flow_pkt *fp = &ns->fp;
    if (trawl_flows_packet_hashed(ns->ft, dp, hash, ts_ns, index, fp)) return;
    struct flowstate *f = fp->user;
    if (fp->new_flow) f->id = index;
    if (f->npkts[fp->dir] < PKT_LIST) f->pkts[fp->dir][f->npkts[fp->dir]++] = index;
    ns->meta.packet = index;
    ns->meta.pcap_ts = (double)ts_ns / 1e9;
    set_meta(ns, dp->src, dp->sport, dp->dst, dp->dport, dp->proto, f->id, fp->dir);
    if (ns->prompt && fp->new_dir) addr_hits(ns, dp->src, dp->dst);
    for (unsigned i = 0; i < fp->nchunks; i++) {
        const struct trawl_flow_chunk *c = &fp->chunks[i];
        if (dp->proto == 6) {
            struct dirstate *ds = &f->dir[c->dir];
            if (c->dir != fp->dir) /* bytes of the other side released by an ACK */
                set_meta(ns, dp->dst, dp->dport, dp->src, dp->sport, dp->proto, f->id, c->dir);
            ds->last_pkt = index;
            uint16_t dport = c->dir == fp->dir ? dp->dport : dp->sport;
            trawl_proto_tcp(ns->proto, &ds->proto, dport, c, on_field, ns);
            stream_bytes(ns, ds, f->carry[c->dir], f->early[c->dir], c, false);
            if (c->dir != fp->dir)
                set_meta(ns, dp->src, dp->sport, dp->dst, dp->dport, dp->proto, f->id, fp->dir);
        } else if (dp->proto == 17) {
            trawl_proto_udp(ns->proto, dp->sport, dp->dport, c->data, c->len, on_field, ns);
            scan_span(ns, c->data, c->len, 0, 0, c->len);
            ns->bytes += c->len;
        }
    }
}

void netlane_prefetch_bucket(struct netlane *l, uint64_t h)
{
    trawl_flows_prefetch_bucket(l->ft, h);
}

void netlane_prefetch_flow(struct netlane *l, uint64_t h)
{
    trawl_flows_prefetch_flow(l->ft, h);
}

void netlane_expire(struct netlane *l, int64_t now_ns)
{
    trawl_flows_expire(l->ft, now_ns);
    if (!l->prompt) return;
    int64_t before = now_ns - PAUSE_NS;
    if (before <= l->settled_to) return;
    trawl_flows_each_idle(l->ft, l->settled_to, before, settle, l);
    l->settled_to = before;
}

void netlane_flush(struct netlane *l)
{
    trawl_flows_flush(l->ft); /* ends every flow: tails and address hits */
}

static void lane_stats(const struct netlane *l, struct netlane_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->bytes = l->bytes;
    st->hits = l->hits;
    memcpy(st->by_type, l->by_type, sizeof(st->by_type));
    struct trawl_flows_stats fs;
    trawl_flows_get_stats(l->ft, &fs);
    st->flows = fs.flows;
    st->flows_active = fs.active;
    st->flows_timeout = fs.ended_timeout;
    st->flows_evicted = fs.evicted_full + fs.evicted_mem;
}

void netlane_publish(struct netlane *l)
{
    struct netlane_stats st;
    uint64_t v[NPUB];
    lane_stats(l, &st);
    memcpy(v, &st, sizeof(v));
    for (size_t i = 0; i < NPUB; i++)
        atomic_store_explicit(&l->pub[i], v[i], memory_order_relaxed);
}

void netlane_snapshot(const struct netlane *l, struct netlane_stats *st)
{
    uint64_t v[NPUB];
    for (size_t i = 0; i < NPUB; i++)
        v[i] = atomic_load_explicit(&l->pub[i], memory_order_relaxed);
    memcpy(st, v, sizeof(v));
}

/* ---- the scanner ---------------------------------------------------------- */

int trawl_netscan_new(const struct trawl_db *db, struct trawl_matcher *m,
                      const struct trawl_netscan_opts *o, struct trawl_netscan **ret,
                      struct trawl_error *err)
{
    struct trawl_netscan *ns = calloc(1, sizeof(*ns));
    if (!ns) return trawl_error_set(err, TRAWL_ENOMEM, o->name, "out of memory");
    ns->path = o->name;
    ns->prompt = o->prompt;
    unsigned n = o->threads > MAX_LANES ? MAX_LANES : o->threads ? o->threads : 1;
    ns->lanes = calloc(n, sizeof(*ns->lanes));
    int r = ns->lanes && trawl_decode_new(NULL, &ns->dec) == 0 ? 0 : TRAWL_ENOMEM;
    for (unsigned i = 0; !r && i < n; i++) {
        struct trawl_matcher *lm = m;
        if (i && (r = trawl_matcher_new(db, &lm, err))) break;
        r = lane_new(ns, db, lm, i > 0, o, n, &ns->lanes[i]);
        if (r && i) trawl_matcher_free(lm);
        if (!r) ns->nlanes++;
    }
    if (!r && n > 1) {
        for (unsigned i = 0; i < n; i++)
            netlane_publish(ns->lanes[i]);
        r = netpool_new(ns->lanes, n, &ns->pool);
        if (r == TRAWL_EIO) {
            trawl_netscan_free(ns);
            return trawl_error_set(err, r, o->name, "cannot start the capture's worker threads");
        }
    }
    if (r) {
        trawl_netscan_free(ns);
        if (r != TRAWL_ENOMEM && err && err->code) return r; /* a matcher's error */
        return trawl_error_set(err, TRAWL_ENOMEM, o->name, "out of memory for the flow tables");
    }
    *ret = ns;
    return 0;
}

int trawl_netscan_set_db(struct trawl_netscan *ns, const struct trawl_db *db,
                         struct trawl_matcher *m, const char *db_id, struct trawl_error *err)
{
    if (ns->pool) netpool_drain(ns->pool); /* every lane switches at the same packet */
    struct trawl_matcher *ms[MAX_LANES];
    ms[0] = m;
    for (unsigned i = 1; i < ns->nlanes; i++) {
        int r = trawl_matcher_new(db, &ms[i], err);
        if (r) {
            while (--i > 0)
                trawl_matcher_free(ms[i]);
            return r;
        }
    }
    for (unsigned i = 0; i < ns->nlanes; i++) {
        struct netlane *l = ns->lanes[i];
        if (l->own_m) trawl_matcher_free(l->m);
        l->own_m = i > 0;
        set_matcher(l, db, ms[i], db_id);
    }
    return 0;
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
    struct netlane *l = ns->lanes[0];
    for (unsigned k = 0; k < ns->nb; k++)
        trawl_flows_prefetch_flow(l->ft, ns->bhash[k]);
    for (unsigned k = 0; k < ns->nb; k++)
        netlane_packet(l, &ns->bd[k], ns->bhash[k], ns->bts[k], ns->bidx[k]);
    ns->nb = 0;
}

/* One worker: the frame is decoded ahead into the batch. */
static void packet(struct trawl_netscan *ns, int link, const struct trawl_pkt *pkt)
{
    ns->packets++;
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
    trawl_flows_prefetch_bucket(ns->lanes[0]->ft, ns->bhash[ns->nb]);
    if (++ns->nb == BATCH || !copy || q->reassembled) run_batch(ns);
}

/* N workers: the frame is decoded here (fragments rebuilt) and the packet
 * handed to the lane of its flow, which copies it. */
static void dispatch(struct trawl_netscan *ns, int link, const struct trawl_pkt *pkt)
{
    ns->packets++;
    struct trawl_decoded d;
    if (trawl_decode_packet(ns->dec, link, pkt, &d) != TRAWL_DEC_OK) return;
    uint64_t h = trawl_decode_flow_hash(&d);
    if (netpool_push(ns->pool, trawl_flow_worker(h, ns->nlanes), &d, pkt->ts_ns, pkt->index, h))
        ns->oom = true;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every return passes here: the packets read so far are handled first
 * (the batch run, or every lane drained), so that a reload or a stop falls
 * between two packets and no packet is left behind. */
static int ret(struct trawl_netscan *ns, int why)
{
    if (ns->pool)
        netpool_drain(ns->pool);
    else
        run_batch(ns);
    return why;
}

static int64_t wall_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* A tick returns without waiting for the lanes: only what they hold goes.
 * In prompt mode the lanes also end idle flows and settle paused ones. */
static int tick(struct trawl_netscan *ns)
{
    if (ns->pool) {
        netpool_kick(ns->pool);
        if (ns->prompt) netpool_expire(ns->pool, wall_ns());
    } else {
        run_batch(ns);
        if (ns->prompt) netlane_expire(ns->lanes[0], wall_ns());
    }
    return TRAWL_NETSCAN_TICK;
}

int trawl_netscan_run(struct trawl_netscan *ns, struct trawl_pcap *pc,
                      const struct trawl_netscan_loop *l, struct trawl_error *err)
{
    int link = trawl_pcap_linktype(pc);
    double deadline = l->tick > 0 ? mono() + l->tick : 0;
    struct trawl_pkt pkt;
    unsigned n = 0;
    for (;;) {
        if (atomic_load_explicit(&ns->failed, memory_order_relaxed))
            return ret(ns,
                       trawl_error_set(err, TRAWL_EIO, ns->path, "hits could not be delivered"));
        if (ns->oom)
            return ret(ns, trawl_error_set(err, TRAWL_ENOMEM, ns->path,
                                           "out of memory for the packet batches"));
        if (l->stop && *l->stop) return ret(ns, TRAWL_NETSCAN_STOP);
        if (l->reload && *l->reload) return ret(ns, TRAWL_NETSCAN_RELOAD);
        int rc = trawl_pcap_next(pc, &pkt, err);
        if (rc == 1) {
            if (ns->pool)
                dispatch(ns, link, &pkt);
            else
                packet(ns, link, &pkt);
            /* the clock is read every 256 packets, or on each idle timeout */
            if (deadline > 0 && !(++n & 255) && mono() >= deadline) return tick(ns);
            continue;
        }
        if (rc == 0) return ret(ns, TRAWL_NETSCAN_END);
        if (rc < 0) return ret(ns, err->code ? err->code : TRAWL_EFORMAT);
        /* rc == 2: a live capture was idle: what was read goes now, and flows
         * idle past their timeout end */
        int64_t now_ns = wall_ns();
        if (ns->pool) {
            netpool_kick(ns->pool);
            netpool_expire(ns->pool, now_ns);
        } else {
            run_batch(ns);
            netlane_expire(ns->lanes[0], now_ns);
        }
        if (deadline > 0 && mono() >= deadline) return TRAWL_NETSCAN_TICK;
    }
}

void trawl_netscan_flush(struct trawl_netscan *ns)
{
    if (ns->pool) {
        netpool_flush(ns->pool); /* the lanes end their flows in parallel */
    } else {
        run_batch(ns);
        netlane_flush(ns->lanes[0]);
    }
}

int trawl_netscan_failed(const struct trawl_netscan *ns)
{
    return atomic_load(&ns->failed) || ns->oom;
}

void trawl_netscan_get_stats(const struct trawl_netscan *ns, struct trawl_netscan_stats *st)
{
    memset(st, 0, sizeof(*st));
    st->packets = ns->packets;
    struct trawl_decode_stats dst;
    trawl_decode_get_stats(ns->dec, &dst);
    st->malformed = dst.frames - dst.by_status[TRAWL_DEC_OK] - dst.by_status[TRAWL_DEC_NOT_IP] -
                    dst.by_status[TRAWL_DEC_FRAG_HELD];
    st->workers = ns->nlanes;
    for (unsigned i = 0; i < ns->nlanes; i++) {
        struct netlane_stats ls;
        if (ns->pool)
            netlane_snapshot(ns->lanes[i], &ls); /* the lanes run on */
        else
            lane_stats(ns->lanes[i], &ls);
        st->bytes += ls.bytes;
        st->hits += ls.hits;
        for (int t = 0; t < TRAWL_T_COUNT; t++)
            st->by_type[t] += ls.by_type[t];
        st->flows += ls.flows;
        st->flows_active += ls.flows_active;
        st->flows_timeout += ls.flows_timeout;
        st->flows_evicted += ls.flows_evicted;
    }
}

void trawl_netscan_free(struct trawl_netscan *ns)
{
    if (!ns) return;
    netpool_free(ns->pool); /* the threads stop before their lanes go */
    for (unsigned i = 0; ns->lanes && i < ns->nlanes; i++)
        lane_free(ns->lanes[i]);
    free(ns->lanes);
    trawl_decode_free(ns->dec);
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
    struct trawl_netscan_opts o = {.sinks = opts->sinks,
                                   .name = path,
                                   .job = opts->job,
                                   .threads = opts->threads,
                                   .max_flows = opts->max_flows,
                                   .stream_mem = opts->stream_mem};
    r = trawl_netscan_new(db, m, &o, &ns, err);
    if (r) {
        trawl_pcap_close(pc);
        return r;
    }
    struct trawl_netscan_loop l = {.stop = opts->stop};
    r = trawl_netscan_run(ns, pc, &l, err);
    if (r > 0) r = 0;
    trawl_netscan_flush(ns);
    if (trawl_netscan_failed(ns) && !r)
        r = trawl_error_set(err, TRAWL_EIO, path, "hits could not be delivered");
    struct trawl_netscan_stats s;
    trawl_netscan_get_stats(ns, &s);
    st->packets = s.packets;
    st->malformed = s.malformed;
    st->bytes = s.bytes;
    st->hits = s.hits;
    memcpy(st->by_type, s.by_type, sizeof(st->by_type));
    st->flows = s.flows;
    st->flows_timeout = s.flows_timeout;
    st->flows_evicted = s.flows_evicted;
    trawl_netscan_free(ns);
    trawl_pcap_close(pc);
    return r;
}
