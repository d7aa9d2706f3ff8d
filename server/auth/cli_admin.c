/* cli_admin.c -- operator commands on the data directory (`mixroom user`,
 * `mixroom project`, `mixroom token`) and the demo account made on first
 * start (srv_auth_ensure_demo). Each command opens its own connection,
 * migrates, and does its work in one BEGIN IMMEDIATE transaction, so it is
 * safe while the server runs. Passwords and tokens go to stdout only when
 * they were just generated for the operator; never to a log. */
#include "server/auth/cli_admin.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/auth/auth.h"
#include "server/auth/auth_db.h"
#include "server/core/store.h"
#include "server/core/store_stmt.h"

#define MAX_POS 4

/* Parsed options common to the admin commands. */
struct opts {
    const char *data;
    const char *display;
    const char *owner;
    const char *sample_rate;
    const char *expires_in;
    bool password_stdin;
    bool help;
    int npos;
    const char *pos[MAX_POS];   /* positional arguments after the action */
};

/* Parses argv[2..]: returns 0, or 2 after printing a usage error. */
static int parse_opts(const char *cmd, int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->data = getenv("MIXROOM_DATA");
    if (!o->data || !*o->data)
        o->data = "./data";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        const char *eq;
        size_t klen;

        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            o->help = true;
            continue;
        }
        if (!strcmp(a, "--password-stdin")) {
            o->password_stdin = true;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || !strcmp(a, "--")) {
            if (o->npos >= MAX_POS) {
                fprintf(stderr, "mixroom %s: too many arguments\n", cmd);
                return 2;
            }
            o->pos[o->npos++] = a;
            continue;
        }
        eq = strchr(a, '=');
        klen = eq ? (size_t)(eq - a) : strlen(a);
        if (klen == 6 && !strncmp(a, "--data", klen))
            slot = &o->data;
        else if (klen == 9 && !strncmp(a, "--display", klen))
            slot = &o->display;
        else if (klen == 7 && !strncmp(a, "--owner", klen))
            slot = &o->owner;
        else if (klen == 13 && !strncmp(a, "--sample-rate", klen))
            slot = &o->sample_rate;
        else if (klen == 12 && !strncmp(a, "--expires-in", klen))
            slot = &o->expires_in;
        if (!slot) {
            fprintf(stderr, "mixroom %s: unknown option '%s' (see --help)\n",
                    cmd, a);
            return 2;
        }
        if (eq) {
            *slot = eq + 1;
        } else if (i + 1 < argc) {
            *slot = argv[++i];
        } else {
            fprintf(stderr, "mixroom %s: option '%s' needs a value\n", cmd, a);
            return 2;
        }
    }
    return 0;
}

/* Opens (creating and migrating) the database for a command; NULL after
 * printing why. */
static db_conn *open_db(const char *cmd, const char *data)
{
    char err[1024];
    db_conn *db;

    if (store_prepare_dir(data, err, sizeof err) != 0 ||
        store_migrate(data, err, sizeof err) < 0 ||
        !(db = store_open(data, "FULL", false, err, sizeof err))) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        return NULL;
    }
    return db;
}

static int begin(db_conn *db, const char *cmd)
{
    char err[512];

    if (store_exec(db, "BEGIN IMMEDIATE", err, sizeof err) != 0) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        return -1;
    }
    return 0;
}

static int commit(db_conn *db, const char *cmd)
{
    char err[512];

    if (store_exec(db, "COMMIT", err, sizeof err) != 0) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        store_exec(db, "ROLLBACK", err, sizeof err);
        return -1;
    }
    return 0;
}

static void rollback(db_conn *db)
{
    char err[256];

    store_exec(db, "ROLLBACK", err, sizeof err);
}

/* Reads one line of password from stdin (without its newline). */
static int read_password(char *out, size_t n)
{
    size_t len;

    if (!fgets(out, (int)n, stdin))
        return -1;
    len = strlen(out);
    while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        out[--len] = '\0';
    return 0;
}

/* Gets the password of user add/passwd -- from stdin, or generated (then
 * *generated is set) -- and its Argon2id hash. Returns 0 or 1 after
 * printing why. */
