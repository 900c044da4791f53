/* Allowlists: each MISP warninglist type's matching rule with its negatives,
 * matching_attributes, plain lists, the built-in list, load errors, and the
 * real misp-warninglists directory of the shared corpus (env TRAWL_CORPUS,
 * default /work/shared/corpus; those tests skip when it is absent). Expected
 * corpus numbers were obtained independently of trawl with the python3
 * commands quoted next to them. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trawl_allowlist.h"

/* ---- helpers ------------------------------------------------------------ */

struct diag_log {
    unsigned long errors, warnings;
    unsigned long lines[16];
    char first[512];
    char last_warning[512];
};

static void diag(void *ud, const char *file, unsigned long line, bool is_error, const char *msg)
{
    struct diag_log *d = ud;
    (void)file;
    if (is_error) {
        if (d->errors < 16) d->lines[d->errors] = line;
        if (!d->errors) snprintf(d->first, sizeof(d->first), "%lu: %s", line, msg);
        d->errors++;
    } else {
        snprintf(d->last_warning, sizeof(d->last_warning), "%s", msg);
        d->warnings++;
    }
}

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/trawl-allow-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (tmpdir[0]) cr_assert_eq(system(cmd), 0);
}

/* Writes text to tmpdir/rel (creating directories) and returns the path. */
static const char *write_file(const char *rel, const char *text)
{
    static char path[8][1024];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 1024, "%s/%s", tmpdir, rel);
    for (char *s = p + strlen(tmpdir) + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0700);
            *s = '/';
        }
    }
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(text, f);
    fclose(f);
    return p;
}

static struct trawl_allowlist *new_al(void)
{
    struct trawl_allowlist *al = NULL;
    cr_assert_eq(trawl_allowlist_new(&al), 0);
    cr_assert_not_null(al);
    return al;
}

/* Loads one JSON/plain text as a file; asserts success. */
static struct trawl_allowlist *load_text(const char *rel, const char *text, struct diag_log *d)
{
    struct trawl_allowlist *al = new_al();
    struct trawl_error err = {0};
    int r = trawl_allowlist_load(al, write_file(rel, text), diag, d, &err);
    cr_assert_eq(r, 0, "load: %s: %s", err.where, err.msg);
    return al;
}

#define HIT(al, t, v) trawl_allowlist_match((al), (t), (v), 0)

TestSuite(allowlist, .init = make_tmpdir, .fini = rm_tmpdir);

/* ---- the built-in list ------------------------------------------------------ */

