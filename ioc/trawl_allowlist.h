/* trawl allowlists: MISP warninglists, plain allow lists and trawl's built-in
 * list of obviously benign infrastructure, checked against indicators at
 * compile time so that mistakes (8.8.8.8, 10.0.0.0/8, google.com) are dropped
 * or flagged. Part of the ioc component; depends on trawl_ioc.h. Building an
 * allowlist is not thread-safe; a built one may be queried from any number of
 * threads at once. The matching rules are described at the top of
 * ioc/allowlist.c. */
#ifndef TRAWL_ALLOWLIST_H
#define TRAWL_ALLOWLIST_H

#include <stddef.h>
#include <stdint.h>

#include "trawl_ioc.h"

struct trawl_allowlist;

/* Name of the built-in list added by trawl_allowlist_add_defaults. */
#define TRAWL_ALLOWLIST_DEFAULT_NAME "trawl-default"

/* Creates an empty allowlist (no lists, matches nothing).
 * Returns 0 and sets *ret, or TRAWL_ENOMEM (*ret untouched). */
int trawl_allowlist_new(struct trawl_allowlist **ret);

/* Frees the allowlist and everything it owns. Accepts NULL. */
void trawl_allowlist_free(struct trawl_allowlist *al);

/* Loads lists from path, appending them after the lists already loaded:
 *  - a MISP warninglist (a file whose first non-blank byte is '{' or whose
 *    name ends in .json), {"name", "type", "list", "matching_attributes"}
 *    ("type" missing = "string"; "list" may also be an object whose keys are
 *    the entries, as MISP exports lists with comments);
 *  - a directory: every file named list.json below it (at most 8 levels deep),
 *    in path order, e.g. a checkout of misp-warninglists/lists;
 *  - anything else is a plain list: one entry per line, '#' comment lines and
 *    " #..." trailing comments; the list is named after the file's base name;
 *    each entry is refanged and typed with trawl_ioc_detect: IPv4/IPv6/CIDR
 *    become cidr entries, domains hostname entries, URLs, e-mail addresses and
 *    hashes normalised string entries, anything else a verbatim string entry.
 * Bad entries (unparsable CIDR, regex Hyperscan refuses, non-string JSON
 * element...) are reported through diag (file, 1-based line or 0 for JSON,
 * is_error true) and skipped; warnings (CIDR host bits masked, a list whose
 * matching_attributes name no trawl type) come with is_error false. diag may
 * be NULL.
 * Returns 0 when the file(s) were read, even with bad entries. Returns < 0
 * with *err filled when a file cannot be read, is not valid JSON (where =
 * "file:line:column"), lacks "list", has an unknown "type", or a directory
 * holds no list.json; the allowlist is then unchanged (a directory loads all
 * or nothing). Not thread-safe. */
int trawl_allowlist_load(struct trawl_allowlist *al, const char *path, trawl_diag_fn diag, void *ud,
                         struct trawl_error *err);

/* Appends trawl's built-in list, TRAWL_ALLOWLIST_DEFAULT_NAME: public DNS
 * resolvers, special-use address ranges (loopback, unspecified, RFC 1918,
 * CGNAT, link-local, multicast, documentation, IPv6 ULA) and the registrable
 * domains of the largest web platforms plus a few of their service hosts.
 * Platform names match a domain indicator (or a URL with nothing after the
 * host) only when it IS the name or "www." + the name, never a deeper
 * subdomain: evil-bucket.s3.amazonaws.com is kept. A second call does
 * nothing. Returns 0 or TRAWL_ENOMEM. Not thread-safe. */
int trawl_allowlist_add_defaults(struct trawl_allowlist *al);

/* Index of the first list (in load order) that matches the indicator, or -1.
 * type, value and flags are as in a trawl_ioc_view: value is the normalised
 * value (trawl_ioc_normalise), flags TRAWL_IOC_* (NOCASE makes string
 * entries compare caselessly). Values longer than TRAWL_IOC_MAX are only
 * checked against cidr, substring and regex entries. Thread-safe; does not
 * allocate unless two threads scan Hyperscan-backed lists at the same
 * moment (then the second clones a scratch). */
long trawl_allowlist_lookup(const struct trawl_allowlist *al, enum trawl_ioc_type type,
                            const char *value, uint32_t flags);

/* Name of the first list matching the indicator (see trawl_allowlist_lookup),
 * or NULL. The string is owned by the allowlist. Thread-safe. */
const char *trawl_allowlist_match(const struct trawl_allowlist *al, enum trawl_ioc_type type,
                                  const char *value, uint32_t flags);

/* Number of lists loaded. */
size_t trawl_allowlist_count(const struct trawl_allowlist *al);

/* Name of list i (0 <= i < count), or NULL when out of range: the MISP
 * "name", the plain file's base name or TRAWL_ALLOWLIST_DEFAULT_NAME. */
const char *trawl_allowlist_name(const struct trawl_allowlist *al, size_t i);

/* Facts about list i for reports. Strings are owned by the allowlist. */
struct trawl_allowlist_info {
    const char *name;  /* as trawl_allowlist_name */
    const char *id;    /* short id: the directory holding list.json, else the file's base name */
    const char *path;  /* the file it came from; "" for the built-in list */
    const char *type;  /* "string", "hostname", "substring", "cidr", "regex", "plain", "builtin" */
    uint32_t types;    /* bit (1u << enum trawl_ioc_type) per indicator type it applies to */
    size_t entries;    /* distinct entries kept */
    size_t duplicates; /* entries equal to one already in the list */
    size_t rejected;   /* bad entries skipped (reported through diag) */
};

/* Fills *out for list i; returns 0, or TRAWL_EINVAL when i is out of range. */
int trawl_allowlist_info(const struct trawl_allowlist *al, size_t i,
                         struct trawl_allowlist_info *out);

#endif
