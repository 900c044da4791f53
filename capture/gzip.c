/* Streaming gzip decoder (RFC 1952) behind trawl_src_read: member headers,
 * trailers, zero padding and trailing garbage are handled here, the deflate
 * body of each member by ISA-L (when built in) or zlib, so both back ends
 * report the same framing errors. Memory use is fixed: nothing is allocated
 * in proportion to the output, so decompression bombs just stream. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifdef TRAWL_HAVE_ISAL
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#endif

#include "gzip_internal.h"
#include "trawl_common.h"

/*
 * Framing, as gzip(1) does it:
 *
 *   stream  = member+ padding?
 *   member  = header deflate trailer            (trailer: CRC32, ISIZE, LE)
 *   header  = 1f 8b 08 FLG MTIME(4) XFL OS [XLEN EXTRA] [NAME\0] [COMMENT\0] [HCRC(2)]
 *
 * After a member, the next byte decides: 1f starts another member (a lone
 * 1f at the end is a truncated header), 00 starts zero padding which must
 * run to the end, anything else is trailing garbage. The decoder keeps
 * every member's deflate body on one back-end stream that is reset between
 * members; ISA-L checks the trailer itself (ISAL_GZIP_NO_HDR_VER), which
 * also leaves its input pointer exactly after the trailer, while with
 * zlib (raw inflate) the trailer is collected and compared here.
 *
 * One difference remains between the back ends: ISA-L decodes some Huffman
 * code sets that zlib refuses as incomplete ("invalid literal/lengths
 * set"). ISA-L's reading is kept when the member's CRC-32 and length then
 * match, as they must for any real archive (fuzz_gzip found a crafted,
 * empty member of this kind: corpus/fuzz_gzip/regress-isal-incomplete-code).
 */

enum {
    ST_MEMBER,  /* at a member boundary (or the very start) */
    ST_MAGIC2,  /* saw 1f, waiting for 8b */
    ST_HEADER,  /* rest of the member header */
    ST_DEFLATE, /* deflate body (ISA-L: also the trailer) */
    ST_TRAILER, /* zlib only: the 8-byte trailer */
    ST_PADDING, /* zeros after the last member */
    ST_END,
    ST_ERROR,
};

enum { H_FIXED, H_XLEN, H_EXTRA, H_NAME, H_COMMENT, H_HCRC };

#define FLG_FHCRC 0x02u
#define FLG_FEXTRA 0x04u
#define FLG_FNAME 0x08u
#define FLG_FCOMMENT 0x10u
#define FLG_RESERVED 0xe0u

/* Largest window handed to a back end in one call (their counters are 32-bit). */
#define CHUNK_MAX (1u << 30)

struct gz_dec {
    int state;
    int hstate;
    unsigned hpos;     /* bytes gathered in the current header field */
    uint8_t fixed[10]; /* ID1 ID2 CM FLG MTIME XFL OS */
    uint8_t small[8];  /* XLEN, HCRC or the zlib trailer */
    unsigned flg;
    uint32_t xlen;
    uint32_t hcrc; /* CRC32 of the header so far (for FHCRC) */

    uint64_t consumed;    /* compressed bytes consumed */
    uint64_t trailer_off; /* offset of the current member's trailer (zlib) */
    unsigned members;     /* members started */

    bool use_isal;
    bool z_ready;
    uint32_t crc;   /* zlib: CRC32 of the member's output */
    uint32_t isize; /* zlib: output length mod 2^32 */
    z_stream z;
#ifdef TRAWL_HAVE_ISAL
    struct inflate_state *isal;
#endif

    int err_code;
    uint64_t err_off;
    char err_msg[96];
};

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
#ifdef TRAWL_HAVE_ISAL
    /* Same polynomial and conditioning as zlib's crc32(), several times faster. */
    return crc32_gzip_refl(crc, p, n);
