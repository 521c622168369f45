-- docaxis store, schema version 1: packages, their deliveries, and the duplicate memory.
-- Applied by hub/store/migrations.cpp inside one transaction, which then records the version.
-- Times are unix milliseconds; states are stored by name so the file reads well in sqlite3.

-- One row per stored package. `bytes` is last so metadata scans stop before its overflow
-- pages. AUTOINCREMENT: a seq is never reused, even after the newest row is purged.
CREATE TABLE packages (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  message_type  TEXT    NOT NULL CHECK (message_type IN ('edoc', 'status', 'receipt')),
  sender        TEXT    NOT NULL,
  document_id   TEXT    NOT NULL,
  sha256_hex    TEXT    NOT NULL CHECK (length(sha256_hex) = 64),
  received_ms   INTEGER NOT NULL,
  from_endpoint TEXT    NOT NULL,
  relaxations   TEXT    NOT NULL,  -- JSON array of strings
  hops          TEXT    NOT NULL,  -- JSON array of {"hub": ..., "arrived_ms": ...}
  verdict       TEXT    NOT NULL,
  size          INTEGER NOT NULL,
  bytes         BLOB    NOT NULL
);
CREATE INDEX packages_by_received ON packages (received_ms);

-- The duplicate memory: one row per key, kept after the package is purged (seq NULL: a
-- tombstone), so a re-send after any retry deadline is still recognised.
CREATE TABLE dedup_keys (
  sender       TEXT    NOT NULL,
  document_id  TEXT    NOT NULL,
  message_type TEXT    NOT NULL,
  sha256_hex   TEXT    NOT NULL,
  seq          INTEGER REFERENCES packages (seq),
  created_ms   INTEGER NOT NULL,
  PRIMARY KEY (sender, document_id, message_type)
) WITHOUT ROWID;
CREATE INDEX dedup_keys_by_seq ON dedup_keys (seq);

-- One row per (package, recipient).
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  seq             INTEGER NOT NULL REFERENCES packages (seq),
  recipient       TEXT    NOT NULL,
  next_hop        TEXT    NOT NULL,
  state           TEXT    NOT NULL
                  CHECK (state IN ('waiting', 'in_flight', 'delivered', 'refused', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error      TEXT    NOT NULL DEFAULT '',
  created_ms      INTEGER NOT NULL,
  updated_ms      INTEGER NOT NULL,
  UNIQUE (seq, recipient)
);
-- claim_due: the due waiting deliveries of one next hop, earliest first.
CREATE INDEX deliveries_due ON deliveries (next_hop, state, next_attempt_ms);
-- recover_in_flight: in_flight deliveries by age.
CREATE INDEX deliveries_by_state ON deliveries (state, updated_ms);
