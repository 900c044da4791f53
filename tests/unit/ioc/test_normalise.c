/* Unit tests of ioc/normalise.c: refanging, the IPv4/IPv6 parsers and the
 * per-type normalisation rules, accepted values and rejected ones with their
 * reasons. */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "trawl_ioc.h"

static void refang_is(const char *in, const char *want)
{
    char out[256];
    size_t n = trawl_ioc_refang(in, strlen(in), out, sizeof(out));
    cr_assert_neq(n, (size_t)-1, "refang '%s' failed", in);
    cr_assert_str_eq(out, want, "refang '%s'", in);
    cr_assert_eq(n, strlen(want), "length for '%s'", in);
}

/* Normalises in as type t and checks the value, the resulting type and the
 * warnings. */
static void norm_ok(enum trawl_ioc_type t, const char *in, const char *want,
                    enum trawl_ioc_type want_t, unsigned want_warn)
{
    char out[TRAWL_IOC_MAX + 1];
    struct trawl_error err = {0};
    unsigned warn = 0xdead;
    enum trawl_ioc_type type = t;
    int rc = trawl_ioc_normalise(&type, in, strlen(in), out, sizeof(out), &warn, &err);
    cr_assert_eq(rc, 0, "%s '%s' rejected: %s", trawl_ioc_type_name(t), in, err.msg);
    cr_assert_str_eq(out, want, "%s '%s'", trawl_ioc_type_name(t), in);
    cr_assert_eq(type, want_t, "%s '%s': type %s", trawl_ioc_type_name(t), in,
                 trawl_ioc_type_name(type));
    cr_assert_eq(warn, want_warn, "%s '%s': warn %#x", trawl_ioc_type_name(t), in, warn);
}

static void same(enum trawl_ioc_type t, const char *in, const char *want)
{
    norm_ok(t, in, want, t, 0);
}

/* Checks that in is rejected as type t with a message containing why. */
static void norm_bad(enum trawl_ioc_type t, const char *in, const char *why)
{
    char out[TRAWL_IOC_MAX + 1] = "untouched";
    struct trawl_error err = {0};
    unsigned warn = 0xdead;
    enum trawl_ioc_type type = t;
    int rc = trawl_ioc_normalise(&type, in, strlen(in), out, sizeof(out), &warn, &err);
    cr_assert_eq(rc, TRAWL_EINVAL, "%s '%s' accepted as '%s'", trawl_ioc_type_name(t), in, out);
    cr_assert_eq(err.code, TRAWL_EINVAL);
    cr_assert_eq(type, t, "type changed on failure");
    cr_assert_eq(warn, 0xdead, "warn written on failure");
    cr_assert_not_null(strstr(err.msg, why), "%s '%s': message '%s' lacks '%s'",
                       trawl_ioc_type_name(t), in, err.msg, why);
}

/* ---- refang ------------------------------------------------------------ */

Test(normalise, refang_forms)
{
    refang_is("evil[.]com", "evil.com");
    refang_is("evil(.)com", "evil.com");
    refang_is("evil{.}com", "evil.com");
    refang_is("evil[dot]com", "evil.com");
    refang_is("evil[DOT]com", "evil.com");
    refang_is("evil(dot)com", "evil.com");
    refang_is("evil{dot}com", "evil.com");
    refang_is("evil dot com", "evil.com");
    refang_is("www DOT evil Dot co dot uk", "www.evil.co.uk");
    refang_is("hxxp://evil.com", "http://evil.com");
    refang_is("hxxps://evil.com", "https://evil.com");
    refang_is("hXXp://evil.com", "http://evil.com");
    refang_is("hXXps://evil.com", "https://evil.com");
    refang_is("HXXPS://evil.com", "https://evil.com");
    refang_is("FXP://evil.com", "ftp://evil.com");
    refang_is("fxp://files.evil.com", "ftp://files.evil.com");
    refang_is("http[:]//evil.com", "http://evil.com");
    refang_is("http[://]evil.com", "http://evil.com");
    refang_is("hxxps[:]//evil[.]com[/]a", "https://evil.com/a");
    refang_is("hxxps[://]evil[.]com", "https://evil.com");
    refang_is("user[@]evil.com", "user@evil.com");
    refang_is("user[at]evil.com", "user@evil.com");
    refang_is("user(at)evil.com", "user@evil.com");
    refang_is("user [at] evil [dot] com", "user@evil.com");
    refang_is("evil [.] com", "evil.com");
    refang_is("1[.]2[.]3[.]4", "1.2.3.4");
}

