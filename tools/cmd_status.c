/* trawl status: the state of a distributed job queue, read from Redis: jobs
 * queued, running, done and failed, and per worker its throughput and how
 * far behind it is (docs/distributed.md). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "queue.h"
#include "trawl_common.h"

static const char help[] =
    "usage: trawl status --queue redis://HOST:PORT/STREAM [OPTIONS]\n"
    "\n"
    "Shows a distributed scan (see docs/distributed.md): jobs submitted, queued (not\n"
    "yet taken by a worker), running (taken, not yet acknowledged), done and failed;\n"
    "jobs run twice; bytes and hits; and for every worker its state, jobs, throughput\n"
    "(MB/s over the time it spent scanning), the jobs it holds and their idle time,\n"
    "and when it was last seen. A worker silent for over 10 s is shown as lost: its\n"
    "jobs go to the others once idle for their --claim-after.\n"
    "\n"
    "options:\n"
    "      --queue URL      the job stream, redis://HOST:PORT/STREAM (required;\n"
    "                       default: $TRAWL_QUEUE)\n"
    "      --json           one JSON object instead of the table\n"
    "      --failed N       list the last N failed jobs, with why (default 10)\n"
    "      --wait           wait until nothing is queued or running, then show it\n"
    "      --timeout SEC    with --wait: give up after SEC seconds (exit status 2)\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0, or 2 when Redis cannot be read, the queue does not exist or\n"
    "--wait timed out.\n"
    "\n"
    "examples:\n"
    "  trawl status --queue redis://10.0.0.5:6379/trawl:jobs\n"
    "  trawl status --queue redis://10.0.0.5:6379/trawl:jobs --wait --json > run.json\n";

#define LOST_AFTER 10.0 /* seconds without a heartbeat */

struct wrow {
    char *name;
    char state[16];
    long long done, failed, bytes, hits, running;
    double busy_s, last_seen, job_idle;
    char busy_job[64];
};

struct frow {
    char *id, *path, *error, *worker;
};

struct snap {
    long long submitted, files, bytes_submitted, done, failed, reruns, bytes, hits;
    long long queued, running, length;
    double oldest_queued; /* seconds, -1 none */
    double oldest_running_idle;
    struct wrow *w;
    size_t nw;
    struct frow *f;
    size_t nf;
};

static void snap_free(struct snap *s)
{
    for (size_t i = 0; i < s->nw; i++)
        free(s->w[i].name);
    for (size_t i = 0; i < s->nf; i++) {
        free(s->f[i].id);
        free(s->f[i].path);
        free(s->f[i].error);
        free(s->f[i].worker);
    }
    free(s->w);
    free(s->f);
    memset(s, 0, sizeof(*s));
}

/* Integer field of a flat array as XINFO returns it (integer or string);
 * -1 when missing or nil. */
static long long ifield(const redisReply *flat, const char *name)
{
    for (size_t k = 0; flat && k + 1 < flat->elements; k += 2) {
        const redisReply *f = flat->element[k], *v = flat->element[k + 1];
        if (f->type != REDIS_REPLY_STRING || strcmp(f->str, name)) continue;
        if (v->type == REDIS_REPLY_INTEGER) return v->integer;
        if (v->type == REDIS_REPLY_STRING) return strtoll(v->str, NULL, 10);
        return -1;
    }
    return -1;
}

static char *dupn(const char *s)
{
    return strdup(s ? s : "");
}

/* Entry id "ms-seq" to its time in seconds. */
static double id_time(const char *id)
{
    return (double)strtoull(id, NULL, 10) / 1000.0;
}

