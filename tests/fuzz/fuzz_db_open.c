/* libFuzzer target: opening a database file (trawl_db_open). The first
 * byte is a mode: bit 0 set recomputes the whole-file checksum of the rest
 * before opening, so that mutations get past it and reach the section,
 * record and table validation (as a tampered or badly written file would);
 * bit 0 clear feeds the bytes as they are. A database that opens must be
 * safe to use: every indicator and source is read, and a matcher scans a
 * fixed text and the input itself. The seeds are real .tdb files (mode 1). */
#include <string.h>

#include "dbimage.h"
#include "fuzz_util.h"
#include "trawl_engine.h"

static const char sample[] =
    "GET http://evil.example.com/a.php?x=1 from 10.1.2.3 to 2001:db8::1 user bob@evil.example.com\n"
    "md5 d41d8cd98f00b204e9800998ecf8427e sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 "
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 dropper.exe\n"
    "192.168.0.1 172.16.5.4 evil.example.org mal.test EVIL-STRING\n";

static void use_db(struct trawl_db *db, const uint8_t *data, size_t size)
{
    size_t n = trawl_db_count(db);
    volatile size_t sink = 0;
    for (size_t i = 0; i < n; i++) {
        struct trawl_ioc_view v;
        trawl_db_get(db, i, &v);
        sink += strlen(v.value);
        for (size_t k = 0; k < v.nsources; k++)
            sink += strlen(trawl_db_source(db, i, k));
        FUZZ_CHECK(trawl_ioc_type_name(v.type) && trawl_tlp_name(v.tlp), "bad labels");
    }
    struct trawl_db_info info;
    trawl_db_info(db, &info);
    struct trawl_matcher *m;
    struct trawl_error err = {0};
    if (trawl_matcher_new(db, &m, &err)) return;
    const uint8_t *bufs[2] = {(const uint8_t *)sample, data};
    size_t lens[2] = {sizeof(sample) - 1, size};
    for (int b = 0; b < 2; b++) {
        struct trawl_span sp = {
            .base = bufs[b], .len = lens[b], .lo = 0, .hi = lens[b], .utf16 = true};
        trawl_matcher_scan(m, &sp, &err);
        struct trawl_hit *h = trawl_matcher_hits(m);
        for (size_t i = 0; i < trawl_matcher_nhits(m); i++) {
            FUZZ_CHECK(h[i].ioc < n, "hit on indicator %u of %zu", h[i].ioc, n);
            FUZZ_CHECK(h[i].offset + h[i].len <= lens[b], "hit past the end");
        }
        trawl_matcher_clear(m);
    }
    trawl_matcher_free(m);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fuzz_file f;
    if (size < 1) return 0;
    int fix = data[0] & 1;
    data++;
    size--;
    uint8_t *img = malloc(size ? size : 1);
    FUZZ_CHECK(img, "out of memory");
    if (size) memcpy(img, data, size);
    if (fix && size >= sizeof(struct dbhdr)) {
        struct dbhdr h;
        memcpy(&h, img, sizeof(h));
        h.checksum = 0;
        h.checksum =
            trawl_hash64(img + sizeof(h), size - sizeof(h), trawl_hash64(&h, sizeof(h), 7));
        memcpy(img, &h, sizeof(h));
    }
    fuzz_file_put(&f, img, size);
    struct trawl_db *db = NULL;
    struct trawl_error err = {0};
    int r = trawl_db_open(f.path, &db, &err);
    if (getenv("TRAWL_FUZZ_VERBOSE"))
        fprintf(stderr, "db_open: %d %s: %s\n", r, err.where, err.msg);
    if (r == 0) {
        use_db(db, img, size);
        trawl_db_close(db);
    } else {
        FUZZ_CHECK(r < 0 && err.code == r && err.msg[0], "error %d without a message", r);
    }
    free(img);
    return 0;
}
