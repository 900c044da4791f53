/* trawl engine: per-thread matchers that run the compiled database over byte
 * spans and confirm each Hyperscan candidate against the boundary rules of its
 * type (docs/matching.md), the hit records and their JSON form
 * (docs/hits.md), and the multi-threaded file scan that ties sources,
 * matchers and the output together. */
#ifndef TRAWL_ENGINE_H
#define TRAWL_ENGINE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trawl_capture.h"
#include "trawl_ioc.h"

/* One confirmed occurrence of one indicator. */
struct trawl_hit {
    uint64_t offset; /* stream offset of the first byte of the indicator's text */
    uint64_t line;   /* 1-based line, 0 = unknown (set by trawl_hits_prepare) */
    uint32_t ioc;    /* indicator index in the database */
    uint16_t len;    /* bytes matched (UTF-16 forms: two per character) */
    uint8_t utf16;   /* matched in its UTF-16LE form */
    uint8_t tlp;     /* the indicator's TLP (set by the matcher) */
};

/* ---- matcher: one per thread ------------------------------------------ */

struct trawl_matcher;

/* Allocates Hyperscan scratch for db's databases. Not thread-safe to share:
 * each thread owns its matcher. db must outlive the matcher. */
int trawl_matcher_new(const struct trawl_db *db, struct trawl_matcher **ret,
                      struct trawl_error *err);
void trawl_matcher_free(struct trawl_matcher *m);

/* Bytes a span must extend past its accepted range (and that a streaming
 * reader must carry over) so that no match straddling a boundary is lost. */
size_t trawl_matcher_overlap(const struct trawl_matcher *m);

/* Bytes of Hyperscan scratch this matcher owns (one per thread), for
 * `trawl bench`. Thread-safe for a matcher not being scanned with. */
size_t trawl_matcher_scratch_size(const struct trawl_matcher *m);

/* A span of input. base[0, len) holds stream offsets [base_off,
 * base_off + len). Hits whose start lies in [lo, hi) (stream offsets) are
 * accepted; the bytes around them in base are used for the boundary rules.
 * at_eof: base ends where the stream ends (else bytes beyond base exist).
 * utf16: also run the UTF-16LE literal database. */
struct trawl_span {
    const uint8_t *base;
    size_t len;
    uint64_t base_off;
    uint64_t lo, hi;
    bool utf16;
};

/* Scans a span, appending confirmed hits (in no particular order) to the
 * matcher's hit list. Requires lo - base_off >= 0 and
 * hi + overlap <= base_off + len unless the stream ends within base.
 * Returns 0 or < 0 on a Hyperscan error. Never allocates except to grow the
 * hit list. */
int trawl_matcher_scan(struct trawl_matcher *m, const struct trawl_span *s,
                       struct trawl_error *err);

/* Appends a hit (offset off, length 0) for every address or CIDR indicator
 * that matches a flow address (16 bytes; IPv4 as ::ffff:a.b.c.d). */
void trawl_matcher_match_addr(struct trawl_matcher *m, const uint8_t addr[16], uint64_t off);

/* Keeps only the first n hits collected. */
void trawl_matcher_truncate(struct trawl_matcher *m, size_t n);

/* The hits collected since the last clear. */
size_t trawl_matcher_nhits(const struct trawl_matcher *m);
struct trawl_hit *trawl_matcher_hits(struct trawl_matcher *m);
void trawl_matcher_clear(struct trawl_matcher *m);

/* ---- hits as JSON -------------------------------------------------------- */

/* Network context of a hit (EVE field names), or none for files. */
struct trawl_net_meta {
    char src_ip[48], dest_ip[48];
    uint16_t src_port, dest_port;
    const char *proto;           /* "TCP", "UDP" */
    uint64_t flow_id;            /* stable within one capture */
    double pcap_ts;              /* the packet's capture time */
    uint64_t packet;             /* 1-based index of the packet in the capture */
    const char *direction;       /* "to_server", "to_client" */
    const char *field;           /* "dns.query", "http.url", "ip.src"...; NULL for payload hits */
    uint64_t npackets;           /* address hits: packets of the flow in this direction */
    const uint64_t *packet_list; /* address hits: their first packet numbers */
    uint32_t npacket_list;
};

