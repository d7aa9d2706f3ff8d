/* http_parse.c -- the pure request parsing of the HTTP layer (see
 * http_parse.h): moved out of http.c unchanged so it can be fuzzed
 * without libwebsockets. */
#include "server/net/http_parse.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t srv_http_url_decode(const char *src, size_t n, char *out,
                           size_t outlen)
{
    size_t o = 0;

    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < n && o + 1 < outlen; i++) {
        if (src[i] == '%' && i + 2 < n && hexval(src[i + 1]) >= 0 &&
            hexval(src[i + 2]) >= 0) {
            out[o++] = (char)(hexval(src[i + 1]) * 16 + hexval(src[i + 2]));
            i += 2;
        } else if (src[i] == '+') {
            out[o++] = ' ';
        } else {
            out[o++] = src[i];
        }
    }
    out[o] = '\0';
    return o;
}

bool srv_http_match(const char *pattern, const char *path, char *params,
                    size_t param_len, int max_params, int *n_params)
{
    int np = 0;

    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *pe = strchr(pattern, '}');
            const char *se = strchr(path, '/');
            size_t len = se ? (size_t)(se - path) : strlen(path);
            char *param = params + (size_t)np * param_len;
            if (!pe || len == 0 || len >= param_len || np >= max_params)
                return false;
            memcpy(param, path, len);
            param[len] = '\0';
            np++;
            pattern = pe + 1;
            path += len;
            continue;
        }
        if (*pattern != *path)
            return false;
        pattern++;
        path++;
    }
    if (*pattern || *path)
        return false;
    *n_params = np;
    return true;
}

bool srv_http_query_value(const char *query, const char *name, char *out,
                          size_t outlen)
{
    size_t nl = strlen(name);
    const char *p = query;

    while (*p) {
        const char *amp = strchr(p, '&');
        size_t seg = amp ? (size_t)(amp - p) : strlen(p);
        if (seg > nl && !strncmp(p, name, nl) && p[nl] == '=') {
            srv_http_url_decode(p + nl + 1, seg - nl - 1, out, outlen);
            return true;
        }
        if (seg == nl && !strncmp(p, name, nl)) {
            if (outlen)
                out[0] = '\0';
            return true;
        }
        p += seg + (amp ? 1 : 0);
    }
    return false;
}

void srv_http_bearer(const char *authorization, char *out, size_t outlen)
{
    out[0] = '\0';
    if (!strncasecmp(authorization, "Bearer ", 7) &&
        strlen(authorization + 7) < outlen)
        memcpy(out, authorization + 7, strlen(authorization + 7) + 1);
}

json_t *srv_http_parse_json_object(const unsigned char *body, size_t len,
                                   proto_code *code, char *msg,
                                   size_t msglen)
{
    json_error_t jerr;
    json_t *j;

    *code = PROTO_BAD_REQUEST;
    if (!body || len == 0) {
        snprintf(msg, msglen, "the request needs a JSON object as its body");
        return NULL;
    }
    j = json_loadb((const char *)body, len, 0, &jerr);
    if (!j) {
        snprintf(msg, msglen, "the body is not valid JSON: %s (line %d)",
                 jerr.text, jerr.line);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(msg, msglen, "the body must be a JSON object");
        return NULL;
    }
    *code = PROTO_OK;
    return j;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if none starts
 * there. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0], cp, n;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    for (unsigned i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

size_t srv_text_utf8_clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t bad = 0;

    while (*p) {
        size_t n = utf8_seq(p);
        if (n == 0) {
            *p++ = '?';
            bad++;
        } else {
            p += n;
        }
    }
    return bad;
}

bool srv_http_cookie_value(const char *header, const char *name, char *out,
                           size_t outlen)
{
    size_t nlen = strlen(name);
    const char *p = header;

    if (outlen)
        out[0] = '\0';
    if (nlen == 0)
        return false; /* no cookie has an empty name */
    while (p && *p) {
        const char *end = strchr(p, ';'), *v, *ve;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) > nlen && !strncmp(p, name, nlen) &&
            p[nlen] == '=') {
            v = p + nlen + 1;
            ve = end;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            if (ve - v >= 2 && *v == '"' && ve[-1] == '"')
                v++, ve--;
            if ((size_t)(ve - v) + 1 > outlen)
                return false;
            memcpy(out, v, (size_t)(ve - v));
            out[ve - v] = '\0';
            return true;
        }
        p = *end ? end + 1 : end;
    }
    return false;
}

void srv_text_vformat(char *out, size_t n, const char *fmt, va_list ap)
{
    vsnprintf(out, n, fmt, ap);
    srv_text_utf8_clean(out);
}
