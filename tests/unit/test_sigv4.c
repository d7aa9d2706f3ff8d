/* test_sigv4.c -- the S3 client's signing (server/objstore/s3.c) against
 * the example requests AWS publishes for Signature Version 4 on S3
 * ("Examples: Signature Calculations", sig-v4-header-based-auth): GET
 * object with a Range, PUT object with a body, GET bucket lifecycle and
 * GET bucket (list objects), all with the example keys
 * AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY on
 * 2013-05-24. libcurl signs; a loopback capture server (a socket in this
 * test) reads the request curl sends, whose Authorization header must be
 * AWS's. Also: a changed body or key changes the signature, the payload
 * hash header is the body's SHA-256, an S3 error answer is named in the
 * message, and s3:// URLs parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/objstore/s3.h"

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DATE "20130524T000000Z"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define CRED "AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request, "

/* The capture server: accepts one connection, keeps the request, answers
 * with `reply`. */
struct capture {
    int lfd, port;
    char req[16384];
    size_t len;
    const char *reply;
    pthread_t th;
};

static void *capture_main(void *arg)
{
    struct capture *c = arg;
    int fd = accept(c->lfd, NULL, NULL);
    size_t want = 0;

    if (fd < 0)
        return NULL;
    for (;;) {
        ssize_t r = read(fd, c->req + c->len, sizeof c->req - 1 - c->len);
        if (r <= 0)
            break;
        c->len += (size_t)r;
        c->req[c->len] = '\0';
        char *end = strstr(c->req, "\r\n\r\n");
        if (!end)
            continue;
        if (!want) {
            const char *cl = strcasestr(c->req, "\r\ncontent-length:");
            want = (size_t)(end + 4 - c->req) +
                   (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
        }
        if (c->len >= want)
            break;
    }
    const char *rep = c->reply ? c->reply
                               : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n";
    if (write(fd, rep, strlen(rep)) < 0)
        perror("write");
    close(fd);
    return NULL;
}

static void capture_start(struct capture *c, const char *reply)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t al = sizeof a;

    memset(c, 0, sizeof *c);
    c->reply = reply;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->lfd >= 0);
    assert_int_equal(bind(c->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(c->lfd, 1), 0);
    assert_int_equal(getsockname(c->lfd, (struct sockaddr *)&a, &al), 0);
    c->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&c->th, NULL, capture_main, c), 0);
}

static void capture_join(struct capture *c)
{
    pthread_join(c->th, NULL);
    close(c->lfd);
}

/* The value of a request header (case-insensitive name), or "". */
static void header_of(const struct capture *c, const char *name, char *out,
                      size_t n)
{
    char pat[128];
    const char *p;

    snprintf(pat, sizeof pat, "\r\n%s:", name);
    out[0] = '\0';
    p = strcasestr(c->req, pat);
    if (!p)
        return;
    p += strlen(pat);
    while (*p == ' ')
        p++;
    size_t len = strcspn(p, "\r\n");
    snprintf(out, n, "%.*s", (int)len, p);
}

static void conf_for(struct s3_conf *conf, const struct capture *c)
{
    memset(conf, 0, sizeof *conf);
    snprintf(conf->endpoint, sizeof conf->endpoint, "http://127.0.0.1:%d",
             c->port);
    snprintf(conf->region, sizeof conf->region, "us-east-1");
    snprintf(conf->access_key, sizeof conf->access_key, AK);
    snprintf(conf->secret_key, sizeof conf->secret_key, SK);
    conf->timeout_s = 20;
}

/* Sends call through the capture server and returns the Authorization
 * header curl signed it with. */
static void signed_auth(struct s3_call *call, char *auth, size_t n,
                        struct capture *c)
{
    struct s3_conf conf;
    char err[512];

    capture_start(c, NULL);
    conf_for(&conf, c);
    call->download_fd = -1;
    int rc = s3_perform(&conf, call, err, sizeof err);
    capture_join(c);
    if (rc != S3_OK)
        fail_msg("request failed: %s", err);
    free(call->body);
    header_of(c, "Authorization", auth, n);
}

static const char *host_hdr[] = {"Host: examplebucket.s3.amazonaws.com",
                                 NULL};

static void get_object_range(void **state)
{
    struct capture c;
    char auth[1024], sha[128];
    const char *hdrs[] = {"Host: examplebucket.s3.amazonaws.com",
                          "Range: bytes=0-9", NULL};
    struct s3_call call = {.method = "GET", .key = "test.txt",
                           .headers = hdrs, .amz_date = DATE};

    (void)state;
    signed_auth(&call, auth, sizeof auth, &c);
    assert_string_equal(
        auth, CRED "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                   "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48d"
                   "d91039c6036bdb41");
    header_of(&c, "x-amz-content-sha256", sha, sizeof sha);
    assert_string_equal(sha, EMPTY);
    assert_non_null(strstr(c.req, "GET /test.txt HTTP/1.1\r\n"));
}