Test(allowlist, defaults)
{
    struct trawl_allowlist *al = new_al();
    cr_assert_eq(trawl_allowlist_add_defaults(al), 0);
    cr_assert_eq(trawl_allowlist_add_defaults(al), 0, "second call is a no-op");
    cr_assert_eq(trawl_allowlist_count(al), 1);
    cr_assert_str_eq(trawl_allowlist_name(al, 0), "trawl-default");
    const char *d = "trawl-default";

    /* resolvers and special ranges */
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "8.8.8.8"), d);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "8.8.8.9"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "1.1.1.1"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "10.1.2.3"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_CIDR, "10.0.0.0/16"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_CIDR, "10.0.0.0/8"), d);
    cr_assert_null(HIT(al, TRAWL_T_CIDR, "10.0.0.0/7"), "wider than the range");
    cr_assert_null(HIT(al, TRAWL_T_CIDR, "8.8.8.0/24"), "contains 8.8.8.8 but is not inside");
    cr_assert_str_eq(HIT(al, TRAWL_T_CIDR, "8.8.8.8/32"), d);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "11.0.0.1"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "127.0.0.1"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "172.31.255.255"), d);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "172.32.0.1"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "100.127.0.1"), d);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "100.128.0.1"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "255.255.255.255"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "239.1.2.3"), d);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "192.169.0.1"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV6, "2001:4860:4860::8888"), d);
    cr_assert_null(HIT(al, TRAWL_T_IPV6, "2001:4860:4860::8889"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV6, "::1"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV6, "fe80::1"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV6, "fd12:3456::1"), d);
    /* documentation ranges stay out of the default list: tests use them */
    cr_assert_null(HIT(al, TRAWL_T_CIDR, "2001:db8:1::/48"));
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "192.0.2.1"));
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "203.0.113.9"));
    cr_assert_null(HIT(al, TRAWL_T_IPV6, "2a00:1450:4001::1"));

    /* platforms: the name and www.name only */
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "google.com"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "www.google.com"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "mail.google.com"), d, "listed service host");
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "sites.google.com"), "deeper subdomain");
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "evil-bucket.s3.amazonaws.com"));
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "s3.amazonaws.com"), d);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "amazonaws.com"), d);
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "github.com.evil.net"));
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "notgithub.com"));
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "www.www.google.com"));
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "https://google.com"), d, "URL without path");
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "http://www.github.com"), d);
    cr_assert_null(HIT(al, TRAWL_T_URL, "https://github.com/evil/repo"), "a path is content");
    cr_assert_null(HIT(al, TRAWL_T_URL, "https://google.com?q=x"));
    cr_assert_null(HIT(al, TRAWL_T_URL, "http://google.com:8080"));
    cr_assert_null(HIT(al, TRAWL_T_URL, "http://user@google.com"));
    cr_assert_null(HIT(al, TRAWL_T_EMAIL, "phisher@outlook.com"), "mailboxes are content");
    cr_assert_null(HIT(al, TRAWL_T_STRING, "google.com"), "strings are not checked");
    cr_assert_null(HIT(al, TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e"));

    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_str_eq(info.type, "builtin");
    cr_assert_str_eq(info.path, "");
    cr_assert_eq(info.rejected, 0);
    cr_assert_eq(info.duplicates, 0);
    cr_assert_gt(info.entries, 60);
    cr_assert_eq(trawl_allowlist_info(al, 1, &info), TRAWL_EINVAL);
    cr_assert_null(trawl_allowlist_name(al, 1));
    trawl_allowlist_free(al);
}

Test(allowlist, empty_and_null)
{
    struct trawl_allowlist *al = new_al();
    cr_assert_eq(trawl_allowlist_count(al), 0);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "8.8.8.8"));
    cr_assert_eq(trawl_allowlist_lookup(al, TRAWL_T_IPV4, "8.8.8.8", 0), -1);
    cr_assert_eq(trawl_allowlist_add_defaults(al), 0);
    cr_assert_eq(trawl_allowlist_lookup(al, TRAWL_T_COUNT, "8.8.8.8", 0), -1);
    cr_assert_eq(trawl_allowlist_lookup(al, TRAWL_T_NONE, "8.8.8.8", 0), -1);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, NULL));
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "not an address"));
    cr_assert_eq(trawl_allowlist_count(NULL), 0);
    trawl_allowlist_free(al);
    trawl_allowlist_free(NULL);
}

/* ---- MISP list types ------------------------------------------------------------ */

Test(allowlist, string_list)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al =
        load_text("s/list.json",
                  "{\"name\": \"Strings\", \"type\": \"string\", \"list\": [\"evil.example\", "
                  "\"D41D8CD98F00B204E9800998ECF8427E\", \"Foo Bar\", \" spaced \", \"\", "
                  "\"http://x.example/Path\", \"evil.example\", \"bob@Corp.example\", 42]}",
                  &d);
    cr_assert_eq(d.errors, 1, "the number: %s", d.first);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "evil.example"), "Strings");
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "sub.evil.example"), "string is exact");
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "evil.example.com"));
    cr_assert_str_eq(HIT(al, TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e"), "Strings");
    cr_assert_str_eq(HIT(al, TRAWL_T_EMAIL, "bob@corp.example"), "Strings");
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "Foo Bar"), "Strings");
    cr_assert_null(HIT(al, TRAWL_T_STRING, "foo bar"), "case-sensitive string indicator");
    cr_assert_str_eq(trawl_allowlist_match(al, TRAWL_T_STRING, "foo bar", TRAWL_IOC_NOCASE),
                     "Strings");
    cr_assert_null(HIT(al, TRAWL_T_STRING, "Foo"));
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "spaced"), "Strings", "entries are trimmed");
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "http://x.example/Path"), "Strings");
    cr_assert_null(HIT(al, TRAWL_T_URL, "http://x.example/path"), "URL paths keep case");

    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_str_eq(info.id, "s");
    cr_assert_str_eq(info.type, "string");
    cr_assert_eq(info.entries, 6);
    cr_assert_eq(info.duplicates, 1);
    cr_assert_eq(info.rejected, 1);
    trawl_allowlist_free(al);
}

