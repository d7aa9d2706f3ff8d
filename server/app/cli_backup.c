/* cli_backup.c -- `mixroom backup DEST`, `mixroom restore SRC --data DIR`
 * and `mixroom check`: a copy of a running server's data (the database
 * through SQLite's online backup, server/core/backup.c, then every asset
 * file the copy refers to), putting one back into an empty data folder,
 * and checking a data folder (the database's integrity and foreign keys,
 * every referenced asset file present, the originals with their SHA-256).
 *
 * The asset files of a row (docs/assets.md): <assets>/<h0h1>/<sha256>/
 * original, samples-<rate> and peaks-<rate>, where rate is the project's.
 * A `ready` row needs all three; other rows need nothing (an upload or an
 * import may still be on its way), but what they have is copied and
 * checked. Asset files never change once written, so copying them after
 * the database snapshot gives every file the snapshot refers to. Each file
 * is copied into a temporary beside its final name, fsync'd and renamed,
 * and its directory fsync'd.
 *
 * Assets in S3 (--assets s3://BUCKET, as serve takes it; cli.c or the
 * settings configure it): the data folder's assets/ is a cache, so backup
 * and check first fetch each file of a row into it (srv_objstore_ensure)
 * and then copy or check it as above; the backup then holds the audio
 * too. Without --assets the fetch is a no-op. */
#include "server/app/cli_backup.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/asset.h"
#include "engine/fsutil.h"
#include "engine/hashfile.h"
#include "engine/peaks.h"
#include "server/app/cli_serve.h"
#include "server/core/backup.h"
#include "server/core/store.h"
#include "server/objstore/objstore.h"

#define PATH_MAX_LEN 4200

/* The asset rows of a database, one per (hash, rate, state, size). */
static const char assets_sql[] =
    "SELECT DISTINCT a.sha256, p.sample_rate, a.state, a.frames, a.channels"
    " FROM assets a JOIN projects p ON p.id = a.project_id"
    " WHERE a.sha256 IS NOT NULL ORDER BY a.sha256";

/* Problems found, printed as they come; counted. */
struct report {
    const char *cmd;
    int problems;
    long long files, bytes;
};

static void problem(void *ctx, const char *msg)
{
    struct report *r = ctx;

    printf("problem: %s\n", msg);
    r->problems++;
}

/* ---- arguments ---- */

/* Is argv asking for help? */
static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

/* Splits off the one positional argument (the folder) into *folder and
 * loads the settings from the rest. Returns 0, or 2 after a usage error. */
static int parse(int argc, char **argv, const char *cmd, bool need_folder,
                 const char **folder, struct srv_config *cfg)
{
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    char err[1024];
    int n = 0, rc = 2;

    *folder = NULL;
    if (!rest) {
        fprintf(stderr, "mixroom %s: out of memory\n", cmd);
        return 1;
    }
    rest[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        bool flag = argv[i][0] == '-';
        /* a flag's value: --data DIR (not --data=DIR) */
        if (flag && !strchr(argv[i], '=') && i + 1 < argc &&
            strcmp(argv[i], "--no-demo") != 0) {
            rest[n++] = argv[i++];
            rest[n++] = argv[i];
        } else if (flag || !need_folder || *folder) {
            rest[n++] = argv[i];
        } else {
            *folder = argv[i];
        }
    }
    if (need_folder && !*folder) {
        fprintf(stderr, "mixroom %s: which folder? (see mixroom %s --help)\n",
                cmd, cmd);
        goto out;
    }
    if (srv_cli_load_config(cfg, n, rest, cmd, err, sizeof err) != 0) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        goto out;
    }
    rc = 0;
out:
    free(rest);
    return rc;
}

/* The asset store of the settings (a config file's `assets`), unless
 * cli.c configured one from the flags or environment already. 0, or 2
 * with the message printed. */
static int use_assets(const char *cmd, const struct srv_config *cfg)
{
    char err[1024];

    if (srv_objstore_enabled() || !cfg->assets[0])
        return 0;
    if (srv_objstore_configure(cfg, err, sizeof err) != 0) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        return 2;
    }
    return 0;
}

/* 0 when path is absent or an empty directory; else -1 with a message. */
static int empty_or_absent(const char *cmd, const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    bool empty = true;

    if (!d) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "mixroom %s: %s: %s\n", cmd, path, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = false;
    closedir(d);
    if (!empty) {
        fprintf(stderr,
                "mixroom %s: %s is not empty; give an empty or new folder\n",
                cmd, path);
        return -1;
    }
    return 0;
}

/* ---- assets ---- */

/* Assets in S3: brings data_dir's copy of one file of an asset from the
 * asset store (a no-op without one). A failure to reach it is a problem;
 * an object S3 does not have is left to the caller's "missing". */
