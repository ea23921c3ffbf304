-- Concord's PostgreSQL schema: the final SQLite schema (crates/store-sqlite/migrations 0001–0004)
-- in one step. SQLite's INTEGER is BIGINT here and BLOB is BYTEA; timestamps stay TEXT (RFC 3339
-- UTC with nine fractional digits, exactly as the SQLite backend stores them) so that both
-- backends dump the same text. Every TEXT column uses the "C" collation: bytewise order, as in
-- SQLite, so that pages, dumps and the time-ordered text timestamps sort the same on any
-- database locale.

-- The log: the source of truth. `entry` holds the canonical bytes of a LogRecord and `leaf_hash`
-- their RFC 9162 leaf hash. Rows are only ever inserted.
CREATE TABLE log (
    seq       BIGINT PRIMARY KEY CHECK (seq >= 0),
    leaf_hash BYTEA  NOT NULL CHECK (octet_length(leaf_hash) = 32),
    entry     BYTEA  NOT NULL
);

-- The stored size of the log, in one row: every append locks it (`SELECT … FOR UPDATE`),
-- compares and swaps it, so that two writers can never fork the log.
CREATE TABLE log_head (
    id   BIGINT PRIMARY KEY CHECK (id = 0),
    size BIGINT NOT NULL CHECK (size >= 0)
);
INSERT INTO log_head (id, size) VALUES (0, 0);

-- Projections: derived from the log, written in the same transaction as the entries that change
-- them, rebuilt from it by `replace_projections`. `body` is the full domain value as JSON; the
-- other columns repeat what queries filter and sort on.
CREATE TABLE members (
    code      TEXT COLLATE "C" PRIMARY KEY,
    name      TEXT COLLATE "C" NOT NULL,
    accession TEXT COLLATE "C" NOT NULL,
    departure TEXT COLLATE "C",
    body      TEXT COLLATE "C" NOT NULL
);

CREATE TABLE partners (
    code TEXT COLLATE "C" PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    body TEXT COLLATE "C" NOT NULL
);

CREATE TABLE proposals (
    id          BIGINT PRIMARY KEY,
    kind        TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    -- The current revision's title.
    title       TEXT COLLATE "C" NOT NULL,
    -- The current circulation's deadline, if circulated.
    deadline    TEXT COLLATE "C",
    -- The latest time anything happened to the proposal.
    updated     TEXT COLLATE "C" NOT NULL,
    body        TEXT COLLATE "C" NOT NULL,
    -- The log entry that records the proposal's decision: what its proof of inclusion is for.
    decided_seq BIGINT
);
-- Lists filtered by status page through ids.
CREATE INDEX proposals_by_status ON proposals (status, id);
-- The scheduler looks for open proposals whose deadline has come.
CREATE INDEX proposals_by_deadline ON proposals (deadline) WHERE deadline IS NOT NULL;

-- The current positions on each proposal (those in its `body`), replaced whenever the proposal
-- row is written.
CREATE TABLE positions (
    proposal  BIGINT  NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    member    TEXT COLLATE "C" NOT NULL,
    revision  BIGINT  NOT NULL,
    stance    TEXT COLLATE "C" NOT NULL,
    text      TEXT COLLATE "C",
    at        TEXT COLLATE "C" NOT NULL,
    signed    BOOLEAN NOT NULL,
    -- The time in a member's signed statement of its position (see concord_core::signed).
    signed_at TEXT COLLATE "C",
    PRIMARY KEY (proposal, member)
);
CREATE INDEX positions_by_member ON positions (member, proposal);

-- API tokens, by the SHA-256 of the token: a stolen database yields no usable token. `code` is
-- the member or partner a token acts for, NULL for the other roles.
CREATE TABLE tokens (
    hash       BYTEA PRIMARY KEY CHECK (octet_length(hash) = 32),
    role       TEXT COLLATE "C" NOT NULL,
    code       TEXT COLLATE "C",
    label      TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    revoked_at TEXT COLLATE "C"
);

-- The replies given to writes that carried an Idempotency-Key, scoped per principal.
CREATE TABLE idempotency (
    principal   TEXT COLLATE "C" NOT NULL,
    key         TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT COLLATE "C" NOT NULL,
    status      BIGINT NOT NULL,
    body        BYTEA  NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (principal, key)
);

-- The Merkle tree over the log (RFC 9162) in the stored-hash layout of Go's sumdb/tlog, its
-- signed checkpoints, and witnesses' cosignatures.
CREATE TABLE tree_hashes (
    idx  BIGINT PRIMARY KEY CHECK (idx >= 0),
    hash BYTEA  NOT NULL CHECK (octet_length(hash) = 32)
);

-- One signed checkpoint per batch; `note` is the signed note as served.
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY CHECK (size >= 0),
    root BYTEA  NOT NULL CHECK (octet_length(root) = 32),
    note TEXT COLLATE "C" NOT NULL
);

CREATE TABLE cosignatures (
    size    BIGINT NOT NULL REFERENCES checkpoints (size),
    witness TEXT COLLATE "C" NOT NULL,
    line    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (size, witness)
);
