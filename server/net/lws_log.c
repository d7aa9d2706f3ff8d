/* lws_log.c -- libwebsockets' log lines, at a matching level, through
 * srv_log (server/core/log.h). */
#include "server/net/lws_log.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#include "server/core/log.h"

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
    if (level > srv_log_level_get())
        return;
    /* lws lines carry their own timestamp prefix and a newline. */
    snprintf(buf, sizeof buf, "lws: %s", line);
    n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    srv_log(level, "%s", buf);
}

void srv_log_hook_lws(void)
{
    enum srv_log_level t = srv_log_level_get();
    int mask = LLL_ERR | LLL_WARN;

    if (t >= SRV_LOG_INFO)
        mask |= LLL_USER;
    if (t >= SRV_LOG_DEBUG)
        mask |= LLL_NOTICE;
    lws_set_log_level(mask, lws_emit);
}