static int obtain_password(const char *cmd, const struct opts *o, char *pw,
                           size_t n, bool *generated,
                           char hash[SRV_PW_HASH_MAX])
{
    char err[256];

    *generated = false;
    if (o->password_stdin) {
        if (read_password(pw, n) != 0) {
            fprintf(stderr, "mixroom %s: no password on standard input\n",
                    cmd);
            return 1;
        }
    } else {
        char gen[32];
        srv_auth_password_new(gen);
        snprintf(pw, n, "%s", gen);
        sodium_memzero(gen, sizeof gen);
        *generated = true;
    }
    if (!srv_auth_password_ok(pw, err, sizeof err)) {
        fprintf(stderr, "mixroom %s: %s\n", cmd, err);
        return 1;
    }
    if (srv_auth_hash_password(pw, hash) != 0) {
        fprintf(stderr, "mixroom %s: could not hash the password\n", cmd);
        return 1;
    }
    return 0;
}

/* ---- user ---- */

static const char user_help[] =
    "usage: mixroom user add NAME [--password-stdin] [--display NAME]\n"
    "       mixroom user passwd NAME [--password-stdin]\n"
    "       mixroom user list\n"
    "\n"
    "Manages accounts in the data directory (works while the server runs).\n"
    "  add      creates a user. NAME: 1-40 letters, digits, '.', '_', '-'\n"
    "           (unique, case-insensitive). Without --password-stdin a\n"
    "           password is generated and printed once.\n"
    "  passwd   sets a new password (read from stdin, or generated and\n"
    "           printed) and ends all of the user's sessions.\n"
    "  list     prints every user: name, display name, id, created.\n"
    "options:\n"
    "  --data DIR         data directory (default $MIXROOM_DATA or ./data)\n"
    "  --password-stdin   read the password (one line, >= 8 chars) from stdin\n"
    "  --display NAME     display name (default: the user name)\n"
    "  --help             this text\n";

