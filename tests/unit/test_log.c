/* test_log.c -- server/core/log.c: JSON lines that parse whatever a
 * message holds (quotes, backslashes, control characters, bad UTF-8),
 * fields in both formats, the log file and its reopen after a move (what
 * SIGHUP does for logrotate); and the flag table's defaults against
 * srv_config_defaults (what --help and the man pages say). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/app/cli_serve.h"
#include "server/core/config.h"
#include "server/core/log.h"

static char dir[] = "/tmp/mixroom-test-log-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    srv_log_close_file();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The lines of a file (at most max), each malloc'd; returns the count. */
static int read_lines(const char *path, char **lines, int max)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int n = 0;

    if (!f)
        return -1;
    while ((len = getline(&line, &cap, f)) >= 0 && n < max) {
        assert_true(len > 0 && line[len - 1] == '\n');
        line[len - 1] = '\0';
        lines[n++] = strdup(line);
    }
    free(line);
    fclose(f);
    return n;
}

static void free_lines(char **lines, int n)
{
    for (int i = 0; i < n; i++)
        free(lines[i]);
}

static void test_json_escaping(void **state)
{
    char path[128], err[256], *lines[8];
    const struct srv_log_field f[] = {{"path", "/a\"b\\c\n"}, {"who", "\xff"}};
    json_error_t jerr;
    int n;

    (void)state;
    snprintf(path, sizeof path, "%s/json.log", dir);
    assert_int_equal(srv_log_open_file(path, err, sizeof err), 0);
    srv_log_set_format(SRV_LOG_JSON);
    srv_info("quote \" backslash \\ newline \n tab \t ctrl \x01 del \x7f");
    srv_warn("bad \xff \xc3( overlong \xc0\xaf \xe0\x80\x80 surrogate \xed\xa0\x80 "
             "ok \xc3\xa9 \xf0\x9d\x84\x9e");
    srv_log_fields(SRV_LOG_ERROR, f, 2, "with %d fields", 2);
    srv_debug("dropped: below the threshold");
    srv_log_close_file();
    srv_log_set_format(SRV_LOG_TEXT);

    n = read_lines(path, lines, 8);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++) {
        json_t *o = json_loads(lines[i], 0, &jerr);
        assert_non_null(o);
        assert_true(json_is_string(json_object_get(o, "ts")));
        assert_int_equal(strlen(json_string_value(json_object_get(o, "ts"))), 24);
        assert_string_equal(json_string_value(json_object_get(o, "level")),
                            i == 0 ? "info" : i == 1 ? "warn" : "error");
        if (i == 0)
            assert_string_equal(json_string_value(json_object_get(o, "msg")),
                                "quote \" backslash \\ newline \n tab \t ctrl \x01 del \x7f");
        if (i == 1)
            assert_string_equal(json_string_value(json_object_get(o, "msg")),
                                "bad \xef\xbf\xbd \xef\xbf\xbd( overlong \xef\xbf\xbd\xef\xbf\xbd "
                                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate "
                                "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd ok \xc3\xa9 \xf0\x9d\x84\x9e");
        if (i == 2) {
            assert_string_equal(json_string_value(json_object_get(o, "msg")), "with 2 fields");
            assert_string_equal(json_string_value(json_object_get(o, "path")), "/a\"b\\c\n");
            assert_string_equal(json_string_value(json_object_get(o, "who")), "\xef\xbf\xbd");
            assert_int_equal(json_object_size(o), 5);
        }
        json_decref(o);
    }
    free_lines(lines, n);
}

static void test_text_fields(void **state)
{
    char path[128], err[256], *lines[4];
    const struct srv_log_field f[] = {{"url", "http://x:1"}, {"data", "a dir"}};

    (void)state;
    snprintf(path, sizeof path, "%s/text.log", dir);
    assert_int_equal(srv_log_open_file(path, err, sizeof err), 0);
    srv_log_fields(SRV_LOG_INFO, f, 2, "listening");
    srv_log_close_file();
    assert_int_equal(read_lines(path, lines, 4), 1);
    assert_non_null(strstr(lines[0], " INFO  listening url=http://x:1 data=\"a dir\""));
    free_lines(lines, 1);
}

