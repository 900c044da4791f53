/* Flow table of one worker: per-flow state in a preallocated array, found
 * through a chained hash on the canonical 5-tuple; idle timeouts by packet
 * time and eviction without a per-packet LRU list; TCP streams restored per
 * direction; out-of-order buffers from a fixed pool.
 *
 * Timeouts and eviction. An exact LRU list costs three extra cache misses
 * per packet (both neighbours and the old head) and halved the packet rate
 * with 20k flows; instead a cursor sweeps the table, SWEEP_PER_PKT entries
 * per packet, ending flows idle past their timeout, and a full table evicts
 * the least recently seen of EVICT_SAMPLE flows from the cursor on (sampled
 * LRU, as Redis does). Each packet touches only its own bucket and flow.
 *
 * TCP reassembly. Each direction keeps next_seq/next_off: the sequence
 * number and stream offset of the next byte to hand out. A segment that
 * starts there (the common case) is handed out in place, without copying.
 * Bytes before next_seq were handed out already: the first copy wins and
 * the repeat is only counted (retransmissions, overlaps). A segment that
 * starts later goes into the direction's out-of-order window: a ring of
 * `window` bytes covering stream offsets [next_off, next_off + window),
 * with up to MAX_IV sorted, disjoint byte intervals saying what is present.
 * Overlaps inside the window keep the bytes that came first, too. When
 * the missing segment arrives, it is written into the ring where bytes are
 * absent and the now contiguous prefix is handed out from the ring.
 *
 * Losses: a capture misses segments, so a hole may never fill. It is given
 * up (the stream jumps over it, and the next chunk has gap set) when (a) the
 * other direction acknowledges bytes beyond the hole, (b) a segment lands
 * beyond the window, (c) the pool has no window, (d) RST, or (e) the flow
 * ends (the rest goes to on_end). Chunks handed out from a ring stay valid
 * until the next call: in one call all writes to a ring precede its reads.
 *
 * Memory: max_flows entries and mem_cap / window rings, taken at creation.
 * An empty ring pool evicts the least recently seen owner among
 * RECLAIM_SAMPLE rings, else the hole is given up at once. Entries are
 * handed out lowest index first and reused most recently freed first, so
 * the entries in use all lie below a high-water mark (`hwm`): the sweep,
 * eviction and flush never look above it. Besides saving work, this keeps
 * untouched entries untouched: reading one would map the shared zero page,
 * and the first write after that is a second fault that, in a process with
 * several threads, flushes the TLB of every CPU running them (this cost a
 * quarter of a worker's time with -j2 before). */
#include <stdlib.h>
#include <string.h>

#include "trawl_capture.h"

#define NIL UINT32_MAX
#define MAX_IV 8         /* disjoint out-of-order intervals per direction */
#define RECLAIM_SAMPLE 8 /* ring owners compared when the pool is empty */
#define SWEEP_PER_PKT 2  /* entries checked for a timeout per packet */
#define EVICT_SAMPLE 8   /* flows compared when the table is full */
#define NS 1000000000ll

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

struct win {
    uint32_t owner; /* flow index */
    uint32_t niv;
    uint64_t s[MAX_IV], e[MAX_IV]; /* stream offsets, sorted, disjoint, not touching */
};

struct tdir {
    uint32_t next_seq;
    uint32_t win; /* ring index + 1, 0 = none */
    uint64_t next_off;
    uint64_t last_end; /* end of the last chunk handed out (gap detection) */
    bool init, syn, fin;
};

/* Fields used by every packet first; first sightings last. */
struct flow {
    struct trawl_flow_key key;
    uint64_t hash;
    uint32_t hnext;
    bool used, client_is_lo, closed;
    int64_t last_ts;
    uint64_t id;
    uint64_t pkts[2], bytes[2];
    struct tdir t[2]; /* per TRAWL_DIR_* */
    int64_t first_ts;
    uint64_t first_pkt[2];
};

/* Where chunks go: a packet's event or a flow's end record. */
struct sink {
    struct trawl_flow_chunk *c;
    unsigned *n;
};

