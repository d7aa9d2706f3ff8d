/* config.h -- settings of `mixroom serve` and the other subcommands:
 * defaults, then a config file, then MIXROOM_* environment variables, then
 * command-line flags (each later source beats the earlier ones). */
#ifndef MIXROOM_SERVER_CONFIG_H
#define MIXROOM_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRV_MAX_ORIGINS 16
#define SRV_MAX_PROXIES 16

struct srv_config {
    char listen_host[128];    /* listen = ADDR:PORT, default 127.0.0.1:8080 */
    int listen_port;
    char data_dir[4096];      /* data = DIR, default ./data */
    char web_dir[4096];       /* web = DIR, default: ./web if it has index.html, else installed */
    int log_level;            /* log_level = error|warn|info|debug */
    int log_format;           /* log_format = text|json (enum srv_log_format) */
    char log_file[4096];      /* log_file = FILE to append to (default: stderr) */
    char synchronous[16];     /* synchronous = FULL|NORMAL (SQLite), default FULL */
    int session_days;         /* session_days = N, default 30 */
    int64_t upload_limit;     /* upload_limit = bytes, default 1 GiB */
    int64_t json_limit;       /* json_limit: JSON request bodies, default 64 KiB */
    int64_t max_message_bytes; /* WebSocket messages from clients, default 1 MiB */
    char tls_cert[4096];      /* tls_cert = FILE */
    char tls_key[4096];       /* tls_key = FILE */
    int n_origins;            /* allowed_origin = ORIGIN (repeatable) */
    char allowed_origins[SRV_MAX_ORIGINS][256];
    int opus_bitrate;         /* opus_bitrate = bits/s, default 128000 */
    int opus_complexity;      /* opus_complexity = 0..10, default 8 */
    int workers;              /* workers = N engine threads, default = cores */
    bool demo;                /* demo = true|false: create the demo user/project on first start */
    /* Limits: each a setting of the table in config.c (srv_config_limits),
     * documented in docs/security.md. */
    int64_t max_upload_seconds;   /* longest upload, seconds of audio (1800) */
    int64_t max_upload_decoded;   /* decoded samples of one upload, bytes (2 GiB) */
    int64_t max_project_decoded;  /* decoded samples of one project, bytes (20 GiB) */
    int64_t max_push_ops;         /* ops in one push (10000) */
    int64_t max_push_bytes;       /* bytes of one push message (1 MiB) */
    int64_t max_doc_objects;      /* objects in one document (100000) */
    int64_t max_doc_bytes;        /* bytes of one document as JSON (64 MiB) */
    int64_t room_unload;          /* seconds a room stays loaded after its last connection (30) */
    int64_t job_deadline;         /* seconds an export or loudness job may run (600) */
    int64_t import_workers;       /* engine workers kept for imports (1) */
    int64_t render_tail;          /* seconds past the song's end a range may reach (600) */
    int64_t login_account_failures; /* failed logins per account per window (10) */
    int64_t login_address_failures; /* failed logins per address per window (100) */
    int64_t login_window;         /* seconds of the login failure window (900) */
    int64_t max_path_bytes;       /* longest request path (414 past it) (2048) */
    int64_t max_header_bytes;     /* all request headers together (431 past it) (16384) */
    int64_t drain_bytes;          /* body read and dropped after an early refusal (8 MiB) */
    int64_t drain_seconds;        /* ... for at most this long (5) */
    int64_t min_free_disk;        /* /readyz: free bytes the data folder needs (256 MiB) */
    int n_proxies;                /* trusted_proxies = ADDR (repeatable) */
    char trusted_proxies[SRV_MAX_PROXIES][64];
    char metrics_token[128];      /* metrics_token = TOKEN: /metrics needs
                                     Authorization: Bearer TOKEN ("" = open) */
    /* notes and instruments: fields go here */
    int64_t max_midi_bytes;       /* one MIDI file upload (413 past it) (4 MiB) */
    /* instrument rendering and audition: fields go here */
    /* share links and guests: fields go here */
    int64_t guest_session_hours;  /* longest a guest session lives (168) */
    int64_t links_per_project;    /* share links a project may have (200) */
    /* activity and webhooks: fields go here */
    int64_t webhook_retries;      /* retries of a failed webhook delivery (5) */
    int64_t webhook_timeout;      /* seconds one delivery attempt may take (10) */
    int64_t webhook_backoff;      /* milliseconds before the first retry; doubles each time (2000) */
    bool webhook_allow_private;   /* webhook_allow_private = true: targets on
                                     loopback/private addresses allowed (false) */
    /* recording: fields go here */
    int64_t max_take_chunk_bytes; /* one chunk of a take (413 past it) (1 MiB) */
    int64_t max_take_seconds;     /* longest take (413 past it) (1800) */
    int64_t max_open_takes_per_user; /* unfinished takes per user (4) */
    /* interchange: fields go here */
    int64_t max_dawproject_bytes;          /* one .dawproject upload (upload_limit) */
    int64_t max_dawproject_unpacked_bytes; /* all its entries inflated (4 GiB) */
    int64_t max_dawproject_entries;        /* entries in its zip (10000) */
    int64_t max_dawproject_ratio;          /* inflated/compressed of a big entry (200) */
    int64_t max_dawproject_xml_bytes;      /* project.xml or metadata.xml (64 MiB) */
    /* listening and delivery: fields go here */
    int64_t stream_render_ahead;  /* packets the preview renders per block (5) */
    int64_t stream_render_ahead_max; /* most it renders per block under load (20) */
    int64_t block_cache_bytes;    /* the preview's block cache, bytes (0 = off, the default) */
    int64_t loudness_cache;       /* revisions whose loudness is kept for matched A/B (256) */
    /* assets in S3: fields go here */
    char assets[300];             /* assets = s3://BUCKET ("" = the data folder) */
    char s3_endpoint[512];        /* s3_endpoint = http(s)://HOST[:PORT] */
    char s3_region[64];           /* s3_region = e.g. us-east-1 */
    char s3_access_key[256];      /* s3_access_key */
    char s3_secret_key[256];      /* s3_secret_key: never logged nor in /metrics */
    bool s3_virtual_host;         /* s3_virtual_host = true: BUCKET.HOST addressing (false: path style) */
    int64_t asset_cache_bytes;    /* local cache of S3 assets, bytes (2 GiB) */
    int64_t opus_complexity_min;  /* floor of the preview's Opus complexity under load (0) */
    int64_t stream_share;         /* 1: listeners of one source share a render and encode (1) */
    int64_t stream_test_load;     /* test hook: percent added to the pacing threads' measured load (0) */
    /* cluster: fields go here */
    char node_name[64];           /* node = NAME: this node's name in welcome,
                                     /healthz and project_leases (default:
                                     the host name) */
};