static void put_object(void **state)
{
    struct capture c;
    char auth[1024], sha[128];
    const char *hdrs[] = {"Host: examplebucket.s3.amazonaws.com",
                          "Date: Fri, 24 May 2013 00:00:00 GMT",
                          "x-amz-storage-class: REDUCED_REDUNDANCY", NULL};
    const char *body = "Welcome to Amazon S3.";
    struct s3_call call = {.method = "PUT", .key = "test%24file.text",
                           .headers = hdrs, .amz_date = DATE,
                           .upload_mem = body,
                           .upload_mem_len = strlen(body)};

    (void)state;
    signed_auth(&call, auth, sizeof auth, &c);
    assert_string_equal(
        auth, CRED "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
                   "x-amz-storage-class, "
                   "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1"
                   "b5971af0ece108bd");
    /* the hash we computed is the one AWS's example carries */
    header_of(&c, "x-amz-content-sha256", sha, sizeof sha);
    assert_string_equal(sha, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e4"
                             "2034a8b803f8b072");
    assert_non_null(strstr(c.req, "\r\n\r\nWelcome to Amazon S3."));
}

static void put_object_from_file(void **state)
{
    struct capture c;
    char auth[1024], path[] = "/tmp/test_sigv4-XXXXXX";
    const char *hdrs[] = {"Host: examplebucket.s3.amazonaws.com",
                          "Date: Fri, 24 May 2013 00:00:00 GMT",
                          "x-amz-storage-class: REDUCED_REDUNDANCY", NULL};
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "Welcome to Amazon S3.", 21), 21);
    close(fd);
    /* the streamed file gives the same signature as the bytes */
    struct s3_call call = {.method = "PUT", .key = "test%24file.text",
                           .headers = hdrs, .amz_date = DATE,
                           .upload_path = path};
    signed_auth(&call, auth, sizeof auth, &c);
    assert_non_null(strstr(auth, "Signature=98ad721746da40c64f1a55b78f14c238"
                                 "d841ea1380cd77a1b5971af0ece108bd"));
    char cl[32];
    header_of(&c, "Content-Length", cl, sizeof cl);
    assert_string_equal(cl, "21");
    /* one byte more in the body: another hash, another signature */
    fd = open(path, O_WRONLY | O_APPEND);
    assert_int_equal(write(fd, "!", 1), 1);
    close(fd);
    struct s3_call call2 = {.method = "PUT", .key = "test%24file.text",
                            .headers = hdrs, .amz_date = DATE,
                            .upload_path = path};
    signed_auth(&call2, auth, sizeof auth, &c);
    assert_null(strstr(auth, "98ad721746da40c64f1a55b78f14c238"));
    unlink(path);
}

static void get_bucket_lifecycle(void **state)
{
    struct capture c;
    char auth[1024];
    struct s3_call call = {.method = "GET", .key = "", .query = "lifecycle=",
                           .headers = host_hdr, .amz_date = DATE};

    (void)state;
    signed_auth(&call, auth, sizeof auth, &c);
    assert_string_equal(
        auth, CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                   "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac"
                   "7a200a0136783543");
}

static void get_bucket_list(void **state)
{
    struct capture c;
    char auth[1024];
    struct s3_call call = {.method = "GET", .key = "",
                           .query = "max-keys=2&prefix=J",
                           .headers = host_hdr, .amz_date = DATE};

    (void)state;
    signed_auth(&call, auth, sizeof auth, &c);
    assert_string_equal(
        auth, CRED "SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                   "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db667"
                   "0ed5711ef69dc6f7");
}

static void wrong_secret_changes_signature(void **state)
{
    struct capture c;
    struct s3_conf conf;
    char err[512], auth[1024];
    const char *hdrs[] = {"Host: examplebucket.s3.amazonaws.com",
                          "Range: bytes=0-9", NULL};
    struct s3_call call = {.method = "GET", .key = "test.txt",
                           .headers = hdrs, .amz_date = DATE,
                           .download_fd = -1};

    (void)state;
    capture_start(&c, NULL);
    conf_for(&conf, &c);
    conf.secret_key[0] = 'x';
    assert_int_equal(s3_perform(&conf, &call, err, sizeof err), S3_OK);
    capture_join(&c);
    free(call.body);
    header_of(&c, "Authorization", auth, sizeof auth);
    assert_non_null(strstr(auth, "Signature="));
    assert_null(strstr(auth, "f0e8bdb87c964420e857bd35b5d6ed31"));
}

