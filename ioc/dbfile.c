/* The .tdb file: lays out and validates the section image (see dbimage.h),
 * writes it atomically, maps it back and deserialises the Hyperscan
 * databases. Every offset and size read from a file is checked before use:
 * a damaged, truncated, foreign or newer file gives an error, never a crash. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "db_internal.h"
#include "dbimage.h"

#define ALIGN 64u

int dbimage_add(struct dbimage *img, unsigned id, const void *data, size_t len)
{
    if (img->nsect >= DBS_MAX) return TRAWL_EINVAL;
    size_t pad = (ALIGN - img->body.len % ALIGN) % ALIGN;
    static const char zeros[ALIGN];
    if (trawl_buf_put(&img->body, zeros, pad)) return TRAWL_ENOMEM;
    img->sect[img->nsect++] = (struct dbsect){.id = id, .off = img->body.len, .size = len};
    return trawl_buf_put(&img->body, data, len);
}

static void platform_string(char *buf, size_t len)
{
    struct utsname u;
    char tmp[sizeof(u.sysname) + sizeof(u.machine) + 8];
    if (uname(&u))
        snprintf(tmp, sizeof(tmp), "unknown");
    else
        snprintf(tmp, sizeof(tmp), "%s-%s-le", u.sysname, u.machine);
    size_t n = strnlen(tmp, len - 1);
    memcpy(buf, tmp, n);
    buf[n] = 0;
}

/* Checksum of a whole image: the header (with its checksum field as zero)
 * and everything after it, so no byte of the file escapes it. */
static uint64_t image_checksum(const uint8_t *image, size_t len)
{
    struct dbhdr h;
    memcpy(&h, image, sizeof(h));
    h.checksum = 0;
    return trawl_hash64(image + sizeof(h), len - sizeof(h), trawl_hash64(&h, sizeof(h), 7));
}

int dbimage_finish(struct dbimage *img, void **out, size_t *outlen, struct trawl_error *err)
{
    size_t head = sizeof(struct dbhdr) + img->nsect * sizeof(struct dbsect);
    head = (head + ALIGN - 1) / ALIGN * ALIGN;
    size_t total = head + img->body.len;
    uint8_t *buf = calloc(1, total);
    if (!buf) return trawl_error_set(err, TRAWL_ENOMEM, NULL, "out of memory (%zu bytes)", total);
    struct dbhdr *h = (struct dbhdr *)buf;
    memcpy(h->magic, TRAWL_DB_MAGIC, 8);
    h->version = TRAWL_DB_VERSION;
    h->hdr_size = sizeof(*h);
    h->file_size = total;
    h->nsect = img->nsect;
    h->endian = DB_ENDIAN_MARK;
    snprintf(h->hs_version, sizeof(h->hs_version), "%s", hs_version());
    platform_string(h->platform, sizeof(h->platform));
    struct dbsect *t = (struct dbsect *)(buf + sizeof(*h));
    for (uint32_t i = 0; i < img->nsect; i++) {
        t[i] = img->sect[i];
        t[i].off += head;
    }
    if (img->body.len) memcpy(buf + head, img->body.data, img->body.len);
    h->checksum = image_checksum(buf, total);
    *out = buf;
    *outlen = total;
    return 0;
}

void dbimage_free(struct dbimage *img)
{
    trawl_buf_free(&img->body);
}

static int corrupt(struct trawl_error *err, const char *name, const char *what)
{
    return trawl_error_set(err, TRAWL_ECORRUPT, name, "corrupt database: %s", what);
}

static int load_table(struct trawl_db_tab *t, const uint8_t *p, size_t size, uint32_t nioc)
{
    if (!size) {
        *t = (struct trawl_db_tab){0};
        return 0;
    }
    size_t ns = size / 12;
    if (ns * 12 != size || ns < 2 || (ns & (ns - 1)) || ns > (1u << 31)) return -1;
    t->mask = (uint32_t)(ns - 1);
    t->keys = (const uint64_t *)p;
    t->slots = (const uint32_t *)(p + ns * 8);
    size_t empty = 0;
    for (size_t i = 0; i < ns; i++) {
        if (t->slots[i] > nioc) return -1;
        empty += !t->slots[i];
    }
    return empty ? 0 : -1; /* a full table would make probing loop forever */
}

