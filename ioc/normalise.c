/* Refanging and normalisation of indicator values, and the IPv4/IPv6 text
 * parsers shared with detection. Every value that enters an indicator set goes
 * through trawl_ioc_normalise, so two spellings of one indicator ("HXXP://Evil[.]COM/",
 * "http://evil.com") end up as the same bytes. Everything here is pure (no
 * globals, no I/O) and thread-safe; libidn2 is only called for non-ASCII names. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <idn2.h>

#include "trawl_ioc.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Printable rendering of one byte for error messages: "'x'" or "0xNN". */
static const char *char_desc(char c, char buf[8])
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7f)
        snprintf(buf, 8, "'%c'", c);
    else
        snprintf(buf, 8, "0x%02x", u);
    return buf;
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

/* ---- refang ------------------------------------------------------------ */

/* Bracketed forms. SPACED ones also swallow the blanks around them, as in
 * "evil [.] com" or "user [at] example [dot] com": a bracketed dot or at is
 * never meant to sit between spaces in a real value. */
struct fang {
    const char *from;
    const char *to;
    bool spaced;
};

static const struct fang fangs[] = {
    {"[://]", "://", false}, {"[:]", ":", false}, {"[/]", "/", false},  {"[.]", ".", true},
    {"(.)", ".", true},      {"{.}", ".", true},  {"[dot]", ".", true}, {"(dot)", ".", true},
    {"{dot}", ".", true},    {"[@]", "@", true},  {"[at]", "@", true},  {"(at)", "@", true},
    {"{at}", "@", true},
};

/* " dot " is ordinary English, so it is only undone when the whole input has
 * the shape TOKEN (" dot " TOKEN)+, with single spaces and no other blank
 * anywhere: "evil dot example dot com" is refanged, a sentence that happens
 * to contain the word "dot" is left alone. Any case of "dot" is accepted. */
static bool spoken_dots(const char *in, size_t len)
{
    size_t i = 0, ntok = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && !is_blank(in[i]))
            i++;
        if (i == start) return false; /* leading, doubled or trailing blank */
        bool is_dot = i - start == 3 && trawl_strncaseeq(in + start, "dot", 3);
        if ((ntok % 2 == 1) != is_dot)
            return false; /* "dot" must alternate with non-"dot" tokens */
        ntok++;
        if (i < len) {
            if (in[i] != ' ') return false;
            i++;
            if (i == len) return false;
        }
    }
    return ntok >= 3 && ntok % 2 == 1;
}

/* "hxxp" and "hxxps" at the start of a word and followed by a (possibly
 * defanged) colon; also "fxp" for ftp. Returns the length matched, 0 if none. */
static size_t scheme_fang(const char *in, size_t len, size_t i)
{
    if (i > 0 && is_alnum(in[i - 1])) return 0;
    size_t n = 0;
    if (len - i >= 4 && trawl_strncaseeq(in + i, "hxxp", 4))
        n = (len - i >= 5 && trawl_lower(in[i + 4]) == 's') ? 5 : 4;
    else if (len - i >= 3 && trawl_strncaseeq(in + i, "fxp", 3))
        n = 3;
    if (n == 0 || i + n >= len || (in[i + n] != ':' && in[i + n] != '[')) return 0;
    return n;
}

size_t trawl_ioc_refang(const char *in, size_t len, char *out, size_t outsz)
{
    if (!out || outsz == 0) return (size_t)-1;
    size_t o = 0;
    bool dots = spoken_dots(in, len);
    /* Every rewrite shrinks or keeps the length, so the output never holds
     * more than len bytes; the check is on each byte written. */
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (o + 1 >= outsz) goto overflow;                                                         \
        out[o++] = (c);                                                                            \
    } while (0)
    for (size_t i = 0; i < len;) {
        if (dots && in[i] == ' ') {
            PUT('.');
            i += 5; /* " dot " */
            continue;
        }
        size_t n = scheme_fang(in, len, i);
        if (n > 0) {
            /* written in lower case: "hXXp" -> "http", not "hTTp" */
            const char *scheme = n == 5 ? "https" : n == 4 ? "http" : "ftp";
            for (size_t k = 0; k < n; k++)
                PUT(scheme[k]);
            i += n;
            continue;
        }
        const struct fang *f = NULL;
        if (in[i] == '[' || in[i] == '(' || in[i] == '{') {
            for (size_t k = 0; k < sizeof(fangs) / sizeof(fangs[0]); k++) {
                size_t fl = strlen(fangs[k].from);
                if (len - i >= fl && trawl_strncaseeq(in + i, fangs[k].from, fl)) {
                    f = &fangs[k];
                    break;
                }
            }
        }
        if (!f) {
            PUT(in[i]);
            i++;
            continue;
        }
        if (f->spaced)
            while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
                o--;
        for (const char *t = f->to; *t; t++)
            PUT(*t);
        i += strlen(f->from);
        if (f->spaced)
            while (i < len && (in[i] == ' ' || in[i] == '\t'))
                i++;
    }
