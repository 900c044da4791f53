/* Decoding: every supported link type, VLAN and QinQ tags, IPv4 and IPv6
 * (extension header chains), TCP and UDP fields, fragment reassembly
 * (out of order, overlapping, IPv6, timeouts, slot pressure), the checks
 * that make malformed headers counted and skipped, snap-length cuts, and
 * the symmetric flow key and the worker it picks with -j N. */
#include "netgen.h"

static uint8_t l4[70000], l3[70000], fr[70000];

static struct trawl_decoder *dec(void)
{
    struct trawl_decoder *d = NULL;
    cr_assert_eq(trawl_decode_new(NULL, &d), 0);
    return d;
}

static int decode(struct trawl_decoder *d, int link, const uint8_t *f, size_t n, uint32_t wire,
                  struct trawl_decoded *out)
{
    struct trawl_pkt pkt = {.data = f, .caplen = (uint32_t)n, .len = wire ? wire : (uint32_t)n};
    return trawl_decode_packet(d, link, &pkt, out);
}

static size_t tcp4(const char *payload)
{
    size_t a = mk_tcp(l4, 40000, 80, 1000, 2000, F_ACK | F_PSH, payload, strlen(payload));
    return mk_ip4(l3, "192.0.2.1", "198.51.100.7", 6, l4, a, 1, 0);
}

static void check_tcp4(const struct trawl_decoded *p, const char *payload)
{
    char a[64], b[64];
    cr_assert_eq(p->ipver, 4);
    cr_assert_eq(p->proto, 6);
    cr_assert_str_eq(trawl_addr_str(p->src, a, sizeof(a)), "192.0.2.1");
    cr_assert_str_eq(trawl_addr_str(p->dst, b, sizeof(b)), "198.51.100.7");
    cr_assert_eq(p->sport, 40000);
    cr_assert_eq(p->dport, 80);
    cr_assert_eq(p->seq, 1000);
    cr_assert_eq(p->ack, 2000);
    cr_assert_eq(p->tcp_flags, F_ACK | F_PSH);
    cr_assert_eq(p->payload_len, strlen(payload));
    cr_assert_eq(p->payload_wire, strlen(payload));
    cr_assert_eq(memcmp(p->payload, payload, strlen(payload)), 0);
}

Test(decode, ethernet_vlan_qinq)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    size_t n = tcp4("hello");
    size_t f = mk_eth(fr, NULL, 0, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "hello");
    cr_assert_eq(p.nvlan, 0);

    uint32_t one[] = {0x8100u << 16 | 100};
    f = mk_eth(fr, one, 1, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "hello");
    cr_assert_eq(p.nvlan, 1);
    cr_assert_eq(p.vlan[0], 100);

    uint32_t qinq[] = {0x88a8u << 16 | 7, 0x8100u << 16 | 0x2123 /* PCP bits masked */};
    f = mk_eth(fr, qinq, 2, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "hello");
    cr_assert_eq(p.nvlan, 2);
    cr_assert_eq(p.vlan[0], 7);
    cr_assert_eq(p.vlan[1], 0x123);

    uint32_t deep[] = {0x88a8u << 16 | 1, 0x9100u << 16 | 2, 0x8100u << 16 | 3, 0x8100u << 16 | 4,
                       0x8100u << 16 | 5};
    f = mk_eth(fr, deep, 5, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_VLAN_DEPTH);
    /* a tag cut short */
    f = mk_eth(fr, one, 1, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, 16, 0, &p), TRAWL_DEC_LINK_BAD);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, 13, 0, &p), TRAWL_DEC_LINK_BAD);
    /* ARP */
    f = mk_eth(fr, NULL, 0, 0x0806, l3, 28);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_NOT_IP);

    struct trawl_decode_stats st;
    trawl_decode_get_stats(d, &st);
    cr_assert_eq(st.frames, 7);
    cr_assert_eq(st.by_status[TRAWL_DEC_OK], 3);
    cr_assert_eq(st.by_status[TRAWL_DEC_VLAN_DEPTH], 1);
    cr_assert_eq(st.by_status[TRAWL_DEC_LINK_BAD], 2);
    cr_assert_eq(st.by_status[TRAWL_DEC_NOT_IP], 1);
    trawl_decode_free(d);
}

