/* Unit tests of ioc/labels.c: names and parsers of indicator types, TLP,
 * severity and feed formats, with every accepted spelling. */
#include <criterion/criterion.h>

#include "trawl_ioc.h"

struct case_ {
    const char *in;
    int want;
};

Test(labels, type_names)
{
    static const char *const names[] = {"ipv4", "ipv6", "cidr",   "domain",   "url",    "email",
                                        "md5",  "sha1", "sha256", "filename", "string", "regex"};
    cr_assert_eq(sizeof(names) / sizeof(names[0]), TRAWL_T_COUNT);
    for (int i = 0; i < TRAWL_T_COUNT; i++) {
        cr_assert_str_eq(trawl_ioc_type_name(i), names[i]);
        enum trawl_ioc_type t = TRAWL_T_NONE;
        cr_assert_eq(trawl_ioc_type_parse(names[i], &t), 0, "%s", names[i]);
        cr_assert_eq(t, i);
    }
    cr_assert_null(trawl_ioc_type_name(-1));
    cr_assert_null(trawl_ioc_type_name(TRAWL_T_COUNT));
}

Test(labels, type_aliases)
{
    static const struct case_ cases[] = {
        {"ip", TRAWL_T_IPV4},       {"IP4", TRAWL_T_IPV4},
        {"ip-dst", TRAWL_T_IPV4},   {"ip-src", TRAWL_T_IPV4},
        {"IPv6", TRAWL_T_IPV6},     {"ip6", TRAWL_T_IPV6},
        {"subnet", TRAWL_T_CIDR},   {"net", TRAWL_T_CIDR},
        {"CIDR", TRAWL_T_CIDR},     {"hostname", TRAWL_T_DOMAIN},
        {"fqdn", TRAWL_T_DOMAIN},   {"Domain", TRAWL_T_DOMAIN},
        {"uri", TRAWL_T_URL},       {"URL", TRAWL_T_URL},
        {"e-mail", TRAWL_T_EMAIL},  {"mail", TRAWL_T_EMAIL},
        {"sha-1", TRAWL_T_SHA1},    {"SHA-256", TRAWL_T_SHA256},
        {"file", TRAWL_T_FILENAME}, {"file_name", TRAWL_T_FILENAME},
        {"str", TRAWL_T_STRING},    {"literal", TRAWL_T_STRING},
        {"regexp", TRAWL_T_REGEX},  {"  md5\t", TRAWL_T_MD5},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum trawl_ioc_type t = TRAWL_T_NONE;
        cr_assert_eq(trawl_ioc_type_parse(cases[i].in, &t), 0, "%s", cases[i].in);
        cr_assert_eq((int)t, cases[i].want, "%s", cases[i].in);
    }
}

