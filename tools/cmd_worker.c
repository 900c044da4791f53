/* trawl worker: takes scan jobs from the Redis stream (consumer group
 * "trawl-workers"), scans them with every local core, makes the hits durable
 * in the sinks and only then acknowledges the job. Jobs of workers that died
 * are taken over after --claim-after; hit ids carry the job id, so a job
 * scanned twice gives the same ids twice (docs/distributed.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "queue.h"
#include "trawl_engine.h"

static const char help[] =
    "usage: trawl worker --queue redis://HOST:PORT/STREAM --sink SPEC [OPTIONS]\n"
    "\n"
    "Runs scan jobs queued by `trawl submit` until stopped (see docs/distributed.md).\n"
    "Start one per machine; each uses every core. A job's hits are written to the\n"
    "sinks and made durable (files fsync'ed, Redis replies received) before the job\n"
    "is acknowledged; a job whose worker died is taken over by another worker once\n"
    "it has been idle for --claim-after. Delivery is at least once: a job scanned\n"
    "twice gives the same hit ids twice, and consumers drop the copies by hit_id.\n"
    "The database named by a job is fetched from Redis into the cache when no local\n"
    "copy has its checksum.\n"
    "\n"
    "options:\n"
    "      --queue URL       the job stream, redis://HOST:PORT/STREAM (required;\n"
    "                        default: $TRAWL_QUEUE)\n"
    "      --sink SPEC       where hits go (repeatable, at least one), as for scan:\n"
    "                          jsonl:PATH[,rotate=SIZE] | redis://HOST:PORT/STREAM\n"
    "                          options: ,max-tlp=TLP  ,redact  ,spool=PATH (Redis;\n"
    "                          one spool per worker process)\n"
    "  -d, --db FILE         a local database, for the jobs that name its checksum\n"
    "      --cache DIR       where fetched databases are kept (default\n"
    "                        $XDG_CACHE_HOME/trawl, ~/.cache/trawl, /var/tmp/trawl)\n"
    "  -j, --threads N       scan threads (default: number of cores)\n"
    "      --name NAME       consumer name in the group (default HOSTNAME:PID)\n"
    "      --claim-after MS  take over a job idle this long, its worker presumed\n"
    "                        dead (default 60000; a running job is refreshed every\n"
    "                        second)\n"
    "      --max-attempts N  a job delivered more than N times is marked failed\n"
    "                        (default 3)\n"
    "      --exit-when-idle  exit once nothing is queued or running (batch runs)\n"
    "  -q, --quiet           no line per job on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "SIGINT/SIGTERM: the current job is stopped, its hits so far are flushed, and\n"
    "it is handed back unacknowledged for another worker; exit status 0. Exit\n"
    "status 2: bad options, or a sink, the cache or Redis could not be set up.\n"
    "\n"
    "examples:\n"
    "  trawl worker --queue redis://10.0.0.5:6379/trawl:jobs \\\n"
    "      --sink redis://10.0.0.5:6379/trawl:hits,spool=/var/spool/trawl/hits.spool\n"
    "  trawl worker --queue redis://10.0.0.5:6379/trawl:jobs -j 16 \\\n"
    "      --sink jsonl:/data/hits/$(hostname).jsonl,rotate=1G,max-tlp=red\n";

/* Sets a job's state unless it is finished already (a late re-run must not
 * turn "done" back into "running"). KEYS[1] job hash; ARGV field/value pairs. */
static const char lua_state[] = "local s = redis.call('HGET', KEYS[1], 'state')\n"
                                "if s == 'done' or s == 'failed' then return 0 end\n"
                                "redis.call('HSET', KEYS[1], unpack(ARGV))\n"
                                "return 1\n";

/* Refreshes our claim on a running job so nobody takes it over, unless it
 * was taken over already. KEYS[1] stream; ARGV group, entry, consumer. */
static const char lua_refresh[] =
    "local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1, ARGV[3])\n"
    "if #p == 0 then return 0 end\n"
    "redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[3], 0, ARGV[2], 'JUSTID')\n"
    "return 1\n";

/* Acknowledges a job and records its outcome, once: only the worker whose
 * XACK removed the entry counts it; a second completion counts as a re-run.
 * KEYS stream, stats, job hash, worker hash, failed list; ARGV group, entry,
 * state, worker, bytes, hits, seconds, error, finished, job id. */
