/* The worker threads of one capture (-j N, see netscan.c): one thread per
 * lane, fed by the reader through a ring of RING batches per lane.
 *
 * A batch holds up to BATCH_PKTS decoded packets (the decoded header fields
 * and a copy of the payload bytes in the batch's arena), or one message
 * (expire, flush, quit). Each ring has two counters: `filled`, written only
 * by the reader, and `done`, written only by the lane's thread; slot
 * k % RING belongs to the reader while k - done < RING and k >= filled, to
 * the lane while done <= k < filled. A batch is filled without any lock and
 * published by one store (release); the lane reads it after one load
 * (acquire), so a packet costs no lock, no atomic and no system call. A side
 * that finds the ring empty (lane) or full (reader) sleeps on the ring's
 * mutex and condition variable after raising its `sleeping` flag; the other
 * side signals only when it sees that flag after its store (both sequentially
 * consistent, so one of the two always sees the other's write). With the
 * reader ahead of the lanes, the cost is at most one wake-up per batch.
 *
 * Within a batch the lane prefetches the flow table's bucket and entry of
 * packets a few places ahead, which the single-thread path does with its
 * decode-ahead batch. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "netscan.h"

#define BATCH_PKTS 256     /* packets per batch */
#define RING 8             /* batches per lane */
#define ARENA (256u << 10) /* payload bytes per batch (grows for a larger packet) */
#define AHEAD 8            /* flow entries prefetched this many packets ahead */

enum kind { B_PKTS, B_EXPIRE, B_FLUSH, B_QUIT };

struct rec {
    struct trawl_decoded d; /* payload == NULL: the bytes are at arena + off */
    int64_t ts;
    uint64_t index, hash;
    size_t off;
};

struct batch {
    int kind;
    unsigned n;
    int64_t now; /* B_EXPIRE */
    size_t used, cap;
    uint8_t *arena;
    struct rec rec[BATCH_PKTS];
};

struct ring {
    struct netlane *lane;
    pthread_t th;
    bool started;
    struct batch *cur; /* the reader's batch being filled, or NULL */
    uint64_t next;     /* the reader's copy of filled */
    struct batch b[RING];
    char pad0[64];
    _Atomic uint64_t filled;
    char pad1[64];
    _Atomic uint64_t done;
    char pad2[64];
    atomic_int lane_sleeps, reader_sleeps;
    pthread_mutex_t mu;
    pthread_cond_t work, room;
};

struct netpool {
    unsigned n;
    struct ring *r;
};

/* ---- the lane's side -------------------------------------------------------- */

static void run_packets(struct netlane *l, struct batch *b)
{
    unsigned n = b->n;
    for (unsigned k = 0; k < n && k < 2 * AHEAD; k++)
        netlane_prefetch_bucket(l, b->rec[k].hash);
    for (unsigned k = 0; k < n && k < AHEAD; k++)
        netlane_prefetch_flow(l, b->rec[k].hash);
    for (unsigned k = 0; k < n; k++) {
        if (k + 2 * AHEAD < n) netlane_prefetch_bucket(l, b->rec[k + 2 * AHEAD].hash);
        if (k + AHEAD < n) netlane_prefetch_flow(l, b->rec[k + AHEAD].hash);
        struct rec *r = &b->rec[k];
        r->d.payload = b->arena + r->off;
        netlane_packet(l, &r->d, r->hash, r->ts, r->index);
    }
}

static void *lane_main(void *arg)
{
    struct ring *q = arg;
    for (uint64_t d = 0;; d++) {
        if (atomic_load_explicit(&q->filled, memory_order_acquire) == d) {
            pthread_mutex_lock(&q->mu);
            atomic_store(&q->lane_sleeps, 1);
            while (atomic_load(&q->filled) == d)
                pthread_cond_wait(&q->work, &q->mu);
            atomic_store(&q->lane_sleeps, 0);
            pthread_mutex_unlock(&q->mu);
        }
        struct batch *b = &q->b[d % RING];
        int kind = b->kind;
        switch (kind) {
        case B_PKTS:
            run_packets(q->lane, b);
            break;
        case B_EXPIRE:
            netlane_expire(q->lane, b->now);
            break;
        case B_FLUSH:
            netlane_flush(q->lane);
            break;
        default:
            break;
        }
        netlane_publish(q->lane);
        atomic_store(&q->done, d + 1);
        if (atomic_load(&q->reader_sleeps)) {
            pthread_mutex_lock(&q->mu);
            pthread_cond_signal(&q->room);
            pthread_mutex_unlock(&q->mu);
        }
        if (kind == B_QUIT) return NULL;
    }
}

/* ---- the reader's side ------------------------------------------------------ */

/* Waits until the lane has handled everything before batch `upto`. */
static void wait_done(struct ring *q, uint64_t upto)
{
    if (atomic_load_explicit(&q->done, memory_order_acquire) >= upto) return;
    pthread_mutex_lock(&q->mu);
    atomic_store(&q->reader_sleeps, 1);
    while (atomic_load(&q->done) < upto)
        pthread_cond_wait(&q->room, &q->mu);
    atomic_store(&q->reader_sleeps, 0);
    pthread_mutex_unlock(&q->mu);
}

