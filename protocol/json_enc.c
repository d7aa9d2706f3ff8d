/* json_enc.c -- jansson's compact output without printf (see json_enc.h).
 *
 * What jansson 2.14 writes, and so what this writes:
 *  - objects {"k":v,...} in insertion order, or sorted by key bytes;
 *    arrays [v,...]; no spaces (JSON_COMPACT);
 *  - strings: '"' and '\\' escaped, \b \f \n \r \t, every other byte
 *    below 0x20 as \u00XX (upper-case hex), all else (0x7f, UTF-8) as is;
 *  - integers in decimal; true, false, null;
 *  - reals as "%.17g" with ".0" appended when the text has neither '.' nor
 *    'e', the exponent without '+' and leading zeros. A real that is an
 *    integer below 1e17, or a binary fraction with at most 19 fractional
 *    bits and at most 17 significant digits at or above 1e-4, is printed
 *    exactly by integer arithmetic (its %.17g text is its exact decimal
 *    expansion); any other real is handed to jansson's own formatter.
 * test_json_enc compares every case with json_dumps. */
#include "protocol/json_enc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct enc {
    char *buf;        /* NULL: only count */
    size_t len, cap;
    bool sort;
    bool failed;
};

static void grow(struct enc *e, size_t need)
{
    size_t cap = e->cap ? e->cap : 256;
    char *nb;

    while (cap < e->len + need + 1)
        cap *= 2;
    nb = realloc(e->buf, cap);
    if (!nb) {
        e->failed = true;
        return;
    }
    e->buf = nb;
    e->cap = cap;
}

static void put(struct enc *e, const char *s, size_t n)
{
    if (e->failed)
        return;
    if (e->buf) {
        if (e->len + n + 1 > e->cap) {
            grow(e, n);
            if (e->failed)
                return;
        }
        memcpy(e->buf + e->len, s, n);
    }
    e->len += n;
}

static void put_ch(struct enc *e, char ch)
{
    put(e, &ch, 1);
}

/* Decimal digits of u into out (no NUL); returns the count. */
static size_t utoa(uint64_t u, char *out)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* The exact fast cases of a real (see the file comment): its length in
 * out, or 0 when jansson must format it. */
static size_t real_fast(double v, char *out)
{
    static const uint64_t pow5[20] = {
        1ull, 5ull, 25ull, 125ull, 625ull, 3125ull, 15625ull, 78125ull,
        390625ull, 1953125ull, 9765625ull, 48828125ull, 244140625ull,
        1220703125ull, 6103515625ull, 30517578125ull, 152587890625ull,
        762939453125ull, 3814697265625ull, 19073486328125ull};
    char *p = out;
    double a = fabs(v);
    int ex;

    if (!isfinite(v))
        return 0;
    if (signbit(v))
        *p++ = '-';
    if (a == 0) {
        memcpy(p, "0.0", 3);
        return (size_t)(p + 3 - out);
    }
    if (a >= 1e17 || a < 1e-4)
        return 0; /* exponent notation */
    if (a == floor(a)) {
        p += utoa((uint64_t)a, p);
        memcpy(p, ".0", 2);
        return (size_t)(p + 2 - out);
    }
    double m = frexp(a, &ex); /* a = m * 2^ex, 0.5 <= m < 1 */
    uint64_t mant = (uint64_t)ldexp(m, 53);
    int k = 53 - ex;          /* fractional bits */
    while (!(mant & 1)) {
        mant >>= 1;
        k--;
    }
    if (k <= 0 || k > 19)
        return 0;
    uint64_t ip = mant >> k;
    uint64_t frac = (mant & ((1ull << k) - 1)) * pow5[k]; /* < 10^k */
    char fd[24];
    size_t nf = utoa(frac, fd), sig;
    char ipd[24];
    size_t ni = ip ? utoa(ip, ipd) : 0;
    sig = ip ? ni + (size_t)k : nf;
    if (sig > 17)
        return 0;
    if (ip) {
        memcpy(p, ipd, ni);
        p += ni;
    } else {
        *p++ = '0';
    }
    *p++ = '.';
    for (size_t i = nf; i < (size_t)k; i++)
        *p++ = '0';
    memcpy(p, fd, nf);
    return (size_t)(p + nf - out);
}