Test(normalise, refang_leaves_prose_and_plain_values)
{
    refang_is("evil.com", "evil.com");
    refang_is("http://evil.com", "http://evil.com");
    refang_is("print on a dot matrix printer", "print on a dot matrix printer");
    refang_is("dot com", "dot com");
    refang_is("evil dot", "evil dot");
    refang_is("evil  dot  com", "evil  dot  com");
    refang_is("evil dot com dot", "evil dot com dot");
    refang_is("xhxxp://a.com", "xhxxp://a.com"); /* not at a word start */
    refang_is("hxxpd", "hxxpd");
    refang_is("hxxp", "hxxp");
    refang_is("[x]", "[x]");
    refang_is("", "");
}

Test(normalise, refang_output_size)
{
    char out[8];
    /* "evil.com" + NUL needs 9 bytes */
    cr_assert_eq(trawl_ioc_refang("evil[.]com", 10, out, sizeof(out)), (size_t)-1);
    cr_assert_eq(trawl_ioc_refang("a[.]bc", 6, out, sizeof(out)), 4);
    cr_assert_str_eq(out, "a.bc");
    memset(out, 'x', sizeof(out));
    cr_assert_eq(trawl_ioc_refang("0123456789", 10, out, sizeof(out)), (size_t)-1);
    cr_assert_eq(out[sizeof(out) - 1], '\0', "not NUL-terminated on overflow");
    cr_assert_eq(trawl_ioc_refang("abc", 3, out, 0), (size_t)-1);
    /* the length bound is honoured: no reading past len */
    cr_assert_eq(trawl_ioc_refang("a[.]b", 2, out, sizeof(out)), 2);
    cr_assert_str_eq(out, "a[");
}

/* ---- parsers ----------------------------------------------------------- */

Test(normalise, ipv4_parse)
{
    uint32_t a = 0;
    cr_assert_eq(trawl_ipv4_parse("1.2.3.4", 7, &a), 0);
    cr_assert_eq(a, 0x01020304u);
    cr_assert_eq(trawl_ipv4_parse("255.255.255.255", 15, &a), 0);
    cr_assert_eq(a, 0xffffffffu);
    cr_assert_eq(trawl_ipv4_parse("010.001.000.009", 15, &a), 0);
    cr_assert_eq(a, 0x0a010009u);
    static const char *const bad[] = {"1.2.3.4.5",
                                      "256.1.1.1",
                                      "1.2.3",
                                      "1..2.3",
                                      ".1.2.3",
                                      "1.2.3.",
                                      "1.2.3.a",
                                      "",
                                      "1.2.3.4 ",
                                      "-1.2.3.4",
                                      "1.2.3.99999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a = 42;
        cr_assert_eq(trawl_ipv4_parse(bad[i], strlen(bad[i]), &a), TRAWL_EINVAL, "'%s'", bad[i]);
        cr_assert_eq(a, 42);
    }
}

