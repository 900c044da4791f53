/* trawl submit: queue scan jobs for trawl workers on other machines. Walks
 * the paths, packs the files into jobs, stores the database in Redis under
 * its checksum and adds one stream entry per job (docs/distributed.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "queue.h"
#include "trawl_capture.h"
#include "trawl_ioc.h"

static const char help[] =
    "usage: trawl submit --queue redis://HOST:PORT/STREAM -d DB.tdb [OPTIONS] PATH...\n"
    "\n"
    "Queues scan jobs for `trawl worker` processes on other machines (see\n"
    "docs/distributed.md). Directories are walked here, and their files are packed\n"
    "into jobs of about --job-size bytes; a file is never split across jobs. The\n"
    "paths must name the same files on every worker (shared storage): relative paths\n"
    "are made absolute. The database is stored in Redis under its checksum, once,\n"
    "so that workers without it fetch it.\n"
    "\n"
    "options:\n"
    "      --queue URL       the job stream, redis://HOST:PORT/STREAM (required;\n"
    "                        default: $TRAWL_QUEUE)\n"
    "  -d, --db FILE         compiled database the jobs are scanned with (required)\n"
    "      --job-size SIZE   pack files into jobs of up to SIZE bytes (k, M, G\n"
    "                        suffixes; default 64M; 0: one job per file)\n"
    "  -v, --verbose         print each job: id, files, bytes, first path\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 jobs queued, 2 an error happened (nothing is queued when a path\n"
    "cannot be read).\n"
    "\n"
    "examples:\n"
    "  trawl submit --queue redis://10.0.0.5:6379/trawl:jobs -d iocs.tdb \\\n"
    "      /evidence/case42\n"
    "  trawl submit --queue redis://10.0.0.5:6379/trawl:jobs -d iocs.tdb \\\n"
    "      --job-size 0 /mnt/nfs/sensor-*/eve.json.gz\n";

struct file {
    char *path;
    uint64_t size;
    bool regular;
};

struct walk {
    struct file *f;
    size_t n, cap;
    int problems;
    bool nomem;
};

static int on_file(void *ud, const char *path, const struct stat *st)
{
    struct walk *w = ud;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        struct file *f = realloc(w->f, cap * sizeof(*f));
        if (!f) {
            w->nomem = true;
            return 1;
        }
        w->f = f;
        w->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy) {
        w->nomem = true;
        return 1;
    }
    w->f[w->n++] = (struct file){copy, (uint64_t)st->st_size, S_ISREG(st->st_mode) != 0};
    return 0;
}

static void on_walk_err(void *ud, const char *path, const char *msg)
{
    ((struct walk *)ud)->problems++;
    cli_error("%s: %s", path, msg);
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return -1;
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10;
    else if (*end == 'm' || *end == 'M')
        shift = 20;
    else if (*end == 'g' || *end == 'G')
        shift = 30;
    if (shift) end++;
    if (*end || v > (UINT64_MAX >> shift)) return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

/* The whole database file, to store it in Redis. */
static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    char *b = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (b && got < (size_t)st.st_size) {
        ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            free(b);
            b = NULL;
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    *len = got;
    return b;
}

/* Stores the database under its checksum unless Redis holds it already.
 * Returns 1 uploaded, 0 already there, -1 error (reported). */
static int upload_db(struct queue *q, const char *path, uint64_t sum)
{
    char key[64];
    snprintf(key, sizeof(key), QUEUE_DB_KEY, (unsigned long long)sum);
    redisReply *r = queue_cmd(q, "EXISTS %s", key);
    if (!r) {
        cli_error("%s: %s", q->url, q->err);
        return -1;
    }
    bool there = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (there) return 0;
    size_t len;
    char *bytes = slurp(path, &len);
    if (!bytes) {
        cli_error("%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (len >= (512u << 20)) {
        cli_error("%s: %zu bytes: too big to store in Redis (512 MB at most)", path, len);
        free(bytes);
        return -1;
    }
    q->timeout = 60; /* a large value takes a while to send */
    r = queue_cmd(q, "SET %s %b", key, bytes, len);
    free(bytes);
    if (!r) {
        cli_error("%s: storing the database as %s: %s", q->url, key, q->err);
        return -1;
    }
    freeReplyObject(r);
    return 1;
}

/* Absolute form of a path given on the command line (workers have another
 * working directory); symlinks are kept as they are. */
static char *absolute(const char *p)
{
    if (p[0] == '/') return strdup(p);
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd))) return NULL;
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    if (!strcmp(p, ".")) return strdup(cwd);
    char *out = malloc(strlen(cwd) + strlen(p) + 2);
    if (out) sprintf(out, "%s/%s", cwd, p);
    return out;
}