#else
    while (n > 0) {
        uInt k = n > UINT_MAX ? UINT_MAX : (uInt)n;
        crc = (uint32_t)crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return crc;
#endif
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int gz_dec_new(bool use_isal, struct gz_dec **ret)
{
    struct gz_dec *d = calloc(1, sizeof(*d));
    if (!d) return TRAWL_ENOMEM;
#ifdef TRAWL_HAVE_ISAL
    d->use_isal = use_isal;
    if (use_isal) {
        d->isal = malloc(sizeof(*d->isal));
        if (!d->isal) {
            free(d);
            return TRAWL_ENOMEM;
        }
        isal_inflate_init(d->isal);
    }
#else
    (void)use_isal;
#endif
    if (!d->use_isal) {
        if (inflateInit2(&d->z, -15) != Z_OK) {
            free(d);
            return TRAWL_ENOMEM;
        }
        d->z_ready = true;
    }
    d->state = ST_MEMBER;
    *ret = d;
    return 0;
}

void gz_dec_free(struct gz_dec *d)
{
    if (!d) return;
    if (d->z_ready) inflateEnd(&d->z);
#ifdef TRAWL_HAVE_ISAL
    free(d->isal);
#endif
    free(d);
}

bool gz_dec_is_isal(const struct gz_dec *d)
{
    return d->use_isal;
}

uint64_t gz_dec_consumed(const struct gz_dec *d)
{
    return d->consumed;
}

unsigned gz_dec_members(const struct gz_dec *d)
{
    return d->members;
}

int gz_dec_error(const struct gz_dec *d, const char **msg, uint64_t *offset)
{
    if (msg) *msg = d->err_msg;
    if (offset) *offset = d->err_off;
    return d->err_code;
}

__attribute__((format(printf, 4, 5))) static void fail(struct gz_dec *d, int code, uint64_t off,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err_msg, sizeof(d->err_msg), fmt, ap);
    va_end(ap);
    d->err_code = code;
    d->err_off = off;
    d->state = ST_ERROR;
}

static void fail_truncated(struct gz_dec *d, unsigned member)
{
    fail(d, TRAWL_ETRUNC, d->consumed, "truncated gzip stream (member %u)", member);
}

/* Gets the deflate back end ready for the member whose header just ended. */
static void start_deflate(struct gz_dec *d)
{
#ifdef TRAWL_HAVE_ISAL
    if (d->use_isal) {
        isal_inflate_reset(d->isal);
        d->isal->crc_flag = ISAL_GZIP_NO_HDR_VER;
        d->isal->hist_bits = 0; /* default: 32 KiB window */
        d->state = ST_DEFLATE;
        return;
    }
#endif
    inflateReset(&d->z);
    d->crc = 0;
    d->isize = 0;
    d->state = ST_DEFLATE;
}

/* Consumes header bytes from the window. Returns 1 when the header is
 * complete, 0 when more input is needed, -1 after fail(). */
static int parse_header(struct gz_dec *d, const uint8_t **pp, size_t *np)
{
    const uint8_t *p = *pp;
    size_t n = *np;
    int rc = 0;

    while (n > 0) {
        const uint8_t *start = p;
        switch (d->hstate) {
        case H_FIXED:
            d->fixed[d->hpos++] = *p++;
            n--;
            if (d->hpos < sizeof(d->fixed)) break;
            d->flg = d->fixed[3];
            if (d->fixed[2] != 8 || (d->flg & FLG_RESERVED)) {
                d->consumed += (size_t)(p - *pp);
                fail(d, TRAWL_EFORMAT, d->consumed - 8, "invalid gzip header in member %u",
                     d->members);
                return -1;
            }
            d->hpos = 0;
            d->hstate = H_XLEN;
            if (!(d->flg & FLG_FEXTRA)) d->hstate = H_NAME;
            break;
        case H_XLEN:
            d->small[d->hpos++] = *p++;
            n--;
            if (d->hpos == 2) {
                d->xlen = (uint32_t)d->small[0] | (uint32_t)d->small[1] << 8;
                d->hpos = 0;
                d->hstate = H_EXTRA;
            }
            break;
        case H_EXTRA: {
            size_t k = n < d->xlen ? n : d->xlen;
            p += k;
            n -= k;
            d->xlen -= (uint32_t)k;
            if (d->xlen == 0) d->hstate = H_NAME;
            break;
        }
        case H_NAME:
        case H_COMMENT: {
            unsigned bit = d->hstate == H_NAME ? FLG_FNAME : FLG_FCOMMENT;
            if (d->flg & bit) {
                const uint8_t *z = memchr(p, 0, n);
                size_t k = z ? (size_t)(z - p) + 1 : n;
                p += k;
                n -= k;
                if (!z) break;
            }
            d->hstate = d->hstate == H_NAME ? H_COMMENT : H_HCRC;
            break;
        }
        case H_HCRC:
            if (!(d->flg & FLG_FHCRC)) {
                rc = 1;
                break;
            }
            d->small[d->hpos++] = *p++;
            n--;
            if (d->hpos == 2) {
                uint32_t want = (uint32_t)d->small[0] | (uint32_t)d->small[1] << 8;
                if (want != (d->hcrc & 0xffffu)) {
                    d->consumed += (size_t)(p - *pp);
                    fail(d, TRAWL_ECORRUPT, d->consumed - 2, "header crc mismatch in member %u",
                         d->members);
                    return -1;
                }
                rc = 1;
            }
            /* the HCRC bytes are not part of what they cover */
            start = p;
            break;
        }
        if (p > start) d->hcrc = crc32_update(d->hcrc, start, (size_t)(p - start));
        if (rc) break;
    }
    /* A header without FHCRC ends right after the comment: notice it even
     * when the window ended exactly there. */
    if (!rc && d->hstate == H_HCRC && !(d->flg & FLG_FHCRC)) rc = 1;
    d->consumed += (size_t)(p - *pp);
    *pp = p;
    *np = n;
    return rc;
}

