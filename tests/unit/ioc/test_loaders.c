/* Unit tests of the indicator set (merge semantics, ordering) and of the
 * plain, CSV and Zeek intel loaders: comments, defanging, CRLF, BOM, RFC 4180
 * quoting, rejected-line counting and diagnostics, expiry, format detection. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trawl_ioc.h"

#include "ioc_test.h"

/* ---- helpers ------------------------------------------------------------ */

/* Loads text from memory with the given format; returns the load's result. */
static int load(struct trawl_iocset *s, const char *name, const char *text, enum trawl_format fmt,
                struct trawl_load_stats *st, struct diags *ds)
{
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = fmt;
    o.now = 1700000000; /* 2023-11-14 */
    struct trawl_error err = {0};
    return trawl_ioc_load_mem(s, name, text, strlen(text), &o, st, collect, ds, &err);
}

static struct trawl_ioc_rec rec(enum trawl_ioc_type t, const char *v, const char *src)
{
    struct trawl_ioc_rec r = {
        .type = t,
        .flags = 0,
        .value = v,
        .tlp = TRAWL_TLP_GREEN,
        .severity = TRAWL_SEV_MEDIUM,
        .source = src,
        .confidence = -1,
        .valid_until = 0,
    };
    return r;
}

/* ---- indicator set ------------------------------------------------------ */

Test(iocset, empty_and_free_null)
{
    struct trawl_iocset *s = new_set();
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
    trawl_iocset_free(NULL);
}

Test(iocset, merge_semantics)
{
    struct trawl_iocset *s = new_set();
    struct trawl_ioc_rec r = rec(TRAWL_T_DOMAIN, "evil.com", "feedA");
    r.confidence = 40;
    r.valid_until = 2000000000;
    cr_assert_eq(trawl_iocset_add(s, &r), 0);

    r = rec(TRAWL_T_DOMAIN, "evil.com", "feedB");
    r.tlp = TRAWL_TLP_RED;
    r.severity = TRAWL_SEV_LOW;
    r.confidence = 90;
    r.valid_until = 1900000000;
    cr_assert_eq(trawl_iocset_add(s, &r), 1);

    r = rec(TRAWL_T_DOMAIN, "evil.com", "feedA"); /* same source again */
    r.tlp = TRAWL_TLP_CLEAR;
    r.severity = TRAWL_SEV_CRITICAL;
    r.confidence = 10;
    r.valid_until = 2100000000;
    cr_assert_eq(trawl_iocset_add(s, &r), 1);

    cr_assert_eq(trawl_iocset_count(s), 1);
    struct trawl_ioc_view v;
    trawl_iocset_get(s, 0, &v);
    cr_assert_str_eq(v.value, "evil.com");
    cr_assert_eq(v.nsources, 2);
    cr_assert_str_eq(v.sources[0], "feedA");
    cr_assert_str_eq(v.sources[1], "feedB");
    cr_assert_eq(v.tlp, TRAWL_TLP_RED, "strictest TLP wins");
    cr_assert_eq(v.severity, TRAWL_SEV_CRITICAL, "highest severity wins");
    cr_assert_eq(v.confidence, 90, "highest confidence wins");
    cr_assert_eq(v.valid_until, 2100000000, "latest expiry wins");
    trawl_iocset_free(s);
}

Test(iocset, no_expiry_wins)
{
    struct trawl_iocset *s = new_set();
    struct trawl_ioc_rec r = rec(TRAWL_T_IPV4, "1.2.3.4", "a");
    r.valid_until = 1900000000;
    trawl_iocset_add(s, &r);
    r.valid_until = 0;
    cr_assert_eq(trawl_iocset_add(s, &r), 1);
    r.valid_until = 2000000000;
    cr_assert_eq(trawl_iocset_add(s, &r), 1);
    struct trawl_ioc_view v;
    trawl_iocset_get(s, 0, &v);
    cr_assert_eq(v.valid_until, 0, "0 = never expires outlives any date");
    cr_assert_eq(v.confidence, -1);
    trawl_iocset_free(s);
}

