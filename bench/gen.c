/* trawl-gen: deterministic benchmark data for trawl.
 * `iocs` writes a realistic indicator set (CSV, plus grep -F patterns and a YARA rule file for
 * the peers); `logs` writes proxy/DNS/web/syslog/JSON corpora with indicators planted at
 * recorded byte offsets and near-misses that must not match. The output depends only on the
 * arguments: own PRNG (xoshiro256** seeded through splitmix64), no locale, no floating point. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl_common.h"

/* ---- PRNG ------------------------------------------------------------------------------- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Independent streams from one seed: benign content, indicators and planting never share a
 * stream, so e.g. the benign values cannot be steered towards the indicator values. */
static void rng_init(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) by multiply-shift (Lemire), exact integer arithmetic everywhere. */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline int rng_pct(struct rng *r, unsigned pct)
{
    return rng_below(r, 100) < pct;
}

/* Skewed pick in [0, n): low indices are much more frequent, like hosts in real logs. */
static inline uint32_t rng_skew(struct rng *r, uint32_t n)
{
    return rng_below(r, rng_below(r, n) + 1);
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rng_below((r), (uint32_t)NELEM(a))])

/* ---- 64-bit key -> u32 map (open addressing) -------------------------------------------- */

struct map {
    uint64_t *keys;
    uint32_t *vals;
    size_t mask, n;
};

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) {
        fprintf(stderr, "trawl-gen: out of memory\n");
        exit(2);
    }
    return p;
}

static void *xrealloc(void *p, size_t sz)
{
    p = realloc(p, sz);
    if (!p) {
        fprintf(stderr, "trawl-gen: out of memory\n");
        exit(2);
    }
    return p;
}

static void map_init(struct map *m, size_t expect)
{
    size_t cap = 64;
    while (cap < expect * 2)
        cap *= 2;
    m->keys = xcalloc(cap, sizeof(*m->keys));
    m->vals = xcalloc(cap, sizeof(*m->vals));
    m->mask = cap - 1;
    m->n = 0;
}

static void map_free(struct map *m)
{
    free(m->keys);
    free(m->vals);
}

static inline uint64_t map_key(uint64_t k)
{
    return k ? k : 1;
}

static const uint32_t *map_get(const struct map *m, uint64_t key)
{
    key = map_key(key);
    for (size_t i = trawl_mix64(key) & m->mask;; i = (i + 1) & m->mask) {
        if (m->keys[i] == key) return &m->vals[i];
        if (!m->keys[i]) return NULL;
    }
}

/* Returns 1 when inserted, 0 when the key was already there (value unchanged). */
static int map_put(struct map *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->mask + 1) {
        struct map big;
        map_init(&big, (m->mask + 1));
        for (size_t i = 0; i <= m->mask; i++)
            if (m->keys[i]) map_put(&big, m->keys[i], m->vals[i]);
        map_free(m);
        *m = big;
    }
    key = map_key(key);
    size_t i = trawl_mix64(key) & m->mask;
    for (; m->keys[i]; i = (i + 1) & m->mask)
        if (m->keys[i] == key) return 0;
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return 1;
}

static inline uint64_t hstr(const char *s, size_t n)
{
    return trawl_hash64(s, n, 0x7472617767656eULL);
}

/* Hash of the last two labels of a host ("a.b.evil.com" -> "evil.com"). If an indicator domain
 * D is a dot-suffix of host H (or equal), both share these two labels, so keeping benign hosts
 * whose last two labels belong to no indicator keeps every indicator domain out of them. */
static uint64_t hreg(const char *s, size_t n)
{
    int dots = 0;
    size_t i = n;
    while (i > 0) {
        if (s[i - 1] == '.' && ++dots == 2) break;
        i--;
    }
    return hstr(s + i, n - i);
}

/* ---- output helpers --------------------------------------------------------------------- */

#define PUTS(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) += sizeof(lit) - 1)

static inline char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_str(char *p, const char *s)
{
    return put(p, s, strlen(s));
}

static inline char *put_u(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static inline char *put_uw(char *p, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static const char HEX[] = "0123456789abcdef";

static char *put_hex(char *p, struct rng *r, int n)
{
    while (n > 0) {
        uint64_t x = rng_next(r);
        for (int i = 0; i < 16 && n > 0; i++, n--) {
            *p++ = HEX[x & 15];
            x >>= 4;
        }
    }
    return p;
}

static char *put_ip4(char *p, uint32_t ip)
{
    p = put_u(p, ip >> 24);
    *p++ = '.';
    p = put_u(p, (ip >> 16) & 255);
    *p++ = '.';
    p = put_u(p, (ip >> 8) & 255);
    *p++ = '.';
    return put_u(p, ip & 255);
}

static char *put_hex16(char *p, unsigned v)
{
    int started = 0;
    for (int sh = 12; sh >= 0; sh -= 4) {
        unsigned d = (v >> sh) & 15;
        if (d || started || sh == 0) {
            *p++ = HEX[d];
            started = 1;
        }
    }
    return p;
}

static char *put_alnum(char *p, struct rng *r, int n, int mixed)
{
    static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    static const char both[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int i = 0; i < n; i++)
        *p++ = mixed ? both[rng_below(r, 62)] : lower[rng_below(r, 36)];
    return p;
}

static char *put_digits(char *p, struct rng *r, int n)
{
    for (int i = 0; i < n; i++)
        *p++ = (char)('0' + rng_below(r, 10));
    return p;
}

/* ---- word material ---------------------------------------------------------------------- */

enum {
    T_IPV4,
    T_IPV6,
    T_CIDR,
    T_DOMAIN,
    T_URL,
    T_EMAIL,
    T_MD5,
    T_SHA1,
    T_SHA256,
    T_FILENAME,
    T_STRING,
    T_COUNT,
};

#define B(t) (1u << (t))

static const char *const type_names[T_COUNT] = {
    "ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "filename", "string",
};

/* Mix per 10000 indicators. */
static const unsigned type_weight[T_COUNT] = {
    [T_IPV4] = 1000,   [T_IPV6] = 100,     [T_CIDR] = 200,   [T_DOMAIN] = 1800,
    [T_URL] = 1000,    [T_EMAIL] = 400,    [T_MD5] = 1200,   [T_SHA1] = 800,
    [T_SHA256] = 3000, [T_FILENAME] = 300, [T_STRING] = 200,
};

static int type_parse(const char *s, size_t n)
{
    for (int t = 0; t < T_COUNT; t++)
        if (strlen(type_names[t]) == n && trawl_strncaseeq(s, type_names[t], n)) return t;
    if (n == 2 && trawl_strncaseeq(s, "ip", 2)) return T_IPV4;
    if (n == 8 && trawl_strncaseeq(s, "hostname", 8)) return T_DOMAIN;
    return -1;
}

static const char *const CONS[] = {"b",  "c",  "d",  "f",  "g",  "h",  "j",  "k",  "l",  "m",
                                   "n",  "p",  "r",  "s",  "t",  "v",  "w",  "z",  "br", "cr",
                                   "dr", "gr", "kr", "pr", "st", "tr", "sh", "ch", "th"};
static const char VOWELS[] = "aeiou";
static const char CODA[] = "nrsxlmkt";

static char *put_syllables(char *p, struct rng *r, int n)
{
    for (int i = 0; i < n; i++) {
        p = put_str(p, PICK(r, CONS));
        *p++ = VOWELS[rng_below(r, 5)];
        if (rng_pct(r, 25)) *p++ = CODA[rng_below(r, 8)];
    }
    return p;
}

static const char *const WORDS[] = {"secure",  "login",   "update",  "cdn",   "mail",    "verify",
                                    "account", "portal",  "support", "cloud", "sync",    "api",
                                    "online",  "service", "pay",     "auth",  "app",     "web",
                                    "drive",   "docs",    "files",   "host",  "connect", "track"};

/* Indicator TLDs; benign random hosts use a disjoint set so they can never end in an
 * indicator domain, whatever indicator set is scanned. */
static const char *const IOC_TLDS[] = {"com", "com", "com", "com", "com", "net", "net",  "org",
                                       "ru",  "ru",  "xyz", "xyz", "top", "top", "info", "io"};
static const char *const BENIGN_TLDS[] = {"de",    "fr",  "nl",  "co.uk", "eu", "ch", "se",
                                          "cloud", "dev", "app", "pl",    "it", "es", "at"};

/* Real, popular domains: they appear in the benign traffic and are excluded from indicators. */
static const char *const REAL_HOSTS[] = {
    "www.google.com",
    "fonts.googleapis.com",
    "www.gstatic.com",
    "update.microsoft.com",
    "login.microsoftonline.com",
    "ctldl.windowsupdate.com",
    "outlook.office365.com",
    "www.msftconnecttest.com",
    "gsp64-ssl.ls.apple.com",
    "e3.akamaiedge.net",
    "a.akamaihd.net",
    "cdnjs.cloudflare.com",
    "s3.amazonaws.com",
    "www.facebook.com",
    "static.xx.fbcdn.net",
    "github.com",
    "raw.githubusercontent.com",
    "deb.debian.org",
    "archive.ubuntu.com",
    "www.mozilla.org",
    "en.wikipedia.org",
    "www.youtube.com",
    "i.ytimg.com",
    "ad.doubleclick.net",
    "www.linkedin.com",
    "abs.twimg.com",
    "app.slack.com",
    "zoom.us",
    "www.bing.com",
    "www.dropbox.com",
    "ocsp.digicert.com",
    "r3.o.lencr.org",
    "teams.microsoft.com",
    "d1.cloudfront.net",
    "global.fastly.net",
    "az416426.vo.msecnd.net",
};

static const char *const FIRST[] = {"john",  "anna",  "michael", "olga", "ivan",  "maria",
                                    "peter", "lena",  "alex",    "kim",  "sara",  "tom",
                                    "nina",  "paul",  "eva",     "marc", "julia", "igor",
                                    "david", "chloe", "lucas",   "emma", "noah",  "mia"};
static const char *const LAST[] = {"smith",    "mueller", "petrov", "dubois", "rossi", "novak",
                                   "kowalski", "garcia",  "jansen", "berg",   "weber", "silva"};
static const char *const ROLES[] = {"admin",   "billing", "support",  "noreply",
                                    "hr",      "info",    "security", "accounts",
                                    "payroll", "it-desk", "helpdesk", "finance"};
static const char *const CAPWORDS[] = {"Dark",    "Black", "Shadow", "Cobalt", "Iron",  "Silent",
                                       "Crimson", "Ghost", "Frost",  "Night",  "Storm", "Viper",
                                       "Raven",   "Hydra", "Lunar",  "Zero"};
static const char *const COUNTRIES[] = {"DE", "FR", "PL", "NL", "EE", "AT", "CH", "SE", "FI", "IT",
                                        "ES", "PT", "CZ", "SK", "RO", "BG", "GR", "JP", "BR", "AU",
                                        "CA", "NO", "DK", "LT", "LV", "UA", "IL", "KR", "NZ", "IE"};

/* First octets: benign public addresses come from big-cloud/ISP blocks, indicator addresses
 * from all other public blocks. Any indicator set is thus disjoint from the benign addresses. */
static const uint8_t BENIGN_OCTETS[] = {
    3,   8,   13,  15,  17,  18,  20,  23,  34,  35,  40,  44,  52,  54,  64,  66,  74,  104, 107,
    108, 130, 140, 142, 143, 151, 157, 162, 166, 168, 173, 184, 199, 204, 206, 208, 209, 216};

static int octet_reserved(unsigned o)
{
    return o == 0 || o == 10 || o == 100 || o == 127 || o == 169 || o == 172 || o == 192 ||
           o == 198 || o >= 224;
}

static uint8_t ioc_octets[256];
static unsigned n_ioc_octets;

static void init_octets(void)
{
    n_ioc_octets = 0;
    for (unsigned o = 1; o < 224; o++) {
        int benign = 0;
        for (size_t i = 0; i < NELEM(BENIGN_OCTETS); i++)
            benign |= BENIGN_OCTETS[i] == o;
        if (!benign && !octet_reserved(o)) ioc_octets[n_ioc_octets++] = (uint8_t)o;
    }
}

static int parse_ip4(const char *s, size_t n, uint32_t *out)
{
    uint32_t ip = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(s[i++] - '0');
            digits++;
        }
        if (!digits || digits > 3 || v > 255) return -1;
        ip = ip << 8 | v;
        if (part < 3) {
            if (i >= n || s[i] != '.') return -1;
            i++;
        }
    }
    if (i != n) return -1;
    *out = ip;
    return 0;
}

