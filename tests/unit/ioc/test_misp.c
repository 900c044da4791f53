/* Unit tests of the MISP loader (ioc/load_misp.c): event shapes ({"Event"},
 * bare, {"response": [...]}, arrays), attributes and object attributes,
 * to_ids, composite types (ip|port, domain|ip, filename|hash), hostname as
 * an exact domain, tlp:* tags at event and attribute level, threat_level_id,
 * feed directories with manifest.json, invalid JSON; and the ESET MISP
 * events and the malformed JSON of the shared corpus (skipped when
 * TRAWL_CORPUS is absent). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trawl_ioc.h"

/* ---- helpers ------------------------------------------------------------ */

#include "ioc_test.h"

static void opts_for(struct trawl_load_opts *o, enum trawl_format fmt)
{
    trawl_load_opts_init(o);
    o->format = fmt;
    o->now = 1700000000;
}

static int load_text(struct trawl_iocset *s, const char *text, enum trawl_format fmt,
                     struct trawl_load_stats *st, struct diags *ds, struct trawl_error *err)
{
    struct trawl_load_opts o;
    opts_for(&o, fmt);
    return trawl_ioc_load_mem(s, "m.json", text, strlen(text), &o, st, collect, ds, err);
}

struct loaded {
    struct trawl_iocset *set;
    struct trawl_load_stats st;
    struct diags ds;
};

static struct loaded *sample(void)
{
    struct loaded *l = calloc(1, sizeof(*l));
    cr_assert_not_null(l);
    l->set = new_set();
    struct trawl_load_opts o;
    opts_for(&o, TRAWL_FMT_AUTO);
    struct trawl_error err = {0};
    int r = trawl_ioc_load_file(l->set, data_path("misp-event.json"), &o, &l->st, collect, &l->ds,
                                &err);
    cr_assert_eq(r, 0, "%s: %s", err.where, err.msg);
    return l;
}

static void sample_free(struct loaded *l)
{
    trawl_iocset_free(l->set);
    free(l);
}

/* ---- the sample event ------------------------------------------------------ */

Test(misp, sample_counts)
{
    struct loaded *l = sample();
    /* Hand count of misp-event.json (to_ids attributes only):
     * ipv4 198.51.100.20, 192.0.2.10, 203.0.113.30 (+999.1.2.3 rejected);
     * ipv6 2001:db8::10; cidr 10.99.0.0/16; domain evil, cdn.host (exact),
     * pair, red, strict, api.host (exact); url 1; email 1; md5 2; sha1 1;
     * sha256 2; filename dropper.exe, stage2.dll, payload.bin. */
    cr_assert_eq(l->st.accepted[TRAWL_T_IPV4], 3);
    cr_assert_eq(l->st.accepted[TRAWL_T_IPV6], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_CIDR], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_DOMAIN], 6);
    cr_assert_eq(l->st.accepted[TRAWL_T_URL], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_EMAIL], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_MD5], 2);
    cr_assert_eq(l->st.accepted[TRAWL_T_SHA1], 1);
    cr_assert_eq(l->st.accepted[TRAWL_T_SHA256], 2);
    cr_assert_eq(l->st.accepted[TRAWL_T_FILENAME], 3);
    cr_assert_eq(sum(l->st.accepted, TRAWL_T_COUNT), 21);
    cr_assert_eq(l->st.rejected[TRAWL_T_IPV4], 1);
    cr_assert_eq(sum(l->st.rejected, TRAWL_T_COUNT + 1), 1);
    /* Warnings: the to_ids=false summary and the unmatchable-types one. */
    cr_assert_eq(l->st.warnings, 2);
    cr_assert_eq(l->ds.n, 3);
    const struct diag_rec *d = diag_with(&l->ds, "a0000000-0000-4000-8000-000000000019", NULL);
    cr_assert_not_null(d);
    cr_assert(d->is_error);
    cr_assert_eq(d->line, 0);
    cr_assert_not_null(strstr(d->msg, "999"), "%s", d->msg);
    sample_free(l);
}

