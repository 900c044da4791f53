/* OpenIOC 1.0 (Mandiant, http://schemas.mandiant.com/2010/ioc) and 1.1
 * (http://openioc.org/schemas/OpenIOC_1.1) loader. An IOC is a boolean tree
 * of Indicator (AND/OR) and IndicatorItem (Context search + condition +
 * Content) nodes; trawl keeps the parts of the tree that are a plain union of
 * single values it can match, and reports the rest instead of guessing. The
 * XML is parsed by libxml2 without network access or entity expansion. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "load_internal.h"

#define NS_10 "http://schemas.mandiant.com/2010/ioc"
#define NS_11 "http://openioc.org/schemas/OpenIOC_1.1"

/*
 * What becomes an indicator
 * -------------------------
 * Tree semantics. An OR node is the union of its children, so each child
 * that can be expressed gives indicators of its own and the others are
 * reported (the IOC then matches less than it says, never more). An AND node
 * with a single child is that child. An AND node with two or more children
 * is reported once, with its id, and nothing under it is loaded: turning
 * "md5 is X AND path is not Y" into "md5 is X" would fire where the IOC does
 * not. The top of the tree (definition / criteria) is read as an OR.
 *
 * Items. Negated items (negate="true", or the 1.0 conditions "isnot" and
 * "containsnot") are skipped with a warning. Otherwise the Context's search
 * path decides the type:
 *   - a last path step ending in md5 / md5sum / sha1 / sha1sum / sha256 /
 *     sha256sum (FileItem/Md5sum, fileWriteEvent/md5, ServiceItem/
 *     serviceDLLmd5sum...) is that hash, condition "is";
 *   - DNS names (DnsEntryItem/RecordName, /Host, Network/DNS, UrlHistoryItem/
 *     HostName, HX dnsLookupEvent/hostname, urlMonitorEvent/hostname): "is"
 *     gives an exact domain (no subdomains: "is" means equal), "contains" a
 *     domain that also matches its subdomains when the value is a domain;
 *   - remote addresses (PortItem/remoteIP, ProcessItem/PortList/PortItem/
 *     remoteIP, RouteEntryItem/Destination, DnsEntryItem/RecordData/
 *     IPv4Address, HX ipv4NetworkEvent/remoteIP): ipv4, ipv6 or cidr, "is";
 *   - URLs (UrlHistoryItem/URL, Network/URI, Network/HTTP_Referr, HX
 *     urlMonitorEvent/requestUrl): "is" a full "scheme://" URL gives a url;
 *     anything else ("is /gate.php", "contains /gate.php") gives a string;
 *   - strings (Network/String, Network/UserAgent, HX urlMonitorEvent/
 *     userAgent): "is" or "contains" gives a string;
 *   - e-mail addresses (Email/From, To, Sender, ReplyTo, CC, BCC): "is";
 *   - file names (FileItem/FileName, ProcessItem/name, HX fileWriteEvent/
 *     fileName, imageLoadEvent/fileName): "is" gives a filename;
 *   - full paths (FileItem/FullPath, ProcessItem/path is only the directory
 *     and is not used; HX fileWriteEvent/fullPath, imageLoadEvent/fullPath,
 *     processEvent/processPath): "is" gives a string of the whole path. The
 *     file-name part alone would be far less specific than the IOC
 *     ("C:\Windows\System32\svchost.exe" vs every svchost.exe).
 * Strings and paths are case-insensitive unless preserve-case="true" (1.0
 * has no such attribute and matches without case). Other searches and
 * conditions (starts-with, ends-with, matches, greater-than...) are skipped
 * with a warning naming the item. The source of every indicator is the
 * IOC's short_description when it has one, else the default source.
 */

enum oclass {
    OC_MD5,
    OC_SHA1,
    OC_SHA256,
    OC_IP,
    OC_DOMAIN,
    OC_URL,
    OC_STRING,
    OC_EMAIL,
    OC_FILENAME,
    OC_PATH,
};

