/* Free-text datasheet loader: pulls indicators out of running text (threat
 * reports as .txt, Markdown, AsciiDoc or HTML), undoing defanging, skipping
 * what only looks like an indicator (version numbers, file names, detection
 * names, the report's own reference links), and applying a TLP marking found
 * in the document. sniff_text tells such a document from a one-value-per-line
 * list, which stays with the plain loader. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "load_internal.h"

/*
 * How a document is read
 * ----------------------
 * HTML is first turned into text: <script>, <style> and comments are
 * dropped, tags become blanks (cells <td>/<th> become '|', block tags such as
 * <p>, <li>, <tr>, <br> a soft line break that does not count as a line, and
 * <code>/<pre> mark code), and the common entities (&amp; &lt; &gt; &quot;
 * &apos; &nbsp; &#NN; &#xHH;) are decoded. Line numbers stay those of the
 * file. Attributes, and so href targets, are never read.
 *
 * Tokens. A line is cut at blanks and at characters that cannot be inside an
 * indicator: , ; < > " ' | ` ( ) [ ] { } \ and typographic quotes. A
 * bracketed defang marker ([.] (.) {.} [dot] (dot) [@] [at] (at) [:] [://]
 * [/]) is not a cut but part of the token, also with blanks around a dot or
 * at marker ("evil [.] com", "user [at] example [dot] com"). Each token loses
 * leading and trailing sentence punctuation (. , : ; ! ? * _ + ~), is
 * refanged by trawl_ioc_refang, and its type is detected by trawl_ioc_detect;
 * ipv4, ipv6 (three colons or more: "::1", "a::b" are not reported), cidr,
 * domain, url, email and md5/sha1/sha256 are kept. When the whole token is
 * not one, "host:port" loses its port and "word:value" ("Domain:evil.com",
 * "mailto:x@y.z") its prefix, and the rest is tried.
 *
 * What is not an indicator:
 *  - Version numbers. A dotted quad after the word version, ver, v, build,
 *    release, firmware, windows or rev is skipped ("Windows 10.0.19041.1"
 *    does not even parse as an address, "build 6.1.0.1" would). A quad inside
 *    a longer dotted run ("1.2.3.4.5") is one token that is not an address.
 *  - File names: detection already refuses domains ending in a common file
 *    extension (invoice.exe); a non-defanged "domain" right after a '\' is a
 *    path component (C:\Users\x\sam.save) and is skipped too.
 *  - Detection and class names (Trojan.Win32.Generic, Agent.ZWH): a
 *    non-defanged domain with a mixed-case label is skipped. Real host names
 *    are written in one case; a defanged one is kept whatever its case.
 *  - The document's references. A link target (AsciiDoc "URL[text]",
 *    "link:URL[", Markdown "](URL)") that is not defanged is a reference. And
 *    when the document defangs anything at all, a url, domain or e-mail that
 *    is NOT defanged counts only in a value context: a code span or code
 *    block (`x`, ++x++, ----, ```, <code>, <pre>), a table row, or a short
 *    line of at most two words (a list item, "* evil.com"). In running prose
 *    of such a document it is the author's own link or contact, not an IOC.
 *    IP addresses and hashes are never taken for references.
 * Skipped values are counted and reported in one warning per file.
 *
 * TLP. The first "TLP:LABEL" (also "TLP: LABEL", "TLP LABEL", any case,
 * English or French labels, AMBER+STRICT) sets the TLP of every indicator of
 * the document; otherwise the default TLP applies. Each value is loaded once
 * per document; the file name is the source.
 */

/* Soft line break (HTML block tags) and code block open/close, written into
 * the HTML-to-text output only. */
#define SOFT_NL '\x04'
#define CODE_OPEN '\x02'
#define CODE_CLOSE '\x03'

