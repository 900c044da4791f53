/* Private to engine/: scanning one network capture file for trawl_scan_paths
 * (netscan.c; the steps it runs are public: trawl_netscan_new etc.), and the
 * pieces a capture is spread over with -j N: a lane is one worker's share
 * (flow table, stream states, protocol state, matcher; netscan.c), a pool
 * runs the lanes on their threads and feeds them batches (netpool.c). */
#ifndef TRAWL_NETSCAN_H
#define TRAWL_NETSCAN_H

#include "trawl_engine.h"

struct netscan_opts {
    struct trawl_sinks *sinks;
    const char *job;
    volatile sig_atomic_t *stop;
    unsigned threads;   /* workers for the capture's flows (<= 1: the calling thread alone) */
    uint32_t max_flows; /* caps as in trawl_netscan_opts (0 = default) */
    uint64_t stream_mem;
};

struct netscan_stats {
    uint64_t packets, malformed; /* frames read; frames refused by the decoder */
    uint64_t bytes;              /* payload bytes scanned */
    uint64_t hits, by_type[TRAWL_T_COUNT];
    uint64_t flows, flows_timeout, flows_evicted;
};

/* Scans the capture at path (pcap or pcapng, plain or gzip) with matcher m
 * and sends the hits to opts->sinks. Returns 0, or < 0 with err naming the
 * file and the packet where reading failed (hits before it are sent). */
int trawl_netscan(const struct trawl_db *db, struct trawl_matcher *m, const char *path,
                  const struct netscan_opts *opts, struct netscan_stats *st,
                  struct trawl_error *err);

/* ---- lanes (netscan.c) --------------------------------------------------- */

struct netlane;

/* What a lane has done, summed over lanes for trawl_netscan_get_stats. */
struct netlane_stats {
    uint64_t bytes, hits, by_type[TRAWL_T_COUNT];
    uint64_t flows, flows_active, flows_timeout, flows_evicted;
};

/* One decoded packet (payload valid during the call) of capture packet
 * index at ts_ns, of flow hash `hash` (trawl_decode_flow_hash): flow,
 * stream, protocol fields, matching, hits. */
void netlane_packet(struct netlane *l, const struct trawl_decoded *dp, uint64_t hash, int64_t ts_ns,
                    uint64_t index);
/* Cache hints for a packet of flow hash h coming soon (see trawl_flows_*). */
void netlane_prefetch_bucket(struct netlane *l, uint64_t h);
void netlane_prefetch_flow(struct netlane *l, uint64_t h);
/* Ends the flows idle at wall time now_ns (live capture without traffic). */
void netlane_expire(struct netlane *l, int64_t now_ns);
/* Ends every flow. */
void netlane_flush(struct netlane *l);
/* Copies the lane's counters where another thread may read them
 * (netlane_snapshot); called by the lane's thread after each batch. */
void netlane_publish(struct netlane *l);
void netlane_snapshot(const struct netlane *l, struct netlane_stats *st);

/* ---- the worker pool (netpool.c) ----------------------------------------- */

/* One thread per lane. The reader (the thread that calls the functions
 * below, one thread only) copies each decoded packet into the batch of its
 * lane; full batches go through a single-producer single-consumer ring per
 * lane, so a packet costs no lock and no system call: the two sides only
 * meet once per batch, and sleep (mutex and condition variable) only when
 * a ring is empty or full. Messages (expire, flush) travel in the same
 * rings, in order with the packets. */
struct netpool;

/* Starts a thread for each of the n lanes (kept by pointer). Returns 0 and
 * *ret, or TRAWL_ENOMEM / TRAWL_EIO (a thread could not start). */
int netpool_new(struct netlane *const *lanes, unsigned n, struct netpool **ret);
/* Hands a decoded packet to lane w: its fields and payload bytes are
 * copied. Returns 0, or TRAWL_ENOMEM (the packet is not scanned). */
int netpool_push(struct netpool *p, unsigned w, const struct trawl_decoded *dp, int64_t ts_ns,
                 uint64_t index, uint64_t hash);
/* Hands over every batch that holds packets, full or not. */
void netpool_kick(struct netpool *p);
/* Kicks, then waits until every lane has handled everything it was given. */
void netpool_drain(struct netpool *p);
/* Every lane ends its flows idle at wall time now_ns (after the packets
 * handed over before). Does not wait. */
void netpool_expire(struct netpool *p, int64_t now_ns);
/* Every lane ends all its flows; waits until they have. */
void netpool_flush(struct netpool *p);
/* Drains, stops and joins the threads, frees. Accepts NULL. */
void netpool_free(struct netpool *p);

#endif
