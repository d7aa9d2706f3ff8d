/* alloc.c -- which allocator the server runs on and giving freed memory
 * back to the system (see alloc.h). No state: jemalloc is recognised by its
 * control call, a weak symbol that is NULL unless the binary links it. */
#include "server/core/alloc.h"

#include <malloc.h>
#include <stddef.h>

/* jemalloc's control call: defined when the binary is linked with jemalloc
 * (configure --with-jemalloc), NULL otherwise (weak, so the unit tests and
 * tools that link glibc's malloc only need no -ljemalloc). */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
                   size_t newlen) __attribute__((weak));

const char *srv_alloc_name(void)
{
    return mallctl ? "jemalloc" : "glibc";
}

void srv_alloc_release(void)
{
    /* 4096 = MALLCTL_ARENAS_ALL: every arena, the loader threads' too */
    if (mallctl)
        mallctl("arena.4096.purge", NULL, NULL, NULL, 0);
    else
        malloc_trim(0);
}
