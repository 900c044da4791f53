/* Loads real third-party feeds from the shared corpus (env TRAWL_CORPUS,
 * default /work/shared/corpus) through the plain and Zeek loaders and checks
 * exact per-type counts and values. Every expected number was obtained
 * independently of trawl, with the shell command quoted next to it. Tests
 * skip when the corpus is absent. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trawl_ioc.h"

#include "ioc_test.h"

/* ---- helpers ------------------------------------------------------------ */

static char corpus[4096];

static const char *corpus_path(const char *rel)
{
    static char buf[8192];
    const char *root = getenv("TRAWL_CORPUS");
    if (!root || !*root) root = "/work/shared/corpus";
    snprintf(corpus, sizeof(corpus), "%s", root);
    struct stat st;
    if (stat(corpus, &st) != 0 || !S_ISDIR(st.st_mode)) cr_skip_test("corpus %s not found", corpus);
    snprintf(buf, sizeof(buf), "%s/%s", corpus, rel);
    if (stat(buf, &st) != 0) cr_skip_test("%s not in this corpus", rel);
    return buf;
}

struct diag_log {
    unsigned long errors, warnings;
    unsigned long lines[16];
    char first[256];
};

static void diag(void *ud, const char *file, unsigned long line, bool is_error, const char *msg)
{
    struct diag_log *d = ud;
    if (is_error) {
        if (d->errors < 16) d->lines[d->errors] = line;
        if (!d->errors) snprintf(d->first, sizeof(d->first), "%s:%lu: %s", file, line, msg);
        d->errors++;
    } else {
        d->warnings++;
    }
}

/* Loads one corpus file with format detection on. */
static void load_file(struct trawl_iocset *s, const char *rel, struct trawl_load_stats *st,
                      struct diag_log *d)
{
    const char *path = corpus_path(rel);
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    struct trawl_error err = {0};
    int r = trawl_ioc_load_file(s, path, &o, st, d ? diag : NULL, d, &err);
    cr_assert_eq(r, 0, "%s: %s: %s", rel, err.where, err.msg);
}

/* Checks every per-type counter against an expected table (zero elsewhere). */
static void expect_counts(const char *what, const uint64_t *got, const uint64_t *want, size_t n)
{
    for (size_t t = 0; t < n; t++)
        cr_expect_eq(got[t], want[t], "%s[%s]: got %llu, want %llu", what,
                     t < TRAWL_T_COUNT ? trawl_ioc_type_name((int)t) : "unknown",
                     (unsigned long long)got[t], (unsigned long long)want[t]);
}

/* ---- signature-base (Loki) ---------------------------------------------- */

Test(signature_base, hash_iocs)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diag_log d = {0};
    load_file(s, "formats/signature-base/iocs/hash-iocs.txt", &st, &d);
    cr_assert_eq(d.errors, 0, "%s", d.first);

    /* Lines per hash length (1039 md5, 926 sha1, 1259 sha256):
     *   grep -v '^#' hash-iocs.txt | grep . | cut -d';' -f1 |
     *     awk '{print length($0)}' | sort | uniq -c
     * distinct after lower-casing (986, 893, 1174):
     *   grep -v '^#' hash-iocs.txt | grep . | cut -d';' -f1 | tr A-F a-f |
     *     sort -u | awk '{print length($0)}' | sort | uniq -c */
    uint64_t acc[TRAWL_T_COUNT] = {0}, mer[TRAWL_T_COUNT] = {0};
    acc[TRAWL_T_MD5] = 986;
    acc[TRAWL_T_SHA1] = 893;
    acc[TRAWL_T_SHA256] = 1174;
    mer[TRAWL_T_MD5] = 1039 - 986;
    mer[TRAWL_T_SHA1] = 926 - 893;
    mer[TRAWL_T_SHA256] = 1259 - 1174;
    expect_counts("accepted", st.accepted, acc, TRAWL_T_COUNT);
    expect_counts("merged", st.merged, mer, TRAWL_T_COUNT);
    cr_assert_eq(trawl_iocset_count(s), 986 + 893 + 1174);

    struct trawl_ioc_view v = view_of(
        s, TRAWL_T_SHA256, "ce583821191345274cd954b2db7da9742c239fe413fc17dcb97ffdd7b51cb072");
    cr_assert_str_eq(v.sources[0], "hash-iocs.txt");
    view_of(s, TRAWL_T_MD5, "e975d5b29d988929e5ad3a8fa19083d1");
    /* written upper case in the file */
    view_of(s, TRAWL_T_SHA256, "ee04b324f7e25b59d3412232a79d1878632d6817c3bb49500b214bf19afa4e2c");
    trawl_iocset_free(s);
}

