/* store_reader.h -- a reader connection kept per worker thread. A worker
 * job that reads the store (a catch-up welcome, history, a restore, a
 * preview revision, an export) borrows this thread's reader with
 * store_reader_get and gives it back with store_reader_put, instead of
 * opening and closing a connection per job (SQLite: ~1 ms CPU per open;
 * PostgreSQL: a new backend process per job). See docs/storage.md
 * "Readers kept per worker".
 *
 * Thread ownership: the kept reader is thread-local (a pthread key whose
 * destructor closes it when the thread exits). Never used on the loop
 * thread (it has srv->db) nor on the writer thread (asserted). Between
 * jobs a kept reader holds no transaction and no running statement
 * (asserted in put), so SQLite's WAL can restart and PostgreSQL's next
 * snapshot is new. */
#ifndef MIXROOM_SERVER_STORE_READER_H
#define MIXROOM_SERVER_STORE_READER_H

#include "server/core/db.h"
#include <stdbool.h>
#include <stddef.h>

/* This thread's reader for the configured store of data_dir: the kept one
 * when it was opened for the same store (the SQLite file, or the
 * PostgreSQL URL), else a new read-only store_open (a kept one for another
 * store is closed first). If this thread's reader is lent already (a get
 * inside a get), a separate connection is opened, which put closes.
 * Returns the connection, or NULL with err (store_open's message). Not
 * on the loop or writer thread. */
db_conn *store_reader_get(const char *data_dir, char *err, size_t errlen);

/* Gives back a connection of store_reader_get (NULL is a no-op). ok false
 * (the job failed or was interrupted: the connection's state is unknown),
 * a transaction left open, or a statement still running (an SQLite read
 * snapshot kept) close it, and the next get opens a new one; otherwise it
 * is kept for this thread's next job. Every statement the job prepared
 * must be finalized. */
void store_reader_put(db_conn *db, bool ok);

/* Closes this thread's kept reader, if any (the next get reopens). For
 * tests and a thread that stops reading; thread exit does it anyway. */
void store_reader_release(void);

/* Readers opened by store_reader_get in this process so far (any thread):
 * a figure for tests and benchmarks. */
unsigned long long store_reader_opens(void);

#endif
