/* Internal layout of a compiled database, shared by the compiler, the file
 * format code and the engine's match verification. Not a public API: the
 * engine includes it because verifying a Hyperscan match needs the pattern
 * table and the token lookup tables. Everything here is immutable once built
 * and safe to read from any number of threads. */
#ifndef TRAWL_DB_INTERNAL_H
#define TRAWL_DB_INTERNAL_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "trawl_ioc.h"

#define TRAWL_DB_MAGIC "TRAWLDB\0"
/* 3: literals longer than TRAWL_HS_LIT_MAX are given to Hyperscan as their
 * last TRAWL_HS_LIT_MAX bytes (see there).
 * 4: URLs and e-mail addresses of the usual shape are left out of Hyperscan
 * and found by the token pass (trawl_url_tok, trawl_email_tok). */
#define TRAWL_DB_VERSION 4u

/* Longest literal handed to Hyperscan. Hyperscan 5.4.0 (Debian 12) has a
 * bug in its literal-API runtime (intel/hyperscan#303, fixed in 5.4.1):
 * hs_scan can fail with HS_UNKNOWN_ERROR on certain data once the set holds
 * a literal of 33 bytes or more, which is when Rose checks long literals
 * itself. A longer indicator is compiled as its last 32 bytes, and the
 * engine compares the bytes before them when the suffix matches (they are
 * usually the shared part of URLs, "https://www.", so the suffix also keeps
 * the set distinct). tests/fuzz/corpus/fuzz_roundtrip holds the input that
 * found it. */
#define TRAWL_HS_LIT_MAX 32u

/* One indicator, fixed width, as stored in the file. */
struct trawl_db_ioc {
    uint32_t value_off; /* into strings */
    uint32_t value_len;
    uint32_t src_off; /* into srclist (indices into sources) */
    uint16_t nsrc;
    uint8_t type;
    uint8_t flags;
    uint8_t tlp;
    uint8_t severity;
    int8_t confidence;
    uint8_t pad;
    uint32_t warn_off; /* allowlist name (into strings) when flagged, else UINT32_MAX */
    int64_t valid_until;
};

/* How a Hyperscan match of a pattern is confirmed (see engine/match.c). */
enum trawl_verify {
    TRAWL_V_NONE,     /* string: literal anywhere */
    TRAWL_V_IPV4,     /* reserved: addresses are found by the token pass */
    TRAWL_V_IPV6,     /* reserved */
    TRAWL_V_DOMAIN,   /* label-aligned, subdomains allowed */
    TRAWL_V_DOMAIN_X, /* exact name only */
    TRAWL_V_URL,      /* scheme/host caseless, path case-sensitive, prefix */
    TRAWL_V_EMAIL,    /* whole token */
    TRAWL_V_HASH,     /* reserved: hashes are found by the token pass */
    TRAWL_V_FILENAME, /* token start or after a path separator */
    TRAWL_V_REGEX,    /* regex with start-of-match */
    TRAWL_V_CASED,    /* case-sensitive string: compiled cased (older databases
                         hold it caseless), verified cased either way */
};

/* Pattern table entry: Hyperscan id -> indicator and verification. */
struct trawl_db_pat {
    uint32_t ioc;
    uint16_t len; /* literal length in bytes (UTF-16 forms: twice the chars) */
    uint8_t verify;
    uint8_t utf16; /* always 0 (UTF-16LE is narrowed at scan time) */
};

/* Open-addressing table of indicator indices keyed by a 64-bit key.
 * slots[i] = ioc index + 1, 0 = empty; keys[i] the key of that slot.
 * Linear probing; equal keys may repeat (every one is reported). */
struct trawl_db_tab {
    uint32_t mask; /* nslots - 1, nslots a power of two; 0 = empty table */
    const uint64_t *keys;
    const uint32_t *slots;
};

/* CIDR lookup: one table per prefix length in use, keyed by the masked
 * network (v4: the 32-bit address; v6: hash of the 16 masked bytes).
 * A lookup probes every length in use, so every containing prefix is found
 * (at most 33 or 129 probes, independent of the number of prefixes). */
struct trawl_db_cidr {
    uint8_t nlens;
    uint8_t lens[129];
    struct trawl_db_tab tabs[129];
};

struct trawl_db {
    size_t map_len; /* bytes of the image (owned[0]), opened or compiled */

    struct trawl_db_info info;

    uint32_t nioc;
    const struct trawl_db_ioc *iocs;
    const char *strings;
    uint32_t strings_len;
    const uint32_t *srclist; /* source indices */
    uint32_t nsources;
    const uint32_t *source_offs; /* into strings, NUL-terminated */

