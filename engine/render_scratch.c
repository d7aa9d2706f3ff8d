/* render_scratch.c -- one scratch arena per thread for the renderer's
 * per-block buffers (render_scratch.h). Global state: the pthread key
 * (created once, never deleted) whose per-thread value is that thread's
 * arena, freed by the key's destructor when the thread exits (the main
 * thread's at exit is left to the process's end). */
#include "engine/render_scratch.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct scratch {
    float *p;
    size_t cap;   /* floats */
    bool held;    /* between acquire and release */
} scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_rc = -1;

static void scratch_destroy(void *v)
{
    scratch *s = v;
    if (!s)
        return;
    free(s->p);
    free(s);
}

static void scratch_key_make(void)
{
    scratch_key_rc = pthread_key_create(&scratch_key, scratch_destroy);
}

static scratch *scratch_self(bool create)
{
    scratch *s;
    pthread_once(&scratch_once, scratch_key_make);
    if (scratch_key_rc != 0)
        return NULL;
    s = pthread_getspecific(scratch_key);
    if (!s && create) {
        s = calloc(1, sizeof *s);
        if (s && pthread_setspecific(scratch_key, s) != 0) {
            free(s);
            s = NULL;
        }
    }
    return s;
}

int eng_scratch_reserve(size_t floats)
{
    scratch *s = scratch_self(true);
    float *p;
    size_t bytes;

    if (!s)
        return -1;
    assert(!s->held);
    if (s->cap >= floats)
        return 0;
    if (floats > SIZE_MAX / sizeof(float) - 64)
        return -1;
    bytes = (floats * sizeof(float) + 63) & ~(size_t)63;
    /* not cleared: every block writes a buffer before it reads it */
    p = aligned_alloc(64, bytes);
    if (!p)
        return -1;
    free(s->p);
    s->p = p;
    s->cap = bytes / sizeof(float);
    return 0;
}

float *eng_scratch_acquire(size_t floats)
{
    scratch *s = scratch_self(false);
    if (!s || s->cap < floats)
        return NULL;
    assert(!s->held);
    s->held = true;
    return s->p;
}

void eng_scratch_release(void)
{
    scratch *s = scratch_self(false);
    assert(s && s->held);
    if (s)
        s->held = false;
}

size_t eng_scratch_capacity(void)
{
    scratch *s = scratch_self(false);
    return s ? s->cap : 0;
}

void eng_scratch_poison(void)
{
    scratch *s = scratch_self(false);
    if (!s)
        return;
    assert(!s->held);
    for (size_t i = 0; i < s->cap; i++)
        s->p[i] = NAN;
}
