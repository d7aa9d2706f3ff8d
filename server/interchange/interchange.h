/* interchange.h -- the interchange module: DAWproject import (POST
 * /api/projects/import?format=dawproject, http_dawproject_import.c). See
 * docs/interchange.md. */
#ifndef MIXROOM_INTERCHANGE_H
#define MIXROOM_INTERCHANGE_H

/* Registers the import route and initialises libxml2 (xmlInitParser, on
 * the main thread, before any worker parses). Call once before the loop
 * starts (server/app/modules.c). */
void srv_interchange_import_init(void);

#endif
