-- The time in a member's signed statement of its position (see concord_core::signed).
ALTER TABLE positions ADD COLUMN signed_at TEXT;
