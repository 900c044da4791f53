/* Sinks: the hand-off from detection to triage. The generic layer parses
 * sink specs, applies each sink's TLP ceiling (withhold, or redact to the
 * indicator's id), formats each hit once per form and calls the sink's ops
 * under its lock. Also the descriptor and rotated-JSONL sinks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db_internal.h"
#include "sink_internal.h"

#define MAX_SINKS 16
#define FD_FLUSH (256u << 10)
#define ROTATE_KEEP 5

struct trawl_sinks {
    struct sink sinks[MAX_SINKS];
    size_t n;
    pthread_mutex_t err_mu;
    void (*on_error)(void *ud, const char *where, const char *msg);
    void *ud;
};

int trawl_sinks_new(struct trawl_sinks **ret)
{
    struct trawl_sinks *s = calloc(1, sizeof(*s));
    if (!s)
        return TRAWL_ENOMEM;
    pthread_mutex_init(&s->err_mu, NULL);
    *ret = s;
    return 0;
}

void trawl_sinks_on_error(struct trawl_sinks *s,
                          void (*fn)(void *ud, const char *where, const char *msg), void *ud)
{
    s->on_error = fn;
    s->ud = ud;
}

static void report(struct trawl_sinks *ss, const struct trawl_error *e)
{
    pthread_mutex_lock(&ss->err_mu);
    if (ss->on_error)
        ss->on_error(ss->ud, e->where, e->msg);
    pthread_mutex_unlock(&ss->err_mu);
}

static struct sink *new_sink(struct trawl_sinks *s, const char *name, struct trawl_error *err)
{
    if (s->n == MAX_SINKS) {
        trawl_error_set(err, TRAWL_EINVAL, name, "too many sinks (at most %d)", MAX_SINKS);
        return NULL;
    }
    struct sink *k = &s->sinks[s->n];
    memset(k, 0, sizeof(*k));
    k->name = strdup(name);
    if (!k->name) {
        trawl_error_set(err, TRAWL_ENOMEM, name, "out of memory");
        return NULL;
    }
    k->max_tlp = TRAWL_TLP_AMBER_STRICT;
    pthread_mutex_init(&k->mu, NULL);
    return k;
}

static void drop_sink(struct sink *k)
{
    free(k->name);
    pthread_mutex_destroy(&k->mu);
}

static int parse_size(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v)
        return -1;
    switch (*end) {
    case 'k':
    case 'K':
        n <<= 10, end++;
        break;
    case 'm':
    case 'M':
        n <<= 20, end++;
        break;
    case 'g':
    case 'G':
        n <<= 30, end++;
        break;
    }
    if (*end || !n)
        return -1;
    *out = n;
    return 0;
}

int trawl_sinks_add(struct trawl_sinks *s, const char *spec, struct trawl_error *err)
{
    char *copy = strdup(spec);
    if (!copy)
        return trawl_error_set(err, TRAWL_ENOMEM, spec, "out of memory");
    struct sink *k = new_sink(s, spec, err);
    if (!k) {
        free(copy);
        return err ? err->code : TRAWL_EINVAL;
    }
    /* target[,opt[=val]]... */
    char *save = NULL, *target = strtok_r(copy, ",", &save), *opt;
    uint64_t rotate = 0;
    const char *spool = NULL;
    int r = 0;
    while (!r && (opt = strtok_r(NULL, ",", &save))) {
        char *eq = strchr(opt, '=');
        const char *val = eq ? eq + 1 : NULL;
        if (eq)
            *eq = 0;
        enum trawl_tlp t;
        if (!strcmp(opt, "max-tlp") && val && !trawl_tlp_parse(val, &t))
            k->max_tlp = t;
        else if (!strcmp(opt, "redact") && !val)
            k->redact = true;
        else if (!strcmp(opt, "rotate") && val && !parse_size(val, &rotate))
            ;
        else if (!strcmp(opt, "spool") && val && *val)
            spool = val;
        else
            r = trawl_error_set(err, TRAWL_EINVAL, spec, "bad sink option '%s%s%s'", opt,
                                val ? "=" : "", val ? val : "");
    }
    if (!r) {
        if (!target)
            r = trawl_error_set(err, TRAWL_EINVAL, spec, "empty sink");
        else if (!strcmp(target, "stdout"))
            r = sink_open_fd(k, 1, false, err);
        else if (!strncmp(target, "jsonl:", 6) && target[6])
            r = sink_open_jsonl(k, target + 6, rotate, err);
        else if (!strncmp(target, "redis://", 8))
            r = sink_open_redis(k, target, spool, err);
        else
            r = trawl_error_set(err, TRAWL_EINVAL, spec,
                                "unknown sink (stdout, jsonl:PATH or redis://HOST:PORT/STREAM)");
        if (!r && rotate && strncmp(target, "jsonl:", 6))
            r = trawl_error_set(err, TRAWL_EINVAL, spec, "rotate= applies to jsonl: sinks only");
    }
    free(copy);
    if (r) {
        if (k->ops)
            k->ops->close(k);
        drop_sink(k);
        return r;
    }
    s->n++;
    return 0;
}

