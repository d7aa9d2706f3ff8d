/* test_objstore.c -- the bounded local cache of assets in S3
 * (server/objstore/objstore.c) against a fake S3 in this test (a loopback
 * HTTP server keeping PUT bodies and answering GET and HEAD from them):
 * uploads put every finished file and skip temporaries; past
 * asset_cache_bytes the least recently used files go first; a file the
 * in-use callback names (a render maps it) and the file just fetched are
 * never evicted; a fetched file has the uploaded bytes; a missing object
 * is 1, an unreachable S3 -1 with a message naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/core/config.h"
#include "server/core/server.h"
#include "server/objstore/objstore.h"

#define MAX_OBJ 32

/* The fake S3: objects by path, one request per connection. */
static struct {
    int lfd, port;
    pthread_t th;
    char path[MAX_OBJ][256];
    unsigned char *data[MAX_OBJ];
    size_t len[MAX_OBJ];
    int n, puts;
    pthread_mutex_t mu;
} fake = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int find_obj(const char *p)
{
    for (int i = 0; i < fake.n; i++)
        if (!strcmp(fake.path[i], p))
            return i;
    return -1;
}

static void serve_one(int fd)
{
    static char req[1 << 20];
    size_t got = 0, want = 0;
    char method[16], path[256], head[256];
    bool continued = false;

    for (;;) {
        ssize_t r = read(fd, req + got, sizeof req - 1 - got);
        if (r <= 0)
            return;
        got += (size_t)r;
        req[got] = '\0';
        char *end = strstr(req, "\r\n\r\n");
        if (!end)
            continue;
        const char *cl = strcasestr(req, "\r\ncontent-length:");
        want = (size_t)(end + 4 - req) +
               (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
        if (got >= want)
            break;
        /* curl waits a second for this before it sends a PUT's body */
        if (!continued && strcasestr(req, "\r\nexpect: 100-continue")) {
            continued = true;
            if (write(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) < 0)
                return;
        }
    }
    if (sscanf(req, "%15s %255s", method, path) != 2)
        return;
    char *body = strstr(req, "\r\n\r\n") + 4;
    pthread_mutex_lock(&fake.mu);
    int i = find_obj(path);
    if (!strcmp(method, "PUT")) {
        if (i < 0 && fake.n < MAX_OBJ) {
            i = fake.n++;
            snprintf(fake.path[i], sizeof fake.path[i], "%s", path);
        }
        free(fake.data[i]);
        fake.len[i] = got - (size_t)(body - req);
        fake.data[i] = malloc(fake.len[i] + 1);
        memcpy(fake.data[i], body, fake.len[i]);
        fake.puts++;
        snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                 "Connection: close\r\n\r\n");
        if (write(fd, head, strlen(head)) < 0)
            perror("write");
    } else if (i < 0) {
        snprintf(head, sizeof head, "HTTP/1.1 404 Not Found\r\n"
                 "Content-Length: 0\r\nConnection: close\r\n\r\n");
        if (write(fd, head, strlen(head)) < 0)
            perror("write");
    } else {
        snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu"
                 "\r\nConnection: close\r\n\r\n", fake.len[i]);
        if (write(fd, head, strlen(head)) < 0 ||
            (!strcmp(method, "GET") &&
             write(fd, fake.data[i], fake.len[i]) < 0))
            perror("write");
    }
    pthread_mutex_unlock(&fake.mu);
}

static void *fake_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(fake.lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        serve_one(fd);
        close(fd);
    }
}

static void fake_start(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t al = sizeof a;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fake.lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fake.lfd >= 0);
    assert_int_equal(bind(fake.lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fake.lfd, 8), 0);
    assert_int_equal(getsockname(fake.lfd, (struct sockaddr *)&a, &al), 0);
    fake.port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&fake.th, NULL, fake_main, NULL), 0);
}

static void fake_stop(void)
{
    shutdown(fake.lfd, SHUT_RDWR);
    close(fake.lfd);
    pthread_join(fake.th, NULL);
    for (int i = 0; i < fake.n; i++)
        free(fake.data[i]);
    fake.n = 0;
}

