/* trawl capture layer: where bytes come from. Sniffs the kind of an input
 * by its magic bytes, walks directory trees, maps plain files and streams the
 * decompressed bytes of gzip archives (multi-member; ISA-L inflate when built
 * with it, zlib otherwise). Knows nothing of indicators. A source is used by
 * one thread at a time; distinct sources are independent. */
#ifndef TRAWL_CAPTURE_H
#define TRAWL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "trawl_common.h"

enum trawl_input_kind {
    TRAWL_IN_RAW,    /* text logs, disk images, memory dumps: bytes as they are */
    TRAWL_IN_GZIP,   /* 1f 8b 08 */
    TRAWL_IN_PCAP,   /* classic pcap, either byte order, us or ns */
    TRAWL_IN_PCAPNG, /* 0a 0d 0d 0a section header block */
};

/* Name for messages: "raw", "gzip", "pcap", "pcapng". */
const char *trawl_input_kind_name(int kind);

/* Tells the kind from the first bytes of an input (len may be < 4). */
enum trawl_input_kind trawl_cap_sniff(const uint8_t *head, size_t len);

/* ---- directory walk ----------------------------------------------------- */

/* Called for every regular file found (and for any non-directory path named
 * explicitly by the caller, such as a block device holding a disk image).
 * Return non-zero to stop the walk. */
typedef int (*trawl_walk_file_fn)(void *ud, const char *path, const struct stat *st);
/* Called for every problem: unreadable directory, symlink loop, vanished
 * entry, path that does not exist. msg is one line without the path. */
typedef void (*trawl_walk_err_fn)(void *ud, const char *path, const char *msg);

/* Walks each path in order: files are reported as they are, directories
 * recursively in sorted (strcmp) order so runs are reproducible. Symbolic
 * links are followed, but a directory already on the current path (a loop)
 * is reported once and not entered. Sockets, FIFOs and devices met inside
 * directories are skipped silently; named explicitly, they are passed on.
 * Returns the number of problems reported through on_err (0 = clean), or
 * the non-zero value returned by on_file. */
int trawl_cap_walk(const char *const *paths, size_t npaths, trawl_walk_file_fn on_file,
                   trawl_walk_err_fn on_err, void *ud);

/* ---- sources ------------------------------------------------------------ */

struct trawl_src;

/* Source options (bit flags). */
#define TRAWL_SRC_FORCE_ZLIB 0x1u /* use zlib even when ISA-L is built in (tests) */
#define TRAWL_SRC_NO_MMAP 0x2u    /* read() even when the file could be mapped */

/* Opens path ("-" = standard input) and sniffs its kind. Regular raw files
 * are memory-mapped (see trawl_src_map); gzip is decompressed on the fly by
 * trawl_src_read. Errors name the path. Returns 0 and *ret, or < 0. */
int trawl_src_open(const char *path, unsigned flags, struct trawl_src **ret,
                   struct trawl_error *err);

/* Closes and frees. Accepts NULL. */
void trawl_src_close(struct trawl_src *src);

enum trawl_input_kind trawl_src_kind(const struct trawl_src *src);
const char *trawl_src_path(const struct trawl_src *src);

/* Size of the underlying file in bytes when known (regular file), else -1. */
int64_t trawl_src_size(const struct trawl_src *src);

/* For a mapped raw file: the whole content (may be 0 bytes: data NULL).
 * Returns 0, or TRAWL_EUNSUPPORTED when the source is not mapped (stdin,
 * pipe, gzip, NO_MMAP) and must be read with trawl_src_read. */
int trawl_src_map(struct trawl_src *src, const uint8_t **data, size_t *len);

/* Reads up to cap bytes of content (decompressed for gzip) into buf.
 * Returns the number of bytes (> 0), 0 at the clean end, or < 0 on error
 * with err->where = "path@OFFSET" (OFFSET = compressed byte offset of the
 * damage for gzip) and msg saying what went wrong ("truncated gzip stream",
 * "invalid deflate data", "crc mismatch in member 2", "read: ..."). Bytes
 * returned before an error are good. After an error, further reads
 * return the same error. Concatenated gzip members are read as one stream;
 * trailing zero padding after the last member is accepted. */
ssize_t trawl_src_read(struct trawl_src *src, uint8_t *buf, size_t cap, struct trawl_error *err);

/* Content bytes delivered so far (decompressed offset). */
uint64_t trawl_src_offset(const struct trawl_src *src);

/* Bytes consumed from the underlying file so far (compressed offset). */
uint64_t trawl_src_raw_offset(const struct trawl_src *src);

/* Number of gzip members started so far (0 for non-gzip). */
unsigned trawl_src_members(const struct trawl_src *src);

/* Process-wide: once *flag is non-zero, reads from pipes and terminals stop
 * with an "Operation canceled" error instead of waiting for more input
 * (polled every 200 ms). Regular files are not affected. NULL (default):
 * reads block as usual. Set it before sources are opened. */
void trawl_cap_set_stop_flag(const volatile sig_atomic_t *flag);

/* True when this build has ISA-L inflate. */
bool trawl_cap_have_isal(void);

#endif
