/* lws_log.h -- routes libwebsockets' own log lines through srv_log. */
#ifndef MIXROOM_SERVER_NET_LWS_LOG_H
#define MIXROOM_SERVER_NET_LWS_LOG_H

/* Sets libwebsockets' log mask from srv_log's threshold and sends its lines
 * to srv_log ("lws: ..."). Call after srv_log_set_level, before the loop. */
void srv_log_hook_lws(void);

#endif