static const struct {
    const char *search;
    enum oclass cls;
} contexts[] = {
    {"DnsEntryItem/RecordName", OC_DOMAIN},
    {"DnsEntryItem/Host", OC_DOMAIN},
    {"DnsEntryItem/RecordData/Host", OC_DOMAIN},
    {"DnsEntryItem/RecordData/IPv4Address", OC_IP},
    {"Network/DNS", OC_DOMAIN},
    {"UrlHistoryItem/HostName", OC_DOMAIN},
    {"dnsLookupEvent/hostname", OC_DOMAIN},
    {"urlMonitorEvent/hostname", OC_DOMAIN},
    {"PortItem/remoteIP", OC_IP},
    {"ProcessItem/PortList/PortItem/remoteIP", OC_IP},
    {"RouteEntryItem/Destination", OC_IP},
    {"ipv4NetworkEvent/remoteIP", OC_IP},
    {"urlMonitorEvent/remoteIpAddress", OC_IP},
    {"UrlHistoryItem/URL", OC_URL},
    {"Network/URI", OC_URL},
    {"Network/HTTP_Referr", OC_URL},
    {"urlMonitorEvent/requestUrl", OC_URL},
    {"Network/String", OC_STRING},
    {"Network/UserAgent", OC_STRING},
    {"urlMonitorEvent/userAgent", OC_STRING},
    {"Email/From", OC_EMAIL},
    {"Email/To", OC_EMAIL},
    {"Email/Sender", OC_EMAIL},
    {"Email/ReplyTo", OC_EMAIL},
    {"Email/CC", OC_EMAIL},
    {"Email/BCC", OC_EMAIL},
    {"FileItem/FileName", OC_FILENAME},
    {"ProcessItem/name", OC_FILENAME},
    {"fileWriteEvent/fileName", OC_FILENAME},
    {"imageLoadEvent/fileName", OC_FILENAME},
    {"FileItem/FullPath", OC_PATH},
    {"fileWriteEvent/fullPath", OC_PATH},
    {"imageLoadEvent/fullPath", OC_PATH},
    {"processEvent/processPath", OC_PATH},
};

/* Nesting deeper than this is refused (libxml2 caps the document at 256). */
#define MAX_DEPTH 256

struct oi {
    struct load_ctx *c;
    const char *ioc_id;
    const char *source; /* short_description or NULL */
    bool v10;
};

static bool is_elem(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (strcmp((const char *)a->name, name) != 0) continue;
        const xmlNode *t = a->children;
        return (t && t->type == XML_TEXT_NODE && t->content) ? (const char *)t->content : "";
    }
    return NULL;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if (is_elem(k, name)) return k;
    return NULL;
}

static unsigned long line_of(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 ? (unsigned long)l : 0;
}

/* The text of an element: its text and CDATA children only. Entity
 * references are never followed (no expansion, no external fetches). */
static int text_of(const xmlNode *n, struct trawl_buf *b)
{
    b->len = 0;
    for (const xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
            if (trawl_buf_put(b, k->content, strlen((const char *)k->content))) return TRAWL_ENOMEM;
    return trawl_buf_putc(b, 0) ? TRAWL_ENOMEM : 0;
}

static const char *id_or(const xmlNode *n)
{
    const char *id = attr(n, "id");
    return id && *id ? id : "(no id)";
}

/* Does the last step of a search path end in a hash name? */
static int hash_class(const char *search)
{
    const char *last = strrchr(search, '/');
    last = last ? last + 1 : search;
    size_t n = strlen(last);
    static const struct {
        const char *suffix;
        enum oclass cls;
    } h[] = {{"md5sum", OC_MD5}, {"md5", OC_MD5},          {"sha1sum", OC_SHA1},
             {"sha1", OC_SHA1},  {"sha256sum", OC_SHA256}, {"sha256", OC_SHA256}};
    for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++) {
        size_t s = strlen(h[i].suffix);
        if (n >= s && trawl_strcaseeq(last + n - s, h[i].suffix)) return (int)h[i].cls;
    }
    return -1;
}

