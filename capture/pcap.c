/* Capture files and live interfaces through libpcap. Regular uncompressed
 * files are opened by path (libpcap's fastest path); gzip-compressed
 * captures and standard input come through a trawl_src wrapped in a stdio
 * FILE by fopencookie, so libpcap reads decompressed bytes and the sniffed
 * bytes of a pipe are not lost. Errors name the file and the packet index. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trawl_capture.h"

/* stdio buffer between a trawl_src and libpcap: large, so the cookie's read
 * function (one trawl_src_read each) runs rarely. */
#define COOKIE_BUF (256u << 10)

struct trawl_pcap {
    pcap_t *pc;
    char *path;
    struct trawl_src *src; /* gzip, stdin */
    FILE *fp;
    char *fbuf;
    uint64_t count;
    int linktype;
    bool live;
    int live_fd;                /* live: pcap_get_selectable_fd, polled by trawl_pcap_next */
    volatile sig_atomic_t stop; /* trawl_pcap_break */
    bool src_failed;            /* the trawl_src reported an error through the cookie */
    struct trawl_error src_err;
    bool failed;
    struct trawl_error fail;
};

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    struct trawl_pcap *p = cookie;
    ssize_t r = trawl_src_read(p->src, (uint8_t *)buf, size, &p->src_err);
    if (r < 0) {
        p->src_failed = true;
        errno = EIO;
        return -1;
    }
    return r;
}

static struct trawl_pcap *pcap_alloc(const char *name, struct trawl_error *err)
{
    struct trawl_pcap *p = calloc(1, sizeof(*p));
    if (!p || !(p->path = strdup(name))) {
        free(p);
        trawl_error_set(err, TRAWL_ENOMEM, name, "out of memory");
        return NULL;
    }
    return p;
}

/* The link-type check shared by the file openers. */
static int check_link(struct trawl_pcap *p, unsigned flags, struct trawl_error *err)
{
    p->linktype = pcap_datalink(p->pc);
    if (!(flags & TRAWL_PCAP_ANY_LINK) && !trawl_decode_linktype_supported(p->linktype)) {
        const char *name = pcap_datalink_val_to_name(p->linktype);
        return trawl_error_set(err, TRAWL_EUNSUPPORTED, p->path, "unsupported link type %d (%s)",
                               p->linktype, name ? name : "unknown");
    }
    return 0;
}

int trawl_pcap_open(const char *path, unsigned flags, struct trawl_pcap **ret,
                    struct trawl_error *err)
{
    if (!path || !ret) return trawl_error_set(err, TRAWL_EINVAL, path, "no path");
    struct trawl_pcap *p = pcap_alloc(path, err);
    if (!p) return TRAWL_ENOMEM;
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    int rc;