Test(misp, to_ids_false_deleted_and_context_types_skipped)
{
    struct loaded *l = sample();
    cr_assert_eq(find(l->set, TRAWL_T_DOMAIN, "victim.example"), -1);
    cr_assert_eq(find(l->set, TRAWL_T_DOMAIN, "deleted.example"), -1);
    cr_assert_eq(find(l->set, TRAWL_T_DOMAIN, "gone.example"), -1);             /* deleted object */
    cr_assert_eq(find(l->set, TRAWL_T_URL, "https://blog.example/report"), -1); /* link */
    const struct diag_rec *d = diag_with(&l->ds, "1 attribute with to_ids=false", NULL);
    cr_assert_not_null(d);
    cr_assert_not(d->is_error);
    cr_assert_not_null(strstr(d->msg, "5f0c1e2a-0000-4000-8000-00000000e001"));
    cr_assert_not_null(diag_with(&l->ds, "cannot match", "1 imphash"));
    sample_free(l);
}

Test(misp, composite_types)
{
    struct loaded *l = sample();
    view_of(l->set, TRAWL_T_IPV4, "192.0.2.10");   /* ip-src|port */
    view_of(l->set, TRAWL_T_IPV6, "2001:db8::10"); /* ip-dst|port */
    view_of(l->set, TRAWL_T_DOMAIN, "pair.example");
    view_of(l->set, TRAWL_T_IPV4, "203.0.113.30"); /* domain|ip */
    view_of(l->set, TRAWL_T_FILENAME, "dropper.exe");
    view_of(l->set, TRAWL_T_MD5, "11111111111111111111111111111111"); /* filename|md5 */
    view_of(l->set, TRAWL_T_FILENAME, "stage2.dll");
    view_of(l->set, TRAWL_T_SHA256,
            "2222222222222222222222222222222222222222222222222222222222222222");
    view_of(l->set, TRAWL_T_CIDR, "10.99.0.0/16");
    view_of(l->set, TRAWL_T_URL, "http://bad.example/gate.php");      /* scheme-less */
    view_of(l->set, TRAWL_T_EMAIL, "sender@evil.example");            /* to_ids "1" */
    view_of(l->set, TRAWL_T_MD5, "0123456789abcdef0123456789abcdef"); /* to_ids 1 */
    /* Object attributes. */
    view_of(l->set, TRAWL_T_SHA256,
            "5555555555555555555555555555555555555555555555555555555555555555");
    view_of(l->set, TRAWL_T_FILENAME, "payload.bin");
    sample_free(l);
}

Test(misp, hostname_is_exact_domain_is_not)
{
    struct loaded *l = sample();
    cr_assert_eq(view_of(l->set, TRAWL_T_DOMAIN, "cdn.host.example").flags & TRAWL_IOC_EXACT,
                 TRAWL_IOC_EXACT);
    cr_assert_eq(view_of(l->set, TRAWL_T_DOMAIN, "api.host.example").flags & TRAWL_IOC_EXACT,
                 TRAWL_IOC_EXACT); /* hostname|port */
    cr_assert_eq(view_of(l->set, TRAWL_T_DOMAIN, "evil.example").flags & TRAWL_IOC_EXACT, 0);
    sample_free(l);
}

Test(misp, tlp_severity_source)
{
    struct loaded *l = sample();
    struct trawl_ioc_view v = view_of(l->set, TRAWL_T_DOMAIN, "evil.example");
    cr_assert_eq(v.tlp, TRAWL_TLP_GREEN);     /* event tag */
    cr_assert_eq(v.severity, TRAWL_SEV_HIGH); /* threat_level_id "1" */
    cr_assert_eq(v.nsources, 1);
    cr_assert_str_eq(v.sources[0], "Sample operation");
    cr_assert_eq(v.confidence, -1);
    cr_assert_eq(view_of(l->set, TRAWL_T_DOMAIN, "red.example").tlp, TRAWL_TLP_RED);
    cr_assert_eq(view_of(l->set, TRAWL_T_DOMAIN, "strict.example").tlp, TRAWL_TLP_AMBER_STRICT);
    sample_free(l);
}

/* ---- shapes ------------------------------------------------------------------ */

static const char *const bare_event =
    "{\"uuid\":\"e1\",\"info\":\"\",\"threat_level_id\":\"3\","
    "\"Tag\":[{\"name\":\"tlp:amber\"},{\"name\":\"tlp:clear\"}],"
    "\"Attribute\":[{\"type\":\"domain\",\"to_ids\":true,\"value\":\"bare.example\","
    "\"Tag\":[{\"name\":\"tlp:white\"}]},{\"type\":\"sha1\",\"to_ids\":true,"
    "\"value\":\"6666666666666666666666666666666666666666\"}]}";

