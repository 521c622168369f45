-- docaxis PostgreSQL store, schema version 2 (hub/store_pg/README.md): what the admin
-- endpoint (AdminStore), the polled inboxes (InboxStore) and retention (RetentionStore) read
-- and write. The same records as the SQLite store's migrations 0003, 0005 and 0008.

-- One row per attempt that ended, and per delivery that ended without a running attempt,
-- written by the triggers below inside the transaction that changes the delivery's state (so
-- no code path can change a state without leaving its trace). Same vocabulary as SQLite's:
--   result: accepted | rejected | retry | dead          (in_flight -> ...)
--           late-accepted | late-rejected | expired     (waiting -> final after an attempt)
--           acknowledged | declined                     (waiting -> final, never attempted:
--                                                         settled by polling)
--           fetched | status                            (InboxStore::record_event_async)
-- id gives the insertion order (SQLite's rowid) among rows ended in the same millisecond.
CREATE TABLE delivery_attempts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  recipient TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_ms BIGINT,
  ended_ms BIGINT NOT NULL,
  result TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  no_outcome BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX delivery_attempts_by_seq ON delivery_attempts (seq, ended_ms, id);
-- organ_activity: when did this organ's inbox last answer?
CREATE INDEX delivery_attempts_by_recipient ON delivery_attempts (recipient, result, ended_ms);

CREATE FUNCTION docaxis_delivery_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state = 'in_flight' AND NEW.state <> 'in_flight' THEN
    INSERT INTO delivery_attempts
      (delivery_id, seq, recipient, attempt, started_ms, ended_ms, result, error, no_outcome)
    VALUES (NEW.id, NEW.seq, NEW.recipient, NEW.attempts, OLD.updated_ms, NEW.updated_ms,
            CASE NEW.state WHEN 'delivered' THEN 'accepted' WHEN 'refused' THEN 'rejected'
                           WHEN 'waiting' THEN 'retry' ELSE 'dead' END,
            CASE WHEN NEW.state = 'delivered' THEN '' ELSE NEW.last_error END,
            NEW.unanswered > OLD.unanswered);
  ELSIF OLD.state = 'waiting' AND NEW.state IN ('delivered', 'refused', 'dead') THEN
    INSERT INTO delivery_attempts
      (delivery_id, seq, recipient, attempt, started_ms, ended_ms, result, error, no_outcome)
    VALUES (NEW.id, NEW.seq, NEW.recipient, NEW.attempts, NULL, NEW.updated_ms,
            CASE NEW.state
              WHEN 'delivered' THEN CASE WHEN OLD.attempts = 0 THEN 'acknowledged'
                                         ELSE 'late-accepted' END
              WHEN 'refused' THEN CASE WHEN OLD.attempts = 0 THEN 'declined'
                                       ELSE 'late-rejected' END
              ELSE 'expired' END,
            CASE WHEN NEW.state = 'delivered' THEN '' ELSE NEW.last_error END,
            NEW.unanswered > OLD.unanswered);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER delivery_attempt_ended AFTER UPDATE OF state ON deliveries
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
  EXECUTE FUNCTION docaxis_delivery_attempt();

-- A delivery that had ended (dead, or refused) and was retried by an operator: the old row as
-- it was; a fresh delivery (new id) took its place. replaced_by: the new delivery's id.
CREATE TABLE delivery_history (
  id BIGINT PRIMARY KEY,
  seq BIGINT NOT NULL,
  recipient TEXT NOT NULL,
  next_hop TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  unanswered INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  retired_ms BIGINT NOT NULL,
  retired_by TEXT NOT NULL,
  replaced_by BIGINT
);
CREATE INDEX delivery_history_by_seq ON delivery_history (seq);

-- Deleting a package (purge, purge_dead) takes its attempt history along.
CREATE FUNCTION docaxis_package_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM delivery_attempts WHERE seq = OLD.seq;
  DELETE FROM delivery_history WHERE seq = OLD.seq;
  RETURN NULL;
END $$;
CREATE TRIGGER package_purged AFTER DELETE ON packages
  FOR EACH ROW EXECUTE FUNCTION docaxis_package_deleted();

-- The last status the recipient reported through polling (record_event_async).
ALTER TABLE deliveries ADD COLUMN recipient_status TEXT NOT NULL DEFAULT '';

-- organ_activity (last package sent), sent_by without a DocId.
CREATE INDEX packages_by_sender ON packages (sender, received_ms);
-- find_for / sent_by: a DocId is a prefix of sha256_hex, looked up as a byte-order range.
CREATE INDEX packages_by_sha256 ON packages (sha256_hex COLLATE "C");
-- sent_by: the receipts about a sent package.
CREATE INDEX packages_receipts_about ON packages (about_sha256) WHERE message_type = 'receipt';
-- receipts_about: the receipts this hub issued about a package, tombstones included.
CREATE INDEX dedup_keys_about ON dedup_keys (sender, about_seq);

-- Retention: released bytes are set to NULL (the row stays; autovacuum reclaims the space).
ALTER TABLE packages ALTER COLUMN bytes DROP NOT NULL;
CREATE INDEX packages_held ON packages (message_type, received_ms) WHERE released_ms IS NULL;
CREATE TABLE retention_totals (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  released_packages BIGINT NOT NULL DEFAULT 0,
  released_bytes BIGINT NOT NULL DEFAULT 0,
  last_release_ms BIGINT NOT NULL DEFAULT 0
);
INSERT INTO retention_totals (id) VALUES (1);