static int load_hs(hs_database_t **out, const uint8_t *p, size_t size, const char *name,
                   struct trawl_error *err)
{
    if (!size) return 0;
    hs_error_t he = hs_deserialize_database((const char *)p, size, out);
    if (he == HS_SUCCESS) return 0;
    if (he == HS_DB_PLATFORM_ERROR || he == HS_DB_VERSION_ERROR || he == HS_ARCH_ERROR)
        return trawl_error_set(err, TRAWL_EPLATFORM, name,
                               "Hyperscan database built for another platform or version; "
                               "recompile it on this machine");
    return corrupt(err, name, "Hyperscan database does not deserialise");
}

static void filter_mark(struct trawl_db *db, uint32_t net, unsigned plen, uint64_t bit)
{
    uint32_t first = net >> 16, n = plen >= 16 ? 1 : 1u << (16 - plen);
    for (uint32_t i = first; i < first + n && i < 65536; i++) {
        db->v4_filter[i / 64] |= 1ull << (i % 64);
        db->v4_lens[i] |= bit;
    }
}

static int build_v4_filter(struct trawl_db *db)
{
    memset(db->v4_filter, 0, sizeof(db->v4_filter));
    const struct trawl_db_tab *t = &db->ipv4;
    const struct trawl_db_cidr *c = &db->cidr4;
    if (!t->mask && !c->nlens) return 0;
    db->v4_lens = calloc(65536, sizeof(*db->v4_lens));
    if (!db->v4_lens) return TRAWL_ENOMEM;
    for (uint32_t i = 0; t->mask && i <= t->mask; i++)
        if (t->slots[i]) filter_mark(db, (uint32_t)t->keys[i], 32, 1ull << 63);
    for (unsigned l = 0; l < c->nlens; l++)
        for (uint32_t i = 0; c->tabs[l].mask && i <= c->tabs[l].mask; i++)
            if (c->tabs[l].slots[i])
                filter_mark(db, (uint32_t)c->tabs[l].keys[i], c->lens[l], 1ull << l);
    return 0;
}

static unsigned hexval(char ch)
{
    return ch <= '9' ? (unsigned)(ch - '0') : (unsigned)((ch | 0x20) - 'a' + 10);
}

/* The first six digits of a hash value. A damaged (or crafted) database
 * may hold other bytes there: each is cut to 4 bits, so the key stays
 * inside the filter (fuzz_db_open found the overflow). */
static uint32_t hex6(const char *v)
{
    uint32_t k = 0;
    for (int i = 0; i < 6; i++)
        k = k << 4 | (hexval(v[i]) & 15);
    return k;
}

static int build_hex_filter(struct trawl_db *db)
{
    size_t n = 0;
    for (uint32_t i = 0; i < db->nioc; i++) {
        uint8_t t = db->iocs[i].type;
        n += t == TRAWL_T_MD5 || t == TRAWL_T_SHA1 || t == TRAWL_T_SHA256;
    }
    if (!n) return 0;
    unsigned bits = 16;
    while (bits < 24 && ((size_t)1 << bits) < 32 * n)
        bits++;
    db->hex_filter = calloc((size_t)1 << (bits - 6), sizeof(uint64_t));
    if (!db->hex_filter) return TRAWL_ENOMEM;
    db->hex_bits = bits;
    for (uint32_t i = 0; i < db->nioc; i++) {
        const struct trawl_db_ioc *c = &db->iocs[i];
        if (c->type != TRAWL_T_MD5 && c->type != TRAWL_T_SHA1 && c->type != TRAWL_T_SHA256)
            continue;
        if (c->value_len < 32) continue; /* not a well-formed hash; never found */
        uint32_t k = hex6(db->strings + c->value_off) >> (24 - bits);
        db->hex_filter[k >> 6] |= 1ull << (k & 63);
    }
    return 0;
}

/* Bits of a filter over n entries: 16 to 26, about 3% full. */
static unsigned filter_bits(size_t n)
{
    unsigned bits = 16;
    while (bits < 26 && ((size_t)1 << bits) < 32 * n)
        bits++;
    return bits;
}

/* A table of n slots' worth of (key, ioc) pairs, in one allocation. */
static int tab_alloc(struct trawl_db_tab *t, size_t n)
{
    size_t ns = 16;
    while (ns < 2 * n)
        ns *= 2;
    uint8_t *mem = calloc(ns, 12);
    if (!mem) return TRAWL_ENOMEM;
    t->keys = (const uint64_t *)mem;
    t->slots = (const uint32_t *)(mem + ns * 8);
    t->mask = (uint32_t)(ns - 1);
    return 0;
}

