-- The Merkle tree over the log (RFC 9162), its signed checkpoints, and witnesses' cosignatures.
--
-- `tree_hashes` uses the stored-hash layout of Go's sumdb/tlog: appending entry n stores the
-- hashes of the complete subtrees it completes, O(log n) rows, and any inclusion or consistency
-- proof reads O(log n) of them. The log's own rows are unchanged: leaf hashes were stored from
-- the start, and the server fills this table in for entries written before it existed.
CREATE TABLE tree_hashes (
    idx  INTEGER PRIMARY KEY CHECK (idx >= 0),
    hash BLOB    NOT NULL CHECK (length(hash) = 32)
);

-- One signed checkpoint per batch; `note` is the signed note as served.
CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0),
    root BLOB    NOT NULL CHECK (length(root) = 32),
    note TEXT    NOT NULL
);

CREATE TABLE cosignatures (
    size    INTEGER NOT NULL REFERENCES checkpoints (size),
    witness TEXT    NOT NULL,
    line    TEXT    NOT NULL,
    PRIMARY KEY (size, witness)
);
