/* log.h -- one line per event on stderr: time, level, message. The
 * libwebsockets log is routed through here at a matching level (by
 * server/net/lws_log.c). Never log
 * a password, a token or a hash. */
#ifndef MIXROOM_SERVER_LOG_H
#define MIXROOM_SERVER_LOG_H

enum srv_log_level { SRV_LOG_ERROR, SRV_LOG_WARN, SRV_LOG_INFO, SRV_LOG_DEBUG };

/* Sets the threshold (messages above it are dropped). Global, set once at
 * start-up before threads start. */
void srv_log_set_level(enum srv_log_level level);

/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int srv_log_parse_level(const char *s);

/* Writes one line if level is at or below the threshold. Thread-safe. */
void srv_log(enum srv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define srv_err(...) srv_log(SRV_LOG_ERROR, __VA_ARGS__)
#define srv_warn(...) srv_log(SRV_LOG_WARN, __VA_ARGS__)
#define srv_info(...) srv_log(SRV_LOG_INFO, __VA_ARGS__)
#define srv_debug(...) srv_log(SRV_LOG_DEBUG, __VA_ARGS__)

/* The threshold in force. */
enum srv_log_level srv_log_level_get(void);

#endif