#undef PUT
    out[o] = '\0';
    return o;
overflow:
    out[o] = '\0';
    return (size_t)-1;
}

/* ---- IP addresses ------------------------------------------------------ */

/* Dotted quad, exactly four decimal parts of 0-255. Leading zeros are read
 * as decimal ("010" = 10), unlike inet_aton's octal: feeds zero-pad octets
 * for alignment far more often than they mean octal. */
static int v4_parse(const char *s, size_t len, uint32_t *out, struct trawl_error *err)
{
    static const char what[] = "not a valid IPv4 address";
    char cb[8];
    uint32_t addr = 0;
    int parts = 0;
    size_t i = 0;
    if (len == 0) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: empty", what);
    for (;;) {
        size_t start = i;
        unsigned v = 0;
        while (i < len && is_digit(s[i])) {
            if (v <= 255) v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        if (i == start) {
            if (i < len && s[i] != '.')
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: invalid character %s", what,
                                       char_desc(s[i], cb));
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: empty part", what);
        }
        if (v > 255)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: octet %.*s out of range", what,
                                   (int)(i - start > 12 ? 12 : i - start), s + start);
        addr = addr << 8 | v;
        parts++;
        if (i == len) break;
        if (s[i] != '.')
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: invalid character %s", what,
                                   char_desc(s[i], cb));
        if (parts == 4)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: more than 4 parts", what);
        i++;
    }
    if (parts != 4)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: %d parts instead of 4", what, parts);
    *out = addr;
    return TRAWL_OK;
}

int trawl_ipv4_parse(const char *s, size_t len, uint32_t *out)
{
    return v4_parse(s, len, out, NULL);
}

/* RFC 4291 section 2.2 text: eight groups of 1-4 hex digits, at most one "::"
 * standing for one or more zero groups, and optionally a dotted quad as the
 * last 32 bits. Brackets and zone ids are not part of the address: callers
 * strip them (see v6_strip). */
static int v6_parse(const char *s, size_t len, uint8_t out[16], struct trawl_error *err)
{
    static const char what[] = "not a valid IPv6 address";
    char cb[8];
    uint16_t g[8];
    int n = 0, gap = -1;
    const char *p = s, *end = s + len;

    if (len == 0) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: empty", what);
    if (*p == ':') {
        if (len < 2 || p[1] != ':')
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: starts with a single ':'", what);
        gap = 0;
        p += 2;
    }
    while (p < end) {
        if (n == 8) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: more than 8 groups", what);
        const char *q = p;
        while (q < end && hex_value(*q) >= 0)
            q++;
        if (q < end && *q == '.') {
            /* embedded IPv4: the rest of the text, worth two groups */
            uint32_t v4;
            if (n > 6)
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: embedded IPv4 too late", what);
            if (v4_parse(p, (size_t)(end - p), &v4, err) < 0) return TRAWL_EINVAL;
            g[n++] = (uint16_t)(v4 >> 16);
            g[n++] = (uint16_t)v4;
            p = end;
            break;
        }
        if (q == p) {
            if (q < end && *q != ':')
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: invalid character %s", what,
                                       char_desc(*q, cb));
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: empty group", what);
        }
        if (q - p > 4)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: group of more than 4 hex digits",
                                   what);
        unsigned v = 0;
        for (; p < q; p++)
            v = v << 4 | (unsigned)hex_value(*p);
        g[n++] = (uint16_t)v;
        if (p == end) break;
        if (*p != ':')
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: invalid character %s", what,
                                   char_desc(*p, cb));
        p++;
        if (p < end && *p == ':') {
            if (gap >= 0)
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: more than one '::'", what);
            gap = n;
            p++;
        } else if (p == end) {
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: ends with a single ':'", what);
        }
    }
    if (gap < 0 && n != 8)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: %d groups instead of 8", what, n);
    if (gap >= 0 && n > 7)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: '::' with 8 other groups", what);

    uint16_t full[8] = {0};
    int tail = n - (gap >= 0 ? gap : n);
    for (int i = 0; i < n - tail; i++)
        full[i] = g[i];
    for (int i = 0; i < tail; i++)
        full[8 - tail + i] = g[n - tail + i];
    for (int i = 0; i < 8; i++) {
        out[2 * i] = (uint8_t)(full[i] >> 8);
        out[2 * i + 1] = (uint8_t)full[i];
    }
    return TRAWL_OK;
}