Test(allowlist, hostname_list)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al =
        load_text("h.json",
                  "{\"name\": \"Hosts\", \"type\": \"hostname\", \"list\": [\"example.org\", "
                  "\".Dotted.NET.\", \"*.wild.io\", \"8.8.4.4\", \"bad host\", \"tab\\tname\", "
                  "\"0/24.2.0.192.in-addr.arpa\"]}",
                  &d);
    cr_assert_eq(d.errors, 2, "%s", d.first);
    const char *h = "Hosts";
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "example.org"), h);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "a.b.example.org"), h);
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "notexample.org"));
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "example.org.evil.com"));
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "org"));
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "dotted.net"), h);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "x.dotted.net"), h);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "wild.io"), h);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "deep.x.wild.io"), h);
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "https://sub.example.org/x?y"), h);
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "http://u:p@example.org:81/"), h);
    cr_assert_null(HIT(al, TRAWL_T_URL, "https://evil.com/example.org"));
    cr_assert_str_eq(HIT(al, TRAWL_T_EMAIL, "bob@mail.example.org"), h);
    cr_assert_null(HIT(al, TRAWL_T_EMAIL, "example.org@evil.com"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "8.8.4.4"), h);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "4.8.8.4"));
    cr_assert_null(HIT(al, TRAWL_T_STRING, "example.org"), "only host-bearing types");
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "0/24.2.0.192.in-addr.arpa"), h, "RFC 2317 name");
    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_str_eq(info.id, "h.json");
    cr_assert_eq(info.entries, 5);
    cr_assert_eq(info.rejected, 2);
    trawl_allowlist_free(al);
}

Test(allowlist, substring_list)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al = load_text(
        "sub/list.json",
        "{\"name\": \"Subs\", \"type\": \"substring\", \"list\": [\"tracking\", \"CDN-\"]}", &d);
    cr_assert_eq(d.errors, 0);
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "http://x.com/TRACKING/1"), "Subs");
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "my-cdn-host.com"), "Subs");
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "tracking"), "Subs");
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "cdn.com"));
    cr_assert_null(HIT(al, TRAWL_T_STRING, "trackin"));
    trawl_allowlist_free(al);
}

Test(allowlist, cidr_list)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al =
        load_text("c/list.json",
                  "{\"name\": \"Nets\", \"type\": \"cidr\", \"list\": [\"192.0.2.0/24\", "
                  "\"2001:db8::/32\", \"198.51.100.7\", \"10.0.0.1/8\", \"bogus\", "
                  "\"1.2.3.4/33\", \"::ffff:203.0.113.0/120\", \"192.0.2.0/24\"]}",
                  &d);
    cr_assert_eq(d.errors, 2, "%s", d.first);
    cr_assert_eq(d.warnings, 1, "host bits of 10.0.0.1/8");
    const char *n = "Nets";
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "192.0.2.55"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_CIDR, "192.0.2.0/25"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_CIDR, "192.0.2.0/24"), n);
    cr_assert_null(HIT(al, TRAWL_T_CIDR, "192.0.2.0/23"));
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "192.0.3.1"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "198.51.100.7"), n);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "198.51.100.8"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV6, "2001:db8::5"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_CIDR, "2001:db8:ff00::/40"), n);
    cr_assert_null(HIT(al, TRAWL_T_IPV6, "2001:db9::1"));
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "10.9.9.9"), n, "masked to 10.0.0.0/8");
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "203.0.113.9"), n, "mapped entry is IPv4");
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV6, "::ffff:cb00:7109"), n, "mapped = the IPv4 address");
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "192.0.2.1.example"));
    cr_assert_null(HIT(al, TRAWL_T_STRING, "192.0.2.1"), "cidr lists check addresses only");
    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_eq(info.entries, 5);
    cr_assert_eq(info.duplicates, 1);
    cr_assert_eq(info.rejected, 2);
    trawl_allowlist_free(al);
}

