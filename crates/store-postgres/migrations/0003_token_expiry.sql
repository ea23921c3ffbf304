-- API tokens may expire: `concord token create --expires-in`. NULL: only revocation ends it.
ALTER TABLE tokens ADD COLUMN expires_at TEXT COLLATE "C";
