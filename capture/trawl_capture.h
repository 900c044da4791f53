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

/* For a mapped raw file: n bytes of content from offset off into buf, with
 * pread (copying a block costs less than faulting the mapping in: the
 * scanner reads its steps this way and keeps the mapping for nothing else).
 * Returns the bytes read, fewer than n only at the end of the file (one that
 * shrank since it was opened ends early), or < 0 with err naming the path
 * (TRAWL_EUNSUPPORTED for a source that is not mapped). */
ssize_t trawl_src_pread(struct trawl_src *src, uint8_t *buf, size_t n, uint64_t off,
                        struct trawl_error *err);

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

/* ---- network ------------------------------------------------------------ */
/* Packets: libpcap reads capture files (pcap, pcapng, either gzip-compressed)
 * and live interfaces; the decoder takes frames down to IPv4/IPv6 and TCP/UDP
 * (rebuilding fragmented datagrams); a flow table per worker restores TCP
 * byte streams; the protocol parsers pick named fields (DNS names, HTTP host
 * and URL, TLS SNI, SMTP envelope) out of datagrams and streams. Each object
 * below is used by one thread at a time; distinct objects are independent.
 * Nothing here allocates or makes system calls per packet in the steady
 * state, except libpcap's own reads. */

struct trawl_pcap;

/* One captured frame. data is owned by the reader and stays valid until the
 * next trawl_pcap_next or trawl_pcap_close on the same reader. */
struct trawl_pkt {
    const uint8_t *data;
    uint32_t caplen; /* bytes in data */
    uint32_t len;    /* length on the wire (may be < caplen in damaged files) */
    int64_t ts_ns;   /* capture time, ns since the epoch */
    uint64_t index;  /* 1-based position in the capture (Suricata's pcap_cnt) */
};

/* trawl_pcap_open flags */
#define TRAWL_PCAP_ANY_LINK 0x1u /* accept link types the decoder does not know */

/* Opens a capture file: pcap or pcapng, plain or gzip-compressed, path "-" =
 * standard input. Regular uncompressed files go straight to libpcap; gzip
 * and standard input go through a trawl_src (see above). Fails with
 * TRAWL_EFORMAT when the file is not a capture libpcap accepts, and with
 * TRAWL_EUNSUPPORTED when its link type is not one trawl_decode_packet knows
 * (unless TRAWL_PCAP_ANY_LINK). err->where names the path. Returns 0 and
 * *ret, or < 0. */
int trawl_pcap_open(const char *path, unsigned flags, struct trawl_pcap **ret,
                    struct trawl_error *err);

/* Opens a live capture on interface ifname (a span or mirror port): snaplen
 * bytes per packet (0 = 262144), promiscuous when promisc, 64 MiB kernel
 * buffer, reads return at least every 100 ms. Needs CAP_NET_RAW. Returns 0
 * and *ret, or < 0 with libpcap's message. */
int trawl_pcap_open_live(const char *ifname, uint32_t snaplen, bool promisc,
                         struct trawl_pcap **ret, struct trawl_error *err);

/* Installs a BPF filter (tcpdump syntax, e.g. "udp port 53") on a live
 * capture (in the kernel) or a file: frames it rejects are not returned.
 * Returns 0, or TRAWL_EINVAL with libpcap's message. */
int trawl_pcap_set_filter(struct trawl_pcap *p, const char *expr, struct trawl_error *err);

/* Next frame into *pkt. Returns 1 (a frame), 0 at the end of the file (or
 * after trawl_pcap_break), 2 when a live capture had nothing within its
 * timeout, or < 0 on error: err->where = "path#N" where N is the 1-based
 * index of the packet that could not be read, msg says why ("truncated dump
 * file; ...", "truncated gzip stream"); frames returned before are good.
 * After an error, further calls return the same error. */
int trawl_pcap_next(struct trawl_pcap *p, struct trawl_pkt *pkt, struct trawl_error *err);

/* libpcap link type (DLT_*) of the capture. pcapng files with interfaces of
 * different link types are refused by libpcap at open or read. */
int trawl_pcap_linktype(const struct trawl_pcap *p);

/* Frames returned so far. */
uint64_t trawl_pcap_count(const struct trawl_pcap *p);

/* Live capture counters from the kernel (received, dropped by the kernel or
 * the interface). Returns 0, or TRAWL_EUNSUPPORTED for files. */
int trawl_pcap_stats(struct trawl_pcap *p, uint64_t *received, uint64_t *dropped);

/* Makes a blocked or future trawl_pcap_next return 0. Safe from a signal
 * handler or another thread. */
