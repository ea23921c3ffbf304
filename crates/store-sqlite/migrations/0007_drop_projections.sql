-- The query tables go: every read of the alliance's state is served from the server's fold of
-- the log (published after each batch, in memory), so rows that repeated it are no longer
-- written or read. The log, the tree, checkpoints and operational rows stay.
DROP TABLE positions;
DROP TABLE proposals;
DROP TABLE partners;
DROP TABLE members;
