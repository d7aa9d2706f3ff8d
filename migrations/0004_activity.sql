-- 0004_activity.sql -- the activity feed (one row per recipient of an
-- event), the projects' webhooks and their deliveries, and the full log of
-- version status changes. Times are milliseconds since the Unix epoch.

CREATE TABLE activity (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- grows: paging, read marks
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,   -- comment, reply, mention, version, status, take, member, join
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    actor         TEXT,            -- the actor's name as people read it
    actor_id      TEXT,            -- the actor's user id, NULL for a guest
    ts            INTEGER NOT NULL,
    text          TEXT NOT NULL,
    url           TEXT NOT NULL,
    read          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activity_user ON activity(user_id, id);

CREATE TABLE webhooks (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    events        TEXT NOT NULL,   -- JSON array of event names
    secret        TEXT NOT NULL,
    created_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX webhooks_project ON webhooks(project_id);

CREATE TABLE webhook_deliveries (
    id            TEXT PRIMARY KEY,                   -- "wd_...", in the body too
    webhook_id    TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event         TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending','delivered','failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    http_status   INTEGER,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, id);

CREATE TABLE version_status_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    version_id    TEXT NOT NULL,
    from_status   TEXT NOT NULL,
    to_status     TEXT NOT NULL,
    user_id       TEXT REFERENCES users(id) ON DELETE SET NULL,
    at            INTEGER NOT NULL,
    note          TEXT
);
CREATE INDEX version_status_log_version ON version_status_log(project_id, version_id, id);
