/* interchange.h -- DAWproject interchange (docs/interchange.md): the export
 * of a project as a .dawproject zip (project.xml, metadata.xml and the
 * audio it uses, streamed as it is written), over HTTP
 * (GET /api/projects/{id}/export?format=dawproject) and on the command
 * line (`mixroom export-dawproject`). The import (h22-imp) adds its own
 * declarations below. */
#ifndef MIXROOM_SERVER_INTERCHANGE_H
#define MIXROOM_SERVER_INTERCHANGE_H

#include "server/core/db.h"
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/zipw.h"
#include "protocol/document.h"
#include "protocol/errors.h"

/* Registers the export variant of the export route (format=dawproject).
 * Call once before srv_loop_run, after srv_export_http_init. */
void srv_interchange_init(void);

/* What metadata.xml says and the export needs besides the document. */
struct srv_dawproject_meta {
    char title[256];        /* the project's name */
    char artist[256];       /* the owner's display name ("" if none) */
    char project_id[128];
    long long rev;          /* the revision exported */
};

/* One audio file the export holds: an asset used by an audio clip. */
struct srv_dawproject_audio {
    char asset[64];         /* asset id */
    char name[256];         /* the asset's name */
    char sha[65];           /* its content hash (where its samples are) */
    int channels;           /* 1 or 2 */
    int64_t frames;         /* at the project rate */
};

/* The zip entry name of an asset's audio file: "audio/<asset id>.wav"
 * (characters outside [A-Za-z0-9_.-] become '_'). */
void srv_dawproject_audio_path(char *out, size_t n, const char *asset_id);

/* Writes project.xml (into *project, malloc'd, NUL-terminated, length in
 * *project_len) and metadata.xml (*metadata, *metadata_len) of doc with
 * libxml2's xmlTextWriter, following docs/interchange.md. audio/n_audio
 * describe the assets the clips refer to (channels and frames for the
 * Audio elements); a clip whose asset is not among them is left out with
 * an XML comment (srv_dawproject_export refuses such a project first). Pure: no I/O. Returns 0, or -1 with err (out of memory,
 * a libxml2 failure); on failure nothing is allocated. */
int srv_dawproject_xml(const proto_doc *doc,
                       const struct srv_dawproject_meta *meta,
                       const struct srv_dawproject_audio *audio,
                       size_t n_audio, char **project, size_t *project_len,
                       char **metadata, size_t *metadata_len, proto_err *err);

/* Called once by srv_dawproject_export when everything was read and
 * checked, just before the first byte is written (the HTTP handler sends
 * its headers then). */
typedef void (*srv_dawproject_ready_fn)(void *ctx,
                                        const struct srv_dawproject_meta *m);

/* Exports project_id at revision rev (rev < 0: the head) from db (a
 * connection of the calling thread) and the asset files under data_dir as
 * a .dawproject zip sent to write(ctx) as it is made: project.xml,
 * metadata.xml, then each asset once as audio/<id>.wav (its decoded
 * samples at the project rate as 32-bit float WAV, copied in 64 KiB
 * blocks: nothing holds a whole file or the zip). cancel (may be NULL) is
 * polled between blocks. Returns 0; -1 with err when it fails before
 * ready ran (not_found: no such project or revision; conflict: an audio
 * clip's asset not ready or unknown; internal: a missing or broken asset
 * file, the asset store out of reach, out of memory) or after it (the
 * archive is then cut short: err says why); -2 when write aborted or
 * cancel went up. asset_out (64 bytes) gets the id of the asset a failure
 * before ready is about (conflict, or its file missing or broken; not
 * the asset store out of reach), else "". */
int srv_dawproject_export(db_conn *db, const char *data_dir,
                          const char *project_id, long long rev,
                          eng_zipw_write_fn write, void *ctx,
                          const atomic_int *cancel,
                          srv_dawproject_ready_fn ready, void *ready_ctx,
                          char *asset_out, proto_err *err);

/* `mixroom export-dawproject PROJECT OUT [--rev N] [--data DIR]`
 * (cli_dawproject.c). Returns the exit status. */
int srv_cli_export_dawproject(int argc, char **argv);

/* `mixroom import-dawproject FILE --owner USER [--name NAME] [--data DIR]`
 * (cli_dawproject_import.c): a new project from a .dawproject file
 * without a running server. Returns the exit status (0; 1 when the file
 * is refused or the import fails, nothing created; 2 on bad arguments). */
int srv_cli_import_dawproject(int argc, char **argv);

/* ---- the import (h22-imp) ---- */

/* Registers POST /api/projects/import?format=dawproject
 * (http_dawproject_import.c) and initialises libxml2 (xmlInitParser, on
 * the main thread, before any worker parses). Call once before the loop
 * starts (server/app/modules.c). */
void srv_interchange_import_init(void);

#endif