int trawl_ipv6_parse(const char *s, size_t len, uint8_t out[16])
{
    return v6_parse(s, len, out, NULL);
}

/* Removes "[...]" around an address and a "%zone" suffix (zone only if
 * allow_zone). Returns false when the decoration is malformed. */
static bool v6_strip(const char **s, size_t *len, bool allow_zone)
{
    if (*len >= 2 && (*s)[0] == '[') {
        if ((*s)[*len - 1] != ']') return false;
        (*s)++;
        *len -= 2;
    }
    const char *pct = memchr(*s, '%', *len);
    if (pct) {
        if (!allow_zone || pct == *s + *len - 1) return false;
        *len = (size_t)(pct - *s);
    }
    return true;
}

static bool v6_is_mapped(const uint8_t a[16])
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, prefix, sizeof(prefix)) == 0;
}

static uint32_t v6_low32(const uint8_t a[16])
{
    return (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
}

static size_t v4_format(uint32_t a, char buf[16])
{
    return (size_t)snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                            a & 0xff);
}

/* RFC 5952: lower-case hex without leading zeros, the longest run of two or
 * more zero groups (the first one on a tie) written "::". Embedded IPv4 is
 * written in hex too ("64:ff9b::102:304"); mapped addresses never get here. */
static size_t v6_format(const uint8_t a[16], char buf[48])
{
    uint16_t g[8];
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
    for (int i = 0; i < 8;) {
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j > i ? j : i + 1;
    }
    size_t o = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            buf[o++] = ':';
            buf[o++] = ':';
            i += bestlen - 1;
            continue;
        }
        if (o > 0 && buf[o - 1] != ':') buf[o++] = ':';
        o += (size_t)snprintf(buf + o, 48 - o, "%x", g[i]);
    }
    buf[o] = '\0';
    return o;
}

/* ---- output ------------------------------------------------------------ */

static int emit(const char *s, size_t n, char *out, size_t outsz, struct trawl_error *err)
{
    if (n > TRAWL_IOC_MAX || n >= outsz)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "value too long (%zu bytes)", n);
    memcpy(out, s, n);
    out[n] = '\0';
    return TRAWL_OK;
}

/* ---- per type ---------------------------------------------------------- */

static int norm_cidr(enum trawl_ioc_type *type, const char *s, size_t len, char *out, size_t outsz,
                     unsigned *warn, struct trawl_error *err);

static int norm_ipv4(enum trawl_ioc_type *type, const char *s, size_t len, char *out, size_t outsz,
                     unsigned *warn, struct trawl_error *err)
{
    uint32_t a;
    char buf[16];
    /* Feeds routinely put prefixes in "ip" columns (MISP ip-dst): take them
     * as CIDRs rather than rejecting them. */
    if (memchr(s, '/', len)) return norm_cidr(type, s, len, out, outsz, warn, err);
    if (v4_parse(s, len, &a, err) < 0) return TRAWL_EINVAL;
    return emit(buf, v4_format(a, buf), out, outsz, err);
}

static int norm_ipv6(enum trawl_ioc_type *type, const char *s, size_t len, char *out, size_t outsz,
                     unsigned *warn, struct trawl_error *err)
{
    uint8_t a[16];
    char buf[48];
    if (memchr(s, '/', len)) return norm_cidr(type, s, len, out, outsz, warn, err);
    if (!v6_strip(&s, &len, true))
        return trawl_error_set(err, TRAWL_EINVAL, NULL,
                               "not a valid IPv6 address: unbalanced brackets or empty zone");
    if (v6_parse(s, len, a, err) < 0) return TRAWL_EINVAL;
    if (v6_is_mapped(a)) {
        *type = TRAWL_T_IPV4;
        *warn |= TRAWL_NORM_WARN_MAPPED;
        return emit(buf, v4_format(v6_low32(a), buf), out, outsz, err);
    }
    return emit(buf, v6_format(a, buf), out, outsz, err);
}

