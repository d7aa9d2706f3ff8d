/* log.c -- one line per event on stderr ("2026-11-23T22:00:00.123Z INFO
 * message"), with a level threshold (libwebsockets' log comes here
 * through server/net/lws_log.c). */
#include "server/core/log.h"

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

enum srv_log_level srv_log_level_get(void)
{
    return log_threshold;
}
