/* Unit tests of ioc/detect.c: type auto-detection of untyped values, with the
 * look-alikes (file names, version numbers, out-of-range quads) that must
 * stay undetected. */
#include <string.h>

#include <criterion/criterion.h>

#include "trawl_ioc.h"

struct case_ {
    const char *in;
    enum trawl_ioc_type want;
};

static void check(const struct case_ *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        enum trawl_ioc_type got = trawl_ioc_detect(cases[i].in, strlen(cases[i].in));
        const char *gn = trawl_ioc_type_name(got), *wn = trawl_ioc_type_name(cases[i].want);
        cr_assert_eq(got, cases[i].want, "'%s': detected %s, want %s", cases[i].in,
                     gn ? gn : "none", wn ? wn : "none");
    }
}

#define CHECK(cases) check(cases, sizeof(cases) / sizeof(cases[0]))

Test(detect, addresses)
{
    static const struct case_ cases[] = {
        {"1.2.3.4", TRAWL_T_IPV4},
        {"255.255.255.255", TRAWL_T_IPV4},
        {"010.001.000.009", TRAWL_T_IPV4},
        {"1.2.3.4.5", TRAWL_T_NONE},
        {"256.1.1.1", TRAWL_T_NONE},
        {"1.2.3", TRAWL_T_NONE},
        {"1.2.3.", TRAWL_T_NONE},
        {"1..2.3", TRAWL_T_NONE},
        {"2001:db8::1", TRAWL_T_IPV6},
        {"2001:0DB8:0000:0000:0000:0000:0000:0001", TRAWL_T_IPV6},
        {"::1", TRAWL_T_IPV6},
        {"::ffff:1.2.3.4", TRAWL_T_IPV6},
        {"[2001:db8::1]", TRAWL_T_IPV6},
        {"fe80::1%eth0", TRAWL_T_IPV6},
        {"1::2::3", TRAWL_T_NONE},
        {"evil.com:8080", TRAWL_T_NONE},
        {"1.2.3.4:80", TRAWL_T_NONE},
        {"12:34", TRAWL_T_NONE},
        {"10.0.0.0/8", TRAWL_T_CIDR},
        {"192.168.1.0/16", TRAWL_T_CIDR},
        {"2001:db8::/32", TRAWL_T_CIDR},
        {"::ffff:10.0.0.0/104", TRAWL_T_CIDR},
        {"10.0.0.0/33", TRAWL_T_NONE},
        {"2001:db8::/129", TRAWL_T_NONE},
        {"10.0.0.0/", TRAWL_T_NONE},
        {"10.0.0/8", TRAWL_T_NONE},
        {"1/2", TRAWL_T_NONE},
    };
    CHECK(cases);
}

Test(detect, hashes)
{
    static const struct case_ cases[] = {
        {"d41d8cd98f00b204e9800998ecf8427e", TRAWL_T_MD5},
        {"D41D8CD98F00B204E9800998ECF8427E", TRAWL_T_MD5},
        {"da39a3ee5e6b4b0d3255bfef95601890afd80709", TRAWL_T_SHA1},
        {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TRAWL_T_SHA256},
        {"12345678901234567890123456789012", TRAWL_T_MD5},
        {"d41d8cd98f00b204e9800998ecf8427", TRAWL_T_NONE},   /* 31 */
        {"d41d8cd98f00b204e9800998ecf8427e0", TRAWL_T_NONE}, /* 33 */
        {"deadbeef", TRAWL_T_NONE},
        {"cafe", TRAWL_T_NONE},
        {"12345", TRAWL_T_NONE},
        {"g41d8cd98f00b204e9800998ecf8427e", TRAWL_T_NONE},
    };
    CHECK(cases);
}

Test(detect, urls_and_emails)
{
    static const struct case_ cases[] = {
        {"http://evil.com", TRAWL_T_URL},
        {"HTTPS://Evil.com/a?b#c", TRAWL_T_URL},
        {"http://1.2.3.4:8080/x", TRAWL_T_URL},
        {"http://[2001:db8::1]/x", TRAWL_T_URL},
        {"ftp://files.evil.com/a.exe", TRAWL_T_URL},
        {"http://localhost/", TRAWL_T_NONE},
        {"http://", TRAWL_T_NONE},
        {"://evil.com", TRAWL_T_NONE},
        {"evil.com/path", TRAWL_T_NONE},
        {"user@evil.com", TRAWL_T_EMAIL},
        {"First.Last+x@evil.co.uk", TRAWL_T_EMAIL},
        {"user@localhost", TRAWL_T_NONE},
        {"@evil.com", TRAWL_T_NONE},
        {"a@b@evil.com", TRAWL_T_NONE},
        {"user@", TRAWL_T_NONE},
    };
    CHECK(cases);
}