Test(iocset, key_is_type_exact_value)
{
    struct trawl_iocset *s = new_set();
    struct trawl_ioc_rec r = rec(TRAWL_T_DOMAIN, "evil.com", "a");
    cr_assert_eq(trawl_iocset_add(s, &r), 0);
    r.flags = TRAWL_IOC_EXACT;
    cr_assert_eq(trawl_iocset_add(s, &r), 0, "exact-only domain is a distinct indicator");
    r = rec(TRAWL_T_STRING, "evil.com", "a");
    cr_assert_eq(trawl_iocset_add(s, &r), 0, "same text, other type: distinct");
    r.flags = TRAWL_IOC_NOCASE;
    cr_assert_eq(trawl_iocset_add(s, &r), 1, "NOCASE is not part of the key");
    cr_assert_eq(trawl_iocset_count(s), 3);
    struct trawl_ioc_view v;
    trawl_iocset_get(s, 2, &v);
    cr_assert_eq(v.flags & TRAWL_IOC_NOCASE, TRAWL_IOC_NOCASE);
    trawl_iocset_get(s, 1, &v);
    cr_assert_eq(v.flags, TRAWL_IOC_EXACT);
    trawl_iocset_free(s);
}

Test(iocset, bad_records)
{
    struct trawl_iocset *s = new_set();
    struct trawl_ioc_rec r = rec(TRAWL_T_DOMAIN, NULL, "a");
    cr_assert_lt(trawl_iocset_add(s, &r), 0);
    r = rec(TRAWL_T_DOMAIN, "x.com", NULL);
    cr_assert_lt(trawl_iocset_add(s, &r), 0);
    r = rec(TRAWL_T_COUNT, "x.com", "a");
    cr_assert_lt(trawl_iocset_add(s, &r), 0);
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
}

/* Many indicators, many sources per indicator: insertion order, lookups
 * after table growth, pointer stability, source dedup. */
Test(iocset, many)
{
    struct trawl_iocset *s = new_set();
    char v[64], src[32];
    const size_t N = 200000;
    for (size_t i = 0; i < N; i++) {
        snprintf(v, sizeof(v), "host%zu.example.com", i);
        snprintf(src, sizeof(src), "src%zu", i % 7);
        struct trawl_ioc_rec r = rec(TRAWL_T_DOMAIN, v, src);
        cr_assert_eq(trawl_iocset_add(s, &r), 0);
    }
    struct trawl_ioc_view first;
    trawl_iocset_get(s, 0, &first);
    const char *first_value = first.value;
    for (size_t i = 0; i < N; i += 3) {
        snprintf(v, sizeof(v), "host%zu.example.com", i);
        for (int k = 0; k < 9; k++) {
            snprintf(src, sizeof(src), "src%d", k);
            struct trawl_ioc_rec r = rec(TRAWL_T_DOMAIN, v, src);
            cr_assert_eq(trawl_iocset_add(s, &r), 1);
        }
    }
    cr_assert_eq(trawl_iocset_count(s), N);
    for (size_t i = 0; i < N; i += 997) {
        struct trawl_ioc_view w;
        trawl_iocset_get(s, i, &w);
        snprintf(v, sizeof(v), "host%zu.example.com", i);
        cr_assert_str_eq(w.value, v);
        cr_assert_eq(w.nsources, i % 3 == 0 ? 9 : 1);
        snprintf(src, sizeof(src), "src%zu", i % 7);
        cr_assert_str_eq(w.sources[0], src, "first source stays first");
    }
    trawl_iocset_get(s, 0, &first);
    cr_assert_eq(first.value, first_value, "views stay valid while the set grows");
    trawl_iocset_free(s);
}

/* ---- options ------------------------------------------------------------ */

Test(load, opts_init)
{
    struct trawl_load_opts o;
    memset(&o, 0x5a, sizeof(o));
    trawl_load_opts_init(&o);
    cr_assert_eq(o.format, TRAWL_FMT_AUTO);
    cr_assert_eq(o.as_type, TRAWL_T_NONE);
    cr_assert_eq(o.tlp, TRAWL_TLP_AMBER);
    cr_assert_eq(o.severity, TRAWL_SEV_MEDIUM);
    cr_assert_null(o.source);
    cr_assert_eq(o.now, 0);
}