size_t proto_json_real_text(double v, char *out)
{
    size_t n = real_fast(v, out);

    if (!n) {
        json_t *r = json_real(v);
        n = r ? json_dumpb(r, out, 31, JSON_ENCODE_ANY) : 0;
        json_decref(r);
        if (n > 31)
            n = 0;
    }
    out[n] = 0;
    return n;
}

/* The escape of each byte below 0x20 and of '"' and '\\' (0: as is). */
static char short_escape(unsigned char ch)
{
    switch (ch) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

static void enc_string(struct enc *e, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;

    if (e->failed)
        return;
    if (!e->buf) { /* counting */
        size_t extra = 0;
        for (size_t i = 0; i < n; i++)
            if (u[i] < 0x20 || u[i] == '"' || u[i] == '\\')
                extra += short_escape(u[i]) ? 1 : 5;
        e->len += n + 2 + extra;
        return;
    }
    if (e->len + n * 6 + 3 > e->cap) {
        grow(e, n * 6 + 2);
        if (e->failed)
            return;
    }
    char *p = e->buf + e->len;
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = u[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            *p++ = (char)ch;
            continue;
        }
        char esc = short_escape(ch);
        *p++ = '\\';
        if (esc) {
            *p++ = esc;
        } else {
            memcpy(p, "u00", 3);
            p[3] = hex[ch >> 4];
            p[4] = hex[ch & 15];
            p += 5;
        }
    }
    *p++ = '"';
    e->len = (size_t)(p - e->buf);
}

struct key {
    const char *k;
    size_t n;
    json_t *v;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->k, y->k, n);

    return c ? c : x->n < y->n ? -1 : x->n > y->n;
}

static void enc_value(struct enc *e, const json_t *v);

static void enc_object(struct enc *e, const json_t *v)
{
    size_t n = json_object_size(v), i = 0;
    struct key stack[32], *keys = stack;
    const char *k;
    size_t kl;
    json_t *x;

    if (n > 32 && !(keys = malloc(n * sizeof *keys))) {
        e->failed = true;
        return;
    }
    json_object_keylen_foreach((json_t *)v, k, kl, x) {
        keys[i].k = k;
        keys[i].n = kl;
        keys[i].v = x;
        i++;
    }
    n = i;
    if (e->sort && n > 1)
        qsort(keys, n, sizeof *keys, key_cmp);
    put_ch(e, '{');
    for (i = 0; i < n && !e->failed; i++) {
        if (i)
            put_ch(e, ',');
        enc_string(e, keys[i].k, keys[i].n);
        put_ch(e, ':');
        enc_value(e, keys[i].v);
    }
    put_ch(e, '}');
    if (keys != stack)
        free(keys);
}

static void enc_value(struct enc *e, const json_t *v)
{
    char tmp[40];
    size_t n;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        enc_object(e, v);
        break;
    case JSON_ARRAY:
        put_ch(e, '[');
        for (size_t i = 0; i < json_array_size(v) && !e->failed; i++) {
            if (i)
                put_ch(e, ',');
            enc_value(e, json_array_get(v, i));
        }
        put_ch(e, ']');
        break;
    case JSON_STRING:
        enc_string(e, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER: {
        json_int_t x = json_integer_value(v);
        char *p = tmp;
        if (x < 0)
            *p++ = '-';
        p += utoa(x < 0 ? 0ull - (uint64_t)x : (uint64_t)x, p);
        put(e, tmp, (size_t)(p - tmp));
        break;
    }
    case JSON_REAL:
        n = real_fast(json_real_value(v), tmp);
        if (!n) {
            n = json_dumpb(v, tmp, sizeof tmp, JSON_ENCODE_ANY);
            if (!n || n > sizeof tmp) {
                e->failed = true;
                break;
            }
        }
        put(e, tmp, n);
        break;
    case JSON_TRUE:
        put(e, "true", 4);
        break;
    case JSON_FALSE:
        put(e, "false", 5);
        break;
    case JSON_NULL:
        put(e, "null", 4);
        break;
    default:
        e->failed = true;
    }
}

