/* asset.c -- decoded assets: map a samples file, or wrap a memory copy;
 * reference counting so plans can share assets across threads. */
#include "engine/asset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Asset uids: a process-wide counter, only ever incremented (the block
 * cache keys clips by it, so a freed asset's address reused by another
 * cannot alias). */
static atomic_ullong asset_uid;

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void eng_asset_header(unsigned char hdr[ENG_SAMPLES_HEADER], int channels,
                      int sample_rate, int64_t frames)
{
    memset(hdr, 0, ENG_SAMPLES_HEADER);
    memcpy(hdr, ENG_SAMPLES_MAGIC, 8);
    wr32(hdr + 8, (uint32_t)channels);
    wr32(hdr + 12, (uint32_t)sample_rate);
    wr32(hdr + 16, (uint32_t)((uint64_t)frames & 0xffffffffu));
    wr32(hdr + 20, (uint32_t)((uint64_t)frames >> 32));
}

eng_asset *eng_asset_open(const char *path)
{
    eng_asset *a = NULL;
    void *map = MAP_FAILED;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0 || st.st_size < ENG_SAMPLES_HEADER) {
        errno = EINVAL;
        goto out;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        goto out;
    const unsigned char *h = map;
    uint32_t ch = rd32(h + 8), rate = rd32(h + 12);
    uint64_t frames = (uint64_t)rd32(h + 16) | (uint64_t)rd32(h + 20) << 32;
    if (memcmp(h, ENG_SAMPLES_MAGIC, 8) != 0 || ch < 1 || ch > 2 ||
        rate == 0 ||
        frames > ((uint64_t)st.st_size - ENG_SAMPLES_HEADER) / (4u * ch)) {
        errno = EINVAL;
        goto out;
    }
    a = calloc(1, sizeof *a);
    if (!a)
        goto out;
    a->channels = (int)ch;
    a->sample_rate = (int)rate;
    a->frames = (int64_t)frames;
    a->samples = (const float *)(h + ENG_SAMPLES_HEADER);
    a->map = map;
    a->map_len = (size_t)st.st_size;
    atomic_init(&a->refs, 1);
    a->uid = atomic_fetch_add(&asset_uid, 1) + 1;
    map = MAP_FAILED;
out:
    if (map != MAP_FAILED)
        munmap(map, (size_t)st.st_size);
    close(fd);
    return a;
}

eng_asset *eng_asset_from_memory(const float *interleaved, int channels,
                                 int64_t frames, int sample_rate)
{
    eng_asset *a;
    size_t n = (size_t)frames * (size_t)channels;
    float *copy;

    if (channels < 1 || channels > 2 || frames < 0)
        return NULL;
    a = calloc(1, sizeof *a);
    copy = malloc(n ? n * sizeof(float) : 1);
    if (!a || !copy) {
        free(a);
        free(copy);
        return NULL;
    }
    if (n)
        memcpy(copy, interleaved, n * sizeof(float));
    a->channels = channels;
    a->sample_rate = sample_rate;
    a->frames = frames;
    a->samples = copy;
    a->map = copy;
    a->map_len = 0;
    atomic_init(&a->refs, 1);
    a->uid = atomic_fetch_add(&asset_uid, 1) + 1;
    return a;
}

eng_asset *eng_asset_ref(eng_asset *a)
{
    atomic_fetch_add(&a->refs, 1);
    return a;
}

void eng_asset_release(eng_asset *a)
{
    if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    if (a->map_len)
        munmap(a->map, a->map_len);
    else
        free(a->map);
    free(a);
}