Test(labels, type_rejects)
{
    static const char *const bad[] = {"", "  ", "ipv5", "sha512", "domains", "ip dst", "x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum trawl_ioc_type t = TRAWL_T_MD5;
        cr_assert_eq(trawl_ioc_type_parse(bad[i], &t), TRAWL_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(t, TRAWL_T_MD5, "out written on failure for '%s'", bad[i]);
    }
    enum trawl_ioc_type t;
    cr_assert_eq(trawl_ioc_type_parse(NULL, &t), TRAWL_EINVAL);
}

Test(labels, tlp_names)
{
    static const char *const names[] = {"clear", "green", "amber", "amber+strict", "red"};
    for (int i = 0; i < TRAWL_TLP_COUNT; i++)
        cr_assert_str_eq(trawl_tlp_name(i), names[i]);
    cr_assert_null(trawl_tlp_name(-1));
    cr_assert_null(trawl_tlp_name(TRAWL_TLP_COUNT));
}

Test(labels, tlp_spellings)
{
    static const struct case_ cases[] = {
        {"CLEAR", TRAWL_TLP_CLEAR},
        {"clear", TRAWL_TLP_CLEAR},
        {"TLP:CLEAR", TRAWL_TLP_CLEAR},
        {"WHITE", TRAWL_TLP_CLEAR},
        {"TLP:WHITE", TRAWL_TLP_CLEAR},
        {"blanc", TRAWL_TLP_CLEAR},
        {"TLP:BLANC", TRAWL_TLP_CLEAR},
        {"GREEN", TRAWL_TLP_GREEN},
        {"TLP:GREEN", TRAWL_TLP_GREEN},
        {"vert", TRAWL_TLP_GREEN},
        {"TLP:VERT", TRAWL_TLP_GREEN},
        {"AMBER", TRAWL_TLP_AMBER},
        {"TLP:AMBER", TRAWL_TLP_AMBER},
        {"TLP: AMBER", TRAWL_TLP_AMBER},
        {"tlp:amber", TRAWL_TLP_AMBER},
        {"Tlp : Amber", TRAWL_TLP_AMBER},
        {"TLP AMBER", TRAWL_TLP_AMBER},
        {"  TLP:AMBER \r\n", TRAWL_TLP_AMBER},
        {"AMBRE", TRAWL_TLP_AMBER},
        {"TLP:AMBRE", TRAWL_TLP_AMBER},
        {"AMBER+STRICT", TRAWL_TLP_AMBER_STRICT},
        {"amber+strict", TRAWL_TLP_AMBER_STRICT},
        {"TLP:AMBER+STRICT", TRAWL_TLP_AMBER_STRICT},
        {"AMBRE+STRICT", TRAWL_TLP_AMBER_STRICT},
        {"TLP:AMBRE+STRICT", TRAWL_TLP_AMBER_STRICT},
        {"RED", TRAWL_TLP_RED},
        {"TLP:RED", TRAWL_TLP_RED},
        {"rouge", TRAWL_TLP_RED},
        {"TLP:ROUGE", TRAWL_TLP_RED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum trawl_tlp t = TRAWL_TLP_COUNT;
        cr_assert_eq(trawl_tlp_parse(cases[i].in, &t), 0, "'%s'", cases[i].in);
        cr_assert_eq((int)t, cases[i].want, "'%s'", cases[i].in);
    }
}

Test(labels, tlp_rejects)
{
    static const char *const bad[] = {
        "",         "TLP",    "TLP:",       "TLP:PINK",      "amber strict", "AMBER+",
        "TLPAMBER", "yellow", "TLP::AMBER", "TLP:AMBER:RED", "a m b e r",    "4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum trawl_tlp t = TRAWL_TLP_RED;
        cr_assert_eq(trawl_tlp_parse(bad[i], &t), TRAWL_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(t, TRAWL_TLP_RED);
    }
}

Test(labels, severity_names)
{
    cr_assert_str_eq(trawl_severity_name(TRAWL_SEV_LOW), "low");
    cr_assert_str_eq(trawl_severity_name(TRAWL_SEV_MEDIUM), "medium");
    cr_assert_str_eq(trawl_severity_name(TRAWL_SEV_HIGH), "high");
    cr_assert_str_eq(trawl_severity_name(TRAWL_SEV_CRITICAL), "critical");
    cr_assert_null(trawl_severity_name(0));
    cr_assert_null(trawl_severity_name(5));
    cr_assert_null(trawl_severity_name(-1));
}

Test(labels, severity_spellings)
{
    static const struct case_ cases[] = {
        {"low", TRAWL_SEV_LOW},
        {"LOW", TRAWL_SEV_LOW},
        {"medium", TRAWL_SEV_MEDIUM},
        {"Medium", TRAWL_SEV_MEDIUM},
        {"high", TRAWL_SEV_HIGH},
        {"critical", TRAWL_SEV_CRITICAL},
        {"CRITICAL", TRAWL_SEV_CRITICAL},
        {"1", TRAWL_SEV_LOW},
        {"2", TRAWL_SEV_MEDIUM},
        {"3", TRAWL_SEV_HIGH},
        {"4", TRAWL_SEV_CRITICAL},
        {" 3 ", TRAWL_SEV_HIGH},
        {"green", TRAWL_SEV_LOW},
        {"yellow", TRAWL_SEV_MEDIUM},
        {"Orange", TRAWL_SEV_HIGH},
        {"RED", TRAWL_SEV_CRITICAL},
        {"faible", TRAWL_SEV_LOW},
        {"moyen", TRAWL_SEV_MEDIUM},
        {"moyenne", TRAWL_SEV_MEDIUM},
        {"haut", TRAWL_SEV_HIGH},
        {"haute", TRAWL_SEV_HIGH},
        {"\xc3\xa9lev\xc3\xa9\x65", TRAWL_SEV_HIGH}, /* élevée */
        {"\xc3\x89LEV\xc3\x89\x45", TRAWL_SEV_HIGH}, /* ÉLEVÉE */
        {"\xc3\xa9lev\xc3\xa9", TRAWL_SEV_HIGH},     /* élevé */
        {"elevee", TRAWL_SEV_HIGH},
        {"eleve", TRAWL_SEV_HIGH},
        {"critique", TRAWL_SEV_CRITICAL},
        {"CRITIQUE", TRAWL_SEV_CRITICAL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum trawl_severity s = 0;
        cr_assert_eq(trawl_severity_parse(cases[i].in, &s), 0, "'%s'", cases[i].in);
        cr_assert_eq((int)s, cases[i].want, "'%s'", cases[i].in);
    }
}

Test(labels, severity_rejects)
{
    static const char *const bad[] = {"", "0", "5", "10", "-1", "info", "urgent", "blue", "hi"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum trawl_severity s = TRAWL_SEV_LOW;
        cr_assert_eq(trawl_severity_parse(bad[i], &s), TRAWL_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(s, TRAWL_SEV_LOW);
    }
}

Test(labels, formats)
{
    static const char *const names[] = {"auto", "plain", "csv",     "zeek",
                                        "stix", "misp",  "openioc", "text"};
    for (int i = 0; i < TRAWL_FMT_COUNT; i++) {
        cr_assert_str_eq(trawl_format_name(i), names[i]);
        enum trawl_format f = TRAWL_FMT_COUNT;
        cr_assert_eq(trawl_format_parse(names[i], &f), 0);
        cr_assert_eq((int)f, i);
    }
    cr_assert_null(trawl_format_name(-1));
    cr_assert_null(trawl_format_name(TRAWL_FMT_COUNT));
    enum trawl_format f;
    cr_assert_eq(trawl_format_parse(" CSV ", &f), 0);
    cr_assert_eq(f, TRAWL_FMT_CSV);
    cr_assert_eq(trawl_format_parse("Zeek", &f), 0);
    cr_assert_eq(f, TRAWL_FMT_ZEEK);
    cr_assert_eq(trawl_format_parse("txt", &f), 0);
    cr_assert_eq(f, TRAWL_FMT_PLAIN);
    cr_assert_eq(trawl_format_parse("report", &f), 0);
    cr_assert_eq(f, TRAWL_FMT_TEXT);
    cr_assert_eq(trawl_format_parse("json", &f), TRAWL_EINVAL);
    cr_assert_eq(trawl_format_parse("", &f), TRAWL_EINVAL);
}