Test(misp_input, bare_event_uuid_source_and_tags)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    cr_assert_eq(load_text(s, bare_event, TRAWL_FMT_AUTO, &st, &ds, &err), 0, "%s", err.msg);
    struct trawl_ioc_view d = view_of(s, TRAWL_T_DOMAIN, "bare.example");
    cr_assert_eq(d.tlp, TRAWL_TLP_CLEAR);    /* the attribute's tag wins, even when looser */
    cr_assert_eq(d.severity, TRAWL_SEV_LOW); /* threat_level_id 3 */
    cr_assert(has_source(&d, "e1"));         /* empty info: the uuid */
    struct trawl_ioc_view h = view_of(s, TRAWL_T_SHA1, "6666666666666666666666666666666666666666");
    cr_assert_eq(h.tlp, TRAWL_TLP_AMBER); /* strictest event tag */
    cr_assert_eq(st.warnings, 0);
    trawl_iocset_free(s);
}

Test(misp_input, response_and_array_forms)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    cr_assert_eq(
        load_text(s,
                  "{\"response\":[{\"Event\":{\"info\":\"R1\",\"threat_level_id\":\"2\","
                  "\"Attribute\":[{\"type\":\"ip-dst\",\"to_ids\":true,\"value\":\"192.0.2.50\"}]"
                  "}},{\"Event\":{\"info\":\"R2\",\"threat_level_id\":4,\"Attribute\":[{\"type\":"
                  "\"email-dst\",\"to_ids\":true,\"value\":\"x@r2.example\"}]}}]}",
                  TRAWL_FMT_AUTO, &st, &ds, &err),
        0, "%s", err.msg);
    struct trawl_ioc_view a = view_of(s, TRAWL_T_IPV4, "192.0.2.50");
    cr_assert(has_source(&a, "R1"));
    cr_assert_eq(a.severity, TRAWL_SEV_MEDIUM);
    cr_assert_eq(a.tlp, TRAWL_TLP_AMBER); /* no tag: the default */
    struct trawl_ioc_view b = view_of(s, TRAWL_T_EMAIL, "x@r2.example");
    cr_assert(has_source(&b, "R2"));
    cr_assert_eq(b.severity, TRAWL_SEV_MEDIUM); /* 4 = undefined: the default (medium) */

    /* An array of events, one wrapped and one bare; explicit format. */
    cr_assert_eq(load_text(s,
                           "[{\"Event\":{\"info\":\"A1\",\"Attribute\":[{\"type\":\"url\","
                           "\"to_ids\":true,\"value\":\"https://a1.example/x\"}]}},"
                           "{\"info\":\"A2\",\"Object\":[{\"Attribute\":[{\"type\":\"md5\","
                           "\"to_ids\":true,\"value\":\"77777777777777777777777777777777\"}]}]}]",
                           TRAWL_FMT_MISP, &st, &ds, &err),
                 0, "%s", err.msg);
    struct trawl_ioc_view u = view_of(s, TRAWL_T_URL, "https://a1.example/x");
    cr_assert(has_source(&u, "A1"));
    struct trawl_ioc_view m = view_of(s, TRAWL_T_MD5, "77777777777777777777777777777777");
    cr_assert(has_source(&m, "A2"));
    trawl_iocset_free(s);
}

Test(misp_input, threat_level_mapping)
{
    static const struct {
        const char *tl;
        int sev;
    } map[] = {{"\"1\"", TRAWL_SEV_HIGH},
               {"2", TRAWL_SEV_MEDIUM},
               {"\"3\"", TRAWL_SEV_LOW},
               {"\"4\"", TRAWL_SEV_CRITICAL}, /* undefined: the default, set to critical here */
               {"null", TRAWL_SEV_CRITICAL}};
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        char buf[512];
        snprintf(buf, sizeof(buf),
                 "{\"Event\":{\"info\":\"T\",\"threat_level_id\":%s,\"Attribute\":[{\"type\":"
                 "\"domain\",\"to_ids\":true,\"value\":\"tl.example\"}]}}",
                 map[i].tl);
        struct trawl_iocset *s = new_set();
        struct trawl_load_opts o;
        opts_for(&o, TRAWL_FMT_MISP);
        o.severity = TRAWL_SEV_CRITICAL;
        struct trawl_error err = {0};
        cr_assert_eq(trawl_ioc_load_mem(s, "t", buf, strlen(buf), &o, NULL, NULL, NULL, &err), 0);
        cr_assert_eq(view_of(s, TRAWL_T_DOMAIN, "tl.example").severity, map[i].sev, "%s",
                     map[i].tl);
        trawl_iocset_free(s);
    }
}

