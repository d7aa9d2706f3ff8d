/* cli_man.c -- `mixroom help-man 1|5`: the man pages mixroom(1) and
 * mixroom.conf(5) as roff, made from what the program knows: every
 * subcommand of the tables in cli.c and cli_table.c with its own --help
 * (run in a child process and captured), and every setting of the flag
 * table (cli_serve.c) and the limits table (server/core/config.c) with
 * its default. The build writes the installed pages with it
 * (docs/man/local.mk), so they cannot drift from --help. */
#include "server/app/cli_man.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <config.h>
#include "server/app/cli.h"
#include "server/app/cli_serve.h"
#include "server/core/config.h"

/* Writes s as roff text: backslashes and hyphens escaped, a line that
 * would start with a control character guarded by \&. */
static void roff(const char *s)
{
    int bol = 1;

    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", stdout);
        bol = *s == '\n';
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

/* The --help text of a subcommand, run in a child with stdout and stderr
 * on a pipe (a command may exit or print anywhere). Returns a malloc'd
 * string, or NULL. */
static char *capture_help(const struct srv_cli_command *c)
{
    int fd[2];
    pid_t pid;
    char *buf = NULL, *grown;
    size_t len = 0, cap = 0;
    ssize_t got;

    fflush(stdout);
    if (pipe(fd) != 0)
        return NULL;
    pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return NULL;
    }
    if (pid == 0) {
        char name[64], help[] = "--help";
        char *argv[] = {name, help, NULL};
        snprintf(name, sizeof name, "%s", c->name);
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        c->fn(2, argv);
        fflush(stdout);
        fflush(stderr);
        _exit(0);
    }
    close(fd[1]);
    for (;;) {
        if (len + 4096 + 1 > cap) {
            grown = realloc(buf, cap = cap ? cap * 2 : 8192);
            if (!grown)
                break;
            buf = grown;
        }
        got = read(fd[0], buf + len, cap - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd[0]);
    waitpid(pid, NULL, 0);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* A default for prose: "(none)" -> "none", "30" -> "30". */
static void print_default(const char *def)
{
    if (def[0] == '(')
        printf("%.*s", (int)strlen(def) - 2, def + 1);
    else {
        fputs("\\fB", stdout);
        roff(def);
        fputs("\\fR", stdout);
    }
}

static void print_env(const char *key)
{
    fputs("\\%MIXROOM_", stdout);
    for (; *key; key++)
        putchar(*key >= 'a' && *key <= 'z' ? *key - 'a' + 'A' : *key);
}

static const char *unit_arg(const char *unit)
{
    return !strcmp(unit, "bytes") ? "BYTES" : !strcmp(unit, "seconds") ? "SECONDS" : "N";
}

/* One subcommand: its summary and its own --help, or, for a command
 * whose --help is the settings list, a pointer to SETTINGS. */
static void man_command(const struct srv_cli_command *c)
{
    char *help = capture_help(c);
    char *opts = help ? strstr(help, "\noptions:\n") : NULL;

    printf(".SS %s\n", c->name);
    roff(c->summary);
    fputs(".\n", stdout);
    if (!help)
        return;
    if (opts && strstr(opts, "--config FILE")) {
        opts[1] = '\0';
        fputs("It takes the settings under\n.B SETTINGS\nbelow.\n", stdout);
    }
    fputs(".PP\n.nf\n.RS 4\n", stdout);
    roff(help);
    fputs(".RE\n.fi\n", stdout);
    free(help);
}

static void man_settings_1(void)
{
    int nf, nl;
    const struct srv_cli_flag *f = srv_cli_flags(&nf);
    const struct srv_config_limit *l = srv_config_limits(&nl);
    char flag[64];

    fputs(".SH SETTINGS\n"
          "Each setting is a flag, a line of the config file (\\-\\-config FILE,\n"
          "see\n.BR mixroom.conf (5))\n"
          "and an environment variable MIXROOM_\\fIKEY\\fR. Flags beat the\n"
          "environment, which beats the file, which beats the defaults.\n"
          "Every setting is read at start: changing one needs a restart.\n",
          stdout);
    fputs(".TP\n.BI \\-\\-config \" FILE\"\n"
          "Read settings from FILE (also MIXROOM_CONFIG); a missing file is an error.\n",
          stdout);
    for (int i = 0; i < nf; i++) {
        printf(".TP\n.B \\-\\-");
        roff(f[i].flag);
        if (f[i].arg) {
            fputs(" \\fI", stdout);
            roff(f[i].arg);
            fputs("\\fR", stdout);
        }
        fputs("\n", stdout);
        roff(f[i].help);
        fputs(".\nDefault: ", stdout);
        print_default(f[i].def);
        printf("; key \\fB\\%%%s\\fR, environment ", f[i].key);
        print_env(f[i].key);
        fputs(".\n", stdout);
    }
    for (int i = 0; i < nl; i++) {
        srv_cli_key_flag(l[i].key, flag, sizeof flag);
        printf(".TP\n.B \\-\\-");
        roff(flag);
        printf(" \\fI%s\\fR\n", unit_arg(l[i].unit));
        roff(l[i].help);
        printf(".\nDefault: \\fB%lld\\fR%s%s (%lld to %lld); key \\fB\\%%%s\\fR, "
               "environment ",
               l[i].def, l[i].unit[0] ? " " : "", l[i].unit, l[i].min,
               l[i].max, l[i].key);
        print_env(l[i].key);
        fputs(".\n", stdout);
    }
}

static void man_page_1(void)
{
    const struct srv_cli_command *b = srv_cli_builtin();

    printf(".TH MIXROOM 1 \"\" \"mixroom %s\" \"User Commands\"\n.nh\n", PACKAGE_VERSION);
    fputs(".SH NAME\nmixroom \\- a server where a team makes music together\n"
          ".SH SYNOPSIS\n.B mixroom\n.I COMMAND\n.RI [ OPTIONS ]\n"
          ".SH DESCRIPTION\n"
          ".B mixroom serve\n"
          "runs the server: the web client, the WebSocket protocol where\n"
          "everyone edits the same project live, uploads, previews and exports,\n"
          "with every revision in a SQLite database in the data directory.\n"
          "The other commands work on the same data directory, most of them\n"
          "also while the server runs.\n"
          ".SH COMMANDS\n",
          stdout);
    for (int i = 0; b[i].name; i++)
        man_command(&b[i]);
    for (int i = 0; srv_cli_extra[i].name; i++)
        man_command(&srv_cli_extra[i]);
    man_settings_1();
    fputs(".SH SIGNALS\n"
          ".TP\n.BR SIGTERM \", \" SIGINT\n"
          "Stop: the rooms close, the writer flushes every acknowledged edit, the process exits 0.\n"
          ".TP\n.B SIGHUP\n"
          "Reopen the log file (\\-\\-log\\-file) by its path, for logrotate.\n"
          "Nothing else is reloaded.\n"
          ".SH EXIT STATUS\n"
          "0 on success, 1 on a runtime failure, 2 on a usage error (a bad flag or value).\n"
          ".SH FILES\n"
          ".TP\n.I " MIXROOM_PKGDATADIR "/web\n"
          "The web client served by default.\n"
          ".TP\n.I /var/lib/mixroom\n"
          "The data directory of the systemd service mixroom.service.\n"
          ".TP\n.I /etc/mixroom/mixroom.env\n"
          "MIXROOM_\\fIKEY\\fR=value lines read by the service, if present.\n"
          ".SH SEE ALSO\n"
          ".BR mixroom.conf (5),\n.BR systemd.exec (5),\n.BR logrotate (8)\n",
          stdout);
}

static void man_page_5(void)
{
    int nf, nl;
    const struct srv_cli_flag *f = srv_cli_flags(&nf);
    const struct srv_config_limit *l = srv_config_limits(&nl);
    char flag[64];

    printf(".TH MIXROOM.CONF 5 \"\" \"mixroom %s\" \"File Formats\"\n.nh\n", PACKAGE_VERSION);
    fputs(".SH NAME\nmixroom.conf \\- settings of the mixroom server\n"
          ".SH DESCRIPTION\n"
          "The file named by\n.B mixroom serve \\-\\-config FILE\n"
          "(or MIXROOM_CONFIG) holds one\n.I key\n.B =\n.I value\n"
          "per line; blank lines and lines starting with # are ignored, and\n"
          "spaces around the key and the value are dropped. A key given twice\n"
          "takes the last value, except allowed_origin and trusted_proxies,\n"
          "which add one each time. An unknown key or a bad value stops the\n"
          "server with the file, the line and what the key accepts.\n"
          ".PP\n"
          "Each key is also the environment variable MIXROOM_\\fIKEY\\fR and a\n"
          "flag (see\n.BR mixroom (1));\n"
          "flags beat the environment, which beats the file, which beats the defaults.\n"
          "Every setting is read at start: changing one needs a restart.\n"
          ".SH KEYS\n",
          stdout);
    for (int i = 0; i < nf; i++) {
        printf(".TP\n.B %s\n", f[i].key);
        roff(f[i].help);
        fputs(".\nDefault: ", stdout);
        print_default(f[i].def);
        fputs("; flag \\fB\\-\\-", stdout);
        roff(f[i].flag);
        fputs("\\fR.\n", stdout);
    }
    for (int i = 0; i < nl; i++) {
        srv_cli_key_flag(l[i].key, flag, sizeof flag);
        printf(".TP\n.B %s\n", l[i].key);
        roff(l[i].help);
        printf(".\nDefault: \\fB%lld\\fR%s%s (%lld to %lld); flag \\fB\\-\\-",
               l[i].def, l[i].unit[0] ? " " : "", l[i].unit, l[i].min, l[i].max);
        roff(flag);
        fputs("\\fR.\n", stdout);
    }
    fputs(".SH EXAMPLE\n.nf\n.RS 4\n"
          "# /etc/mixroom/mixroom.conf\n"
          "listen = 127.0.0.1:8080\n"
          "log_format = json\n"
          "trusted_proxies = 127.0.0.1\n"
          "allowed_origin = https://studio.example.com\n"
          ".RE\n.fi\n"
          ".SH SEE ALSO\n.BR mixroom (1)\n",
          stdout);
}

int srv_cli_man(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "1"))
        man_page_1();
    else if (argc == 2 && !strcmp(argv[1], "5"))
        man_page_5();
    else {
        fprintf(stderr, "usage: mixroom help-man 1|5\n");
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