Test(allowlist, regex_list)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al = load_text(
        "r/list.json",
        "{\"name\": \"Regexes\", \"type\": \"regex\", \"list\": [\"/^evil[0-9]+\\\\.com$/\", "
        "\"/^BAD/i\", \"^naked$\", \"/(unclosed/\", \"/.*/\", \"#^a/b#\", \"/^x  y$/x\", "
        "\"/z$/A\"]}",
        &d);
    cr_assert_eq(d.errors, 2, "%s", d.first);
    const char *r = "Regexes";
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "evil12.com"), r);
    cr_assert_null(HIT(al, TRAWL_T_STRING, "EVIL12.com"), "no i flag: case-sensitive");
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "sub.evil12.com"));
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "bad thing"), r);
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "NAKED"), r, "no delimiters: caseless");
    cr_assert_null(HIT(al, TRAWL_T_STRING, "naked eye"));
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "a/b"), r, "# delimiters");
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "xy"), r, "x flag ignores blanks");
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "z"), r, "A flag anchors");
    cr_assert_null(HIT(al, TRAWL_T_STRING, "az"), "A flag anchors at the start");
    cr_assert_null(HIT(al, TRAWL_T_STRING, "anything else"));
    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_eq(info.entries, 6);
    cr_assert_eq(info.rejected, 2);
    trawl_allowlist_free(al);
}

struct thread_arg {
    struct trawl_allowlist *al;
    int hits;
};

static void *lookup_thread(void *p)
{
    struct thread_arg *a = p;
    for (int i = 0; i < 2000; i++) {
        char v[64];
        snprintf(v, sizeof(v), i % 2 ? "evil%d.com" : "good%d.com", i);
        if (trawl_allowlist_match(a->al, TRAWL_T_DOMAIN, v, 0)) a->hits++;
    }
    return NULL;
}

Test(allowlist, concurrent_regex_lookups)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al = load_text(
        "t/list.json", "{\"name\": \"R\", \"type\": \"regex\", \"list\": [\"/^evil\\\\d+/\"]}", &d);
    pthread_t th[4];
    struct thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){.al = al};
        cr_assert_eq(pthread_create(&th[i], NULL, lookup_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(args[i].hits, 1000);
    }
    trawl_allowlist_free(al);
}

/* ---- matching_attributes ---------------------------------------------------------- */

Test(allowlist, matching_attributes)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al = new_al();
    struct trawl_error err;
    cr_assert_eq(
        trawl_allowlist_load(al,
                             write_file("ip/list.json",
                                        "{\"name\": \"IPs\", \"type\": \"string\", \"list\": "
                                        "[\"1.2.3.4\", \"evil.example\"], \"matching_attributes\": "
                                        "[\"ip-dst\", \"ip-src|port\"]}"),
                             diag, &d, &err),
        0);
    cr_assert_eq(
        trawl_allowlist_load(al,
                             write_file("fh/list.json",
                                        "{\"name\": \"FileHash\", \"type\": \"string\", \"list\": "
                                        "[\"evil.example\", \"d41d8cd98f00b204e9800998ecf8427e\", "
                                        "\"x.exe\"], \"matching_attributes\": [\"filename|md5\"]}"),
                             diag, &d, &err),
        0);
    cr_assert_eq(
        trawl_allowlist_load(al,
                             write_file("none/list.json",
                                        "{\"name\": \"Nothing\", \"type\": \"string\", \"list\": "
                                        "[\"evil.example\"], \"matching_attributes\": [\"sha512\", "
                                        "\"ssdeep\"]}"),
                             diag, &d, &err),
        0);
    cr_assert_eq(d.warnings, 1, "a list that never matches is reported");
    cr_assert(strstr(d.last_warning, "never matches"), "%s", d.last_warning);
    cr_assert_eq(
        trawl_allowlist_load(al,
                             write_file("all/list.json",
                                        "{\"name\": \"All\", \"type\": \"string\", \"list\": "
                                        "[\"evil.example\", \"1.2.3.4\"], \"matching_attributes\": "
                                        "[\"ALL\"]}"),
                             diag, &d, &err),
        0);
    cr_assert_eq(trawl_allowlist_count(al), 4);
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "1.2.3.4"), "IPs");
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "evil.example"), "All", "IPs, FileHash skipped");
    cr_assert_str_eq(HIT(al, TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e"), "FileHash");
    cr_assert_str_eq(HIT(al, TRAWL_T_FILENAME, "X.EXE"), "FileHash", "filenames are caseless");
    cr_assert_null(HIT(al, TRAWL_T_SHA1, "d41d8cd98f00b204e9800998ecf8427e"));
    cr_assert_eq(trawl_allowlist_lookup(al, TRAWL_T_DOMAIN, "evil.example", 0), 3);

    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_eq(info.types, (1u << TRAWL_T_IPV4) | (1u << TRAWL_T_IPV6) | (1u << TRAWL_T_CIDR));
    cr_assert_eq(trawl_allowlist_info(al, 1, &info), 0);
    cr_assert_eq(info.types, (1u << TRAWL_T_FILENAME) | (1u << TRAWL_T_MD5));
    cr_assert_eq(trawl_allowlist_info(al, 2, &info), 0);
    cr_assert_eq(info.types, 0);
    trawl_allowlist_free(al);
}

Test(allowlist, list_with_comments_object)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al = load_text(
        "o.json",
        "{\"type\": \"hostname\", \"list\": {\"example.com\": \"our site\", \"x.net\": \"\"}}", &d);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "www.example.com"), "o.json", "no name: the id");
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "x.net"), "o.json");
    trawl_allowlist_free(al);
}