/* Bytes of a separator at p, 0 when *p can be part of a token. */
static size_t sep_len(const char *p, const char *end)
{
    unsigned char c = (unsigned char)*p;
    if (c <= 0x20 || c == 0x7f) return 1;
    if (strchr(",;<>\"'|`()[]{}\\", c)) return 1;
    if (c == 0xc2 && end - p >= 2) {
        unsigned char d = (unsigned char)p[1];
        if (d == 0xa0 || d == 0xab || d == 0xbb) return 2; /* nbsp, guillemets */
    }
    if (c == 0xe2 && end - p >= 3 && (unsigned char)p[1] == 0x80) {
        unsigned char d = (unsigned char)p[2];
        /* en/em dash, quotes, bullet, ellipsis, narrow spaces */
        if ((d >= 0x93 && d <= 0x9f) || d == 0xa2 || d == 0xa6 || d == 0xaf || d == 0x8b ||
            (d >= 0x80 && d <= 0x8a))
            return 3;
    }
    return 0;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

struct marker {
    const char *s;
    bool spaced; /* a dot or at marker: may stand between blanks */
};

static const struct marker markers[] = {
    {"[://]", false}, {"[:]", false},  {"[/]", false},  {"[.]", true},   {"(.)", true},
    {"{.}", true},    {"[dot]", true}, {"(dot)", true}, {"{dot}", true}, {"[@]", true},
    {"[at]", true},   {"(at)", true},  {"{at}", true},
};

/* Length of the defang marker at p (0 if none); *spaced says whether blanks
 * around it belong to the token. */
static size_t marker_len(const char *p, const char *end, bool *spaced)
{
    if (*p != '[' && *p != '(' && *p != '{') return 0;
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
        size_t n = strlen(markers[i].s);
        if ((size_t)(end - p) >= n && trawl_strncaseeq(p, markers[i].s, n)) {
            if (spaced) *spaced = markers[i].spaced;
            return n;
        }
    }
    return 0;
}

/* Does the document use defanging anywhere? */
static bool doc_defanged(const char *p, size_t len)
{
    const char *end = p + len;
    for (const char *q = p; q < end; q++) {
        if (marker_len(q, end, NULL)) return true;
        if ((*q == 'h' || *q == 'H') && end - q >= 5 && trawl_strncaseeq(q, "hxxp", 4) &&
            (q == p || !is_alpha(q[-1])))
            return true;
    }
    return false;
}

/* ---- TLP marking -------------------------------------------------------- */

static int find_tlp(const char *p, size_t len)
{
    const char *end = p + len;
    for (const char *q = p; end - q >= 4; q++) {
        if (!trawl_strncaseeq(q, "tlp", 3) || (q > p && (is_alpha(q[-1]) || is_digit(q[-1]))))
            continue;
        const char *r = q + 3;
        bool sep = false;
        while (r < end && (blank(*r) || *r == ':' || *r == '-' || *r == '=')) {
            r++;
            sep = true;
        }
        if (!sep) continue;
        const char *l = r;
        while (r < end && (is_alpha(*r) || *r == '+'))
            r++;
        size_t n = (size_t)(r - l);
        if (n == 0 || n > 20) continue;
        char label[24];
        memcpy(label, l, n);
        label[n] = 0;
        while (n && label[n - 1] == '+')
            label[--n] = 0;
        enum trawl_tlp t;
        if (trawl_tlp_parse(label, &t) == 0) return (int)t;
    }
    return -1;
}

/* ---- HTML to text ------------------------------------------------------- */

static bool tag_is(const char *name, size_t n, const char *const *set)
{
    for (size_t i = 0; set[i]; i++)
        if (strlen(set[i]) == n && trawl_strncaseeq(name, set[i], n)) return true;
    return false;
}

static int put_utf8(struct trawl_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = '?';
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return trawl_buf_put(b, u, n);
}

/* Decodes the entity at p ('&'); returns bytes consumed, 0 if not one. */
static size_t entity(const char *p, const char *end, struct trawl_buf *b, int *rc)
{
    static const struct {
        const char *name;
        const char *text;
    } named[] = {{"amp", "&"},   {"lt", "<"},    {"gt", ">"},     {"quot", "\""},
                 {"apos", "'"},  {"nbsp", " "},  {"ndash", "-"},  {"mdash", "-"},
                 {"lsquo", "'"}, {"rsquo", "'"}, {"ldquo", "\""}, {"rdquo", "\""}};
    const char *q = p + 1;
    const char *semi = memchr(q, ';', (size_t)(end - q) < 12 ? (size_t)(end - q) : 12);
    if (!semi) return 0;
    size_t n = (size_t)(semi - q);
    if (n >= 2 && q[0] == '#') {
        unsigned long cp = 0;
        bool hex = q[1] == 'x' || q[1] == 'X';
        size_t i = hex ? 2 : 1;
        if (i == n) return 0;
        for (; i < n; i++) {
            char ch = q[i];
            int d = is_digit(ch)                    ? ch - '0'
                    : hex && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : hex && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                    : -1;
            if (d < 0) return 0;
            cp = cp * (hex ? 16 : 10) + (unsigned long)d;
            if (cp > 0x10ffff) cp = 0x110000;
        }
        *rc = put_utf8(b, cp);
        return n + 2;
    }
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strlen(named[i].name) == n && memcmp(q, named[i].name, n) == 0) {
            *rc = trawl_buf_put(b, named[i].text, strlen(named[i].text));
            return n + 2;
        }
    return 0;
}

