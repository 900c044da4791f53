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

/* One aggregated indicator-in-file, waiting for its window to close. */
struct agg {
    uint64_t key; /* 0 = empty slot */
    uint32_t ioc;
    uint64_t count, last_offset;
    double first_seen, last_seen;
    /* the first hit without its "}\n": [0..4] plain with the context masked
     * for a sink of that ceiling, [5] redacted */
    char *json[TRAWL_TLP_COUNT + 1];
    size_t json_len[TRAWL_TLP_COUNT + 1];
    char id[17];
    char *file;
    uint64_t offset;
    /* the indicator as the database that found it had it (a live reload
     * may swap databases while the entry waits) */
    char *value;
    uint8_t type, tlp, severity;
};

struct trawl_sinks {
    struct sink sinks[MAX_SINKS];
    size_t n;
    double window; /* aggregation window, 0 = off */
    pthread_mutex_t agg_mu;
    struct agg *aggs;
    size_t agg_cap, agg_n;
    double last_sweep;
    pthread_mutex_t err_mu;
    void (*on_error)(void *ud, const char *where, const char *msg);
    void *ud;
};

int trawl_sinks_new(struct trawl_sinks **ret)
{
    struct trawl_sinks *s = calloc(1, sizeof(*s));
    if (!s) return TRAWL_ENOMEM;
    pthread_mutex_init(&s->err_mu, NULL);
    pthread_mutex_init(&s->agg_mu, NULL);
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
    if (ss->on_error) ss->on_error(ss->ud, e->where, e->msg);
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
    if (errno || end == v) return -1;
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
    if (*end || !n) return -1;
    *out = n;
    return 0;
}

