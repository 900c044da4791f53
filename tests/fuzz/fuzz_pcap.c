/* libFuzzer target: a capture file through the whole network path of the
 * capture layer: trawl_pcap_open/next (libpcap, pcap and pcapng), the
 * decoder (link layers, IPv4/IPv6, fragments), the flow table with TCP
 * reassembly (out of order, overlaps, gaps; small caps so eviction runs)
 * and the protocol parsers (DNS, HTTP, TLS, SMTP). Checks: errors carry a
 * message naming the file and packet; released TCP chunks continue their
 * direction's stream offset unless marked as a gap; field values are short
 * enough to be names. */
#include <string.h>

#include "fuzz_util.h"
#include "trawl_capture.h"

struct user {
    struct trawl_proto_dir pd[2];
    uint64_t next[2]; /* expected stream offset per direction */
    bool seen[2];
};

static struct trawl_proto *proto;

static void on_field(void *ud, const char *field, const char *value, size_t len)
{
    (void)ud;
    FUZZ_CHECK(field && field[0], "field without a name");
    FUZZ_CHECK(len < (1u << 20), "field %s of %zu bytes", field, len);
    if (len) FUZZ_CHECK(value != NULL, "field %s without a value", field);
}

static void check_chunk(struct user *u, const struct trawl_flow_chunk *c)
{
    FUZZ_CHECK(c->dir < 2, "direction %u", c->dir);
    if (u->seen[c->dir] && !c->gap)
        FUZZ_CHECK(c->offset == u->next[c->dir], "chunk at %llu, stream at %llu",
                   (unsigned long long)c->offset, (unsigned long long)u->next[c->dir]);
    u->seen[c->dir] = true;
    u->next[c->dir] = c->offset + c->len;
}

static void on_end(void *ud, const struct trawl_flow_end *e)
{
    (void)ud;
    struct user *u = e->user;
    for (unsigned i = 0; i < e->nchunks; i++)
        check_chunk(u, &e->chunks[i]);
    trawl_proto_dir_end(proto, &u->pd[0]);
    trawl_proto_dir_end(proto, &u->pd[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_file file;
    fuzz_file_put(&file, data, size);
    struct trawl_pcap *pc = NULL;
    struct trawl_error err = {0};
    if (trawl_pcap_open(file.path, 0, &pc, &err)) {
        FUZZ_CHECK(err.msg[0], "open refused without a message");
        return 0;
    }
    struct trawl_decoder *d = NULL;
    struct trawl_flows *ft = NULL;
    struct trawl_decode_cfg dc = {.frag_slots = 4, .frag_timeout_s = 5};
    struct trawl_flows_cfg fc = {.max_flows = 16,
                                 .window = 4096,
                                 .mem_cap = 16384,
                                 .user_size = sizeof(struct user),
                                 .on_end = on_end};
    FUZZ_CHECK(!trawl_decode_new(&dc, &d) && !trawl_proto_new(4, &proto) &&
                   !trawl_flows_new(&fc, &ft),
               "setup");
    int link = trawl_pcap_linktype(pc);
    struct trawl_pkt pkt;
    struct trawl_decoded dp;
    static struct trawl_flow_pkt fp;
    int rc;
    while ((rc = trawl_pcap_next(pc, &pkt, &err)) == 1) {
        if (trawl_decode_packet(d, link, &pkt, &dp) != TRAWL_DEC_OK) continue;
        if (trawl_flows_packet(ft, &dp, pkt.ts_ns, pkt.index, &fp)) continue;
        struct user *u = fp.user;
        for (unsigned i = 0; i < fp.nchunks; i++) {
            const struct trawl_flow_chunk *c = &fp.chunks[i];
            if (dp.proto == 6) {
                check_chunk(u, c);
                uint16_t dport = c->dir == fp.dir ? dp.dport : dp.sport;
                trawl_proto_tcp(proto, &u->pd[c->dir], dport, c, on_field, NULL);
            } else if (dp.proto == 17) {
                trawl_proto_udp(proto, dp.sport, dp.dport, c->data, c->len, on_field, NULL);
            }
        }
    }
    if (rc < 0) FUZZ_CHECK(err.msg[0] && err.where[0], "read error without a message or place");
    trawl_flows_flush(ft);
    trawl_flows_free(ft);
    trawl_proto_free(proto);
    proto = NULL;
    trawl_decode_free(d);
    trawl_pcap_close(pc);
    return 0;
}
