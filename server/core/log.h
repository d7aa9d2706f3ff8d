/* log.h -- one line per event: time, level, message and fields, as text
 * ("2026-11-23T22:00:00.123Z INFO message key=value") or as one JSON
 * object per line ({"ts":..,"level":..,"msg":..,"key":"value"}), on
 * stderr or appended to a log file that SIGHUP reopens (logrotate). The
 * libwebsockets log is routed through here at a matching level (by
 * server/net/lws_log.c). Never log a password, a token or a hash. */
#ifndef MIXROOM_SERVER_LOG_H
#define MIXROOM_SERVER_LOG_H

#include <stddef.h>

enum srv_log_level { SRV_LOG_ERROR, SRV_LOG_WARN, SRV_LOG_INFO, SRV_LOG_DEBUG };

enum srv_log_format { SRV_LOG_TEXT, SRV_LOG_JSON };

/* One key = value field of a line (both strings; key a plain word, not
 * ts, level or msg). */
struct srv_log_field {
    const char *key, *value;
};

/* Sets the threshold (messages above it are dropped). Global, set once at
 * start-up before threads start. */
void srv_log_set_level(enum srv_log_level level);

/* Parses "error", "warn", "info", "debug"; returns -1 if unknown. */
int srv_log_parse_level(const char *s);

/* Sets the line format. Set once at start-up before threads start. */
void srv_log_set_format(enum srv_log_format format);

/* Parses "text", "json"; returns -1 if unknown. */
int srv_log_parse_format(const char *s);

/* From now on appends every line to the file at path (created 0640 if
 * missing) instead of stderr. Returns 0, or -1 with err naming the file
 * and why; the output is then unchanged. Thread-safe. */
int srv_log_open_file(const char *path, char *err, size_t errlen);

/* Back to stderr: closes the log file, if any. Thread-safe. */
void srv_log_close_file(void);

/* Asks for the log file to be reopened (after logrotate moved it). Only
 * sets a flag: safe in a signal handler. */
void srv_log_request_reopen(void);

/* If a reopen was asked for and a log file is open: opens the file by its
 * path again (a new file if it was moved away) and closes the old one;
 * if that fails, logs why to the old file and keeps it. Thread-safe;
 * called from the loop's tick. */
void srv_log_reopen_pending(void);

/* Writes one line if level is at or below the threshold. Thread-safe. */
void srv_log(enum srv_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Same, with n fields after the message. Thread-safe. */
void srv_log_fields(enum srv_log_level level, const struct srv_log_field *fields,
                    int n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define srv_err(...) srv_log(SRV_LOG_ERROR, __VA_ARGS__)
#define srv_warn(...) srv_log(SRV_LOG_WARN, __VA_ARGS__)
#define srv_info(...) srv_log(SRV_LOG_INFO, __VA_ARGS__)
#define srv_debug(...) srv_log(SRV_LOG_DEBUG, __VA_ARGS__)

/* The threshold in force. */
enum srv_log_level srv_log_level_get(void);

#endif