int trawl_sinks_add(struct trawl_sinks *s, const char *spec, struct trawl_error *err)
{
    char *copy = strdup(spec);
    if (!copy) return trawl_error_set(err, TRAWL_ENOMEM, spec, "out of memory");
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
        if (eq) *eq = 0;
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
        if (k->ops) k->ops->close(k);
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
    if (!k) return err ? err->code : TRAWL_EINVAL;
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

/* The JSON forms of one hit, made on demand: form[t] for a sink whose
 * ceiling is t (context masked of hits above t), form[RED_FORM] redacted. */
#define RED_FORM TRAWL_TLP_COUNT
struct forms {
    struct trawl_buf form[TRAWL_TLP_COUNT + 1];
    int (*make)(struct forms *f, int which);
    const struct trawl_db *db;
    const struct trawl_hit *h, *batch;
    size_t nbatch;
    int batch_max; /* highest TLP among the batch's hits */
    const struct trawl_hit_origin *o;
    struct agg *a;
};

static void forms_reset(struct forms *f)
{
    for (int i = 0; i <= RED_FORM; i++)
        f->form[i].len = 0;
}

static void forms_free(struct forms *f)
{
    for (int i = 0; i <= RED_FORM; i++)
        trawl_buf_free(&f->form[i]);
}

/* Which form a sink gets: redacted, or masked for its ceiling; every
 * ceiling at or above the batch's highest TLP shares the unmasked form. */
static int form_for(const struct forms *f, const struct sink *sk, bool above)
{
    if (above) return RED_FORM;
    return sk->max_tlp >= f->batch_max ? TRAWL_TLP_RED : sk->max_tlp;
}

/* Hands one hit to every live sink. Returns the number of live sinks, or
 * < 0 when out of memory. */
static int deliver(struct trawl_sinks *s, int tlp, struct sink_hit *sh, const char *value,
                   const char *redval, struct forms *f)
{
    int alive = 0;
    for (size_t k = 0; k < s->n; k++) {
        struct sink *sk = &s->sinks[k];
        if (sk->failed) continue;
        alive++;
        bool above = tlp > sk->max_tlp;
        if (above && !sk->redact) {
            pthread_mutex_lock(&sk->mu);
            sk->st.withheld++;
            pthread_mutex_unlock(&sk->mu);
            continue;
        }
        int which = form_for(f, sk, above);
        struct trawl_buf *b = &f->form[which];
        if (!b->len && f->make(f, which)) return TRAWL_ENOMEM;
        sh->json = b->data;
        sh->json_len = b->len;
        sh->ioc_value = above ? redval : value;
        struct trawl_error err = {0};
        pthread_mutex_lock(&sk->mu);
        int wr = sk->failed ? 0 : sk->ops->write(sk, sh, &err);
        if (wr) {
            sk->failed = true;
            sk->st.errors++;
        } else if (!sk->failed) {
            sk->st.written++;
            sk->st.redacted += above;
        }
        pthread_mutex_unlock(&sk->mu);
        if (wr) {
            if (!err.where[0]) snprintf(err.where, sizeof(err.where), "%s", sk->name);
            report(s, &err);
        }
    }
    return alive;
}

static int format_form(const struct forms *f, int which, struct trawl_buf *b)
{
    struct trawl_hit_mask m = {f->batch, f->nbatch, which};
    bool masked = which != RED_FORM && which < f->batch_max;
    return trawl_hit_format(f->db, f->h, f->o, which == RED_FORM, masked ? &m : NULL, b);
}

static int make_hit(struct forms *f, int which)
{
    return format_form(f, which, &f->form[which]);
}

/* The aggregated form: the first hit with the counts appended. */
static int make_agg(struct forms *f, int which)
{
    struct agg *a = f->a;
    struct trawl_buf *b = &f->form[which];
    char t1[40], t2[40];
    trawl_format_time(a->first_seen, t1, sizeof(t1));
    trawl_format_time(a->last_seen, t2, sizeof(t2));
    int r = trawl_buf_put(b, a->json[which], a->json_len[which]);
    r |= trawl_buf_printf(b,
                          ",\"count\":%llu,\"first_seen\":\"%s\",\"last_seen\":\"%s\","
                          "\"last_offset\":%llu}\n",
                          (unsigned long long)a->count, t1, t2, (unsigned long long)a->last_offset);
    return r ? TRAWL_ENOMEM : 0;
}

static void agg_free(struct agg *a)
{
    for (int i = 0; i <= RED_FORM; i++)
        free(a->json[i]);
    free(a->file);
    free(a->value);
    a->key = 0;
}

static int emit_agg(struct trawl_sinks *s, struct agg *a)
{
    char redval[24];
    snprintf(redval, sizeof(redval), "ioc-%u", a->ioc);
    struct sink_hit sh = {.id = a->id,
                          .ioc_type = trawl_ioc_type_name(a->type),
                          .tlp = trawl_tlp_name(a->tlp),
                          .severity = trawl_severity_name(a->severity),
                          .file = a->file,
                          .offset = a->offset,
                          .timestamp = a->first_seen};
    /* every form was stored: a batch_max above RED makes form_for pick the
     * form of each sink's ceiling */
    struct forms f = {.make = make_agg, .a = a, .batch_max = TRAWL_TLP_RED + 1};
    int r = deliver(s, a->tlp, &sh, a->value, redval, &f);
    forms_free(&f);
    agg_free(a);
    s->agg_n--;
    return r;
}

void trawl_sinks_set_aggregate(struct trawl_sinks *s, double window)
{
    s->window = window > 0 ? window : 0;
}

/* Emits every aggregate whose window has closed (all of them when `all`).
 * Called with agg_mu held. */
static void sweep(struct trawl_sinks *s, double now, bool all)
{
    for (size_t i = 0; i < s->agg_cap && s->agg_n; i++)
        if (s->aggs[i].key && (all || now - s->aggs[i].first_seen >= s->window))
            emit_agg(s, &s->aggs[i]);
    /* emptied slots break probe chains: rebuild the table */
    struct agg *old = s->aggs;
    size_t cap = s->agg_cap;
    s->aggs = calloc(cap ? cap : 1, sizeof(*old));
    if (!s->aggs) { /* keep the old table; probing still terminates */
        s->aggs = old;
        return;
    }
    for (size_t i = 0; i < cap; i++) {
        if (!old[i].key) continue;
        size_t j = trawl_mix64(old[i].key) & (cap - 1);
        while (s->aggs[j].key)
            j = (j + 1) & (cap - 1);
        s->aggs[j] = old[i];
    }
    free(old);
    s->last_sweep = now;
}

/* Aggregates one hit; returns 0 or TRAWL_ENOMEM. Called with agg_mu held. */
static int aggregate(struct trawl_sinks *s, const struct trawl_db *db, const struct trawl_hit *h,
                     const struct trawl_hit *batch, size_t nbatch, const struct trawl_hit_origin *o)
{
    if (s->agg_n * 2 + 2 > s->agg_cap) {
        size_t cap = s->agg_cap ? s->agg_cap * 2 : 1024;
        struct agg *n = calloc(cap, sizeof(*n));
        if (!n) return TRAWL_ENOMEM;
        for (size_t i = 0; i < s->agg_cap; i++) {
            if (!s->aggs[i].key) continue;
            size_t j = trawl_mix64(s->aggs[i].key) & (cap - 1);
            while (n[j].key)
                j = (j + 1) & (cap - 1);
            n[j] = s->aggs[i];
        }
        free(s->aggs);
        s->aggs = n;
        s->agg_cap = cap;
    }
    uint64_t key = trawl_hash64(o->file, strlen(o->file), h->ioc) | 1;
    size_t j = trawl_mix64(key) & (s->agg_cap - 1);
    while (s->aggs[j].key &&
           (s->aggs[j].key != key || s->aggs[j].ioc != h->ioc || strcmp(s->aggs[j].file, o->file)))
        j = (j + 1) & (s->agg_cap - 1);
    struct agg *a = &s->aggs[j];
    if (a->key) {
        a->count++;
        a->last_seen = o->timestamp;
        a->last_offset = h->offset;
        return 0;
    }
    struct forms f = {.db = db, .h = h, .batch = batch, .nbatch = nbatch, .o = o};
    for (size_t i = 0; i < nbatch; i++)
        if (batch[i].tlp > f.batch_max) f.batch_max = batch[i].tlp;
    *a = (struct agg){.key = key,
                      .ioc = h->ioc,
                      .count = 1,
                      .last_offset = h->offset,
                      .first_seen = o->timestamp,
                      .last_seen = o->timestamp,
                      .file = strdup(o->file),
                      .offset = h->offset,
                      .value = strdup(db->strings + db->iocs[h->ioc].value_off),
                      .type = db->iocs[h->ioc].type,
                      .tlp = db->iocs[h->ioc].tlp,
                      .severity = db->iocs[h->ioc].severity};
    int r = a->file && a->value ? 0 : TRAWL_ENOMEM;
    for (int w = 0; w <= RED_FORM && !r; w++) {
        struct trawl_buf b = {0};
        r = format_form(&f, w, &b);
        a->json[w] = b.data;
        a->json_len[w] = b.len >= 2 ? b.len - 2 : 0; /* without "}\n" */
    }
    s->agg_n++;
    if (r) {
        agg_free(a);
        s->agg_n--;
        return r;
    }
    trawl_hit_id(db, h, o, a->id);
    return 0;
}

int trawl_sinks_emit(struct trawl_sinks *s, const struct trawl_db *db, const struct trawl_hit *hits,
                     size_t n, const struct trawl_hit_origin *o)
{
    if (s->window > 0) {
        pthread_mutex_lock(&s->agg_mu);
        int r = 0;
        for (size_t i = 0; i < n && !r; i++)
            r = aggregate(s, db, &hits[i], hits, n, o);
        double now = trawl_now_real();
        if (now - s->last_sweep >= 1.0) sweep(s, now, false);
        pthread_mutex_unlock(&s->agg_mu);
        return r;
    }
    struct forms f = {.make = make_hit, .db = db, .o = o, .batch = hits, .nbatch = n};
    for (size_t i = 0; i < n; i++)
        if (hits[i].tlp > f.batch_max) f.batch_max = hits[i].tlp;
    int alive = 1;
    for (size_t i = 0; i < n && alive > 0; i++) {
        const struct trawl_hit *h = &hits[i];
        const struct trawl_db_ioc *c = &db->iocs[h->ioc];
        forms_reset(&f);
        f.h = h;
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
        alive = deliver(s, c->tlp, &sh, db->strings + c->value_off, redval, &f);
    }
    forms_free(&f);
    if (alive < 0) return alive;
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
        if (!err.where[0]) snprintf(err.where, sizeof(err.where), "%s", k->name);
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
    return trawl_sinks_sync(s);
}

int trawl_sinks_sync(struct trawl_sinks *s)
{
    int r = 0;
    pthread_mutex_lock(&s->agg_mu);
    if (s->agg_n) sweep(s, trawl_now_real(), true);
    pthread_mutex_unlock(&s->agg_mu);
    for (size_t k = 0; k < s->n; k++) {
        flush_one(s, &s->sinks[k], true);
        if (s->sinks[k].failed) r = TRAWL_EIO;
    }
    return r;
}

void trawl_sinks_free(struct trawl_sinks *s)
{
    if (!s) return;
    for (size_t k = 0; k < s->n; k++) {
        s->sinks[k].ops->close(&s->sinks[k]);
        drop_sink(&s->sinks[k]);
    }
    for (size_t i = 0; i < s->agg_cap; i++)
        if (s->aggs[i].key) agg_free(&s->aggs[i]);
    free(s->aggs);
    pthread_mutex_destroy(&s->err_mu);
    pthread_mutex_destroy(&s->agg_mu);
    free(s);
}

/* ---- descriptors and JSONL files ----------------------------------------- */

struct fdsink {
    int fd;
    bool owned;
    char *path;          /* JSONL: the file, for rotation */
    uint64_t rotate;     /* JSONL: rotate beyond this size (0 = never) */
    uint64_t size;       /* bytes in the current file */
    uint64_t generation; /* JSONL: last rotated generation number */
    struct trawl_buf buf;
};

static int fd_push(struct sink *s, struct trawl_error *err)
{
    struct fdsink *f = s->impl;
    size_t off = 0;
    while (off < f->buf.len) {
        ssize_t w = write(f->fd, f->buf.data + off, f->buf.len - off);
        if (w < 0 && errno == EINTR) continue;
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

/* PATH becomes PATH.N, N one more than the highest generation present, and
 * a fresh PATH is opened. Nothing is ever deleted: the files are a queue,
 * read in order PATH.1, PATH.2, ..., PATH. */
static int rotate(struct sink *s, struct trawl_error *err)
{
    struct fdsink *f = s->impl;
    int r = fd_sync(f, f->path, err);
    if (r) return r;
    close(f->fd);
    f->fd = -1;
    size_t n = strlen(f->path) + 24;
    char *a = malloc(n);
    if (!a) return trawl_error_set(err, TRAWL_ENOMEM, f->path, "out of memory");
    struct stat st;
    do {
        snprintf(a, n, "%s.%llu", f->path, (unsigned long long)++f->generation);
    } while (!stat(a, &st));
    int rr = rename(f->path, a);
    free(a);
    if (rr) return trawl_error_set(err, TRAWL_EIO, f->path, "rotate: %s", strerror(errno));
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
        if (!r && f->size) r = rotate(s, err);
        if (r) return r;
    }
    if (trawl_buf_put(&f->buf, h->json, h->json_len))
        return trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
    return f->buf.len >= FD_FLUSH ? fd_push(s, err) : 0;
}

static int fd_flush(struct sink *s, bool final, struct trawl_error *err)
{
    struct fdsink *f = s->impl;
    int r = fd_push(s, err);
    if (!r && final && f->path) r = fd_sync(f, f->path, err);
    return r;
}

static void fd_close(struct sink *s)
{
    struct fdsink *f = s->impl;
    if (!f) return;
    if (f->owned && f->fd >= 0) close(f->fd);
    trawl_buf_free(&f->buf);
    free(f->path);
    free(f);
    s->impl = NULL;
}

static const struct sink_ops fd_ops = {fd_write, fd_flush, fd_close};

int sink_open_fd(struct sink *s, int fd, bool owned, struct trawl_error *err)
{
    struct fdsink *f = calloc(1, sizeof(*f));
    if (!f) return trawl_error_set(err, TRAWL_ENOMEM, s->name, "out of memory");
    f->fd = fd;
    f->owned = owned;
    s->impl = f;
    s->ops = &fd_ops;
    return 0;
}

int sink_open_jsonl(struct sink *s, const char *path, uint64_t rot, struct trawl_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return trawl_error_set(err, TRAWL_EIO, path, "cannot open: %s", strerror(errno));
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