char *proto_json_dumps(const json_t *v, bool sort_keys, size_t *len)
{
    struct enc e = {.sort = sort_keys};

    if (!v)
        return NULL;
    grow(&e, 0);
    if (!e.failed)
        enc_value(&e, v);
    if (e.failed) {
        free(e.buf);
        return NULL;
    }
    e.buf[e.len] = 0;
    if (len)
        *len = e.len;
    return e.buf;
}

size_t proto_json_size(const json_t *v)
{
    struct enc e = {.sort = false};

    if (!v)
        return 0;
    enc_value(&e, v);
    return e.failed ? 0 : e.len;
}

/* The compact size of one object entry "key":value, or 0 if it fails. */
static size_t entry_size(const char *k, size_t kl, const json_t *v)
{
    struct enc e = {.sort = false};

    enc_string(&e, k, kl);
    put_ch(&e, ':');
    enc_value(&e, v);
    return e.failed ? 0 : e.len;
}

/* proto_json_size_change when new_ has old's keys in old's order followed
 * by keys old lacks (what json_copy and then setting keys gives: jansson
 * keeps an existing key's place), walked side by side without hashing. 0
 * with *d set, 1 when the orders differ, -1 when an entry cannot be
 * encoded (the caller then measures otherwise). */
static int size_change_in_order(const json_t *old, const json_t *new_,
                                long long *d)
{
    void *io = json_object_iter((json_t *)old);
    void *in = json_object_iter((json_t *)new_);
    size_t a, b;

    *d = 0;
    for (; io; io = json_object_iter_next((json_t *)old, io),
               in = json_object_iter_next((json_t *)new_, in)) {
        const char *k = json_object_iter_key(io);
        size_t kl = json_object_iter_key_len(io);
        json_t *ov = json_object_iter_value(io), *v;
        if (!in || json_object_iter_key_len(in) != kl ||
            memcmp(json_object_iter_key(in), k, kl) != 0)
            return 1;
        v = json_object_iter_value(in);
        if (v == ov)
            continue; /* shared: the same bytes */
        a = entry_size(k, kl, v);
        b = entry_size(k, kl, ov);
        if (!a || !b)
            return -1;
        *d += (long long)a - (long long)b;
    }
    for (; in; in = json_object_iter_next((json_t *)new_, in)) {
        a = entry_size(json_object_iter_key(in), json_object_iter_key_len(in),
                       json_object_iter_value(in));
        if (!a)
            return -1;
        *d += (long long)a + 1; /* and its comma */
    }
    if (json_object_size(old) == 0 && json_object_size(new_) > 0)
        *d -= 1; /* the first entry has no comma */
    return 0;
}

long long proto_json_size_change(const json_t *old, const json_t *new_)
{
    long long d = 0;
    size_t no, nn, kl, a, b;
    const char *k;
    json_t *v, *ov;
    int rc;

    if (!json_is_object(old) || !json_is_object(new_))
        goto whole;
    rc = size_change_in_order(old, new_, &d);
    if (rc == 0)
        return d;
    if (rc < 0)
        goto whole;
    d = 0;
    no = json_object_size(old);
    nn = json_object_size(new_);
    json_object_keylen_foreach((json_t *)new_, k, kl, v) {
        ov = json_object_getn(old, k, kl);
        if (ov == v)
            continue; /* shared: the same bytes */
        a = entry_size(k, kl, v);
        b = ov ? entry_size(k, kl, ov) : 0;
        if (!a || (ov && !b))
            goto whole;
        d += (long long)a - (long long)b;
    }
    json_object_keylen_foreach((json_t *)old, k, kl, ov) {
        if (json_object_getn(new_, k, kl))
            continue;
        if (!(b = entry_size(k, kl, ov)))
            goto whole;
        d -= (long long)b;
    }
    /* the commas between entries */
    d += (long long)(nn ? nn - 1 : 0) - (long long)(no ? no - 1 : 0);
    return d;
whole:
    return (long long)proto_json_size(new_) - (long long)proto_json_size(old);
}