/* "addr/n" with the host bits masked off. A bare address is taken as a host
 * prefix (/32 or /128) so "subnet" columns holding single hosts still load.
 * An IPv4-mapped prefix of /96 or longer becomes the IPv4 prefix it covers. */
static int norm_cidr(enum trawl_ioc_type *type, const char *s, size_t len, char *out, size_t outsz,
                     unsigned *warn, struct trawl_error *err)
{
    static const char what[] = "not a valid CIDR prefix";
    const char *slash = memrchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    bool v6 = memchr(s, ':', alen) != NULL;
    unsigned maxbits = v6 ? 128 : 32, bits = maxbits;
    char buf[64];

    if (slash) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: bad prefix length '%.*s'", what,
                                   (int)(end - p > 8 ? 8 : end - p), p);
        bits = 0;
        for (; p < end; p++) {
            if (!is_digit(*p))
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: prefix length is not a number",
                                       what);
            bits = bits * 10 + (unsigned)(*p - '0');
        }
        if (bits > maxbits)
            return trawl_error_set(err, TRAWL_EINVAL, NULL,
                                   "%s: prefix length %u exceeds %u for IPv%d", what, bits, maxbits,
                                   v6 ? 6 : 4);
    }
    if (!v6) {
        uint32_t a;
        if (v4_parse(s, alen, &a, err) < 0) return TRAWL_EINVAL;
        uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
        if (a & ~mask) *warn |= TRAWL_NORM_WARN_HOSTBITS;
        size_t n = v4_format(a & mask, buf);
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "/%u", bits);
        *type = TRAWL_T_CIDR;
        return emit(buf, n, out, outsz, err);
    }
    uint8_t a[16];
    if (!v6_strip(&s, &alen, false))
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: malformed IPv6 address", what);
    if (v6_parse(s, alen, a, err) < 0) return TRAWL_EINVAL;
    bool host = false;
    for (unsigned i = 0; i < 16; i++) {
        int keep = (int)bits - 8 * (int)i;
        uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
        host |= (a[i] & ~m) != 0;
        a[i] &= m;
    }
    if (host) *warn |= TRAWL_NORM_WARN_HOSTBITS;
    size_t n;
    if (bits >= 96 && v6_is_mapped(a)) {
        *warn |= TRAWL_NORM_WARN_MAPPED;
        n = v4_format(v6_low32(a), buf);
        bits -= 96;
    } else {
        n = v6_format(a, buf);
    }
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "/%u", bits);
    *type = TRAWL_T_CIDR;
    return emit(buf, n, out, outsz, err);
}

#define DOM_WILDCARD 0x1u /* strip a leading "*." or "." */
#define DOM_PORT 0x2u     /* strip a trailing ":digits" */

/* Normalises a host name into buf (TRAWL_IOC_MAX + 1 bytes): lower case, one
 * trailing dot dropped, UTF-8 names converted to punycode (UTS #46
 * non-transitional, so "ß" stays "ß" as IDNA 2008 wants), then every label
 * checked: 1-63 of [a-z0-9_-], no '-' at either end (underscores are allowed
 * for SRV/DMARC-style names seen in feeds), >= 2 labels, <= 253 bytes, a last
 * label that is not all digits, and not an IP address. Returns the length or
 * TRAWL_EINVAL. */
