/* test_ws_params.c -- the table-driven checker of WebSocket message fields
 * (server/net/ws_params.h): for each row kind a missing required field, a
 * wrong JSON type, a value out of range, a string too long, null where it
 * is allowed and where it is not; the error's code and a message naming
 * the field; LATER rows checked only on request; LOOSE rows; and a valid
 * message passing with the right values read through the getters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/net/ws_params.h"

static const char *const colors[] = {"red", "green", NULL};
static const struct srv_ws_param frame_item = {.name = "frame",
                                               .type = SRV_WS_FRAME};

/* One table with a row of every type. */
static const struct srv_ws_param rows[] = {
    {.name = "seq", .type = SRV_WS_INTEGER, .flags = SRV_WS_REQUIRED,
     .min = 1, .max = 100},
    {.name = "body", .type = SRV_WS_STRING, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 1, .max = 5},
    {.name = "key", .type = SRV_WS_KEY, .max = 4, .what = "a key"},
    {.name = "client", .type = SRV_WS_ID},
    {.name = "at", .type = SRV_WS_FRAME, .code = PROTO_INVALID_VALUE,
     .max = 1000},
    {.name = "since", .type = SRV_WS_REV, .flags = SRV_WS_NULLABLE},
    {.name = "gain", .type = SRV_WS_NUMBER, .min = -10, .max = 10},
    {.name = "mute", .type = SRV_WS_BOOL},
    {.name = NULL}};

static const struct srv_ws_param rows2[] = {
    {.name = "color", .type = SRV_WS_CHOICE, .code = PROTO_INVALID_VALUE,
     .choices = colors},
    {.name = "opts", .type = SRV_WS_OBJECT},
    {.name = "view", .type = SRV_WS_ARRAY, .flags = SRV_WS_NULLABLE,
     .code = PROTO_INVALID_VALUE, .min = 2, .max = 2, .items = &frame_item},
    {.name = "rev", .type = SRV_WS_REVREF},
    {.name = "author", .type = SRV_WS_KEY, .flags = SRV_WS_LOOSE},
    {.name = "ops", .type = SRV_WS_ARRAY,
     .flags = SRV_WS_REQUIRED | SRV_WS_LATER, .min = 1},
    {.name = NULL}};

/* Checks text against table; returns the checker's result, *err filled.
 * The message stays alive in *msg (the caller frees it). */
static int check(const struct srv_ws_param *table, const char *text,
                 json_t **msg, struct srv_ws_args *a, proto_err *err)
{
    *msg = json_loads(text, JSON_ALLOW_NUL, NULL);
    assert_non_null(*msg);
    return srv_ws_params_check("t", table, *msg, a, err);
}

/* Expects text to fail with code and a message containing each of the
 * NULL-terminated words. */
static void expect_fail(const struct srv_ws_param *table, const char *text,
                        proto_code code, ...)
{
    json_t *msg;
    struct srv_ws_args a;
    proto_err err;
    va_list ap;

    if (check(table, text, &msg, &a, &err) == 0)
        fail_msg("passed: %s", text);
    if (err.code != code)
        fail_msg("%s: code %s, message %s", text, proto_code_name(err.code),
                 err.message);
    va_start(ap, code);
    for (const char *w; (w = va_arg(ap, const char *));)
        if (!strstr(err.message, w))
            fail_msg("%s: \"%s\" lacks \"%s\"", text, err.message, w);
    va_end(ap);
    json_decref(msg);
}

/* Expects text to pass table (its non-LATER rows). */
static void expect_pass(const struct srv_ws_param *table, const char *text)
{
    json_t *msg;
    struct srv_ws_args a;
    proto_err err;

    if (check(table, text, &msg, &a, &err) != 0)
        fail_msg("%s: %s", text, err.message);
    json_decref(msg);
}

static void test_missing_required(void **state)
{
    (void)state;
    expect_fail(rows, "{}", PROTO_BAD_REQUEST, "t needs `seq`",
                "an integer from 1 to 100", NULL);
    /* null is not absent for a required row that is not nullable */
    expect_fail(rows, "{\"seq\":null}", PROTO_BAD_REQUEST, "`seq` must be",
                NULL);
}