static char data_dir[] = "/tmp/test_objstore-XXXXXX";
static const char *in_use_sha;

static bool in_use(const char *sha, const char *name)
{
    return in_use_sha && !strcmp(sha, in_use_sha) &&
           !strcmp(name, "samples-48000");
}

static void sha_of(int k, char sha[65])
{
    for (int i = 0; i < 64; i++)
        sha[i] = "0123456789abcdef"[(k * 7 + i) % 16];
    sha[64] = '\0';
}

static void path_of(const char *sha, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/assets/%.2s/%s/%s", data_dir, sha, sha, name);
}

static void write_file(const char *sha, const char *name, size_t len, int fill)
{
    char p[600];
    unsigned char *b = malloc(len);

    memset(b, fill, len);
    path_of(sha, name, p, sizeof p);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
    free(b);
}

static bool exists(const char *sha, const char *name)
{
    char p[600];

    path_of(sha, name, p, sizeof p);
    return access(p, F_OK) == 0;
}

static void make_asset(const char *sha, int fill)
{
    char d[600];

    snprintf(d, sizeof d, "%s/assets/%.2s", data_dir, sha);
    mkdir(d, 0700);
    snprintf(d, sizeof d, "%s/assets/%.2s/%s", data_dir, sha, sha);
    mkdir(d, 0700);
    write_file(sha, "original", 30000, fill);
    write_file(sha, "samples-48000", 30000, fill + 1);
    write_file(sha, "peaks-48000", 1000, fill + 2);
    write_file(sha, ".tmp-samples-48000-abcdef", 5000, 0); /* never sent */
}

static void configure(int port)
{
    struct srv_config cfg;
    char err[512], d[600];

    srv_config_defaults(&cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", data_dir);
    snprintf(cfg.assets, sizeof cfg.assets, "s3://media");
    snprintf(cfg.s3_endpoint, sizeof cfg.s3_endpoint, "http://127.0.0.1:%d",
             port);
    snprintf(cfg.s3_region, sizeof cfg.s3_region, "us-east-1");
    snprintf(cfg.s3_access_key, sizeof cfg.s3_access_key, "AK");
    snprintf(cfg.s3_secret_key, sizeof cfg.s3_secret_key, "SK");
    cfg.asset_cache_bytes = 65536;
    snprintf(d, sizeof d, "%s/assets", data_dir);
    mkdir(d, 0700);
    assert_int_equal(srv_objstore_configure(&cfg, err, sizeof err), 0);
    assert_true(srv_objstore_enabled());
}

static void lru_and_in_use(void **state)
{
    char a[65], b[65], err[512], p[600];
    struct srv_objstore_stats st;

    (void)state;
    assert_non_null(mkdtemp(data_dir));
    fake_start();
    configure(fake.port);
    srv_objstore_set_in_use(in_use);
    sha_of(1, a);
    sha_of(2, b);
    make_asset(a, 1);
    assert_int_equal(srv_objstore_upload_asset(data_dir, a, err, sizeof err), 0);
    assert_int_equal(fake.n, 3); /* not the temporary */
    assert_true(find_obj("/media/01/") < 0);
    char key[200];
    snprintf(key, sizeof key, "/media/%.2s/%s/samples-48000", a, a);
    assert_true(find_obj(key) >= 0);
    srv_objstore_stats(&st);
    assert_int_equal(st.cache_bytes, 61000);
    assert_int_equal(st.evictions, 0);
    /* a second asset: over the bound, the first one's files go */
    make_asset(b, 5);
    assert_int_equal(srv_objstore_upload_asset(data_dir, b, err, sizeof err), 0);
    assert_int_equal(fake.n, 6);
    assert_false(exists(a, "original"));
    assert_false(exists(a, "samples-48000"));
    assert_true(exists(b, "samples-48000"));
    srv_objstore_stats(&st);
    assert_true(st.cache_bytes <= 65536);
    assert_int_equal(st.evictions, 3);
    /* uploading again sends nothing that S3 holds with the same size */
    int puts = fake.puts;
    assert_int_equal(srv_objstore_upload_asset(data_dir, b, err, sizeof err), 0);
    assert_int_equal(fake.puts, puts);
    /* b's samples are mapped by a render: fetching a's keeps them, and
     * keeps a's just-fetched samples; b's original and peaks go */
    in_use_sha = b;
    /* b's samples are now its least recently used file: only the in-use
     * answer keeps them */
    srv_objstore_touch(b, "original");
    srv_objstore_touch(b, "peaks-48000");
    assert_int_equal(srv_objstore_ensure(data_dir, a, "samples-48000", err,
                                         sizeof err), 0);
    assert_true(exists(a, "samples-48000"));
    assert_true(exists(b, "samples-48000"));
    assert_false(exists(b, "original"));
    path_of(a, "samples-48000", p, sizeof p);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 30000);
    FILE *f = fopen(p, "rb");
    unsigned char buf[30000];
    assert_int_equal(fread(buf, 1, sizeof buf, f), sizeof buf);
    fclose(f);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 2); /* fill + 1 of asset a */
    srv_objstore_stats(&st);
    assert_int_equal(st.fetches, 1);
    assert_true(st.cache_bytes <= 65536);
    /* a file that is here is not fetched again */
    assert_int_equal(srv_objstore_ensure(data_dir, a, "samples-48000", err,
                                         sizeof err), 0);
    srv_objstore_stats(&st);
    assert_int_equal(st.fetches, 1);
    /* S3 has no such object */
    assert_int_equal(srv_objstore_ensure(data_dir, a, "samples-44100", err,
                                         sizeof err), 1);
    assert_false(exists(a, "samples-44100"));
    assert_true(srv_objstore_take_error(err, sizeof err));
    assert_false(srv_objstore_take_error(err, sizeof err));
    /* a bad name is refused before any request */
    assert_int_equal(srv_objstore_ensure(data_dir, a, "../../etc", err,
                                         sizeof err), -1);
    in_use_sha = NULL;
    fake_stop();
    /* S3 unreachable: -1, the message names it, nothing left behind */
    assert_int_equal(srv_objstore_ensure(data_dir, b, "original", err,
                                         sizeof err), -1);
    assert_non_null(strstr(err, "the asset store cannot give"));
    assert_non_null(strstr(err, "cannot be reached"));
    assert_false(exists(b, "original"));
    srv_objstore_shutdown();
    assert_false(srv_objstore_enabled());
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
    assert_int_equal(system(cmd), 0);
}

