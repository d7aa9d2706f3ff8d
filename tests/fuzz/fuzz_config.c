/* fuzz_config.c -- libFuzzer harness over the settings parser
 * (server/core/config.c). Each input is used twice:
 *  - as a config file (written to a memfd, read by srv_config_load_file)
 *    and compared with a model of the format the header promises: lines
 *    split at '\n', trimmed, blank and '#' lines skipped, every other line
 *    `key = value` applied with srv_config_set in order, the first refused
 *    line stopping the load with "PATH:LINE: message". The loaded config,
 *    the return code and the message must equal the model's;
 *  - as one `key=value` pair (split at the first '='; the bytes up to a
 *    NUL count) given to srv_config_set: a refused pair leaves the config
 *    byte-for-byte unchanged and says why; an accepted one round-trips
 *    (the value rendered back from the config and set on a fresh copy
 *    gives the same config) and setting it again changes nothing (except
 *    allowed_origin, which appends).
 * Built by tests/fuzz/run.sh (clang) and replayed by tests/fuzz/replay.c. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "server/core/config.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int in_fd = -1;
static char in_path[64];
static struct srv_config defaults;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    in_fd = memfd_create("fuzz-config", MFD_CLOEXEC);
    if (in_fd < 0)
        abort();
    snprintf(in_path, sizeof in_path, "/proc/self/fd/%d", in_fd);
    srv_config_defaults(&defaults);
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* The model of the file format: returns 0 or -1 with err like the loader. */
static int model_load(struct srv_config *cfg, const uint8_t *data,
                      size_t size, char *err, size_t errlen)
{
    const char *p = (const char *)data, *end = p + size;
    char msg[512];
    int lineno = 0, rc = 0;

    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *line = malloc(n + 1), *s, *eq;
        if (!line)
            abort();
        memcpy(line, p, n);
        line[n] = '\0';
        lineno++;
        s = trim(line);
        if (*s && *s != '#') {
            eq = strchr(s, '=');
            if (!eq) {
                snprintf(err, errlen, "%s:%d: expected key = value", in_path,
                         lineno);
                rc = -1;
            } else {
                *eq = '\0';
                if (srv_config_set(cfg, trim(s), trim(eq + 1), msg,
                                   sizeof msg)) {
                    snprintf(err, errlen, "%s:%d: %s", in_path, lineno, msg);
                    rc = -1;
                }
            }
        }
        free(line);
        p += n + (nl ? 1 : 0);
    }
    return rc;
}

static void check_file(const uint8_t *data, size_t size)
{
    struct srv_config *got = malloc(sizeof *got), *want = malloc(sizeof *want);
    char err_got[1024] = "", err_want[1024] = "";
    int rc_got, rc_want;

    if (!got || !want || ftruncate(in_fd, 0) != 0 ||
        (size && pwrite(in_fd, data, size, 0) != (ssize_t)size))
        abort();
    memcpy(got, &defaults, sizeof *got);
    memcpy(want, &defaults, sizeof *want);
    rc_got = srv_config_load_file(got, in_path, err_got, sizeof err_got);
    rc_want = model_load(want, data, size, err_want, sizeof err_want);
    if (rc_got != rc_want || memcmp(got, want, sizeof *got) ||
        strcmp(err_got, err_want)) {
        fprintf(stderr, "load_file %d '%s', model %d '%s'\n", rc_got, err_got,
                rc_want, err_want);
        abort();
    }
    free(got);
    free(want);
}

/* The value of key in cfg as the setter takes it, or NULL if key has no
 * such rendering. */