/* ---- plain -------------------------------------------------------------- */

Test(plain, comments_defang_crlf_bom)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text = "\xef\xbb\xbf"
                       "# header comment\r\n"
                       "evil[.]com\r\n"
                       "\r\n"
                       "   \t\n"
                       "hxxp://bad[.]example[.]org/a/b.php?x=1 # trailing comment\n"
                       "10[.]0[.]0[.]1\n"
                       "  #indented comment\n"
                       "http://frag.example.com/p#section\n"
                       "D41D8CD98F00B204E9800998ECF8427E\n"
                       "evil.com\n"
                       "user[@]mail[.]example[.]com";
    cr_assert_eq(load(s, "/feeds/my-list.txt", text, TRAWL_FMT_PLAIN, &st, &ds), 0);
    cr_assert_eq(ds.n, 0, "no diagnostics expected, got: %s", ds.d[0].msg);
    cr_assert_eq(st.lines, 11);
    cr_assert_eq(trawl_iocset_count(s), 6);
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.merged[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.accepted[TRAWL_T_URL], 2);
    cr_assert_eq(st.accepted[TRAWL_T_IPV4], 1);
    cr_assert_eq(st.accepted[TRAWL_T_MD5], 1);
    cr_assert_eq(st.accepted[TRAWL_T_EMAIL], 1);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_DOMAIN, "evil.com");
    cr_assert_eq(v.nsources, 1);
    cr_assert_str_eq(v.sources[0], "my-list.txt", "default source is the base name");
    cr_assert_eq(v.tlp, TRAWL_TLP_AMBER);
    cr_assert_eq(v.severity, TRAWL_SEV_MEDIUM);
    cr_assert_eq(v.confidence, -1);
    view_of(s, TRAWL_T_URL, "http://bad.example.org/a/b.php?x=1");
    view_of(s, TRAWL_T_URL, "http://frag.example.com/p#section");
    view_of(s, TRAWL_T_IPV4, "10.0.0.1");
    view_of(s, TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    view_of(s, TRAWL_T_EMAIL, "user@mail.example.com");
    cr_assert_eq(find(s, TRAWL_T_DOMAIN, "evil.com"), 0, "insertion order");
    trawl_iocset_free(s);
}

Test(plain, loki_semicolon_comments)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text = "0c2674c3a97c53082187d930efb645c2;DEEP PANDA Sakula Malware - "
                       "http://goo.gl/R3e6eG\n"
                       "176.123.5.126;65\n"
                       "http://a.example.com/x;jsessionid=42\n"
                       "http://b.example.com/y;90\n"
                       "http://c.example.com/z; some comment\n";
    cr_assert_eq(load(s, "hash-iocs.txt", text, TRAWL_FMT_PLAIN, &st, &ds), 0);
    cr_assert_eq(ds.n, 0);
    view_of(s, TRAWL_T_MD5, "0c2674c3a97c53082187d930efb645c2");
    view_of(s, TRAWL_T_IPV4, "176.123.5.126");
    view_of(s, TRAWL_T_URL, "http://a.example.com/x;jsessionid=42");
    view_of(s, TRAWL_T_URL, "http://b.example.com/y");
    view_of(s, TRAWL_T_URL, "http://c.example.com/z");
    cr_assert_eq(trawl_iocset_count(s), 5);
    trawl_iocset_free(s);
}