static int domain_norm(const char *s, size_t len, unsigned flags, char *buf, unsigned *warn,
                       struct trawl_error *err)
{
    static const char what[] = "not a valid domain";
    char cb[8];
    bool ascii = true;
    if (len > TRAWL_IOC_MAX) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: too long", what);
    for (size_t i = 0; i < len; i++) {
        buf[i] = trawl_lower(s[i]);
        ascii &= (unsigned char)s[i] < 0x80;
    }
    buf[len] = '\0';
    char *p = buf;
    size_t n = len;
    if (flags & DOM_WILDCARD) {
        if (n >= 2 && p[0] == '*' && p[1] == '.') {
            p += 2;
            n -= 2;
        } else if (n >= 1 && p[0] == '.') {
            p++;
            n--;
        }
    }
    /* an address is refused before ":port" stripping could mangle it */
    uint8_t a6[16];
    uint32_t a4;
    const char *b6 = p;
    size_t l6 = n;
    if (memchr(p, ':', n) && v6_strip(&b6, &l6, true) && v6_parse(b6, l6, a6, NULL) == 0)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: an IPv6 address is not a domain",
                               what);
    if (flags & DOM_PORT) {
        char *colon = memrchr(p, ':', n);
        if (colon && colon + 1 < p + n) {
            size_t k = 1;
            while (colon + k < p + n && is_digit(colon[k]))
                k++;
            if (colon + k == p + n) n = (size_t)(colon - p);
        }
    }
    if (n > 0 && p[n - 1] == '.') n--;
    memmove(buf, p, n);
    buf[n] = '\0';
    if (n == 0) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: empty", what);

    if (v4_parse(buf, n, &a4, NULL) == 0)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: an IPv4 address is not a domain",
                               what);

    if (!ascii) {
        char *puny = NULL;
        int rc = idn2_to_ascii_8z(buf, &puny, IDN2_NONTRANSITIONAL);
        if (rc != IDN2_OK)
            return trawl_error_set(err, TRAWL_EINVAL, NULL,
                                   "internationalised domain cannot be converted to punycode: %s",
                                   idn2_strerror(rc));
        n = strlen(puny);
        if (n > TRAWL_IOC_MAX) {
            idn2_free(puny);
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: too long", what);
        }
        memcpy(buf, puny, n + 1);
        idn2_free(puny);
        *warn |= TRAWL_NORM_WARN_IDN;
    }

    if (n > 253) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: longer than 253 bytes", what);
    size_t labels = 0, start = 0;
    bool digits_only = true;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && buf[i] != '.') {
            char c = buf[i];
            if (!(is_alnum(c) || c == '-' || c == '_'))
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: invalid character %s", what,
                                       char_desc(c, cb));
            digits_only &= is_digit(c);
            continue;
        }
        size_t l = i - start;
        if (l == 0) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: empty label", what);
        if (l > 63)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: label longer than 63 bytes", what);
        if (buf[start] == '-' || buf[i - 1] == '-')
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: label starts or ends with '-'",
                                   what);
        labels++;
        if (i < n) {
            start = i + 1;
            digits_only = true;
        }
    }
    if (labels < 2)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: needs at least two labels", what);
    if (digits_only)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: last label is all digits", what);
    return (int)n;
}

static int norm_domain(const char *s, size_t len, char *out, size_t outsz, unsigned *warn,
                       struct trawl_error *err)
{
    char buf[TRAWL_IOC_MAX + 1];
    int n = domain_norm(s, len, DOM_WILDCARD | DOM_PORT, buf, warn, err);
    if (n < 0) return TRAWL_EINVAL;
    return emit(buf, (size_t)n, out, outsz, err);
}

/* scheme "://" [userinfo "@"] host [":" port] rest. Scheme and host are
 * lower-cased (an IDN host becomes punycode, a trailing dot goes); userinfo,
 * port and everything from the first '/', '?' or '#' on are kept byte for
 * byte, except that a rest of exactly "/" is dropped. */
static int norm_url(const char *s, size_t len, char *out, size_t outsz, unsigned *warn,
                    struct trawl_error *err)
{
    static const char what[] = "not a valid URL";
    char res[TRAWL_IOC_MAX + 1], host[TRAWL_IOC_MAX + 1];
    size_t o = 0;

    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return trawl_error_set(err, TRAWL_EINVAL, NULL,
                                   "%s: contains a blank or control character", what);
    const char *sep = memmem(s, len, "://", 3);
    if (!sep)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: no scheme:// (e.g. http://)", what);
    size_t sl = (size_t)(sep - s);
    if (sl == 0 || !is_alpha(s[0]))
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: bad scheme", what);
    for (size_t i = 0; i < sl; i++) {
        char c = s[i];
        if (!(is_alnum(c) || c == '+' || c == '.' || c == '-'))
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: bad scheme", what);
        res[o++] = trawl_lower(c);
    }
    memcpy(res + o, "://", 3);
    o += 3;

