-- Reaching the delegations: the outbox of messages to deliver, the log size up to which notices
-- were queued, webhook subscriptions, e-mail contacts and calendar feeds. Operational data, like
-- `tokens`: notices are computed from the log, these rows only record where they went. `code` is
-- '' (not NULL) for an actor without a country, so that it can be part of a key and be compared
-- with `=`.
CREATE TABLE notice_cursor (
    id       INTEGER PRIMARY KEY CHECK (id = 0),
    position INTEGER NOT NULL CHECK (position >= 0)
);
INSERT INTO notice_cursor (id, position) VALUES (0, 0);

-- `id` is the message's stable id, which receivers de-duplicate by: queued at most once.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL,
    role            TEXT NOT NULL,
    code            TEXT NOT NULL,
    destination     TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    state           TEXT NOT NULL,
    last_error      TEXT,
    delivered_at    TEXT
);
-- The deliverer looks for pending messages that are due; pages and counts filter by recipient.
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_recipient ON outbox (role, code, channel, state);

CREATE TABLE subscriptions (
    id              TEXT PRIMARY KEY,
    role            TEXT NOT NULL,
    code            TEXT NOT NULL,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    disabled_at     TEXT,
    disabled_reason TEXT
);

CREATE TABLE contacts (
    role      TEXT NOT NULL,
    code      TEXT NOT NULL,
    email     TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    digest    BOOLEAN NOT NULL,
    PRIMARY KEY (role, code, email)
);

-- A calendar feed's secret URL token, kept only as its SHA-256, as for API tokens.
CREATE TABLE feeds (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    role       TEXT NOT NULL,
    code       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