Test(plain, rejected_lines_and_diag)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text = "good.example.com\n"
                       "# comment\n"
                       "APPENDIX A:\n"
                       "\n"
                       "not an indicator at all\n"
                       "1.2.3.4\n"
                       "1.2.3.256\n";
    cr_assert_eq(load(s, "list.txt", text, TRAWL_FMT_PLAIN, &st, &ds), 0);
    cr_assert_eq(st.rejected[TRAWL_T_COUNT], 2);
    /* Looks like an IPv4 address: the precise reason, counted as ipv4. */
    cr_assert_eq(st.rejected[TRAWL_T_IPV4], 1);
    cr_assert_eq(sum(st.rejected, TRAWL_T_COUNT), 1);
    cr_assert_eq(trawl_iocset_count(s), 2);
    cr_assert_eq(ds.n, 3);
    cr_assert_eq(ds.d[2].line, 7);
    cr_assert_not_null(strstr(ds.d[2].msg, "256"), "%s", ds.d[2].msg);
    cr_assert_null(strstr(ds.d[2].msg, "not a recognised"), "%s", ds.d[2].msg);
    cr_assert_eq(ds.d[0].line, 3);
    cr_assert(ds.d[0].is_error);
    cr_assert_str_eq(ds.d[0].file, "list.txt");
    cr_assert_not_null(strstr(ds.d[0].msg, "APPENDIX A:"), "%s", ds.d[0].msg);
    cr_assert_eq(ds.d[1].line, 5);
    trawl_iocset_free(s);
}

Test(plain, as_type_and_opts)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = TRAWL_FMT_PLAIN;
    o.as_type = TRAWL_T_STRING;
    o.tlp = TRAWL_TLP_RED;
    o.severity = TRAWL_SEV_HIGH;
    o.source = "analyst";
    const char *text = "evil[.]com beacon\nMozilla/4.0 (compatible; MSIE 6.0)\n";
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_mem(s, "x", text, strlen(text), &o, &st, collect, &ds, &err), 0);
    cr_assert_eq(st.accepted[TRAWL_T_STRING], 2);
    /* Strings are literal: no refanging. */
    struct trawl_ioc_view v = view_of(s, TRAWL_T_STRING, "evil[.]com beacon");
    cr_assert_eq(v.tlp, TRAWL_TLP_RED);
    cr_assert_eq(v.severity, TRAWL_SEV_HIGH);
    cr_assert_str_eq(v.sources[0], "analyst");
    trawl_iocset_free(s);
}

Test(plain, typed_rejection_counts_per_type)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = TRAWL_FMT_PLAIN;
    o.as_type = TRAWL_T_IPV4;
    const char *text = "1.2.3.4\n1.2.3.256\nexample.com\n";
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_mem(s, "x", text, strlen(text), &o, &st, collect, &ds, &err), 0);
    cr_assert_eq(st.accepted[TRAWL_T_IPV4], 1);
    cr_assert_eq(st.rejected[TRAWL_T_IPV4], 2);
    cr_assert_eq(ds.n, 2);
    cr_assert_eq(ds.d[0].line, 2);
    cr_assert_eq(ds.d[1].line, 3);
    trawl_iocset_free(s);
}

Test(plain, empty_input)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    cr_assert_eq(load(s, "e.txt", "", TRAWL_FMT_PLAIN, &st, &ds), 0);
    cr_assert_eq(load(s, "e.txt", "\n\n# only comments\n", TRAWL_FMT_AUTO, &st, &ds), 0);
    cr_assert_eq(trawl_iocset_count(s), 0);
    cr_assert_eq(ds.n, 0);
    trawl_iocset_free(s);
}

/* ---- CSV ---------------------------------------------------------------- */

Test(csv, quoting_and_column_order)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text = "Comment,SEVERITY,Value,tlp,Type,source,confidence\r\n"
                       "\"plain, with comma\",high,evil.com,RED,domain,feedX,80\r\n"
                       "\"says \"\"hi\"\"\",low,\"Mozilla \"\"X\"\"\",,string,,\r\n"
                       "\"line one\r\nline two\",,\"multi\nline\",green,string,feedY,\r\n"
                       "x,,1.2.3.4,,,,\r\n"
                       "x,,\"http://q.example.com/a,b\",,,,5\r\n";
    cr_assert_eq(load(s, "f.csv", text, TRAWL_FMT_CSV, &st, &ds), 0);
    cr_assert_eq(ds.n, 0, "unexpected diag: %s", ds.d[0].msg);
    cr_assert_eq(trawl_iocset_count(s), 5);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_DOMAIN, "evil.com");
    cr_assert_eq(v.severity, TRAWL_SEV_HIGH);
    cr_assert_eq(v.tlp, TRAWL_TLP_RED);
    cr_assert_str_eq(v.sources[0], "feedX");
    cr_assert_eq(v.confidence, 80);
    v = view_of(s, TRAWL_T_STRING, "Mozilla \"X\"");
    cr_assert_eq(v.severity, TRAWL_SEV_LOW);
    cr_assert_eq(v.tlp, TRAWL_TLP_AMBER, "empty tlp cell: default");
    cr_assert_str_eq(v.sources[0], "f.csv", "empty source cell: default");
    v = view_of(s, TRAWL_T_STRING, "multi\nline");
    cr_assert_eq(v.tlp, TRAWL_TLP_GREEN);
    view_of(s, TRAWL_T_IPV4, "1.2.3.4");
    v = view_of(s, TRAWL_T_URL, "http://q.example.com/a,b");
    cr_assert_eq(v.confidence, 5);
    cr_assert_eq(st.lines, 8);
    trawl_iocset_free(s);
}