/* Runs the deflate back end once. Returns 1 if the member ended, 0 on
 * progress, -1 on error (after fail()), 2 when stuck for want of input. */
static int run_deflate(struct gz_dec *d, const uint8_t **pp, size_t *np, bool eof, uint8_t *out,
                       size_t cap, size_t *made)
{
    size_t in_n = *np < CHUNK_MAX ? *np : CHUNK_MAX;
    size_t out_n = cap < CHUNK_MAX ? cap : CHUNK_MAX;
    size_t used, produced;
    int rc = 0;

#ifdef TRAWL_HAVE_ISAL
    if (d->use_isal) {
        struct inflate_state *s = d->isal;
        s->next_in = (uint8_t *)*pp;
        s->avail_in = (uint32_t)in_n;
        s->next_out = out;
        s->avail_out = (uint32_t)out_n;
        int r = isal_inflate(s);
        produced = out_n - s->avail_out;
        if (s->avail_in > in_n) {
            /* ISA-L 2.30 can hand back more input than this window held
             * (avail_in wraps on some damaged stored blocks; the fuzzer found
             * it): the position is then unknown, so stop at the window start
             * rather than move the input pointer out of the buffer. */
            used = 0;
            if (r >= 0) r = ISAL_INVALID_BLOCK;
        } else {
            used = in_n - s->avail_in;
        }
        d->consumed += used;
        if (r == ISAL_INCORRECT_CHECKSUM) {
            /* the trailer has just been read: it ends here */
            fail(d, TRAWL_ECORRUPT, d->consumed - 8, "crc mismatch in member %u", d->members);
            rc = -1;
        } else if (r < 0) {
            fail(d, TRAWL_ECORRUPT, d->consumed, "invalid deflate data in member %u", d->members);
            rc = -1;
        } else if (s->block_state == ISAL_BLOCK_FINISH) {
            rc = 1;
        }
        goto done;
    }
#endif
    d->z.next_in = (Bytef *)*pp;
    d->z.avail_in = (uInt)in_n;
    d->z.next_out = out;
    d->z.avail_out = (uInt)out_n;
    int zr = inflate(&d->z, Z_NO_FLUSH);
    used = in_n - d->z.avail_in;
    produced = out_n - d->z.avail_out;
    d->consumed += used;
    if (produced > 0) {
        d->crc = crc32_update(d->crc, out, produced);
        d->isize += (uint32_t)produced;
    }
    switch (zr) {
    case Z_STREAM_END:
        d->trailer_off = d->consumed;
        d->hpos = 0;
        rc = 1;
        break;
    case Z_OK:
    case Z_BUF_ERROR:
        break;
    case Z_MEM_ERROR:
        fail(d, TRAWL_ENOMEM, d->consumed, "out of memory in member %u", d->members);
        rc = -1;
        break;
    default: /* Z_DATA_ERROR, Z_NEED_DICT (impossible in raw mode), Z_STREAM_ERROR */
        fail(d, TRAWL_ECORRUPT, d->consumed, "invalid deflate data in member %u", d->members);
        rc = -1;
        break;
    }
#ifdef TRAWL_HAVE_ISAL
done:
#endif
    *pp += used;
    *np -= used;
    *made = produced;
    if (rc == 0 && used == 0 && produced == 0) {
        if (*np > 0) {
            /* input and room but no progress: cannot happen with a sane back end */
            fail(d, TRAWL_ECORRUPT, d->consumed, "invalid deflate data in member %u", d->members);
            return -1;
        }
        if (eof) {
            fail_truncated(d, d->members);
            return -1;
        }
        return 2;
    }
    return rc;
}

