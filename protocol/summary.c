/* summary.c -- one-line sentences for history entries and diffs. */
#include "protocol/summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *proto_summary(const char *user, const json_t *applied,
                    const json_t *inverse, const proto_doc *after)
{
    char *s = NULL;

    (void)inverse;
    (void)after;
    if (asprintf(&s, "%s made %zu changes", user, json_array_size(applied)) < 0)
        return NULL;
    return s;
}
