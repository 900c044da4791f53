/* Tests of the free-text datasheet loader and of sniff_text: every refang
 * form, Markdown/AsciiDoc tables and code, HTML tags and entities, version
 * numbers, file and detection names, reference links in defanged documents,
 * TLP markings in English and French; and the corpus: prose Unit 42 lists and
 * the ESET free-text datasheets against their expected.json "must_extract"
 * (skipped when the corpus is absent). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trawl_ioc.h"

#include "ioc_test.h"

/* Counts diagnostics and keeps only the last message (the shared collector
 * in ioc_test.h keeps each one). */
struct diag_tally {
    size_t errors, warnings;
    char last[400];
};

static void tally(void *ud, const char *file, unsigned long line, bool is_error, const char *msg)
{
    (void)file;
    (void)line;
    struct diag_tally *d = ud;
    cr_assert_null(strchr(msg, '\n'));
    if (is_error)
        d->errors++;
    else
        d->warnings++;
    snprintf(d->last, sizeof(d->last), "%s", msg);
}

/* Nothing of any type has this value. */
static void must_not_have(const struct trawl_iocset *s, const char *value)
{
    for (int t = 0; t < TRAWL_T_COUNT; t++)
        cr_assert_lt(find(s, (enum trawl_ioc_type)t, value), 0, "\"%s\" loaded as %s", value,
                     trawl_ioc_type_name(t));
}

/* Loads a file with format detection; fails the test on error. */
static struct trawl_iocset *load_path(const char *path, struct trawl_load_stats *st,
                                      struct diag_tally *d)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_file(s, path, &o, st, d ? tally : NULL, d, &err), 0, "%s: %s: %s",
                 path, err.where, err.msg);
    return s;
}

/* Loads text from memory as TEXT. */
static struct trawl_iocset *load_str(const char *name, const char *text, enum trawl_format fmt,
                                     struct trawl_load_stats *st)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = fmt;
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_mem(s, name, text, strlen(text), &o, st, NULL, NULL, &err), 0, "%s",
                 err.msg);
    return s;
}

/* ---- refanging ------------------------------------------------------------ */

Test(text, every_refang_form)
{
    static const char t[] =
        "The actor used hxxp://one-sample[.]com/a and hXXps://two-sample[.]com/b, then\n"
        "hxxps[:]//three-sample[.]com/c and http[:]//four-sample[.]com/d and\n"
        "http[://]five-sample[.]com/e. Mail came from a[@]six-sample[.]com, b[at]seven-sample"
        "[.]com,\n"
        "c(at)eight-sample(.)com and first.last@nine-sample[.]com. Hosts: ten-sample(.)com,\n"
        "eleven-sample(dot)com, twelve-sample[dot]com, thirteen-sample{.}com and\n"
        "fourteen [.] sample-spaced [.] com; user [at] fifteen-sample [dot] com too.\n"
        "Addresses 192.0.2[.]1, 198[.]51[.]100[.]2 and 2001:db8[:]:7:0:0:0:1 and\n"
        "hxxp://sixteen-sample[.]com[/]path.\n";
    struct trawl_iocset *s = load_str("report.txt", t, TRAWL_FMT_TEXT, NULL);
    view_of(s, TRAWL_T_URL, "http://one-sample.com/a");
    view_of(s, TRAWL_T_URL, "https://two-sample.com/b");
    view_of(s, TRAWL_T_URL, "https://three-sample.com/c");
    view_of(s, TRAWL_T_URL, "http://four-sample.com/d");
    view_of(s, TRAWL_T_URL, "http://five-sample.com/e");
    view_of(s, TRAWL_T_URL, "http://sixteen-sample.com/path");
    view_of(s, TRAWL_T_EMAIL, "a@six-sample.com");
    view_of(s, TRAWL_T_EMAIL, "b@seven-sample.com");
    view_of(s, TRAWL_T_EMAIL, "c@eight-sample.com");
    view_of(s, TRAWL_T_EMAIL, "first.last@nine-sample.com");
    view_of(s, TRAWL_T_EMAIL, "user@fifteen-sample.com");
    view_of(s, TRAWL_T_DOMAIN, "ten-sample.com");
    view_of(s, TRAWL_T_DOMAIN, "eleven-sample.com");
    view_of(s, TRAWL_T_DOMAIN, "twelve-sample.com");
    view_of(s, TRAWL_T_DOMAIN, "thirteen-sample.com");
    view_of(s, TRAWL_T_DOMAIN, "fourteen.sample-spaced.com");
    view_of(s, TRAWL_T_IPV4, "192.0.2.1");
    view_of(s, TRAWL_T_IPV4, "198.51.100.2");
    view_of(s, TRAWL_T_IPV6, "2001:db8:0:7::1");
    cr_assert_eq(trawl_iocset_count(s), 19);
    trawl_iocset_free(s);
}

