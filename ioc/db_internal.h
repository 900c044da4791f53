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

#include "trawl_ioc.h"

#define TRAWL_DB_MAGIC "TRAWLDB\0"
/* 3: literals longer than TRAWL_HS_LIT_MAX are given to Hyperscan as their
 * last TRAWL_HS_LIT_MAX bytes (see there). */
#define TRAWL_DB_VERSION 3u

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
    TRAWL_V_CASED,    /* string compiled caseless for speed, verified cased */
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

/* Mask an IPv6 address to plen bits in place. */
static inline void trawl_v6_mask(uint8_t a[16], unsigned plen)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
        if (bits < 8) a[i] &= (uint8_t)(0xff00u >> bits);
    }
}

#endif
