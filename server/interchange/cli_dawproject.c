/* cli_dawproject.c -- `mixroom export-dawproject PROJECT OUT [--rev N]
 * [--data DIR]`: writes a project (its head or a revision) from the
 * database as a .dawproject file ("-" for standard output) without a
 * running server, through the same streaming export as the HTTP route. A
 * failed export leaves no file behind. */
#include "server/interchange/interchange.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/core/store.h"

static const char usage[] =
    "usage: mixroom export-dawproject PROJECT OUT [--rev N] [--data DIR]\n"
    "  Writes PROJECT (its head, or revision N) to OUT ('-': stdout) as a\n"
    "  DAWproject file: project.xml, metadata.xml and every asset its clips\n"
    "  use as 32-bit float WAV under audio/ (docs/interchange.md).\n"
    "  --data DIR  the data directory (default ./data or MIXROOM_DATA).\n";

static int fd_write(void *ctx, const void *data, size_t len)
{
    int fd = *(int *)ctx;
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int srv_cli_export_dawproject(int argc, char **argv)
{
    const char *project = NULL, *out = NULL, *data = getenv("MIXROOM_DATA");
    long long rev = -1;
    char msg[512], *end;
    db_conn *db = NULL;
    proto_err err;
    int fd = -1, ret = 1, rc;
    bool opened = false;     /* OUT is ours to remove on failure */

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--rev") && v) {
            rev = strtoll(v, &end, 10);
            if (!v[0] || *end || rev < 0) {
                fprintf(stderr, "mixroom export-dawproject: --rev must be a "
                                "whole number >= 0 (got '%s')\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--data") && v) {
            data = v, i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "mixroom export-dawproject: unknown option %s\n%s",
                    a, usage);
            return 2;
        } else if (!project) {
            project = a;
        } else if (!out) {
            out = a;
        } else {
            fprintf(stderr, "mixroom export-dawproject: too many arguments\n%s",
                    usage);
            return 2;
        }
    }
    if (!project || !out) {
        fputs(usage, stderr);
        return 2;
    }
    if (!data || !data[0])
        data = "./data";
    if (!(db = store_open(data, "NORMAL", true, msg, sizeof msg))) {
        fprintf(stderr, "mixroom export-dawproject: %s\n", msg);
        goto out;
    }
    fd = !strcmp(out, "-") ? STDOUT_FILENO
                           : open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                                  0644);
    if (fd < 0) {
        fprintf(stderr, "mixroom export-dawproject: %s: %s\n", out,
                strerror(errno));
        goto out;
    }
    opened = fd != STDOUT_FILENO;
    char asset[64];
    rc = srv_dawproject_export(db, data, project, rev, fd_write, &fd, NULL,
                               NULL, NULL, asset, &err);
    if (rc != 0) {
        fprintf(stderr, "mixroom export-dawproject: %s\n",
                rc == -2 ? "writing the file failed" : err.message);
        goto out;
    }
    if (fd != STDOUT_FILENO && close(fd) != 0) {
        fd = -1;
        fprintf(stderr, "mixroom export-dawproject: %s: %s\n", out,
                strerror(errno));
        goto out;
    }
    fd = -1;
    ret = 0;
out:
    if (fd >= 0 && fd != STDOUT_FILENO)
        close(fd);
    if (ret != 0 && opened)
        unlink(out);
    if (db)
        db_close(db);
    return ret;
}
