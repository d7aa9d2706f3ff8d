/* fuzz_decode.c -- libFuzzer harness over the import path: each input is
 * written to a memfd, imported (decode, fold, resample, peaks, atomic
 * write) into a scratch directory, and checked: a failed import leaves
 * the directory empty with a status and message; a successful one leaves
 * a samples file and a peaks file that load and agree with the result.
 * Built and run by tests/fuzz/run.sh (clang -fsanitize=fuzzer,address). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/asset.h"
#include "engine/import.h"
#include "engine/peaks.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int in_fd = -1;
static char in_path[64];
static char out_dir[256];

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

    in_fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (in_fd < 0)
        abort();
    snprintf(in_path, sizeof in_path, "/proc/self/fd/%d", in_fd);
    snprintf(out_dir, sizeof out_dir, "%s/mx-fuzz-XXXXXX", base);
    if (!mkdtemp(out_dir))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eng_import_result r;
    eng_import_opts o = {.src_path = in_path, .out_dir = out_dir,
                         .rate = 48000, .max_seconds = 120};
    char path[512];

    if (ftruncate(in_fd, 0) != 0 ||
        (size && pwrite(in_fd, data, size, 0) != (ssize_t)size))
        abort();
    if (eng_import(&o, &r) != 0) {
        /* failure: a status, a sentence, and nothing left behind */
        if (r.status == ENG_IMPORT_OK || !r.error[0] ||
            entries(out_dir) != 0)
            abort();
        return 0;
    }
    if (r.frames <= 0 || (r.channels != 1 && r.channels != 2))
        abort();
    snprintf(path, sizeof path, "%s/samples-48000", out_dir);
    eng_asset *a = eng_asset_open(path);
    if (!a || a->frames != r.frames || a->channels != r.channels)
        abort();
    eng_asset_release(a);
    unlink(path);
    eng_peaks_file pf;
    snprintf(path, sizeof path, "%s/peaks-48000", out_dir);
    if (eng_peaks_load(path, &pf) != 0 || pf.frames != r.frames)
        abort();
    eng_peaks_file_free(&pf);
    unlink(path);
    if (entries(out_dir) != 0)
        abort();
    return 0;
}
