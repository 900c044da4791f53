/* MISP loader: event JSON as MISP exports it ({"Event": {...}}, a bare
 * event, {"response": [...]} from the REST API, or an array of those) and
 * MISP feed directories (manifest.json plus one <uuid>.json per event).
 * Attributes and object attributes with to_ids set become indicators;
 * "tlp:*" tags give the TLP (an attribute's own tag wins over the event's),
 * threat_level_id the severity, the event's info (else uuid) the source. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "load_json.h"

/* Defined here, called by trawl_ioc_load_file for a directory. */
int load_misp_feed(struct trawl_iocset *set, const char *dir, const struct trawl_load_opts *opts,
                   struct trawl_load_stats *stats, trawl_diag_fn diag, void *ud,
                   struct trawl_error *err);

/* MISP writes booleans as true/false, "1"/"0" or 1/0 depending on version. */
static bool truthy(const json_t *v)
{
    if (json_is_true(v)) return true;
    if (json_is_integer(v)) return json_integer_value(v) != 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        return strcmp(s, "1") == 0 || trawl_strcaseeq(s, "true");
    }
    return false;
}

/* ---- policy -------------------------------------------------------------- */

/* Whether attributes with to_ids=false are loaded too. MISP marks with
 * to_ids the values fit for detection; the others are context (a victim's
 * address, a legitimate service abused) and give false positives, so they
 * are loaded only on request (--include-non-ids). */
static bool include_all(const struct load_ctx *c)
{
    return c->opts->include_non_ids;
}

/* How a MISP attribute type maps onto trawl. Values of composite types
 * ("a|b") are split at the last '|'; `first`/`second` give the trawl type
 * of each part (T_SKIP: not loaded). */
#define T_SKIP (-1)
#define T_IP (-2) /* IPv4, IPv6 or CIDR by shape */

struct misp_type {
    const char *name;
    int first, second;
    uint32_t flags;
};

static const struct misp_type loadable[] = {
    {"ip-src", T_IP, T_SKIP, 0},
    {"ip-dst", T_IP, T_SKIP, 0},
    {"ip-src|port", T_IP, T_SKIP, 0},
    {"ip-dst|port", T_IP, T_SKIP, 0},
    {"domain", TRAWL_T_DOMAIN, T_SKIP, 0},
    {"hostname", TRAWL_T_DOMAIN, T_SKIP, TRAWL_IOC_EXACT},
    {"hostname|port", TRAWL_T_DOMAIN, T_SKIP, TRAWL_IOC_EXACT},
    {"domain|ip", TRAWL_T_DOMAIN, T_IP, 0},
    {"url", TRAWL_T_URL, T_SKIP, 0},
    {"email", TRAWL_T_EMAIL, T_SKIP, 0},
    {"email-src", TRAWL_T_EMAIL, T_SKIP, 0},
    {"email-dst", TRAWL_T_EMAIL, T_SKIP, 0},
    {"email-reply-to", TRAWL_T_EMAIL, T_SKIP, 0},
    {"md5", TRAWL_T_MD5, T_SKIP, 0},
    {"sha1", TRAWL_T_SHA1, T_SKIP, 0},
    {"sha256", TRAWL_T_SHA256, T_SKIP, 0},
    {"filename", TRAWL_T_FILENAME, T_SKIP, 0},
    {"filename|md5", TRAWL_T_FILENAME, TRAWL_T_MD5, 0},
    {"filename|sha1", TRAWL_T_FILENAME, TRAWL_T_SHA1, 0},
    {"filename|sha256", TRAWL_T_FILENAME, TRAWL_T_SHA256, 0},
};

/* Detection-worthy types trawl cannot match (yet): reported in one summary
 * warning per event with their counts. Every other type (text, comment,
 * link, uri, datetime, port, AS, target-*, vulnerability, attachment...)
 * is context, not an indicator, and is ignored silently. */
