/* The Redis Streams sink (redis://HOST:PORT/STREAM): one XADD entry per hit,
 * pipelined through hiredis, with the fields of docs/hits.md. It loses
 * nothing: hits Redis has not confirmed go in order to a local JSONL spool
 * while the server is away, the connection is retried with backoff and the
 * spool is replayed before any newer hit. Delivery is at-least-once; hit_id
 * lets consumers drop the duplicates an outage can cause. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "sink_internal.h"

#define BATCH 512              /* XADDs written per pipelined batch */
#define SPOOL_BUF (256u << 10) /* spool appends are buffered up to this */
#define BACKOFF_MIN 0.1        /* seconds before the first reconnection */
#define BACKOFF_MAX 5.0
#define CONNECT_TIMEOUT_S 1
#define IO_TIMEOUT_S 5    /* a server silent this long counts as gone */
#define FINAL_WAIT_S 30.0 /* default of TRAWL_REDIS_FINAL_WAIT */
#define NFIELDS 10

/*
 * Modes. The sink is in one of two modes:
 *
 *   direct   connected and the spool is empty: hits are RESP-encoded into
 *            `cur`; a full batch is written, then the replies to the batch
 *            written before it (`out`) are read, so Redis works on one batch
 *            while the next is formatted. A hit leaves memory only when its
 *            reply arrived.
 *   spooling the spool file is open (fd >= 0): every new hit is appended to
 *            it, whether connected or not, so that order is kept. When
 *            connected, each write replays one batch from the spool's
 *            confirmed prefix (`done`) on; a flush replays all of it. Once
 *            everything is confirmed the file is removed and the sink goes
 *            back to direct.
 *
 * Any connection or server error (refused, reset, timeout, an error reply
 * such as LOADING or OOM) drops the connection: the unconfirmed hits of `out`
 * and `cur` are appended to the spool in order, and a reconnection is tried
 * on a later write or flush after a backoff of 100 ms doubling to 5 s. An
 * entry Redis stored but whose reply was lost is sent again: a duplicate with
 * the same hit_id. The final flush retries for up to TRAWL_REDIS_FINAL_WAIT
 * seconds, then fails naming the spool, which keeps the undelivered hits as
 * JSON lines; a later run with the same spool replays them first.
 */

static const char *const field_names[NFIELDS] = {
    "hit_id",  "timestamp",    "event_type", "ioc.value", "ioc.type",
    "ioc.tlp", "ioc.severity", "file",       "offset",    "json",
};

struct entry {
    const char *v[NFIELDS];
    size_t n[NFIELDS];
};

struct batch {
    struct trawl_buf resp;  /* XADD commands, RESP-encoded */
    struct trawl_buf lines; /* their JSON lines, in order, for the spool */
    size_t n;
};

struct rsink {
    struct sink *s;
    char *host;
    int port;
    char *stream;
    char *spool;
    struct trawl_buf head; /* "*23 XADD <stream> *" in RESP */
    redisContext *c;       /* NULL while disconnected */
    double backoff;        /* seconds; 0 after a good connection */
    double next_try;       /* monotonic time of the next connection attempt */
    double final_wait;
    char last_err[256];
    struct batch b[2];
    struct batch *cur, *out;
    int fd;                 /* the spool; -1 when nothing is spooled */
    uint64_t fsize;         /* bytes in the spool file */
    uint64_t done;          /* bytes at its start that Redis confirmed */
    bool dirty;             /* written since the last fsync */
    struct trawl_buf wbuf;  /* appended to the spool, not yet written */
    struct trawl_buf rbuf;  /* replay: bytes read back from the spool */
    struct trawl_buf rresp; /* replay: commands of one batch */
    size_t rends[BATCH];    /* replay: end of each sent entry in rbuf */
};

/* ---- RESP encoding --------------------------------------------------------- */

static int put_bulk(struct trawl_buf *b, const char *p, size_t n)
{
    char num[24];
    size_t k = sizeof(num);
    size_t v = n;
    do
        num[--k] = (char)('0' + v % 10);
    while (v /= 10);
    size_t nd = sizeof(num) - k;
    if (trawl_buf_reserve(b, nd + n + 5)) return TRAWL_ENOMEM;
    char *o = b->data + b->len;
    *o++ = '$';
    memcpy(o, num + k, nd);
    o += nd;
    *o++ = '\r';
    *o++ = '\n';
    memcpy(o, p, n);
    o += n;
    *o++ = '\r';
    *o++ = '\n';
    b->len = (size_t)(o - b->data);
    return 0;
}

