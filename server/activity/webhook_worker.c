/* webhook_worker.c -- the webhook delivery thread. The loop queues
 * deliveries and URL checks; the thread resolves each target once, refuses
 * it when any of its addresses is private (unless webhook_allow_private),
 * pins the checked address with CURLOPT_RESOLVE so a second DNS answer
 * cannot redirect the connection (DNS rebinding), and POSTs the signed
 * body with libcurl (no proxy, no redirects, http/https only, at most
 * webhook_timeout seconds). A failure (no answer, or a status other than
 * 2xx) is retried webhook_retries times, after webhook_backoff ms, then
 * twice that, and so on. Each attempt's result is posted to the loop,
 * which records it through the writer (webhooks.c). The thread touches
 * neither SQLite nor libwebsockets.
 *
 * At most WH_QUEUE_MAX tasks wait; a delivery past that fails at once
 * ("the delivery queue is full").
 *
 * Global state (documented): the one worker of the process (`W`), its
 * queue guarded by W.lock; started and stopped by the loop's hooks. */
#include <assert.h>
#include <curl/curl.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server/activity/activity_priv.h"
#include "server/activity/webhooks.h"
#include "server/core/log.h"
#include "server/core/server.h"

enum task_kind { T_DELIVER, T_CHECK };

/* Most tasks queued at once; a delivery past it fails at once. */
#define WH_QUEUE_MAX 1000

struct task {
    enum task_kind kind;
    char delivery[32], webhook[32], event[16];
    char *url, *secret, *body;
    int attempts;
    long long due_ms;           /* monotonic */
    void (*check_done)(void *arg, const char *err);
    void *check_arg;
    struct task *next;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool running;
    volatile int stopping;
    struct task *head;          /* sorted by due_ms */
    int queued;                 /* tasks in head */
    /* settings, copied at start */
    int retries;
    long timeout_s;
    long long backoff_ms;
    bool allow_private;
} W = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void task_free(struct task *t)
{
    if (!t)
        return;
    free(t->url);
    if (t->secret)
        memset(t->secret, 0, strlen(t->secret));
    free(t->secret);
    free(t->body);
    free(t);
}

/* W.lock held. */
static void insert_sorted(struct task *t)
{
    struct task **p = &W.head;

    W.queued++;
    while (*p && (*p)->due_ms <= t->due_ms)
        p = &(*p)->next;
    t->next = *p;
    *p = t;
}

static void result_post(void *arg);

/* Loop thread (enqueue's callers): queues t, or fails it at once when
 * the worker is not running or the queue is full. */
static void enqueue(struct task *t)
{
    pthread_mutex_lock(&W.lock);
    if (!W.running || W.queued >= WH_QUEUE_MAX) {
        bool full = W.running;
        pthread_mutex_unlock(&W.lock);
        if (t->kind == T_CHECK) {
            t->check_done(t->check_arg, full ? "too many webhook tasks are "
                                               "queued; try again later"
                                             : "webhooks are not running");
        } else if (full) {
            struct wh_result *r = calloc(1, sizeof *r);
            if (r) {
                snprintf(r->delivery, sizeof r->delivery, "%s", t->delivery);
                snprintf(r->status, sizeof r->status, "failed");
                snprintf(r->error, sizeof r->error,
                         "the delivery queue is full (%d)", WH_QUEUE_MAX);
                srv_loop_post(result_post, r);
            }
        }
        task_free(t);
        return;
    }
    insert_sorted(t);
    pthread_cond_signal(&W.cond);
    pthread_mutex_unlock(&W.lock);
}

/* Resolves t's host once and checks every address. Writes the address to
 * connect to (numeric) into addr. Returns 0, or -1 with err. */
static int resolve_target(const struct srv_wh_target *t, char *addr,
                          size_t n, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(t->host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "the host %s could not be resolved (%s)",
                 t->host, gai_strerror(rc));
        return -1;
    }
    addr[0] = '\0';
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        char num[INET6_ADDRSTRLEN] = "";
        if (getnameinfo(a->ai_addr, a->ai_addrlen, num, sizeof num, NULL, 0,
                        NI_NUMERICHOST) != 0)
            continue;
        if (!W.allow_private && srv_wh_addr_private(a->ai_addr)) {
            snprintf(err, errlen,
                     "the target %s is on a loopback, private, link-local "
                     "or otherwise non-public address (%s); the operator "
                     "may allow such targets with webhook_allow_private = "
                     "true", t->host, num);
            freeaddrinfo(res);
            return -1;
        }
        if (!addr[0])
            snprintf(addr, n, "%s", num);
    }
    freeaddrinfo(res);
    if (!addr[0]) {
        snprintf(err, errlen, "the host %s has no usable address", t->host);
        return -1;
    }
    return 0;
}