void trawl_pcap_break(struct trawl_pcap *p);

/* Closes and frees. Accepts NULL. */
void trawl_pcap_close(struct trawl_pcap *p);

/* ---- network: decoding -------------------------------------------------- */

struct trawl_decoder;

/* Why a frame was not handed on (trawl_decode_packet's return value). All
 * are counted; none is fatal. Header fields are checked against the bytes
 * captured before they are used, never trusted. */
enum trawl_dec_status {
    TRAWL_DEC_OK = 0,     /* *out holds an IP packet */
    TRAWL_DEC_FRAG_HELD,  /* a fragment was stored; its datagram is not complete yet */
    TRAWL_DEC_NOT_IP,     /* ARP, LLDP, other EtherTypes or address families */
    TRAWL_DEC_LINKTYPE,   /* link type not supported */
    TRAWL_DEC_LINK_BAD,   /* link-layer header cut short */
    TRAWL_DEC_VLAN_DEPTH, /* more than TRAWL_DEC_MAX_VLAN tags */
    TRAWL_DEC_IP4_BAD,    /* IPv4: header cut short, version, IHL or total length wrong */
    TRAWL_DEC_IP6_BAD,    /* IPv6: header cut short, version, payload length wrong */
    TRAWL_DEC_IP6_EXT,    /* IPv6 extension header chain cut short or too long */
    TRAWL_DEC_TCP_BAD,    /* TCP header cut short or data offset wrong */
    TRAWL_DEC_UDP_BAD,    /* UDP header cut short or length wrong */
    TRAWL_DEC_FRAG_BAD,   /* fragment dropped: conflicting, over the size cap, bad length */
    TRAWL_DEC_NSTATUS
};

/* Name for stats output: "ok", "frag_held", "not_ip", "linktype", ... */
const char *trawl_decode_status_name(int status);

#define TRAWL_DEC_MAX_VLAN 4

/* A decoded packet. Pointers go into the frame or, for a datagram rebuilt
 * from fragments (reassembled), into the decoder; either way they stay
 * valid until the next trawl_decode_packet on the same decoder and while
 * the frame is. */
struct trawl_decoded {
    uint8_t ipver; /* 4 or 6 */
    uint8_t proto; /* IP protocol: 6 TCP, 17 UDP, 1 ICMP, ... (after extension headers) */
    uint8_t tcp_flags;
    uint8_t nvlan;
    uint16_t vlan[TRAWL_DEC_MAX_VLAN]; /* VLAN ids, outermost first */
    /* Addresses in IPv6 form; IPv4 as IPv4-mapped (::ffff:a.b.c.d), so an
     * IPv4 indicator meets IPv4-mapped IPv6 addresses the same way. */
    uint8_t src[16], dst[16];
    uint16_t sport, dport;  /* host order; 0 without ports */
    uint32_t seq, ack;      /* TCP, host order */
    const uint8_t *payload; /* TCP/UDP payload; for other protocols the IP payload */
    uint32_t payload_len;   /* bytes captured */
    uint32_t payload_wire;  /* bytes the headers declare (> payload_len when cut by snaplen) */
    bool reassembled;       /* rebuilt from fragments */
    const uint8_t *l3;      /* IP header (first fragment's for rebuilt datagrams) */
    uint32_t l3_len;
};

struct trawl_decode_cfg {
    uint32_t frag_slots;     /* datagrams rebuilt at once (default 64) */
    uint32_t frag_timeout_s; /* packet time before an incomplete datagram is dropped (30) */
};

struct trawl_decode_stats {
    uint64_t frames;
    uint64_t by_status[TRAWL_DEC_NSTATUS];
    uint64_t caplen_gt_len; /* frames whose caplen exceeded len: only min(caplen, len) used */
    uint64_t snap_cut;  /* IP packets cut short by the snap length (decoded as far as captured) */
    uint64_t frag_done; /* datagrams rebuilt */
    uint64_t frag_timeout; /* incomplete datagrams dropped after frag_timeout_s */
    uint64_t frag_evicted; /* incomplete datagrams dropped because all slots were busy */
};

/* A decoder for one worker: counters and the fragment slots (preallocated:
 * frag_slots x 64 KiB of address space). cfg NULL = defaults. */
int trawl_decode_new(const struct trawl_decode_cfg *cfg, struct trawl_decoder **ret);
/* Frees. Accepts NULL. */
void trawl_decode_free(struct trawl_decoder *d);