static void tab_put(struct trawl_db_tab *t, uint64_t key, uint32_t ioc)
{
    uint64_t *keys = (uint64_t *)t->keys;
    uint32_t *slots = (uint32_t *)t->slots;
    uint32_t s = (uint32_t)trawl_mix64(key) & t->mask;
    while (slots[s])
        s = (s + 1) & t->mask;
    slots[s] = ioc + 1;
    keys[s] = key;
}

/* The URL and e-mail tables of the token pass (db_internal.h): every
 * indicator the compiler left out of Hyperscan for its shape. */
static int build_text_tokens(struct trawl_db *db)
{
    size_t nu = 0, ne = 0;
    for (uint32_t i = 0; i < db->nioc; i++) {
        const struct trawl_db_ioc *c = &db->iocs[i];
        const char *v = db->strings + c->value_off;
        nu += c->type == TRAWL_T_URL && trawl_url_tok(v, c->value_len);
        ne += c->type == TRAWL_T_EMAIL && trawl_email_tok(v, c->value_len);
    }
    if (nu) {
        db->url_bits = filter_bits(nu);
        db->url_filter = calloc((size_t)1 << (db->url_bits - 6), sizeof(uint64_t));
        if (!db->url_filter || tab_alloc(&db->urls, nu)) return TRAWL_ENOMEM;
    }
    if (ne) {
        db->email_bits = filter_bits(ne);
        db->email_filter = calloc((size_t)1 << (db->email_bits - 6), sizeof(uint64_t));
        if (!db->email_filter || tab_alloc(&db->emails, ne)) return TRAWL_ENOMEM;
    }
    for (uint32_t i = 0; i < db->nioc && (nu || ne); i++) {
        const struct trawl_db_ioc *c = &db->iocs[i];
        const char *v = db->strings + c->value_off;
        const uint8_t *p = (const uint8_t *)v;
        size_t n = c->value_len, k;
        if (c->type == TRAWL_T_URL && (k = trawl_url_tok(v, n))) {
            tab_put(&db->urls, trawl_tok_key(p, k), i);
            size_t h = (size_t)((const char *)memchr(v, ':', n) - v) + 3; /* after "://" */
            unsigned fl = n - h >= 8 ? 8 : (unsigned)(n - h);
            uint32_t f = trawl_tok_hash(trawl_tok_load(p + h, fl), fl, db->url_bits);
            db->url_filter[f >> 6] |= 1ull << (f & 63);
            db->url_flens |= (uint8_t)(1u << (fl - 1));
            if (k - h > db->url_host_max) db->url_host_max = (uint32_t)(k - h);
        } else if (c->type == TRAWL_T_EMAIL && (k = trawl_email_tok(v, n))) {
            tab_put(&db->emails, trawl_tok_key(p, n), i);
            unsigned lb = k >= 4 ? 4 : (unsigned)k;
            uint32_t f = trawl_tok_hash(trawl_tok_load(p + k - lb, lb + 4), lb + 4, db->email_bits);
            db->email_filter[f >> 6] |= 1ull << (f & 63);
            db->email_flens |= (uint8_t)(1u << (lb - 1));
            if (n - k - 1 > db->email_dom_max) db->email_dom_max = (uint32_t)(n - k - 1);
        }
    }
    return 0;
}

static void db_release(struct trawl_db *db)
{
    hs_free_database(db->hs_lit);
    hs_free_database(db->hs_lit2);
    hs_free_database(db->hs_re);
    db->hs_lit = db->hs_lit2 = db->hs_re = NULL;
    free(db->v4_lens);
    free(db->hex_filter);
    db->v4_lens = NULL;
    db->hex_filter = NULL;
    free((void *)db->urls.keys);
    free((void *)db->emails.keys);
    free(db->url_filter);
    free(db->email_filter);
    memset(&db->urls, 0, sizeof(db->urls));
    memset(&db->emails, 0, sizeof(db->emails));
    db->url_filter = db->email_filter = NULL;
}