/* ---- Markdown, AsciiDoc, HTML ------------------------------------------------ */

Test(text, markdown_datasheet)
{
    struct trawl_load_stats st = {0};
    struct diag_tally d = {0};
    struct trawl_iocset *s = load_path(data_path("datasheet.md"), &st, &d);
    /* table cells, code spans, bullets, host:port */
    view_of(s, TRAWL_T_DOMAIN, "update.sample-two.net");
    view_of(s, TRAWL_T_IPV4, "203.0.113.77");
    view_of(s, TRAWL_T_MD5, "d41d8cd98f00b204e9800998ecf8427e");
    view_of(s, TRAWL_T_URL, "http://files.sample-three.org/a.bin");
    view_of(s, TRAWL_T_EMAIL, "ops@sample-four.com");
    view_of(s, TRAWL_T_URL, "https://c2.sample-one.com/api");
    view_of(s, TRAWL_T_IPV4, "192.0.2.10");
    view_of(s, TRAWL_T_IPV4, "198.51.100.23"); /* not defanged, but an IP */
    view_of(s, TRAWL_T_DOMAIN, "evil.sample-five.com");
    view_of(s, TRAWL_T_DOMAIN, "sample-six.com");
    view_of(s, TRAWL_T_DOMAIN, "sample-seven.com");
    view_of(s, TRAWL_T_URL, "http://198.51.100.99/x");
    view_of(s, TRAWL_T_EMAIL, "user@sample-eight.com");
    view_of(s, TRAWL_T_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    view_of(s, TRAWL_T_SHA256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* version numbers, a file name, a detection name */
    must_not_have(s, "1.2.3.4");
    must_not_have(s, "10.0.2.1");
    must_not_have(s, "invoice.exe");
    must_not_have(s, "trojan.win32.generic");
    /* the document defangs: its plain links and contact are references */
    must_not_have(s, "https://blog.vendor-sample.com/2026/01/operation-sample");
    must_not_have(s, "https://blog.vendor-sample.com/2026/01/operation-sample/");
    must_not_have(s, "https://www.vendor-sample.com/reports/sample.pdf");
    must_not_have(s, "research@vendor-sample.com");
    cr_assert_eq(trawl_iocset_count(s), 15);
    /* TLP:AMBER+STRICT in the text beats the default (amber) */
    for (size_t i = 0; i < trawl_iocset_count(s); i++) {
        struct trawl_ioc_view v;
        trawl_iocset_get(s, i, &v);
        cr_assert_eq(v.tlp, TRAWL_TLP_AMBER_STRICT, "%s", v.value);
        cr_assert_str_eq(v.sources[0], "datasheet.md");
    }
    cr_assert_eq(d.errors, 0);
    cr_assert_eq(d.warnings, 1, "one summary of skipped values");
    cr_assert(strstr(d.last, "3 reference link(s)") && strstr(d.last, "2 version number(s)"), "%s",
              d.last);
    trawl_iocset_free(s);
}

Test(text, asciidoc_datasheet)
{
    struct trawl_iocset *s = load_path(data_path("datasheet.adoc"), NULL, NULL);
    view_of(s, TRAWL_T_SHA1, "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567");
    view_of(s, TRAWL_T_SHA1, "1a1b2c3d4e5f60718293a4b5c6d7e8f901234567");
    view_of(s, TRAWL_T_DOMAIN, "c2.adoc-sample.com");
    view_of(s, TRAWL_T_IPV4, "203.0.113.200");
    /* not defanged, but in table cells of their own: values, not references */
    view_of(s, TRAWL_T_DOMAIN, "www.adoc-sample-two.com");
    view_of(s, TRAWL_T_DOMAIN, "cdn.adoc-sample-three.net");
    /* link macro target, file names, a brace range fragment, a path part */
    must_not_have(s, "https://www.vendor-sample.com/papers/sample.pdf");
    must_not_have(s, "adoc-range.com");
    must_not_have(s, "stage.save");
    must_not_have(s, "loader.dll");
    cr_assert_eq(trawl_iocset_count(s), 6);
    trawl_iocset_free(s);
}

Test(text, html_datasheet)
{
    struct trawl_iocset *s = load_path(data_path("datasheet.html"), NULL, NULL);
    view_of(s, TRAWL_T_DOMAIN, "html-sample.com");
    view_of(s, TRAWL_T_IPV4, "198.51.100.150");
    view_of(s, TRAWL_T_URL, "https://html-sample.com/p?a=1&b=2"); /* &amp; decoded */
    view_of(s, TRAWL_T_DOMAIN, "entity.sample.org");              /* &#46; &#x2e; */
    view_of(s, TRAWL_T_EMAIL, "spy@html-sample.com");             /* &#64; */
    view_of(s, TRAWL_T_MD5, "9e107d9d372bb6826bd81d3542a419d6");
    view_of(s, TRAWL_T_DOMAIN, "not-a-tag-sample.net"); /* &lt;b&gt; is text */
    /* script, style, comments and attributes are never read */
    must_not_have(s, "script-sample.com");
    must_not_have(s, "http://script-sample.com/x");
    must_not_have(s, "http://style-sample.example.com/bg.png");
    must_not_have(s, "html-comment-sample.com");
    must_not_have(s, "https://www.vendor-sample.com/blog");
    cr_assert_eq(trawl_iocset_count(s), 7);
    struct trawl_ioc_view v = view_of(s, TRAWL_T_MD5, "9e107d9d372bb6826bd81d3542a419d6");
    cr_assert_eq(v.tlp, TRAWL_TLP_GREEN, "TLP: GREEN in the text");
    trawl_iocset_free(s);
}

Test(text, html_by_content)
{
    static const char t[] = "<html><body><p>C2: evil-html[.]com</p></body></html>";
    struct trawl_iocset *s = load_str("page", t, TRAWL_FMT_AUTO, NULL);
    view_of(s, TRAWL_T_DOMAIN, "evil-html.com");
    cr_assert_eq(trawl_iocset_count(s), 1);
    trawl_iocset_free(s);
}

/* ---- heuristics -------------------------------------------------------------- */

Test(text, versions_and_names)
{
    static const char t[] =
        "Tested on Windows 10.0.19041.1 and Windows 6.1.7.1, agent version 2.5.0.1,\n"
        "ver. 3.1.0.4, build 1.0.0.12 and v1.2.3.4; chrome 91.0.4472.124 too.\n"
        "The dropper invoice.exe and report.pdf.lnk talk to 10.0.1.1 and 10.0.1.2.\n"
        "Detected as Backdoor.Win32.Agent and MSIL/Agent.ZWH; see ASP.NET docs.\n"
        "It reads C:\\Windows\\Temp\\sam.save and 1.2.3.4.5 is no address.\n";
    struct trawl_iocset *s = load_str("notes.txt", t, TRAWL_FMT_TEXT, NULL);
    view_of(s, TRAWL_T_IPV4, "10.0.1.1"); /* an address in prose is kept */
    view_of(s, TRAWL_T_IPV4, "10.0.1.2");
    must_not_have(s, "6.1.7.1");
    must_not_have(s, "2.5.0.1");
    must_not_have(s, "3.1.0.4");
    must_not_have(s, "1.0.0.12");
    must_not_have(s, "backdoor.win32.agent");
    must_not_have(s, "sam.save");
    must_not_have(s, "1.2.3.4");
    /* not defanged, no defanging in the document: prose domains count */
    view_of(s, TRAWL_T_DOMAIN, "asp.net");
    cr_assert_eq(trawl_iocset_count(s), 3);
    trawl_iocset_free(s);
}

Test(text, references_only_in_defanged_documents)
{
    /* No defanging anywhere: plain values in prose are indicators. */
    static const char plain[] = "The implant beacons to https://plain-sample.com/gate and\n"
                                "mails ops@plain-sample.org from evil-plain.net.\n";
    struct trawl_iocset *s = load_str("a.txt", plain, TRAWL_FMT_TEXT, NULL);
    view_of(s, TRAWL_T_URL, "https://plain-sample.com/gate");
    view_of(s, TRAWL_T_EMAIL, "ops@plain-sample.org");
    view_of(s, TRAWL_T_DOMAIN, "evil-plain.net");
    trawl_iocset_free(s);

    /* The same with one defanged value: the rest of the prose is references,
     * and a wrapped sentence is still prose. Lists and code are values. */
    static const char def[] = "The implant beacons to https://plain-sample.com/gate and\n"
                              "mails ops@plain-sample.org from evil-def[.]net. The paper is at\n"
                              "https://vendor-sample.com/paper.pdf.\n"
                              "\n"
                              "* listed-sample.com\n"
                              "* `https://coded-sample.com/x`\n";
    s = load_str("b.md", def, TRAWL_FMT_TEXT, NULL);
    view_of(s, TRAWL_T_DOMAIN, "evil-def.net");
    view_of(s, TRAWL_T_DOMAIN, "listed-sample.com");
    view_of(s, TRAWL_T_URL, "https://coded-sample.com/x");
    must_not_have(s, "https://plain-sample.com/gate");
    must_not_have(s, "ops@plain-sample.org");
    must_not_have(s, "https://vendor-sample.com/paper.pdf");
    cr_assert_eq(trawl_iocset_count(s), 3);
    trawl_iocset_free(s);
}

Test(text, tlp_markings)
{
    static const struct {
        const char *text;
        enum trawl_tlp want;
    } cases[] = {
        {"Diffusion TLP: AMBRE\nC2 : evil-fr[.]com\n", TRAWL_TLP_AMBER},
        {"tlp:vert -- evil-fr[.]com\n", TRAWL_TLP_GREEN},
        {"TLP:ROUGE\nevil-fr[.]com\n", TRAWL_TLP_RED},
        {"Classification TLP:AMBRE+STRICT\nevil-fr[.]com\n", TRAWL_TLP_AMBER_STRICT},
        {"TLP:CLEAR\nevil-fr[.]com\nTLP:RED further down does not count\n", TRAWL_TLP_CLEAR},
        {"The TLP is a protocol. TLP:WHITE\nevil-fr[.]com\n", TRAWL_TLP_CLEAR},
        {"no marking here\nevil-fr[.]com\n", TRAWL_TLP_AMBER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct trawl_iocset *s = load_str("fr.txt", cases[i].text, TRAWL_FMT_TEXT, NULL);
        struct trawl_ioc_view v = view_of(s, TRAWL_T_DOMAIN, "evil-fr.com");
        cr_assert_eq(v.tlp, cases[i].want, "case %zu: got %s", i, trawl_tlp_name(v.tlp));
        trawl_iocset_free(s);
    }
}

Test(text, once_per_document)
{
    static const char t[] = "evil-dup[.]com is evil-dup[.]com, EVIL-DUP[.]COM too;\n"
                            "and 192.0.2[.]5 equals 192.0.2.5.\n";
    struct trawl_load_stats st = {0};
    struct trawl_iocset *s = load_str("d.txt", t, TRAWL_FMT_TEXT, &st);
    cr_assert_eq(trawl_iocset_count(s), 2);
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.merged[TRAWL_T_DOMAIN], 0, "repeats in one document are not merges");
    cr_assert_eq(st.accepted[TRAWL_T_IPV4], 1);
    trawl_iocset_free(s);
}

Test(text, hostile_input)
{
    /* unterminated tags, entities and markers; long tokens; NUL bytes */
    static const char h[] = "<html><p>&#x110000; &#99999999; &amp &; [. (dot (at [:/ hxxp"
                            "<script>never closed";
    struct trawl_iocset *s = load_str("h.html", h, TRAWL_FMT_TEXT, NULL);
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
    char big[20000];
    memset(big, 'a', sizeof(big));
    memcpy(big + 100, "[.]com ", 7);
    big[sizeof(big) - 1] = 0;
    big[5000] = 0;
    s = new_set();
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    o.format = TRAWL_FMT_TEXT;
    struct trawl_error err;
    cr_assert_eq(trawl_ioc_load_mem(s, "big.txt", big, sizeof(big), &o, NULL, NULL, NULL, &err), 0);
    trawl_iocset_free(s);
}

/* ---- format detection ------------------------------------------------------------ */

static enum trawl_format detected(const char *name, const char *text)
{
    /* Which loader ran shows in the stats: plain rejects prose lines. */
    struct trawl_iocset *s = new_set();
    struct trawl_load_opts o;
    trawl_load_opts_init(&o);
    struct trawl_load_stats st = {0};
    struct trawl_error err = {0};
    int r = trawl_ioc_load_mem(s, name, text, strlen(text), &o, &st, NULL, NULL, &err);
    trawl_iocset_free(s);
    cr_assert_eq(r, 0, "%s", err.msg);
    uint64_t rej = 0;
    for (int t = 0; t <= TRAWL_T_COUNT; t++)
        rej += st.rejected[t];
    return rej ? TRAWL_FMT_PLAIN : TRAWL_FMT_TEXT;
}

Test(text, sniff_prose_or_list)
{
    /* by name */
    cr_assert_eq(detected("x.md", "just words here\nbad value\n"), TRAWL_FMT_TEXT);
    cr_assert_eq(detected("x.adoc", "just words here\nbad value\n"), TRAWL_FMT_TEXT);
    /* a list with a title block stays plain (its title is rejected) */
    cr_assert_eq(detected("l.txt", "APPENDIX B:\n\nSOME HASHES FROM MARCH:\n"
                                   "d41d8cd98f00b204e9800998ecf8427e\n"
                                   "9e107d9d372bb6826bd81d3542a419d6\n"),
                 TRAWL_FMT_PLAIN);
    /* plain with comments and Loki scores */
    cr_assert_eq(detected("c.txt", "# list of things, not prose at all\nevil.com;80\nbad "
                                   "one;90\nfoo.org\n"),
                 TRAWL_FMT_PLAIN);
    /* a value with a note on the same line would be lost by plain */
    cr_assert_eq(detected("n.txt", "evil.com\nd41d8cd98f00b204e9800998ecf8427e  dropper.exe\n"),
                 TRAWL_FMT_TEXT);
    /* sentences */
    cr_assert_eq(detected("p.txt", "This is a report about things.\nIt has no values at "
                                   "all.\nOnly words.\n"),
                 TRAWL_FMT_TEXT);
}

/* ---- corpus --------------------------------------------------------------------- */

static const char *corpus_path(const char *rel)
{
    static char buf[8192];
    const char *root = getenv("TRAWL_CORPUS");
    if (!root || !*root) root = "/work/shared/corpus";
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) cr_skip_test("corpus %s not found", root);
    snprintf(buf, sizeof(buf), "%s/%s", root, rel);
    if (stat(buf, &st) != 0) cr_skip_test("%s not in this corpus", rel);
    return buf;
}

Test(text_corpus, unit42_prose)
{
    /* Text, not plain: no line is rejected. Counts, independently:
     * Darkside: tr -d '\r' < F | grep -cE '^[0-9a-f]{64}$' -> 62 sha256; the 4 domains under
     *   "Domains:"; the URL inside the PowerShell command; "sam.save" (a file
     *   written by "reg save", but .save is a real TLD) is the one false
     *   positive. "Net.Webclient" is skipped (mixed case).
     * Valak DLL hashes: grep -oE '\b[0-9a-f]{64}\b' F | sort -u | wc -l -> 120. */
    struct trawl_load_stats st = {0};
    struct diag_tally d = {0};
    struct trawl_iocset *s =
        load_path(corpus_path("formats/text-unit42/Darkside-Darkside_IOCs.txt"), &st, &d);
    cr_assert_eq(d.errors, 0);
    cr_assert_eq(st.accepted[TRAWL_T_SHA256], 62);
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 5);
    cr_assert_eq(st.accepted[TRAWL_T_URL], 1);
    view_of(s, TRAWL_T_URL, "http://185.117.119.87/update.exe");
    view_of(s, TRAWL_T_DOMAIN, "temisleyes.com");
    trawl_iocset_free(s);

    memset(&st, 0, sizeof(st));
    s = load_path(corpus_path("formats/text-unit42/"
                              "Valak-2020-June-SHA256-hashes-of-Valak-DLL-files-from-Shathak-"
                              "TA551-distribution.txt"),
                  &st, &d);
    cr_assert_eq(d.errors, 0);
    cr_assert_eq(st.accepted[TRAWL_T_SHA256], 120);
    cr_assert_eq(trawl_iocset_count(s), 120, "the C:\\ProgramData\\N.dat paths are not values");
    trawl_iocset_free(s);

    /* Ryuk: hashes and a "Domain" list with section headings between them:
     *   tr -d '\r' < F | grep -cE '^[0-9a-f]{64}$'    -> 711 (sort -u: 711)
     *   sed -n '/^Domain/,/^$/p' F | grep -c '\.'       -> 22 */
    memset(&st, 0, sizeof(st));
    s = load_path(corpus_path("formats/text-unit42/Ryuk-Ryuk_trickbot_campaign.txt"), &st, &d);
    cr_assert_eq(d.errors, 0);
    cr_assert_eq(st.accepted[TRAWL_T_SHA256], 711);
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 22);
    view_of(s, TRAWL_T_DOMAIN, "www.gmmfuelassist.co.uk");
    trawl_iocset_free(s);

    /* Valak traffic history: defanged bullets, "GET /path" lines skipped.
     *   tr -d '\r' < F | grep -E '^- ' | grep -v -- '- GET\|- POST' |
     *     sed 's/^- //; s/\[\.\]/./g' | sort -u | grep -vc /    -> 121 domains
     *   (the 4 with a '/' are hxxp URLs; their trailing "~~" is not kept) */
    memset(&st, 0, sizeof(st));
    s = load_path(corpus_path("formats/text-unit42/"
                              "Valak-2020-03-23-to-2020-07-07-TA551-traffic-pattern-history-"
                              "since-Valak.txt"),
                  &st, &d);
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 121);
    cr_assert_eq(st.accepted[TRAWL_T_URL], 4);
    view_of(s, TRAWL_T_DOMAIN, "f0hc7osjnl2vi61g.com");
    trawl_iocset_free(s);
}