static void fetch_asset_file(struct report *r, const char *data_dir,
                             const char *sha, const char *name)
{
    char err[768], msg[1024];

    if (srv_objstore_ensure(data_dir, sha, name, err, sizeof err) < 0) {
        snprintf(msg, sizeof msg, "asset %s: %s: %s", sha, name, err);
        problem(r, msg);
    }
}

/* Copies one file of an asset from src_data to dst_data if it is not
 * there yet. Missing in the source: a problem when required. */
static void copy_asset_file(struct report *r, const char *src_data,
                            const char *dst_data, const char *sha,
                            const char *name, bool required, bool fetch)
{
    char sdir[PATH_MAX_LEN], ddir[PATH_MAX_LEN], spath[PATH_MAX_LEN + 64],
        dpath[PATH_MAX_LEN + 64], msg[3 * PATH_MAX_LEN];
    struct stat sb;

    if (eng_asset_dir(sdir, sizeof sdir, src_data, sha) != 0 ||
        eng_asset_dir(ddir, sizeof ddir, dst_data, sha) != 0) {
        snprintf(msg, sizeof msg, "asset %s: not a SHA-256 name", sha);
        problem(r, msg);
        return;
    }
    if (fetch)
        fetch_asset_file(r, src_data, sha, name);
    snprintf(spath, sizeof spath, "%s/%s", sdir, name);
    snprintf(dpath, sizeof dpath, "%s/%s", ddir, name);
    if (stat(spath, &sb) != 0) {
        if (required) {
            snprintf(msg, sizeof msg, "%s is missing: %s", spath,
                     strerror(errno));
            problem(r, msg);
        }
        return;
    }
    if (access(dpath, F_OK) == 0)
        return;
    if (eng_mkdirs(ddir) != 0 || eng_copy_into(spath, ddir, name) != 0 ||
        eng_fsync_dir(ddir) != 0) {
        snprintf(msg, sizeof msg, "copying %s to %s: %s", spath, ddir,
                 strerror(errno));
        problem(r, msg);
        return;
    }
    r->files++;
    r->bytes += (long long)sb.st_size;
}

/* Copies every asset file the database db refers to; fetch: from the
 * asset store into src_data first (backup). */
static int copy_assets(struct report *r, db_conn *db, const char *src_data,
                       const char *dst_data, bool fetch)
{
    db_stmt *st = NULL;
    char name[64];
    int rc;

    if (db_prepare(db, assets_sql, &st) != DB_OK) {
        fprintf(stderr, "mixroom %s: reading the assets: %s\n", r->cmd,
                db_errmsg(db));
        return -1;
    }
    while ((rc = db_step(st)) == DB_ROW) {
        const char *sha = (const char *)db_column_text(st, 0);
        int rate = db_column_int(st, 1);
        bool ready = !strcmp((const char *)db_column_text(st, 2), "ready");

        copy_asset_file(r, src_data, dst_data, sha, "original", ready, fetch);
        snprintf(name, sizeof name, "samples-%d", rate);
        copy_asset_file(r, src_data, dst_data, sha, name, ready, fetch);
        snprintf(name, sizeof name, "peaks-%d", rate);
        copy_asset_file(r, src_data, dst_data, sha, name, ready, fetch);
    }
    db_finalize(st);
    if (rc != DB_DONE) {
        fprintf(stderr, "mixroom %s: reading the assets: %s\n", r->cmd,
                db_errmsg(db));
        return -1;
    }
    char dir[PATH_MAX_LEN];
    snprintf(dir, sizeof dir, "%s/assets", dst_data);
    eng_fsync_dir(dir);
    return 0;
}

/* Reads the first n bytes of path into buf (zeros if the file is
 * shorter); returns the file's size, or -1 when it cannot be opened. */
static long long read_head(const char *path, unsigned char *buf, size_t n)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");
    long long size = -1;

    if (!f)
        return -1;
    if (fstat(fileno(f), &sb) == 0) {
        size = (long long)sb.st_size;
        if (fread(buf, 1, n, f) != n)
            memset(buf, 0, n); /* short: no magic */
    }
    fclose(f);
    return size;
}