static void test_wrong_type(void **state)
{
    (void)state;
    expect_fail(rows, "{\"seq\":\"1\"}", PROTO_BAD_REQUEST, "`seq`", NULL);
    expect_fail(rows, "{\"seq\":1.0}", PROTO_BAD_REQUEST, "`seq`", NULL);
    expect_fail(rows, "{\"seq\":1,\"body\":3}", PROTO_INVALID_VALUE,
                "`body` must be null or text of 1 to 5 characters", NULL);
    expect_fail(rows, "{\"seq\":1,\"key\":[]}", PROTO_BAD_REQUEST,
                "`key` must be a key (a string of at most 4 bytes)", NULL);
    expect_fail(rows, "{\"seq\":1,\"client\":\"a b\"}", PROTO_BAD_REQUEST,
                "`client`", "A-Z a-z 0-9 _ -", NULL);
    expect_fail(rows, "{\"seq\":1,\"at\":\"0\"}", PROTO_INVALID_VALUE,
                "`at` must be a position in frames", NULL);
    expect_fail(rows, "{\"seq\":1,\"gain\":\"x\"}", PROTO_BAD_REQUEST,
                "`gain` must be a number from -10 to 10", NULL);
    expect_fail(rows, "{\"seq\":1,\"mute\":0}", PROTO_BAD_REQUEST,
                "`mute` must be true or false", NULL);
    expect_fail(rows2, "{\"color\":1}", PROTO_INVALID_VALUE,
                "one of \"red\", \"green\"", NULL);
    expect_fail(rows2, "{\"opts\":[]}", PROTO_BAD_REQUEST,
                "`opts` must be an object", NULL);
    expect_fail(rows2, "{\"view\":{}}", PROTO_INVALID_VALUE, "`view`", NULL);
    expect_fail(rows2, "{\"rev\":true}", PROTO_BAD_REQUEST,
                "`rev` must be a revision number or a version id", NULL);
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect_fail(rows, "{\"seq\":0}", PROTO_BAD_REQUEST, "`seq`", NULL);
    expect_fail(rows, "{\"seq\":101}", PROTO_BAD_REQUEST, "`seq`", NULL);
    expect_fail(rows, "{\"seq\":1,\"at\":-1}", PROTO_INVALID_VALUE,
                "`at` must be a position in frames (an integer from 0 to "
                "1000)", NULL);
    expect_fail(rows, "{\"seq\":1,\"at\":1001}", PROTO_INVALID_VALUE, "`at`",
                NULL);
    expect_fail(rows, "{\"seq\":1,\"since\":-1}", PROTO_BAD_REQUEST,
                "`since` must be null or a revision (an integer >= 0)", NULL);
    expect_fail(rows, "{\"seq\":1,\"gain\":10.5}", PROTO_BAD_REQUEST,
                "`gain`", NULL);
    expect_fail(rows2, "{\"color\":\"blue\"}", PROTO_INVALID_VALUE,
                "`color`", NULL);
    expect_fail(rows2, "{\"view\":[1]}", PROTO_INVALID_VALUE,
                "`view` must be null or an array of exactly 2 items, each a "
                "position in frames", NULL);
    expect_fail(rows2, "{\"view\":[1,-2]}", PROTO_INVALID_VALUE, "`view`",
                NULL);
    expect_pass(rows, "{\"seq\":100,\"at\":1000,\"gain\":-10}");
}

static void test_too_long(void **state)
{
    (void)state;
    expect_fail(rows, "{\"seq\":1,\"body\":\"\"}", PROTO_INVALID_VALUE,
                "`body`", NULL);
    expect_fail(rows, "{\"seq\":1,\"body\":\"abcdef\"}", PROTO_INVALID_VALUE,
                "`body`", NULL);
    /* code points, not bytes: five two-byte characters fit */
    expect_pass(rows, "{\"seq\":1,\"body\":\"\\u00e9\\u00e9\\u00e9\\u00e9"
                      "\\u00e9\"}");
    /* no NUL inside text */
    expect_fail(rows, "{\"seq\":1,\"body\":\"a\\u0000b\"}",
                PROTO_INVALID_VALUE, "`body`", NULL);
    /* keys count bytes */
    expect_fail(rows, "{\"seq\":1,\"key\":\"\\u00e9\\u00e9\\u00e9\"}",
                PROTO_BAD_REQUEST, "`key`", NULL);
    expect_pass(rows, "{\"seq\":1,\"key\":\"\\u00e9\\u00e9\"}");
    char text[128];
    snprintf(text, sizeof text, "{\"seq\":1,\"client\":\"%065d\"}", 0);
    expect_fail(rows, text, PROTO_BAD_REQUEST, "`client`", NULL);
    snprintf(text, sizeof text, "{\"seq\":1,\"client\":\"%064d\"}", 0);
    expect_pass(rows, text);
}

static void test_null(void **state)
{
    (void)state;
    /* allowed: reads as absent */
    expect_pass(rows, "{\"seq\":1,\"body\":null,\"since\":null}");
    expect_pass(rows2, "{\"view\":null,\"author\":null,\"ops\":7}");
    /* not allowed */
    expect_fail(rows, "{\"seq\":1,\"key\":null}", PROTO_BAD_REQUEST,
                "`key` must be a key", NULL);
    expect_fail(rows, "{\"seq\":1,\"at\":null}", PROTO_INVALID_VALUE, "`at`",
                NULL);
    expect_fail(rows2, "{\"rev\":null}", PROTO_BAD_REQUEST, "`rev`", NULL);
}