static const char *render(const struct srv_config *cfg, const char *key,
                          char *buf, size_t n)
{
    static const char *const levels[] = {"error", "warn", "info", "debug"};

    if (!strcmp(key, "listen"))
        snprintf(buf, n, "%s:%d", cfg->listen_host, cfg->listen_port);
    else if (!strcmp(key, "data"))
        snprintf(buf, n, "%s", cfg->data_dir);
    else if (!strcmp(key, "web"))
        snprintf(buf, n, "%s", cfg->web_dir);
    else if (!strcmp(key, "log_level") && cfg->log_level >= 0 &&
             cfg->log_level < 4)
        snprintf(buf, n, "%s", levels[cfg->log_level]);
    else if (!strcmp(key, "synchronous"))
        snprintf(buf, n, "%s", cfg->synchronous);
    else if (!strcmp(key, "session_days"))
        snprintf(buf, n, "%d", cfg->session_days);
    else if (!strcmp(key, "upload_limit"))
        snprintf(buf, n, "%lld", (long long)cfg->upload_limit);
    else if (!strcmp(key, "tls_cert"))
        snprintf(buf, n, "%s", cfg->tls_cert);
    else if (!strcmp(key, "tls_key"))
        snprintf(buf, n, "%s", cfg->tls_key);
    else if (!strcmp(key, "allowed_origin") && cfg->n_origins > 0)
        snprintf(buf, n, "%s", cfg->allowed_origins[cfg->n_origins - 1]);
    else if (!strcmp(key, "opus_bitrate"))
        snprintf(buf, n, "%d", cfg->opus_bitrate);
    else if (!strcmp(key, "opus_complexity"))
        snprintf(buf, n, "%d", cfg->opus_complexity);
    else if (!strcmp(key, "workers"))
        snprintf(buf, n, "%d", cfg->workers);
    else if (!strcmp(key, "demo"))
        snprintf(buf, n, "%s", cfg->demo ? "true" : "false");
    else if (!strcmp(key, "log_format") && cfg->log_format >= 0 &&
             cfg->log_format < 2)
        snprintf(buf, n, "%s", cfg->log_format ? "json" : "text");
    else if (!strcmp(key, "log_file"))
        snprintf(buf, n, "%s", cfg->log_file);
    else if (!strcmp(key, "metrics_token"))
        snprintf(buf, n, "%s", cfg->metrics_token);
    else if (!strcmp(key, "trusted_proxies") && cfg->n_proxies > 0)
        snprintf(buf, n, "%s", cfg->trusted_proxies[cfg->n_proxies - 1]);
    else if (!strcmp(key, "node") || !strcmp(key, "node_name"))
        snprintf(buf, n, "%s", cfg->node_name);
    else if (!strcmp(key, "store"))
        snprintf(buf, n, "sqlite:"); /* the process's store, not in cfg */
    else if (!strcmp(key, "assets"))
        snprintf(buf, n, "%s", cfg->assets);
    else if (!strcmp(key, "s3_endpoint"))
        snprintf(buf, n, "%s", cfg->s3_endpoint);
    else if (!strcmp(key, "s3_region"))
        snprintf(buf, n, "%s", cfg->s3_region);
    else if (!strcmp(key, "s3_access_key"))
        snprintf(buf, n, "%s", cfg->s3_access_key);
    else if (!strcmp(key, "s3_secret_key"))
        snprintf(buf, n, "%s", cfg->s3_secret_key);
    else if (!strcmp(key, "s3_virtual_host"))
        snprintf(buf, n, "%s", cfg->s3_virtual_host ? "true" : "false");
    else {
        int nl;
        const struct srv_config_limit *l = srv_config_limits(&nl);
        for (int i = 0; i < nl; i++)
            if (!strcmp(key, l[i].key)) {
                snprintf(buf, n, "%lld",
                         (long long)*(const int64_t *)(const void *)(
                             (const char *)cfg + l[i].offset));
                return buf;
            }
        return NULL;
    }
    return buf;
}

static void check_pair(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *eq, *key, *value, err[1024];
    struct srv_config *cfg = malloc(sizeof *cfg), *again = malloc(sizeof *again);
    char *buf = malloc(8192);

    if (!text || !cfg || !again || !buf)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    eq = strchr(text, '=');
    key = text;
    value = eq ? eq + 1 : text + strlen(text);
    if (eq)
        *eq = '\0';
    memcpy(cfg, &defaults, sizeof *cfg);
    err[0] = '\0';
    if (srv_config_set(cfg, key, value, err, sizeof err) != 0) {
        if (memcmp(cfg, &defaults, sizeof *cfg) || !err[0])
            abort();
        goto out;
    }
    if (!render(cfg, key, buf, 8192))
        abort(); /* accepted a key with no meaning */
    memcpy(again, &defaults, sizeof *again);
    if (srv_config_set(again, key, buf, err, sizeof err) != 0 ||
        memcmp(again, cfg, sizeof *cfg))
        abort();
    if (strcmp(key, "allowed_origin") && strcmp(key, "trusted_proxies")) {
        if (srv_config_set(again, key, value, err, sizeof err) != 0 ||
            memcmp(again, cfg, sizeof *cfg))
            abort();
    }
out:
    free(text);
    free(cfg);
    free(again);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (in_fd < 0)
        LLVMFuzzerInitialize(NULL, NULL);
    check_file(data, size);
    check_pair(data, size);
    return 0;
}
