-- Web accounts and sessions (as SQLite's 0005_users.sql): operational data, outside the log.
CREATE TABLE users (
    name          TEXT COLLATE "C" PRIMARY KEY,
    password_hash TEXT COLLATE "C" NOT NULL,
    role          TEXT COLLATE "C" NOT NULL,
    code          TEXT COLLATE "C",
    created_at    TEXT COLLATE "C" NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until  TEXT COLLATE "C"
);

CREATE TABLE sessions (
    hash       BYTEA PRIMARY KEY CHECK (octet_length(hash) = 32),
    user_name  TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    csrf       TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    expires_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_name);