/* ---- plain lists -------------------------------------------------------------------- */

Test(allowlist, plain_list)
{
    struct diag_log d = {0};
    char text[TRAWL_IOC_MAX + 4096];
    char longline[TRAWL_IOC_MAX + 1001];
    memset(longline, 'a', TRAWL_IOC_MAX + 1000);
    longline[TRAWL_IOC_MAX + 1000] = '\0';
    snprintf(text, sizeof(text),
             "\xef\xbb\xbf# our infrastructure\n"
             "corp.example           # main domain\n"
             "\n"
             "10.20.0.0/16\r\n"
             "2001:db8:1::/48\n"
             "hxxp://intranet[.]corp.example/Login\n"
             "D41D8CD98F00B204E9800998ECF8427E\n"
             "Some Literal\n"
             "%s\n"
             "*.partner.example\n"
             "192.0.2.1\n"
             "corp.example\n",
             longline);
    struct trawl_allowlist *al = load_text("corp.txt", text, &d);
    cr_assert_eq(d.errors, 1, "%s", d.first);
    cr_assert_eq(d.lines[0], 9, "the over-long line");
    const char *n = "corp.txt";
    cr_assert_str_eq(trawl_allowlist_name(al, 0), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "corp.example"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "vpn.corp.example"), n);
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "corp.example.evil"));
    cr_assert_str_eq(HIT(al, TRAWL_T_EMAIL, "it@corp.example"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "https://corp.example/x"), n, "hostname entry");
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "10.20.3.4"), n);
    cr_assert_null(HIT(al, TRAWL_T_IPV4, "10.21.3.4"));
    cr_assert_str_eq(HIT(al, TRAWL_T_CIDR, "2001:db8:1:2::/64"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "192.0.2.1"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_STRING, "Some Literal"), n);
    cr_assert_null(HIT(al, TRAWL_T_STRING, "some literal"));
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "a.partner.example"), n);
    cr_assert_str_eq(HIT(al, TRAWL_T_DOMAIN, "partner.example"), n);
    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_str_eq(info.type, "plain");
    cr_assert_eq(info.entries, 8);
    cr_assert_eq(info.duplicates, 1);
    cr_assert_eq(info.rejected, 1);
    trawl_allowlist_free(al);
}

Test(allowlist, plain_url_entry_is_exact)
{
    struct diag_log d = {0};
    struct trawl_allowlist *al =
        load_text("urls.txt", "hxxps://intranet[.]corp.example/Login\n", &d);
    cr_assert_str_eq(HIT(al, TRAWL_T_URL, "https://intranet.corp.example/Login"), "urls.txt");
    cr_assert_null(HIT(al, TRAWL_T_URL, "https://intranet.corp.example/login"));
    cr_assert_null(HIT(al, TRAWL_T_DOMAIN, "intranet.corp.example"));
    trawl_allowlist_free(al);
}

/* ---- errors and directories ------------------------------------------------------------ */

Test(allowlist, bad_json_has_line_and_column)
{
    struct trawl_allowlist *al = new_al();
    cr_assert_eq(trawl_allowlist_add_defaults(al), 0);
    struct trawl_error err = {0};
    const char *p =
        write_file("bad/list.json", "{\n  \"name\": \"x\",\n  \"list\": [\"a\",, ]\n}\n");
    int r = trawl_allowlist_load(al, p, diag, NULL, &err);
    cr_assert_eq(r, TRAWL_EFORMAT);
    char want[1200];
    snprintf(want, sizeof(want), "%s:3:", p);
    cr_assert_eq(strncmp(err.where, want, strlen(want)), 0, "where = %s", err.where);
    cr_assert_gt(atoi(err.where + strlen(want)), 0, "a column: %s", err.where);
    cr_assert_neq(err.msg[0], '\0');
    cr_assert_eq(trawl_allowlist_count(al), 1, "unchanged");
    trawl_allowlist_free(al);
}