static enum trawl_ioc_type must_type(const char *key, const char *value)
{
    enum trawl_ioc_type t;
    if (strcmp(key, "ip") == 0) return strchr(value, ':') ? TRAWL_T_IPV6 : TRAWL_T_IPV4;
    cr_assert_eq(trawl_ioc_type_parse(key, &t), 0, "type %s", key);
    return t;
}

Test(text_corpus, eset_datasheets)
{
    static const char *const cases[] = {
        "badiis",           "dukes", "glupteba", "invisimole",   "moustachedbouncer",
        "nukesped_lazarus", "turla", "windigo",  "winnti_group",
    };
    size_t total_must = 0, total_extra = 0;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "cases/eset-defang-%s/expected.json", cases[c]);
        json_error_t je;
        json_t *exp = json_load_file(corpus_path(rel), 0, &je);
        cr_assert_not_null(exp, "%s: %s", rel, je.text);
        snprintf(rel, sizeof(rel), "cases/eset-defang-%s/README.adoc", cases[c]);
        struct trawl_load_stats st = {0};
        struct diag_tally d = {0};
        struct trawl_iocset *s = load_path(corpus_path(rel), &st, &d);
        cr_assert_eq(d.errors, 0, "%s: %s", rel, d.last);

        /* recall: every must_extract value, with its type */
        json_t *must = json_object_get(exp, "must_extract");
        cr_assert(json_is_object(must));
        size_t n = trawl_iocset_count(s);
        bool *wanted = calloc(n + 1, sizeof(*wanted));
        const char *key;
        json_t *vals;
        size_t nmust = 0;
        json_object_foreach(must, key, vals)
        {
            size_t i;
            json_t *jv;
            json_array_foreach(vals, i, jv)
            {
                const char *v = json_string_value(jv);
                enum trawl_ioc_type t = must_type(key, v);
                long k = find(s, t, v);
                cr_expect_geq(k, 0, "%s: %s %s not extracted", cases[c], key, v);
                if (k >= 0) wanted[k] = true;
                nmust++;
            }
        }
        /* precision: list what else was extracted (on stderr: the test log;
         * cr_log_warn would make Criterion exit non-zero) */
        size_t extra = 0, by_type[TRAWL_T_COUNT] = {0};
        for (size_t i = 0; i < n; i++) {
            if (wanted[i]) continue;
            struct trawl_ioc_view v;
            trawl_iocset_get(s, i, &v);
            extra++;
            by_type[v.type]++;
            if (v.type != TRAWL_T_MD5 && v.type != TRAWL_T_SHA1 && v.type != TRAWL_T_SHA256)
                fprintf(stderr, "  %s: extra %s %s\n", cases[c], trawl_ioc_type_name(v.type),
                        v.value);
        }
        char line[512];
        int o = snprintf(line, sizeof(line), "%s: must_extract %zu, extracted %zu, extra %zu (",
                         cases[c], nmust, n, extra);
        for (int t = 0; t < TRAWL_T_COUNT && o < (int)sizeof(line); t++)
            if (by_type[t])
                o += snprintf(line + o, sizeof(line) - (size_t)o, " %s %zu", trawl_ioc_type_name(t),
                              by_type[t]);
        fprintf(stderr, "%s )\n", line);
        total_must += nmust;
        total_extra += extra;
        free(wanted);
        json_decref(exp);
        trawl_iocset_free(s);
    }
    fprintf(stderr, "ESET datasheets: %zu must_extract values, all required; %zu extra\n",
            total_must, total_extra);
    /* Extras are mostly real indicators ESET's MISP events leave out (hashes
     * of other samples, URLs, DGA domains): bound them so that a regression
     * in the filters shows. */
    cr_assert_lt(total_extra, 1400);
}

