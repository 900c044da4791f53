/* Packet decoding: link layers (Ethernet with 802.1Q/802.1ad/QinQ tags,
 * MPLS and PPPoE sessions, Linux SLL and SLL2, raw IP, BSD loopback) down to
 * IPv4/IPv6 (extension headers walked, fragments rebuilt within caps) and
 * TCP/UDP. Every length is checked against the bytes captured before it is
 * used; a frame that fails a check is counted under its reason and skipped.
 * Also the canonical flow key and symmetric hash that send both directions
 * of a flow to one worker. */
#include <arpa/inet.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "trawl_capture.h"

/* Largest IP payload a rebuilt datagram may have (IPv4 total length and the
 * IPv6 payload length are 16-bit). */
#define FRAG_BUF 65536u
#define FRAG_BLOCKS (FRAG_BUF / 8)
#define MAX_IP6_EXT 16
#define LINKTYPE_RAW_ALT 101 /* LINKTYPE_RAW, in case a reader leaves it unmapped */

/* One datagram being rebuilt. Presence is tracked per 8-byte block (the
 * unit of fragment offsets); a block is written once, so the first copy of
 * overlapping data wins. */
struct frag {
    bool used;
    bool have_last;
    uint8_t ver, proto;
    uint32_t id;
    uint8_t src[16], dst[16];
    int64_t first_ts;
    uint32_t total;   /* payload length, known once the last fragment came */
    uint32_t max_end; /* highest end offset seen */
    uint32_t nset;    /* blocks present */
    uint8_t *buf;
    uint64_t bits[FRAG_BLOCKS / 64];
};

struct trawl_decoder {
    struct trawl_decode_stats st;
    uint32_t nfrag;
    int64_t frag_timeout_ns;
    struct frag *frags;
    uint8_t *frag_mem;
    uint32_t frags_used;
};

static const char *const status_names[TRAWL_DEC_NSTATUS] = {
    "ok",      "frag_held", "not_ip",  "linktype", "link_bad", "vlan_depth",
    "ip4_bad", "ip6_bad",   "ip6_ext", "tcp_bad",  "udp_bad",  "frag_bad",
};

const char *trawl_decode_status_name(int status)
{
    if (status < 0 || status >= TRAWL_DEC_NSTATUS) return "unknown";
    return status_names[status];
}

static inline uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int trawl_decode_new(const struct trawl_decode_cfg *cfg, struct trawl_decoder **ret)
{
    if (!ret) return TRAWL_EINVAL;
    struct trawl_decoder *d = calloc(1, sizeof(*d));
    if (!d) return TRAWL_ENOMEM;
    d->nfrag = cfg && cfg->frag_slots ? cfg->frag_slots : 64;
    uint32_t to = cfg && cfg->frag_timeout_s ? cfg->frag_timeout_s : 30;
    d->frag_timeout_ns = (int64_t)to * 1000000000;
    d->frags = calloc(d->nfrag, sizeof(*d->frags));
    /* address space only: pages are touched when fragments arrive */
    d->frag_mem = malloc((size_t)d->nfrag * FRAG_BUF);
    if (!d->frags || !d->frag_mem) {
        trawl_decode_free(d);
        return TRAWL_ENOMEM;
    }
    for (uint32_t i = 0; i < d->nfrag; i++)
        d->frags[i].buf = d->frag_mem + (size_t)i * FRAG_BUF;
    *ret = d;
    return 0;
}

void trawl_decode_free(struct trawl_decoder *d)
{
    if (!d) return;
    free(d->frags);
    free(d->frag_mem);
    free(d);
}

void trawl_decode_get_stats(const struct trawl_decoder *d, struct trawl_decode_stats *st)
{
    *st = d->st;
}

bool trawl_decode_linktype_supported(int linktype)
{
    switch (linktype) {
    case DLT_NULL:
    case DLT_EN10MB:
    case DLT_RAW:
    case LINKTYPE_RAW_ALT:
    case DLT_LOOP:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_IPV4:
    case DLT_IPV6:
        return true;
    default:
        return false;
    }
}

