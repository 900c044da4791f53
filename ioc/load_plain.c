/* Plain list loader: one indicator per line, as most feeds and reports ship
 * them. '#' starts a comment line, and " #..." after a blank ends a line's
 * value; blank lines, CRLF and a UTF-8 BOM are fine; defanged values are
 * refanged by the shared add step. Loki/THOR (signature-base) lists write
 * "VALUE;COMMENT" or "VALUE;SCORE": the part before the first ';' is taken. */
#include <string.h>

#include "load_internal.h"

/* Where a Loki-style ";comment" starts, or NULL. A ';' is legal inside URLs
 * ("/a;jsessionid=1"), so for a value containing "://" the split is made
 * only when what follows looks like a comment: a blank, or a bare score. */
static const char *semicolon_split(const char *s, size_t n)
{
    size_t head = 0;
    while (head < n && s[head] != ';')
        head++;
    if (head == n) return NULL;
    const char *semi = s + head;
    bool urlish = memmem(s, head, "://", 3) || memmem(s, head, "[:", 2);
    if (!urlish) return semi;
    const char *r = semi + 1, *e = s + n;
    if (r < e && load_isblank(*r)) return semi;
    const char *d = r;
    while (d < e && *d >= '0' && *d <= '9')
        d++;
    return (d > r && d == e) ? semi : NULL;
}

int load_plain(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    const char *p = data, *end = data + len;
    unsigned long line = 0;
    struct load_item it;
    load_item_init(&it);
    load_skip_bom(&p, end);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *s = p;
        size_t n = (size_t)((nl ? nl : end) - p);
        p = nl ? nl + 1 : end;
        line++;
        c->stats->lines++;

        load_trim(&s, &n);
        if (n == 0 || s[0] == '#') continue;
        /* Trailing comment: '#' after a blank (a '#' inside a URL is a
         * fragment and has no blank before it). */
        for (size_t i = 1; i < n; i++) {
            if (s[i] == '#' && load_isblank(s[i - 1])) {
                n = i;
                load_trim(&s, &n);
                break;
            }
        }
        const char *semi = semicolon_split(s, n);
        if (semi) n = (size_t)(semi - s);
        int r = load_add(c, line, s, n, &it);
        if (r < 0) return trawl_error_set(err, r, c->name, "%s", trawl_strerror(r));
    }
    return 0;
}
