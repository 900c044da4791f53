/* Names and parsers of the small enumerations of the indicator model:
 * indicator types, TLP 2.0 labels, severities and feed formats. Names are the
 * spellings written in hits and reports; parsers also accept the aliases and
 * translations seen in real feeds (MISP, STIX, CERT-FR). Pure and thread-safe. */
#include <string.h>

#include "trawl_ioc.h"

/* Longest label accepted by a parser, after trimming (bytes). */
#define LABEL_MAX 32

struct alias {
    const char *name;
    int value;
};

static const char *const type_names[TRAWL_T_COUNT] = {
    [TRAWL_T_IPV4] = "ipv4",         [TRAWL_T_IPV6] = "ipv6",     [TRAWL_T_CIDR] = "cidr",
    [TRAWL_T_DOMAIN] = "domain",     [TRAWL_T_URL] = "url",       [TRAWL_T_EMAIL] = "email",
    [TRAWL_T_MD5] = "md5",           [TRAWL_T_SHA1] = "sha1",     [TRAWL_T_SHA256] = "sha256",
    [TRAWL_T_FILENAME] = "filename", [TRAWL_T_STRING] = "string", [TRAWL_T_REGEX] = "regex",
};

static const char *const tlp_names[TRAWL_TLP_COUNT] = {
    [TRAWL_TLP_CLEAR] = "clear", [TRAWL_TLP_GREEN] = "green",
    [TRAWL_TLP_AMBER] = "amber", [TRAWL_TLP_AMBER_STRICT] = "amber+strict",
    [TRAWL_TLP_RED] = "red",
};

static const char *const severity_names[] = {
    [TRAWL_SEV_LOW] = "low",
    [TRAWL_SEV_MEDIUM] = "medium",
    [TRAWL_SEV_HIGH] = "high",
    [TRAWL_SEV_CRITICAL] = "critical",
};

static const char *const format_names[TRAWL_FMT_COUNT] = {
    [TRAWL_FMT_AUTO] = "auto", [TRAWL_FMT_PLAIN] = "plain", [TRAWL_FMT_CSV] = "csv",
    [TRAWL_FMT_STIX] = "stix", [TRAWL_FMT_MISP] = "misp",   [TRAWL_FMT_OPENIOC] = "openioc",
    [TRAWL_FMT_TEXT] = "text", [TRAWL_FMT_ZEEK] = "zeek",
};

/* Aliases, all lower case. The canonical names are looked up separately. */
static const struct alias type_aliases[] = {
    {"ip", TRAWL_T_IPV4},          {"ip4", TRAWL_T_IPV4},           {"ip-dst", TRAWL_T_IPV4},
    {"ip-src", TRAWL_T_IPV4},      {"ipv4-addr", TRAWL_T_IPV4},     {"ip6", TRAWL_T_IPV6},
    {"ipv6-addr", TRAWL_T_IPV6},   {"subnet", TRAWL_T_CIDR},        {"net", TRAWL_T_CIDR},
    {"hostname", TRAWL_T_DOMAIN},  {"fqdn", TRAWL_T_DOMAIN},        {"domain-name", TRAWL_T_DOMAIN},
    {"uri", TRAWL_T_URL},          {"e-mail", TRAWL_T_EMAIL},       {"mail", TRAWL_T_EMAIL},
    {"email-addr", TRAWL_T_EMAIL}, {"sha-1", TRAWL_T_SHA1},         {"sha-256", TRAWL_T_SHA256},
    {"file", TRAWL_T_FILENAME},    {"file_name", TRAWL_T_FILENAME}, {"file-name", TRAWL_T_FILENAME},
    {"str", TRAWL_T_STRING},       {"literal", TRAWL_T_STRING},     {"regexp", TRAWL_T_REGEX},
};

/* TLP words once a "TLP:" prefix is gone. French (CERT-FR) spellings included;
 * WHITE is the TLP 1.0 name of CLEAR, BLANC its French form. */
static const struct alias tlp_aliases[] = {
    {"clear", TRAWL_TLP_CLEAR},
    {"white", TRAWL_TLP_CLEAR},
    {"blanc", TRAWL_TLP_CLEAR},
    {"green", TRAWL_TLP_GREEN},
    {"vert", TRAWL_TLP_GREEN},
    {"amber", TRAWL_TLP_AMBER},
    {"ambre", TRAWL_TLP_AMBER},
    {"amber+strict", TRAWL_TLP_AMBER_STRICT},
    {"ambre+strict", TRAWL_TLP_AMBER_STRICT},
    {"red", TRAWL_TLP_RED},
    {"rouge", TRAWL_TLP_RED},
};

/* Severity words. The colours follow the usual alert scale (green < yellow <
 * orange < red). French forms are matched after folding, so "ÉLEVÉE" works;
 * the unaccented spellings are there for feeds that strip accents. */
