/* cli_dawproject_import.c -- `mixroom import-dawproject FILE [--name NAME]
 * --owner USER [--data DIR]`: a new project from a .dawproject file
 * without a running server, the counterpart of export-dawproject. The
 * same reader, checks and mapping as POST /api/projects/import
 * (zip_read.c, dawproject_read.c, dawproject_map.c) under the same limits
 * (max_dawproject_* and the upload limits, from the defaults and
 * MIXROOM_* variables); each audio file a clip uses is imported like an
 * upload (engine/import.h into the content-addressed asset folder) and
 * becomes a ready asset. The project row, its owner, the asset rows and
 * revision 1 (kind "import": its ops row and the objects at that
 * revision, the rows a room's commit writes) go in one BEGIN IMMEDIATE
 * transaction, so the command is safe while a server runs (the project is
 * new: no room has it loaded), like `mixroom project create`. Any failure
 * leaves nothing: the transaction is rolled back and the asset folders
 * this run made are removed. */
#include "server/interchange/interchange.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/fsutil.h"
#include "engine/import.h"
#include "protocol/document.h"
#include "protocol/fields.h"
#include "protocol/json_enc.h"
#include "protocol/ops.h"
#include "server/assets/assets.h"
#include "server/auth/auth_db.h"
#include "server/core/config.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"
#include "server/interchange/dawproject.h"
#include "server/interchange/zip_read.h"

extern char **environ;

static const char usage[] =
    "usage: mixroom import-dawproject FILE --owner USER [--name NAME] "
    "[--data DIR]\n"
    "  Creates a project owned by USER from the DAWproject file FILE: its\n"
    "  tracks, devices, sends, clips, notes, markers and automation as\n"
    "  revision 1, and every audio file a clip uses as a ready asset\n"
    "  (docs/interchange.md). Safe while a server runs.\n"
    "  --name NAME  the project's name (default: metadata.xml's Title,\n"
    "               else \"Imported project\").\n"
    "  --data DIR   the data directory (default ./data or MIXROOM_DATA).\n"
    "  Limits: max_dawproject_bytes, max_dawproject_unpacked_bytes,\n"
    "  max_dawproject_entries, max_dawproject_ratio,\n"
    "  max_dawproject_xml_bytes, max_push_ops, max_upload_seconds,\n"
    "  max_upload_decoded, max_project_decoded (MIXROOM_<KEY> to change).\n";

/* One import's state. */
struct cli_imp {
    struct srv_config cfg;
    const char *data;
    char tmpdir[4096];
    char err[700];
    dp_result res;
    json_t *files;          /* res.files + "tmp", "id", "sha", "made" */
    json_t *lens;           /* placeholder -> frames */
    json_t *map;            /* placeholder -> asset id */
};

