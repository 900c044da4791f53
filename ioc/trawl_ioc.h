/* trawl indicator model: types, TLP and severity labels, refanging and
 * normalisation, type auto-detection, the de-duplicating indicator set, the
 * feed loaders and the compiled database file (trawl_db). Depends on common/
 * only. The set and the database are not thread-safe to build; an opened
 * database is immutable and may be shared by any number of threads. */
#ifndef TRAWL_IOC_H
#define TRAWL_IOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trawl_common.h"

/* ---- labels ----------------------------------------------------------- */

enum trawl_ioc_type {
    TRAWL_T_IPV4,
    TRAWL_T_IPV6,
    TRAWL_T_CIDR, /* v4 or v6; value "a.b.c.d/n" or "v6::/n" */
    TRAWL_T_DOMAIN,
    TRAWL_T_URL,
    TRAWL_T_EMAIL,
    TRAWL_T_MD5,
    TRAWL_T_SHA1,
    TRAWL_T_SHA256,
    TRAWL_T_FILENAME,
    TRAWL_T_STRING,
    TRAWL_T_REGEX,
    TRAWL_T_COUNT,
    TRAWL_T_NONE = -1,
};

/* TLP 2.0, ordered from least to most strict. */
enum trawl_tlp {
    TRAWL_TLP_CLEAR,
    TRAWL_TLP_GREEN,
    TRAWL_TLP_AMBER,
    TRAWL_TLP_AMBER_STRICT,
    TRAWL_TLP_RED,
    TRAWL_TLP_COUNT,
};

enum trawl_severity {
    TRAWL_SEV_LOW = 1,
    TRAWL_SEV_MEDIUM,
    TRAWL_SEV_HIGH,
    TRAWL_SEV_CRITICAL,
};

/* Indicator flags. */
#define TRAWL_IOC_EXACT 0x1u  /* domain: only the name itself, no subdomains */
#define TRAWL_IOC_NOCASE 0x2u /* string: case-insensitive */

/* Names as written in hits and reports ("ipv4", "amber+strict", "high").
 * Return NULL for out-of-range values. */
const char *trawl_ioc_type_name(int type);
const char *trawl_tlp_name(int tlp);
const char *trawl_severity_name(int sev);

/* Parsers. Case-insensitive, surrounding blanks ignored. Return 0 and set
 * *out, or TRAWL_EINVAL.
 * type: the names above plus common aliases (ip, ip4, ip-dst, ipv6, ip6,
 *   subnet, net, hostname, fqdn, uri, e-mail, mail, sha-1, sha-256, file,
 *   file_name, str, literal, regexp).
 * tlp: CLEAR/WHITE, GREEN, AMBER, AMBER+STRICT, RED, with or without "TLP:"
 *   (also "TLP: AMBER"), and the French VERT, AMBRE, AMBRE+STRICT, ROUGE.
 * severity: low/medium/high/critical, 1-4, yellow/orange/red (= medium,
 *   high, critical; and "green" = low). */
int trawl_ioc_type_parse(const char *s, enum trawl_ioc_type *out);
int trawl_tlp_parse(const char *s, enum trawl_tlp *out);
int trawl_severity_parse(const char *s, enum trawl_severity *out);

/* ---- refang, normalise, detect ---------------------------------------- */

/* Maximum length of a normalised indicator value (bytes, without NUL). */
#define TRAWL_IOC_MAX 8192

/* Undoes defanging: [.] (.) {.} [dot] (dot) " dot " -> "."; hxxp/hXXp/hxxps
 * -> http/https; [:] -> ":"; [://] -> "://"; [@] [at] (at) -> "@"; [/] -> "/".
 * Writes at most outsz-1 bytes plus NUL; returns the output length, or
 * (size_t)-1 when it would not fit. Pure function, thread-safe. */
size_t trawl_ioc_refang(const char *in, size_t len, char *out, size_t outsz);

/* Warnings that normalisation may raise while still accepting a value. */
#define TRAWL_NORM_WARN_HOSTBITS 0x1u /* CIDR had host bits set; they were masked */
#define TRAWL_NORM_WARN_IDN 0x2u      /* internationalised domain converted to punycode */
#define TRAWL_NORM_WARN_MAPPED 0x4u   /* ::ffff:a.b.c.d turned into the IPv4 address */

/* Normalises a (refanged or not) value of a known type into out (NUL
 * terminated, at most TRAWL_IOC_MAX+1 bytes needed). *type may change
 * (ipv6 "::ffff:1.2.3.4" becomes ipv4 "1.2.3.4"; a CIDR /32 or /128 stays a
 * CIDR). Rules:
 *  ipv4  dotted quad, each part 0-255, leading zeros accepted ("010" = 10);
 *  ipv6  canonical RFC 5952 text (lower case, longest zero run compressed);
 *  cidr  network address masked to the prefix (warn HOSTBITS), "/n" kept;
 *  domain lower case, trailing dot and ":port" stripped, labels 1-63 chars
 *        of [a-z0-9_-] not starting/ending with '-', >= 2 labels, IDN to
 *        punycode (warn IDN) via libidn2; a leading "*." or "." is removed
 *        (subdomains match by default anyway);
 *  url   scheme and host lower case, path/query kept byte for byte; a path
 *        of only "/" is dropped so "http://a.com/" == "http://a.com";
 *  email lower case, local@domain with a valid domain;
 *  md5/sha1/sha256 lower case hex of length 32/40/64;
 *  filename, string, regex: kept as is (surrounding blanks trimmed).
 * *warn gets TRAWL_NORM_WARN_* bits (may be NULL). Returns 0 or TRAWL_EINVAL
 * with a reason in err->msg. Thread-safe. */
