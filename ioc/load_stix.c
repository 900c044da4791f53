/* STIX 2.0/2.1 loader: a bundle, a single object or a JSON array of objects.
 * Indicator objects with a STIX pattern become one trawl indicator per
 * OR-ed equality comparison on an object path trawl can match; TLP comes
 * from object_marking_refs (TLP 1.0 and 2.0), expiry from valid_until.
 * Patterns whose meaning a flat indicator list would change (AND,
 * FOLLOWEDBY, NOT, operators other than '=', qualifiers) are skipped whole
 * with a warning naming the indicator: flattening them would give false
 * positives. Other object types are ignored. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load_json.h"

/* ---- pattern parsing ----------------------------------------------------- */

/* Pseudo-type of network-traffic:src_ref/dst_ref.value: the value decides. */
#define T_ADDR (-2)
/* A comparison on a path trawl cannot match. */
#define T_UNSUPPORTED (-3)

static const struct {
    const char *path;
    int type;
} paths[] = {
    {"ipv4-addr:value", TRAWL_T_IPV4},
    {"ipv6-addr:value", TRAWL_T_IPV6},
    {"domain-name:value", TRAWL_T_DOMAIN},
    {"url:value", TRAWL_T_URL},
    {"email-addr:value", TRAWL_T_EMAIL},
    {"email-message:from_ref.value", TRAWL_T_EMAIL},
    {"email-message:sender_ref.value", TRAWL_T_EMAIL},
    {"email-message:to_refs[*].value", TRAWL_T_EMAIL},
    {"email-message:cc_refs[*].value", TRAWL_T_EMAIL},
    {"email-message:bcc_refs[*].value", TRAWL_T_EMAIL},
    {"file:name", TRAWL_T_FILENAME},
    {"file:hashes.MD5", TRAWL_T_MD5},
    {"file:hashes.SHA-1", TRAWL_T_SHA1},
    {"file:hashes.SHA1", TRAWL_T_SHA1},
    {"file:hashes.SHA-256", TRAWL_T_SHA256},
    {"file:hashes.SHA256", TRAWL_T_SHA256},
    {"network-traffic:dst_ref.value", T_ADDR},
    {"network-traffic:src_ref.value", T_ADDR},
};

struct term {
    int type;        /* trawl type, T_ADDR or T_UNSUPPORTED */
    size_t off, len; /* value in pat.vals (unsupported: path in pat.vals) */
};

/* One pattern being parsed. The grammar (STIX 2.1 section 9, the OASIS
 * STIXPattern.g4) by precedence, loosest first:
 *   obs_expr := obs_or (FOLLOWEDBY obs_or)*
 *   obs_or   := obs_and (OR obs_and)*
 *   obs_and  := obs_q (AND obs_q)*
 *   obs_q    := ('[' cmp_or ']' | '(' obs_expr ')') qualifier*
 *   cmp_or   := cmp_and (OR cmp_and)*
 *   cmp_and  := prop (AND prop)*
 *   prop     := '(' cmp_or ')' | NOT? EXISTS path | path NOT? op literal
 * Only OR keeps the "any of these values" meaning of a flat list, so the
 * parser stops at the first AND, FOLLOWEDBY, NOT, EXISTS, non-'=' operator
 * or qualifier with `why` naming it; every '=' comparison is kept as a term. */
struct pat {
    const char *p, *end, *start;
    struct trawl_buf vals;
    struct term *terms;
    size_t n, cap;
    bool unsupported; /* why: semantics trawl cannot keep (vs syntax) */
    char why[160];
};

static int pat_fail(struct pat *pt, bool unsupported, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int pat_fail(struct pat *pt, bool unsupported, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pt->why, sizeof(pt->why), fmt, ap);
    va_end(ap);
    pt->unsupported = unsupported;
    return -1;
}

static int syntax(struct pat *pt, const char *what)
{
    return pat_fail(pt, false, "%s at offset %zu", what, (size_t)(pt->p - pt->start));
}

static void skip_ws(struct pat *pt)
{
    for (;;) {
        while (pt->p < pt->end && (*pt->p == ' ' || *pt->p == '\t' || *pt->p == '\n' ||
                                   *pt->p == '\r' || *pt->p == '\v' || *pt->p == '\f'))
            pt->p++;
        if (pt->end - pt->p >= 2 && pt->p[0] == '/' && pt->p[1] == '*') {
            const char *e = memmem(pt->p + 2, (size_t)(pt->end - pt->p - 2), "*/", 2);
            pt->p = e ? e + 2 : pt->end;
            continue;
        }
        return;
    }
}

