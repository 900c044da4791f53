/* Directory walk: reports the regular files under the given paths in a
 * reproducible (strcmp-sorted) order, following symbolic links but never
 * entering a directory that is already on the current path, so link loops
 * end after one report. Problems go to the caller's callback, never to
 * stderr. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "trawl_capture.h"

/* Deeper trees are reported, not entered: real data is never this deep,
 * and the bound keeps the stack and the path strings small. */
#define WALK_MAX_DEPTH 256

struct dir_id {
    dev_t dev;
    ino_t ino;
};

struct walk {
    trawl_walk_file_fn on_file;
    trawl_walk_err_fn on_err;
    void *ud;
    int problems;
    int stop; /* non-zero value returned by on_file */
    size_t depth;
    struct dir_id path_ids[WALK_MAX_DEPTH]; /* directories on the current path */
};

__attribute__((format(printf, 3, 4))) static void problem(struct walk *w, const char *path,
                                                          const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    w->problems++;
    if (w->on_err) w->on_err(w->ud, path, msg);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] == '/';
    char *s = malloc(dl + nl + 2);
    if (!s) return NULL;
    memcpy(s, dir, dl);
    if (!slash) s[dl++] = '/';
    memcpy(s + dl, name, nl + 1);
    return s;
}

/* Names in a directory, sorted; *count set. NULL with *count 0 on an empty
 * directory is fine; errors are reported here and give NULL too. */
static char **read_names(struct walk *w, const char *path, size_t *count)
{
    *count = 0;
    DIR *d = opendir(path);
    if (!d) {
        problem(w, path, "cannot open directory: %s", strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno) problem(w, path, "cannot read directory: %s", strerror(errno));
            break;
        }
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (!nn) {
                problem(w, path, "out of memory");
                break;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(de->d_name))) {
            problem(w, path, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1) qsort(names, n, sizeof(*names), cmp_names);
    *count = n;
    return names;
}

static void walk_dir(struct walk *w, const char *path, const struct stat *st)
{
    for (size_t i = 0; i < w->depth; i++) {
        if (w->path_ids[i].dev == st->st_dev && w->path_ids[i].ino == st->st_ino) {
            problem(w, path, "symlink loop, not entered");
            return;
        }
    }
    if (w->depth == WALK_MAX_DEPTH) {
        problem(w, path, "directories nested deeper than %d, not entered", WALK_MAX_DEPTH);
        return;
    }

    size_t n;
    char **names = read_names(w, path, &n);
    w->path_ids[w->depth].dev = st->st_dev;
    w->path_ids[w->depth].ino = st->st_ino;
    w->depth++;

    for (size_t i = 0; i < n && !w->stop; i++) {
        char *child = join(path, names[i]);
        if (!child) {
            problem(w, path, "out of memory");
            break;
        }
        struct stat cst;
        if (stat(child, &cst) != 0) {
            int e = errno;
            struct stat lst;
            if (e == ENOENT && lstat(child, &lst) == 0 && S_ISLNK(lst.st_mode))
                problem(w, child, "dangling symbolic link");
            else if (e == ENOENT)
                problem(w, child, "vanished during the walk");
            else
                problem(w, child, "cannot stat: %s", strerror(e));
        } else if (S_ISDIR(cst.st_mode)) {
            walk_dir(w, child, &cst);
        } else if (S_ISREG(cst.st_mode)) {
            int r = w->on_file(w->ud, child, &cst);
            if (r) w->stop = r;
        }
        /* sockets, FIFOs and devices inside directories: skipped */
        free(child);
    }

    w->depth--;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

int trawl_cap_walk(const char *const *paths, size_t npaths, trawl_walk_file_fn on_file,
                   trawl_walk_err_fn on_err, void *ud)
{
    struct walk *w = calloc(1, sizeof(*w));
    if (!w) {
        if (on_err) on_err(ud, "", "out of memory");
        return 1;
    }
    w->on_file = on_file;
    w->on_err = on_err;
    w->ud = ud;

    for (size_t i = 0; i < npaths && !w->stop; i++) {
        const char *path = paths[i];
        struct stat st;
        if (strcmp(path, "-") == 0) {
            /* standard input, as trawl_src_open understands it */
            if (fstat(0, &st) != 0) {
                problem(w, path, "cannot stat standard input: %s", strerror(errno));
                continue;
            }
            int r = on_file(ud, path, &st);
            if (r) w->stop = r;
            continue;
        }
        if (stat(path, &st) != 0) {
            problem(w, path, "cannot stat: %s", strerror(errno));
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            walk_dir(w, path, &st);
        } else {
            /* named explicitly: devices, FIFOs and the like are wanted */
            int r = on_file(ud, path, &st);
            if (r) w->stop = r;
        }
    }

    int ret = w->stop ? w->stop : w->problems;
    free(w);
    return ret;
}