/* True when trawl_decode_packet can decode frames of this DLT_* link type:
 * Ethernet (802.1Q/802.1ad/QinQ tags), Linux SLL and SLL2, raw IP (DLT_RAW,
 * IPV4, IPV6), BSD loopback NULL and LOOP. */
bool trawl_decode_linktype_supported(int linktype);

/* Decodes one frame of the given link type. Returns TRAWL_DEC_OK with *out
 * filled, or the status saying why not (*out then undefined). IPv4 and
 * IPv6 fragments are held until their datagram is complete; the frame that
 * completes it yields the whole datagram (reassembled = true). */
int trawl_decode_packet(struct trawl_decoder *d, int linktype, const struct trawl_pkt *pkt,
                        struct trawl_decoded *out);

void trawl_decode_get_stats(const struct trawl_decoder *d, struct trawl_decode_stats *st);

/* A flow's 5-tuple in canonical order: the lower (address, port) end first,
 * so both directions give the same key. VLAN ids are not part of it (a span
 * port may tag the two directions differently). */
struct trawl_flow_key {
    uint8_t lo[16], hi[16];
    uint16_t plo, phi;
    uint8_t proto;
    uint8_t pad[3]; /* zero */
};

/* Fills *key for pkt; returns 0 when pkt's source is the key's lo end, 1 when
 * it is the hi end. */
int trawl_decode_flow_key(const struct trawl_decoded *pkt, struct trawl_flow_key *key);

/* Symmetric flow hash (same value for both directions): for handing packets
 * to workers and for flow tables. */
uint64_t trawl_decode_flow_hash(const struct trawl_decoded *pkt);
uint64_t trawl_flow_key_hash(const struct trawl_flow_key *key);

/* The worker, from 0 to nworkers - 1 (>= 1), that owns the flow of hash
 * flow_hash (trawl_decode_flow_hash): the same for both directions, so a
 * flow's packets all meet on one worker. Uses the hash's high bits, which
 * the flow tables do not use for their buckets. Thread-safe. */
unsigned trawl_flow_worker(uint64_t flow_hash, unsigned nworkers);

/* Formats a 16-byte address: dotted quad for IPv4-mapped, RFC 5952 text
 * otherwise. buf must hold 46 bytes. Returns buf. */
const char *trawl_addr_str(const uint8_t addr[16], char *buf, size_t bufsz);

/* ---- network: flows and TCP streams ------------------------------------- */

struct trawl_flows;

/* Direction of a packet or chunk: from the flow's initiator (the sender of
 * the first SYN, otherwise of the first packet seen) or towards it. */
#define TRAWL_DIR_TO_SERVER 0
#define TRAWL_DIR_TO_CLIENT 1

/* In-order bytes of one direction of a flow. For TCP, offset counts stream
 * bytes from the first byte after the SYN (or from the first byte seen when
 * the connection was picked up midstream); gap is set when bytes before
 * this chunk were lost (never captured, cut by the snap length, beyond the
 * buffering caps) so a stream scanner must not join the two sides. A UDP
 * datagram or other IP payload is one chunk with offset 0. */
struct trawl_flow_chunk {
    const uint8_t *data;
    uint32_t len;
    uint8_t dir;
    bool gap;
    uint64_t offset;
};

#define TRAWL_FLOW_MAX_CHUNKS 40

/* What one packet did to its flow. Chunk data points into the packet or
 * into the flow table's reassembly buffers and stays valid until the next
 * call on the same flow table. Chunks may belong to the other direction
 * (its buffered bytes released when this packet acknowledged a loss). */
struct trawl_flow_pkt {
    uint64_t flow_id;  /* unique in this table, from 1 */
    void *user;        /* the flow's user area (cfg.user_size bytes; see cfg.user_hot) */
    uint8_t dir;       /* TRAWL_DIR_* of this packet */
    bool new_flow;     /* first packet of the flow */
    bool new_dir;      /* first packet of the flow in this direction */
    uint64_t dir_pkts; /* packets of this flow in this direction, this one included */
    unsigned nchunks;
    struct trawl_flow_chunk chunks[TRAWL_FLOW_MAX_CHUNKS];
};

enum trawl_flow_end_reason {
    TRAWL_FLOW_END_TIMEOUT, /* idle longer than its timeout, by packet time */
    TRAWL_FLOW_END_EVICTED, /* table full or rings short: the least recently seen of a sample */
    TRAWL_FLOW_END_REUSED,  /* a new connection on the same 5-tuple after FIN/RST */
    TRAWL_FLOW_END_FLUSH,   /* trawl_flows_flush (end of input) */
};

