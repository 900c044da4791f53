/* Hits as JSON lines (docs/hits.md): EVE-style field names, the indicator's
 * metadata, where it was seen (file, byte offset, line) and a context extract
 * of at most 256 bytes, escaped so any byte sequence yields valid JSON. */
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "trawl_engine.h"

/* A context extract reads at most this many bytes before a hit's first byte
 * and after its last (the line is followed at most that far each way;
 * engine/scan.c reads as much past a step, CONTEXT_AFTER). */
#define CONTEXT_MAX 256

/* SWAR newline count: eight bytes per step. */
static uint64_t count_lines_swar(const uint8_t *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, nl = ones * '\n', hi = ones * 0x80;
    uint64_t count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ nl;
        uint64_t t = ((x & ~hi) + ~hi) | x; /* high bit clear only where byte == '\n' */
        count += (((~t & hi) >> 7) * ones) >> 56;
    }
    for (; i < n; i++)
        count += p[i] == '\n';
    return count;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx512bw,popcnt"))) static uint64_t count_lines_avx512(const uint8_t *p,
                                                                              size_t n)
{
    uint64_t count = 0;
    size_t i = 0;
    const __m512i nl = _mm512_set1_epi8('\n');
    for (; i + 64 <= n; i += 64)
        count += (uint64_t)__builtin_popcountll(
            _mm512_cmpeq_epi8_mask(_mm512_loadu_si512((const void *)(p + i)), nl));
    return count + count_lines_swar(p + i, n - i);
}
#endif

uint64_t trawl_count_lines(const uint8_t *p, size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (trawl_cpu_avx512()) return count_lines_avx512(p, n);
#endif
    return count_lines_swar(p, n);
}

static int cmp_hit(const void *a, const void *b)
{
    const struct trawl_hit *x = a, *y = b;
    if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
    if (x->ioc != y->ioc) return x->ioc < y->ioc ? -1 : 1;
    return (int)x->utf16 - (int)y->utf16;
}

/* Hides, in a context extract, the text of other hits whose indicator is
 * above the sink's TLP ceiling: a log line may hold a RED indicator next to
 * the GREEN one being reported. tmp[i] shows base bytes lo + i*stride. */
static void mask_context(char *tmp, size_t n, size_t lo, size_t stride,
                         const struct trawl_hit_origin *o, const struct trawl_hit_mask *mask)
{
    if (!mask) return;
    uint64_t from = o->base_off + lo, to = from + n * stride;
    for (size_t i = 0; i < mask->n; i++) {
        const struct trawl_hit *m = &mask->hits[i];
        if (m->tlp <= mask->max_tlp || m->offset >= to || m->offset + m->len <= from) continue;
        uint64_t a = m->offset > from ? m->offset : from;
        uint64_t b = m->offset + m->len < to ? m->offset + m->len : to;
        for (uint64_t x = a; x < b; x++)
            tmp[(x - from) / stride] = '*';
    }
}

/* Context for a UTF-16LE hit: the units around it, decoded. */
static int context_utf16(struct trawl_buf *out, const uint8_t *p, size_t len, size_t s, size_t e,
                         const struct trawl_hit_origin *o, const struct trawl_hit_mask *mask)
{
    size_t lo = s, hi = e;
    while (lo >= 2 && s - lo < CONTEXT_MAX / 2 - 2 && !(p[lo - 2] == '\n' && p[lo - 1] == 0))
        lo -= 2;
    while (hi + 1 < len && hi - e < CONTEXT_MAX / 2 - 2 && !(p[hi] == '\n' && p[hi + 1] == 0))
        hi += 2;
    char tmp[CONTEXT_MAX];
    size_t n = 0;
    for (size_t i = lo; i + 1 < hi + 1 && i + 1 < len && n < sizeof(tmp); i += 2)
        tmp[n++] = p[i + 1] ? '.' : (char)p[i];
    mask_context(tmp, n, lo, 2, o, mask);
    return trawl_buf_json_str(out, tmp, n);
}

