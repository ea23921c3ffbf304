-- Log format v2 (need to know): `entry` now holds an entry's public envelope, the Merkle leaf,
-- and `part` its sealed part (a 32-byte salt, then the canonical JSON of the content), which the
-- envelope commits to. No v1 log was ever deployed: a v1 row keeps an empty part and is refused
-- on load as an old format.
ALTER TABLE log ADD COLUMN part BYTEA NOT NULL DEFAULT '\x';
