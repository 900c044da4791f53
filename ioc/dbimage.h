/* Private to ioc/: the section image that is both the in-memory result of a
 * compile and the bytes of a .tdb file. Layout:
 *   header (struct dbhdr) | section table (struct dbsect[nsect]) | sections,
 * each section 64-byte aligned. The checksum covers everything after the
 * header. Integers are little-endian x86-64 native; other platforms are
 * refused at load (the Hyperscan databases are platform-specific anyway). */
#ifndef TRAWL_DBIMAGE_H
#define TRAWL_DBIMAGE_H

#include <stdint.h>

#include "trawl_common.h"

struct trawl_db;

enum {
    DBS_META = 1,
    DBS_IOCS,
    DBS_STRINGS,
    DBS_SRCLIST,
    DBS_SRCOFFS,
    DBS_PATS,
    DBS_HS_LIT,
    DBS_HS_U16, /* unused since UTF-16LE is narrowed at scan time */
    DBS_HS_TOK, /* unused: tokens are found by engine/tokens.c */
    DBS_HS_RE,
    DBS_TAB_HASH,
    DBS_TAB_IPV4,
    DBS_TAB_IPV6,
    DBS_HS_LIT2,     /* second literal shard of large sets */
    DBS_CIDR4 = 64,  /* + prefix length 0..32 */
    DBS_CIDR6 = 128, /* + prefix length 0..128 */
    DBS_MAX = 257,
};

#define DB_ENDIAN_MARK 0x01020304u

struct dbhdr {
    char magic[8];
    uint32_t version;
    uint32_t hdr_size;
    uint64_t file_size;
    uint64_t checksum;
    uint32_t nsect;
    uint32_t endian;
    char hs_version[80];
    char platform[64];
};

struct dbsect {
    uint32_t id;
    uint32_t pad;
    uint64_t off;
    uint64_t size;
};

/* Fixed-size metadata section. */
struct dbmeta {
    double compile_seconds;
    int64_t compiled_at;
    uint64_t expired;
    uint64_t literals;
    uint64_t hashed;
    uint64_t cidrs;
    uint64_t hs_bytes;
    uint32_t max_len;
    uint32_t flags; /* DBMETA_* */
};

#define DBMETA_UTF16 0x1u    /* match UTF-16LE text too (scan-time narrowing) */
#define DBMETA_TEXT_LIT 0x2u /* URLs and e-mail addresses are all literals (no token tables) */

struct dbimage {
    struct trawl_buf body; /* sections, offsets relative to body start */
    struct dbsect sect[DBS_MAX];
    uint32_t nsect;
};

/* Appends a section (copied). */
int dbimage_add(struct dbimage *img, unsigned id, const void *data, size_t len);

/* Lays out header + table + body into one malloc'd buffer (*out, *outlen). */
int dbimage_finish(struct dbimage *img, void **out, size_t *outlen, struct trawl_error *err);

void dbimage_free(struct dbimage *img);

/* Validates an image and fills db (pointers into the image). `owned` tells
 * whether image is malloc'd (freed with the db) or mmap'ed. name is used in
 * messages. */
int dbimage_open(struct trawl_db *db, void *image, size_t len, const char *name,
                 struct trawl_error *err);

#endif
