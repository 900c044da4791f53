/* Type auto-detection for untyped indicator values (plain lists, CSV columns
 * without a type). Deliberately conservative: a wrong guess turns into false
 * positives or silently missed indicators, while NONE only asks the user to
 * say --as TYPE. Pure and thread-safe.
 *
 * Detection rules (the input is already refanged and trimmed):
 *  - Empty values, values longer than TRAWL_IOC_MAX and values holding a
 *    blank or a control byte are NONE.
 *  - "scheme://..." (scheme = letter then letters, digits, '+', '.', '-')
 *    is a url when it normalises as one (valid host: domain, IPv4 or
 *    [IPv6]); otherwise NONE.
 *  - A value with '@' is an email when it is local@domain with a valid local
 *    part and domain; otherwise NONE.
 *  - A value with '/' is a cidr when it is ADDRESS/LEN with an IPv4 (0-32)
 *    or IPv6 (0-128) address; host bits may be set (normalisation masks
 *    them). Otherwise NONE: "evil.com/path" without a scheme is not guessed.
 *  - A value with ':' is an ipv6 address when it parses as one (brackets and
 *    a %zone allowed). IPv4-mapped addresses are ipv6 here; normalisation
 *    turns them into ipv4. "host:port" is NONE.
 *  - Only hex digits: 32 = md5, 40 = sha1, 64 = sha256, any other length NONE.
 *  - A dotted quad of four decimal parts 0-255 is ipv4 ("1.2.3.4.5",
 *    "256.1.1.1" and "1.2.3" are not, and are not domains either).
 *  - A domain: an optional leading "*." and trailing ".", at least two labels
 *    of 1-63 bytes of [A-Za-z0-9_-] (or UTF-8, converted later) not starting
 *    or ending with '-', and a last label that is alphabetic, 2-63 letters, or
 *    punycode "xn--..." or UTF-8, and is NOT a common file extension (exe,
 *    dll, zip, doc, js, php, txt, ... see file_exts below): "invoice.exe" is
 *    NONE, use --as filename. "com" is a TLD first. Version numbers ("1.2.3")
 *    have a numeric last label and are NONE.
 *  - Anything else is NONE.
 */
#include <stdbool.h>
#include <string.h>

#include "trawl_ioc.h"

/* File extensions that are not (in practice) top-level domains. Country
 * codes that double as extensions are kept out when the domains are common in
 * real feeds: "pl" (Poland, CERT Polska lists), "md", "rs", "cc", "ps".
 * Extensions that are also rarely seen TLDs are in: "sh", "py", "so", and the
 * gTLDs ".zip" and ".mov", where files far outnumber hosts. */
static const char *const file_exts[] = {
    "7z",   "apk",   "asp",  "aspx", "bak",  "bat", "bin", "bmp",  "cab",  "cfg",  "cgi",
    "chm",  "class", "cmd",  "conf", "cpl",  "csv", "dat", "db",   "deb",  "dll",  "dmg",
    "doc",  "docm",  "docx", "dot",  "dotm", "drv", "elf", "eml",  "exe",  "gif",  "gz",
    "hta",  "htm",   "html", "ico",  "img",  "inf", "ini", "iso",  "jar",  "jpeg", "jpg",
    "js",   "jse",   "json", "jsp",  "ko",   "lnk", "log", "mov",  "mp3",  "mp4",  "msg",
    "msi",  "msp",   "ocx",  "one",  "pdf",  "php", "png", "ppt",  "pptm", "pptx", "ps1",
    "psm1", "py",    "pyc",  "rar",  "reg",  "rpm", "rtf", "scr",  "sh",   "so",   "svg",
    "sys",  "tar",   "tgz",  "tmp",  "txt",  "vbe", "vbs", "vhd",  "vhdx", "wav",  "wsf",
    "xll",  "xls",   "xlsb", "xlsm", "xlsx", "xml", "xz",  "yaml", "yml",  "zip",
};

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_file_ext(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(file_exts) / sizeof(file_exts[0]); i++)
        if (strlen(file_exts[i]) == len && trawl_strncaseeq(s, file_exts[i], len)) return true;
    return false;
}

