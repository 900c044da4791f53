/* The sink options of trawl scan and trawl live (sinks_cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sinks_cli.h"

void cli_sinks_init(struct cli_sinks *c)
{
    *c = (struct cli_sinks){.max_tlp = TRAWL_TLP_AMBER_STRICT, .fd = -1};
}

int cli_sinks_opt(struct cli_sinks *c, const char *sub, int opt, const char *arg)
{
    switch (opt) {
    case 'o':
        c->out = arg;
        return 0;
    case 'K':
        if (c->nspecs == CLI_MAX_SINKS)
            return cli_usage_error(sub, "at most %d sinks", CLI_MAX_SINKS);
        c->specs[c->nspecs++] = arg;
        return 0;
    case 'T':
        if (trawl_tlp_parse(arg, &c->max_tlp)) return cli_usage_error(sub, "unknown TLP '%s'", arg);
        return 0;
    case 'R':
        c->redact = true;
        return 0;
    case 'A': {
        char *end;
        c->aggregate = strtod(arg, &end);
        if (*end || !(c->aggregate > 0))
            return cli_usage_error(sub, "--aggregate needs a number of seconds");
        return 0;
    }
    default:
        return cli_usage_error(sub, "unknown option");
    }
}

int cli_sinks_open(struct cli_sinks *c,
                   void (*on_error)(void *ud, const char *where, const char *msg))
{
    struct trawl_error err = {0};
    if (trawl_sinks_new(&c->sinks)) {
        cli_error("out of memory");
        return -1;
    }
    trawl_sinks_on_error(c->sinks, on_error, NULL);
    trawl_sinks_set_aggregate(c->sinks, c->aggregate);
    if (c->out && strcmp(c->out, "-")) {
        c->fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c->fd < 0) {
            cli_error("%s: cannot create: %s", c->out, strerror(errno));
            cli_sinks_free(c);
            return -1;
        }
    }
    if (c->fd >= 0 || !c->nspecs)
        err.code = trawl_sinks_add_fd(c->sinks, c->fd >= 0 ? c->fd : 1,
                                      c->fd >= 0 ? c->out : "stdout", c->max_tlp, c->redact, &err);
    for (size_t i = 0; !err.code && i < c->nspecs; i++)
        trawl_sinks_add(c->sinks, c->specs[i], &err);
    if (err.code) {
        char buf[1100];
        cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
        cli_sinks_free(c);
        return -1;
    }
    return 0;
}

int cli_sinks_close(struct cli_sinks *c)
{
    int r = trawl_sinks_close(c->sinks) ? -1 : 0;
    if (c->fd >= 0) {
        if (close(c->fd)) {
            cli_error("%s: %s", c->out, strerror(errno));
            r = -1;
        }
        c->fd = -1;
    }
    return r;
}

void cli_sinks_summary(const struct cli_sinks *c)
{
    size_t n = trawl_sinks_count(c->sinks);
    for (size_t i = 0; i < n; i++) {
        struct trawl_sink_stats ss;
        trawl_sinks_stats(c->sinks, i, &ss);
        if (!ss.withheld && !ss.redacted && !ss.errors && !ss.spooled && n == 1) continue;
        fprintf(stderr,
                "trawl: sink %s: %llu written, %llu withheld and %llu redacted by TLP "
                "ceiling, %llu spooled, %llu replayed, %llu rotation(s), %llu error(s)\n",
                trawl_sinks_name(c->sinks, i), (unsigned long long)ss.written,
                (unsigned long long)ss.withheld, (unsigned long long)ss.redacted,
                (unsigned long long)ss.spooled, (unsigned long long)ss.replayed,
                (unsigned long long)ss.rotations, (unsigned long long)ss.errors);
    }
}

void cli_sinks_free(struct cli_sinks *c)
{
    trawl_sinks_free(c->sinks);
    c->sinks = NULL;
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}
