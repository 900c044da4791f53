/* Shared by trawl scan and trawl live: the options that say where hits go
 * (-o, --sink, --max-tlp, --redact, --aggregate), opening the sinks and
 * their summary lines. */
#ifndef TRAWL_SINKS_CLI_H
#define TRAWL_SINKS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "trawl_engine.h"

#define CLI_MAX_SINKS 16

struct cli_sinks {
    const char *out; /* -o FILE, or NULL */
    const char *specs[CLI_MAX_SINKS];
    size_t nspecs;
    enum trawl_tlp max_tlp; /* of standard output / -o */
    bool redact;
    double aggregate;
    int fd;                    /* -o FILE once opened, else -1 */
    struct trawl_sinks *sinks; /* once opened */
};

void cli_sinks_init(struct cli_sinks *c);

/* Takes one option of getopt_long: 'o' (-o), 'K' (--sink), 'T' (--max-tlp),
 * 'R' (--redact), 'A' (--aggregate). Returns 0, or prints a usage error for
 * subcommand sub and returns EXIT_TROUBLE. */
int cli_sinks_opt(struct cli_sinks *c, const char *sub, int opt, const char *arg);

/* Creates -o FILE and the sinks (standard output when none is given);
 * on_error receives the sinks' later problems. Returns 0, or prints the
 * error, frees what was made and returns -1. */
int cli_sinks_open(struct cli_sinks *c,
                   void (*on_error)(void *ud, const char *where, const char *msg));

/* Flushes, syncs and closes -o FILE. Returns -1 (after printing) when any
 * hit could not be written. */
int cli_sinks_close(struct cli_sinks *c);

/* One line per sink with its counters on stderr, when there are several
 * sinks or one has something to say (withheld, redacted, spooled, errors). */
void cli_sinks_summary(const struct cli_sinks *c);

/* Frees the sinks. Accepts a never-opened c. */
void cli_sinks_free(struct cli_sinks *c);

#endif
