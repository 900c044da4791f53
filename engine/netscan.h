/* Private to engine/: scanning one network capture file for trawl_scan_paths
 * (netscan.c; the steps it runs are public: trawl_netscan_new etc.). */
#ifndef TRAWL_NETSCAN_H
#define TRAWL_NETSCAN_H

#include "trawl_engine.h"

struct netscan_opts {
    struct trawl_sinks *sinks;
    const char *job;
    volatile sig_atomic_t *stop;
};

struct netscan_stats {
    uint64_t packets, malformed; /* frames read; frames refused by the decoder */
    uint64_t bytes;              /* payload bytes scanned */
    uint64_t hits, by_type[TRAWL_T_COUNT];
};

/* Scans the capture at path (pcap or pcapng, plain or gzip) with matcher m
 * and sends the hits to opts->sinks. Returns 0, or < 0 with err naming the
 * file and the packet where reading failed (hits before it are sent). */
int trawl_netscan(const struct trawl_db *db, struct trawl_matcher *m, const char *path,
                  const struct netscan_opts *opts, struct netscan_stats *st,
                  struct trawl_error *err);

#endif