static int context_class(const char *search)
{
    int h = hash_class(search);
    if (h >= 0) return h;
    for (size_t i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++)
        if (trawl_strcaseeq(search, contexts[i].search)) return (int)contexts[i].cls;
    return -1;
}

/* One IndicatorItem: loads it or says why not. */
static int do_item(struct oi *o, const xmlNode *item, struct trawl_buf *tb)
{
    struct load_ctx *c = o->c;
    unsigned long line = line_of(item);
    const char *id = id_or(item);
    const char *cond = attr(item, "condition");
    const char *neg = attr(item, "negate");
    c->stats->lines++;
    if (!cond) cond = "";
    if ((neg && trawl_strcaseeq(neg, "true")) || trawl_strcaseeq(cond, "isnot") ||
        trawl_strcaseeq(cond, "containsnot")) {
        load_warn(c, line, "item %s: negated condition cannot be an indicator; skipped", id);
        return 0;
    }
    const xmlNode *ctx = child(item, "Context"), *content = child(item, "Content");
    const char *search = ctx ? attr(ctx, "search") : NULL;
    if (!search || !content) {
        load_warn(c, line, "item %s: no Context search or no Content; skipped", id);
        return 0;
    }
    int cls = context_class(search);
    bool is = trawl_strcaseeq(cond, "is"), contains = trawl_strcaseeq(cond, "contains");
    if (cls < 0) {
        load_warn(c, line, "item %s: search \"%.100s\" is not supported; skipped", id, search);
        return 0;
    }
    bool contains_ok = cls == OC_URL || cls == OC_STRING || cls == OC_DOMAIN;
    if (!is && !(contains && contains_ok)) {
        load_warn(c, line, "item %s: condition \"%.40s\" on %.100s is not supported; skipped", id,
                  cond, search);
        return 0;
    }
    int r = text_of(content, tb);
    if (r) return r;
    const char *v = tb->data;
    size_t n = tb->len - 1;
    load_trim(&v, &n);
    while (n && (*v == '\n' || v[n - 1] == '\n')) {
        if (*v == '\n')
            v++, n--;
        else
            n--;
        load_trim(&v, &n);
    }
    unsigned long vline = line_of(content);

    struct load_item it;
    load_item_init(&it);
    it.source = o->source;
    const char *pc = attr(item, "preserve-case");
    bool nocase = !(pc && trawl_strcaseeq(pc, "true"));
    char rb[TRAWL_IOC_MAX + 1];
    size_t rn;
    switch ((enum oclass)cls) {
    case OC_MD5:
        it.type = TRAWL_T_MD5;
        break;
    case OC_SHA1:
        it.type = TRAWL_T_SHA1;
        break;
    case OC_SHA256:
        it.type = TRAWL_T_SHA256;
        break;
    case OC_EMAIL:
        it.type = TRAWL_T_EMAIL;
        break;
    case OC_FILENAME:
        it.type = TRAWL_T_FILENAME;
        break;
    case OC_DOMAIN:
        it.type = TRAWL_T_DOMAIN;
        if (is) {
            it.flags = TRAWL_IOC_EXACT;
        } else {
            rn = trawl_ioc_refang(v, n, rb, sizeof(rb));
            if (rn == (size_t)-1 || trawl_ioc_detect(rb, rn) != TRAWL_T_DOMAIN) {
                load_warn(c, vline,
                          "item %s: \"contains\" on %.100s with a value that is not a "
                          "domain; skipped",
                          id, search);
                return 0;
            }
        }
        break;
    case OC_IP: {
        rn = trawl_ioc_refang(v, n, rb, sizeof(rb));
        enum trawl_ioc_type t = rn == (size_t)-1 ? TRAWL_T_NONE : trawl_ioc_detect(rb, rn);
        if (t != TRAWL_T_IPV4 && t != TRAWL_T_IPV6 && t != TRAWL_T_CIDR) t = TRAWL_T_IPV4;
        it.type = t; /* not an address: rejected by normalisation, with the reason */
        break;
    }
    case OC_URL:
        rn = trawl_ioc_refang(v, n, rb, sizeof(rb));
        if (is && rn != (size_t)-1 && trawl_ioc_detect(rb, rn) == TRAWL_T_URL) {
            it.type = TRAWL_T_URL;
        } else {
            it.type = TRAWL_T_STRING;
            it.flags = nocase ? TRAWL_IOC_NOCASE : 0;
        }
        break;
    case OC_STRING:
    case OC_PATH:
        it.type = TRAWL_T_STRING;
        it.flags = nocase ? TRAWL_IOC_NOCASE : 0;
        break;
    }
    return load_add(c, vline ? vline : line, v, n, &it);
}

