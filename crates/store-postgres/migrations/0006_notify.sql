-- Reaching the delegations (as SQLite's 0009_notify.sql): the outbox, the notice cursor, webhook
-- subscriptions, e-mail contacts and calendar feeds. Operational data, outside the log. `code` is
-- '' (not NULL) for an actor without a country, so that it can be part of a key.
CREATE TABLE notice_cursor (
    id       BIGINT PRIMARY KEY CHECK (id = 0),
    position BIGINT NOT NULL CHECK (position >= 0)
);
INSERT INTO notice_cursor (id, position) VALUES (0, 0);

CREATE TABLE outbox (
    id              TEXT COLLATE "C" PRIMARY KEY,
    channel         TEXT COLLATE "C" NOT NULL,
    role            TEXT COLLATE "C" NOT NULL,
    code            TEXT COLLATE "C" NOT NULL,
    destination     TEXT COLLATE "C" NOT NULL,
    body            TEXT COLLATE "C" NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    state           TEXT COLLATE "C" NOT NULL,
    last_error      TEXT COLLATE "C",
    delivered_at    TEXT COLLATE "C"
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_recipient ON outbox (role, code, channel, state);

CREATE TABLE subscriptions (
    id              TEXT COLLATE "C" PRIMARY KEY,
    role            TEXT COLLATE "C" NOT NULL,
    code            TEXT COLLATE "C" NOT NULL,
    url             TEXT COLLATE "C" NOT NULL,
    secret          TEXT COLLATE "C" NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL,
    failures        BIGINT NOT NULL DEFAULT 0,
    disabled_at     TEXT COLLATE "C",
    disabled_reason TEXT COLLATE "C"
);

CREATE TABLE contacts (
    role      TEXT COLLATE "C" NOT NULL,
    code      TEXT COLLATE "C" NOT NULL,
    email     TEXT COLLATE "C" NOT NULL,
    time_zone TEXT COLLATE "C" NOT NULL,
    digest    BOOLEAN NOT NULL,
    PRIMARY KEY (role, code, email)
);

CREATE TABLE feeds (
    hash       BYTEA PRIMARY KEY CHECK (octet_length(hash) = 32),
    role       TEXT COLLATE "C" NOT NULL,
    code       TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