int trawl_ioc_normalise(enum trawl_ioc_type *type, const char *in, size_t len, char *out,
                        size_t outsz, unsigned *warn, struct trawl_error *err);

/* Guesses the type of an untyped value (already refanged and trimmed):
 * ipv4, ipv6, cidr, md5/sha1/sha256 by hex length, url by "scheme://",
 * email, domain (valid labels and an alphabetic TLD-shaped last label that
 * is not a common file extension such as exe/dll/zip/doc/js/php/txt).
 * Returns the type, or TRAWL_T_NONE when ambiguous or unrecognised. */
enum trawl_ioc_type trawl_ioc_detect(const char *s, size_t len);

/* Parses an IPv4 dotted quad (exactly 4 parts, 0-255) into host-order u32. */
int trawl_ipv4_parse(const char *s, size_t len, uint32_t *out);
/* Parses IPv6 text (any valid form, incl. embedded IPv4) into 16 bytes. */
int trawl_ipv6_parse(const char *s, size_t len, uint8_t out[16]);

/* ---- the indicator set (loaders fill it, the compiler reads it) -------- */

/* One indicator as handed to the set. Strings are copied by the set. */
struct trawl_ioc_rec {
    enum trawl_ioc_type type;
    uint32_t flags;      /* TRAWL_IOC_* */
    const char *value;   /* normalised value */
    enum trawl_tlp tlp;  /* already defaulted by the loader */
    int severity;        /* enum trawl_severity */
    const char *source;  /* datasheet name or id, never NULL */
    int confidence;      /* 0-100, or -1 when unknown */
    int64_t valid_until; /* Unix time, 0 = no expiry */
};

struct trawl_iocset;

/* Creates an empty set. Returns 0 or TRAWL_ENOMEM. */
int trawl_iocset_new(struct trawl_iocset **ret);
void trawl_iocset_free(struct trawl_iocset *set);

/* Adds an indicator. The same (type, flags & EXACT, value) merges with the
 * existing entry: sources are unioned, the stricter TLP, the higher severity,
 * the higher confidence and the later valid_until are kept.
 * Returns 0 when added, 1 when merged into an existing one, or < 0. */
int trawl_iocset_add(struct trawl_iocset *set, const struct trawl_ioc_rec *rec);

/* Number of distinct indicators. */
size_t trawl_iocset_count(const struct trawl_iocset *set);

/* A read-only view of indicator i (0 <= i < count), in insertion order.
 * Pointers stay valid until the set is freed. */
struct trawl_ioc_view {
    enum trawl_ioc_type type;
    uint32_t flags;
    const char *value;
    enum trawl_tlp tlp;
    int severity;
    int confidence;
    int64_t valid_until;
    size_t nsources;
    const char *const *sources;
    const char *warning; /* allowlist that flagged it (databases only), or NULL */
};
void trawl_iocset_get(const struct trawl_iocset *set, size_t i, struct trawl_ioc_view *out);

/* ---- loaders ----------------------------------------------------------- */

enum trawl_format {
    TRAWL_FMT_AUTO,
    TRAWL_FMT_PLAIN,   /* one value per line, '#' comments */
    TRAWL_FMT_CSV,     /* RFC 4180 with a header row */
    TRAWL_FMT_ZEEK,    /* Zeek intel framework file (#fields ...) */
    TRAWL_FMT_STIX,    /* STIX 2.0/2.1 bundle (JSON) */
    TRAWL_FMT_MISP,    /* MISP event JSON, or a MISP feed directory */
    TRAWL_FMT_OPENIOC, /* OpenIOC 1.0/1.1 XML */
    TRAWL_FMT_TEXT,    /* free-text datasheet (.txt, .md, .adoc, .html) */
    TRAWL_FMT_COUNT,
};

const char *trawl_format_name(int fmt);
int trawl_format_parse(const char *s, enum trawl_format *out);

struct trawl_load_opts {
    enum trawl_format format;    /* TRAWL_FMT_AUTO: by extension, then content */
    enum trawl_ioc_type as_type; /* TRAWL_T_NONE: detect per line */
    enum trawl_tlp tlp;          /* default TLP when the input says none */
    int severity;                /* default severity */
    const char *source;          /* default source; NULL: the file's base name */
    int64_t now;                 /* for expiry; 0: current time */
    bool include_non_ids;        /* MISP: also attributes with to_ids=false */
};