/* Handed to cfg.on_end when a flow leaves the table. chunks hold bytes still
 * buffered out of order, released now with gaps (valid during the call). */
struct trawl_flow_end {
    uint64_t flow_id;
    void *user;
    int reason; /* enum trawl_flow_end_reason */
    struct trawl_flow_key key;
    uint8_t client_is_lo;      /* initiator is the key's lo end */
    uint64_t pkts[2];          /* per TRAWL_DIR_* */
    uint64_t bytes[2];         /* payload bytes on the wire per direction */
    uint64_t first_pkt[2];     /* packet index of first sight per direction (0 = none) */
    int64_t first_ts, last_ts; /* ns */
    unsigned nchunks;
    struct trawl_flow_chunk chunks[TRAWL_FLOW_MAX_CHUNKS];
};

struct trawl_flows_cfg {
    uint32_t max_flows;        /* table size, preallocated (default 65536) */
    uint32_t tcp_timeout_s;    /* idle timeout of TCP flows (default 600) */
    uint32_t udp_timeout_s;    /* UDP and other protocols (default 120) */
    uint32_t closed_timeout_s; /* TCP after FIN both ways or RST (default 10) */
    uint32_t window;           /* out-of-order buffer per direction, power of 2 (default 65536) */
    uint64_t mem_cap;          /* all out-of-order buffers together (default 64 MiB) */
    size_t user_size;          /* per-flow area for the caller, zeroed at flow start */
    /* Leading bytes of the user area that every packet touches: prefetched
     * with the entry (trawl_flows_prefetch_flow), and when non-zero the
     * only ones zeroed at flow start (the caller tracks what the rest holds). */
    size_t user_hot;
    void (*on_end)(void *ud, const struct trawl_flow_end *end);
    void *ud;
};

struct trawl_flows_stats {
    uint64_t packets, flows, active, ended_timeout, evicted_full, evicted_mem, reused;
    uint64_t tcp_ooo_segs;  /* segments buffered out of order */
    uint64_t tcp_retrans;   /* bytes seen again (retransmissions, overlaps): first copy kept */
    uint64_t tcp_gap_bytes; /* stream bytes skipped as lost */
    uint64_t tcp_ooo_drop;  /* out-of-order segments dropped (too fragmented) */
    uint64_t windows_peak;  /* out-of-order buffers in use at most */
};

/* A flow table for one worker. cfg NULL = defaults. Memory is taken up front:
 * max_flows entries and mem_cap / window buffers (address space, touched as
 * used). Returns 0 and *ret, or TRAWL_EINVAL / TRAWL_ENOMEM. */
int trawl_flows_new(const struct trawl_flows_cfg *cfg, struct trawl_flows **ret);

/* Frees without calling on_end (call trawl_flows_flush first for that).
 * Accepts NULL. */
void trawl_flows_free(struct trawl_flows *ft);

/* Accounts pkt (decoded from capture packet index at ts_ns) to its flow,
 * creating it, and fills *out. A few table entries are checked per packet
 * and flows idle past their timeout ended (on_end) as packet time advances;
 * a flow met again after its timeout starts anew. TCP streams are restored
 * per direction; see flow.c for the reassembly policy. Returns 0, or
 * TRAWL_ENOMEM when no flow could be made (cannot happen with max_flows >= 1). */
int trawl_flows_packet(struct trawl_flows *ft, const struct trawl_decoded *pkt, int64_t ts_ns,
                       uint64_t index, struct trawl_flow_pkt *out);
/* The same, with the flow hash the caller already has
 * (trawl_decode_flow_hash of pkt). */
int trawl_flows_packet_hashed(struct trawl_flows *ft, const struct trawl_decoded *pkt,
                              uint64_t hash, int64_t ts_ns, uint64_t index,
                              struct trawl_flow_pkt *out);

/* Optional prefetches for a worker that holds a batch of decoded packets:
 * with tens of thousands of flows, the bucket and the flow entry are two
 * cache misses per packet. Call prefetch_bucket for each packet of the
 * batch (hash = trawl_decode_flow_hash), then prefetch_flow for each, then
 * trawl_flows_packet for each. No effect on results. */
void trawl_flows_prefetch_bucket(const struct trawl_flows *ft, uint64_t hash);
void trawl_flows_prefetch_flow(const struct trawl_flows *ft, uint64_t hash);

/* Ends every flow idle since before now_ns - timeout (live capture with no
 * traffic). */
void trawl_flows_expire(struct trawl_flows *ft, int64_t now_ns);