static int put_xadd(const struct rsink *r, struct trawl_buf *b, const struct entry *e)
{
    int rc = trawl_buf_put(b, r->head.data, r->head.len);
    for (int i = 0; i < NFIELDS && !rc; i++) {
        rc = put_bulk(b, field_names[i], strlen(field_names[i]));
        if (!rc) rc = put_bulk(b, e->v[i], e->n[i]);
    }
    return rc;
}

static void set_field(struct entry *e, int i, const char *v, size_t n)
{
    e->v[i] = v ? v : "";
    e->n[i] = v ? n : 0;
}

/* ---- the spool --------------------------------------------------------------- */

static int spool_open(struct rsink *r, struct trawl_error *err)
{
    int fd = open(r->spool, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return trawl_error_set(err, TRAWL_EIO, r->spool, "cannot open Redis spool: %s",
                               strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return trawl_error_set(err, TRAWL_EIO, r->spool,
                                   "Redis spool is in use by another trawl process");
        return trawl_error_set(err, TRAWL_EIO, r->spool, "cannot lock Redis spool: %s",
                               strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st)) {
        int e = errno;
        close(fd);
        return trawl_error_set(err, TRAWL_EIO, r->spool, "stat: %s", strerror(e));
    }
    r->fd = fd;
    r->fsize = (uint64_t)st.st_size;
    r->done = 0;
    r->dirty = false;
    return 0;
}

static int spool_write(struct rsink *r, struct trawl_error *err)
{
    size_t off = 0;
    while (off < r->wbuf.len) {
        ssize_t w = write(r->fd, r->wbuf.data + off, r->wbuf.len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            /* keep what was not written: a later flush may succeed */
            memmove(r->wbuf.data, r->wbuf.data + off, r->wbuf.len - off);
            r->wbuf.len -= off;
            r->fsize += off;
            return trawl_error_set(err, TRAWL_EIO, r->spool, "write to Redis spool: %s",
                                   strerror(e));
        }
        off += (size_t)w;
    }
    r->fsize += off;
    r->wbuf.len = 0;
    r->dirty |= off > 0;
    return 0;
}

static int spool_sync(struct rsink *r, struct trawl_error *err)
{
    int rc = spool_write(r, err);
    if (rc) return rc;
    if (r->dirty && fsync(r->fd))
        return trawl_error_set(err, TRAWL_EIO, r->spool, "fsync of Redis spool: %s",
                               strerror(errno));
    r->dirty = false;
    return 0;
}

/* Appends n JSON lines (each with its '\n'). */
static int spool_put(struct rsink *r, const char *p, size_t len, size_t n, struct trawl_error *err)
{
    int rc = r->fd < 0 ? spool_open(r, err) : 0;
    if (rc) return rc;
    if (trawl_buf_put(&r->wbuf, p, len))
        return trawl_error_set(err, TRAWL_ENOMEM, r->s->name, "out of memory");
    r->s->st.spooled += n;
    return r->wbuf.len >= SPOOL_BUF ? spool_write(r, err) : 0;
}

/* Everything in the spool was confirmed: remove it (unlinked while still
 * locked, so no other process takes over a file about to vanish). */
static void spool_drop(struct rsink *r)
{
    unlink(r->spool);
    close(r->fd);
    r->fd = -1;
    r->fsize = r->done = 0;
    r->wbuf.len = 0;
    r->dirty = false;
}

/* Giving up: rewrites the spool without its confirmed prefix, syncs and
 * closes it. Returns the number of hits it keeps. */
static uint64_t spool_keep(struct rsink *r, struct trawl_error *err, int *rc)
{
    uint64_t n = 0;
    *rc = spool_write(r, err);
    size_t tlen = strlen(r->spool) + 5;
    char *tmp = malloc(tlen);
    int tfd = -1;
    if (!*rc && r->done && tmp) {
        snprintf(tmp, tlen, "%s.tmp", r->spool);
        tfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    }
    char buf[1 << 16];
    for (uint64_t pos = r->done; !*rc && pos < r->fsize;) {
        ssize_t got = pread(r->fd, buf, sizeof(buf), (off_t)pos);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))); p++)
            n++;
        if (tfd >= 0 && write(tfd, buf, (size_t)got) != got) {
            close(tfd);
            unlink(tmp);
            tfd = -1; /* the spool stays whole: duplicates, but nothing lost */
        }
        pos += (uint64_t)got;
    }
    if (tfd >= 0) {
        if (!fsync(tfd) && !rename(tmp, r->spool)) {
            close(r->fd);
            r->fd = tfd;
            tfd = -1;
        } else {
            unlink(tmp);
        }
    }
    if (tfd >= 0) close(tfd);
    free(tmp);
    if (!*rc && fsync(r->fd))
        *rc =
            trawl_error_set(err, TRAWL_EIO, r->spool, "fsync of Redis spool: %s", strerror(errno));
    close(r->fd);
    r->fd = -1;
    return n;
}

