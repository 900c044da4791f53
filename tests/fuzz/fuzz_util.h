/* Helpers shared by the libFuzzer targets of tests/fuzz/: the entry point
 * declarations, an in-memory file that code taking a path can open
 * (a memfd reached through /proc/self/fd), and a check that aborts with a
 * message so that both libFuzzer and the replay runner report it. */
#ifndef TRAWL_FUZZ_UTIL_H
#define TRAWL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* An anonymous in-memory file, created once per process and rewritten per
 * input; path is "/proc/self/fd/N", usable with open(). */
struct fuzz_file {
    int fd;
    char path[64];
};

static inline void fuzz_file_put(struct fuzz_file *f, const void *data, size_t size)
{
    if (f->fd <= 0) {
        f->fd = memfd_create("trawl-fuzz", MFD_CLOEXEC);
        FUZZ_CHECK(f->fd >= 0, "memfd_create failed");
        snprintf(f->path, sizeof(f->path), "/proc/self/fd/%d", f->fd);
    }
    FUZZ_CHECK(ftruncate(f->fd, 0) == 0, "ftruncate");
    const uint8_t *p = data;
    size_t left = size, at = 0;
    while (left) {
        ssize_t w = pwrite(f->fd, p + at, left, (off_t)at);
        FUZZ_CHECK(w > 0, "pwrite");
        at += (size_t)w;
        left -= (size_t)w;
    }
}

#endif
