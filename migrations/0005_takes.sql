-- 0005_takes.sql -- recorded takes (issue 17): one row per take, and one
-- row per acknowledged chunk (its byte length, for the resend check). The
-- samples are in <data>/takes/<id>.s16 (interleaved s16le); `frames` and
-- `next` are what has been acknowledged: a longer file after a crash is
-- truncated to frames on the next access. Times are ms since the epoch.

CREATE TABLE takes (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    n             INTEGER NOT NULL,          -- "Take N": the project's Nth take
    track         TEXT,                      -- the track it records onto, NULL: a new one
    at            INTEGER NOT NULL,          -- timeline frame of its first sample
    rate          INTEGER NOT NULL CHECK (rate IN (44100, 48000)),
    channels      INTEGER NOT NULL CHECK (channels IN (1, 2)),
    device        TEXT NOT NULL DEFAULT '',
    next_seq      INTEGER NOT NULL DEFAULT 0,
    frames        INTEGER NOT NULL DEFAULT 0,
    state         TEXT NOT NULL CHECK (state IN ('recording','stopped','done','discarded')),
    error         TEXT,
    asset         TEXT,                      -- when done
    clip          TEXT,
    out_track     TEXT,                      -- the track the clip is on
    revision      INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX takes_project ON takes(project_id, n);
CREATE INDEX takes_user ON takes(user_id, state);

CREATE TABLE take_chunks (
    take_id       TEXT NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,
    PRIMARY KEY (take_id, seq)
);
