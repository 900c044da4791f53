/* Capture files through libpcap: pcap in both byte orders and precisions,
 * pcapng with a block type libpcap must skip, gzip-compressed captures and
 * standard input (through trawl_src), and damaged files: truncated
 * headers and records, bogus and inconsistent lengths, unknown link types.
 * The third-party corpus adds 800+ real captures from the tcpdump and
 * libpcap test suites (run through the whole pipeline) and the cases with
 * known fields. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <zlib.h>

#include "netgen.h"

static size_t udp_frame(uint8_t *fr, const char *payload)
{
    uint8_t l4[256], l3[300];
    size_t a = mk_udp(l4, 1234, 53, payload, strlen(payload));
    size_t b = mk_ip4(l3, "10.0.0.1", "10.0.0.2", 17, l4, a, 7, 0);
    return mk_eth(fr, NULL, 0, 0x0800, l3, b);
}

/* A pcap of n UDP frames whose payloads are "pkt-1", "pkt-2", ... */
static void make_pcap(struct mem *m, int n)
{
    pcap_begin(m, DLT_EN10MB, 65535);
    for (int i = 1; i <= n; i++) {
        char pl[32];
        snprintf(pl, sizeof(pl), "pkt-%d", i);
        uint8_t fr[400];
        size_t f = udp_frame(fr, pl);
        pcap_rec(m, 1700000000 + (uint32_t)i, 250000, fr, (uint32_t)f, (uint32_t)f);
    }
}

/* Reads all frames; checks the payload numbering; returns the count and
 * the last trawl_pcap_next result in *last. */
static uint64_t read_all(const char *path, int *last, struct trawl_error *err)
{
    struct trawl_pcap *p = NULL;
    cr_assert_eq(trawl_pcap_open(path, 0, &p, err), 0, "%s: %s", err->where, err->msg);
    cr_assert_eq(trawl_pcap_linktype(p), DLT_EN10MB);
    struct trawl_pkt pkt;
    uint64_t n = 0;
    int rc;
    while ((rc = trawl_pcap_next(p, &pkt, err)) == 1) {
        n++;
        cr_assert_eq(pkt.index, n);
        char want[32];
        int wl = snprintf(want, sizeof(want), "pkt-%llu", (unsigned long long)n);
        cr_assert_eq(pkt.caplen, 14 + 20 + 8 + (uint32_t)wl);
        cr_assert_eq(memcmp(pkt.data + 42, want, (size_t)wl), 0);
    }
    *last = rc;
    cr_assert_eq(trawl_pcap_count(p), n);
    /* errors are sticky */
    if (rc < 0) {
        struct trawl_error e2;
        cr_assert_eq(trawl_pcap_next(p, &pkt, &e2), rc);
        cr_assert_str_eq(e2.where, err->where);
    }
    trawl_pcap_close(p);
    return n;
}

Test(pcap, classic_microseconds)
{
    struct mem m = {0};
    make_pcap(&m, 5);
    char *path = write_tmp("pcap", m.p, m.n);
    struct trawl_pcap *p = NULL;
    struct trawl_error err;
    cr_assert_eq(trawl_pcap_open(path, 0, &p, &err), 0);
    struct trawl_pkt pkt;
    cr_assert_eq(trawl_pcap_next(p, &pkt, &err), 1);
    cr_assert_eq(pkt.ts_ns, 1700000001ll * 1000000000 + 250000000ll);
    cr_assert_eq(pkt.len, pkt.caplen);
    trawl_pcap_close(p);
    int last;
    cr_assert_eq(read_all(path, &last, &err), 5);
    cr_assert_eq(last, 0);
    unlink(path);
    free(path);
    mem_free(&m);
}

Test(pcap, nanoseconds_and_big_endian)
{
    /* nanosecond magic, written big endian */
    struct mem m = {0};
    uint8_t h[24] = {0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4};
    put32(h + 16, 65535);
    put32(h + 20, DLT_EN10MB);
    mem_put(&m, h, 24);
    uint8_t fr[400];
    size_t f = udp_frame(fr, "pkt-1");
    uint8_t r[16];
    put32(r, 1700000000);
    put32(r + 4, 123456789);
    put32(r + 8, (uint32_t)f);
    put32(r + 12, (uint32_t)f);
    mem_put(&m, r, 16);
    mem_put(&m, fr, f);
    char *path = write_tmp("pcapns", m.p, m.n);
    struct trawl_pcap *p = NULL;
    struct trawl_error err;
    cr_assert_eq(trawl_pcap_open(path, 0, &p, &err), 0, "%s", err.msg);
    struct trawl_pkt pkt;
    cr_assert_eq(trawl_pcap_next(p, &pkt, &err), 1);
    cr_assert_eq(pkt.ts_ns, 1700000000ll * 1000000000 + 123456789);
    cr_assert_eq(pkt.caplen, f);
    cr_assert_eq(trawl_pcap_next(p, &pkt, &err), 0);
    trawl_pcap_close(p);
    unlink(path);
    free(path);
    mem_free(&m);
}

