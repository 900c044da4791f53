/* Unit tests of the STIX 2.0/2.1 loader (ioc/load_stix.c): pattern parsing
 * (OR gives one indicator per value; AND, FOLLOWEDBY, NOT, other operators
 * and qualifiers skip the indicator with a warning naming it), both hash
 * quoting styles, TLP 1.0/2.0 markings, revoked, valid_until, confidence,
 * source, content sniffing, invalid JSON; and the real STIX files of the
 * shared corpus (skipped when TRAWL_CORPUS is absent). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trawl_ioc.h"

/* ---- helpers ------------------------------------------------------------ */

#include "ioc_test.h"

static void opts_for(struct trawl_load_opts *o, enum trawl_format fmt)
{
    trawl_load_opts_init(o);
    o->format = fmt;
    o->now = 1700000000; /* 2023-11-14 */
}

static int load_text(struct trawl_iocset *s, const char *text, enum trawl_format fmt,
                     struct trawl_load_stats *st, struct diags *ds, struct trawl_error *err)
{
    struct trawl_load_opts o;
    opts_for(&o, fmt);
    return trawl_ioc_load_mem(s, "t.json", text, strlen(text), &o, st, collect, ds, err);
}

/* A one-indicator bundle with the given pattern. */
static char *bundle1(const char *pattern_json)
{
    static char buf[4096];
    snprintf(buf, sizeof(buf),
             "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{\"type\":\"indicator\","
             "\"spec_version\":\"2.1\",\"id\":\"indicator--test-1\",\"pattern_type\":\"stix\","
             "\"pattern\":%s}]}",
             pattern_json);
    return buf;
}

/* Loads a one-indicator bundle; returns the number of indicators added. */
static size_t load_pattern(const char *pattern_json, struct trawl_iocset **out,
                           struct trawl_load_stats *st, struct diags *ds)
{
    struct trawl_iocset *s = new_set();
    struct trawl_error err = {0};
    memset(st, 0, sizeof(*st));
    cr_assert_eq(load_text(s, bundle1(pattern_json), TRAWL_FMT_STIX, st, ds, &err), 0, "%s: %s",
                 err.where, err.msg);
    *out = s;
    return trawl_iocset_count(s);
}

/* ---- the sample bundle ---------------------------------------------------- */

struct loaded {
    struct trawl_iocset *set;
    struct trawl_load_stats st;
    struct diags ds;
};

static struct loaded *sample(void)
{
    struct loaded *l = calloc(1, sizeof(*l));
    cr_assert_not_null(l);
    l->set = new_set();
    struct trawl_load_opts o;
    opts_for(&o, TRAWL_FMT_AUTO); /* by content */
    struct trawl_error err = {0};
    int r = trawl_ioc_load_file(l->set, data_path("stix21-bundle.json"), &o, &l->st, collect,
                                &l->ds, &err);
    cr_assert_eq(r, 0, "%s: %s", err.where, err.msg);
    return l;
}

static void sample_free(struct loaded *l)
{
    trawl_iocset_free(l->set);
    free(l);
}

