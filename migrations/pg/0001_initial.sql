-- 0001_initial.sql (PostgreSQL) -- the first schema in PostgreSQL's
-- dialect: the same tables, columns and indexes as migrations/0001_initial.sql
-- (bigint for integers, bytea for blobs, text elsewhere, integer booleans
-- so the queries stay the same; users.name is citext for SQLite's
-- COLLATE NOCASE). Times are milliseconds since the Unix epoch.

CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE users (
    id            text PRIMARY KEY,
    name          citext NOT NULL UNIQUE,
    display_name  text NOT NULL,
    pw_hash       text NOT NULL,
    created_at    bigint NOT NULL
);

CREATE TABLE sessions (
    token_hash    bytea PRIMARY KEY,
    user_id       text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    bigint NOT NULL,
    expires_at    bigint NOT NULL,
    last_seen     bigint NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE projects (
    id            text PRIMARY KEY,
    name          text NOT NULL,
    sample_rate   bigint NOT NULL CHECK (sample_rate IN (44100, 48000)),
    created_by    text REFERENCES users(id) ON DELETE SET NULL,
    created_at    bigint NOT NULL,
    head_rev      bigint NOT NULL DEFAULT 0,
    updated_at    bigint NOT NULL
);

CREATE TABLE members (
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('owner','editor','commenter','viewer')),
    added_at      bigint NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE invites (
    id            text PRIMARY KEY,
    token_hash    bytea NOT NULL UNIQUE,
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('owner','editor','commenter','viewer')),
    created_by    text REFERENCES users(id) ON DELETE SET NULL,
    created_at    bigint NOT NULL,
    expires_at    bigint NOT NULL,
    max_uses      bigint NOT NULL,
    uses          bigint NOT NULL DEFAULT 0,
    revoked       bigint NOT NULL DEFAULT 0
);
CREATE INDEX invites_project ON invites(project_id);

CREATE TABLE assets (
    id            text NOT NULL,
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    sha256        text,
    name          text NOT NULL,
    state         text NOT NULL CHECK (state IN ('uploading','importing','ready','failed')),
    frames        bigint NOT NULL DEFAULT 0,
    channels      bigint NOT NULL DEFAULT 0,
    orig_rate     bigint NOT NULL DEFAULT 0,
    format        text NOT NULL DEFAULT '',
    size_bytes    bigint NOT NULL DEFAULT 0,
    error         text,
    created_by    text REFERENCES users(id) ON DELETE SET NULL,
    created_at    bigint NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX assets_sha ON assets(sha256);

CREATE TABLE objects (
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    id            text NOT NULL,
    kind          text NOT NULL,
    body          text NOT NULL,
    rev           bigint NOT NULL,
    PRIMARY KEY (project_id, id)
);

CREATE TABLE ops (
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rev           bigint NOT NULL,
    kind          text NOT NULL DEFAULT 'push',
    client        text,
    seq           bigint,
    user_id       text,
    ts            bigint NOT NULL,
    ops           text NOT NULL,
    inverse       text NOT NULL,
    summary       text NOT NULL DEFAULT '',
    undo_of       bigint,
    redo_of       bigint,
    PRIMARY KEY (project_id, rev)
);
CREATE INDEX ops_user ON ops(project_id, user_id, rev);

CREATE TABLE client_seqs (
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    client        text NOT NULL,
    seq           bigint NOT NULL,
    rev           bigint NOT NULL,
    PRIMARY KEY (project_id, client)
);

CREATE TABLE versions (
    id            text PRIMARY KEY,
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rev           bigint NOT NULL,
    name          text NOT NULL,
    note          text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft','in_review','approved','changes_requested')),
    created_by    text REFERENCES users(id) ON DELETE SET NULL,
    created_at    bigint NOT NULL,
    status_by     text,
    status_at     bigint
);
CREATE INDEX versions_project ON versions(project_id, rev);

CREATE TABLE comments (
    id            text NOT NULL,
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    parent        text,
    author        text REFERENCES users(id) ON DELETE SET NULL,
    at            bigint NOT NULL,
    end_at        bigint,
    track         text,
    clip          text,
    body          text NOT NULL,
    mentions      text NOT NULL DEFAULT '[]',
    rev           bigint NOT NULL,
    version_id    text,
    resolved      bigint NOT NULL DEFAULT 0,
    deleted       bigint NOT NULL DEFAULT 0,
    created_at    bigint NOT NULL,
    edited_at     bigint,
    updated_rev   bigint NOT NULL,
    PRIMARY KEY (project_id, id)
);

CREATE TABLE snapshots (
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rev           bigint NOT NULL,
    doc           text NOT NULL,
    PRIMARY KEY (project_id, rev)
);
