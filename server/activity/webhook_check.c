/* webhook_check.c -- the pure parts of webhooks (see webhooks.h): the
 * HMAC-SHA256 signature, the URL check and the private-address
 * classifier. No state; any thread. */
#include "server/activity/webhooks.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void srv_wh_sign(const void *key, size_t keylen, const void *body,
                 size_t len, char hex[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];

    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, 65, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
}

/* a.b.c.d as one number */
static bool v4_private(uint32_t a)
{
    static const struct {
        uint32_t net, mask;
    } nets[] = {
        {0x00000000, 0xFF000000}, /* 0/8 "this network" */
        {0x0A000000, 0xFF000000}, /* 10/8 */
        {0x64400000, 0xFFC00000}, /* 100.64/10 shared (CGNAT) */
        {0x7F000000, 0xFF000000}, /* 127/8 loopback */
        {0xA9FE0000, 0xFFFF0000}, /* 169.254/16 link-local (cloud metadata) */
        {0xAC100000, 0xFFF00000}, /* 172.16/12 */
        {0xC0000000, 0xFFFFFF00}, /* 192.0.0/24 IETF */
        {0xC0000200, 0xFFFFFF00}, /* 192.0.2/24 documentation */
        {0xC0A80000, 0xFFFF0000}, /* 192.168/16 */
        {0xC6120000, 0xFFFE0000}, /* 198.18/15 benchmarking */
        {0xC6336400, 0xFFFFFF00}, /* 198.51.100/24 documentation */
        {0xCB007100, 0xFFFFFF00}, /* 203.0.113/24 documentation */
        {0xE0000000, 0xF0000000}, /* 224/4 multicast */
        {0xF0000000, 0xF0000000}, /* 240/4 reserved, broadcast */
    };

    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
        if ((a & nets[i].mask) == nets[i].net)
            return true;
    return false;
}

static bool v6_private(const unsigned char b[16])
{
    static const unsigned char zero[12] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0,
                                             0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char nat64[12] = {0, 0x64, 0xFF, 0x9B};
    uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
                  (uint32_t)b[14] << 8 | b[15];

    /* ::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d: the IPv4 address
     * decides (:: and ::1 read as 0.0.0.0 and 0.0.0.1, both in 0/8) */
    if (!memcmp(b, mapped, 12) || !memcmp(b, zero, 12) ||
        !memcmp(b, nat64, 12))
        return v4_private(v4);
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) /* fe80::/10 link-local */
        return true;
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) /* fec0::/10 site-local */
        return true;
    if ((b[0] & 0xFE) == 0xFC) /* fc00::/7 unique local (ULA) */
        return true;
    if (b[0] == 0xFF) /* multicast */
        return true;
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
        return true; /* 2001:db8::/32 documentation */
    if (b[0] == 0x01 && !memcmp(b + 1, zero, 7)) /* 100::/64 discard */
        return true;
    return false;
}

bool srv_wh_addr_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return v4_private(ntohl(in->sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 =
            (const struct sockaddr_in6 *)(const void *)sa;
        return v6_private(in6->sin6_addr.s6_addr);
    }
    return true;
}

int srv_wh_parse_url(const char *url, struct srv_wh_target *t, char *err,
                     size_t errlen)
{
    CURLU *u = NULL;
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
    int rc = -1;

    memset(t, 0, sizeof *t);
    if (strlen(url) > 2000) {
        snprintf(err, errlen, "url is longer than 2000 bytes");
        goto out;
    }
    u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(err, errlen, "url is not an absolute http or https URL");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(err, errlen, "url must use http or https%s%s", scheme ?
                 ", not " : "", scheme ? scheme : "");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        snprintf(err, errlen, "url must not carry a user name or password");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0] ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
            CURLUE_OK) {
        snprintf(err, errlen, "url has no host");
        goto out;
    }
    const char *h = host;
    size_t hl = strlen(h);
    if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= sizeof t->host) {
        snprintf(err, errlen, "url's host is too long");
        goto out;
    }
    memcpy(t->host, h, hl);
    t->host[hl] = '\0';
    t->https = strcmp(scheme, "https") == 0;
    t->port = atoi(port);
    if (t->port < 1 || t->port > 65535) {
        snprintf(err, errlen, "url's port must be from 1 to 65535");
        t->port = 0;
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}