static const char *const unmatchable[] = {
    "sha224",
    "sha384",
    "sha512",
    "sha512/224",
    "sha512/256",
    "sha3-224",
    "sha3-256",
    "sha3-384",
    "sha3-512",
    "ssdeep",
    "imphash",
    "authentihash",
    "tlsh",
    "impfuzzy",
    "pehash",
    "vhash",
    "telfhash",
    "cdhash",
    "filename|sha512",
    "filename|ssdeep",
    "filename|imphash",
    "filename|authentihash",
    "filename|tlsh",
    "filename|pehash",
    "filename|sha224",
    "filename|sha384",
    "malware-sample",
    "regkey",
    "regkey|value",
    "mutex",
    "named pipe",
    "yara",
    "snort",
    "sigma",
    "pattern-in-file",
    "pattern-in-traffic",
    "pattern-in-memory",
    "user-agent",
    "ja3-fingerprint-md5",
    "jarm-fingerprint",
    "hassh-md5",
    "hasshserver-md5",
    "x509-fingerprint-md5",
    "x509-fingerprint-sha1",
    "x509-fingerprint-sha256",
    "mac-address",
    "mac-eui-64",
    "btc",
    "xmr",
    "dns-soa-email",
    "whois-registrant-email",
    "email-subject",
    "email-attachment",
    "email-header",
    "email-x-mailer",
    "email-message-id",
    "windows-service-name",
    "windows-scheduled-task",
    "cookie",
    "http-method",
    "uri",
};

static const struct misp_type *find_type(const char *t)
{
    for (size_t i = 0; i < sizeof(loadable) / sizeof(loadable[0]); i++)
        if (strcmp(t, loadable[i].name) == 0) return &loadable[i];
    return NULL;
}

static int unmatchable_index(const char *t)
{
    for (size_t i = 0; i < sizeof(unmatchable) / sizeof(unmatchable[0]); i++)
        if (strcmp(t, unmatchable[i]) == 0) return (int)i;
    return -1;
}

#define N_UNMATCHABLE (sizeof(unmatchable) / sizeof(unmatchable[0]))

/* ---- one event ------------------------------------------------------------ */

struct event {
    struct load_ctx *c;
    struct load_id_diag *idd;
    const char *source;
    int tlp;      /* from the event's tags, -1: none */
    int severity; /* from threat_level_id, 0: default */
    unsigned long non_ids, deleted;
    unsigned long unmatchable[N_UNMATCHABLE];
};

/* Strictest "tlp:*" tag among Tag[] (and EventTag[].Tag / AttributeTag[]
 * as some exports write them), or -1. */
static int tags_tlp(const json_t *o)
{
    int best = -1;
    static const char *const lists[] = {"Tag", "EventTag", "AttributeTag"};
    for (size_t l = 0; l < 3; l++) {
        size_t i;
        const json_t *tag;
        json_array_foreach(json_object_get(o, lists[l]), i, tag)
        {
            const json_t *inner = json_object_get(tag, "Tag");
            const char *name = load_json_str(inner ? inner : tag, "name");
            enum trawl_tlp t;
            if (name && trawl_strncaseeq(name, "tlp:", 4) && trawl_tlp_parse(name, &t) == 0 &&
                (int)t > best)
                best = (int)t;
        }
    }
    return best;
}

static int severity_of(const json_t *v)
{
    long n = -1;
    if (json_is_integer(v)) n = (long)json_integer_value(v);
    if (json_is_string(v)) n = strtol(json_string_value(v), NULL, 10);
    switch (n) {
    case 1:
        return TRAWL_SEV_HIGH;
    case 2:
        return TRAWL_SEV_MEDIUM;
    case 3:
        return TRAWL_SEV_LOW;
    default: /* 4 = undefined */
        return 0;
    }
}

static int add_part(struct event *ev, int type, const char *v, size_t len, struct load_item *it)
{
    char url[TRAWL_IOC_MAX + 16];
    load_trim(&v, &len);
    if (type == T_IP)
        type = memchr(v, '/', len)   ? TRAWL_T_CIDR
               : memchr(v, ':', len) ? TRAWL_T_IPV6
                                     : TRAWL_T_IPV4;
    /* MISP url attributes are often written without a scheme. */
    if (type == TRAWL_T_URL && len && !memmem(v, len, "://", 3) && !memmem(v, len, "[://]", 5) &&
        len + 8 <= sizeof(url)) {
        memcpy(url, "http://", 7);
        memcpy(url + 7, v, len);
        v = url;
        len += 7;
    }
    it->type = (enum trawl_ioc_type)type;
    return load_add(ev->c, 0, v, len, it);
}

