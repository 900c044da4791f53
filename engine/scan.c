/* The file scan: walks the inputs, hands files and chunks of large mapped
 * files to a pool of workers, streams gzip and pipes through a carry-over
 * window, and writes the hits out.
 *
 * Files. A regular raw file is read with pread into the worker's buffer a
 * step at a time (scan_read), never through its mapping: copying costs less
 * than faulting the pages in, and a file that shrinks meanwhile reads short
 * where a mapping would fault. A file larger than two chunks is split into
 * chunks of opts->chunk_size bytes; every chunk is a window that accepts
 * the hits starting inside it (see match.c), so a hit straddling a chunk
 * boundary is found exactly once, by the chunk holding its first byte.
 *
 * Streams. gzip archives and pipes arrive in blocks. Each block is scanned
 * as a window made of the previous window's last `carry` bytes followed by
 * the new bytes; a window accepts hits starting in [lo, hi) where hi stops
 * `overlap` bytes short of the window's end (unless the stream ended), and
 * the next window starts accepting at that hi. The carry holds the overlap
 * plus a look-behind for boundary checks and context. gzip blocks are
 * inflated by a reader thread so decompression overlaps scanning.
 *
 * Lines. Newlines are counted in the bytes read while they are in cache.
 * A chunk's line numbers need the counts of the chunks before it, which
 * other workers are counting at the same time: a chunk holds its hits until
 * its end, publishes its own count, then waits for theirs (scan_read). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_internal.h"
#include "netscan.h"
#include "trawl_engine.h"

#define STEP (1u << 20)  /* bytes scanned between hit flushes and stop checks */
#define BLOCK (4u << 20) /* stream block, unless opts->chunk_size says otherwise */
/* A large file's chunk, unless opts->chunk_size says otherwise: a chunk is
 * read whole before it is scanned, and at 1 MiB it stays in L2 (4 MiB cost
 * 3% more CPU at -j2). */
#define FILE_CHUNK (1u << 20)
#define LOOKBEHIND 512    /* carried bytes before a window's accepted range */
#define CONTEXT_AFTER 256 /* how far a hit's context extract reaches past it (hits.c) */

struct mapped {
    struct trawl_src *src;
    size_t len;
    size_t chunk;
    bool utf16;
    _Atomic int refs;
    _Atomic int64_t *nl; /* newlines in each chunk, or NL_TODO, NL_BUSY */
    _Atomic bool shrank; /* reported */
    pthread_mutex_t mu;  /* with cv: a chunk's count is published */
    pthread_cond_t cv;
};
#define NL_TODO (-1)         /* no worker has started the chunk */
#define NL_BUSY (-2)         /* a worker scans it */
#define HOLD_MAX (16u << 20) /* chunks up to this size hold their hits (scan_read) */
#define HOLD_HITS 65536u     /* a chunk holding as many counts the lines before it */

struct stream;

struct task {
    const char *path; /* whole file */
    struct mapped *m; /* or chunk k of a mapped file */
    size_t k;
    struct stream *st; /* or blocks of a stream (see scan_stream) */
};

struct scan {
    const struct trawl_db *db;
    const struct trawl_scan_opts *o;
    unsigned threads;     /* workers (-j), also those of each capture */
    pthread_mutex_t lock; /* tasks, output, errors, stats */
    pthread_cond_t cond;
    struct task *tasks;
    size_t ntasks, cap, head;
    unsigned busy;
    bool done_walking;
    struct trawl_scan_stats st;
    volatile sig_atomic_t halt; /* write failure */
    int failed;
};

struct worker {
    struct scan *s;
    struct trawl_matcher *m;
    uint64_t bytes, hits, by_type[TRAWL_T_COUNT];
    uint64_t packets, flows, flows_timeout, flows_evicted; /* captures */
    struct trawl_buf rb; /* the bytes read with pread (scan_read) */
    /* set by emit: the offset and line of the last hit it sent, so that the
     * next step counts newlines from there, not again from its own start */
    uint64_t line_off, line_no;
    pthread_t th;
};

void trawl_scan_opts_init(struct trawl_scan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->utf16 = -1;
    o->chunk_size = 4u << 20; /* small enough that the last chunk barely idles a worker */
}

static bool stopping(struct scan *s)
{
    return s->halt || (s->o->stop && *s->o->stop);
}

static void report(struct scan *s, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(struct scan *s, const char *where, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&s->lock);
    s->st.errors++;
    if (s->o->on_error) s->o->on_error(s->o->ud, where, msg);
    pthread_mutex_unlock(&s->lock);
}

static void report_err(struct scan *s, const struct trawl_error *e)
{
    report(s, e->where, "%s", e->msg[0] ? e->msg : trawl_strerror(e->code));
}

bool trawl_looks_binary(const uint8_t *p, size_t n)
{
    if (n > 4096) n = 4096;
    size_t ctl = 0;
    for (size_t i = 0; i < n; i++) {
        if (!p[i]) return true;
        if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != '\f') ctl++;
    }
    return n && ctl * 10 > n;
}

static bool want_utf16(struct scan *s, const uint8_t *p, size_t n)
{
    if (!s->db->utf16 || s->o->utf16 == 0) return false;
    return s->o->utf16 > 0 || trawl_looks_binary(p, n);
}

