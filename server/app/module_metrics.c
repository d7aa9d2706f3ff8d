/* module_metrics.c -- the figures of the modules in GET /metrics: rooms
 * (loaded rooms, connections in them, revisions committed, pushes
 * rejected) and preview streams (playing, packets sent, late packets,
 * pacing threads). Registered here, in app/, because app is the one place
 * that knows every module (core's metrics.c only collects the sources). */
#include "server/app/modules.h"

#include <stdio.h>

#include "server/core/metrics.h"
#include "server/preview/stream.h"
#include "server/rooms/room.h"

static void rooms_metrics(FILE *f, struct srv_server *srv)
{
    unsigned long long rooms, conns, revisions, rejects;

    (void)srv;
    srv_room_stats(&rooms, &conns, &revisions, &rejects);
    fprintf(f,
            "# HELP mixroom_rooms Rooms (open projects) loaded.\n"
            "# TYPE mixroom_rooms gauge\n"
            "mixroom_rooms %llu\n"
            "# HELP mixroom_room_connections WebSocket connections in rooms.\n"
            "# TYPE mixroom_room_connections gauge\n"
            "mixroom_room_connections %llu\n"
            "# HELP mixroom_revisions_total Revisions committed since start.\n"
            "# TYPE mixroom_revisions_total counter\n"
            "mixroom_revisions_total %llu\n"
            "# HELP mixroom_push_rejects_total Pushes rejected since start.\n"
            "# TYPE mixroom_push_rejects_total counter\n"
            "mixroom_push_rejects_total %llu\n",
            rooms, conns, revisions, rejects);
}

static void preview_metrics(FILE *f, struct srv_server *srv)
{
    unsigned long long playing, packets, late;
    int threads;

    (void)srv;
    srv_stream_stats(&playing, &packets, &late, &threads);
    fprintf(f,
            "# HELP mixroom_preview_streams Preview streams playing.\n"
            "# TYPE mixroom_preview_streams gauge\n"
            "mixroom_preview_streams %llu\n"
            "# HELP mixroom_preview_packets_total Opus packets sent.\n"
            "# TYPE mixroom_preview_packets_total counter\n"
            "mixroom_preview_packets_total %llu\n"
            "# HELP mixroom_preview_late_packets_total Packets produced after their play time.\n"
            "# TYPE mixroom_preview_late_packets_total counter\n"
            "mixroom_preview_late_packets_total %llu\n"
            "# HELP mixroom_preview_threads Pacing threads.\n"
            "# TYPE mixroom_preview_threads gauge\n"
            "mixroom_preview_threads %d\n",
            playing, packets, late, threads);
}

void srv_app_metrics_init(void)
{
    srv_metrics_add(rooms_metrics);
    srv_metrics_add(preview_metrics);
}