static int do_or(struct oi *o, const xmlNode *node, struct trawl_buf *tb, int depth);

/* One child of an OR (or the top of the tree). */
static int do_branch(struct oi *o, const xmlNode *n, struct trawl_buf *tb, int depth)
{
    if (depth > MAX_DEPTH) {
        load_warn(o->c, line_of(n), "indicator tree nested too deeply; branch skipped");
        return 0;
    }
    if (is_elem(n, "IndicatorItem")) return do_item(o, n, tb);
    if (!is_elem(n, "Indicator")) return 0;
    const char *op = attr(n, "operator");
    if (op && trawl_strcaseeq(op, "AND")) {
        const xmlNode *only = NULL;
        size_t nkids = 0;
        for (const xmlNode *k = n->children; k; k = k->next)
            if (is_elem(k, "Indicator") || is_elem(k, "IndicatorItem")) {
                only = k;
                nkids++;
            }
        if (nkids == 1) return do_branch(o, only, tb, depth + 1);
        if (nkids > 1)
            load_warn(o->c, line_of(n),
                      "AND branch %s of ioc %s has %zu conditions and cannot be expressed as "
                      "single indicators; skipped",
                      id_or(n), o->ioc_id, nkids);
        return 0;
    }
    if (op && !trawl_strcaseeq(op, "OR")) {
        load_warn(o->c, line_of(n), "branch %s: unknown operator \"%.20s\"; skipped", id_or(n), op);
        return 0;
    }
    return do_or(o, n, tb, depth + 1);
}

static int do_or(struct oi *o, const xmlNode *node, struct trawl_buf *tb, int depth)
{
    for (const xmlNode *k = node->children; k; k = k->next) {
        int r = do_branch(o, k, tb, depth);
        if (r < 0) return r;
    }
    return 0;
}

/* The root's namespace, if it is one of the two OpenIOC ones. */
static const char *openioc_ns(const xmlNode *root)
{
    if (!root || root->type != XML_ELEMENT_NODE || !root->ns || !root->ns->href) return NULL;
    const char *href = (const char *)root->ns->href;
    if (strcmp(href, NS_10) == 0 && strcmp((const char *)root->name, "ioc") == 0) return NS_10;
    if (strcmp(href, NS_11) == 0 && strcmp((const char *)root->name, "OpenIOC") == 0) return NS_11;
    return NULL;
}

/* The first error libxml2 reports (it goes on after a fatal one, and its
 * last error is usually a consequence). Called through sax->serror, which
 * XML_PARSE_NOERROR leaves in place; nothing is printed. */
struct first_error {
    bool set;
    int line;
    char msg[400];
};

static void on_xml_error(void *ud, xmlErrorPtr e)
{
    xmlParserCtxtPtr px = ud;
    struct first_error *f = px ? px->_private : NULL;
    if (!f || f->set || !e || e->level < XML_ERR_ERROR) return;
    f->set = true;
    f->line = e->line;
    snprintf(f->msg, sizeof(f->msg), "%s", e->message ? e->message : "cannot parse");
}

