/* common/: JSON string escaping, buffers, hashing, ISO 8601 time. */
#include <criterion/criterion.h>
#include <string.h>

#include "trawl_common.h"

static char *esc(const void *s, size_t n)
{
    static struct trawl_buf b;
    b.len = 0;
    cr_assert_eq(trawl_buf_json_str(&b, s, n), 0);
    return b.data ? b.data : "";
}

Test(util, json_escaping)
{
    cr_assert_str_eq(esc("plain text", 10), "plain text");
    cr_assert_str_eq(esc("a\"b\\c", 5), "a\\\"b\\\\c");
    cr_assert_str_eq(esc("l1\r\nl2\tx", 8), "l1\\r\\nl2\\tx");
    cr_assert_str_eq(esc("\x00\x01\x1f\x7f", 4), "\\u0000\\u0001\\u001f\\u007f");
    /* valid UTF-8 passes through, invalid bytes are escaped one by one */
    cr_assert_str_eq(esc("caf\xc3\xa9", 5), "caf\xc3\xa9");
    cr_assert_str_eq(esc("\xe2\x82\xac", 3), "\xe2\x82\xac");
    cr_assert_str_eq(esc("\xf0\x9f\x94\x8d", 4), "\xf0\x9f\x94\x8d");
    cr_assert_str_eq(esc("\xc3", 1), "\\u00c3");                       /* truncated sequence */
    cr_assert_str_eq(esc("\xc0\xaf", 2), "\\u00c0\\u00af");            /* overlong */
    cr_assert_str_eq(esc("\xed\xa0\x80", 3), "\\u00ed\\u00a0\\u0080"); /* surrogate */
    cr_assert_str_eq(esc("\xff\xfe", 2), "\\u00ff\\u00fe");
}

Test(util, json_escaping_large_binary)
{
    unsigned char in[4096];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (unsigned char)(i * 7);
    struct trawl_buf b = {0};
    cr_assert_eq(trawl_buf_json_str(&b, in, sizeof(in)), 0);
    cr_assert_eq(strlen(b.data), b.len);
    for (size_t i = 0; i < b.len; i++)
        cr_assert((unsigned char)b.data[i] >= 0x20, "control byte at %zu", i);
    trawl_buf_free(&b);
}

Test(util, buffers)
{
    struct trawl_buf b = {0};
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(trawl_buf_printf(&b, "%d,", i), 0);
    cr_assert_eq(b.len, strlen(b.data));
    cr_assert(!strncmp(b.data, "0,1,2,", 6));
    cr_assert(!strcmp(b.data + b.len - 4, "999,"));
    cr_assert_eq(trawl_buf_putc(&b, 'x'), 0);
    cr_assert_eq(b.data[b.len - 1], 'x');
    trawl_buf_free(&b);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
}

Test(util, hash_is_stable_and_spreads)
{
    /* stored in database files: must not change between versions */
    cr_assert_eq(trawl_hash64("", 0, 0), trawl_hash64("", 0, 0));
    cr_assert_neq(trawl_hash64("evil.com", 8, 0), trawl_hash64("evil.con", 8, 0));
    cr_assert_neq(trawl_hash64("evil.com", 8, 0), trawl_hash64("evil.com", 8, 1));
    char buf[100];
    memset(buf, 'a', sizeof(buf));
    uint64_t seen[100];
    for (size_t n = 0; n < 100; n++) {
        seen[n] = trawl_hash64(buf, n, 0);
        for (size_t k = 0; k < n; k++)
            cr_assert_neq(seen[k], seen[n], "lengths %zu and %zu collide", k, n);
    }
}

Test(util, iso8601_parse)
{
    int64_t t;
    cr_assert_eq(trawl_parse_time("2026-01-31", &t), 0);
    cr_assert_eq(t, 1769817600);
    cr_assert_eq(trawl_parse_time("2026-01-31T12:00:00Z", &t), 0);
    cr_assert_eq(t, 1769817600 + 43200);
    cr_assert_eq(trawl_parse_time("2026-01-31T12:00:00.250+02:00", &t), 0);
    cr_assert_eq(t, 1769817600 + 43200 - 7200);
    cr_assert_eq(trawl_parse_time("2026-01-31 12:00", &t), 0);
    cr_assert_eq(t, 1769817600 + 43200);
    cr_assert_eq(trawl_parse_time("1769817600", &t), 0);
    cr_assert_eq(t, 1769817600);
    cr_assert_neq(trawl_parse_time("2026-13-01", &t), 0);
    cr_assert_neq(trawl_parse_time("31/01/2026", &t), 0);
    cr_assert_neq(trawl_parse_time("2026-01-31Tnoon", &t), 0);
    cr_assert_neq(trawl_parse_time("", &t), 0);
}

Test(util, iso8601_format)
{
    char buf[40];
    trawl_format_time(1769817600.5, buf, sizeof(buf));
    cr_assert_str_eq(buf, "2026-01-31T00:00:00.500000+0000");
}

Test(util, errors)
{
    struct trawl_error e;
    cr_assert_eq(trawl_error_set(&e, TRAWL_EIO, "a.txt:3", "bad %s", "thing"), TRAWL_EIO);
    char buf[200];
    cr_assert_str_eq(trawl_error_str(&e, buf, sizeof(buf)), "a.txt:3: bad thing");
    cr_assert_eq(trawl_error_set(NULL, TRAWL_EINVAL, NULL, "x"), TRAWL_EINVAL);
    cr_assert_str_eq(trawl_strerror(TRAWL_ECORRUPT), "corrupt data");
}

Test(util, redis_url)
{
    char *host = NULL, *name = NULL;
    int port = 0;
    cr_assert_eq(trawl_redis_url_parse("redis://127.0.0.1:6379/trawl:hits", &host, &port, &name),
                 0);
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 6379);
    cr_assert_str_eq(name, "trawl:hits");
    free(host);
    free(name);
    cr_assert_eq(trawl_redis_url_parse("redis://[::1]:7000/q", &host, &port, &name), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 7000);
    cr_assert_str_eq(name, "q");
    free(host);
    free(name);
    static const char *const bad[] = {
        "http://h:1/s",      "redis://h/s",    "redis://:1/s",  "redis://h:0/s",
        "redis://h:65536/s", "redis://h:12",   "redis://h:12/", "redis://[::1:5/s",
        "redis://h:x/s",     "redis://h:-1/s", "redis://",      "redis://h:99999999999999999999/s",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        host = name = NULL;
        cr_assert_neq(trawl_redis_url_parse(bad[i], &host, &port, &name), 0, "%s", bad[i]);
        cr_assert_null(host, "%s", bad[i]);
        cr_assert_null(name, "%s", bad[i]);
    }
}