Test(csv, aliases_flags_and_extra_columns)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text = "# exported by some tool\n"
                       "first_seen,IOC,exact,nocase,Expires,notes\n"
                       "2020-01-01,c2.example.com,true,,2030-01-01,a\n"
                       "2020-01-01,c2.example.com,false,,,b\n"
                       "2020-01-01,old.example.com,,,2020-01-01T00:00:00Z,c\n"
                       "2020-01-01,old.example.net,,,2020-01-01,d\n";
    cr_assert_eq(load(s, "f.csv", text, TRAWL_FMT_CSV, &st, &ds), 0);
    cr_assert_eq(ds.n, 0);
    cr_assert_eq(trawl_iocset_count(s), 2, "exact and non-exact are distinct");
    cr_assert_eq(st.expired[TRAWL_T_DOMAIN], 2);
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 2);
    struct trawl_ioc_view v;
    trawl_iocset_get(s, 0, &v);
    cr_assert_eq(v.flags, TRAWL_IOC_EXACT);
    cr_assert_eq(v.valid_until, 1893456000);
    trawl_iocset_get(s, 1, &v);
    cr_assert_eq(v.flags, 0);
    cr_assert_eq(v.valid_until, 0);
    trawl_iocset_free(s);
}

Test(csv, bad_cells_rejected_with_physical_lines)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text = "type,value,tlp,severity,confidence,valid_until,exact\n" /* 1 */
                       "ipv4,1.1.1.1,,,,,\n"                                    /* 2 */
                       "bogus,2.2.2.2,,,,,\n"                                   /* 3 */
                       "ipv4,3.3.3.3,PURPLE,,,,\n"                              /* 4 */
                       "\"ipv4\",\"4.4.4.4\",,\"very\nbad\",,,\n"               /* 5-6 */
                       "ipv4,5.5.5.5,,,101,,\n"                                 /* 7 */
                       "ipv4,6.6.6.6,,,,tomorrow,\n"                            /* 8 */
                       "domain,a.example.com,,,,,maybe\n"                       /* 9 */
                       "ipv4,999.1.1.1,,,,,\n"                                  /* 10 */
                       "ipv4\n"                                                 /* 11 */
                       "ipv4,,,,,,\n"                                           /* 12 */
                       "ipv4,7.7.7.7,,,,,\n"                                    /* 13 */
                       "ipv4,\"8.8.8.8,,,,,\n";                                 /* 14-15 */
    cr_assert_eq(load(s, "bad.csv", text, TRAWL_FMT_CSV, &st, &ds), 0);
    cr_assert_eq(trawl_iocset_count(s), 2);
    view_of(s, TRAWL_T_IPV4, "1.1.1.1");
    view_of(s, TRAWL_T_IPV4, "7.7.7.7");
    cr_assert_eq(ds.n, 10);
    static const struct {
        unsigned long line;
        const char *needle;
    } want[] = {
        {3, "type"},  {4, "tlp"}, {5, "severity"}, {7, "confidence"}, {8, "valid_until"},
        {9, "exact"}, {10, ""},   {11, "value"},   {12, "empty"},     {14, "unterminated"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        cr_assert_eq(ds.d[i].line, want[i].line, "diag %zu: line %lu, want %lu (%s)", i,
                     ds.d[i].line, want[i].line, ds.d[i].msg);
        cr_assert(ds.d[i].is_error);
        cr_assert_not_null(strstr(ds.d[i].msg, want[i].needle), "line %lu: %s", want[i].line,
                           ds.d[i].msg);
    }
    cr_assert_eq(st.rejected[TRAWL_T_COUNT], 1, "bad type: unknown slot");
    cr_assert_eq(st.rejected[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.rejected[TRAWL_T_IPV4], 8);
    cr_assert_eq(st.lines, 14);
    trawl_iocset_free(s);
}

Test(csv, no_value_column_is_format_error)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = TRAWL_FMT_CSV;
    struct trawl_error err = {0};
    const char *text = "type,name\nipv4,1.2.3.4\n";
    cr_assert_eq(trawl_ioc_load_mem(s, "x.csv", text, strlen(text), &o, &st, collect, &ds, &err),
                 TRAWL_EFORMAT);
    cr_assert_eq(err.code, TRAWL_EFORMAT);
    cr_assert_not_null(strstr(err.msg, "value"));
    cr_assert_str_eq(err.where, "x.csv:1");
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
}