/* Copies the newlines of [p, q) so that line numbers survive. */
static int keep_newlines(struct trawl_buf *b, const char *p, const char *q)
{
    for (; p < q; p++)
        if (*p == '\n' && trawl_buf_putc(b, '\n')) return TRAWL_ENOMEM;
    return 0;
}

static int html_to_text(const char *p, size_t len, struct trawl_buf *b)
{
    static const char *const blocks[] = {
        "p",    "div",     "li",      "ul",     "ol",     "tr",         "br",    "hr",
        "h1",   "h2",      "h3",      "h4",     "h5",     "h6",         "table", "dt",
        "dd",   "section", "article", "header", "footer", "blockquote", "title", "body",
        "head", "html",    "nav",     "aside",  NULL};
    static const char *const cells[] = {"td", "th", NULL};
    static const char *const inline_code[] = {"code", "tt", "kbd", "samp", NULL};
    static const char *const skipped[] = {"script", "style", NULL};
    const char *end = p + len;
    int rc = 0;
    while (p < end && !rc) {
        if (*p == '&') {
            size_t n = entity(p, end, b, &rc);
            if (n) {
                p += n;
                continue;
            }
        }
        if (*p != '<') {
            rc = trawl_buf_putc(b, *p++);
            continue;
        }
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            const char *e = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
            e = e ? e + 3 : end;
            rc = keep_newlines(b, p, e);
            p = e;
            continue;
        }
        const char *q = p + 1;
        bool closing = q < end && *q == '/';
        if (closing) q++;
        const char *name = q;
        while (q < end && (is_alpha(*q) || is_digit(*q)))
            q++;
        size_t nl = (size_t)(q - name);
        if (nl == 0 && !(q < end && (*q == '!' || *q == '?'))) {
            rc = trawl_buf_putc(b, *p++); /* a lone '<' in text */
            continue;
        }
        const char *gt = memchr(q, '>', (size_t)(end - q));
        const char *te = gt ? gt + 1 : end;
        rc = keep_newlines(b, p, te);
        if (rc) break;
        if (!closing && tag_is(name, nl, skipped)) {
            /* skip to the matching close tag */
            const char *s = te;
            for (;;) {
                const char *lt = memchr(s, '<', (size_t)(end - s));
                if (!lt || end - lt < 2 + (ptrdiff_t)nl) {
                    s = end;
                    break;
                }
                if (lt[1] == '/' && trawl_strncaseeq(lt + 2, name, nl)) {
                    const char *g = memchr(lt, '>', (size_t)(end - lt));
                    s = g ? g + 1 : end;
                    break;
                }
                s = lt + 1;
            }
            rc = keep_newlines(b, te, s);
            p = s;
            continue;
        }
        char out = ' ';
        if (tag_is(name, nl, cells))
            out = '|';
        else if (nl == 3 && trawl_strncaseeq(name, "pre", 3))
            out = closing ? CODE_CLOSE : CODE_OPEN;
        else if (tag_is(name, nl, inline_code))
            out = '`';
        else if (tag_is(name, nl, blocks))
            out = SOFT_NL;
        if (!rc) rc = trawl_buf_putc(b, out);
        p = te;
    }
    return rc;
}

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && trawl_strcaseeq(name + n - e, ext);
}

static bool markup_name(const char *name)
{
    return name && (has_ext(name, ".md") || has_ext(name, ".markdown") || has_ext(name, ".adoc") ||
                    has_ext(name, ".asciidoc") || has_ext(name, ".html") || has_ext(name, ".htm"));
}

static bool looks_html(const char *name, const char *p, size_t len)
{
    if (name && (has_ext(name, ".html") || has_ext(name, ".htm"))) return true;
    const char *end = p + (len < 1024 ? len : 1024);
    load_skip_bom(&p, end);
    while (p < end && (blank(*p) || *p == '\n' || *p == '\r'))
        p++;
    size_t n = (size_t)(end - p);
    return (n >= 14 && trawl_strncaseeq(p, "<!doctype html", 14)) ||
           (n >= 5 && trawl_strncaseeq(p, "<html", 5));
}

