/* The distributed job queue (queue.h): Redis connection from a queue URL,
 * commands that turn error replies into messages, key names and helpers for
 * the flat field lists Redis returns. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "trawl_common.h"

static int connect_now(struct queue *q)
{
    struct timeval tv = {.tv_sec = (time_t)q->timeout,
                         .tv_usec = (suseconds_t)((q->timeout - (double)(time_t)q->timeout) * 1e6)};
    if (q->c) redisFree(q->c);
    q->c = redisConnectWithTimeout(q->host, q->port, tv);
    if (!q->c || q->c->err) {
        snprintf(q->err, sizeof(q->err), "cannot connect to %s:%d: %s", q->host, q->port,
                 q->c ? q->c->errstr : "out of memory");
        if (q->c) redisFree(q->c);
        q->c = NULL;
        q->reply_err = false;
        return -1;
    }
    redisSetTimeout(q->c, tv);
    return 0;
}

int queue_open(struct queue *q, const char *url, double timeout)
{
    memset(q, 0, sizeof(*q));
    q->timeout = timeout > 0 ? timeout : 10;
    q->url = strdup(url);
    if (!q->url || trawl_redis_url_parse(url, &q->host, &q->port, &q->stream)) {
        snprintf(q->err, sizeof(q->err), "'%s' is not a queue address (redis://HOST:PORT/STREAM)",
                 url);
        return -1;
    }
    return connect_now(q);
}

int queue_reconnect(struct queue *q)
{
    return connect_now(q);
}

void queue_close(struct queue *q)
{
    if (q->c) redisFree(q->c);
    free(q->url);
    free(q->host);
    free(q->stream);
    memset(q, 0, sizeof(*q));
}

static redisReply *check(struct queue *q, redisReply *r)
{
    if (!r) {
        snprintf(q->err, sizeof(q->err), "Redis at %s:%d: %s", q->host, q->port,
                 q->c && q->c->errstr[0] ? q->c->errstr : "no reply");
        q->reply_err = false;
        redisFree(q->c); /* a broken context cannot be used again */
        q->c = NULL;
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(q->err, sizeof(q->err), "%s", r->str);
        q->reply_err = true;
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

redisReply *queue_cmd(struct queue *q, const char *fmt, ...)
{
    if (!q->c && connect_now(q)) return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(q->c, fmt, ap);
    va_end(ap);
    return check(q, r);
}

redisReply *queue_cmdargv(struct queue *q, int argc, const char **argv, const size_t *lens)
{
    if (!q->c && connect_now(q)) return NULL;
    return check(q, redisCommandArgv(q->c, argc, argv, lens));
}

void queue_key(const struct queue *q, char *buf, size_t n, const char *fmt, ...)
{
    int k = snprintf(buf, n, "%s:", q->stream);
    if (k < 0 || (size_t)k >= n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + k, n - (size_t)k, fmt, ap);
    va_end(ap);
}

int queue_ensure_group(struct queue *q)
{
    redisReply *r = queue_cmd(q, "XGROUP CREATE %s %s 0 MKSTREAM", q->stream, QUEUE_GROUP);
    if (r) {
        freeReplyObject(r);
        return 0;
    }
    if (q->reply_err && !strncmp(q->err, "BUSYGROUP", 9)) return 0;
    return -1;
}

const char *queue_field(const redisReply *flat, const char *field, size_t *len)
{
    if (!flat || flat->type != REDIS_REPLY_ARRAY) return NULL;
    for (size_t k = 0; k + 1 < flat->elements; k += 2) {
        const redisReply *f = flat->element[k], *v = flat->element[k + 1];
        if (f->type == REDIS_REPLY_STRING && !strcmp(f->str, field) &&
            (v->type == REDIS_REPLY_STRING || v->type == REDIS_REPLY_STATUS)) {
            if (len) *len = v->len;
            return v->str;
        }
    }
    return NULL;
}

long long queue_field_ll(const redisReply *flat, const char *field)
{
    const char *v = queue_field(flat, field, NULL);
    return v ? strtoll(v, NULL, 10) : 0;
}

double queue_field_d(const redisReply *flat, const char *field)
{
    const char *v = queue_field(flat, field, NULL);
    return v ? strtod(v, NULL) : 0;
}

void queue_new_id(char out[37])
{
    uint8_t b[16];
    size_t got = 0;
    while (got < sizeof(b)) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
        if (n <= 0) break;
        got += (size_t)n;
    }
    if (got < sizeof(b)) { /* no entropy source: time and pid are unique enough */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        uint64_t y = ((uint64_t)getpid() << 32) ^ (uint64_t)rand();
        memcpy(b, &x, 8);
        memcpy(b + 8, &y, 8);
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4, variant 1 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 15];
    }
    *p = 0;
}
