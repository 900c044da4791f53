/* Private to the JSON loaders (load_stix.c, load_misp.c): jansson helpers. */
#ifndef TRAWL_LOAD_JSON_H
#define TRAWL_LOAD_JSON_H

#include <jansson.h>
#include <stdio.h>

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

#endif