static int fail(struct cli_imp *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct cli_imp *im, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(im->err, sizeof im->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int read_xml(struct cli_imp *im, ix_zip *z, const char *name,
                    dp_schema which, bool required, xmlDocPtr *out)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    ix_zip_status st;
    char err[600];

    *out = NULL;
    if (!ix_zip_has(z, name))
        return required ? fail(im, "the archive has no %s: not a DAWproject "
                                   "file", name)
                        : 0;
    if (ix_zip_read_mem(z, name, im->cfg.max_dawproject_xml_bytes,
                        "max_dawproject_xml_bytes", &buf, &len, &st, err,
                        sizeof err) != 0)
        return fail(im, "%s", err);
    *out = dp_parse(buf, len, which, err, sizeof err);
    free(buf);
    return *out ? 0 : fail(im, "%s", err);
}

/* Inflates each audio file a clip uses and imports it into the asset
 * folder (the limits of an upload; the project's total across them). */
static int import_audio(struct cli_imp *im, ix_zip *z, int rate)
{
    int64_t total = 0;
    size_t i;
    json_t *f;

    im->files = json_deep_copy(im->res.files);
    im->lens = json_object();
    im->map = json_object();
    if (!im->files || !im->lens || !im->map)
        return fail(im, "out of memory");
    json_array_foreach(im->files, i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        char tmp[4200], sha[65], dir[4096], id[64], err[400];
        int64_t written = 0;
        ix_zip_status st;
        struct stat sb;
        eng_import_opts o;
        eng_import_result r;

        if (!ix_zip_has(z, path))
            return fail(im, "project.xml refers to the audio file \"%s\", "
                            "which is not in the archive", path);
        snprintf(tmp, sizeof tmp, "%s/dpaudio-XXXXXX", im->tmpdir);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
            return fail(im, "%s: %s", im->tmpdir, strerror(errno));
        json_object_set_new(f, "tmp", json_string(tmp));
        int rc = ix_zip_read_fd(z, path, fd, &written, &st, err, sizeof err);
        if (close(fd) != 0 && rc == 0)
            return fail(im, "cannot write a temporary file: %s",
                        strerror(errno));
        if (rc != 0)
            return fail(im, "%s", err);
        if (eng_sha256_file(tmp, sha) != 0 ||
            eng_asset_dir(dir, sizeof dir, im->data, sha) != 0)
            return fail(im, "cannot read the audio file \"%s\"", path);
        bool made = stat(dir, &sb) != 0;
        json_object_set_new(f, "sha", json_string(sha));
        json_object_set_new(f, "dir", json_string(dir));
        json_object_set_new(f, "made", json_boolean(made));
        if (eng_store_original(tmp, dir) != 0)
            return fail(im, "cannot store the audio file \"%s\": %s", path,
                        strerror(errno));
        json_object_set_new(f, "tmp", json_string("")); /* moved */
        char orig[4200];
        snprintf(orig, sizeof orig, "%s/original", dir);
        memset(&o, 0, sizeof o);
        memset(&r, 0, sizeof r);
        o.src_path = orig;
        o.out_dir = dir;
        o.rate = rate;
        o.max_seconds = (double)im->cfg.max_upload_seconds;
        o.max_decoded = im->cfg.max_upload_decoded;
        o.max_total_decoded = im->cfg.max_project_decoded;
        o.other_decoded = total;
        if (eng_import(&o, &r) != 0) {
            char why[400];
            if (r.limit != ENG_LIMIT_NONE)
                srv_assets_limit_text(&r, &o, why, sizeof why);
            else
                snprintf(why, sizeof why, "%s",
                         r.error[0] ? r.error
                                    : eng_import_status_text(r.status));
            return fail(im, "the audio file \"%s\" cannot be imported: %s",
                        path, why);
        }
        total += eng_decoded_bytes(r.frames, r.channels);
        stat(orig, &sb);
        store_new_id(id, sizeof id, "a_");
        json_object_set_new(f, "id", json_string(id));
        json_object_set_new(f, "frames", json_integer(r.frames));
        json_object_set_new(f, "channels", json_integer(r.channels));
        json_object_set_new(f, "orig_rate", json_integer(r.orig_rate));
        json_object_set_new(f, "format", json_string(r.format));
        json_object_set_new(f, "size", json_integer((json_int_t)sb.st_size));
        const char *ph = json_string_value(json_object_get(f, "asset"));
        json_object_set_new(im->lens, ph, json_integer(r.frames));
        json_object_set_new(im->map, ph, json_string(id));
    }
    dp_fit_clips(&im->res, im->lens);
    return 0;
}

/* Steps st to its end and finalizes it: 0, or -1 with err. */
static int step_once(db_stmt *st, char *err, size_t errlen)
{
    int rc = st ? store_step_done(st, err, errlen) : -1;

    db_finalize(st);
    return rc;
}

/* One object of revision 1 as its objects row. */
struct obj_rows {
    db_conn *db;
    const char *pid;
    int rc;
};

static int put_object(const json_t *o, void *arg)
{
    struct obj_rows *w = arg;
    char *body = proto_json_dumps(o, true, NULL);
    const char *id = proto_obj_str(o, "id"), *kind = proto_obj_kind(o);
    db_stmt *st = body ? store_prepare(w->db,
                                       "INSERT INTO objects(project_id, id, "
                                       "kind, body, rev) VALUES(?,?,?,?,1) "
                                       "ON CONFLICT(project_id, id) DO UPDATE "
                                       "SET kind=excluded.kind, "
                                       "body=excluded.body, rev=excluded.rev",
                                       STORE_ARGS(w->pid, id, kind, body),
                                       NULL, 0)
                       : NULL;

    if (step_once(st, NULL, 0) != 0)
        w->rc = -1;
    free(body);
    return w->rc;
}

/* The rows, in the caller's transaction: project and owner, assets,
 * revision 1. */
static int write_rows(struct cli_imp *im, db_conn *db, const char *name,
                      int rate, const char *owner_id, const char *summary,
                      const json_t *applied, const json_t *inverse,
                      const proto_doc *doc, char *pid, size_t pidlen)
{
    char err[300];
    size_t i;
    json_t *f;
    long long now = store_now_ms();

    if (srv_authdb_project_create(db, name, rate, owner_id, pid, pidlen, err,
                                  sizeof err) != PROTO_OK)
        return fail(im, "%s", err);
    json_array_foreach(im->files, i, f) {
        db_stmt *st = store_prepare(
            db,
            "INSERT INTO assets(id, project_id, sha256, name, state, frames, "
            "channels, orig_rate, format, size_bytes, created_by, created_at) "
            "VALUES(?1, ?2, ?3, ?4, 'ready', ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            STORE_ARGS(json_string_value(json_object_get(f, "id")), pid,
                       json_string_value(json_object_get(f, "sha")),
                       json_string_value(json_object_get(f, "name"))),
            err, sizeof err);
        if (st) {
            db_bind_int64(st, 5, json_integer_value(json_object_get(f, "frames")));
            db_bind_int(st, 6, (int)json_integer_value(json_object_get(f, "channels")));
            db_bind_int(st, 7, (int)json_integer_value(json_object_get(f, "orig_rate")));
            db_bind_text(st, 8, json_string_value(json_object_get(f, "format")), -1, DB_TRANSIENT);
            db_bind_int64(st, 9, json_integer_value(json_object_get(f, "size")));
            db_bind_text(st, 10, owner_id, -1, DB_TRANSIENT);
            db_bind_int64(st, 11, now);
        }
        if (step_once(st, err, sizeof err) != 0)
            return fail(im, "database: %s", err);
    }
    char *ops = proto_json_dumps(applied, true, NULL);
    char *inv = proto_json_dumps(inverse, true, NULL);
    db_stmt *st = ops && inv ? store_prepare(
        db,
        "INSERT INTO ops(project_id, rev, kind, user_id, ts, ops, inverse, "
        "summary) VALUES(?1, 1, 'import', ?2, ?3, ?4, ?5, ?6)",
        STORE_ARGS(pid, owner_id), err, sizeof err)
                             : NULL;
    if (st) {
        db_bind_int64(st, 3, now);
        db_bind_text(st, 4, ops, -1, DB_TRANSIENT);
        db_bind_text(st, 5, inv, -1, DB_TRANSIENT);
        db_bind_text(st, 6, summary, -1, DB_TRANSIENT);
    }
    bool oom = !ops || !inv;
    int rc = !oom && st ? step_once(st, err, sizeof err) : -1;
    if (oom)
        db_finalize(st);
    free(ops);
    free(inv);
    if (rc != 0)
        return fail(im, "database: %s", oom ? "out of memory" : err);
    struct obj_rows w = {db, pid, 0};
    if (proto_doc_each(doc, put_object, &w) != 0 || w.rc != 0)
        return fail(im, "database: the objects of revision 1: %s",
                    db_errmsg(db));
    st = store_prepare(db, "UPDATE projects SET head_rev=1, updated_at=?2 "
                           "WHERE id=?1",
                       STORE_ARGS(pid), err, sizeof err);
    if (st)
        db_bind_int64(st, 2, now);
    if (step_once(st, err, sizeof err) != 0)
        return fail(im, "database: %s", err);
    return 0;
}