/* ---- trawl compile --dry-run ------------------------------------------------------ */

Test(text_cli, compile_dry_run)
{
    const char *bin = getenv("TRAWL_BIN");
    if (!bin || !*bin) cr_skip_test("TRAWL_BIN not set");
    char cmd[8192];
    snprintf(cmd, sizeof(cmd),
             "cd /tmp && '%s' compile --dry-run --no-default-allowlist --severity high '%s' "
             "2>/dev/null; echo \"rc=$?\"",
             bin, data_path("datasheet.adoc"));
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char out[4096] = "";
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    pclose(p);
    /* grouped by type in type order, sorted by value, no database written */
    static const char want[] =
        "# ipv4: 1\n"
        "203.0.113.200\tamber\thigh\tdatasheet.adoc\n"
        "# domain: 3\n"
        "c2.adoc-sample.com\tamber\thigh\tdatasheet.adoc\n"
        "cdn.adoc-sample-three.net\tamber\thigh\tdatasheet.adoc\n"
        "www.adoc-sample-two.com\tamber\thigh\tdatasheet.adoc\n"
        "# sha1: 2\n"
        "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567\tamber\thigh\tdatasheet.adoc\n"
        "1a1b2c3d4e5f60718293a4b5c6d7e8f901234567\tamber\thigh\tdatasheet.adoc\n"
        "rc=0\n";
    cr_assert_str_eq(out, want);
}
