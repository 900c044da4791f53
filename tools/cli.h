/* Shared by the trawl subcommands: exit codes, message helpers. */
#ifndef TRAWL_CLI_H
#define TRAWL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* grep's convention */
#define EXIT_HITS 0
#define EXIT_NOHITS 1
#define EXIT_TROUBLE 2

int cmd_bench(int argc, char **argv);
int cmd_compile(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_triage(int argc, char **argv);
int cmd_worker(int argc, char **argv);

/* Prints a problem of the engine ("trawl: where: msg") on stderr; the
 * on_error callback of scans and sinks. */
void cli_report(void *ud, const char *where, const char *msg);

/* "trawl: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "trawl SUB: unknown option..." with a pointer to --help; returns 2. */
int cli_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The getopt cases every subcommand shares: -h/--help prints help and
 * returns 0; a missing value (':') or an unknown option is a usage error
 * (returns 2). */
int cli_other_opt(const char *sub, int c, const char *help, char **argv);

/* -j/--threads: 1 to 1024 into *out and returns 0, or a usage error (2). */
int cli_threads_opt(const char *sub, const char *arg, unsigned *out);

/* Parses a positive integer option value; returns false on junk. */
bool cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* The capture caps shared by `scan` (pcap files) and `live`: --max-flows
 * and --stream-mem, getopt codes CLI_OPT_MAX_FLOWS / CLI_OPT_STREAM_MEM.
 * Stores the value and returns 0, or prints a usage error and returns 2. */
#define CLI_OPT_MAX_FLOWS 0x100
#define CLI_OPT_STREAM_MEM 0x101
#define CLI_CAPS_HELP                                                                              \
    "      --max-flows N     flow-table entries, all workers together (default 65536);\n"          \
    "                        when full, a flow seen least recently (of a sample) is\n"             \
    "                        ended early and counted as evicted\n"                                 \
    "      --stream-mem MB   buffers for out-of-order TCP segments, all workers together\n"        \
    "                        (default 64); when they run out, a flow holding one and seen\n"       \
    "                        least recently is ended early\n"
int cli_caps_opt(const char *sub, int c, const char *arg, uint32_t *max_flows,
                 uint64_t *stream_mem);

#endif
