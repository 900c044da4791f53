/* Protocol fields: DNS names and answers (wire-format labels decoded,
 * compression pointers followed only backwards), HTTP/1.x request heads
 * (URI, Host, rebuilt URL), the TLS ClientHello server name and the SMTP
 * envelope. The parsers read untrusted bytes: every length is checked
 * against the buffer before use. A small per-worker pool of head buffers
 * collects a request head or ClientHello that TCP cut across segments. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "trawl_capture.h"

#define HEAD_CAP 16384u /* a request head or ClientHello collected across segments */
#define SMTP_TAIL 1024u /* a partial SMTP line kept for the next segment */
#define URL_MAX 8192u   /* longest http.url built */
#define DNS_MAX_JUMPS 64
#define DNS_MAX_RR 256
#define NEED_MORE (-100) /* internal: the message continues beyond the buffer */

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static bool ci_prefix(const uint8_t *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n < l) return false;
    for (size_t i = 0; i < l; i++)
        if (trawl_lower((char)p[i]) != lit[i]) return false;
    return true;
}

/* ---- DNS ------------------------------------------------------------------ */

/* Decodes the name at *pos into out (dotted, at most 255 bytes) and moves
 * *pos past it. Each compression pointer must point before the label run
 * that led to it, so the walk always terminates; the jump cap is a second
 * guard. Returns the name's length (0 = root) or -1. */
static int dns_name(const uint8_t *msg, size_t len, size_t *pos, char *out)
{
    size_t p = *pos, resume = 0, floor = *pos;
    int jumps = 0;
    size_t o = 0;
    for (;;) {
        if (p >= len) return -1;
        uint8_t l = msg[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 1 >= len) return -1;
            size_t tgt = (size_t)(l & 0x3f) << 8 | msg[p + 1];
            if (!jumps) resume = p + 2;
            if (tgt >= floor || ++jumps > DNS_MAX_JUMPS) return -1;
            p = floor = tgt;
            continue;
        }
        if (l & 0xc0) return -1; /* extended label types (0x40, 0x80) */
        if (l == 0) {
            p++;
            break;
        }
        if (p + 1 + l > len || o + l + 1 > 255) return -1;
        if (o) out[o++] = '.';
        /* a dot inside a label is not a label boundary: shown as '_' so that
         * the one label "evil.com" never reads as the name evil.com */
        for (unsigned i = 0; i < l; i++)
            out[o++] = msg[p + 1 + i] == '.' ? '_' : (char)msg[p + 1 + i];
        p += 1 + l;
    }
    *pos = jumps ? resume : p;
    return (int)o;
}

