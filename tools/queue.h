/* The distributed job queue shared by trawl submit, worker and status: a
 * Redis stream of jobs read by the consumer group "trawl-workers", plus a
 * few keys named after the stream (docs/distributed.md lists them all).
 * One connection per struct queue; not thread-safe (the worker's heartbeat
 * thread opens its own). */
#ifndef TRAWL_QUEUE_H
#define TRAWL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#define QUEUE_GROUP "trawl-workers"
/* Key holding the bytes of the database with this checksum (16 hex digits). */
#define QUEUE_DB_KEY "trawl:db:%016llx"
/* Files per job at most, whatever their size. */
#define QUEUE_MAX_FILES 1000

struct queue {
    redisContext *c;
    char *url; /* as given, for messages */
    char *host;
    int port;
    char *stream;
    double timeout; /* seconds per command (a blocking read adds its own wait) */
    char err[512];  /* last problem: connection or error reply */
    bool reply_err; /* err came from an error reply (the connection is fine) */
};

/* Parses redis://HOST:PORT/STREAM (HOST may be [IPv6]) and connects.
 * Returns 0, or -1 with q->err set (q must still be closed). */
int queue_open(struct queue *q, const char *url, double timeout);

/* Drops the connection and connects again; 0 or -1 with q->err. */
int queue_reconnect(struct queue *q);

/* Frees everything; accepts a zeroed or failed queue. */
void queue_close(struct queue *q);

/* Runs one command (hiredis format). Returns the reply, or NULL with q->err
 * set on a connection problem or an error reply (freed already). After a
 * connection problem the connection is dropped; the next call reconnects. */
redisReply *queue_cmd(struct queue *q, const char *fmt, ...);
redisReply *queue_cmdargv(struct queue *q, int argc, const char **argv, const size_t *lens);

/* Writes "<stream>:<suffix>" (suffix printf-formatted) into buf. */
void queue_key(const struct queue *q, char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Creates the stream and the consumer group (from the first entry) if
 * missing. 0 or -1 with q->err. */
int queue_ensure_group(struct queue *q);

/* In a flat [field, value, ...] array (XRANGE entry, HGETALL): the value of
 * field, or NULL. *len gets its length when len is not NULL. */
const char *queue_field(const redisReply *flat, const char *field, size_t *len);

/* queue_field as an integer / a double (0 when missing). */
long long queue_field_ll(const redisReply *flat, const char *field);
double queue_field_d(const redisReply *flat, const char *field);

/* A random job id in UUID form (8-4-4-4-12 hex digits). */
void queue_new_id(char out[37]);

#endif
