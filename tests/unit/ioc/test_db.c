/* The compiled database: compile -> write -> open gives back the same
 * indicators and facts, and damaged files (truncated, flipped bytes, wrong
 * magic, newer version, other Hyperscan) are refused with the right error,
 * never a crash. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs/hs.h>

#include "dbimage.h"
#include "trawl_ioc.h"

static char dir[] = "/tmp/trawl-test-db-XXXXXX";
static char path[256];

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/iocs.tdb", dir);
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static void add(struct trawl_iocset *set, enum trawl_ioc_type type, const char *value,
                enum trawl_tlp tlp, int sev, const char *source, int confidence)
{
    struct trawl_ioc_rec r = {.type = type,
                              .value = value,
                              .tlp = tlp,
                              .severity = sev,
                              .source = source,
                              .confidence = confidence};
    cr_assert_geq(trawl_iocset_add(set, &r), 0);
}

static struct trawl_iocset *sample_set(void)
{
    struct trawl_iocset *set;
    cr_assert_eq(trawl_iocset_new(&set), 0);
    add(set, TRAWL_T_IPV4, "185.220.101.47", TRAWL_TLP_AMBER, TRAWL_SEV_HIGH, "CERT-FR", 90);
    add(set, TRAWL_T_IPV6, "2001:db8::1", TRAWL_TLP_GREEN, TRAWL_SEV_LOW, "CERT-FR", -1);
    add(set, TRAWL_T_CIDR, "91.92.0.0/22", TRAWL_TLP_CLEAR, TRAWL_SEV_MEDIUM, "Cert-IST", -1);
    add(set, TRAWL_T_CIDR, "2a0b:4140:a0::/48", TRAWL_TLP_CLEAR, TRAWL_SEV_MEDIUM, "SOC", -1);
    add(set, TRAWL_T_DOMAIN, "evil.com", TRAWL_TLP_RED, TRAWL_SEV_CRITICAL, "CERT-FR", 100);
    add(set, TRAWL_T_URL, "http://bad.org/Path", TRAWL_TLP_AMBER_STRICT, TRAWL_SEV_HIGH, "x", 5);
    add(set, TRAWL_T_EMAIL, "a@evil.com", TRAWL_TLP_AMBER, TRAWL_SEV_MEDIUM, "x", -1);
    add(set, TRAWL_T_MD5, "44d88612fea8a8f36de82e1278abb02f", TRAWL_TLP_AMBER, 2, "x", -1);
    add(set, TRAWL_T_SHA1, "3395856ce81f2b7382dee72602f798b642f14140", TRAWL_TLP_AMBER, 2, "y", -1);
    add(set, TRAWL_T_SHA256, "9f86d081884c7d659a2feae0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        TRAWL_TLP_AMBER, 2, "y", -1);
    add(set, TRAWL_T_FILENAME, "svch0st.exe", TRAWL_TLP_AMBER, 2, "y", -1);
    add(set, TRAWL_T_STRING, "Global\\Mutex", TRAWL_TLP_AMBER, 2, "y", -1);
    add(set, TRAWL_T_REGEX, "beacon_[0-9]{4}", TRAWL_TLP_AMBER, 2, "y", -1);
    /* a second source for an existing indicator: merged */
    add(set, TRAWL_T_DOMAIN, "evil.com", TRAWL_TLP_GREEN, TRAWL_SEV_LOW, "Cert-IST", 10);
    return set;
}

static void write_db(struct trawl_iocset *set)
{
    struct trawl_db *db;
    struct trawl_error err = {0};
    struct trawl_compile_opts co = {.utf16 = true, .expired = 3};
    cr_assert_eq(trawl_db_compile(set, &co, &db, &err), 0, "%s", err.msg);
    cr_assert_eq(trawl_db_write(db, path, &err), 0, "%s", err.msg);
    trawl_db_close(db);
}

static size_t file_size(void)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    return (size_t)st.st_size;
}

static uint8_t *read_all(size_t *len)
{
    *len = file_size();
    uint8_t *b = malloc(*len);
    FILE *f = fopen(path, "rb");
    cr_assert(f && fread(b, 1, *len, f) == *len);
    fclose(f);
    return b;
}

static void write_all(const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert_eq(fwrite(b, 1, len, f), len);
    fclose(f);
}