struct trawl_flows {
    struct trawl_flows_cfg cfg;
    size_t stride;
    size_t user_off; /* offset of the user area in an entry */
    uint8_t *mem;    /* max_flows entries of stride bytes: struct flow, then the user area */
    uint32_t *free_list, nfree;
    uint32_t *buckets, mask;
    uint32_t cursor; /* the sweep's position, below hwm */
    /* per entry: when the flow times out (last_ts + its timeout), INT64_MAX
     * when unused. The sweep reads this dense array, not the entries: an
     * entry is a few KB, and touching one per packet cost a cache miss. */
    int64_t *idle_at;
    uint32_t hwm; /* entries [0, hwm) have been used; the others never were */
    uint64_t next_id;
    /* rings */
    uint32_t wsize, nwin;
    uint8_t *wdata;
    struct win *wins;
    uint32_t *wfree, nwfree;
    uint32_t reclaim; /* next ring whose owner is looked at */
    struct trawl_flows_stats st;
    uint64_t chunk_overflow;
    struct trawl_flow_end end; /* scratch for on_end */
};

static inline struct flow *F(struct trawl_flows *ft, uint32_t i)
{
    return (struct flow *)(ft->mem + (size_t)i * ft->stride);
}

static inline uint32_t idx(struct trawl_flows *ft, const struct flow *f)
{
    return (uint32_t)(((const uint8_t *)f - ft->mem) / ft->stride);
}

static inline void *user_area(struct flow *f)
{
    return (uint8_t *)f + ((sizeof(struct flow) + 15) & ~(size_t)15);
}

int trawl_flows_new(const struct trawl_flows_cfg *cfg, struct trawl_flows **ret)
{
    if (!ret) return TRAWL_EINVAL;
    struct trawl_flows_cfg c = {0};
    if (cfg) c = *cfg;
    if (!c.max_flows) c.max_flows = 65536;
    if (!c.tcp_timeout_s) c.tcp_timeout_s = 600;
    if (!c.udp_timeout_s) c.udp_timeout_s = 120;
    if (!c.closed_timeout_s) c.closed_timeout_s = 10;
    if (!c.window) c.window = 65536;
    if (!c.mem_cap) c.mem_cap = 64ull << 20;
    if ((c.window & (c.window - 1)) || c.window < 64 || c.max_flows >= NIL / 2) return TRAWL_EINVAL;

    struct trawl_flows *ft = calloc(1, sizeof(*ft));
    if (!ft) return TRAWL_ENOMEM;
    if (c.user_hot > c.user_size) c.user_hot = c.user_size;
    ft->cfg = c;
    ft->user_off = (sizeof(struct flow) + 15) & ~(size_t)15;
    ft->stride = ft->user_off + ((c.user_size + 15) & ~(size_t)15);
    uint32_t nb = 1;
    while (nb < c.max_flows)
        nb <<= 1;
    ft->mask = nb - 1;
    ft->wsize = c.window;
    uint64_t nw = c.mem_cap / c.window;
    ft->nwin = nw > c.max_flows * 2ull ? c.max_flows * 2 : (uint32_t)(nw ? nw : 1);
    ft->mem = calloc(c.max_flows, ft->stride); /* used = false everywhere */
    ft->free_list = malloc(sizeof(uint32_t) * c.max_flows);
    ft->buckets = malloc(sizeof(uint32_t) * nb);
    ft->wdata = malloc((size_t)ft->nwin * ft->wsize);
    ft->wins = malloc(sizeof(struct win) * ft->nwin);
    ft->wfree = malloc(sizeof(uint32_t) * ft->nwin);
    ft->idle_at = malloc(sizeof(int64_t) * c.max_flows);
    if (!ft->mem || !ft->free_list || !ft->buckets || !ft->wdata || !ft->wins || !ft->wfree ||
        !ft->idle_at) {
        trawl_flows_free(ft);
        return TRAWL_ENOMEM;
    }
    for (uint32_t i = 0; i < c.max_flows; i++) {
        ft->free_list[i] = c.max_flows - 1 - i;
        ft->idle_at[i] = INT64_MAX;
    }
    ft->nfree = c.max_flows;
    memset(ft->buckets, 0xff, sizeof(uint32_t) * nb);
    for (uint32_t i = 0; i < ft->nwin; i++)
        ft->wfree[i] = ft->nwin - 1 - i;
    ft->nwfree = ft->nwin;
    ft->next_id = 1;
    *ret = ft;
    return 0;
}

void trawl_flows_free(struct trawl_flows *ft)
{
    if (!ft) return;
    free(ft->mem);
    free(ft->free_list);
    free(ft->buckets);
    free(ft->wdata);
    free(ft->wins);
    free(ft->wfree);
    free(ft->idle_at);
    free(ft);
}