Test(stix, sample_counts)
{
    struct loaded *l = sample();
    /* Hand count of stix21-bundle.json: ipv4 .7 .8 203.0.113.5; ipv6
     * 2001:db8::5; cidr 10.20/16, 2001:db8:1::/48; domain c2, partial,
     * report, noname (+1 expired); url 1; email 2; filename 1; two of each
     * hash. */
    cr_assert_eq(l->st.accepted[TRAWL_T_IPV4], 3);
    cr_assert_eq(l->st.accepted[TRAWL_T_IPV6], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_CIDR], 2);
    cr_assert_eq(l->st.accepted[TRAWL_T_DOMAIN], 4);
    cr_assert_eq(l->st.accepted[TRAWL_T_URL], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_EMAIL], 2);
    cr_assert_eq(l->st.accepted[TRAWL_T_FILENAME], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_MD5], 2);
    cr_assert_eq(l->st.accepted[TRAWL_T_SHA1], 2);
    cr_assert_eq(l->st.accepted[TRAWL_T_SHA256], 2);
    cr_assert_eq(l->st.expired[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(sum(l->st.expired, TRAWL_T_COUNT), 1);
    cr_assert_eq(sum(l->st.rejected, TRAWL_T_COUNT + 1), 0);
    cr_assert_eq(trawl_iocset_count(l->set), 20);
    /* AND, revoked, sigma, partly matchable: four warnings, no errors. */
    cr_assert_eq(l->st.warnings, 4);
    cr_assert_eq(l->ds.n, 4);
    for (size_t i = 0; i < l->ds.n; i++) {
        cr_assert_not(l->ds.d[i].is_error, "%s", l->ds.d[i].msg);
        cr_assert_eq(l->ds.d[i].line, 0);
    }
    cr_assert_eq(l->st.lines, 12); /* indicator objects seen */
    sample_free(l);
}

Test(stix, or_gives_one_indicator_each)
{
    struct loaded *l = sample();
    struct trawl_ioc_view a = view_of(l->set, TRAWL_T_IPV4, "198.51.100.7");
    struct trawl_ioc_view b = view_of(l->set, TRAWL_T_IPV4, "198.51.100.8");
    struct trawl_ioc_view c = view_of(l->set, TRAWL_T_DOMAIN, "c2.evil.example");
    cr_assert(has_source(&a, "Op Sample C2") && has_source(&b, "Op Sample C2") &&
              has_source(&c, "Op Sample C2"));
    cr_assert_eq(c.confidence, 80);
    cr_assert_eq(c.tlp, TRAWL_TLP_GREEN); /* TLP 1.0 well-known GREEN id */
    cr_assert_eq(a.severity, TRAWL_SEV_MEDIUM);
    sample_free(l);
}

Test(stix, and_skipped_with_warning_naming_the_id)
{
    struct loaded *l = sample();
    const struct diag_rec *d =
        diag_with(&l->ds, "indicator--00000000-0000-4000-8000-000000000002", "AND");
    cr_assert_not_null(d);
    cr_assert_not(d->is_error);
    cr_assert_not_null(strstr(d->msg, "skipped"));
    cr_assert_not_null(strstr(d->file, "stix21-bundle.json"));
    cr_assert_eq(find(l->set, TRAWL_T_IPV4, "203.0.113.99"), -1, "AND must not be flattened");
    sample_free(l);
}

Test(stix, both_hash_quoting_styles)
{
    struct loaded *l = sample();
    view_of(l->set, TRAWL_T_SHA256,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    view_of(l->set, TRAWL_T_SHA256,
            "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    view_of(l->set, TRAWL_T_MD5, "cccccccccccccccccccccccccccccccc");
    view_of(l->set, TRAWL_T_MD5, "dddddddddddddddddddddddddddddddd");
    view_of(l->set, TRAWL_T_SHA1, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee");
    struct trawl_ioc_view v =
        view_of(l->set, TRAWL_T_SHA1, "ffffffffffffffffffffffffffffffffffffffff");
    /* TLP 2.0 extension marking defined in the bundle (plus a statement
     * marking, which does not count). */
    cr_assert_eq(v.tlp, TRAWL_TLP_AMBER_STRICT);
    cr_assert_eq(v.confidence, -1);
    sample_free(l);
}

Test(stix, revoked_and_expiry)
{
    struct loaded *l = sample();
    cr_assert_eq(find(l->set, TRAWL_T_DOMAIN, "revoked.example"), -1);
    cr_assert_not_null(
        diag_with(&l->ds, "indicator--00000000-0000-4000-8000-000000000004", "revoked"));
    cr_assert_eq(find(l->set, TRAWL_T_DOMAIN, "expired.example"), -1);
    struct trawl_ioc_view u = view_of(l->set, TRAWL_T_URL, "http://login.evil.example/verify?id=1");
    cr_assert_eq(u.valid_until, 1909051200); /* 2030-06-30T12:00:00Z */
    cr_assert_eq(u.tlp, TRAWL_TLP_RED);      /* TLP 1.0 definition inline in the bundle */
    sample_free(l);
}

Test(stix, cidr_refs_and_ipv6)
{
    struct loaded *l = sample();
    view_of(l->set, TRAWL_T_CIDR, "10.20.0.0/16");
    view_of(l->set, TRAWL_T_CIDR, "2001:db8:1::/48");
    view_of(l->set, TRAWL_T_IPV4, "203.0.113.5"); /* network-traffic:dst_ref.value */
    view_of(l->set, TRAWL_T_IPV6, "2001:db8::5"); /* src_ref.value, lower-cased */
    sample_free(l);
}

Test(stix, email_and_escaped_quote)
{
    struct loaded *l = sample();
    view_of(l->set, TRAWL_T_EMAIL, "boss@evil.example"); /* email-message:from_ref.value */
    view_of(l->set, TRAWL_T_EMAIL, "payroll@evil.example");
    view_of(l->set, TRAWL_T_FILENAME, "in'voice.exe");
    sample_free(l);
}

Test(stix, non_stix_pattern_type_and_partial_or)
{
    struct loaded *l = sample();
    cr_assert_not_null(
        diag_with(&l->ds, "indicator--00000000-0000-4000-8000-000000000009", "sigma"));
    /* The matchable alternative of an OR is sound on its own. */
    view_of(l->set, TRAWL_T_DOMAIN, "partial.example");
    cr_assert_not_null(diag_with(&l->ds, "indicator--00000000-0000-4000-8000-000000000010",
                                 "windows-registry-key:key"));
    sample_free(l);
}

Test(stix, sources)
{
    struct loaded *l = sample();
    /* A name that merely restates the value: the report listing it. */
    struct trawl_ioc_view r = view_of(l->set, TRAWL_T_DOMAIN, "report.evil.example");
    cr_assert_eq(r.nsources, 1);
    cr_assert_str_eq(r.sources[0], "Sample Report 2024");
    /* No name, no report: the id. */
    struct trawl_ioc_view n = view_of(l->set, TRAWL_T_DOMAIN, "noname.example");
    cr_assert_str_eq(n.sources[0], "indicator--00000000-0000-4000-8000-000000000012");
    /* A real name wins over the report. */
    struct trawl_ioc_view c = view_of(l->set, TRAWL_T_DOMAIN, "c2.evil.example");
    cr_assert_eq(c.nsources, 1);
    cr_assert_str_eq(c.sources[0], "Op Sample C2");
    sample_free(l);
}

/* ---- pattern language ----------------------------------------------------- */

struct skip_case {
    const char *pattern; /* as a JSON string */
    const char *why;     /* expected in the warning */
};

Test(stix_pattern, unsupported_constructs_skip_whole_indicator)
{
    static const struct skip_case cases[] = {
        {"\"[domain-name:value = 'a.example' AND domain-name:value = 'b.example']\"", "AND"},
        {"\"[domain-name:value = 'a.example'] AND [domain-name:value = 'b.example']\"", "AND"},
        {"\"[domain-name:value = 'a.example'] FOLLOWEDBY [domain-name:value = 'b.example']\"",
         "FOLLOWEDBY"},
        {"\"[domain-name:value NOT = 'a.example']\"", "NOT"},
        {"\"[domain-name:value != 'a.example']\"", "!="},
        {"\"[domain-name:value MATCHES '^a']\"", "MATCHES"},
        {"\"[domain-name:value LIKE 'a%']\"", "LIKE"},
        {"\"[ipv4-addr:value IN ('1.2.3.4', '5.6.7.8')]\"", "IN"},
        {"\"[file:size > 10]\"", ">"},
        {"\"[domain-name:value = 'a.example'] WITHIN 300 SECONDS\"", "WITHIN"},
        {"\"[domain-name:value = 'a.example'] REPEATS 5 TIMES\"", "REPEATS"},
        {"\"[domain-name:value = 'a.example'] START t'2016-06-01T00:00:00Z' STOP "
         "t'2016-07-01T00:00:00Z'\"",
         "START"},
        {"\"[domain-name:value = 'a.example' OR (domain-name:value = 'b.example' AND "
         "domain-name:value = 'c.example')]\"",
         "AND"},
        {"\"([domain-name:value = 'a.example'] OR [domain-name:value = 'b.example']) AND "
         "[url:value = 'http://c.example/']\"",
         "AND"},
        {"\"[EXISTS domain-name:value]\"", "EXISTS"},
        {"\"[network-traffic:dst_port = 443]\"", "non-string"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct trawl_iocset *s;
        struct trawl_load_stats st;
        struct diags ds = {0};
        size_t n = load_pattern(cases[i].pattern, &s, &st, &ds);
        cr_assert_eq(n, 0, "case %zu: %s loaded %zu", i, cases[i].pattern, n);
        cr_assert_eq(st.warnings, 1, "case %zu", i);
        cr_assert_eq(ds.n, 1, "case %zu", i);
        cr_assert_not_null(strstr(ds.d[0].msg, "indicator--test-1"), "%s", ds.d[0].msg);
        cr_assert_not_null(strstr(ds.d[0].msg, cases[i].why), "case %zu: %s", i, ds.d[0].msg);
        cr_assert_not(ds.d[0].is_error);
        trawl_iocset_free(s);
    }
}

Test(stix_pattern, syntax_errors_skip_with_warning)
{
    static const char *const bad[] = {
        "\"[domain-name:value = 'a.example'\"",    "\"[domain-name:value = 'a.example]\"",
        "\"domain-name:value = 'a.example'\"",     "\"[domain-name:value 'a.example']\"",
        "\"[domain-name = 'a.example']\"",         "\"[domain-name:value = 'a.example'] OR\"",
        "\"[domain-name:value = 'a.example'] x\"", "\"\"",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct trawl_iocset *s;
        struct trawl_load_stats st;
        struct diags ds = {0};
        cr_assert_eq(load_pattern(bad[i], &s, &st, &ds), 0, "%s", bad[i]);
        cr_assert_eq(st.warnings, 1, "%s", bad[i]);
        cr_assert_not_null(strstr(ds.d[0].msg, "invalid STIX pattern"), "%s", ds.d[0].msg);
        trawl_iocset_free(s);
    }
}

Test(stix_pattern, or_forms_whitespace_parens_and_escapes)
{
    struct trawl_iocset *s;
    struct trawl_load_stats st;
    struct diags ds = {0};
    size_t n = load_pattern(
        "\"( [ ipv4-addr:value='192.0.2.1' OR (ipv4-addr:value == '192.0.2.2') ]\\n OR "
        "[domain-name:value = 'x.example'] /* comment */ ) OR [file:name = 'a\\\\\\\\b\\\\'c']\"",
        &s, &st, &ds);
    cr_assert_eq(n, 4, "%zu (%s)", n, ds.n ? ds.d[0].msg : "");
    cr_assert_eq(st.warnings, 0);
    view_of(s, TRAWL_T_IPV4, "192.0.2.1");
    view_of(s, TRAWL_T_IPV4, "192.0.2.2");
    view_of(s, TRAWL_T_DOMAIN, "x.example");
    view_of(s, TRAWL_T_FILENAME, "a\\b'c");
    trawl_iocset_free(s);
}

Test(stix_pattern, bad_value_is_rejected_naming_the_indicator)
{
    struct trawl_iocset *s;
    struct trawl_load_stats st;
    struct diags ds = {0};
    load_pattern("\"[ipv4-addr:value = '300.1.1.1' OR ipv4-addr:value = '192.0.2.9']\"", &s, &st,
                 &ds);
    cr_assert_eq(trawl_iocset_count(s), 1);
    cr_assert_eq(st.rejected[TRAWL_T_IPV4], 1);
    cr_assert_eq(ds.n, 1);
    cr_assert(ds.d[0].is_error);
    cr_assert_not_null(strstr(ds.d[0].msg, "indicator--test-1: "), "%s", ds.d[0].msg);
    trawl_iocset_free(s);
}

Test(stix_pattern, schemeless_url_gets_http)
{
    struct trawl_iocset *s;
    struct trawl_load_stats st;
    struct diags ds = {0};
    cr_assert_eq(load_pattern("\"[url:value = 'Bad.Example/path/x.php']\"", &s, &st, &ds), 1);
    view_of(s, TRAWL_T_URL, "http://bad.example/path/x.php");
    trawl_iocset_free(s);
}

/* ---- shapes and markings ------------------------------------------------- */

Test(stix_input, single_object_array_and_stix20)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    /* One indicator object, by content sniffing. */
    cr_assert_eq(load_text(s,
                           "\xef\xbb\xbf {\"type\":\"indicator\",\"spec_version\":\"2.1\","
                           "\"id\":\"indicator--single\",\"pattern\":\"[domain-name:value = "
                           "'one.example']\",\"pattern_type\":\"stix\",\"confidence\":15}",
                           TRAWL_FMT_AUTO, &st, &ds, &err),
                 0, "%s", err.msg);
    cr_assert_eq(view_of(s, TRAWL_T_DOMAIN, "one.example").confidence, 15);
    /* A bare array of STIX 2.0 objects (no pattern_type, no spec_version),
     * TLP from a 2.0 marking-definition in the same array. */
    cr_assert_eq(
        load_text(
            s,
            "[{\"type\":\"marking-definition\",\"id\":\"marking-definition--x\","
            "\"definition_type\":\"tlp\",\"definition\":{\"tlp\":\"white\"}},"
            "{\"type\":\"indicator\",\"id\":\"indicator--two\",\"name\":\"Two\","
            "\"labels\":[\"malicious-activity\"],\"pattern\":\"[url:value = "
            "'https://two.example/a']\",\"object_marking_refs\":[\"marking-definition--x\"]}]",
            TRAWL_FMT_AUTO, &st, &ds, &err),
        0, "%s", err.msg);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_URL, "https://two.example/a");
    cr_assert_eq(v.tlp, TRAWL_TLP_CLEAR);
    cr_assert(has_source(&v, "Two"));
    cr_assert_eq(st.warnings, 0);
    trawl_iocset_free(s);
}

Test(stix_input, tlp2_official_ids_and_strictest_wins)
{
    static const struct {
        const char *id;
        enum trawl_tlp tlp;
    } ids[] = {
        {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", TRAWL_TLP_CLEAR},
        {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", TRAWL_TLP_GREEN},
        {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", TRAWL_TLP_AMBER},
        {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", TRAWL_TLP_AMBER_STRICT},
        {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", TRAWL_TLP_RED},
        {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TRAWL_TLP_CLEAR},
        {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TRAWL_TLP_RED},
    };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        char buf[1024];
        snprintf(buf, sizeof(buf),
                 "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--t\","
                 "\"pattern\":\"[domain-name:value = 'm.example']\",\"pattern_type\":\"stix\","
                 "\"object_marking_refs\":[\"%s\"]}",
                 ids[i].id);
        struct trawl_iocset *s = new_set();
        struct trawl_load_stats st = {0};
        struct diags ds = {0};
        struct trawl_error err = {0};
        cr_assert_eq(load_text(s, buf, TRAWL_FMT_STIX, &st, &ds, &err), 0);
        cr_assert_eq(view_of(s, TRAWL_T_DOMAIN, "m.example").tlp, ids[i].tlp, "%s", ids[i].id);
        trawl_iocset_free(s);
    }
    /* Several TLP markings: the strictest. No TLP marking: the default. */
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    cr_assert_eq(
        load_text(s,
                  "[{\"type\":\"indicator\",\"id\":\"indicator--a\",\"pattern\":\"[domain-name:"
                  "value = 'a.example']\",\"object_marking_refs\":[\"marking-definition--34098fce-"
                  "860f-48ae-8e50-ebd3cc5e41da\",\"marking-definition--f88d31f6-486f-44da-b317-"
                  "01333bde0b82\"]},{\"type\":\"indicator\",\"id\":\"indicator--b\",\"pattern\":"
                  "\"[domain-name:value = 'b.example']\",\"object_marking_refs\":[\"marking-"
                  "definition--unknown\"]}]",
                  TRAWL_FMT_STIX, &st, &ds, &err),
        0);
    cr_assert_eq(view_of(s, TRAWL_T_DOMAIN, "a.example").tlp, TRAWL_TLP_AMBER);
    cr_assert_eq(view_of(s, TRAWL_T_DOMAIN, "b.example").tlp, TRAWL_TLP_AMBER); /* default */
    trawl_iocset_free(s);
}

Test(stix_input, confidence_bounds_and_bad_valid_until)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    cr_assert_eq(load_text(s,
                           "[{\"type\":\"indicator\",\"id\":\"indicator--c\",\"pattern\":\"[domain-"
                           "name:value = 'c.example']\",\"confidence\":101,\"valid_until\":"
                           "\"soon\"}]",
                           TRAWL_FMT_STIX, &st, &ds, &err),
                 0);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_DOMAIN, "c.example");
    cr_assert_eq(v.confidence, -1);
    cr_assert_eq(v.valid_until, 0);
    cr_assert_eq(st.warnings, 1);
    cr_assert_not_null(diag_with(&ds, "indicator--c", "valid_until"));
    trawl_iocset_free(s);
}

Test(stix_input, invalid_json_gives_line_and_column)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    int r = load_text(s,
                      "{\"type\": \"bundle\", \"id\": \"bundle--1\",\n \"objects\": [\n  "
                      "{\"type\": \"indicator\"},\n ]\n}",
                      TRAWL_FMT_AUTO, &st, &ds, &err);
    cr_assert_lt(r, 0);
    cr_assert_eq(err.code, TRAWL_EFORMAT);
    cr_assert_str_eq(err.where, "t.json:4:2");
    cr_assert_not_null(strstr(err.msg, "invalid JSON: "), "%s", err.msg);
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
}

Test(stix_input, not_stix)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    cr_assert_eq(load_text(s, "{\"Event\": {}}", TRAWL_FMT_STIX, &st, &ds, &err), TRAWL_EFORMAT);
    cr_assert_not_null(strstr(err.msg, "not STIX"));
    cr_assert_eq(
        load_text(s, "{\"type\":\"bundle\",\"objects\":3}", TRAWL_FMT_STIX, &st, &ds, &err),
        TRAWL_EFORMAT);
    /* Plain text is never taken for STIX. */
    cr_assert_eq(load_text(s, "evil.example\n", TRAWL_FMT_AUTO, &st, &ds, &err), 0);
    cr_assert_eq(st.lines, 1);
    trawl_iocset_free(s);
}

/* ---- corpus: real STIX files ----------------------------------------------- */

/* Expected counts per file, derived independently of trawl with Python from
 * the raw JSON (an indicator whose pattern holds AND, MATCHES, FOLLOWEDBY,
 * NOT or LIKE is skipped with one warning; one more warning for an
 * indicator comparing a path outside M; distinct normalised (type, value)
 * pairs are accepted, repeats merged, a domain with a blank rejected):
 *   cd $TRAWL_CORPUS/formats && python3 -c 'import json,sys,re,collections,ipaddress
 *   M={"ipv4-addr:value":"ipv4","domain-name:value":"domain","url:value":"url",
 *      "email-addr:value":"email","file:name":"filename","file:hashes.md5":"md5",
 *      "file:hashes.\x27SHA-256\x27":"sha256"}
 *   D=r"([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)+[a-z0-9-]+"
 *   def norm(t,v):
 *     if t=="cidr": return str(ipaddress.ip_network(v,strict=False))
 *     if t=="url":
 *       s,h,r=re.fullmatch(r"(?:(\w+)://)?([^/?#]*)(.*)",v).groups()
 *       return (s or "http").lower()+"://"+h.lower()+("" if r=="/" else r)
 *     if t=="domain" and not re.fullmatch(D,v.lower()): return None
 *     return v.lower()
 *   for f in sys.argv[1:]:
 *     d=json.load(open(f)); seen=set(); acc=collections.Counter()
 *     mer=collections.Counter(); rej=collections.Counter(); w=0
 *     for o in d.get("objects",[d]):
 *       if o.get("type")!="indicator": continue
 *       p=o["pattern"]
 *       if re.search(r"\b(AND|MATCHES|FOLLOWEDBY|NOT|LIKE)\b",p): w+=1; continue
 *       ts=re.findall(r"([a-z0-9-]+:[A-Za-z0-9_.\x27-]+)\s*=\s*\x27((?:[^\x27\\]|\\.)*)\x27",p)
 *       w+=any(k not in M for k,v in ts)
 *       for k,v in ts:
 *         if k not in M: continue
 *         t="cidr" if M[k]=="ipv4" and "/" in v else M[k]; n=norm(t,v)
 *         if n is None: rej[t]+=1
 *         elif (t,n) in seen: mer[t]+=1
 *         else: seen.add((t,n)); acc[t]+=1
 *     print(f, dict(acc), dict(mer), dict(rej), w)' \
 *     $(find stix21 stix20-unit42 -name "*.json" ! -name MANIFEST.json | sort)
 * Each line printed is one row below: accepted, merged, rejected, warnings. */
struct corpus_case {
    const char *rel;
    int acc[TRAWL_T_COUNT], mer[TRAWL_T_COUNT], rej[TRAWL_T_COUNT];
    int warnings;
};

#define A(t) [TRAWL_T_##t]

static const struct corpus_case stix_cases[] = {
    {"stix20-unit42/2024-03-07-Latrodectus-with-Lumma-Stealer.json",
     {A(SHA256) = 7, A(URL) = 8, A(DOMAIN) = 5, A(IPV4) = 1},
     {A(URL) = 3},
     {0},
     0},
    {"stix20-unit42/2024-03-24-thru-26-FortiClient-EMS-exploitation.json",
     {A(SHA256) = 3, A(URL) = 6, A(DOMAIN) = 1},
     {0},
     {0},
     0},
    {"stix20-unit42/2024-10-10-crytpo-investment-scams.json", {A(DOMAIN) = 3}, {0}, {0}, 0},
    {"stix20-unit42/2024-10-17-cybersquatting-domains-from-new-TLDs.json",
     {A(URL) = 26, A(DOMAIN) = 13},
     {0},
     {0},
     0},
    {"stix20-unit42/2024-11-26-Tech-Support-Scams.json",
     {A(URL) = 13, A(DOMAIN) = 14},
     {0},
     {0},
     0},
    {"stix20-unit42/2025-01-10-campaign-using-CVE-2017-0199-XLS-files.json",
     {A(SHA256) = 10, A(URL) = 7, A(DOMAIN) = 1},
     {0},
     {0},
     0},
    {"stix20-unit42/2025-08-11-rise-in-AI-summary-browser-extensions.json",
     {A(DOMAIN) = 2},
     {0},
     {0},
     0},
    {"stix20-unit42/NOBELIUM.json", {A(SHA256) = 8, A(DOMAIN) = 7, A(IPV4) = 2}, {0}, {0}, 0},
    {"stix20-unit42/Netwalker_TA.json", {A(SHA256) = 79}, {0}, {0}, 2},
    {"stix20-unit42/domain-parking-emotet-fake-updates.json",
     {A(SHA256) = 2, A(DOMAIN) = 4, A(URL) = 2, A(IPV4) = 2},
     {0},
     {0},
     0},
    {"stix20-unit42/qakbotmalware.json",
     {A(SHA256) = 16, A(IPV4) = 12, A(EMAIL) = 1, A(URL) = 7},
     {A(SHA256) = 1, A(URL) = 1},
     {0},
     0},
    {"stix20-unit42/threat-hunting-in-alexa-top-sites.json",
     {A(URL) = 74, A(DOMAIN) = 2},
     {0},
     {0},
     0},
    {"stix21/cti-documentation/example_json/apt1.json",
     {A(CIDR) = 4, A(DOMAIN) = 3, A(MD5) = 3},
     {0},
     {0},
     2},
    {"stix21/cti-documentation/example_json/defining-campaigns-threat-actors-intrusion-sets.json",
     {0},
     {0},
     {0},
     0},
    {"stix21/cti-documentation/example_json/identifying-a-threat-actor-profile.json",
     {0},
     {0},
     {0},
     0},
    {"stix21/cti-documentation/example_json/indicator-for-malicious-url.json",
     {A(URL) = 1},
     {0},
     {0},
     0},
    {"stix21/cti-documentation/example_json/malware-indicator-for-file-hash.json",
     {A(SHA256) = 1},
     {0},
     {0},
     0},
    {"stix21/cti-documentation/example_json/poisonivy.json",
     {A(IPV4) = 18, A(DOMAIN) = 24, A(FILENAME) = 2},
     {A(IPV4) = 22},
     {A(DOMAIN) = 1},
     0},
    {"stix21/cti-documentation/example_json/sighting-of-an-indicator.json",
     {A(URL) = 1},
     {0},
     {0},
     0},
    {"stix21/cti-documentation/example_json/sighting-of-observed-data.json", {0}, {0}, {0}, 0},
    {"stix21/cti-documentation/example_json/threat-actor-leveraging-attack-patterns-and-malware."
     "json",
     {0},
     {0},
     {0},
     0},
    {"stix21/cti-documentation/example_json/using-granular-markings.json", {0}, {0}, {0}, 1},
    {"stix21/cti-documentation/example_json/using-marking-definitions.json",
     {A(IPV4) = 1},
     {0},
     {0},
     0},
    {"stix21/cti-stix2-json-schemas/examples/indicator-for-c2-ip-address.json",
     {A(IPV4) = 1},
     {0},
     {0},
     0},
    {"stix21/cti-stix2-json-schemas/examples/indicator-to-campaign-relationship.json",
     {A(IPV4) = 1},
     {0},
     {0},
     0},
    {"stix21/cti-stix2-json-schemas/examples/indicators-for-C2-with-COA.json",
     {A(IPV4) = 1, A(SHA256) = 1},
     {0},
     {0},
     0},
    {"stix21/cti-stix2-json-schemas/examples/infrastructure.json", {0}, {0}, {0}, 0},
    {"stix21/cti-stix2-json-schemas/examples/interop-objectmarking-test.json", {0}, {0}, {0}, 0},
    {"stix21/cti-stix2-json-schemas/examples/malicious-email-indicator-with-attachment.json",
     {0},
     {0},
     {0},
     2},
    {"stix21/cti-stix2-json-schemas/examples/threat-reports/apt1.json",
     {A(CIDR) = 4, A(DOMAIN) = 3, A(MD5) = 3},
     {0},
     {0},
     2},
    {"stix21/cti-stix2-json-schemas/examples/threat-reports/poisonivy.json",
     {A(IPV4) = 18, A(DOMAIN) = 24, A(FILENAME) = 2},
     {A(IPV4) = 22},
     {A(DOMAIN) = 1},
     0},
};

static const char *corpus_root(void)
{
    static char buf[4096];
    const char *root = getenv("TRAWL_CORPUS");
    snprintf(buf, sizeof(buf), "%s", root && *root ? root : "/work/shared/corpus");
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) cr_skip_test("corpus %s not found", buf);
    return buf;
}

static const struct corpus_case *case_of(const char *rel)
{
    for (size_t i = 0; i < sizeof(stix_cases) / sizeof(stix_cases[0]); i++)
        if (strcmp(stix_cases[i].rel, rel) == 0) return &stix_cases[i];
    return NULL;
}

/* Every *.json under root/rel (recursively) but MANIFEST.json must be in
 * the table: a file added to the corpus fails the test until counted. */
static size_t check_listed(const char *root, const char *rel)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/formats/%s", root, rel);
    DIR *d = opendir(path);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char sub[4096], full[8192];
        snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name);
        snprintf(full, sizeof(full), "%s/formats/%s", root, sub);
        struct stat st;
        if (stat(full, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            n += check_listed(root, sub);
        } else {
            size_t l = strlen(e->d_name);
            if (l > 5 && strcmp(e->d_name + l - 5, ".json") == 0 &&
                strcmp(e->d_name, "MANIFEST.json") != 0) {
                cr_expect_not_null(case_of(sub), "%s has no expected counts", sub);
                n++;
            }
        }
    }
    closedir(d);
    return n;
}