/* ---- the connection ---------------------------------------------------------- */

/* hiredis writes with write(2): a reset connection would raise SIGPIPE. It is
 * blocked around network calls and a SIGPIPE raised meanwhile is consumed. */
struct pipe_guard {
    sigset_t old;
    bool pending;
};

static void guard_on(struct pipe_guard *g)
{
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pend);
    g->pending = sigismember(&pend, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void guard_off(struct pipe_guard *g)
{
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (!g->pending && !sigpending(&pend) && sigismember(&pend, SIGPIPE) == 1) {
        struct timespec zero = {0, 0};
        sigtimedwait(&set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static void note(struct rsink *r, const char *msg)
{
    snprintf(r->last_err, sizeof(r->last_err), "%s", msg && *msg ? msg : "connection lost");
}

static void schedule(struct rsink *r)
{
    r->backoff = r->backoff ? r->backoff * 2 : BACKOFF_MIN;
    if (r->backoff > BACKOFF_MAX) r->backoff = BACKOFF_MAX;
    r->next_try = trawl_now_mono() + r->backoff;
}

static void disconnect(struct rsink *r)
{
    if (r->c) {
        if (r->c->err) note(r, r->c->errstr);
        redisFree(r->c);
        r->c = NULL;
    }
    schedule(r);
}

/* One attempt. XLEN probes that the server serves commands (not LOADING)
 * and that the key is a stream or absent (not WRONGTYPE). */
static void connect_now(struct rsink *r)
{
    struct timeval ctv = {CONNECT_TIMEOUT_S, 0}, iotv = {IO_TIMEOUT_S, 0};
    redisContext *c = redisConnectWithTimeout(r->host, r->port, ctv);
    if (!c || c->err) {
        note(r, c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        schedule(r);
        return;
    }
    redisSetTimeout(c, iotv);
    redisEnableKeepAlive(c);
    struct pipe_guard g;
    guard_on(&g);
    redisReply *rep = redisCommand(c, "XLEN %b", r->stream, strlen(r->stream));
    guard_off(&g);
    bool ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (!ok)
        note(r, !rep ? c->errstr : rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
    freeReplyObject(rep);
    if (!ok) {
        redisFree(c);
        schedule(r);
        return;
    }
    r->c = c;
    r->backoff = 0;
}

static void maybe_connect(struct rsink *r)
{
    if (!r->c && trawl_now_mono() >= r->next_try) connect_now(r);
}

/* Reads the replies to the n commands sent first; returns how many were
 * confirmed (n, or fewer after an error, which is noted). */
static size_t read_replies(struct rsink *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(r->c, (void **)&rep) != REDIS_OK || !rep) {
            note(r, r->c->errstr);
            return i;
        }
        bool ok = rep->type == REDIS_REPLY_STRING;
        if (!ok) note(r, rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply to XADD");
        freeReplyObject(rep);
        if (!ok) return i;
    }
    return n;
}

static bool send_all(struct rsink *r, const struct trawl_buf *cmds)
{
    if (redisAppendFormattedCommand(r->c, cmds->data, cmds->len) != REDIS_OK) {
        note(r, "out of memory");
        return false;
    }
    int done = 0;
    while (!done)
        if (redisBufferWrite(r->c, &done) != REDIS_OK) {
            note(r, r->c->errstr);
            return false;
        }
    return true;
}

static const char *skip_lines(const char *p, const char *end, size_t k)
{
    while (k-- && p < end)
        p = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
    return p;
}

/* The connection failed after `confirmed` hits of `out`: the rest of `out`,
 * then `cur`, go to the spool in order, and the connection is dropped. */
static int park(struct rsink *r, size_t confirmed, struct trawl_error *err)
{
    int rc = 0;
    struct batch *bs[2] = {r->out, r->cur};
    for (int i = 0; i < 2; i++) {
        struct batch *b = bs[i];
        size_t skip = i == 0 ? confirmed : 0;
        if (b->n > skip && !rc) {
            const char *p = skip_lines(b->lines.data, b->lines.data + b->lines.len, skip);
            rc = spool_put(r, p, b->lines.len - (size_t)(p - b->lines.data), b->n - skip, err);
        }
        b->n = b->resp.len = b->lines.len = 0;
    }
    disconnect(r);
    return rc;
}

/* Direct mode: writes `cur`, reads the replies to `out`; with all, also to
 * `cur`. On failure, parks the unconfirmed hits; returns < 0 only when they
 * could not be spooled. */
static int direct_push(struct rsink *r, bool all, struct trawl_error *err)
{
    struct pipe_guard g;
    guard_on(&g);
    int rc = 0;
    if (r->cur->n && !send_all(r, &r->cur->resp)) {
        rc = park(r, 0, err);
        goto out;
    }
    size_t got = read_replies(r, r->out->n);
    if (got < r->out->n) {
        rc = park(r, got, err);
        goto out;
    }
    struct batch *t = r->out;
    t->n = t->resp.len = t->lines.len = 0;
    r->out = r->cur;
    r->cur = t;
    if (all && r->out->n) {
        got = read_replies(r, r->out->n);
        if (got < r->out->n) {
            rc = park(r, got, err);
            goto out;
        }
        r->out->n = r->out->resp.len = r->out->lines.len = 0;
    }
out:
    guard_off(&g);
    return rc;
}

/* ---- replay -------------------------------------------------------------- */

static const char *jstr(json_t *o, const char *key, size_t *n)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) return NULL;
    *n = json_string_length(v);
    return json_string_value(v);
}

/* A spooled JSON line back into entry fields (offbuf holds the offset's
 * digits). The caller frees *root. */
static int entry_from_json(const char *line, size_t len, struct entry *e, char *offbuf,
                           size_t offsz, json_t **root)
{
    json_error_t je;
    json_t *j = json_loadb(line, len, JSON_ALLOW_NUL, &je);
    json_t *ioc = j ? json_object_get(j, "ioc") : NULL;
    json_t *off = j ? json_object_get(j, "offset") : NULL;
    size_t n = 0;
    const char *id = j ? jstr(j, "hit_id", &n) : NULL;
    if (!id || !json_is_object(ioc) || !json_is_integer(off)) {
        json_decref(j);
        return -1;
    }
    set_field(e, 0, id, n);
    static const char *const top[] = {"timestamp", "event_type"};
    for (int i = 0; i < 2; i++) {
        const char *v = jstr(j, top[i], &n);
        set_field(e, 1 + i, v, n);
    }
    static const char *const sub[] = {"value", "type", "tlp", "severity"};
    for (int i = 0; i < 4; i++) {
        const char *v = jstr(ioc, sub[i], &n);
        set_field(e, 3 + i, v, n);
    }
    const char *f = jstr(j, "file", &n);
    set_field(e, 7, f, n);
    int k = snprintf(offbuf, offsz, "%lld", (long long)json_integer_value(off));
    set_field(e, 8, offbuf, (size_t)k);
    set_field(e, 9, line, len);
    *root = j;
    return 0;
}

/* Replays up to max batches from the spool while connected; removes the
 * spool once all of it is confirmed. Returns < 0 only on spool errors. */
static int replay(struct rsink *r, size_t max, struct trawl_error *err)
{
    size_t want = 1u << 20;
    while (r->c && r->fd >= 0 && max--) {
        if (r->done == r->fsize) {
            if (!r->wbuf.len) {
                spool_drop(r);
                return 0;
            }
            int rc = spool_write(r, err);
            if (rc) return rc;
        }
        /* read whole lines from the confirmed prefix on */
        if (trawl_buf_reserve(&r->rbuf, want))
            return trawl_error_set(err, TRAWL_ENOMEM, r->s->name, "out of memory");
        ssize_t got = pread(r->fd, r->rbuf.data, want, (off_t)r->done);
        if (got < 0 && errno == EINTR) {
            max++;
            continue;
        }
        if (got <= 0)
            return trawl_error_set(err, TRAWL_EIO, r->spool, "read Redis spool: %s",
                                   got < 0 ? strerror(errno) : "file shrank");
        size_t pos = 0, n = 0;
        r->rresp.len = 0;
        while (n < BATCH) {
            char *p = r->rbuf.data + pos;
            char *nl = memchr(p, '\n', (size_t)got - pos);
            if (!nl) break;
            struct entry e;
            char offbuf[24];
            json_t *root = NULL;
            size_t len = (size_t)(nl - p);
            pos += len + 1;
            if (entry_from_json(p, len, &e, offbuf, sizeof(offbuf), &root)) {
                r->s->st.errors++; /* a damaged line (a crash mid-write): skipped */
                continue;
            }
            int rc = put_xadd(r, &r->rresp, &e);
            json_decref(root);
            if (rc) return trawl_error_set(err, TRAWL_ENOMEM, r->s->name, "out of memory");
            r->rends[n++] = pos;
        }
        if (!pos) {
            if ((size_t)got == want) { /* a line longer than the buffer */
                want *= 2;
                max++;
                continue;
            }
            /* an unterminated tail: only a damaged file has one */
            r->s->st.errors++;
            r->done += (uint64_t)got;
            continue;
        }
        if (!n) { /* only damaged lines */
            r->done += pos;
            continue;
        }
        struct pipe_guard g;
        guard_on(&g);
        size_t ok = send_all(r, &r->rresp) ? read_replies(r, n) : 0;
        guard_off(&g);
        r->s->st.replayed += ok;
        if (ok < n) {
            r->done += ok ? r->rends[ok - 1] : 0;
            disconnect(r);
            return 0;
        }
        r->done += pos;
    }
    if (r->fd >= 0 && r->done == r->fsize && !r->wbuf.len && r->c) spool_drop(r);
    return 0;
}

/* ---- sink ops ---------------------------------------------------------------- */

static int r_write(struct sink *s, const struct sink_hit *h, struct trawl_error *err)
{
    struct rsink *r = s->impl;
    if (r->c && r->fd < 0) {
        struct entry e;
        char ts[40], off[24];
        trawl_format_time(h->timestamp, ts, sizeof(ts));
        int k = snprintf(off, sizeof(off), "%llu", (unsigned long long)h->offset);
        size_t jl = h->json_len && h->json[h->json_len - 1] == '\n' ? h->json_len - 1 : h->json_len;
        set_field(&e, 0, h->id, strlen(h->id));
        set_field(&e, 1, ts, strlen(ts));
        set_field(&e, 2, "ioc", 3);
        set_field(&e, 3, h->ioc_value, strlen(h->ioc_value));
        set_field(&e, 4, h->ioc_type, strlen(h->ioc_type));
        set_field(&e, 5, h->tlp, strlen(h->tlp));
        set_field(&e, 6, h->severity, strlen(h->severity));
        set_field(&e, 7, h->file, strlen(h->file));
        set_field(&e, 8, off, (size_t)k);
        set_field(&e, 9, h->json, jl);
        struct batch *b = r->cur;
        if (put_xadd(r, &b->resp, &e) || trawl_buf_put(&b->lines, h->json, jl) ||
            trawl_buf_putc(&b->lines, '\n'))
            return trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
        b->n++;
        return b->n >= BATCH ? direct_push(r, false, err) : 0;
    }
    int rc = spool_put(r, h->json, h->json_len, 1, err);
    if (!rc && (!h->json_len || h->json[h->json_len - 1] != '\n') && trawl_buf_putc(&r->wbuf, '\n'))
        rc = trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
    if (rc) return rc;
    maybe_connect(r);
    return replay(r, 1, err);
}

static int give_up(struct sink *s, double waited, struct trawl_error *err)
{
    struct rsink *r = s->impl;
    int rc;
    uint64_t kept = spool_keep(r, err, &rc);
    if (rc) return rc;
    return trawl_error_set(err, TRAWL_EIO, s->name,
                           "Redis at %s:%d unavailable (%s) after waiting %.0f s: %llu hit(s) "
                           "kept in spool %s",
                           r->host, r->port, r->last_err, waited, (unsigned long long)kept,
                           r->spool);
}

static int r_flush(struct sink *s, bool final, struct trawl_error *err)
{
    struct rsink *r = s->impl;
    double start = trawl_now_mono();
    for (;;) {
        int rc = 0;
        if (r->c && r->fd < 0) rc = direct_push(r, true, err);
        if (!rc && r->fd >= 0) {
            maybe_connect(r);
            rc = replay(r, SIZE_MAX, err);
        }
        if (rc) return rc;
        if (r->fd < 0) return 0; /* all confirmed */
        if ((rc = spool_sync(r, err))) return rc;
        if (!final) return 0;
        double now = trawl_now_mono(), end = start + r->final_wait;
        if (now >= end) return give_up(s, now - start, err);
        if (!r->c) {
            double t = (r->next_try < end ? r->next_try : end) - now;
            if (t > 0) {
                struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};
                nanosleep(&ts, NULL);
            }
            if (trawl_now_mono() >= end && r->next_try > end)
                r->next_try = end; /* one last attempt at the deadline */
        }
    }
}

static void r_close(struct sink *s)
{
    struct rsink *r = s->impl;
    if (!r) return;
    struct trawl_error e;
    /* without a final flush (an error elsewhere): keep what is unconfirmed */
    if (r->cur->n || r->out->n) park(r, 0, &e);
    if (r->fd >= 0) {
        spool_write(r, &e);
        if (r->done == r->fsize && !r->wbuf.len)
            spool_drop(r);
        else
            close(r->fd);
    }
    if (r->c) redisFree(r->c);
    for (int i = 0; i < 2; i++) {
        trawl_buf_free(&r->b[i].resp);
        trawl_buf_free(&r->b[i].lines);
    }
    trawl_buf_free(&r->head);
    trawl_buf_free(&r->wbuf);
    trawl_buf_free(&r->rbuf);
    trawl_buf_free(&r->rresp);
    free(r->host);
    free(r->stream);
    free(r->spool);
    free(r);
    s->impl = NULL;
}

static const struct sink_ops redis_ops = {r_write, r_flush, r_close};

int sink_open_redis(struct sink *s, const char *url, const char *spool, struct trawl_error *err)
{
    struct rsink *r = calloc(1, sizeof(*r));
    if (!r) return trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
    r->s = s;
    r->fd = -1;
    r->cur = &r->b[0];
    r->out = &r->b[1];
    r->final_wait = FINAL_WAIT_S;
    s->impl = r;
    s->ops = &redis_ops;
    if (trawl_redis_url_parse(url, &r->host, &r->port, &r->stream))
        return trawl_error_set(err, TRAWL_EINVAL, s->name,
                               "bad Redis URL '%s' (want redis://HOST:PORT/STREAM)", url);
    const char *fw = getenv("TRAWL_REDIS_FINAL_WAIT");
    if (fw && *fw) {
        char *end;
        double v = strtod(fw, &end);
        if (*end || !(v >= 0))
            return trawl_error_set(err, TRAWL_EINVAL, s->name,
                                   "bad TRAWL_REDIS_FINAL_WAIT '%s' (want seconds)", fw);
        r->final_wait = v;
    }
    if (spool) {
        r->spool = strdup(spool);
    } else if ((r->spool = malloc(strlen(r->stream) + 7))) {
        /* default: <stream>.spool in the current directory, '/' and ':' as '_' */
        size_t n = strlen(r->stream);
        for (size_t i = 0; i < n; i++)
            r->spool[i] = (r->stream[i] == '/' || r->stream[i] == ':') ? '_' : r->stream[i];
        strcpy(r->spool + n, ".spool");
    }
    if (!r->spool || trawl_buf_put(&r->head, "*23\r\n$4\r\nXADD\r\n", 15) ||
        put_bulk(&r->head, r->stream, strlen(r->stream)) ||
        trawl_buf_put(&r->head, "$1\r\n*\r\n", 7))
        return trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");

    /* hits an earlier run could not deliver are replayed first */
    if (!access(r->spool, F_OK)) {
        int rc = spool_open(r, err);
        if (rc) return rc;
        char last = '\n';
        if (r->fsize && pread(r->fd, &last, 1, (off_t)(r->fsize - 1)) == 1 && last != '\n') {
            /* a line cut short by a crash: end it, it is skipped as damaged */
            if (trawl_buf_putc(&r->wbuf, '\n') || (rc = spool_write(r, err)))
                return rc ? rc : trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
        }
        if (!r->fsize) spool_drop(r);
    }
    /* unreachable now: not an error, hits are spooled until it is back */
    connect_now(r);
    return 0;
}