static void map4(uint8_t dst[16], const uint8_t *v4)
{
    memset(dst, 0, 10);
    dst[10] = 0xff;
    dst[11] = 0xff;
    memcpy(dst + 12, v4, 4);
}

/* ---- transport ------------------------------------------------------------ */

/* p: the IP payload, cap bytes captured of wire bytes declared. */
static int l4(uint8_t proto, const uint8_t *p, uint32_t cap, uint32_t wire,
              struct trawl_decoded *out)
{
    out->proto = proto;
    out->sport = out->dport = 0;
    out->seq = out->ack = 0;
    out->tcp_flags = 0;
    if (proto == 6) {
        if (cap < 20) return TRAWL_DEC_TCP_BAD;
        uint32_t doff = (uint32_t)(p[12] >> 4) * 4;
        if (doff < 20 || doff > cap) return TRAWL_DEC_TCP_BAD;
        out->sport = be16(p);
        out->dport = be16(p + 2);
        out->seq = be32(p + 4);
        out->ack = be32(p + 8);
        out->tcp_flags = p[13];
        out->payload = p + doff;
        out->payload_len = cap - doff;
        out->payload_wire = wire - doff;
        return TRAWL_DEC_OK;
    }
    if (proto == 17) {
        if (cap < 8) return TRAWL_DEC_UDP_BAD;
        uint32_t ulen = be16(p + 4);
        if (ulen < 8 || ulen > wire) return TRAWL_DEC_UDP_BAD;
        out->sport = be16(p);
        out->dport = be16(p + 2);
        out->payload = p + 8;
        out->payload_len = (ulen < cap ? ulen : cap) - 8;
        out->payload_wire = ulen - 8;
        return TRAWL_DEC_OK;
    }
    out->payload = p;
    out->payload_len = cap;
    out->payload_wire = wire;
    return TRAWL_DEC_OK;
}

/* ---- fragments ------------------------------------------------------------ */

static void frag_release(struct trawl_decoder *d, struct frag *f)
{
    if (!f->used) return;
    f->used = false;
    d->frags_used--;
}

static struct frag *frag_slot(struct trawl_decoder *d, uint8_t ver, uint8_t proto, uint32_t id,
                              const struct trawl_decoded *out, int64_t ts)
{
    struct frag *hit = NULL, *free_slot = NULL, *oldest = NULL;
    for (uint32_t i = 0; i < d->nfrag; i++) {
        struct frag *f = &d->frags[i];
        if (f->used && ts - f->first_ts > d->frag_timeout_ns) {
            frag_release(d, f);
            d->st.frag_timeout++;
        }
        if (!f->used) {
            if (!free_slot) free_slot = f;
            continue;
        }
        if (f->id == id && f->ver == ver && f->proto == proto && !memcmp(f->src, out->src, 16) &&
            !memcmp(f->dst, out->dst, 16))
            hit = f;
        if (!oldest || f->first_ts < oldest->first_ts) oldest = f;
    }
    if (hit) return hit;
    struct frag *f = free_slot;
    if (!f) {
        f = oldest;
        frag_release(d, f);
        d->st.frag_evicted++;
    }
    f->used = true;
    d->frags_used++;
    f->have_last = false;
    f->ver = ver;
    f->proto = proto;
    f->id = id;
    memcpy(f->src, out->src, 16);
    memcpy(f->dst, out->dst, 16);
    f->first_ts = ts;
    f->total = f->max_end = f->nset = 0;
    memset(f->bits, 0, sizeof(f->bits));
    return f;
}

/* Adds one fragment (data[0..len) at byte offset off of the payload). When
 * the datagram is complete, decodes its transport header into *out. */