Test(normalise, ipv6_parse)
{
    static const uint8_t loop[16] = {[15] = 1};
    static const uint8_t doc[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 1, 2, 3, 4};
    uint8_t a[16];
    cr_assert_eq(trawl_ipv6_parse("::1", 3, a), 0);
    cr_assert_arr_eq(a, loop, 16);
    cr_assert_eq(trawl_ipv6_parse("2001:db8::1", 11, a), 0);
    cr_assert_arr_eq(a, doc, 16);
    const char *full = "2001:0DB8:0000:0000:0000:0000:0000:0001";
    cr_assert_eq(trawl_ipv6_parse(full, strlen(full), a), 0);
    cr_assert_arr_eq(a, doc, 16);
    cr_assert_eq(trawl_ipv6_parse("::ffff:1.2.3.4", 14, a), 0);
    cr_assert_arr_eq(a, mapped, 16);
    cr_assert_eq(trawl_ipv6_parse("0:0:0:0:0:ffff:102:304", 22, a), 0);
    cr_assert_arr_eq(a, mapped, 16);
    cr_assert_eq(trawl_ipv6_parse("::", 2, a), 0);
    cr_assert_eq(trawl_ipv6_parse("1::", 3, a), 0);
    cr_assert_eq(trawl_ipv6_parse("1:2:3:4:5:6:7::", 15, a), 0);
    cr_assert_eq(trawl_ipv6_parse("1:2:3:4:5:6:1.2.3.4", 19, a), 0);
    static const char *const bad[] = {
        "",
        ":",
        ":::",
        "1:::2",
        ":1::2",
        "1::2:",
        "1::2::3",
        "12345::1",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7",
        "1::2:3:4:5:6:7:8",
        "g::1",
        "::1.2.3",
        "::1.2.3.256",
        "1:2:3:4:5:6:7:1.2.3.4",
        "[::1]",
        "fe80::1%eth0",
        "1.2.3.4",
        "::ffff:1.2.3.4:1",
        "2001:db8::1 ",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(trawl_ipv6_parse(bad[i], strlen(bad[i]), a), TRAWL_EINVAL, "'%s'", bad[i]);
}

/* ---- normalise: addresses ---------------------------------------------- */

Test(normalise, ipv4)
{
    same(TRAWL_T_IPV4, "1.2.3.4", "1.2.3.4");
    same(TRAWL_T_IPV4, "  1.2.3.4\t", "1.2.3.4");
    same(TRAWL_T_IPV4, "010.001.000.099", "10.1.0.99");
    same(TRAWL_T_IPV4, "1[.]2[.]3[.]4", "1.2.3.4");
    same(TRAWL_T_IPV4, "0.0.0.0", "0.0.0.0");
    norm_bad(TRAWL_T_IPV4, "1.2.3.4.5", "more than 4 parts");
    norm_bad(TRAWL_T_IPV4, "256.1.1.1", "octet 256 out of range");
    norm_bad(TRAWL_T_IPV4, "1.2.3", "3 parts");
    norm_bad(TRAWL_T_IPV4, "1..3.4", "empty part");
    norm_bad(TRAWL_T_IPV4, "1.2.3.x", "invalid character 'x'");
    norm_bad(TRAWL_T_IPV4, "", "empty");
    norm_bad(TRAWL_T_IPV4, "   ", "empty");
    /* a prefix in an "ip" column is taken as a CIDR */
    norm_ok(TRAWL_T_IPV4, "10.0.0.0/8", "10.0.0.0/8", TRAWL_T_CIDR, 0);
}

Test(normalise, ipv6)
{
    same(TRAWL_T_IPV6, "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
    same(TRAWL_T_IPV6, "2001:DB8::A", "2001:db8::a");
    same(TRAWL_T_IPV6, "[2001:db8::1]", "2001:db8::1");
    same(TRAWL_T_IPV6, "fe80::1%eth0", "fe80::1");
    same(TRAWL_T_IPV6, "[fe80::1%25]", "fe80::1");
    same(TRAWL_T_IPV6, "::", "::");
    same(TRAWL_T_IPV6, "::1", "::1");
    same(TRAWL_T_IPV6, "1::", "1::");
    /* RFC 5952: longest run compressed, first on a tie, no "::" for one group */
    same(TRAWL_T_IPV6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    same(TRAWL_T_IPV6, "2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
    same(TRAWL_T_IPV6, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    same(TRAWL_T_IPV6, "64:ff9b::1.2.3.4", "64:ff9b::102:304");
    norm_bad(TRAWL_T_IPV6, "1:2:3:4:5:6:7:8:9", "more than 8 groups");
    norm_bad(TRAWL_T_IPV6, "1::2::3", "more than one '::'");
    norm_bad(TRAWL_T_IPV6, "12345::1", "more than 4 hex digits");
    norm_bad(TRAWL_T_IPV6, "1:2:3", "3 groups instead of 8");
    norm_bad(TRAWL_T_IPV6, "::zz", "invalid character 'z'");
    norm_bad(TRAWL_T_IPV6, "[::1", "brackets");
    norm_bad(TRAWL_T_IPV6, "::1.2.3.256", "octet 256");
}

Test(normalise, ipv6_mapped_becomes_ipv4)
{
    norm_ok(TRAWL_T_IPV6, "::ffff:1.2.3.4", "1.2.3.4", TRAWL_T_IPV4, TRAWL_NORM_WARN_MAPPED);
    norm_ok(TRAWL_T_IPV6, "::FFFF:0102:0304", "1.2.3.4", TRAWL_T_IPV4, TRAWL_NORM_WARN_MAPPED);
    norm_ok(TRAWL_T_IPV6, "0:0:0:0:0:ffff:c0a8:101", "192.168.1.1", TRAWL_T_IPV4,
            TRAWL_NORM_WARN_MAPPED);
    norm_ok(TRAWL_T_IPV6, "[::ffff:10.0.0.1]", "10.0.0.1", TRAWL_T_IPV4, TRAWL_NORM_WARN_MAPPED);
    /* IPv4-compatible and NAT64 are not mapped */
    same(TRAWL_T_IPV6, "::1.2.3.4", "::102:304");
    same(TRAWL_T_IPV6, "::fffe:1.2.3.4", "::fffe:102:304");
}

Test(normalise, cidr)
{
    same(TRAWL_T_CIDR, "10.0.0.0/8", "10.0.0.0/8");
    same(TRAWL_T_CIDR, "0.0.0.0/0", "0.0.0.0/0");
    same(TRAWL_T_CIDR, "1.2.3.4/32", "1.2.3.4/32");
    same(TRAWL_T_CIDR, "010.000.000.000/08", "10.0.0.0/8");
    norm_ok(TRAWL_T_CIDR, "192.168.1.0/16", "192.168.0.0/16", TRAWL_T_CIDR,
            TRAWL_NORM_WARN_HOSTBITS);
    norm_ok(TRAWL_T_CIDR, "1.2.3.4/0", "0.0.0.0/0", TRAWL_T_CIDR, TRAWL_NORM_WARN_HOSTBITS);
    norm_ok(TRAWL_T_CIDR, "192.168.1.255/31", "192.168.1.254/31", TRAWL_T_CIDR,
            TRAWL_NORM_WARN_HOSTBITS);
    same(TRAWL_T_CIDR, "2001:DB8::/32", "2001:db8::/32");
    same(TRAWL_T_CIDR, "2001:0db8:0000:0000:0000:0000:0000:0001/128", "2001:db8::1/128");
    same(TRAWL_T_CIDR, "[2001:db8::]/48", "2001:db8::/48");
    norm_ok(TRAWL_T_CIDR, "2001:db8:ffff::1/33", "2001:db8:8000::/33", TRAWL_T_CIDR,
            TRAWL_NORM_WARN_HOSTBITS);
    same(TRAWL_T_CIDR, "::/0", "::/0");
    /* a bare address is a host prefix */
    same(TRAWL_T_CIDR, "1.2.3.4", "1.2.3.4/32");
    same(TRAWL_T_CIDR, "2001:db8::1", "2001:db8::1/128");
    /* IPv4-mapped prefixes of /96 or more become IPv4 prefixes */
    norm_ok(TRAWL_T_CIDR, "::ffff:10.0.0.0/104", "10.0.0.0/8", TRAWL_T_CIDR,
            TRAWL_NORM_WARN_MAPPED);
    norm_ok(TRAWL_T_CIDR, "::ffff:10.1.0.0/104", "10.0.0.0/8", TRAWL_T_CIDR,
            TRAWL_NORM_WARN_MAPPED | TRAWL_NORM_WARN_HOSTBITS);
    norm_ok(TRAWL_T_CIDR, "::ffff:0:0/80", "::/80", TRAWL_T_CIDR, TRAWL_NORM_WARN_HOSTBITS);
    /* an ipv6-typed prefix becomes a CIDR */
    norm_ok(TRAWL_T_IPV6, "2001:db8::/32", "2001:db8::/32", TRAWL_T_CIDR, 0);

    norm_bad(TRAWL_T_CIDR, "10.0.0.0/33", "exceeds 32");
    norm_bad(TRAWL_T_CIDR, "2001:db8::/129", "exceeds 128");
    norm_bad(TRAWL_T_CIDR, "10.0.0.0/", "bad prefix length");
    norm_bad(TRAWL_T_CIDR, "10.0.0.0/1234", "bad prefix length");
    norm_bad(TRAWL_T_CIDR, "10.0.0.0/-1", "not a number");
    norm_bad(TRAWL_T_CIDR, "10.0.0.0/8/8", "invalid character '/'");
    norm_bad(TRAWL_T_CIDR, "10.0.0/8", "3 parts");
    norm_bad(TRAWL_T_CIDR, "256.0.0.0/8", "octet 256");
    norm_bad(TRAWL_T_CIDR, "2001:db8:::/32", "IPv6");
}

/* ---- normalise: names -------------------------------------------------- */

Test(normalise, domain)
{
    same(TRAWL_T_DOMAIN, "evil.com", "evil.com");
    same(TRAWL_T_DOMAIN, "Evil.COM", "evil.com");
    same(TRAWL_T_DOMAIN, "evil.com.", "evil.com");
    same(TRAWL_T_DOMAIN, "evil.com:8080", "evil.com");
    same(TRAWL_T_DOMAIN, "*.evil.com", "evil.com");
    same(TRAWL_T_DOMAIN, ".evil.com", "evil.com");
    same(TRAWL_T_DOMAIN, "evil[.]com", "evil.com");
    same(TRAWL_T_DOMAIN, "evil[dot]co[.]uk", "evil.co.uk");
    same(TRAWL_T_DOMAIN, " evil dot com ", "evil.com");
    same(TRAWL_T_DOMAIN, "_dmarc.evil-1.example", "_dmarc.evil-1.example");
    same(TRAWL_T_DOMAIN, "1e100.net", "1e100.net");
    same(TRAWL_T_DOMAIN, "xn--bcher-kva.de", "xn--bcher-kva.de");

    norm_bad(TRAWL_T_DOMAIN, "localhost", "at least two labels");
    norm_bad(TRAWL_T_DOMAIN, "evil..com", "empty label");
    norm_bad(TRAWL_T_DOMAIN, "-evil.com", "starts or ends with '-'");
    norm_bad(TRAWL_T_DOMAIN, "evil-.com", "starts or ends with '-'");
    norm_bad(TRAWL_T_DOMAIN, "ev!l.com", "invalid character '!'");
    norm_bad(TRAWL_T_DOMAIN, "evil.com/path", "invalid character '/'");
    norm_bad(TRAWL_T_DOMAIN, "1.2.3.4", "IPv4 address is not a domain");
    norm_bad(TRAWL_T_DOMAIN, "1.2.3.4:80", "IPv4 address is not a domain");
    norm_bad(TRAWL_T_DOMAIN, "2001:db8::1", "IPv6 address is not a domain");
    norm_bad(TRAWL_T_DOMAIN, "1.2.3", "all digits");
    norm_bad(TRAWL_T_DOMAIN, "1.2.3.4.5", "all digits");
    norm_bad(TRAWL_T_DOMAIN, "evil.123", "all digits");
    norm_bad(TRAWL_T_DOMAIN, "", "empty");
    norm_bad(TRAWL_T_DOMAIN, "*.", "empty");

    char label[65], name[320];
    memset(label, 'a', 64);
    label[64] = '\0';
    snprintf(name, sizeof(name), "%s.com", label);
    norm_bad(TRAWL_T_DOMAIN, name, "longer than 63");
    label[63] = '\0';
    snprintf(name, sizeof(name), "%s.com", label);
    same(TRAWL_T_DOMAIN, name, name);
    /* 4 x 63 + 3 dots = 255 bytes */
    snprintf(name, sizeof(name), "%s.%s.%s.%s", label, label, label, label);
    norm_bad(TRAWL_T_DOMAIN, name, "longer than 253");
}

Test(normalise, domain_idn)
{
    norm_ok(TRAWL_T_DOMAIN,
            "b\xc3\xbc"
            "cher.de",
            "xn--bcher-kva.de", TRAWL_T_DOMAIN, TRAWL_NORM_WARN_IDN);
    norm_ok(TRAWL_T_DOMAIN,
            "B\xc3\x9c"
            "CHER.DE",
            "xn--bcher-kva.de", TRAWL_T_DOMAIN, TRAWL_NORM_WARN_IDN);
    norm_ok(TRAWL_T_DOMAIN,
            "www.b\xc3\xbc"
            "cher[.]de.",
            "www.xn--bcher-kva.de", TRAWL_T_DOMAIN, TRAWL_NORM_WARN_IDN);
    /* invalid UTF-8 cannot be converted */
    norm_bad(TRAWL_T_DOMAIN,
             "b\xfc"
             "cher.de",
             "cannot be converted to punycode");
}

Test(normalise, url)
{
    same(TRAWL_T_URL, "HTTP://Evil.COM/", "http://evil.com");
    same(TRAWL_T_URL, "http://evil.com", "http://evil.com");
    same(TRAWL_T_URL, "http://evil.com/A/b", "http://evil.com/A/b");
    same(TRAWL_T_URL, "http://EVIL.com/A/b?Q=1#F", "http://evil.com/A/b?Q=1#F");
    same(TRAWL_T_URL, "http://evil.com/?q", "http://evil.com/?q");
    same(TRAWL_T_URL, "http://evil.com//", "http://evil.com//");
    same(TRAWL_T_URL, "http://evil.com?x=Y", "http://evil.com?x=Y");
    same(TRAWL_T_URL, "HTTPS://Evil.com:8443/X", "https://evil.com:8443/X");
    same(TRAWL_T_URL, "hxxps[:]//evil[.]com/Path", "https://evil.com/Path");
    same(TRAWL_T_URL, "hXXp://evil[.]com/", "http://evil.com");
    same(TRAWL_T_URL, "http://User:PW@EVIL.com/", "http://User:PW@evil.com");
    same(TRAWL_T_URL, "http://1.2.3.4:80/a", "http://1.2.3.4:80/a");
    same(TRAWL_T_URL, "http://[2001:DB8::1]:8080/x", "http://[2001:db8::1]:8080/x");
    same(TRAWL_T_URL, "svn+SSH://host.example/repo", "svn+ssh://host.example/repo");
    same(TRAWL_T_URL, "http://evil.com./", "http://evil.com");
    norm_ok(TRAWL_T_URL,
            "http://b\xc3\xbc"
            "cher.de/\xc3\xbc",
            "http://xn--bcher-kva.de/\xc3\xbc", TRAWL_T_URL, TRAWL_NORM_WARN_IDN);

    norm_bad(TRAWL_T_URL, "evil.com/path", "no scheme://");
    norm_bad(TRAWL_T_URL, "://evil.com", "bad scheme");
    norm_bad(TRAWL_T_URL, "1http://evil.com", "bad scheme");
    norm_bad(TRAWL_T_URL, "ht_tp://evil.com", "bad scheme");
    norm_bad(TRAWL_T_URL, "http:///path", "no host");
    norm_bad(TRAWL_T_URL, "http://localhost/", "bad host");
    norm_bad(TRAWL_T_URL, "http://1.2.3/", "bad host");
    norm_bad(TRAWL_T_URL, "http://evil.com:8x/", "port is not a number");
    norm_bad(TRAWL_T_URL, "http://[::g]/", "bad IPv6 host");
    norm_bad(TRAWL_T_URL, "http://evil.com/a b", "blank or control");
}

Test(normalise, email)
{
    same(TRAWL_T_EMAIL, "User@Evil.COM", "user@evil.com");
    same(TRAWL_T_EMAIL, "first.last+tag@evil.co.uk", "first.last+tag@evil.co.uk");
    same(TRAWL_T_EMAIL, "user[@]evil[.]com", "user@evil.com");
    same(TRAWL_T_EMAIL, "user[at]evil[dot]com", "user@evil.com");
    same(TRAWL_T_EMAIL, "user (at) evil (dot) com", "user@evil.com");
    same(TRAWL_T_EMAIL, "mailto:Bob@evil.com", "bob@evil.com");
    same(TRAWL_T_EMAIL, "o'brien@evil.com", "o'brien@evil.com");
    norm_ok(TRAWL_T_EMAIL,
            "info@b\xc3\xbc"
            "cher.de",
            "info@xn--bcher-kva.de", TRAWL_T_EMAIL, TRAWL_NORM_WARN_IDN);

    norm_bad(TRAWL_T_EMAIL, "evil.com", "no '@'");
    norm_bad(TRAWL_T_EMAIL, "a@b@evil.com", "more than one '@'");
    norm_bad(TRAWL_T_EMAIL, "@evil.com", "1-64");
    norm_bad(TRAWL_T_EMAIL, ".user@evil.com", "misplaced '.'");
    norm_bad(TRAWL_T_EMAIL, "user.@evil.com", "misplaced '.'");
    norm_bad(TRAWL_T_EMAIL, "us..er@evil.com", "misplaced '.'");
    norm_bad(TRAWL_T_EMAIL, "us(er@evil.com", "invalid character '('");
    norm_bad(TRAWL_T_EMAIL, "user@localhost", "at least two labels");
    norm_bad(TRAWL_T_EMAIL, "user@1.2.3.4", "not a domain");
    char local[80], addr[120];
    memset(local, 'a', 65);
    local[65] = '\0';
    snprintf(addr, sizeof(addr), "%s@evil.com", local);
    norm_bad(TRAWL_T_EMAIL, addr, "1-64");
}

/* ---- normalise: hashes and free text ----------------------------------- */

Test(normalise, hashes)
{
    same(TRAWL_T_MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e");
    same(TRAWL_T_SHA1, " da39a3ee5e6b4b0d3255bfef95601890afd80709 ",
         "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    same(TRAWL_T_SHA256, "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    norm_bad(TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427", "31 hex digits instead of 32");
    norm_bad(TRAWL_T_MD5, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "(a SHA-1?)");
    norm_bad(TRAWL_T_SHA1, "d41d8cd98f00b204e9800998ecf8427e", "(an MD5?)");
    norm_bad(TRAWL_T_SHA256, "d41d8cd98f00b204e9800998ecf8427e", "instead of 64");
    norm_bad(TRAWL_T_MD5, "g41d8cd98f00b204e9800998ecf8427e", "non-hex character 'g' at offset 0");
    norm_bad(TRAWL_T_SHA1, "da39a3ee-5e6b4b0d3255bfef95601890afd8070", "non-hex character '-'");
    norm_bad(TRAWL_T_SHA256, "", "empty");
}

Test(normalise, free_text)
{
    same(TRAWL_T_FILENAME, "  Invoice.EXE ", "Invoice.EXE");
    same(TRAWL_T_FILENAME, "evil[.]exe", "evil[.]exe"); /* not refanged */
    same(TRAWL_T_STRING, "hxxp://kept", "hxxp://kept");
    same(TRAWL_T_STRING, "Mozilla/5.0 (X)", "Mozilla/5.0 (X)");
    same(TRAWL_T_REGEX, "evil[.]com\\d+", "evil[.]com\\d+");
    norm_bad(TRAWL_T_STRING, " \t ", "empty");
    norm_bad(TRAWL_T_REGEX, "", "empty");
    norm_bad(TRAWL_T_FILENAME, "", "empty");
}

Test(normalise, limits_and_arguments)
{
    char out[16];
    struct trawl_error err = {0};
    enum trawl_ioc_type t = TRAWL_T_STRING;
    unsigned warn = 0;
    /* embedded NUL */
    cr_assert_eq(trawl_ioc_normalise(&t, "ab\0cd", 5, out, sizeof(out), &warn, &err), TRAWL_EINVAL);
    cr_assert_not_null(strstr(err.msg, "NUL"));
    /* does not fit the caller's buffer */
    cr_assert_eq(trawl_ioc_normalise(&t, "0123456789abcdef", 16, out, sizeof(out), &warn, &err),
                 TRAWL_EINVAL);
    cr_assert_not_null(strstr(err.msg, "too long"));
    cr_assert_eq(trawl_ioc_normalise(&t, "0123456789abcde", 15, out, sizeof(out), &warn, NULL), 0);
    cr_assert_str_eq(out, "0123456789abcde");
    /* longer than TRAWL_IOC_MAX */
    static char big[TRAWL_IOC_MAX + 2], bigout[TRAWL_IOC_MAX + 8];
    memset(big, 'a', sizeof(big) - 1);
    cr_assert_eq(
        trawl_ioc_normalise(&t, big, TRAWL_IOC_MAX + 1, bigout, sizeof(bigout), NULL, NULL),
        TRAWL_EINVAL);
    cr_assert_eq(trawl_ioc_normalise(&t, big, TRAWL_IOC_MAX, bigout, sizeof(bigout), NULL, NULL),
                 0);
    t = TRAWL_T_DOMAIN;
    cr_assert_eq(
        trawl_ioc_normalise(&t, big, TRAWL_IOC_MAX + 1, bigout, sizeof(bigout), NULL, &err),
        TRAWL_EINVAL);
    /* bad type, NULL arguments; err may be NULL */
    t = TRAWL_T_COUNT;
    cr_assert_eq(trawl_ioc_normalise(&t, "x", 1, out, sizeof(out), NULL, &err), TRAWL_EINVAL);
    t = TRAWL_T_NONE;
    cr_assert_eq(trawl_ioc_normalise(&t, "x", 1, out, sizeof(out), NULL, NULL), TRAWL_EINVAL);
    t = TRAWL_T_STRING;
    cr_assert_eq(trawl_ioc_normalise(&t, NULL, 0, out, sizeof(out), NULL, NULL), TRAWL_EINVAL);
    cr_assert_eq(trawl_ioc_normalise(&t, "x", 1, NULL, 0, NULL, NULL), TRAWL_EINVAL);
    /* only len bytes are read */
    t = TRAWL_T_IPV4;
    cr_assert_eq(trawl_ioc_normalise(&t, "1.2.3.4.5", 7, out, sizeof(out), NULL, NULL), 0);
    cr_assert_str_eq(out, "1.2.3.4");
}
