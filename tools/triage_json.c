/* trawl triage: reads one hit line with jansson into the fields triage uses
 * (struct hit_json); the rest of the object is validated by the parser and
 * dropped. Strings are copied into one buffer reused from line to line. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage.h"

/* Copies a jansson value into v; strings go to h->buf at *used. */
static int take(struct hit_json *h, size_t *used, json_t *j, struct jval *v)
{
    memset(v, 0, sizeof(*v));
    if (!j) {
        v->kind = J_ABSENT;
        return 0;
    }
    switch (json_typeof(j)) {
    case JSON_NULL:
        v->kind = J_NULL;
        return 0;
    case JSON_TRUE:
        v->kind = J_TRUE;
        return 0;
    case JSON_FALSE:
        v->kind = J_FALSE;
        return 0;
    case JSON_INTEGER:
        v->kind = J_NUMBER;
        v->integer = true;
        v->ival = (long long)json_integer_value(j);
        v->num = (double)v->ival;
        return 0;
    case JSON_REAL:
        v->kind = J_NUMBER;
        v->num = json_real_value(j);
        return 0;
    case JSON_ARRAY:
        v->kind = J_ARRAY;
        return 0;
    case JSON_OBJECT:
        v->kind = J_OBJECT;
        return 0;
    case JSON_STRING: {
        size_t n = json_string_length(j);
        if (*used + n + 1 > h->cap_buf) {
            size_t cap = (*used + n + 1) * 2;
            char *b = realloc(h->buf, cap);
            if (!b) return -1;
            h->buf = b;
            h->cap_buf = cap;
        }
        v->kind = J_STRING;
        v->len = n;
        memcpy(h->buf + *used, json_string_value(j), n);
        h->buf[*used + n] = 0;
        v->s = (const char *)(uintptr_t)*used; /* an offset until the buffer is final */
        *used += n + 1;
        return 0;
    }
    }
    return 0;
}

static void fix(struct hit_json *h, struct jval *v)
{
    if (v->kind == J_STRING) v->s = h->buf + (uintptr_t)v->s;
}

int triage_json_read(struct hit_json *h, const char *line, size_t len, const char **why)
{
    static char reason[JSON_ERROR_TEXT_LENGTH + 32];
    json_error_t e;
    json_t *root = json_loadb(line, len, JSON_ALLOW_NUL, &e);
    if (!root) { /* jansson's own words, with the column */
        snprintf(reason, sizeof(reason), "invalid JSON at column %d: %s", e.column, e.text);
        *why = reason;
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        *why = "not a JSON object";
        return -1;
    }
    struct jval *keep = h->srcv;
    size_t cap = h->cap_sources;
    char *buf = h->buf;
    size_t cap_buf = h->cap_buf, used = 0;
    memset(h, 0, sizeof(*h));
    h->srcv = keep;
    h->cap_sources = cap;
    h->buf = buf;
    h->cap_buf = cap_buf;

    static const struct {
        const char *key;
        size_t off;
    } top[] =
        {
            {"ioc", offsetof(struct hit_json, ioc)},
            {"file", offsetof(struct hit_json, file)},
            {"line", offsetof(struct hit_json, line)},
            {"context", offsetof(struct hit_json, context)},
            {"hit_id", offsetof(struct hit_json, hit_id)},
            {"event_type", offsetof(struct hit_json, event_type)},
            {"timestamp", offsetof(struct hit_json, timestamp)},
            {"pcap_ts", offsetof(struct hit_json, pcap_ts)},
            {"first_seen", offsetof(struct hit_json, first_seen)},
            {"last_seen", offsetof(struct hit_json, last_seen)},
            {"count", offsetof(struct hit_json, count)},
            {"src_ip", offsetof(struct hit_json, src_ip)},
            {"dest_ip", offsetof(struct hit_json, dest_ip)},
        },
      in_ioc[] = {
          {"value", offsetof(struct hit_json, value)},
          {"type", offsetof(struct hit_json, type)},
          {"tlp", offsetof(struct hit_json, tlp)},
          {"severity", offsetof(struct hit_json, severity)},
          {"sources", offsetof(struct hit_json, sources)},
          {"redacted", offsetof(struct hit_json, redacted)},
      };
    int r = 0;
    for (size_t i = 0; !r && i < sizeof(top) / sizeof(top[0]); i++)
        r = take(h, &used, json_object_get(root, top[i].key),
                 (struct jval *)((char *)h + top[i].off));
    json_t *ioc = json_object_get(root, "ioc");
    if (json_is_object(ioc))
        for (size_t i = 0; !r && i < sizeof(in_ioc) / sizeof(in_ioc[0]); i++)
            r = take(h, &used, json_object_get(ioc, in_ioc[i].key),
                     (struct jval *)((char *)h + in_ioc[i].off));
    json_t *srcs = json_is_object(ioc) ? json_object_get(ioc, "sources") : NULL;
    size_t k;
    json_t *s;
    json_array_foreach(srcs, k, s)
    {
        if (r || !json_is_string(s) || !json_string_length(s)) continue;
        if (h->nsources == h->cap_sources) {
            size_t c = h->cap_sources ? h->cap_sources * 2 : 8;
            struct jval *n = realloc(h->srcv, c * sizeof(*n));
            if (!n) {
                r = -1;
                break;
            }
            h->srcv = n;
            h->cap_sources = c;
        }
        r = take(h, &used, s, &h->srcv[h->nsources++]);
    }
    json_decref(root);
    if (r) {
        *why = "out of memory";
        return -1;
    }
    /* the buffer has stopped moving: offsets become pointers */
    for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        fix(h, (struct jval *)((char *)h + top[i].off));
    for (size_t i = 0; i < sizeof(in_ioc) / sizeof(in_ioc[0]); i++)
        fix(h, (struct jval *)((char *)h + in_ioc[i].off));
    for (size_t i = 0; i < h->nsources; i++)
        fix(h, &h->srcv[i]);
    return 0;
}

void triage_json_free(struct hit_json *h)
{
    free(h->buf);
    free(h->srcv);
}