static int frag_add(struct trawl_decoder *d, uint8_t ver, uint8_t proto, uint32_t id, uint32_t off,
                    bool more, const uint8_t *data, uint32_t len, int64_t ts,
                    struct trawl_decoded *out)
{
    uint32_t end = off + len;
    if (end > FRAG_BUF - 1 || (more && (len == 0 || len % 8 != 0))) return TRAWL_DEC_FRAG_BAD;
    struct frag *f = frag_slot(d, ver, proto, id, out, ts);
    if (!more) {
        if ((f->have_last && end != f->total) || f->max_end > end) {
            frag_release(d, f); /* two different ends: the datagram cannot be trusted */
            return TRAWL_DEC_FRAG_BAD;
        }
        f->have_last = true;
        f->total = end;
    } else if (f->have_last && end > f->total) {
        frag_release(d, f);
        return TRAWL_DEC_FRAG_BAD;
    }
    if (end > f->max_end) f->max_end = end;
    for (uint32_t b = off / 8; b * 8 < end; b++) {
        uint64_t bit = 1ull << (b % 64);
        if (f->bits[b / 64] & bit) continue; /* first copy wins */
        uint32_t s = b * 8, e = s + 8 < end ? s + 8 : end;
        memcpy(f->buf + s, data + (s - off), e - s);
        f->bits[b / 64] |= bit;
        f->nset++;
    }
    if (!f->have_last || f->nset != (f->total + 7) / 8) return TRAWL_DEC_FRAG_HELD;
    frag_release(d, f); /* the buffer stays intact until the slot is reused */
    d->st.frag_done++;
    out->reassembled = true;
    return l4(f->proto, f->buf, f->total, f->total, out);
}

/* ---- IP ------------------------------------------------------------------- */

/* n: bytes captured from p on; miss: bytes of the frame not captured. */
static int ip4(struct trawl_decoder *d, const uint8_t *p, uint32_t n, uint32_t miss, int64_t ts,
               struct trawl_decoded *out)
{
    if (n < 20 || p[0] >> 4 != 4) return TRAWL_DEC_IP4_BAD;
    uint32_t ihl = (uint32_t)(p[0] & 15) * 4;
    uint32_t tot = be16(p + 2);
    if (ihl < 20 || ihl > n || tot < ihl) return TRAWL_DEC_IP4_BAD;
    uint32_t avail = tot;
    if (tot > n) {
        if (tot > n + miss) return TRAWL_DEC_IP4_BAD; /* longer than the frame on the wire */
        avail = n;
        d->st.snap_cut++;
    }
    out->ipver = 4;
    map4(out->src, p + 12);
    map4(out->dst, p + 16);
    out->l3 = p;
    out->l3_len = avail;
    uint16_t fo = be16(p + 6);
    bool more = fo & 0x2000;
    uint32_t off = (uint32_t)(fo & 0x1fff) * 8;
    if (more || off) {
        if (avail < tot) return TRAWL_DEC_FRAG_BAD;
        out->proto = p[9];
        return frag_add(d, 4, p[9], be16(p + 4), off, more, p + ihl, tot - ihl, ts, out);
    }
    return l4(p[9], p + ihl, avail - ihl, tot - ihl, out);
}

static int ip6(struct trawl_decoder *d, const uint8_t *p, uint32_t n, uint32_t miss, int64_t ts,
               struct trawl_decoded *out)
{
    if (n < 40 || p[0] >> 4 != 6) return TRAWL_DEC_IP6_BAD;
    uint32_t tot = 40 + be16(p + 4);
    uint32_t avail = tot;
    if (tot > n) {
        if (tot > n + miss) return TRAWL_DEC_IP6_BAD;
        avail = n;
        d->st.snap_cut++;
    }
    out->ipver = 6;
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
    out->l3 = p;
    out->l3_len = avail;
    uint8_t nh = p[6];
    uint32_t off = 40;
    for (int i = 0;; i++) {
        if (i == MAX_IP6_EXT) return TRAWL_DEC_IP6_EXT;
        uint32_t hl;
        switch (nh) {
        case 0:   /* hop-by-hop */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: /* shim6 */
        case 253:
        case 254: /* experiments */
            if (off + 2 > avail) return TRAWL_DEC_IP6_EXT;
            hl = ((uint32_t)p[off + 1] + 1) * 8;
            break;
        case 51: /* AH */
            if (off + 2 > avail) return TRAWL_DEC_IP6_EXT;
            hl = ((uint32_t)p[off + 1] + 2) * 4;
            break;
        case 44: { /* fragment */
            if (off + 8 > avail) return TRAWL_DEC_IP6_EXT;
            uint8_t next = p[off];
            uint16_t fo = be16(p + off + 2);
            uint32_t id = be32(p + off + 4);
            off += 8;
            if ((fo & 0xfff8) == 0 && !(fo & 1)) { /* atomic fragment */
                nh = next;
                continue;
            }
            if (avail < tot) return TRAWL_DEC_FRAG_BAD;
            out->proto = next;
            return frag_add(d, 6, next, id, fo & 0xfff8, fo & 1, p + off, tot - off, ts, out);
        }
        default:
            return l4(nh, p + off, avail - off, tot - off, out);
        }
        if (off + hl > avail) return TRAWL_DEC_IP6_EXT;
        nh = p[off];
        off += hl;
    }
}