static inline uint32_t prefix_mask(unsigned len)
{
    return len ? ~(uint32_t)0 << (32 - len) : 0;
}

static inline uint64_t cidr_key(uint32_t net, unsigned len)
{
    return ((uint64_t)net << 6 | len) + 1;
}

/* ---- argument helpers ------------------------------------------------------------------- */

static uint64_t parse_size(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) {
        fprintf(stderr, "trawl-gen: bad %s '%s'\n", what, s);
        exit(2);
    }
    switch (*end) {
    case 'k':
    case 'K':
        v <<= 10;
        end++;
        break;
    case 'm':
    case 'M':
        v <<= 20;
        end++;
        break;
    case 'g':
    case 'G':
        v <<= 30;
        end++;
        break;
    default:
        break;
    }
    if (*end) {
        fprintf(stderr, "trawl-gen: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static FILE *open_out(const char *path)
{
    if (!path || !strcmp(path, "-")) return stdout;
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "trawl-gen: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static void close_out(FILE *f, const char *path)
{
    if (!f) return;
    if (fflush(f) || ferror(f) || (f != stdout && fclose(f))) {
        fprintf(stderr, "trawl-gen: %s: write error: %s\n", path ? path : "stdout",
                strerror(errno));
        exit(2);
    }
}

/* ==== iocs ================================================================================ */

/* Indicators are generated one after another from a single stream, each depending only on the
 * ones before it, so the set for --count N is exactly the first N rows of any larger set with
 * the same seed: 1k ⊂ 10k ⊂ 100k ⊂ 1M. A corpus planted from the 10k set gives the same
 * expected hits when scanned with the 100k or 1M set. */
struct igen {
    struct rng r;
    struct map vals; /* every value, all types */
    struct map regs; /* last two labels of every host used by any indicator or REAL_HOSTS */
    struct map ips;  /* IPv4 indicators and URL hosts */
    uint8_t *cidr24; /* /24 units covered by CIDR indicators (bitmap, 2^24 bits) */
    uint8_t *ip24;   /* /24 units holding an address indicator */
};

static inline int bit_get(const uint8_t *bm, uint32_t i)
{
    return bm[i >> 3] >> (i & 7) & 1;
}

static inline void bit_set(uint8_t *bm, uint32_t i)
{
    bm[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* Evaluation order of operands and arguments is unspecified in C: every random draw gets its
 * own statement so that all compilers produce the same output. */
static uint32_t ip_draw(struct rng *r, uint32_t o1)
{
    uint32_t b = rng_below(r, 256);
    uint32_t c = rng_below(r, 256);
    uint32_t d = 1 + rng_below(r, 254);
    return o1 << 24 | b << 16 | c << 8 | d;
}

static uint32_t ioc_ip(struct igen *g)
{
    uint32_t o1 = ioc_octets[rng_below(&g->r, n_ioc_octets)];
    return ip_draw(&g->r, o1);
}

/* An address indicator (ipv4 or URL host) never lies inside a CIDR indicator and vice versa,
 * checked on /24 units in both directions so the order of generation does not matter. */
static uint32_t gen_addr(struct igen *g)
{
    for (;;) {
        uint32_t ip = ioc_ip(g);
        if (bit_get(g->cidr24, ip >> 8) || map_get(&g->ips, ip)) continue;
        map_put(&g->ips, ip, 1);
        bit_set(g->ip24, ip >> 8);
        return ip;
    }
}

static size_t gen_ipv4(struct igen *g, char *buf)
{
    return (size_t)(put_ip4(buf, gen_addr(g)) - buf);
}

static size_t gen_cidr(struct igen *g, char *buf)
{
    for (;;) {
        unsigned u = rng_below(&g->r, 100), len;
        if (u < 5)
            len = 16;
        else if (u < 30)
            len = 17 + rng_below(&g->r, 7);
        else if (u < 70)
            len = 24;
        else if (u < 90)
            len = 25 + rng_below(&g->r, 7);
        else
            len = 32;
        uint32_t net = ioc_ip(g) & prefix_mask(len);
        uint32_t first = net >> 8, units = len >= 24 ? 1 : 1u << (24 - len);
        int clash = 0;
        for (uint32_t i = 0; i < units && !clash; i++)
            clash = bit_get(g->cidr24, first + i) || bit_get(g->ip24, first + i);
        if (clash) continue;
        for (uint32_t i = 0; i < units; i++)
            bit_set(g->cidr24, first + i);
        char *p = put_ip4(buf, net);
        *p++ = '/';
        p = put_u(p, len);
        return (size_t)(p - buf);
    }
}

static size_t gen_ipv6(struct igen *g, char *buf)
{
    char *p = buf;
    unsigned first =
        rng_pct(&g->r, 70) ? 0x2a00 + rng_below(&g->r, 16) : 0x2400 + rng_below(&g->r, 16);
    p = put_hex16(p, first);
    if (rng_pct(&g->r, 50)) {
        for (int i = 0; i < 3; i++) {
            *p++ = ':';
            p = put_hex16(p, 1 + rng_below(&g->r, 65535));
        }
        PUTS(p, "::");
        p = put_hex16(p, 1 + rng_below(&g->r, 255));
    } else {
        for (int i = 0; i < 7; i++) {
            *p++ = ':';
            p = put_hex16(p, 1 + rng_below(&g->r, 65535));
        }
    }
    return (size_t)(p - buf);
}

/* A fresh registrable name "label.tld" that no earlier indicator used. */
static char *gen_regname(struct igen *g, char *p)
{
    for (;;) {
        char *q = p;
        unsigned u = rng_below(&g->r, 100);
        if (u < 70) {
            unsigned s = rng_below(&g->r, 10);
            q = put_syllables(q, &g->r, s < 3 ? 2 : s < 8 ? 3 : 4);
        } else if (u < 85) {
            q = put_syllables(q, &g->r, 2);
            *q++ = '-';
            q = put_str(q, PICK(&g->r, WORDS));
        } else {
            q = put_syllables(q, &g->r, 2 + rng_below(&g->r, 2));
            q = put_digits(q, &g->r, 1 + (int)rng_below(&g->r, 3));
        }
        *q++ = '.';
        q = put_str(q, PICK(&g->r, IOC_TLDS));
        if (map_put(&g->regs, hstr(p, (size_t)(q - p)), 1)) return q;
    }
}

static char *gen_sub(struct igen *g, char *p)
{
    static const char *const subs[] = {"login",  "secure", "mail", "cdn", "update", "api",
                                       "portal", "www2",   "m",    "dl",  "files",  "auth"};
    if (rng_pct(&g->r, 50))
        p = put_str(p, PICK(&g->r, subs));
    else
        p = put_syllables(p, &g->r, 1 + rng_below(&g->r, 2));
    *p++ = '.';
    return p;
}

static size_t gen_domain(struct igen *g, char *buf)
{
    char *p = buf;
    if (rng_pct(&g->r, 30)) p = gen_sub(g, p);
    return (size_t)(gen_regname(g, p) - buf);
}

static const char *const URL_DIRS[] = {"wp-content", "wp-includes", "admin",   "images",  "uploads",
                                       "files",      "api",         "gate",    "panel",   "inc",
                                       "tmp",        "download",    "docs",    "invoice", "update",
                                       "js",         "static",      "cgi-bin", "bins",    "assets"};
static const char *const URL_FILES[] = {"gate",    "load",  "index", "panel", "config", "update",
                                        "install", "check", "data",  "login", "img",    "bot"};
static const char *const URL_EXTS[] = {"php", "exe", "bin", "zip", "js",  "html",
                                       "doc", "sh",  "txt", "jpg", "dat", "aspx"};

/* URL paths never contain '_' while filename indicators always do, so no URL indicator
 * contains a filename indicator. */
static size_t gen_url(struct igen *g, char *buf)
{
    char *p = buf;
    if (rng_pct(&g->r, 65))
        PUTS(p, "http://");
    else
        PUTS(p, "https://");
    if (rng_pct(&g->r, 25)) {
        p = put_ip4(p, gen_addr(g));
        if (rng_pct(&g->r, 30)) {
            static const char *const ports[] = {":8080", ":8443", ":443", ":81", ":8000"};
            p = put_str(p, PICK(&g->r, ports));
        }
    } else {
        if (rng_pct(&g->r, 30)) p = gen_sub(g, p);
        p = gen_regname(g, p);
    }
    int segs = (int)rng_below(&g->r, 3);
    for (int i = 0; i < segs; i++) {
        *p++ = '/';
        if (rng_pct(&g->r, 70))
            p = put_str(p, PICK(&g->r, URL_DIRS));
        else
            p = put_alnum(p, &g->r, 4 + (int)rng_below(&g->r, 6), 0);
    }
    *p++ = '/';
    if (rng_pct(&g->r, 50))
        p = put_str(p, PICK(&g->r, URL_FILES));
    else
        p = put_alnum(p, &g->r, 5 + (int)rng_below(&g->r, 6), 0);
    *p++ = '.';
    p = put_str(p, PICK(&g->r, URL_EXTS));
    if (rng_pct(&g->r, 25)) {
        if (rng_pct(&g->r, 50)) {
            PUTS(p, "?id=");
            p = put_alnum(p, &g->r, 6 + (int)rng_below(&g->r, 10), 1);
        } else {
            PUTS(p, "?u=");
            p = put_digits(p, &g->r, 3 + (int)rng_below(&g->r, 5));
            PUTS(p, "&t=");
            p = put_alnum(p, &g->r, 8, 0);
        }
    }
    return (size_t)(p - buf);
}

static size_t gen_email(struct igen *g, char *buf)
{
    char *p = buf;
    unsigned u = rng_below(&g->r, 100);
    if (u < 40) {
        p = put_str(p, PICK(&g->r, FIRST));
        *p++ = '.';
        p = put_str(p, PICK(&g->r, LAST));
    } else if (u < 70) {
        p = put_str(p, PICK(&g->r, ROLES));
        if (rng_pct(&g->r, 50)) p = put_digits(p, &g->r, 1 + (int)rng_below(&g->r, 3));
    } else {
        p = put_str(p, PICK(&g->r, FIRST));
        p = put_digits(p, &g->r, 2 + (int)rng_below(&g->r, 3));
    }
    *p++ = '@';
    if (rng_pct(&g->r, 15)) PUTS(p, "mail.");
    return (size_t)(gen_regname(g, p) - buf);
}

static size_t gen_hash(struct igen *g, char *buf, int n)
{
    return (size_t)(put_hex(buf, &g->r, n) - buf);
}

/* Filename indicators always contain '_' plus a random token: never a benign file name. */
static size_t gen_filename(struct igen *g, char *buf)
{
    static const char *const procs[] = {"svchost", "explorer", "lsass",    "winlogon",
                                        "csrss",   "rundll32", "taskhost", "dllhost",
                                        "conhost", "spoolsv",  "services", "wininit",
                                        "chrome",  "update",   "msedge",   "onedrive"};
    static const char *const lures[] = {"invoice",  "payment",  "order",  "scan",
                                        "document", "contract", "salary", "receipt",
                                        "shipping", "resume",   "report", "statement"};
    static const char *const lure_ext[] = {".pdf.exe", ".doc.js", ".xls.scr", ".pdf.lnk", ".zip",
                                           ".iso",     ".docm",   ".xlsm",    ".hta",     ".vbs"};
    static const char *const nix[] = {"kworker", "kdevtmpfs", "xmrig", "dbus",     "systemd",
                                      "sshd",    "cron",      "httpd", "kthreadd", "watchdog"};
    static const char *const nix_ext[] = {"", "", ".sh", ".elf", ".so"};
    static const char *const win_ext[] = {".exe", ".exe", ".dll", ".scr"};
    static const char *const rnd_ext[] = {".ps1", ".bat", ".js", ".vbs", ".dll", ".exe"};
    char *p = buf;
    unsigned u = rng_below(&g->r, 100);
    if (u < 35) {
        const char *s = PICK(&g->r, procs);
        size_t n = strlen(s), at = rng_below(&g->r, (uint32_t)n);
        for (size_t i = 0; i < n; i++) {
            char c = s[i];
            if (i >= at && c && strchr("oiesa", c)) {
                c = "01354"[strchr("oiesa", c) - "oiesa"];
                at = (size_t)-1;
            }
            *p++ = c;
        }
        *p++ = '_';
        p = put_alnum(p, &g->r, 2 + (int)rng_below(&g->r, 3), 0);
        p = put_str(p, PICK(&g->r, win_ext));
    } else if (u < 65) {
        p = put_str(p, PICK(&g->r, lures));
        *p++ = '_';
        p = put_digits(p, &g->r, 4 + (int)rng_below(&g->r, 5));
        p = put_str(p, PICK(&g->r, lure_ext));
    } else if (u < 80) {
        p = put_str(p, PICK(&g->r, nix));
        *p++ = '_';
        p = put_alnum(p, &g->r, 2 + (int)rng_below(&g->r, 4), 0);
        p = put_str(p, PICK(&g->r, nix_ext));
    } else {
        p = put_syllables(p, &g->r, 2 + rng_below(&g->r, 2));
        *p++ = '_';
        p = put_alnum(p, &g->r, 3 + (int)rng_below(&g->r, 3), 0);
        p = put_str(p, PICK(&g->r, rnd_ext));
    }
    return (size_t)(p - buf);
}

/* Strings carry a random token, so benign text never contains one. Some hold backslashes
 * (mutex and pipe names); none hold quotes, commas or control bytes. */
static size_t gen_string(struct igen *g, char *buf)
{
    char *p = buf;
    switch (rng_below(&g->r, 6)) {
    case 0:
        PUTS(p, "Global\\");
        p = put_str(p, PICK(&g->r, CAPWORDS));
        p = put_alnum(p, &g->r, 8, 1);
        break;
    case 1:
        p = put_str(p, PICK(&g->r, CAPWORDS));
        PUTS(p, "Bot/");
        p = put_u(p, 1 + rng_below(&g->r, 9));
        *p++ = '.';
        p = put_u(p, rng_below(&g->r, 10));
        PUTS(p, " (");
        p = put_alnum(p, &g->r, 6, 1);
        *p++ = ')';
        break;
    case 2:
        PUTS(p, "Your files are encrypted by ");
        p = put_str(p, PICK(&g->r, CAPWORDS));
        PUTS(p, "Locker ");
        p = put_alnum(p, &g->r, 6, 1);
        break;
    case 3:
        PUTS(p, "\\\\.\\pipe\\");
        p = put_alnum(p, &g->r, 8 + (int)rng_below(&g->r, 5), 0);
        break;
    case 4:
        p = put_alnum(p, &g->r, 12 + (int)rng_below(&g->r, 9), 1);
        break;
    default:
        PUTS(p, "cmd.exe /c ");
        p = put_str(p, PICK(&g->r, WORDS));
        *p++ = ' ';
        p = put_alnum(p, &g->r, 6, 1);
        break;
    }
    return (size_t)(p - buf);
}

static size_t gen_value(struct igen *g, int type, char *buf)
{
    switch (type) {
    case T_IPV4:
        return gen_ipv4(g, buf);
    case T_IPV6:
        return gen_ipv6(g, buf);
    case T_CIDR:
        return gen_cidr(g, buf);
    case T_DOMAIN:
        return gen_domain(g, buf);
    case T_URL:
        return gen_url(g, buf);
    case T_EMAIL:
        return gen_email(g, buf);
    case T_MD5:
        return gen_hash(g, buf, 32);
    case T_SHA1:
        return gen_hash(g, buf, 40);
    case T_SHA256:
        return gen_hash(g, buf, 64);
    case T_FILENAME:
        return gen_filename(g, buf);
    default:
        return gen_string(g, buf);
    }
}

static void csv_field(FILE *f, const char *s, size_t n)
{
    if (!memchr(s, ',', n) && !memchr(s, '"', n)) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static void yara_string(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

#define YARA_PER_RULE 10000

static void usage_iocs(FILE *f)
{
    fputs("usage: trawl-gen iocs --count N [--seed S] [-o FILE] [--patterns FILE] [--yara FILE]\n"
          "\n"
          "Writes N unique indicators as CSV (type,value,tlp,severity,source) with a realistic\n"
          "mix: ~30% sha256, 12% md5, 8% sha1, 18% domain, 10% ipv4, 2% cidr, 1% ipv6, 10% url,\n"
          "4% email, 3% filename, 2% string. The set for N is the first N rows of any larger set\n"
          "with the same seed.\n"
          "  --count N        number of indicators (suffixes k, m: 10k = 10000)\n"
          "  --seed S         PRNG seed (default 1)\n"
          "  -o FILE          CSV output (default stdout)\n"
          "  --patterns FILE  also write the plain text of each indicator, one per line, for\n"
          "                   grep -F / rg -F (a CIDR is written as its network address)\n"
          "  --yara FILE      also write YARA rules, the same strings as `nocase fullword`,\n"
          "                   at most 10000 strings per rule\n",
          f);
}

static uint64_t parse_count(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) goto bad;
    if (*end == 'k' || *end == 'K')
        v *= 1000, end++;
    else if (*end == 'm' || *end == 'M')
        v *= 1000000, end++;
    if (*end) goto bad;
    return v;
bad:
    fprintf(stderr, "trawl-gen: bad count '%s'\n", s);
    exit(2);
}

static int cmd_iocs(int argc, char **argv)
{
    uint64_t count = 0, seed = 1;
    const char *out = NULL, *patterns = NULL, *yara = NULL;
    int have_count = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_iocs(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "trawl-gen iocs: missing value or unknown option '%s'\n", a);
            usage_iocs(stderr);
            return 2;
        }
        if (!strcmp(a, "--count"))
            count = parse_count(argv[++i]), have_count = 1;
        else if (!strcmp(a, "--seed"))
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            out = argv[++i];
        else if (!strcmp(a, "--patterns"))
            patterns = argv[++i];
        else if (!strcmp(a, "--yara"))
            yara = argv[++i];
        else {
            fprintf(stderr, "trawl-gen iocs: unknown option '%s'\n", a);
            usage_iocs(stderr);
            return 2;
        }
    }
    if (!have_count || count > 50000000) {
        fprintf(stderr, "trawl-gen iocs: --count N (1..50m) is required\n");
        usage_iocs(stderr);
        return 2;
    }

    static const char *const tlps[] = {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT",
                                       "TLP:RED"};
    static const unsigned tlp_w[] = {15, 35, 35, 8, 7};
    static const char *const sevs[] = {"low", "medium", "high", "critical"};
    static const unsigned sev_w[] = {20, 40, 30, 10};

    struct igen g;
    memset(&g, 0, sizeof(g));
    init_octets();
    rng_init(&g.r, seed, 1);
    map_init(&g.vals, count + 16);
    map_init(&g.regs, count / 2 + 64);
    map_init(&g.ips, count / 8 + 64);
    g.cidr24 = xcalloc(1u << 21, 1);
    g.ip24 = xcalloc(1u << 21, 1);
    for (size_t i = 0; i < NELEM(REAL_HOSTS); i++)
        map_put(&g.regs, hreg(REAL_HOSTS[i], strlen(REAL_HOSTS[i])), 1);

    FILE *fo = open_out(out), *fp = patterns ? open_out(patterns) : NULL,
         *fy = yara ? open_out(yara) : NULL;
    fputs("type,value,tlp,severity,source\n", fo);
    if (fy) fputs("// generated by trawl-gen; same strings as the CSV, nocase fullword\n", fy);

    char src[64];
    int srclen = 0;
    char buf[1024];
    for (uint64_t i = 0; i < count; i++) {
        unsigned w = rng_below(&g.r, 10000);
        int type = 0;
        while (w >= type_weight[type])
            w -= type_weight[type++];
        size_t n;
        do
            n = gen_value(&g, type, buf);
        while (!map_put(&g.vals, hstr(buf, n), 1));

        unsigned t = rng_below(&g.r, 100), s = rng_below(&g.r, 100), k = 0;
        while (t >= tlp_w[k])
            t -= tlp_w[k++];
        const char *tlp = tlps[k];
        k = 0;
        while (s >= sev_w[k])
            s -= sev_w[k++];
        const char *sev = sevs[k];
        /* Indicators come in advisories of a few hundred. */
        if (i == 0 || rng_below(&g.r, 200) == 0) {
            const char *cc = PICK(&g.r, COUNTRIES);
            unsigned num = 1 + rng_below(&g.r, 9999);
            srclen = snprintf(src, sizeof(src), "CERT-%s-2026-%04u", cc, num);
        }

        fputs(type_names[type], fo);
        fputc(',', fo);
        csv_field(fo, buf, n);
        fprintf(fo, ",%s,%s,%.*s\n", tlp, sev, srclen, src);
        /* The plain matchable text: a CIDR as its network address. */
        size_t pn = n;
        if (type == T_CIDR) pn = (size_t)((char *)memchr(buf, '/', n) - buf);
        if (fp) {
            fwrite(buf, 1, pn, fp);
            fputc('\n', fp);
        }
        if (fy) {
            if (i % YARA_PER_RULE == 0) {
                if (i) fputs("    condition:\n        any of them\n}\n\n", fy);
                fprintf(fy, "rule trawl_bench_%04u\n{\n    strings:\n",
                        (unsigned)(i / YARA_PER_RULE));
            }
            fprintf(fy, "        $s%u = \"", (unsigned)(i % YARA_PER_RULE));
            yara_string(fy, buf, pn);
            fputs("\" nocase fullword\n", fy);
        }
    }
    if (fy && count) fputs("    condition:\n        any of them\n}\n", fy);
    close_out(fo, out);
    close_out(fp, patterns);
    close_out(fy, yara);
    map_free(&g.vals);
    map_free(&g.regs);
    map_free(&g.ips);
    free(g.cidr24);
    free(g.ip24);
    return 0;
}

/* ==== logs ================================================================================ */

enum { K_PROXY, K_DNS, K_WEB, K_SYSLOG, K_JSON, K_COUNT };
static const char *const kind_names[K_COUNT] = {"proxy", "dns", "web", "syslog", "json"};
static const unsigned kind_weight[K_COUNT] = {25, 20, 25, 15, 15};

#define IPISH (B(T_IPV4) | B(T_CIDR) | B(T_IPV6))
/* Which indicator types each log kind can carry, as hits and as near-misses. */
static const unsigned hit_mask[K_COUNT] = {
    [K_PROXY] = IPISH | B(T_DOMAIN) | B(T_URL) | B(T_FILENAME),
    [K_DNS] = IPISH | B(T_DOMAIN),
    [K_WEB] = IPISH | B(T_DOMAIN) | B(T_URL) | B(T_FILENAME) | B(T_STRING),
    [K_SYSLOG] = IPISH | B(T_DOMAIN) | B(T_EMAIL) | B(T_FILENAME) | B(T_STRING),
    [K_JSON] = IPISH | B(T_DOMAIN) | B(T_URL) | B(T_EMAIL) | B(T_MD5) | B(T_SHA1) | B(T_SHA256) |
               B(T_FILENAME) | B(T_STRING),
};
static const unsigned near_mask[K_COUNT] = {
    [K_PROXY] = B(T_IPV4) | B(T_DOMAIN) | B(T_FILENAME),
    [K_DNS] = B(T_IPV4) | B(T_DOMAIN),
    [K_WEB] = B(T_IPV4) | B(T_FILENAME),
    [K_SYSLOG] = B(T_IPV4) | B(T_EMAIL) | B(T_FILENAME),
    [K_JSON] =
        B(T_IPV4) | B(T_DOMAIN) | B(T_EMAIL) | B(T_MD5) | B(T_SHA1) | B(T_SHA256) | B(T_FILENAME),
};

struct ioc {
    uint32_t off; /* into the value arena */
    uint16_t len;
    uint8_t type;
    uint8_t plen; /* cidr prefix length */
    uint32_t net; /* cidr network / ipv4 address */
    uint8_t plantable;
};

struct str {
    const char *s;
    uint32_t n;
};

struct pool {
    struct str *v;
    uint32_t n, cap;
    struct trawl_buf a;
};

static void pool_add(struct pool *p, const char *s, size_t n)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    /* Offsets now, pointers once the arena stops moving (pool_seal). */
    p->v[p->n].s = (const char *)(uintptr_t)p->a.len;
    p->v[p->n].n = (uint32_t)n;
    p->n++;
    if (trawl_buf_put(&p->a, s, n)) {
        fprintf(stderr, "trawl-gen: out of memory\n");
        exit(2);
    }
}

static void pool_seal(struct pool *p)
{
    for (uint32_t i = 0; i < p->n; i++)
        p->v[i].s = p->a.data + (uintptr_t)p->v[i].s;
}

static inline char *put_pool(char *p, const struct pool *pl, struct rng *r)
{
    const struct str *s = &pl->v[rng_skew(r, pl->n)];
    return put(p, s->s, s->n);
}

struct plant {
    int near;     /* 0: hit, 1: near-miss */
    uint32_t idx; /* indicator */
    int type;
    const char *txt; /* value, or the near-miss text */
    size_t len;
};

struct pend {
    uint64_t off;
    uint32_t idx;
    int near;
};

#define OUT_CHUNK (4u << 20)
#define LINE_MAX_BYTES 8192

struct lg {
    struct rng rb, rp; /* benign content, planting decisions */
    /* output */
    char *buf;
    size_t len;
    uint64_t base;
    FILE *f;
    /* indicators */
    struct ioc *v;
    size_t n;
    char *arena;
    struct map dom, forbid, ip4, cidr, vals;
    uint8_t blocked16[65536 / 8];
    /* candidates for planting */
    uint32_t *hit_c, *near_c;
    size_t n_hit_c, n_near_c;
    unsigned kinds; /* active kinds bitmask */
    /* benign pools */
    struct pool hosts, pub, priv, v6, paths, uas, users, hostnames, winpaths, files, subjects;
    /* time */
    uint64_t sec;
    unsigned ms;
    char ts_epoch[24], ts_sys[48], ts_bind[48], ts_web[64], ts_json[64];
    size_t ts_epoch_len;
    /* pending truth records for the line being built */
    struct pend pend[16];
    int npend;
    char near_txt[512];
    size_t near_len;
    uint64_t hits, nears;
};

static inline const char *ival(const struct lg *g, uint32_t idx)
{
    return g->arena + g->v[idx].off;
}

static inline uint64_t off_of(const struct lg *g, const char *q)
{
    return g->base + (uint64_t)(q - g->buf);
}

static void rec(struct lg *g, const char *at, uint32_t idx, int near)
{
    if (g->npend < (int)NELEM(g->pend))
        g->pend[g->npend++] = (struct pend){off_of(g, at), idx, near};
}

/* Records every domain indicator that is a dot-suffix of the host at h (normally exactly the
 * planted one; more when an indicator set nests domains). */
static void rec_domains(struct lg *g, const char *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && h[i - 1] != '.') continue;
        const uint32_t *v = map_get(&g->dom, hstr(h + i, n - i));
        if (v) rec(g, h + i, *v, 0);
    }
}

static int ip_listed(const struct lg *g, uint32_t ip)
{
    if (map_get(&g->ip4, ip)) return 1;
    for (unsigned l = 0; l <= 32; l++)
        if (map_get(&g->cidr, cidr_key(ip & prefix_mask(l), l))) return 1;
    return 0;
}

/* Records the ipv4 indicator equal to ip and every CIDR indicator containing it. */
static void rec_ip(struct lg *g, const char *at, uint32_t ip)
{
    const uint32_t *v = map_get(&g->ip4, ip);
    if (v) rec(g, at, *v, 0);
    for (unsigned l = 0; l <= 32; l++) {
        v = map_get(&g->cidr, cidr_key(ip & prefix_mask(l), l));
        if (v) rec(g, at, *v, 0);
    }
}

/* ---- benign material ---- */

static uint32_t benign_pub_ip(struct lg *g)
{
    for (;;) {
        uint32_t ip = ip_draw(&g->rb, PICK(&g->rb, BENIGN_OCTETS));
        if (!bit_get(g->blocked16, ip >> 16) && !ip_listed(g, ip)) return ip;
    }
}

static uint32_t benign_priv_ip(struct rng *r)
{
    uint32_t kind = rng_below(r, 3), a, b, c;
    switch (kind) {
    case 0:
        a = rng_below(r, 65536);
        b = 1 + rng_below(r, 254);
        return 10u << 24 | a << 8 | b;
    case 1:
        a = rng_below(r, 4);
        b = 2 + rng_below(r, 250);
        return 0xc0a80000u | a << 8 | b;
    default:
        a = 16 + rng_below(r, 16);
        b = rng_below(r, 256);
        c = 1 + rng_below(r, 254);
        return 172u << 24 | a << 16 | b << 8 | c;
    }
}

static void build_pools(struct lg *g)
{
    char b[512];
    char *p;
    static const char *const subs[] = {"www",    "cdn", "api", "static", "img",  "mail", "login",
                                       "assets", "s3",  "m",   "shop",   "news", "blog", "media"};
    while (g->hosts.n < 4096) {
        if (rng_pct(&g->rb, 25)) {
            p = put_str(b, PICK(&g->rb, REAL_HOSTS));
        } else {
            p = b;
            if (rng_pct(&g->rb, 70)) {
                p = put_str(p, PICK(&g->rb, subs));
                *p++ = '.';
            }
            p = put_syllables(p, &g->rb, 2 + rng_below(&g->rb, 3));
            if (rng_pct(&g->rb, 20)) {
                *p++ = '-';
                p = put_str(p, PICK(&g->rb, WORDS));
            }
            *p++ = '.';
            p = put_str(p, PICK(&g->rb, BENIGN_TLDS));
        }
        if (!map_get(&g->forbid, hreg(b, (size_t)(p - b)))) pool_add(&g->hosts, b, (size_t)(p - b));
    }
    for (int i = 0; i < 8192; i++) {
        p = put_ip4(b, benign_pub_ip(g));
        pool_add(&g->pub, b, (size_t)(p - b));
    }
    for (int i = 0; i < 1024; i++) {
        p = put_ip4(b, benign_priv_ip(&g->rb));
        pool_add(&g->priv, b, (size_t)(p - b));
    }
    for (int i = 0; i < 256; i++) {
        /* 2600::/12 and fe80::/10: never the 2a00/2400 ranges of generated indicators. */
        p = b;
        if (rng_pct(&g->rb, 20)) {
            PUTS(p, "fe80::");
            p = put_hex16(p, 1 + rng_below(&g->rb, 65535));
            for (int k = 0; k < 3; k++) {
                *p++ = ':';
                p = put_hex16(p, 1 + rng_below(&g->rb, 65535));
            }
        } else {
            p = put_hex16(p, 0x2600 + rng_below(&g->rb, 16));
            for (int k = 0; k < 7; k++) {
                *p++ = ':';
                p = put_hex16(p, 1 + rng_below(&g->rb, 65535));
            }
        }
        if (!map_get(&g->vals, hstr(b, (size_t)(p - b)))) pool_add(&g->v6, b, (size_t)(p - b));
    }
    static const char *const dirs[] = {"api/v1/items",  "api/v2/users", "static/js", "static/css",
                                       "images",        "assets/img",   "blog",      "news",
                                       "products",      "search",       "account",   "cart",
                                       "wp-json/wp/v2", "media"};
    static const char *const tails[] = {"index.html",  "app.js",      "main.css",      "logo.png",
                                        "favicon.ico", "style.css",   "bundle.min.js", "feed.xml",
                                        "robots.txt",  "sitemap.xml", "data.json",     "thumb.jpg"};
    for (int i = 0; i < 2048; i++) {
        p = b;
        *p++ = '/';
        unsigned u = rng_below(&g->rb, 4);
        if (u == 0) {
            p = put_str(p, PICK(&g->rb, tails));
        } else {
            p = put_str(p, PICK(&g->rb, dirs));
            *p++ = '/';
            if (u == 1)
                p = put_u(p, rng_below(&g->rb, 1000000));
            else if (u == 2)
                p = put_str(p, PICK(&g->rb, tails));
            else {
                p = put_hex(p, &g->rb, 8);
                PUTS(p, ".js");
            }
            if (rng_pct(&g->rb, 20)) {
                PUTS(p, "?page=");
                p = put_u(p, 1 + rng_below(&g->rb, 50));
            }
        }
        pool_add(&g->paths, b, (size_t)(p - b));
    }
    static const char *const uas[] = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.6099.109 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.2 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/119.0.6045.199 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        "curl/7.88.1",
        "Microsoft-CryptoAPI/10.0",
        "python-requests/2.31.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Debian APT-HTTP/1.3 (2.6.1)",
    };
    for (size_t i = 0; i < NELEM(uas); i++)
        pool_add(&g->uas, uas[i], strlen(uas[i]));
    for (size_t i = 0; i < NELEM(FIRST); i++) {
        pool_add(&g->users, FIRST[i], strlen(FIRST[i]));
        p = put_str(b, FIRST[i]);
        *p++ = '.';
        p = put_str(p, PICK(&g->rb, LAST));
        pool_add(&g->users, b, (size_t)(p - b));
    }
    static const char *const hns[] = {"web01",  "web02", "mail", "mx1",     "fw-edge-2", "db01",
                                      "vpn-gw", "dns1",  "ns2",  "build-7", "proxy1",    "app03"};
    for (size_t i = 0; i < NELEM(hns); i++)
        pool_add(&g->hostnames, hns[i], strlen(hns[i]));
    static const char *const wins[] = {
        "C:\\\\Windows\\\\System32\\\\svchost.exe",
        "C:\\\\Windows\\\\explorer.exe",
        "C:\\\\Program Files\\\\Google\\\\Chrome\\\\Application\\\\chrome.exe",
        "C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe",
        "C:\\\\Program Files\\\\Microsoft Office\\\\root\\\\Office16\\\\OUTLOOK.EXE",
        "C:\\\\Windows\\\\System32\\\\cmd.exe",
        "C:\\\\Windows\\\\System32\\\\rundll32.exe",
        "C:\\\\Program Files (x86)\\\\Microsoft\\\\Edge\\\\Application\\\\msedge.exe",
    };
    for (size_t i = 0; i < NELEM(wins); i++)
        pool_add(&g->winpaths, wins[i], strlen(wins[i]));
    static const char *const files[] = {
        "report.pdf",      "setup.exe",   "backup.tar.gz", "notes.txt", "photo.jpg",
        "Q3-results.xlsx", "agenda.docx", "update.msi",    "logrotate", "sessionclean"};
    for (size_t i = 0; i < NELEM(files); i++)
        if (!map_get(&g->vals, hstr(files[i], strlen(files[i]))))
            pool_add(&g->files, files[i], strlen(files[i]));
    static const char *const subjects[] = {
        "Meeting notes",          "Re: invoice", "Weekly report",       "Your order has shipped",
        "Password expiry notice", "Lunch?",      "Fwd: contract draft", "Build failed"};
    for (size_t i = 0; i < NELEM(subjects); i++)
        pool_add(&g->subjects, subjects[i], strlen(subjects[i]));

    struct pool *all[] = {&g->hosts, &g->pub,       &g->priv,     &g->v6,    &g->paths,   &g->uas,
                          &g->users, &g->hostnames, &g->winpaths, &g->files, &g->subjects};
    for (size_t i = 0; i < NELEM(all); i++)
        pool_seal(all[i]);
}