static int open_code(struct trawl_error *err)
{
    struct trawl_db *db = NULL;
    memset(err, 0, sizeof(*err));
    int r = trawl_db_open(path, &db, err);
    trawl_db_close(db);
    return r;
}

TestSuite(db, .init = setup, .fini = teardown);

Test(db, round_trip_same_indicators)
{
    struct trawl_iocset *set = sample_set();
    write_db(set);
    struct trawl_db *db;
    struct trawl_error err = {0};
    cr_assert_eq(trawl_db_open(path, &db, &err), 0, "%s", err.msg);
    cr_assert_eq(trawl_db_count(db), trawl_iocset_count(set));
    cr_assert_eq(trawl_db_count(db), 13);
    for (size_t i = 0; i < trawl_db_count(db); i++) {
        struct trawl_ioc_view a, b;
        trawl_iocset_get(set, i, &a);
        trawl_db_get(db, i, &b);
        cr_assert_eq(a.type, b.type);
        cr_assert_str_eq(a.value, b.value);
        cr_assert_eq(a.tlp, b.tlp);
        cr_assert_eq(a.severity, b.severity);
        cr_assert_eq(a.confidence, b.confidence);
        cr_assert_eq(a.flags, b.flags);
        cr_assert_eq(a.nsources, b.nsources);
        for (size_t k = 0; k < a.nsources; k++)
            cr_assert_str_eq(a.sources[k], trawl_db_source(db, i, k));
    }
    /* the merged domain kept both sources, the strictest TLP, highest severity */
    struct trawl_ioc_view v;
    trawl_db_get(db, 4, &v);
    cr_assert_str_eq(v.value, "evil.com");
    cr_assert_eq(v.nsources, 2);
    cr_assert_str_eq(trawl_db_source(db, 4, 0), "CERT-FR");
    cr_assert_str_eq(trawl_db_source(db, 4, 1), "Cert-IST");
    cr_assert_eq(v.tlp, TRAWL_TLP_RED);
    cr_assert_eq(v.severity, TRAWL_SEV_CRITICAL);
    cr_assert_eq(v.confidence, 100);

    struct trawl_db_info in;
    trawl_db_info(db, &in);
    cr_assert_eq(in.format_version, 4);
    cr_assert_eq(in.file_size, file_size());
    cr_assert_eq(in.by_type[TRAWL_T_CIDR], 2);
    cr_assert_eq(in.by_type[TRAWL_T_REGEX], 1);
    cr_assert_eq(in.by_tlp[TRAWL_TLP_RED], 1);
    cr_assert_eq(in.by_tlp[TRAWL_TLP_AMBER_STRICT], 1);
    cr_assert_eq(in.by_severity[TRAWL_SEV_CRITICAL], 1);
    cr_assert_eq(in.cidrs, 2);
    cr_assert_eq(in.expired, 3);
    /* addresses, hashes, the URL and the e-mail address in tables; the
     * other text types as literals */
    cr_assert_eq(in.hashed, 7);
    cr_assert_eq(in.literals, 3);
    cr_assert_gt(in.hs_bytes, 0);
    cr_assert_str_eq(in.hs_version, hs_version());
    trawl_db_close(db);
    trawl_iocset_free(set);
}

Test(db, empty_set_round_trip)
{
    struct trawl_iocset *set;
    cr_assert_eq(trawl_iocset_new(&set), 0);
    write_db(set);
    struct trawl_db *db;
    struct trawl_error err = {0};
    cr_assert_eq(trawl_db_open(path, &db, &err), 0, "%s", err.msg);
    cr_assert_eq(trawl_db_count(db), 0);
    trawl_db_close(db);
    trawl_iocset_free(set);
}

Test(db, every_truncation_is_refused)
{
    struct trawl_iocset *set = sample_set();
    write_db(set);
    trawl_iocset_free(set);
    size_t len;
    uint8_t *orig = read_all(&len);
    for (size_t cut = 0; cut < len; cut += (cut < 512 ? 1 : 61)) {
        write_all(orig, cut);
        struct trawl_error err;
        int r = open_code(&err);
        cr_assert_lt(r, 0, "truncated at %zu accepted", cut);
        cr_assert_neq(err.msg[0], 0);
        cr_assert_str_eq(err.where, path);
    }
    write_all(orig, len - 1);
    struct trawl_error err;
    cr_assert_eq(open_code(&err), TRAWL_ETRUNC);
    cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
    free(orig);
}

