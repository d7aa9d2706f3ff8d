/* webhooks.h -- the pure parts of webhook delivery, for the module and its
 * unit tests: the signature (HMAC-SHA256 with libsodium), the target URL
 * check (http/https only, parsed by libcurl's URL API) and the
 * private-address classifier that refuses loopback, private, link-local,
 * ULA and other non-public targets (the SSRF defence, docs/security.md
 * "Activity and webhooks"). Any thread. */
#ifndef MIXROOM_SERVER_ACTIVITY_WEBHOOKS_H
#define MIXROOM_SERVER_ACTIVITY_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/* Writes the lower-case hex HMAC-SHA256 of body (len bytes) keyed with
 * key (keylen bytes) into hex (65 bytes: 64 digits and NUL). The header
 * value is "sha256=" followed by it. */
void srv_wh_sign(const void *key, size_t keylen, const void *body,
                 size_t len, char hex[65]);

/* Is the address one a webhook must not reach unless the operator allows
 * it? True for IPv4 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24,
 * 203.0.113/24, 224/4, 240/4 (and broadcast); for IPv6 ::, ::1, fe80::/10,
 * fec0::/10, fc00::/7, ff00::/8, 2001:db8::/32, 100::/64, and for the
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64
 * (64:ff9b::a.b.c.d) forms whatever the embedded IPv4 address is. Any
 * other family is refused too. */
bool srv_wh_addr_private(const struct sockaddr *sa);

/* A parsed target. */
struct srv_wh_target {
    bool https;
    char host[256];     /* as in the URL (IPv6 without brackets) */
    int port;           /* explicit or the scheme's default */
};

/* Parses url (at most 2000 bytes) into *t. Returns 0, or -1 with err
 * naming the problem: not a URL, a scheme other than http/https, no
 * host, a port outside 1..65535, user:password in it. */
int srv_wh_parse_url(const char *url, struct srv_wh_target *t, char *err,
                     size_t errlen);

#endif