/* Where a batch of hits was seen, for their JSON lines. */
struct trawl_hit_origin {
    const char *file;    /* path as given */
    const uint8_t *base; /* bytes around the hits, for context */
    size_t len;
    uint64_t base_off;
    size_t line_at;     /* base offset where line_base holds (<= every hit) */
    uint64_t line_base; /* line number at base[line_at] (1-based), 0 = unknown */
    double timestamp;
    const char *job;                  /* distributed job id mixed into hit ids, or NULL */
    const struct trawl_net_meta *net; /* network hits, or NULL */
    const char *db_id;                /* database version that found the hits ("db"), or NULL */
};

/* Sorts hits by offset and fills their line numbers (the line counter walks
 * from base[line_at] to each hit, so hits must lie within base). */
void trawl_hits_prepare(struct trawl_hit *hits, size_t n, const struct trawl_hit_origin *o);

/* Hits whose text must not show in context extracts: those of `hits` (sorted
 * or not) whose TLP is above max_tlp. */
struct trawl_hit_mask {
    const struct trawl_hit *hits;
    size_t n;
    int max_tlp;
};

/* Appends the JSON line of one hit (docs/hits.md) to out. redact: the
 * indicator's value is replaced by "ioc-<id>" and no context is written.
 * mask (may be NULL): bytes of the listed hits above its ceiling are shown
 * as '*' in the context. Thread-safe for distinct out buffers. */
int trawl_hit_format(const struct trawl_db *db, const struct trawl_hit *h,
                     const struct trawl_hit_origin *o, bool redact,
                     const struct trawl_hit_mask *mask, struct trawl_buf *out);

/* Stable id of a hit: 16 hex digits hashed from (job, file, offset, encoding,
 * indicator), so that consumers can drop a hit replayed or re-scanned. */
void trawl_hit_id(const struct trawl_db *db, const struct trawl_hit *h,
                  const struct trawl_hit_origin *o, char out[17]);

/* Counts '\n' bytes in p[0, n). */
uint64_t trawl_count_lines(const uint8_t *p, size_t n);

/* Whether input looks binary (a NUL byte, or over 10% control bytes, in
 * its first 4 KiB): what turns UTF-16LE matching on in auto mode. */
bool trawl_looks_binary(const uint8_t *p, size_t n);

/* ---- sinks: where hits go ------------------------------------------------ */

/* Per-sink counters. */
struct trawl_sink_stats {
    uint64_t written;  /* hits handed to the sink */
    uint64_t withheld; /* above the TLP ceiling, not sent */
    uint64_t redacted; /* above the TLP ceiling, sent with the value replaced */
    uint64_t errors;
    uint64_t spooled;   /* Redis: written to the local spool while disconnected */
    uint64_t replayed;  /* Redis: replayed from the spool after reconnecting */
    uint64_t rotations; /* JSONL: files rotated */
};

struct trawl_sinks;

int trawl_sinks_new(struct trawl_sinks **ret);

/* Adds a sink by spec:
 *   stdout
 *   jsonl:PATH        append to PATH (rotate=SIZE[k|M|G]: when PATH would pass SIZE it
 *                     becomes PATH.N, N = next generation; nothing is deleted)
 *   redis://HOST:PORT/STREAM   XADD one entry per hit (spool=PATH for outages)
 * followed by options after commas: max-tlp=clear|green|amber|amber+strict|red
 * (default amber+strict: RED goes nowhere without an explicit red ceiling),
 * redact (hits above the ceiling are sent with the value replaced by its id
 * instead of being withheld). Returns 0 or < 0 with err naming the spec. */
int trawl_sinks_add(struct trawl_sinks *s, const char *spec, struct trawl_error *err);

/* Adds an already open descriptor (e.g. -o FILE, stdout) as a sink. The
 * descriptor is not closed. */
int trawl_sinks_add_fd(struct trawl_sinks *s, int fd, const char *name, int max_tlp, bool redact,
                       struct trawl_error *err);

size_t trawl_sinks_count(const struct trawl_sinks *s);

/* Sends prepared hits (trawl_hits_prepare) to every sink. Thread-safe.
 * Returns 0, or < 0 when every sink has failed (nothing can be delivered);
 * failures of single sinks are counted and reported through on_error. */
int trawl_sinks_emit(struct trawl_sinks *s, const struct trawl_db *db, const struct trawl_hit *hits,
                     size_t n, const struct trawl_hit_origin *o);

/* Aggregation for long-running scans: within `window` seconds, the same
 * indicator in the same file (or flow) is emitted once, when the window
 * closes or the sinks are closed, with "count", "first_seen", "last_seen"
 * and "last_offset" added to the first occurrence's hit. 0 = off. */
void trawl_sinks_set_aggregate(struct trawl_sinks *s, double window);

