/* bench_util.h -- helpers the engine benchmarks share: building a document's
 * ops from short JSON strings. Header-only (static inline), for the
 * programs under tests/bench/ only. */
#ifndef MIXROOM_BENCH_UTIL_H
#define MIXROOM_BENCH_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

/* Appends to arr the JSON object printf(fmt, ...) makes, with single quotes
 * standing for double quotes (so the formats stay readable in C). Exits
 * with a message on JSON that does not parse: a benchmark's own bug. */
static inline void bench_add(json_t *arr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline void bench_add(json_t *arr, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (char *p = buf; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_t *o = json_loads(buf, 0, NULL);
    if (!o) {
        fprintf(stderr, "bad json %s\n", buf);
        exit(1);
    }
    json_array_append_new(arr, o);
}

#endif