static int collect(struct queue *q, size_t nfailed, struct snap *s)
{
    memset(s, 0, sizeof(*s));
    s->oldest_queued = -1;
    char key[700];
    redisReply *r = queue_cmd(q, "XINFO GROUPS %s", q->stream);
    if (!r) {
        if (q->reply_err && strstr(q->err, "no such key"))
            snprintf(q->err, sizeof(q->err), "no such queue (nothing submitted yet)");
        return -1;
    }
    const redisReply *g = NULL;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const char *n = queue_field(r->element[i], "name", NULL);
        if (n && !strcmp(n, QUEUE_GROUP)) g = r->element[i];
    }
    long long pending = g ? ifield(g, "pending") : 0, lag = g ? ifield(g, "lag") : -1;
    char last[64] = "0-0";
    const char *ld = g ? queue_field(g, "last-delivered-id", NULL) : NULL;
    if (ld) snprintf(last, sizeof(last), "%s", ld);
    freeReplyObject(r);

    queue_key(q, key, sizeof(key), "stats");
    if (!(r = queue_cmd(q, "HGETALL %s", key))) return -1;
    s->submitted = queue_field_ll(r, "submitted");
    s->files = queue_field_ll(r, "files");
    s->bytes_submitted = queue_field_ll(r, "bytes");
    s->done = queue_field_ll(r, "done");
    s->failed = queue_field_ll(r, "failed");
    s->reruns = queue_field_ll(r, "reruns");
    s->bytes = queue_field_ll(r, "bytes_scanned");
    s->hits = queue_field_ll(r, "hits");
    freeReplyObject(r);
    s->running = pending > 0 ? pending : 0;
    if (lag >= 0) {
        s->queued = lag;
    } else { /* Redis < 7, or entries deleted: from the counters */
        s->queued = s->submitted - s->done - s->failed - s->running;
        if (s->queued < 0) s->queued = 0;
    }
    if (!(r = queue_cmd(q, "XLEN %s", q->stream))) return -1;
    s->length = r->integer;
    freeReplyObject(r);
    double now = trawl_now_real();
    /* the oldest entry not delivered yet */
    if ((r = queue_cmd(q, "XRANGE %s (%s + COUNT 1", q->stream, last))) {
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 1)
            s->oldest_queued = now - id_time(r->element[0]->element[0]->str);
        freeReplyObject(r);
    }

    /* running jobs: holder and idle time of each */
    struct {
        char name[256];
        long long n;
        double idle;
    } held[256];
    size_t nheld = 0;
    s->oldest_running_idle = -1;
    if (!(r = queue_cmd(q, "XPENDING %s %s - + 1000", q->stream, QUEUE_GROUP))) {
        if (!q->reply_err) return -1;
    } else {
        for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
            const redisReply *e = r->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 4) continue;
            double idle = (double)e->element[2]->integer / 1000.0;
            if (idle > s->oldest_running_idle) s->oldest_running_idle = idle;
            size_t k = 0;
            while (k < nheld && strcmp(held[k].name, e->element[1]->str))
                k++;
            if (k == nheld) {
                if (nheld == 256) continue;
                snprintf(held[nheld].name, sizeof(held[0].name), "%s", e->element[1]->str);
                held[nheld].n = 0;
                held[nheld++].idle = 0;
            }
            held[k].n++;
            if (idle > held[k].idle) held[k].idle = idle;
        }
        freeReplyObject(r);
    }

    queue_key(q, key, sizeof(key), "workers");
    if (!(r = queue_cmd(q, "SMEMBERS %s", key))) return -1;
    s->w = calloc(r->elements ? r->elements : 1, sizeof(*s->w));
    for (size_t i = 0; s->w && i < r->elements; i++) {
        struct wrow *w = &s->w[s->nw];
        const char *name = r->element[i]->str;
        queue_key(q, key, sizeof(key), "worker:%s", name);
        redisReply *h = queue_cmd(q, "HGETALL %s", key);
        if (!h) break;
        w->name = dupn(name);
        s->nw++;
        w->done = queue_field_ll(h, "jobs_done");
        w->failed = queue_field_ll(h, "jobs_failed");
        w->bytes = queue_field_ll(h, "bytes");
        w->hits = queue_field_ll(h, "hits");
        w->busy_s = queue_field_d(h, "busy_seconds");
        w->last_seen = now - queue_field_d(h, "last_seen");
        const char *st = queue_field(h, "state", NULL), *bj = queue_field(h, "busy_job", NULL);
        snprintf(w->state, sizeof(w->state), "%s", st ? st : "?");
        snprintf(w->busy_job, sizeof(w->busy_job), "%s", bj ? bj : "");
        if (strcmp(w->state, "stopped") && w->last_seen > LOST_AFTER)
            snprintf(w->state, sizeof(w->state), "lost");
        for (size_t k = 0; k < nheld; k++)
            if (!strcmp(held[k].name, name)) {
                w->running = held[k].n;
                w->job_idle = held[k].idle;
            }
        freeReplyObject(h);
    }
    freeReplyObject(r);

    if (nfailed) {
        queue_key(q, key, sizeof(key), "failed");
        if (!(r = queue_cmd(q, "LRANGE %s -%lu -1", key, (unsigned long)nfailed))) return -1;
        s->f = calloc(r->elements ? r->elements : 1, sizeof(*s->f));
        for (size_t i = 0; s->f && i < r->elements; i++) {
            const char *id = r->element[i]->str;
            queue_key(q, key, sizeof(key), "job:%s", id);
            redisReply *h = queue_cmd(q, "HGETALL %s", key);
            if (!h) break;
            struct frow *f = &s->f[s->nf++];
            size_t plen = 0;
            const char *p = queue_field(h, "path", &plen);
            f->id = dupn(id);
            f->path = dupn(p); /* the first path of the job (NUL-separated list) */
            f->error = dupn(queue_field(h, "error", NULL));
            f->worker = dupn(queue_field(h, "worker", NULL));
            freeReplyObject(h);
        }
        freeReplyObject(r);
    }
    return 0;
}