/* Checks the files of one asset row. */
static void check_asset(struct report *r, const char *data_dir,
                        const char *sha, int rate, bool ready,
                        long long frames, int channels)
{
    char dir[PATH_MAX_LEN], path[PATH_MAX_LEN + 64], msg[2 * PATH_MAX_LEN],
        hex[65];
    unsigned char head[ENG_SAMPLES_HEADER];
    long long size;

    if (eng_asset_dir(dir, sizeof dir, data_dir, sha) != 0) {
        snprintf(msg, sizeof msg, "asset %s: not a SHA-256 name", sha);
        problem(r, msg);
        return;
    }
    fetch_asset_file(r, data_dir, sha, "original");
    snprintf(path, sizeof path, "%s/samples-%d", dir, rate);
    fetch_asset_file(r, data_dir, sha, path + strlen(dir) + 1);
    snprintf(path, sizeof path, "%s/peaks-%d", dir, rate);
    fetch_asset_file(r, data_dir, sha, path + strlen(dir) + 1);
    snprintf(path, sizeof path, "%s/original", dir);
    if (eng_sha256_file(path, hex) != 0) {
        if (ready || errno != ENOENT) {
            snprintf(msg, sizeof msg, "%s is missing or unreadable: %s", path,
                     strerror(errno));
            problem(r, msg);
        }
    } else if (strcmp(hex, sha) != 0) {
        snprintf(msg, sizeof msg,
                 "%s is altered: its SHA-256 is %s, the asset's is %s", path,
                 hex, sha);
        problem(r, msg);
    } else {
        r->files++;
    }

    snprintf(path, sizeof path, "%s/samples-%d", dir, rate);
    size = read_head(path, head, sizeof head);
    long long want = ENG_SAMPLES_HEADER + frames * channels * 4;
    if (size < 0) {
        if (ready) {
            snprintf(msg, sizeof msg, "%s is missing", path);
            problem(r, msg);
        }
    } else if (memcmp(head, ENG_SAMPLES_MAGIC, 8) != 0 ||
               (ready && size != want)) {
        snprintf(msg, sizeof msg,
                 "%s is damaged: %lld bytes, expected a %s file of %lld "
                 "bytes (%lld frames x %d channels)", path, size,
                 ENG_SAMPLES_MAGIC, want, frames, channels);
        problem(r, msg);
    } else {
        r->files++;
    }

    snprintf(path, sizeof path, "%s/peaks-%d", dir, rate);
    size = read_head(path, head, 32);
    if (size < 0) {
        if (ready) {
            snprintf(msg, sizeof msg, "%s is missing", path);
            problem(r, msg);
        }
    } else if (size < 32 || memcmp(head, ENG_PEAKS_MAGIC, 8) != 0) {
        snprintf(msg, sizeof msg, "%s is damaged: %lld bytes, not a %s file",
                 path, size, ENG_PEAKS_MAGIC);
        problem(r, msg);
    } else {
        r->files++;
    }
}

/* `check` on data_dir: problems printed; returns 0 sound, 1 problems. */
static int check_data(const char *cmd, const char *data_dir)
{
    struct report r = {.cmd = cmd};
    char path[PATH_MAX_LEN], err[1024];
    db_conn *db;
    db_stmt *st = NULL;
    int rc;

    store_sqlite_path(path, sizeof path, data_dir);
    if (!store_is_pg() && access(path, F_OK) != 0) {
        fprintf(stderr, "mixroom %s: no database at %s\n", cmd, path);
        return 1;
    }
    if (!(db = store_open(data_dir, "FULL", true, err, sizeof err))) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        /* an unreachable --store is a setting to fix: 2, as for usage */
        return store_is_pg() ? 2 : 1;
    }
    if (store_is_pg())
        printf("the store is PostgreSQL: its integrity is PostgreSQL's "
               "(back it up with pg_dump / pg_restore); checking the schema "
               "version and the asset files\n");
    if (store_check(db, problem, &r, err, sizeof err) < 0) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        db_close(db);
        return 1;
    }
    if (db_prepare(db, assets_sql, &st) != DB_OK) {
        fprintf(stderr, "mixroom %s: reading the assets: %s\n", cmd,
                db_errmsg(db));
        db_close(db);
        return 1;
    }
    while ((rc = db_step(st)) == DB_ROW)
        check_asset(&r, data_dir, (const char *)db_column_text(st, 0),
                    db_column_int(st, 1),
                    !strcmp((const char *)db_column_text(st, 2), "ready"),
                    db_column_int64(st, 3), db_column_int(st, 4));
    if (rc != DB_DONE) {
        snprintf(err, sizeof err, "reading the assets: %s", db_errmsg(db));
        problem(&r, err);
    }
    db_finalize(st);
    db_close(db);
    if (r.problems) {
        fprintf(stderr, "mixroom %s: %s: %d problem%s found\n", cmd, data_dir,
                r.problems, r.problems == 1 ? "" : "s");
        return 1;
    }
    printf("ok: %s: the database is sound and %lld asset files are present "
           "and verified\n", data_dir, r.files);
    return 0;
}

