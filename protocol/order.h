/* order.h -- fractional index strings for `order` fields: keys that sort
 * as plain byte strings and can always be split between two neighbours. */
#ifndef MIXROOM_PROTOCOL_ORDER_H
#define MIXROOM_PROTOCOL_ORDER_H

#include <stdbool.h>

/* A malloc'd key strictly between a and b (either may be NULL for "no
 * bound"); NULL if a >= b or either is not a valid key. */
char *proto_order_between(const char *a, const char *b);

/* True if s is a valid order key (1-64 chars of [0-9A-Za-z], not ending
 * in the smallest digit '0'). */
bool proto_order_valid(const char *s);

#endif