Test(pcap, pcapng_with_unknown_block)
{
    struct mem m = {0};
    pcapng_begin(&m, DLT_EN10MB);
    uint8_t fr[400];
    for (int i = 1; i <= 3; i++) {
        char pl[16];
        snprintf(pl, sizeof(pl), "pkt-%d", i);
        size_t f = udp_frame(fr, pl);
        pcapng_epb(&m, 1700000000000000ull + (uint64_t)i, fr, (uint32_t)f, (uint32_t)f);
        if (i == 1) {
            static const char junk[] = "a block type nobody knows, 23 bytes+";
            ng_block(&m, 0x0badf00d, junk, sizeof(junk) - 1);
            ng_block(&m, 0x80000001, junk, 7); /* local-use block type */
        }
    }
    char *path = write_tmp("pcapng", m.p, m.n);
    int last;
    struct trawl_error err;
    cr_assert_eq(read_all(path, &last, &err), 3);
    cr_assert_eq(last, 0);
    unlink(path);
    free(path);
    mem_free(&m);
}

static char *write_gz(const char *tag, const void *data, size_t n, size_t cut)
{
    char *path = NULL;
    cr_assert(asprintf(&path, "/tmp/trawl-%s-XXXXXX", tag) > 0);
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    gzFile gz = gzdopen(fd, "wb");
    cr_assert_eq(gzwrite(gz, data, (unsigned)n), (int)n);
    gzclose(gz);
    if (cut) {
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(truncate(path, st.st_size - (off_t)cut), 0);
    }
    return path;
}

Test(pcap, gzip_compressed)
{
    struct mem m = {0};
    make_pcap(&m, 2000);
    char *path = write_gz("pcapgz", m.p, m.n, 0);
    int last;
    struct trawl_error err;
    cr_assert_eq(read_all(path, &last, &err), 2000);
    cr_assert_eq(last, 0);
    unlink(path);
    free(path);

    /* pcapng inside gzip */
    mem_free(&m);
    pcapng_begin(&m, DLT_EN10MB);
    uint8_t fr[400];
    size_t f = udp_frame(fr, "pkt-1");
    pcapng_epb(&m, 1, fr, (uint32_t)f, (uint32_t)f);
    path = write_gz("pcapnggz", m.p, m.n, 0);
    cr_assert_eq(read_all(path, &last, &err), 1);
    unlink(path);
    free(path);
    mem_free(&m);
}

Test(pcap, gzip_truncated)
{
    struct mem m = {0};
    make_pcap(&m, 3000);
    char *path = write_gz("pcapgzcut", m.p, m.n, 1000);
    int last;
    struct trawl_error err;
    uint64_t n = read_all(path, &last, &err);
    cr_assert_lt(last, 0);
    cr_assert_gt(n, 100); /* packets before the damage are kept */
    cr_assert_lt(n, 3000);
    char want[64];
    snprintf(want, sizeof(want), "#%llu", (unsigned long long)n + 1);
    cr_assert(strstr(err.where, path) && strstr(err.where, want), "%s", err.where);
    cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
    unlink(path);
    free(path);
    mem_free(&m);
}

Test(pcap, standard_input)
{
    struct mem m = {0};
    make_pcap(&m, 10);
    char *path = write_tmp("pcapstdin", m.p, m.n);
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0);
    cr_assert_eq(dup2(fd, 0), 0); /* each Criterion test runs in its own process */
    close(fd);
    int last;
    struct trawl_error err;
    cr_assert_eq(read_all("-", &last, &err), 10);
    cr_assert_eq(last, 0);
    unlink(path);
    free(path);
    mem_free(&m);
}

/* Opens a damaged capture; returns frames read before the error. */
static uint64_t read_damaged(const struct mem *m, int *last, struct trawl_error *err)
{
    char *path = write_tmp("pcapbad", m->p, m->n);
    struct trawl_pcap *p = NULL;
    int rc = trawl_pcap_open(path, 0, &p, err);
    uint64_t n = 0;
    if (rc < 0) {
        *last = rc;
    } else {
        struct trawl_pkt pkt;
        while ((rc = trawl_pcap_next(p, &pkt, err)) == 1)
            n++;
        *last = rc;
        trawl_pcap_close(p);
    }
    unlink(path);
    free(path);
    return n;
}