    /* Hyperscan: literals (block), regexes (block, start of match) */
    hs_database_t *hs_lit;
    hs_database_t *hs_lit2; /* second shard of large literal sets, or NULL */
    hs_database_t *hs_re;
    bool utf16; /* UTF-16LE matching allowed (compile option) */
    uint32_t npat;
    const struct trawl_db_pat *pats;
    uint32_t max_len; /* longest literal in bytes */

    struct trawl_db_tab hashes; /* md5/sha1/sha256 by hash of lower hex */
    struct trawl_db_tab ipv4;   /* exact IPv4 served by tokens */
    struct trawl_db_cidr cidr4; /* IPv4 CIDRs */
    struct trawl_db_cidr cidr6; /* IPv6 CIDRs */
    struct trawl_db_tab ipv6;   /* exact IPv6 served by tokens (hash of 16 bytes) */

    /* Built at load: one bit per /16 that holds any IPv4 token indicator
     * (exact or CIDR), so most address tokens are rejected with one probe. */
    uint64_t v4_filter[65536 / 64];
    /* Built at load, NULL when the set has no IPv4 token indicator: per /16,
     * bit l set when a CIDR of length cidr4.lens[l] may hold addresses of
     * it, bit 63 when exact IPv4 indicators lie in it. An address then
     * probes only the tables that can hold it (a set with CIDRs of 25
     * lengths costs one or two probes, not 26). */
    uint64_t *v4_lens;
    /* Built at load, NULL without hash indicators: one bit per value of the
     * top hex_bits bits of the first six hex digits of any hash indicator,
     * so most hex runs in logs are rejected with one probe. hex_bits grows
     * with the set (16 to 24) to keep the bitmap about 3% full. */
    uint64_t *hex_filter;
    unsigned hex_bits;

    /* Built at load from the indicators, empty when the set has none:
     * URLs and e-mail addresses served by the token pass (see
     * trawl_url_tok and trawl_email_tok below). urls is keyed by the hash
     * of the lower-case "scheme://host" of the URL, emails by the hash of
     * the lower-case address. Each has a bitmap (url_bits/email_bits bits,
     * about 3% full) over trawl_tok_word of the bytes around the "://" or
     * "@" that rejects most candidates with one probe; *_flens has bit n-1
     * set when a word of n bytes is in use (shorter indicators). */
    struct trawl_db_tab urls, emails;
    uint64_t *url_filter, *email_filter;
    unsigned url_bits, email_bits;
    uint8_t url_flens, email_flens;
    uint32_t url_host_max;  /* longest host run of a token URL */
    uint32_t email_dom_max; /* longest domain of a token e-mail address */

    /* owned allocations of a compiled (not mapped) database */
    void *owned[16];
    unsigned nowned;
};

/* Key helpers shared by compiler and engine. */
static inline uint64_t trawl_db_key_v6(const uint8_t a[16], unsigned plen)
{
    return trawl_hash64(a, 16, 0x7a11u + plen);
}

/* Calls fn for every indicator in tab whose key equals key. */
static inline void trawl_db_tab_find(const struct trawl_db_tab *t, uint64_t key,
                                     void (*fn)(void *, uint32_t), void *ud)
{
    if (!t->mask) return;
    for (uint32_t i = (uint32_t)trawl_mix64(key) & t->mask;; i = (i + 1) & t->mask) {
        uint32_t s = t->slots[i];
        if (!s) return;
        if (t->keys[i] == key) fn(ud, s - 1);
    }
}

/* URLs and e-mail addresses as tokens. Hyperscan spends a tenth of a
 * second per 512 MB on the ~15k URLs and addresses of a 100k set; "://"
 * and "@" are rare enough in logs that finding them with two more byte
 * masks in the token pass and looking the token up costs a fraction of
 * that. An indicator is served this way when its shape makes the token
 * rules below exactly equivalent to the literal's boundary rules in
 * engine/match.c (url_ok, the e-mail case of literal_ok); any other stays a
 * Hyperscan literal.
 *
 * URL: "scheme://rest", the scheme 1-32 characters of [A-Za-z0-9+.-] (the
 * set the byte before a URL may not be in, so the scheme found by walking
 * back from "://" over that set is the indicator's), and a host run (see
 * trawl_host_run) of at most TRAWL_TOK_HOST_MAX bytes. The key covers
 * "scheme://" and the host run; the rest is compared when the key hits.
 * E-mail: "local@domain", the local part 1-64 characters of
 * [A-Za-z0-9._%+-] (the set the byte before may not be in), the domain a
 * single host run of 3 or more bytes (so the host rule at its end means the
 * text's run ends where the indicator does). */