Test(allowlist, structural_errors)
{
    struct trawl_allowlist *al = new_al();
    struct trawl_error err = {0};
    cr_assert_eq(
        trawl_allowlist_load(al, write_file("a.json", "{\"name\": \"x\"}"), NULL, NULL, &err),
        TRAWL_EFORMAT);
    cr_assert(strstr(err.msg, "list"), "%s", err.msg);
    cr_assert_eq(trawl_allowlist_load(al, write_file("b.json", "[1, 2]"), NULL, NULL, &err),
                 TRAWL_EFORMAT);
    cr_assert_eq(
        trawl_allowlist_load(al, write_file("c.json", "{\"type\": \"fuzzy\", \"list\": [\"a\"]}"),
                             NULL, NULL, &err),
        TRAWL_EFORMAT);
    cr_assert(strstr(err.msg, "fuzzy"), "%s", err.msg);
    char missing[1024];
    snprintf(missing, sizeof(missing), "%s/does-not-exist", tmpdir);
    cr_assert_eq(trawl_allowlist_load(al, missing, NULL, NULL, &err), TRAWL_EIO);
    char empty[1024];
    snprintf(empty, sizeof(empty), "%s/emptydir", tmpdir);
    cr_assert_eq(mkdir(empty, 0700), 0);
    cr_assert_eq(trawl_allowlist_load(al, empty, NULL, NULL, &err), TRAWL_EINVAL);
    cr_assert_eq(trawl_allowlist_count(al), 0);
    trawl_allowlist_free(al);
}

Test(allowlist, directory)
{
    write_file("lists/b-second/list.json",
               "{\"name\": \"Second\", \"type\": \"cidr\", \"list\": [\"192.0.2.0/24\"]}");
    write_file("lists/a-first/deeper/list.json",
               "{\"name\": \"First\", \"type\": \"string\", \"list\": [\"192.0.2.1\"]}");
    write_file("lists/README.md", "not a list\n");
    write_file("lists/b-second/other.json", "{ not even json");
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/lists", tmpdir);
    struct trawl_allowlist *al = new_al();
    struct trawl_error err = {0};
    cr_assert_eq(trawl_allowlist_load(al, dir, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(trawl_allowlist_count(al), 2);
    cr_assert_str_eq(trawl_allowlist_name(al, 0), "First");
    cr_assert_str_eq(trawl_allowlist_name(al, 1), "Second");
    struct trawl_allowlist_info info;
    cr_assert_eq(trawl_allowlist_info(al, 0, &info), 0);
    cr_assert_str_eq(info.id, "deeper");
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "192.0.2.1"), "First");
    cr_assert_str_eq(HIT(al, TRAWL_T_IPV4, "192.0.2.2"), "Second");

    /* one broken list: nothing of the directory is kept */
    write_file("lists/c-broken/list.json", "{\"list\": [");
    cr_assert_eq(trawl_allowlist_load(al, dir, NULL, NULL, &err), TRAWL_EFORMAT);
    cr_assert(strstr(err.where, "c-broken/list.json:"), "%s", err.where);
    cr_assert_eq(trawl_allowlist_count(al), 2);
    trawl_allowlist_free(al);
}

/* ---- the real misp-warninglists ------------------------------------------------------- */

static const char *corpus_lists(void)
{
    static char buf[4096];
    const char *root = getenv("TRAWL_CORPUS");
    if (!root || !*root) root = "/work/shared/corpus";
    snprintf(buf, sizeof(buf), "%s/formats/misp-warninglists", root);
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) cr_skip_test("%s not found", buf);
    return buf;
}

static struct trawl_allowlist *load_corpus(void)
{
    struct trawl_allowlist *al = new_al();
    struct diag_log d = {0};
    struct trawl_error err = {0};
    cr_assert_eq(trawl_allowlist_load(al, corpus_lists(), diag, &d, &err), 0, "%s: %s", err.where,
                 err.msg);
    cr_assert_eq(d.errors, 0, "%s", d.first);
    cr_assert_eq(d.warnings, 0, "%s", d.last_warning);
    return al;
}

