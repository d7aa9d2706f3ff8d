/* dawproject_zip.c -- the .dawproject archive of a project, streamed: the
 * document at a revision (doc_at.h), the owner's name and the asset rows
 * read on the caller's connection, the XML made by dawproject_write.c,
 * then the zip (engine/zipw.h, stored entries) written front to back:
 * project.xml, metadata.xml, and each asset the clips use once as
 * audio/<id>.wav -- its decoded samples (the importer's samples file at
 * the project rate, already little-endian 32-bit float) behind a
 * WAVE_FORMAT_IEEE_FLOAT header, copied in fixed 64 KiB blocks with
 * read(2) (no mmap, no whole-file buffer). Any thread with its own
 * connection; the HTTP export runs it on a render worker, the CLI on the
 * main thread. */
#include "server/interchange/interchange.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "engine/asset.h"
#include "engine/fsutil.h"
#include "protocol/fields.h"
#include "server/core/store_stmt.h"
#include "server/rooms/doc_at.h"
#include "server/objstore/objstore.h"

#define BLOCK (64u * 1024u)
#define WAV_HEADER 58u  /* RIFF + fmt (18) + fact + data headers */
#define WAV_MAX_DATA (0xFFFFFFFFull - WAV_HEADER)

/* The assets the document's audio clips use, once each, in first-use
 * order, as rows of the assets table that are ready. Returns the count
 * (>= 0) or -1 with err (PROTO_CONFLICT and the id in asset_out when a
 * clip's asset is not ready or unknown). *out is malloc'd (NULL when
 * none). */
static int used_assets(db_conn *db, const proto_doc *doc, const char *pid,
                       struct srv_dawproject_audio **out, char *asset_out,
                       proto_err *err);

struct asset_walk {
    const proto_doc *doc;
    json_t *ids;      /* asset id -> the first clip using it, in first-use order */
};

/* An audio clip's asset (instrument tracks' clips hold notes, no audio). */
static int walk_clip(const json_t *o, void *arg)
{
    struct asset_walk *w = arg;
    const char *a = proto_obj_str(o, "asset");
    const json_t *t;

    if (strcmp(proto_obj_kind(o), "clip") || !a[0] ||
        json_object_get(w->ids, a))
        return 0;
    t = proto_doc_get(w->doc, proto_obj_str(o, "track"));
    if (t && !strcmp(proto_obj_str(t, "role"), "instrument"))
        return 0;
    return json_object_set_new(w->ids, a, json_string(proto_obj_str(o, "id")));
}

/* err for a clip's asset that has no ready row: PROTO_CONFLICT naming the
 * clip, the asset and its state (or that the project has none). */
static void not_ready(db_conn *db, const char *pid, const char *id,
                      const char *clip, proto_err *err)
{
    char name[256] = "", state[32] = "";
    db_stmt *st = store_prepare(db,
                                "SELECT name, state FROM assets WHERE "
                                "project_id=? AND id=?",
                                STORE_ARGS(pid, id), NULL, 0);

    if (st && db_step(st) == DB_ROW) {
        store_col_copy(name, sizeof name, st, 0);
        store_col_copy(state, sizeof state, st, 1);
    }
    db_finalize(st);
    if (state[0])
        proto_fail(err, PROTO_CONFLICT,
                   "cannot export: clip %s of project %s: asset %s (\"%s\") "
                   "is not ready (%s)", clip, pid, id, name, state);
    else
        proto_fail(err, PROTO_CONFLICT,
                   "cannot export: clip %s of project %s: asset %s is "
                   "missing: project %s has no such asset", clip, pid, id,
                   pid);
}

static int used_assets(db_conn *db, const proto_doc *doc, const char *pid,
                       struct srv_dawproject_audio **out, char *asset_out,
                       proto_err *err)
{
    struct asset_walk w = {doc, json_object()};
    struct srv_dawproject_audio *v = NULL;
    const char *id;
    json_t *val;
    int n = 0, rc = -1;

    *out = NULL;
    if (!w.ids || proto_doc_each(doc, walk_clip, &w) != 0) {
        proto_fail(err, PROTO_INTERNAL, "out of memory");
        goto out;
    }
    v = json_object_size(w.ids) ? calloc(json_object_size(w.ids), sizeof *v)
                                : NULL;
    if (json_object_size(w.ids) && !v) {
        proto_fail(err, PROTO_INTERNAL, "out of memory");
        goto out;
    }
    json_object_foreach(w.ids, id, val) {
        db_stmt *st = store_prepare(
            db,
            "SELECT name, sha256, channels, frames FROM assets WHERE "
            "project_id=? AND id=? AND state='ready' AND sha256 IS NOT NULL",
            STORE_ARGS(pid, id), NULL, 0);
        if (!st) {
            proto_fail(err, PROTO_INTERNAL, "database: %s", db_errmsg(db));
            goto out;
        }
        if (db_step(st) == DB_ROW) {
            struct srv_dawproject_audio *a = &v[n++];
            snprintf(a->asset, sizeof a->asset, "%s", id);
            store_col_copy(a->name, sizeof a->name, st, 0);
            store_col_copy(a->sha, sizeof a->sha, st, 1);
            a->channels = db_column_int(st, 2);
            a->frames = db_column_int64(st, 3);
        } else {
            db_finalize(st);
            not_ready(db, pid, id, json_string_value(val), err);
            snprintf(asset_out, 64, "%s", id);
            goto out;
        }
        db_finalize(st);
    }
    *out = v;
    v = NULL;
    rc = n;
out:
    free(v);
    json_decref(w.ids);
    return rc;
}

