/* zipw.h -- a small streaming ZIP writer: the archive is produced front
 * to back into a write callback (never seeked), so an HTTP handler can send
 * it while its entries are still being rendered.
 *
 * Entries are stored (method 0, uncompressed: audio barely deflates) with
 * general-purpose flag bit 3 (the CRC-32 and the sizes follow the data in a
 * data descriptor) and bit 11 (names are UTF-8). The central directory is
 * written by eng_zipw_finish.
 *
 * Large archives use ZIP64: an archive may pass 4 GiB (offsets and counts
 * go in ZIP64 extra fields and a ZIP64 end record, written only when
 * needed). An entry may itself pass 4 GiB only if it was begun with a
 * max_size of 4 GiB or more (its local header then carries a ZIP64 extra
 * field and its data descriptor 8-byte sizes); an entry begun with a
 * smaller bound that still reaches 4 GiB fails with a clear error, since
 * its header has already been sent. Plain ZIP (no ZIP64 record at all) is
 * written whenever nothing needs it. */
#ifndef MIXROOM_ENGINE_ZIPW_H
#define MIXROOM_ENGINE_ZIPW_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Receives the next len bytes of the archive; returns 0, or non-0 to abort
 * (same shape as eng_write_fn in export.h). */
typedef int (*eng_zipw_write_fn)(void *ctx, const void *data, size_t len);

/* max_size of an entry whose size is not known at all (ZIP64 header). */
#define ENG_ZIPW_SIZE_UNKNOWN UINT64_MAX

typedef struct eng_zipw eng_zipw;

/* A writer sending the archive to write(ctx, ...). NULL when out of memory. */
eng_zipw *eng_zipw_new(eng_zipw_write_fn write, void *ctx);

/* Frees the writer (whether or not it was finished). NULL is fine. */
void eng_zipw_free(eng_zipw *z);

/* Starts an entry (ending the previous one if still open): writes its local
 * header. name: UTF-8, 1..65535 bytes, '/'-separated, not starting with
 * '/'. mtime: its modification time (local time in the DOS fields, 1980 at
 * the earliest). max_size: an upper bound of its size in bytes (or
 * ENG_ZIPW_SIZE_UNKNOWN); >= 4 GiB makes it a ZIP64 entry.
 * All functions below return 0; -1 on an error (see eng_zipw_error), -2
 * when the write callback aborted. After any failure every call fails. */
int eng_zipw_begin(eng_zipw *z, const char *name, time_t mtime,
                   uint64_t max_size);

/* Appends len bytes to the open entry (CRC-32 computed on the way). */
int eng_zipw_write(eng_zipw *z, const void *data, size_t len);

/* Ends the open entry: writes its data descriptor. */
int eng_zipw_end(eng_zipw *z);

/* Ends any open entry and writes the central directory and end records.
 * The writer accepts nothing afterwards. */
int eng_zipw_finish(eng_zipw *z);

/* Why the last call failed ("" when nothing failed). */
const char *eng_zipw_error(const eng_zipw *z);

/* Bytes handed to the write callback so far. */
uint64_t eng_zipw_bytes(const eng_zipw *z);

/* For tests: the value from which 32-bit sizes/offsets (and 16-bit entry
 * counts) count as overflowing (default 0xFFFFFFFF), so the ZIP64 paths can
 * be exercised with small archives. Call before the first entry. */
void eng_zipw_set_limit(eng_zipw *z, uint64_t limit);

/* CRC-32 (ISO-HDLC, as in ZIP/zlib/PNG) of len bytes, continuing from crc
 * (start with 0). Slicing-by-8 over tables built once (pthread_once). */
uint32_t eng_crc32(uint32_t crc, const void *data, size_t len);

/* Copies a file name component into out (size n >= 1), replacing what is
 * unsafe in a file name on common systems: '/', '\\', ':', '*', '?', '"',
 * '<', '>', '|' and control characters become '_'; leading and trailing
 * spaces and dots are dropped; truncated to n-1 bytes at a UTF-8 character
 * boundary; "_" when nothing is left. */
void eng_zipw_safe_name(char *out, size_t n, const char *in);

#endif
