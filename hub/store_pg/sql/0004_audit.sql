-- docaxis PostgreSQL store, schema version 4: the audit hash chain (hub/store_pg/README.md,
-- "The audit chain"; the record format is hub/audit/README.md's). One row per record, written
-- by PgAuditLog under the advisory lock "dxaudit", so seqs follow commit order across nodes.
--   line   the exact record line, without its '\n' (every byte covered by the chain's hashes)
--   event  the record's event type (a copy, to find the last checkpoint)
--   at_ms  the record's time in unix ms (a copy: checkpoint intervals)
--   node   the hub node that wrote it (not part of the line; not covered by the chain)
CREATE TABLE audit_records (
  seq BIGINT PRIMARY KEY CHECK (seq >= 1),
  line TEXT NOT NULL,
  event TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  node TEXT NOT NULL
);

CREATE INDEX audit_records_checkpoints ON audit_records (seq) WHERE event = 'checkpoint';
