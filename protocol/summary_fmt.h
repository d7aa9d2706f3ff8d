/* summary_fmt.h -- the number formatting of summaries without printf:
 * "%g" and "%.1f" of a double, giving the text glibc's printf gives
 * (test_json_enc compares them on edge and random values). Pure; any
 * thread. */
#ifndef MIXROOM_PROTOCOL_SUMMARY_FMT_H
#define MIXROOM_PROTOCOL_SUMMARY_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* snprintf(out, 40, "%g", v) / "%.1f": the text in out (at least 40
 * bytes for %g; %.1f of a huge value falls back to a longer snprintf,
 * out must hold 320 bytes for that), NUL-terminated; returns its length.
 * Values whose rounding is too close to a tie to decide in 64-bit
 * arithmetic, NaN, infinities and extreme exponents are formatted by
 * snprintf itself. */
size_t proto_fmt_g(double v, char *out);
size_t proto_fmt_fixed1(double v, char *out);

/* vsnprintf for the conversions summaries use (%s %d %lld %zu %g %.1f %%
 * and plain text) without the stdio machinery; any other format goes to
 * vsnprintf. Same return value and truncation as vsnprintf. */
int proto_fmt_vsnprintf(char *out, size_t size, const char *fmt, va_list ap);

#endif