static bool is_ident_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_ident(char ch, bool hyphen)
{
    return is_ident_start(ch) || (ch >= '0' && ch <= '9') || (hyphen && ch == '-');
}

/* Length of the identifier at p (0 if none). */
static size_t ident_len(const struct pat *pt, bool hyphen)
{
    const char *q = pt->p;
    if (q >= pt->end || !is_ident_start(*q)) return 0;
    while (q < pt->end && is_ident(*q, hyphen))
        q++;
    return (size_t)(q - pt->p);
}

/* True (and consumed) when the next token is the keyword kw. */
static bool keyword(struct pat *pt, const char *kw)
{
    skip_ws(pt);
    size_t n = ident_len(pt, false), kl = strlen(kw);
    if (n != kl || memcmp(pt->p, kw, kl) != 0) return false;
    pt->p += n;
    return true;
}

/* Reads a quoted string literal at p ('...' with \' and \\ escapes) and
 * appends its content to b (if not NULL). */
static int string_lit(struct pat *pt, struct trawl_buf *b)
{
    if (pt->p >= pt->end || *pt->p != '\'') return syntax(pt, "expected a quoted string");
    pt->p++;
    while (pt->p < pt->end && *pt->p != '\'') {
        char ch = *pt->p++;
        if (ch == '\\' && pt->p < pt->end && (*pt->p == '\'' || *pt->p == '\\')) ch = *pt->p++;
        if (b && trawl_buf_putc(b, ch)) return pat_fail(pt, false, "out of memory");
    }
    if (pt->p >= pt->end) return syntax(pt, "unterminated string");
    pt->p++;
    return 0;
}

/* Object path, written canonically (quotes dropped) into path. */
static int object_path(struct pat *pt, char *path, size_t pathsz)
{
    struct trawl_buf b = {0};
    int r = -1;
    skip_ws(pt);
    size_t n = ident_len(pt, true);
    if (!n) {
        syntax(pt, "expected an object path");
        goto out;
    }
    if (trawl_buf_put(&b, pt->p, n)) goto oom;
    pt->p += n;
    skip_ws(pt);
    if (pt->p >= pt->end || *pt->p != ':') {
        syntax(pt, "expected ':' in object path");
        goto out;
    }
    pt->p++;
    skip_ws(pt);
    if (trawl_buf_putc(&b, ':')) goto oom;
    for (bool first = true;; first = false) {
        if (!first) {
            skip_ws(pt);
            if (pt->p < pt->end && *pt->p == '.') {
                pt->p++;
                skip_ws(pt);
                if (trawl_buf_putc(&b, '.')) goto oom;
            } else if (pt->p < pt->end && *pt->p == '[') {
                const char *s = pt->p++;
                skip_ws(pt);
                if (pt->p < pt->end && *pt->p == '*') {
                    pt->p++;
                } else {
                    if (pt->p < pt->end && (*pt->p == '-' || *pt->p == '+')) pt->p++;
                    const char *d = pt->p;
                    while (pt->p < pt->end && *pt->p >= '0' && *pt->p <= '9')
                        pt->p++;
                    if (pt->p == d) {
                        syntax(pt, "bad index in object path");
                        goto out;
                    }
                }
                skip_ws(pt);
                if (pt->p >= pt->end || *pt->p != ']') {
                    syntax(pt, "expected ']' in object path");
                    goto out;
                }
                pt->p++;
                if (trawl_buf_put(&b, s, (size_t)(pt->p - s))) goto oom;
                continue;
            } else {
                break;
            }
        }
        if (pt->p < pt->end && *pt->p == '\'') {
            if (string_lit(pt, &b)) goto out;
        } else {
            /* Hyphens tolerated in property names: file:hashes.SHA-256
             * without quotes is common in hand-written patterns. */
            n = ident_len(pt, true);
            if (!n) {
                syntax(pt, "expected a property name");
                goto out;
            }
            if (trawl_buf_put(&b, pt->p, n)) goto oom;
            pt->p += n;
        }
    }
    n = b.len < pathsz - 1 ? b.len : pathsz - 1;
    memcpy(path, b.data, n);
    path[n] = 0;
    r = 0;
    goto out;
oom:
    pat_fail(pt, false, "out of memory");
out:
    trawl_buf_free(&b);
    return r;
}

