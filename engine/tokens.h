/* Private to engine/: the mask-based token pass (see tokens.c). */
#ifndef TRAWL_TOKENS_H
#define TRAWL_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called with the base offset of a candidate. For IPv4 dots: return the end
 * offset of the token when the dot belonged to a well-formed dotted quad
 * (its other dots are then skipped), else 0. For hex runs the result is
 * ignored. */
typedef size_t (*trawl_token_fn)(void *ud, size_t at);

/* Which candidates to look for (NULL = none of that kind).
 * ipv4: a dot with a digit on both sides; hex: the start of a run of 32 or
 * more hex digits; ipv6: a "::" or the first colon of seven hex-separated
 * colons. ipv4 and ipv6 return the end of the token they recognised so that
 * its other candidates are skipped, or 0. */
struct trawl_token_fns {
    trawl_token_fn ipv4, hex, ipv6;
};

/* Scans base for candidates of tokens that start in [lo, hi). Reads at most
 * base[lo - 1, min(hi + 70, len)). Uses AVX-512BW when the CPU has it
 * (TRAWL_NO_AVX512 in the environment forces the portable path). */
void trawl_tokens_scan(const uint8_t *base, size_t len, size_t lo, size_t hi,
                       const struct trawl_token_fns *f, void *ud);

#endif
