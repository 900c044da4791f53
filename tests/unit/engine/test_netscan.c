/* Unit tests of the capture scan with worker threads (engine/netscan.c,
 * engine/netpool.c) through the public trawl_netscan_* API: the same hit
 * lines (timestamps aside) for 1, 2, 3 and 8 workers on TCP conversations
 * cut across segments and fragmented datagrams; a database swapped between
 * two runs takes effect at the same packet on every worker (each hit's
 * "db" is the database that found it); and the flow-table cap shared out
 * between the workers, evictions counted and summed. */
#include "../capture/netgen.h"

#include <sys/stat.h>

#include "trawl_engine.h"

static struct trawl_db *compile_db(const char *const *domains, size_t n)
{
    struct trawl_iocset *set;
    cr_assert_eq(trawl_iocset_new(&set), 0);
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_rec r = {.type = TRAWL_T_DOMAIN,
                                  .value = domains[i],
                                  .tlp = TRAWL_TLP_GREEN,
                                  .severity = TRAWL_SEV_HIGH,
                                  .source = "unit",
                                  .confidence = -1};
        cr_assert_geq(trawl_iocset_add(set, &r), 0);
    }
    struct trawl_db *db;
    struct trawl_error err = {0};
    struct trawl_compile_opts co = {0};
    cr_assert_eq(trawl_db_compile(set, &co, &db, &err), 0, "compile: %s", err.msg);
    trawl_iocset_free(set);
    return db;
}

/* ---- captures ----------------------------------------------------------------- */

static void frame4(struct mem *m, uint32_t t_us, const char *src, const char *dst, uint8_t proto,
                   const uint8_t *l4, size_t n, uint16_t id, uint16_t frag)
{
    static uint8_t l3[70000], fr[70000];
    size_t a = mk_ip4(l3, src, dst, proto, l4, n, id, frag);
    size_t f = mk_eth(fr, NULL, 0, 0x0800, l3, a);
    pcap_rec(m, 1700000000 + t_us / 1000000, t_us % 1000000, fr, (uint32_t)f, (uint32_t)f);
}

static void dns_query(struct mem *m, uint32_t t_us, const char *src, uint16_t sport,
                      const char *name, bool fragmented)
{
    uint8_t q[300] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}, l4[400];
    size_t n = 12;
    for (const char *p = name; *p;) {
        const char *dot = strchr(p, '.');
        size_t l = dot ? (size_t)(dot - p) : strlen(p);
        q[n++] = (uint8_t)l;
        memcpy(q + n, p, l);
        n += l;
        p += l + (dot != NULL);
    }
    q[n++] = 0;
    put16(q + n, 1);
    put16(q + n + 2, 1);
    n += 4;
    size_t u = mk_udp(l4, sport, 53, q, n);
    if (!fragmented) {
        frame4(m, t_us, src, "10.53.0.1", 17, l4, u, sport, 0);
        return;
    }
    /* second piece first: the reader must rebuild it before it knows the ports */
    frame4(m, t_us, src, "10.53.0.1", 17, l4 + 16, u - 16, sport, 2);
    frame4(m, t_us + 1, src, "10.53.0.1", 17, l4, 16, sport, 0x2000);
}

static char *write_capture(const struct mem *m, const char *tag)
{
    return write_tmp(tag, m->p, m->n);
}

/* ---- running ------------------------------------------------------------------ */

struct lines {
    char **l;
    size_t n;
};

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the hit lines of path, "timestamp" removed, sorted. */
static void read_lines(const char *path, struct lines *out)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    memset(out, 0, sizeof(*out));
    char *line = NULL;
    size_t cap = 0;
    ssize_t k;
    while ((k = getline(&line, &cap, f)) > 0) {
        char *ts = strstr(line, "\"timestamp\":\"");
        cr_assert_not_null(ts, "%s", line);
        char *end = strchr(ts + 13, '"');
        memmove(ts, end + 2, strlen(end + 2) + 1); /* the value's quote and comma */
        out->l = realloc(out->l, (out->n + 1) * sizeof(*out->l));
        out->l[out->n++] = strdup(line);
    }
    free(line);
    fclose(f);
    qsort(out->l, out->n, sizeof(*out->l), cmp_line);
}

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->l[i]);
    free(l->l);
}

struct job {
    struct trawl_sinks *sinks;
    char out[64];
    int fd;
    struct trawl_matcher *m;
    struct trawl_netscan *ns;
};

