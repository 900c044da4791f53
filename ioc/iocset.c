/* The de-duplicating indicator set the loaders fill and the compiler reads.
 * Entries live in an insertion-ordered vector (so trawl_iocset_get is O(1));
 * an open-addressing table keyed by (type, EXACT flag, value) finds
 * duplicates. Values, interned source names and per-indicator source lists
 * live in an arena of never-moving blocks, so views stay valid until the set
 * is freed, and millions of indicators cost no per-indicator malloc. */
#include <stdlib.h>
#include <string.h>

#include "trawl_ioc.h"

/* ---- arena: bump allocation in blocks that never move ------------------ */

#define ARENA_BLOCK (1u << 20)

struct arena_blk {
    struct arena_blk *next;
    size_t used, cap;
    _Alignas(max_align_t) char data[];
};

struct arena {
    struct arena_blk *head;
};

static void *arena_alloc(struct arena *a, size_t n, size_t align)
{
    struct arena_blk *b = a->head;
    if (b) {
        size_t off = (b->used + align - 1) & ~(align - 1);
        if (off <= b->cap && b->cap - off >= n) {
            b->used = off + n;
            return b->data + off;
        }
    }
    /* Oversized requests get a block of their own, placed behind the current
     * one so the current block keeps serving small requests. */
    size_t cap = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
    struct arena_blk *nb = malloc(sizeof(*nb) + cap);
    if (!nb) return NULL;
    nb->cap = cap;
    nb->used = n;
    if (b && cap == n) {
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->head = nb;
    }
    return nb->data;
}

static char *arena_strdup(struct arena *a, const char *s, size_t len)
{
    char *p = arena_alloc(a, len + 1, 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = 0;
    }
    return p;
}

