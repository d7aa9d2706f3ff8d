/* stream.h -- live preview streams (docs/preview.md): the WebSocket
 * messages play, pause, seek and follow; pacing threads that render each
 * stream 20 ms at a time on a monotonic clock with absolute deadlines,
 * keeping about 100 ms of lead, and encode it with engine/opus_stream;
 * delivery of the binary audio (0x01) and level (0x02) frames to the
 * connection and its followers through the bounded audio queue; cutting
 * off connections that read nothing for 10 s. */
#ifndef MIXROOM_SERVER_STREAM_H
#define MIXROOM_SERVER_STREAM_H

#include <stdint.h>

/* Lead kept over real time, in 20 ms packets (5 = 100 ms). */
#define SRV_STREAM_LEAD_PACKETS 5
/* Audio queued per connection before the oldest is dropped (ms). */
#define SRV_STREAM_QUEUE_MS 500
/* A connection with queued audio and no write progress this long is cut
 * off (ms). */
#define SRV_STREAM_STALL_MS 10000
/* A socket with fewer unacknowledged bytes than this is being read. */
#define SRV_STREAM_STALL_OUTQ (64 * 1024)

/* Registers the preview message handlers, the close callback and the
 * tick/start/stop hooks. Call once before srv_loop_run. */
void srv_stream_init(void);

/* Figures: streams playing, packets sent, packets produced late (after
 * their play time), pacing threads. */
void srv_stream_stats(unsigned long long *playing,
                      unsigned long long *packets,
                      unsigned long long *late, int *threads);

#endif