/* Initialises opts to: AUTO, detect, TLP:AMBER, medium, source NULL. */
void trawl_load_opts_init(struct trawl_load_opts *o);

/* Per-type counters filled by a load (added to, never reset). */
struct trawl_load_stats {
    uint64_t accepted[TRAWL_T_COUNT];     /* new distinct indicators */
    uint64_t merged[TRAWL_T_COUNT];       /* duplicates merged into an existing one */
    uint64_t expired[TRAWL_T_COUNT];      /* dropped because valid_until < now */
    uint64_t rejected[TRAWL_T_COUNT + 1]; /* rejected lines; [TRAWL_T_COUNT]: type unknown */
    uint64_t warnings;
    uint64_t lines;
};

/* Diagnostics callback: one call per rejected line or warning, with the
 * file, 1-based line (0 if not line-based) and a one-line reason.
 * is_error is false for warnings (host bits masked, IDN converted...). */
typedef void (*trawl_diag_fn)(void *ud, const char *file, unsigned long line, bool is_error,
                              const char *msg);

/* Loads one file (path "-" = standard input) into set. Rejected lines are
 * reported through diag and counted; they do not stop the load. Returns 0
 * when the file was read (even with rejected lines), < 0 with *err when it
 * could not be opened/read or is not in the format at all. */
int trawl_ioc_load_file(struct trawl_iocset *set, const char *path,
                        const struct trawl_load_opts *opts, struct trawl_load_stats *stats,
                        trawl_diag_fn diag, void *ud, struct trawl_error *err);

/* Same from memory; `name` is used for diagnostics and as default source. */
int trawl_ioc_load_mem(struct trawl_iocset *set, const char *name, const char *data, size_t len,
                       const struct trawl_load_opts *opts, struct trawl_load_stats *stats,
                       trawl_diag_fn diag, void *ud, struct trawl_error *err);

/* ---- compiled database ------------------------------------------------- */

struct trawl_db;

struct trawl_compile_opts {
    bool utf16;       /* allow matching in UTF-16LE text (decided per input at scan) */
    uint64_t expired; /* indicators the loaders dropped as expired, for info */
    /* Compile every URL and e-mail address as a Hyperscan literal, also
     * those the token pass would serve: the hits are the same (the unit
     * tests compare both ways), only the speed differs. */
    bool text_literals;
    /* Allowlist verdicts, indexed like the set (NULL arrays: none). drop[i]
     * leaves indicator i out; otherwise a non-NULL warnings[i] is kept with
     * the indicator and its hits carry "warning": warnings[i]. */
    const char *const *warnings;
    const bool *drop;
};

/* Whether the compiler makes a normalised indicator a Hyperscan literal
 * (domains, file names, strings, and URLs and e-mail addresses of unusual
 * shape), as opposed to a table the token pass looks up (addresses,
 * hashes, CIDRs, most URLs and addresses) or a regex. */
bool trawl_ioc_is_literal(enum trawl_ioc_type type, const char *value);

/* Compiles the set into an in-memory database. Thread: caller's only. */
int trawl_db_compile(const struct trawl_iocset *set, const struct trawl_compile_opts *opts,
                     struct trawl_db **ret, struct trawl_error *err);

/* Writes the database to path atomically (temp file + rename). */
int trawl_db_write(const struct trawl_db *db, const char *path, struct trawl_error *err);

/* Maps and validates a database file. A truncated, corrupted, other-platform
 * or newer-format file gives TRAWL_ECORRUPT/EVERSION/EPLATFORM and a message,
 * never a crash. The returned db is immutable and thread-safe. */
int trawl_db_open(const char *path, struct trawl_db **ret, struct trawl_error *err);

/* Frees a compiled or opened database. Accepts NULL. */
void trawl_db_close(struct trawl_db *db);

/* Number of indicators, and a view of indicator i (view.sources is NULL:
 * use trawl_db_source for source k < view.nsources). */
size_t trawl_db_count(const struct trawl_db *db);
void trawl_db_get(const struct trawl_db *db, size_t i, struct trawl_ioc_view *out);
const char *trawl_db_source(const struct trawl_db *db, size_t i, size_t k);

/* Facts for `trawl info` and `trawl bench`. */
struct trawl_db_info {
    uint32_t format_version;
    char hs_version[80];
    char platform[128];
    uint64_t checksum;
    uint64_t file_size;
    uint64_t hs_bytes;   /* serialised Hyperscan databases */
    uint64_t meta_bytes; /* indicator metadata */
    double compile_seconds;
    int64_t compiled_at;
    uint64_t by_type[TRAWL_T_COUNT];
    uint64_t by_tlp[TRAWL_TLP_COUNT];
    uint64_t by_severity[5];
    uint64_t literals; /* patterns in the Hyperscan literal database */
    uint64_t hashed;   /* indicators served by hashed token lookup */
    uint64_t cidrs;    /* prefixes in the CIDR tables */
    uint64_t expired;  /* dropped at compile time */
    bool utf16;        /* compiled to match UTF-16LE text too */
};
void trawl_db_info(const struct trawl_db *db, struct trawl_db_info *out);

#endif
