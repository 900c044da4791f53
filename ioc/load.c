/* Loader driver: options, reading a file (or stdin) into memory, format
 * detection, and the "add one value" step shared by every format parser:
 * refang, type detection or normalisation, defaults, expiry, merge counting
 * and diagnostics. The per-format parsers live in load_<format>.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load_internal.h"

void trawl_load_opts_init(struct trawl_load_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->format = TRAWL_FMT_AUTO;
    o->as_type = TRAWL_T_NONE;
    o->tlp = TRAWL_TLP_AMBER;
    o->severity = TRAWL_SEV_MEDIUM;
    o->source = NULL;
    o->now = 0;
}

void load_item_init(struct load_item *it)
{
    it->type = TRAWL_T_NONE;
    it->flags = 0;
    it->tlp = -1;
    it->severity = 0;
    it->source = NULL;
    it->confidence = -1;
    it->valid_until = 0;
}

/* ---- diagnostics -------------------------------------------------------- */

static void vdiag(struct load_ctx *c, unsigned long line, bool is_error, const char *fmt,
                  va_list ap)
{
    if (!c->diag) return;
    char msg[768];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* One line: the caller prints "file:line: msg". */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    c->diag(c->ud, c->name, line, is_error, msg);
}

void load_reject(struct load_ctx *c, unsigned long line, int type, const char *fmt, ...)
{
    c->stats->rejected[(type >= 0 && type < TRAWL_T_COUNT) ? type : TRAWL_T_COUNT]++;
    va_list ap;
    va_start(ap, fmt);
    vdiag(c, line, true, fmt, ap);
    va_end(ap);
}

void load_warn(struct load_ctx *c, unsigned long line, const char *fmt, ...)
{
    c->stats->warnings++;
    va_list ap;
    va_start(ap, fmt);
    vdiag(c, line, false, fmt, ap);
    va_end(ap);
}

void load_id_diag_fn(void *ud, const char *file, unsigned long line, bool is_error, const char *msg)
{
    struct load_id_diag *d = ud;
    if (!d->id) {
        d->fn(d->ud, file, line, is_error, msg);
        return;
    }
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s%s: %s", d->prefix ? d->prefix : "", d->id, msg);
    for (char *p = buf; *p; p++) /* the id comes from the input: keep one line */
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    d->fn(d->ud, file, line, is_error, buf);
}

/* Copies at most 60 bytes of v for quoting in a message, replacing control
 * bytes, and marks truncation. */