/* The last label: letters only (2-63), punycode "xn--" + [a-z0-9-], or UTF-8. */
static bool tld_shaped(const char *s, size_t len)
{
    if (len >= 5 && trawl_strncaseeq(s, "xn--", 4)) {
        for (size_t i = 4; i < len; i++)
            if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-') return false;
        return s[len - 1] != '-';
    }
    bool utf8 = false, alpha = true;
    for (size_t i = 0; i < len; i++) {
        utf8 |= (unsigned char)s[i] >= 0x80;
        alpha &= is_alpha(s[i]);
    }
    if (utf8) return true;
    return alpha && len >= 2 && len <= 63 && !is_file_ext(s, len);
}

static bool looks_domain(const char *s, size_t len)
{
    if (len >= 2 && s[0] == '*' && s[1] == '.') {
        s += 2;
        len -= 2;
    }
    if (len > 0 && s[len - 1] == '.') len--;
    if (len == 0 || len > 253 * 4) /* UTF-8 may take up to 4 bytes a character */
        return false;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            char c = s[i];
            if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_' || (unsigned char)c >= 0x80))
                return false;
            continue;
        }
        size_t l = i - start;
        if (l == 0 || l > 63 || s[start] == '-' || s[i - 1] == '-') return false;
        labels++;
        if (i == len) return labels >= 2 && tld_shaped(s + start, l);
        start = i + 1;
    }
    return false;
}

static bool looks_ipv6(const char *s, size_t len)
{
    uint8_t a[16];
    if (len >= 2 && s[0] == '[') {
        if (s[len - 1] != ']') return false;
        s++;
        len -= 2;
    }
    const char *pct = memchr(s, '%', len);
    if (pct) {
        if (pct == s + len - 1) return false;
        len = (size_t)(pct - s);
    }
    return trawl_ipv6_parse(s, len, a) == 0;
}

static bool looks_cidr(const char *s, size_t len)
{
    const char *slash = memchr(s, '/', len);
    size_t alen = (size_t)(slash - s), plen = len - alen - 1;
    const char *p = slash + 1;
    if (plen == 0 || plen > 3) return false;
    unsigned bits = 0;
    for (size_t i = 0; i < plen; i++) {
        if (!is_digit(p[i])) return false;
        bits = bits * 10 + (unsigned)(p[i] - '0');
    }
    uint32_t a4;
    uint8_t a6[16];
    if (memchr(s, ':', alen)) return bits <= 128 && trawl_ipv6_parse(s, alen, a6) == 0;
    return bits <= 32 && trawl_ipv4_parse(s, alen, &a4) == 0;
}

/* Validation by normalisation, for the types whose rules live there. */
static bool normalises_as(enum trawl_ioc_type type, const char *s, size_t len)
{
    char buf[TRAWL_IOC_MAX + 1];
    enum trawl_ioc_type t = type;
    return trawl_ioc_normalise(&t, s, len, buf, sizeof(buf), NULL, NULL) == 0 && t == type;
}

enum trawl_ioc_type trawl_ioc_detect(const char *s, size_t len)
{
    if (!s || len == 0 || len > TRAWL_IOC_MAX) return TRAWL_T_NONE;
    bool hex = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f) return TRAWL_T_NONE;
        hex &= is_hex(s[i]);
    }
    if (memmem(s, len, "://", 3))
        return normalises_as(TRAWL_T_URL, s, len) ? TRAWL_T_URL : TRAWL_T_NONE;
    if (memchr(s, '@', len))
        return normalises_as(TRAWL_T_EMAIL, s, len) ? TRAWL_T_EMAIL : TRAWL_T_NONE;
    if (memchr(s, '/', len)) return looks_cidr(s, len) ? TRAWL_T_CIDR : TRAWL_T_NONE;
    if (memchr(s, ':', len)) return looks_ipv6(s, len) ? TRAWL_T_IPV6 : TRAWL_T_NONE;
    if (hex) {
        switch (len) {
        case 32:
            return TRAWL_T_MD5;
        case 40:
            return TRAWL_T_SHA1;
        case 64:
            return TRAWL_T_SHA256;
        default:
            return TRAWL_T_NONE;
        }
    }
    uint32_t a4;
    if (trawl_ipv4_parse(s, len, &a4) == 0) return TRAWL_T_IPV4;
    return looks_domain(s, len) ? TRAWL_T_DOMAIN : TRAWL_T_NONE;
}
