/* proto_vectors.c -- prints, as one JSON object on stdout, vectors computed
 * by libprotocol that the browser client's copies must reproduce:
 *
 *   order.between: [a, b, key] for a few hundred (a, b) pairs (null = no
 *     bound, key null = refused): hand-picked edge cases, then editor-like
 *     walks that keep inserting between neighbours of a growing sorted list
 *     (random spots from a fixed-seed LCG, always the same spot until keys
 *     reach the length limit, always at the end, always at the start);
 *   order.valid: [s, verdict] of proto_order_valid for valid and invalid
 *     strings (s null = a NULL pointer);
 *   effects: the effect parameter table of protocol/effects.c (types,
 *     params with min/max/default/unit, each type's full defaults, eq band
 *     types/params/limit/default band, delay sync values);
 *   instruments: each instrument type's params (name, kind, min, max,
 *     choices) and defaults, and the synth's defaults per preset.
 *
 * Not a test by itself: tests/unit/web_vectors.test.mjs (run by
 * tests/unit/web_vectors.sh in `make check`) compares web/order.js,
 * web/effects.js and web/instruments.js against this output. Exits 1 on any internal failure. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/fields.h"
#include "protocol/instruments.h"
#include "protocol/order.h"

#define ORDER_MAX 64 /* the limit order.h documents */

static json_t *between_out, *valid_out;

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Records [a, b, between(a, b)]; returns the malloc'd key (or NULL). */
static char *between(const char *a, const char *b)
{
    char *k = proto_order_between(a, b);

    json_array_append_new(between_out, json_pack("[ooo]", str_or_null(a),
                                                 str_or_null(b),
                                                 str_or_null(k)));
    return k;
}

static void valid(const char *s)
{
    json_array_append_new(valid_out, json_pack("[ob]", str_or_null(s),
                                               proto_order_valid(s)));
}

/* A string of n copies of c followed by tail. */
static char *rep(char c, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    char *s = malloc(n + t + 1);

    if (!s)
        exit(1);
    memset(s, c, n);
    memcpy(s + n, tail, t + 1);
    return s;
}

static uint32_t lcg_state = 12345;

static uint32_t lcg(uint32_t n)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return (lcg_state >> 16) % n;
}

/* A sorted list of keys that an editor grows. */
typedef struct {
    char *keys[2048];
    size_t n;
} key_list;

/* Inserts a key between keys[i-1] and keys[i] (i in 0..n); false once
 * refused (the key would be too long) or the list is full. */
static bool insert_at(key_list *l, size_t i)
{
    const char *a = i > 0 ? l->keys[i - 1] : NULL;
    const char *b = i < l->n ? l->keys[i] : NULL;
    char *k;

    if (l->n == sizeof l->keys / sizeof l->keys[0])
        return false;
    k = between(a, b);
    if (!k)
        return false;
    if ((a && strcmp(a, k) >= 0) || (b && strcmp(k, b) >= 0) ||
        !proto_order_valid(k)) {
        fprintf(stderr, "proto_vectors: bad key %s between %s and %s\n", k,
                a ? a : "null", b ? b : "null");
        exit(1);
    }
    memmove(&l->keys[i + 1], &l->keys[i], (l->n - i) * sizeof l->keys[0]);
    l->keys[i] = k;
    l->n++;
    return true;
}

static void free_list(key_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        valid(l->keys[i]);
        free(l->keys[i]);
    }
    l->n = 0;
}