static const char *quote_value(const char *v, size_t len, char *buf, size_t bufsz)
{
    size_t max = bufsz - 4, n = len < max ? len : max, o = 0;
    for (size_t i = 0; i < n; i++)
        buf[o++] = ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) ? '?' : v[i];
    if (n < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

/* ---- the shared "add one value" step ------------------------------------ */

/* Values longer than this are refused before any work: no indicator is
 * anywhere near it, and it bounds the scratch buffer. */
#define VALUE_MAX (TRAWL_IOC_MAX * 4)

/* Defanging is undone only for network and hash types: strings, regexes
 * and file names are taken literally ("evil[.]com" is a valid regex). */
static bool refang_type(enum trawl_ioc_type t)
{
    return t != TRAWL_T_FILENAME && t != TRAWL_T_STRING && t != TRAWL_T_REGEX;
}

/* The type a value that trawl_ioc_detect refused was most likely meant to
 * be, for a precise diagnostic ("octet 256 out of range" beats "not
 * recognised"); TRAWL_T_NONE when there is no good guess. */
struct shape {
    size_t digits, dots, colons, hex;
};

static struct shape shape_of(const char *v, size_t len)
{
    struct shape sh = {0};
    for (size_t i = 0; i < len; i++) {
        char ch = v[i];
        sh.digits += ch >= '0' && ch <= '9';
        sh.dots += ch == '.';
        sh.colons += ch == ':';
        sh.hex += (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
    }
    return sh;
}

static bool ipv4ish(const char *v, size_t len)
{
    struct shape sh = shape_of(v, len);
    return sh.dots == 3 && sh.digits + sh.dots == len;
}

static bool ipv6ish(const char *v, size_t len)
{
    struct shape sh = shape_of(v, len);
    return sh.colons >= 2 && sh.hex + sh.colons + sh.dots == len;
}

static enum trawl_ioc_type guess_type(const char *v, size_t len)
{
    if (memmem(v, len, "://", 3)) return TRAWL_T_URL;
    const char *sl = memchr(v, '/', len);
    if (sl) {
        size_t pl = (size_t)(sl - v);
        return (ipv4ish(v, pl) || ipv6ish(v, pl)) ? TRAWL_T_CIDR : TRAWL_T_NONE;
    }
    if (ipv4ish(v, len)) return TRAWL_T_IPV4;
    if (ipv6ish(v, len)) return TRAWL_T_IPV6;
    struct shape sh = shape_of(v, len);
    if (sh.hex == len && len >= 24 && len <= 72)
        return len < 36 ? TRAWL_T_MD5 : len < 52 ? TRAWL_T_SHA1 : TRAWL_T_SHA256;
    if (memchr(v, '@', len) && !memchr(v, ' ', len)) return TRAWL_T_EMAIL;
    return TRAWL_T_NONE;
}

/* Rejects a value whose type could not be detected, with the most precise
 * reason available. Counted under the guessed type when there is one. */
static void reject_undetected(struct load_ctx *c, unsigned long line, const char *val, size_t len)
{
    char q[64];
    enum trawl_ioc_type g = guess_type(val, len);
    if (g != TRAWL_T_NONE) {
        char out[TRAWL_IOC_MAX + 1];
        struct trawl_error err;
        err.msg[0] = 0;
        if (trawl_ioc_normalise(&g, val, len, out, sizeof(out), NULL, &err) != 0 && err.msg[0]) {
            load_reject(c, line, g, "%s", err.msg);
            return;
        }
    }
    load_reject(c, line, TRAWL_T_NONE,
                "not a recognised indicator (IP, CIDR, domain, URL, e-mail or hash): \"%s\"",
                quote_value(val, len, q, sizeof(q)));
}

int load_add(struct load_ctx *c, unsigned long line, const char *val, size_t len,
             const struct load_item *it)
{
    char q[64];
    load_trim(&val, &len);
    enum trawl_ioc_type type = it->type != TRAWL_T_NONE ? it->type : c->opts->as_type;
    if (len == 0) {
        load_reject(c, line, type, "empty value");
        return 0;
    }
    if (len > VALUE_MAX) {
        load_reject(c, line, type, "value too long (%zu bytes)", len);
        return 0;
    }
    if (type == TRAWL_T_NONE || refang_type(type)) {
        if (trawl_buf_reserve(&c->scratch, len + 1)) return TRAWL_ENOMEM;
        size_t n = trawl_ioc_refang(val, len, c->scratch.data, c->scratch.cap);
        if (n == (size_t)-1) {
            load_reject(c, line, type, "value too long after refanging");
            return 0;
        }
        val = c->scratch.data;
        len = n;
        load_trim(&val, &len);
    }
    if (type == TRAWL_T_NONE) {
        type = trawl_ioc_detect(val, len);
        if (type == TRAWL_T_NONE) {
            reject_undetected(c, line, val, len);
            return 0;
        }
    }

    char out[TRAWL_IOC_MAX + 1];
    unsigned warn = 0;
    struct trawl_error err; /* 1 KiB: not zeroed per value, only msg read */
    err.msg[0] = 0;
    enum trawl_ioc_type t0 = type;
    if (trawl_ioc_normalise(&type, val, len, out, sizeof(out), &warn, &err) != 0) {
        if (err.msg[0])
            load_reject(c, line, t0, "%s", err.msg);
        else
            load_reject(c, line, t0, "not a valid %s: \"%s\"", trawl_ioc_type_name(t0),
                        quote_value(val, len, q, sizeof(q)));
        return 0;
    }

    if (it->valid_until != 0 && it->valid_until < c->now) {
        c->stats->expired[type]++;
        return 0;
    }
    if (warn & TRAWL_NORM_WARN_HOSTBITS)
        load_warn(c, line, "CIDR had host bits set; masked to %s", out);
    if (warn & TRAWL_NORM_WARN_IDN)
        load_warn(c, line, "internationalised domain name converted to %s", out);
    if (warn & TRAWL_NORM_WARN_MAPPED)
        load_warn(c, line, "IPv4-mapped IPv6 address converted to %s", out);

    /* Keep only flags that mean something for the final type, so that e.g. an
     * "exact" column on an IP row does not split it from the same IP. */
    uint32_t flags = 0;
    if (type == TRAWL_T_DOMAIN) flags |= it->flags & TRAWL_IOC_EXACT;
    if (type == TRAWL_T_STRING || type == TRAWL_T_REGEX || type == TRAWL_T_FILENAME)
        flags |= it->flags & TRAWL_IOC_NOCASE;

    struct trawl_ioc_rec rec = {
        .type = type,
        .flags = flags,
        .value = out,
        .tlp = it->tlp >= 0 ? (enum trawl_tlp)it->tlp : c->opts->tlp,
        .severity = it->severity > 0 ? it->severity : c->opts->severity,
        .source = (it->source && it->source[0]) ? it->source : c->source,
        .confidence = it->confidence,
        .valid_until = it->valid_until,
    };
    int r = trawl_iocset_add(c->set, &rec);
    if (r < 0) return r;
    if (r == 0)
        c->stats->accepted[type]++;
    else
        c->stats->merged[type]++;
    return 0;
}

/* ---- format detection --------------------------------------------------- */

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && trawl_strcaseeq(name + n - e, ext);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Next line [*ls, *le) (without the newline, CR kept); returns false at end. */
static bool next_line(const char **p, const char *end, const char **ls, const char **le)
{
    if (*p >= end) return false;
    *ls = *p;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    *le = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    return true;
}

/* Does a CSV header line name a value column? */
static bool csv_header_like(const char *s, const char *e)
{
    if (!memchr(s, ',', (size_t)(e - s))) return false;
    static const char *const names[] = {"value", "indicator", "ioc", "ioc_value"};
    while (s <= e) {
        const char *f = s;
        while (s < e && *s != ',')
            s++;
        const char *fe = s;
        size_t n = (size_t)(fe - f);
        load_trim(&f, &n);
        if (n >= 2 && f[0] == '"' && f[n - 1] == '"') {
            f++;
            n -= 2;
        }
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (strlen(names[i]) == n && trawl_strncaseeq(f, names[i], n)) return true;
        s++;
    }
    return false;
}

/* A JSON document: its first non-blank byte opens an object or an array and
 * its last closes one. */
static bool looks_json(const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    load_skip_bom(&p, end);
    while (p < end && (load_isblank(*p) || *p == '\n'))
        p++;
    while (end > p && (load_isblank(end[-1]) || end[-1] == '\n'))
        end--;
    return end - p >= 2 && ((*p == '{' && end[-1] == '}') || (*p == '[' && end[-1] == ']'));
}

static enum trawl_format sniff(const char *name, const char *data, size_t len)
{
    if (name && has_ext(name, ".csv")) return TRAWL_FMT_CSV;
    if (name && (has_ext(name, ".dat") || has_ext(name, ".intel"))) return TRAWL_FMT_ZEEK;
    if (sniff_stix(data, len)) return TRAWL_FMT_STIX;
    if (sniff_misp(data, len)) return TRAWL_FMT_MISP;
    if (sniff_openioc(data, len)) return TRAWL_FMT_OPENIOC;
    const char *p = data, *end = data + len, *ls, *le;
    load_skip_bom(&p, end);
    /* Leading '#' lines: a Zeek "#fields ... indicator ..." header decides.
     * Otherwise the first content line decides between CSV and the rest, and
     * sniff_text between a free-text datasheet and a plain list. */
    while (next_line(&p, end, &ls, &le)) {
        size_t n = (size_t)(le - ls);
        load_trim(&ls, &n);
        if (n == 0) continue;
        if (ls[0] == '#') {
            if (n > 7 && memcmp(ls, "#fields", 7) == 0 && load_isblank(ls[7]) &&
                memmem(ls, n, "indicator", 9))
                return TRAWL_FMT_ZEEK;
            continue;
        }
        if (csv_header_like(ls, ls + n)) return TRAWL_FMT_CSV;
        break;
    }
    return sniff_text(name, data, len) ? TRAWL_FMT_TEXT : TRAWL_FMT_PLAIN;
}

/* ---- entry points ------------------------------------------------------- */

static int load_dispatch(struct trawl_iocset *set, const char *name, const char *src_name,
                         const char *data, size_t len, const struct trawl_load_opts *opts,
                         struct trawl_load_stats *stats, trawl_diag_fn diag, void *ud,
                         struct trawl_error *err)
{
    struct trawl_load_opts defaults;
    struct trawl_load_stats dummy;
    if (!set || (!data && len))
        return trawl_error_set(err, TRAWL_EINVAL, name, "no set or no data");
    if (!opts) {
        trawl_load_opts_init(&defaults);
        opts = &defaults;
    }
    if (!stats) {
        memset(&dummy, 0, sizeof(dummy));
        stats = &dummy;
    }
    if (opts->as_type != TRAWL_T_NONE && ((int)opts->as_type < 0 || opts->as_type >= TRAWL_T_COUNT))
        return trawl_error_set(err, TRAWL_EINVAL, name, "bad as_type %d", (int)opts->as_type);
    if ((int)opts->tlp < 0 || opts->tlp >= TRAWL_TLP_COUNT)
        return trawl_error_set(err, TRAWL_EINVAL, name, "bad default TLP %d", (int)opts->tlp);

    enum trawl_format fmt = opts->format;
    if (fmt == TRAWL_FMT_AUTO) fmt = sniff(name, data ? data : "", len);
    if (fmt == TRAWL_FMT_PLAIN && looks_json(data ? data : "", len))
        return trawl_error_set(err, TRAWL_EFORMAT, name,
                               "JSON that is neither a STIX 2 bundle nor a MISP event; "
                               "give --format to force one");

    struct load_ctx c = {
        .set = set,
        .opts = opts,
        .stats = stats,
        .diag = diag,
        .ud = ud,
        .name = name,
        .source = opts->source ? opts->source : src_name,
        .now = opts->now ? opts->now : trawl_now_wall(),
    };
    int r;
    data = data ? data : "";
    switch (fmt) {
    case TRAWL_FMT_PLAIN:
        r = load_plain(&c, data, len, err);
        break;
    case TRAWL_FMT_CSV:
        r = load_csv(&c, data, len, err);
        break;
    case TRAWL_FMT_ZEEK:
        r = load_zeek(&c, data, len, err);
        break;
    case TRAWL_FMT_STIX:
        r = load_stix(&c, data, len, err);
        break;
    case TRAWL_FMT_MISP:
        r = load_misp(&c, data, len, err);
        break;
    case TRAWL_FMT_OPENIOC:
        r = load_openioc(&c, data, len, err);
        break;
    case TRAWL_FMT_TEXT:
        r = load_text(&c, data, len, err);
        break;
    default:
        r = trawl_error_set(err, TRAWL_EINVAL, name, "unknown format %d", (int)fmt);
        break;
    }
    trawl_buf_free(&c.scratch);
    return r;
}

int trawl_ioc_load_mem(struct trawl_iocset *set, const char *name, const char *data, size_t len,
                       const struct trawl_load_opts *opts, struct trawl_load_stats *stats,
                       trawl_diag_fn diag, void *ud, struct trawl_error *err)
{
    if (!name) name = "memory";
    return load_dispatch(set, name, base_name(name), data, len, opts, stats, diag, ud, err);
}

/* Reads all of fd into a malloc'd buffer (NUL-terminated for convenience). */
static int read_all(int fd, const char *path, char **out, size_t *outlen, struct trawl_error *err)
{
    struct stat st;
    size_t cap = 1 << 16, len = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) cap = (size_t)st.st_size + 1;
    char *buf = malloc(cap);
    if (!buf)
        return trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory reading %zu bytes", cap);
    for (;;) {
        if (cap - len < 2) {
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                return trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory reading input");
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            return trawl_error_set(err, TRAWL_EIO, path, "read: %s", strerror(e));
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    buf[len] = 0;
    *out = buf;
    *outlen = len;
    return 0;
}

/* A directory is a MISP feed (manifest.json plus one file per event) when
 * the format allows it; load_misp_feed (load_misp.c) loads each event file
 * through trawl_ioc_load_file. */
int load_misp_feed(struct trawl_iocset *set, const char *dir, const struct trawl_load_opts *opts,
                   struct trawl_load_stats *stats, trawl_diag_fn diag, void *ud,
                   struct trawl_error *err);

static int load_directory(struct trawl_iocset *set, const char *path,
                          const struct trawl_load_opts *opts, struct trawl_load_stats *stats,
                          trawl_diag_fn diag, void *ud, struct trawl_error *err)
{
    if (opts && opts->format != TRAWL_FMT_AUTO && opts->format != TRAWL_FMT_MISP)
        return trawl_error_set(err, TRAWL_EIO, path, "is a directory");
    return load_misp_feed(set, path, opts, stats, diag, ud, err);
}

int trawl_ioc_load_file(struct trawl_iocset *set, const char *path,
                        const struct trawl_load_opts *opts, struct trawl_load_stats *stats,
                        trawl_diag_fn diag, void *ud, struct trawl_error *err)
{
    if (!path) return trawl_error_set(err, TRAWL_EINVAL, NULL, "no path");
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return trawl_error_set(err, TRAWL_EIO, path, "open: %s", strerror(errno));
    struct stat st;
    if (!is_stdin && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return load_directory(set, path, opts, stats, diag, ud, err);
    }
    char *data = NULL;
    size_t len = 0;
    int r = read_all(fd, path, &data, &len, err);
    if (!is_stdin) close(fd);
    if (r) return r;
    const char *name = is_stdin ? "<stdin>" : path;
    r = load_dispatch(set, name, is_stdin ? "stdin" : base_name(path), data, len, opts, stats, diag,
                      ud, err);
    free(data);
    return r;
}