/* Opens an asset's samples file at rate and checks its header against
 * the row. Returns the fd (positioned at the samples) or -1 with err. */
static int open_samples(const char *data_dir, const struct srv_dawproject_audio *a,
                        int rate, char *asset_out, proto_err *err)
{
    char dir[4096], path[4200];
    unsigned char h[ENG_SAMPLES_HEADER];
    int fd = -1;
    uint32_t ch, r;
    uint64_t fr;

    char why[512], name[32];
    snprintf(name, sizeof name, "samples-%d", rate);
    int got = srv_objstore_ensure(data_dir, a->sha, name, why, sizeof why);
    if (got < 0) { /* the asset store out of reach: asset_out stays empty */
        proto_fail(err, PROTO_INTERNAL, "the samples of asset %s (%s): %s",
                   a->asset, a->name, why);
        return -1;
    }
    if (got > 0 || eng_asset_dir(dir, sizeof dir, data_dir, a->sha) != 0 ||
        eng_asset_file(path, sizeof path, dir, "samples", rate) != 0 ||
        (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        proto_fail(err, PROTO_INTERNAL,
                   "the samples of asset %s (%s) cannot be read: %s", a->asset,
                   a->name, got > 0 ? "the asset store has no such object"
                                    : strerror(errno));
        snprintf(asset_out, 64, "%s", a->asset);
        return -1;
    }
    if (read(fd, h, sizeof h) != (ssize_t)sizeof h ||
        memcmp(h, ENG_SAMPLES_MAGIC, 8) != 0)
        goto bad;
    memcpy(&ch, h + 8, 4);
    memcpy(&r, h + 12, 4);
    memcpy(&fr, h + 16, 8);
    if ((ch != 1 && ch != 2) || (int)r != rate || (int)ch != a->channels ||
        (int64_t)fr < a->frames)
        goto bad;
    return fd;
bad:
    close(fd);
    snprintf(asset_out, 64, "%s", a->asset);
    proto_fail(err, PROTO_INTERNAL,
               "the samples file of asset %s (%s) is broken or does not match "
               "its row", a->asset, a->name);
    return -1;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

/* The 58-byte header of a 32-bit float WAV (fmt with cbSize 0 and a fact
 * chunk, as WAVE_FORMAT_IEEE_FLOAT asks). */
static void wav_header(unsigned char h[WAV_HEADER], int channels, int rate,
                       int64_t frames)
{
    uint32_t data = (uint32_t)(frames * channels * 4);

    memcpy(h, "RIFF", 4);
    put32(h + 4, WAV_HEADER - 8 + data);
    memcpy(h + 8, "WAVEfmt ", 8);
    put32(h + 16, 18);
    put16(h + 20, 3); /* WAVE_FORMAT_IEEE_FLOAT */
    put16(h + 22, (uint16_t)channels);
    put32(h + 24, (uint32_t)rate);
    put32(h + 28, (uint32_t)(rate * channels * 4));
    put16(h + 32, (uint16_t)(channels * 4));
    put16(h + 34, 32);
    put16(h + 36, 0);
    memcpy(h + 38, "fact", 4);
    put32(h + 42, 4);
    put32(h + 46, (uint32_t)frames);
    memcpy(h + 50, "data", 4);
    put32(h + 54, data);
}

/* One asset as a WAV entry, copied block by block. 0, -1 (err), -2. */
static int write_audio(eng_zipw *z, const char *data_dir,
                       const struct srv_dawproject_audio *a, int rate,
                       time_t mtime, unsigned char *buf,
                       const atomic_int *cancel, proto_err *err)
{
    char path[200];
    unsigned char h[WAV_HEADER];
    uint64_t left = (uint64_t)a->frames * (uint64_t)a->channels * 4;
    char ignored[64];
    int fd = open_samples(data_dir, a, rate, ignored, err), rc = -1;

    if (fd < 0)
        return -1;
    srv_dawproject_audio_path(path, sizeof path, a->asset);
    wav_header(h, a->channels, rate, a->frames);
    if ((rc = eng_zipw_begin(z, path, mtime, WAV_HEADER + left)) != 0 ||
        (rc = eng_zipw_write(z, h, sizeof h)) != 0)
        goto out;
    while (left > 0) {
        size_t want = left < BLOCK ? (size_t)left : BLOCK;
        ssize_t got = read(fd, buf, want);
        if (cancel && atomic_load(cancel)) {
            rc = -2;
            goto out;
        }
        if (got <= 0) {
            proto_fail(err, PROTO_INTERNAL,
                       "the samples of asset %s ended early", a->asset);
            rc = -1;
            goto out;
        }
        if ((rc = eng_zipw_write(z, buf, (size_t)got)) != 0)
            goto out;
        left -= (uint64_t)got;
    }
    rc = eng_zipw_end(z);
out:
    close(fd);
    return rc;
}

static int entry(eng_zipw *z, const char *name, time_t mtime, const char *p,
                 size_t len)
{
    int rc = eng_zipw_begin(z, name, mtime, len);

    if (rc == 0)
        rc = eng_zipw_write(z, p, len);
    if (rc == 0)
        rc = eng_zipw_end(z);
    return rc;
}

int srv_dawproject_export(db_conn *db, const char *data_dir,
                          const char *project_id, long long rev,
                          eng_zipw_write_fn write, void *ctx,
                          const atomic_int *cancel,
                          srv_dawproject_ready_fn ready, void *ready_ctx,
                          char *asset_out, proto_err *err)
{
    struct srv_dawproject_meta m;
    struct srv_dawproject_audio *audio = NULL;
    char *px = NULL, *mx = NULL;
    size_t plen = 0, mlen = 0;
    unsigned char *buf = NULL;
    eng_zipw *z = NULL;
    long long head = 0;
    int rate = 0, n = 0, rc = -1;
    time_t now = time(NULL);
    proto_doc *doc;

    proto_err_clear(err);
    asset_out[0] = 0;
    memset(&m, 0, sizeof m);
    doc = srv_doc_at_rev2(db, project_id, rev, &head, &rate, m.title,
                          sizeof m.title, err);
    if (!doc)
        return -1;
    snprintf(m.project_id, sizeof m.project_id, "%s", project_id);
    m.rev = rev < 0 ? head : rev;
    store_query_text(db,
                     "SELECT u.display_name FROM members m JOIN users u ON "
                     "u.id=m.user_id WHERE m.project_id=? AND m.role='owner' "
                     "ORDER BY m.added_at, u.id LIMIT 1",
                     STORE_ARGS(project_id), m.artist, sizeof m.artist, NULL, 0);
    if ((n = used_assets(db, doc, project_id, &audio, asset_out, err)) < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        int fd;
        if ((uint64_t)audio[i].frames * (uint64_t)audio[i].channels * 4 >
            WAV_MAX_DATA) {
            proto_fail(err, PROTO_TOO_LARGE,
                       "asset %s (%s) is too long for a WAV file (at most "
                       "4 GiB of samples)", audio[i].asset, audio[i].name);
            goto out;
        }
        if ((fd = open_samples(data_dir, &audio[i], rate, asset_out, err)) <
            0)
            goto out;
        close(fd);
    }
    if (srv_dawproject_xml(doc, &m, audio, (size_t)n, &px, &plen, &mx, &mlen,
                           err) != 0)
        goto out;
    if (!(buf = malloc(BLOCK)) || !(z = eng_zipw_new(write, ctx))) {
        proto_fail(err, PROTO_INTERNAL, "out of memory");
        goto out;
    }
    if (ready)
        ready(ready_ctx, &m);
    if ((rc = entry(z, "project.xml", now, px, plen)) != 0 ||
        (rc = entry(z, "metadata.xml", now, mx, mlen)) != 0)
        goto out;
    for (int i = 0; i < n && rc == 0; i++)
        rc = write_audio(z, data_dir, &audio[i], rate, now, buf, cancel, err);
    if (rc == 0)
        rc = eng_zipw_finish(z);
out:
    if (rc == -1 && z && eng_zipw_error(z)[0] && err->code == PROTO_OK)
        proto_fail(err, PROTO_INTERNAL, "zip: %s", eng_zipw_error(z));
    if (rc == -1 && err->code == PROTO_OK)
        proto_fail(err, PROTO_INTERNAL, "the archive could not be written");
    eng_zipw_free(z);
    free(buf);
    free(px);
    free(mx);
    free(audio);
    proto_doc_free(doc);
    return rc;
}