static const char lua_finish[] =
    "local first = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1\n"
    "redis.call('HINCRBY', KEYS[4], 'jobs_' .. ARGV[3], 1)\n"
    "redis.call('HINCRBY', KEYS[4], 'bytes', ARGV[5])\n"
    "redis.call('HINCRBY', KEYS[4], 'hits', ARGV[6])\n"
    "redis.call('HINCRBYFLOAT', KEYS[4], 'busy_seconds', ARGV[7])\n"
    "if not first then\n"
    "  redis.call('HINCRBY', KEYS[2], 'reruns', 1)\n"
    "  return 0\n"
    "end\n"
    "redis.call('HSET', KEYS[3], 'state', ARGV[3], 'worker', ARGV[4], 'bytes', ARGV[5],\n"
    "           'hits', ARGV[6], 'seconds', ARGV[7], 'error', ARGV[8], 'finished', ARGV[9])\n"
    "redis.call('HINCRBY', KEYS[2], ARGV[3], 1)\n"
    "redis.call('HINCRBY', KEYS[2], 'bytes_scanned', ARGV[5])\n"
    "redis.call('HINCRBY', KEYS[2], 'hits', ARGV[6])\n"
    "if ARGV[3] == 'failed' then redis.call('RPUSH', KEYS[5], ARGV[10]) end\n"
    "return 1\n";

#define MAX_SINKS 16
#define MAX_DBS 8

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

struct dbslot {
    uint64_t sum;
    struct trawl_db *db;
};

struct wk {
    struct queue q;
    const char *url;
    char name[256];
    char wkey[600], wset[600], statskey[600], failedkey[600];
    char host[200];
    unsigned nthreads; /* threads as run (-j or the core count) */
    char cache[1024];
    const char *specs[MAX_SINKS];
    size_t nspecs;
    struct trawl_sinks *sinks;
    unsigned threads;
    long long claim_ms;
    unsigned long max_attempts;
    bool quiet, exit_idle;
    double test_delay;
    struct dbslot dbs[MAX_DBS];
    size_t ndbs;
    char cursor[64];