static int context(struct trawl_buf *out, const uint8_t *p, size_t len, size_t s, size_t e,
                   bool wide, const struct trawl_hit_origin *o, const struct trawl_hit_mask *mask)
{
    if (wide) return context_utf16(out, p, len, s, e, o, mask);
    /* the surrounding line, cut to CONTEXT_MAX bytes around the match */
    size_t lo = s, hi = e;
    while (lo > 0 && p[lo - 1] != '\n' && s - lo < CONTEXT_MAX)
        lo--;
    while (hi < len && p[hi] != '\n' && hi - e < CONTEXT_MAX)
        hi++;
    if (hi > lo && p[hi - 1] == '\r') hi--;
    if (hi - lo > CONTEXT_MAX) {
        size_t mlen = e - s;
        size_t room = mlen >= CONTEXT_MAX ? 0 : CONTEXT_MAX - mlen;
        size_t left = s - lo < room / 2 ? s - lo : room / 2;
        size_t right = room - left;
        if (hi - e < right) {
            right = hi - e;
            left = room - right < s - lo ? room - right : s - lo;
        }
        lo = s - left;
        hi = mlen >= CONTEXT_MAX ? s + CONTEXT_MAX : e + right;
    }
    if (!mask) return trawl_buf_json_str(out, p + lo, hi - lo);
    char tmp[2 * CONTEXT_MAX + 8];
    size_t n = hi - lo < sizeof(tmp) ? hi - lo : sizeof(tmp);
    memcpy(tmp, p + lo, n);
    mask_context(tmp, n, lo, 1, o, mask);
    return trawl_buf_json_str(out, tmp, n);
}

void trawl_hits_prepare(struct trawl_hit *hits, size_t n, const struct trawl_hit_origin *o)
{
    if (!n) return;
    qsort(hits, n, sizeof(*hits), cmp_hit);
    uint64_t line = o->line_base;
    size_t line_pos = o->line_at;
    for (size_t i = 0; i < n; i++) {
        size_t s = (size_t)(hits[i].offset - o->base_off);
        if (o->line_base && s >= line_pos) {
            line += trawl_count_lines(o->base + line_pos, s - line_pos);
            line_pos = s;
        }
        hits[i].line = o->line_base ? line : 0;
    }
}

void trawl_hit_id(const struct trawl_db *db, const struct trawl_hit *h,
                  const struct trawl_hit_origin *o, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    const struct trawl_db_ioc *c = &db->iocs[h->ioc];
    uint64_t k = trawl_hash64(o->file, strlen(o->file), h->offset * 2 + h->utf16);
    k = trawl_hash64(db->strings + c->value_off, c->value_len, k ^ c->type);
    if (o->job) k = trawl_hash64(o->job, strlen(o->job), k);
    if (o->net) { /* flows: offsets restart per direction, fields sit at 0 */
        const struct trawl_net_meta *n = o->net;
        uint64_t w[3] = {n->flow_id, n->packet, (uint64_t)(n->direction && n->direction[3] == 'c')};
        k = trawl_hash64(w, sizeof(w), k);
        if (n->field) k = trawl_hash64(n->field, strlen(n->field), k);
    }
    for (int i = 15; i >= 0; i--, k >>= 4)
        out[i] = hex[k & 15];
    out[16] = 0;
}