Test(stix_corpus, every_file_counts_per_type)
{
    const char *root = corpus_root();
    size_t listed = check_listed(root, "stix21") + check_listed(root, "stix20-unit42");
    if (!listed) cr_skip_test("no STIX folders in %s", root);
    cr_assert_eq(listed, sizeof(stix_cases) / sizeof(stix_cases[0]));
    for (size_t i = 0; i < sizeof(stix_cases) / sizeof(stix_cases[0]); i++) {
        const struct corpus_case *k = &stix_cases[i];
        char path[8192];
        snprintf(path, sizeof(path), "%s/formats/%s", root, k->rel);
        struct trawl_iocset *s = new_set();
        struct trawl_load_stats st = {0};
        struct diags ds = {0};
        struct trawl_load_opts o;
        opts_for(&o, TRAWL_FMT_AUTO); /* content sniffing must pick STIX */
        struct trawl_error err = {0};
        int r = trawl_ioc_load_file(s, path, &o, &st, collect, &ds, &err);
        cr_assert_eq(r, 0, "%s: %s: %s", k->rel, err.where, err.msg);
        for (int t = 0; t < TRAWL_T_COUNT; t++) {
            cr_expect_eq(st.accepted[t], (uint64_t)k->acc[t], "%s: accepted %s %llu", k->rel,
                         trawl_ioc_type_name(t), (unsigned long long)st.accepted[t]);
            cr_expect_eq(st.merged[t], (uint64_t)k->mer[t], "%s: merged %s %llu", k->rel,
                         trawl_ioc_type_name(t), (unsigned long long)st.merged[t]);
            cr_expect_eq(st.rejected[t], (uint64_t)k->rej[t], "%s: rejected %s", k->rel,
                         trawl_ioc_type_name(t));
        }
        cr_expect_eq(st.rejected[TRAWL_T_COUNT], 0, "%s", k->rel);
        cr_expect_eq(st.warnings, (uint64_t)k->warnings, "%s: warnings %llu", k->rel,
                     (unsigned long long)st.warnings);
        trawl_iocset_free(s);
    }
}