/* The import of FILE into db; 0 with pid, or -1 with im->err. */
static int run_import(struct cli_imp *im, db_conn *db, const char *file,
                      const char *name_opt, const char *owner_id,
                      const char *owner_shown, char *pid, size_t pidlen)
{
    ix_zip_limits lim = {im->cfg.max_dawproject_unpacked_bytes,
                         im->cfg.max_dawproject_entries,
                         im->cfg.max_dawproject_ratio};
    xmlDocPtr project = NULL, meta = NULL;
    proto_doc *doc = NULL;
    json_t *applied = NULL, *inverse = NULL;
    ix_zip_status st;
    proto_err perr;
    char err[600], name[256], summary[400];
    struct stat sb;
    int rc = -1, rate;
    ix_zip *z = NULL;
    bool in_tx = false;

    if (stat(file, &sb) != 0) {
        fail(im, "%s: %s", file, strerror(errno));
        goto out;
    }
    if ((long long)sb.st_size > im->cfg.max_dawproject_bytes) {
        fail(im, "the DAWproject file is larger than the limit of %lld "
                 "bytes (setting max_dawproject_bytes)",
             (long long)im->cfg.max_dawproject_bytes);
        goto out;
    }
    if (!(z = ix_zip_open_file(file, &lim, &st, err, sizeof err))) {
        fail(im, "%s", err);
        goto out;
    }
    if (read_xml(im, z, "project.xml", DP_PROJECT, true, &project) != 0 ||
        read_xml(im, z, "metadata.xml", DP_METADATA, false, &meta) != 0)
        goto out;
    if (name_opt) {
        snprintf(name, sizeof name, "%s", name_opt);
    } else {
        dp_metadata_title(meta, name, sizeof name);
        if (!name[0])
            snprintf(name, sizeof name, "Imported project");
    }
    rate = dp_suggest_rate(project);
    if (dp_map(project, rate, &im->res, err, sizeof err) != 0) {
        fail(im, "%s", err);
        goto out;
    }
    if ((long long)json_array_size(im->res.ops) > im->cfg.max_push_ops) {
        fail(im, "the DAWproject file makes %zu ops; one revision may have at "
                 "most %lld (setting max_push_ops)",
             json_array_size(im->res.ops), (long long)im->cfg.max_push_ops);
        goto out;
    }
    if (!(doc = proto_doc_new(name, rate))) {
        fail(im, "name must have 1 to 200 characters");
        goto out;
    }
    if (import_audio(im, z, rate) != 0)
        goto out;
    dp_substitute_assets(im->res.ops, im->map);
    size_t i;
    json_t *f;
    json_array_foreach(im->files, i, f)
        proto_doc_set_asset(doc, json_string_value(json_object_get(f, "id")),
                            json_integer_value(json_object_get(f, "frames")),
                            true);
    proto_limits pl = {(size_t)im->cfg.max_push_ops,
                       (size_t)im->cfg.max_doc_objects,
                       (size_t)im->cfg.max_doc_bytes, NULL, NULL};
    if (proto_apply_push_limited(doc, im->res.ops, &pl, &applied, &inverse,
                                 &perr) != 0) {
        fail(im, "the DAWproject file cannot become a mixroom project: %s",
             perr.message);
        goto out;
    }
    snprintf(summary, sizeof summary,
             "%s imported a DAWproject file: %d %s, %d %s, %d %s",
             owner_shown, im->res.tracks,
             im->res.tracks == 1 ? "track" : "tracks", im->res.clips,
             im->res.clips == 1 ? "clip" : "clips", im->res.notes,
             im->res.notes == 1 ? "note" : "notes");
    if (store_exec(db, "BEGIN IMMEDIATE", err, sizeof err) != 0) {
        fail(im, "database: %s", err);
        goto out;
    }
    in_tx = true;
    if (write_rows(im, db, name, rate, owner_id, summary, applied, inverse,
                   doc, pid, pidlen) != 0)
        goto out;
    if (store_exec(db, "COMMIT", err, sizeof err) != 0) {
        fail(im, "database: %s", err);
        goto out;
    }
    in_tx = false;
    rc = 0;
out:
    if (in_tx)
        store_exec(db, "ROLLBACK", err, sizeof err);
    json_decref(applied);
    json_decref(inverse);
    proto_doc_free(doc);
    if (project)
        xmlFreeDoc(project);
    if (meta)
        xmlFreeDoc(meta);
    ix_zip_close(z);
    return rc;
}