static int add_term(struct pat *pt, int type, size_t off, size_t len)
{
    if (pt->n == pt->cap) {
        size_t nc = pt->cap ? pt->cap * 2 : 8;
        struct term *t = realloc(pt->terms, nc * sizeof(*t));
        if (!t) return pat_fail(pt, false, "out of memory");
        pt->terms = t;
        pt->cap = nc;
    }
    pt->terms[pt->n++] = (struct term){.type = type, .off = off, .len = len};
    return 0;
}

static int path_type(const char *path)
{
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (trawl_strcaseeq(path, paths[i].path)) return paths[i].type;
    return T_UNSUPPORTED;
}

/* path NOT? op literal, or NOT? EXISTS path. */
static int prop_test(struct pat *pt)
{
    char path[256];
    if (keyword(pt, "NOT")) return pat_fail(pt, true, "NOT");
    if (keyword(pt, "EXISTS")) return pat_fail(pt, true, "EXISTS");
    if (object_path(pt, path, sizeof(path))) return -1;
    if (keyword(pt, "NOT")) return pat_fail(pt, true, "NOT");
    skip_ws(pt);
    if (pt->p >= pt->end) return syntax(pt, "expected an operator");
    static const char *const words[] = {"IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (keyword(pt, words[i])) return pat_fail(pt, true, "%s", words[i]);
    char op0 = pt->p[0], op1 = pt->end - pt->p > 1 ? pt->p[1] : 0;
    if (op0 == '=') {
        pt->p += op1 == '=' ? 2 : 1;
    } else if (op0 == '!' || op0 == '<' || op0 == '>') {
        char op[3] = {op0, (op1 == '=' || op1 == '>') ? op1 : 0, 0};
        return pat_fail(pt, true, "the %s operator", op);
    } else {
        return syntax(pt, "expected an operator");
    }
    skip_ws(pt);
    if (pt->p >= pt->end || *pt->p != '\'') {
        /* A number, boolean, b'..', h'..' or t'..': no such trawl value. */
        return pat_fail(pt, true, "a non-string comparison on %s", path);
    }
    int type = path_type(path);
    size_t off = pt->vals.len;
    if (type == T_UNSUPPORTED) {
        if (string_lit(pt, NULL)) return -1;
        if (trawl_buf_put(&pt->vals, path, strlen(path)))
            return pat_fail(pt, false, "out of memory");
    } else if (string_lit(pt, &pt->vals)) {
        return -1;
    }
    return add_term(pt, type, off, pt->vals.len - off);
}

static int cmp_or(struct pat *pt);

static int cmp_and(struct pat *pt)
{
    skip_ws(pt);
    if (pt->p < pt->end && *pt->p == '(') {
        pt->p++;
        if (cmp_or(pt)) return -1;
        skip_ws(pt);
        if (pt->p >= pt->end || *pt->p != ')') return syntax(pt, "expected ')'");
        pt->p++;
    } else if (prop_test(pt)) {
        return -1;
    }
    if (keyword(pt, "AND")) return pat_fail(pt, true, "AND");
    return 0;
}

static int cmp_or(struct pat *pt)
{
    do {
        if (cmp_and(pt)) return -1;
    } while (keyword(pt, "OR"));
    return 0;
}

static int obs_expr(struct pat *pt);

static int obs_q(struct pat *pt)
{
    skip_ws(pt);
    if (pt->p < pt->end && *pt->p == '[') {
        pt->p++;
        if (cmp_or(pt)) return -1;
        skip_ws(pt);
        if (pt->p >= pt->end || *pt->p != ']') return syntax(pt, "expected ']'");
        pt->p++;
    } else if (pt->p < pt->end && *pt->p == '(') {
        pt->p++;
        if (obs_expr(pt)) return -1;
        skip_ws(pt);
        if (pt->p >= pt->end || *pt->p != ')') return syntax(pt, "expected ')'");
        pt->p++;
    } else {
        return syntax(pt, "expected '[' or '('");
    }
    static const char *const quals[] = {"WITHIN", "REPEATS", "START", "STOP"};
    for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++)
        if (keyword(pt, quals[i])) return pat_fail(pt, true, "the %s qualifier", quals[i]);
    return 0;
}

