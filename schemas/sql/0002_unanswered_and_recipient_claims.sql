-- Version 2: the poison count gets its own column (it was a tag in last_error), and claims
-- can be made per recipient (only for inboxes that are attached, up to their window).
ALTER TABLE deliveries ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_due_by_recipient ON deliveries (next_hop, recipient, state, next_attempt_ms);
