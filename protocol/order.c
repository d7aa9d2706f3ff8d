/* order.c -- fractional index keys for `order` fields. A key is a base-62
 * fraction 0.d1d2d3... written with the digits 0-9A-Za-z (which sort in
 * ASCII order), never ending in '0' so every value has one spelling. Between
 * any two keys there is always another one. */
#include "protocol/order.h"

#include <stdlib.h>
#include <string.h>

#define ORDER_MAX 64
static const char digits[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 36;
    return -1;
}

bool proto_order_valid(const char *s)
{
    size_t n;

    if (!s)
        return false;
    n = strlen(s);
    if (n < 1 || n > ORDER_MAX || s[n - 1] == '0')
        return false;
    for (size_t i = 0; i < n; i++)
        if (digit_value(s[i]) < 0)
            return false;
    return true;
}

/* Writes into out (room for ORDER_MAX * 2 + 2) a key strictly between a
 * ("" = 0) and b (NULL = 1); requires a < b. */
static void midpoint(const char *a, const char *b, char *out)
{
    size_t n = 0, alen = strlen(a);
    int da, db;

    if (b) {
        while ((n < alen ? a[n] : '0') == b[n])
            n++;
        if (n > 0) {
            memcpy(out, b, n);
            midpoint(a + (n < alen ? n : alen), b + n, out + n);
            return;
        }
    }
    da = a[0] ? digit_value(a[0]) : 0;
    db = b ? digit_value(b[0]) : 62;
    if (db - da > 1) {
        out[0] = digits[(da + db) / 2];
        out[1] = '\0';
    } else if (b && b[1]) {
        out[0] = b[0];
        out[1] = '\0';
    } else {
        out[0] = digits[da];
        midpoint(a[0] ? a + 1 : "", NULL, out + 1);
    }
}

char *proto_order_between(const char *a, const char *b)
{
    char buf[ORDER_MAX * 2 + 2];

    if ((a && !proto_order_valid(a)) || (b && !proto_order_valid(b)))
        return NULL;
    if (a && b && strcmp(a, b) >= 0)
        return NULL;
    midpoint(a ? a : "", b, buf);
    if (strlen(buf) > ORDER_MAX)
        return NULL;
    return strdup(buf);
}
