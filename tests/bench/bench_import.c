/* bench_import.c -- import speed: generates a 5-minute 44.1 kHz stereo
 * 16-bit WAV and FLAC, imports each into a 48 kHz project (decode, soxr
 * HQ resample, peaks, fsync'd writes) and prints the speed as a multiple
 * of real time, next to `sox IN -r 48000 OUT.wav` on the same files and
 * the SHA-256 of the upload. Prints figures; never fails on time.
 * Usage: bench_import [seconds of audio, default 300] */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/import.h"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes `seconds` of a chord with a little noise, in 1-second blocks. */
static int write_input(const char *path, int format, int seconds)
{
    SF_INFO info = {.samplerate = 44100, .channels = 2, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    float *buf = malloc(sizeof(float) * 2 * 44100);
    uint32_t seed = 1;

    if (!sf || !buf) {
        fprintf(stderr, "cannot write %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    for (int s = 0; s < seconds; s++) {
        for (int i = 0; i < 44100; i++) {
            double t = s + i / 44100.0;
            seed = seed * 1664525u + 1013904223u;
            double nz = ((double)(seed >> 8) / 8388608.0 - 1.0) * 0.02;
            double v = 0.2 * sin(2 * M_PI * 220 * t) +
                       0.15 * sin(2 * M_PI * 277.2 * t) +
                       0.15 * sin(2 * M_PI * 329.6 * t);
            buf[2 * i] = (float)(v + nz);
            buf[2 * i + 1] = (float)(0.9 * v - nz);
        }
        sf_writef_float(sf, buf, 44100);
    }
    free(buf);
    return sf_close(sf) == 0 ? 0 : -1;
}

static void bench_file(const char *dir, const char *name, int format,
                       int seconds)
{
    char src[4200], out[4200], cmd[9000], hex[65];
    eng_import_result r;
    double t0, t_imp, t_sox, t_sox_f, t_hash;

    snprintf(src, sizeof src, "%s/%s", dir, name);
    snprintf(out, sizeof out, "%s/asset-%s", dir, name);
    if (write_input(src, format, seconds) != 0)
        exit(1);

    t0 = now_s();
    if (eng_sha256_file(src, hex) != 0)
        exit(1);
    t_hash = now_s() - t0;

    eng_import_opts o = {.src_path = src, .out_dir = out, .rate = 48000};
    t0 = now_s();
    if (eng_import(&o, &r) != 0) {
        fprintf(stderr, "import failed: %s\n", r.error);
        exit(1);
    }
    t_imp = now_s() - t0;

    snprintf(cmd, sizeof cmd, "sox '%s' -r 48000 '%s/sox-%s.wav'", src, dir,
             name);
    t0 = now_s();
    if (system(cmd) != 0) {
        fprintf(stderr, "failed: %s (is sox installed?)\n", cmd);
        exit(1);
    }
    t_sox = now_s() - t0;
    snprintf(cmd, sizeof cmd,
             "sox '%s' -e floating-point -b 32 -r 48000 '%s/soxf-%s.wav'", src,
             dir, name);
    t0 = now_s();
    if (system(cmd) != 0)
        exit(1);
    t_sox_f = now_s() - t0;

    printf("%-26s %5d s  import %7.3f s = %6.1fx realtime | "
           "sox -r 48000: %7.3f s = %6.1fx | sox float out: %7.3f s = %6.1fx"
           " | sha256: %.3f s\n",
           r.format, seconds, t_imp, seconds / t_imp, t_sox, seconds / t_sox,
           t_sox_f, seconds / t_sox_f, t_hash);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 300;
    char dir[] = "/tmp/mx-bench-import-XXXXXX";
    char cmd[256];

    if (seconds <= 0 || !mkdtemp(dir))
        return 1;
    printf("bench_import: %d s of 44.1 kHz stereo into a 48 kHz project "
           "(soxr HQ, peaks, fsync) on %ld CPUs, scratch %s\n",
           seconds, sysconf(_SC_NPROCESSORS_ONLN), dir);
    bench_file(dir, "in.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, seconds);
    bench_file(dir, "in.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, seconds);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