int cmd_submit(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"queue", required_argument, NULL, 'Q'},
        {"db", required_argument, NULL, 'd'},
        {"job-size", required_argument, NULL, 'S'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = getenv("TRAWL_QUEUE"), *dbpath = NULL;
    uint64_t job_size = 64u << 20;
    bool verbose = false, quiet = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":d:vqh", lopts, NULL)) != -1) {
        switch (c) {
        case 'Q':
            url = optarg;
            break;
        case 'd':
            dbpath = optarg;
            break;
        case 'S':
            if (parse_size(optarg, &job_size))
                return cli_usage_error("submit", "--job-size needs a size such as 64M or 0");
            break;
        case 'v':
            verbose = true;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cli_other_opt("submit", c, help, argv);
        }
    }
    if (!url || !*url)
        return cli_usage_error("submit", "no queue: give --queue redis://HOST:PORT/STREAM");
    if (!dbpath) return cli_usage_error("submit", "no database: give -d DB.tdb");
    if (optind >= argc)
        return cli_usage_error("submit", "nothing to submit: give files or directories");

    struct trawl_db *db;
    struct trawl_error err = {0};
    if (trawl_db_open(dbpath, &db, &err)) {
        char buf[1100];
        cli_error("%s", trawl_error_str(&err, buf, sizeof(buf)));
        return EXIT_TROUBLE;
    }
    struct trawl_db_info info;
    trawl_db_info(db, &info);
    trawl_db_close(db);
    char sum[17];
    snprintf(sum, sizeof(sum), "%016llx", (unsigned long long)info.checksum);

    /* walk everything first: nothing is queued if a path is wrong */
    size_t nroots = (size_t)(argc - optind);
    char **roots = calloc(nroots, sizeof(*roots));
    struct walk w = {0};
    int rc = EXIT_TROUBLE;
    struct queue q = {0};
    if (!roots) {
        cli_error("out of memory");
        goto out;
    }
    for (size_t i = 0; i < nroots; i++) {
        if (!strcmp(argv[optind + (int)i], "-")) {
            cli_usage_error("submit", "standard input cannot be sent to other machines");
            goto out;
        }
        if (!(roots[i] = absolute(argv[optind + (int)i]))) {
            cli_error("%s: %s", argv[optind + (int)i], strerror(errno));
            goto out;
        }
    }
    trawl_cap_walk((const char *const *)roots, nroots, on_file, on_walk_err, &w);
    if (w.nomem) {
        cli_error("out of memory");
        goto out;
    }
    if (w.problems) {
        cli_error("%d problem(s) with the paths: nothing queued", w.problems);
        goto out;
    }
    if (!w.n) {
        cli_error("no files found: nothing queued");
        goto out;
    }

    if (queue_open(&q, url, 10) || queue_ensure_group(&q)) {
        cli_error("%s: %s", url, q.err);
        goto out;
    }
    int up = upload_db(&q, dbpath, info.checksum);
    if (up < 0) goto out;
    q.timeout = 10;

    /* One job: files [i, j). Pipelined: counter first, so `trawl status`
     * never sees a job before it is counted. */
    char statskey[600], now[32], host[256] = "?";
    queue_key(&q, statskey, sizeof(statskey), "stats");
    snprintf(now, sizeof(now), "%lld", (long long)trawl_now_wall());
    gethostname(host, sizeof(host) - 1);
    size_t njobs = 0, pending = 0;
    uint64_t total = 0;
    struct trawl_buf paths = {0};
    for (size_t i = 0; i < w.n;) {
        size_t j = i + 1;
        uint64_t bytes = w.f[i].size;
        while (j < w.n && job_size && w.f[i].regular && w.f[j].regular &&
               bytes + w.f[j].size <= job_size && j - i < QUEUE_MAX_FILES)
            bytes += w.f[j++].size;
        paths.len = 0;
        for (size_t k = i; k < j; k++)
            if ((k > i && trawl_buf_putc(&paths, '\0')) ||
                trawl_buf_put(&paths, w.f[k].path, strlen(w.f[k].path))) {
                cli_error("out of memory");
                goto out;
            }
        char id[37], files[24], bytes_s[24];
        queue_new_id(id);
        snprintf(files, sizeof(files), "%zu", j - i);
        snprintf(bytes_s, sizeof(bytes_s), "%llu", (unsigned long long)bytes);
        const char *av[] = {"XADD",  q.stream,    "*",        "id",    id,    "db",
                            sum,     "path",      paths.data, "files", files, "bytes",
                            bytes_s, "submitted", now,        "by",    host};
        size_t lens[sizeof(av) / sizeof(av[0])];
        for (size_t k = 0; k < sizeof(av) / sizeof(av[0]); k++)
            lens[k] = strlen(av[k]);
        lens[8] = paths.len;
        redisAppendCommand(q.c, "HINCRBY %s submitted 1", statskey);
        redisAppendCommandArgv(q.c, (int)(sizeof(av) / sizeof(av[0])), av, lens);
        pending += 2;
        if (verbose)
            printf("%s\t%zu\t%llu\t%s\n", id, j - i, (unsigned long long)bytes, w.f[i].path);
        njobs++;
        total += bytes;
        i = j;
        if (pending >= 512 || i == w.n) {
            for (; pending; pending--) {
                redisReply *r = NULL;
                if (redisGetReply(q.c, (void **)&r) != REDIS_OK || !r ||
                    r->type == REDIS_REPLY_ERROR) {
                    cli_error("%s: queuing jobs: %s (%zu job(s) may have been queued)", url,
                              r ? r->str : q.c->errstr, njobs);
                    freeReplyObject(r);
                    trawl_buf_free(&paths);
                    goto out;
                }
                freeReplyObject(r);
            }
        }
    }
    trawl_buf_free(&paths);
    redisReply *r = queue_cmd(&q, "HINCRBY %s files %llu", statskey, (unsigned long long)w.n);
    freeReplyObject(r);
    r = queue_cmd(&q, "HINCRBY %s bytes %llu", statskey, (unsigned long long)total);
    freeReplyObject(r);
    if (!quiet)
        fprintf(stderr, "trawl: queued %zu job(s), %zu file(s), %.1f MB on %s; database %s %s\n",
                njobs, w.n, (double)total / 1e6, url, sum,
                up ? "stored in Redis" : "already in Redis");
    rc = 0;
out:
    queue_close(&q);
    for (size_t i = 0; i < w.n; i++)
        free(w.f[i].path);
    free(w.f);
    for (size_t i = 0; roots && i < nroots; i++)
        free(roots[i]);
    free(roots);
    return rc;
}