Test(decode, other_link_types)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    size_t n = tcp4("payload!");
    size_t f;

    f = mk_sll(fr, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_LINUX_SLL, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "payload!");
    f = mk_sll2(fr, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_LINUX_SLL2, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "payload!");
    cr_assert_eq(decode(d, DLT_RAW, l3, n, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "payload!");
    cr_assert_eq(decode(d, DLT_IPV4, l3, n, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "payload!");
    cr_assert_eq(decode(d, 101, l3, n, 0, &p), TRAWL_DEC_OK); /* LINKTYPE_RAW */
    f = mk_null(fr, 2, false, l3, n);
    cr_assert_eq(decode(d, DLT_NULL, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "payload!");
    f = mk_null(fr, 2, true, l3, n); /* written on a big-endian host */
    cr_assert_eq(decode(d, DLT_NULL, fr, f, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(decode(d, DLT_LOOP, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "payload!");
    cr_assert_eq(decode(d, DLT_NULL, fr, 3, 0, &p), TRAWL_DEC_LINK_BAD);
    f = mk_null(fr, 7, false, l3, n);
    cr_assert_eq(decode(d, DLT_NULL, fr, f, 0, &p), TRAWL_DEC_NOT_IP);
    cr_assert_eq(decode(d, 147, fr, f, 0, &p), TRAWL_DEC_LINKTYPE);
    cr_assert_not(trawl_decode_linktype_supported(147));
    cr_assert(trawl_decode_linktype_supported(DLT_LINUX_SLL2));

    /* IPv6 over SLL, SLL2, raw and NULL (Darwin, FreeBSD, OpenBSD values) */
    size_t a = mk_udp(l4, 5353, 53, "v6!", 3);
    size_t m = mk_ip6(l3, "2001:db8::1", "2001:db8::2", 17, NULL, 0, l4, a);
    f = mk_sll(fr, 0x86dd, l3, m);
    cr_assert_eq(decode(d, DLT_LINUX_SLL, fr, f, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(p.ipver, 6);
    f = mk_sll2(fr, 0x86dd, l3, m);
    cr_assert_eq(decode(d, DLT_LINUX_SLL2, fr, f, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(decode(d, DLT_IPV6, l3, m, 0, &p), TRAWL_DEC_OK);
    uint32_t afs[] = {24, 28, 30};
    for (int i = 0; i < 3; i++) {
        f = mk_null(fr, afs[i], false, l3, m);
        cr_assert_eq(decode(d, DLT_NULL, fr, f, 0, &p), TRAWL_DEC_OK);
        cr_assert_eq(p.ipver, 6);
        cr_assert_eq(p.proto, 17);
        cr_assert_eq(p.sport, 5353);
        cr_assert_eq(p.payload_len, 3);
    }
    /* not IP at all on a raw link */
    uint8_t junk[40] = {0x20};
    cr_assert_eq(decode(d, DLT_RAW, junk, 40, 0, &p), TRAWL_DEC_NOT_IP);
    trawl_decode_free(d);
}

Test(decode, mpls_pppoe)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    size_t n = tcp4("x");
    uint8_t inner[200];
    /* two MPLS labels */
    uint8_t lab[8] = {0, 1, 0x20, 64, 0, 2, 0x21, 64};
    memcpy(inner, lab, 8);
    memcpy(inner + 8, l3, n);
    size_t f = mk_eth(fr, NULL, 0, 0x8847, inner, 8 + n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "x");
    /* PPPoE session carrying IPv4 */
    uint8_t pppoe[8] = {0x11, 0, 0, 1, 0, 0, 0x00, 0x21};
    memcpy(inner, pppoe, 8);
    memcpy(inner + 8, l3, n);
    f = mk_eth(fr, NULL, 0, 0x8864, inner, 8 + n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_OK);
    check_tcp4(&p, "x");
    trawl_decode_free(d);
}

Test(decode, ipv6_extension_headers)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    size_t a = mk_tcp(l4, 1111, 443, 5, 6, F_SYN, "", 0);
    /* hop-by-hop (8) -> routing (24) -> destination options (16) -> AH (16) -> TCP */
    uint8_t ext[64] = {0};
    ext[0] = 43, ext[1] = 0;   /* hop-by-hop, 8 bytes */
    ext[8] = 60, ext[9] = 2;   /* routing, 24 bytes */
    ext[32] = 51, ext[33] = 1; /* destination options, 16 bytes */
    ext[48] = 6, ext[49] = 2;  /* AH: (2 + 2) * 4 = 16 bytes */
    size_t m = mk_ip6(l3, "2001:db8::a", "::ffff:203.0.113.9", 0, ext, 64, l4, a);
    size_t f = mk_eth(fr, NULL, 0, 0x86dd, l3, m);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(p.ipver, 6);
    cr_assert_eq(p.proto, 6);
    cr_assert_eq(p.sport, 1111);
    cr_assert_eq(p.dport, 443);
    cr_assert_eq(p.tcp_flags, F_SYN);
    char b[64];
    /* IPv4-mapped IPv6 looks like IPv4 */
    cr_assert_str_eq(trawl_addr_str(p.dst, b, sizeof(b)), "203.0.113.9");
    cr_assert_str_eq(trawl_addr_str(p.src, b, sizeof(b)), "2001:db8::a");

    /* chain cut short by the payload length */
    m = mk_ip6(l3, "2001:db8::a", "2001:db8::b", 0, ext, 20, NULL, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_IP6_EXT);
    /* an endless chain of destination options */
    uint8_t loop[8 * 20] = {0};
    for (int i = 0; i < 20; i++)
        loop[i * 8] = 60;
    m = mk_ip6(l3, "2001:db8::a", "2001:db8::b", 60, loop, sizeof(loop), NULL, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_IP6_EXT);
    /* no next header: decoded, no ports */
    m = mk_ip6(l3, "2001:db8::a", "2001:db8::b", 59, NULL, 0, NULL, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(p.proto, 59);
    cr_assert_eq(p.sport, 0);
    /* payload length beyond the frame on the wire */
    m = mk_ip6(l3, "2001:db8::a", "2001:db8::b", 17, NULL, 0, l4, 8);
    put16(l3 + 4, 5000);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_IP6_BAD);
    cr_assert_eq(decode(d, DLT_RAW, l3, 30, 0, &p), TRAWL_DEC_IP6_BAD);
    trawl_decode_free(d);
}

Test(decode, malformed_headers)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    size_t n = tcp4("abc");
    /* IHL below 5 */
    l3[0] = 0x44;
    cr_assert_eq(decode(d, DLT_RAW, l3, n, 0, &p), TRAWL_DEC_IP4_BAD);
    /* IHL beyond the frame */
    l3[0] = 0x4f;
    cr_assert_eq(decode(d, DLT_RAW, l3, 40, 0, &p), TRAWL_DEC_IP4_BAD);
    l3[0] = 0x45;
    /* total length below the header */
    put16(l3 + 2, 10);
    cr_assert_eq(decode(d, DLT_RAW, l3, n, 0, &p), TRAWL_DEC_IP4_BAD);
    /* total length beyond the wire length: bogus */
    put16(l3 + 2, 9000);
    cr_assert_eq(decode(d, DLT_RAW, l3, n, 0, &p), TRAWL_DEC_IP4_BAD);
    put16(l3 + 2, (uint16_t)n);
    /* TCP data offset beyond the segment, and below 5 */
    l3[20 + 12] = 0xf0;
    cr_assert_eq(decode(d, DLT_RAW, l3, n, 0, &p), TRAWL_DEC_TCP_BAD);
    l3[20 + 12] = 0x30;
    cr_assert_eq(decode(d, DLT_RAW, l3, n, 0, &p), TRAWL_DEC_TCP_BAD);
    /* TCP header cut */
    size_t a = mk_tcp(l4, 1, 2, 3, 4, 0, "", 0);
    size_t m = mk_ip4(l3, "10.0.0.1", "10.0.0.2", 6, l4, 10, 1, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_TCP_BAD);
    (void)a;
    /* UDP length beyond the datagram, and below 8 */
    a = mk_udp(l4, 1, 2, "abcd", 4);
    put16(l4 + 4, 300);
    m = mk_ip4(l3, "10.0.0.1", "10.0.0.2", 17, l4, a, 1, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_UDP_BAD);
    put16(l3 + 20 + 4, 4);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_UDP_BAD);
    /* UDP length shorter than the datagram: the payload ends there */
    put16(l3 + 20 + 4, 10);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(p.payload_len, 2);
    /* an ICMP packet: the IP payload, no ports */
    m = mk_ip4(l3, "10.0.0.1", "10.0.0.2", 1, "\x08\x00\x00\x00", 4, 1, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(p.proto, 1);
    cr_assert_eq(p.payload_len, 4);
    struct trawl_decode_stats st;
    trawl_decode_get_stats(d, &st);
    cr_assert_eq(st.by_status[TRAWL_DEC_IP4_BAD], 4);
    cr_assert_eq(st.by_status[TRAWL_DEC_TCP_BAD], 3);
    cr_assert_eq(st.by_status[TRAWL_DEC_UDP_BAD], 2);
    cr_assert_str_eq(trawl_decode_status_name(TRAWL_DEC_UDP_BAD), "udp_bad");
    cr_assert_str_eq(trawl_decode_status_name(99), "unknown");
    trawl_decode_free(d);
}

Test(decode, padding_and_snap_cut)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    /* a small frame padded to 60 bytes: padding is not payload */
    size_t n = tcp4("ab");
    size_t f = mk_eth(fr, NULL, 0, 0x0800, l3, n);
    memset(fr + f, 0xee, 64);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, 60, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(p.payload_len, 2);
    /* cut by the snap length: decoded as far as captured */
    char big[1000];
    memset(big, 'z', sizeof(big));
    big[999] = 0;
    n = tcp4(big);
    f = mk_eth(fr, NULL, 0, 0x0800, l3, n);
    cr_assert_eq(decode(d, DLT_EN10MB, fr, 100, (uint32_t)f, &p), TRAWL_DEC_OK);
    cr_assert_eq(p.payload_len, 100 - 54);
    cr_assert_eq(p.payload_wire, 999);
    /* caplen > len: only len bytes */
    cr_assert_eq(decode(d, DLT_EN10MB, fr, f, (uint32_t)f - 10, &p), TRAWL_DEC_IP4_BAD);
    struct trawl_decode_stats st;
    trawl_decode_get_stats(d, &st);
    cr_assert_eq(st.snap_cut, 1);
    cr_assert_eq(st.caplen_gt_len, 1);
    trawl_decode_free(d);
}

/* IPv4 fragments of a UDP datagram; order gives the sending order. */
static int frag4(struct trawl_decoder *d, const uint8_t *dgram, size_t n, size_t piece,
                 const int *order, int nord, uint16_t id, int64_t ts, struct trawl_decoded *p)
{
    int rc = -1;
    for (int i = 0; i < nord; i++) {
        size_t off = (size_t)order[i] * piece;
        size_t len = off + piece < n ? piece : n - off;
        bool more = off + len < n;
        size_t m = mk_ip4(l3, "10.1.1.1", "10.2.2.2", 17, dgram + off, len, id,
                          (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
        struct trawl_pkt pkt = {.data = l3, .caplen = (uint32_t)m, .len = (uint32_t)m, .ts_ns = ts};
        rc = trawl_decode_packet(d, DLT_RAW, &pkt, p);
        if (i < nord - 1) cr_assert_eq(rc, TRAWL_DEC_FRAG_HELD, "fragment %d: %d", i, rc);
    }
    return rc;
}

Test(decode, ipv4_fragments)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    static uint8_t pl[3000], dg[3100];
    for (size_t i = 0; i < sizeof(pl); i++)
        pl[i] = (uint8_t)('a' + i % 26);
    memcpy(pl + 1500, "evil.example.com", 16);
    size_t n = mk_udp(dg, 4444, 53, pl, sizeof(pl));
    int order[] = {2, 0, 3, 1};
    cr_assert_eq(frag4(d, dg, n, 800, order, 4, 77, 0, &p), TRAWL_DEC_OK);
    cr_assert(p.reassembled);
    cr_assert_eq(p.proto, 17);
    cr_assert_eq(p.sport, 4444);
    cr_assert_eq(p.payload_len, sizeof(pl));
    cr_assert_eq(memcmp(p.payload, pl, sizeof(pl)), 0);

    /* a duplicate and an overlapping fragment with other bytes: first wins */
    int dup[] = {0, 0, 1, 2, 3};
    cr_assert_eq(frag4(d, dg, n, 800, dup, 5, 78, 0, &p), TRAWL_DEC_OK);
    cr_assert_eq(memcmp(p.payload, pl, sizeof(pl)), 0);
    {
        int first[] = {0, 1};
        frag4(d, dg, n, 800, first, 2, 79, 0, &p);
        static uint8_t evil[3100];
        memcpy(evil, dg, n);
        memset(evil + 800, 'X', 800);
        int second[] = {1, 2, 3};
        cr_assert_eq(frag4(d, evil, n, 800, second, 3, 79, 0, &p), TRAWL_DEC_OK);
        cr_assert_eq(memcmp(p.payload, pl, sizeof(pl)), 0);
    }

    /* a non-final fragment whose length is not a multiple of 8 */
    size_t m = mk_ip4(l3, "10.1.1.1", "10.2.2.2", 17, dg, 13, 80, 0x2000);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_FRAG_BAD);
    /* beyond 64 KiB */
    m = mk_ip4(l3, "10.1.1.1", "10.2.2.2", 17, dg, 800, 81, 0x1fff);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_FRAG_BAD);

    /* timeout: an incomplete datagram is dropped after 30 s of packet time */
    int part[] = {0};
    frag4(d, dg, n, 800, part, 1, 90, 0, &p);
    int rest[] = {1, 2, 3};
    cr_assert_eq(frag4(d, dg, n, 800, rest, 3, 90, 31ll * 1000000000, &p), TRAWL_DEC_FRAG_HELD);
    struct trawl_decode_stats st;
    trawl_decode_get_stats(d, &st);
    cr_assert_eq(st.frag_done, 3);
    cr_assert_eq(st.frag_timeout, 1);
    cr_assert_eq(st.by_status[TRAWL_DEC_FRAG_BAD], 2);
    trawl_decode_free(d);
}

Test(decode, fragment_slots_pressure)
{
    struct trawl_decode_cfg cfg = {.frag_slots = 4};
    struct trawl_decoder *d = NULL;
    cr_assert_eq(trawl_decode_new(&cfg, &d), 0);
    struct trawl_decoded p;
    static uint8_t dg[2000], pl[1600];
    size_t n = mk_udp(dg, 1, 2, pl, sizeof(pl));
    int first[] = {0};
    for (uint16_t id = 1; id <= 10; id++)
        frag4(d, dg, n, 800, first, 1, id, id, &p);
    struct trawl_decode_stats st;
    trawl_decode_get_stats(d, &st);
    cr_assert_eq(st.frag_evicted, 6);
    /* the newest ones are still there */
    int rest[] = {1, 2};
    cr_assert_eq(frag4(d, dg, n, 800, rest, 2, 10, 11, &p), TRAWL_DEC_OK);
    trawl_decode_free(d);
}

Test(decode, ipv6_fragments)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    static uint8_t pl[2000], dg[2100], ext[8];
    for (size_t i = 0; i < sizeof(pl); i++)
        pl[i] = (uint8_t)i;
    size_t n = mk_udp(dg, 53, 3333, pl, sizeof(pl));
    size_t cut = 1232;
    /* second fragment first */
    for (int k = 1; k >= 0; k--) {
        size_t off = k ? cut : 0, len = k ? n - cut : cut;
        ext[0] = 17;
        ext[1] = 0;
        put16(ext + 2, (uint16_t)(off | (k ? 0 : 1)));
        put32(ext + 4, 0xabcdef);
        size_t m = mk_ip6(l3, "2001:db8::1", "2001:db8::2", 44, ext, 8, dg + off, len);
        int rc = decode(d, DLT_RAW, l3, m, 0, &p);
        cr_assert_eq(rc, k ? TRAWL_DEC_FRAG_HELD : TRAWL_DEC_OK);
    }
    cr_assert(p.reassembled);
    cr_assert_eq(p.ipver, 6);
    cr_assert_eq(p.sport, 53);
    cr_assert_eq(p.payload_len, sizeof(pl));
    cr_assert_eq(memcmp(p.payload, pl, sizeof(pl)), 0);
    /* an atomic fragment (offset 0, no more) is just decoded */
    ext[0] = 17;
    put16(ext + 2, 0);
    size_t m = mk_ip6(l3, "2001:db8::1", "2001:db8::2", 44, ext, 8, dg, 20);
    put16(l3 + 40 + 8 + 4, 20);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_OK);
    cr_assert_not(p.reassembled);
    trawl_decode_free(d);
}

Test(decode, symmetric_flow_key)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded a, b;
    size_t x = mk_tcp(l4, 40000, 80, 1, 2, F_ACK, "", 0);
    size_t m = mk_ip4(l3, "10.9.9.9", "10.0.0.1", 6, l4, x, 1, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &a), 0);
    x = mk_tcp(l4, 80, 40000, 2, 1, F_ACK, "", 0);
    m = mk_ip4(l3, "10.0.0.1", "10.9.9.9", 6, l4, x, 1, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &b), 0);
    struct trawl_flow_key ka, kb;
    int da = trawl_decode_flow_key(&a, &ka), db = trawl_decode_flow_key(&b, &kb);
    cr_assert_neq(da, db);
    cr_assert_eq(memcmp(&ka, &kb, sizeof(ka)), 0);
    cr_assert_eq(trawl_decode_flow_hash(&a), trawl_decode_flow_hash(&b));
    /* another port: another hash */
    b.sport = 81;
    cr_assert_neq(trawl_decode_flow_hash(&a), trawl_decode_flow_hash(&b));
    /* same address both ends: ports decide */
    memcpy(b.src, a.src, 16);
    memcpy(b.dst, a.src, 16);
    b.sport = 5, b.dport = 6;
    struct trawl_flow_key kc;
    cr_assert_eq(trawl_decode_flow_key(&b, &kc), 0);
    b.sport = 6, b.dport = 5;
    cr_assert_eq(trawl_decode_flow_key(&b, &kb), 1);
    cr_assert_eq(memcmp(&kc, &kb, sizeof(kc)), 0);
    trawl_decode_free(d);
}

