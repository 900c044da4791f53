/* Private to engine/: the sink interface that each kind of sink implements
 * (sink.c: stdout, file descriptors and rotated JSONL files; sink_redis.c:
 * Redis Streams). The generic layer in sink.c applies TLP ceilings and
 * redaction, formats each hit once per form and serialises calls per sink:
 * a sink's ops are never called concurrently. */
#ifndef TRAWL_SINK_INTERNAL_H
#define TRAWL_SINK_INTERNAL_H

#include <pthread.h>

#include "trawl_engine.h"

/* One hit as handed to a sink: its JSON line and the fields a structured
 * sink (Redis) stores separately. Valid during the call only. */
struct sink_hit {
    const char *json; /* one line, with its '\n' */
    size_t json_len;
    const char *id;        /* stable hit id, 16 hex digits */
    const char *ioc_value; /* "ioc-<id>" when redacted */
    const char *ioc_type;
    const char *tlp;
    const char *severity;
    const char *file;
    uint64_t offset;
    double timestamp;
};

struct sink;

struct sink_ops {
    /* Writes one hit; may buffer. Returns 0, or < 0 with err when the sink
     * failed for good (it then receives nothing more). */
    int (*write)(struct sink *s, const struct sink_hit *h, struct trawl_error *err);
    /* Pushes buffered hits out; final: the scan ends (fsync, last retries). */
    int (*flush)(struct sink *s, bool final, struct trawl_error *err);
    /* Frees the implementation. */
    void (*close)(struct sink *s);
};

struct sink {
    const struct sink_ops *ops;
    void *impl;
    char *name;  /* the spec as given, for messages */
    int max_tlp; /* hits above this TLP are withheld or redacted */
    bool redact; /* redact instead of withholding */
    bool failed;
    pthread_mutex_t mu;
    struct trawl_sink_stats st;
};

/* Constructors, by spec (options already removed from `target`). */
int sink_open_fd(struct sink *s, int fd, bool owned, struct trawl_error *err);
int sink_open_jsonl(struct sink *s, const char *path, uint64_t rotate, struct trawl_error *err);
int sink_open_redis(struct sink *s, const char *url, const char *spool, struct trawl_error *err);

#endif