/* One integer limit: its key, where it lives in struct srv_config, its
 * range, default and a sentence for --help and the man page. */
struct srv_config_limit {
    const char *key;
    size_t offset;            /* of an int64_t in struct srv_config */
    long long min, max, def;
    const char *unit;         /* "bytes", "seconds", "" */
    const char *help;
};

/* The table of integer limits (static; n set to its length). */
const struct srv_config_limit *srv_config_limits(int *n);

/* True when s may name a node (setting `node`): 1 to 63 ASCII letters,
 * digits, '.', '_' or '-' (it is printed in KEY=value lines and logs). */
bool srv_config_node_name_ok(const char *s);

/* Fills cfg with the defaults. */
void srv_config_defaults(struct srv_config *cfg);

/* Sets one setting by its name (the config-file key; flags and environment
 * variables map onto the same names). Returns 0, or -1 with a message in
 * err naming the setting and what it accepts. */
int srv_config_set(struct srv_config *cfg, const char *key, const char *value,
                   char *err, size_t errlen);

/* Reads a config file of `key = value` lines ('#' comments, blank lines
 * ignored). Returns 0 or -1 with err naming the file, line and problem. */
int srv_config_load_file(struct srv_config *cfg, const char *path, char *err,
                         size_t errlen);

/* Applies every MIXROOM_<KEY> variable of the environment (e.g.
 * MIXROOM_LISTEN, MIXROOM_DATA); MIXROOM_TEST_* variables are test hooks
 * (docs/operations.md), not settings, and are skipped. Returns 0 or -1
 * with err. */
int srv_config_load_env(struct srv_config *cfg, char *const *envp, char *err,
                        size_t errlen);

#endif
