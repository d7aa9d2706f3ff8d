/* cli_render.c -- `mixroom render PROJECT OUT [--rev N] [--format F]
 * [--normalize LUFS] [--stems DIR] [--data DIR]`: renders a project (at
 * its head or a revision) from the database to a file ("-" for standard
 * output) without a running server, and prints its loudness. A clip
 * whose audio cannot be read (not in the data folder, nor in the asset
 * store of --assets) fails the render, naming the clip and the asset. */
#include "server/preview/cli_render.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/export.h"
#include "engine/fsutil.h"
#include "engine/loudness.h"
#include "engine/plan.h"
#include "protocol/document.h"
#include "server/rooms/doc_at.h"
#include "server/preview/asset_missing.h"
#include "server/core/store.h"
#include "server/objstore/objstore.h"

static const char usage[] =
    "usage: mixroom render PROJECT OUT [--rev N] [--format FORMAT]\n"
    "                      [--normalize LUFS] [--stems DIR] [--data DIR]\n"
    "  Renders PROJECT (its head, or revision N) to OUT ('-': stdout).\n"
    "  FORMAT: wav (24-bit), wav16, wav24, wav32, flac, flac16, flac24, opus;\n"
    "          default: from OUT's extension, else wav.\n"
    "  --normalize LUFS  bring the integrated loudness to LUFS (true peak\n"
    "                    at most -1 dBTP).\n"
    "  --stems DIR       also write one file per track into DIR.\n"
    "  --data DIR        the data directory (default ./data or MIXROOM_DATA).\n"
    "  Prints integrated loudness, loudness range, sample and true peak.\n";

static void print_loudness(FILE *f, const char *what, const eng_loudness *l)
{
    fprintf(f, "%s: integrated %.1f LUFS, range %.1f LU, sample peak %.1f "
               "dBFS, true peak %.1f dBTP\n",
            what, isfinite(l->integrated) ? l->integrated : -INFINITY,
            l->range, l->sample_peak_db, l->true_peak_db);
}

static int guess_format(const char *out)
{
    const char *dot = strrchr(out, '.');

    if (!dot)
        return ENG_FMT_WAV24;
    if (strcmp(dot, ".flac") == 0)
        return ENG_FMT_FLAC24;
    if (strcmp(dot, ".opus") == 0 || strcmp(dot, ".ogg") == 0)
        return ENG_FMT_OPUS;
    return ENG_FMT_WAV24;
}

static int write_file(eng_plan *plan, const eng_export_opts *o,
                      const char *path, eng_export_info *info)
{
    int fd = strcmp(path, "-") == 0
                 ? STDOUT_FILENO
                 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc;

    if (fd < 0) {
        fprintf(stderr, "mixroom render: %s: %s\n", path, strerror(errno));
        return -1;
    }
    rc = eng_export_fd(plan, o, fd, info);
    if (fd != STDOUT_FILENO && close(fd) != 0)
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "mixroom render: writing %s failed\n", path);
    return rc;
}

/* One file per track into dir, named after the track. */
static int write_stems(eng_plan *plan, const eng_export_opts *base,
                       const char *dir)
{
    if (eng_mkdirs(dir) != 0) {
        fprintf(stderr, "mixroom render: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int t = 0; t < plan->ntracks; t++) {
        const eng_track_spec *ts = &plan->tracks[t];
        eng_export_opts o = *base;
        char path[4400];
        if (ts->bus)
            continue;
        o.stem_track = ts->id;
        snprintf(path, sizeof path, "%s/%02d %s.%s", dir, t + 1, ts->id,
                 eng_format_ext(o.format));
        if (write_file(plan, &o, path, NULL) != 0)
            return -1;
        fprintf(stderr, "stem %s\n", path);
    }
    return 0;
}

int srv_cli_render(int argc, char **argv)
{
    const char *project = NULL, *out = NULL, *stems = NULL;
    const char *data = getenv("MIXROOM_DATA");
    long long rev = -1;
    int format = -1, ret = 1;
    bool normalize = false;
    double target = -14.0;
    char err[512];
    db_conn *db = NULL;
    proto_doc *doc = NULL;
    eng_plan *plan = NULL;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(a, "--rev") == 0 && v) {
            rev = atoll(v), i++;
        } else if (strcmp(a, "--format") == 0 && v) {
            if ((format = eng_format_parse(v)) < 0) {
                fprintf(stderr, "mixroom render: unknown format '%s'\n%s", v,
                        usage);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--normalize") == 0 && v) {
            normalize = true, target = atof(v), i++;
        } else if (strcmp(a, "--stems") == 0 && v) {
            stems = v, i++;
        } else if (strcmp(a, "--data") == 0 && v) {
            data = v, i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "mixroom render: unknown option %s\n%s", a, usage);
            return 2;
        } else if (!project) {
            project = a;
        } else if (!out) {
            out = a;
        } else {
            fprintf(stderr, "mixroom render: too many arguments\n%s", usage);
            return 2;
        }
    }
    if (!project || !out) {
        fputs(usage, stderr);
        return 2;
    }
    if (!data || !data[0])
        data = "./data";
    if (format < 0)
        format = guess_format(out);
    if (!(db = store_open(data, "NORMAL", true, err, sizeof err))) {
        fprintf(stderr, "mixroom render: %s\n", err);
        goto out;
    }
    proto_err perr;
    long long head = 0;
    if (!(doc = srv_doc_at_rev2(db, project, rev, &head, NULL, NULL, 0,
                                &perr))) {
        fprintf(stderr, "mixroom render: %s\n", perr.message);
        goto out;
    }
    struct pv_missing miss;
    plan = pv_plan_checked(db, data, project, doc, true, &miss);
    if (srv_objstore_take_error(err, sizeof err)) { /* --assets s3://... */
        fprintf(stderr, "mixroom render: %s\n", err);
        goto out;
    }
    if (!plan) {
        fprintf(stderr, "mixroom render: %s\n",
                miss.kind ? miss.message : "out of memory");
        goto out;
    }
    eng_export_opts o;
    eng_export_info info;
    eng_export_opts_default(&o);
    o.format = (eng_format)format;
    o.normalize = normalize;
    o.target_lufs = target;
    memset(&info, 0, sizeof info);
    if (write_file(plan, &o, out, &info) != 0)
        goto out;
    FILE *msg = strcmp(out, "-") == 0 ? stderr : stdout;
    fprintf(msg, "rendered %s revision %lld: %.3f s (%lld frames) -> %s\n",
            project, rev < 0 ? head : rev,
            (double)(info.to - info.from) / plan->sample_rate,
            (long long)(info.to - info.from), out);
    eng_loudness l;
    if (normalize) {
        fprintf(msg, "normalised by %+.2f dB to %.1f LUFS\n", info.gain_db,
                target);
        l = info.loudness;
    } else if (eng_loudness_measure(plan, info.from, info.to, NULL, &l) != 0) {
        fprintf(stderr, "mixroom render: loudness: out of memory\n");
        goto out;
    }
    print_loudness(msg, "loudness", &l);
    if (stems && write_stems(plan, &o, stems) != 0)
        goto out;
    ret = 0;
out:
    eng_plan_release(plan);
    proto_doc_free(doc);
    if (db)
        db_close(db);
    return ret;
}
