-- Version 4: the verdict as columns instead of a sentence, and a receipt's subject as fields.
-- Until version 3, packages.verdict was one free-text sentence that doc show parsed back by
-- splitting on "; ", and the admin found the receipts of a package by the prefix of their
-- receipt ids. Now the engine writes the fields and the admin reads them; `verdict` keeps a
-- sentence for people reading the file with sqlite3 (derived from the columns by the hub).
--
-- Rows stored before this version keep their sentence and get verdict_form = 'legacy'; the
-- hub fills their other columns from the sentence once, best effort, in the same
-- transaction as this file (store/legacy_verdict.cpp), and doc show keeps showing the
-- original sentence for them.
--
-- The new columns come after `bytes`: only load_package reads them, and it reads the bytes
-- anyway; the listing scans (list_packages, the admin's) never touch them.
ALTER TABLE packages ADD COLUMN verdict_form TEXT NOT NULL DEFAULT 'legacy'
  CHECK (verdict_form IN ('package', 'relayed-receipt', 'issued-receipt', 'legacy'));
ALTER TABLE packages ADD COLUMN signed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN signer TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN signature_method TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN unsigned_note TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN relaxation_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN relayed_by TEXT NOT NULL DEFAULT '';
-- JSON array of {"recipient": ..., "via": ...}
ALTER TABLE packages ADD COLUMN left_to_earlier_hubs TEXT NOT NULL DEFAULT '[]';
ALTER TABLE packages ADD COLUMN receipt_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN receipt_outcome TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN about_document TEXT NOT NULL DEFAULT '';
ALTER TABLE packages ADD COLUMN about_sha256 TEXT NOT NULL DEFAULT '';
-- A receipt this hub issued: the package (seq) and the delivery (id) it is about.
ALTER TABLE packages ADD COLUMN about_seq INTEGER;
ALTER TABLE packages ADD COLUMN about_delivery INTEGER;

-- The same two on the duplicate key, so a purged receipt (its key a tombstone) is still
-- found by the package it was about.
ALTER TABLE dedup_keys ADD COLUMN about_seq INTEGER;
ALTER TABLE dedup_keys ADD COLUMN about_delivery INTEGER;
CREATE INDEX dedup_keys_about ON dedup_keys (sender, about_seq) WHERE about_seq IS NOT NULL;