Test(detect, domains)
{
    static const struct case_ cases[] = {
        {"evil.com", TRAWL_T_DOMAIN},
        {"Evil.COM", TRAWL_T_DOMAIN},
        {"www.evil.co.uk", TRAWL_T_DOMAIN},
        {"foo.bar", TRAWL_T_DOMAIN},
        {"1e100.net", TRAWL_T_DOMAIN},
        {"x-1e100.net", TRAWL_T_DOMAIN},
        {"_dmarc.evil.org", TRAWL_T_DOMAIN},
        {"*.evil.com", TRAWL_T_DOMAIN},
        {"evil.com.", TRAWL_T_DOMAIN},
        {"evil.pl", TRAWL_T_DOMAIN},
        {"xn--bcher-kva.de", TRAWL_T_DOMAIN},
        {"b\xc3\xbc"
         "cher.de",
         TRAWL_T_DOMAIN},
        {"example.xn--p1ai", TRAWL_T_DOMAIN},
        {"example.\xd1\x80\xd1\x84", TRAWL_T_DOMAIN}, /* .рф */
        {"invoice.com", TRAWL_T_DOMAIN},              /* com is a TLD first */
        {"evil", TRAWL_T_NONE},
        {"evil.c", TRAWL_T_NONE},
        {"evil.c0m", TRAWL_T_NONE},
        {"evil..com", TRAWL_T_NONE},
        {"-evil.com", TRAWL_T_NONE},
        {"evil-.com", TRAWL_T_NONE},
        {".evil.com", TRAWL_T_NONE},
        {"ev!l.com", TRAWL_T_NONE},
        {"evil[.]com", TRAWL_T_NONE}, /* callers refang first */
        {"1.2.3", TRAWL_T_NONE},
        {"10.0.1", TRAWL_T_NONE},
        {"evil.123", TRAWL_T_NONE},
    };
    CHECK(cases);
}

Test(detect, file_names_are_not_domains)
{
    static const struct case_ cases[] = {
        {"invoice.exe", TRAWL_T_NONE},    {"INVOICE.EXE", TRAWL_T_NONE},
        {"evil.dll", TRAWL_T_NONE},       {"payload.zip", TRAWL_T_NONE},
        {"report.doc", TRAWL_T_NONE},     {"report.docx", TRAWL_T_NONE},
        {"dropper.js", TRAWL_T_NONE},     {"shell.php", TRAWL_T_NONE},
        {"readme.txt", TRAWL_T_NONE},     {"invoice.pdf.exe", TRAWL_T_NONE},
        {"archive.tar.gz", TRAWL_T_NONE}, {"run.ps1", TRAWL_T_NONE},
        {"install.sh", TRAWL_T_NONE},     {"libevil.so", TRAWL_T_NONE},
        {"loader.hta", TRAWL_T_NONE},     {"link.lnk", TRAWL_T_NONE},
        {"img.iso", TRAWL_T_NONE},        {"page.html", TRAWL_T_NONE},
    };
    CHECK(cases);
}

Test(detect, everything_else)
{
    static const struct case_ cases[] = {
        {"", TRAWL_T_NONE},
        {"hello world", TRAWL_T_NONE},
        {"evil.com ", TRAWL_T_NONE},
        {"evil\t.com", TRAWL_T_NONE},
        {"C:\\Windows\\evil.exe", TRAWL_T_NONE},
        {"Mozilla/5.0", TRAWL_T_NONE},
        {"-", TRAWL_T_NONE},
        {".", TRAWL_T_NONE},
        {"..", TRAWL_T_NONE},
        {"*.", TRAWL_T_NONE},
    };
    CHECK(cases);
    cr_assert_eq(trawl_ioc_detect(NULL, 0), TRAWL_T_NONE);
    /* only len bytes are looked at */
    cr_assert_eq(trawl_ioc_detect("1.2.3.4.5", 7), TRAWL_T_IPV4);
    cr_assert_eq(trawl_ioc_detect("evil.com/x", 8), TRAWL_T_DOMAIN);
}