Test(pcap, truncated_files)
{
    struct mem m = {0};
    make_pcap(&m, 4);
    size_t rec = 16 + 14 + 20 + 8 + 5;
    struct trawl_error err;
    int last;

    /* global header cut: open fails and says so */
    struct mem t = {0};
    mem_put(&t, m.p, 10);
    cr_assert_eq(read_damaged(&t, &last, &err), 0);
    cr_assert_lt(last, 0);
    cr_assert(strstr(err.msg, "truncated") || strstr(err.msg, "capture"), "%s", err.msg);

    /* record header cut after packet 2 */
    t.n = 0;
    mem_put(&t, m.p, 24 + 2 * rec + 7);
    cr_assert_eq(read_damaged(&t, &last, &err), 2);
    cr_assert_eq(last, TRAWL_ETRUNC);
    cr_assert(strstr(err.where, "#3"), "%s", err.where);
    cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);

    /* packet 4's data cut */
    t.n = 0;
    mem_put(&t, m.p, 24 + 3 * rec + 16 + 5);
    cr_assert_eq(read_damaged(&t, &last, &err), 3);
    cr_assert_eq(last, TRAWL_ETRUNC);
    cr_assert(strstr(err.where, "#4"), "%s", err.where);
    mem_free(&t);
    mem_free(&m);
}

Test(pcap, bogus_lengths)
{
    struct trawl_error err;
    int last;
    uint8_t fr[400];
    size_t f = udp_frame(fr, "pkt-1");

    /* caplen far beyond any snap length: an error at packet 2 */
    struct mem m = {0};
    pcap_begin(&m, DLT_EN10MB, 65535);
    pcap_rec(&m, 1, 0, fr, (uint32_t)f, (uint32_t)f);
    uint8_t h[16] = {0};
    put32le(h + 8, 0x7fffffff);
    put32le(h + 12, 0x7fffffff);
    mem_put(&m, h, 16);
    mem_put(&m, fr, f);
    cr_assert_eq(read_damaged(&m, &last, &err), 1);
    cr_assert_lt(last, 0);
    cr_assert(strstr(err.where, "#2"), "%s", err.where);
    mem_free(&m);

    /* caplen > len: read, and the decoder uses only len bytes */
    pcap_begin(&m, DLT_EN10MB, 65535);
    pcap_rec(&m, 1, 0, fr, (uint32_t)f, (uint32_t)f - 3);
    char *path = write_tmp("pcapcaplen", m.p, m.n);
    struct run r;
    run_file(path, 0, &r);
    cr_assert_eq(r.open_rc, 0);
    cr_assert_eq(r.packets, 1);
    cr_assert_eq(r.ds.caplen_gt_len, 1);
    cr_assert_eq(r.ds.by_status[TRAWL_DEC_IP4_BAD], 1); /* IP total length beyond len */
    run_free(&r);
    unlink(path);
    free(path);
    mem_free(&m);
}

Test(pcap, link_types_and_formats)
{
    struct trawl_error err;
    struct mem m = {0};
    pcap_begin(&m, 147 /* USER0 */, 65535);
    uint8_t fr[400];
    size_t f = udp_frame(fr, "pkt-1");
    pcap_rec(&m, 1, 0, fr, (uint32_t)f, (uint32_t)f);
    char *path = write_tmp("pcaplink", m.p, m.n);
    struct trawl_pcap *p = NULL;
    cr_assert_eq(trawl_pcap_open(path, 0, &p, &err), TRAWL_EUNSUPPORTED);
    cr_assert_null(p);
    cr_assert(strstr(err.msg, "link type 147"), "%s", err.msg);
    cr_assert_str_eq(err.where, path);
    /* with ANY_LINK it opens; the decoder counts the frames as unknown */
    struct run r;
    run_file(path, TRAWL_PCAP_ANY_LINK, &r);
    cr_assert_eq(r.open_rc, 0);
    cr_assert_eq(r.ds.by_status[TRAWL_DEC_LINKTYPE], 1);
    run_free(&r);
    unlink(path);
    free(path);
    mem_free(&m);

    /* not a capture; a missing file */
    path = write_tmp("pcaptext", "hello world\n", 12);
    cr_assert_eq(trawl_pcap_open(path, 0, &p, &err), TRAWL_EFORMAT);
    cr_assert(strstr(err.msg, "not a pcap"), "%s", err.msg);
    unlink(path);
    free(path);
    cr_assert_eq(trawl_pcap_open("/nonexistent/x.pcap", 0, &p, &err), TRAWL_EIO);
    cr_assert_lt(trawl_pcap_open_live("trawl-no-such-if0", 0, false, &p, &err), 0);
    cr_assert_neq(err.msg[0], 0);
    trawl_pcap_close(NULL);
}