/* Pushes buffered hits out (a live pipe wants its hits now). Thread-safe. */
void trawl_sinks_flush(struct trawl_sinks *s);

/* Flushes and syncs every sink; returns < 0 if any sink failed at any time. */
int trawl_sinks_close(struct trawl_sinks *s);

/* Makes every hit emitted so far durable (as trawl_sinks_close: files
 * fsync'ed, Redis replies awaited) but keeps the sinks open for more hits,
 * e.g. before a distributed job is acknowledged. Returns < 0 if any sink
 * failed at any time. Not to be called concurrently with trawl_sinks_emit. */
int trawl_sinks_sync(struct trawl_sinks *s);

/* Name and counters of sink i. */
const char *trawl_sinks_name(const struct trawl_sinks *s, size_t i);
void trawl_sinks_stats(const struct trawl_sinks *s, size_t i, struct trawl_sink_stats *out);

/* Problems while writing (one call per problem, serialised). */
void trawl_sinks_on_error(struct trawl_sinks *s,
                          void (*fn)(void *ud, const char *where, const char *msg), void *ud);

void trawl_sinks_free(struct trawl_sinks *s);

/* ---- scanning files ---------------------------------------------------- */

typedef void (*trawl_scan_err_fn)(void *ud, const char *where, const char *msg);

struct trawl_scan_opts {
    unsigned threads;   /* workers; 0 = number of cores. A capture file spreads its
                           flows over workers of its own: 1 + the pool workers idle
                           when it starts, at most this many (and 64) */
    int utf16;          /* -1: only for binary input (default), 0: off, 1: always */
    size_t chunk_size;  /* split regular files into chunks of this many bytes; also
                           the block size of streams (gzip, pipes), at least 64 KiB */
    unsigned src_flags; /* TRAWL_SRC_* */
    uint32_t max_flows; /* captures: as trawl_netscan_opts (0 = default) */
    uint64_t stream_mem;
    struct trawl_sinks *sinks;  /* where hits go (required) */
    trawl_scan_err_fn on_error; /* one call per problem, serialised */
    void *ud;
    volatile sig_atomic_t *stop; /* set asynchronously to stop early (flushes) */
    _Atomic uint64_t *progress;  /* bytes scanned so far, for a progress line */
    const char *job;             /* distributed job id mixed into every hit id, or NULL */
};

struct trawl_scan_stats {
    uint64_t files;
    uint64_t bytes; /* content bytes scanned (decompressed) */
    uint64_t hits;
    uint64_t hits_by_type[TRAWL_T_COUNT];
    uint64_t errors;
    uint64_t packets, flows; /* captures: frames read, flows seen */
    uint64_t flows_timeout;  /* captures: flows ended idle past their timeout */
    uint64_t flows_evicted;  /* captures: flows ended early by the memory caps */
    bool write_failed;       /* the output could not be written */
    bool interrupted;
    double seconds;
};

void trawl_scan_opts_init(struct trawl_scan_opts *o);

/* Scans every path (files, directories recursively, "-" for stdin) with
 * db, writing JSON hit lines to opts->out_fd. Problems with single inputs
 * are reported through on_error and counted; the scan goes on. Returns 0
 * when everything could be read and written, < 0 otherwise (stats are
 * filled in either case). */
int trawl_scan_paths(const struct trawl_db *db, const char *const *paths, size_t npaths,
                     const struct trawl_scan_opts *opts, struct trawl_scan_stats *stats);

/* ---- network captures: files and live interfaces ------------------------ */

/* One capture (a pcap/pcapng file or a live interface) run through
 * decoding, the flow table with TCP reassembly, the protocol fields and a
 * matcher, hits to sinks (docs/matching.md, "Network captures").
 * Hits are reported as the stream advances; the tails of TCP streams and the
 * address hits of a flow when the flow ends (idle timeout, eviction,
 * trawl_netscan_flush). With opts.threads > 1 the flows are spread over
 * that many worker threads by a symmetric hash of their 5-tuple, the
 * calling thread reading and decoding; the hits are the same for any
 * thread count. Not thread-safe: one thread drives one object. */
struct trawl_netscan;