static int obs_expr(struct pat *pt)
{
    do {
        if (obs_q(pt)) return -1;
        if (keyword(pt, "AND")) return pat_fail(pt, true, "AND");
        if (keyword(pt, "FOLLOWEDBY")) return pat_fail(pt, true, "FOLLOWEDBY");
    } while (keyword(pt, "OR"));
    return 0;
}

static int parse_pattern(struct pat *pt, const char *s, size_t len)
{
    pt->p = pt->start = s;
    pt->end = s + len;
    if (obs_expr(pt)) return -1;
    skip_ws(pt);
    if (pt->p != pt->end) return syntax(pt, "unexpected text");
    return 0;
}

/* ---- markings ------------------------------------------------------------ */

#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

/* The marking-definition ids STIX predefines for TLP 1.0 (STIX 2.0/2.1
 * section 7.2.1.4) and those the OASIS TLP 2.0 extension publishes. */
static const struct {
    const char *id;
    enum trawl_tlp tlp;
} known_markings[] = {
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", TRAWL_TLP_CLEAR},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", TRAWL_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", TRAWL_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TRAWL_TLP_RED},
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", TRAWL_TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", TRAWL_TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", TRAWL_TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", TRAWL_TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", TRAWL_TLP_RED},
};

/* TLP of a marking-definition object, or -1 when it is not a TLP marking:
 * definition_type "tlp" with definition.tlp (TLP 1.0), the TLP 2.0
 * extension's tlp_2_0, or a "TLP:..." name as a last resort. */
static int marking_tlp(const json_t *md)
{
    enum trawl_tlp t;
    const char *dt = load_json_str(md, "definition_type");
    if (dt && trawl_strcaseeq(dt, "tlp")) {
        const char *v = load_json_str(json_object_get(md, "definition"), "tlp");
        if (v && trawl_tlp_parse(v, &t) == 0) return (int)t;
    }
    const char *v =
        load_json_str(json_object_get(json_object_get(md, "extensions"), TLP2_EXT), "tlp_2_0");
    if (v && trawl_tlp_parse(v, &t) == 0) return (int)t;
    const char *name = load_json_str(md, "name");
    if (name && trawl_strncaseeq(name, "TLP:", 4) && trawl_tlp_parse(name, &t) == 0) return (int)t;
    return -1;
}

/* ---- the loader ------------------------------------------------------------ */

struct stix {
    struct load_ctx *c;
    json_t *markings; /* marking id -> TLP (integer), from this input */
    json_t *reports;  /* indicator id -> name of a report listing it */
    struct load_id_diag *idd;
};

/* The strictest TLP among the object's marking refs, or -1. */
static int object_tlp(const struct stix *sx, const json_t *o)
{
    int best = -1;
    size_t i;
    const json_t *ref;
    json_array_foreach(json_object_get(o, "object_marking_refs"), i, ref)
    {
        if (!json_is_string(ref)) continue;
        const char *id = json_string_value(ref);
        int t = -1;
        for (size_t k = 0; k < sizeof(known_markings) / sizeof(known_markings[0]); k++)
            if (strcmp(id, known_markings[k].id) == 0) t = (int)known_markings[k].tlp;
        if (t < 0) {
            const json_t *m = json_object_get(sx->markings, id);
            if (json_is_integer(m)) t = (int)json_integer_value(m);
        }
        if (t > best) best = t;
    }
    return best;
}

/* The indicator's name, unless it only restates one of the values (Unit 42
 * bundles name each indicator after its value, which says nothing about
 * where it came from); then the name of a report listing it; then its id. */
static const char *indicator_source(const struct stix *sx, const json_t *o, const char *id,
                                    const struct pat *pt)
{
    const char *name = load_json_str(o, "name");
    if (name && *name) {
        bool restates = false;
        size_t nl = strlen(name);
        for (size_t i = 0; i < pt->n && !restates; i++)
            restates = pt->terms[i].type != T_UNSUPPORTED && pt->terms[i].len == nl &&
                       trawl_strncaseeq(pt->vals.data + pt->terms[i].off, name, nl);
        if (!restates) return name;
    }
    const char *rep = json_string_value(json_object_get(sx->reports, id));
    return rep ? rep : id;
}

/* T_ADDR: an IP, a CIDR or a domain name, by shape. */
static int addr_type(const char *v, size_t len)
{
    if (memchr(v, '/', len)) return TRAWL_T_CIDR;
    if (memchr(v, ':', len)) return TRAWL_T_IPV6;
    for (size_t i = 0; i < len; i++)
        if (!(v[i] == '.' || (v[i] >= '0' && v[i] <= '9'))) return TRAWL_T_DOMAIN;
    return TRAWL_T_IPV4;
}