int load_openioc(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    char where[512];
    if (len > (size_t)0x7fffffff)
        return trawl_error_set(err, TRAWL_EFORMAT, c->name, "XML input too large");
    xmlParserCtxtPtr px = xmlNewParserCtxt();
    if (!px) return trawl_error_set(err, TRAWL_ENOMEM, c->name, "out of memory");
    struct first_error fe = {0};
    px->_private = &fe;
    px->sax->serror = on_xml_error;
    /* No XML_PARSE_NOENT (entities stay references), no DTD loading, no
     * network: a hostile file cannot make the loader read other files. */
    xmlDocPtr doc = xmlCtxtReadMemory(px, data, (int)len, c->name, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                          XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES);
    if (!doc || !px->wellFormed) {
        if (!fe.set) {
            const xmlError *e = xmlCtxtGetLastError(px);
            on_xml_error(px, (xmlErrorPtr)e);
            if (!fe.set) snprintf(fe.msg, sizeof(fe.msg), "cannot parse");
        }
        char *msg = fe.msg;
        size_t ml = strlen(msg);
        while (ml && (msg[ml - 1] == '\n' || msg[ml - 1] == ' '))
            msg[--ml] = 0;
        for (char *q = msg; *q; q++)
            if (*q == '\n' || *q == '\r') *q = ' ';
        snprintf(where, sizeof(where), "%s:%d", c->name, fe.line > 0 ? fe.line : 1);
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(px);
        return trawl_error_set(err, TRAWL_EFORMAT, where, "invalid XML: %s", msg);
    }
    xmlFreeParserCtxt(px);

    const xmlNode *root = xmlDocGetRootElement(doc);
    const char *ns = openioc_ns(root);
    if (!ns) {
        snprintf(where, sizeof(where), "%s:%lu", c->name, root ? line_of(root) : 1UL);
        xmlFreeDoc(doc);
        return trawl_error_set(err, TRAWL_EFORMAT, where,
                               "not an OpenIOC document (root <ioc> in namespace " NS_10
                               " or <OpenIOC> in " NS_11 ")");
    }
    struct oi o = {.c = c, .v10 = strcmp(ns, NS_10) == 0};
    o.ioc_id = id_or(root);
    struct trawl_buf desc = {0}, tb = {0};
    const xmlNode *meta = o.v10 ? root : child(root, "metadata");
    const xmlNode *sd = child(meta, "short_description");
    int r = 0;
    if (sd) {
        r = text_of(sd, &desc);
        if (!r) {
            const char *s = desc.data;
            size_t n = desc.len - 1;
            while (n && (load_isblank(*s) || *s == '\n'))
                s++, n--;
            while (n && (load_isblank(s[n - 1]) || s[n - 1] == '\n'))
                n--;
            memmove(desc.data, s, n);
            desc.data[n] = 0;
            for (size_t i = 0; i < n; i++)
                if (desc.data[i] == '\n' || desc.data[i] == '\t') desc.data[i] = ' ';
            if (n) o.source = desc.data;
        }
    }
    const xmlNode *top = child(root, o.v10 ? "definition" : "criteria");
    if (!r && !top)
        load_warn(c, line_of(root), "ioc %s has no <%s>: no indicators", o.ioc_id,
                  o.v10 ? "definition" : "criteria");
    if (!r && top) r = do_or(&o, top, &tb, 0);
    trawl_buf_free(&desc);
    trawl_buf_free(&tb);
    xmlFreeDoc(doc);
    if (r < 0) return trawl_error_set(err, r, c->name, "%s", trawl_strerror(r));
    return 0;
}

/* An XML document whose root element carries one of the OpenIOC namespaces.
 * Only the first 4 KiB are looked at: the root comes after at most a
 * declaration and a licence comment. */
bool sniff_openioc(const char *data, size_t len)
{
    const char *p = data, *end = data + (len < 4096 ? len : 4096);
    load_skip_bom(&p, end);
    while (p < end && (load_isblank(*p) || *p == '\n'))
        p++;
    if (p == end || *p != '<') return false;
    size_t n = (size_t)(end - p);
    return memmem(p, n, NS_10, sizeof(NS_10) - 1) || memmem(p, n, NS_11, sizeof(NS_11) - 1);
}