/* Calls fn for every flow whose last packet came at a time in [from_ns,
 * before_ns), with the fields of an end record (no chunks; reason unset):
 * the flow goes on. Successive calls with adjacent ranges visit a flow once
 * per pause in its traffic (live capture: see netscan.c). fn must not call
 * into the table. */
void trawl_flows_each_idle(struct trawl_flows *ft, int64_t from_ns, int64_t before_ns,
                           void (*fn)(void *ud, const struct trawl_flow_end *v), void *ud);

/* Ends every flow (on_end with TRAWL_FLOW_END_FLUSH), in table order. */
void trawl_flows_flush(struct trawl_flows *ft);

void trawl_flows_get_stats(const struct trawl_flows *ft, struct trawl_flows_stats *st);

/* ---- network: protocol fields ------------------------------------------- */

/* Receives one field: a static name ("dns.query", "dns.answer", "http.host",
 * "http.uri", "http.url", "tls.sni", "smtp.mail_from", "smtp.rcpt_to") and
 * its value (not NUL-terminated; valid during the call). DNS names come
 * dotted without the trailing dot, DNS addresses as text. */
typedef void (*trawl_proto_emit_fn)(void *ud, const char *field, const char *value, size_t len);

/* Stateless parsers of one whole message or buffer. Each returns the number
 * of fields emitted, or < 0 (TRAWL_EFORMAT) when the bytes are not what it
 * parses; fields emitted before the damage stand. Thread-safe. */

/* A DNS message (UDP payload, or a TCP message without its length prefix):
 * question names and answer records (owner names when they differ from the
 * question, A/AAAA addresses, CNAME/NS/PTR/MX/SRV targets). Compression
 * pointers must point backwards and are followed at most 64 times. */
int trawl_proto_dns(const uint8_t *msg, size_t len, trawl_proto_emit_fn emit, void *ud);

/* HTTP/1.x request heads from the start of buf (pipelined requests with
 * Content-Length bodies followed): http.uri, http.host (without port),
 * http.url ("http://" Host URI, or the absolute URI as sent). */
int trawl_proto_http(const uint8_t *buf, size_t len, trawl_proto_emit_fn emit, void *ud);

/* A TLS record holding a ClientHello: the server_name extension. */
int trawl_proto_tls(const uint8_t *buf, size_t len, trawl_proto_emit_fn emit, void *ud);

/* SMTP client lines: MAIL FROM:<a> and RCPT TO:<a> (case-insensitive,
 * parameters after the address ignored, the null path <> skipped). */
int trawl_proto_smtp(const uint8_t *buf, size_t len, trawl_proto_emit_fn emit, void *ud);

/* Stream state of one flow direction, kept by the caller (e.g. in the flow's
 * user area), zero-initialised. Fields are private. */
struct trawl_proto_dir {
    uint8_t app;
    uint8_t flags;
    uint16_t slot; /* head buffer + 1, 0 = none */
};

struct trawl_proto;

/* Per-worker parser state: a pool of nbufs head buffers of 16 KiB (default
 * 256) that hold a request head or ClientHello split across TCP segments.
 * nbufs 0 = default. */
int trawl_proto_new(unsigned nbufs, struct trawl_proto **ret);
void trawl_proto_free(struct trawl_proto *p);

/* A UDP payload between ports sport and dport: DNS on 53, 5353 and 5355. */
int trawl_proto_udp(struct trawl_proto *p, uint16_t sport, uint16_t dport, const uint8_t *data,
                    size_t len, trawl_proto_emit_fn emit, void *ud);

/* An in-order TCP chunk (from trawl_flows_packet) of the direction whose
 * state is *st; dport is the port the chunk is sent to. The application is
 * told from the first bytes of the direction (HTTP method, TLS handshake,
 * EHLO/HELO, or port 53 for DNS over TCP); HTTP heads are parsed at chunk
 * starts after that (keep-alive), a head or ClientHello cut across segments
 * is collected in a head buffer first. A gap ends collection. Returns the
 * number of fields emitted. */
int trawl_proto_tcp(struct trawl_proto *p, struct trawl_proto_dir *st, uint16_t dport,
                    const struct trawl_flow_chunk *c, trawl_proto_emit_fn emit, void *ud);

/* Releases the head buffer of *st (call when the flow ends). */
void trawl_proto_dir_end(struct trawl_proto *p, struct trawl_proto_dir *st);

/* Heads that did not fit the pool or the 16 KiB cap (parsed partially). */
uint64_t trawl_proto_overflows(const struct trawl_proto *p);

#endif