/* ---- expiry ------------------------------------------------------------- */

Test(load, expiry_uses_opts_now)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.now = 1600000000;
    const char *text = "value,valid_until\n"
                       "a.example.com,1500000000\n"
                       "b.example.com,1700000000\n"
                       "1.2.3.4,2020-09-13T12:26:39Z\n"  /* 1599999999: expired */
                       "1.2.3.5,2020-09-13T12:26:40Z\n"; /* == now: still valid */
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_mem(s, "t.csv", text, strlen(text), &o, &st, collect, &ds, &err),
                 0);
    cr_assert_eq(st.expired[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.expired[TRAWL_T_IPV4], 1);
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.accepted[TRAWL_T_IPV4], 1);
    cr_assert_eq(ds.n, 0, "expiry is not a diagnostic");
    cr_assert_lt(find(s, TRAWL_T_DOMAIN, "a.example.com"), 0);
    cr_assert_eq(view_of(s, TRAWL_T_DOMAIN, "b.example.com").valid_until, 1700000000);
    trawl_iocset_free(s);
}

/* ---- Zeek --------------------------------------------------------------- */

Test(zeek, all_types)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text =
        "#separator \\x09\n"                                                     /* 1 */
        "#path\tintel\n"                                                         /* 2 */
        "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n" /* 3 */
        "1.2.3.4\tIntel::ADDR\tsource1\tbad host\t-\n"                           /* 4 */
        "2001:DB8::1\tIntel::ADDR\tsource1\t-\t-\n"                              /* 5 */
        "10.0.0.0/8\tIntel::SUBNET\tsource1\t-\t-\n"                             /* 6 */
        "www.example.com\tIntel::DOMAIN\t-\t-\t-\n"                              /* 7 */
        "www.example.com/path/x.php\tIntel::URL\tsource2\t-\t-\n"                /* 8 */
        "e@mail.com\tIntel::EMAIL\tsource1\t-\t-\n"                              /* 9 */
        "d41d8cd98f00b204e9800998ecf8427e\tIntel::FILE_HASH\tsource1\t-\t-\n"    /* 10 */
        "da39a3ee5e6b4b0d3255bfef95601890afd80709\tIntel::FILE_HASH\tsource1\t-\t-\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        "\tIntel::FILE_HASH\tsource1\t-\t-\n"                                   /* 12 */
        "putty.exe\tIntel::FILE_NAME\tsource1\t-\t-\n"                          /* 13 */
        "# a comment\n"                                                         /* 14 */
        "\n"                                                                    /* 15 */
        "jdoe\tIntel::USER_NAME\tsource1\t-\t-\n"                               /* 16 */
        "2c322ae2b7fe91391345e070b63668978bb1c9da\tIntel::CERT_HASH\ts\t-\t-\n" /* 17 */
        "abcd\tIntel::PUBKEY_HASH\ts\t-\t-\n"                                   /* 18 */
        "e7d705a3286e19ea42f587b344ee6865\tIntel::JA3\ts\t-\t-\n"               /* 19 */
        "abc\tIntel::FILE_HASH\ts\t-\t-\n"                                      /* 20 */
        "x\tIntel::NOPE\ts\t-\t-\n"                                             /* 21 */
        "1.2.3.4\tIntel::ADDR\tsource2\t-\t-\n"                                 /* 22 */
        "-\tIntel::ADDR\tsource2\t-\t-\n";                                      /* 23 */
    cr_assert_eq(load(s, "intel.dat", text, TRAWL_FMT_ZEEK, &st, &ds), 0);
    cr_assert_eq(trawl_iocset_count(s), 10);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_IPV4, "1.2.3.4");
    cr_assert_eq(v.nsources, 2);
    cr_assert(has_source(&v, "source1") && has_source(&v, "source2"));
    cr_assert_eq(st.merged[TRAWL_T_IPV4], 1);
    cr_assert_eq(st.accepted[TRAWL_T_IPV6], 1);
    view_of(s, TRAWL_T_CIDR, "10.0.0.0/8");
    v = view_of(s, TRAWL_T_DOMAIN, "www.example.com");
    cr_assert_eq(v.flags & TRAWL_IOC_EXACT, 0, "Zeek DOMAIN: trawl's subdomain default");
    cr_assert_str_eq(v.sources[0], "intel.dat", "'-' source: default");
    view_of(s, TRAWL_T_URL, "http://www.example.com/path/x.php");
    view_of(s, TRAWL_T_EMAIL, "e@mail.com");
    view_of(s, TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    view_of(s, TRAWL_T_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    view_of(s, TRAWL_T_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    view_of(s, TRAWL_T_FILENAME, "putty.exe");
    cr_assert_eq(ds.n, 7);
    static const struct {
        unsigned long line;
        const char *needle;
    } want[] = {
        {16, "unsupported Zeek indicator type Intel::USER_NAME"},
        {17, "unsupported Zeek indicator type Intel::CERT_HASH"},
        {18, "unsupported Zeek indicator type Intel::PUBKEY_HASH"},
        {19, "unsupported Zeek indicator type Intel::JA3"},
        {20, "FILE_HASH"},
        {21, "Intel::NOPE"},
        {23, "empty"},
    };
    for (size_t i = 0; i < 7; i++) {
        cr_assert_eq(ds.d[i].line, want[i].line, "diag %zu at line %lu: %s", i, ds.d[i].line,
                     ds.d[i].msg);
        cr_assert_not_null(strstr(ds.d[i].msg, want[i].needle), "%s", ds.d[i].msg);
    }
    cr_assert_eq(st.rejected[TRAWL_T_COUNT], 6);
    cr_assert_eq(st.rejected[TRAWL_T_IPV4], 1);
    cr_assert_eq(st.lines, 23);
    trawl_iocset_free(s);
}

Test(zeek, crlf_and_column_order)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    const char *text = "#fields\tmeta.desc\tindicator_type\tmeta.source\tindicator\r\n"
                       "bad\tIntel::DOMAIN\tfeed\tEvil.COM\r\n";
    cr_assert_eq(load(s, "x.intel", text, TRAWL_FMT_AUTO, &st, &ds), 0);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_DOMAIN, "evil.com");
    cr_assert_str_eq(v.sources[0], "feed");
    trawl_iocset_free(s);
}