Test(stix_corpus, values_markings_and_skips)
{
    const char *root = corpus_root();
    char path[8192];
    struct trawl_load_opts o;
    opts_for(&o, TRAWL_FMT_AUTO);
    struct trawl_error err = {0};

    /* OASIS marking example: TLP:AMBER by the well-known 1.0 id. */
    snprintf(path, sizeof(path),
             "%s/formats/stix21/cti-documentation/example_json/"
             "using-marking-definitions.json",
             root);
    struct trawl_iocset *s = new_set();
    struct diags ds = {0};
    cr_assert_eq(trawl_ioc_load_file(s, path, &o, NULL, collect, &ds, &err), 0);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_IPV4, "10.0.0.0");
    cr_assert_eq(v.tlp, TRAWL_TLP_AMBER);
    cr_assert(has_source(&v, "Known malicious IP Address"));
    trawl_iocset_free(s);

    /* APT1: /15 CIDRs, and the x509 AND patterns skipped by id. */
    snprintf(path, sizeof(path), "%s/formats/stix21/cti-documentation/example_json/apt1.json",
             root);
    s = new_set();
    memset(&ds, 0, sizeof(ds));
    cr_assert_eq(trawl_ioc_load_file(s, path, &o, NULL, collect, &ds, &err), 0);
    view_of(s, TRAWL_T_CIDR, "223.166.0.0/15");
    view_of(s, TRAWL_T_MD5, "001dd76872d80801692ff942308c64e6");
    cr_assert_not_null(diag_with(&ds, "indicator--b3b6b540-d838-41e2-853b-005056c00008", "AND"));
    trawl_iocset_free(s);

    /* Unit 42 2.0: names restate the values, so the report names them;
     * a scheme-less url:value. */
    snprintf(path, sizeof(path), "%s/formats/stix20-unit42/domain-parking-emotet-fake-updates.json",
             root);
    s = new_set();
    cr_assert_eq(trawl_ioc_load_file(s, path, &o, NULL, NULL, NULL, &err), 0);
    v = view_of(s, TRAWL_T_URL,
                "http://valleymedicalandsurgicalclinic.com/ujftb/statement/wr7hoba7i9hz");
    cr_assert_eq(v.nsources, 1);
    cr_assert_neq(strcmp(v.sources[0], "valleymedicalandsurgicalclinic.com/ujftb/statement/"
                                       "wr7hoba7i9hz"),
                  0);
    trawl_iocset_free(s);
}
