/* fuzz_webhook_url.c -- libFuzzer harness over the pure parts of webhooks
 * (server/activity/webhook_check.c). The input is read twice:
 *  - as a URL for srv_wh_parse_url: deterministic (twice the same answer
 *    and target); an accepted URL starts with http: or https: (any
 *    case; libcurl also takes "http:/host"), has a non-empty host without brackets that fits its buffer, a
 *    port from 1 to 65535, and https matches the scheme; a refused one has
 *    a non-empty message;
 *  - its first 16 bytes as an IPv6 address (and its first 4 as IPv4) for
 *    srv_wh_addr_private: the IPv4-mapped, IPv4-compatible and NAT64 forms
 *    of an IPv4 address classify exactly as that address; a private
 *    answer is stable.
 * Built by tests/fuzz/run.sh (clang) and replayed by tests/fuzz/replay.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "server/activity/webhooks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool v4(const unsigned char a[4])
{
    struct sockaddr_in in;

    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    memcpy(&in.sin_addr, a, 4);
    return srv_wh_addr_private((const struct sockaddr *)&in);
}

static bool v6(const unsigned char a[16])
{
    struct sockaddr_in6 in6;

    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    memcpy(&in6.sin6_addr, a, 16);
    return srv_wh_addr_private((const struct sockaddr *)&in6);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    struct srv_wh_target t1, t2;
    char e1[256], e2[256];

    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    e1[0] = e2[0] = '\0';
    int r1 = srv_wh_parse_url(url, &t1, e1, sizeof e1);
    int r2 = srv_wh_parse_url(url, &t2, e2, sizeof e2);
    if (r1 != r2 || (r1 == 0 && memcmp(&t1, &t2, sizeof t1) != 0))
        abort();
    if (r1 == 0) {
        bool https = strncasecmp(url, "https:", 6) == 0;
        if (!https && strncasecmp(url, "http:", 5) != 0)
            abort();
        if (t1.https != https || !t1.host[0] ||
            memchr(t1.host, '\0', sizeof t1.host) == NULL ||
            strchr(t1.host, '[') || strchr(t1.host, ']') || t1.port < 1 ||
            t1.port > 65535)
            abort();
    } else if (!e1[0]) {
        abort();
    }
    free(url);

    unsigned char a[16] = {0}, m[16] = {0};
    memcpy(a, data, size < 16 ? size : 16);
    bool p = v6(a);
    if (p != v6(a))
        abort();
    /* the embedded IPv4 forms decide as the IPv4 address */
    static const unsigned char pre[3][12] = {
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF},
        {0},
        {0, 0x64, 0xFF, 0x9B},
    };
    for (int i = 0; i < 3; i++) {
        memcpy(m, pre[i], 12);
        memcpy(m + 12, a, 4);
        if (v6(m) != v4(a))
            abort();
    }
    return 0;
}