/* The worker a packet goes to with -j N (trawl_flow_worker over the
 * symmetric flow hash): A->B and B->A land on the same worker, for IPv4
 * and IPv6, TCP and UDP, whatever VLAN tag each direction carries, and a
 * datagram rebuilt from fragments lands where the unfragmented answer does.
 * Flows spread about evenly. */
static unsigned worker_of(const struct trawl_decoded *p, unsigned n)
{
    return trawl_flow_worker(trawl_decode_flow_hash(p), n);
}

static void both_ways(struct trawl_decoder *d, bool v6, uint8_t proto, const char *a, const char *b,
                      uint16_t pa, uint16_t pb, uint32_t tag_ab, uint32_t tag_ba)
{
    static const unsigned ns[] = {1, 2, 3, 4, 7, 8, 16, 64};
    struct trawl_decoded x, y;
    for (int dir = 0; dir < 2; dir++) {
        const char *s = dir ? b : a, *t = dir ? a : b;
        uint16_t ps = dir ? pb : pa, pt = dir ? pa : pb;
        size_t m =
            proto == 6 ? mk_tcp(l4, ps, pt, 1, 2, F_ACK, "x", 1) : mk_udp(l4, ps, pt, "x", 1);
        m = v6 ? mk_ip6(l3, s, t, proto, NULL, 0, l4, m) : mk_ip4(l3, s, t, proto, l4, m, 7, 0);
        uint32_t tag = dir ? tag_ba : tag_ab;
        size_t f = mk_eth(fr, &tag, tag ? 1 : 0, v6 ? 0x86dd : 0x0800, l3, m);
        cr_assert_eq(decode(d, DLT_EN10MB, fr, f, 0, dir ? &y : &x), TRAWL_DEC_OK);
    }
    for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        unsigned wx = worker_of(&x, ns[i]), wy = worker_of(&y, ns[i]);
        cr_assert_lt(wx, ns[i]);
        cr_assert_eq(wx, wy, "%s:%u <-> %s:%u proto %u, %u workers: %u vs %u", a, pa, b, pb, proto,
                     ns[i], wx, wy);
    }
}

