/* test_links.c -- the pure parts of share links (server/auth/links.c,
 * link_parse.c): a link's state from its revocation, expiry and uses, and
 * the create and session bodies: defaults, the version pin, and each bad
 * field refused with a message that names it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "server/auth/links.h"

static void test_state(void **state)
{
    struct srv_link l;

    (void)state;
    memset(&l, 0, sizeof l);
    assert_int_equal(srv_link_state(&l, 1000), SRV_LINK_ACTIVE);
    l.expires_at = 1000;
    assert_int_equal(srv_link_state(&l, 999), SRV_LINK_ACTIVE);
    assert_int_equal(srv_link_state(&l, 1000), SRV_LINK_EXPIRED);
    l.expires_at = 0;
    l.max_uses = 2;
    l.uses = 1;
    assert_int_equal(srv_link_state(&l, 1000), SRV_LINK_ACTIVE);
    l.uses = 2;
    assert_int_equal(srv_link_state(&l, 1000), SRV_LINK_USED_UP);
    l.revoked_at = 5; /* revoked wins over everything */
    l.expires_at = 10;
    assert_int_equal(srv_link_state(&l, 1000), SRV_LINK_REVOKED);
    assert_string_equal(srv_link_state_name(SRV_LINK_USED_UP), "used_up");
    assert_string_equal(srv_link_state_name(SRV_LINK_REVOKED), "revoked");
    assert_non_null(strstr(srv_link_state_message(SRV_LINK_USED_UP),
                           "max_uses"));
}

/* Parses text as a create body; returns the code, err in err. */
static proto_code create(const char *text, struct srv_link *l, char *pw,
                         char *err)
{
    json_t *b = json_loads(text, 0, NULL);
    proto_code rc;

    assert_non_null(b);
    rc = srv_link_parse_create(b, l, pw, SRV_PASSWORD_MAX + 1, err, 256);
    json_decref(b);
    return rc;
}

static void test_create(void **state)
{
    static struct srv_link l;
    char pw[SRV_PASSWORD_MAX + 1], err[256];
    static const struct {
        const char *body, *names;
    } bad[] = {
        {"{\"rights\":[\"listen\",\"admin\"]}", "rights: unknown right \"admin\""},
        {"{\"rights\":\"listen\"}", "rights must be an array"},
        {"{\"max_uses\":0}", "max_uses"},
        {"{\"max_uses\":-2}", "max_uses"},
        {"{\"max_uses\":1000001}", "1000000"},
        {"{\"expires_at\":\"soon\"}", "expires_at"},
        {"{\"label\":7}", "label"},
        {"{\"password\":\"\"}", "password"},
        {"{\"pinned\":1}", "pinned"},
        {"{\"version\":5}", "version"},
        {"{\"colour\":\"red\"}", "unknown field \"colour\""},
    };

    (void)state;
    /* defaults: listen only, no version, no pin, never expires */
    assert_int_equal(create("{}", &l, pw, err), PROTO_OK);
    assert_false(l.can_comment);
    assert_false(l.can_download);
    assert_false(l.pinned);
    assert_int_equal(l.version_rev, -1);
    assert_int_equal(l.expires_at, 0);
    assert_int_equal(l.max_uses, 0);
    assert_string_equal(pw, "");
    assert_int_equal(create("{\"rights\":[\"download\",\"listen\"],"
                            "\"version\":\"v_1\",\"max_uses\":3,"
                            "\"expires_at\":1893456000000,\"password\":"
                            "\"pw\",\"label\":\"For you\"}",
                            &l, pw, err),
                     PROTO_OK);
    assert_true(l.can_download);
    assert_false(l.can_comment);
    assert_string_equal(l.version_id, "v_1");
    assert_true(l.pinned); /* a version pins by default */
    assert_int_equal(l.max_uses, 3);
    assert_string_equal(pw, "pw");
    assert_string_equal(l.label, "For you");
    assert_int_equal(create("{\"version\":\"v_1\",\"pinned\":false}", &l, pw,
                            err), PROTO_OK);
    assert_false(l.pinned);
    assert_int_equal(create("{\"pinned\":true}", &l, pw, err), PROTO_OK);
    assert_false(l.pinned); /* no version: nothing to pin to */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(create(bad[i].body, &l, pw, err),
                         PROTO_INVALID_VALUE);
        if (!strstr(err, bad[i].names))
            fail_msg("%s: \"%s\" does not name %s", bad[i].body, err,
                     bad[i].names);
    }
}

static void test_label_chars(void **state)
{
    static struct srv_link l;
    char pw[SRV_PASSWORD_MAX + 1], err[256], body[2048];
    size_t n;

    (void)state;
    /* 200 two-byte characters fit; 201 do not */
    n = (size_t)snprintf(body, sizeof body, "{\"label\":\"");
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(body + n, sizeof body - n, "\xc3\xa9");
    snprintf(body + n, sizeof body - n, "\"}");
    assert_int_equal(create(body, &l, pw, err), PROTO_OK);
    assert_int_equal(srv_link_utf8_chars(l.label), 200);
    snprintf(body + n, sizeof body - n, "x\"}");
    assert_int_equal(create(body, &l, pw, err), PROTO_INVALID_VALUE);
    assert_non_null(strstr(err, "200"));
}

static void test_session(void **state)
{
    char name[SRV_GUEST_NAME_MAX * 4 + 1], pw[SRV_PASSWORD_MAX + 1],
        err[256];
    bool has;
    static const char *const bad[] = {
        "{}", "{\"name\":\"\"}", "{\"name\":\" Sam\"}", "{\"name\":5}",
        "{\"name\":\"a\\tb\"}", "{\"name\":\"a\\u0000b\"}",
        "{\"name\":\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\"}",
    };
    json_t *b;

    (void)state;
    b = json_loads("{\"name\":\"Sam\",\"password\":null}", 0, NULL);
    assert_int_equal(srv_link_parse_session(b, name, sizeof name, pw,
                                            sizeof pw, &has, err, sizeof err),
                     PROTO_OK);
    assert_string_equal(name, "Sam");
    assert_false(has);
    json_decref(b);
    b = json_loads("{\"name\":\"S\\u00e9b\",\"password\":\"x\"}", 0, NULL);
    assert_int_equal(srv_link_parse_session(b, name, sizeof name, pw,
                                            sizeof pw, &has, err, sizeof err),
                     PROTO_OK);
    assert_true(has);
    assert_string_equal(pw, "x");
    json_decref(b);
    b = json_loads("{\"name\":\"Sam\",\"password\":5}", 0, NULL);
    assert_int_equal(srv_link_parse_session(b, name, sizeof name, pw,
                                            sizeof pw, &has, err, sizeof err),
                     PROTO_INVALID_VALUE);
    assert_non_null(strstr(err, "password"));
    json_decref(b);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = json_loads(bad[i], JSON_ALLOW_NUL, NULL);
        assert_non_null(b);
        assert_int_equal(srv_link_parse_session(b, name, sizeof name, pw,
                                                sizeof pw, &has, err,
                                                sizeof err),
                         PROTO_INVALID_VALUE);
        assert_non_null(strstr(err, "name"));
        json_decref(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_label_chars),
        cmocka_unit_test(test_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