int dbimage_open(struct trawl_db *db, void *image, size_t len, const char *name,
                 struct trawl_error *err)
{
    const uint8_t *base = image;
    const struct dbhdr *h = image;
    if (len < sizeof(*h) || memcmp(h->magic, TRAWL_DB_MAGIC, 8))
        return trawl_error_set(err, TRAWL_EFORMAT, name, "not a trawl database (bad magic)");
    if (h->endian != DB_ENDIAN_MARK)
        return trawl_error_set(err, TRAWL_EPLATFORM, name,
                               "database written on a machine of another byte order");
    if (h->version > TRAWL_DB_VERSION)
        return trawl_error_set(err, TRAWL_EVERSION, name,
                               "database format %u is newer than this trawl (%u); upgrade trawl",
                               h->version, TRAWL_DB_VERSION);
    if (h->version < TRAWL_DB_VERSION)
        return trawl_error_set(err, TRAWL_EVERSION, name,
                               "database format %u is older than this trawl reads (%u); "
                               "recompile it with trawl compile",
                               h->version, TRAWL_DB_VERSION);
    if (h->hdr_size != sizeof(*h)) return corrupt(err, name, "bad header");
    if (h->file_size != len)
        return trawl_error_set(err, len < h->file_size ? TRAWL_ETRUNC : TRAWL_ECORRUPT, name,
                               "database is %zu bytes, header says %llu (%s)", len,
                               (unsigned long long)h->file_size,
                               len < h->file_size ? "truncated" : "trailing data");
    if (image_checksum(base, len) != h->checksum) return corrupt(err, name, "checksum mismatch");
    char hsv[sizeof(h->hs_version) + 1];
    memcpy(hsv, h->hs_version, sizeof(h->hs_version));
    hsv[sizeof(h->hs_version)] = 0;
    if (strcmp(hsv, hs_version()))
        return trawl_error_set(err, TRAWL_EPLATFORM, name,
                               "compiled with Hyperscan %s, this trawl has %s; recompile it", hsv,
                               hs_version());
    if (h->nsect > DBS_MAX || sizeof(*h) + (size_t)h->nsect * sizeof(struct dbsect) > len)
        return corrupt(err, name, "bad section table");

    const uint8_t *sec[DBS_MAX + 1] = {0};
    size_t ssz[DBS_MAX + 1] = {0};
    const struct dbsect *t = (const struct dbsect *)(base + sizeof(*h));
    for (uint32_t i = 0; i < h->nsect; i++) {
        if (t[i].id == 0 || t[i].id > DBS_MAX || t[i].off > len || t[i].size > len - t[i].off ||
            t[i].off % ALIGN || sec[t[i].id])
            return corrupt(err, name, "bad section entry");
        sec[t[i].id] = base + t[i].off;
        ssz[t[i].id] = t[i].size;
    }
    if (!sec[DBS_META] || ssz[DBS_META] != sizeof(struct dbmeta))
        return corrupt(err, name, "missing metadata");
    const struct dbmeta *meta = (const struct dbmeta *)sec[DBS_META];