static void job_open(struct job *r, const struct trawl_db *db, unsigned threads, uint32_t max_flows,
                     const char *db_id)
{
    snprintf(r->out, sizeof(r->out), "/tmp/trawl-netscan-out-XXXXXX");
    r->fd = mkstemp(r->out);
    cr_assert(r->fd >= 0);
    cr_assert_eq(trawl_sinks_new(&r->sinks), 0);
    cr_assert_eq(trawl_sinks_add_fd(r->sinks, r->fd, "out", TRAWL_TLP_RED, false, NULL), 0);
    struct trawl_error err = {0};
    cr_assert_eq(trawl_matcher_new(db, &r->m, &err), 0);
    struct trawl_netscan_opts o = {.sinks = r->sinks,
                                   .name = "cap",
                                   .db_id = db_id,
                                   .threads = threads,
                                   .max_flows = max_flows};
    cr_assert_eq(trawl_netscan_new(db, r->m, &o, &r->ns, &err), 0, "%s", err.msg);
}

static int job_file(struct job *r, const char *path)
{
    struct trawl_pcap *pc;
    struct trawl_error err = {0};
    cr_assert_eq(trawl_pcap_open(path, 0, &pc, &err), 0, "%s", err.msg);
    struct trawl_netscan_loop loop = {0};
    int why = trawl_netscan_run(r->ns, pc, &loop, &err);
    trawl_pcap_close(pc);
    return why;
}

static void job_close(struct job *r, struct trawl_netscan_stats *st)
{
    trawl_netscan_flush(r->ns);
    if (st) trawl_netscan_get_stats(r->ns, st);
    cr_assert_eq(trawl_netscan_failed(r->ns), 0);
    trawl_netscan_free(r->ns);
    trawl_matcher_free(r->m);
    cr_assert_eq(trawl_sinks_close(r->sinks), 0);
    trawl_sinks_free(r->sinks);
    close(r->fd);
}

/* ---- tests -------------------------------------------------------------------- */

static const char *const doms[] = {"alpha.example", "beta.example", "split.example"};

/* 300 flows: DNS queries (a third of them in fragments, later piece first)
 * and TCP conversations with a name cut across two segments sent in
 * reverse order, answers coming back; all interleaved. */
static char *mixed_capture(void)
{
    struct mem m = {0};
    pcap_begin(&m, 1, 65535);
    uint32_t t = 0;
    char src[32], name[64];
    for (int i = 0; i < 100; i++) {
        snprintf(src, sizeof(src), "10.1.%d.%d", i / 50, i % 50 + 1);
        snprintf(name, sizeof(name), "h%d.%s", i, doms[i % 2]);
        dns_query(&m, t += 10, src, (uint16_t)(30000 + i), name, i % 3 == 0);
    }
    struct conv cv[100];
    char cli[100][32];
    for (int i = 0; i < 100; i++) {
        snprintf(cli[i], sizeof(cli[i]), "10.2.%d.%d", i / 50, i % 50 + 1);
        cv[i] = (struct conv){.m = &m,
                              .cli = cli[i],
                              .srv = "192.0.2.80",
                              .cport = (uint16_t)(40000 + i),
                              .sport = 80,
                              .cseq = 1000,
                              .sseq = 5000,
                              .t = t};
    }
    for (int i = 0; i < 100; i++)
        conv_open(&cv[i]);
    static const char a[] = "GET / HTTP/1.1\r\nHost: www.spl", b[] = "it.example\r\n\r\n";
    for (int i = 0; i < 100; i++) { /* b before a */
        conv_frame(&cv[i], true, cv[i].cseq + (uint32_t)strlen(a), cv[i].sseq, F_ACK | F_PSH, b,
                   strlen(b));
        conv_frame(&cv[i], true, cv[i].cseq, cv[i].sseq, F_ACK | F_PSH, a, strlen(a));
        cv[i].cseq += (uint32_t)(strlen(a) + strlen(b));
    }
    for (int i = 0; i < 100; i++)
        conv_send(&cv[i], false, "HTTP/1.1 200 OK\r\n\r\nsee beta.example", 35);
    char *path = write_capture(&m, "netscan-mixed");
    mem_free(&m);
    return path;
}

Test(netscan, same_hits_for_any_number_of_workers)
{
    struct trawl_db *db = compile_db(doms, 3);
    char *cap = mixed_capture();
    struct lines base = {0};
    static const unsigned nthreads[] = {1, 2, 3, 8};
    for (size_t k = 0; k < sizeof(nthreads) / sizeof(nthreads[0]); k++) {
        struct job r;
        job_open(&r, db, nthreads[k], 0, NULL);
        cr_assert_eq(job_file(&r, cap), TRAWL_NETSCAN_END);
        struct trawl_netscan_stats st;
        job_close(&r, &st);
        cr_assert_eq(st.workers, nthreads[k]);
        cr_assert_eq(st.flows, 200, "%u workers: %llu flows", nthreads[k],
                     (unsigned long long)st.flows);
        struct lines got;
        read_lines(r.out, &got);
        unlink(r.out);
        /* 100 DNS names, 100 split names, 100 answers */
        cr_assert_eq(got.n, 300, "%u workers: %zu hits", nthreads[k], got.n);
        if (k == 0) {
            base = got;
            continue;
        }
        for (size_t i = 0; i < got.n; i++)
            cr_assert_str_eq(got.l[i], base.l[i], "%u workers", nthreads[k]);
        lines_free(&got);
    }
    lines_free(&base);
    unlink(cap);
    free(cap);
    trawl_db_close(db);
}

