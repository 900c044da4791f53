/* Small shared utilities: hashing, growable buffers, JSON string escaping,
 * clocks and ISO 8601 time handling. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trawl_common.h"

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)(r >> 64) ^ (uint64_t)r;
}

/* wyhash-style: 16 bytes per round through a 128-bit multiply. */
uint64_t trawl_hash64(const void *data, size_t len, uint64_t seed)
{
    static const uint64_t s0 = 0xa0761d6478bd642fULL, s1 = 0xe7037ed1a0b428dbULL,
                          s2 = 0x8ebc6af09c88c6e3ULL;
    const uint8_t *p = data;
    uint64_t a, b;
    seed ^= s0 ^ (uint64_t)len;
    if (len <= 16) {
        if (len >= 4) {
            a = (rd32(p) << 32) | rd32(p + ((len >> 3) << 2));
            b = (rd32(p + len - 4) << 32) | rd32(p + len - 4 - ((len >> 3) << 2));
        } else if (len > 0) {
            a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = len;
        while (i > 16) {
            seed = mum(rd64(p) ^ s1, rd64(p + 8) ^ seed);
            p += 16;
            i -= 16;
        }
        a = rd64(p + i - 16);
        b = rd64(p + i - 8);
    }
    return mum(s1 ^ (uint64_t)len, mum(a ^ s1, b ^ seed) ^ s2);
}

int trawl_buf_reserve(struct trawl_buf *b, size_t extra)
{
    if (b->cap - b->len > extra) return 0;
    size_t need = b->len + extra + 1;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) return TRAWL_ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

int trawl_buf_put(struct trawl_buf *b, const void *data, size_t len)
{
    if (trawl_buf_reserve(b, len)) return TRAWL_ENOMEM;
    if (len) memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
    return 0;
}

int trawl_buf_putc(struct trawl_buf *b, char c)
{
    if (trawl_buf_reserve(b, 1)) return TRAWL_ENOMEM;
    b->data[b->len++] = c;
    b->data[b->len] = 0;
    return 0;
}

int trawl_buf_printf(struct trawl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || trawl_buf_reserve(b, (size_t)n)) return TRAWL_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void trawl_buf_free(struct trawl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Length of a valid UTF-8 sequence at p (1-4), or 0 when invalid. */
static size_t utf8_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t need;
    uint32_t cp;
    if (c < 0xc2) return 0;
    if (c < 0xe0) {
        need = 2;
        cp = c & 0x1f;
    } else if (c < 0xf0) {
        need = 3;
        cp = c & 0x0f;
    } else if (c < 0xf5) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < need) return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return need;
}

int trawl_buf_json_str(struct trawl_buf *b, const void *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = s;
    if (trawl_buf_reserve(b, len + 16)) return TRAWL_ENOMEM;
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        if (b->cap - b->len < 16 && trawl_buf_reserve(b, 64)) return TRAWL_ENOMEM;
        char *o = b->data + b->len;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            *o = (char)c;
            b->len++;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_len(p + i, len - i);
            if (n) {
                memcpy(o, p + i, n);
                b->len += n;
                i += n;
                continue;
            }
        }
        size_t w;
        switch (c) {
        case '"':
            w = 2, o[0] = '\\', o[1] = '"';
            break;
        case '\\':
            w = 2, o[0] = '\\', o[1] = '\\';
            break;
        case '\n':
            w = 2, o[0] = '\\', o[1] = 'n';
            break;
        case '\r':
            w = 2, o[0] = '\\', o[1] = 'r';
            break;
        case '\t':
            w = 2, o[0] = '\\', o[1] = 't';
            break;
        default:
            w = 6;
            memcpy(o, "\\u00", 4);
            o[4] = hex[c >> 4];
            o[5] = hex[c & 15];
        }
        b->len += w;
        i++;
    }
    b->data[b->len] = 0;
    return 0;
}

double trawl_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double trawl_now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t trawl_now_wall(void)
{
    return (int64_t)time(NULL);
}

void trawl_format_time(double unix_time, char *buf, size_t bufsz)
{
    time_t t = (time_t)unix_time;
    long usec = (long)((unix_time - (double)t) * 1e6);
    if (usec < 0) usec = 0;
    if (usec > 999999) usec = 999999;
    struct tm tm;
    gmtime_r(&t, &tm);
    char date[24];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, bufsz, "%s.%06ld+0000", date, usec);
}

static int digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*s)[i] < '0' || (*s)[i] > '9') return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

int trawl_parse_time(const char *s, int64_t *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    const char *p = s;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p > s && (*p == 0 || *p == ' ' || *p == '.') && p - s >= 9) { /* epoch */
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno) return TRAWL_EINVAL;
        *out = v;
        return 0;
    }
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' || digits(&s, 2, &d))
        return TRAWL_EINVAL;
    long off = 0;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi)) return TRAWL_EINVAL;
        if (*s == ':') {
            s++;
            if (digits(&s, 2, &sec)) return TRAWL_EINVAL;
        }
        if (*s == '.')
            for (s++; *s >= '0' && *s <= '9'; s++)
                ;
        if (*s == 'Z' || *s == 'z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            int sign = *s == '-' ? -1 : 1, oh, om = 0;
            s++;
            if (digits(&s, 2, &oh)) return TRAWL_EINVAL;
            if (*s == ':') s++;
            if (*s >= '0' && *s <= '9' && digits(&s, 2, &om)) return TRAWL_EINVAL;
            off = sign * (oh * 3600L + om * 60L);
        }
    }
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return TRAWL_EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}

int trawl_strcaseeq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (trawl_lower(*a) != trawl_lower(*b)) return 0;
    return *a == *b;
}

int trawl_strncaseeq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (trawl_lower(a[i]) != trawl_lower(b[i])) return 0;
        if (!a[i]) return 1;
    }
    return 1;
}

int trawl_redis_url_parse(const char *url, char **host, int *port, char **name)
{
    if (strncmp(url, "redis://", 8)) return -1;
    const char *p = url + 8, *h = p, *he;
    if (*p == '[') {
        he = strchr(++h, ']');
        if (!he) return -1;
        p = he + 1;
    } else {
        p += strcspn(p, ":/");
        he = p;
    }
    if (he == h || *p != ':') return -1;
    char *end;
    errno = 0;
    long v = strtol(p + 1, &end, 10);
    if (errno || end == p + 1 || *end != '/' || v < 1 || v > 65535 || !end[1]) return -1;
    char *hs = strndup(h, (size_t)(he - h)), *ns = strdup(end + 1);
    if (!hs || !ns) {
        free(hs);
        free(ns);
        return -1;
    }
    *host = hs;
    *name = ns;
    *port = (int)v;
    return 0;
}

static _Atomic bool avx512_denied;

bool trawl_cpu_avx512(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    /* racing first calls store the same value: relaxed atomics suffice */
    static _Atomic int have = -1;
    int h = atomic_load_explicit(&have, memory_order_relaxed);
    if (h < 0) {
        h = __builtin_cpu_supports("avx512bw") && !getenv("TRAWL_NO_AVX512");
        atomic_store_explicit(&have, h, memory_order_relaxed);
    }
    return h && !atomic_load_explicit(&avx512_denied, memory_order_relaxed);
#else
    return false;
#endif
}

void trawl_cpu_avx512_allow(bool allow)
{
    atomic_store_explicit(&avx512_denied, !allow, memory_order_relaxed);
}