/* ---- extraction ----------------------------------------------------------- */

struct tx {
    struct load_ctx *c;
    struct trawl_iocset *seen; /* values already loaded from this document */
    struct load_item it;
    bool defanged; /* the document uses defanging */
    bool code;     /* inside a code block */
    bool table;    /* inside an AsciiDoc |=== table */
    unsigned long skipped_ref, skipped_ver, skipped_name;
    unsigned long first_skip_line;
    char first_skip[80];
};

/* Per-token facts gathered by the line scanner. */
struct tok {
    const char *s; /* raw bytes, defang markers included */
    size_t n;
    bool value_ctx;    /* code span/block, table row or short line */
    bool link;         /* a link target or a link's label */
    bool fragment;     /* glued to a bracket: cut from a longer name ("x{1,30}[.]evil.com") */
    bool after_bslash; /* right after a '\' */
    const char *prev;  /* previous word on the line, or NULL */
    size_t prevn;
};

static bool strip_char(char c)
{
    return c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == '?' || c == '*' ||
           c == '_' || c == '+' || c == '~' || c == '=';
}

static void note_skip(struct tx *x, unsigned long *counter, unsigned long line, const char *v,
                      size_t n)
{
    (*counter)++;
    if (!x->first_skip_line) {
        x->first_skip_line = line;
        snprintf(x->first_skip, sizeof(x->first_skip), "%.*s", (int)(n < 60 ? n : 60), v);
    }
}

static bool version_word(const char *w, size_t n)
{
    static const char *const words[] = {"version",  "ver",     "v",   "build",    "release",
                                        "firmware", "windows", "rev", "revision", NULL};
    while (n && strip_char(w[n - 1]))
        n--;
    for (size_t i = 0; words[i]; i++)
        if (strlen(words[i]) == n && trawl_strncaseeq(w, words[i], n)) return true;
    return false;
}

static bool mixed_case_label(const char *v, size_t n)
{
    bool up = false, low = false;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || v[i] == '.') {
            if (up && low) return true;
            up = low = false;
            continue;
        }
        up |= v[i] >= 'A' && v[i] <= 'Z';
        low |= v[i] >= 'a' && v[i] <= 'z';
    }
    return false;
}

/* Extensions of files that turn up in reports and that are not top-level
 * domains (trawl_ioc_detect already refuses the common ones: exe, dll...).
 * A name ending in one can only be a file. */
static bool file_tld(const char *v, size_t n)
{
    static const char *const exts[] = {
        "cer",  "cnf",  "config", "crt",  "cvr", "der", "dmp",      "dylib", "etl",  "evtx",
        "hwp",  "ion",  "ioc",    "ldb",  "lib", "lst", "manifest", "mui",   "obj",  "old",
        "orig", "pcap", "pcapng", "pdb",  "pem", "pfx", "plist",    "res",   "rule", "rules",
        "sct",  "sdb",  "swp",    "temp", "tlb", "wsc", "yar",      "yara",  NULL};
    const char *dot = NULL;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '.') dot = v + i;
    if (!dot) return false;
    size_t el = (size_t)(v + n - dot - 1);
    for (size_t i = 0; exts[i]; i++)
        if (strlen(exts[i]) == el && trawl_strncaseeq(dot + 1, exts[i], el)) return true;
    return false;
}

static bool wanted(enum trawl_ioc_type t)
{
    return t == TRAWL_T_IPV4 || t == TRAWL_T_IPV6 || t == TRAWL_T_CIDR || t == TRAWL_T_DOMAIN ||
           t == TRAWL_T_URL || t == TRAWL_T_EMAIL || t == TRAWL_T_MD5 || t == TRAWL_T_SHA1 ||
           t == TRAWL_T_SHA256;
}

