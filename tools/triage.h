/* trawl triage, internal to tools/: the hit aggregation shared by the input
 * readers (triage_input.c: JSONL files, Redis streams), the grouping
 * (triage_groups.c) and the outputs (triage_out.c: table, JSON, Markdown
 * report). Single-threaded; every table is a hash table so that a million hits
 * cost a few seconds, never quadratic time. */
#ifndef TRAWL_TRIAGE_H
#define TRAWL_TRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRIAGE_NO_TIME INT64_MIN
#define TRIAGE_MAX_EXTRACTS 50

/* Interned strings: each distinct string stored once, named by a dense id. */
struct strtab {
    char **strs;
    uint32_t *lens;
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: id + 1, 0 = empty */
    size_t nslots;
    char *arena;
    size_t arena_left;
    char **chunks;
    size_t nchunks;
};

/* Set of (or map from) non-zero 64-bit keys. */
struct u64map {
    uint64_t *keys; /* 0 = empty */
    uint32_t *vals;
    size_t n, cap;
};

/* One log extract kept for the report. */
struct extract {
    uint32_t file; /* strtab id in triage.strs */
    uint64_t line; /* 0: unknown */
    char *context; /* NUL-terminated, may hold NULs (\u0000) before ctx_len */
    size_t ctx_len;
};

/* One JSON value of a hit line, as read by triage_json.c. */
enum jkind { J_ABSENT, J_NULL, J_TRUE, J_FALSE, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };
struct jval {
    enum jkind kind;
    const char *s; /* J_STRING: decoded, NUL-terminated */
    size_t len;
    double num;
    bool integer; /* J_NUMBER without fraction or exponent */
    long long ival;
};

/* The fields of a hit that triage reads; the rest is validated, not kept. */
struct hit_json {
    struct jval ioc, file, line, context, hit_id, event_type, timestamp, pcap_ts, first_seen,
        last_seen, count, src_ip, dest_ip;
    struct jval value, type, tlp, severity, sources, redacted; /* in "ioc" */
    struct jval *srcv;                                         /* the strings of ioc.sources */
    size_t nsources, cap_sources;
    char *buf; /* decoded strings */
    size_t cap_buf;
};

/* One group: an indicator (type + value) or, in the rollup, a source. */
struct group {
    uint32_t name; /* indicator value or source name (triage.strs) */
    int type;      /* enum trawl_ioc_type; -1 for a source */
    int tlp, severity, level;
    bool redacted;
    uint64_t hits;
    int64_t first, last; /* microseconds since the epoch, or TRIAGE_NO_TIME */
    uint32_t *srcs;      /* indicator: its sources; source: its indicators */
    uint32_t nsrcs, cap_srcs;
    uint32_t *hosts; /* host ids (triage.hosts), in order of first sight */
    uint32_t nhosts, cap_hosts;
    struct extract *ex; /* up to opt.extracts, allocated on first use */
    unsigned nex;
    uint32_t index; /* position before sorting */
};

struct triage_opts {
    unsigned long investigate_hosts; /* level 2 from this many hosts */
    unsigned long crisis_hosts;      /* level 3 from this many hosts */
    unsigned long investigate_hits;  /* level 2 from this many hits; 0 = off */
    unsigned long min_level;         /* groups shown */
    int max_tlp;                     /* hits above are withheld; -1 = none */
    unsigned extracts;               /* kept per indicator */
    unsigned max_bad_shown;          /* malformed lines printed */
};

struct triage {
    struct triage_opts opt;
    struct strtab strs;  /* values, sources, files */
    struct strtab hosts; /* "a" + address or "f" + file */
    struct group *ind;   /* by indicator */
    size_t nind, cap_ind;
    struct group *src; /* by source */
    size_t nsrc, cap_src;
    struct u64map ind_by_key;  /* type << 32 | value id -> index in ind */
    struct u64map src_by_name; /* name id -> index in src */
    struct u64map ind_hosts;   /* indicator << 32 | host: seen */
    struct u64map src_hosts;   /* source << 32 | host: seen */
    struct u64map src_inds;    /* source << 32 | indicator: seen */
    struct u64map seen_ids;    /* hashes of hit_id: duplicates dropped */
    struct u64map all_hosts;   /* host ids, for the totals */
    struct hit_json hj;        /* the current line */
    uint32_t *scratch;         /* the distinct sources of the current hit */
    size_t cap_scratch;
    uint64_t hits, lines, bad, duplicates, withheld, other_events;
    int64_t first, last;
    bool oom;
};

/* ---- triage_groups.c ---- */
int triage_init(struct triage *t, const struct triage_opts *opt);
void triage_free(struct triage *t);
/* Adds one hit line (not NUL-terminated). Returns 0, or -1 with a reason in
 * why (a malformed line; the caller counts and reports it). */
int triage_add_line(struct triage *t, const char *line, size_t len, char *why, size_t whysz);
/* Computes levels and sorts both group lists; call once after the input. */
void triage_finish(struct triage *t);
const char *triage_str(const struct triage *t, uint32_t id);
/* Host text (without its kind) and whether it is an address. */
const char *triage_host(const struct triage *t, uint32_t id, bool *is_addr);
/* Parses ISO 8601 ("2026-11-23T09:21:05.318442+0000", "...Z", "+01:00",
 * date-only) or a Unix epoch with optional fraction into microseconds. */
int triage_parse_time(const char *s, int64_t *usec);
/* Formats microseconds as EVE's "2026-11-23T09:21:05.318442+0000", or as
 * "2026-11-23 09:21:05" when short; "-" for TRIAGE_NO_TIME. */
void triage_format_time(int64_t usec, bool short_form, char *buf, size_t bufsz);

/* ---- triage_json.c ---- */
/* Reads one hit line into h (buffers reused from line to line). Returns 0,
 * or -1 with a static reason when the line is not one valid JSON object. */
int triage_json_read(struct hit_json *h, const char *line, size_t len, const char **why);
void triage_json_free(struct hit_json *h);

/* ---- triage_input.c ---- */
/* Reads one input: a JSONL file, "-" for stdin, or redis://HOST:PORT/STREAM.
 * Malformed lines are counted in t->bad, and the first few are printed as
 * "file:line: reason". Returns 0, or -1 when the input could not be read
 * (already reported). */
int triage_read(struct triage *t, const char *input);

/* ---- triage_out.c ---- */
void triage_print_table(const struct triage *t, FILE *f);
void triage_print_json(const struct triage *t, FILE *f);
int triage_write_report(const struct triage *t, const char *path, const char *const *inputs,
                        size_t ninputs);
const char *triage_level_name(int level);

#endif