/* Sends hits h[0, n) to the sinks; origin as in trawl_engine.h. */
static int emit_hits(struct worker *w, struct trawl_hit *h, size_t n,
                     const struct trawl_hit_origin *o)
{
    if (!n) return 0;
    trawl_hits_prepare(h, n, o);
    w->line_off = h[n - 1].offset;
    w->line_no = h[n - 1].line;
    int r = trawl_sinks_emit(w->s->o->sinks, w->s->db, h, n, o);
    for (size_t j = 0; j < n; j++)
        w->by_type[w->s->db->iocs[h[j].ioc].type]++;
    w->hits += n;
    if (r) { /* no sink can take hits any more: stop scanning */
        w->s->st.write_failed = true;
        w->s->halt = 1;
    }
    return r;
}

/* Sends the matcher's hits and clears them. */
static int emit(struct worker *w, const struct trawl_hit_origin *o)
{
    int r = emit_hits(w, trawl_matcher_hits(w->m), trawl_matcher_nhits(w->m), o);
    trawl_matcher_clear(w->m);
    return r;
}

/* ---- files and chunks ------------------------------------------------- */

/* Newlines in bytes [lo, hi) of a file, read with pread (to its end, if it
 * shrank): the count of a chunk that no worker has scanned. */
static uint64_t count_range(struct trawl_src *src, size_t lo, size_t hi)
{
    enum { PIECE = 256u << 10 };
    uint8_t *buf = malloc(PIECE);
    uint64_t n = 0;
    for (size_t a = lo; buf && a < hi; a += PIECE) {
        size_t want = hi - a < PIECE ? hi - a : PIECE;
        ssize_t got = trawl_src_pread(src, buf, want, a, NULL);
        if (got > 0) n += trawl_count_lines(buf, (size_t)got);
        if (got < (ssize_t)want) break;
    }
    free(buf);
    return n;
}

static void chunk_range(const struct mapped *m, size_t k, size_t *lo, size_t *hi)
{
    *lo = k * m->chunk;
    *hi = *lo + m->chunk < m->len ? *lo + m->chunk : m->len;
}