Test(signature_base, c2_iocs)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diag_log d = {0};
    load_file(s, "formats/signature-base/iocs/c2-iocs.txt", &st, &d);
    cr_assert_eq(d.errors, 0, "%s", d.first);

    /* 135 IPv4 lines, 118 distinct; 1709 domain lines, 1655 distinct
     * (6 lines carry a Loki ";score"):
     *   grep -v '^#' c2-iocs.txt | grep . | cut -d';' -f1 | grep -cE '^[0-9.]+$'
     *   grep -v '^#' c2-iocs.txt | grep . | cut -d';' -f1 | sort -u | grep -cE '^[0-9.]+$'
     *   grep -v '^#' c2-iocs.txt | grep . | cut -d';' -f1 | grep -vcE '^[0-9.]+$'
     *   grep -v '^#' c2-iocs.txt | grep . | cut -d';' -f1 | sort -u | grep -vcE '^[0-9.]+$' */
    uint64_t acc[TRAWL_T_COUNT] = {0}, mer[TRAWL_T_COUNT] = {0};
    acc[TRAWL_T_IPV4] = 118;
    acc[TRAWL_T_DOMAIN] = 1655;
    mer[TRAWL_T_IPV4] = 135 - 118;
    mer[TRAWL_T_DOMAIN] = 1709 - 1655;
    expect_counts("accepted", st.accepted, acc, TRAWL_T_COUNT);
    expect_counts("merged", st.merged, mer, TRAWL_T_COUNT);

    cr_assert_eq(find(s, TRAWL_T_DOMAIN, "suroot.com"), 0, "first value of the file comes first");
    cr_assert_eq(find(s, TRAWL_T_IPV4, "58.64.143.244"), 1);
    view_of(s, TRAWL_T_IPV4, "176.123.5.126");                    /* written "176.123.5.126;65" */
    view_of(s, TRAWL_T_DOMAIN, "upd488.windowservicecemter.com"); /* 4 times */
    view_of(s, TRAWL_T_DOMAIN, "qwer9876.vicp.cc");
    trawl_iocset_free(s);
}

/* ---- Zeek intel: data files embedded in Zeek's own btests ---------------- */

struct zeek_walk {
    struct trawl_iocset *set;
    struct trawl_load_stats st;
    struct diag_log d;
    unsigned blocks;
    int failures;
};

static struct zeek_walk *walk_state;

/* Matches "# @TEST-START-FILE name" / "#@TEST-END-FILE" (blank optional). */
static const char *btest_directive(const char *line, const char *what)
{
    if (line[0] != '#') return NULL;
    line++;
    while (*line == ' ' || *line == '\t')
        line++;
    size_t n = strlen(what);
    if (strncmp(line, what, n) != 0) return NULL;
    line += n;
    while (*line == ' ' || *line == '\t')
        line++;
    return line;
}