/* Parse, resolve and check url. */
static int check_url(const char *url, struct srv_wh_target *t, char *addr,
                     size_t n, char *err, size_t errlen)
{
    if (srv_wh_parse_url(url, t, err, errlen) != 0)
        return -1;
    return resolve_target(t, addr, n, err, errlen);
}

static size_t discard(char *p, size_t s, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return s * n;
}

static int progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
                    curl_off_t d)
{
    (void)arg, (void)a, (void)b, (void)c, (void)d;
    return W.stopping ? 1 : 0;
}

/* One attempt. Returns 1 delivered, 0 failed (retry), -1 refused (no
 * retry); r->http_status and r->error filled. */
static int attempt(struct task *t, struct wh_result *r)
{
    struct srv_wh_target tg;
    char addr[INET6_ADDRSTRLEN + 2], pin[600], hdr[128], hex[65];
    struct curl_slist *resolve = NULL, *headers = NULL;
    CURL *c = NULL;
    int out = 0;

    if (check_url(t->url, &tg, addr, sizeof addr, r->error,
                  sizeof r->error) != 0)
        return -1;
    c = curl_easy_init();
    if (!c) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return 0;
    }
    /* pin the checked address: curl connects there and nowhere else */
    snprintf(pin, sizeof pin, strchr(addr, ':') ? "%s:%d:[%s]" : "%s:%d:%s",
             tg.host, tg.port, addr);
    resolve = curl_slist_append(resolve, pin);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    snprintf(hdr, sizeof hdr, "X-Mixroom-Event: %s", t->event);
    headers = curl_slist_append(headers, hdr);
    snprintf(hdr, sizeof hdr, "X-Mixroom-Delivery: %s", t->delivery);
    headers = curl_slist_append(headers, hdr);
    srv_wh_sign(t->secret, strlen(t->secret), t->body, strlen(t->body), hex);
    snprintf(hdr, sizeof hdr, "X-Mixroom-Signature: sha256=%s", hex);
    headers = curl_slist_append(headers, hdr);
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, t->url);
    curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, W.timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, W.timeout_s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mixroom-webhook/1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, t->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(t->body));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(cc));
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->http_status);
        if (r->http_status >= 200 && r->http_status < 300)
            out = 1;
        else
            snprintf(r->error, sizeof r->error, "the target answered HTTP %ld",
                     r->http_status);
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(resolve);
    curl_slist_free_all(headers);
    return out;
}

/* Loop thread: records a result (posted by the worker). */
static void result_post(void *arg)
{
    struct wh_result *r = arg;

    if (srv_server_instance)
        wh_record_result(srv_server_instance, r);
    free(r);
}

struct check_post {
    void (*done)(void *arg, const char *err);
    void *arg;
    char err[512];
    bool ok;
};

static void check_post_run(void *arg)
{
    struct check_post *p = arg;

    p->done(p->arg, p->ok ? NULL : p->err);
    free(p);
}

static void run_task(struct task *t)
{
    if (t->kind == T_CHECK) {
        struct check_post *p = calloc(1, sizeof *p);
        struct srv_wh_target tg;
        char addr[INET6_ADDRSTRLEN];
        if (!p)
            return task_free(t);
        p->done = t->check_done;
        p->arg = t->check_arg;
        p->ok = check_url(t->url, &tg, addr, sizeof addr, p->err,
                          sizeof p->err) == 0;
        srv_loop_post(check_post_run, p);
        task_free(t);
        return;
    }
    struct wh_result *r = calloc(1, sizeof *r);
    if (!r)
        return task_free(t);
    snprintf(r->delivery, sizeof r->delivery, "%s", t->delivery);
    t->attempts++;
    int rc = attempt(t, r);
    r->attempts = t->attempts;
    bool retry = rc == 0 && t->attempts <= W.retries && !W.stopping;
    snprintf(r->status, sizeof r->status, "%s",
             rc == 1 ? "delivered" : retry ? "pending" : "failed");
    srv_loop_post(result_post, r);
    if (!retry)
        return task_free(t);
    long long wait = W.backoff_ms;
    for (int i = 1; i < t->attempts && wait < 3600000; i++)
        wait *= 2;
    t->due_ms = srv_now_mono_ms() + wait;
    pthread_mutex_lock(&W.lock);
    if (W.running)
        insert_sorted(t), t = NULL;
    pthread_mutex_unlock(&W.lock);
    task_free(t);
}