static enum trawl_ioc_type detect_kept(const char *v, size_t n)
{
    enum trawl_ioc_type t = trawl_ioc_detect(v, n);
    if (!wanted(t)) return TRAWL_T_NONE;
    if (t == TRAWL_T_EMAIL) {
        /* Stricter than detection: "host/dir/name@1166_3054.exe" is a path */
        const char *at = memchr(v, '@', n);
        for (const char *q = v; q < at; q++)
            if (!is_alpha(*q) && !is_digit(*q) && !strchr("._%+-", *q)) return TRAWL_T_NONE;
        if (trawl_ioc_detect(at + 1, (size_t)(v + n - at - 1)) != TRAWL_T_DOMAIN)
            return TRAWL_T_NONE;
    }
    if (t == TRAWL_T_IPV6) {
        size_t colons = 0;
        for (size_t i = 0; i < n; i++)
            colons += v[i] == ':';
        if (colons < 3) return TRAWL_T_NONE;
    }
    return t;
}

/* One token: clean, refang, detect, filter, load. */
static int do_token(struct tx *x, unsigned long line, const struct tok *k)
{
    const char *s = k->s;
    size_t n = k->n;
    while (n && strip_char(*s)) {
        s++;
        n--;
    }
    while (n && (strip_char(s[n - 1]) || s[n - 1] == '-'))
        n--;
    if (n < 4 || n > TRAWL_IOC_MAX) return 0;
    char buf[TRAWL_IOC_MAX + 1];
    size_t rn = trawl_ioc_refang(s, n, buf, sizeof(buf));
    if (rn == (size_t)-1) return 0;
    bool defanged = rn != n || memcmp(buf, s, n) != 0;
    const char *v = buf;
    enum trawl_ioc_type t = detect_kept(v, rn);
    const char *colon = memchr(v, ':', rn);
    if (t == TRAWL_T_NONE && colon && !memchr(colon + 1, ':', (size_t)(v + rn - colon - 1)) &&
        !memmem(v, rn, "://", 3)) {
        size_t pn = (size_t)(v + rn - colon - 1), i = 0;
        while (i < pn && is_digit(colon[1 + i]))
            i++;
        const char *w = v;
        while (w < colon && is_alpha(*w))
            w++;
        if (pn >= 1 && pn <= 5 && i == pn) {
            rn = (size_t)(colon - v); /* "host:port" */
            t = detect_kept(v, rn);
        } else if (w == colon && colon > v) {
            rn -= (size_t)(colon + 1 - v); /* "word:value" */
            v = colon + 1;
            t = detect_kept(v, rn);
        }
    }
    const char *slash = memchr(v, '/', rn);
    if (t == TRAWL_T_NONE && slash && slash > v && (defanged || k->value_ctx) &&
        !memmem(v, rn, "://", 3) && rn + 7 < sizeof(buf)) {
        /* "evil[.]com/gate.php": a URL without its scheme */
        enum trawl_ioc_type ht = detect_kept(v, (size_t)(slash - v));
        if (ht == TRAWL_T_DOMAIN || ht == TRAWL_T_IPV4) {
            memmove(buf + 7, v, rn);
            memcpy(buf, "http://", 7);
            v = buf;
            rn += 7;
            buf[rn] = 0;
            t = detect_kept(v, rn);
        }
    }
    if (t == TRAWL_T_NONE) return 0;

    if (k->fragment) {
        note_skip(x, &x->skipped_name, line, v, rn);
        return 0;
    }
    if (t == TRAWL_T_IPV4 && k->prev && version_word(k->prev, k->prevn)) {
        note_skip(x, &x->skipped_ver, line, v, rn);
        return 0;
    }
    if (!defanged && t == TRAWL_T_DOMAIN &&
        (k->after_bslash || mixed_case_label(v, rn) || memchr(v, '_', rn) || file_tld(v, rn))) {
        note_skip(x, &x->skipped_name, line, v, rn);
        return 0;
    }
    if (!defanged && (t == TRAWL_T_URL || t == TRAWL_T_DOMAIN || t == TRAWL_T_EMAIL) &&
        (k->link || (x->defanged && !k->value_ctx))) {
        note_skip(x, &x->skipped_ref, line, v, rn);
        return 0;
    }

    /* once per document */
    char norm[TRAWL_IOC_MAX + 1];
    enum trawl_ioc_type nt = t;
    if (trawl_ioc_normalise(&nt, v, rn, norm, sizeof(norm), NULL, NULL) != 0) return 0;
    struct trawl_ioc_rec rec = {.type = nt,
                                .value = norm,
                                .tlp = TRAWL_TLP_CLEAR,
                                .severity = TRAWL_SEV_LOW,
                                .source = "-",
                                .confidence = -1};
    int r = trawl_iocset_add(x->seen, &rec);
    if (r < 0) return r;
    if (r == 1) return 0;
    struct load_item it = x->it;
    it.type = nt;
    return load_add(x->c, line, norm, strlen(norm), &it);
}

