-- Version 5 (issue 14, the axis HTTP API): inboxes read by polling.
-- An organ served through the HTTP API fetches what waits for it (getReceivedEdocList, getEdoc)
-- and acknowledges it (updateStatus). Its deliveries are never claimed by the dispatcher: they
-- stay `waiting` (attempts 0) until the recipient acknowledges them or the deadline passes.

-- getEdoc / downloadEdoc / updateStatus name a package by its DocId, the first 24 hex digits
-- of its SHA-256: a prefix range over this index.
CREATE INDEX packages_by_sha256 ON packages (sha256_hex);

-- A delivery that ends while waiting without ever having been attempted was settled by its
-- recipient through the HTTP API: 'acknowledged' (updateStatus done) or 'declined'
-- (updateStatus fail), instead of 'late-accepted' / 'late-rejected' (an AMQP outcome that
-- arrived after its attempt timed out, which always follows an attempt).
DROP TRIGGER delivery_ended_while_waiting;
CREATE TRIGGER delivery_ended_while_waiting AFTER UPDATE OF state ON deliveries
WHEN OLD.state = 'waiting' AND NEW.state IN ('delivered', 'refused', 'dead')
BEGIN
  INSERT INTO delivery_attempts
    (delivery_id, seq, recipient, attempt, started_ms, ended_ms, result, error, no_outcome)
  VALUES (NEW.id, NEW.seq, NEW.recipient, NEW.attempts, NULL, NEW.updated_ms,
          CASE NEW.state
            WHEN 'delivered' THEN CASE WHEN OLD.attempts = 0 THEN 'acknowledged' ELSE 'late-accepted' END
            WHEN 'refused' THEN CASE WHEN OLD.attempts = 0 THEN 'declined' ELSE 'late-rejected' END
            ELSE 'expired' END,
          CASE WHEN NEW.state = 'delivered' THEN '' ELSE NEW.last_error END,
          NEW.unanswered > OLD.unanswered);
END;

-- What the recipient's system did through the HTTP API that does not change the state: a
-- fetch (getEdoc, downloadEdoc) or an intermediate status (updateStatus processing, ...),
-- written into the attempt history as rows with result 'fetched' or 'status' (attempt 0,
-- started_ms NULL, error = what and by which system). The last one is shown as the
-- delivery's status in getReceivedEdocList.
ALTER TABLE deliveries ADD COLUMN recipient_status TEXT NOT NULL DEFAULT '';

-- getSentEdocList: a sent package's title and notation (edXML Subject, CodeNumber/CodeNotation;
-- empty for statuses and receipts, and for packages stored before this version), and, for a
-- receipt, the recipient and the reason it is about, so the sender's system can read each
-- recipient's outcome without parsing receipts. Receipts are found by the digest they are
-- about (about_sha256, now also kept for receipts relayed from other hubs).
ALTER TABLE packages ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN notation TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN about_recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN about_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX packages_receipts_about ON packages (about_sha256) WHERE message_type = 'receipt';