    memset(db, 0, sizeof(*db));
    db->nioc = (uint32_t)(ssz[DBS_IOCS] / sizeof(struct trawl_db_ioc));
    db->iocs = (const struct trawl_db_ioc *)sec[DBS_IOCS];
    db->strings = (const char *)sec[DBS_STRINGS];
    db->strings_len = (uint32_t)ssz[DBS_STRINGS];
    db->srclist = (const uint32_t *)sec[DBS_SRCLIST];
    db->nsources = (uint32_t)(ssz[DBS_SRCOFFS] / 4);
    db->source_offs = (const uint32_t *)sec[DBS_SRCOFFS];
    db->npat = (uint32_t)(ssz[DBS_PATS] / sizeof(struct trawl_db_pat));
    db->pats = (const struct trawl_db_pat *)sec[DBS_PATS];
    db->max_len = meta->max_len;
    db->utf16 = (meta->flags & DBMETA_UTF16) != 0;
    if (ssz[DBS_IOCS] % sizeof(struct trawl_db_ioc) ||
        ssz[DBS_PATS] % sizeof(struct trawl_db_pat) || ssz[DBS_SRCLIST] % 4 ||
        ssz[DBS_SRCOFFS] % 4 || ssz[DBS_STRINGS] > UINT32_MAX ||
        (db->strings_len && db->strings[db->strings_len - 1]))
        return corrupt(err, name, "bad section sizes");
    size_t nsrclist = ssz[DBS_SRCLIST] / 4;
    for (uint32_t i = 0; i < db->nioc; i++) {
        const struct trawl_db_ioc *c = &db->iocs[i];
        if ((uint64_t)c->value_off + c->value_len >= db->strings_len ||
            db->strings[c->value_off + c->value_len] || (uint64_t)c->src_off + c->nsrc > nsrclist ||
            c->type >= TRAWL_T_COUNT || c->tlp >= TRAWL_TLP_COUNT || c->severity > 4 ||
            (c->warn_off != UINT32_MAX && c->warn_off >= db->strings_len))
            return corrupt(err, name, "bad indicator record");
    }
    for (size_t i = 0; i < nsrclist; i++)
        if (db->srclist[i] >= db->nsources) return corrupt(err, name, "bad source index");
    for (uint32_t i = 0; i < db->nsources; i++)
        if (db->source_offs[i] >= db->strings_len) return corrupt(err, name, "bad source name");
    /* max_len sizes the matchers' overlap and buffers: bounded like the
     * compiler bounds it, and no pattern may be longer */
    if (db->max_len > 65535) return corrupt(err, name, "bad longest pattern length");
    for (uint32_t i = 0; i < db->npat; i++)
        if (db->pats[i].ioc >= db->nioc || db->pats[i].verify > TRAWL_V_CASED ||
            db->pats[i].len > db->max_len ||
            /* a literal is its indicator's text: match.c compares that many bytes */
            (db->pats[i].verify != TRAWL_V_REGEX &&
             db->pats[i].len != db->iocs[db->pats[i].ioc].value_len))
            return corrupt(err, name, "bad pattern entry");
    if (load_table(&db->hashes, sec[DBS_TAB_HASH], ssz[DBS_TAB_HASH], db->nioc) ||
        load_table(&db->ipv4, sec[DBS_TAB_IPV4], ssz[DBS_TAB_IPV4], db->nioc) ||
        load_table(&db->ipv6, sec[DBS_TAB_IPV6], ssz[DBS_TAB_IPV6], db->nioc))
        return corrupt(err, name, "bad lookup table");
    for (unsigned l = 0; l <= 128; l++) {
        if (l <= 32 && ssz[DBS_CIDR4 + l]) {
            struct trawl_db_cidr *c = &db->cidr4;
            if (load_table(&c->tabs[c->nlens], sec[DBS_CIDR4 + l], ssz[DBS_CIDR4 + l], db->nioc))
                return corrupt(err, name, "bad CIDR table");
            c->lens[c->nlens++] = (uint8_t)l;
        }
        if (ssz[DBS_CIDR6 + l]) {
            struct trawl_db_cidr *c = &db->cidr6;
            if (load_table(&c->tabs[c->nlens], sec[DBS_CIDR6 + l], ssz[DBS_CIDR6 + l], db->nioc))
                return corrupt(err, name, "bad CIDR table");
            c->lens[c->nlens++] = (uint8_t)l;
        }
    }
    if (build_v4_filter(db)) {
        db_release(db);
        return trawl_error_set(err, TRAWL_ENOMEM, name, "out of memory");
    }
    if (build_hex_filter(db) || (!(meta->flags & DBMETA_TEXT_LIT) && build_text_tokens(db))) {
        db_release(db);
        return trawl_error_set(err, TRAWL_ENOMEM, name, "out of memory");
    }
    int r = load_hs(&db->hs_lit, sec[DBS_HS_LIT], ssz[DBS_HS_LIT], name, err);
    if (!r) r = load_hs(&db->hs_lit2, sec[DBS_HS_LIT2], ssz[DBS_HS_LIT2], name, err);
    if (!r) r = load_hs(&db->hs_re, sec[DBS_HS_RE], ssz[DBS_HS_RE], name, err);
    if (r) {
        db_release(db);
        return r;
    }

    struct trawl_db_info *in = &db->info;
    in->format_version = h->version;
    memcpy(in->hs_version, hsv, sizeof(in->hs_version) - 1);
    in->hs_version[sizeof(in->hs_version) - 1] = 0;
    memcpy(in->platform, h->platform, sizeof(h->platform) - 1);
    in->checksum = h->checksum;
    in->file_size = len;
    in->hs_bytes = meta->hs_bytes;
    in->meta_bytes = len - meta->hs_bytes;
    in->compile_seconds = meta->compile_seconds;
    in->compiled_at = meta->compiled_at;
    in->literals = meta->literals;
    in->hashed = meta->hashed;
    in->cidrs = meta->cidrs;
    in->expired = meta->expired;
    in->utf16 = db->utf16;
    for (uint32_t i = 0; i < db->nioc; i++) {
        in->by_type[db->iocs[i].type]++;
        in->by_tlp[db->iocs[i].tlp]++;
        in->by_severity[db->iocs[i].severity]++;
    }
    db->owned[db->nowned++] = image; /* freed or unmapped by trawl_db_close */
    db->map_len = len;
    return 0;
}