int trawl_hit_format(const struct trawl_db *db, const struct trawl_hit *h,
                     const struct trawl_hit_origin *o, bool redact,
                     const struct trawl_hit_mask *mask, struct trawl_buf *out)
{
    const struct trawl_db_ioc *c = &db->iocs[h->ioc];
    size_t s = (size_t)(h->offset - o->base_off);
    size_t e = s + h->len > o->len ? o->len : s + h->len;
    char ts[40], id[17];
    trawl_format_time(o->timestamp, ts, sizeof(ts));
    trawl_hit_id(db, h, o, id);
    int r = trawl_buf_printf(out,
                             "{\"timestamp\":\"%s\",\"event_type\":\"ioc\",\"hit_id\":\"%s\","
                             "\"ioc\":{\"id\":%u,\"value\":\"",
                             ts, id, h->ioc);
    if (redact) /* above the sink's TLP ceiling: the id stands for the value */
        r |= trawl_buf_printf(out, "ioc-%u", h->ioc);
    else
        r |= trawl_buf_json_str(out, db->strings + c->value_off, c->value_len);
    r |= trawl_buf_printf(out,
                          "\",\"type\":\"%s\",\"tlp\":\"%s\",\"severity\":\"%s\","
                          "\"sources\":[",
                          trawl_ioc_type_name(c->type), trawl_tlp_name(c->tlp),
                          trawl_severity_name(c->severity));
    for (unsigned k = 0; k < c->nsrc; k++) {
        const char *src = trawl_db_source(db, h->ioc, k);
        r |= trawl_buf_put(out, k ? ",\"" : "\"", k ? 2 : 1);
        r |= trawl_buf_json_str(out, src, strlen(src));
        r |= trawl_buf_putc(out, '"');
    }
    r |= trawl_buf_putc(out, ']');
    if (c->confidence >= 0) r |= trawl_buf_printf(out, ",\"confidence\":%d", c->confidence);
    if (c->warn_off != UINT32_MAX) { /* flagged by an allowlist at compile */
        r |= trawl_buf_put(out, ",\"warning\":\"", 12);
        const char *w = db->strings + c->warn_off;
        r |= trawl_buf_json_str(out, w, strlen(w));
        r |= trawl_buf_putc(out, '"');
    }
    if (redact) r |= trawl_buf_put(out, ",\"redacted\":true", 16);
    r |= trawl_buf_put(out, "},\"file\":\"", 10);
    r |= trawl_buf_json_str(out, o->file, strlen(o->file));
    r |= trawl_buf_putc(out, '"');
    if (o->db_id) { /* live capture: the database version that found the hit */
        r |= trawl_buf_put(out, ",\"db\":\"", 7);
        r |= trawl_buf_json_str(out, o->db_id, strlen(o->db_id));
        r |= trawl_buf_putc(out, '"');
    }
    if (o->net) { /* EVE's flow fields */
        const struct trawl_net_meta *n = o->net;
        r |= trawl_buf_printf(out,
                              ",\"flow_id\":%llu,\"src_ip\":\"%s\",\"src_port\":%u,"
                              "\"dest_ip\":\"%s\",\"dest_port\":%u,\"proto\":\"%s\","
                              "\"direction\":\"%s\",\"packet\":%llu,\"pcap_ts\":%.6f",
                              (unsigned long long)n->flow_id, n->src_ip, n->src_port, n->dest_ip,
                              n->dest_port, n->proto ? n->proto : "",
                              n->direction ? n->direction : "", (unsigned long long)n->packet,
                              n->pcap_ts);
        if (n->field) r |= trawl_buf_printf(out, ",\"field\":\"%s\"", n->field);
        if (n->npackets) {
            r |= trawl_buf_printf(out, ",\"packets\":%llu,\"packet_list\":[",
                                  (unsigned long long)n->npackets);
            for (uint32_t i = 0; i < n->npacket_list; i++)
                r |= trawl_buf_printf(out, i ? ",%llu" : "%llu",
                                      (unsigned long long)n->packet_list[i]);
            r |= trawl_buf_putc(out, ']');
        }
    }
    r |= trawl_buf_printf(out, ",\"offset\":%llu,\"length\":%u", (unsigned long long)h->offset,
                          h->len);
    if (h->line) r |= trawl_buf_printf(out, ",\"line\":%llu", (unsigned long long)h->line);
    if (h->utf16) r |= trawl_buf_put(out, ",\"encoding\":\"utf-16le\"", 22);
    if (!redact && o->base) { /* a redacted hit does not carry the bytes that name it */
        r |= trawl_buf_put(out, ",\"context\":\"", 12);
        r |= context(out, o->base, o->len, s, e, h->utf16, o, mask);
        r |= trawl_buf_putc(out, '"');
    }
    r |= trawl_buf_put(out, "}\n", 2);
    return r ? TRAWL_ENOMEM : 0;
}