/* The database copy, then the assets it refers to: backup and restore. */
static int copy_data(const char *cmd, const char *src_data,
                     const char *dst_data)
{
    struct report r = {.cmd = cmd};
    char src_db[PATH_MAX_LEN], dst_db[PATH_MAX_LEN], err[1024];
    long long pages;
    db_conn *db;

    if (store_is_pg()) {
        fprintf(stderr,
                "mixroom %s: the store is PostgreSQL: back it up and restore "
                "it with PostgreSQL's tools (pg_dump / pg_restore, or a base "
                "backup with WAL archiving) and copy the data folder's "
                "assets/ beside it; `mixroom %s` copies the embedded SQLite "
                "store only\n",
                cmd, cmd);
        return 2;
    }
    snprintf(src_db, sizeof src_db, "%s/mixroom.db", src_data);
    snprintf(dst_db, sizeof dst_db, "%s/mixroom.db", dst_data);
    if (access(src_db, F_OK) != 0) {
        fprintf(stderr, "mixroom %s: no database at %s\n", cmd, src_db);
        return 1;
    }
    if (empty_or_absent(cmd, dst_data) != 0)
        return 1;
    if (store_prepare_dir(dst_data, err, sizeof err) != 0) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        return 1;
    }
    if ((pages = store_backup(src_db, dst_db, err, sizeof err)) < 0) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        return 1;
    }
    if (!(db = store_open(dst_data, "FULL", true, err, sizeof err))) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        return 1;
    }
    int rc = copy_assets(&r, db, src_data, dst_data, !strcmp(cmd, "backup"));
    db_close(db);
    if (rc != 0)
        return 1;
    eng_fsync_dir(dst_data);
    printf("copied the database (%lld pages) and %lld asset files (%lld "
           "bytes) from %s to %s\n", pages, r.files, r.bytes, src_data,
           dst_data);
    if (r.problems) {
        fprintf(stderr, "mixroom %s: %d asset file%s could not be copied "
                "(listed above); the copy in %s is incomplete\n", cmd,
                r.problems, r.problems == 1 ? "" : "s", dst_data);
        return 1;
    }
    return 0;
}

int srv_cli_backup(int argc, char **argv)
{
    struct srv_config cfg;
    const char *dest;
    int rc;

    if (wants_help(argc, argv)) {
        printf("usage: mixroom backup DEST [--data DIR] [--config FILE] "
               "[--assets s3://BUCKET ...]\n\n"
               "Copies the data folder (default ./data) into DEST, which must "
               "be empty or\nabsent, while the server may be running: the "
               "database through SQLite's\nonline backup (one consistent "
               "state), then every asset file it refers to.\nRestore it with "
               "`mixroom restore DEST --data DIR`.\nWith --assets s3://BUCKET "
               "(and --s3-endpoint, --s3-region, --s3-access-key,\n"
               "MIXROOM_S3_SECRET_KEY) the files are fetched from S3 into the "
               "data folder first.\n");
        return 0;
    }
    if ((rc = parse(argc, argv, "backup", true, &dest, &cfg)) != 0 ||
        (rc = use_assets("backup", &cfg)) != 0)
        return rc;
    return copy_data("backup", cfg.data_dir, dest);
}

int srv_cli_restore(int argc, char **argv)
{
    struct srv_config cfg;
    const char *src;
    int rc;

    if (wants_help(argc, argv)) {
        printf("usage: mixroom restore SRC --data DIR [--config FILE]\n\n"
               "Copies a backup (SRC, made by `mixroom backup`) into the data "
               "folder DIR,\nwhich must be empty or absent, then runs `mixroom "
               "check` on it. Start the\nserver on DIR afterwards; it applies "
               "any newer migrations.\n");
        return 0;
    }
    if ((rc = parse(argc, argv, "restore", true, &src, &cfg)) != 0)
        return rc;
    if ((rc = copy_data("restore", src, cfg.data_dir)) != 0)
        return rc;
    return check_data("restore", cfg.data_dir);
}

int srv_cli_check(int argc, char **argv)
{
    struct srv_config cfg;
    const char *none;
    int rc;

    if (wants_help(argc, argv)) {
        printf("usage: mixroom check [--data DIR] [--config FILE] "
               "[--assets s3://BUCKET ...]\n\n"
               "Checks a data folder (default ./data; the server may be "
               "running): the\ndatabase's integrity and foreign keys, and "
               "every asset file the database\nrefers to (the original with "
               "its SHA-256, the samples and peaks files by\ntheir header and "
               "size). Exit 0 when sound, 1 with the problems listed.\nWith "
               "--assets s3://BUCKET (and its S3 settings) each file is "
               "fetched from S3\ninto the data folder first.\n");
        return 0;
    }
    if ((rc = parse(argc, argv, "check", false, &none, &cfg)) != 0 ||
        (rc = use_assets("check", &cfg)) != 0)
        return rc;
    return check_data("check", cfg.data_dir);
}