void trawl_flows_get_stats(const struct trawl_flows *ft, struct trawl_flows_stats *st)
{
    *st = ft->st;
}

/* ---- hash ------------------------------------------------------------------ */

static void hash_unlink(struct trawl_flows *ft, struct flow *f)
{
    uint32_t i = idx(ft, f);
    uint32_t *pp = &ft->buckets[f->hash & ft->mask];
    while (*pp != NIL) {
        if (*pp == i) {
            *pp = f->hnext;
            return;
        }
        pp = &F(ft, *pp)->hnext;
    }
}

/* ---- chunks and rings ----------------------------------------------------- */

static inline struct win *win_of(struct trawl_flows *ft, const struct tdir *t)
{
    return t->win ? &ft->wins[t->win - 1] : NULL;
}

static inline uint8_t *ring_of(struct trawl_flows *ft, const struct tdir *t)
{
    return ft->wdata + (size_t)(t->win - 1) * ft->wsize;
}

static void emit(struct trawl_flows *ft, struct sink *k, struct tdir *t, uint8_t dir,
                 const uint8_t *data, uint32_t len, uint64_t off)
{
    if (len == 0) return;
    if (*k->n == TRAWL_FLOW_MAX_CHUNKS) {
        ft->chunk_overflow++; /* bounded by construction; never expected */
        return;
    }
    struct trawl_flow_chunk *c = &k->c[(*k->n)++];
    c->data = data;
    c->len = len;
    c->dir = dir;
    c->offset = off;
    c->gap = off != t->last_end;
    t->last_end = off + len;
}

static void ring_emit(struct trawl_flows *ft, struct sink *k, struct tdir *t, uint8_t dir,
                      uint64_t off, uint64_t len)
{
    uint8_t *ring = ring_of(ft, t);
    uint32_t pos = (uint32_t)(off & (ft->wsize - 1));
    uint64_t first = ft->wsize - pos < len ? ft->wsize - pos : len;
    emit(ft, k, t, dir, ring + pos, (uint32_t)first, off);
    if (len > first) emit(ft, k, t, dir, ring, (uint32_t)(len - first), off + first);
}

static void ring_copy(struct trawl_flows *ft, struct tdir *t, uint64_t off, const uint8_t *src,
                      uint64_t len)
{
    uint8_t *ring = ring_of(ft, t);
    uint32_t pos = (uint32_t)(off & (ft->wsize - 1));
    uint64_t first = ft->wsize - pos < len ? ft->wsize - pos : len;
    memcpy(ring + pos, src, first);
    if (len > first) memcpy(ring, src + first, len - first);
}

static void advance(struct tdir *t, uint64_t to)
{
    t->next_seq += (uint32_t)(to - t->next_off);
    t->next_off = to;
}

static void win_release(struct trawl_flows *ft, struct tdir *t)
{
    if (!t->win) return;
    ft->wfree[ft->nwfree++] = t->win - 1;
    t->win = 0;
}

/* Hands out the first interval when it starts at next_off. */
static void deliver_prefix(struct trawl_flows *ft, struct sink *k, struct tdir *t, uint8_t dir)
{
    struct win *w = win_of(ft, t);
    if (!w || !w->niv || w->s[0] != t->next_off) return;
    ring_emit(ft, k, t, dir, w->s[0], w->e[0] - w->s[0]);
    advance(t, w->e[0]);
    w->niv--;
    memmove(w->s, w->s + 1, w->niv * sizeof(w->s[0]));
    memmove(w->e, w->e + 1, w->niv * sizeof(w->e[0]));
}

/* Gives up holes below `upto` (UINT64_MAX: all), handing out what lies
 * between them. */
static void flush_until(struct trawl_flows *ft, struct sink *k, struct tdir *t, uint8_t dir,
                        uint64_t upto)
{
    struct win *w = win_of(ft, t);
    while (w && w->niv && w->s[0] < upto) {
        if (w->s[0] > t->next_off) {
            ft->st.tcp_gap_bytes += w->s[0] - t->next_off;
            advance(t, w->s[0]);
        }
        deliver_prefix(ft, k, t, dir);
    }
}

/* Stores data at stream offset off (>= next_off) into the ring where bytes
 * are absent. Returns false when it would need one interval too many. */