    rc = trawl_src_open(path, 0, &p->src, err);
    if (rc < 0) goto fail;
    enum trawl_input_kind kind = trawl_src_kind(p->src);
    if (kind == TRAWL_IN_RAW) {
        rc = trawl_error_set(err, TRAWL_EFORMAT, path, "not a pcap or pcapng capture");
        goto fail;
    }
    bool direct = kind != TRAWL_IN_GZIP && strcmp(path, "-") != 0;
    uint8_t head[24];
    size_t hlen = 0;
    while (direct && kind == TRAWL_IN_PCAP && hlen < sizeof(head)) {
        ssize_t n = trawl_src_read(p->src, head + hlen, sizeof(head) - hlen, NULL);
        if (n <= 0) break;
        hlen += (size_t)n;
    }
    if (direct && kind == TRAWL_IN_PCAP && hlen == sizeof(head)) {
        /* libpcap before 1.10.5 ignores the reserved bits 16-25 of the link
         * type field; later versions refuse such files, and so do we. */
        bool swapped = head[0] == 0xd4 || head[0] == 0x4d;
        uint32_t lt = swapped ? (uint32_t)head[20] | (uint32_t)head[21] << 8 |
                                    (uint32_t)head[22] << 16 | (uint32_t)head[23] << 24
                              : (uint32_t)head[20] << 24 | (uint32_t)head[21] << 16 |
                                    (uint32_t)head[22] << 8 | (uint32_t)head[23];
        if (lt & 0x03ff0000u) {
            rc = trawl_error_set(err, TRAWL_EFORMAT, path,
                                 "reserved bits of the link type field are not zero (0x%08x)", lt);
            goto fail;
        }
    }
    if (direct) {
        trawl_src_close(p->src);
        p->src = NULL;
        p->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    } else {
        cookie_io_functions_t io = {.read = cookie_read};
        p->fp = fopencookie(p, "r", io);
        p->fbuf = malloc(COOKIE_BUF);
        if (!p->fp || !p->fbuf) {
            rc = trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
            goto fail;
        }
        setvbuf(p->fp, p->fbuf, _IOFBF, COOKIE_BUF);
        p->pc = pcap_fopen_offline_with_tstamp_precision(p->fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
        if (p->pc) p->fp = NULL; /* libpcap closes it now */
    }
    if (!p->pc) {
        if (p->src_failed)
            rc = trawl_error_set(err, p->src_err.code, p->src_err.where, "%s", p->src_err.msg);
        else
            rc = trawl_error_set(err, TRAWL_EFORMAT, path, "%s", ebuf[0] ? ebuf : "not a capture");
        goto fail;
    }
    rc = check_link(p, flags, err);
    if (rc < 0) goto fail;
    *ret = p;
    return 0;

fail:
    trawl_pcap_close(p);
    return rc;
}

int trawl_pcap_open_live(const char *ifname, uint32_t snaplen, bool promisc,
                         struct trawl_pcap **ret, struct trawl_error *err)
{
    if (!ifname || !ret) return trawl_error_set(err, TRAWL_EINVAL, ifname, "no interface");
    struct trawl_pcap *p = pcap_alloc(ifname, err);
    if (!p) return TRAWL_ENOMEM;
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    int rc;
    p->live = true;
    p->pc = pcap_create(ifname, ebuf);
    if (!p->pc) {
        rc = trawl_error_set(err, TRAWL_EIO, ifname, "%s", ebuf);
        goto fail;
    }
    pcap_set_snaplen(p->pc, snaplen ? (int)snaplen : 262144);
    pcap_set_promisc(p->pc, promisc ? 1 : 0);
    pcap_set_timeout(p->pc, 100);
    pcap_set_buffer_size(p->pc, 64 << 20);
    pcap_set_tstamp_precision(p->pc, PCAP_TSTAMP_PRECISION_NANO);
    int ar = pcap_activate(p->pc);
    if (ar < 0) {
        const char *msg = ar == PCAP_ERROR ? pcap_geterr(p->pc) : pcap_statustostr(ar);
        rc = trawl_error_set(err, TRAWL_EIO, ifname, "%s", msg);
        goto fail;
    }
    rc = check_link(p, 0, err);
    if (rc < 0) goto fail;
    /* With TPACKET_V3 the kernel retires a ring block only once it holds a
     * frame, so a blocking read on an idle interface never times out (the
     * poll inside libpcap waits forever). Non-blocking reads plus our own
     * poll give trawl_pcap_next its promised 100 ms idle return. */
    p->live_fd = pcap_get_selectable_fd(p->pc);
    if (p->live_fd < 0 || pcap_setnonblock(p->pc, 1, ebuf) < 0) {
        rc = trawl_error_set(err, TRAWL_EIO, ifname, "non-blocking mode: %s", ebuf);
        goto fail;
    }
    *ret = p;
    return 0;

fail:
    trawl_pcap_close(p);
    return rc;
}

static int pcap_fail(struct trawl_pcap *p, struct trawl_error *err, int code, const char *msg)
{
    char where[sizeof(p->fail.where)];
    snprintf(where, sizeof(where), "%s#%llu", p->path, (unsigned long long)p->count + 1);
    trawl_error_set(&p->fail, code, where, "%s", msg);
    p->failed = true;
    if (err) *err = p->fail;
    return code;
}

int trawl_pcap_next(struct trawl_pcap *p, struct trawl_pkt *pkt, struct trawl_error *err)
{
    if (p->failed) {
        if (err) *err = p->fail;
        return p->fail.code;
    }
    if (p->stop) return 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int r = pcap_next_ex(p->pc, &h, &data);
    if (r == 0 && p->live) { /* nothing in the ring: wait up to 100 ms, once */
        struct pollfd pfd = {.fd = p->live_fd, .events = POLLIN};
        poll(&pfd, 1, 100); /* EINTR (a signal) is an idle return too */
        if (p->stop) return 0;
        r = pcap_next_ex(p->pc, &h, &data);
    }
    if (r == 1) {
        pkt->data = data;
        pkt->caplen = h->caplen;
        pkt->len = h->len;
        /* with nanosecond precision libpcap puts nanoseconds in tv_usec; a
         * forged timestamp may not fit: wrap, do not overflow */
        pkt->ts_ns = (int64_t)((uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec);
        pkt->index = ++p->count;
        return 1;
    }
    if (r == 0) return 2;
    if (r == PCAP_ERROR_BREAK) return 0;
    if (p->src_failed) return pcap_fail(p, err, p->src_err.code, p->src_err.msg);
    const char *msg = pcap_geterr(p->pc);
    int code = strstr(msg, "truncated") ? TRAWL_ETRUNC : TRAWL_EFORMAT;
    return pcap_fail(p, err, p->live ? TRAWL_EIO : code, msg && *msg ? msg : "read error");
}

int trawl_pcap_set_filter(struct trawl_pcap *p, const char *expr, struct trawl_error *err)
{
    struct bpf_program prog;
    if (pcap_compile(p->pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0)
        return trawl_error_set(err, TRAWL_EINVAL, p->path, "filter '%s': %s", expr,
                               pcap_geterr(p->pc));
    int r = pcap_setfilter(p->pc, &prog);
    pcap_freecode(&prog);
    if (r != 0)
        return trawl_error_set(err, TRAWL_EINVAL, p->path, "filter '%s': %s", expr,
                               pcap_geterr(p->pc));
    return 0;
}

int trawl_pcap_linktype(const struct trawl_pcap *p)
{
    return p->linktype;
}

uint64_t trawl_pcap_count(const struct trawl_pcap *p)
{
    return p->count;
}

int trawl_pcap_stats(struct trawl_pcap *p, uint64_t *received, uint64_t *dropped)
{
    if (!p->live) return TRAWL_EUNSUPPORTED;
    struct pcap_stat st;
    if (pcap_stats(p->pc, &st) != 0) return TRAWL_EIO;
    if (received) *received = st.ps_recv;
    if (dropped) *dropped = (uint64_t)st.ps_drop + st.ps_ifdrop;
    return 0;
}

void trawl_pcap_break(struct trawl_pcap *p)
{
    if (!p) return;
    p->stop = 1; /* files: pcap_next_ex does not look at breakloop */
    if (p->pc) pcap_breakloop(p->pc);
}

void trawl_pcap_close(struct trawl_pcap *p)
{
    if (!p) return;
    if (p->pc) pcap_close(p->pc); /* closes the cookie FILE too */
    if (p->fp) fclose(p->fp);
    trawl_src_close(p->src);
    free(p->fbuf);
    free(p->path);
    free(p);
}