int trawl_proto_dns(const uint8_t *msg, size_t len, trawl_proto_emit_fn emit, void *ud)
{
    if (!msg || len < 12) return TRAWL_EFORMAT;
    unsigned qd = be16(msg + 4), an = be16(msg + 6);
    size_t pos = 12;
    int n = 0;
    char name[256], qname[256], last[256];
    int qlen = -1, lastlen = -1;
    for (unsigned i = 0; i < qd && i < DNS_MAX_RR; i++) {
        int r = dns_name(msg, len, &pos, name);
        if (r < 0 || pos + 4 > len) return n ? n : TRAWL_EFORMAT;
        pos += 4;
        if (r > 0) {
            emit(ud, "dns.query", name, (size_t)r);
            n++;
            if (qlen < 0) {
                memcpy(qname, name, (size_t)r);
                qlen = r;
            }
        }
    }
    for (unsigned i = 0; i < an && i < DNS_MAX_RR; i++) {
        int r = dns_name(msg, len, &pos, name);
        if (r < 0 || pos + 10 > len) return n ? n : TRAWL_EFORMAT;
        uint16_t type = be16(msg + pos);
        size_t rdlen = be16(msg + pos + 8), rd = pos + 10;
        if (rd + rdlen > len) return n ? n : TRAWL_EFORMAT;
        /* owner names: only those not emitted already (a CNAME chain's
         * owners are the previous record's targets) */
        if (r > 0 && !(r == qlen && !memcmp(name, qname, (size_t)r)) &&
            !(r == lastlen && !memcmp(name, last, (size_t)r))) {
            emit(ud, "dns.answer", name, (size_t)r);
            n++;
        }
        char txt[INET6_ADDRSTRLEN];
        size_t np = rd;
        int nr = -1;
        switch (type) {
        case 1: /* A */
            if (rdlen == 4 && inet_ntop(AF_INET, msg + rd, txt, sizeof(txt))) {
                emit(ud, "dns.answer", txt, strlen(txt));
                n++;
            }
            break;
        case 28: /* AAAA */
            if (rdlen == 16 && inet_ntop(AF_INET6, msg + rd, txt, sizeof(txt))) {
                emit(ud, "dns.answer", txt, strlen(txt));
                n++;
            }
            break;
        case 2:  /* NS */
        case 5:  /* CNAME */
        case 12: /* PTR */
        case 39: /* DNAME */
            nr = dns_name(msg, rd + rdlen, &np, name);
            break;
        case 15: /* MX: preference, exchange */
            if (rdlen > 2) {
                np = rd + 2;
                nr = dns_name(msg, rd + rdlen, &np, name);
            }
            break;
        case 33: /* SRV: priority, weight, port, target */
            if (rdlen > 6) {
                np = rd + 6;
                nr = dns_name(msg, rd + rdlen, &np, name);
            }
            break;
        default:
            break;
        }
        if (nr > 0) {
            emit(ud, "dns.answer", name, (size_t)nr);
            n++;
            memcpy(last, name, (size_t)nr);
            lastlen = nr;
        }
        pos = rd + rdlen;
    }
    return n;
}

/* ---- HTTP ----------------------------------------------------------------- */

/* Length of a request method token followed by a space ("GET "), or 0. */
static size_t method_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && i < 20 && ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '-' || p[i] == '_'))
        i++;
    if (i < 3 || i >= n || p[i] != ' ') return 0;
    return i + 1;
}

static const uint8_t *find_lf(const uint8_t *p, const uint8_t *end)
{
    return memchr(p, '\n', (size_t)(end - p));
}

