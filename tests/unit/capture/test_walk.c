/* Directory walk: sorted order, symlink loops reported once and not
 * entered, unreadable directories, missing paths, FIFOs skipped inside
 * directories but passed on when named, the depth bound, early stop.
 * Each test builds its tree under a fresh mkdtemp directory. */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trawl_capture.h"

struct seen {
    char files[64][512];
    mode_t modes[64];
    size_t nfiles;
    char errs[16][512];
    char msgs[16][256];
    size_t nerrs;
    const char *strip; /* prefix removed from paths */
    size_t stop_after; /* on_file returns 7 after this many (0 = never) */
};

static const char *rel(const struct seen *s, const char *path)
{
    size_t k = strlen(s->strip);
    return strncmp(path, s->strip, k) == 0 ? path + k : path;
}

static int on_file(void *ud, const char *path, const struct stat *st)
{
    struct seen *s = ud;
    cr_assert_lt(s->nfiles, 64);
    snprintf(s->files[s->nfiles], sizeof(s->files[0]), "%s", rel(s, path));
    s->modes[s->nfiles] = st->st_mode;
    s->nfiles++;
    if (s->stop_after && s->nfiles == s->stop_after) return 7;
    return 0;
}

static void on_err(void *ud, const char *path, const char *msg)
{
    struct seen *s = ud;
    cr_assert_lt(s->nerrs, 16);
    cr_assert_null(strchr(msg, '\n'));
    snprintf(s->errs[s->nerrs], sizeof(s->errs[0]), "%s", rel(s, path));
    snprintf(s->msgs[s->nerrs], sizeof(s->msgs[0]), "%s", msg);
    s->nerrs++;
}

static char root[64];

static void mk_root(void)
{
    snprintf(root, sizeof(root), "/tmp/trawl-walk-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static void rm_root(void)
{
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mk(const char *relpath, const char *content)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, relpath);
    if (!content) {
        cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
        return;
    }
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f, "%s", p);
    fputs(content, f);
    fclose(f);
}

static void ln(const char *target, const char *relpath)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, relpath);
    cr_assert_eq(symlink(target, p), 0, "symlink %s: %s", p, strerror(errno));
}

static int walk_root(struct seen *s)
{
    static char strip[80];
    snprintf(strip, sizeof(strip), "%s/", root);
    s->strip = strip;
    const char *paths[] = {root};
    return trawl_cap_walk(paths, 1, on_file, on_err, s);
}

TestSuite(walk, .init = mk_root, .fini = rm_root);

Test(walk, nested_sorted)
{
    mk("b", NULL);
    mk("b/z.log", "z");
    mk("b/a.log", "a");
    mk("a", NULL);
    mk("a/c", NULL);
    mk("a/c/deep.txt", "d");
    mk("a.txt", "x");
    mk("A.txt", "x");
    mk("a-b", "x");
    mk("empty", NULL);
    mk("a/x.gz", "x");

    struct seen s = {0};
    cr_assert_eq(walk_root(&s), 0);
    /* strcmp order: "A.txt" < "a" < "a-b" < "a.txt" < "b" < "empty" */
    static const char *const want[] = {"A.txt", "a/c/deep.txt", "a/x.gz", "a-b",
                                       "a.txt", "b/a.log",      "b/z.log"};
    cr_assert_eq(s.nfiles, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < s.nfiles; i++)
        cr_assert_str_eq(s.files[i], want[i], "entry %zu", i);
    cr_assert_eq(s.nerrs, 0);

    /* same again: reproducible */
    struct seen t = {0};
    walk_root(&t);
    cr_assert_eq(t.nfiles, s.nfiles);
    for (size_t i = 0; i < s.nfiles; i++)
        cr_assert_str_eq(t.files[i], s.files[i]);
}