    const char *auth = sep + 3, *end = s + len;
    const char *rest = auth;
    while (rest < end && *rest != '/' && *rest != '?' && *rest != '#')
        rest++;
    const char *at = memrchr(auth, '@', (size_t)(rest - auth));
    const char *hp = at ? at + 1 : auth; /* host[:port] */
    if (at) {
        memcpy(res + o, auth, (size_t)(hp - auth));
        o += (size_t)(hp - auth);
    }
    if (hp == rest) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: no host", what);

    const char *hend, *port;
    if (*hp == '[') {
        const char *rb = memchr(hp, ']', (size_t)(rest - hp));
        uint8_t a[16];
        if (!rb || v6_parse(hp + 1, (size_t)(rb - hp - 1), a, err) < 0)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: bad IPv6 host", what);
        hend = rb + 1;
        for (const char *p = hp; p < hend; p++)
            res[o++] = trawl_lower(*p);
    } else {
        const char *colon = memrchr(hp, ':', (size_t)(rest - hp));
        hend = colon ? colon : rest;
        uint32_t a4;
        size_t hl = (size_t)(hend - hp);
        if (v4_parse(hp, hl, &a4, NULL) == 0) {
            memcpy(res + o, hp, hl);
            o += hl;
        } else {
            int n = domain_norm(hp, hl, 0, host, warn, err);
            if (n < 0) {
                char why[sizeof(err->msg)];
                snprintf(why, sizeof(why), "%s", err ? err->msg : "");
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: bad host (%s)", what, why);
            }
            if (o + (size_t)n > TRAWL_IOC_MAX)
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: too long", what);
            memcpy(res + o, host, (size_t)n);
            o += (size_t)n;
        }
    }
    port = hend;
    if (port < rest) {
        if (*port != ':')
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: junk after host", what);
        for (const char *p = port + 1; p < rest; p++)
            if (!is_digit(*p))
                return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: port is not a number", what);
    }
    size_t tl = (size_t)(end - port);
    if (end - rest == 1 && *rest == '/') tl--;
    if (o + tl > TRAWL_IOC_MAX)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: too long", what);
    memcpy(res + o, port, tl);
    o += tl;
    return emit(res, o, out, outsz, err);
}

/* local@domain, all lower case (mailbox local parts are case-insensitive in
 * practice); an optional "mailto:" prefix is dropped. The local part is a
 * dot-atom of RFC 5322 atext, 1-64 bytes; quoted local parts are refused. */
static int norm_email(const char *s, size_t len, char *out, size_t outsz, unsigned *warn,
                      struct trawl_error *err)
{
    static const char what[] = "not a valid email address";
    static const char atext[] = "!#$%&'*+/=?^_`{|}~.-";
    char res[TRAWL_IOC_MAX + 1], dom[TRAWL_IOC_MAX + 1], cb[8];
    if (len >= 7 && trawl_strncaseeq(s, "mailto:", 7)) {
        s += 7;
        len -= 7;
    }
    const char *at = memchr(s, '@', len);
    if (!at) return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: no '@'", what);
    size_t ll = (size_t)(at - s);
    if (memchr(at + 1, '@', len - ll - 1))
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: more than one '@'", what);
    if (ll == 0 || ll > 64)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: local part must be 1-64 bytes", what);
    for (size_t i = 0; i < ll; i++) {
        char c = s[i];
        if (!is_alnum(c) && (c == '\0' || !strchr(atext, c)))
            return trawl_error_set(err, TRAWL_EINVAL, NULL,
                                   "%s: invalid character %s in local part", what,
                                   char_desc(c, cb));
        if (c == '.' && (i == 0 || i == ll - 1 || s[i - 1] == '.'))
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: misplaced '.' in local part",
                                   what);
        res[i] = trawl_lower(c);
    }
    res[ll] = '@';
    int n = domain_norm(at + 1, len - ll - 1, 0, dom, warn, err);
    if (n < 0) {
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err ? err->msg : "");
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: %s", what, why);
    }
    if (ll + 1 + (size_t)n > TRAWL_IOC_MAX)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "%s: too long", what);
    memcpy(res + ll + 1, dom, (size_t)n);
    return emit(res, ll + 1 + (size_t)n, out, outsz, err);
}