/* Trims spaces and tabs from both ends of [*s, *e). */
static void trim(const uint8_t **s, const uint8_t **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* Host without the port ("[v6]:80" -> "v6", "a.b:8080" -> "a.b"). */
static void host_only(const uint8_t **s, const uint8_t **e)
{
    if (*s < *e && **s == '[') {
        const uint8_t *rb = memchr(*s, ']', (size_t)(*e - *s));
        if (rb) {
            (*s)++;
            *e = rb;
        }
        return;
    }
    const uint8_t *c = memchr(*s, ':', (size_t)(*e - *s));
    if (c) *e = c;
}

static int emit_host(trawl_proto_emit_fn emit, void *ud, const uint8_t *s, const uint8_t *e)
{
    host_only(&s, &e);
    if (s >= e) return 0;
    emit(ud, "http.host", (const char *)s, (size_t)(e - s));
    return 1;
}

/* Parses request heads from buf. *tail is set to the offset of a head that
 * continues beyond the buffer (when !final), else to len. Returns fields
 * emitted, or TRAWL_EFORMAT when buf does not start with a request. */
static int http_parse(const uint8_t *buf, size_t len, bool final, size_t *tail,
                      trawl_proto_emit_fn emit, void *ud)
{
    const uint8_t *p = buf, *end = buf + len;
    int n = 0;
    *tail = len;
    if (!len) return TRAWL_EFORMAT;
    for (int req = 0; p < end && req < 64; req++) {
        size_t ml = method_len(p, (size_t)(end - p));
        if (!ml) return req ? n : TRAWL_EFORMAT;
        const uint8_t *start = p;
        const uint8_t *lf = find_lf(p, end);
        if (!lf && !final) {
            *tail = (size_t)(start - buf);
            return n;
        }
        const uint8_t *le = lf ? lf : end;
        const uint8_t *us = p + ml, *ue = le;
        while (ue > us && (ue[-1] == '\r' || ue[-1] == ' '))
            ue--;
        /* the version after the last space */
        const uint8_t *sp = ue;
        while (sp > us && sp[-1] != ' ')
            sp--;
        if (sp > us && ue - sp >= 5 && !memcmp(sp, "HTTP/", 5)) {
            ue = sp - 1;
            while (ue > us && ue[-1] == ' ')
                ue--;
        } else if (lf) {
            return req ? n : TRAWL_EFORMAT; /* not HTTP/1.x */
        }
        /* headers */
        const uint8_t *hs = NULL, *he = NULL, *body = NULL;
        uint64_t clen = 0;
        p = lf ? lf + 1 : end;
        while (p < end) {
            const uint8_t *l2 = find_lf(p, end);
            const uint8_t *e2 = l2 ? l2 : end;
            const uint8_t *x = e2;
            if (x > p && x[-1] == '\r') x--;
            if (x == p && l2) {
                body = l2 + 1;
                break;
            }
            if (!l2) break; /* a header line cut short */
            if (ci_prefix(p, (size_t)(x - p), "host:")) {
                hs = p + 5;
                he = x;
                trim(&hs, &he);
            } else if (ci_prefix(p, (size_t)(x - p), "content-length:")) {
                clen = 0;
                for (const uint8_t *q = p + 15; q < x; q++)
                    if (*q >= '0' && *q <= '9' && clen < (1ull << 40))
                        clen = clen * 10 + (*q - '0');
            }
            p = l2 + 1;
        }
        if (!body && !final) {
            *tail = (size_t)(start - buf);
            return n;
        }
        /* fields */
        if (ue > us) {
            emit(ud, "http.uri", (const char *)us, (size_t)(ue - us));
            n++;
        }
        bool connect = ml == 8 && !memcmp(start, "CONNECT ", 8);
        bool absolute = ci_prefix(us, (size_t)(ue - us), "http://") ||
                        ci_prefix(us, (size_t)(ue - us), "https://");
        if (hs && he > hs) {
            n += emit_host(emit, ud, hs, he);
        } else if (connect) {
            n += emit_host(emit, ud, us, ue);
        } else if (absolute) {
            const uint8_t *a = (const uint8_t *)memchr(us, ':', (size_t)(ue - us)) + 3, *b = a;
            while (b < ue && *b != '/' && *b != '?' && *b != '#')
                b++;
            const uint8_t *at = memchr(a, '@', (size_t)(b - a));
            n += emit_host(emit, ud, at ? at + 1 : a, b);
        }
        if (absolute) {
            emit(ud, "http.url", (const char *)us, (size_t)(ue - us));
            n++;
        } else if (!connect && hs && he > hs && ue > us && *us == '/' &&
                   (size_t)(he - hs) + (size_t)(ue - us) + 7 <= URL_MAX) {
            char url[URL_MAX];
            memcpy(url, "http://", 7);
            memcpy(url + 7, hs, (size_t)(he - hs));
            memcpy(url + 7 + (he - hs), us, (size_t)(ue - us));
            emit(ud, "http.url", url, 7 + (size_t)(he - hs) + (size_t)(ue - us));
            n++;
        }
        if (!body || clen > (uint64_t)(end - body)) break;
        p = body + clen;
    }
    return n;
}

int trawl_proto_http(const uint8_t *buf, size_t len, trawl_proto_emit_fn emit, void *ud)
{
    size_t tail;
    if (!buf) return TRAWL_EFORMAT;
    return http_parse(buf, len, true, &tail, emit, ud);
}

/* ---- TLS ------------------------------------------------------------------ */

static int tls_parse(const uint8_t *buf, size_t len, bool final, trawl_proto_emit_fn emit, void *ud)
{
    if (len < 5) return final ? TRAWL_EFORMAT : NEED_MORE;
    if (buf[0] != 0x16 || buf[1] != 3) return TRAWL_EFORMAT;
    size_t rlen = be16(buf + 3);
    if (5 + rlen > len && !final) return NEED_MORE;
    const uint8_t *h = buf + 5;
    size_t hn = rlen < len - 5 ? rlen : len - 5;
    if (hn < 4 || h[0] != 1) return TRAWL_EFORMAT; /* not a ClientHello */
    size_t hl = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    const uint8_t *b = h + 4;
    size_t bn = hl < hn - 4 ? hl : hn - 4;
    size_t p = 34; /* version, random */
    if (p + 1 > bn) return TRAWL_EFORMAT;
    p += 1 + b[p]; /* session id */
    if (p + 2 > bn) return TRAWL_EFORMAT;
    p += 2 + be16(b + p); /* cipher suites */
    if (p + 1 > bn) return TRAWL_EFORMAT;
    p += 1 + b[p];            /* compression methods */
    if (p + 2 > bn) return 0; /* no extensions */
    size_t xe = p + 2 + be16(b + p);
    if (xe > bn) xe = bn;
    p += 2;
    int n = 0;
    while (p + 4 <= xe) {
        uint16_t type = be16(b + p);
        size_t el = be16(b + p + 2);
        p += 4;
        if (p + el > xe) break;
        if (type == 0 && el >= 2) { /* server_name */
            size_t q = p + 2, le = p + 2 + be16(b + p);
            if (le > p + el) le = p + el;
            while (q + 3 <= le) {
                uint8_t nt = b[q];
                size_t nl = be16(b + q + 1);
                q += 3;
                if (q + nl > le) break;
                if (nt == 0 && nl > 0) {
                    emit(ud, "tls.sni", (const char *)b + q, nl);
                    n++;
                }
                q += nl;
            }
        }
        p += el;
    }
    return n;
}

int trawl_proto_tls(const uint8_t *buf, size_t len, trawl_proto_emit_fn emit, void *ud)
{
    if (!buf) return TRAWL_EFORMAT;
    return tls_parse(buf, len, true, emit, ud);
}

/* ---- SMTP ----------------------------------------------------------------- */

static int smtp_line(const uint8_t *p, const uint8_t *e, trawl_proto_emit_fn emit, void *ud)
{
    const char *field;
    size_t n = (size_t)(e - p);
    if (ci_prefix(p, n, "mail from:")) {
        field = "smtp.mail_from";
        p += 10;
    } else if (ci_prefix(p, n, "rcpt to:")) {
        field = "smtp.rcpt_to";
        p += 8;
    } else {
        return 0;
    }
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    const uint8_t *s = p, *x;
    if (p < e && *p == '<') {
        s = p + 1;
        x = memchr(s, '>', (size_t)(e - s));
        if (!x) x = e;
    } else {
        x = s;
        while (x < e && *x != ' ' && *x != '\r' && *x != '\t')
            x++;
    }
    if (x <= s) return 0; /* the null path <> */
    emit(ud, field, (const char *)s, (size_t)(x - s));
    return 1;
}

int trawl_proto_smtp(const uint8_t *buf, size_t len, trawl_proto_emit_fn emit, void *ud)
{
    if (!buf) return TRAWL_EFORMAT;
    const uint8_t *p = buf, *end = buf + len;
    int n = 0;
    while (p < end) {
        const uint8_t *lf = find_lf(p, end);
        const uint8_t *e = lf ? lf : end;
        const uint8_t *x = e;
        if (x > p && x[-1] == '\r') x--;
        n += smtp_line(p, x, emit, ud);
        p = lf ? lf + 1 : end;
    }
    return n;
}

/* ---- per-direction dispatch ----------------------------------------------- */

enum { APP_UNKNOWN, APP_NONE, APP_HTTP, APP_TLS, APP_SMTP, APP_DNS, APP_DONE };

struct trawl_proto {
    unsigned nbufs;
    uint8_t *mem;
    uint32_t *lens;
    uint16_t *free_list;
    unsigned nfree;
    uint64_t overflows;
};

int trawl_proto_new(unsigned nbufs, struct trawl_proto **ret)
{
    if (!ret) return TRAWL_EINVAL;
    if (!nbufs) nbufs = 256;
    if (nbufs > 65535) return TRAWL_EINVAL;
    struct trawl_proto *p = calloc(1, sizeof(*p));
    if (!p) return TRAWL_ENOMEM;
    p->nbufs = nbufs;
    p->mem = malloc((size_t)nbufs * HEAD_CAP);
    p->lens = calloc(nbufs, sizeof(uint32_t));
    p->free_list = malloc(nbufs * sizeof(uint16_t));
    if (!p->mem || !p->lens || !p->free_list) {
        trawl_proto_free(p);
        return TRAWL_ENOMEM;
    }
    for (unsigned i = 0; i < nbufs; i++)
        p->free_list[i] = (uint16_t)(nbufs - 1 - i);
    p->nfree = nbufs;
    *ret = p;
    return 0;
}

void trawl_proto_free(struct trawl_proto *p)
{
    if (!p) return;
    free(p->mem);
    free(p->lens);
    free(p->free_list);
    free(p);
}

uint64_t trawl_proto_overflows(const struct trawl_proto *p)
{
    return p->overflows;
}

void trawl_proto_dir_end(struct trawl_proto *p, struct trawl_proto_dir *st)
{
    if (!st->slot) return;
    p->free_list[p->nfree++] = (uint16_t)(st->slot - 1);
    st->slot = 0;
}

static inline uint8_t *slot_buf(struct trawl_proto *p, const struct trawl_proto_dir *st)
{
    return p->mem + (size_t)(st->slot - 1) * HEAD_CAP;
}

/* Starts collecting data into a head buffer; false when none is free. */
static bool hold(struct trawl_proto *p, struct trawl_proto_dir *st, const uint8_t *data, size_t len)
{
    if (!p->nfree || len > HEAD_CAP) {
        p->overflows++;
        return false;
    }
    st->slot = p->free_list[--p->nfree] + 1;
    memcpy(slot_buf(p, st), data, len);
    p->lens[st->slot - 1] = (uint32_t)len;
    return true;
}

/* Appends to the head buffer; false when it is full (what fits is kept). */
static bool append(struct trawl_proto *p, struct trawl_proto_dir *st, const uint8_t *data,
                   size_t len)
{
    uint32_t *l = &p->lens[st->slot - 1];
    size_t room = HEAD_CAP - *l;
    size_t n = len < room ? len : room;
    memcpy(slot_buf(p, st) + *l, data, n);
    *l += (uint32_t)n;
    if (n < len) p->overflows++;
    return n == len && *l < HEAD_CAP;
}

static int detect(const uint8_t *d, size_t n, uint16_t dport)
{
    /* SMTP first: "EHLO " would pass for a request method */
    if (ci_prefix(d, n, "ehlo") || ci_prefix(d, n, "helo") || dport == 25 || dport == 587 ||
        dport == 2525)
        return APP_SMTP;
    if (method_len(d, n)) return APP_HTTP;
    if (d[0] == 0x16 && (n < 2 || d[1] == 3)) return APP_TLS;
    if (dport == 53) return APP_DNS;
    return APP_UNKNOWN;
}

/* HTTP or TLS head: collected until complete, then parsed. */
static int head_chunk(struct trawl_proto *p, struct trawl_proto_dir *st, const uint8_t *d, size_t n,
                      trawl_proto_emit_fn emit, void *ud)
{
    bool http = st->app == APP_HTTP;
    int r;
    size_t tail = 0;
    if (st->slot) {
        bool full = !append(p, st, d, n);
        const uint8_t *b = slot_buf(p, st);
        size_t bl = p->lens[st->slot - 1];
        r = http ? http_parse(b, bl, full, &tail, emit, ud) : tls_parse(b, bl, full, emit, ud);
        if (http && tail < bl) {
            if (tail > 0) { /* a pipelined head continues: keep only it */
                memmove(slot_buf(p, st), b + tail, bl - tail);
                p->lens[st->slot - 1] = (uint32_t)(bl - tail);
            }
            return r > 0 ? r : 0;
        }
        if (r == NEED_MORE) return 0;
        trawl_proto_dir_end(p, st);
        if (!http) st->app = APP_DONE;
        return r > 0 ? r : 0;
    }
    if (http) {
        if (!method_len(d, n)) return 0; /* a body, or data after one */
        r = http_parse(d, n, false, &tail, emit, ud);
        if (tail < n && !hold(p, st, d + tail, n - tail)) {
            int r2 = http_parse(d + tail, n - tail, true, &tail, emit, ud);
            if (r2 > 0) r = (r > 0 ? r : 0) + r2;
        }
        return r > 0 ? r : 0;
    }
    r = tls_parse(d, n, false, emit, ud);
    if (r == NEED_MORE) {
        if (hold(p, st, d, n)) return 0;
        r = tls_parse(d, n, true, emit, ud);
    }
    st->app = APP_DONE;
    return r > 0 ? r : 0;
}

static int smtp_chunk(struct trawl_proto *p, struct trawl_proto_dir *st, const uint8_t *d, size_t n,
                      trawl_proto_emit_fn emit, void *ud)
{
    int r = 0;
    const uint8_t *end = d + n;
    if (st->slot) { /* finish the line begun in an earlier segment */
        const uint8_t *lf = find_lf(d, end);
        size_t take = lf ? (size_t)(lf - d) : n;
        bool fits = append(p, st, d, take);
        if (!lf && fits) return 0;
        r += trawl_proto_smtp(slot_buf(p, st), p->lens[st->slot - 1], emit, ud);
        trawl_proto_dir_end(p, st);
        d = lf ? lf + 1 : end;
    }
    const uint8_t *last = d;
    for (const uint8_t *q = end; q > d; q--)
        if (q[-1] == '\n') {
            last = q;
            break;
        }
    r += trawl_proto_smtp(d, (size_t)(last - d), emit, ud);
    if (last < end) {
        if ((size_t)(end - last) <= SMTP_TAIL) {
            hold(p, st, last, (size_t)(end - last));
        } else {
            r += trawl_proto_smtp(last, (size_t)(end - last), emit, ud);
        }
    }
    return r;
}

int trawl_proto_tcp(struct trawl_proto *p, struct trawl_proto_dir *st, uint16_t dport,
                    const struct trawl_flow_chunk *c, trawl_proto_emit_fn emit, void *ud)
{
    if (!c->len) return 0;
    int r = 0;
    if (c->gap && st->slot) {
        /* what was collected will not be completed: parse it as it is */
        const uint8_t *b = slot_buf(p, st);
        size_t bl = p->lens[st->slot - 1], tail;
        if (st->app == APP_HTTP)
            r = http_parse(b, bl, true, &tail, emit, ud);
        else if (st->app == APP_TLS)
            r = tls_parse(b, bl, true, emit, ud);
        else if (st->app == APP_SMTP)
            r = trawl_proto_smtp(b, bl, emit, ud);
        if (r < 0) r = 0;
        trawl_proto_dir_end(p, st);
        if (st->app == APP_TLS) st->app = APP_DONE;
    }
    if (st->app == APP_UNKNOWN) {
        st->app = (uint8_t)detect(c->data, c->len, dport);
        if (st->app == APP_UNKNOWN && c->offset == 0 && !c->gap) st->app = APP_NONE;
    }
    int r2 = 0;
    switch (st->app) {
    case APP_HTTP:
    case APP_TLS:
        r2 = head_chunk(p, st, c->data, c->len, emit, ud);
        break;
    case APP_SMTP:
        r2 = smtp_chunk(p, st, c->data, c->len, emit, ud);
        break;
    case APP_DNS:
        if (c->offset == 0 && !c->gap) {
            size_t pos = 0;
            while (pos + 2 <= c->len) {
                size_t ml = be16(c->data + pos);
                if (pos + 2 + ml > c->len) break;
                int x = trawl_proto_dns(c->data + pos + 2, ml, emit, ud);
                if (x > 0) r2 += x;
                pos += 2 + ml;
            }
        }
        st->app = APP_DONE;
        break;
    default:
        break;
    }
    return r + r2;
}

int trawl_proto_udp(struct trawl_proto *p, uint16_t sport, uint16_t dport, const uint8_t *data,
                    size_t len, trawl_proto_emit_fn emit, void *ud)
{
    (void)p;
    bool dns = sport == 53 || dport == 53 || sport == 5353 || dport == 5353 || sport == 5355 ||
               dport == 5355;
    if (!dns) return 0;
    int r = trawl_proto_dns(data, len, emit, ud);
    return r > 0 ? r : 0;
}
