// order.js -- fractional index keys for `order` fields, the same base-62
// midpoint scheme as protocol/order.c: a key is the fraction 0.d1d2d3...
// in the digits 0-9A-Za-z (which sort in ASCII order), never ending in '0'.
// Between any two keys there is always another one.

const DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ORDER_MAX = 64;

/** True if s is a valid order key. */
export function orderValid(s) {
  return typeof s === 'string' && s.length >= 1 && s.length <= ORDER_MAX &&
    s[s.length - 1] !== '0' && /^[0-9A-Za-z]+$/.test(s);
}

// A key strictly between a ('' = 0) and b (null = 1); requires a < b.
function midpoint(a, b) {
  if (b !== null) {
    let n = 0;
    while ((n < a.length ? a[n] : '0') === b[n]) n++;
    if (n > 0) return b.slice(0, n) + midpoint(a.slice(Math.min(n, a.length)), b.slice(n));
  }
  const da = a ? DIGITS.indexOf(a[0]) : 0;
  const db = b !== null ? DIGITS.indexOf(b[0]) : 62;
  if (db - da > 1) return DIGITS[(da + db) >> 1];
  if (b !== null && b.length > 1) return b[0];
  return DIGITS[da] + midpoint(a ? a.slice(1) : '', null);
}

/**
 * A key strictly between a and b (either null/undefined for "no bound"),
 * or null when a >= b, a key is invalid, or the result would be too long.
 */
export function orderBetween(a, b) {
  a = a ?? null; b = b ?? null;
  if ((a !== null && !orderValid(a)) || (b !== null && !orderValid(b))) return null;
  if (a !== null && b !== null && !(a < b)) return null;
  const k = midpoint(a ?? '', b);
  return k.length > ORDER_MAX ? null : k;
}