static int user_add(db_conn *db, const struct opts *o)
{
    char pw[SRV_PASSWORD_MAX + 2], hash[SRV_PW_HASH_MAX], err[512];
    struct srv_user u;
    bool generated;
    int rc = 1;
    proto_code pc;

    if (!srv_auth_name_ok(o->pos[0], err, sizeof err)) {
        fprintf(stderr, "mixroom user add: %s\n", err);
        return 2;
    }
    if (obtain_password("user add", o, pw, sizeof pw, &generated, hash) != 0)
        goto out;
    if (begin(db, "user add") != 0)
        goto out;
    pc = srv_authdb_user_create(db, o->pos[0], o->display, hash, &u, err,
                                sizeof err);
    if (pc != PROTO_OK) {
        rollback(db);
        fprintf(stderr, "mixroom user add: %s\n", err);
        goto out;
    }
    if (commit(db, "user add") != 0)
        goto out;
    printf("created user %s (%s)\n", u.name, u.id);
    if (generated)
        printf("password: %s\n", pw);
    rc = 0;
out:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static int user_passwd(db_conn *db, const struct opts *o)
{
    char pw[SRV_PASSWORD_MAX + 2], hash[SRV_PW_HASH_MAX], err[512];
    struct srv_user u;
    bool generated;
    int rc = 1;

    if (srv_auth_find_user(db, o->pos[0], &u) != 0) {
        fprintf(stderr, "mixroom user passwd: no user named '%s'\n",
                o->pos[0]);
        return 1;
    }
    if (obtain_password("user passwd", o, pw, sizeof pw, &generated, hash) != 0)
        goto out;
    if (begin(db, "user passwd") != 0)
        goto out;
    if (srv_authdb_user_set_password(db, u.id, hash, err, sizeof err) !=
        PROTO_OK) {
        rollback(db);
        fprintf(stderr, "mixroom user passwd: %s\n", err);
        goto out;
    }
    if (commit(db, "user passwd") != 0)
        goto out;
    printf("password of %s changed; their sessions were ended\n", u.name);
    if (generated)
        printf("password: %s\n", pw);
    rc = 0;
out:
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

static void format_time(long long ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int user_list(db_conn *db)
{
    db_stmt *st = NULL;
    char when[32];

    if (db_prepare_v2(db,
                           "SELECT name, display_name, id, created_at FROM"
                           " users WHERE substr(id, 1, 2) <> 'g_'"
                           " ORDER BY name", /* not share links' guests */
                           -1, &st, NULL) != DB_OK) {
        fprintf(stderr, "mixroom user list: %s\n", db_errmsg(db));
        return 1;
    }
    printf("%-24s %-24s %-20s %s\n", "NAME", "DISPLAY NAME", "ID", "CREATED");
    while (db_step(st) == DB_ROW) {
        format_time(db_column_int64(st, 3), when, sizeof when);
        printf("%-24s %-24s %-20s %s\n", db_column_text(st, 0),
               db_column_text(st, 1), db_column_text(st, 2), when);
    }
    db_finalize(st);
    return 0;
}

/* Checks the action's positional count; prints usage and returns 2 if
 * wrong, else 0. */
static int want_args(const char *cmd, const struct opts *o, int n,
                     const char *usage)
{
    if (o->npos != n) {
        fprintf(stderr, "usage: mixroom %s %s\n", cmd, usage);
        return 2;
    }
    return 0;
}

/* One action of a command group: its name, how many positional
 * arguments it takes (usage names them) and what it does on the open
 * database. */
struct cli_action {
    const char *name;
    int nargs;
    const char *usage;
    int (*run)(db_conn *db, const struct opts *o);
};

/* Runs `mixroom GROUP ACTION ...`: help, option parsing, the action's
 * argument count, the database, the action. Returns the exit status. */
static int run_group(const char *group, const char *help,
                     const struct cli_action *acts, size_t n, int argc,
                     char **argv)
{
    struct opts o;
    db_conn *db;
    const char *act = argc > 1 ? argv[1] : NULL;
    const struct cli_action *a = NULL;
    char cmd[64];
    int rc;

    if (!act || !strcmp(act, "--help") || !strcmp(act, "-h")) {
        fputs(help, act ? stdout : stderr);
        return act ? 0 : 2;
    }
    if ((rc = parse_opts(group, argc, argv, &o)) != 0)
        return rc;
    if (o.help) {
        fputs(help, stdout);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(act, acts[i].name))
            a = &acts[i];
    if (!a) {
        fprintf(stderr, "mixroom %s: unknown action '%s'\n\n%s", group, act,
                help);
        return 2;
    }
    snprintf(cmd, sizeof cmd, "%s %s", group, a->name);
    if ((rc = want_args(cmd, &o, a->nargs, a->usage)) != 0)
        return rc;
    if (!(db = open_db(group, o.data)))
        return 1;
    rc = a->run(db, &o);
    db_close(db);
    return rc;
}

static int user_list_action(db_conn *db, const struct opts *o)
{
    (void)o;
    return user_list(db);
}

int srv_cli_user(int argc, char **argv)
{
    static const struct cli_action acts[] = {
        {"add", 1, "NAME [--password-stdin] [--display NAME]", user_add},
        {"passwd", 1, "NAME [--password-stdin]", user_passwd},
        {"list", 0, "", user_list_action},
    };
    return run_group("user", user_help, acts, sizeof acts / sizeof acts[0],
                     argc, argv);
}

/* ---- project ---- */

static const char project_help[] =
    "usage: mixroom project create NAME --owner USER [--sample-rate 48000]\n"
    "       mixroom project add-member PROJECT USER ROLE\n"
    "       mixroom project list\n"
    "\n"
    "Manages projects in the data directory (works while the server runs).\n"
    "  create       creates a project owned by USER and prints its id.\n"
    "  add-member   gives USER the ROLE (owner, editor, commenter, viewer)\n"
    "               in PROJECT (an id, or a name owned by one project);\n"
    "               a member already there gets the new role. The last\n"
    "               owner cannot be demoted.\n"
    "  list         prints every project: id, name, rate, members.\n"
    "options:\n"
    "  --data DIR          data directory (default $MIXROOM_DATA or ./data)\n"
    "  --owner USER        the owner of a new project (name or id)\n"
    "  --sample-rate RATE  44100 or 48000 (default 48000)\n"
    "  --help              this text\n";

/* Resolves a project id or a unique project name into id. */
static int find_project(db_conn *db, const char *ref, char *id, size_t n)
{
    db_stmt *st = NULL;
    int found = 0;

    st = store_prepare(db, "SELECT id FROM projects WHERE id = ?1 UNION ALL"
                           " SELECT id FROM projects WHERE name = ?1 AND"
                           " NOT EXISTS (SELECT 1 FROM projects WHERE id = ?1)"
                           " LIMIT 2", STORE_ARGS(ref), NULL, 0);
    if (!st)
        return -1;
    while (db_step(st) == DB_ROW) {
        if (!found)
            snprintf(id, n, "%s", db_column_text(st, 0));
        found++;
    }
    db_finalize(st);
    return found == 1 ? 0 : found == 0 ? -1 : -2;
}

static int project_create(db_conn *db, const struct opts *o)
{
    struct srv_user owner;
    char id[64], err[512];
    int rate = 48000;

    if (!o->owner) {
        fprintf(stderr, "mixroom project create: --owner USER is required\n");
        return 2;
    }
    if (o->sample_rate) {
        rate = atoi(o->sample_rate);
        if (rate != 44100 && rate != 48000) {
            fprintf(stderr,
                    "mixroom project create: --sample-rate must be 44100 "
                    "or 48000\n");
            return 2;
        }
    }
    if (srv_auth_find_user(db, o->owner, &owner) != 0) {
        fprintf(stderr, "mixroom project create: no user named '%s'\n",
                o->owner);
        return 1;
    }
    if (begin(db, "project create") != 0)
        return 1;
    if (srv_authdb_project_create(db, o->pos[0], rate, owner.id, id, sizeof id,
                                  err, sizeof err) != PROTO_OK) {
        rollback(db);
        fprintf(stderr, "mixroom project create: %s\n", err);
        return 1;
    }
    if (commit(db, "project create") != 0)
        return 1;
    printf("%s\n", id);
    return 0;
}

static int project_add_member(db_conn *db, const struct opts *o)
{
    struct srv_user u;
    char id[64], err[512];
    int role = srv_role_parse(o->pos[2]), found;

    if (role < 0) {
        fprintf(stderr,
                "mixroom project add-member: ROLE must be owner, editor, "
                "commenter or viewer\n");
        return 2;
    }
    found = find_project(db, o->pos[0], id, sizeof id);
    if (found != 0) {
        fprintf(stderr, "mixroom project add-member: %s '%s'\n",
                found == -2 ? "several projects are named" : "no project",
                o->pos[0]);
        return 1;
    }
    if (srv_auth_find_user(db, o->pos[1], &u) != 0) {
        fprintf(stderr, "mixroom project add-member: no user named '%s'\n",
                o->pos[1]);
        return 1;
    }
    if (begin(db, "project add-member") != 0)
        return 1;
    if (srv_authdb_member_set(db, id, u.id, role, err, sizeof err) !=
        PROTO_OK) {
        rollback(db);
        fprintf(stderr, "mixroom project add-member: %s\n", err);
        return 1;
    }
    if (commit(db, "project add-member") != 0)
        return 1;
    printf("%s is now %s of %s\n", u.name, srv_role_name(role), id);
    return 0;
}

static int project_list(db_conn *db)
{
    db_stmt *st = NULL;

    if (db_prepare(db,
                           "SELECT p.id, p.sample_rate, (SELECT COUNT(*) FROM"
                           " members m WHERE m.project_id = p.id), p.name"
                           " FROM projects p ORDER BY p.created_at, p.id", &st) != DB_OK) {
        fprintf(stderr, "mixroom project list: %s\n", db_errmsg(db));
        return 1;
    }
    printf("%-20s %-6s %-7s %s\n", "ID", "RATE", "MEMBERS", "NAME");
    while (db_step(st) == DB_ROW)
        printf("%-20s %-6d %-7d %s\n", db_column_text(st, 0),
               db_column_int(st, 1), db_column_int(st, 2),
               db_column_text(st, 3));
    db_finalize(st);
    return 0;
}

static int project_list_action(db_conn *db, const struct opts *o)
{
    (void)o;
    return project_list(db);
}

int srv_cli_project(int argc, char **argv)
{
    static const struct cli_action acts[] = {
        {"create", 1, "NAME --owner USER [--sample-rate 48000]",
         project_create},
        {"add-member", 3, "PROJECT USER ROLE", project_add_member},
        {"list", 0, "", project_list_action},
    };
    return run_group("project", project_help, acts,
                     sizeof acts / sizeof acts[0], argc, argv);
}

/* ---- token ---- */

static const char token_help[] =
    "usage: mixroom token create USER [--expires-in SECONDS]\n"
    "       mixroom token revoke TOKEN|-\n"
    "\n"
    "create: makes a session for USER (name or id) and prints its token,\n"
    "for scripts: send it as `Authorization: Bearer TOKEN` or in the\n"
    "WebSocket hello. It lasts --expires-in seconds (default: 30 days).\n"
    "revoke: ends the session of TOKEN (`-`: read it from stdin, also for\n"
    "a token that begins with `--`); a running server closes its open\n"
    "WebSockets within about a second.\n"
    "options:\n"
    "  --data DIR            data directory (default $MIXROOM_DATA or ./data)\n"
    "  --expires-in SECONDS  lifetime of the session\n"
    "  --help                this text\n";

/* `token create USER [--expires-in SECONDS]`. */
static int token_create(db_conn *db, const struct opts *o)
{
    struct srv_user u;
    char token[SRV_TOKEN_LEN + 1], err[512];
    unsigned char hash[SRV_TOKEN_HASH_LEN];
    long long secs = 30LL * 86400, now;
    int rc = 1;

    if (o->expires_in) {
        char *end;
        errno = 0;
        secs = strtoll(o->expires_in, &end, 10);
        if (errno || *end || secs < 1 || secs > 10LL * 365 * 86400) {
            fprintf(stderr,
                    "mixroom token create: --expires-in must be a number of "
                    "seconds from 1 to 315360000\n");
            return 2;
        }
    }
    token[0] = '\0';
    if (srv_auth_find_user(db, o->pos[0], &u) != 0) {
        fprintf(stderr, "mixroom token create: no user named '%s'\n",
                o->pos[0]);
        goto out;
    }
    srv_auth_token_new(token);
    srv_auth_token_hash(token, hash);
    now = store_now_ms();
    if (begin(db, "token create") != 0)
        goto out;
    if (srv_authdb_session_insert(db, hash, u.id, now, now + secs * 1000, err,
                                  sizeof err) != PROTO_OK) {
        rollback(db);
        fprintf(stderr, "mixroom token create: %s\n", err);
        goto out;
    }
    if (commit(db, "token create") != 0)
        goto out;
    printf("%s\n", token);
    rc = 0;
out:
    sodium_memzero(token, sizeof token);
    return rc;
}

/* `token revoke TOKEN|-`: deletes the session (1 when there is none). */
static int token_revoke(db_conn *db, const struct opts *o)
{
    char token[SRV_TOKEN_LEN + 8], err[512];
    unsigned char hash[SRV_TOKEN_HASH_LEN];
    int rc = 1;

    token[0] = '\0';
    if (strcmp(o->pos[0], "-") == 0) {
        if (read_password(token, sizeof token) != 0)
            token[0] = '\0';
    } else {
        snprintf(token, sizeof token, "%s", o->pos[0]);
    }
    if (!srv_auth_token_wellformed(token)) {
        fprintf(stderr, "mixroom token revoke: a token is %d characters of "
                        "A-Z, a-z, 0-9, '-' and '_'\n", SRV_TOKEN_LEN);
        rc = 2;
        goto out;
    }
    srv_auth_token_hash(token, hash);
    if (begin(db, "token revoke") != 0)
        goto out;
    if (srv_authdb_session_delete(db, hash, err, sizeof err) != PROTO_OK) {
        rollback(db);
        fprintf(stderr, "mixroom token revoke: %s\n", err);
        goto out;
    }
    if (db_changes(db) == 0) {
        rollback(db);
        fprintf(stderr, "mixroom token revoke: no session has this token "
                        "(it has expired or was ended already)\n");
        goto out;
    }
    if (commit(db, "token revoke") != 0)
        goto out;
    printf("revoked\n");
    rc = 0;
out:
    sodium_memzero(token, sizeof token);
    return rc;
}

int srv_cli_token(int argc, char **argv)
{
    static const struct cli_action acts[] = {
        {"create", 1, "USER [--expires-in SECONDS]", token_create},
        {"revoke", 1, "TOKEN|-", token_revoke},
    };
    return run_group("token", token_help, acts, sizeof acts / sizeof acts[0],
                     argc, argv);
}

/* ---- the demo account ---- */

/* Writes pw to path with mode 0600. */
static int write_secret_file(const char *path, const char *pw)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t len = strlen(pw);
    int rc = -1;

    if (fd < 0)
        return -1;
    if (fchmod(fd, 0600) == 0 && write(fd, pw, len) == (ssize_t)len &&
        write(fd, "\n", 1) == 1)
        rc = 0;
    if (close(fd) != 0)
        rc = -1;
    return rc;
}

static int read_secret_file(const char *path, char *pw, size_t n)
{
    FILE *f = fopen(path, "r");
    size_t len;

    if (!f)
        return -1;
    if (!fgets(pw, (int)n, f)) {
        fclose(f);
        return -1;
    }
    fclose(f);
    len = strlen(pw);
    while (len && (pw[len - 1] == '\n' || pw[len - 1] == '\r'))
        pw[--len] = '\0';
    return len ? 0 : -1;
}

int srv_auth_ensure_demo(const char *data_dir, char *project_id,
                         size_t idlen, char *msg, size_t msglen)
{
    char path[4200], pw[64] = "", hash[SRV_PW_HASH_MAX], err[512];
    struct srv_user u;
    db_conn *db = NULL;
    db_stmt *st = NULL;
    int created = 0, rc = -1;

    snprintf(path, sizeof path, "%s/demo-password.txt", data_dir);
    if (store_migrate(data_dir, err, sizeof err) < 0 ||
        !(db = store_open(data_dir, "FULL", false, err, sizeof err))) {
        snprintf(msg, msglen, "demo account: %s", err);
        return -1;
    }
    if (store_exec(db, "BEGIN IMMEDIATE", err, sizeof err) != 0)
        goto fail;
    if (srv_auth_find_user(db, "demo", &u) != 0) {
        srv_auth_password_new(pw);
        if (srv_auth_hash_password(pw, hash) != 0) {
            snprintf(err, sizeof err, "could not hash a password");
            goto fail;
        }
        if (srv_authdb_user_create(db, "demo", "Demo", hash, &u, err,
                                   sizeof err) != PROTO_OK)
            goto fail;
        if (write_secret_file(path, pw) != 0) {
            snprintf(err, sizeof err, "cannot write %.400s: %s", path,
                     strerror(errno));
            goto fail;
        }
        created = 1;
    }
    st = store_prepare(db, "SELECT p.id FROM projects p JOIN members m ON"
                           " m.project_id = p.id WHERE m.user_id = ?1 AND"
                           " p.name = 'Demo song' ORDER BY p.created_at"
                           " LIMIT 1", STORE_ARGS(u.id), NULL, 0);
    if (!st) {
        snprintf(err, sizeof err, "%s", db_errmsg(db));
        goto fail;
    }
    if (db_step(st) == DB_ROW) {
        snprintf(project_id, idlen, "%s", db_column_text(st, 0));
    } else if (srv_authdb_project_create(db, "Demo song", 48000, u.id,
                                         project_id, idlen, err,
                                         sizeof err) != PROTO_OK) {
        goto fail;
    } else {
        created = 1;
    }
    db_finalize(st);
    st = NULL;
    if (store_exec(db, "COMMIT", err, sizeof err) != 0)
        goto fail;
    if (!pw[0])
        read_secret_file(path, pw, sizeof pw);
    if (pw[0])
        snprintf(msg, msglen,
                 "log in as user 'demo' with password '%s' (kept in %s)", pw,
                 path);
    else
        snprintf(msg, msglen,
                 "log in as user 'demo'; its password file %s is gone, set "
                 "a new one with: mixroom user passwd demo",
                 path);
    rc = created;
    goto out;
fail:
    snprintf(msg, msglen, "demo account: %s", err);
    store_exec(db, "ROLLBACK", err, sizeof err);
out:
    sodium_memzero(pw, sizeof pw);
    db_finalize(st);
    db_close(db);
    return rc;
}