/* ---- time ---- */

static const char *const MON[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static void refresh_time(struct lg *g)
{
    int64_t days = (int64_t)(g->sec / 86400);
    unsigned sod = (unsigned)(g->sec % 86400), hh = sod / 3600, mi = sod / 60 % 60, ss = sod % 60;
    /* civil_from_days (H. Hinnant) */
    days += 719468;
    int64_t era = days / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int y = (int)(yoe + era * 400 + (m <= 2));
    g->ts_epoch_len = (size_t)(put_u(g->ts_epoch, g->sec) - g->ts_epoch);
    snprintf(g->ts_sys, sizeof(g->ts_sys), "%s %2u %02u:%02u:%02u", MON[m - 1], d, hh, mi, ss);
    snprintf(g->ts_bind, sizeof(g->ts_bind), "%02u-%s-%04d %02u:%02u:%02u", d, MON[m - 1], y, hh,
             mi, ss);
    snprintf(g->ts_web, sizeof(g->ts_web), "[%02u/%s/%04d:%02u:%02u:%02u +0000]", d, MON[m - 1], y,
             hh, mi, ss);
    snprintf(g->ts_json, sizeof(g->ts_json), "%04d-%02u-%02uT%02u:%02u:%02u", y, m, d, hh, mi, ss);
}

static void tick(struct lg *g)
{
    g->ms += rng_below(&g->rb, 4);
    if (g->ms >= 1000) {
        g->ms -= 1000;
        g->sec++;
        refresh_time(g);
    }
}

/* ---- fields that may carry a planted value ---- */

static inline int is_ipish(const struct plant *pl)
{
    return pl && (pl->near ? pl->type == T_IPV4 : (B(pl->type) & IPISH) != 0);
}

static inline int wants(const struct plant *pl, int type)
{
    return pl && pl->type == type;
}

/* IP field: an ipv4/ipv6 indicator, an address inside a CIDR indicator, an IPv4 near-miss. */
static char *f_ip(struct lg *g, char *p, const struct plant *pl)
{
    if (pl->near) {
        rec(g, p, pl->idx, 1);
        return put(p, pl->txt, pl->len);
    }
    if (pl->type == T_CIDR) {
        const struct ioc *c = &g->v[pl->idx];
        uint32_t host = c->plen >= 32 ? 0 : (uint32_t)rng_next(&g->rp) & ~prefix_mask(c->plen);
        uint32_t ip = c->net | host;
        rec_ip(g, p, ip);
        return put_ip4(p, ip);
    }
    if (pl->type == T_IPV4)
        rec_ip(g, p, g->v[pl->idx].net);
    else
        rec(g, p, pl->idx, 0);
    return put(p, pl->txt, pl->len);
}

/* Host field: a domain indicator, possibly as a subdomain "a.b.<domain>", or a near-miss. */
static char *f_host(struct lg *g, char *p, const struct plant *pl)
{
    if (pl->near) {
        rec(g, p, pl->idx, 1);
        return put(p, pl->txt, pl->len);
    }
    char *h = p;
    unsigned u = rng_below(&g->rp, 100);
    if (u < 15)
        PUTS(p, "www.");
    else if (u < 25)
        PUTS(p, "cdn.");
    else if (u < 40) {
        p = put_syllables(p, &g->rp, 1);
        *p++ = '.';
        p = put_syllables(p, &g->rp, 1);
        *p++ = '.';
    }
    p = put(p, pl->txt, pl->len);
    rec_domains(g, h, (size_t)(p - h));
    return p;
}

/* Host part of a URL ("scheme://host[:port]/..."). */
static void url_host(const char *u, size_t n, size_t *hs, size_t *he)
{
    const char *s = memchr(u, ':', n);
    size_t i = (s && s + 2 < u + n && s[1] == '/' && s[2] == '/') ? (size_t)(s - u) + 3 : 0;
    size_t j = i;
    while (j < n && u[j] != '/' && u[j] != ':' && u[j] != '?' && u[j] != '#')
        j++;
    *hs = i;
    *he = j;
}

static char *f_url(struct lg *g, char *p, const struct plant *pl)
{
    char *u = p;
    rec(g, p, pl->idx, 0);
    size_t hs, he;
    url_host(pl->txt, pl->len, &hs, &he);
    uint32_t ip;
    p = put(p, pl->txt, pl->len);
    if (!parse_ip4(pl->txt + hs, he - hs, &ip))
        rec_ip(g, u + hs, ip);
    else
        rec_domains(g, u + hs, he - hs);
    /* URL indicators match as a prefix: extra query after them is still a hit. */
    if (rng_pct(&g->rp, 50)) {
        *p++ = memchr(pl->txt, '?', pl->len) ? '&' : '?';
        PUTS(p, "r=");
        p = put_u(p, rng_below(&g->rp, 100000));
    }
    return p;
}

static char *f_email(struct lg *g, char *p, const struct plant *pl)
{
    rec(g, p, pl->idx, pl->near);
    char *e = p;
    p = put(p, pl->txt, pl->len);
    if (!pl->near) {
        char *at = memchr(e, '@', pl->len);
        if (at) rec_domains(g, at + 1, (size_t)(p - at - 1));
    }
    return p;
}

static char *f_plain(struct lg *g, char *p, const struct plant *pl)
{
    rec(g, p, pl->idx, pl->near);
    return put(p, pl->txt, pl->len);
}

/* ---- line templates ---- */

static char *benign_host(struct lg *g, char *p)
{
    return put_pool(p, &g->hosts, &g->rb);
}

static char *line_proxy(struct lg *g, char *p, const struct plant *pl)
{
    static const char *const codes[] = {"TCP_MISS/200",   "TCP_MISS/200", "TCP_TUNNEL/200",
                                        "TCP_HIT/200",    "TCP_MISS/304", "TCP_MISS/404",
                                        "TCP_DENIED/403", "TCP_MISS/301"};
    static const char *const ctypes[] = {
        "text/html", "application/json", "image/png", "application/javascript", "text/css", "-"};
    int ipslot = 0;
    if (is_ipish(pl)) ipslot = pl->type == T_IPV6 ? 1 : 1 + (int)rng_below(&g->rp, 3);
    p = put(p, g->ts_epoch, g->ts_epoch_len);
    *p++ = '.';
    p = put_uw(p, g->ms, 3);
    unsigned el = 1 + rng_skew(&g->rb, 30000);
    for (unsigned w = el < 10 ? 5 : el < 100 ? 4 : el < 1000 ? 3 : el < 10000 ? 2 : 1; w; w--)
        *p++ = ' ';
    *p++ = ' ';
    p = put_u(p, el);
    *p++ = ' ';
    p = ipslot == 1 ? f_ip(g, p, pl) : put_pool(p, &g->priv, &g->rb);
    *p++ = ' ';
    p = put_str(p, PICK(&g->rb, codes));
    *p++ = ' ';
    p = put_u(p, 200 + rng_skew(&g->rb, 200000));
    if (wants(pl, T_URL)) {
        PUTS(p, " GET ");
        p = f_url(g, p, pl);
    } else if (wants(pl, T_DOMAIN) && rng_pct(&g->rp, 40)) {
        PUTS(p, " CONNECT ");
        p = f_host(g, p, pl);
        PUTS(p, ":443");
    } else {
        PUTS(p, " GET http://");
        if (wants(pl, T_DOMAIN))
            p = f_host(g, p, pl);
        else if (ipslot == 2)
            p = f_ip(g, p, pl);
        else
            p = benign_host(g, p);
        if (wants(pl, T_FILENAME)) {
            PUTS(p, "/download/");
            p = f_plain(g, p, pl);
        } else {
            p = put_pool(p, &g->paths, &g->rb);
        }
    }
    PUTS(p, " - HIER_DIRECT/");
    p = ipslot == 3 ? f_ip(g, p, pl) : put_pool(p, &g->pub, &g->rb);
    *p++ = ' ';
    p = put_str(p, PICK(&g->rb, ctypes));
    *p++ = '\n';
    return p;
}

static char *line_dns(struct lg *g, char *p, const struct plant *pl)
{
    static const char *const qtypes[] = {"A", "A", "A", "AAAA", "AAAA", "HTTPS", "MX", "TXT"};
    int dom = wants(pl, T_DOMAIN);
    if (!is_ipish(pl) && rng_pct(&g->rb, 50)) {
        /* BIND query log: the name appears twice. */
        p = put(p, g->ts_bind, 20);
        *p++ = '.';
        p = put_uw(p, g->ms, 3);
        PUTS(p, " queries: info: client @0x7f");
        p = put_hex(p, &g->rb, 10);
        *p++ = ' ';
        p = put_pool(p, &g->priv, &g->rb);
        *p++ = '#';
        p = put_u(p, 1024 + rng_below(&g->rb, 64000));
        PUTS(p, " (");
        char *h0 = p;
        p = dom ? f_host(g, p, pl) : benign_host(g, p);
        size_t hl = (size_t)(p - h0);
        PUTS(p, "): query: ");
        char *h1 = p;
        memmove(p, h0, hl);
        p += hl;
        if (dom) {
            if (pl->near)
                rec(g, h1, pl->idx, 1);
            else
                rec_domains(g, h1, hl);
        }
        PUTS(p, " IN ");
        p = put_str(p, PICK(&g->rb, qtypes));
        PUTS(p, " +E(0) (");
        p = put_pool(p, &g->priv, &g->rb);
        PUTS(p, ")\n");
        return p;
    }
    p = put(p, g->ts_sys, 15);
    PUTS(p, " dns1 dnsmasq[");
    p = put_u(p, 700 + rng_below(&g->rb, 200));
    PUTS(p, "]: ");
    unsigned u = is_ipish(pl) ? 2 : rng_below(&g->rb, 4);
    switch (u) {
    case 0:
        PUTS(p, "query[");
        p = put_str(p, PICK(&g->rb, qtypes));
        PUTS(p, "] ");
        p = dom ? f_host(g, p, pl) : benign_host(g, p);
        PUTS(p, " from ");
        p = put_pool(p, &g->priv, &g->rb);
        break;
    case 1:
        PUTS(p, "forwarded ");
        p = dom ? f_host(g, p, pl) : benign_host(g, p);
        PUTS(p, " to ");
        p = put_pool(p, &g->priv, &g->rb);
        break;
    default:
        p = u == 2 ? put_str(p, "reply ") : put_str(p, "cached ");
        p = dom ? f_host(g, p, pl) : benign_host(g, p);
        PUTS(p, " is ");
        if (is_ipish(pl))
            p = f_ip(g, p, pl);
        else if (rng_pct(&g->rb, 15))
            p = put_pool(p, &g->v6, &g->rb);
        else
            p = put_pool(p, &g->pub, &g->rb);
        break;
    }
    *p++ = '\n';
    return p;
}

static char *line_web(struct lg *g, char *p, const struct plant *pl)
{
    static const char *const methods[] = {"GET", "GET", "GET", "GET", "POST", "HEAD"};
    static const char *const status[] = {"200", "200", "200", "304", "404", "301", "302", "500"};
    p = is_ipish(pl)
            ? f_ip(g, p, pl)
            : (rng_pct(&g->rb, 10) ? put_pool(p, &g->v6, &g->rb) : put_pool(p, &g->pub, &g->rb));
    PUTS(p, " - ");
    if (rng_pct(&g->rb, 15))
        p = put_pool(p, &g->users, &g->rb);
    else
        *p++ = '-';
    *p++ = ' ';
    p = put(p, g->ts_web, 28);
    PUTS(p, " \"");
    p = put_str(p, PICK(&g->rb, methods));
    *p++ = ' ';
    if (wants(pl, T_FILENAME)) {
        PUTS(p, "/downloads/");
        p = f_plain(g, p, pl);
    } else {
        p = put_pool(p, &g->paths, &g->rb);
    }
    PUTS(p, " HTTP/1.1\" ");
    p = put_str(p, PICK(&g->rb, status));
    *p++ = ' ';
    p = put_u(p, rng_skew(&g->rb, 100000));
    PUTS(p, " \"");
    if (wants(pl, T_URL)) {
        p = f_url(g, p, pl);
    } else if (wants(pl, T_DOMAIN)) {
        PUTS(p, "https://");
        p = f_host(g, p, pl);
        *p++ = '/';
    } else if (rng_pct(&g->rb, 50)) {
        *p++ = '-';
    } else {
        PUTS(p, "https://");
        p = benign_host(g, p);
        p = put_pool(p, &g->paths, &g->rb);
    }
    PUTS(p, "\" \"");
    p = wants(pl, T_STRING) ? f_plain(g, p, pl) : put_pool(p, &g->uas, &g->rb);
    PUTS(p, "\"\n");
    return p;
}

static char *put_qid(struct rng *r, char *p)
{
    static const char up[] = "0123456789ABCDEF";
    for (int i = 0; i < 10; i++)
        *p++ = up[rng_below(r, 16)];
    return p;
}

static char *benign_email(struct lg *g, char *p)
{
    p = put_pool(p, &g->users, &g->rb);
    *p++ = '@';
    return benign_host(g, p);
}

static char *line_syslog(struct lg *g, char *p, const struct plant *pl)
{
    static const char *const sysprog[] = {"systemd[1]: Started Session ",
                                          "CRON[",
                                          "sshd[",
                                          "postfix/qmgr[",
                                          "postfix/smtp[",
                                          "kernel: [",
                                          "postfix/smtpd[",
                                          "sshd["};
    p = put(p, g->ts_sys, 15);
    *p++ = ' ';
    p = put_pool(p, &g->hostnames, &g->rb);
    *p++ = ' ';
    unsigned u;
    if (!pl)
        u = rng_below(&g->rb, (uint32_t)NELEM(sysprog));
    else if (is_ipish(pl))
        u = (pl->type == T_IPV6 || rng_pct(&g->rp, 70)) ? 2 : 5;
    else if (pl->type == T_EMAIL)
        u = rng_pct(&g->rp, 50) ? 3 : 4;
    else if (pl->type == T_DOMAIN)
        u = 6;
    else if (pl->type == T_FILENAME)
        u = 1;
    else
        u = 8; /* string */
    unsigned pid = 1000 + rng_below(&g->rb, 60000);
    switch (u) {
    case 0:
        p = put_str(p, sysprog[0]);
        p = put_u(p, 1 + rng_below(&g->rb, 90000));
        PUTS(p, " of user ");
        p = put_pool(p, &g->users, &g->rb);
        *p++ = '.';
        break;
    case 1:
        PUTS(p, "CRON[");
        p = put_u(p, pid);
        PUTS(p, "]: (");
        if (pl) {
            p = put_pool(p, &g->users, &g->rb);
            PUTS(p, ") CMD (/tmp/");
            p = f_plain(g, p, pl);
            PUTS(p, " >/dev/null 2>&1)");
        } else {
            PUTS(p, "root) CMD (/usr/lib/php/");
            p = put_pool(p, &g->files, &g->rb);
            PUTS(p, ")");
        }
        break;
    case 2: {
        PUTS(p, "sshd[");
        p = put_u(p, pid);
        PUTS(p, "]: ");
        unsigned v = rng_below(&g->rb, 3);
        if (v == 0) {
            PUTS(p, "Accepted publickey for ");
            p = put_pool(p, &g->users, &g->rb);
        } else if (v == 1) {
            PUTS(p, "Failed password for invalid user ");
            p = put_pool(p, &g->users, &g->rb);
        } else {
            PUTS(p, "Disconnected from user ");
            p = put_pool(p, &g->users, &g->rb);
        }
        PUTS(p, " from ");
        p = is_ipish(pl) ? f_ip(g, p, pl) : put_pool(p, &g->pub, &g->rb);
        PUTS(p, " port ");
        p = put_u(p, 1024 + rng_below(&g->rb, 64000));
        if (v == 0) {
            PUTS(p, " ssh2: ED25519 SHA256:");
            p = put_alnum(p, &g->rb, 43, 1);
        } else if (v == 1) {
            PUTS(p, " ssh2");
        }
        break;
    }
    case 3:
        PUTS(p, "postfix/qmgr[");
        p = put_u(p, pid);
        PUTS(p, "]: ");
        p = put_qid(&g->rb, p);
        PUTS(p, ": from=<");
        p = pl ? f_email(g, p, pl) : benign_email(g, p);
        PUTS(p, ">, size=");
        p = put_u(p, 800 + rng_skew(&g->rb, 2000000));
        PUTS(p, ", nrcpt=1 (queue active)");
        break;
    case 4:
        PUTS(p, "postfix/smtp[");
        p = put_u(p, pid);
        PUTS(p, "]: ");
        p = put_qid(&g->rb, p);
        PUTS(p, ": to=<");
        p = pl ? f_email(g, p, pl) : benign_email(g, p);
        PUTS(p, ">, relay=");
        p = benign_host(g, p);
        *p++ = '[';
        p = put_pool(p, &g->pub, &g->rb);
        PUTS(p, "]:25, delay=");
        p = put_u(p, rng_below(&g->rb, 5));
        *p++ = '.';
        p = put_u(p, rng_below(&g->rb, 10));
        PUTS(p, ", dsn=2.0.0, status=sent (250 2.0.0 OK)");
        break;
    case 5:
        PUTS(p, "kernel: [");
        p = put_u(p, 1000 + rng_below(&g->rb, 9000000));
        *p++ = '.';
        p = put_uw(p, rng_below(&g->rb, 1000000), 6);
        PUTS(p, "] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:");
        p = put_hex(p, &g->rb, 2);
        *p++ = ':';
        p = put_hex(p, &g->rb, 2);
        *p++ = ':';
        p = put_hex(p, &g->rb, 2);
        PUTS(p, " SRC=");
        p = is_ipish(pl) ? f_ip(g, p, pl) : put_pool(p, &g->pub, &g->rb);
        PUTS(p, " DST=");
        p = put_pool(p, &g->priv, &g->rb);
        PUTS(p, " LEN=60 TOS=0x00 PREC=0x00 TTL=");
        p = put_u(p, 40 + rng_below(&g->rb, 200));
        PUTS(p, " ID=");
        p = put_u(p, rng_below(&g->rb, 65536));
        PUTS(p, " DF PROTO=TCP SPT=");
        p = put_u(p, 1024 + rng_below(&g->rb, 64000));
        PUTS(p, " DPT=");
        p = put_u(p, rng_pct(&g->rb, 50) ? 22 : 1 + rng_below(&g->rb, 10000));
        PUTS(p, " WINDOW=64240 RES=0x00 SYN URGP=0");
        break;
    case 6:
        PUTS(p, "postfix/smtpd[");
        p = put_u(p, pid);
        PUTS(p, "]: connect from ");
        p = wants(pl, T_DOMAIN) ? f_host(g, p, pl) : benign_host(g, p);
        *p++ = '[';
        p = put_pool(p, &g->pub, &g->rb);
        *p++ = ']';
        break;
    case 7:
        PUTS(p, "sshd[");
        p = put_u(p, pid);
        PUTS(p, "]: pam_unix(sshd:session): session opened for user ");
        p = put_pool(p, &g->users, &g->rb);
        PUTS(p, "(uid=");
        p = put_u(p, 1000 + rng_below(&g->rb, 500));
        PUTS(p, ") by (uid=0)");
        break;
    default:
        PUTS(p, "logger[");
        p = put_u(p, pid);
        PUTS(p, "]: edr alert: matched content \"");
        p = f_plain(g, p, pl);
        *p++ = '"';
        break;
    }
    *p++ = '\n';
    return p;
}

/* A hash field: a hash indicator, a near-miss hex run, or random hex. */
static char *f_hash(struct lg *g, char *p, const struct plant *pl, int type, int n)
{
    if (pl && (pl->near ? (type == T_SHA256 && (B(pl->type) & (B(T_MD5) | B(T_SHA1) | B(T_SHA256))))
                        : pl->type == type))
        return f_plain(g, p, pl);
    return put_hex(p, &g->rb, n);
}

static char *line_json(struct lg *g, char *p, const struct plant *pl)
{
    static const char *const events[] = {"process", "network", "http", "email"};
    unsigned ev;
    if (!pl)
        ev = rng_below(&g->rb, 4);
    else if (B(pl->type) & (B(T_MD5) | B(T_SHA1) | B(T_SHA256) | B(T_STRING)))
        ev = 0;
    else if (pl->type == T_FILENAME)
        ev = rng_pct(&g->rp, 50) ? 0 : 3;
    else if (is_ipish(pl))
        ev = rng_pct(&g->rp, 50) ? 1 : 2;
    else if (pl->type == T_DOMAIN)
        ev = 1;
    else if (pl->type == T_URL)
        ev = 2;
    else
        ev = 3; /* email */
    PUTS(p, "{\"ts\":\"");
    p = put(p, g->ts_json, 19);
    *p++ = '.';
    p = put_uw(p, g->ms, 3);
    PUTS(p, "Z\",\"event\":\"");
    p = put_str(p, events[ev]);
    PUTS(p, "\",\"hostname\":\"ws-");
    p = put_uw(p, rng_skew(&g->rb, 5000), 4);
    PUTS(p, ".corp.local\",\"user\":\"");
    p = put_pool(p, &g->users, &g->rb);
    *p++ = '"';
    switch (ev) {
    case 0:
        PUTS(p, ",\"process\":\"");
        if (wants(pl, T_FILENAME)) {
            PUTS(p, "C:\\\\Users\\\\");
            p = put_pool(p, &g->users, &g->rb);
            PUTS(p, "\\\\AppData\\\\Local\\\\Temp\\\\");
            p = f_plain(g, p, pl);
        } else {
            p = put_pool(p, &g->winpaths, &g->rb);
        }
        PUTS(p, "\",\"pid\":");
        p = put_u(p, 4 + rng_below(&g->rb, 40000));
        if (wants(pl, T_STRING)) {
            PUTS(p, ",\"cmdline\":\"");
            p = f_plain(g, p, pl);
            *p++ = '"';
        }
        PUTS(p, ",\"sha256\":\"");
        p = f_hash(g, p, pl, T_SHA256, 64);
        PUTS(p, "\",\"sha1\":\"");
        p = f_hash(g, p, pl, T_SHA1, 40);
        PUTS(p, "\",\"md5\":\"");
        p = f_hash(g, p, pl, T_MD5, 32);
        *p++ = '"';
        break;
    case 1:
    case 2:
        PUTS(p, ",\"src_ip\":\"");
        p = put_pool(p, &g->priv, &g->rb);
        PUTS(p, "\",\"src_port\":");
        p = put_u(p, 1024 + rng_below(&g->rb, 64000));
        PUTS(p, ",\"dest_ip\":\"");
        p = is_ipish(pl) ? f_ip(g, p, pl) : put_pool(p, &g->pub, &g->rb);
        PUTS(p, "\",\"dest_port\":");
        p = put_u(p, ev == 2 ? 443 : rng_pct(&g->rb, 50) ? 443 : 1 + rng_below(&g->rb, 65535));
        if (ev == 1) {
            PUTS(p, ",\"proto\":\"tcp\",\"domain\":\"");
            p = wants(pl, T_DOMAIN) ? f_host(g, p, pl) : benign_host(g, p);
            PUTS(p, "\",\"bytes_out\":");
            p = put_u(p, rng_skew(&g->rb, 1000000));
        } else {
            PUTS(p, ",\"url\":\"");
            if (wants(pl, T_URL)) {
                p = f_url(g, p, pl);
            } else {
                PUTS(p, "https://");
                p = benign_host(g, p);
                p = put_pool(p, &g->paths, &g->rb);
            }
            PUTS(p, "\",\"status\":200");
        }
        break;
    default:
        PUTS(p, ",\"sender\":\"");
        p = wants(pl, T_EMAIL) ? f_email(g, p, pl) : benign_email(g, p);
        PUTS(p, "\",\"recipient\":\"");
        p = benign_email(g, p);
        PUTS(p, "\",\"subject\":\"");
        p = put_pool(p, &g->subjects, &g->rb);
        PUTS(p, "\",\"attachment\":\"");
        p = wants(pl, T_FILENAME) ? f_plain(g, p, pl) : put_pool(p, &g->files, &g->rb);
        *p++ = '"';
        break;
    }
    PUTS(p, "}\n");
    return p;
}

typedef char *(*line_fn)(struct lg *, char *, const struct plant *);
static const line_fn line_fns[K_COUNT] = {line_proxy, line_dns, line_web, line_syslog, line_json};

/* ---- planting ---- */

static int plantable_in(const struct lg *g, uint32_t idx, int kind, int near)
{
    const struct ioc *c = &g->v[idx];
    if (!c->plantable || !((near ? near_mask : hit_mask)[kind] & B(c->type))) return 0;
    const char *s = ival(g, idx);
    if (c->type == T_STRING) {
        if (kind == K_JSON && (memchr(s, '\\', c->len) || memchr(s, '"', c->len))) return 0;
        if (kind == K_WEB && memchr(s, '"', c->len)) return 0;
    }
    return 1;
}

static int pick_kind(struct lg *g, uint32_t idx, int near)
{
    int ks[K_COUNT], n = 0;
    for (int k = 0; k < K_COUNT; k++)
        if ((g->kinds & B(k)) && plantable_in(g, idx, k, near)) ks[n++] = k;
    return n ? ks[rng_below(&g->rp, (uint32_t)n)] : -1;
}

/* Is the text, read as a dotted quad, a listed address? Unparsable text is no address. */
static int near_ip_bad(const struct lg *g, const char *s, size_t n)
{
    uint32_t ip;
    return !parse_ip4(s, n, &ip) && ip_listed(g, ip);
}

/* Builds a near-miss for indicator idx in g->near_txt; 0 on success. The text must contain the
 * indicator at a position where a correct matcher rejects it, and must itself contain no other
 * indicator. */
static int make_near(struct lg *g, uint32_t idx)
{
    const struct ioc *c = &g->v[idx];
    const char *v = ival(g, idx);
    size_t n = c->len;
    char *b = g->near_txt, *p = b;
    unsigned variant = rng_below(&g->rp, 4);
    switch (c->type) {
    case T_IPV4:
        if (variant == 0 || variant == 3) { /* 1.2.3.4 -> 11.2.3.45 */
            *p++ = (char)('1' + rng_below(&g->rp, 9));
            p = put(p, v, n);
            *p++ = (char)('0' + rng_below(&g->rp, 10));
            if (near_ip_bad(g, b, (size_t)(p - b))) return -1;
        } else if (variant == 1) { /* 1.2.3.4 -> 1.2.3.4.5 */
            p = put(p, v, n);
            *p++ = '.';
            p = put_u(p, 1 + rng_below(&g->rp, 254));
            const char *dot = memchr(b, '.', (size_t)(p - b));
            if (near_ip_bad(g, dot + 1, (size_t)(p - dot - 1))) return -1;
        } else { /* 1.2.3.4 -> 21.2.3.4 */
            *p++ = (char)('1' + rng_below(&g->rp, 9));
            p = put(p, v, n);
            if (near_ip_bad(g, b, (size_t)(p - b))) return -1;
        }
        break;
    case T_DOMAIN: {
        static const char *const pre[] = {"not", "my", "x", "e", "get", "the"};
        static const char *const cc[] = {".au", ".uk", ".br", ".cn", ".pl"};
        static const char *const tail[] = {"munity", "x", "s", "pany", "e"};
        if (variant == 0 || variant == 3) { /* evil.com -> notevil.com, xevil.com */
            p = put_str(p, PICK(&g->rp, pre));
            p = put(p, v, n);
        } else if (variant == 1) { /* evil.com -> evil.com.au */
            p = put(p, v, n);
            p = put_str(p, PICK(&g->rp, cc));
        } else { /* evil.com -> evil.community */
            p = put(p, v, n);
            p = put_str(p, PICK(&g->rp, tail));
        }
        size_t m = (size_t)(p - b);
        for (size_t i = 0; i < m; i++)
            if ((i == 0 || b[i - 1] == '.') && map_get(&g->dom, hstr(b + i, m - i))) return -1;
        if (map_get(&g->forbid, hreg(b, m))) return -1;
        break;
    }
    case T_MD5:
    case T_SHA1:
    case T_SHA256: { /* inside a longer hex run: md5/sha1 in 64 hex, sha256 in 96 */
        int run = c->type == T_SHA256 ? 96 : 64;
        int at = 1 + (int)rng_below(&g->rp, (uint32_t)(run - (int)n - 1));
        p = put_hex(p, &g->rp, at);
        p = put(p, v, n);
        p = put_hex(p, &g->rp, run - at - (int)n);
        break;
    }
    case T_EMAIL: /* user@dom -> xuser@dom */
        *p++ = (char)('a' + rng_below(&g->rp, 26));
        p = put(p, v, n);
        if (map_get(&g->vals, hstr(b, (size_t)(p - b)))) return -1;
        break;
    case T_FILENAME: /* file.exe -> xfile.exe */
        *p++ = (char)('a' + rng_below(&g->rp, 26));
        p = put(p, v, n);
        if (map_get(&g->vals, hstr(b, (size_t)(p - b)))) return -1;
        break;
    default:
        return -1;
    }
    g->near_len = (size_t)(p - b);
    return 0;
}

/* ---- loading the indicator CSV ---- */

/* Splits one CSV field starting at *pp (handles "quoted, ""fields"""); unquotes in place. */
static char *csv_next(char **pp, char *end, size_t *len)
{
    char *p = *pp, *start = p;
    if (p < end && *p == '"') {
        char *w = p, *r = p + 1;
        start = w;
        while (r < end) {
            if (*r == '"') {
                if (r + 1 < end && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                    continue;
                }
                r++;
                break;
            }
            *w++ = *r++;
        }
        *len = (size_t)(w - start);
        while (r < end && *r != ',')
            r++;
        *pp = r < end ? r + 1 : end;
        return start;
    }
    while (p < end && *p != ',')
        p++;
    *len = (size_t)(p - start);
    *pp = p < end ? p + 1 : end;
    return start;
}

static void load_iocs(struct lg *g, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "trawl-gen logs: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    struct trawl_buf raw = {0};
    char tmp[1 << 16];
    size_t r;
    while ((r = fread(tmp, 1, sizeof(tmp), f)) > 0)
        if (trawl_buf_put(&raw, tmp, r)) {
            fprintf(stderr, "trawl-gen: out of memory\n");
            exit(2);
        }
    fclose(f);
    g->arena = raw.data ? raw.data : xcalloc(1, 1);
    size_t cap = 1024;
    g->v = xcalloc(cap, sizeof(*g->v));
    map_init(&g->vals, raw.len / 64 + 64);
    map_init(&g->dom, raw.len / 256 + 64);
    map_init(&g->forbid, raw.len / 256 + 64);
    map_init(&g->ip4, raw.len / 512 + 64);
    map_init(&g->cidr, 64);
    char *p = g->arena, *end = g->arena + raw.len;
    while (p < end) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        char *le = eol ? eol : end, *next = eol ? eol + 1 : end;
        if (le > p && le[-1] == '\r') le--;
        size_t tl, vl;
        char *q = p;
        char *ts = csv_next(&q, le, &tl);
        char *vs = csv_next(&q, le, &vl);
        int type = type_parse(ts, tl);
        p = next;
        if (type < 0 || vl == 0 || vl > 4000) continue;
        if (g->n == cap) {
            cap *= 2;
            g->v = xrealloc(g->v, cap * sizeof(*g->v));
        }
        struct ioc *c = &g->v[g->n];
        memset(c, 0, sizeof(*c));
        c->off = (uint32_t)(vs - g->arena);
        c->len = (uint16_t)vl;
        c->type = (uint8_t)type;
        c->plantable = 1;
        for (size_t i = 0; i < vl; i++) {
            unsigned char ch = (unsigned char)vs[i];
            if (ch < 0x20 || ch == 0x7f || (type != T_STRING && (ch == ' ' || ch == '"')))
                c->plantable = 0;
        }
        vs[vl] = 0; /* the byte after a field is ',' '"' '\r' or '\n': free to overwrite */
        uint32_t idx = (uint32_t)g->n;
        map_put(&g->vals, hstr(vs, vl), idx);
        if (type == T_IPV4) {
            if (parse_ip4(vs, vl, &c->net))
                c->plantable = 0;
            else
                map_put(&g->ip4, c->net, idx);
        } else if (type == T_CIDR) {
            const char *sl = memchr(vs, '/', vl);
            unsigned len = sl ? (unsigned)atoi(sl + 1) : 99;
            if (!sl || len > 32 || parse_ip4(vs, (size_t)(sl - vs), &c->net)) {
                c->plantable = 0; /* IPv6 CIDRs are not planted */
            } else {
                c->plen = (uint8_t)len;
                c->net &= prefix_mask(len);
                map_put(&g->cidr, cidr_key(c->net, len), idx);
                uint32_t first = c->net >> 16, cnt = len >= 16 ? 1 : 1u << (16 - len);
                for (uint32_t k = 0; k < cnt; k++)
                    bit_set(g->blocked16, first + k);
            }
        } else if (type == T_DOMAIN) {
            for (size_t i = 0; i < vl; i++)
                vs[i] = trawl_lower(vs[i]);
            map_put(&g->dom, hstr(vs, vl), idx);
            map_put(&g->forbid, hreg(vs, vl), 1);
        } else if (type == T_URL) {
            size_t hs, he;
            uint32_t ip;
            url_host(vs, vl, &hs, &he);
            if (parse_ip4(vs + hs, he - hs, &ip)) map_put(&g->forbid, hreg(vs + hs, he - hs), 1);
        } else if (type == T_EMAIL) {
            const char *at = memchr(vs, '@', vl);
            if (at) map_put(&g->forbid, hreg(at + 1, vl - (size_t)(at + 1 - vs)), 1);
        }
        g->n++;
    }
}