/* Removes the temporary files, and on failure the asset folders made. */
static void cleanup(struct cli_imp *im, bool failed)
{
    size_t i;
    json_t *f;

    json_array_foreach(im->files, i, f) {
        const char *t = json_string_value(json_object_get(f, "tmp"));
        if (t && t[0])
            unlink(t);
        if (failed && json_is_true(json_object_get(f, "made")))
            eng_remove_dir(json_string_value(json_object_get(f, "dir")), true);
    }
    json_decref(im->files);
    json_decref(im->lens);
    json_decref(im->map);
    dp_result_free(&im->res);
}

int srv_cli_import_dawproject(int argc, char **argv)
{
    const char *file = NULL, *name = NULL, *owner = NULL;
    struct cli_imp im;
    char err[512], pid[64] = "", owner_id[128] = "", shown[256] = "";
    db_conn *db = NULL;
    int ret = 1;

    memset(&im, 0, sizeof im);
    im.data = getenv("MIXROOM_DATA");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--name") && v) {
            name = v, i++;
        } else if (!strcmp(a, "--owner") && v) {
            owner = v, i++;
        } else if (!strcmp(a, "--data") && v) {
            im.data = v, i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "mixroom import-dawproject: unknown option %s\n%s",
                    a, usage);
            return 2;
        } else if (!file) {
            file = a;
        } else {
            fprintf(stderr, "mixroom import-dawproject: too many arguments\n%s",
                    usage);
            return 2;
        }
    }
    if (!file || !owner) {
        fprintf(stderr, "mixroom import-dawproject: %s\n%s",
                !file ? "FILE is required" : "--owner USER is required",
                usage);
        return 2;
    }
    if (name) {
        size_t n = proto_utf8_length(name);
        if (n == (size_t)-1 || n < 1 || n > 200) {
            fprintf(stderr, "mixroom import-dawproject: --name must be 1 to "
                            "200 characters of UTF-8\n");
            return 2;
        }
    }
    if (!im.data || !im.data[0])
        im.data = "./data";
    srv_config_defaults(&im.cfg);
    if (srv_config_load_env(&im.cfg, environ, err, sizeof err) != 0) {
        fprintf(stderr, "mixroom import-dawproject: %s\n", err);
        return 2;
    }
    xmlInitParser();
    if (store_prepare_dir(im.data, err, sizeof err) != 0 ||
        store_migrate(im.data, err, sizeof err) < 0 ||
        !(db = store_open(im.data, "FULL", false, err, sizeof err))) {
        fprintf(stderr, "mixroom import-dawproject: %s\n", err);
        goto out;
    }
    db_stmt *st = store_prepare(db, "SELECT id, display_name FROM users "
                                    "WHERE name=?",
                                STORE_ARGS(owner), NULL, 0);
    if (st && db_step(st) == DB_ROW) {
        store_col_copy(owner_id, sizeof owner_id, st, 0);
        store_col_copy(shown, sizeof shown, st, 1);
    }
    db_finalize(st);
    if (!owner_id[0]) {
        fprintf(stderr, "mixroom import-dawproject: no user named '%s' "
                        "(--owner; mixroom user add creates one)\n", owner);
        goto out;
    }
    snprintf(im.tmpdir, sizeof im.tmpdir, "%s/tmp", im.data);
    if (eng_mkdirs(im.tmpdir) != 0) {
        fprintf(stderr, "mixroom import-dawproject: %s: %s\n", im.tmpdir,
                strerror(errno));
        goto out;
    }
    if (run_import(&im, db, file, name, owner_id, shown[0] ? shown : owner,
                   pid, sizeof pid) != 0) {
        fprintf(stderr, "mixroom import-dawproject: %s: %s; nothing was "
                        "created\n", file, im.err);
        goto out;
    }
    printf("imported %s as project %s (%d tracks, %d clips, %d notes, %d "
           "markers, %zu audio files), owner %s\n", file, pid, im.res.tracks,
           im.res.clips, im.res.notes, im.res.markers,
           json_array_size(im.files), owner);
    size_t i;
    json_t *line;
    json_array_foreach(im.res.report, i, line)
        printf("dropped: %s\n", json_string_value(line));
    ret = 0;
out:
    cleanup(&im, ret != 0);
    if (db)
        db_close(db);
    return ret;
}