static int add_value(struct load_ctx *c, int type, const char *v, size_t len, struct load_item *it)
{
    char url[TRAWL_IOC_MAX + 16];
    if (type == T_ADDR) type = addr_type(v, len);
    if ((type == TRAWL_T_IPV4 || type == TRAWL_T_IPV6) && memchr(v, '/', len)) type = TRAWL_T_CIDR;
    /* url:value without a scheme ("host/path", as Unit 42 writes them):
     * http:// is assumed, as for Zeek intel URLs. */
    if (type == TRAWL_T_URL && !memmem(v, len, "://", 3) && len + 8 <= sizeof(url)) {
        memcpy(url, "http://", 7);
        memcpy(url + 7, v, len);
        v = url;
        len += 7;
    }
    it->type = (enum trawl_ioc_type)type;
    return load_add(c, 0, v, len, it);
}

static int indicator(struct stix *sx, const json_t *o, struct trawl_error *err)
{
    struct load_ctx *c = sx->c;
    const char *id = load_json_str(o, "id");
    if (!id) id = "indicator (no id)";
    sx->idd->id = id;
    c->stats->lines++;

    if (json_is_true(json_object_get(o, "revoked"))) {
        load_warn(c, 0, "revoked; skipped");
        return 0;
    }
    const char *ptype = load_json_str(o, "pattern_type");
    if (ptype && strcmp(ptype, "stix") != 0) {
        load_warn(c, 0, "pattern_type \"%s\" is not a STIX pattern; skipped", ptype);
        return 0;
    }
    const json_t *pj = json_object_get(o, "pattern");
    if (!json_is_string(pj)) {
        load_warn(c, 0, "no pattern; skipped");
        return 0;
    }

    struct load_item it;
    load_item_init(&it);
    const char *vu = load_json_str(o, "valid_until");
    if (vu && trawl_parse_time(vu, &it.valid_until) != 0) {
        load_warn(c, 0, "valid_until \"%.40s\" is not an ISO 8601 time; ignored", vu);
        it.valid_until = 0;
    }
    const json_t *conf = json_object_get(o, "confidence");
    if (json_is_integer(conf) && json_integer_value(conf) >= 0 && json_integer_value(conf) <= 100)
        it.confidence = (int)json_integer_value(conf);
    it.tlp = object_tlp(sx, o);

    struct pat pt = {0};
    int r = 0;
    if (parse_pattern(&pt, json_string_value(pj), json_string_length(pj)) != 0) {
        if (pt.unsupported)
            load_warn(c, 0,
                      "pattern uses %s; skipped (cannot be expressed without false positives)",
                      pt.why);
        else
            load_warn(c, 0, "invalid STIX pattern (%s); skipped", pt.why);
        goto out;
    }
    size_t nok = 0, nbad = 0;
    for (size_t i = 0; i < pt.n; i++)
        pt.terms[i].type == T_UNSUPPORTED ? nbad++ : nok++;
    if (nbad) {
        const struct term *t = NULL;
        for (size_t i = 0; i < pt.n && !t; i++)
            if (pt.terms[i].type == T_UNSUPPORTED) t = &pt.terms[i];
        if (nok)
            load_warn(
                c, 0,
                "%zu of %zu alternatives compare %.*s or other properties trawl cannot match; "
                "loaded the others",
                nbad, pt.n, (int)t->len, (pt.vals.data ? pt.vals.data : "") + t->off);
        else
            load_warn(c, 0, "pattern compares %.*s, which trawl cannot match; skipped", (int)t->len,
                      (pt.vals.data ? pt.vals.data : "") + t->off);
    }
    it.source = indicator_source(sx, o, id, &pt);
    for (size_t i = 0; i < pt.n && r == 0; i++) {
        if (pt.terms[i].type == T_UNSUPPORTED) continue;
        r = add_value(c, pt.terms[i].type, (pt.vals.data ? pt.vals.data : "") + pt.terms[i].off,
                      pt.terms[i].len, &it);
    }
    if (r < 0) r = trawl_error_set(err, r, c->name, "%s", trawl_strerror(r));
out:
    trawl_buf_free(&pt.vals);
    free(pt.terms);
    sx->idd->id = NULL;
    return r;
}

