/* log.c -- one line per event with a level threshold, as text
 * ("2026-11-23T22:00:00.123Z INFO message key=value") or JSON (one object
 * per line: ts, level, msg, then the fields), on stderr or appended to a
 * log file that is reopened by path when asked (SIGHUP, for logrotate).
 * libwebsockets' log comes here through server/net/lws_log.c. One lock
 * guards the output stream: lines never interleave, and a reopen swaps
 * the stream between two lines. */
#include "server/core/log.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Threshold and format: written once at start-up before threads exist. */
static enum srv_log_level log_threshold = SRV_LOG_INFO;
static enum srv_log_format log_format = SRV_LOG_TEXT;

/* Guards log_file and log_path. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;       /* NULL: stderr */
static char *log_path;       /* of log_file */

/* Set by srv_log_request_reopen (a signal handler). */
static volatile sig_atomic_t log_reopen_asked;

static const char *const level_upper[] = {"ERROR", "WARN", "INFO", "DEBUG"};
static const char *const level_lower[] = {"error", "warn", "info", "debug"};

void srv_log_set_level(enum srv_log_level level)
{
    log_threshold = level;
}

int srv_log_parse_level(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_lower[i]) == 0)
            return i;
    return -1;
}

void srv_log_set_format(enum srv_log_format format)
{
    log_format = format;
}

int srv_log_parse_format(const char *s)
{
    if (!strcmp(s, "text"))
        return SRV_LOG_TEXT;
    if (!strcmp(s, "json"))
        return SRV_LOG_JSON;
    return -1;
}

/* Opens path for appending, close-on-exec, 0640 when created. */
static FILE *open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    FILE *f;

    if (fd < 0)
        return NULL;
    f = fdopen(fd, "a");
    if (!f)
        close(fd);
    return f;
}

/* Makes f (named path; NULL, NULL: stderr) the output, closing the old. */
static void set_file(FILE *f, char *path)
{
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    free(log_path);
    log_file = f;
    log_path = path;
    pthread_mutex_unlock(&log_lock);
}

int srv_log_open_file(const char *path, char *err, size_t errlen)
{
    FILE *f = open_append(path);
    char *copy;

    if (!f) {
        snprintf(err, errlen, "log file %s: %s", path, strerror(errno));
        return -1;
    }
    copy = strdup(path);
    if (!copy) {
        fclose(f);
        snprintf(err, errlen, "log file %s: out of memory", path);
        return -1;
    }
    set_file(f, copy);
    return 0;
}

void srv_log_close_file(void)
{
    set_file(NULL, NULL);
}

void srv_log_request_reopen(void)
{
    log_reopen_asked = 1;
}

void srv_log_reopen_pending(void)
{
    char path[4096] = "";
    int failed = 0, saved = 0;

    if (!log_reopen_asked)
        return;
    log_reopen_asked = 0;
    pthread_mutex_lock(&log_lock);
    if (log_file && log_path) {
        FILE *f = open_append(log_path);
        snprintf(path, sizeof path, "%s", log_path);
        if (f) {
            fclose(log_file);
            log_file = f;
        } else {
            failed = 1;
            saved = errno;
        }
    }
    pthread_mutex_unlock(&log_lock);
    if (failed)
        srv_err("cannot reopen the log file %s: %s (still writing to the "
                "old one)", path, strerror(saved));
    else if (path[0])
        srv_info("reopened the log file %s", path);
}

/* Writes s as the inside of a JSON string: ", \ and control characters
 * escaped, a byte that is not part of well-formed UTF-8 as U+FFFD, so
 * that every line parses whatever a message quotes. */
static void put_json_text(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        unsigned c = *p;
        int len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2
                : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
        int ok = len > 0;

        for (int i = 1; ok && i < len; i++)
            ok = (p[i] & 0xc0) == 0x80;
        /* overlong 3/4-byte forms, surrogates, past U+10FFFF */
        if (ok && len == 3)
            ok = !(c == 0xe0 && p[1] < 0xa0) && !(c == 0xed && p[1] >= 0xa0);
        if (ok && len == 4)
            ok = !(c == 0xf0 && p[1] < 0x90) && !(c == 0xf4 && p[1] >= 0x90);
        if (!ok) {
            fputs("\\ufffd", f);
            p++;
        } else if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc((int)c, f);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else {
            fwrite(p, 1, (size_t)len, f);
            p += len;
        }
    }
}

/* A text field value: as it is when it is one plain word, else quoted
 * with " and \ escaped. */
static void put_text_value(FILE *f, const char *v)
{
    if (*v && !strpbrk(v, " \t\"\\=\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            fputc('\\', f);
        fputc(*v == '\n' ? ' ' : *v, f);
    }
    fputc('"', f);
}

static void log_line(enum srv_log_level level, const struct srv_log_field *fields,
                     int n, const char *msg)
{
    struct timeval tv;
    struct tm tm;
    char stamp[32];
    FILE *out;

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&log_lock);
    out = log_file ? log_file : stderr;
    if (log_format == SRV_LOG_JSON) {
        fprintf(out, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"msg\":\"", stamp,
                (int)(tv.tv_usec / 1000), level_lower[level]);
        put_json_text(out, msg);
        fputc('"', out);
        for (int i = 0; i < n; i++) {
            fputs(",\"", out);
            put_json_text(out, fields[i].key);
            fputs("\":\"", out);
            put_json_text(out, fields[i].value ? fields[i].value : "");
            fputc('"', out);
        }
        fputs("}\n", out);
    } else {
        fprintf(out, "%s.%03dZ %-5s %s", stamp, (int)(tv.tv_usec / 1000),
                level_upper[level], msg);
        for (int i = 0; i < n; i++) {
            fprintf(out, " %s=", fields[i].key);
            put_text_value(out, fields[i].value ? fields[i].value : "");
        }
        fputc('\n', out);
    }
    fflush(out);
    pthread_mutex_unlock(&log_lock);
}

__attribute__((format(printf, 4, 0)))
static void log_v(enum srv_log_level level, const struct srv_log_field *fields,
                  int n, const char *fmt, va_list ap)
{
    char buf[2048];

    vsnprintf(buf, sizeof buf, fmt, ap);
    log_line(level, fields, n, buf);
}

void srv_log(enum srv_log_level level, const char *fmt, ...)
{
    va_list ap;

    if (level > log_threshold)
        return;
    va_start(ap, fmt);
    log_v(level, NULL, 0, fmt, ap);
    va_end(ap);
}

void srv_log_fields(enum srv_log_level level, const struct srv_log_field *fields,
                    int n, const char *fmt, ...)
{
    va_list ap;

    assert(n >= 0 && (n == 0 || fields));
    for (int i = 0; i < n; i++)
        assert(fields[i].key && strcmp(fields[i].key, "ts") &&
               strcmp(fields[i].key, "level") && strcmp(fields[i].key, "msg"));
    if (level > log_threshold)
        return;
    va_start(ap, fmt);
    log_v(level, fields, n, fmt, ap);
    va_end(ap);
}

enum srv_log_level srv_log_level_get(void)
{
    return log_threshold;
}