/* Words in [p, e), not counting a leading list bullet or number. */
static size_t count_words(const char *p, const char *e, bool *bullet)
{
    size_t n = 0;
    bool first = true;
    if (bullet) *bullet = false;
    while (p < e) {
        while (p < e && blank(*p))
            p++;
        if (p == e) break;
        const char *w = p;
        while (p < e && !blank(*p))
            p++;
        size_t wl = (size_t)(p - w), k = 0;
        while (k < wl && strchr("*-+.0123456789", w[k]) &&
               w[k]) /* bounded: w is not NUL-terminated */
            k++;
        bool b = first && ((wl <= 3 && k == wl && w[0] != '.') ||
                           (wl == 3 && memcmp(w, "\xe2\x80\xa2", 3) == 0));
        if (b && bullet) *bullet = true;
        if (!b) n++;
        first = false;
    }
    return n;
}

static bool fence(const char *p, size_t n)
{
    if (n == 4 && (memcmp(p, "----", 4) == 0 || memcmp(p, "....", 4) == 0)) return true;
    return n >= 3 && (memcmp(p, "```", 3) == 0 || memcmp(p, "~~~", 3) == 0);
}

static bool table_delim(const char *p, size_t n)
{
    return n >= 4 && memcmp(p, "|===", 4) == 0;
}

/* A heading (Markdown "# x", AsciiDoc "== x", block title ".Title") is
 * prose, never a list of values. */
static bool heading(const char *p, size_t n)
{
    if (n >= 2 && (p[0] == '#' || p[0] == '=')) {
        size_t i = 0;
        while (i < n && p[i] == p[0])
            i++;
        return i < n && blank(p[i]);
    }
    return n >= 2 && p[0] == '.' && p[1] != '.' && !blank(p[1]);
}

/* Next line of [p, end): [*ls, *le) trimmed; returns the start of the line
 * after it and sets *soft when the line ended at a soft break. */
static const char *next_line(const char *p, const char *end, const char **ls, size_t *ln,
                             bool *soft)
{
    const char *e = p;
    while (e < end && *e != '\n' && *e != SOFT_NL)
        e++;
    *soft = e < end && *e == SOFT_NL;
    *ls = p;
    *ln = (size_t)(e - p);
    load_trim(ls, ln);
    return e < end ? e + 1 : end;
}

/* Is every line of the paragraph starting at p short (two words at most, no
 * heading)? A paragraph ends at a blank line, a soft break, a fence or a
 * table delimiter. A short line inside running prose is a wrapped sentence,
 * not a list entry. */
static bool paragraph_short(const char *p, const char *end)
{
    while (p < end) {
        const char *s;
        size_t n;
        bool soft;
        p = next_line(p, end, &s, &n, &soft);
        if (n == 0 || fence(s, n) || table_delim(s, n)) break;
        if (heading(s, n) || count_words(s, s + n, NULL) > 2) return false;
        if (soft) break;
    }
    return true;
}

/* Words of the table cell starting at p (after a '|'). */
static size_t cell_words(const char *p, const char *end)
{
    const char *e = memchr(p, '|', (size_t)(end - p));
    return count_words(p, e ? e : end, NULL);
}

