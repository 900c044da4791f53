/* trawl triage: the inputs. JSON Lines files (or stdin), and Redis streams
 * written by the Redis sink (`trawl scan --sink redis://...`), whose entries
 * carry the hit line in their "json" field. A stream is read with XRANGE in
 * pages of 1000 entries, so a long stream never sits in memory twice. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cli.h"
#include "triage.h"

#define REDIS_PAGE 1000
#define REDIS_TIMEOUT_S 5

static void one_line(struct triage *t, const char *where, uint64_t lineno, const char *line,
                     size_t len)
{
    char why[256];
    t->lines++;
    if (!triage_add_line(t, line, len, why, sizeof(why))) return;
    if (++t->bad <= t->opt.max_bad_shown) {
        if (lineno)
            fprintf(stderr, "trawl: %s:%" PRIu64 ": %s\n", where, lineno, why);
        else
            fprintf(stderr, "trawl: %s: %s\n", where, why);
    }
}

static int read_file(struct triage *t, const char *path)
{
    bool is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "stdin" : path;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    uint64_t lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)n;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (k == len) /* blank lines separate nothing; not an error */
            continue;
        one_line(t, name, lineno, line, len);
    }
    int rc = 0;
    if (ferror(f)) {
        cli_error("%s: read error: %s", name, strerror(errno));
        rc = -1;
    }
    free(line);
    if (!is_stdin) fclose(f);
    return rc;
}

/* redis://HOST[:PORT]/STREAM, HOST may be a bracketed IPv6 address. */
static int parse_redis_url(const char *url, char *host, size_t hostsz, int *port,
                           const char **stream)
{
    const char *p = url + strlen("redis://"), *end;
    if (*p == '[') {
        end = strchr(p, ']');
        if (!end) return -1;
        p++;
    } else {
        end = p + strcspn(p, ":/");
    }
    if (end == p || (size_t)(end - p) >= hostsz) return -1;
    memcpy(host, p, (size_t)(end - p));
    host[end - p] = 0;
    p = *end == ']' ? end + 1 : end;
    *port = 6379;
    if (*p == ':') {
        char *e;
        long v = strtol(p + 1, &e, 10);
        if (e == p + 1 || v < 1 || v > 65535) return -1;
        *port = (int)v;
        p = e;
    }
    if (*p != '/' || !p[1]) return -1;
    *stream = p + 1;
    return 0;
}

/* The id just after "ms-seq", so that the next XRANGE page starts past it
 * (works on every Redis with streams, unlike the "(" exclusive form). */
static int next_id(const char *id, char *out, size_t outsz)
{
    unsigned long long ms, seq;
    if (sscanf(id, "%llu-%llu", &ms, &seq) != 2) return -1;
    if (seq == UINT64_MAX) {
        ms++;
        seq = 0;
    } else {
        seq++;
    }
    snprintf(out, outsz, "%llu-%llu", ms, seq);
    return 0;
}

static int read_redis(struct triage *t, const char *url)
{
    char host[256], start[64] = "-", where[512];
    int port;
    const char *stream;
    if (parse_redis_url(url, host, sizeof(host), &port, &stream)) {
        cli_error("%s: not a Redis stream address (redis://HOST:PORT/STREAM)", url);
        return -1;
    }
    struct timeval tv = {.tv_sec = REDIS_TIMEOUT_S};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    if (!c || c->err) {
        cli_error("%s: cannot connect: %s", url, c ? c->errstr : "out of memory");
        redisFree(c);
        return -1;
    }
    redisSetTimeout(c, tv);
    int rc = 0;
    bool any = false;
    for (;;) {
        redisReply *r = redisCommand(c, "XRANGE %s %s + COUNT %d", stream, start, REDIS_PAGE);
        if (!r) {
            cli_error("%s: %s", url, c->errstr);
            rc = -1;
            break;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            cli_error("%s: XRANGE: %s", url, r->str);
            freeReplyObject(r);
            rc = -1;
            break;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
            cli_error("%s: XRANGE: unexpected reply", url);
            freeReplyObject(r);
            rc = -1;
            break;
        }
        size_t n = r->elements;
        for (size_t i = 0; i < n; i++) {
            redisReply *e = r->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
                e->element[0]->type != REDIS_REPLY_STRING)
                continue;
            const char *id = e->element[0]->str;
            redisReply *f = e->element[1];
            snprintf(where, sizeof(where), "%s#%s", url, id);
            const redisReply *json = NULL;
            for (size_t k = 0; f->type == REDIS_REPLY_ARRAY && k + 1 < f->elements; k += 2)
                if (f->element[k]->type == REDIS_REPLY_STRING &&
                    !strcmp(f->element[k]->str, "json") &&
                    f->element[k + 1]->type == REDIS_REPLY_STRING)
                    json = f->element[k + 1];
            if (json) {
                one_line(t, where, 0, json->str, json->len);
            } else {
                t->lines++;
                if (++t->bad <= t->opt.max_bad_shown)
                    fprintf(stderr, "trawl: %s: no \"json\" field\n", where);
            }
            if (i + 1 == n && next_id(id, start, sizeof(start))) {
                cli_error("%s: bad entry id '%s'", url, id);
                rc = -1;
            }
            any = true;
        }
        freeReplyObject(r);
        if (rc || n < REDIS_PAGE) break;
    }
    if (!rc && !any) { /* XRANGE on a missing key is an empty array: say so */
        redisReply *r = redisCommand(c, "EXISTS %s", stream);
        if (r && r->type == REDIS_REPLY_INTEGER && !r->integer)
            cli_warn("%s: no such stream (no hits read)", url);
        freeReplyObject(r);
    }
    redisFree(c);
    return rc;
}

int triage_read(struct triage *t, const char *input)
{
    if (!strncmp(input, "redis://", 8)) return read_redis(t, input);
    return read_file(t, input);
}