int trawl_db_write(const struct trawl_db *db, const char *path, struct trawl_error *err)
{
    const void *image = db->owned[0];
    size_t len = db->map_len;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) return trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
    snprintf(tmp, plen + 16, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return trawl_error_set(err, TRAWL_EIO, path, "cannot create: %s", strerror(e));
    }
    const uint8_t *p = image;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            close(fd);
            unlink(tmp);
            free(tmp);
            return trawl_error_set(err, TRAWL_EIO, path, "write: %s", strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) || close(fd) || rename(tmp, path)) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return trawl_error_set(err, TRAWL_EIO, path, "cannot finish writing: %s", strerror(e));
    }
    free(tmp);
    return 0;
}

/* Memory for a database image read from a file. Large ones are aligned to
 * and asked for in 2 MiB pages: at 1M indicators (134 MB) that makes the
 * read's page faults 512 times fewer (a third of the load time). */
static uint8_t *image_alloc(size_t len)
{
    const size_t huge = 2u << 20;
    if (len < 2 * huge) return malloc(len);
    void *p = NULL;
    if (posix_memalign(&p, huge, (len + huge - 1) & ~(huge - 1))) return NULL;
    madvise(p, (len + huge - 1) & ~(huge - 1), MADV_HUGEPAGE); /* a hint: may be refused */
    return p;
}

int trawl_db_open(const char *path, struct trawl_db **ret, struct trawl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return trawl_error_set(err, TRAWL_EIO, path, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return trawl_error_set(err, TRAWL_EIO, path, "not a regular file");
    }
    if ((size_t)st.st_size < sizeof(struct dbhdr)) {
        char magic[8] = {0};
        bool ours = read(fd, magic, 8) == 8 && !memcmp(magic, TRAWL_DB_MAGIC, 8);
        close(fd);
        if (ours)
            return trawl_error_set(err, TRAWL_ETRUNC, path, "truncated database (%lld bytes)",
                                   (long long)st.st_size);
        return trawl_error_set(err, TRAWL_EFORMAT, path, "not a trawl database (%lld bytes)",
                               (long long)st.st_size);
    }
    /* Read, not mapped: the file is checksummed whole anyway, and a
     * database rewritten in place (cp over it) while trawl runs would take
     * mapped pages away from under the scan (SIGBUS). */
    size_t len = (size_t)st.st_size;
    uint8_t *image = image_alloc(len);
    struct trawl_db *db = image ? calloc(1, sizeof(*db)) : NULL;
    if (!db) {
        close(fd);
        free(image);
        return trawl_error_set(err, TRAWL_ENOMEM, path, "out of memory");
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, image + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    int e = errno;
    close(fd);
    if (got < len) {
        free(image);
        free(db);
        if (got == 0 && e) return trawl_error_set(err, TRAWL_EIO, path, "read: %s", strerror(e));
        return trawl_error_set(err, TRAWL_ETRUNC, path,
                               "truncated database (%zu of %zu bytes: changed while read?)", got,
                               len);
    }
    int r = dbimage_open(db, image, len, path, err); /* owns image from here */
    if (r) {
        free(image);
        free(db);
        return r;
    }
    *ret = db;
    return 0;
}

void trawl_db_close(struct trawl_db *db)
{
    if (!db) return;
    db_release(db);
    for (unsigned i = 0; i < db->nowned; i++)
        free(db->owned[i]);
    free(db);
}

size_t trawl_db_count(const struct trawl_db *db)
{
    return db->nioc;
}

void trawl_db_get(const struct trawl_db *db, size_t i, struct trawl_ioc_view *out)
{
    const struct trawl_db_ioc *c = &db->iocs[i];
    out->type = (enum trawl_ioc_type)c->type;
    out->flags = c->flags;
    out->value = db->strings + c->value_off;
    out->tlp = (enum trawl_tlp)c->tlp;
    out->severity = c->severity;
    out->confidence = c->confidence;
    out->valid_until = c->valid_until;
    out->nsources = c->nsrc;
    out->sources = NULL;
    out->warning = c->warn_off == UINT32_MAX ? NULL : db->strings + c->warn_off;
}

const char *trawl_db_source(const struct trawl_db *db, size_t i, size_t k)
{
    return db->strings + db->source_offs[db->srclist[db->iocs[i].src_off + k]];
}

void trawl_db_info(const struct trawl_db *db, struct trawl_db_info *out)
{
    *out = db->info;
}
