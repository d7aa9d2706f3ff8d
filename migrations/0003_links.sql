-- 0003_links.sql -- share links and their guests (server/auth/links.c,
-- guest.c; docs/review.md "Share links and guests"): a link carries its
-- rights, an optional version (pinned or not), expiry, maximum uses and an
-- Argon2id password hash; the token is stored only as its SHA-256. Each
-- guest session is a users row (name "guest~<id>", no usable password)
-- with a normal sessions row, tied to its link by `guests`; downloads by
-- guests are logged in `link_downloads`.

CREATE TABLE links (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    token_hash    BLOB NOT NULL UNIQUE,          -- SHA-256 of the raw token
    can_comment   INTEGER NOT NULL DEFAULT 0,
    can_download  INTEGER NOT NULL DEFAULT 0,
    version_id    TEXT,                          -- NULL: the head only
    pinned        INTEGER NOT NULL DEFAULT 0,    -- plays version_id only
    expires_at    INTEGER,                       -- ms; NULL: never
    max_uses      INTEGER,                       -- NULL: unlimited
    uses          INTEGER NOT NULL DEFAULT 0,    -- guest sessions started
    pw_hash       TEXT,                          -- NULL: no password
    label         TEXT NOT NULL DEFAULT '',
    created_by    TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER                        -- NULL: live
);
CREATE INDEX links_project ON links(project_id, created_at);

CREATE TABLE guests (
    user_id       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    link_id       TEXT NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,                 -- as the guest typed it
    created_at    INTEGER NOT NULL
);
CREATE INDEX guests_link ON guests(link_id);

CREATE TABLE link_downloads (
    id            INTEGER PRIMARY KEY,
    link_id       TEXT NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    user_id       TEXT,                          -- the guest
    name          TEXT NOT NULL,
    format        TEXT NOT NULL,
    at            INTEGER NOT NULL
);
CREATE INDEX link_downloads_link ON link_downloads(link_id);