Test(zeek, missing_fields_header)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = TRAWL_FMT_ZEEK;
    const char *text = "# no header\n1.2.3.4\tIntel::ADDR\tsrc\n";
    cr_assert_eq(trawl_ioc_load_mem(s, "x.dat", text, strlen(text), &o, &st, collect, &ds, &err),
                 TRAWL_EFORMAT);
    cr_assert_str_eq(err.where, "x.dat:2");
    text = "#fields\tindicator\tmeta.source\n1.2.3.4\tsrc\n";
    cr_assert_eq(trawl_ioc_load_mem(s, "x.dat", text, strlen(text), &o, &st, collect, &ds, &err),
                 TRAWL_EFORMAT);
    cr_assert_not_null(strstr(err.msg, "indicator_type"));
    cr_assert_eq(trawl_ioc_load_mem(s, "x.dat", "", 0, &o, &st, collect, &ds, &err), TRAWL_EFORMAT);
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
}

/* ---- format detection and files ---------------------------------------- */

Test(detect_format, by_extension_and_content)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    /* .csv extension */
    cr_assert_eq(load(s, "a.CSV", "value\nc1.example.com\n", TRAWL_FMT_AUTO, &st, &ds), 0);
    /* .dat extension */
    cr_assert_eq(load(s, "a.dat",
                      "#fields\tindicator\tindicator_type\nc2.example.com\tIntel::DOMAIN\n",
                      TRAWL_FMT_AUTO, &st, &ds),
                 0);
    /* Zeek by content, after other '#' lines */
    cr_assert_eq(load(s, "feed",
                      "#separator \\x09\n#fields\tindicator\tindicator_type\n"
                      "c3.example.com\tIntel::DOMAIN\n",
                      TRAWL_FMT_AUTO, &st, &ds),
                 0);
    /* CSV by content: header naming an indicator column */
    cr_assert_eq(load(s, "feed", "\xef\xbb\xbf# c\nIndicator,Type\nc4.example.com,domain\n",
                      TRAWL_FMT_AUTO, &st, &ds),
                 0);
    /* plain: commas but no header; single word "value" without comma */
    cr_assert_eq(load(s, "feed", "c5.example.com\n", TRAWL_FMT_AUTO, &st, &ds), 0);
    cr_assert_eq(ds.n, 0, "%s", ds.d[0].msg);
    cr_assert_eq(trawl_iocset_count(s), 5);
    for (int i = 1; i <= 5; i++) {
        char v[32];
        snprintf(v, sizeof(v), "c%d.example.com", i);
        view_of(s, TRAWL_T_DOMAIN, v);
    }
    trawl_iocset_free(s);
}