static int do_line(struct tx *x, unsigned long line, const char *s, size_t n, bool para_short)
{
    bool row = x->table || s[0] == '|';
    bool bullet;
    size_t words = count_words(s, s + n, &bullet);
    bool line_short = !heading(s, n) && words <= 2 && (bullet || para_short);
    bool cell_short = row && cell_words(s, s + n) <= 2;
    bool span = false, label = false, after_link = false;
    const char *prev = NULL;
    size_t prevn = 0;
    const char *q = s, *end = s + n;
    while (q < end) {
        if (*q == CODE_OPEN || *q == CODE_CLOSE) {
            x->code = *q == CODE_OPEN;
            q++;
            continue;
        }
        size_t sl = sep_len(q, end);
        if (sl) {
            if (*q == '`') span = !span;
            if (*q == '|') cell_short = cell_words(q + 1, end) <= 2;
            if (*q == '[' && after_link) label = true;
            if (*q == ']') label = false;
            after_link = false;
            q += sl;
            continue;
        }
        /* a token: up to the next separator that is not part of a marker */
        const char *ts = q;
        while (q < end) {
            bool spaced = false;
            size_t ml = marker_len(q, end, &spaced);
            if (ml) {
                q += ml;
                continue;
            }
            if (blank(*q) && q > ts) {
                /* "evil [.] com": blanks, a dot/at marker, blanks, more token */
                const char *b = q;
                while (b < end && blank(*b))
                    b++;
                ml = b < end ? marker_len(b, end, &spaced) : 0;
                if (ml && spaced) {
                    const char *a = b + ml;
                    while (a < end && blank(*a))
                        a++;
                    if (a < end && !sep_len(a, end)) {
                        q = a;
                        continue;
                    }
                }
                break;
            }
            if (sep_len(q, end)) break;
            q++;
        }
        size_t tn = (size_t)(q - ts);
        bool target = (q < end && *q == '[') || (ts - s >= 2 && ts[-1] == '(' && ts[-2] == ']') ||
                      (tn > 5 && trawl_strncaseeq(ts, "link:", 5));
        struct tok k = {
            .s = ts,
            .n = tn,
            .value_ctx = x->code || span || (row ? cell_short : line_short),
            .link = target || label,
            .fragment = (ts > s && (ts[-1] == '}' || ts[-1] == ']' || ts[-1] == ')')) ||
                        marker_len(ts, q, NULL),
            .after_bslash = ts > s && ts[-1] == '\\',
            .prev = prev,
            .prevn = prevn,
        };
        int r = do_token(x, line, &k);
        if (r < 0) return r;
        after_link = target;
        prev = ts;
        prevn = tn;
    }
    return 0;
}

int load_text(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    struct trawl_buf html = {0};
    const char *p = data, *end = data + len;
    load_skip_bom(&p, end);
    int r = 0;
    if (looks_html(c->name, p, (size_t)(end - p))) {
        r = html_to_text(p, (size_t)(end - p), &html);
        if (r) {
            trawl_buf_free(&html);
            return trawl_error_set(err, r, c->name, "%s", trawl_strerror(r));
        }
        p = html.data ? html.data : "";
        end = p + html.len;
    }
    struct tx x = {.c = c};
    load_item_init(&x.it);
    x.it.tlp = find_tlp(p, (size_t)(end - p));
    x.defanged = doc_defanged(p, (size_t)(end - p));
    r = trawl_iocset_new(&x.seen);
    unsigned long line = 1;
    bool in_para = false, para_short = false;
    /* '#' starts a comment line in .txt and other plain-text input; in
     * Markdown it is a heading, and HTML and AsciiDoc have other comments. */
    bool comments = !html.data && !markup_name(c->name);
    while (!r && p < end) {
        const char *s;
        size_t n;
        bool soft;
        const char *next = next_line(p, end, &s, &n, &soft);
        c->stats->lines += !soft;
        if (n == 0) {
            in_para = false;
        } else if (fence(s, n)) {
            x.code = !x.code;
            in_para = false;
        } else if (table_delim(s, n)) {
            x.table = !x.table;
            in_para = false;
        } else if (comments && s[0] == '#') {
            /* a comment, as in plain lists */
        } else {
            if (!in_para) para_short = paragraph_short(p, end);
            in_para = !soft;
            r = do_line(&x, line, s, n, para_short);
        }
        line += !soft && next > p && next[-1] == '\n';
        p = next;
    }
    unsigned long skipped = x.skipped_ref + x.skipped_ver + x.skipped_name;
    if (!r && skipped && c->diag) {
        char msg[512];
        snprintf(msg, sizeof(msg),
                 "%lu value(s) not taken as indicators: %lu reference link(s)%s, %lu version "
                 "number(s), %lu file or detection name(s) (first: line %lu \"%s\")",
                 skipped, x.skipped_ref, x.defanged ? " (not defanged in a defanged document)" : "",
                 x.skipped_ver, x.skipped_name, x.first_skip_line, x.first_skip);
        c->stats->warnings++;
        c->diag(c->ud, c->name, 0, false, msg);
    }
    trawl_iocset_free(x.seen);
    trawl_buf_free(&html);
    if (r < 0) return trawl_error_set(err, r, c->name, "%s", trawl_strerror(r));
    return 0;
}

/* ---- sniffing --------------------------------------------------------------- */

