/* fuzz_link_body.c -- libFuzzer harness over the share link request bodies
 * (server/auth/link_parse.c): the first byte of the input picks the body
 * (even: the owner's create body, odd: a guest's session body), the rest
 * is parsed as JSON and, when it is an object, checked. Properties: the
 * same body always gives the same answer; an accepted create has rights,
 * expiry, uses and label in range (the label at most SRV_LINK_LABEL_MAX
 * characters, a pin only with a version) and a password of at most
 * SRV_PASSWORD_MAX bytes; an accepted session has a name that
 * srv_link_name_ok accepts; a refusal is PROTO_INVALID_VALUE with a
 * non-empty, NUL-terminated message that fits its buffer (a tiny one too).
 * Built by tests/fuzz/run.sh (clang) and replayed by tests/fuzz/replay.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth/links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_create(json_t *body)
{
    static struct srv_link l, l2;
    char pw[SRV_PASSWORD_MAX + 1], pw2[SRV_PASSWORD_MAX + 1], err[256],
        err2[256], tiny[8];
    proto_code rc = srv_link_parse_create(body, &l, pw, sizeof pw, err,
                                          sizeof err);
    proto_code rc2 = srv_link_parse_create(body, &l2, pw2, sizeof pw2, err2,
                                           sizeof err2);

    if (rc != rc2)
        abort();
    if (rc == PROTO_OK) {
        if (l.max_uses < 0 || l.max_uses > 1000000 || l.expires_at < 0 ||
            srv_link_utf8_chars(l.label) > SRV_LINK_LABEL_MAX ||
            strlen(pw) > SRV_PASSWORD_MAX || (l.pinned && !l.version_id[0]) ||
            l.version_rev != -1 || strcmp(l.label, l2.label) ||
            strcmp(pw, pw2) || l.can_comment != l2.can_comment ||
            l.can_download != l2.can_download)
            abort();
        return;
    }
    if (rc != PROTO_INVALID_VALUE || !memchr(err, '\0', sizeof err) ||
        !err[0] || strcmp(err, err2))
        abort();
    if (srv_link_parse_create(body, &l2, pw2, sizeof pw2, tiny,
                              sizeof tiny) != rc ||
        !memchr(tiny, '\0', sizeof tiny))
        abort();
}

static void check_session(json_t *body)
{
    char name[SRV_GUEST_NAME_MAX * 4 + 1], pw[SRV_PASSWORD_MAX + 1],
        err[256], name2[sizeof name], pw2[sizeof pw], err2[256];
    bool has, has2;
    proto_code rc = srv_link_parse_session(body, name, sizeof name, pw,
                                           sizeof pw, &has, err, sizeof err);
    proto_code rc2 = srv_link_parse_session(body, name2, sizeof name2, pw2,
                                            sizeof pw2, &has2, err2,
                                            sizeof err2);

    if (rc != rc2)
        abort();
    if (rc == PROTO_OK) {
        if (!srv_link_name_ok(name) || strcmp(name, name2) || has != has2 ||
            (has && (!pw[0] || strcmp(pw, pw2))) || (!has && pw[0]))
            abort();
        return;
    }
    if (rc != PROTO_INVALID_VALUE || !err[0] ||
        !memchr(err, '\0', sizeof err) || strcmp(err, err2) || name[0])
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body;

    if (size < 1)
        return 0;
    body = json_loadb((const char *)data + 1, size - 1,
                      JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (json_is_object(body)) {
        if (data[0] & 1)
            check_session(body);
        else
            check_create(body);
    }
    json_decref(body);
    return 0;
}