int trawl_sinks_add_fd(struct trawl_sinks *s, int fd, const char *name, int max_tlp, bool redact,
                       struct trawl_error *err)
{
    struct sink *k = new_sink(s, name, err);
    if (!k)
        return err ? err->code : TRAWL_EINVAL;
    k->max_tlp = max_tlp;
    k->redact = redact;
    int r = sink_open_fd(k, fd, false, err);
    if (r) {
        drop_sink(k);
        return r;
    }
    s->n++;
    return 0;
}

size_t trawl_sinks_count(const struct trawl_sinks *s)
{
    return s->n;
}

const char *trawl_sinks_name(const struct trawl_sinks *s, size_t i)
{
    return s->sinks[i].name;
}

void trawl_sinks_stats(const struct trawl_sinks *s, size_t i, struct trawl_sink_stats *out)
{
    struct sink *k = (struct sink *)&s->sinks[i];
    pthread_mutex_lock(&k->mu);
    *out = k->st;
    pthread_mutex_unlock(&k->mu);
}

int trawl_sinks_emit(struct trawl_sinks *s, const struct trawl_db *db, const struct trawl_hit *hits,
                     size_t n, const struct trawl_hit_origin *o)
{
    struct trawl_buf plain = {0}, red = {0};
    int alive = 0, r = 0;
    for (size_t i = 0; i < n && !r; i++) {
        const struct trawl_hit *h = &hits[i];
        const struct trawl_db_ioc *c = &db->iocs[h->ioc];
        plain.len = red.len = 0;
        char id[17], redval[24];
        trawl_hit_id(db, h, o, id);
        snprintf(redval, sizeof(redval), "ioc-%u", h->ioc);
        struct sink_hit sh = {.id = id,
                              .ioc_type = trawl_ioc_type_name(c->type),
                              .tlp = trawl_tlp_name(c->tlp),
                              .severity = trawl_severity_name(c->severity),
                              .file = o->file,
                              .offset = h->offset,
                              .timestamp = o->timestamp};
        alive = 0;
        for (size_t k = 0; k < s->n; k++) {
            struct sink *sk = &s->sinks[k];
            if (sk->failed)
                continue;
            alive++;
            bool above = c->tlp > sk->max_tlp;
            if (above && !sk->redact) {
                pthread_mutex_lock(&sk->mu);
                sk->st.withheld++;
                pthread_mutex_unlock(&sk->mu);
                continue;
            }
            struct trawl_buf *b = above ? &red : &plain;
            if (!b->len && trawl_hit_format(db, h, o, above, b)) {
                r = TRAWL_ENOMEM;
                break;
            }
            sh.json = b->data;
            sh.json_len = b->len;
            sh.ioc_value = above ? redval : db->strings + c->value_off;
            struct trawl_error err = {0};
            pthread_mutex_lock(&sk->mu);
            int wr = sk->failed ? 0 : sk->ops->write(sk, &sh, &err);
            if (wr) {
                sk->failed = true;
                sk->st.errors++;
            } else if (!sk->failed) {
                sk->st.written++;
                sk->st.redacted += above;
            }
            pthread_mutex_unlock(&sk->mu);
            if (wr) {
                if (!err.where[0])
                    snprintf(err.where, sizeof(err.where), "%s", sk->name);
                report(s, &err);
            }
        }
        if (!alive)
            break;
    }
    trawl_buf_free(&plain);
    trawl_buf_free(&red);
    if (r)
        return r;
    return (s->n && !alive) ? TRAWL_EIO : 0;
}

static int flush_one(struct trawl_sinks *s, struct sink *k, bool final)
{
    struct trawl_error err = {0};
    pthread_mutex_lock(&k->mu);
    int r = k->failed ? 0 : k->ops->flush(k, final, &err);
    if (r) {
        k->failed = true;
        k->st.errors++;
    }
    pthread_mutex_unlock(&k->mu);
    if (r) {
        if (!err.where[0])
            snprintf(err.where, sizeof(err.where), "%s", k->name);
        report(s, &err);
    }
    return r;
}

void trawl_sinks_flush(struct trawl_sinks *s)
{
    for (size_t k = 0; k < s->n; k++)
        flush_one(s, &s->sinks[k], false);
}

int trawl_sinks_close(struct trawl_sinks *s)
{
    int r = 0;
    for (size_t k = 0; k < s->n; k++) {
        flush_one(s, &s->sinks[k], true);
        if (s->sinks[k].failed)
            r = TRAWL_EIO;
    }
    return r;
}

