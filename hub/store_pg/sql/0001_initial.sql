-- docaxis PostgreSQL store, schema version 1 (hub/store_pg/README.md). The same records as
-- the SQLite store's schema 8, less what belongs to SQLite (segments: the bytes are in
-- `bytes`, a bytea, for now), plus `last_duplicate_ms` (the duplicate path's write, so its
-- commit waits for synchronous replication too).
CREATE SEQUENCE package_seq AS BIGINT START 1 NO CYCLE;

CREATE TABLE packages (
  seq BIGINT PRIMARY KEY,
  message_type TEXT NOT NULL CHECK (message_type IN ('edoc', 'status', 'receipt')),
  sender TEXT NOT NULL,
  document_id TEXT NOT NULL,
  sha256_hex TEXT NOT NULL,
  received_ms BIGINT NOT NULL,
  from_endpoint TEXT NOT NULL,
  relaxations TEXT NOT NULL,
  hops TEXT NOT NULL,
  verdict TEXT NOT NULL,
  size BIGINT NOT NULL,
  bytes BYTEA NOT NULL,
  verdict_form TEXT NOT NULL,
  signed BOOLEAN NOT NULL,
  signer TEXT NOT NULL,
  signature_method TEXT NOT NULL,
  unsigned_note TEXT NOT NULL,
  relaxation_reason TEXT NOT NULL,
  relayed_by TEXT NOT NULL,
  left_to_earlier_hubs TEXT NOT NULL,
  receipt_issuer TEXT NOT NULL,
  receipt_outcome TEXT NOT NULL,
  about_document TEXT NOT NULL,
  about_sha256 TEXT NOT NULL,
  about_seq BIGINT,
  about_delivery BIGINT,
  title TEXT NOT NULL,
  notation TEXT NOT NULL,
  about_recipient TEXT NOT NULL,
  about_reason TEXT NOT NULL,
  released_ms BIGINT
);
CREATE INDEX packages_by_received ON packages (received_ms);

-- The duplicate memory; seq NULL after purge (a tombstone).
CREATE TABLE dedup_keys (
  document_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  message_type TEXT NOT NULL,
  sha256_hex TEXT NOT NULL,
  seq BIGINT,
  created_ms BIGINT NOT NULL,
  about_seq BIGINT,
  about_delivery BIGINT,
  last_duplicate_ms BIGINT,
  PRIMARY KEY (document_id, sender, message_type)
);
CREATE INDEX dedup_keys_by_seq ON dedup_keys (seq);

CREATE TABLE deliveries (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  seq BIGINT NOT NULL REFERENCES packages (seq),
  recipient TEXT NOT NULL,
  next_hop TEXT NOT NULL,
  state TEXT NOT NULL
    CHECK (state IN ('waiting', 'in_flight', 'delivered', 'refused', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  unanswered INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL
);
CREATE INDEX deliveries_by_seq ON deliveries (seq);
CREATE INDEX deliveries_due ON deliveries (next_hop, next_attempt_ms, id)
  WHERE state = 'waiting';
CREATE INDEX deliveries_due_by_recipient ON deliveries (next_hop, recipient, next_attempt_ms, id)
  WHERE state = 'waiting';
CREATE INDEX deliveries_by_state ON deliveries (state, updated_ms);
CREATE INDEX deliveries_waiting_by_created ON deliveries (created_ms, id)
  WHERE state = 'waiting';