Test(allowlist, corpus_lists_and_counts)
{
    struct trawl_allowlist *al = load_corpus();
    /* Expected, in path order; entries = distinct non-empty entries (cidr
     * by network, hostname lower-cased without end dots, else verbatim):
     *   cd $TRAWL_CORPUS/formats/misp-warninglists && python3 -c '
     *   import json,glob,ipaddress
     *   for f in sorted(glob.glob("** /list.json",recursive=True)):   (no blank in "** /")
     *     d=json.load(open(f)); t=d["type"]; L=[e.strip() for e in d["list"] if e.strip()]
     *     k={ipaddress.ip_network(e,strict=False) for e in L} if t=="cidr" else
     *       {e.lower().strip(".") for e in L} if t=="hostname" else set(L)
     *     print(f.split("/")[0], t, len(k), d["name"])'
     * (every list has as many distinct entries as entries, and none is bad). */
    static const struct {
        const char *id, *type;
        size_t entries;
        const char *name;
    } want[] = {
        {"akamai", "cidr", 268, "List of known Akamai IP ranges"},
        {"alexa", "hostname", 1000, "Top 1000 website from Alexa"},
        {"amazon-aws", "cidr", 3847, "List of known Amazon AWS IP address ranges"},
        {"cloudflare", "cidr", 22, "List of known Cloudflare IP ranges"},
        {"common-ioc-false-positive", "string", 69,
         "List of known hashes with common false-positives (based on Florian Roth input list)"},
        {"empty-hashes", "string", 6, "List of known hashes for empty files"},
        {"google", "string", 669, "List of known google domains"},
        {"microsoft", "string", 191, "List of known microsoft domains"},
        {"public-dns-hostname", "hostname", 34783,
         "List of known public DNS resolvers expressed as hostname"},
        {"public-dns-v4", "cidr", 62745, "List of known IPv4 public DNS resolvers"},
        {"public-dns-v6", "cidr", 269, "List of known IPv6 public DNS resolvers"},
        {"rfc1918", "cidr", 3, "List of RFC 1918 CIDR blocks"},
        {"rfc5735", "cidr", 15, "List of RFC 5735 CIDR blocks"},
        {"rfc6761", "string", 21, "List of RFC 6761 Special-Use Domain Names"},
        {"second-level-tlds", "string", 10231, "Second level TLDs as known by Mozilla Foundation"},
        {"tlds", "string", 1438, "TLDs as known by IANA"},
        {"url-shortener", "hostname", 255, "List of known URL Shorteners domains"},
    };
    size_t nwant = sizeof(want) / sizeof(want[0]);
    cr_assert_eq(trawl_allowlist_count(al), nwant);
    for (size_t i = 0; i < nwant; i++) {
        struct trawl_allowlist_info info;
        cr_assert_eq(trawl_allowlist_info(al, i, &info), 0);
        cr_assert_str_eq(info.id, want[i].id);
        cr_assert_str_eq(info.type, want[i].type, "%s", want[i].id);
        cr_assert_str_eq(info.name, want[i].name);
        cr_assert_eq(info.entries, want[i].entries, "%s: %zu", want[i].id, info.entries);
        cr_assert_eq(info.duplicates, 0, "%s", want[i].id);
        cr_assert_eq(info.rejected, 0, "%s", want[i].id);
    }
    trawl_allowlist_free(al);
}