static void settings_checked(void **state)
{
    struct srv_config cfg;
    char err[512];

    (void)state;
    srv_config_defaults(&cfg);
    assert_int_equal(srv_objstore_configure(&cfg, err, sizeof err), 0);
    assert_false(srv_objstore_enabled());
    /* off: every call is a no-op that succeeds */
    assert_int_equal(srv_objstore_ensure("/nonexistent", "ab", "x", err,
                                         sizeof err), 0);
    snprintf(cfg.assets, sizeof cfg.assets, "s3://media");
    assert_int_equal(srv_objstore_configure(&cfg, err, sizeof err), -1);
    assert_string_equal(err, "assets = s3://media needs the setting "
                             "s3_endpoint (or MIXROOM_S3_ENDPOINT)");
    snprintf(cfg.s3_endpoint, sizeof cfg.s3_endpoint, "http://127.0.0.1:1");
    snprintf(cfg.s3_region, sizeof cfg.s3_region, "us-east-1");
    snprintf(cfg.s3_access_key, sizeof cfg.s3_access_key, "AK");
    assert_int_equal(srv_objstore_configure(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "s3_secret_key"));
    snprintf(cfg.assets, sizeof cfg.assets, "s3://x");
    assert_int_equal(srv_objstore_configure(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected s3://BUCKET"));
    /* the setter never echoes a refused secret */
    assert_int_equal(srv_config_set(&cfg, "s3_secret_key", "", err,
                                    sizeof err), -1);
    assert_int_equal(srv_config_set(&cfg, "assets", "gs://media", err,
                                    sizeof err), -1);
    assert_non_null(strstr(err, "s3://BUCKET"));
}

/* The blocking calls assert they are not on the loop thread: this
 * process, like every command but serve, has no loop, so no thread is. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lru_and_in_use),
        cmocka_unit_test(settings_checked),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