static int ip_any(struct trawl_decoder *d, const uint8_t *p, uint32_t n, uint32_t miss, int64_t ts,
                  struct trawl_decoded *out)
{
    if (n < 1) return TRAWL_DEC_LINK_BAD;
    switch (p[0] >> 4) {
    case 4:
        return ip4(d, p, n, miss, ts, out);
    case 6:
        return ip6(d, p, n, miss, ts, out);
    default:
        return TRAWL_DEC_NOT_IP;
    }
}

/* ---- link layers ---------------------------------------------------------- */

/* An EtherType and what follows: VLAN tags, MPLS labels, PPPoE sessions,
 * then IPv4 or IPv6. */
static int ether_chain(struct trawl_decoder *d, uint16_t type, const uint8_t *p, uint32_t n,
                       uint32_t miss, int64_t ts, struct trawl_decoded *out)
{
    for (int hops = 0; hops < 16; hops++) {
        switch (type) {
        case 0x0800:
            return ip4(d, p, n, miss, ts, out);
        case 0x86dd:
            return ip6(d, p, n, miss, ts, out);
        case 0x8100: /* 802.1Q */
        case 0x88a8: /* 802.1ad (QinQ outer) */
        case 0x9100: /* pre-standard QinQ */
            if (out->nvlan == TRAWL_DEC_MAX_VLAN) return TRAWL_DEC_VLAN_DEPTH;
            if (n < 4) return TRAWL_DEC_LINK_BAD;
            out->vlan[out->nvlan++] = be16(p) & 0x0fff;
            type = be16(p + 2);
            p += 4;
            n -= 4;
            break;
        case 0x8847: /* MPLS unicast: labels until bottom of stack, then IP by version */
        case 0x8848:
            for (;;) {
                if (n < 4) return TRAWL_DEC_LINK_BAD;
                bool bos = p[2] & 1;
                p += 4;
                n -= 4;
                if (bos) break;
                if (++hops >= 16) return TRAWL_DEC_LINK_BAD;
            }
            return ip_any(d, p, n, miss, ts, out);
        case 0x8864: /* PPPoE session: 6 bytes, then the PPP protocol */
            if (n < 8) return TRAWL_DEC_LINK_BAD;
            switch (be16(p + 6)) {
            case 0x0021:
                return ip4(d, p + 8, n - 8, miss, ts, out);
            case 0x0057:
                return ip6(d, p + 8, n - 8, miss, ts, out);
            default:
                return TRAWL_DEC_NOT_IP;
            }
        default:
            return TRAWL_DEC_NOT_IP;
        }
    }
    return TRAWL_DEC_LINK_BAD;
}

static int link_null(struct trawl_decoder *d, const uint8_t *p, uint32_t n, uint32_t miss,
                     int64_t ts, struct trawl_decoded *out, bool net_order)
{
    if (n < 4) return TRAWL_DEC_LINK_BAD;
    /* DLT_NULL holds the address family in the writer's byte order */
    uint32_t a = be32(p), b = net_order ? a : le32(p);
    uint32_t afs[2] = {b, a};
    for (int i = 0; i < 2; i++) {
        switch (afs[i]) {
        case 2: /* AF_INET everywhere */
            return ip4(d, p + 4, n - 4, miss, ts, out);
        case 10: /* Linux */
        case 24: /* NetBSD, OpenBSD, BSD/OS */
        case 28: /* FreeBSD */
        case 30: /* Darwin */
            return ip6(d, p + 4, n - 4, miss, ts, out);
        default:
            break;
        }
    }
    return TRAWL_DEC_NOT_IP;
}