static bool win_store(struct trawl_flows *ft, struct tdir *t, uint64_t off, const uint8_t *data,
                      uint32_t len)
{
    struct win *w = win_of(ft, t);
    uint64_t end = off + len, lim = t->next_off + ft->wsize;
    if (end > lim) end = lim;
    if (end <= off) return true;
    /* intervals touching [off, end) merge with it: a range [i0, i1) */
    uint32_t i0 = 0;
    while (i0 < w->niv && w->e[i0] < off)
        i0++;
    uint32_t i1 = i0;
    while (i1 < w->niv && w->s[i1] <= end)
        i1++;
    if (i0 == i1 && w->niv == MAX_IV) return false;
    uint64_t cur = off;
    for (uint32_t i = i0; i < i1 && cur < end; i++) {
        if (w->s[i] > cur) ring_copy(ft, t, cur, data + (cur - off), w->s[i] - cur);
        if (w->e[i] > cur) {
            uint64_t ce = w->e[i] < end ? w->e[i] : end;
            if (ce > (w->s[i] > cur ? w->s[i] : cur))
                ft->st.tcp_retrans += ce - (w->s[i] > cur ? w->s[i] : cur);
            cur = w->e[i];
        }
    }
    if (cur < end) ring_copy(ft, t, cur, data + (cur - off), end - cur);
    uint64_t ns = off, ne = end;
    if (i0 < i1) {
        if (w->s[i0] < ns) ns = w->s[i0];
        if (w->e[i1 - 1] > ne) ne = w->e[i1 - 1];
    }
    /* replace [i0, i1) by the one merged interval */
    uint32_t tail = w->niv - i1;
    uint32_t dst = i0 + 1;
    memmove(w->s + dst, w->s + i1, tail * sizeof(w->s[0]));
    memmove(w->e + dst, w->e + i1, tail * sizeof(w->e[0]));
    w->s[i0] = ns;
    w->e[i0] = ne;
    w->niv = dst + tail;
    return true;
}

static void flow_end(struct trawl_flows *ft, struct flow *f, int reason);

/* A ring for t, taking one back from another flow if the pool is empty. */
static bool win_acquire(struct trawl_flows *ft, struct flow *cur, struct tdir *t)
{
    if (t->win) return true;
    if (!ft->nwfree) {
        /* all rings are in use: compare the owners of a few */
        struct flow *victim = NULL;
        for (uint32_t n = 0; n < RECLAIM_SAMPLE && n < ft->nwin; n++) {
            struct flow *f = F(ft, ft->wins[ft->reclaim].owner);
            if (++ft->reclaim == ft->nwin) ft->reclaim = 0;
            if (f != cur && (!victim || f->last_ts < victim->last_ts)) victim = f;
        }
        if (victim) {
            ft->st.evicted_mem++;
            flow_end(ft, victim, TRAWL_FLOW_END_EVICTED);
        }
        if (!ft->nwfree) return false;
    }
    t->win = ft->wfree[--ft->nwfree] + 1;
    ft->wins[t->win - 1].niv = 0;
    ft->wins[t->win - 1].owner = idx(ft, cur);
    uint64_t used = ft->nwin - ft->nwfree;
    if (used > ft->st.windows_peak) ft->st.windows_peak = used;
    return true;
}

/* ---- flows ---------------------------------------------------------------- */

static void flow_end(struct trawl_flows *ft, struct flow *f, int reason)
{
    struct trawl_flow_end *e = &ft->end;
    e->nchunks = 0;
    struct sink k = {e->chunks, &e->nchunks};
    for (uint8_t d = 0; d < 2; d++) {
        flush_until(ft, &k, &f->t[d], d, UINT64_MAX);
    }
    if (ft->cfg.on_end) {
        e->flow_id = f->id;
        e->user = user_area(f);
        e->reason = reason;
        e->key = f->key;
        e->client_is_lo = f->client_is_lo;
        memcpy(e->pkts, f->pkts, sizeof(e->pkts));
        memcpy(e->bytes, f->bytes, sizeof(e->bytes));
        memcpy(e->first_pkt, f->first_pkt, sizeof(e->first_pkt));
        e->first_ts = f->first_ts;
        e->last_ts = f->last_ts;
        ft->cfg.on_end(ft->cfg.ud, e);
    }
    win_release(ft, &f->t[0]);
    win_release(ft, &f->t[1]);
    hash_unlink(ft, f);
    f->used = false;
    ft->idle_at[idx(ft, f)] = INT64_MAX;
    ft->free_list[ft->nfree++] = idx(ft, f);
    ft->st.active--;
    if (reason == TRAWL_FLOW_END_TIMEOUT) ft->st.ended_timeout++;
    if (reason == TRAWL_FLOW_END_REUSED) ft->st.reused++;
}

