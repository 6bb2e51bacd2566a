// An LD_PRELOAD malloc counter for Scripts/bench-mallocs.sh: counts malloc, calloc, realloc and
// posix_memalign calls in the whole process; SIGUSR2 writes the count to $MALLOC_COUNT_FILE.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
static _Atomic unsigned long count;
static void *(*real_malloc)(size_t), *(*real_calloc)(size_t, size_t), *(*real_realloc)(void *, size_t);
static int (*real_memalign)(void **, size_t, size_t);
static char bootstrap[4096]; static size_t boot_used;
static void init(void) {
    real_malloc = dlsym(RTLD_NEXT, "malloc"); real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc"); real_memalign = dlsym(RTLD_NEXT, "posix_memalign");
}
void *malloc(size_t n) { if (!real_malloc) init(); atomic_fetch_add(&count, 1); return real_malloc(n); }
void *calloc(size_t a, size_t b) {
    if (!real_calloc) { // dlsym itself calls calloc
        void *p = bootstrap + boot_used; boot_used += (a * b + 15) & ~15; memset(p, 0, a * b); return p; }
    atomic_fetch_add(&count, 1); return real_calloc(a, b); }
void *realloc(void *p, size_t n) { if (!real_realloc) init(); atomic_fetch_add(&count, 1); return real_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n) { if (!real_memalign) init(); atomic_fetch_add(&count, 1); return real_memalign(p, a, n); }
void free(void *p) { static void (*real_free)(void *); if ((char *)p >= bootstrap && (char *)p < bootstrap + sizeof bootstrap) return;
    if (!real_free) real_free = dlsym(RTLD_NEXT, "free"); real_free(p); }
static void dump(int sig) { (void)sig; const char *f = getenv("MALLOC_COUNT_FILE"); if (!f) return;
    int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644); char buf[64];
    int n = snprintf(buf, sizeof buf, "%lu\n", atomic_load(&count)); write(fd, buf, n); close(fd); }
__attribute__((constructor)) static void setup(void) { signal(SIGUSR2, dump); }
