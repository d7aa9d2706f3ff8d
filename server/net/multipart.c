/* multipart.c -- the streaming multipart/form-data parser: the delimiter
 * ("\r\n--" boundary) is found with a KMP matcher that survives chunk
 * borders, so no body byte is buffered except a part's header block. The
 * body is treated as if preceded by "\r\n" so the first delimiter (which
 * may open the body) matches like the others. */
#include "server/net/multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { MP_PREAMBLE, MP_AFTER, MP_AFTER_DASH, MP_AFTER_CR, MP_HEADERS,
       MP_DATA, MP_DONE, MP_ERROR };

#define OUT_BUF 8192

/* Pending output of one feed call, flushed to on_data in big pieces. */
struct out {
    struct srv_multipart *mp;
    unsigned char buf[OUT_BUF];
    size_t len;
    int failed;
};

static bool ct_prefix(const char *ct)
{
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return strncasecmp(ct, "multipart/form-data", 19) == 0 &&
           (ct[19] == '\0' || ct[19] == ';' || ct[19] == ' ');
}

bool srv_mp_is_multipart(const char *content_type)
{
    return content_type && ct_prefix(content_type);
}

bool srv_mp_boundary(const char *content_type, char *out, size_t outlen)
{
    const char *p;
    size_t n = 0;

    if (!srv_mp_is_multipart(content_type) || outlen == 0)
        return false;
    for (p = content_type; (p = strchr(p, ';')) != NULL;) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) != 0)
            continue;
        p += 9;
        if (*p == '"') {
            p++;
            while (*p && *p != '"' && n + 1 < outlen && n < SRV_MP_BOUNDARY_MAX + 1)
                out[n++] = *p++;
            if (*p != '"')
                return false;
        } else {
            while (*p && *p != ';' && *p != ' ' && *p != '\t' && n + 1 < outlen &&
                   n < SRV_MP_BOUNDARY_MAX + 1)
                out[n++] = *p++;
        }
        out[n] = '\0';
        return n >= 1 && n <= SRV_MP_BOUNDARY_MAX;
    }
    return false;
}

static void set_error(struct srv_multipart *mp, const char *msg)
{
    if (mp->state != MP_ERROR)
        snprintf(mp->error, sizeof mp->error, "%s", msg);
    mp->state = MP_ERROR;
}

int srv_mp_init(struct srv_multipart *mp, const char *boundary,
                srv_mp_data_fn on_data, void *ctx)
{
    size_t blen = boundary ? strlen(boundary) : 0;

    memset(mp, 0, sizeof *mp);
    if (blen < 1 || blen > SRV_MP_BOUNDARY_MAX)
        return -1;
    snprintf(mp->delim, sizeof mp->delim, "\r\n--%s", boundary);
    mp->dlen = blen + 4;
    mp->fail[0] = 0;
    for (size_t i = 1, k = 0; i < mp->dlen; i++) {
        while (k > 0 && mp->delim[i] != mp->delim[k])
            k = (size_t)mp->fail[k - 1];
        if (mp->delim[i] == mp->delim[k])
            k++;
        mp->fail[i] = (int)k;
    }
    mp->state = MP_PREAMBLE;
    mp->matched = 2; /* the virtual "\r\n" before the body */
    mp->on_data = on_data;
    mp->ctx = ctx;
    return 0;
}

static void out_flush(struct out *o)
{
    if (o->len && !o->failed && o->mp->on_data &&
        o->mp->on_data(o->mp->ctx, o->buf, o->len) != 0)
        o->failed = 1;
    o->len = 0;
}

/* Data bytes of the current part: kept only for the file part. */
static void out_put(struct out *o, const void *p, size_t n)
{
    struct srv_multipart *mp = o->mp;

    if (mp->state != MP_DATA || !mp->in_file)
        return;
    while (n) {
        size_t room = OUT_BUF - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p = (const unsigned char *)p + k;
        n -= k;
        if (o->len == OUT_BUF)
            out_flush(o);
    }
}

/* Copies a header parameter (name=value or name="value") into out. */
static bool header_param(const char *line, const char *name, char *out,
                         size_t outlen)
{
    size_t nlen = strlen(name), n = 0;
    const char *p = line;

    while ((p = strcasestr(p, name)) != NULL) {
        bool at_start = p > line && (p[-1] == ';' || p[-1] == ' ' ||
                                     p[-1] == '\t');
        p += nlen;
        if (!at_start || *p != '=')
            continue;
        p++;
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++) {
                if (*p == '\\' && p[1])
                    p++;
                if (n + 1 < outlen)
                    out[n++] = *p;
            }
        } else {
            for (; *p && *p != ';' && *p != ' ' && *p != '\t'; p++)
                if (n + 1 < outlen)
                    out[n++] = *p;
        }
        out[n] = '\0';
        return true;
    }
    return false;
}

