-- Concord's SQLite schema: the log, its head, the projections, tokens and idempotency records.
--
-- Kept close to portable SQL so that the PostgreSQL migration can follow it line by line: there,
-- INTEGER keys become BIGINT and BLOB becomes BYTEA; the rest (TEXT, BOOLEAN, composite keys,
-- ON CONFLICT upserts in the code) reads the same. Timestamps are TEXT in RFC 3339 UTC with nine
-- fractional digits, so that they sort as text in time order.

-- The log: the source of truth. `entry` holds the canonical bytes of a LogRecord and `leaf_hash`
-- their RFC 9162 leaf hash, kept so that the Merkle tree, checkpoints and proofs can be built over
-- these rows without migrating them. Rows are only ever inserted.
CREATE TABLE log (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 0),
    leaf_hash BLOB    NOT NULL CHECK (length(leaf_hash) = 32),
    entry     BLOB    NOT NULL
);

-- The stored size of the log, in one row: the value every append compares and swaps, so that two
-- writers can never fork the log.
CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 0),
    size INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (0, 0);

-- Projections: derived from the log, written in the same transaction as the entries that change
-- them, rebuilt from it by `replace_projections`. `body` is the full domain value as JSON; the
-- other columns repeat what queries filter and sort on.
CREATE TABLE members (
    code      TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    accession TEXT NOT NULL,
    departure TEXT,
    body      TEXT NOT NULL
);

CREATE TABLE partners (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE proposals (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    status   TEXT NOT NULL,
    -- The current revision's title.
    title    TEXT NOT NULL,
    -- The current circulation's deadline, if circulated.
    deadline TEXT,
    -- The latest time anything happened to the proposal.
    updated  TEXT NOT NULL,
    body     TEXT NOT NULL
);
-- Lists filtered by status page through ids.
CREATE INDEX proposals_by_status ON proposals (status, id);
-- The scheduler looks for open proposals whose deadline has come.
CREATE INDEX proposals_by_deadline ON proposals (deadline) WHERE deadline IS NOT NULL;

-- The current positions on each proposal (those in its `body`), replaced whenever the proposal
-- row is written.
CREATE TABLE positions (
    proposal INTEGER NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    member   TEXT    NOT NULL,
    revision INTEGER NOT NULL,
    stance   TEXT    NOT NULL,
    text     TEXT,
    at       TEXT    NOT NULL,
    signed   BOOLEAN NOT NULL,
    PRIMARY KEY (proposal, member)
);
CREATE INDEX positions_by_member ON positions (member, proposal);

-- API tokens, by the SHA-256 of the token: a stolen database yields no usable token. `code` is
-- the member or partner a token acts for, NULL for the other roles.
CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY CHECK (length(hash) = 32),
    role       TEXT NOT NULL,
    code       TEXT,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- The replies given to writes that carried an Idempotency-Key, scoped per principal.
CREATE TABLE idempotency (
    principal   TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        BLOB    NOT NULL,
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (principal, key)
);