static void arena_free(struct arena *a)
{
    struct arena_blk *b = a->head;
    while (b) {
        struct arena_blk *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
}

/* ---- the set ------------------------------------------------------------ */

struct entry {
    const char *value;
    /* One source: points at the interned name's own slot (no allocation).
     * More: an arena array whose capacity is the next power of two >= n. */
    const char **sources;
    int64_t valid_until;
    uint32_t len;
    uint32_t nsources;
    uint32_t flags;
    uint8_t type;
    uint8_t tlp;
    int8_t severity;
    int8_t confidence;
};

/* Hash table slot: upper hash bits to skip most string compares, and the
 * entry index + 1 (0 = empty). */
struct slot {
    uint32_t hash;
    uint32_t idx1;
};

struct trawl_iocset {
    struct arena arena;
    struct entry *ents;
    size_t n, cap;
    struct slot *tab;
    size_t tabmask; /* table size - 1 (power of two) */
    /* Interned sources: each has a stable one-pointer slot in the arena. */
    const char ***srcs;
    size_t nsrc, srccap;
    uint32_t *srctab; /* index + 1 */
    size_t srcmask;
};

int trawl_iocset_new(struct trawl_iocset **ret)
{
    struct trawl_iocset *s = calloc(1, sizeof(*s));
    if (!s) return TRAWL_ENOMEM;
    s->tabmask = 1023;
    s->tab = calloc(s->tabmask + 1, sizeof(*s->tab));
    s->srcmask = 63;
    s->srctab = calloc(s->srcmask + 1, sizeof(*s->srctab));
    if (!s->tab || !s->srctab) {
        trawl_iocset_free(s);
        return TRAWL_ENOMEM;
    }
    *ret = s;
    return 0;
}

void trawl_iocset_free(struct trawl_iocset *set)
{
    if (!set) return;
    arena_free(&set->arena);
    free(set->ents);
    free(set->tab);
    free(set->srcs);
    free(set->srctab);
    free(set);
}

size_t trawl_iocset_count(const struct trawl_iocset *set)
{
    return set ? set->n : 0;
}

void trawl_iocset_get(const struct trawl_iocset *set, size_t i, struct trawl_ioc_view *out)
{
    out->warning = NULL;
    const struct entry *e = &set->ents[i];
    out->type = (enum trawl_ioc_type)e->type;
    out->flags = e->flags;
    out->value = e->value;
    out->tlp = (enum trawl_tlp)e->tlp;
    out->severity = e->severity;
    out->confidence = e->confidence;
    out->valid_until = e->valid_until;
    out->nsources = e->nsources;
    out->sources = (const char *const *)e->sources;
}

static uint64_t key_hash(int type, uint32_t flags, const char *v, size_t len)
{
    return trawl_hash64(v, len, (uint64_t)type * 2 + ((flags & TRAWL_IOC_EXACT) ? 1 : 0));
}

static int src_grow(struct trawl_iocset *s)
{
    size_t ncap = (s->srcmask + 1) * 2;
    uint32_t *nt = calloc(ncap, sizeof(*nt));
    if (!nt) return TRAWL_ENOMEM;
    for (size_t i = 0; i < s->nsrc; i++) {
        const char *name = *s->srcs[i];
        size_t j = trawl_hash64(name, strlen(name), 0) & (ncap - 1);
        while (nt[j])
            j = (j + 1) & (ncap - 1);
        nt[j] = (uint32_t)i + 1;
    }
    free(s->srctab);
    s->srctab = nt;
    s->srcmask = ncap - 1;
    return 0;
}

/* Returns the stable slot holding the interned copy of name, or NULL. */
static const char **src_intern(struct trawl_iocset *s, const char *name)
{
    size_t len = strlen(name);
    size_t j = trawl_hash64(name, len, 0) & s->srcmask;
    for (; s->srctab[j]; j = (j + 1) & s->srcmask) {
        const char **slot = s->srcs[s->srctab[j] - 1];
        if (strcmp(*slot, name) == 0) return slot;
    }
    if ((s->nsrc + 1) * 2 > s->srcmask + 1) {
        if (src_grow(s)) return NULL;
        return src_intern(s, name);
    }
    if (s->nsrc == s->srccap) {
        size_t ncap = s->srccap ? s->srccap * 2 : 16;
        const char ***n = realloc(s->srcs, ncap * sizeof(*n));
        if (!n) return NULL;
        s->srcs = n;
        s->srccap = ncap;
    }
    const char **slot = arena_alloc(&s->arena, sizeof(*slot), _Alignof(const char *));
    char *copy = slot ? arena_strdup(&s->arena, name, len) : NULL;
    if (!copy) return NULL;
    *slot = copy;
    s->srcs[s->nsrc] = slot;
    s->srctab[j] = (uint32_t)++s->nsrc;
    return slot;
}

static int tab_grow(struct trawl_iocset *s)
{
    size_t ncap = (s->tabmask + 1) * 2;
    struct slot *nt = calloc(ncap, sizeof(*nt));
    if (!nt) return TRAWL_ENOMEM;
    /* Re-hashing needs the full hash; entries are few enough relative to the
     * cost of storing 64 bits per slot that recomputing is the better trade. */
    for (size_t i = 0; i < s->n; i++) {
        const struct entry *e = &s->ents[i];
        uint64_t h = key_hash(e->type, e->flags, e->value, e->len);
        size_t j = h & (ncap - 1);
        while (nt[j].idx1)
            j = (j + 1) & (ncap - 1);
        nt[j].hash = (uint32_t)(h >> 32);
        nt[j].idx1 = (uint32_t)i + 1;
    }
    free(s->tab);
    s->tab = nt;
    s->tabmask = ncap - 1;
    return 0;
}

/* Adds src to e's source list unless present. */
static int add_source(struct trawl_iocset *s, struct entry *e, const char **slot)
{
    for (uint32_t i = 0; i < e->nsources; i++)
        if (e->sources[i] == *slot) return 0;
    uint32_t n = e->nsources;
    if ((n & (n - 1)) == 0) { /* full: capacity is n when n is a power of two */
        const char **na =
            arena_alloc(&s->arena, (size_t)n * 2 * sizeof(*na), _Alignof(const char *));
        if (!na) return TRAWL_ENOMEM;
        memcpy(na, e->sources, n * sizeof(*na));
        e->sources = na;
    }
    e->sources[n] = *slot;
    e->nsources = n + 1;
    return 0;
}

static int clamp_i8(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int trawl_iocset_add(struct trawl_iocset *set, const struct trawl_ioc_rec *rec)
{
    if (!set || !rec || !rec->value || !rec->source || (int)rec->type < 0 ||
        rec->type >= TRAWL_T_COUNT || (int)rec->tlp < 0 || rec->tlp >= TRAWL_TLP_COUNT)
        return TRAWL_EINVAL;
    size_t len = strlen(rec->value);
    if (len > UINT32_MAX || set->n >= UINT32_MAX - 1) return TRAWL_EINVAL;
    uint64_t h = key_hash(rec->type, rec->flags, rec->value, len);
    uint32_t h32 = (uint32_t)(h >> 32);
    size_t j = h & set->tabmask;
    for (; set->tab[j].idx1; j = (j + 1) & set->tabmask) {
        if (set->tab[j].hash != h32) continue;
        struct entry *e = &set->ents[set->tab[j].idx1 - 1];
        if (e->type != rec->type || ((e->flags ^ rec->flags) & TRAWL_IOC_EXACT) || e->len != len ||
            memcmp(e->value, rec->value, len) != 0)
            continue;
        /* Merge. NOCASE is or-ed: the union of what both entries match. */
        const char **slot = src_intern(set, rec->source);
        if (!slot || add_source(set, e, slot)) return TRAWL_ENOMEM;
        e->flags |= rec->flags;
        if ((int)rec->tlp > e->tlp) e->tlp = (uint8_t)rec->tlp;
        if (rec->severity > e->severity) e->severity = (int8_t)clamp_i8(rec->severity, 0, 127);
        if (rec->confidence > e->confidence)
            e->confidence = (int8_t)clamp_i8(rec->confidence, -1, 100);
        /* 0 means "never expires", which outlives any date. */
        if (e->valid_until != 0 && (rec->valid_until == 0 || rec->valid_until > e->valid_until))
            e->valid_until = rec->valid_until;
        return 1;
    }

    /* New entry. Keep the load factor at or below 1/2 for short probes. */
    if ((set->n + 1) * 2 > set->tabmask + 1) {
        if (tab_grow(set)) return TRAWL_ENOMEM;
        j = h & set->tabmask;
        while (set->tab[j].idx1)
            j = (j + 1) & set->tabmask;
    }
    if (set->n == set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 1024;
        struct entry *ne = realloc(set->ents, ncap * sizeof(*ne));
        if (!ne) return TRAWL_ENOMEM;
        set->ents = ne;
        set->cap = ncap;
    }
    const char **slot = src_intern(set, rec->source);
    char *v = slot ? arena_strdup(&set->arena, rec->value, len) : NULL;
    if (!v) return TRAWL_ENOMEM;
    struct entry *e = &set->ents[set->n];
    e->value = v;
    e->len = (uint32_t)len;
    e->sources = slot;
    e->nsources = 1;
    e->valid_until = rec->valid_until;
    e->flags = rec->flags;
    e->type = (uint8_t)rec->type;
    e->tlp = (uint8_t)rec->tlp;
    e->severity = (int8_t)clamp_i8(rec->severity, 0, 127);
    e->confidence = (int8_t)clamp_i8(rec->confidence, -1, 100);
    set->tab[j].hash = h32;
    set->tab[j].idx1 = (uint32_t)++set->n;
    return 0;
}
