/* replay.c -- runs a libFuzzer harness over its seed corpus without
 * libFuzzer, so `make check` (gcc, and the sanitizer build of
 * `make check-unit`) exercises every corpus file: calls
 * LLVMFuzzerInitialize (if the harness has one) and then
 * LLVMFuzzerTestOneInput on each file of every directory (or file) given
 * as an argument, in name order. Without arguments it replays
 * $srcdir/tests/fuzz/corpus/FUZZ_CORPUS (FUZZ_CORPUS is set per program
 * by tests/fuzz/local.mk). A harness aborts when a property fails; an
 * empty or missing corpus is an error too. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_CORPUS
#error "FUZZ_CORPUS must name the corpus directory"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads path and runs the harness on it. Returns 0, or -1 if unreadable. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    int rc = -1;

    if (!f) {
        perror(path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto out;
    /* exactly n bytes on the heap, so ASan sees reads past the input */
    buf = malloc(n ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
        goto out;
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "replay: cannot read %s\n", path);
    free(buf);
    fclose(f);
    return rc;
}

/* Replays a directory (every regular file, in name order) or one file.
 * Returns the number of inputs run, or -1 on an error. */
static int replay_path(const char *path)
{
    struct dirent **names;
    struct stat st;
    char file[8192];
    int n, done = 0;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path) == 0 ? 1 : -1;
    n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        perror(path);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int w = snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
        if (w > 0 && (size_t)w < sizeof file && names[i]->d_name[0] != '.' &&
            stat(file, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            if (done >= 0 && replay_file(file) == 0)
                done++;
            else
                done = -1;
        }
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    char dflt[4096];
    const char *srcdir = getenv("srcdir");
    int total = 0;

    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    snprintf(dflt, sizeof dflt, "%s/tests/fuzz/corpus/%s",
             srcdir ? srcdir : ".", FUZZ_CORPUS);
    for (int i = argc > 1 ? 1 : 0; i < (argc > 1 ? argc : 1); i++) {
        const char *path = argc > 1 ? argv[i] : dflt;
        int n = replay_path(path);
        if (n <= 0) {
            fprintf(stderr, "replay: %s: %s\n", path,
                    n == 0 ? "no inputs" : "failed");
            return 1;
        }
        printf("replay %s: %d inputs from %s\n", FUZZ_CORPUS, n, path);
        total += n;
    }
    return total > 0 ? 0 : 1;
}
