/* ws.h -- WebSocket sessions at /ws (subprotocol mixroom.v1): reading
 * frames, the 1 MiB limit, JSON parsing, dispatch by message `type` to
 * registered handlers, and each connection's bounded outgoing queues
 * (control JSON; audio that drops the oldest). Loop thread only. */
#ifndef MIXROOM_SERVER_WS_H
#define MIXROOM_SERVER_WS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/errors.h"
#include "server/core/access.h"
#include "server/net/ws_params.h"

struct lws;
struct srv_server;

/* The default of the max_message_bytes setting (server/core/config.c). */
#define SRV_WS_MAX_MESSAGE (1024 * 1024)

struct srv_ws_frame;

/* One outgoing message: its payload is inline (data) or, for a message
 * queued on several connections, a shared frame's (frame; see
 * srv_ws_frame_new). */
struct srv_ws_msg {
    struct srv_ws_msg *next;
    size_t len;
    bool binary;
    struct srv_ws_frame *frame;  /* non-NULL: the payload is this frame's
                                    (one reference held), data[] is empty */
    unsigned char data[];        /* LWS_PRE bytes of headroom, then payload */
};

/* A WebSocket connection. Fields after `state` belong to the modules named. */
struct srv_conn {
    struct lws *wsi;             /* NULL: a connection without a socket, for
                                    tests, queues only (see below) */
    struct srv_server *srv;
    uint64_t serial;             /* unique per process, never reused */
    char peer[64];
    char cookie_token[128];      /* session cookie from the upgrade, or "" */
    /* rx assembly */
    unsigned char *rx;
    size_t rx_len, rx_cap;
    bool rx_too_big;
    /* outgoing queues */
    struct srv_ws_msg *ctl_head, *ctl_tail;
    size_t ctl_bytes;
    struct srv_ws_msg *audio_head, *audio_tail;
    size_t audio_bytes, audio_count;
    bool closing;
    long long last_rx_ms;        /* monotonic: last frame received */
    long long last_tx_progress_ms; /* monotonic: last time a write happened */
    /* session (auth/rooms) */
    bool welcomed;               /* hello accepted */
    char user_id[64];
    char user_name[64];
    char display_name[128];
    int role;                    /* enum srv_role, set at hello */
    bool guest;                  /* a share link's guest, set at hello: c->role
                                    follows each message for a guest
                                    (server/auth/guest.c), this does not */
    struct {                     /* the session hello used (auth): */
        unsigned char hash[32];  /*   its token's SHA-256 */
        long long expires_ms;    /*   its expiry (wall clock); 0: none */
    } session;
    char project_id[64];
    char client_id[65];
    void *room;                  /* struct srv_room * */
    void *room_link;             /* the room's per-connection record */
    void *stream;                /* preview stream state */
    struct srv_conn *next_all;   /* list of all connections */
    struct srv_conn *prev_all;
};

/* A message handler: a holds the message's fields, checked against the
 * route's params table (read them with the srv_ws_arg_* getters of
 * ws_params.h); id is the request's "id" or NULL. Return 0; to reply, use
 * srv_ws_send / srv_ws_error. */
typedef int (*srv_ws_handler)(struct srv_conn *c, struct srv_ws_args *a,
                              json_t *id);

struct srv_ws_route {
    const char *type;            /* message type, e.g. "push" */
    struct srv_perm perm;        /* who may send it (SRV_LOGIN, SRV_MEMBER(r)) */
    srv_ws_handler handler;
    bool before_welcome;         /* allowed before hello succeeded */
    const struct srv_ws_param *params; /* its fields (NULL-terminated), or
                                          NULL: it has none */
};

/* Registers handlers (a static array); call before the loop starts. Before
 * every handler except those allowed before welcome, the connection must
 * be welcomed and, for SRV_MEMBER routes, hold at least the route's role
 * (c->role, set at hello); else the sender gets unauthorized/forbidden.
 * Then the message's fields are checked against the route's params (the
 * rows not marked SRV_WS_LATER); a failure is answered with an error of
 * the failing row's code and the handler is not called. */
void srv_ws_add_routes(const struct srv_ws_route *routes, int n);

/* For handlers with SRV_WS_LATER rows: checks them now (see ws_params.h).
 * Returns true, or false after answering c with the failing row's error. */
bool srv_ws_check_later(struct srv_conn *c, struct srv_ws_args *a,
                        json_t *id);

/* Every registered message type, in registration order (for the
 * permission table's view and its tests). */
const struct srv_ws_route *srv_ws_routes(int *n);

/* Queues a JSON object on c's control queue (steals the reference to j);
 * if id is non-NULL it is copied into j as "id". Returns 0 or -1 when the
 * connection is closing or its queue is over the limit (then it is cut off). */
int srv_ws_send(struct srv_conn *c, json_t *j, json_t *id);

/* Queues already-encoded JSON text. */
int srv_ws_send_text(struct srv_conn *c, const char *text, size_t len);

/* ---- shared frames ----
 * One encoded text message queued on many connections (a revision's delta
 * to every client of a room) is one reference-counted frame: LWS_PRE bytes
 * of headroom and the payload, allocated once; each connection's queue
 * holds a reference that is released once the message is written (or the
 * connection goes). A slow reader keeps its reference; nobody else waits
 * for it, and nobody writes into a frame once it is queued. Any thread may
 * build a frame (alloc, write, set_len) and drop one it never queued;
 * queueing and every other reference: the loop thread only. */

