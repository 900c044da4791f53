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
    uint32_t ioc;    /* indicator index in the database */
    uint16_t len;    /* bytes matched (UTF-16 forms: two per character) */
    uint8_t utf16;   /* matched in its UTF-16LE form */
    uint8_t pad;
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

/* The hits collected since the last clear. */
size_t trawl_matcher_nhits(const struct trawl_matcher *m);
struct trawl_hit *trawl_matcher_hits(struct trawl_matcher *m);
void trawl_matcher_clear(struct trawl_matcher *m);

/* ---- hits as JSON -------------------------------------------------------- */

/* Where a batch of hits was seen, for their JSON lines. */
struct trawl_hit_origin {
    const char *file;  /* path as given */
    const uint8_t *base; /* bytes around the hits, for context */
    size_t len;
    uint64_t base_off;
    size_t line_at;      /* base offset where line_base holds (<= every hit) */
    uint64_t line_base;  /* line number at base[line_at] (1-based), 0 = unknown */
    double timestamp;
};

/* Appends one JSON line per hit (sorted by offset first) to out. The line
 * counter walks from base[0] to each hit, so hits must lie within base.
 * Thread-safe for distinct out buffers. */
int trawl_hits_format(const struct trawl_db *db, struct trawl_hit *hits, size_t n,
                      const struct trawl_hit_origin *o, struct trawl_buf *out);

/* Counts '\n' bytes in p[0, n). */
uint64_t trawl_count_lines(const uint8_t *p, size_t n);

/* ---- scanning files ---------------------------------------------------- */

typedef void (*trawl_scan_err_fn)(void *ud, const char *where, const char *msg);

struct trawl_scan_opts {
    unsigned threads;   /* workers; 0 = number of cores */
    int utf16;          /* -1: only for binary input (default), 0: off, 1: always */
    size_t chunk_size;  /* split mapped files into chunks of this many bytes */
    unsigned src_flags; /* TRAWL_SRC_* */
    int out_fd;         /* JSON lines go here */
    trawl_scan_err_fn on_error; /* one call per problem, serialised */
    void *ud;
    volatile sig_atomic_t *stop; /* set asynchronously to stop early (flushes) */
    _Atomic uint64_t *progress;  /* bytes scanned so far, for a progress line */
};

struct trawl_scan_stats {
    uint64_t files;
    uint64_t bytes; /* content bytes scanned (decompressed) */
    uint64_t hits;
    uint64_t hits_by_type[TRAWL_T_COUNT];
    uint64_t errors;
    bool write_failed; /* the output could not be written */
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

#endif