Test(pcap, break_stops_reading)
{
    struct mem m = {0};
    make_pcap(&m, 10);
    char *path = write_tmp("pcapbrk", m.p, m.n);
    struct trawl_pcap *p = NULL;
    struct trawl_error err;
    cr_assert_eq(trawl_pcap_open(path, 0, &p, &err), 0);
    struct trawl_pkt pkt;
    cr_assert_eq(trawl_pcap_next(p, &pkt, &err), 1);
    trawl_pcap_break(p);
    cr_assert_eq(trawl_pcap_next(p, &pkt, &err), 0);
    uint64_t a, b;
    cr_assert_eq(trawl_pcap_stats(p, &a, &b), TRAWL_EUNSUPPORTED);
    trawl_pcap_close(p);
    unlink(path);
    free(path);
    mem_free(&m);
}

/* ---- corpus ----------------------------------------------------------------- */

static const char *corpus(void)
{
    const char *root = getenv("TRAWL_CORPUS");
    if (!root) root = "/work/shared/corpus";
    struct stat st;
    char probe[4096];
    snprintf(probe, sizeof(probe), "%s/malformed", root);
    if (stat(probe, &st) != 0) return NULL;
    return root;
}

struct tally {
    unsigned files, opened, failed_open, read_errors;
    uint64_t packets, decoded, fields;
};

static void run_dir(const char *dir, struct tally *t, bool expect_reject)
{
    DIR *dh = opendir(dir);
    if (!dh) return;
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "LICENSE")) continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        t->files++;
        struct run r;
        run_file(path, TRAWL_PCAP_ANY_LINK, &r);
        if (r.open_rc < 0) {
            t->failed_open++;
            cr_assert_neq(r.err.msg[0], 0, "%s: empty error", path);
        } else {
            t->opened++;
            if (r.read_rc < 0) {
                t->read_errors++;
                cr_assert_neq(r.err.msg[0], 0, "%s: empty error", path);
                cr_assert(strchr(r.err.where, '#'), "%s: %s", path, r.err.where);
            }
            if (expect_reject) cr_assert_lt(r.read_rc, 0, "%s: libpcap must reject it", path);
        }
        t->packets += r.packets;
        t->decoded += r.decoded;
        t->fields += r.nf;
        run_free(&r);
    }
    closedir(dh);
}

Test(pcap, corpus_malformed, .timeout = 600)
{
    const char *root = corpus();
    if (!root) cr_skip_test("corpus not found (TRAWL_CORPUS)");
    char dir[4096];
    struct tally a = {0}, b = {0};
    snprintf(dir, sizeof(dir), "%s/malformed/tcpdump-tests", root);
    run_dir(dir, &a, false);
    snprintf(dir, sizeof(dir), "%s/malformed/libpcap-reject", root);
    run_dir(dir, &b, true);
    cr_log_info("tcpdump-tests: %u files, %u opened, %u refused at open, %u read errors, "
                "%llu packets, %llu decoded to IP, %llu fields",
                a.files, a.opened, a.failed_open, a.read_errors, (unsigned long long)a.packets,
                (unsigned long long)a.decoded, (unsigned long long)a.fields);
    cr_log_info("libpcap-reject: %u files, %u refused at open, %u read errors", b.files,
                b.failed_open, b.read_errors);
    fprintf(stderr,
            "corpus: tcpdump-tests %u files, %u opened, %u refused, %u read errors, %llu packets, "
            "%llu decoded, %llu fields; libpcap-reject %u files, %u refused, %u read errors\n",
            a.files, a.opened, a.failed_open, a.read_errors, (unsigned long long)a.packets,
            (unsigned long long)a.decoded, (unsigned long long)a.fields, b.files, b.failed_open,
            b.read_errors);
    cr_assert_gt(a.files, 800);
    cr_assert_gt(a.opened, 700);
    cr_assert_gt(b.files, 0);
}

static struct run run_case(const char *root, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/cases/%s/input.pcap", root, name);
    struct run r;
    run_file(path, 0, &r);
    cr_assert_eq(r.open_rc, 0, "%s: %s", path, r.err.msg);
    cr_assert_eq(r.read_rc, 0, "%s: %s %s", path, r.err.where, r.err.msg);
    return r;
}