static int walk_zeek(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t pl = strlen(path);
    if (flag != FTW_F || pl < 6 || strcmp(path + pl - 5, ".zeek") != 0) return 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        walk_state->failures++;
        return 0;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    struct trawl_buf block = {0};
    char name[512] = "";
    bool in = false;
    while ((n = getline(&line, &cap, f)) > 0) {
        const char *arg;
        if (!in && (arg = btest_directive(line, "@TEST-START-FILE")) != NULL) {
            snprintf(name, sizeof(name), "%s", arg);
            name[strcspn(name, " \t\r\n")] = 0;
            size_t nl = strlen(name);
            in = nl > 4 && strcmp(name + nl - 4, ".dat") == 0;
            block.len = 0;
            continue;
        }
        if (in && btest_directive(line, "@TEST-END-FILE")) {
            in = false;
            struct trawl_load_opts o;
            trawl_load_opts_init(&o);
            o.format = TRAWL_FMT_ZEEK;
            struct trawl_error err = {0};
            char label[1024];
            snprintf(label, sizeof(label), "%s:%s", path, name);
            if (trawl_ioc_load_mem(walk_state->set, label, block.data ? block.data : "", block.len,
                                   &o, &walk_state->st, diag, &walk_state->d, &err) != 0)
                walk_state->failures++;
            walk_state->blocks++;
            continue;
        }
        if (in) trawl_buf_put(&block, line, (size_t)n);
    }
    free(line);
    trawl_buf_free(&block);
    fclose(f);
    return 0;
}

Test(zeek_intel, btest_data_files)
{
    const char *dir = corpus_path("formats/zeek-intel/btests");
    struct zeek_walk w = {.set = new_set()};
    walk_state = &w;
    cr_assert_eq(nftw(dir, walk_zeek, 16, FTW_PHYS), 0);
    cr_assert_eq(w.failures, 0);

    /* 19 embedded *.dat files:
     *   find btests -name '*.zeek' | xargs grep -hE '^# ?@TEST-START-FILE .*\.dat$' | wc -l
     * Extracted with
     *   find btests -name '*.zeek' | sort | while read f; do awk '/^#[ \t]*@TEST-START-FILE/
     *     {p=($NF ~ /\.dat$/); next} /^#[ \t]*@TEST-END-FILE/{p=0} p' "$f"; done > all.dat
     * lines per type:  grep -v '^#' all.dat | cut -f2 | sort | uniq -c
     *   ADDR 20, SUBNET 6, DOMAIN 5, EMAIL 9, FILE_NAME 4, SOFTWARE 3, CERT_HASH 1
     * distinct:        grep -v '^#' all.dat | cut -f1,2 | sort -u | cut -f2 | uniq -c
     *   ADDR 8, SUBNET 5, DOMAIN 4, EMAIL 8, FILE_NAME 4 */
    cr_assert_eq(w.blocks, 19);
    uint64_t acc[TRAWL_T_COUNT] = {0}, mer[TRAWL_T_COUNT] = {0}, rej[TRAWL_T_COUNT + 1] = {0};
    acc[TRAWL_T_IPV4] = 8;
    acc[TRAWL_T_CIDR] = 5;
    acc[TRAWL_T_DOMAIN] = 4;
    acc[TRAWL_T_EMAIL] = 8;
    acc[TRAWL_T_FILENAME] = 4;
    mer[TRAWL_T_IPV4] = 20 - 8;
    mer[TRAWL_T_CIDR] = 6 - 5;
    mer[TRAWL_T_DOMAIN] = 5 - 4;
    mer[TRAWL_T_EMAIL] = 9 - 8;
    rej[TRAWL_T_COUNT] = 3 + 1; /* Intel::SOFTWARE and Intel::CERT_HASH: unsupported */
    expect_counts("accepted", w.st.accepted, acc, TRAWL_T_COUNT);
    expect_counts("merged", w.st.merged, mer, TRAWL_T_COUNT);
    expect_counts("rejected", w.st.rejected, rej, TRAWL_T_COUNT + 1);
    cr_assert_eq(w.d.errors, 4);
    cr_assert_eq(trawl_iocset_count(w.set), 29);

    /* 1.2.3.4 comes from source1 (several tests) and source2 (updated-match). */
    struct trawl_ioc_view v = view_of(w.set, TRAWL_T_IPV4, "1.2.3.4");
    cr_assert_eq(v.nsources, 2);
    cr_assert(has_source(&v, "source1") && has_source(&v, "source2"));
    /* whitelisting.zeek lists it in intel.dat (source1) and whitelist.dat (source2) */
    v = view_of(w.set, TRAWL_T_DOMAIN, "meta.wikimedia.org");
    cr_assert_eq(v.nsources, 2);
    view_of(w.set, TRAWL_T_CIDR, "192.168.142.0/26");
    view_of(w.set, TRAWL_T_CIDR, "192.168.0.0/16");
    view_of(w.set, TRAWL_T_EMAIL, "jan.grashoefer@cern.ch");
    view_of(w.set, TRAWL_T_FILENAME, "pythonfile");
    view_of(w.set, TRAWL_T_DOMAIN, "www.dresdner-privat.de");
    cr_assert_lt(find(w.set, TRAWL_T_STRING, "putty"), 0);
    trawl_iocset_free(w.set);
}

