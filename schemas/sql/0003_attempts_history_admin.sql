-- Version 3 (issue 5, the admin endpoint): the history of every delivery attempt, the
-- deliveries an operator retried after they had ended, and indexes for the admin's reads.

-- One row per attempt that ended, and per delivery that ended without a running attempt.
-- Written by the triggers below, inside the transaction that changes the delivery's state, so
-- no code path can change a state without leaving its trace (and nothing outside SQL needs to
-- know about this table to keep it right).
--   result: accepted | rejected | retry | dead          (an attempt ended: in_flight -> ...)
--           late-accepted | late-rejected | expired     (ended while waiting: a late outcome of
--                                                         an earlier attempt, or the deadline)
--   attempt: the delivery's attempts count at that moment (1 = the first attempt)
--   started_ms: when the attempt was claimed; NULL when none was running
--   no_outcome: 1 when the attempt ended without any answer (timeout, link lost, restart)
CREATE TABLE delivery_attempts (
  delivery_id INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  recipient   TEXT    NOT NULL,
  attempt     INTEGER NOT NULL,
  started_ms  INTEGER,
  ended_ms    INTEGER NOT NULL,
  result      TEXT    NOT NULL,
  error       TEXT    NOT NULL DEFAULT '',
  no_outcome  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX delivery_attempts_by_seq ON delivery_attempts (seq, ended_ms);
-- endpoint list: when did this organ's inbox last answer?
CREATE INDEX delivery_attempts_by_recipient ON delivery_attempts (recipient, result, ended_ms);

CREATE TRIGGER delivery_attempt_ended AFTER UPDATE OF state ON deliveries
WHEN OLD.state = 'in_flight' AND NEW.state <> 'in_flight'
BEGIN
  INSERT INTO delivery_attempts
    (delivery_id, seq, recipient, attempt, started_ms, ended_ms, result, error, no_outcome)
  VALUES (NEW.id, NEW.seq, NEW.recipient, NEW.attempts, OLD.updated_ms, NEW.updated_ms,
          CASE NEW.state WHEN 'delivered' THEN 'accepted' WHEN 'refused' THEN 'rejected'
                         WHEN 'waiting' THEN 'retry' ELSE 'dead' END,
          CASE WHEN NEW.state = 'delivered' THEN '' ELSE NEW.last_error END,
          NEW.unanswered > OLD.unanswered);
END;

CREATE TRIGGER delivery_ended_while_waiting AFTER UPDATE OF state ON deliveries
WHEN OLD.state = 'waiting' AND NEW.state IN ('delivered', 'refused', 'dead')
BEGIN
  INSERT INTO delivery_attempts
    (delivery_id, seq, recipient, attempt, started_ms, ended_ms, result, error, no_outcome)
  VALUES (NEW.id, NEW.seq, NEW.recipient, NEW.attempts, NULL, NEW.updated_ms,
          CASE NEW.state WHEN 'delivered' THEN 'late-accepted' WHEN 'refused' THEN 'late-rejected'
                         ELSE 'expired' END,
          CASE WHEN NEW.state = 'delivered' THEN '' ELSE NEW.last_error END,
          NEW.unanswered > OLD.unanswered);
END;

-- A delivery that had ended (dead, or refused) and was retried by an operator: the old row is
-- kept here as it was, and a fresh delivery (new id, so a new receipt id; fresh deadline)
-- takes its place in `deliveries`. replaced_by: the new delivery's id.
CREATE TABLE delivery_history (
  id          INTEGER PRIMARY KEY,
  seq         INTEGER NOT NULL,
  recipient   TEXT    NOT NULL,
  next_hop    TEXT    NOT NULL,
  state       TEXT    NOT NULL,
  attempts    INTEGER NOT NULL,
  unanswered  INTEGER NOT NULL,
  last_error  TEXT    NOT NULL,
  created_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  retired_ms  INTEGER NOT NULL,
  retired_by  TEXT    NOT NULL,
  replaced_by INTEGER
);
CREATE INDEX delivery_history_by_seq ON delivery_history (seq);

-- Purging a package takes its attempt history along (the audit log keeps the trail).
CREATE TRIGGER package_purged AFTER DELETE ON packages
BEGIN
  DELETE FROM delivery_attempts WHERE seq = OLD.seq;
  DELETE FROM delivery_history WHERE seq = OLD.seq;
END;

-- doc show / doc list by document id; endpoint list: the last package an organ sent.
CREATE INDEX packages_by_document ON packages (document_id);
CREATE INDEX packages_by_sender ON packages (sender, received_ms);