/* Decodes a case's packets and compares source addresses (and the
 * destination of all packets when dst is given). */
static void check_addrs(const char *root, const char *name, const char *const *src, const char *dst,
                        int n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/cases/%s/input.pcap", root, name);
    struct trawl_pcap *p = NULL;
    struct trawl_error err;
    cr_assert_eq(trawl_pcap_open(path, 0, &p, &err), 0);
    struct trawl_decoder *d = NULL;
    cr_assert_eq(trawl_decode_new(NULL, &d), 0);
    struct trawl_pkt pkt;
    struct trawl_decoded dp;
    int i = 0;
    while (trawl_pcap_next(p, &pkt, &err) == 1 && i < n) {
        cr_assert_eq(trawl_decode_packet(d, trawl_pcap_linktype(p), &pkt, &dp), 0);
        char a[64];
        cr_assert_str_eq(trawl_addr_str(dp.src, a, sizeof(a)), src[i], "%s packet %d", name, i + 1);
        if (dst) cr_assert_str_eq(trawl_addr_str(dp.dst, a, sizeof(a)), dst);
        i++;
    }
    cr_assert_eq(i, n);
    trawl_decode_free(d);
    trawl_pcap_close(p);
}

Test(pcap, corpus_cases)
{
    const char *root = corpus();
    if (!root) cr_skip_test("corpus not found (TRAWL_CORPUS)");
    struct run r;

    /* DNS queries in label form only */
    r = run_case(root, "sv-datasets-match-subdomain");
    cr_assert_eq(r.packets, 3);
    cr_assert(run_has(&r, 1, "dns.query", "mail.evil.com"));
    cr_assert(run_has(&r, 2, "dns.query", "sub.mail.evil.com"));
    cr_assert(run_has(&r, 3, "dns.query", "example.com"));
    run_free(&r);

    r = run_case(root, "sv-datasets-04-http-dns");
    cr_assert_eq(r.packets, 2);
    cr_assert(run_has(&r, 1, "dns.query", "example.com"));
    cr_assert(run_has(&r, 2, "http.host", "example.com"));
    run_free(&r);

    /* HTTP over the BSD loopback link type, a 2561-byte URI */
    r = run_case(root, "sv-datasets-11-longstring");
    cr_assert_geq(r.packets, 17);
    cr_assert_eq(r.decoded, r.packets);
    cr_assert(run_has(&r, 17, "http.uri", "/tata"));
    bool long_uri = false;
    for (size_t i = 0; i < r.nf; i++)
        if (r.f[i].pkt == 5 && !strcmp(r.f[i].name, "http.uri") && strlen(r.f[i].value) == 2561 &&
            !strncmp(r.f[i].value, "/tototo", 7))
            long_uri = true;
    cr_assert(long_uri, "the long URI at packet 5");
    run_free(&r);

    r = run_case(root, "sv-datajson-testmyids");
    cr_assert_eq(r.packets, 10);
    cr_assert_eq(r.decoded, 10);
    cr_assert(run_has(&r, 4, "http.host", "www.testmyids.com"));
    cr_assert(run_has(&r, 4, "http.url", "http://www.testmyids.com/"));
    run_free(&r);

    r = run_case(root, "sv-datasets-08-ipv6");
    cr_assert_eq(r.packets, 3);
    cr_assert_eq(r.decoded, 3);
    run_free(&r);
    /* addresses per packet, as the reference has them */
    static const char *const v6src[] = {"4:5::6", "4:5::6", "7:8::9"};
    check_addrs(root, "sv-datasets-08-ipv6", v6src, "2::1", 3);
    static const char *const tsrc[] = {
        "10.16.1.11",     "82.165.177.154", "10.16.1.11", "10.16.1.11",     "82.165.177.154",
        "82.165.177.154", "10.16.1.11",     "10.16.1.11", "82.165.177.154", "10.16.1.11"};
    check_addrs(root, "sv-datajson-testmyids", tsrc, NULL, 10);

    /* Zeek cases: the connection is found, all packets decode */
    r = run_case(root, "zk-intel-http-filename");
    cr_assert_eq(r.packets, 11);
    cr_assert_eq(r.decoded, 11);
    cr_assert_eq(r.fs.flows, 1);
    run_free(&r);
    r = run_case(root, "zk-intel-http-post-filename");
    cr_assert_eq(r.packets, 30);
    cr_assert(r.nf > 0);
    run_free(&r);
}