static void order_vectors(void)
{
    static const char *const pairs[][2] = {
        {NULL, NULL}, {NULL, "V"}, {"V", NULL}, {"1", NULL}, {NULL, "1"},
        {NULL, "01"}, {NULL, "001"}, {"z", NULL}, {"zz", NULL},
        {"zzzz", NULL}, {"y", NULL}, {"a", "b"}, {"a", "c"}, {"a", "a1"},
        {"a", "a01"}, {"a1", "a2"}, {"a1", "b"}, {"az", "b"}, {"azz", "b"},
        {"9", "A"}, {"Z", "a"}, {"9z", "A"}, {"A", "A1"}, {"1", "2"},
        {"1", "11"}, {"01", "1"}, {"0001", "0002"}, {"V", "V1"},
        {"V", "W"}, {"Vz", "W"}, {"V", "Vzz"}, {"1", "z"}, {"12345", "12346"},
        {"abc", "abd"}, {"abc", "abc1"}, {"xyz", "xz"}, {"y", "z"},
        {"yz", "z"}, {"x", "x0001"}, {"a", "a00000001"},
        /* refused: not a < b, invalid bounds */
        {"b", "a"}, {"a", "a"}, {"V", "1"}, {"0", NULL}, {NULL, "0"},
        {"a0", "b"}, {"a", "b0"}, {"", NULL}, {NULL, ""}, {"a!", NULL},
        {"a", "b b"}, {"-", "a"}, {"a", "~"}, {"\xc3\xa4", NULL},
        {"a_", "b"}, {"A", "a"},
    };
    key_list l = {.n = 0};
    char *s;

    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        free(between(pairs[i][0], pairs[i][1]));

    /* Keys at and around the length limit. */
    for (size_t n = ORDER_MAX - 3; n <= ORDER_MAX + 1; n++) {
        s = rep('z', n, "");
        free(between(s, NULL));
        valid(s);
        free(s);
        s = rep('0', n - 1, "1");
        free(between(NULL, s));
        valid(s);
        free(s);
        s = rep('a', n - 1, "1");
        free(between(s, "b"));
        free(between("a", s));
        valid(s);
        free(s);
        s = rep('V', n - 1, "0");
        valid(s);
        free(s);
    }

    /* An editor: inserts at random spots of a growing list. */
    for (int i = 0; i < 300; i++)
        if (!insert_at(&l, lcg((uint32_t)l.n + 1)))
            break;
    /* Random pairs of that list's keys, in either order (most refused when
     * reversed), with and without gaps. */
    for (int i = 0; i < 100; i++) {
        size_t x = lcg((uint32_t)l.n), y = lcg((uint32_t)l.n);
        free(between(l.keys[x], l.keys[y]));
    }
    free_list(&l);

    /* Always right after the first key, until the keys reach ORDER_MAX. */
    insert_at(&l, 0);
    insert_at(&l, 1);
    for (int i = 0; i < 1000 && insert_at(&l, 1); i++)
        ;
    free_list(&l);
    /* The same just before the last key, from a short start. */
    insert_at(&l, 0);
    insert_at(&l, 1);
    for (int i = 0; i < 1000 && insert_at(&l, l.n - 1); i++)
        ;
    free_list(&l);
    /* Appending and prepending. */
    for (int i = 0; i < 200 && insert_at(&l, l.n); i++)
        ;
    free_list(&l);
    for (int i = 0; i < 200 && insert_at(&l, 0); i++)
        ;
    free_list(&l);

    static const char *const strings[] = {
        "", "0", "1", "9", "A", "Z", "a", "z", "10", "01", "0001", "A0B",
        "abc", "abc0", "abc!", "a b", " a", "a\n", "-", "_", "~", "/", ":",
        "@", "[", "`", "{", "\xc3\xa4", "a\xc3\xa4", "\xe2\x82\xac" "1",
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        valid(strings[i]);
    valid(NULL);
}

static json_t *param_list(const proto_effect_param *p)
{
    json_t *out = json_array();

    for (; p->name; p++)
        json_array_append_new(out, json_pack("{s:s, s:f, s:f, s:f, s:s}",
                                             "name", p->name, "min", p->min,
                                             "max", p->max, "default", p->def,
                                             "unit", p->unit));
    return out;
}

static json_t *string_list(const char *const *s)
{
    json_t *out = json_array();

    for (; *s; s++)
        json_array_append_new(out, json_string(*s));
    return out;
}

static json_t *effect_vectors(void)
{
    json_t *types = json_array(), *eq, *given, *merged, *band;
    const char *type;
    proto_err err;

    for (size_t i = 0; (type = proto_effect_type_at(i)); i++)
        json_array_append_new(types, json_pack("{s:s, s:o, s:o}", "type",
                                               type, "params",
                                               param_list(proto_effect_params(type)),
                                               "defaults",
                                               proto_effect_defaults(type)));
    /* The band an empty object {} becomes: the default band. */
    eq = proto_effect_defaults("eq");
    given = json_pack("{s:[{}]}", "bands");
    merged = proto_effect_merge("eq", eq, given, &err);
    if (!merged) {
        fprintf(stderr, "proto_vectors: %s\n", err.message);
        exit(1);
    }
    band = json_incref(json_array_get(json_object_get(merged, "bands"), 0));
    json_decref(eq);
    json_decref(given);
    json_decref(merged);
    return json_pack("{s:o, s:o, s:o, s:i, s:o, s:o}", "types", types,
                     "band_types", string_list(proto_eq_band_types()),
                     "band_params", param_list(proto_eq_band_params()),
                     "max_bands", PROTO_MAX_EQ_BANDS, "default_band", band,
                     "sync_values", string_list(proto_delay_sync_values()));
}

/* The instrument tables of protocol/instruments.c: per type its params
 * (name, kind, range, choices) and its defaults (the synth's per preset),
 * checked against web/instruments.js. */
static json_t *instrument_vectors(void)
{
    json_t *types = json_object(), *presets = json_object();
    const char *const *t, *const *pr;

    for (t = proto_instrument_types(); *t; t++) {
        json_t *params = json_array();
        for (const proto_instrument_param *p = proto_instrument_params(*t);
             p->name; p++)
            json_array_append_new(params,
                json_pack("{s:s, s:s#, s:f, s:f, s:o}", "name", p->name,
                          "kind", &p->kind, (size_t)1, "min", p->min, "max",
                          p->max, "choices",
                          p->choices ? string_list(p->choices) : json_null()));
        json_object_set_new(types, *t, json_pack("{s:o, s:o}", "params", params,
                            "defaults", proto_instrument_defaults(*t, NULL)));
    }
    for (pr = proto_synth_presets(); *pr; pr++)
        json_object_set_new(presets, *pr, proto_instrument_defaults("synth", *pr));
    return json_pack("{s:o, s:o}", "types", types, "presets", presets);
}

/* A new clip's defaults (the required fields given), for web/doc.js. */
static json_t *clip_defaults(void)
{
    proto_err err;
    json_t *given = json_pack("{s:s, s:i, s:i}", "track", "t", "start", 0,
                              "length", 1);
    json_t *o = proto_build_object("clip", "c", NULL, given, &err);

    json_decref(given);
    if (!o)
        return json_null();
    for (const char *const *k = (const char *const[]){"id", "kind", "track",
                                                      "start", "length", NULL};
         *k; k++)
        json_object_del(o, *k);
    return o;
}

int main(void)
{
    json_t *out;

    between_out = json_array();
    valid_out = json_array();
    order_vectors();
    out = json_pack("{s:{s:i, s:o, s:o}, s:o, s:o, s:o}", "order", "max",
                    ORDER_MAX, "between", between_out, "valid", valid_out,
                    "effects", effect_vectors(), "instruments",
                    instrument_vectors(), "clip_defaults", clip_defaults());
    if (!out || json_dumpf(out, stdout, JSON_REAL_PRECISION(17)) != 0 ||
        puts("") == EOF || fflush(stdout) != 0)
        return 1;
    json_decref(out);
    return 0;
}