/* ---- Zeek intel: cases/zk-<case>/peer/intel.dat, checked against iocs.tsv -- */

Test(zeek_intel, case_peer_files)
{
    const char *cases = corpus_path("cases");
    char casedir[4096];
    snprintf(casedir, sizeof(casedir), "%s", cases);
    DIR *dir = opendir(casedir);
    cr_assert_not_null(dir);
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diag_log d = {0};
    unsigned ncases = 0, ntsv = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (strncmp(de->d_name, "zk-", 3) != 0) continue;
        char rel[1024];
        snprintf(rel, sizeof(rel), "cases/%s/peer/intel.dat", de->d_name);
        struct trawl_iocset *one = new_set();
        load_file(one, rel, &st, &d); /* .dat: Zeek by extension */
        load_file(s, rel, NULL, NULL);
        ncases++;

        /* Every "type<TAB>value" of the case's own iocs.tsv must be there. */
        char tsv[8192];
        snprintf(tsv, sizeof(tsv), "%s/%s/iocs.tsv", casedir, de->d_name);
        FILE *f = fopen(tsv, "r");
        cr_assert_not_null(f, "%s", tsv);
        char line[1024];
        size_t rows = 0;
        while (fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\r\n")] = 0;
            char *tab = strchr(line, '\t');
            if (!tab) continue;
            *tab = 0;
            enum trawl_ioc_type t;
            cr_assert_eq(trawl_ioc_type_parse(line, &t), 0, "%s", line);
            view_of(one, t, tab + 1);
            rows++;
            ntsv++;
        }
        fclose(f);
        cr_assert_eq(trawl_iocset_count(one), rows, "%s: set and iocs.tsv differ in size",
                     de->d_name);
        trawl_iocset_free(one);
    }
    closedir(dir);
    /* ls -d cases/zk-* | wc -l  -> 3;
     * for c in cases/zk-*; do cut -f1 $c/iocs.tsv; done | sort | uniq -c
     *   cidr 4, filename 3, ipv4 2 */
    cr_assert_eq(ncases, 3);
    cr_assert_eq(ntsv, 9);
    cr_assert_eq(d.errors, 0, "%s", d.first);
    uint64_t acc[TRAWL_T_COUNT] = {0};
    acc[TRAWL_T_CIDR] = 4;
    acc[TRAWL_T_FILENAME] = 3;
    acc[TRAWL_T_IPV4] = 2;
    expect_counts("accepted", st.accepted, acc, TRAWL_T_COUNT);
    cr_assert_eq(trawl_iocset_count(s), 9);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_FILENAME, "putty.exe");
    cr_assert_str_eq(v.sources[0], "source1", "meta.source is the source");
    trawl_iocset_free(s);
}

/* ---- Unit 42 plain lists (defanged, CRLF, BOM) -------------------------- */

struct plain_case {
    const char *file;
    enum trawl_ioc_type type;
    uint64_t accepted, rejected_unknown;
    const char *sample; /* normalised value that must be present */
};