static int cmp_w(const void *a, const void *b)
{
    return strcmp(((const struct wrow *)a)->name, ((const struct wrow *)b)->name);
}

static double rate(const struct wrow *w)
{
    return w->busy_s > 0 ? (double)w->bytes / 1e6 / w->busy_s : 0;
}

static void print_text(const struct queue *q, const struct snap *s)
{
    printf("queue     %s (group %s)\n", q->url, QUEUE_GROUP);
    printf("jobs      %lld submitted: %lld queued, %lld running, %lld done, %lld failed",
           s->submitted, s->queued, s->running, s->done, s->failed);
    if (s->reruns) printf(" (%lld run twice)", s->reruns);
    printf("\n");
    printf("scanned   %.1f of %.1f MB, %lld hit(s)\n", (double)s->bytes / 1e6,
           (double)s->bytes_submitted / 1e6, s->hits);
    if (s->oldest_queued >= 0)
        printf("lag       %lld job(s) waiting, the oldest for %.1f s\n", s->queued,
               s->oldest_queued);
    else
        printf("lag       no job waiting\n");
    size_t busy = 0, idle = 0, lost = 0, stopped = 0;
    for (size_t i = 0; i < s->nw; i++) {
        const char *st = s->w[i].state;
        busy += !strcmp(st, "busy");
        idle += !strcmp(st, "idle");
        lost += !strcmp(st, "lost");
        stopped += !strcmp(st, "stopped");
    }
    printf("workers   %zu: %zu busy, %zu idle, %zu lost, %zu stopped\n", s->nw, busy, idle, lost,
           stopped);
    if (s->nw) {
        printf("  %-28s %-7s %6s %6s %10s %8s %7s %9s %11s\n", "worker", "state", "jobs", "failed",
               "MB", "MB/s", "running", "job idle", "last seen");
        for (size_t i = 0; i < s->nw; i++) {
            const struct wrow *w = &s->w[i];
            char ji[24] = "-";
            if (w->running) snprintf(ji, sizeof(ji), "%.1f s", w->job_idle);
            printf("  %-28s %-7s %6lld %6lld %10.1f %8.1f %7lld %9s %5.1f s ago\n", w->name,
                   w->state, w->done, w->failed, (double)w->bytes / 1e6, rate(w), w->running, ji,
                   w->last_seen);
        }
    }
    if (s->nf) {
        printf("failed jobs (last %zu)\n", s->nf);
        for (size_t i = 0; i < s->nf; i++)
            printf("  %s  %s: %s\n", s->f[i].id, s->f[i].path, s->f[i].error);
    }
}

/* Three decimals are plenty for seconds and MB/s. */
static double ms(double x)
{
    return round(x * 1000.0) / 1000.0;
}

