/* Private to the JSON loaders (load_stix.c, load_misp.c): jansson helpers. */
#ifndef TRAWL_LOAD_JSON_H
#define TRAWL_LOAD_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "load_internal.h"

/* The error of a failed json_loadb: "file:line:column: invalid JSON: ...". */
static inline int load_json_fail(struct load_ctx *c, const json_error_t *je,
                                 struct trawl_error *err)
{
    char where[600];
    if (json_error_code(je) == json_error_out_of_memory)
        return trawl_error_set(err, TRAWL_ENOMEM, c->name, "out of memory parsing JSON");
    snprintf(where, sizeof(where), "%s:%d:%d", c->name, je->line, je->column);
    return trawl_error_set(err, TRAWL_EFORMAT, where, "invalid JSON: %s", je->text);
}

/* The string member key of o, or NULL. */
static inline const char *load_json_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The first at most 4 KiB of a JSON document, after a BOM and blanks, in
 * [*head, *head + *n): false when it does not start an object or array. */
static inline bool load_json_head(const char *data, size_t len, const char **head, size_t *n)
{
    const char *p = data, *end = data + len;
    load_skip_bom(&p, end);
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p >= end || (*p != '{' && *p != '[')) return false;
    *head = p;
    *n = (size_t)(end - p) < 4096 ? (size_t)(end - p) : 4096;
    return true;
}

/* Whether s[0, n) holds key (with its quotes) followed by a colon. */
static inline bool load_json_has_key(const char *s, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = s; (p = memmem(p, n - (size_t)(p - s), key, kl)) != NULL; p += kl) {
        const char *q = p + kl;
        while (q < s + n && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
            q++;
        if (q < s + n && *q == ':') return true;
    }
    return false;
}

#endif
