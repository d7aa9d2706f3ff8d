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
#include "server/preview/asset_cache.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
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

/* The plan's asset lookup (srv_asset_lookup_fn), noting the first asset a
 * clip names that it could not give. */
struct render_lookup {
    struct srv_asset_lookup l;
    char missing[64];
};

static eng_asset *render_lookup_fn(void *ctx, const char *asset_id)
{
    struct render_lookup *rl = ctx;
    eng_asset *a = srv_asset_lookup_fn(&rl->l, asset_id);

    if (!a && asset_id[0] && !rl->missing[0])
        snprintf(rl->missing, sizeof rl->missing, "%s", asset_id);
    return a;
}

/* The clip of the lowest id that names asset_id (ctx: struct clip_of). */
struct clip_of {
    const char *asset_id;
    char clip[64];
};

static int note_clip(const json_t *o, void *ctx)
{
    struct clip_of *c = ctx;
    const char *asset = json_string_value(json_object_get(o, "asset"));
    const char *id = json_string_value(json_object_get(o, "id"));

    if (asset && id && strcmp(asset, c->asset_id) == 0 &&
        (!c->clip[0] || strcmp(id, c->clip) < 0))
        snprintf(c->clip, sizeof c->clip, "%s", id);
    return 0;
}

/* Says on stderr which clip of project uses the asset whose audio the
 * plan could not get, and why: no such asset, an asset not ready, or its
 * samples file missing from the data folder. */
static void say_missing(db_conn *db, const char *data, const char *project,
                        const proto_doc *doc, const char *asset_id)
{
    struct clip_of c = {.asset_id = asset_id};
    char dir[4096], path[4200], why[4400] = "";
    db_stmt *st;

    proto_doc_each_kind(doc, "clip", note_clip, &c);
    st = store_prepare(db,
                       "SELECT name, state, sha256 FROM assets WHERE "
                       "project_id=? AND id=?",
                       STORE_ARGS(project, asset_id), NULL, 0);
    if (st && db_step(st) == DB_ROW) {
        const char *name = (const char *)db_column_text(st, 0);
        const char *state = (const char *)db_column_text(st, 1);
        const char *sha = (const char *)db_column_text(st, 2);
        if (state && strcmp(state, "ready") != 0)
            snprintf(why, sizeof why, "(\"%s\") is not ready (%s)",
                     name ? name : "", state);
        else if (sha &&
                 eng_asset_dir(dir, sizeof dir, data, sha) == 0 &&
                 eng_asset_file(path, sizeof path, dir, "samples",
                                proto_doc_sample_rate(doc)) == 0)
            snprintf(why, sizeof why, "(\"%s\") is missing: no %s",
                     name ? name : "", path);
    }
    if (!why[0])
        snprintf(why, sizeof why, "is missing: project %s has no such "
                 "asset", project);
    db_finalize(st);
    fprintf(stderr, "mixroom render: clip %s of project %s: asset %s %s\n",
            c.clip[0] ? c.clip : "?", project, asset_id, why);
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
    struct render_lookup rl = {.missing = ""};
    srv_asset_lookup_init(&rl.l, db, data, project,
                          proto_doc_sample_rate(doc));
    plan = eng_plan_build(doc, render_lookup_fn, &rl);
    srv_asset_lookup_done(&rl.l);
    if (!plan) {
        fprintf(stderr, "mixroom render: out of memory\n");
        goto out;
    }
    if (srv_objstore_take_error(err, sizeof err)) { /* --assets s3://... */
        fprintf(stderr, "mixroom render: %s\n", err);
        goto out;
    }
    if (rl.missing[0]) {
        say_missing(db, data, project, doc, rl.missing);
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
