-- 0005_takes.sql (PostgreSQL) -- recorded takes and their acknowledged
-- chunks, as migrations/0005_takes.sql.

CREATE TABLE takes (
    id            text PRIMARY KEY,
    project_id    text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id       text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    n             bigint NOT NULL,
    track         text,
    at            bigint NOT NULL,
    rate          bigint NOT NULL CHECK (rate IN (44100, 48000)),
    channels      bigint NOT NULL CHECK (channels IN (1, 2)),
    device        text NOT NULL DEFAULT '',
    next_seq      bigint NOT NULL DEFAULT 0,
    frames        bigint NOT NULL DEFAULT 0,
    state         text NOT NULL CHECK (state IN ('recording','stopped','done','discarded')),
    error         text,
    asset         text,
    clip          text,
    out_track     text,
    revision      bigint,
    created_at    bigint NOT NULL,
    updated_at    bigint NOT NULL
);
CREATE INDEX takes_project ON takes(project_id, n);
CREATE INDEX takes_user ON takes(user_id, state);

CREATE TABLE take_chunks (
    take_id       text NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
    seq           bigint NOT NULL,
    bytes         bigint NOT NULL,
    PRIMARY KEY (take_id, seq)
);