Test(misp_input, bad_values_and_not_misp)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    cr_assert_eq(load_text(s,
                           "{\"Event\":{\"Attribute\":[{\"uuid\":\"u1\",\"type\":\"filename|md5\","
                           "\"to_ids\":true,\"value\":\"nobar.exe\"},{\"uuid\":\"u2\",\"type\":"
                           "\"md5\",\"to_ids\":true,\"value\":42}]}}",
                           TRAWL_FMT_MISP, &st, &ds, &err),
                 0);
    cr_assert_eq(trawl_iocset_count(s), 0);
    cr_assert_eq(sum(st.rejected, TRAWL_T_COUNT + 1), 2);
    cr_assert_not_null(diag_with(&ds, "attribute u1: ", "'|'"));
    cr_assert_not_null(diag_with(&ds, "attribute u2: ", "not a string"));

    cr_assert_eq(load_text(s, "{\"duvelDetails\": {\"blockList\": [\"a.example\"]}}",
                           TRAWL_FMT_MISP, &st, &ds, &err),
                 TRAWL_EFORMAT);
    cr_assert_not_null(strstr(err.msg, "not a MISP event"));
    trawl_iocset_free(s);
}

Test(misp_input, invalid_json_gives_line_and_column)
{
    struct trawl_iocset *s = new_set();
    struct trawl_error err = {0};
    struct trawl_load_opts o;
    opts_for(&o, TRAWL_FMT_AUTO);
    const char *t = "{\"Event\": {\n  \"Attribute\": [\n    {\"type\": \"domain\",},\n  ]}}";
    int r = trawl_ioc_load_mem(s, "bad.json", t, strlen(t), &o, NULL, NULL, NULL, &err);
    cr_assert_eq(r, TRAWL_EFORMAT);
    cr_assert_str_eq(err.where, "bad.json:3:23"); /* python3 json: "line 3 column 23" */
    cr_assert_not_null(strstr(err.msg, "invalid JSON: "));
    trawl_iocset_free(s);
}

/* ---- feed directory ----------------------------------------------------------- */