/* The next free slot, empty, of kind B_PKTS. */
static struct batch *take(struct ring *q)
{
    if (q->next >= RING) wait_done(q, q->next - RING + 1);
    struct batch *b = &q->b[q->next % RING];
    b->kind = B_PKTS;
    b->n = 0;
    b->used = 0;
    return b;
}

/* Hands the slot taken last over to the lane. */
static void give(struct ring *q)
{
    q->cur = NULL;
    atomic_store(&q->filled, ++q->next);
    if (atomic_load(&q->lane_sleeps)) {
        pthread_mutex_lock(&q->mu);
        pthread_cond_signal(&q->work);
        pthread_mutex_unlock(&q->mu);
    }
}

static void kick(struct ring *q)
{
    if (q->cur && q->cur->n) give(q);
}

static void message(struct ring *q, int kind, int64_t now)
{
    kick(q);
    if (q->cur) q->cur = NULL; /* taken but empty: reused as the message */
    struct batch *b = take(q);
    b->kind = kind;
    b->now = now;
    give(q);
}

int netpool_push(struct netpool *p, unsigned w, const struct trawl_decoded *dp, int64_t ts_ns,
                 uint64_t index, uint64_t hash)
{
    struct ring *q = &p->r[w];
    size_t len = dp->payload_len;
    struct batch *b = q->cur;
    if (b && b->used + len > b->cap) give(q);
    if (!q->cur) q->cur = take(q);
    b = q->cur;
    if (len > b->cap) { /* larger than any packet so far: b is empty */
        size_t cap = b->cap;
        while (cap < len)
            cap *= 2;
        uint8_t *a = realloc(b->arena, cap);
        if (!a) return TRAWL_ENOMEM;
        b->arena = a;
        b->cap = cap;
    }
    struct rec *r = &b->rec[b->n++];
    r->d = *dp;
    r->d.payload = NULL;
    r->d.l3 = NULL;
    r->d.l3_len = 0;
    r->ts = ts_ns;
    r->index = index;
    r->hash = hash;
    r->off = b->used;
    if (len) memcpy(b->arena + b->used, dp->payload, len);
    b->used += len;
    if (b->n == BATCH_PKTS) give(q);
    return 0;
}

void netpool_kick(struct netpool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        kick(&p->r[i]);
}

void netpool_drain(struct netpool *p)
{
    netpool_kick(p);
    for (unsigned i = 0; i < p->n; i++)
        wait_done(&p->r[i], p->r[i].next);
}

void netpool_expire(struct netpool *p, int64_t now_ns)
{
    for (unsigned i = 0; i < p->n; i++)
        message(&p->r[i], B_EXPIRE, now_ns);
}

void netpool_flush(struct netpool *p)
{
    for (unsigned i = 0; i < p->n; i++)
        message(&p->r[i], B_FLUSH, 0);
    netpool_drain(p);
}

static void ring_destroy(struct ring *q)
{
    for (unsigned k = 0; k < RING; k++)
        free(q->b[k].arena);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->work);
    pthread_cond_destroy(&q->room);
}

void netpool_free(struct netpool *p)
{
    if (!p) return;
    for (unsigned i = 0; i < p->n; i++) {
        struct ring *q = &p->r[i];
        if (!q->started) continue;
        message(q, B_QUIT, 0);
        pthread_join(q->th, NULL);
    }
    for (unsigned i = 0; i < p->n; i++)
        ring_destroy(&p->r[i]);
    free(p->r);
    free(p);
}

int netpool_new(struct netlane *const *lanes, unsigned n, struct netpool **ret)
{
    struct netpool *p = calloc(1, sizeof(*p));
    if (!p) return TRAWL_ENOMEM;
    p->r = calloc(n, sizeof(*p->r));
    if (!p->r) {
        free(p);
        return TRAWL_ENOMEM;
    }
    p->n = n;
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        struct ring *q = &p->r[i];
        q->lane = lanes[i];
        pthread_mutex_init(&q->mu, NULL);
        pthread_cond_init(&q->work, NULL);
        pthread_cond_init(&q->room, NULL);
        for (unsigned k = 0; k < RING; k++) {
            q->b[k].cap = ARENA;
            if (!(q->b[k].arena = malloc(ARENA))) rc = TRAWL_ENOMEM;
        }
    }
    /* Signals go to the reader (the thread that waits in libpcap and polls
     * the stop and reload flags), not to the workers. */
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    sigdelset(&all, SIGABRT);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 0; !rc && i < n; i++) {
        struct ring *q = &p->r[i];
        if (pthread_create(&q->th, NULL, lane_main, q))
            rc = TRAWL_EIO;
        else
            q->started = true;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        netpool_free(p);
        return rc;
    }
    *ret = p;
    return 0;
}
