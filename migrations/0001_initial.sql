-- 0001_initial.sql -- the first schema: users and sessions, projects and
-- their members and invites, assets, each project's current objects, the
-- ops log, per-client last seq, versions and comments.
-- Times are milliseconds since the Unix epoch. Ids are text.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    pw_hash       TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash    BLOB PRIMARY KEY,          -- SHA-256 of the raw token
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE projects (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    sample_rate   INTEGER NOT NULL CHECK (sample_rate IN (44100, 48000)),
    created_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    head_rev      INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE members (
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('owner','editor','commenter','viewer')),
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX members_user ON members(user_id);

CREATE TABLE invites (
    id            TEXT PRIMARY KEY,
    token_hash    BLOB NOT NULL UNIQUE,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('owner','editor','commenter','viewer')),
    created_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    max_uses      INTEGER NOT NULL,
    uses          INTEGER NOT NULL DEFAULT 0,
    revoked       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invites_project ON invites(project_id);

CREATE TABLE assets (
    id            TEXT NOT NULL,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    sha256        TEXT,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('uploading','importing','ready','failed')),
    frames        INTEGER NOT NULL DEFAULT 0,
    channels      INTEGER NOT NULL DEFAULT 0,
    orig_rate     INTEGER NOT NULL DEFAULT 0,
    format        TEXT NOT NULL DEFAULT '',
    size_bytes    INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    created_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (project_id, id)
);
CREATE INDEX assets_sha ON assets(sha256);

-- The current document of each project: one row per object.
CREATE TABLE objects (
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,              -- the object as JSON
    rev           INTEGER NOT NULL,           -- revision of its last change
    PRIMARY KEY (project_id, id)
) WITHOUT ROWID;

-- Every revision: pushes, undo/redo, restores and comment changes.
CREATE TABLE ops (
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rev           INTEGER NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'push',   -- push, undo, redo, restore, comment
    client        TEXT,
    seq           INTEGER,
    user_id       TEXT,
    ts            INTEGER NOT NULL,
    ops           TEXT NOT NULL,                  -- JSON array, as applied
    inverse       TEXT NOT NULL,                  -- JSON array
    summary       TEXT NOT NULL DEFAULT '',
    undo_of       INTEGER,
    redo_of       INTEGER,
    PRIMARY KEY (project_id, rev)
) WITHOUT ROWID;
CREATE INDEX ops_user ON ops(project_id, user_id, rev);

CREATE TABLE client_seqs (
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    client        TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    rev           INTEGER NOT NULL,               -- revision of that push
    PRIMARY KEY (project_id, client)
) WITHOUT ROWID;

CREATE TABLE versions (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rev           INTEGER NOT NULL,
    name          TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'draft'
                  CHECK (status IN ('draft','in_review','approved','changes_requested')),
    created_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    status_by     TEXT,
    status_at     INTEGER
);
CREATE INDEX versions_project ON versions(project_id, rev);

CREATE TABLE comments (
    id            TEXT NOT NULL,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    parent        TEXT,
    author        TEXT REFERENCES users(id) ON DELETE SET NULL,
    at            INTEGER NOT NULL,
    end_at        INTEGER,
    track         TEXT,
    clip          TEXT,
    body          TEXT NOT NULL,
    mentions      TEXT NOT NULL DEFAULT '[]',
    rev           INTEGER NOT NULL,               -- revision it was written at
    version_id    TEXT,
    resolved      INTEGER NOT NULL DEFAULT 0,
    deleted       INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    edited_at     INTEGER,
    updated_rev   INTEGER NOT NULL,
    PRIMARY KEY (project_id, id)
) WITHOUT ROWID;

-- Periodic full documents, to rebuild any revision quickly.
CREATE TABLE snapshots (
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    rev           INTEGER NOT NULL,
    doc           TEXT NOT NULL,                  -- JSON array of objects
    PRIMARY KEY (project_id, rev)
) WITHOUT ROWID;