Test(misp_feed, directory_with_manifest)
{
    struct trawl_iocset *s = new_set();
    struct trawl_load_stats st = {0};
    struct diags ds = {0};
    struct trawl_error err = {0};
    struct trawl_load_opts o;
    opts_for(&o, TRAWL_FMT_AUTO);
    int r = trawl_ioc_load_file(s, data_path("misp-feed"), &o, &st, collect, &ds, &err);
    /* One event file has a trailing comma, one is listed but absent: both
     * reported, the failure returned, the other two loaded. */
    cr_assert_lt(r, 0);
    cr_assert_not_null(strstr(err.msg, "2 of 4 event files"), "%s", err.msg);
    cr_assert_not_null(strstr(err.where, "misp-feed"));
    cr_assert_eq(st.accepted[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.merged[TRAWL_T_DOMAIN], 1);
    cr_assert_eq(st.accepted[TRAWL_T_IPV4], 1);
    cr_assert_eq(st.accepted[TRAWL_T_URL], 1);
    cr_assert_eq(trawl_iocset_count(s), 3);
    cr_assert_eq(find(s, TRAWL_T_DOMAIN, "broken.example"), -1);

    struct trawl_ioc_view d = view_of(s, TRAWL_T_DOMAIN, "feed-one.example");
    cr_assert(has_source(&d, "Feed event one") && has_source(&d, "Feed event two"));
    cr_assert_eq(d.tlp, TRAWL_TLP_CLEAR);       /* tlp:white and tlp:clear */
    cr_assert_eq(d.severity, TRAWL_SEV_MEDIUM); /* low and medium merged */
    cr_assert_eq(view_of(s, TRAWL_T_IPV4, "198.51.100.101").severity, TRAWL_SEV_LOW);

    size_t errors = 0;
    bool json_pos = false, missing = false;
    for (size_t i = 0; i < ds.n; i++) {
        if (!ds.d[i].is_error) continue;
        errors++;
        if (strstr(ds.d[i].file, "6a6b0000-0000-4000-8000-000000000003.json:4:3") &&
            strstr(ds.d[i].msg, "invalid JSON"))
            json_pos = true;
        if (strstr(ds.d[i].file, "6a6b0000-0000-4000-8000-000000000004.json")) missing = true;
    }
    cr_assert_eq(errors, 2);
    cr_assert(json_pos && missing);
    trawl_iocset_free(s);
}

Test(misp_feed, plain_directory_still_refused)
{
    struct trawl_iocset *s = new_set();
    struct trawl_error err = {0};
    cr_assert_lt(trawl_ioc_load_file(s, data_path(""), NULL, NULL, NULL, NULL, &err), 0);
    cr_assert_not_null(strstr(err.msg, "directory"), "%s", err.msg);
    struct trawl_load_opts o;
    opts_for(&o, TRAWL_FMT_CSV);
    cr_assert_lt(trawl_ioc_load_file(s, data_path("misp-feed"), &o, NULL, NULL, NULL, &err), 0);
    cr_assert_str_eq(err.msg, "is a directory");
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
}

/* ---- corpus: ESET MISP events -------------------------------------------------- */

/* Expected counts derived independently with Python from the raw JSON:
 *   python3 -c 'import json,sys,collections
 *   M={"ip-src":"ip","ip-dst":"ip","domain":"domain","hostname":"domain","url":"url",
 *      "email-src":"email","email-dst":"email","md5":"md5","sha1":"sha1","sha256":"sha256",
 *      "filename":"filename","filename|md5":"filename md5","filename|sha1":"filename sha1",
 *      "filename|sha256":"filename sha256"}
 *   for f in sys.argv[1:]:
 *     d=json.load(open(f)); evs=d["response"] if "response" in d else [d]
 *     seen=set(); acc=collections.Counter(); non=0
 *     for e in evs:
 *       e=e.get("Event",e); at=list(e.get("Attribute") or [])
 *       for o in e.get("Object") or []: at+=o.get("Attribute") or []
 *       for a in at:
 *         if a.get("deleted") or a["type"] not in M: continue
 *         if not a.get("to_ids"): non+=1; continue
 *         for t,v in zip(M[a["type"]].split(), a["value"].rsplit("|",1)):
 *           if (t,v.lower()) not in seen: seen.add((t,v.lower())); acc[t]+=1
 *     print(f, dict(acc), "to_ids=false:", non)' $TRAWL_CORPUS/formats/misp-eset/[mstw]*.json
 * (ip values: all IPv4 here; none of these files has a to_ids attribute of
 * a type trawl cannot match, so each event gives exactly one warning). */
struct corpus_case {
    const char *rel;
    int acc[TRAWL_T_COUNT];
    int non_ids;
};

#define A(t) [TRAWL_T_##t]

static const struct corpus_case misp_cases[] = {
    {"moustachedbouncer-misp-moustachedbouncer.event.json",
     {A(URL) = 11, A(MD5) = 28, A(SHA1) = 28, A(SHA256) = 28},
     55},
    {"sednit-2017-05-09_Trump_Attack_on_Syria_IoCs.json", {0}, 15},
    {"sednit-2018-11-20_Zebrocy.json", {0}, 28},
    {"sednit-2019-05-23_Zebrocy.json", {0}, 11},
    {"turla-misp-turla-outlook-event.json", {0}, 9},
    {"windigo-ebury.misp.json", {A(MD5) = 58, A(SHA1) = 58, A(SHA256) = 58, A(DOMAIN) = 5}, 68},
    {"winnti_group-gaming_supply_chain.misp_event.json", {0}, 18},
};

static const char *corpus_file(const char *rel)
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

Test(misp_corpus, eset_events_counts_per_type)
{
    for (size_t i = 0; i < sizeof(misp_cases) / sizeof(misp_cases[0]); i++) {
        const struct corpus_case *k = &misp_cases[i];
        char rel[512];
        snprintf(rel, sizeof(rel), "formats/misp-eset/%s", k->rel);
        const char *path = corpus_file(rel);
        struct trawl_iocset *s = new_set();
        struct trawl_load_stats st = {0};
        struct diags ds = {0};
        struct trawl_load_opts o;
        opts_for(&o, TRAWL_FMT_AUTO); /* sniffing must pick MISP */
        struct trawl_error err = {0};
        int r = trawl_ioc_load_file(s, path, &o, &st, collect, &ds, &err);
        cr_assert_eq(r, 0, "%s: %s: %s", k->rel, err.where, err.msg);
        for (int t = 0; t < TRAWL_T_COUNT; t++) {
            cr_expect_eq(st.accepted[t], (uint64_t)k->acc[t], "%s: accepted %s %llu", k->rel,
                         trawl_ioc_type_name(t), (unsigned long long)st.accepted[t]);
            cr_expect_eq(st.merged[t], 0, "%s: merged %s", k->rel, trawl_ioc_type_name(t));
        }
        cr_expect_eq(sum(st.rejected, TRAWL_T_COUNT + 1), 0, "%s", k->rel);
        cr_expect_eq(st.warnings, 1, "%s: warnings %llu", k->rel, (unsigned long long)st.warnings);
        char want[64];
        snprintf(want, sizeof(want), "%d attributes with to_ids=false", k->non_ids);
        cr_expect_not_null(diag_with(&ds, want, NULL), "%s: %s", k->rel, ds.n ? ds.d[0].msg : "");
        trawl_iocset_free(s);
    }
}

Test(misp_corpus, eset_values_and_labels)
{
    const char *path = corpus_file("formats/misp-eset/windigo-ebury.misp.json");
    struct trawl_iocset *s = new_set();
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_file(s, path, NULL, NULL, NULL, NULL, &err), 0);
    /* threat_level_id "2", no tlp tag: medium, default TLP; info as source. */
    for (size_t i = 0; i < trawl_iocset_count(s); i++) {
        struct trawl_ioc_view v;
        trawl_iocset_get(s, i, &v);
        cr_assert_eq(v.severity, TRAWL_SEV_MEDIUM);
        cr_assert_eq(v.tlp, TRAWL_TLP_AMBER);
        cr_assert(has_source(&v, "Ebury is alive but unseen"));
    }
    trawl_iocset_free(s);
}