static void test_valid_values(void **state)
{
    json_t *msg;
    struct srv_ws_args a;
    proto_err err;

    (void)state;
    assert_int_equal(check(rows,
                           "{\"seq\":7,\"body\":\"hi\",\"key\":\"k1\","
                           "\"client\":\"c-1\",\"at\":0,\"gain\":-3.5,"
                           "\"mute\":true,\"extra\":[1,2]}",
                           &msg, &a, &err),
                     0);
    assert_int_equal(srv_ws_arg_int(&a, "seq", -1), 7);
    assert_string_equal(srv_ws_arg_str(&a, "body"), "hi");
    assert_string_equal(srv_ws_arg_str(&a, "key"), "k1");
    assert_string_equal(srv_ws_arg_str(&a, "client"), "c-1");
    assert_true(srv_ws_arg_has(&a, "at"));
    assert_int_equal(srv_ws_arg_int(&a, "at", -1), 0);
    assert_false(srv_ws_arg_has(&a, "since"));
    assert_int_equal(srv_ws_arg_int(&a, "since", -1), -1);
    assert_true(srv_ws_arg_num(&a, "gain", 0) == -3.5);
    assert_true(srv_ws_arg_bool(&a, "mute", false));
    json_decref(msg);

    /* an integer is a number too; absent values give the defaults */
    assert_int_equal(check(rows, "{\"seq\":1,\"gain\":2}", &msg, &a, &err), 0);
    assert_true(srv_ws_arg_num(&a, "gain", 0) == 2.0);
    assert_false(srv_ws_arg_bool(&a, "mute", false));
    assert_null(srv_ws_arg_str(&a, "body"));
    json_decref(msg);

    assert_int_equal(check(rows2,
                           "{\"color\":\"green\",\"opts\":{\"x\":1},"
                           "\"view\":[0,9],\"rev\":\"v_1\",\"author\":5,"
                           "\"ops\":[{}]}",
                           &msg, &a, &err),
                     0);
    assert_string_equal(srv_ws_arg_str(&a, "color"), "green");
    assert_true(json_is_object(srv_ws_arg_json(&a, "opts")));
    assert_int_equal(json_array_size(srv_ws_arg_json(&a, "view")), 2);
    assert_string_equal(srv_ws_arg_str(&a, "rev"), "v_1");
    assert_int_equal(srv_ws_arg_int(&a, "rev", -1), -1);
    /* a LOOSE row of the wrong type reads as absent */
    assert_null(srv_ws_arg_str(&a, "author"));
    assert_int_equal(srv_ws_args_check_later(&a, &err), 0);
    assert_int_equal(json_array_size(srv_ws_arg_json(&a, "ops")), 1);
    json_decref(msg);

    assert_int_equal(check(rows2, "{\"rev\":12,\"author\":\"u_1\"}", &msg, &a,
                           &err),
                     0);
    assert_int_equal(srv_ws_arg_int(&a, "rev", -1), 12);
    assert_null(srv_ws_arg_str(&a, "rev"));
    assert_string_equal(srv_ws_arg_str(&a, "author"), "u_1");
    json_decref(msg);
}

static void test_later_rows(void **state)
{
    json_t *msg;
    struct srv_ws_args a;
    proto_err err;

    (void)state;
    /* the first check skips `ops`; the later one fails on it */
    assert_int_equal(check(rows2, "{\"ops\":[]}", &msg, &a, &err), 0);
    assert_int_equal(srv_ws_args_check_later(&a, &err), -1);
    assert_int_equal(err.code, PROTO_BAD_REQUEST);
    assert_non_null(strstr(err.message, "`ops` must be an array of at least "
                                        "1 item"));
    json_decref(msg);
    assert_int_equal(check(rows2, "{}", &msg, &a, &err), 0);
    assert_int_equal(srv_ws_args_check_later(&a, &err), -1);
    assert_non_null(strstr(err.message, "t needs `ops`"));
    json_decref(msg);
}

static void test_no_table(void **state)
{
    json_t *msg = json_pack("{s:s}", "type", "ping");
    struct srv_ws_args a;
    proto_err err;

    (void)state;
    assert_int_equal(srv_ws_params_check("ping", NULL, msg, &a, &err), 0);
    assert_int_equal(srv_ws_args_check_later(&a, &err), 0);
    json_decref(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_required),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_null),
        cmocka_unit_test(test_valid_values),
        cmocka_unit_test(test_later_rows),
        cmocka_unit_test(test_no_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
