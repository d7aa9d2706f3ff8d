/* doc_at.h -- the document of a project at any stored revision, rebuilt
 * from the database: the current objects (objects table, at the project's
 * head_rev) with the inverse of every later revision applied back down to
 * the one asked for. Reads only; any thread with its own connection. */
#ifndef MIXROOM_SERVER_DOC_AT_H
#define MIXROOM_SERVER_DOC_AT_H

#include "server/core/db.h"

#include "protocol/document.h"
#include "protocol/errors.h"

/* The document of project_id at revision rev (0 <= rev <= head; rev < 0
 * means the head). The project's assets are registered in it (frames,
 * ready). Reads in one transaction on db, so a concurrent writer cannot
 * tear it. Returns a new document, or NULL with err (not_found for an
 * unknown project or a revision outside 0..head, internal for a stored
 * revision that does not apply). */
proto_doc *srv_doc_at_rev(db_conn *db, const char *project_id, long long rev,
                          proto_err *err);

/* The same, also giving (each when not NULL) the head revision, the
 * sample rate and the project's name at that revision. */
proto_doc *srv_doc_at_rev2(db_conn *db, const char *project_id, long long rev,
                           long long *head_out, int *rate_out, char *name,
                           size_t name_len, proto_err *err);

#endif
