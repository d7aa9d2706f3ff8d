/* link_parse.c -- the two request bodies of share links, checked without
 * any I/O (so that tests/fuzz/fuzz_link_body.c can run them alone): the
 * owner's create body and the guest's session body. Every refusal names
 * the field and its limit. No global state. */
#include "server/auth/links.h"

#include <stdio.h>
#include <string.h>

#define MAX_USES_MAX 1000000LL

size_t srv_link_utf8_chars(const char *s)
{
    size_t n = 0;

    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Sets err and returns PROTO_INVALID_VALUE. */
static proto_code refuse(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return PROTO_INVALID_VALUE;
}

static proto_code check_keys(json_t *body, char *err, size_t errlen)
{
    static const char *const known[] = {"rights", "version", "pinned",
                                        "expires_at", "max_uses",
                                        "password", "label"};
    const char *key;
    json_t *v;

    json_object_foreach(body, key, v) {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok = ok || strcmp(key, known[i]) == 0;
        if (!ok) {
            snprintf(err, errlen,
                     "unknown field \"%.40s\" (a link has rights, version, "
                     "pinned, expires_at, max_uses, password and label)",
                     key);
            return PROTO_INVALID_VALUE;
        }
    }
    return PROTO_OK;
}

static proto_code parse_rights(json_t *v, struct srv_link *l, char *err,
                               size_t errlen)
{
    if (v && !json_is_array(v))
        return refuse(err, errlen,
                      "rights must be an array of \"listen\", \"comment\" "
                      "and \"download\"");
    for (size_t i = 0; v && i < json_array_size(v); i++) {
        const char *r = json_string_value(json_array_get(v, i));
        if (r && strcmp(r, "listen") == 0)
            continue;
        if (r && strcmp(r, "comment") == 0)
            l->can_comment = true;
        else if (r && strcmp(r, "download") == 0)
            l->can_download = true;
        else {
            snprintf(err, errlen,
                     "rights: unknown right \"%.40s\" (use listen, comment "
                     "and download)", r ? r : "(not a string)");
            return PROTO_INVALID_VALUE;
        }
    }
    return PROTO_OK;
}

proto_code srv_link_parse_create(json_t *body, struct srv_link *l,
                                 char *password, size_t pwlen, char *err,
                                 size_t errlen)
{
    json_t *v;
    proto_code rc;

    password[0] = '\0';
    l->can_comment = l->can_download = l->pinned = false;
    l->version_id[0] = '\0';
    l->version_rev = -1;
    l->expires_at = l->max_uses = 0;
    l->label[0] = '\0';
    if (!json_is_object(body))
        return refuse(err, errlen, "the body must be a JSON object");
    if ((rc = check_keys(body, err, errlen)) != PROTO_OK ||
        (rc = parse_rights(json_object_get(body, "rights"), l, err,
                           errlen)) != PROTO_OK)
        return rc;
    v = json_object_get(body, "version");
    if (v && !json_is_null(v)) {
        const char *vid = json_string_value(v);
        if (!vid || !vid[0] || strlen(vid) >= sizeof l->version_id)
            return refuse(err, errlen,
                          "version must be a version id or null");
        snprintf(l->version_id, sizeof l->version_id, "%s", vid);
        l->pinned = true; /* a version pins unless "pinned": false */
    }
    v = json_object_get(body, "pinned");
    if (v && !json_is_boolean(v))
        return refuse(err, errlen, "pinned must be true or false");
    if (v)
        l->pinned = json_is_true(v) && l->version_id[0];
    v = json_object_get(body, "expires_at");
    if (v && !json_is_null(v) &&
        (!json_is_integer(v) || json_integer_value(v) < 1))
        return refuse(err, errlen,
                      "expires_at must be a time in milliseconds since 1970 "
                      "(an integer) or null");
    l->expires_at = json_is_integer(v) ? json_integer_value(v) : 0;
    v = json_object_get(body, "max_uses");
    if (v && !json_is_null(v) &&
        (!json_is_integer(v) || json_integer_value(v) < 1 ||
         json_integer_value(v) > MAX_USES_MAX)) {
        snprintf(err, errlen,
                 "max_uses must be an integer from 1 to %lld or null",
                 MAX_USES_MAX);
        return PROTO_INVALID_VALUE;
    }
    l->max_uses = json_is_integer(v) ? json_integer_value(v) : 0;
    v = json_object_get(body, "password");
    if (v && !json_is_null(v) &&
        (!json_is_string(v) || json_string_length(v) < 1 ||
         json_string_length(v) > SRV_PASSWORD_MAX ||
         json_string_length(v) >= pwlen ||
         strlen(json_string_value(v)) != json_string_length(v))) {
        snprintf(err, errlen,
                 "password must be a string of 1 to %d bytes (no NUL) or "
                 "null", SRV_PASSWORD_MAX);
        return PROTO_INVALID_VALUE;
    }
    if (json_is_string(v))
        snprintf(password, pwlen, "%s", json_string_value(v));
    v = json_object_get(body, "label");
    if (v && !json_is_null(v) &&
        (!json_is_string(v) ||
         strlen(json_string_value(v)) != json_string_length(v) ||
         srv_link_utf8_chars(json_string_value(v)) > SRV_LINK_LABEL_MAX)) {
        snprintf(err, errlen,
                 "label must be a string of at most %d characters",
                 SRV_LINK_LABEL_MAX);
        return PROTO_INVALID_VALUE;
    }
    if (json_is_string(v))
        snprintf(l->label, sizeof l->label, "%s", json_string_value(v));
    return PROTO_OK;
}

bool srv_link_name_ok(const char *name)
{
    size_t n = srv_link_utf8_chars(name);

    if (!name || n < 1 || n > SRV_GUEST_NAME_MAX || name[0] == ' ')
        return false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

proto_code srv_link_parse_session(json_t *body, char *name, size_t namelen,
                                  char *password, size_t pwlen, bool *has_pw,
                                  char *err, size_t errlen)
{
    json_t *n = json_object_get(body, "name");
    json_t *pw = json_object_get(body, "password");
    const char *s = json_string_value(n);

    name[0] = password[0] = '\0';
    *has_pw = false;
    if (!json_is_object(body))
        return refuse(err, errlen, "the body must be a JSON object");
    if (!s || strlen(s) != json_string_length(n) || strlen(s) >= namelen ||
        !srv_link_name_ok(s)) {
        snprintf(err, errlen,
                 "name must be a string of 1 to %d characters (no control "
                 "characters, not starting with a space)",
                 SRV_GUEST_NAME_MAX);
        return PROTO_INVALID_VALUE;
    }
    if (pw && !json_is_null(pw) &&
        (!json_is_string(pw) || json_string_length(pw) > SRV_PASSWORD_MAX ||
         json_string_length(pw) >= pwlen ||
         strlen(json_string_value(pw)) != json_string_length(pw))) {
        snprintf(err, errlen,
                 "password must be a string of at most %d bytes or null",
                 SRV_PASSWORD_MAX);
        return PROTO_INVALID_VALUE;
    }
    snprintf(name, namelen, "%s", s);
    if (json_is_string(pw) && json_string_length(pw) > 0) {
        snprintf(password, pwlen, "%s", json_string_value(pw));
        *has_pw = true;
    }
    return PROTO_OK;
}