static int64_t timeout_ns(const struct trawl_flows *ft, const struct flow *f)
{
    if (f->key.proto != 6) return (int64_t)ft->cfg.udp_timeout_s * NS;
    return (int64_t)(f->closed ? ft->cfg.closed_timeout_s : ft->cfg.tcp_timeout_s) * NS;
}

/* Checks n entries from the cursor on, ending flows idle too long. */
static void sweep(struct trawl_flows *ft, int64_t now, uint32_t n)
{
    if (n > ft->hwm) n = ft->hwm;
    for (uint32_t k = 0; k < n; k++) {
        if (now > ft->idle_at[ft->cursor]) {
            struct flow *f = F(ft, ft->cursor);
            if (f->used && now - f->last_ts > timeout_ns(ft, f))
                flow_end(ft, f, TRAWL_FLOW_END_TIMEOUT);
        }
        if (++ft->cursor >= ft->hwm) ft->cursor = 0;
    }
}

void trawl_flows_expire(struct trawl_flows *ft, int64_t now_ns)
{
    sweep(ft, now_ns, ft->hwm);
}

void trawl_flows_each_idle(struct trawl_flows *ft, int64_t from_ns, int64_t before_ns,
                           void (*fn)(void *ud, const struct trawl_flow_end *v), void *ud)
{
    struct trawl_flow_end v;
    memset(&v, 0, sizeof(v));
    v.reason = -1;
    for (uint32_t i = 0; i < ft->hwm; i++) {
        if (ft->idle_at[i] == INT64_MAX) continue; /* unused: no need to touch the entry */
        struct flow *f = F(ft, i);
        if (!f->used || f->last_ts < from_ns || f->last_ts >= before_ns) continue;
        v.flow_id = f->id;
        v.user = user_area(f);
        v.key = f->key;
        v.client_is_lo = f->client_is_lo;
        memcpy(v.pkts, f->pkts, sizeof(v.pkts));
        memcpy(v.bytes, f->bytes, sizeof(v.bytes));
        memcpy(v.first_pkt, f->first_pkt, sizeof(v.first_pkt));
        v.first_ts = f->first_ts;
        v.last_ts = f->last_ts;
        fn(ud, &v);
    }
}

void trawl_flows_flush(struct trawl_flows *ft)
{
    for (uint32_t i = 0; i < ft->hwm && ft->st.active; i++)
        if (F(ft, i)->used) flow_end(ft, F(ft, i), TRAWL_FLOW_END_FLUSH);
}

/* Frees an entry when the table is full: the least recently seen of the
 * next EVICT_SAMPLE flows from the cursor. */
static void evict_one(struct trawl_flows *ft)
{
    struct flow *victim = NULL;
    uint32_t i = ft->cursor;
    for (uint32_t seen = 0, n = 0; seen < EVICT_SAMPLE && n < ft->hwm; n++) {
        struct flow *f = F(ft, i);
        if (f->used) {
            seen++;
            if (!victim || f->last_ts < victim->last_ts) victim = f;
        }
        if (++i >= ft->hwm) i = 0;
    }
    ft->cursor = i;
    ft->st.evicted_full++;
    flow_end(ft, victim, TRAWL_FLOW_END_EVICTED);
}