static int attribute(struct event *ev, const json_t *a)
{
    struct load_ctx *c = ev->c;
    const char *type = load_json_str(a, "type");
    const json_t *vj = json_object_get(a, "value");
    if (!type || !json_is_object(a)) return 0;
    c->stats->lines++;
    if (truthy(json_object_get(a, "deleted"))) {
        ev->deleted++;
        return 0;
    }
    const struct misp_type *mt = find_type(type);
    if (!mt) {
        int u = unmatchable_index(type);
        if (u >= 0 && (truthy(json_object_get(a, "to_ids")) || include_all(c)))
            ev->unmatchable[u]++;
        return 0;
    }
    if (!truthy(json_object_get(a, "to_ids")) && !include_all(c)) {
        ev->non_ids++;
        return 0;
    }
    const char *uuid = load_json_str(a, "uuid");
    ev->idd->id = uuid ? uuid : type;
    int r = 0;
    if (!json_is_string(vj)) {
        load_reject(c, 0, mt->first >= 0 ? mt->first : TRAWL_T_NONE, "%s value is not a string",
                    type);
        goto out;
    }
    const char *v = json_string_value(vj);
    size_t len = json_string_length(vj);

    struct load_item it;
    load_item_init(&it);
    int tlp = tags_tlp(a);
    it.tlp = tlp >= 0 ? tlp : ev->tlp;
    it.severity = ev->severity;
    it.source = ev->source;
    it.flags = mt->flags;

    const char *bar = strchr(type, '|') ? memrchr(v, '|', len) : NULL;
    if (strchr(type, '|') && !bar) {
        load_reject(c, 0, mt->first >= 0 ? mt->first : TRAWL_T_NONE,
                    "%s value has no '|' separator", type);
        goto out;
    }
    size_t l1 = bar ? (size_t)(bar - v) : len;
    r = add_part(ev, mt->first, v, l1, &it);
    if (r == 0 && mt->second != T_SKIP) {
        it.flags = 0;
        r = add_part(ev, mt->second, bar + 1, len - l1 - 1, &it);
    }
out:
    ev->idd->id = NULL;
    return r;
}

static int event(struct load_ctx *c, struct load_id_diag *idd, const json_t *e,
                 struct trawl_error *err)
{
    struct event ev = {.c = c, .idd = idd};
    const char *info = load_json_str(e, "info"), *uuid = load_json_str(e, "uuid");
    ev.source = info && *info ? info : uuid && *uuid ? uuid : NULL;
    ev.tlp = tags_tlp(e);
    ev.severity = severity_of(json_object_get(e, "threat_level_id"));
    const char *label = uuid ? uuid : info ? info : "without uuid";

    int r = 0;
    size_t i;
    const json_t *a, *o;
    json_array_foreach(json_object_get(e, "Attribute"), i, a)
    {
        if ((r = attribute(&ev, a)) < 0) goto out;
    }
    json_array_foreach(json_object_get(e, "Object"), i, o)
    {
        if (truthy(json_object_get(o, "deleted"))) continue;
        size_t k;
        json_array_foreach(json_object_get(o, "Attribute"), k, a)
        {
            if ((r = attribute(&ev, a)) < 0) goto out;
        }
    }
    if (ev.non_ids)
        load_warn(c, 0, "event %s: %lu attribute%s with to_ids=false not loaded", label, ev.non_ids,
                  ev.non_ids == 1 ? "" : "s");
    struct trawl_buf b = {0};
    for (size_t u = 0; u < N_UNMATCHABLE; u++)
        if (ev.unmatchable[u])
            trawl_buf_printf(&b, "%s%lu %s", b.len ? ", " : "", ev.unmatchable[u], unmatchable[u]);
    if (b.len)
        load_warn(c, 0, "event %s: skipped attributes of types trawl cannot match: %.*s", label,
                  (int)b.len, b.data);
    trawl_buf_free(&b);
out:
    if (r < 0) return trawl_error_set(err, r, c->name, "%s", trawl_strerror(r));
    return 0;
}

/* An event object: {"Event": {...}} or the bare event itself. */
static const json_t *event_of(const json_t *v)
{
    const json_t *e = json_object_get(v, "Event");
    if (json_is_object(e)) return e;
    if (json_is_array(json_object_get(v, "Attribute")) ||
        json_is_array(json_object_get(v, "Object")))
        return v;
    return NULL;
}