/* The newline count of chunk k is known: wakes the workers waiting for it. */
static void chunk_publish(struct mapped *m, size_t k, uint64_t n)
{
    pthread_mutex_lock(&m->mu);
    atomic_store(&m->nl[k], (int64_t)n);
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

/* Newlines before chunk k. With wait, a chunk being scanned is waited for:
 * it publishes its count when it has read the chunk (or, above HOLD_MAX,
 * when its scan ends), before it waits for any count itself, so this
 * cannot deadlock. Otherwise, and for a chunk that no worker
 * has started, the count is made here. */
static uint64_t chunk_lines_before(struct worker *w, struct mapped *m, size_t k, bool wait)
{
    uint64_t total = 0;
    for (size_t j = 0; j < k; j++) {
        int64_t v = atomic_load(&m->nl[j]);
        if (v == NL_BUSY && wait) {
            pthread_mutex_lock(&m->mu);
            while ((v = atomic_load(&m->nl[j])) == NL_BUSY && !stopping(w->s)) {
                struct timespec until;
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += 100 * 1000000L; /* to notice a stop */
                if (until.tv_nsec >= 1000000000L) {
                    until.tv_sec++;
                    until.tv_nsec -= 1000000000L;
                }
                pthread_cond_timedwait(&m->cv, &m->mu, &until);
            }
            pthread_mutex_unlock(&m->mu);
        }
        if (v < 0) {
            size_t lo, hi;
            chunk_range(m, j, &lo, &hi);
            v = (int64_t)count_range(m->src, lo, hi);
            int64_t todo = NL_TODO;
            atomic_compare_exchange_strong(&m->nl[j], &todo, v);
        }
        total += (uint64_t)v;
    }
    return total;
}

/* Hits of a held chunk found in one step: from hit first on, starting at
 * step offset a, which has nl newlines between the chunk's start and it. */
struct held {
    size_t a, first;
    uint64_t nl;
};

/* Sends the hits held in steps[0, n), before: newlines before the chunk. */
static int send_held(struct worker *w, const char *path, const struct trawl_span *win,
                     const struct held *steps, unsigned n, uint64_t before)
{
    int r = 0;
    for (unsigned i = 0; i < n && !r; i++) {
        size_t to = i + 1 < n ? steps[i + 1].first : trawl_matcher_nhits(w->m);
        struct trawl_hit_origin o = {.file = path,
                                     .base = win->base,
                                     .len = win->len,
                                     .base_off = win->base_off,
                                     .line_at = steps[i].a - win->base_off,
                                     .line_base = before + steps[i].nl + 1,
                                     .timestamp = trawl_now_real(),
                                     .job = w->s->o->job};
        r = emit_hits(w, trawl_matcher_hits(w->m) + steps[i].first, to - steps[i].first, &o);
    }
    trawl_matcher_clear(w->m);
    return r;
}

/* Bytes [lo, hi) of a mapped file of len bytes (the whole file, or chunk k
 * of m), read with pread into the worker's buffer, with LOOKBEHIND bytes
 * before and the matcher's overlap (and a hit's context) after: copying
 * costs less than faulting the mapping in (bench/README.md), and a file
 * that shrinks under us just reads short, where the mapping would fault.
 * Newlines are counted in the buffer while it is in cache.
 *
 * A whole file is read, and its hits sent, a step at a time. A chunk (up
 * to HOLD_MAX bytes) is read and its newlines counted before it is scanned,
 * and its count is published at once; it holds its hits until its end, when
 * the counts of the chunks before it are known: their workers publish them
 * as they start (a wait is rare: only when a worker was descheduled). A
 * chunk that has found HOLD_HITS hits, or one above HOLD_MAX, counts the
 * chunks before it itself, and then sends its hits a step at a time.
 *
 * A file found shorter than len is reported once (*shrank, shared by its
 * chunks); the hits found before its new end are kept. Returns 0, or -1
 * (reported). */
static int scan_read(struct worker *w, struct trawl_src *src, size_t len, size_t lo, size_t hi,
                     bool utf16, struct mapped *m, size_t k, _Atomic bool *shrank)
{
    struct scan *s = w->s;
    const char *path = trawl_src_path(src);
    struct trawl_error err = {0};
    /* past the accepted bytes: the matcher's overlap, and a hit's context */
    size_t over = trawl_matcher_overlap(w->m) + CONTEXT_AFTER;
    bool whole = m && hi - lo <= HOLD_MAX; /* the chunk read, and counted, first */
    bool hold = whole && k > 0;
    bool known = !hold; /* before, the newlines before lo */
    uint64_t before = m && k > 0 && !hold ? chunk_lines_before(w, m, k, false) : 0;
    uint64_t nl = 0; /* newlines in [lo, counted) */
    size_t span = whole ? hi - lo : STEP;
    w->rb.len = 0;
    if (trawl_buf_reserve(&w->rb, LOOKBEHIND + span + over)) {
        report(s, path, "out of memory");
        if (m) chunk_publish(m, k, count_range(src, lo, hi));
        return -1;
    }
    struct trawl_span win = {.base = (const uint8_t *)w->rb.data, .utf16 = utf16};
    uint8_t *buf = (uint8_t *)w->rb.data;
    struct held steps[HOLD_MAX / STEP + 1];
    uint64_t stepnl[HOLD_MAX / STEP + 1]; /* whole: newlines in [lo, lo + i * STEP) */
    bool published = false;
    if (whole) {
        /* Read and count the whole chunk before scanning it, and publish
         * its count at once: the chunks after it, scanned at the same time,
         * then find it known when they end instead of waiting for this
         * scan's end. The scan then reads the chunk from the cache. */
        win.base_off = lo > LOOKBEHIND ? lo - LOOKBEHIND : 0;
        size_t wlo = (size_t)win.base_off;
        size_t full = (len - hi > over ? hi + over : len) - wlo;
        uint64_t c = 0;
        unsigned i = 0;
        for (size_t a = lo; a < hi; a += STEP, i++) {
            size_t b = hi - a > STEP ? a + STEP : hi;
            size_t upto = b == hi ? full : b - wlo; /* the last step reads the overlap too */
            if (win.len < upto) {
                ssize_t r =
                    trawl_src_pread(src, buf + win.len, upto - win.len, wlo + win.len, &err);
                if (r < 0) break; /* reported by the scan below, which reads again */
                win.len += (size_t)r;
            }
            stepnl[i] = c;
            size_t e = wlo + win.len < b ? wlo + win.len : b;
            if (e > a) c += trawl_count_lines(buf + (a - wlo), e - a);
            if (e < b) break; /* short: the file shrank (reported below) */
        }
        if (wlo + win.len >= hi) {
            chunk_publish(m, k, c);
            published = true;
        }
    }
    unsigned nsteps = 0, i = 0;
    size_t want = 0, a = lo;
    int ret = 0;
    for (; a < hi && !stopping(s); a += STEP, i++) {
        size_t b = hi - a > STEP ? a + STEP : hi;
        /* A whole chunk's window is the chunk; else each step has a window
         * of its own, read when it is scanned. */
        if (published) nl = stepnl[i];
        if (!whole) {
            win.base_off = a > LOOKBEHIND ? a - LOOKBEHIND : 0;
            win.len = 0;
        }
        size_t wlo = (size_t)win.base_off;
        want = (len - b > over ? b + over : len) - wlo;
        if (win.len < want) { /* short: the file shrank (reported below) */
            ssize_t r = trawl_src_pread(src, buf + win.len, want - win.len, wlo + win.len, &err);
            if (r < 0) {
                report_err(s, &err);
                ret = -1;
                break;
            }
            win.len += (size_t)r;
        }
        size_t end = wlo + win.len;
        if (end < b) b = end > a ? end : a;
        if (b > a) {
            size_t had = trawl_matcher_nhits(w->m);
            win.lo = a;
            win.hi = b;
            if (trawl_matcher_scan(w->m, &win, &err)) {
                if (!err.where[0]) snprintf(err.where, sizeof(err.where), "%s", path);
                report_err(s, &err);
                trawl_matcher_clear(w->m); /* the held hits too: a scan error drops all */
                nsteps = 0;
                ret = -1;
                break;
            }
            w->bytes += b - a;
            if (s->o->progress) atomic_fetch_add(s->o->progress, b - a);
            size_t counted = a;
            if (trawl_matcher_nhits(w->m) > had && !known) {
                steps[nsteps++] = (struct held){a, had, nl};
            } else if (trawl_matcher_nhits(w->m) > had) {
                struct trawl_hit_origin o = {.file = path,
                                             .base = buf,
                                             .len = win.len,
                                             .base_off = wlo,
                                             .line_at = a - wlo,
                                             .line_base = before + nl + 1,
                                             .timestamp = trawl_now_real(),
                                             .job = s->o->job};
                if (emit(w, &o)) {
                    ret = -1;
                    break;
                }
                counted = (size_t)w->line_off;
                nl = w->line_no - 1 - before;
            }
            if (!published) nl += trawl_count_lines(buf + (counted - wlo), b - counted);
        }
        if (win.len < want && b >= end) {
            if (!atomic_exchange(shrank, true))
                report(s, path,
                       "file shrank while it was scanned (it now ends at byte %zu of %zu); "
                       "hits found before it are kept",
                       end, len);
            ret = -1;
            break;
        }
        if (!known && trawl_matcher_nhits(w->m) >= HOLD_HITS) {
            known = true;
            before = chunk_lines_before(w, m, k, false);
            if (send_held(w, path, &win, steps, nsteps, before)) {
                ret = -1;
                break;
            }
            nsteps = 0;
        }
    }
    if (m && !published) /* the chunk's count, for the chunks after it */
        chunk_publish(m, k, a >= hi && !ret ? nl : count_range(src, lo, hi));
    if (nsteps && !s->halt) { /* a held chunk: its hits, once the counts before it are known */
        before = chunk_lines_before(w, m, k, true);
        if (send_held(w, path, &win, steps, nsteps, before)) ret = -1;
    }
    trawl_matcher_clear(w->m);
    return ret;
}

/* ---- streams --------------------------------------------------------- */

/* A stream is read into a ring of blocks. The reader (a thread for gzip,
 * else the owning worker itself, between blocks) fills each block with the
 * previous window's tail (the carry) followed by new bytes, and fixes the
 * block's accepted range and the newlines before it, so a block can be
 * scanned by any worker, in any order. The worker that opened the stream
 * scans blocks as they come; with -j above 1 the reader also queues a task
 * that lets an idle worker scan blocks alongside (a single large .gz then
 * uses every core the inflate thread leaves free). A slot is refilled once
 * it and every block before it have been scanned. */
struct block {
    uint8_t *mem;      /* carry room + block */
    size_t ncarry, n;  /* carried bytes (ending at mem + carry), new bytes after them */
    uint64_t base_off; /* stream offset of mem + carry - ncarry */
    uint64_t lo, hi;   /* accepted range, stream offsets */
    /* Newlines: nl in [lo, hi), counted by the block's scanner before it
     * scans (-1 until then; the reader, the one thread that cannot keep up
     * with a .gz, does not count); lines before lo, known (lines_known)
     * once every block before it has been counted. Under st->mu. */
    int64_t nl;
    uint64_t lines;
    bool lines_known;
    bool last, failed, done;
    struct trawl_error err;
};

struct stream {
    struct scan *s;
    const char *path;
    struct trawl_src *src;
    size_t overlap, carry, block; /* block: new bytes per block */
    bool threaded, utf16, pipe;
    /* the reader's own state (only the reader touches src) */
    bool first;
    uint8_t *tail; /* the last bytes read so far (at most carry) */
    size_t ntail;
    uint64_t next, acc; /* next new byte, accepted so far */
    /* under mu: the first block whose lines are not known yet, and the
     * newlines before it */
    uint64_t counted, counted_lines;
    /* the ring, under mu; counters, slot = counter % nb */
    unsigned nb;
    struct block *b;
    uint64_t filled, claimed, released;
    bool ended; /* the last block is filled */
    bool quit;  /* stop reading: an error, or the owner is leaving */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct worker *rw; /* the reader's, when it may scan too (-j above 1); its matcher
                          is made the first time the ring fills, so that small files
                          (most rotated logs) never pay for a scratch */
    _Atomic bool helper_queued;
    _Atomic int refs;
};

static void stream_release(struct stream *st)
{
    if (atomic_fetch_sub(&st->refs, 1) != 1) return;
    for (unsigned i = 0; st->b && i < st->nb; i++)
        free(st->b[i].mem);
    free(st->b);
    free(st->tail);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    free(st);
}

/* Fills a block. Files fill it whole; pipes and terminals hand over what
 * has arrived (a read that returned less than asked), so that a live feed
 * such as `tail -f log | trawl scan -` shows its hits as they come. */
static void fill(struct stream *st, struct block *b)
{
    b->n = 0;
    b->last = b->failed = b->done = false;
    b->ncarry = st->ntail;
    uint8_t *win = b->mem + st->carry - st->ntail;
    memcpy(win, st->tail, st->ntail);
    while (b->n < st->block) {
        ssize_t n = trawl_src_read(st->src, b->mem + st->carry + b->n, st->block - b->n, &b->err);
        if (n < 0) {
            b->failed = b->last = true;
            break;
        }
        if (n == 0) {
            b->last = true;
            break;
        }
        b->n += (size_t)n;
        if (st->pipe && trawl_src_kind(st->src) == TRAWL_IN_RAW) break;
    }
    size_t wlen = b->ncarry + b->n;
    b->base_off = st->next - b->ncarry;
    st->next += b->n;
    if (st->first) {
        st->utf16 = want_utf16(st->s, win, wlen);
        st->first = false;
    }
    uint64_t hi = b->last ? st->next : (st->next > st->overlap ? st->next - st->overlap : 0);
    if (hi < st->acc) hi = st->acc;
    b->lo = st->acc;
    b->hi = hi;
    b->nl = -1;
    b->lines_known = false;
    st->acc = hi;
    /* keep the tail for the next block: overlap + look-behind */
    st->ntail = wlen < st->carry ? wlen : st->carry;
    memcpy(st->tail, win + wlen - st->ntail, st->ntail);
}

static void push_task_locked(struct scan *s, struct task t);

/* Counts block b's newlines, then waits until the newlines before it are
 * known: its scanner calls this first, before anything that can wait or
 * fail, and blocks are claimed in order, so every block before b has been
 * counted or soon will be (no deadlock; a wait is short). Returns the
 * newlines before b->lo. */
static uint64_t block_lines(struct stream *st, struct block *b)
{
    uint8_t *win = b->mem + st->carry - b->ncarry;
    uint64_t n = trawl_count_lines(win + (b->lo - b->base_off), (size_t)(b->hi - b->lo));
    pthread_mutex_lock(&st->mu);
    b->nl = (int64_t)n;
    bool moved = false;
    while (st->counted < st->filled) {
        struct block *c = &st->b[st->counted % st->nb];
        if (c->nl < 0) break;
        c->lines = st->counted_lines;
        c->lines_known = true;
        st->counted_lines += (uint64_t)c->nl;
        st->counted++;
        moved = true;
    }
    if (moved) pthread_cond_broadcast(&st->cv);
    while (!b->lines_known)
        pthread_cond_wait(&st->cv, &st->mu);
    uint64_t lines = b->lines;
    pthread_mutex_unlock(&st->mu);
    return lines;
}

/* Scans one filled block: its accepted range in steps, hits flushed per
 * step. Returns -1 when the stream must stop (scan or write failure). */
static int scan_block(struct worker *w, struct stream *st, struct block *b)
{
    struct scan *s = w->s;
    uint8_t *win = b->mem + st->carry - b->ncarry;
    size_t wlen = b->ncarry + b->n;
    uint64_t lines = block_lines(st, b), counted = b->lo;
    int ret = 0;
    for (uint64_t a = b->lo; a < b->hi && !stopping(s); a += STEP) {
        uint64_t e = b->hi - a > STEP ? a + STEP : b->hi;
        struct trawl_span sp = {.base = win,
                                .len = wlen,
                                .base_off = b->base_off,
                                .lo = a,
                                .hi = e,
                                .utf16 = st->utf16};
        struct trawl_error err = {0};
        if (trawl_matcher_scan(w->m, &sp, &err)) {
            snprintf(err.where, sizeof(err.where), "%s", st->path);
            report_err(s, &err);
            trawl_matcher_clear(w->m);
            ret = -1;
            break;
        }
        if (trawl_matcher_nhits(w->m)) {
            lines += trawl_count_lines(win + (counted - b->base_off), (size_t)(a - counted));
            counted = a;
            struct trawl_hit_origin o = {.file = st->path,
                                         .base = win,
                                         .len = wlen,
                                         .base_off = b->base_off,
                                         .line_at = (size_t)(a - b->base_off),
                                         .line_base = lines + 1,
                                         .timestamp = trawl_now_real(),
                                         .job = s->o->job};
            if (emit(w, &o)) ret = -1;
            counted = w->line_off;
            lines = w->line_no - 1;
        }
        w->bytes += e - a;
        if (s->o->progress) atomic_fetch_add(s->o->progress, e - a);
        if (ret) break;
    }
    if (st->pipe) /* a live feed: hand hits over now */
        trawl_sinks_flush(s->o->sinks);
    if (b->failed) {
        report_err(s, &b->err);
        ret = -1;
    }
    return ret;
}

/* Under st->mu: block b is scanned (r: scan_block's result); frees the
 * slots of the scanned blocks at the head of the ring. */
static void block_done(struct stream *st, struct block *b, int r)
{
    if (r) st->quit = true;
    b->done = true;
    while (st->released < st->claimed && st->b[st->released % st->nb].done) {
        st->b[st->released % st->nb].done = false;
        st->released++;
    }
    pthread_cond_broadcast(&st->cv);
}

/* Under st->mu: reads the next block into its slot (the lock is dropped
 * while reading) and hands it out. */
static void fill_next(struct stream *st)
{
    struct block *b = &st->b[st->filled % st->nb];
    pthread_mutex_unlock(&st->mu);
    fill(st, b);
    pthread_mutex_lock(&st->mu);
    st->filled++;
    st->ended = b->last;
    pthread_cond_broadcast(&st->cv);
}

/* Under st->mu: claims the next filled block and scans it with w's matcher
 * (the lock is dropped meanwhile). Returns scan_block's result. */
static int scan_next(struct worker *w, struct stream *st)
{
    struct block *b = &st->b[st->claimed++ % st->nb];
    pthread_mutex_unlock(&st->mu);
    int r = scan_block(w, st, b);
    pthread_mutex_lock(&st->mu);
    block_done(st, b, r);
    return r;
}

/* Scans filled blocks until none is left to claim; the owner (the worker
 * that opened the stream) also waits for, or reads, the blocks to come,
 * until the stream ends. Returns -1 if a block failed. */
static int run_blocks(struct worker *w, struct stream *st, bool owner)
{
    int ret = 0;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        if (st->claimed < st->filled && !st->quit) {
            if (scan_next(w, st)) ret = -1;
            continue;
        }
        if (!owner || st->quit || (st->ended && st->claimed == st->filled)) break;
        if (stopping(w->s)) {
            st->quit = true;
            pthread_cond_broadcast(&st->cv);
            break;
        }
        if (!st->threaded) { /* read the next block here (the ring is empty) */
            fill_next(st);
            continue;
        }
        pthread_cond_wait(&st->cv, &st->mu);
    }
    pthread_mutex_unlock(&st->mu);
    return ret;
}