enum gz_status gz_dec_run(struct gz_dec *d, const uint8_t **in, size_t *in_len, bool eof,
                          uint8_t *out, size_t cap, size_t *produced)
{
    const uint8_t *p = *in;
    size_t n = *in_len;
    size_t total = 0;
    bool starved = false;

    while (total < cap && !starved && d->state != ST_ERROR && d->state != ST_END) {
        switch (d->state) {
        case ST_MEMBER:
            if (n == 0) {
                if (!eof)
                    starved = true;
                else if (d->members == 0)
                    fail_truncated(d, 1);
                else
                    d->state = ST_END;
            } else if (*p == 0x1f) {
                p++;
                n--;
                d->consumed++;
                d->state = ST_MAGIC2;
            } else if (*p == 0 && d->members > 0) {
                d->state = ST_PADDING;
            } else if (d->members == 0) {
                fail(d, TRAWL_EFORMAT, d->consumed, "invalid gzip header in member 1");
            } else {
                fail(d, TRAWL_EFORMAT, d->consumed, "trailing garbage after member %u", d->members);
            }
            break;
        case ST_MAGIC2:
            if (n == 0) {
                if (!eof)
                    starved = true;
                else
                    fail_truncated(d, d->members + 1);
            } else if (*p != 0x8b) {
                if (d->members == 0)
                    fail(d, TRAWL_EFORMAT, d->consumed - 1, "invalid gzip header in member 1");
                else
                    fail(d, TRAWL_EFORMAT, d->consumed - 1, "trailing garbage after member %u",
                         d->members);
            } else {
                p++;
                n--;
                d->consumed++;
                d->members++;
                d->fixed[0] = 0x1f;
                d->fixed[1] = 0x8b;
                d->hpos = 2;
                d->hstate = H_FIXED;
                d->hcrc = crc32_update(0, d->fixed, 2);
                d->state = ST_HEADER;
            }
            break;
        case ST_HEADER: {
            int r = parse_header(d, &p, &n);
            if (r == 1)
                start_deflate(d);
            else if (r == 0 && n == 0) {
                if (eof)
                    fail_truncated(d, d->members);
                else
                    starved = true;
            }
            break;
        }
        case ST_DEFLATE: {
            size_t made = 0;
            int r = run_deflate(d, &p, &n, eof, out + total, cap - total, &made);
            total += made;
            if (r == 1)
                d->state = d->use_isal ? ST_MEMBER : ST_TRAILER;
            else if (r == 2)
                starved = true;
            break;
        }
        case ST_TRAILER:
            while (n > 0 && d->hpos < 8) {
                d->small[d->hpos++] = *p++;
                n--;
                d->consumed++;
            }
            if (d->hpos == 8) {
                if (le32(d->small) != d->crc || le32(d->small + 4) != d->isize)
                    fail(d, TRAWL_ECORRUPT, d->trailer_off, "crc mismatch in member %u",
                         d->members);
                else
                    d->state = ST_MEMBER;
            } else if (eof) {
                fail_truncated(d, d->members);
            } else {
                starved = true;
            }
            break;
        case ST_PADDING:
            while (n > 0 && *p == 0) {
                p++;
                n--;
                d->consumed++;
            }
            if (n > 0)
                fail(d, TRAWL_EFORMAT, d->consumed, "trailing garbage after member %u", d->members);
            else if (eof)
                d->state = ST_END;
            else
                starved = true;
            break;
        }
    }

    *in = p;
    *in_len = n;
    *produced = total;
    if (total > 0) return GZ_OK;
    if (d->state == ST_ERROR) return GZ_ERR;
    if (d->state == ST_END) return GZ_END;
    return GZ_NEED_INPUT;
}