    /* shared with the heartbeat thread, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool hb_stop;
    char busy_job[64], busy_entry[64];
    double busy_since;
    _Atomic uint64_t progress;
    pthread_t hb;
};

/* One job's scan problems, for its "error" field. */
struct jobctx {
    const char *id;
    unsigned long problems;
    char first[700];
};

static void on_scan_error(void *ud, const char *where, const char *msg)
{
    struct jobctx *j = ud;
    if (!j->problems++)
        snprintf(j->first, sizeof(j->first), "%s%s%s", where ? where : "",
                 where && *where ? ": " : "", msg);
    fprintf(stderr, "trawl worker: job %s: %s%s%s\n", j->id, where ? where : "",
            where && *where ? ": " : "", msg);
}

static void on_sink_error(void *ud, const char *where, const char *msg)
{
    (void)ud;
    fprintf(stderr, "trawl worker: %s%s%s\n", where ? where : "", where && *where ? ": " : "", msg);
}

static void nap(double s)
{
    for (double t = 0; t < s && !stop_flag; t += 0.05) {
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
}

static redisReply *eval(struct queue *q, const char *script, int nkeys, const char **keys,
                        int nargs, const char **args)
{
    const char *av[24];
    size_t lens[24];
    char nk[8];
    snprintf(nk, sizeof(nk), "%d", nkeys);
    int n = 0;
    av[n++] = "EVAL";
    av[n++] = script;
    av[n++] = nk;
    for (int i = 0; i < nkeys; i++)
        av[n++] = keys[i];
    for (int i = 0; i < nargs; i++)
        av[n++] = args[i];
    for (int i = 0; i < n; i++)
        lens[i] = strlen(av[i]);
    return queue_cmdargv(q, n, av, lens);
}

/* ---- heartbeat ----------------------------------------------------------- */

static void *heartbeat_main(void *arg)
{
    struct wk *w = arg;
    struct queue hq;
    bool up = !queue_open(&hq, w->url, 5);
    char lost[64] = ""; /* entry we were told is no longer ours */
    double every = (double)w->claim_ms / 4000.0;
    if (every > 1.0) every = 1.0;
    if (every < 0.05) every = 0.05;
    pthread_mutex_lock(&w->mu);
    while (!w->hb_stop) {
        char job[64], entry[64], since[32], now[32], prog[32];
        snprintf(job, sizeof(job), "%s", w->busy_job);
        snprintf(entry, sizeof(entry), "%s", w->busy_entry);
        snprintf(since, sizeof(since), "%.3f", w->busy_since);
        pthread_mutex_unlock(&w->mu);
        snprintf(now, sizeof(now), "%.3f", trawl_now_real());
        snprintf(prog, sizeof(prog), "%llu", (unsigned long long)atomic_load(&w->progress));
        if (!up) up = !queue_reconnect(&hq);
        if (up) {
            /* all of it every time: a Redis restarted without persistence
             * gets the worker back in `trawl status` at once */
            redisReply *r = queue_cmd(&hq, "SADD %s %s", w->wset, w->name);
            freeReplyObject(r);
            r = queue_cmd(&hq,
                          "HSET %s last_seen %s state %s busy_job %s busy_since %s progress %s "
                          "host %s pid %ld threads %u",
                          w->wkey, now, job[0] ? "busy" : "idle", job, since, prog, w->host,
                          (long)getpid(), w->nthreads);
            freeReplyObject(r);
            if (entry[0]) {
                const char *keys[] = {hq.stream};
                const char *args[] = {QUEUE_GROUP, entry, w->name};
                r = eval(&hq, lua_refresh, 1, keys, 3, args);
                if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 0 && !w->quiet &&
                    strcmp(lost, entry)) {
                    snprintf(lost, sizeof(lost), "%s", entry);
                    fprintf(stderr,
                            "trawl worker: job %s was taken over by another worker; finishing "
                            "it anyway (its hits keep their ids)\n",
                            job);
                }
                freeReplyObject(r);
            }
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long ns = ts.tv_nsec + (long)(every * 1e9);
        ts.tv_sec += ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_mutex_lock(&w->mu);
        if (!w->hb_stop) pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    queue_close(&hq);
    return NULL;
}

static void set_busy(struct wk *w, const char *job, const char *entry)
{
    pthread_mutex_lock(&w->mu);
    snprintf(w->busy_job, sizeof(w->busy_job), "%s", job ? job : "");
    snprintf(w->busy_entry, sizeof(w->busy_entry), "%s", entry ? entry : "");
    w->busy_since = job ? trawl_now_real() : 0;
    atomic_store(&w->progress, 0);
    pthread_cond_signal(&w->cv); /* tell Redis now */
    pthread_mutex_unlock(&w->mu);
}

/* ---- databases ----------------------------------------------------------- */

static void default_cache(char *out, size_t n)
{
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (x && *x)
        snprintf(out, n, "%s/trawl", x);
    else if (home && *home)
        snprintf(out, n, "%s/.cache/trawl", home);
    else
        snprintf(out, n, "/var/tmp/trawl");
}

static int mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0750) && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(tmp, 0750) && errno != EEXIST ? -1 : 0;
}

static int keep_db(struct wk *w, uint64_t sum, struct trawl_db *db)
{
    if (w->ndbs == MAX_DBS) { /* the oldest goes: jobs rarely switch databases */
        trawl_db_close(w->dbs[0].db);
        memmove(w->dbs, w->dbs + 1, (MAX_DBS - 1) * sizeof(w->dbs[0]));
        w->ndbs--;
    }
    w->dbs[w->ndbs++] = (struct dbslot){sum, db};
    return 0;
}

/* Opens path and keeps it if its checksum is sum. */
static struct trawl_db *open_checked(const char *path, uint64_t sum, char *why, size_t n)
{
    struct trawl_db *db;
    struct trawl_error err = {0};
    if (trawl_db_open(path, &db, &err)) {
        char buf[1100];
        snprintf(why, n, "%s", trawl_error_str(&err, buf, sizeof(buf)));
        return NULL;
    }
    struct trawl_db_info in;
    trawl_db_info(db, &in);
    if (in.checksum != sum) {
        snprintf(why, n, "%s: checksum %016llx, the job wants %016llx", path,
                 (unsigned long long)in.checksum, (unsigned long long)sum);
        trawl_db_close(db);
        return NULL;
    }
    return db;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The database with checksum hex: already open, in the cache, or fetched
 * from Redis into the cache (written aside, verified, then renamed). */
static struct trawl_db *get_db(struct wk *w, const char *hex, char *why, size_t n)
{
    char *end;
    errno = 0;
    unsigned long long sum = strtoull(hex, &end, 16);
    if (errno || *end || strlen(hex) != 16) {
        snprintf(why, n, "bad database checksum '%s' in the job", hex);
        return NULL;
    }
    for (size_t i = 0; i < w->ndbs; i++)
        if (w->dbs[i].sum == sum) return w->dbs[i].db;
    char path[1100], tmp[1200];
    snprintf(path, sizeof(path), "%s/%016llx.tdb", w->cache, sum);
    struct trawl_db *db = NULL;
    if (!access(path, F_OK)) {
        db = open_checked(path, sum, why, n);
        if (db) {
            keep_db(w, sum, db);
            return db;
        }
        fprintf(stderr, "trawl worker: cached %s: %s; fetching it again\n", path, why);
    }
    char key[64];
    snprintf(key, sizeof(key), QUEUE_DB_KEY, sum);
    double saved = w->q.timeout;
    w->q.timeout = 60;
    redisReply *r = queue_cmd(&w->q, "GET %s", key);
    w->q.timeout = saved;
    if (!r) {
        snprintf(why, n, "fetching database %016llx (%s): %s", sum, key, w->q.err);
        return NULL;
    }
    if (r->type != REDIS_REPLY_STRING) {
        snprintf(why, n,
                 "database %016llx not found: no local copy and no key %s in Redis "
                 "(submit stores it)",
                 sum, key);
        freeReplyObject(r);
        return NULL;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0 || write_all(fd, r->str, r->len) || fsync(fd)) {
        snprintf(why, n, "%s: cannot write the fetched database: %s", tmp, strerror(errno));
        if (fd >= 0) close(fd);
        unlink(tmp);
        freeReplyObject(r);
        return NULL;
    }
    close(fd);
    size_t got = r->len;
    freeReplyObject(r);
    db = open_checked(tmp, sum, why, n);
    if (!db || rename(tmp, path)) {
        if (db) {
            snprintf(why, n, "%s: %s", path, strerror(errno));
            trawl_db_close(db);
            db = NULL;
        }
        unlink(tmp);
        return NULL;
    }
    if (!w->quiet)
        fprintf(stderr, "trawl worker: fetched database %016llx (%zu bytes) into %s\n", sum, got,
                path);
    keep_db(w, sum, db);
    return db;
}

/* ---- jobs ---------------------------------------------------------------- */

static int make_sinks(struct wk *w)
{
    struct trawl_error err = {0};
    if (trawl_sinks_new(&w->sinks)) {
        cli_error("out of memory");
        return -1;
    }
    trawl_sinks_on_error(w->sinks, on_sink_error, NULL);
    for (size_t i = 0; i < w->nspecs; i++)
        if (trawl_sinks_add(w->sinks, w->specs[i], &err)) {
            char buf[1100];
            cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
            trawl_sinks_free(w->sinks);
            w->sinks = NULL;
            return -1;
        }
    return 0;
}

static void job_state(struct wk *w, const char *job, const char **pairs, int npairs)
{
    char key[700];
    queue_key(&w->q, key, sizeof(key), "job:%s", job);
    const char *keys[] = {key};
    redisReply *r = eval(&w->q, lua_state, 1, keys, npairs, pairs);
    freeReplyObject(r);
}

/* Gives a job back without acknowledging it: idle since 1970 for XCLAIM's
 * purposes, so the next XAUTOCLAIM of any worker takes it at once. */
static void release(struct wk *w, const char *job, const char *entry)
{
    redisReply *r = queue_cmd(&w->q, "XCLAIM %s %s %s 0 %s TIME 1 JUSTID", w->q.stream, QUEUE_GROUP,
                              w->name, entry);
    freeReplyObject(r);
    const char *pairs[] = {"state", "abandoned", "worker", w->name};
    job_state(w, job, pairs, 4);
}

/* XACK and the outcome in one script; retried while Redis is away (an
 * unacknowledged job is scanned again elsewhere: harmless, but wasted). */
static void finish(struct wk *w, const char *job, const char *entry, bool ok, uint64_t bytes,
                   uint64_t hits, double seconds, const char *error)
{
    char jobkey[700], b[24], h[24], s[32], fin[32];
    queue_key(&w->q, jobkey, sizeof(jobkey), "job:%s", job);
    snprintf(b, sizeof(b), "%llu", (unsigned long long)bytes);
    snprintf(h, sizeof(h), "%llu", (unsigned long long)hits);
    snprintf(s, sizeof(s), "%.3f", seconds);
    snprintf(fin, sizeof(fin), "%.3f", trawl_now_real());
    const char *keys[] = {w->q.stream, w->statskey, jobkey, w->wkey, w->failedkey};
    const char *args[] = {QUEUE_GROUP, entry, ok ? "done" : "failed", w->name, b,
                          h,           s,     error ? error : "",     fin,     job};
    for (int attempt = 0;; attempt++) {
        redisReply *r = eval(&w->q, lua_finish, 5, keys, 10, args);
        if (r) {
            if (!w->quiet) {
                if (ok)
                    fprintf(stderr, "trawl worker: job %s done: %.1f MB, %llu hit(s), %.2f s%s\n",
                            job, (double)bytes / 1e6, (unsigned long long)hits, seconds,
                            r->integer ? "" : " (a re-run: another worker finished it first)");
                else
                    fprintf(stderr, "trawl worker: job %s failed: %s\n", job, error);
            }
            freeReplyObject(r);
            return;
        }
        if (w->q.reply_err || attempt >= 30 || stop_flag) {
            fprintf(stderr, "trawl worker: job %s: cannot acknowledge: %s (it will be run again)\n",
                    job, w->q.err);
            return;
        }
        nap(1.0);
    }
}

static size_t split_paths(const char *p, size_t len, const char **out, size_t max, char **buf)
{
    *buf = malloc(len + 1);
    if (!*buf) return 0;
    memcpy(*buf, p, len);
    (*buf)[len] = 0;
    size_t n = 0;
    for (size_t i = 0; i <= len && n < max;) {
        out[n++] = *buf + i;
        i += strlen(*buf + i) + 1;
    }
    return n;
}

static long long deliveries(struct wk *w, const char *entry)
{
    redisReply *r =
        queue_cmd(&w->q, "XPENDING %s %s %s %s 1", w->q.stream, QUEUE_GROUP, entry, entry);
    long long n = 1;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 4)
        n = r->element[0]->element[3]->integer;
    freeReplyObject(r);
    return n;
}

/* Runs one stream entry [id, [field, value...]]. */
static void run_job(struct wk *w, const redisReply *e, bool reclaimed)
{
    const char *entry = e->element[0]->str;
    const redisReply *f = e->element[1];
    if (f->type != REDIS_REPLY_ARRAY) { /* deleted from the stream meanwhile */
        redisReply *r = queue_cmd(&w->q, "XACK %s %s %s", w->q.stream, QUEUE_GROUP, entry);
        freeReplyObject(r);
        return;
    }
    const char *job = queue_field(f, "id", NULL), *hex = queue_field(f, "db", NULL);
    size_t plen = 0;
    const char *path = queue_field(f, "path", &plen);
    if (!job) job = entry;
    char why[2048];
    long long n = reclaimed ? deliveries(w, entry) : 1;
    if (!hex || !path || !plen) {
        finish(w, job, entry, false, 0, 0, 0, "malformed job: it needs the fields id, db, path");
        return;
    }
    if (reclaimed && n > (long long)w->max_attempts) {
        snprintf(why, sizeof(why),
                 "given up after %lld deliveries: the workers that took it died or stopped", n);
        finish(w, job, entry, false, 0, 0, 0, why);
        return;
    }
    set_busy(w, job, entry);
    char now[32], att[24];
    snprintf(now, sizeof(now), "%.3f", trawl_now_real());
    snprintf(att, sizeof(att), "%lld", n);
    const char *pairs[] = {"state", "running", "worker",  w->name, "started", now,
                           "entry", entry,     "attempt", att,     "path",    path};
    job_state(w, job, pairs, 12);

    struct trawl_db *db = get_db(w, hex, why, sizeof(why));
    if (!db) {
        finish(w, job, entry, false, 0, 0, 0, why);
        set_busy(w, NULL, NULL);
        return;
    }
    const char *paths[QUEUE_MAX_FILES];
    char *pbuf;
    size_t np = split_paths(path, plen, paths, QUEUE_MAX_FILES, &pbuf);
    if (!np) {
        finish(w, job, entry, false, 0, 0, 0, "out of memory");
        set_busy(w, NULL, NULL);
        return;
    }
    struct jobctx jc = {.id = job};
    struct trawl_scan_stats st = {0};
    /* A job may be one file: chunks small enough that every thread gets some
     * (the scan splits a mapped file only when it holds over two chunks). */
    uint64_t chunk = (uint64_t)queue_field_ll(f, "bytes") / ((uint64_t)w->nthreads * 4);
    if (chunk < (1u << 20)) chunk = 1u << 20;
    if (chunk > (16u << 20)) chunk = 16u << 20;
    for (;;) {
        struct trawl_scan_opts so;
        trawl_scan_opts_init(&so);
        so.threads = w->threads;
        so.chunk_size = (size_t)chunk;
        so.sinks = w->sinks;
        so.on_error = on_scan_error;
        so.ud = &jc;
        so.stop = &stop_flag;
        so.progress = &w->progress;
        so.job = job;
        jc.problems = 0;
        trawl_scan_paths(db, paths, np, &so, &st);
        /* durable before acknowledged; after a stop, what was found goes out too */
        bool synced = !trawl_sinks_sync(w->sinks) && !st.write_failed;
        if (synced && !st.interrupted) break;
        if (!stop_flag) {
            /* a sink failed for good: the job stays ours (the heartbeat keeps
             * it) and is scanned again into fresh sinks, same hit ids */
            fprintf(stderr,
                    "trawl worker: job %s: hits could not be written; reopening the sinks and "
                    "scanning it again\n",
                    job);
            trawl_sinks_free(w->sinks);
            w->sinks = NULL;
            while (!stop_flag && make_sinks(w))
                nap(5.0);
            nap(1.0);
        }
        if (stop_flag || !w->sinks) {
            free(pbuf);
            release(w, job, entry);
            set_busy(w, NULL, NULL);
            return;
        }
    }
    free(pbuf);
    nap(w->test_delay);
    if (jc.problems) {
        snprintf(why, sizeof(why), "%lu problem(s); first: %s", jc.problems, jc.first);
        finish(w, job, entry, false, st.bytes, st.hits, st.seconds, why);
    } else {
        finish(w, job, entry, true, st.bytes, st.hits, st.seconds, NULL);
    }
    set_busy(w, NULL, NULL);
}

/* Nothing pending in the group (the caller just found nothing new). */
static bool drained(struct wk *w)
{
    redisReply *r = queue_cmd(&w->q, "XPENDING %s %s", w->q.stream, QUEUE_GROUP);
    bool d = r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
             r->element[0]->type == REDIS_REPLY_INTEGER && r->element[0]->integer == 0;
    freeReplyObject(r);
    return d;
}

/* Problems talking to Redis: said once per outage. */
static void trouble(struct wk *w, bool *said)
{
    if (!*said) fprintf(stderr, "trawl worker: %s: %s; retrying\n", w->url, w->q.err);
    *said = true;
    if (w->q.reply_err && strstr(w->q.err, "NOGROUP")) queue_ensure_group(&w->q);
    nap(1.0);
}

static void loop(struct wk *w)
{
    bool said = false;
    long long block = w->claim_ms / 2 < 2000 ? w->claim_ms / 2 : 2000;
    if (block < 10) block = 10;
    while (!stop_flag) {
        /* jobs of dead workers first: they are the oldest */
        redisReply *r = queue_cmd(&w->q, "XAUTOCLAIM %s %s %s %lld %s COUNT 1", w->q.stream,
                                  QUEUE_GROUP, w->name, w->claim_ms, w->cursor);
        if (!r) {
            trouble(w, &said);
            continue;
        }
        said = false;
        if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
            r->element[0]->type == REDIS_REPLY_STRING) {
            snprintf(w->cursor, sizeof(w->cursor), "%s", r->element[0]->str);
            redisReply *es = r->element[1];
            if (es->type == REDIS_REPLY_ARRAY && es->elements >= 1 &&
                es->element[0]->type == REDIS_REPLY_ARRAY && es->element[0]->elements == 2) {
                if (!w->quiet)
                    fprintf(stderr, "trawl worker: taking over entry %s (idle over %lld ms)\n",
                            es->element[0]->element[0]->str, w->claim_ms);
                run_job(w, es->element[0], true);
                freeReplyObject(r);
                continue;
            }
        }
        freeReplyObject(r);
        /* --exit-when-idle does not block: it must notice a drained queue at once */
        if (w->exit_idle)
            r = queue_cmd(&w->q, "XREADGROUP GROUP %s %s COUNT 1 STREAMS %s >", QUEUE_GROUP,
                          w->name, w->q.stream);
        else
            r = queue_cmd(&w->q, "XREADGROUP GROUP %s %s COUNT 1 BLOCK %lld STREAMS %s >",
                          QUEUE_GROUP, w->name, block, w->q.stream);
        if (!r) {
            trouble(w, &said);
            continue;
        }
        /* [[stream, [[id, fields]]]] or nil after the block timeout */
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
            r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2) {
            redisReply *es = r->element[0]->element[1];
            if (es->type == REDIS_REPLY_ARRAY && es->elements >= 1 &&
                es->element[0]->type == REDIS_REPLY_ARRAY && es->element[0]->elements == 2) {
                run_job(w, es->element[0], false);
                freeReplyObject(r);
                continue;
            }
        }
        freeReplyObject(r);
        if (w->exit_idle) {
            if (drained(w)) break;
            nap(block < 200 ? (double)block / 1000.0 : 0.2); /* others' jobs may come back */
        }
    }
}