/* The reader thread. With -j above 1, when the ring is full it scans a
 * waiting block itself instead of sleeping (with its own matcher), so on
 * two cores a single .gz keeps both busy: one inflating and scanning, one
 * scanning. With -j above 2 it also queues tasks for idle pool workers. */
static void *reader_main(void *arg)
{
    struct stream *st = arg;
    struct scan *s = st->s;
    pthread_mutex_lock(&st->mu);
    while (!st->ended) {
        while (st->filled - st->released == st->nb && !st->quit) {
            if (st->rw && !st->rw->m && st->claimed < st->filled) {
                struct trawl_error err = {0};
                pthread_mutex_unlock(&st->mu);
                int r = trawl_matcher_new(s->db, &st->rw->m, &err);
                pthread_mutex_lock(&st->mu);
                if (r) st->rw = NULL; /* no scratch: only read */
                continue;
            }
            if (st->rw && st->claimed < st->filled) {
                scan_next(st->rw, st);
                continue;
            }
            pthread_cond_wait(&st->cv, &st->mu);
        }
        if (st->quit) break;
        fill_next(st);
        if (s->threads > 2 && !atomic_exchange(&st->helper_queued, true)) {
            atomic_fetch_add(&st->refs, 1);
            pthread_mutex_unlock(&st->mu);
            pthread_mutex_lock(&s->lock);
            size_t before = s->ntasks;
            push_task_locked(s, (struct task){.st = st});
            bool pushed = s->ntasks != before;
            pthread_mutex_unlock(&s->lock);
            if (!pushed) { /* queue full: no help */
                atomic_store(&st->helper_queued, false);
                stream_release(st);
            }
            pthread_mutex_lock(&st->mu);
        }
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

/* A task queued by a stream's reader: scan what is there, then leave. */
static void scan_stream_helper(struct worker *w, struct stream *st)
{
    atomic_store(&st->helper_queued, false);
    run_blocks(w, st, false);
    stream_release(st);
}

static int scan_stream(struct worker *w, const char *path, struct trawl_src *src, bool threaded)
{
    struct scan *s = w->s;
    struct stream *st = calloc(1, sizeof(*st));
    if (!st) {
        report(s, path, "out of memory");
        return -1;
    }
    st->s = s;
    st->path = path;
    st->src = src;
    st->overlap = trawl_matcher_overlap(w->m);
    st->carry = st->overlap + LOOKBEHIND;
    /* the chunk size of mapped files, 4 MiB by default */
    st->block = s->o->chunk_size ? s->o->chunk_size : BLOCK;
    if (st->block < (64u << 10)) st->block = 64u << 10;
    st->threaded = threaded;
    st->pipe = trawl_src_size(src) < 0;
    st->first = true;
    /* a block being read, one per worker being scanned, one in reserve */
    st->nb = threaded ? (s->threads < 6 ? s->threads + 2 : 8) : 1;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    atomic_init(&st->refs, 1);
    atomic_init(&st->helper_queued, false);
    st->tail = malloc(st->carry);
    st->b = calloc(st->nb, sizeof(*st->b));
    bool ok = st->tail && st->b;
    for (unsigned i = 0; ok && i < st->nb; i++)
        ok = (st->b[i].mem = malloc(st->carry + st->block)) != NULL;
    if (!ok) {
        report(s, path, "out of memory");
        stream_release(st);
        return -1;
    }
    struct worker rw = {.s = s};
    if (threaded && s->threads > 1) st->rw = &rw;
    pthread_t th;
    if (threaded && pthread_create(&th, NULL, reader_main, st)) st->threaded = threaded = false;
    int ret = run_blocks(w, st, true);
    if (threaded) {
        pthread_mutex_lock(&st->mu);
        st->quit = true;
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(th, NULL);
    }
    if (rw.m) { /* what the reader scanned counts as this worker's */
        w->bytes += rw.bytes;
        w->hits += rw.hits;
        for (int t = 0; t < TRAWL_T_COUNT; t++)
            w->by_type[t] += rw.by_type[t];
        trawl_matcher_free(rw.m);
        trawl_buf_free(&rw.rb);
    }
    /* the reader is gone: the source is no longer read (helpers still
     * scanning a block keep the stream alive, not the source) */
    stream_release(st);
    return ret;
}

/* ---- tasks ------------------------------------------------------------- */

static void push_task_locked(struct scan *s, struct task t)
{
    if (s->ntasks == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct task *n = realloc(s->tasks, cap * sizeof(*n));
        if (!n) return; /* the chunk is then scanned by its owner: see release */
        s->tasks = n;
        s->cap = cap;
    }
    s->tasks[s->ntasks++] = t;
    pthread_cond_signal(&s->cond);
}

static void release(struct mapped *m)
{
    if (atomic_fetch_sub(&m->refs, 1) == 1) {
        trawl_src_close(m->src);
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        free(m->nl);
        free(m);
    }
}

static void scan_chunk(struct worker *w, struct mapped *m, size_t k)
{
    size_t lo, hi;
    chunk_range(m, k, &lo, &hi);
    int64_t todo = NL_TODO; /* else a worker waiting for it has counted it */
    atomic_compare_exchange_strong(&m->nl[k], &todo, NL_BUSY);
    if (w->m)
        scan_read(w, m->src, m->len, lo, hi, m->utf16, m, k, &m->shrank);
    else /* no matcher (its scratch could not be made): the count, for the others */
        chunk_publish(m, k, count_range(m->src, lo, hi));
    release(m);
}

/* A .gz whose content starts with a pcap or pcapng magic. */
static bool gzip_holds_capture(const char *path, unsigned flags)
{
    struct trawl_src *src;
    if (trawl_src_open(path, flags, &src, NULL)) return false;
    uint8_t head[4];
    size_t have = 0;
    while (have < sizeof(head)) {
        ssize_t n = trawl_src_read(src, head + have, sizeof(head) - have, NULL);
        if (n <= 0) break;
        have += (size_t)n;
    }
    trawl_src_close(src);
    enum trawl_input_kind k = trawl_cap_sniff(head, have);
    return k == TRAWL_IN_PCAP || k == TRAWL_IN_PCAPNG;
}

/* A capture's flows are spread over workers of its own (netscan.c): one
 * for this pool worker and one for each pool worker idle when it starts, so
 * that several captures scanned at once do not each start -j threads; with
 * -j1 the pool's worker runs it alone. The hits do not depend on the count. */
static void scan_capture(struct worker *w, const char *path)
{
    struct scan *s = w->s;
    pthread_mutex_lock(&s->lock);
    unsigned idle = s->threads > s->busy ? s->threads - s->busy : 0;
    pthread_mutex_unlock(&s->lock);
    unsigned lanes = 1 + idle < s->threads ? 1 + idle : s->threads;
    struct netscan_opts no = {.sinks = s->o->sinks,
                              .job = s->o->job,
                              .stop = s->o->stop,
                              .threads = lanes,
                              .max_flows = s->o->max_flows,
                              .stream_mem = s->o->stream_mem};
    struct netscan_stats ns = {0};
    struct trawl_error err = {0};
    if (trawl_netscan(s->db, w->m, path, &no, &ns, &err)) report_err(s, &err);
    w->bytes += ns.bytes;
    w->hits += ns.hits;
    w->packets += ns.packets;
    w->flows += ns.flows;
    w->flows_timeout += ns.flows_timeout;
    w->flows_evicted += ns.flows_evicted;
    for (int t = 0; t < TRAWL_T_COUNT; t++)
        w->by_type[t] += ns.by_type[t];
    if (s->o->progress) atomic_fetch_add(s->o->progress, ns.bytes);
}

static void scan_file(struct worker *w, const char *path)
{
    struct scan *s = w->s;
    struct trawl_src *src = NULL;
    struct trawl_error err = {0};
    if (trawl_src_open(path, s->o->src_flags, &src, &err)) {
        report_err(s, &err);
        return;
    }
    pthread_mutex_lock(&s->lock);
    s->st.files++;
    pthread_mutex_unlock(&s->lock);
    enum trawl_input_kind kind = trawl_src_kind(src);
    if (kind == TRAWL_IN_GZIP && gzip_holds_capture(path, s->o->src_flags)) kind = TRAWL_IN_PCAP;
    if (kind == TRAWL_IN_PCAP || kind == TRAWL_IN_PCAPNG) {
        trawl_src_close(src);
        scan_capture(w, path);
        return;
    }
    const uint8_t *data;
    size_t len;
    if (trawl_src_map(src, &data, &len) == 0) {
        /* the mapping itself is not read: see scan_read */
        uint8_t head[4096];
        struct trawl_error herr = {0};
        ssize_t hn = trawl_src_pread(src, head, len < sizeof(head) ? len : sizeof(head), 0, &herr);
        if (hn < 0) {
            report_err(s, &herr);
            trawl_src_close(src);
            return;
        }
        bool utf16 = want_utf16(s, head, (size_t)hn);
        size_t chunk = s->o->chunk_size ? s->o->chunk_size : FILE_CHUNK;
        if (len > 2 * chunk && s->o->threads > 1) {
            struct mapped *m = calloc(1, sizeof(*m));
            size_t nchunks = (len + chunk - 1) / chunk;
            _Atomic int64_t *nl = m ? calloc(nchunks, sizeof(*nl)) : NULL;
            if (m && nl) {
                *m = (struct mapped){
                    .src = src, .len = len, .chunk = chunk, .utf16 = utf16, .nl = nl};
                for (size_t j = 0; j < nchunks; j++)
                    atomic_init(&nl[j], NL_TODO);
                atomic_init(&m->refs, (int)nchunks);
                atomic_init(&m->shrank, false);
                pthread_mutex_init(&m->mu, NULL);
                pthread_cond_init(&m->cv, NULL);
                pthread_mutex_lock(&s->lock);
                size_t pushed = 1;
                for (size_t j = 1; j < nchunks; j++, pushed++) {
                    size_t before = s->ntasks;
                    push_task_locked(s, (struct task){.m = m, .k = j});
                    if (s->ntasks == before) break;
                }
                pthread_mutex_unlock(&s->lock);
                scan_chunk(w, m, 0);
                for (size_t j = pushed; j < nchunks; j++) /* queue full: do them here */
                    scan_chunk(w, m, j);
                return;
            }
            free(m);
            free(nl);
        }
        _Atomic bool shrank = false;
        if (w->m) scan_read(w, src, len, 0, len, utf16, NULL, 0, &shrank);
        trawl_src_close(src);
        return;
    }
    scan_stream(w, path, src, kind == TRAWL_IN_GZIP);
    trawl_src_close(src);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct scan *s = w->s;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (s->head == s->ntasks && !(s->done_walking && s->busy == 0) && !stopping(s))
            pthread_cond_wait(&s->cond, &s->lock);
        if (s->head == s->ntasks || stopping(s)) {
            /* drain: chunks still queued must release their file */
            while (s->head < s->ntasks && stopping(s)) {
                struct task t = s->tasks[s->head++];
                if (t.m) release(t.m);
                if (t.st) stream_release(t.st);
            }
            pthread_cond_broadcast(&s->cond);
            pthread_mutex_unlock(&s->lock);
            break;
        }
        struct task t = s->tasks[s->head++];
        s->busy++;
        pthread_mutex_unlock(&s->lock);
        if (t.m)
            scan_chunk(w, t.m, t.k);
        else if (t.st)
            scan_stream_helper(w, t.st);
        else
            scan_file(w, t.path);
        pthread_mutex_lock(&s->lock);
        s->busy--;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
    }
    trawl_buf_free(&w->rb);
    return NULL;
}

struct walk_ctx {
    struct scan *s;
};

static int on_file(void *ud, const char *path, const struct stat *st)
{
    struct scan *s = ((struct walk_ctx *)ud)->s;
    char *copy = strdup(path);
    if (!copy) return 1;
    pthread_mutex_lock(&s->lock);
    push_task_locked(s, (struct task){.path = copy});
    pthread_mutex_unlock(&s->lock);
    return stopping(s);
}

static void on_walk_err(void *ud, const char *path, const char *msg)
{
    report(((struct walk_ctx *)ud)->s, path, "%s", msg);
}

int trawl_scan_paths(const struct trawl_db *db, const char *const *paths, size_t npaths,
                     const struct trawl_scan_opts *opts, struct trawl_scan_stats *stats)
{
    double t0 = trawl_now_mono();
    struct scan s = {.db = db, .o = opts};
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cond, NULL);
    unsigned n = opts->threads ? opts->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    s.threads = n;
    struct worker *ws = calloc(n, sizeof(*ws));
    unsigned started = 0;
    int ret = 0;
    if (!ws) {
        report(&s, "scan", "out of memory");
        ret = -1;
        goto out;
    }
    for (unsigned i = 0; i < n; i++) {
        struct trawl_error err = {0};
        ws[i].s = &s;
        if (trawl_matcher_new(db, &ws[i].m, &err)) {
            report_err(&s, &err);
            ret = -1;
            goto stop;
        }
        if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i])) {
            trawl_matcher_free(ws[i].m);
            ws[i].m = NULL;
            report(&s, "scan", "cannot start worker thread");
            break;
        }
        started++;
    }
    /* "-" and every other path go through the walk, which passes explicitly
     * named non-directories (stdin, devices) straight on. */
    struct walk_ctx wc = {&s};
    trawl_cap_walk(paths, npaths, on_file, on_walk_err, &wc);
