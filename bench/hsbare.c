/* trawl-hsbare: the reference the one-core target is stated against, a bare
 * hs_scan of an indicator set. Reads the generator's CSV (type,value,...),
 * compiles every value Hyperscan can take as a literal (all types but cidr
 * and ipv6, which have no single literal form) caseless, in one block-mode
 * database, then scans FILE in 256 KiB blocks with a callback that only
 * counts. No boundary checks, no context, no output: what Hyperscan alone
 * costs on the same bytes. The blocks are read with pread into one buffer,
 * as trawl reads files. It times the scan itself (the reads included, as
 * trawl's are), because the compile before it takes seconds and varies by
 * more than the scan lasts.
 *   trawl-hsbare IOCS.csv FILE     prints "MATCHES SECONDS" */
#include <fcntl.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BLOCK (256u << 10)

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    (*(unsigned long long *)ctx)++;
    return 0;
}

struct lits {
    char **v;
    size_t *len;
    unsigned *flags, *ids;
    size_t n, cap;
};

static int add(struct lits *l, const char *s, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        char **v = realloc(l->v, cap * sizeof(*v));
        size_t *len = realloc(l->len, cap * sizeof(*len));
        unsigned *f = realloc(l->flags, cap * sizeof(*f)),
                 *ids = realloc(l->ids, cap * sizeof(*ids));
        if (v) l->v = v;
        if (len) l->len = len;
        if (f) l->flags = f;
        if (ids) l->ids = ids;
        if (!v || !len || !f || !ids) return -1;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strndup(s, n))) return -1;
    l->len[l->n] = n;
    l->flags[l->n] = HS_FLAG_CASELESS;
    l->ids[l->n] = (unsigned)l->n;
    l->n++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: trawl-hsbare IOCS.csv FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    struct lits l = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    unsigned long lineno = 0;
    while ((got = getline(&line, &cap, f)) > 0) {
        if (lineno++ == 0) continue; /* header */
        char *type = line, *c1 = strchr(line, ',');
        if (!c1) continue;
        char *value = c1 + 1, *c2 = strchr(value, ',');
        size_t n = c2 ? (size_t)(c2 - value) : strcspn(value, "\r\n");
        *c1 = 0;
        if (!strcmp(type, "cidr") || !strcmp(type, "ipv6") || !n) continue;
        if (add(&l, value, n)) {
            fprintf(stderr, "trawl-hsbare: out of memory\n");
            return 2;
        }
    }
    free(line);
    fclose(f);
    hs_database_t *db = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_compile_lit_multi((const char *const *)l.v, l.flags, l.ids, l.len, (unsigned)l.n,
                             HS_MODE_BLOCK, NULL, &db, &ce) != HS_SUCCESS) {
        fprintf(stderr, "trawl-hsbare: compile: %s\n", ce ? ce->message : "failed");
        return 2;
    }
    hs_scratch_t *scratch = NULL;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
        fprintf(stderr, "trawl-hsbare: scratch\n");
        return 2;
    }
    int fd = open(argv[2], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        perror(argv[2]);
        return 2;
    }
    unsigned long long matches = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *buf = malloc(BLOCK);
    if (!buf) {
        fprintf(stderr, "trawl-hsbare: out of memory\n");
        return 2;
    }
    for (off_t o = 0;; o += BLOCK) {
        ssize_t k = pread(fd, buf, BLOCK, o);
        if (k < 0) {
            perror(argv[2]);
            return 2;
        }
        if (k == 0) break;
        hs_error_t e = hs_scan(db, buf, (unsigned)k, 0, scratch, on_match, &matches);
        if (e != HS_SUCCESS) {
            fprintf(stderr, "trawl-hsbare: hs_scan failed (%d) at byte %lld\n", e, (long long)o);
            return 2;
        }
    }
    free(buf);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(fd);
    printf("%llu %.6f\n", matches,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    hs_free_scratch(scratch);
    hs_free_database(db);
    for (size_t i = 0; i < l.n; i++)
        free(l.v[i]);
    free(l.v);
    free(l.len);
    free(l.flags);
    free(l.ids);
    return 0;
}