Test(decode, flow_worker_symmetric)
{
    struct trawl_decoder *d = dec();
    char a[64], b[64];
    uint32_t x = 99;
    for (int i = 0; i < 2000; i++) {
        x = x * 1103515245 + 12345;
        uint32_t r = x >> 8;
        bool v6 = i % 2;
        if (v6) {
            snprintf(a, sizeof(a), "2001:db8:%x::%x", r & 0xffff, (r >> 7) & 0xfff);
            snprintf(b, sizeof(b), "2a00:%x:%x::1", (r >> 3) & 0xfff, i);
        } else {
            snprintf(a, sizeof(a), "10.%u.%u.%u", r & 255, (r >> 8) & 255, i % 250 + 1);
            snprintf(b, sizeof(b), "198.51.%u.%u", (r >> 16) & 255, (i * 7) % 250 + 1);
        }
        uint16_t pa = (uint16_t)(1024 + r % 60000), pb = (uint16_t)(i % 3 ? 80 : 53 + i);
        both_ways(d, v6, i % 3 ? 6 : 17, a, b, pa, pb, 0, 0);
    }
    /* the same address on both ends: ports order the key */
    both_ways(d, false, 6, "10.0.0.1", "10.0.0.1", 5000, 80, 0, 0);
    both_ways(d, true, 17, "::1", "::1", 53, 5353, 0, 0);
    /* a span port tagging the two directions differently */
    both_ways(d, false, 6, "10.1.2.3", "192.0.2.9", 40000, 443, 0x81000064, 0x810000c8);
    both_ways(d, true, 6, "2001:db8::5", "2001:db8:1::6", 40000, 443, 0x81000001, 0);
    trawl_decode_free(d);
}

