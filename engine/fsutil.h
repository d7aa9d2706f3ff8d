/* fsutil.h -- crash-safe file handling for the asset store: the
 * content-addressed directory layout, files written under a temporary
 * name and renamed into place (fsync'd, then the directory fsync'd),
 * moving an uploaded original into its directory, and removing the
 * temporaries a crash left behind.
 *
 * Layout (see docs/assets.md):
 *   <data_dir>/assets/<sha[0..1]>/<sha>/original
 *   <data_dir>/assets/<sha[0..1]>/<sha>/samples-<rate>
 *   <data_dir>/assets/<sha[0..1]>/<sha>/peaks-<rate>
 * Temporaries are `.tmp-<name>-XXXXXX` in the same directory.
 */
#ifndef MIXROOM_ENGINE_FSUTIL_H
#define MIXROOM_ENGINE_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#define ENG_TMP_PREFIX ".tmp-"

/* A file being written under a temporary name in `dir`. */
typedef struct eng_tmpfile {
    int fd;              /* -1 when closed */
    char dir[4096];
    char tmp_path[4096];
    char final_name[256];
} eng_tmpfile;

/* Builds "<data_dir>/assets/<sha_hex[0..1]>/<sha_hex>" into out (size n).
 * sha_hex must be 64 lowercase hex digits. Returns 0, or -1 (errno
 * EINVAL for a bad hash, ENAMETOOLONG if out is too small). */
int eng_asset_dir(char *out, size_t n, const char *data_dir,
                  const char *sha_hex);

/* Builds "<dir>/<base>-<rate>" (e.g. samples-48000) into out. 0 or -1. */
int eng_asset_file(char *out, size_t n, const char *dir, const char *base,
                   int rate);

/* mkdir -p with mode 0755. Returns 0 (also when it exists) or -1/errno. */
int eng_mkdirs(const char *path);

/* Removes the files directly in dir (it holds no folders), then dir;
 * with and_parent, also dir's parent if that is then empty (an asset's
 * folder and its fan-out folder). A clean-up after a failure: errors are
 * ignored. */
void eng_remove_dir(const char *dir, bool and_parent);

/* fsync()s a directory so renames inside it are durable. 0 or -1/errno. */
int eng_fsync_dir(const char *dir);

/* Creates `<dir>/.tmp-<final_name>-XXXXXX` (0644, O_CLOEXEC). 0 or -1. */
int eng_tmpfile_open(eng_tmpfile *t, const char *dir, const char *final_name);

/* Writes all of buf at the current position, retrying short writes.
 * 0 or -1/errno. */
int eng_write_all(int fd, const void *buf, size_t len);

/* fsync()s and closes the temporary, then renames it to <dir>/final_name.
 * Does NOT fsync the directory (call eng_fsync_dir once after the last
 * commit). On failure the temporary is removed. 0 or -1/errno. */
int eng_tmpfile_commit(eng_tmpfile *t);

/* Closes and unlinks the temporary if still open. Safe to call twice
 * and after a commit (then it does nothing). */
void eng_tmpfile_abort(eng_tmpfile *t);

/* Copies the file src into <dir>/name crash-safely: into a temporary in
 * dir, fsync'd, renamed (dir itself is not fsync'd). 0 or -1/errno. */
int eng_copy_into(const char *src, const char *dir, const char *name);

/* Moves an uploaded file (fully written, e.g. the upload temp file) to
 * <dir>/original: creates dir, fsyncs the file, renames (or copies
 * across file systems), fsyncs dir. If <dir>/original already exists
 * (same content: same hash) tmp_path is simply removed. 0 or -1/errno. */
int eng_store_original(const char *tmp_path, const char *dir);

/* Removes every file whose name starts with ".tmp-" under
 * <data_dir>/assets (any depth). Call at start-up, before any import
 * runs. Returns the number of files removed, or -1/errno if the tree
 * exists but could not be walked (a missing tree returns 0). */
int eng_import_cleanup_temps(const char *data_dir);

#endif
