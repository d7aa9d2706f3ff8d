/* test_config.c -- settings: defaults, every setter's accepted and refused
 * values, the config file format, MIXROOM_* variables, and the precedence
 * flags > environment > file > defaults as `mixroom serve` applies it.
 * Reads docs/security.md from $srcdir (make check sets it) or else from
 * the source tree it was built from, so it also runs by hand from the
 * build folder: ./tests/unit/test_config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/app/cli_serve.h"
#include "server/core/config.h"
#include "server/core/store.h"
#include "server/core/log.h"

static void test_defaults(void **state)
{
    struct srv_config c;

    (void)state;
    srv_config_defaults(&c);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_string_equal(c.data_dir, "./data");
    assert_string_equal(c.synchronous, "FULL");
    assert_int_equal(c.session_days, 30);
    assert_true(c.upload_limit == (int64_t)1 << 30);
    assert_int_equal(c.log_level, SRV_LOG_INFO);
    assert_true(c.demo);
}

static void test_set_good_and_bad(void **state)
{
    struct srv_config c;
    char err[512];

    (void)state;
    srv_config_defaults(&c);
    assert_int_equal(srv_config_set(&c, "listen", "0.0.0.0:9000", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "0.0.0.0");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(srv_config_set(&c, "listen", "[::1]:7000", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "[::1]");

    static const char *const bad[][2] = {
        {"listen", "nocolon"},     {"listen", "host:99999"},
        {"listen", "host:"},       {"listen", ":80"},
        {"log_level", "loud"},     {"synchronous", "OFF"},
        {"session_days", "0"},     {"session_days", "x"},
        {"upload_limit", "12"},    {"opus_complexity", "11"},
        {"opus_bitrate", "-5"},    {"workers", "0"},
        {"demo", "maybe"},         {"allowed_origin", "example.com"},
        {"data", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct srv_config before = c;
        err[0] = '\0';
        assert_int_equal(srv_config_set(&c, bad[i][0], bad[i][1], err, sizeof err), -1);
        /* The message names the setting; the config is unchanged. */
        assert_non_null(strstr(err, bad[i][0]));
        assert_memory_equal(&before, &c, sizeof c);
    }
    assert_int_equal(srv_config_set(&c, "nosuch", "1", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown setting 'nosuch'"));
    assert_int_equal(srv_config_set(&c, "synchronous", "normal", err, sizeof err), 0);
    assert_string_equal(c.synchronous, "NORMAL");
    assert_int_equal(srv_config_set(&c, "allowed_origin", "https://a.example", err, sizeof err), 0);
    assert_int_equal(srv_config_set(&c, "allowed_origin", "https://b.example", err, sizeof err), 0);
    assert_int_equal(c.n_origins, 2);
}

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/mixroom-config-XXXXXX");
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_file(void **state)
{
    struct srv_config c;
    char err[512];
    char *good = write_temp("# a comment\n\nlisten = 127.0.0.1:9001\n"
                            "data=/tmp/x  \n log_level = debug\n");
    char *bad = write_temp("listen = 127.0.0.1:9001\nlog_level = loud\n");
    char *junk = write_temp("just words\n");

    (void)state;
    srv_config_defaults(&c);
    assert_int_equal(srv_config_load_file(&c, good, err, sizeof err), 0);
    assert_int_equal(c.listen_port, 9001);
    assert_string_equal(c.data_dir, "/tmp/x");
    assert_int_equal(c.log_level, SRV_LOG_DEBUG);
    assert_int_equal(srv_config_load_file(&c, bad, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2:"));
    assert_non_null(strstr(err, "log_level"));
    assert_int_equal(srv_config_load_file(&c, junk, err, sizeof err), -1);
    assert_non_null(strstr(err, "key = value"));
    assert_int_equal(srv_config_load_file(&c, "/nonexistent/x.conf", err, sizeof err), -1);
    unlink(good);
    unlink(bad);
    unlink(junk);
    free(good);
    free(bad);
    free(junk);
}

static void test_env(void **state)
{
    struct srv_config c;
    char err[512];
    char *env[] = {(char *)"PATH=/bin", (char *)"MIXROOM_LISTEN=127.0.0.1:9100",
                   (char *)"MIXROOM_DATA=/tmp/envdata", NULL};
    char *badenv[] = {(char *)"MIXROOM_WORKERS=none", NULL};
    char *unknown[] = {(char *)"MIXROOM_COLOUR=blue", NULL};

    (void)state;
    srv_config_defaults(&c);
    assert_int_equal(srv_config_load_env(&c, env, err, sizeof err), 0);
    assert_int_equal(c.listen_port, 9100);
    assert_string_equal(c.data_dir, "/tmp/envdata");
    assert_int_equal(srv_config_load_env(&c, badenv, err, sizeof err), -1);
    assert_non_null(strstr(err, "MIXROOM_WORKERS"));
    assert_int_equal(srv_config_load_env(&c, unknown, err, sizeof err), -1);
    assert_non_null(strstr(err, "MIXROOM_COLOUR"));
}

/* flags > environment > file > defaults, through the serve option parser. */
static void test_precedence(void **state)
{
    struct srv_config c;
    char err[512];
    char *file = write_temp("listen = 127.0.0.1:1111\ndata = /from/file\n"
                            "log_level = warn\nworkers = 3\n");
    char *argv[] = {(char *)"serve", (char *)"--config", file, (char *)"--listen", (char *)"127.0.0.1:3333",
                    NULL};

    (void)state;
    setenv("MIXROOM_LISTEN", "127.0.0.1:2222", 1);
    setenv("MIXROOM_DATA", "/from/env", 1);
    assert_int_equal(srv_cli_load_config(&c, 5, argv, "serve", err, sizeof err), 0);
    assert_int_equal(c.listen_port, 3333);         /* flag */
    assert_string_equal(c.data_dir, "/from/env");  /* env beats file */
    assert_int_equal(c.log_level, SRV_LOG_WARN);   /* file beats default */
    assert_int_equal(c.workers, 3);
    assert_int_equal(c.session_days, 30);          /* default */
    unsetenv("MIXROOM_LISTEN");
    unsetenv("MIXROOM_DATA");

    char *bad[] = {(char *)"serve", (char *)"--workers", (char *)"lots", NULL};
    assert_int_equal(srv_cli_load_config(&c, 3, bad, "serve", err, sizeof err), -1);
    assert_non_null(strstr(err, "--workers"));
    char *unknown[] = {(char *)"serve", (char *)"--frobnicate", NULL};
    assert_int_equal(srv_cli_load_config(&c, 2, unknown, "serve", err, sizeof err), -1);
    assert_non_null(strstr(err, "--frobnicate"));
    char *missing[] = {(char *)"serve", (char *)"--listen", NULL};
    assert_int_equal(srv_cli_load_config(&c, 2, missing, "serve", err, sizeof err), -1);
    assert_non_null(strstr(err, "--listen"));
    unlink(file);
    free(file);
}

/* --listen takes an address the server can bind exactly: IPv4 and
 * bracketed IPv6 literals, and "localhost" for 127.0.0.1; a host name is
 * refused (the server would otherwise bind something else). */
static void test_listen_hosts(void **state)
{
    struct srv_config c;
    char err[256];
    static const char *const bad[] = {"example.org:80", "[::1:80", "::1:80",
                                      "127.0.0.256:80", "[nope]:80", "[]:80"};

    (void)state;
    srv_config_defaults(&c);
    assert_int_equal(srv_config_set(&c, "listen", "localhost:8081", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8081);
    assert_int_equal(srv_config_set(&c, "listen", "[::]:8082", err, sizeof err), 0);
    assert_string_equal(c.listen_host, "[::]");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct srv_config before = c;
        assert_int_equal(srv_config_set(&c, "listen", bad[i], err, sizeof err), -1);
        assert_non_null(strstr(err, "IP address"));
        assert_memory_equal(&before, &c, sizeof c);
    }
}

/* The limits table: every limit has its default, takes its range and
 * refuses values outside it naming the setting and the range. */
static void test_limits(void **state)
{
    struct srv_config c;
    char err[256];
    int n;
    const struct srv_config_limit *l = srv_config_limits(&n);

    (void)state;
    srv_config_defaults(&c);
    assert_true(n >= 15);
    assert_int_equal(c.max_upload_seconds, 1800);
    assert_int_equal(c.max_push_ops, 10000);
    for (int i = 0; i < n; i++) {
        char v[32];
        const int64_t *f = (const int64_t *)(const void *)((const char *)&c + l[i].offset);
        assert_int_equal(*f, l[i].def);
        assert_true(l[i].min <= l[i].def && l[i].def <= l[i].max);
        snprintf(v, sizeof v, "%lld", l[i].max);
        assert_int_equal(srv_config_set(&c, l[i].key, v, err, sizeof err), 0);
        assert_int_equal(*f, l[i].max);
        struct srv_config before = c;
        snprintf(v, sizeof v, "%lld", l[i].min - 1);
        assert_int_equal(srv_config_set(&c, l[i].key, v, err, sizeof err), -1);
        assert_non_null(strstr(err, l[i].key));
        assert_non_null(strstr(err, "from"));
        assert_memory_equal(&before, &c, sizeof c);
    }
    assert_int_equal(srv_config_set(&c, "trusted_proxies", "10.0.0.1", err, sizeof err), 0);
    assert_int_equal(c.n_proxies, 1);
    assert_int_equal(srv_config_set(&c, "trusted_proxies", "proxy.example", err, sizeof err), -1);
    assert_int_equal(c.n_proxies, 1);
}

/* The cluster's settings: node (also node_name, MIXROOM_NODE) and store
 * (the process's store, server/core/store.c: a good URL is accepted, a bad
 * one refused naming the key). */
static void test_cluster_settings(void **state)
{
    struct srv_config c, before;
    char err[512];
    char env0[] = "MIXROOM_NODE=node-7.eu_west";
    char *env[] = {env0, NULL};

    (void)state;
    srv_config_defaults(&c);
    assert_true(srv_config_node_name_ok(c.node_name)); /* the host name */
    assert_int_equal(srv_config_set(&c, "node", "b", err, sizeof err), 0);
    assert_string_equal(c.node_name, "b");
    assert_int_equal(srv_config_load_env(&c, env, err, sizeof err), 0);
    assert_string_equal(c.node_name, "node-7.eu_west");
    assert_int_equal(srv_config_set(&c, "store", "postgresql://u@127.0.0.1:5/db", err, sizeof err), 0);
    assert_true(store_is_pg());
    static const char *const bad[][2] = {
        {"node", ""}, {"node", "a b"}, {"node", "x/y"}, {"node", "é"},
        {"node", "0123456789012345678901234567890123456789012345678901234567890123"},
        {"store", "mysql://x"}, {"store", "/tmp/db"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        before = c;
        err[0] = '\0';
        assert_int_equal(srv_config_set(&c, bad[i][0], bad[i][1], err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i][0]));
        assert_memory_equal(&before, &c, sizeof c);
    }
}

/* Every limit is documented: each key of the limits table appears in
 * docs/security.md as `key`. */
static void test_limits_documented(void **state)
{
    const char *srcdir = getenv("srcdir");
    char path[4096], *text;
    long size;
    int n;
    const struct srv_config_limit *l = srv_config_limits(&n);
    FILE *f;

    (void)state;
    snprintf(path, sizeof path, "%s/docs/security.md",
             srcdir && srcdir[0] ? srcdir : MX_TOP_SRCDIR);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot read %s (srcdir: the source tree): %s", path,
                 strerror(errno));
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    for (int i = 0; i < n; i++) {
        char key[80];
        snprintf(key, sizeof key, "`%s`", l[i].key);
        if (!strstr(text, key))
            fail_msg("%s is not documented in docs/security.md", key);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_hosts),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_limits_documented),
        cmocka_unit_test(test_cluster_settings),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_set_good_and_bad),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_env),
        cmocka_unit_test(test_precedence),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