/*
 * Prose or list? Markdown, AsciiDoc and HTML names are prose, and so is
 * content that starts like an HTML document; JSON and other XML never are.
 * Other input is prose when the plain loader would lose indicators in it, or
 * when it reads like sentences. Over the first 2000 non-blank lines that do
 * not start with '#' (a "#fields" line means Zeek: never prose), after
 * cutting a plain-list comment (" #...") and a Loki ";comment":
 *  - when more than half of the lines hold a ';', it is a Loki/THOR list
 *    ("VALUE;SCORE"), never prose;
 *  - a line that is one word is a list entry or a heading: fine for plain;
 *  - a line of several words that holds a token detected as an indicator
 *    ("hash  C:\path", "- evil[.]com", "(... 'http://1.2.3.4/x.exe' ...)")
 *    would be rejected whole by the plain loader: one such line makes the
 *    input prose;
 *  - two lines of several words after the first value are section headings
 *    or notes between lists ("Campaign 1 - Ryuk Ransomware", a command
 *    line): a report, not a list;
 *  - otherwise, more than 30% of lines of three words or more make it prose.
 * A list with a title block before its values ("APPENDIX B:", "73 SHA256
 * FILE HASHES ...") stays plain, and so does a list with single-word
 * values plain rejects: they are reported, not silently dropped.
 */
bool sniff_text(const char *name, const char *data, size_t len)
{
    if (markup_name(name)) return true;
    if (looks_html(NULL, data, len)) return true;
    const char *p = data, *end = data + len;
    load_skip_bom(&p, end);
    /* JSON and (non-HTML) XML are structured formats, not prose. */
    const char *f = p;
    while (f < end && (blank(*f) || *f == '\n' || *f == '\r'))
        f++;
    if (f < end && (*f == '{' || *f == '[' || *f == '<')) return false;
    size_t lines = 0, sentences = 0, interleaved = 0, mixed = 0, semis = 0;
    bool seen_value = false;
    while (p < end && lines < 2000) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p;
        size_t n = (size_t)((nl ? nl : end) - p);
        p = nl ? nl + 1 : end;
        load_trim(&s, &n);
        if (n == 0) continue;
        if (s[0] == '#') {
            if (n > 7 && memcmp(s, "#fields", 7) == 0) return false;
            continue;
        }
        lines++;
        for (size_t i = 1; i < n; i++)
            if (s[i] == '#' && load_isblank(s[i - 1])) {
                n = i;
                break;
            }
        const char *semi = memchr(s, ';', n);
        semis += semi != NULL;
        if (semi && !memmem(s, (size_t)(semi - s), "://", 3)) n = (size_t)(semi - s);
        load_trim(&s, &n);
        size_t words = 0;
        bool indicator = false;
        for (size_t i = 0; i < n;) {
            while (i < n && load_isblank(s[i]))
                i++;
            if (i == n) break;
            size_t w = i;
            while (i < n && !load_isblank(s[i]))
                i++;
            words++;
            /* the word's tokens, cut as the text loader would */
            const char *q = s + w, *we = s + i;
            while (!indicator && q < we) {
                while (q < we && sep_len(q, we) && !marker_len(q, we, NULL))
                    q += sep_len(q, we);
                const char *ts = q;
                while (q < we) {
                    size_t ml = marker_len(q, we, NULL);
                    if (ml) {
                        q += ml;
                        continue;
                    }
                    if (sep_len(q, we)) break;
                    q++;
                }
                const char *a = ts;
                size_t an = (size_t)(q - ts);
                while (an && strip_char(*a))
                    a++, an--;
                while (an && strip_char(a[an - 1]))
                    an--;
                char buf[TRAWL_IOC_MAX + 1];
                size_t rn = an >= 4 && an <= TRAWL_IOC_MAX
                                ? trawl_ioc_refang(a, an, buf, sizeof(buf))
                                : (size_t)-1;
                if (rn != (size_t)-1 && detect_kept(buf, rn) != TRAWL_T_NONE) indicator = true;
            }
        }
        if (words >= 2 && indicator) mixed++;
        if (words == 1 && indicator) seen_value = true;
        if (words >= 2 && seen_value) interleaved++;
        sentences += words >= 3;
    }
    if (semis * 2 > lines) return false;
    return mixed >= 1 || interleaved >= 2 || sentences * 10 > lines * 3;
}