static const struct alias severity_aliases[] = {
    {"low", TRAWL_SEV_LOW},
    {"medium", TRAWL_SEV_MEDIUM},
    {"high", TRAWL_SEV_HIGH},
    {"critical", TRAWL_SEV_CRITICAL},
    {"1", TRAWL_SEV_LOW},
    {"2", TRAWL_SEV_MEDIUM},
    {"3", TRAWL_SEV_HIGH},
    {"4", TRAWL_SEV_CRITICAL},
    {"green", TRAWL_SEV_LOW},
    {"yellow", TRAWL_SEV_MEDIUM},
    {"orange", TRAWL_SEV_HIGH},
    {"red", TRAWL_SEV_CRITICAL},
    {"faible", TRAWL_SEV_LOW},
    {"moyen", TRAWL_SEV_MEDIUM},
    {"moyenne", TRAWL_SEV_MEDIUM},
    {"haut", TRAWL_SEV_HIGH},
    {"haute", TRAWL_SEV_HIGH},
    {"\xc3\xa9lev\xc3\xa9", TRAWL_SEV_HIGH},     /* élevé */
    {"\xc3\xa9lev\xc3\xa9\x65", TRAWL_SEV_HIGH}, /* élevée */
    {"eleve", TRAWL_SEV_HIGH},
    {"elevee", TRAWL_SEV_HIGH},
    {"critique", TRAWL_SEV_CRITICAL},
};

static const struct alias format_aliases[] = {
    {"list", TRAWL_FMT_PLAIN},  {"txt", TRAWL_FMT_PLAIN},       {"free-text", TRAWL_FMT_TEXT},
    {"report", TRAWL_FMT_TEXT}, {"stix2", TRAWL_FMT_STIX},      {"ioc", TRAWL_FMT_OPENIOC},
    {"intel", TRAWL_FMT_ZEEK},  {"zeek-intel", TRAWL_FMT_ZEEK},
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Copies s without surrounding blanks into buf, folded to lower case: ASCII,
 * plus the Latin-1 capitals U+00C0-U+00DE (UTF-8 "\xc3\x80".."\xc3\x9e",
 * except U+00D7 MULTIPLICATION SIGN) so that French labels fold too.
 * Returns the length, or -1 when s is NULL, empty or too long. */
static int fold(const char *s, char buf[LABEL_MAX + 1])
{
    if (!s) return -1;
    while (is_blank(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    if (n == 0 || n > LABEL_MAX) return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = trawl_lower((char)c);
        if (c == 0xc3 && i + 1 < n) {
            unsigned char d = (unsigned char)s[i + 1];
            buf[++i] = (char)((d >= 0x80 && d <= 0x9e && d != 0x97) ? d + 0x20 : d);
        }
    }
    buf[n] = '\0';
    return (int)n;
}

static int lookup(const char *key, const char *const *names, int nnames, const struct alias *al,
                  size_t nal, int *out)
{
    for (int i = 0; i < nnames; i++) {
        if (names[i] && strcmp(key, names[i]) == 0) {
            *out = i;
            return TRAWL_OK;
        }
    }
    for (size_t i = 0; i < nal; i++) {
        if (strcmp(key, al[i].name) == 0) {
            *out = al[i].value;
            return TRAWL_OK;
        }
    }
    return TRAWL_EINVAL;
}

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

const char *trawl_ioc_type_name(int type)
{
    return (type >= 0 && type < TRAWL_T_COUNT) ? type_names[type] : NULL;
}

const char *trawl_tlp_name(int tlp)
{
    return (tlp >= 0 && tlp < TRAWL_TLP_COUNT) ? tlp_names[tlp] : NULL;
}

const char *trawl_severity_name(int sev)
{
    return (sev >= TRAWL_SEV_LOW && sev <= TRAWL_SEV_CRITICAL) ? severity_names[sev] : NULL;
}

const char *trawl_format_name(int fmt)
{
    return (fmt >= 0 && fmt < TRAWL_FMT_COUNT) ? format_names[fmt] : NULL;
}

int trawl_ioc_type_parse(const char *s, enum trawl_ioc_type *out)
{
    char buf[LABEL_MAX + 1];
    int v;
    if (fold(s, buf) < 0 ||
        lookup(buf, type_names, TRAWL_T_COUNT, type_aliases, NELEMS(type_aliases), &v) < 0)
        return TRAWL_EINVAL;
    *out = (enum trawl_ioc_type)v;
    return TRAWL_OK;
}

int trawl_tlp_parse(const char *s, enum trawl_tlp *out)
{
    char buf[LABEL_MAX + 1];
    int v;
    if (fold(s, buf) < 0) return TRAWL_EINVAL;
    /* "TLP:AMBER", "TLP: AMBER", "tlp : amber", "TLP AMBER": drop the prefix,
     * its colon and the blanks around it. A bare "TLP" or "TLP:" is not a label. */
    const char *p = buf;
    if (strncmp(p, "tlp", 3) == 0 && (buf[3] == ':' || is_blank(buf[3]))) {
        p += 3;
        while (is_blank(*p))
            p++;
        if (*p == ':') p++;
        while (is_blank(*p))
            p++;
    }
    if (lookup(p, NULL, 0, tlp_aliases, NELEMS(tlp_aliases), &v) < 0) return TRAWL_EINVAL;
    *out = (enum trawl_tlp)v;
    return TRAWL_OK;
}

int trawl_severity_parse(const char *s, enum trawl_severity *out)
{
    char buf[LABEL_MAX + 1];
    int v;
    if (fold(s, buf) < 0 ||
        lookup(buf, NULL, 0, severity_aliases, NELEMS(severity_aliases), &v) < 0)
        return TRAWL_EINVAL;
    *out = (enum trawl_severity)v;
    return TRAWL_OK;
}

int trawl_format_parse(const char *s, enum trawl_format *out)
{
    char buf[LABEL_MAX + 1];
    int v;
    if (fold(s, buf) < 0 ||
        lookup(buf, format_names, TRAWL_FMT_COUNT, format_aliases, NELEMS(format_aliases), &v) < 0)
        return TRAWL_EINVAL;
    *out = (enum trawl_format)v;
    return TRAWL_OK;
}