Test(db, every_flipped_byte_is_refused)
{
    struct trawl_iocset *set = sample_set();
    write_db(set);
    trawl_iocset_free(set);
    size_t len;
    uint8_t *orig = read_all(&len);
    for (size_t at = 0; at < len; at += (at < 1024 ? 1 : 13)) {
        orig[at] ^= 0x40;
        write_all(orig, len);
        struct trawl_error err;
        cr_assert_lt(open_code(&err), 0, "flip at %zu accepted", at);
        orig[at] ^= 0x40;
    }
    write_all(orig, len);
    struct trawl_error err;
    cr_assert_eq(open_code(&err), 0, "%s", err.msg);
    free(orig);
}

/* Rewrites the header and fixes the checksum, as a newer trawl or another
 * machine would have written it. */
static void rewrite_header(void (*edit)(struct dbhdr *))
{
    size_t len;
    uint8_t *b = read_all(&len);
    struct dbhdr *h = (struct dbhdr *)b;
    edit(h);
    h->checksum = 0;
    struct dbhdr copy = *h;
    h->checksum =
        trawl_hash64(b + sizeof(copy), len - sizeof(copy), trawl_hash64(&copy, sizeof(copy), 7));
    write_all(b, len);
    free(b);
}

static void newer(struct dbhdr *h)
{
    h->version = 99;
}

static void other_hs(struct dbhdr *h)
{
    snprintf(h->hs_version, sizeof(h->hs_version), "4.0.0 1999-01-01");
}

static void other_endian(struct dbhdr *h)
{
    h->endian = 0x04030201u;
}

Test(db, newer_format_other_platform_and_bad_magic)
{
    struct trawl_iocset *set = sample_set();
    struct trawl_error err;

    write_db(set);
    rewrite_header(newer);
    cr_assert_eq(open_code(&err), TRAWL_EVERSION);
    cr_assert(strstr(err.msg, "newer"), "%s", err.msg);

    write_db(set);
    rewrite_header(other_hs);
    cr_assert_eq(open_code(&err), TRAWL_EPLATFORM);
    cr_assert(strstr(err.msg, "Hyperscan 4.0.0"), "%s", err.msg);

    write_db(set);
    rewrite_header(other_endian);
    cr_assert_eq(open_code(&err), TRAWL_EPLATFORM);

    write_all((const uint8_t *)"type,value\nipv4,1.2.3.4\n", 24);
    cr_assert_eq(open_code(&err), TRAWL_EFORMAT);
    cr_assert(strstr(err.msg, "not a trawl database"), "%s", err.msg);

    unlink(path);
    cr_assert_eq(open_code(&err), TRAWL_EIO);
    trawl_iocset_free(set);
}

Test(db, random_files_are_refused)
{
    srand(7);
    for (int i = 0; i < 200; i++) {
        size_t len = (size_t)(rand() % 4096);
        uint8_t *b = malloc(len + 8);
        for (size_t k = 0; k < len; k++)
            b[k] = (uint8_t)rand();
        if (i % 2 && len >= 8) memcpy(b, "TRAWLDB\0", 8); /* right magic, garbage after */
        write_all(b, len);
        struct trawl_error err;
        cr_assert_lt(open_code(&err), 0);
        free(b);
    }
}

Test(db, write_is_atomic_and_reports_errors)
{
    struct trawl_iocset *set = sample_set();
    struct trawl_db *db;
    struct trawl_error err = {0};
    cr_assert_eq(trawl_db_compile(set, NULL, &db, &err), 0);
    cr_assert_lt(trawl_db_write(db, "/nonexistent-dir/x.tdb", &err), 0);
    cr_assert_eq(err.code, TRAWL_EIO);
    cr_assert_str_eq(err.where, "/nonexistent-dir/x.tdb");
    cr_assert_eq(trawl_db_write(db, path, &err), 0);
    /* no temporary file left behind */
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "test $(ls %s | wc -l) -eq 1", dir);
    cr_assert_eq(system(cmd), 0);
    trawl_db_close(db);
    trawl_iocset_free(set);
}
