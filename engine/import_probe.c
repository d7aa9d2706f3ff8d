/* import_probe.c -- accepted formats, format names and a WAV/AIFF header
 * sniffer for precise error messages (see import_probe.h). */
#include "engine/import_probe.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int eng_probe_format_allowed(int f)
{
    switch (f & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
    case SF_FORMAT_RF64:
    case SF_FORMAT_W64:
    case SF_FORMAT_AIFF:
    case SF_FORMAT_FLAC:
    case SF_FORMAT_CAF:
    case SF_FORMAT_OGG:
    case SF_FORMAT_MPEG:
        return 1;
    default:
        return 0;
    }
}

const char *eng_probe_family(int f)
{
    switch (f & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
    case SF_FORMAT_WAVEX:
        return "WAV";
    case SF_FORMAT_RF64:
        return "RF64";
    case SF_FORMAT_W64:
        return "Wave64";
    case SF_FORMAT_AIFF:
        return "AIFF";
    case SF_FORMAT_FLAC:
        return "FLAC";
    case SF_FORMAT_CAF:
        return "CAF";
    case SF_FORMAT_OGG:
        switch (f & SF_FORMAT_SUBMASK) {
        case SF_FORMAT_VORBIS:
            return "Ogg Vorbis";
        case SF_FORMAT_OPUS:
            return "Ogg Opus";
        default:
            return "Ogg";
        }
    case SF_FORMAT_MPEG:
        switch (f & SF_FORMAT_SUBMASK) {
        case SF_FORMAT_MPEG_LAYER_I:
            return "MP1";
        case SF_FORMAT_MPEG_LAYER_II:
            return "MP2";
        default:
            return "MP3";
        }
    default:
        return "audio";
    }
}

static const char *depth_of(int sub)
{
    switch (sub) {
    case SF_FORMAT_PCM_S8:
    case SF_FORMAT_PCM_U8:
        return "8-bit";
    case SF_FORMAT_PCM_16:
        return "16-bit";
    case SF_FORMAT_PCM_24:
        return "24-bit";
    case SF_FORMAT_PCM_32:
        return "32-bit";
    case SF_FORMAT_FLOAT:
        return "32-bit float";
    case SF_FORMAT_DOUBLE:
        return "64-bit float";
    case SF_FORMAT_ULAW:
        return "u-law";
    case SF_FORMAT_ALAW:
        return "A-law";
    case SF_FORMAT_IMA_ADPCM:
    case SF_FORMAT_MS_ADPCM:
        return "ADPCM";
    case SF_FORMAT_GSM610:
        return "GSM";
    case SF_FORMAT_ALAC_16:
        return "ALAC 16-bit";
    case SF_FORMAT_ALAC_20:
        return "ALAC 20-bit";
    case SF_FORMAT_ALAC_24:
        return "ALAC 24-bit";
    case SF_FORMAT_ALAC_32:
        return "ALAC 32-bit";
    default:
        return NULL;
    }
}

void eng_probe_describe(int f, char *out, size_t n)
{
    const char *fam = eng_probe_family(f);
    int type = f & SF_FORMAT_TYPEMASK;
    const char *depth = depth_of(f & SF_FORMAT_SUBMASK);

    if (type == SF_FORMAT_OGG || type == SF_FORMAT_MPEG || !depth)
        snprintf(out, n, "%s", fam);
    else
        snprintf(out, n, "%s %s", fam, depth);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
           (uint32_t)p[0] << 24;
}

/* The 80-bit IEEE extended float of AIFF's COMM chunk. */
static double ext80(const unsigned char *p)
{
    int exp = ((p[0] & 0x7f) << 8) | p[1];
    uint64_t mant = 0;

    for (int i = 0; i < 8; i++)
        mant = mant << 8 | p[2 + i];
    if (exp == 0 && mant == 0)
        return 0.0;
    if (exp == 0x7fff)
        return INFINITY;
    double v = ldexp((double)mant, exp - 16383 - 63);
    return (p[0] & 0x80) ? -v : v;
}

int eng_probe_sniff(const char *path, long *channels, double *rate)
{
    unsigned char b[4096];
    ssize_t len;
    int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
    int riff, form;
    size_t pos = 12;

    if (fd < 0)
        return 0;
    len = read(fd, b, sizeof b);
    close(fd);
    if (len < 12)
        return 0;
    riff = memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0;
    form = memcmp(b, "FORM", 4) == 0 &&
           (memcmp(b + 8, "AIFF", 4) == 0 || memcmp(b + 8, "AIFC", 4) == 0);
    if (!riff && !form)
        return 0;
    while (!found && pos + 8 <= (size_t)len) {
        const unsigned char *c = b + pos;
        uint32_t size = riff ? le32(c + 4) : be32(c + 4);
        if (riff && memcmp(c, "fmt ", 4) == 0 && pos + 16 <= (size_t)len) {
            *channels = (long)(c[10] | c[11] << 8);
            *rate = (double)le32(c + 12);
            found = 1;
        } else if (form && memcmp(c, "COMM", 4) == 0 &&
                   pos + 26 <= (size_t)len) {
            *channels = (long)(int16_t)(c[8] << 8 | c[9]);
            *rate = ext80(c + 16);
            found = 1;
        }
        if (size > sizeof b)
            break;
        pos += 8 + size + (size & 1);
    }
    return found;
}

long long eng_probe_announced_frames(struct sf_private_tag *sf, long long frames)
{
    static const char *const tags[] = {"data : ", "SSND : "};
    char log[8192];
    const char *p = NULL;

    if (frames <= 0)
        return frames;
    log[0] = '\0';
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
    log[sizeof log - 1] = '\0';
    for (size_t i = 0; i < sizeof tags / sizeof tags[0] && !p; i++) {
        /* The tag at the start of a (possibly indented) log line. */
        for (const char *q = strstr(log, tags[i]); q && !p;
             q = strstr(q + 1, tags[i]))
            if (q > log && (q[-1] == '\n' || q[-1] == ' '))
                p = q + strlen(tags[i]);
    }
    if (!p)
        return frames;
    char *end;
    unsigned long long declared = strtoull(p, &end, 10);
    if (strncmp(end, " (should be ", 12) != 0)
        return frames;
    unsigned long long actual = strtoull(end + 12, NULL, 10);
    if (declared == 0 || declared >= 0xffffffffULL - 16 || actual == 0 ||
        declared <= actual)
        return frames;
    /* frames * declared / actual without overflow for any real file. */
    long double announced = (long double)frames * declared / actual;
    return announced > (long double)frames ? (long long)announced : frames;
}