/* The header block of a part is complete: is it the file? */
static void parse_headers(struct srv_multipart *mp)
{
    char name[256] = "", type[128] = "";
    char *line = mp->hdr, *eol;

    mp->hdr[mp->hdr_len] = '\0';
    while ((eol = strstr(line, "\r\n")) != NULL) {
        *eol = '\0';
        if (strncasecmp(line, "content-disposition:", 20) == 0)
            header_param(line + 20, "filename", name, sizeof name);
        else if (strncasecmp(line, "content-type:", 13) == 0) {
            const char *v = line + 13;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(type, sizeof type, "%s", v);
        }
        line = eol + 2;
    }
    mp->in_file = false;
    if (name[0] && !mp->have_file) {
        const char *base = name;
        for (const char *q = name; *q; q++)
            if (*q == '/' || *q == '\\')
                base = q + 1;
        snprintf(mp->filename, sizeof mp->filename, "%s",
                 base[0] ? base : "upload");
        snprintf(mp->part_type, sizeof mp->part_type, "%s", type);
        mp->in_file = true;
        mp->have_file = true;
    }
    mp->hdr_len = 0;
}

/* One byte in a state outside the delimiter search. */
static void step_other(struct srv_multipart *mp, unsigned char c)
{
    switch (mp->state) {
    case MP_AFTER:
        if (c == '-')
            mp->state = MP_AFTER_DASH;
        else if (c == '\r')
            mp->state = MP_AFTER_CR;
        else if (c != ' ' && c != '\t')
            set_error(mp, "the form upload is malformed (bad boundary line)");
        break;
    case MP_AFTER_DASH:
        if (c == '-')
            mp->state = MP_DONE;
        else
            set_error(mp, "the form upload is malformed (bad boundary line)");
        break;
    case MP_AFTER_CR:
        if (c == '\n') {
            mp->state = MP_HEADERS;
            mp->hdr_len = 0;
        } else {
            set_error(mp, "the form upload is malformed (bad boundary line)");
        }
        break;
    case MP_HEADERS:
        if (mp->hdr_len >= SRV_MP_HEADERS_MAX) {
            set_error(mp, "a part of the form upload has headers over 8 KiB");
            break;
        }
        mp->hdr[mp->hdr_len++] = (char)c;
        if ((mp->hdr_len == 2 && memcmp(mp->hdr, "\r\n", 2) == 0) ||
            (mp->hdr_len >= 4 &&
             memcmp(mp->hdr + mp->hdr_len - 4, "\r\n\r\n", 4) == 0)) {
            parse_headers(mp);
            mp->state = MP_DATA;
            mp->matched = 0;
        }
        break;
    default:
        break;
    }
}

enum srv_mp_status srv_mp_feed(struct srv_multipart *mp,
                               const unsigned char *data, size_t len)
{
    struct out out;
    size_t i = 0;

    out.mp = mp;
    out.len = 0;
    out.failed = 0;
    while (i < len && mp->state != MP_ERROR && mp->state != MP_DONE) {
        if (mp->state != MP_PREAMBLE && mp->state != MP_DATA) {
            step_other(mp, data[i++]);
            continue;
        }
        if (mp->matched == 0) { /* fast path: jump to the next '\r' */
            const unsigned char *cr = memchr(data + i, '\r', len - i);
            size_t end = cr ? (size_t)(cr - data) : len;
            out_put(&out, data + i, end - i);
            i = end;
            if (i == len)
                break;
        }
        unsigned char c = data[i++];
        while (mp->matched > 0 && (unsigned char)mp->delim[mp->matched] != c) {
            size_t k = (size_t)mp->fail[mp->matched - 1];
            out_put(&out, mp->delim, mp->matched - k);
            mp->matched = k;
        }
        if ((unsigned char)mp->delim[mp->matched] == c)
            mp->matched++;
        else
            out_put(&out, &c, 1);
        if (mp->matched == mp->dlen) {
            out_flush(&out);
            if (mp->state == MP_DATA && mp->in_file) {
                mp->file_done = true;
                mp->in_file = false;
            }
            mp->matched = 0;
            mp->state = MP_AFTER;
        }
    }
    out_flush(&out);
    if (out.failed)
        set_error(mp, "the upload could not be stored");
    if (mp->state == MP_ERROR)
        return SRV_MP_ERROR;
    return mp->state == MP_DONE ? SRV_MP_DONE : SRV_MP_MORE;
}

enum srv_mp_status srv_mp_finish(struct srv_multipart *mp)
{
    if (mp->state == MP_ERROR)
        return SRV_MP_ERROR;
    if (mp->state != MP_DONE) {
        set_error(mp, "the form upload is cut off before its end");
        return SRV_MP_ERROR;
    }
    if (!mp->have_file || !mp->file_done) {
        set_error(mp, "the form has no file in it");
        return SRV_MP_ERROR;
    }
    return SRV_MP_DONE;
}

const char *srv_mp_filename(const struct srv_multipart *mp)
{
    return mp->filename;
}

const char *srv_mp_error(const struct srv_multipart *mp)
{
    return mp->error;
}