Test(walk, several_paths_and_explicit_files)
{
    mk("d", NULL);
    mk("d/1", "1");
    mk("f", "f");
    char d[128], f[128];
    snprintf(d, sizeof(d), "%s/d", root);
    snprintf(f, sizeof(f), "%s/f", root);
    /* paths are walked in the order given, not sorted */
    const char *paths[] = {f, d, f};
    struct seen s = {0};
    s.strip = "";
    cr_assert_eq(trawl_cap_walk(paths, 3, on_file, on_err, &s), 0);
    cr_assert_eq(s.nfiles, 3);
    cr_assert_str_eq(s.files[0], f);
    cr_assert(strstr(s.files[1], "/d/1"));
    cr_assert_str_eq(s.files[2], f);
}

Test(walk, symlink_loop_reported_once)
{
    mk("top", NULL);
    mk("top/sub", NULL);
    mk("top/sub/file", "x");
    ln("..", "top/sub/up");    /* sub/up -> top: on the current path */
    ln(".", "top/self");       /* top/self -> top */
    ln("sub", "top/zz-alias"); /* not a loop: sub again by another name */
    ln("sub/file", "top/link-to-file");

    struct seen s = {0};
    int rc = walk_root(&s);
    /* each link that leads back onto the current path is reported once,
     * under the name it was reached by: zz-alias/up is sub/up again */
    static const char *const loops[] = {"top/self", "top/sub/up", "top/zz-alias/up"};
    cr_assert_eq(rc, 3, "problems: %d", rc);
    cr_assert_eq(s.nerrs, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_str_eq(s.errs[i], loops[i]);
        cr_assert_str_eq(s.msgs[i], "symlink loop, not entered");
    }

    static const char *const want[] = {"top/link-to-file", "top/sub/file", "top/zz-alias/file"};
    cr_assert_eq(s.nfiles, 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq(s.files[i], want[i]);
}

Test(walk, loop_through_alias_once_per_link)
{
    /* a -> b -> back to a: each loop point is reported exactly once */
    mk("a", NULL);
    mk("a/f", "x");
    ln("../a", "a/b");
    struct seen s = {0};
    cr_assert_eq(walk_root(&s), 1);
    cr_assert_eq(s.nerrs, 1);
    cr_assert_str_eq(s.errs[0], "a/b");
    cr_assert_eq(s.nfiles, 1);
}

/* Runs the walk of an unreadable directory, as nobody when we are root
 * (root ignores permission bits, so chmod alone would prove nothing). */
Test(walk, unreadable_directory)
{
    mk("open", NULL);
    mk("open/ok.txt", "x");
    mk("locked", NULL);
    mk("locked/secret.txt", "x");
    char p[256];
    snprintf(p, sizeof(p), "%s/locked", root);
    cr_assert_eq(chmod(p, 0), 0);
    cr_assert_eq(chmod(root, 0755), 0);

    if (geteuid() != 0) {
        struct seen s = {0};
        int rc = walk_root(&s);
        chmod(p, 0700); /* so that the cleanup can remove it */
        cr_assert_eq(rc, 1);
        cr_assert_eq(s.nerrs, 1);
        cr_assert_str_eq(s.errs[0], "locked");
        cr_assert(strstr(s.msgs[0], "Permission denied"), "%s", s.msgs[0]);
        cr_assert_eq(s.nfiles, 1);
        cr_assert_str_eq(s.files[0], "open/ok.txt");
        return;
    }

    cr_log_info("running as root: walking as uid/gid 65534 in a child");
    char q[256];
    snprintf(q, sizeof(q), "%s/open", root);
    chmod(q, 0755);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(99);
        struct seen s = {0};
        int rc = walk_root(&s);
        char out[2048];
        int k = snprintf(out, sizeof(out), "%d|%zu|%s|%s|%zu|%s\n", rc, s.nerrs,
                         s.nerrs ? s.errs[0] : "", s.nerrs ? s.msgs[0] : "", s.nfiles,
                         s.nfiles ? s.files[0] : "");
        if (write(fds[1], out, (size_t)k) != k) _exit(98);
        _exit(0);
    }
    close(fds[1]);
    char buf[2048] = "";
    ssize_t k = read(fds[0], buf, sizeof(buf) - 1);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    chmod(p, 0700);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    cr_assert_gt(k, 0);
    buf[k] = 0;
    cr_log_info("child saw: %s", buf);
    cr_assert_str_eq(buf, "1|1|locked|cannot open directory: Permission denied|1|open/ok.txt\n");
}

