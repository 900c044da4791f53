/* Private to capture/: the streaming gzip decoder behind trawl_src_read.
 * The decoder parses member headers and trailers itself and runs raw
 * deflate per member, on ISA-L or zlib, so both back ends share one
 * framing (multi-member, padding, garbage) and one set of error kinds.
 * It never reads a file: the caller hands it input windows. */
#ifndef TRAWL_GZIP_INTERNAL_H
#define TRAWL_GZIP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gz_dec;

enum gz_status {
    GZ_OK,         /* produced > 0 bytes of output */
    GZ_NEED_INPUT, /* window used up, nothing produced: hand more input */
    GZ_END,        /* clean end of the stream (after the last member) */
    GZ_ERR,        /* see gz_dec_error(); sticky */
};

/* Allocates a decoder; use_isal selects ISA-L when built in (else zlib).
 * Returns 0 or TRAWL_ENOMEM. */
int gz_dec_new(bool use_isal, struct gz_dec **ret);
void gz_dec_free(struct gz_dec *d);

/* Decodes from the window *in (*in_len bytes; both advanced by what was
 * consumed) into out (cap > 0 bytes). eof says no input follows this window.
 * Output produced before an error is returned first (GZ_OK); the error comes
 * on the next call. */
enum gz_status gz_dec_run(struct gz_dec *d, const uint8_t **in, size_t *in_len, bool eof,
                          uint8_t *out, size_t cap, size_t *produced);

/* After GZ_ERR: trawl error code, message and compressed offset of the damage. */
int gz_dec_error(const struct gz_dec *d, const char **msg, uint64_t *offset);

/* Compressed bytes consumed so far, members started so far. */
uint64_t gz_dec_consumed(const struct gz_dec *d);
unsigned gz_dec_members(const struct gz_dec *d);

/* True when the decoder runs on ISA-L. */
bool gz_dec_is_isal(const struct gz_dec *d);

#endif