int cmd_worker(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"queue", required_argument, NULL, 'Q'},
        {"sink", required_argument, NULL, 'K'},
        {"db", required_argument, NULL, 'd'},
        {"cache", required_argument, NULL, 'C'},
        {"threads", required_argument, NULL, 'j'},
        {"name", required_argument, NULL, 'N'},
        {"claim-after", required_argument, NULL, 'A'},
        {"max-attempts", required_argument, NULL, 'M'},
        {"exit-when-idle", no_argument, NULL, 'X'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct wk w; /* large; one per process */
    memset(&w, 0, sizeof(w));
    w.url = getenv("TRAWL_QUEUE");
    w.claim_ms = 60000;
    w.max_attempts = 3;
    const char *dbpath = NULL, *cache = NULL, *name = NULL;
    unsigned long v;
    int c, oe;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:j:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'Q':
            w.url = optarg;
            break;
        case 'K':
            if (w.nspecs == MAX_SINKS)
                return cli_usage_error("worker", "at most %d sinks", MAX_SINKS);
            if (!strcmp(optarg, "stdout") || !strncmp(optarg, "stdout,", 7))
                return cli_usage_error("worker", "a worker cannot write hits to standard "
                                                 "output: give jsonl:PATH or redis://...");
            w.specs[w.nspecs++] = optarg;
            break;
        case 'd':
            dbpath = optarg;
            break;
        case 'C':
            cache = optarg;
            break;
        case 'j':
            if ((oe = cli_threads_opt("worker", optarg, &w.threads))) return oe;
            break;
        case 'N':
            name = optarg;
            break;
        case 'A':
            if (!cli_parse_uint(optarg, 86400000, &v) || v < 100)
                return cli_usage_error("worker", "--claim-after needs milliseconds (>= 100)");
            w.claim_ms = (long long)v;
            break;
        case 'M':
            if (!cli_parse_uint(optarg, 1000, &v) || !v)
                return cli_usage_error("worker", "--max-attempts needs a count from 1 to 1000");
            w.max_attempts = v;
            break;
        case 'X':
            w.exit_idle = true;
            break;
        case 'q':
            w.quiet = true;
            break;
        default:
            return cli_other_opt("worker", c, help, argv);
        }
    }
    if (optind < argc) return cli_usage_error("worker", "unexpected argument '%s'", argv[optind]);
    if (!w.url || !*w.url)
        return cli_usage_error("worker", "no queue: give --queue redis://HOST:PORT/STREAM");
    if (!w.nspecs)
        return cli_usage_error("worker", "no sink: give --sink jsonl:PATH or --sink redis://...");
    const char *delay = getenv("TRAWL_WORKER_TEST_DELAY"); /* tests: seconds before the ack */
    if (delay && *delay) w.test_delay = strtod(delay, NULL);
    char *host = w.host;
    snprintf(host, sizeof(w.host), "localhost");
    gethostname(host, sizeof(w.host) - 1);
    if (name)
        snprintf(w.name, sizeof(w.name), "%s", name);
    else
        snprintf(w.name, sizeof(w.name), "%s:%ld", host, (long)getpid());
    if (cache && strlen(cache) >= sizeof(w.cache))
        return cli_usage_error("worker", "--cache: path too long");
    if (cache)
        snprintf(w.cache, sizeof(w.cache), "%s", cache);
    else
        default_cache(w.cache, sizeof(w.cache));
    if (mkdirs(w.cache)) {
        cli_error("%s: cannot create the database cache: %s", w.cache, strerror(errno));
        return EXIT_TROUBLE;
    }
    snprintf(w.cursor, sizeof(w.cursor), "0-0");
    if (make_sinks(&w)) return EXIT_TROUBLE;
    int rc = EXIT_TROUBLE;
    if (dbpath) {
        struct trawl_db *db;
        struct trawl_error err = {0};
        if (trawl_db_open(dbpath, &db, &err)) {
            char buf[1100];
            cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
            goto out;
        }
        struct trawl_db_info in;
        trawl_db_info(db, &in);
        keep_db(&w, in.checksum, db);
    }
    if (queue_open(&w.q, w.url, 10) || queue_ensure_group(&w.q)) {
        cli_error("%s: %s", w.url, w.q.err);
        goto out;
    }
    queue_key(&w.q, w.wkey, sizeof(w.wkey), "worker:%s", w.name);
    queue_key(&w.q, w.statskey, sizeof(w.statskey), "stats");
    queue_key(&w.q, w.failedkey, sizeof(w.failedkey), "failed");
    queue_key(&w.q, w.wset, sizeof(w.wset), "workers");
    unsigned threads = w.threads ? w.threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
    w.nthreads = threads ? threads : 1;
    redisReply *r = queue_cmd(&w.q, "SADD %s %s", w.wset, w.name);
    freeReplyObject(r);
    r = queue_cmd(&w.q,
                  "HSET %s host %s pid %ld threads %u started %.3f last_seen %.3f state idle "
                  "busy_job %s",
                  w.wkey, host, (long)getpid(), threads, trawl_now_real(), trawl_now_real(), "");
    freeReplyObject(r);

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    trawl_cap_set_stop_flag(&stop_flag);

    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    bool hb = !pthread_create(&w.hb, NULL, heartbeat_main, &w);
    if (!w.quiet)
        fprintf(stderr, "trawl worker: %s on %s, %u thread(s), claim after %lld ms, cache %s\n",
                w.name, w.url, threads, w.claim_ms, w.cache);
    loop(&w);
    if (hb) {
        pthread_mutex_lock(&w.mu);
        w.hb_stop = true;
        pthread_cond_signal(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(w.hb, NULL);
    }
    r = queue_cmd(&w.q, "HSET %s state stopped busy_job %s last_seen %.3f", w.wkey, "",
                  trawl_now_real());
    freeReplyObject(r);
    if (!w.quiet) fprintf(stderr, "trawl worker: %s stopped\n", w.name);
    pthread_mutex_destroy(&w.mu);
    pthread_cond_destroy(&w.cv);
    rc = 0;
out:
    if (w.sinks && trawl_sinks_close(w.sinks)) rc = EXIT_TROUBLE;
    trawl_sinks_free(w.sinks);
    for (size_t i = 0; i < w.ndbs; i++)
        trawl_db_close(w.dbs[i].db);
    queue_close(&w.q);
    return rc;
}