static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&W.lock);
    while (!W.stopping) {
        if (!W.head) {
            pthread_cond_wait(&W.cond, &W.lock);
            continue;
        }
        long long now = srv_now_mono_ms();
        if (W.head->due_ms > now) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            long long ms = W.head->due_ms - now;
            ts.tv_sec += ms / 1000;
            ts.tv_nsec += (ms % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&W.cond, &W.lock, &ts);
            continue;
        }
        struct task *t = W.head;
        W.head = t->next;
        W.queued--;
        pthread_mutex_unlock(&W.lock);
        run_task(t);
        pthread_mutex_lock(&W.lock);
    }
    pthread_mutex_unlock(&W.lock);
    return NULL;
}

int wh_worker_start(struct srv_server *srv)
{
    pthread_condattr_t ca;

    assert(srv_on_loop_thread());
    if (W.running)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        srv_err("webhooks: libcurl could not be initialised");
        return -1;
    }
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_destroy(&W.cond);
    pthread_cond_init(&W.cond, &ca);
    pthread_condattr_destroy(&ca);
    W.retries = (int)srv->cfg.webhook_retries;
    W.timeout_s = (long)srv->cfg.webhook_timeout;
    W.backoff_ms = srv->cfg.webhook_backoff;
    W.allow_private = srv->cfg.webhook_allow_private;
    W.stopping = 0;
    if (pthread_create(&W.thread, NULL, worker_main, NULL) != 0) {
        srv_err("webhooks: the delivery thread could not start");
        return -1;
    }
    pthread_mutex_lock(&W.lock);
    W.running = true;
    pthread_mutex_unlock(&W.lock);
    return 0;
}

void wh_worker_stop(struct srv_server *srv)
{
    (void)srv;
    pthread_mutex_lock(&W.lock);
    if (!W.running) {
        pthread_mutex_unlock(&W.lock);
        return;
    }
    W.running = false;
    W.stopping = 1;
    pthread_cond_broadcast(&W.cond);
    pthread_mutex_unlock(&W.lock);
    pthread_join(W.thread, NULL);
    while (W.head) {
        struct task *t = W.head;
        W.head = t->next;
        task_free(t);
    }
    W.queued = 0;
    curl_global_cleanup();
}

void wh_worker_deliver(const char *delivery, const char *webhook,
                       const char *event, const char *url,
                       const char *secret, const char *body)
{
    struct task *t = calloc(1, sizeof *t);

    assert(srv_on_loop_thread());
    if (!t)
        return;
    t->kind = T_DELIVER;
    snprintf(t->delivery, sizeof t->delivery, "%s", delivery);
    snprintf(t->webhook, sizeof t->webhook, "%s", webhook);
    snprintf(t->event, sizeof t->event, "%s", event);
    t->url = strdup(url);
    t->secret = strdup(secret);
    t->body = strdup(body);
    t->due_ms = srv_now_mono_ms();
    if (!t->url || !t->secret || !t->body)
        return task_free(t);
    enqueue(t);
}

void wh_worker_check(const char *url, void (*done)(void *arg, const char *err),
                     void *arg)
{
    struct task *t = calloc(1, sizeof *t);

    assert(srv_on_loop_thread());
    if (!t || !(t->url = strdup(url))) {
        free(t);
        done(arg, "out of memory");
        return;
    }
    t->kind = T_CHECK;
    t->check_done = done;
    t->check_arg = arg;
    t->due_ms = srv_now_mono_ms();
    enqueue(t);
}

void wh_worker_cancel(const char *webhook)
{
    struct task *dropped = NULL;

    assert(srv_on_loop_thread());
    pthread_mutex_lock(&W.lock);
    for (struct task **p = &W.head, *t; (t = *p);) {
        if (t->kind == T_DELIVER && strcmp(t->webhook, webhook) == 0) {
            *p = t->next;
            W.queued--;
            t->next = dropped;
            dropped = t;
        } else {
            p = &t->next;
        }
    }
    pthread_mutex_unlock(&W.lock);
    while (dropped) {
        struct task *t = dropped;
        dropped = t->next;
        task_free(t);
    }
}