/* A new frame with room for cap payload bytes, one reference (the
 * caller's), length 0; NULL when out of memory. Write the payload at
 * srv_ws_frame_data(f), then set its length with srv_ws_frame_set_len
 * before queueing it. */
struct srv_ws_frame *srv_ws_frame_alloc(size_t cap);

/* A new frame holding a copy of text (len bytes), one reference. */
struct srv_ws_frame *srv_ws_frame_new(const char *text, size_t len);

/* The payload of f (cap bytes writable before it is first queued). */
unsigned char *srv_ws_frame_data(struct srv_ws_frame *f);
size_t srv_ws_frame_len(const struct srv_ws_frame *f);
void srv_ws_frame_set_len(struct srv_ws_frame *f, size_t len);

/* Takes one more reference / drops one (freeing f at zero). */
void srv_ws_frame_ref(struct srv_ws_frame *f);
void srv_ws_frame_unref(struct srv_ws_frame *f);

/* Queues f on c's control queue as a text message, taking a reference of
 * its own (the caller keeps its own). Same rules and result as
 * srv_ws_send_text. A socketless (test) connection gets a private copy,
 * so its messages keep their payload at data + LWS_PRE, unless
 * srv_ws_test_share_frames(true) was called. */
int srv_ws_send_frame(struct srv_conn *c, struct srv_ws_frame *f);

/* Frames alive (allocated and not yet freed), for tests and leak checks. */
size_t srv_ws_frames_live(void);

/* Queues a binary frame on the audio queue; when that queue holds more
 * than max_bytes the oldest messages are dropped. */
int srv_ws_send_audio(struct srv_conn *c, const unsigned char *data,
                      size_t len, size_t max_bytes);

/* Sends {"type":"error","id":id,"code":..,"message":..}. */
int srv_ws_error(struct srv_conn *c, json_t *id, proto_code code,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Closes c with a WebSocket status and reason (after queued messages). */
void srv_ws_close(struct srv_conn *c, int status, const char *reason);

/* Bytes the kernel holds for c's socket that the peer has not acknowledged
 * (SIOCOUTQ), or 0 if unknown: how a reader that stopped reading shows
 * while the kernel's send buffer still absorbs our writes. */
int srv_ws_unacked_bytes(const struct srv_conn *c);

/* Closes c like srv_ws_close, but gives the close only a second to go out
 * (for peers that read nothing, whose queue would never drain). */
void srv_ws_cut_off(struct srv_conn *c, int status, const char *reason);

/* Registers a callback run when any connection closes (rooms, presence,
 * streams), before its memory goes. At most 8. */
void srv_ws_on_close(void (*fn)(struct srv_conn *c));

/* A check run on every complete text message of c before its route's
 * permission check (after the type is read): auth registers one to end
 * connections whose session has ended. It returns 0 to go on, or -1 after
 * closing c (the message is then dropped). At most one; NULL removes it. */
typedef int (*srv_ws_check_fn)(struct srv_conn *c, const char *type,
                               json_t *msg);
void srv_ws_set_message_check(srv_ws_check_fn fn);

/* Calls fn for every open connection. */
void srv_ws_each(void (*fn)(struct srv_conn *c, void *ctx), void *ctx);

/* Registers the built-in handlers (ping); reads the test hook
 * MIXROOM_TEST_WS_NO_COALESCE (ws.c: every message in its own write). */
void srv_ws_init(void);

/* ---- connections without a socket (tests) ----
 * A connection whose wsi is NULL has no socket, for tests: the send calls
 * only queue (the messages stay on ctl_head/audio_head for the test to
 * read; each payload is at data + LWS_PRE), and srv_ws_close/cut_off only
 * mark it `closing`. No lws call is made on it. Loop thread only. */

/* Sets up c as a new socketless connection, as the socket layer does when
 * a WebSocket is accepted: zeroed, srv = srv_server_instance, a fresh
 * serial, role none, listed for srv_ws_each. The caller may then fill
 * cookie_token. c must stay where it is until srv_ws_test_close. */
void srv_ws_test_open(struct srv_conn *c);

/* Tests of shared frames: socketless connections queue the shared frame
 * itself instead of a copy (off by default; loop thread only). Messages
 * queued so are read with srv_ws_test_pop_text. */
void srv_ws_test_share_frames(bool on);

/* Takes the oldest control message off c's queue (socketless): a new
 * NUL-terminated copy of its payload (free it), or NULL when empty. Drops
 * the queue's reference of a shared frame. */
char *srv_ws_test_pop_text(struct srv_conn *c, size_t *len);

/* What the socket layer calls for each complete text message of c: the
 * rules every message goes through (JSON object, string `type`, hello
 * first, the route's permission), then its handler. Tests call it
 * directly. (The 1 MiB limit is the socket layer's, before this.) */
void srv_ws_receive_text(struct srv_conn *c, const char *text, size_t len);

/* Runs the close path of a socketless connection, as the socket layer does
 * when a connection goes: the srv_ws_on_close callbacks (rooms, presence,
 * streams), unlisting, and freeing its queues. c's memory is the
 * caller's. */
void srv_ws_test_close(struct srv_conn *c);

/* Internal: the lws callback of the mixroom.v1 protocol (used by loop.c). */
int srv_ws_callback(struct lws *wsi, int reason, void *user, void *in,
                    size_t len);

#endif