Test(decode, flow_worker_fragments)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p, q;
    static uint8_t pl[2000], dg[2100];
    memset(pl, 'z', sizeof(pl));
    size_t n = mk_udp(dg, 4444, 53, pl, sizeof(pl));
    int order[] = {1, 2, 0};
    cr_assert_eq(frag4(d, dg, n, 704, order, 3, 99, 0, &p), TRAWL_DEC_OK);
    cr_assert(p.reassembled);
    cr_assert_eq(p.sport, 4444);
    size_t m = mk_udp(l4, 53, 4444, "answer", 6);
    m = mk_ip4(l3, "10.2.2.2", "10.1.1.1", 17, l4, m, 5, 0);
    cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &q), TRAWL_DEC_OK);
    for (unsigned w = 1; w <= 16; w++)
        cr_assert_eq(worker_of(&p, w), worker_of(&q, w));
    trawl_decode_free(d);
}

Test(decode, flow_worker_spread)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    unsigned count[4] = {0};
    char a[32];
    for (unsigned i = 0; i < 20000; i++) {
        snprintf(a, sizeof(a), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
        size_t m = mk_tcp(l4, (uint16_t)(20000 + i % 30000), 443, 1, 2, F_ACK, "", 0);
        m = mk_ip4(l3, a, "192.0.2.1", 6, l4, m, 1, 0);
        cr_assert_eq(decode(d, DLT_RAW, l3, m, 0, &p), TRAWL_DEC_OK);
        count[worker_of(&p, 4)]++;
    }
    for (int w = 0; w < 4; w++)
        cr_assert(count[w] > 4500 && count[w] < 5500, "worker %d has %u of 20000 flows", w,
                  count[w]);
    trawl_decode_free(d);
}