static void print_json(const struct queue *q, const struct snap *s)
{
    json_t *o = json_object(), *ws = json_array(), *fs = json_array();
    json_object_set_new(o, "queue", json_string(q->url));
    json_object_set_new(o, "group", json_string(QUEUE_GROUP));
    json_object_set_new(o, "jobs",
                        json_pack("{sIsIsIsIsIsI}", "submitted", (json_int_t)s->submitted, "queued",
                                  (json_int_t)s->queued, "running", (json_int_t)s->running, "done",
                                  (json_int_t)s->done, "failed", (json_int_t)s->failed, "run_twice",
                                  (json_int_t)s->reruns));
    json_object_set_new(o, "files_submitted", json_integer(s->files));
    json_object_set_new(o, "bytes_submitted", json_integer(s->bytes_submitted));
    json_object_set_new(o, "bytes_scanned", json_integer(s->bytes));
    json_object_set_new(o, "hits", json_integer(s->hits));
    json_object_set_new(o, "stream_length", json_integer(s->length));
    json_object_set_new(o, "oldest_queued_seconds",
                        s->oldest_queued >= 0 ? json_real(ms(s->oldest_queued)) : json_null());
    json_object_set_new(o, "oldest_running_idle_seconds",
                        s->oldest_running_idle >= 0 ? json_real(ms(s->oldest_running_idle))
                                                    : json_null());
    for (size_t i = 0; i < s->nw; i++) {
        const struct wrow *w = &s->w[i];
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(w->name));
        json_object_set_new(x, "state", json_string(w->state));
        json_object_set_new(x, "jobs_done", json_integer(w->done));
        json_object_set_new(x, "jobs_failed", json_integer(w->failed));
        json_object_set_new(x, "bytes", json_integer(w->bytes));
        json_object_set_new(x, "hits", json_integer(w->hits));
        json_object_set_new(x, "busy_seconds", json_real(ms(w->busy_s)));
        json_object_set_new(x, "mb_per_s", json_real(ms(rate(w))));
        json_object_set_new(x, "running", json_integer(w->running));
        json_object_set_new(x, "busy_job", w->busy_job[0] ? json_string(w->busy_job) : json_null());
        json_object_set_new(x, "job_idle_seconds",
                            w->running ? json_real(ms(w->job_idle)) : json_null());
        json_object_set_new(x, "last_seen_seconds", json_real(ms(w->last_seen)));
        json_array_append_new(ws, x);
    }
    json_object_set_new(o, "workers", ws);
    for (size_t i = 0; i < s->nf; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "id", json_string(s->f[i].id));
        json_object_set_new(x, "path", json_string(s->f[i].path));
        json_object_set_new(x, "error", json_string(s->f[i].error));
        json_object_set_new(x, "worker", json_string(s->f[i].worker));
        json_array_append_new(fs, x);
    }
    json_object_set_new(o, "failed", fs);
    char *txt = json_dumps(o, JSON_COMPACT);
    if (txt) puts(txt);
    free(txt);
    json_decref(o);
}

int cmd_status(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"queue", required_argument, NULL, 'Q'},
        {"json", no_argument, NULL, 'J'},
        {"failed", required_argument, NULL, 'F'},
        {"wait", no_argument, NULL, 'W'},
        {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = getenv("TRAWL_QUEUE");
    bool json = false, wait = false;
    unsigned long nfailed = 10, timeout = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", lopts, NULL)) != -1) {
        switch (c) {
        case 'Q':
            url = optarg;
            break;
        case 'J':
            json = true;
            break;
        case 'F':
            if (!cli_parse_uint(optarg, 100000, &nfailed))
                return cli_usage_error("status", "--failed needs a count");
            break;
        case 'W':
            wait = true;
            break;
        case 'T':
            if (!cli_parse_uint(optarg, 86400 * 365, &timeout) || !timeout)
                return cli_usage_error("status", "--timeout needs seconds");
            break;
        default:
            return cli_other_opt("status", c, help, argv);
        }
    }
    if (optind < argc) return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);
    if (!url || !*url)
        return cli_usage_error("status", "no queue: give --queue redis://HOST:PORT/STREAM");
    struct queue q;
    if (queue_open(&q, url, 10)) {
        cli_error("%s: %s", url, q.err);
        queue_close(&q);
        return EXIT_TROUBLE;
    }
    struct snap s;
    double t0 = trawl_now_mono();
    int rc = 0;
    for (;;) {
        if (collect(&q, nfailed, &s)) {
            cli_error("%s: %s", url, q.err);
            snap_free(&s);
            queue_close(&q);
            return EXIT_TROUBLE;
        }
        if (!wait || (!s.queued && !s.running)) break;
        if (timeout && trawl_now_mono() - t0 >= (double)timeout) {
            cli_error("%s: still %lld job(s) queued and %lld running after %lu s", url, s.queued,
                      s.running, timeout);
            rc = EXIT_TROUBLE;
            break;
        }
        snap_free(&s);
        struct timespec ts = {0, 200000000};
        nanosleep(&ts, NULL);
    }
    if (s.nw) qsort(s.w, s.nw, sizeof(*s.w), cmp_w);
    if (json)
        print_json(&q, &s);
    else
        print_text(&q, &s);
    snap_free(&s);
    queue_close(&q);
    return rc;
}