struct trawl_netscan_opts {
    struct trawl_sinks *sinks; /* where hits go (required) */
    const char *name;          /* "file" of the hits: the path or interface (kept, not copied) */
    const char *job;           /* distributed job id mixed into hit ids, or NULL */
    const char *db_id;         /* "db" of the hits (the database version), or NULL */
    /* Worker threads the flows are spread over (at most 64); 0 or 1: none,
     * the calling thread does everything. */
    unsigned threads;
    /* Caps for all workers together, each worker getting an equal share:
     * flow-table entries (0 = 65536) and out-of-order stream buffers in
     * bytes (0 = 64 MiB). */
    uint32_t max_flows;
    uint64_t stream_mem;
    /* Live capture: report as soon as the hit is known. The address hits of
     * a flow are sent at its first packet in each direction (without the
     * packet count and list, which only the flow's end knows), and the
     * bytes a TCP direction holds back in case an indicator goes on in the
     * next segment are scanned once the flow has paused for a second (hits
     * whose boundary is already decided are sent then, and not again). */
    bool prompt;
};

struct trawl_netscan_stats {
    uint64_t packets, malformed; /* frames read; frames refused by the decoder */
    uint64_t bytes;              /* payload bytes scanned */
    uint64_t hits, by_type[TRAWL_T_COUNT];
    uint64_t flows, flows_active; /* flows seen; flows in the tables now */
    uint64_t flows_timeout;       /* flows ended idle past their timeout */
    uint64_t flows_evicted;       /* flows ended early: table full or stream buffers short */
    unsigned workers;             /* worker threads (1: the calling thread) */
};

/* Why trawl_netscan_run returned (>= 0). */
enum trawl_netscan_why {
    TRAWL_NETSCAN_END = 0, /* end of the file, or trawl_pcap_break */
    TRAWL_NETSCAN_STOP,    /* *stop was set */
    TRAWL_NETSCAN_RELOAD,  /* *reload was set (the caller clears it) */
    TRAWL_NETSCAN_TICK,    /* tick seconds of wall time have passed */
};

struct trawl_netscan_loop {
    volatile sig_atomic_t *stop;   /* checked before each packet, or NULL */
    volatile sig_atomic_t *reload; /* checked before each packet, or NULL */
    /* return after this many seconds of wall time, checked every 256 packets
     * and at each idle timeout of a live capture; 0 = never */
    double tick;
};

/* A scanner with its own decoder, flow tables and protocol state, matching
 * with m (which belongs to db; both must outlive their use here); with
 * worker threads, m serves the first worker and the others get matchers of
 * their own, made here. opts strings are kept by pointer. Returns 0 and
 * *ret, or < 0. */
int trawl_netscan_new(const struct trawl_db *db, struct trawl_matcher *m,
                      const struct trawl_netscan_opts *opts, struct trawl_netscan **ret,
                      struct trawl_error *err);

/* Reads and scans packets of pc until the end, an error, or a reason of
 * loop. Can be called again after it returned >= 0. On a live capture's idle
 * timeouts, flows idle past their timeout are ended. Before it returns,
 * every packet read has been handled by its worker, except on
 * TRAWL_NETSCAN_TICK (the workers go on; their batches are handed over).
 * Returns an enum trawl_netscan_why, or < 0 when pc could not be read (err
 * names the packet) or the hits could not be delivered. */
int trawl_netscan_run(struct trawl_netscan *ns, struct trawl_pcap *pc,
                      const struct trawl_netscan_loop *loop, struct trawl_error *err);

/* Matches with another database from the next packet on (between two runs):
 * every worker switches at the same packet, the first one read after this
 * call (the workers are waited for first). m serves the first worker, the
 * others get matchers made here. Flows, stream carry windows and protocol
 * state are kept: they hold input bytes, not indicators. The caller frees
 * the old matcher and database after this, and should sync its sinks
 * before (trawl_sinks_sync) when they aggregate hits of the old database.
 * Returns 0, or < 0 (a worker's matcher could not be made: the old
 * database stays in use, m is not taken). */
int trawl_netscan_set_db(struct trawl_netscan *ns, const struct trawl_db *db,
                         struct trawl_matcher *m, const char *db_id, struct trawl_error *err);

/* Ends every flow: their stream tails and address hits are sent (the
 * workers end theirs in parallel and are waited for). */
void trawl_netscan_flush(struct trawl_netscan *ns);

/* Non-zero once hits could not be delivered (every sink failed). */
int trawl_netscan_failed(const struct trawl_netscan *ns);

/* Counters so far, summed over the workers. While workers run (after a
 * tick) their part may lag by the batches they have not finished. */
void trawl_netscan_get_stats(const struct trawl_netscan *ns, struct trawl_netscan_stats *st);

/* Stops the worker threads, frees without flushing. Accepts NULL. */
void trawl_netscan_free(struct trawl_netscan *ns);

#endif