Test(walk, nonexistent_and_dangling)
{
    mk("d", NULL);
    mk("d/real", "x");
    ln("nowhere", "d/broken");
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/no-such-thing", root);
    char d[128];
    snprintf(d, sizeof(d), "%s/d", root);
    const char *paths[] = {missing, d};
    struct seen s = {0};
    s.strip = root;
    cr_assert_eq(trawl_cap_walk(paths, 2, on_file, on_err, &s), 2);
    cr_assert_eq(s.nerrs, 2);
    cr_assert_str_eq(s.errs[0], "/no-such-thing");
    cr_assert(strstr(s.msgs[0], "No such file or directory"), "%s", s.msgs[0]);
    cr_assert_str_eq(s.errs[1], "/d/broken");
    cr_assert_str_eq(s.msgs[1], "dangling symbolic link");
    cr_assert_eq(s.nfiles, 1);
    cr_assert_str_eq(s.files[0], "/d/real");
}

Test(walk, fifo_skipped_inside_passed_when_named)
{
    mk("d", NULL);
    mk("d/a", "x");
    char fifo[128];
    snprintf(fifo, sizeof(fifo), "%s/d/pipe", root);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    ln("pipe", "d/pipe-link");
    mk("d/z", "x");

    struct seen s = {0};
    cr_assert_eq(walk_root(&s), 0);
    cr_assert_eq(s.nerrs, 0);
    cr_assert_eq(s.nfiles, 2);
    cr_assert_str_eq(s.files[0], "d/a");
    cr_assert_str_eq(s.files[1], "d/z");

    /* named explicitly: handed over (a capture device, /dev/stdin, ...) */
    const char *paths[] = {fifo, "/dev/null"};
    struct seen t = {0};
    t.strip = "";
    cr_assert_eq(trawl_cap_walk(paths, 2, on_file, on_err, &t), 0);
    cr_assert_eq(t.nfiles, 2);
    cr_assert(S_ISFIFO(t.modes[0]));
    cr_assert(S_ISCHR(t.modes[1]));
}

Test(walk, stop_early)
{
    mk("1", "x");
    mk("2", "x");
    mk("3", "x");
    struct seen s = {0};
    s.stop_after = 2;
    cr_assert_eq(walk_root(&s), 7);
    cr_assert_eq(s.nfiles, 2);
}

Test(walk, depth_bounded)
{
    /* 300 nested directories, a file at the bottom: the walk goes 256 deep,
     * reports the rest once and does not recurse further */
    char p[1024];
    int n = snprintf(p, sizeof(p), "%s", root);
    for (int i = 0; i < 300; i++) {
        n += snprintf(p + n, sizeof(p) - (size_t)n, "/d");
        cr_assert_eq(mkdir(p, 0755), 0, "%s", strerror(errno));
    }
    snprintf(p + n, sizeof(p) - (size_t)n, "/bottom");
    FILE *f = fopen(p, "w");
    fclose(f);
    mk("top.txt", "x");

    struct seen s = {0};
    cr_assert_eq(walk_root(&s), 1);
    cr_assert_eq(s.nerrs, 1);
    cr_assert(strstr(s.msgs[0], "deeper than 256"), "%s", s.msgs[0]);
    cr_assert_eq(s.nfiles, 1);
    cr_assert_str_eq(s.files[0], "top.txt");
}

Test(walk, stdin_dash)
{
    /* "-" is standard input, as for trawl_src_open: passed on as it is */
    int p[2];
    cr_assert_eq(pipe(p), 0);
    if (p[0] != STDIN_FILENO) {
        cr_assert_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
        close(p[0]);
    }
    const char *paths[] = {"-"};
    struct seen s = {0};
    s.strip = "";
    cr_assert_eq(trawl_cap_walk(paths, 1, on_file, on_err, &s), 0);
    cr_assert_eq(s.nfiles, 1);
    cr_assert_str_eq(s.files[0], "-");
    cr_assert(S_ISFIFO(s.modes[0]));
    close(p[1]);
}
