/* alloc.h -- the allocator the server runs on: which one it is, and giving
 * freed memory back to the system. The server links jemalloc when
 * configure finds it (--with-jemalloc); tests and tools link glibc's
 * malloc. Everything that hands memory back goes through here. */
#ifndef MIXROOM_SERVER_CORE_ALLOC_H
#define MIXROOM_SERVER_CORE_ALLOC_H

/* "jemalloc" when the binary is linked with jemalloc, else "glibc".
 * A constant string; any thread. */
const char *srv_alloc_name(void);

/* Hands the pages of freed memory back to the system now (jemalloc: a
 * purge of every arena; glibc: malloc_trim(0)). Costs milliseconds on a
 * large heap: call it after freeing something large (a room's document of
 * ROOM_TRIM_BYTES or more), not per request. Any thread. */
void srv_alloc_release(void);

#endif