Test(file, load_file_and_errors)
{
    char path[] = "/tmp/trawl-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text = "evil[.]com\n8.8.8.8\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);

    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_file(s, path, NULL, &st, collect, &ds, &err), 0);
    cr_assert_eq(trawl_iocset_count(s), 2);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_DOMAIN, "evil.com");
    cr_assert_str_eq(v.sources[0], strrchr(path, '/') + 1);
    unlink(path);

    cr_assert_eq(trawl_ioc_load_file(s, "/nonexistent/x.txt", NULL, &st, collect, &ds, &err),
                 TRAWL_EIO);
    cr_assert_str_eq(err.where, "/nonexistent/x.txt");
    cr_assert_eq(trawl_ioc_load_file(s, "/tmp", NULL, &st, collect, &ds, &err), TRAWL_EIO);
    trawl_iocset_free(s);
}

Test(file, warnings_are_counted)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    cr_assert_eq(load(s, "w.txt", "10.1.2.3/8\n", TRAWL_FMT_PLAIN, &st, &ds), 0);
    cr_assert_eq(st.warnings, 1);
    cr_assert_eq(ds.n, 1);
    cr_assert(!ds.d[0].is_error);
    cr_assert_eq(ds.d[0].line, 1);
    view_of(s, TRAWL_T_CIDR, "10.0.0.0/8");
    trawl_iocset_free(s);
}

/* A million-line plain list must load in a couple of seconds. */
Test(perf, million_lines, .timeout = 60)
{
    struct trawl_buf b = {0};
    for (unsigned i = 0; i < 1000000; i++)
        cr_assert_eq(trawl_buf_printf(&b, "%u.%u.%u.%u\n", 10 + (i >> 24), (i >> 16) & 255,
                                      (i >> 8) & 255, i & 255),
                     0);
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    struct trawl_error err = {0};
    double t0 = trawl_now_mono();
    cr_assert_eq(trawl_ioc_load_mem(s, "big.txt", b.data, b.len, &o, &st, NULL, NULL, &err), 0);
    double dt = trawl_now_mono() - t0;
    cr_assert_eq(trawl_iocset_count(s), 1000000);
    cr_assert_eq(st.accepted[TRAWL_T_IPV4], 1000000);
    cr_log_info("1M-line plain list loaded in %.3f s", dt);
    trawl_iocset_free(s);
    trawl_buf_free(&b);
}
