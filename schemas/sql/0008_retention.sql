-- Retention (hub/store/retention.hpp): a package's bytes are released after an age per message
-- type once every delivery of it is final; the row, its deliveries, receipts, duplicate key and
-- the audit log stay.
-- released_ms: when retention released the bytes (NULL: held). A released row's segment range
-- may point into a deleted segment file; it is never read (load_package: `released`).
ALTER TABLE packages ADD COLUMN released_ms INTEGER;
-- The candidates, oldest first per type: only held packages are in it, and new rows append.
CREATE INDEX packages_held ON packages (message_type, received_ms) WHERE released_ms IS NULL;
-- Which sealed segments still hold a package that may be read.
CREATE INDEX packages_held_by_segment ON packages (segment)
  WHERE released_ms IS NULL AND segment IS NOT NULL;
-- What retention freed since the store was created (one row).
CREATE TABLE retention_totals (
  id                  INTEGER PRIMARY KEY CHECK (id = 1),
  released_packages   INTEGER NOT NULL DEFAULT 0,
  released_bytes      INTEGER NOT NULL DEFAULT 0,
  segments_removed    INTEGER NOT NULL DEFAULT 0,
  segment_bytes_freed INTEGER NOT NULL DEFAULT 0,
  last_release_ms     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO retention_totals (id) VALUES (1);