static void error_answer_is_named(void **state)
{
    struct capture c;
    struct s3_conf conf;
    char err[512];
    static const char body[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
        "SignatureDoesNotMatch</Code><Message>The request signature we "
        "calculated does not match</Message></Error>";
    char reply[1024];
    struct s3_call call = {.method = "GET", .key = "k", .download_fd = -1};

    (void)state;
    snprintf(reply, sizeof reply,
             "HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
             strlen(body), body);
    capture_start(&c, reply);
    conf_for(&conf, &c);
    snprintf(conf.bucket, sizeof conf.bucket, "media");
    assert_int_equal(s3_perform(&conf, &call, err, sizeof err), S3_ERR);
    capture_join(&c);
    free(call.body);
    assert_int_equal(call.http_status, 403);
    assert_string_equal(err, "S3 said 403 SignatureDoesNotMatch: The request "
                             "signature we calculated does not match");
    /* path-style: /BUCKET/KEY */
    assert_non_null(strstr(c.req, "GET /media/k HTTP/1.1\r\n"));
}

static void unreachable_is_named(void **state)
{
    struct s3_conf conf;
    struct capture c;
    char err[512];

    (void)state;
    capture_start(&c, NULL);
    conf_for(&conf, &c);
    /* close the listener: nothing answers on that port any more */
    shutdown(c.lfd, SHUT_RDWR);
    close(c.lfd);
    pthread_join(c.th, NULL);
    snprintf(conf.bucket, sizeof conf.bucket, "media");
    assert_int_equal(s3_head(&conf, "k", NULL, err, sizeof err), S3_ERR);
    assert_non_null(strstr(err, "S3 at http://127.0.0.1:"));
}

static void object_urls(void **state)
{
    struct s3_conf c;
    char u[256];

    (void)state;
    memset(&c, 0, sizeof c);
    snprintf(c.endpoint, sizeof c.endpoint, "http://127.0.0.1:9000");
    snprintf(c.bucket, sizeof c.bucket, "media");
    assert_int_equal(s3_object_url(&c, "ab/abc/samples-48000", NULL, u,
                                   sizeof u), 0);
    assert_string_equal(u, "http://127.0.0.1:9000/media/ab/abc/samples-48000");
    assert_int_equal(s3_object_url(&c, "", "prefix=ab/", u, sizeof u), 0);
    assert_string_equal(u, "http://127.0.0.1:9000/media/?prefix=ab/");
    c.virtual_host = true;
    snprintf(c.endpoint, sizeof c.endpoint, "https://s3.eu-central-1.amazonaws.com");
    assert_int_equal(s3_object_url(&c, "ab/abc/original", "", u, sizeof u), 0);
    assert_string_equal(u, "https://media.s3.eu-central-1.amazonaws.com/ab/abc/original");
    c.bucket[0] = '\0';
    assert_int_equal(s3_object_url(&c, "k", NULL, u, sizeof u), 0);
    assert_string_equal(u, "https://s3.eu-central-1.amazonaws.com/k");
    assert_int_equal(s3_object_url(&c, "k", NULL, u, 10), -1);
}

static void parse_url(void **state)
{
    char b[64];

    (void)state;
    assert_int_equal(s3_parse_url("s3://media-1", b, sizeof b), 0);
    assert_string_equal(b, "media-1");
    assert_int_equal(s3_parse_url("s3://media/", b, sizeof b), 0);
    assert_string_equal(b, "media");
    assert_int_equal(s3_parse_url("s3://ab", b, sizeof b), -1);
    assert_int_equal(s3_parse_url("s3://Media", b, sizeof b), -1);
    assert_int_equal(s3_parse_url("s3://me/dia", b, sizeof b), -1);
    assert_int_equal(s3_parse_url("http://media", b, sizeof b), -1);
    assert_int_equal(s3_parse_url("", b, sizeof b), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_object_range),
        cmocka_unit_test(put_object),
        cmocka_unit_test(put_object_from_file),
        cmocka_unit_test(get_bucket_lifecycle),
        cmocka_unit_test(get_bucket_list),
        cmocka_unit_test(wrong_secret_changes_signature),
        cmocka_unit_test(error_answer_is_named),
        cmocka_unit_test(unreachable_is_named),
        cmocka_unit_test(object_urls),
        cmocka_unit_test(parse_url),
    };

    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