Test(unit42, plain_lists)
{
    /* Counts:
     *   escelar-domains.txt:  grep -c . escelar-domains.txt                        -> 16
     *   escelar-sha256_hashes.txt / orcus-hashes.txt:
     *     tr -d '\r' < F | grep -cE '^[0-9a-f]{64}$'                  -> 602 / 365
     *     (and | sort -u | wc -l gives the same: no duplicates)
     *   Shade ...SHA256...txt: 73 hashes (same grep) plus two title lines
     *     ("APPENDIX B:", "73 SHA256 FILE HASHES ...") on lines 1 and 3
     *   Shade ...URLs...txt: tr -d '\r' < F | grep -c '^hxxp://'     -> 203, distinct,
     *     plus the two title lines 1 and 3
     *   unit42-iocs-Skimmer_IOC.txt (BOM, CRLF): tr -d '\r' < F | grep -c .  -> 108
     *     tr -d '\r' < F | sed 's/\[\.\]/./g; s#/$##' | tr A-Z a-z | sort -u | grep -c .
     *       -> 108: no two differ only by defanging, case or a bare "/" path */
    static const struct plain_case cases[] = {
        {"formats/text-unit42/escelar-domains.txt", TRAWL_T_DOMAIN, 16, 0,
         "gol35.carrosturbomotosturbo.com.br"},
        {"formats/text-unit42/escelar-sha256_hashes.txt", TRAWL_T_SHA256, 602, 0,
         "01142a14ebef9e6e5f8c03b0e3b89fa3205479476bd21c5f4b9fac7fe0ea939f"},
        {"formats/text-unit42/orcus-hashes.txt", TRAWL_T_SHA256, 365, 0,
         "03998ee62fa733a11a1986fa169a7ecb9a29f7b2a15bb411dd94f394ee6e4f73"},
        {"formats/text-unit42/"
         "Shade_ransomware-Shade-ransomware-SHA256-hashes-March-and-April-2019.txt",
         TRAWL_T_SHA256, 73, 2, "fd03dd58aa7cb5236f4df8cde3fb07af304c6f402cd48b86eefcecb8e7b86883"},
        {"formats/text-unit42/Shade_ransomware-Shade-ransomware-URLs-March-and-April-2019.txt",
         TRAWL_T_URL, 203, 2, "http://333media.co.uk/.tmb/inf.inf"},
        {"formats/text-unit42/unit42-iocs-Skimmer_IOC.txt", TRAWL_T_URL, 108, 0,
         "http://1051portola.com"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct plain_case *c = &cases[i];
        struct trawl_iocset *s = new_set();
        struct trawl_load_stats st = {0};
        struct diag_log d = {0};
        load_file(s, c->file, &st, &d);
        uint64_t acc[TRAWL_T_COUNT] = {0}, rej[TRAWL_T_COUNT + 1] = {0};
        acc[c->type] = c->accepted;
        rej[TRAWL_T_COUNT] = c->rejected_unknown;
        expect_counts(c->file, st.accepted, acc, TRAWL_T_COUNT);
        expect_counts(c->file, st.merged, (uint64_t[TRAWL_T_COUNT]){0}, TRAWL_T_COUNT);
        expect_counts(c->file, st.rejected, rej, TRAWL_T_COUNT + 1);
        cr_assert_eq(trawl_iocset_count(s), c->accepted, "%s", c->file);
        view_of(s, c->type, c->sample);
        if (c->rejected_unknown) {
            cr_assert_eq(d.lines[0], 1, "%s", c->file);
            cr_assert_eq(d.lines[1], 3, "%s", c->file);
        }
        trawl_iocset_free(s);
    }
}

Test(unit42, skimmer_query_urls)
{
    struct trawl_iocset *s = new_set();
    load_file(s, "formats/text-unit42/unit42-iocs-Skimmer_IOC.txt", NULL, NULL);
    /* Defanged dots in the query are refanged too; "[duplicate]" is not
     * defanging and stays; the trailing "/" path is dropped. */
    view_of(s, TRAWL_T_URL,
            "https://1201towergrovedr.com/?utm_campaign=newly-priced-a-true-compound-in-"
            "beverly-hills-%7C-just-listed-by-the-cilic-group-%7C-1201-tower-grove-dr-"
            "[duplicate]-(quick-send)&utm_content=1201-tower-grove_03.jpg&utm_medium=email&"
            "utm_source=activepipe");
    view_of(s, TRAWL_T_URL, "http://www.castrodistrictcondo.com");
    trawl_iocset_free(s);
}