/* ---- driver ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void usage_logs(FILE *f)
{
    fputs(
        "usage: trawl-gen logs --size BYTES --iocs IOCS.csv [--seed S]\n"
        "                      [--kind mixed|proxy|dns|web|syslog|json] [-o FILE]\n"
        "                      [--truth FILE] [--near FILE] [--plant N] [--near-count N]\n"
        "\n"
        "Writes about BYTES (suffixes K, M, G) of log lines that look real: squid access log,\n"
        "BIND/dnsmasq queries, combined web log, syslog (sshd, postfix, kernel, cron), JSON\n"
        "events. Benign values never contain an indicator. N indicators from IOCS.csv are\n"
        "planted in fitting fields, plus near-misses that a correct matcher must not report\n"
        "(11.2.3.45 for 1.2.3.4, notevil.com / evil.com.au for evil.com, an md5 inside a\n"
        "64-hex run, xuser@dom, xfile.exe).\n"
        "  --plant N       planted hits (default size/100000)\n"
        "  --near-count N  near-misses (default: as many as --plant)\n"
        "  --truth FILE    one line per expected hit: OFFSET<TAB>TYPE<TAB>VALUE, OFFSET the\n"
        "                  0-based byte offset of the indicator's first byte (for a domain\n"
        "                  planted as a.b.evil.com: where evil.com starts; for a CIDR: the\n"
        "                  address inside it, VALUE the CIDR; URLs may be followed by more query)\n"
        "  --near FILE     one line per near-miss: OFFSET<TAB>TYPE<TAB>INDICATOR<TAB>TEXT\n"
        "                  (default: TRUTH.near when --truth is given)\n",
        f);
}

static void lg_free(struct lg *g)
{
    struct pool *all[] = {&g->hosts, &g->pub,       &g->priv,     &g->v6,    &g->paths,   &g->uas,
                          &g->users, &g->hostnames, &g->winpaths, &g->files, &g->subjects};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        free(all[i]->v);
        trawl_buf_free(&all[i]->a);
    }
    map_free(&g->vals);
    map_free(&g->dom);
    map_free(&g->forbid);
    map_free(&g->ip4);
    map_free(&g->cidr);
    free(g->v);
    free(g->arena);
    free(g->hit_c);
    free(g->near_c);
    free(g->buf);
    free(g);
}

static int cmd_logs(int argc, char **argv)
{
    uint64_t size = 0, seed = 1, nplant = UINT64_MAX, nnear = UINT64_MAX;
    const char *out = NULL, *iocs = NULL, *truth = NULL, *nearp = NULL, *kind = "mixed";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_logs(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "trawl-gen logs: missing value or unknown option '%s'\n", a);
            usage_logs(stderr);
            return 2;
        }
        if (!strcmp(a, "--size"))
            size = parse_size(argv[++i], "size");
        else if (!strcmp(a, "--seed"))
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(a, "--iocs"))
            iocs = argv[++i];
        else if (!strcmp(a, "--kind"))
            kind = argv[++i];
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            out = argv[++i];
        else if (!strcmp(a, "--truth"))
            truth = argv[++i];
        else if (!strcmp(a, "--near"))
            nearp = argv[++i];
        else if (!strcmp(a, "--plant"))
            nplant = parse_count(argv[++i]);
        else if (!strcmp(a, "--near-count"))
            nnear = parse_count(argv[++i]);
        else {
            fprintf(stderr, "trawl-gen logs: unknown option '%s'\n", a);
            usage_logs(stderr);
            return 2;
        }
    }
    if (!size || !iocs) {
        fprintf(stderr, "trawl-gen logs: --size and --iocs are required\n");
        usage_logs(stderr);
        return 2;
    }
    struct lg *g = xcalloc(1, sizeof(*g));
    if (!strcmp(kind, "mixed")) {
        g->kinds = B(K_COUNT) - 1;
    } else {
        for (int k = 0; k < K_COUNT; k++)
            if (!strcmp(kind, kind_names[k])) g->kinds = B(k);
        if (!g->kinds) {
            fprintf(stderr, "trawl-gen logs: unknown --kind '%s'\n", kind);
            return 2;
        }
    }
    if (nplant == UINT64_MAX) nplant = size / 100000 ? size / 100000 : 1;
    if (nnear == UINT64_MAX) nnear = nplant;
    char *near_default = NULL;
    if (truth && !nearp) {
        near_default = xcalloc(strlen(truth) + 8, 1);
        sprintf(near_default, "%s.near", truth);
        nearp = near_default;
    }

    init_octets();
    rng_init(&g->rb, seed, 2);
    rng_init(&g->rp, seed, 3);
    load_iocs(g, iocs);
    build_pools(g);

    g->hit_c = xcalloc(g->n, sizeof(uint32_t));
    g->near_c = xcalloc(g->n, sizeof(uint32_t));
    for (uint32_t i = 0; i < g->n; i++) {
        int h = 0, nm = 0;
        for (int k = 0; k < K_COUNT; k++) {
            if (!(g->kinds & B(k))) continue;
            h |= plantable_in(g, i, k, 0);
            nm |= plantable_in(g, i, k, 1);
        }
        if (h) g->hit_c[g->n_hit_c++] = i;
        if (nm) g->near_c[g->n_near_c++] = i;
    }
    if (g->n && !g->n_hit_c && !g->n_near_c && (nplant || nnear))
        fprintf(stderr, "trawl-gen logs: note: no indicator fits --kind %s; nothing planted\n",
                kind);
    if (!g->n_hit_c) nplant = 0;
    if (!g->n_near_c) nnear = 0;

    /* Plant positions: sorted uniform byte targets. A line is planted once the output passes
     * the next target; the last 64 KiB stay clear so no planted line is ever cut off. */
    uint64_t span = size > 65536 ? size - 65536 : 1;
    uint64_t *tp = xcalloc(nplant + 1, sizeof(uint64_t)),
             *tn = xcalloc(nnear + 1, sizeof(uint64_t));
    for (uint64_t i = 0; i < nplant; i++)
        tp[i] = rng_next(&g->rp) % span;
    for (uint64_t i = 0; i < nnear; i++)
        tn[i] = rng_next(&g->rp) % span;
    qsort(tp, nplant, sizeof(uint64_t), cmp_u64);
    qsort(tn, nnear, sizeof(uint64_t), cmp_u64);
    tp[nplant] = tn[nnear] = UINT64_MAX;
    uint64_t ip = 0, in = 0;

    g->f = open_out(out);
    FILE *ft = truth ? open_out(truth) : NULL, *fn = nearp ? open_out(nearp) : NULL;
    g->buf = xcalloc(OUT_CHUNK + LINE_MAX_BYTES * 2, 1);
    g->sec = 1767225600; /* 2026-01-01T00:00:00Z */
    refresh_time(g);

    unsigned kw_total = 0, kws[K_COUNT];
    for (int k = 0; k < K_COUNT; k++)
        kw_total += kws[k] = (g->kinds & B(k)) ? kind_weight[k] : 0;

    for (;;) {
        uint64_t pos = g->base + g->len;
        struct plant pl, *plp = NULL;
        int kind_now = -1;
        if (pos >= tp[ip]) {
            ip++;
            for (int tries = 0; tries < 8 && !plp; tries++) {
                uint32_t idx = g->hit_c[rng_below(&g->rp, (uint32_t)g->n_hit_c)];
                int k = pick_kind(g, idx, 0);
                if (k < 0) continue;
                pl = (struct plant){0, idx, g->v[idx].type, ival(g, idx), g->v[idx].len};
                plp = &pl;
                kind_now = k;
            }
        } else if (pos >= tn[in]) {
            in++;
            for (int tries = 0; tries < 16 && !plp; tries++) {
                uint32_t idx = g->near_c[rng_below(&g->rp, (uint32_t)g->n_near_c)];
                int k = pick_kind(g, idx, 1);
                if (k < 0 || make_near(g, idx)) continue;
                pl = (struct plant){1, idx, g->v[idx].type, g->near_txt, g->near_len};
                plp = &pl;
                kind_now = k;
            }
        }
        if (kind_now < 0) {
            unsigned w = rng_below(&g->rb, kw_total);
            kind_now = 0;
            while (w >= kws[kind_now])
                w -= kws[kind_now++];
        }
        tick(g);
        g->npend = 0;
        char *s = g->buf + g->len;
        char *e = line_fns[kind_now](g, s, plp);
        size_t ll = (size_t)(e - s);
        if (pos + ll > size) break;
        for (int i = 0; i < g->npend; i++) {
            const struct pend *r = &g->pend[i];
            const struct ioc *c = &g->v[r->idx];
            if (!r->near) {
                g->hits++;
                if (ft)
                    fprintf(ft, "%llu\t%s\t%s\n", (unsigned long long)r->off, type_names[c->type],
                            ival(g, r->idx));
            } else {
                g->nears++;
                if (fn)
                    fprintf(fn, "%llu\t%s\t%s\t%.*s\n", (unsigned long long)r->off,
                            type_names[c->type], ival(g, r->idx), (int)g->near_len, g->near_txt);
            }
        }
        g->len += ll;
        if (g->len >= OUT_CHUNK) {
            if (fwrite(g->buf, 1, g->len, g->f) != g->len) {
                fprintf(stderr, "trawl-gen logs: write error: %s\n", strerror(errno));
                return 2;
            }
            g->base += g->len;
            g->len = 0;
        }
    }
    if (g->len && fwrite(g->buf, 1, g->len, g->f) != g->len) {
        fprintf(stderr, "trawl-gen logs: write error: %s\n", strerror(errno));
        return 2;
    }
    close_out(g->f, out);
    close_out(ft, truth);
    close_out(fn, nearp);
    fprintf(stderr, "trawl-gen logs: %llu bytes, %llu planted hits, %llu near-misses\n",
            (unsigned long long)(g->base + g->len), (unsigned long long)g->hits,
            (unsigned long long)g->nears);
    free(near_default);
    lg_free(g);
    free(tp);
    free(tn);
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: trawl-gen iocs --count N [options]   generate an indicator set\n"
          "       trawl-gen logs --size BYTES --iocs FILE [options]   generate a log corpus\n"
          "       trawl-gen COMMAND --help\n"
          "Output is byte-identical for the same arguments on any machine.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "iocs")) return cmd_iocs(argc - 1, argv + 1);
    if (!strcmp(argv[1], "logs")) return cmd_logs(argc - 1, argv + 1);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "trawl-gen: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