/* Part 1 runs with database A, part 2 with B: with every number of workers,
 * each hit names the database that found it, and no packet of part 1 is
 * matched with B. */
Test(netscan, database_swap_at_one_packet)
{
    const char *da[] = {"alpha.example"}, *dbb[] = {"beta.example"};
    struct trawl_db *a = compile_db(da, 1), *b = compile_db(dbb, 1);
    char *part[2];
    for (int p = 0; p < 2; p++) {
        struct mem m = {0};
        pcap_begin(&m, 1, 65535);
        char src[32], name[64];
        for (int i = 0; i < 200; i++) {
            snprintf(src, sizeof(src), "10.3.%d.%d", i / 100, i % 100 + 1);
            snprintf(name, sizeof(name), "p%d.%s", i, doms[i % 2]);
            dns_query(&m, (uint32_t)(i * 10), src, (uint16_t)(10000 * (p + 1) + i), name,
                      i % 5 == 0);
        }
        part[p] = write_capture(&m, "netscan-part");
        mem_free(&m);
    }
    for (unsigned threads = 1; threads <= 4; threads += 3) {
        struct job r;
        job_open(&r, a, threads, 0, "db-A");
        cr_assert_eq(job_file(&r, part[0]), TRAWL_NETSCAN_END);
        struct trawl_matcher *mb;
        struct trawl_error err = {0};
        cr_assert_eq(trawl_matcher_new(b, &mb, &err), 0);
        cr_assert_eq(trawl_netscan_set_db(r.ns, b, mb, "db-B", &err), 0, "%s", err.msg);
        trawl_matcher_free(r.m);
        r.m = mb;
        cr_assert_eq(job_file(&r, part[1]), TRAWL_NETSCAN_END);
        job_close(&r, NULL);
        struct lines got;
        read_lines(r.out, &got);
        unlink(r.out);
        size_t n1 = 0, n2 = 0;
        for (size_t i = 0; i < got.n; i++) {
            const char *l = got.l[i];
            bool p1 = strstr(l, "\"src_port\":1") != NULL;
            if (p1) {
                n1++;
                cr_assert(strstr(l, "alpha.example") && strstr(l, "\"db\":\"db-A\""), "%s", l);
            } else {
                n2++;
                cr_assert(strstr(l, "beta.example") && strstr(l, "\"db\":\"db-B\""), "%s", l);
            }
        }
        cr_assert_eq(n1, 100, "%u workers: %zu hits in part 1", threads, n1);
        cr_assert_eq(n2, 100, "%u workers: %zu hits in part 2", threads, n2);
        lines_free(&got);
    }
    for (int p = 0; p < 2; p++) {
        unlink(part[p]);
        free(part[p]);
    }
    trawl_db_close(a);
    trawl_db_close(b);
}

/* A flow-table cap of 64 for all workers: 4 workers get 16 each, the 200
 * concurrent flows evict the same 136 in all, and no more than 64 flows are
 * ever in the tables. */
Test(netscan, flow_cap_shared_out)
{
    const char *d[] = {"nothing.example"};
    struct trawl_db *db = compile_db(d, 1);
    struct mem m = {0};
    pcap_begin(&m, 1, 65535);
    char src[32];
    for (int i = 0; i < 200; i++) {
        snprintf(src, sizeof(src), "10.4.%d.%d", i / 100, i % 100 + 1);
        dns_query(&m, (uint32_t)(i * 10), src, (uint16_t)(5000 + i), "benign.example", false);
    }
    char *cap = write_capture(&m, "netscan-cap");
    mem_free(&m);
    for (unsigned threads = 1; threads <= 4; threads += 3) {
        struct job r;
        job_open(&r, db, threads, 64, NULL);
        cr_assert_eq(job_file(&r, cap), TRAWL_NETSCAN_END);
        struct trawl_netscan_stats st;
        trawl_netscan_get_stats(r.ns, &st);
        cr_assert_eq(st.flows, 200);
        cr_assert_eq(st.flows_active, 64, "%u workers: %llu active", threads,
                     (unsigned long long)st.flows_active);
        cr_assert_eq(st.flows_evicted, 136, "%u workers: %llu evicted", threads,
                     (unsigned long long)st.flows_evicted);
        job_close(&r, NULL);
        unlink(r.out);
    }
    unlink(cap);
    free(cap);
    trawl_db_close(db);
}
