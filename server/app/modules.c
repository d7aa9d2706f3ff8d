/* modules.c -- the list of server modules. Each module has one init
 * function that registers its HTTP routes, WebSocket handlers and loop
 * hooks; a new module adds its call here (one line). Static libraries drop
 * objects nothing refers to, so registration has to be explicit. */
#include "server/app/modules.h"

#include <stdbool.h>

#include "server/activity/activity.h"
#include "server/assets/assets.h"
#include "server/auth/auth.h"
#include "server/cluster/cluster.h"
#include "server/interchange/interchange.h"
#include "server/preview/export_http.h"
#include "server/net/http_core.h"
#include "server/review/review.h"
#include "server/rooms/room.h"
#include "server/preview/stream.h"
#include "server/net/ws.h"
#include "server/objstore/objstore.h"

void srv_modules_init(void)
{
    static bool done; /* set once on the main thread before the loop runs */

    if (done)
        return;
    done = true;
    srv_http_core_init();
    srv_ws_init();
    srv_auth_init();
    srv_rooms_init();
    srv_assets_init();
    srv_stream_init();
    srv_export_http_init();
    srv_interchange_init();
    srv_review_init();
    srv_activity_init();
    srv_interchange_import_init();
    srv_app_metrics_init();
    srv_objstore_init();
    srv_cluster_init();
}