#define TRAWL_TOK_SCHEME_MAX 32u
#define TRAWL_TOK_LOCAL_MAX 64u
#define TRAWL_TOK_HOST_MAX 253u

static inline bool trawl_dom_char(int c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '-' ||
           c == '_';
}

static inline bool trawl_scheme_char(int c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '+' ||
           c == '.' || c == '-';
}

static inline bool trawl_local_char(int c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '.' ||
           c == '_' || c == '%' || c == '+' || c == '-';
}

/* End of the host run of p[i, n), stopping after at most max bytes: label
 * characters, and dots followed by one. (max + 1 returned bytes past i mean
 * "longer than max".) */
static inline size_t trawl_host_run(const uint8_t *p, size_t i, size_t n, size_t max)
{
    size_t lim = n - i > max + 1 ? i + max + 1 : n;
    while (i < lim &&
           (trawl_dom_char(p[i]) || (p[i] == '.' && i + 1 < n && trawl_dom_char(p[i + 1]))))
        i++;
    return i;
}

/* Token shape of URL indicator v: the length of its key ("scheme://" plus
 * the host run), or 0 when it stays a literal. */
static inline size_t trawl_url_tok(const char *v, size_t n)
{
    const uint8_t *p = (const uint8_t *)v;
    size_t c = 0;
    while (c < n && c <= TRAWL_TOK_SCHEME_MAX && trawl_scheme_char(p[c]))
        c++;
    if (c == 0 || c > TRAWL_TOK_SCHEME_MAX || n - c < 4 || memcmp(p + c, "://", 3)) return 0;
    size_t e = trawl_host_run(p, c + 3, n, TRAWL_TOK_HOST_MAX);
    return e - (c + 3) > TRAWL_TOK_HOST_MAX ? 0 : e;
}

/* Token shape of e-mail indicator v: the length of its local part, or 0
 * when it stays a literal. */
static inline size_t trawl_email_tok(const char *v, size_t n)
{
    const uint8_t *p = (const uint8_t *)v;
    size_t a = 0;
    while (a < n && a <= TRAWL_TOK_LOCAL_MAX && trawl_local_char(p[a]))
        a++;
    if (a == 0 || a > TRAWL_TOK_LOCAL_MAX || a == n || p[a] != '@') return 0;
    size_t d = n - a - 1;
    if (d < 3 || d > TRAWL_TOK_HOST_MAX) return 0;
    return trawl_host_run(p, a + 1, n, TRAWL_TOK_HOST_MAX) == n ? a : 0;
}

/* Table key of a token URL ("scheme://host") or address: the hash of its
 * n bytes at p in lower case, n at most TRAWL_TOK_KEY_MAX. The loader and
 * the engine both key with this. */
#define TRAWL_TOK_KEY_MAX (TRAWL_TOK_LOCAL_MAX + 1 + TRAWL_TOK_HOST_MAX)

static inline uint64_t trawl_tok_key(const uint8_t *p, size_t n)
{
    char buf[TRAWL_TOK_KEY_MAX];
    for (size_t i = 0; i < n; i++)
        buf[i] = trawl_lower((char)p[i]);
    return trawl_hash64(buf, n, 0x7e1u);
}

/* Filter words: n (1-8) bytes, little-endian, each with bit 5 set so that
 * ASCII letters compare caselessly (bytes equal but for case give equal
 * words), hashed with n to bits bits. The engine loads the 8 bytes at once
 * and masks them; trawl_tok_load is the byte-wise equivalent. */
#define TRAWL_TOK_CASE 0x2020202020202020ull

static inline uint64_t trawl_tok_load(const uint8_t *p, unsigned n)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < n; i++)
        w |= (uint64_t)(p[i] | 0x20) << (8 * i);
    return w;
}

static inline uint32_t trawl_tok_hash(uint64_t w, unsigned n, unsigned bits)
{
    return (uint32_t)(trawl_mix64(w ^ (0x9e3779b97f4a7c15ull * n)) >> (64 - bits));
}

/* Mask an IPv6 address to plen bits in place. */
static inline void trawl_v6_mask(uint8_t a[16], unsigned plen)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
        if (bits < 8) a[i] &= (uint8_t)(0xff00u >> bits);
    }
}

#endif