int trawl_decode_packet(struct trawl_decoder *d, int linktype, const struct trawl_pkt *pkt,
                        struct trawl_decoded *out)
{
    d->st.frames++;
    uint32_t n = pkt->caplen, miss = 0;
    if (pkt->len < n) {
        d->st.caplen_gt_len++;
        n = pkt->len;
    } else {
        miss = pkt->len - n;
    }
    const uint8_t *p = pkt->data;
    out->nvlan = 0;
    out->reassembled = false;
    int rc;
    switch (linktype) {
    case DLT_EN10MB:
        rc = n < 14 ? TRAWL_DEC_LINK_BAD
                    : ether_chain(d, be16(p + 12), p + 14, n - 14, miss, pkt->ts_ns, out);
        break;
    case DLT_LINUX_SLL:
        rc = n < 16 ? TRAWL_DEC_LINK_BAD
                    : ether_chain(d, be16(p + 14), p + 16, n - 16, miss, pkt->ts_ns, out);
        break;
    case DLT_LINUX_SLL2:
        rc = n < 20 ? TRAWL_DEC_LINK_BAD
                    : ether_chain(d, be16(p), p + 20, n - 20, miss, pkt->ts_ns, out);
        break;
    case DLT_RAW:
    case LINKTYPE_RAW_ALT:
        rc = ip_any(d, p, n, miss, pkt->ts_ns, out);
        break;
    case DLT_IPV4:
        rc = ip4(d, p, n, miss, pkt->ts_ns, out);
        break;
    case DLT_IPV6:
        rc = ip6(d, p, n, miss, pkt->ts_ns, out);
        break;
    case DLT_NULL:
        rc = link_null(d, p, n, miss, pkt->ts_ns, out, false);
        break;
    case DLT_LOOP:
        rc = link_null(d, p, n, miss, pkt->ts_ns, out, true);
        break;
    default:
        rc = TRAWL_DEC_LINKTYPE;
        break;
    }
    d->st.by_status[rc]++;
    return rc;
}

/* ---- flow keys ------------------------------------------------------------ */

int trawl_decode_flow_key(const struct trawl_decoded *pkt, struct trawl_flow_key *key)
{
    int c = memcmp(pkt->src, pkt->dst, 16);
    bool src_lo = c < 0 || (c == 0 && pkt->sport <= pkt->dport);
    if (src_lo) {
        memcpy(key->lo, pkt->src, 16);
        memcpy(key->hi, pkt->dst, 16);
        key->plo = pkt->sport;
        key->phi = pkt->dport;
    } else {
        memcpy(key->lo, pkt->dst, 16);
        memcpy(key->hi, pkt->src, 16);
        key->plo = pkt->dport;
        key->phi = pkt->sport;
    }
    key->proto = pkt->proto;
    memset(key->pad, 0, sizeof(key->pad));
    return src_lo ? 0 : 1;
}

uint64_t trawl_flow_key_hash(const struct trawl_flow_key *key)
{
    return trawl_hash64(key, sizeof(*key), 0x7472617760ull);
}

uint64_t trawl_decode_flow_hash(const struct trawl_decoded *pkt)
{
    struct trawl_flow_key k;
    trawl_decode_flow_key(pkt, &k);
    return trawl_flow_key_hash(&k);
}

/* The high half of the hash, scaled to n: flow tables index their buckets
 * with the low bits, so with a power-of-two n a worker's flows would
 * otherwise all share the same low bits and fill only 1/n of its buckets. */
unsigned trawl_flow_worker(uint64_t flow_hash, unsigned nworkers)
{
    return (unsigned)(((flow_hash >> 32) * (uint64_t)nworkers) >> 32);
}

const char *trawl_addr_str(const uint8_t addr[16], char *buf, size_t bufsz)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(addr, mapped, 12))
        inet_ntop(AF_INET, addr + 12, buf, (socklen_t)bufsz);
    else
        inet_ntop(AF_INET6, addr, buf, (socklen_t)bufsz);
    return buf;
}
