-- The log entry that records each proposal's decision: what its proof of inclusion is for.
ALTER TABLE proposals ADD COLUMN decided_seq INTEGER;