static struct flow *flow_new(struct trawl_flows *ft, const struct trawl_flow_key *key,
                             uint64_t hash, const struct trawl_decoded *pkt, int src_is_hi,
                             int64_t ts)
{
    if (!ft->nfree) {
        if (!ft->st.active) return NULL;
        evict_one(ft);
    }
    uint32_t fi = ft->free_list[--ft->nfree];
    if (fi >= ft->hwm) ft->hwm = fi + 1;
    struct flow *f = F(ft, fi);
    /* the entry and the user area's hot part (all of it without one) */
    memset(f, 0, ft->cfg.user_hot ? ft->user_off + ft->cfg.user_hot : ft->stride);
    f->used = true;
    f->key = *key;
    f->hash = hash;
    f->id = ft->next_id++;
    f->first_ts = f->last_ts = ts;
    /* The initiator: a SYN's sender, a SYN-ACK's receiver; picked up
     * midstream, the side with the high port when the other is a service
     * port; else the first sender. */
    bool src_client = true;
    if (pkt->proto == 6 && (pkt->tcp_flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
        src_client = false;
    else if (!(pkt->proto == 6 && (pkt->tcp_flags & TH_SYN)) && pkt->sport < 1024 &&
             pkt->dport >= 1024)
        src_client = false;
    f->client_is_lo = src_client == !src_is_hi;
    uint32_t i = idx(ft, f);
    uint32_t *b = &ft->buckets[hash & ft->mask];
    f->hnext = *b;
    *b = i;
    ft->st.flows++;
    ft->st.active++;
    return f;
}

/* One TCP segment of direction d. */
static void tcp_segment(struct trawl_flows *ft, struct flow *f, uint8_t d,
                        const struct trawl_decoded *pkt, struct sink *k)
{
    struct tdir *t = &f->t[d], *o = &f->t[d ^ 1];
    uint8_t fl = pkt->tcp_flags;
    uint32_t seq = pkt->seq;
    const uint8_t *data = pkt->payload;
    uint32_t plen = pkt->payload_len, wlen = pkt->payload_wire;

    /* the other side acknowledged bytes we hold a hole before: lost */
    if ((fl & TH_ACK) && o->win) {
        int32_t ahead = (int32_t)(pkt->ack - o->next_seq);
        /* the ring stays with o even if empty: its chunks are handed out
         * now and must not be overwritten by a ring t takes below */
        if (ahead > 0) flush_until(ft, k, o, d ^ 1, o->next_off + (uint32_t)ahead);
    }
    if (fl & TH_SYN) {
        /* A SYN starts the stream, unless bytes of this direction were seen
         * already (a capture that began mid-connection, or a forged SYN):
         * then offsets keep growing, never start over. */
        if (!t->syn && !t->init) {
            t->init = true;
            t->next_seq = seq + 1;
            t->next_off = t->last_end = 0;
        }
        t->syn = true;
        seq += 1; /* the SYN takes one sequence number; data may follow it */
    }
    if (!t->init) {
        t->init = true;
        t->next_seq = seq;
        t->next_off = t->last_end = 0;
    }
    if (wlen > 0) {
        int32_t rel = (int32_t)(seq - t->next_seq);
        if (rel < 0) {
            uint32_t old = (uint32_t) - (int64_t)rel;
            if (old >= wlen) {
                ft->st.tcp_retrans += wlen;
                wlen = plen = 0;
            } else {
                ft->st.tcp_retrans += old;
                uint32_t cut = old < plen ? old : plen;
                data += cut;
                plen -= cut;
                wlen -= old;
            }
            rel = 0;
        }
        uint64_t off = t->next_off + (uint32_t)rel;
        struct win *w = win_of(ft, t);
        if (wlen == 0) {
            /* all seen before */
        } else if (rel == 0 && (!w || !w->niv)) {
            emit(ft, k, t, d, data, plen, off);
            advance(t, off + wlen); /* a snap-cut tail becomes a gap */
            win_release(ft, t);
        } else if (rel == 0) {
            uint64_t lim = t->next_off + ft->wsize;
            win_store(ft, t, off, data, plen);
            deliver_prefix(ft, k, t, d);
            if (off + plen > lim && t->next_off == lim) {
                /* longer than the window: the rest straight from the packet */
                emit(ft, k, t, d, data + (lim - off), (uint32_t)(off + plen - lim), lim);
                advance(t, off + wlen);
            }
            if (!win_of(ft, t)->niv) win_release(ft, t);
        } else if (off + plen <= t->next_off + ft->wsize && win_acquire(ft, f, t)) {
            ft->st.tcp_ooo_segs++;
            if (!win_store(ft, t, off, data, plen)) ft->st.tcp_ooo_drop++;
        } else {
            /* beyond the window, or no ring: give up the holes */
            flush_until(ft, k, t, d, UINT64_MAX);
            win_release(ft, t);
            if (off > t->next_off) {
                ft->st.tcp_gap_bytes += off - t->next_off;
                advance(t, off);
                emit(ft, k, t, d, data, plen, off);
                advance(t, off + wlen);
            } else if (off + wlen > t->next_off) {
                uint64_t skip = t->next_off - off;
                ft->st.tcp_retrans += skip;
                if (skip < plen)
                    emit(ft, k, t, d, data + skip, (uint32_t)(plen - skip), t->next_off);
                advance(t, off + wlen);
            } else {
                ft->st.tcp_retrans += wlen;
            }
        }
    }
    if (fl & TH_FIN) {
        t->fin = true;
        if (o->fin) f->closed = true;
    }
    if (fl & TH_RST) {
        f->closed = true;
        flush_until(ft, k, t, d, UINT64_MAX);
        flush_until(ft, k, o, d ^ 1, UINT64_MAX);
        win_release(ft, t);
        win_release(ft, o);
    }
}

void trawl_flows_prefetch_bucket(const struct trawl_flows *ft, uint64_t hash)
{
    __builtin_prefetch(&ft->buckets[hash & ft->mask]);
}

void trawl_flows_prefetch_flow(const struct trawl_flows *ft, uint64_t hash)
{
    uint32_t i = ft->buckets[hash & ft->mask];
    if (i != NIL) {
        const uint8_t *f = ft->mem + (size_t)i * ft->stride;
        __builtin_prefetch(f);
        __builtin_prefetch(f + 64);
        __builtin_prefetch(f + 128, 1);
        for (size_t o = 0; o < ft->cfg.user_hot; o += 64)
            __builtin_prefetch(f + ft->user_off + o, 1);
    }
}

int trawl_flows_packet(struct trawl_flows *ft, const struct trawl_decoded *pkt, int64_t ts_ns,
                       uint64_t index, struct trawl_flow_pkt *out)
{
    return trawl_flows_packet_hashed(ft, pkt, trawl_decode_flow_hash(pkt), ts_ns, index, out);
}

int trawl_flows_packet_hashed(struct trawl_flows *ft, const struct trawl_decoded *pkt, uint64_t h,
                              int64_t ts_ns, uint64_t index, struct trawl_flow_pkt *out)
{
    ft->st.packets++;
    sweep(ft, ts_ns, SWEEP_PER_PKT);

    struct trawl_flow_key key;
    int src_is_hi = trawl_decode_flow_key(pkt, &key);
    struct flow *f = NULL;
    for (uint32_t i = ft->buckets[h & ft->mask]; i != NIL;) {
        struct flow *c = F(ft, i);
        if (c->hash == h && !memcmp(&c->key, &key, sizeof(key))) {
            f = c;
            break;
        }
        i = c->hnext;
    }
    if (f && ts_ns - f->last_ts > timeout_ns(ft, f)) {
        flow_end(ft, f, TRAWL_FLOW_END_TIMEOUT);
        f = NULL;
    } else if (f && f->closed && pkt->proto == 6 &&
               (pkt->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        flow_end(ft, f, TRAWL_FLOW_END_REUSED);
        f = NULL;
    }
    out->new_flow = false;
    if (!f) {
        f = flow_new(ft, &key, h, pkt, src_is_hi, ts_ns);
        if (!f) return TRAWL_ENOMEM;
        out->new_flow = true;
    }
    if (ts_ns > f->last_ts) f->last_ts = ts_ns;

    uint8_t d = (!src_is_hi == f->client_is_lo) ? TRAWL_DIR_TO_SERVER : TRAWL_DIR_TO_CLIENT;
    out->flow_id = f->id;
    out->user = user_area(f);
    out->dir = d;
    out->new_dir = f->pkts[d] == 0;
    if (out->new_dir) f->first_pkt[d] = index;
    out->dir_pkts = ++f->pkts[d];
    f->bytes[d] += pkt->payload_wire;
    out->nchunks = 0;
    struct sink k = {out->chunks, &out->nchunks};
    if (pkt->proto == 6) {
        tcp_segment(ft, f, d, pkt, &k);
    } else if (pkt->payload_len) {
        struct trawl_flow_chunk *c = &out->chunks[out->nchunks++];
        c->data = pkt->payload;
        c->len = pkt->payload_len;
        c->dir = d;
        c->gap = false;
        c->offset = 0;
    }
    if (f->used) ft->idle_at[idx(ft, f)] = f->last_ts + timeout_ns(ft, f);
    return 0;
}