stop:
    pthread_mutex_lock(&s.lock);
    s.done_walking = true;
    pthread_cond_broadcast(&s.cond);
    pthread_mutex_unlock(&s.lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(ws[i].th, NULL);
    if (!started && s.ntasks) {
        report(&s, "scan", "no worker could start");
        ret = -1;
    }
    for (unsigned i = 0; ws && i < n; i++) {
        s.st.bytes += ws[i].bytes;
        s.st.hits += ws[i].hits;
        s.st.packets += ws[i].packets;
        s.st.flows += ws[i].flows;
        s.st.flows_timeout += ws[i].flows_timeout;
        s.st.flows_evicted += ws[i].flows_evicted;
        for (int t = 0; t < TRAWL_T_COUNT; t++)
            s.st.hits_by_type[t] += ws[i].by_type[t];
        trawl_matcher_free(ws[i].m);
    }
out:
    for (size_t i = 0; i < s.ntasks; i++)
        free((char *)s.tasks[i].path); /* NULL for chunks and stream blocks */
    free(s.tasks);
    free(ws);
    s.st.interrupted = opts->stop && *opts->stop;
    s.st.seconds = trawl_now_mono() - t0;
    *stats = s.st;
    pthread_mutex_destroy(&s.lock);
    pthread_cond_destroy(&s.cond);
    return ret || s.st.errors ? -1 : 0;
}