static int norm_hash(enum trawl_ioc_type type, const char *s, size_t len, char *out, size_t outsz,
                     struct trawl_error *err)
{
    static const struct {
        const char *name, *article;
        size_t len;
    } kinds[] = {{"MD5", "an", 32}, {"SHA-1", "a", 40}, {"SHA-256", "a", 64}};
    int k = type == TRAWL_T_MD5 ? 0 : type == TRAWL_T_SHA1 ? 1 : 2;
    char res[65], cb[8], hint[24] = "";
    for (size_t i = 0; i < len; i++)
        if (hex_value(s[i]) < 0)
            return trawl_error_set(err, TRAWL_EINVAL, NULL,
                                   "not a valid %s: non-hex character %s at offset %zu",
                                   kinds[k].name, char_desc(s[i], cb), i);
    if (len != kinds[k].len) {
        for (int j = 0; j < 3; j++)
            if (len == kinds[j].len)
                snprintf(hint, sizeof(hint), " (%s %s?)", kinds[j].article, kinds[j].name);
        return trawl_error_set(err, TRAWL_EINVAL, NULL,
                               "not a valid %s: %zu hex digits instead of %zu%s", kinds[k].name,
                               len, kinds[k].len, hint);
    }
    for (size_t i = 0; i < len; i++)
        res[i] = trawl_lower(s[i]);
    return emit(res, len, out, outsz, err);
}

/* Network types are refanged first, so callers may pass "evil[.]com" or
 * "hxxp://..." straight from a report. Hashes, file names, strings and
 * regexes are not: "[.]" is a legitimate regex and "hxxp" a legitimate
 * string, and a hash has nothing to defang. */
int trawl_ioc_normalise(enum trawl_ioc_type *type, const char *in, size_t len, char *out,
                        size_t outsz, unsigned *warn, struct trawl_error *err)
{
    char buf[TRAWL_IOC_MAX + 1];
    unsigned w = 0;
    int rc;
    if (!type || !in || !out || outsz == 0)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "invalid arguments");
    enum trawl_ioc_type t = *type;
    if ((int)t < 0 || t >= TRAWL_T_COUNT)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "unknown indicator type %d", (int)t);
    trim(&in, &len);
    if (memchr(in, '\0', len))
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "contains a NUL byte");
    if (len == 0)
        return trawl_error_set(err, TRAWL_EINVAL, NULL, "empty %s", trawl_ioc_type_name(t));

    switch (t) {
    case TRAWL_T_IPV4:
    case TRAWL_T_IPV6:
    case TRAWL_T_CIDR:
    case TRAWL_T_DOMAIN:
    case TRAWL_T_URL:
    case TRAWL_T_EMAIL:
        len = trawl_ioc_refang(in, len, buf, sizeof(buf));
        if (len == (size_t)-1)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "value too long (max %d bytes)",
                                   TRAWL_IOC_MAX);
        in = buf;
        trim(&in, &len);
        if (len == 0)
            return trawl_error_set(err, TRAWL_EINVAL, NULL, "empty %s", trawl_ioc_type_name(t));
        break;
    default:
        break;
    }

    switch (t) {
    case TRAWL_T_IPV4:
        rc = norm_ipv4(&t, in, len, out, outsz, &w, err);
        break;
    case TRAWL_T_IPV6:
        rc = norm_ipv6(&t, in, len, out, outsz, &w, err);
        break;
    case TRAWL_T_CIDR:
        rc = norm_cidr(&t, in, len, out, outsz, &w, err);
        break;
    case TRAWL_T_DOMAIN:
        rc = norm_domain(in, len, out, outsz, &w, err);
        break;
    case TRAWL_T_URL:
        rc = norm_url(in, len, out, outsz, &w, err);
        break;
    case TRAWL_T_EMAIL:
        rc = norm_email(in, len, out, outsz, &w, err);
        break;
    case TRAWL_T_MD5:
    case TRAWL_T_SHA1:
    case TRAWL_T_SHA256:
        rc = norm_hash(t, in, len, out, outsz, err);
        break;
    default: /* filename, string, regex */
        rc = emit(in, len, out, outsz, err);
        break;
    }
    if (rc < 0) return rc;
    *type = t;
    if (warn) *warn = w;
    return TRAWL_OK;
}