Test(misp_corpus, not_an_event_is_refused_when_forced)
{
    const char *path = corpus_file("formats/misp-eset/dnsbirthday-rqz-dnsduvel_blocklist.json");
    struct trawl_iocset *s = new_set();
    struct trawl_load_opts o;
    opts_for(&o, TRAWL_FMT_MISP);
    struct trawl_error err = {0};
    cr_assert_eq(trawl_ioc_load_file(s, path, &o, NULL, NULL, NULL, &err), TRAWL_EFORMAT);
    cr_assert_not_null(strstr(err.msg, "not a MISP event"));
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
}

Test(misp_corpus, malformed_json_has_position)
{
    /* python3 -c 'import json;json.load(open("eset-pypi-trailing-commas.misp-event.json"))'
     * -> "Expecting value: line 37374 column 9": the same place. */
    const char *path = corpus_file("malformed/json/eset-pypi-trailing-commas.misp-event.json");
    struct trawl_iocset *s = new_set();
    struct trawl_error err = {0};
    int r = trawl_ioc_load_file(s, path, NULL, NULL, NULL, NULL, &err);
    cr_assert_eq(r, TRAWL_EFORMAT);
    size_t wl = strlen(err.where);
    cr_assert_geq(wl, 8);
    cr_assert_str_eq(err.where + wl - 8, ":37374:9", "%s", err.where);
    cr_assert_not_null(strstr(err.msg, "invalid JSON: "), "%s", err.msg);
    cr_assert_eq(trawl_iocset_count(s), 0);
    trawl_iocset_free(s);
}

Test(misp_input, include_non_ids_loads_context_attributes)
{
    static const char ev[] =
        "{\"Event\":{\"info\":\"t\",\"Attribute\":["
        "{\"type\":\"domain\",\"to_ids\":true,\"value\":\"ids.example\"},"
        "{\"type\":\"domain\",\"to_ids\":false,\"value\":\"context.example\"}]}}";
    for (int all = 0; all < 2; all++) {
        struct trawl_iocset *s;
        cr_assert_eq(trawl_iocset_new(&s), 0);
        struct trawl_load_opts o;
        opts_for(&o, TRAWL_FMT_AUTO);
        o.include_non_ids = all;
        struct trawl_load_stats st = {0};
        struct trawl_error err = {0};
        cr_assert_eq(trawl_ioc_load_mem(s, "e.json", ev, strlen(ev), &o, &st, NULL, NULL, &err), 0,
                     "%s", err.msg);
        cr_assert_eq(trawl_iocset_count(s), all ? 2u : 1u);
        cr_assert_geq(find(s, TRAWL_T_DOMAIN, "ids.example"), 0);
        cr_assert_eq(find(s, TRAWL_T_DOMAIN, "context.example") >= 0, all);
        trawl_iocset_free(s);
    }
}