/* First pass: TLP marking definitions and report names. */
static int index_objects(struct stix *sx, const json_t *objs)
{
    size_t i;
    const json_t *o;
    json_array_foreach(objs, i, o)
    {
        const char *type = load_json_str(o, "type"), *id = load_json_str(o, "id");
        if (!type || !id) continue;
        if (strcmp(type, "marking-definition") == 0) {
            int t = marking_tlp(o);
            if (t >= 0 && json_object_set_new(sx->markings, id, json_integer(t))) return -1;
        } else if (strcmp(type, "report") == 0) {
            const char *name = load_json_str(o, "name");
            if (!name || !*name) continue;
            size_t k;
            const json_t *ref;
            json_array_foreach(json_object_get(o, "object_refs"), k, ref)
            {
                const char *rid = json_string_value(ref);
                if (rid && strncmp(rid, "indicator--", 11) == 0 &&
                    !json_object_get(sx->reports, rid) &&
                    json_object_set_new(sx->reports, rid, json_string(name)))
                    return -1;
            }
        }
    }
    return 0;
}

int load_stix(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    const char *p = data, *end = data + len;
    load_skip_bom(&p, end);
    json_error_t je;
    json_t *root = json_loadb(p, (size_t)(end - p), JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!root) return load_json_fail(c, &je, err);

    /* A bundle, one object, or a bare array of objects. */
    json_t *objs = NULL;
    if (json_is_array(root)) {
        objs = json_incref(root);
    } else if (json_is_object(root) && load_json_str(root, "type")) {
        if (strcmp(load_json_str(root, "type"), "bundle") == 0) {
            objs = json_incref(json_object_get(root, "objects"));
            if (!objs) objs = json_array();
        } else {
            objs = json_array();
            if (objs && json_array_append(objs, root)) {
                json_decref(objs);
                objs = NULL;
            }
        }
    } else {
        json_decref(root);
        return trawl_error_set(err, TRAWL_EFORMAT, c->name,
                               "not STIX 2: no bundle or object \"type\" at the top level");
    }
    if (!json_is_array(objs)) {
        json_decref(objs);
        json_decref(root);
        return trawl_error_set(err, objs ? TRAWL_EFORMAT : TRAWL_ENOMEM, c->name,
                               objs ? "STIX bundle \"objects\" is not an array" : "out of memory");
    }

    struct load_id_diag idd = {.fn = c->diag, .ud = c->ud, .prefix = ""};
    trawl_diag_fn saved_fn = c->diag;
    void *saved_ud = c->ud;
    if (c->diag) {
        c->diag = load_id_diag_fn;
        c->ud = &idd;
    }
    struct stix sx = {.c = c, .markings = json_object(), .reports = json_object(), .idd = &idd};
    int r = 0;
    if (!sx.markings || !sx.reports || index_objects(&sx, objs) != 0) {
        r = trawl_error_set(err, TRAWL_ENOMEM, c->name, "out of memory");
    } else {
        size_t i;
        const json_t *o;
        json_array_foreach(objs, i, o)
        {
            const char *type = load_json_str(o, "type");
            if (!type || strcmp(type, "indicator") != 0) continue;
            r = indicator(&sx, o, err);
            if (r < 0) break;
        }
    }
    c->diag = saved_fn;
    c->ud = saved_ud;
    json_decref(sx.markings);
    json_decref(sx.reports);
    json_decref(objs);
    json_decref(root);
    return r;
}

/* ---- content sniffing ---------------------------------------------------- */

/* Looks at the first few KiB only: a bundle, or STIX objects (their ids
 * are "type--uuid"; 2.1 objects carry spec_version), and no MISP key. */
bool sniff_stix(const char *data, size_t len)
{
    const char *p;
    size_t n;
    if (!load_json_head(data, len, &p, &n)) return false;
    /* A MISP event converted from STIX may quote STIX ids in its values. */
    if (load_json_has_key(p, n, "\"Event\"") || load_json_has_key(p, n, "\"Attribute\""))
        return false;
    if (load_json_has_key(p, n, "\"spec_version\"")) return true;
    static const char *const ids[] = {"\"bundle--", "\"indicator--", "\"marking-definition--",
                                      "\"report--", "\"identity--"};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (memmem(p, n, ids[i], strlen(ids[i]))) return true;
    return false;
}
