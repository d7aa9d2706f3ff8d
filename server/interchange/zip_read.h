/* zip_read.h -- reading an untrusted zip archive (a .dawproject) with
 * libzip, defensively: entry count, total inflated bytes and the
 * inflated/compressed ratio of big entries are capped, the inflated bytes
 * are counted as they come out (header sizes are checked too, never
 * trusted alone), and entry names must be plain relative paths (no
 * absolute path, "..", backslash, drive letter, control character or
 * duplicate). Entries are read into memory or into a file descriptor the
 * caller opened: nothing is ever written under the archive's names. No
 * global state; one ix_zip is used by one thread at a time. */
#ifndef MIXROOM_INTERCHANGE_ZIP_READ_H
#define MIXROOM_INTERCHANGE_ZIP_READ_H

#include <stddef.h>
#include <stdint.h>

/* Why reading the archive failed (the sentence is in the err buffer). */
typedef enum ix_zip_status {
    IX_ZIP_OK = 0,
    IX_ZIP_NOT_ZIP,     /* not a zip archive, or its directory is broken */
    IX_ZIP_BAD_PATH,    /* an entry name that is not a plain relative path */
    IX_ZIP_TOO_MANY,    /* more entries than max_entries */
    IX_ZIP_TOO_BIG,     /* inflates past max_unpacked (or the caller's cap) */
    IX_ZIP_RATIO,       /* an entry over 1 MiB inflating past max_ratio */
    IX_ZIP_DAMAGED,     /* an entry that does not inflate, or is encrypted */
    IX_ZIP_MISSING,     /* no entry of that name */
    IX_ZIP_IO,          /* our side: writing the output failed */
    IX_ZIP_NOMEM
} ix_zip_status;

/* The limits of one archive (each > 0; the settings
 * max_dawproject_unpacked_bytes, max_dawproject_entries,
 * max_dawproject_ratio). The names go into the error sentences. */
typedef struct ix_zip_limits {
    int64_t max_unpacked;
    int64_t max_entries;
    int64_t max_ratio;
} ix_zip_limits;

/* Entries smaller than this are never refused by the ratio check. */
#define IX_ZIP_RATIO_FLOOR ((int64_t)1 << 20)

typedef struct ix_zip ix_zip;

/* Opens the archive in the file at path / in the len bytes at buf (which
 * must outlive the ix_zip) and checks its directory: entry count, every
 * name, the declared sizes. Returns the archive, or NULL with *st and err
 * (a sentence naming the entry and the limit) set. */
ix_zip *ix_zip_open_file(const char *path, const ix_zip_limits *lim,
                         ix_zip_status *st, char *err, size_t errlen);
ix_zip *ix_zip_open_mem(const void *buf, size_t len, const ix_zip_limits *lim,
                        ix_zip_status *st, char *err, size_t errlen);

void ix_zip_close(ix_zip *z);

/* Number of entries, and the name of entry i (0 <= i < count; directory
 * entries end in '/'). Borrowed, valid until ix_zip_close. */
size_t ix_zip_count(const ix_zip *z);
const char *ix_zip_name(const ix_zip *z, size_t i);

/* True when a file entry of exactly this name exists. */
int ix_zip_has(const ix_zip *z, const char *name);

/* Inflates the entry `name` into a new buffer (NUL-terminated, *len
 * without the NUL; free() it). max: a cap of the caller for this entry
 * (its setting named in err as max_setting), counted on the real bytes.
 * Every byte inflated counts against the archive's max_unpacked. Returns
 * 0, or -1 with *st and err set (*out NULL). */
int ix_zip_read_mem(ix_zip *z, const char *name, int64_t max,
                    const char *max_setting, unsigned char **out,
                    size_t *len, ix_zip_status *st, char *err,
                    size_t errlen);

/* Inflates the entry `name` into fd (a file the caller opened and named),
 * counting as ix_zip_read_mem does. *written gets the bytes. Returns 0 or
 * -1 with *st and err set (fd then holds a partial file). */
int ix_zip_read_fd(ix_zip *z, const char *name, int fd, int64_t *written,
                   ix_zip_status *st, char *err, size_t errlen);

/* The bytes inflated so far from this archive. */
int64_t ix_zip_inflated(const ix_zip *z);

/* True when name is a plain relative path: 1..1024 bytes, no NUL or
 * control character, no backslash, not starting with '/', no "C:" drive,
 * no "." or ".." component, no empty component except a final '/'. */
int ix_zip_path_ok(const char *name);

#endif