void trawl_sinks_free(struct trawl_sinks *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->n; k++) {
        s->sinks[k].ops->close(&s->sinks[k]);
        drop_sink(&s->sinks[k]);
    }
    pthread_mutex_destroy(&s->err_mu);
    free(s);
}

/* ---- descriptors and JSONL files ----------------------------------------- */

struct fdsink {
    int fd;
    bool owned;
    char *path;      /* JSONL: the file, for rotation */
    uint64_t rotate; /* JSONL: rotate beyond this size (0 = never) */
    uint64_t size;   /* bytes in the current file */
    struct trawl_buf buf;
};

static int fd_push(struct sink *s, struct trawl_error *err)
{
    struct fdsink *f = s->impl;
    size_t off = 0;
    while (off < f->buf.len) {
        ssize_t w = write(f->fd, f->buf.data + off, f->buf.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            f->buf.len = 0;
            return trawl_error_set(err, TRAWL_EIO, f->path ? f->path : s->name, "write: %s",
                                   strerror(e));
        }
        off += (size_t)w;
    }
    f->size += f->buf.len;
    f->buf.len = 0;
    return 0;
}

static int fd_sync(struct fdsink *f, const char *name, struct trawl_error *err)
{
    /* pipes, terminals and /dev/null cannot be synced; that is fine */
    if (fsync(f->fd) && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
        return trawl_error_set(err, TRAWL_EIO, name, "fsync: %s", strerror(errno));
    return 0;
}

/* PATH -> PATH.1 -> ... -> PATH.5 (the oldest dropped), then a fresh PATH. */
static int rotate(struct sink *s, struct trawl_error *err)
{
    struct fdsink *f = s->impl;
    int r = fd_sync(f, f->path, err);
    if (r)
        return r;
    close(f->fd);
    size_t n = strlen(f->path) + 8;
    char *a = malloc(n), *b = malloc(n);
    if (!a || !b) {
        free(a);
        free(b);
        return trawl_error_set(err, TRAWL_ENOMEM, f->path, "out of memory");
    }
    for (int i = ROTATE_KEEP - 1; i >= 1; i--) {
        snprintf(a, n, "%s.%d", f->path, i);
        snprintf(b, n, "%s.%d", f->path, i + 1);
        rename(a, b); /* missing generations are fine */
    }
    snprintf(a, n, "%s.1", f->path);
    int rr = rename(f->path, a);
    free(a);
    free(b);
    if (rr)
        return trawl_error_set(err, TRAWL_EIO, f->path, "rotate: %s", strerror(errno));
    f->fd = open(f->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (f->fd < 0)
        return trawl_error_set(err, TRAWL_EIO, f->path, "reopen after rotation: %s",
                               strerror(errno));
    f->size = 0;
    s->st.rotations++;
    return 0;
}

static int fd_write(struct sink *s, const struct sink_hit *h, struct trawl_error *err)
{
    struct fdsink *f = s->impl;
    if (f->rotate && f->size + f->buf.len + h->json_len > f->rotate && f->size + f->buf.len) {
        int r = fd_push(s, err);
        if (!r && f->size)
            r = rotate(s, err);
        if (r)
            return r;
    }
    if (trawl_buf_put(&f->buf, h->json, h->json_len))
        return trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
    return f->buf.len >= FD_FLUSH ? fd_push(s, err) : 0;
}

static int fd_flush(struct sink *s, bool final, struct trawl_error *err)
{
    struct fdsink *f = s->impl;
    int r = fd_push(s, err);
    if (!r && final && f->path)
        r = fd_sync(f, f->path, err);
    return r;
}

static void fd_close(struct sink *s)
{
    struct fdsink *f = s->impl;
    if (!f)
        return;
    if (f->owned && f->fd >= 0)
        close(f->fd);
    trawl_buf_free(&f->buf);
    free(f->path);
    free(f);
    s->impl = NULL;
}

static const struct sink_ops fd_ops = {fd_write, fd_flush, fd_close};

int sink_open_fd(struct sink *s, int fd, bool owned, struct trawl_error *err)
{
    struct fdsink *f = calloc(1, sizeof(*f));
    if (!f)
        return trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
    f->fd = fd;
    f->owned = owned;
    s->impl = f;
    s->ops = &fd_ops;
    return 0;
}

int sink_open_jsonl(struct sink *s, const char *path, uint64_t rot, struct trawl_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return trawl_error_set(err, TRAWL_EIO, path, "cannot open: %s", strerror(errno));
    int r = sink_open_fd(s, fd, true, err);
    if (r) {
        close(fd);
        return r;
    }
    struct fdsink *f = s->impl;
    struct stat st;
    f->size = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
    f->rotate = rot;
    f->path = strdup(path);
    if (!f->path) {
        fd_close(s);
        return trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
    }
    return 0;
}
