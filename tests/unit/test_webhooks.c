/* test_webhooks.c -- the pure parts of webhooks (server/activity/
 * webhooks.h): the signature against RFC 4231's HMAC-SHA256 vectors, the
 * private-address classifier on IPv4, IPv6 and the mapped, compatible and
 * NAT64 forms (each private range and public neighbours just outside it),
 * and the URL check (schemes, ports, hosts, credentials). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#include "server/activity/webhooks.h"

static void sig_rfc4231(void **state)
{
    unsigned char k1[20], k6[131];
    char hex[65];

    (void)state;
    assert_true(sodium_init() >= 0);
    memset(k1, 0x0b, sizeof k1);
    srv_wh_sign(k1, sizeof k1, "Hi There", 8, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
                             "881dc200c9833da726e9376c2e32cff7");
    srv_wh_sign("Jefe", 4, "what do ya want for nothing?", 28, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
                             "5a003f089d2739839dec58b964ec3843");
    /* case 6: a key longer than the block size is hashed first */
    memset(k6, 0xaa, sizeof k6);
    const char *d6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    srv_wh_sign(k6, sizeof k6, d6, strlen(d6), hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
                             "8e0bc6213728c5140546040f0ee37f54");
    /* one byte of the body changes it */
    srv_wh_sign("Jefe", 4, "what do ya want for nothing!", 28, hex);
    assert_string_not_equal(hex, "5bdcc146bf60754e6a042426089575c7"
                                 "5a003f089d2739839dec58b964ec3843");
}

static bool priv4(const char *a)
{
    struct sockaddr_in in;

    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, a, &in.sin_addr), 1);
    return srv_wh_addr_private((const struct sockaddr *)&in);
}

static bool priv6(const char *a)
{
    struct sockaddr_in6 in6;

    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, a, &in6.sin6_addr), 1);
    return srv_wh_addr_private((const struct sockaddr *)&in6);
}

static void classify_v4(void **state)
{
    static const char *const priv[] = {
        "0.0.0.0", "0.255.255.255", "10.0.0.1", "10.255.255.255",
        "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.1.2.3",
        "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8",
        "192.0.2.1", "192.168.1.1", "198.18.0.1", "198.19.255.255",
        "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
        "240.0.0.1", "255.255.255.255"};
    static const char *const pub[] = {
        "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1", "100.63.255.255",
        "100.128.0.0", "126.255.255.255", "128.0.0.1", "169.253.0.1",
        "172.15.255.255", "172.32.0.0", "192.0.1.1", "192.167.255.255",
        "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
        "93.184.216.34"};

    (void)state;
    for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
        assert_true(priv4(priv[i]));
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        assert_false(priv4(pub[i]));
}

static void classify_v6(void **state)
{
    static const char *const priv[] = {
        "::", "::1", "fe80::1", "febf:ffff::1", "fec0::1", "fc00::1",
        "fd12:3456::1", "ff02::1", "2001:db8::1", "100::1",
        /* the IPv4 forms: mapped, compatible, NAT64 */
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
        "::127.0.0.1", "::10.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe"};
    static const char *const pub[] = {
        "2606:4700:4700::1111", "2001:4860:4860::8888", "fe00::1",
        "fbff::1", "2001:db9::1", "::ffff:8.8.8.8", "64:ff9b::808:808",
        "::8.8.8.8", "2a00:1450:4001::1"};

    (void)state;
    for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
        assert_true(priv6(priv[i]));
    for (size_t i = 0; i < sizeof pub / sizeof pub[0]; i++)
        assert_false(priv6(pub[i]));
}

static void classify_other_family(void **state)
{
    struct sockaddr sa;

    (void)state;
    memset(&sa, 0, sizeof sa);
    sa.sa_family = AF_UNIX;
    assert_true(srv_wh_addr_private(&sa));
}

static void urls(void **state)
{
    struct srv_wh_target t;
    char err[256];

    (void)state;
    assert_int_equal(srv_wh_parse_url("http://example.com/hook", &t, err,
                                      sizeof err), 0);
    assert_false(t.https);
    assert_string_equal(t.host, "example.com");
    assert_int_equal(t.port, 80);
    assert_int_equal(srv_wh_parse_url("https://example.com:8443/x?y=1", &t,
                                      err, sizeof err), 0);
    assert_true(t.https);
    assert_int_equal(t.port, 8443);
    assert_int_equal(srv_wh_parse_url("https://[2001:db8::1]/h", &t, err,
                                      sizeof err), 0);
    assert_string_equal(t.host, "2001:db8::1");
    assert_int_equal(t.port, 443);

    static const struct {
        const char *url, *want;
    } bad[] = {
        {"ftp://example.com/", "http or https"},
        {"file:///etc/passwd", "http or https"},
        {"gopher://example.com/", "http or https"},
        {"dict://example.com:11211/", "http or https"},
        {"example.com/hook", "URL"},
        {"http://user:pw@example.com/", "user name"},
        {"", "URL"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(srv_wh_parse_url(bad[i].url, &t, err, sizeof err),
                         -1);
        assert_non_null(strstr(err, bad[i].want));
    }
    char long_url[2100];
    memset(long_url, 'a', sizeof long_url - 1);
    memcpy(long_url, "http://", 7);
    long_url[sizeof long_url - 1] = '\0';
    assert_int_equal(srv_wh_parse_url(long_url, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "2000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sig_rfc4231),
        cmocka_unit_test(classify_v4),
        cmocka_unit_test(classify_v6),
        cmocka_unit_test(classify_other_family),
        cmocka_unit_test(urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
