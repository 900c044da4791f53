/* trawl common layer: error codes and the caller-owned error record, a fast
 * non-cryptographic hash, growable buffers and small helpers shared by every
 * component. Depends on nothing of ours. Library code never prints: detail
 * travels in struct trawl_error and only tools/ talks to the user. */
#ifndef TRAWL_COMMON_H
#define TRAWL_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#define TRAWL_VERSION "0.1.0"

/* Error codes: 0 is success, failures are negative. */
enum {
    TRAWL_OK = 0,
    TRAWL_EINVAL = -1,       /* bad argument or unparsable value */
    TRAWL_ENOMEM = -2,       /* allocation failed */
    TRAWL_EIO = -3,          /* read/write/open failure (errno in msg) */
    TRAWL_EFORMAT = -4,      /* malformed input file */
    TRAWL_ECORRUPT = -5,     /* damaged database or stream */
    TRAWL_EVERSION = -6,     /* newer or unknown format version */
    TRAWL_EPLATFORM = -7,    /* built for another platform / Hyperscan */
    TRAWL_EHS = -8,          /* Hyperscan reported an error */
    TRAWL_EUNSUPPORTED = -9, /* recognised but not supported (yet) */
    TRAWL_ETRUNC = -10,      /* input ends early */
};

/* Caller-owned error detail, like hs_compile_error_t or pcap's errbuf.
 * `where` names the place: "file:line", "file@offset" or a subsystem. */
struct trawl_error {
    int code;
    char where[512];
    char msg[512];
};

/* Returns a static description of an error code. Thread-safe. */
const char *trawl_strerror(int code);

/* Fills *err (if not NULL) and returns code, so callers can
 * `return trawl_error_set(err, TRAWL_EIO, path, "open: %s", strerror(errno));`.
 * `where` may be NULL. Thread-safe for distinct err records. */
int trawl_error_set(struct trawl_error *err, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One-line rendering "where: msg" into buf (always NUL-terminated). */
const char *trawl_error_str(const struct trawl_error *err, char *buf, size_t bufsz);

/* 64-bit hash of a byte string (wyhash-style mixing), stable across runs and
 * platforms of the same endianness: it is stored inside database files. */
uint64_t trawl_hash64(const void *data, size_t len, uint64_t seed);

/* Mixes a 64-bit integer into a well-distributed hash. */
static inline uint64_t trawl_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Growable byte buffer. Zero-initialise to start; free with trawl_buf_free. */
struct trawl_buf {
    char *data;
    size_t len;
    size_t cap;
};

/* Appends len bytes; returns 0 or TRAWL_ENOMEM (buffer unchanged). */
int trawl_buf_put(struct trawl_buf *b, const void *data, size_t len);
/* Appends one byte. */
int trawl_buf_putc(struct trawl_buf *b, char c);
/* Appends printf-formatted text. */
int trawl_buf_printf(struct trawl_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ensures room for `extra` more bytes. */
int trawl_buf_reserve(struct trawl_buf *b, size_t extra);
void trawl_buf_free(struct trawl_buf *b);

/* Appends `s` as the body of a JSON string (no surrounding quotes): quotes,
 * backslashes and control bytes escaped; bytes >= 0x80 that do not form valid
 * UTF-8 are written as \u00XX so the output is always valid UTF-8 JSON. */
int trawl_buf_json_str(struct trawl_buf *b, const void *s, size_t len);

/* The CPU has AVX-512BW and TRAWL_NO_AVX512 is not set in the environment
 * (which forces the portable code paths, for tests). Checked once. */
bool trawl_cpu_avx512(void);
/* With false, trawl_cpu_avx512() answers false until allowed again: lets
 * one test process compare the AVX-512 and portable code paths. */
void trawl_cpu_avx512_allow(bool allow);

/* Monotonic clock in seconds. */
double trawl_now_mono(void);
/* Wall clock, seconds since the epoch. */
int64_t trawl_now_wall(void);
/* Wall clock with sub-second precision. */
double trawl_now_real(void);

/* Formats a Unix time (UTC, with microseconds) as ISO 8601, EVE style:
 * "2026-11-23T18:27:44.123456+0000". buf must hold 32 bytes. */
void trawl_format_time(double unix_time, char *buf, size_t bufsz);

/* Parses an ISO 8601 date or date-time ("2026-01-31", "2026-01-31T12:00:00Z",
 * with optional fraction and +hh:mm offset) or a plain Unix epoch number into
 * *out (seconds since epoch, UTC). Returns 0 or TRAWL_EINVAL. */
int trawl_parse_time(const char *s, int64_t *out);

/* Case-insensitive ASCII helpers (locale-independent). */
static inline char trawl_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}
/* Splits "redis://HOST:PORT/NAME" (HOST possibly a bracketed IPv6
 * address, PORT 1-65535, NAME not empty) into malloc'd *host and *name.
 * Returns 0, or -1 (malformed, or out of memory) with nothing allocated. */
int trawl_redis_url_parse(const char *url, char **host, int *port, char **name);

int trawl_strcaseeq(const char *a, const char *b);
int trawl_strncaseeq(const char *a, const char *b, size_t n);

#endif