/* Arbitrary bytes on every link type never crash (run under ASan). */
Test(decode, random_bytes)
{
    struct trawl_decoder *d = dec();
    struct trawl_decoded p;
    uint32_t x = 12345;
    static const int links[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
                                DLT_NULL,   DLT_LOOP,      DLT_IPV4,       DLT_IPV6};
    for (int it = 0; it < 200000; it++) {
        size_t n = (size_t)(x % 120);
        uint8_t *buf = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245 + 12345;
            buf[i] = (uint8_t)(x >> 16);
        }
        /* bias towards plausible headers */
        if (n > 20 && it % 2) {
            buf[0] = (uint8_t)(it % 4 ? 0x45 : 0x60);
            buf[9] = (uint8_t)(it % 3 ? 6 : 17);
            buf[6] &= 0x3f;
        }
        struct trawl_pkt pkt = {
            .data = buf, .caplen = (uint32_t)n, .len = (uint32_t)n + (x & 7), .ts_ns = it};
        int rc = trawl_decode_packet(d, links[it % 8], &pkt, &p);
        cr_assert(rc >= 0 && rc < TRAWL_DEC_NSTATUS);
        if (rc == TRAWL_DEC_OK && p.payload_len)
            cr_assert(p.reassembled || (p.payload >= buf && p.payload + p.payload_len <= buf + n));
        free(buf);
    }
    trawl_decode_free(d);
}