/* logrotate: the file is moved away, SIGHUP asks, the tick reopens: the
 * next lines go to a new file at the old path, none are lost. */
static void test_reopen_after_move(void **state)
{
    char path[128], moved[140], err[256], *lines[8];
    int n;

    (void)state;
    snprintf(path, sizeof path, "%s/rot.log", dir);
    snprintf(moved, sizeof moved, "%s.1", path);
    assert_int_equal(srv_log_open_file(path, err, sizeof err), 0);
    srv_info("before");
    assert_int_equal(rename(path, moved), 0);
    srv_log_reopen_pending(); /* not asked: nothing happens */
    assert_int_equal(access(path, F_OK), -1);
    srv_info("still the old file");
    srv_log_request_reopen();
    srv_log_reopen_pending();
    srv_info("after");
    srv_log_close_file();

    n = read_lines(moved, lines, 8);
    assert_int_equal(n, 2);
    assert_non_null(strstr(lines[0], "before"));
    assert_non_null(strstr(lines[1], "still the old file"));
    free_lines(lines, n);
    n = read_lines(path, lines, 8);
    assert_int_equal(n, 2);
    assert_non_null(strstr(lines[0], "reopened the log file"));
    assert_non_null(strstr(lines[1], "after"));
    free_lines(lines, n);
}

static void test_open_refused(void **state)
{
    char err[256];

    (void)state;
    assert_int_equal(srv_log_open_file("/nonexistent-dir/x.log", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x.log"));
    assert_non_null(strstr(err, "No such file"));
}

static void test_settings(void **state)
{
    struct srv_config c;
    char err[256];

    (void)state;
    srv_config_defaults(&c);
    assert_int_equal(c.log_format, SRV_LOG_TEXT);
    assert_string_equal(c.log_file, "");
    assert_int_equal(srv_config_set(&c, "log_format", "json", err, sizeof err), 0);
    assert_int_equal(c.log_format, SRV_LOG_JSON);
    assert_int_equal(srv_config_set(&c, "log_format", "xml", err, sizeof err), -1);
    assert_string_equal(err, "log_format: 'xml' is not valid; expected text or json");
    assert_int_equal(c.log_format, SRV_LOG_JSON);
    assert_int_equal(srv_config_set(&c, "log_file", "/var/log/m.log", err, sizeof err), 0);
    assert_string_equal(c.log_file, "/var/log/m.log");
    assert_int_equal(srv_config_set(&c, "log_file", "", err, sizeof err), -1);
    assert_string_equal(c.log_file, "/var/log/m.log");
}

/* Every default the flag table states (for --help and the man pages) is
 * the default: setting it on a default config changes nothing. */
static void test_flag_defaults_are_the_defaults(void **state)
{
    struct srv_config def, c;
    const struct srv_cli_flag *f;
    char err[256];
    int n, checked = 0;

    (void)state;
    srv_config_defaults(&def);
    f = srv_cli_flags(&n);
    for (int i = 0; i < n; i++) {
        if (f[i].def[0] == '(')
            continue; /* a description, not a value */
        srv_config_defaults(&c);
        assert_int_equal(srv_config_set(&c, f[i].key, f[i].def, err, sizeof err), 0);
        if (memcmp(&c, &def, sizeof c) != 0)
            fail_msg("the flag table's default of %s (%s) is not the default", f[i].key, f[i].def);
        checked++;
    }
    assert_true(checked >= 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_text_fields),
        cmocka_unit_test(test_reopen_after_move),
        cmocka_unit_test(test_open_refused),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_flag_defaults_are_the_defaults),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