Test(allowlist, corpus_spot_checks)
{
    struct trawl_allowlist *al = load_corpus();
    /* Expected lists from an independent python re-implementation of the
     * rules (first list in path order whose matching_attributes admit the
     * type; string exact, caseless for domains/hashes; hostname on label
     * suffixes; cidr by ipaddress.subnet_of). */
    static const struct {
        enum trawl_ioc_type t;
        const char *v, *id;
    } cases[] = {
        {TRAWL_T_IPV4, "8.8.8.8", "public-dns-v4"},
        {TRAWL_T_IPV4, "192.168.1.1", "rfc1918"},
        {TRAWL_T_CIDR, "10.0.0.0/16", "rfc1918"},
        {TRAWL_T_IPV4, "127.0.0.1", "rfc5735"},
        {TRAWL_T_DOMAIN, "google.com", "alexa"},
        {TRAWL_T_DOMAIN, "co.uk", "second-level-tlds"},
        {TRAWL_T_DOMAIN, "gov.uk", "second-level-tlds"},
        {TRAWL_T_DOMAIN, "example.com", "public-dns-hostname"},
        {TRAWL_T_DOMAIN, "bit.ly", "url-shortener"},
        {TRAWL_T_URL, "https://bit.ly/abc", "url-shortener"},
        {TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e", "common-ioc-false-positive"},
        {TRAWL_T_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "common-ioc-false-positive"},
        {TRAWL_T_IPV4, "1.178.1.5", "amazon-aws"},
        {TRAWL_T_IPV4, "104.16.1.1", "cloudflare"},
        {TRAWL_T_IPV4, "23.0.0.1", "akamai"},
        {TRAWL_T_IPV6, "2001:148f:fffe::1", "public-dns-v6"},
        {TRAWL_T_DOMAIN, "evil-bucket.s3.amazonaws.com", "alexa"}, /* MISP's hostname rule */
        {TRAWL_T_URL, "https://mail.google.com/x", "alexa"},
        {TRAWL_T_DOMAIN, "10.in-addr.arpa", "rfc6761"},
        {TRAWL_T_DOMAIN, "google.ad", "google"},
        {TRAWL_T_DOMAIN, "mail.ru", "alexa"},
        {TRAWL_T_DOMAIN, "xn--nonexistent-abc.zz", NULL},
        {TRAWL_T_IPV4, "11.0.0.1", NULL},
        {TRAWL_T_EMAIL, "someone@google.com", NULL}, /* no list admits email */
        /* filename|md5 admits file names too */
        {TRAWL_T_FILENAME, "D41D8CD98F00B204E9800998ECF8427E", "common-ioc-false-positive"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long k = trawl_allowlist_lookup(al, cases[i].t, cases[i].v, 0);
        if (!cases[i].id) {
            cr_assert_eq(k, -1, "%s matched %s", cases[i].v, trawl_allowlist_name(al, (size_t)k));
            continue;
        }
        cr_assert_geq(k, 0, "%s: no match", cases[i].v);
        struct trawl_allowlist_info info;
        cr_assert_eq(trawl_allowlist_info(al, (size_t)k, &info), 0);
        cr_assert_str_eq(info.id, cases[i].id, "%s", cases[i].v);
        cr_assert_str_eq(trawl_allowlist_match(al, cases[i].t, cases[i].v, 0), info.name);
    }
    trawl_allowlist_free(al);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(allowlist, corpus_million_lookups, .timeout = 120)
{
    struct trawl_allowlist *al = load_corpus();
    cr_assert_eq(trawl_allowlist_add_defaults(al), 0);
    /* 1M indicators: addresses, domains of several depths, URLs, hashes. */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    size_t hits = 0;
    double t0 = now_s();
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char v[160];
        enum trawl_ioc_type t;
        switch (i % 5) {
        case 0:
            t = TRAWL_T_IPV4;
            snprintf(v, sizeof(v), "%u.%u.%u.%u", (unsigned)(x >> 56), (unsigned)(x >> 48) & 255,
                     (unsigned)(x >> 40) & 255, (unsigned)(x >> 32) & 255);
            break;
        case 1:
            t = TRAWL_T_DOMAIN;
            snprintf(v, sizeof(v), "host%u.sub%u.example%u.com", (unsigned)(x & 0xffff),
                     (unsigned)(x >> 16) & 15, (unsigned)(x >> 20) & 0xfff);
            break;
        case 2:
            t = TRAWL_T_URL;
            snprintf(v, sizeof(v), "http://a%u.b.c%u.net/path/%u", (unsigned)(x & 0xfff),
                     (unsigned)(x >> 12) & 0xfff, (unsigned)(x >> 24));
            break;
        case 3:
            t = TRAWL_T_MD5;
            snprintf(v, sizeof(v), "%016llx%016llx", (unsigned long long)x, (unsigned long long)~x);
            break;
        default:
            t = TRAWL_T_IPV6;
            snprintf(v, sizeof(v), "2001:%x:%x::%x", (unsigned)(x & 0xffff),
                     (unsigned)(x >> 16) & 0xffff, (unsigned)(x >> 32) & 0xffff);
            break;
        }
        if (trawl_allowlist_lookup(al, t, v, 0) >= 0) hits++;
    }
    double dt = now_s() - t0;
    cr_log_info("1M lookups against %zu lists: %.2f s, %zu hits", trawl_allowlist_count(al), dt,
                hits);
    cr_assert_gt(hits, 0, "some random IPv4 fall in public ranges");
    cr_assert_lt(dt, 30.0, "%.2f s", dt); /* a few seconds normally; ASan is slower */
    trawl_allowlist_free(al);
}