int load_misp(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    const char *p = data, *end = data + len;
    load_skip_bom(&p, end);
    json_error_t je;
    json_t *root = json_loadb(p, (size_t)(end - p), JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!root) return load_json_fail(c, &je, err);

    /* The list of candidate events: the REST API's {"response": X} and
     * bare arrays hold events (wrapped or not); anything else is one. */
    const json_t *list = root;
    if (json_is_object(root) && json_object_get(root, "response") && !event_of(root))
        list = json_object_get(root, "response");
    size_t n = json_is_array(list) ? json_array_size(list) : 1, found = 0;

    struct load_id_diag idd = {.fn = c->diag, .ud = c->ud, .prefix = "attribute "};
    trawl_diag_fn saved_fn = c->diag;
    void *saved_ud = c->ud;
    if (c->diag) {
        c->diag = load_id_diag_fn;
        c->ud = &idd;
    }
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        const json_t *e = event_of(json_is_array(list) ? json_array_get(list, i) : list);
        if (!e) continue;
        found++;
        r = event(c, &idd, e, err);
    }
    c->diag = saved_fn;
    c->ud = saved_ud;
    json_decref(root);
    if (r == 0 && !found)
        return trawl_error_set(err, TRAWL_EFORMAT, c->name,
                               "not a MISP event: no \"Event\", \"Attribute\" or \"Object\"");
    return r;
}

/* ---- feed directories ----------------------------------------------------- */

/* A MISP feed (what MISP's "feed" export and CIRCL's OSINT feed publish) is
 * a directory with manifest.json, an object keyed by event uuid, and one
 * <uuid>.json per event. Each event file is loaded on its own: a damaged
 * one is reported through diag (file "path:line:col" for invalid JSON) and
 * the others still load; the return value then names the first failure. */
static bool uuid_like(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f') ||
              (s[n] >= 'A' && s[n] <= 'F') || s[n] == '-'))
            return false;
    return n >= 32 && n <= 40;
}

int load_misp_feed(struct trawl_iocset *set, const char *dir, const struct trawl_load_opts *opts,
                   struct trawl_load_stats *stats, trawl_diag_fn diag, void *ud,
                   struct trawl_error *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    json_error_t je;
    json_t *man = json_load_file(path, 0, &je);
    if (!man) {
        char where[4200];
        if (json_error_code(&je) == json_error_cannot_open_file)
            return trawl_error_set(err, TRAWL_EIO, dir,
                                   "is a directory without a MISP feed manifest.json");
        snprintf(where, sizeof(where), "%s:%d:%d", path, je.line, je.column);
        return trawl_error_set(err, TRAWL_EFORMAT, where, "invalid JSON: %s", je.text);
    }
    if (!json_is_object(man)) {
        json_decref(man);
        return trawl_error_set(err, TRAWL_EFORMAT, path,
                               "MISP feed manifest is not an object keyed by event uuid");
    }
    struct trawl_load_opts o;
    if (opts)
        o = *opts;
    else
        trawl_load_opts_init(&o);
    o.format = TRAWL_FMT_MISP;

    size_t total = 0, failed = 0;
    struct trawl_error first = {0};
    const char *key;
    const json_t *val;
    json_object_foreach(man, key, val)
    {
        (void)val;
        total++;
        struct trawl_error e = {0};
        int r;
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s.json", dir, key);
        if (!uuid_like(key))
            r = trawl_error_set(&e, TRAWL_EFORMAT, dir, "manifest key \"%.80s\" is not a uuid",
                                key);
        else if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            r = trawl_error_set(&e, TRAWL_EIO, path,
                                "event file listed in manifest.json is "
                                "missing or not a regular file");
        else
            r = trawl_ioc_load_file(set, path, &o, stats, diag, ud, &e);
        if (r == TRAWL_ENOMEM) {
            json_decref(man);
            if (err) *err = e;
            return r;
        }
        if (r < 0) {
            if (!failed) first = e;
            failed++;
            if (diag) diag(ud, e.where, 0, true, e.msg);
        }
    }
    json_decref(man);
    if (failed)
        return trawl_error_set(err, first.code, dir,
                               "%zu of %zu event files of the MISP feed could not be loaded "
                               "(first: %s: %s)",
                               failed, total, first.where, first.msg);
    return 0;
}

/* ---- content sniffing ---------------------------------------------------- */

/* JSON whose first few KiB hold a MISP event key: "Event", "Attribute",
 * or the fields every event carries near its top. */
bool sniff_misp(const char *data, size_t len)
{
    const char *p;
    size_t n;
    if (!load_json_head(data, len, &p, &n)) return false;
    static const char *const keys[] = {"\"Event\"", "\"Attribute\"", "\"threat_level_id\"",
                                       "\"attribute_count\""};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (load_json_has_key(p, n, keys[i])) return true;
    return false;
}
