/* summary_fmt.c -- "%g" and "%.1f" without printf (see summary_fmt.h).
 *
 * %.1f: v * 10 is exact in an x87 long double (53 + 4 bits < 64), so
 * rounding it to an integer with the current (nearest-even) mode is what
 * printf does with the exact binary value.
 * %g (6 significant digits): v scaled by a power of ten into [1e5, 1e6)
 * in long double is within ~1e-13 of the exact product; when its fraction
 * is not within 1e-6 of one half the rounding cannot differ from the exact
 * one, else snprintf decides. Without a 64-bit long double every value
 * goes to snprintf. */
#include "protocol/summary_fmt.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FAST_OK (LDBL_MANT_DIG >= 64)

static size_t utoa(uint64_t u, char *out)
{
    char tmp[24];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t proto_fmt_fixed1(double v, char *out)
{
    char *p = out;

    if (!FAST_OK || !isfinite(v) || fabs(v) >= 1e17)
        return (size_t)snprintf(out, 320, "%.1f", v);
    long double t = nearbyintl((long double)v * 10.0L); /* exact product */
    if (signbit(v))
        *p++ = '-';
    uint64_t r = (uint64_t)fabsl(t);
    p += utoa(r / 10, p);
    *p++ = '.';
    *p++ = (char)('0' + r % 10);
    *p = 0;
    return (size_t)(p - out);
}

static long double pow10l_exact(int k) /* 0 <= k <= 27: exact */
{
    long double r = 1.0L;

    while (k-- > 0)
        r *= 10.0L;
    return r;
}

size_t proto_fmt_g(double v, char *out)
{
    char *p = out, dig[8];
    double a = fabs(v);

    if (!FAST_OK || !isfinite(v) || (a != 0 && (a < 1e-20 || a >= 1e20)))
        return (size_t)snprintf(out, 40, "%g", v);
    if (signbit(v))
        *p++ = '-';
    if (a == 0) {
        *p++ = '0';
        *p = 0;
        return (size_t)(p - out);
    }
    int e10 = (int)floor(log10(a));
    long double s = 0;
    for (int tries = 0; tries < 3; tries++) {
        int k = 5 - e10;
        s = k >= 0 ? (long double)a * pow10l_exact(k)
                   : (long double)a / pow10l_exact(-k);
        if (s < 100000.0L)
            e10--;
        else if (s >= 1000000.0L)
            e10++;
        else
            break;
    }
    if (s < 100000.0L || s >= 1000000.0L)
        return (size_t)snprintf(out, 40, "%g", v);
    long double fl = floorl(s);
    if (fabsl(s - fl - 0.5L) < 1e-6L)
        return (size_t)snprintf(out, 40, "%g", v); /* too near a tie */
    uint64_t r = (uint64_t)nearbyintl(s);
    if (r == 1000000) {
        r = 100000;
        e10++;
    }
    utoa(r, dig); /* six digits */
    int nd = 6;
    if (e10 >= -4 && e10 < 6) {
        int ip = e10 >= 0 ? e10 + 1 : 0; /* digits before the point */
        while (nd > ip && dig[nd - 1] == '0')
            nd--;
        if (e10 >= 0) {
            memcpy(p, dig, (size_t)ip);
            p += ip;
            if (nd > ip) {
                *p++ = '.';
                memcpy(p, dig + ip, (size_t)(nd - ip));
                p += nd - ip;
            }
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -e10 - 1; i++)
                *p++ = '0';
            memcpy(p, dig, (size_t)nd);
            p += nd;
        }
    } else {
        while (nd > 1 && dig[nd - 1] == '0')
            nd--;
        *p++ = dig[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, dig + 1, (size_t)(nd - 1));
            p += nd - 1;
        }
        *p++ = 'e';
        *p++ = e10 < 0 ? '-' : '+';
        int ae = e10 < 0 ? -e10 : e10;
        if (ae < 10)
            *p++ = '0';
        p += utoa((uint64_t)ae, p);
    }
    *p = 0;
    return (size_t)(p - out);
}

/* Appends n bytes of s at *len, as far as size allows (vsnprintf's
 * truncation); *len counts every byte. */
static void app(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + 1 < size) {
        size_t room = size - 1 - *len;
        memcpy(out + *len, s, n < room ? n : room);
    }
    *len += n;
}

int proto_fmt_vsnprintf(char *out, size_t size, const char *fmt, va_list ap)
{
    va_list copy;
    size_t len = 0;
    char num[320];
    const char *f = fmt;

    va_copy(copy, ap);
    while (*f) {
        const char *pct = strchr(f, '%');
        size_t n;
        if (!pct) {
            app(out, size, &len, f, strlen(f));
            break;
        }
        app(out, size, &len, f, (size_t)(pct - f));
        f = pct + 1;
        if (*f == 's') {
            const char *s = va_arg(ap, const char *);
            app(out, size, &len, s, strlen(s));
            f += 1;
        } else if (*f == 'd') {
            int x = va_arg(ap, int);
            char *q = num;
            if (x < 0)
                *q++ = '-';
            q += utoa(x < 0 ? 0ull - (uint64_t)(int64_t)x : (uint64_t)x, q);
            app(out, size, &len, num, (size_t)(q - num));
            f += 1;
        } else if (!strncmp(f, "lld", 3)) {
            long long x = va_arg(ap, long long);
            char *q = num;
            if (x < 0)
                *q++ = '-';
            q += utoa(x < 0 ? 0ull - (uint64_t)x : (uint64_t)x, q);
            app(out, size, &len, num, (size_t)(q - num));
            f += 3;
        } else if (!strncmp(f, "zu", 2)) {
            n = utoa((uint64_t)va_arg(ap, size_t), num);
            app(out, size, &len, num, n);
            f += 2;
        } else if (*f == 'g') {
            n = proto_fmt_g(va_arg(ap, double), num);
            app(out, size, &len, num, n);
            f += 1;
        } else if (!strncmp(f, ".1f", 3)) {
            n = proto_fmt_fixed1(va_arg(ap, double), num);
            app(out, size, &len, num, n);
            f += 3;
        } else if (*f == '%') {
            app(out, size, &len, "%", 1);
            f += 1;
        } else {
            /* a conversion this does not know: printf does it all */
            int r = vsnprintf(out, size, fmt, copy);
            va_end(copy);
            return r;
        }
    }
    va_end(copy);
    if (size)
        out[len < size ? len : size - 1] = 0;
    return (int)len;
}
