/* log.c -- one line per event on stderr ("2026-11-23T22:00:00.123Z INFO
 * message"), with a level threshold, and libwebsockets' log routed here. */
#include "server/log.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

/* The threshold: written once at start-up before threads exist. */
static enum srv_log_level log_threshold = SRV_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void srv_log_set_level(enum srv_log_level level)
{
    log_threshold = level;
}

int srv_log_parse_level(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static void log_line(enum srv_log_level level, const char *msg)
{
    struct timeval tv;
    struct tm tm;
    char stamp[32];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "%s.%03dZ %-5s %s\n", stamp, (int)(tv.tv_usec / 1000),
            level_names[level], msg);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}

void srv_log(enum srv_log_level level, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    if (level > log_threshold)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_line(level, buf);
}

static void lws_emit(int lws_level, const char *line)
{
    enum srv_log_level level = SRV_LOG_DEBUG;
    char buf[1024];
    size_t n;

    if (lws_level & LLL_ERR)
        level = SRV_LOG_ERROR;
    else if (lws_level & LLL_WARN)
        level = SRV_LOG_WARN;
    else if (lws_level & (LLL_NOTICE | LLL_USER))
        level = SRV_LOG_INFO;
    if (level > log_threshold)
        return;
    /* lws lines carry their own timestamp prefix and a newline. */
    snprintf(buf, sizeof buf, "lws: %s", line);
    n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    log_line(level, buf);
}

void srv_log_hook_lws(void)
{
    int mask = LLL_ERR | LLL_WARN;

    if (log_threshold >= SRV_LOG_INFO)
        mask |= LLL_USER;
    if (log_threshold >= SRV_LOG_DEBUG)
        mask |= LLL_NOTICE;
    lws_set_log_level(mask, lws_emit);
}
