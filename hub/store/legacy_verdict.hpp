// Internal to store/: filling the verdict columns of rows stored before schema version 4 from
// the sentence they were stored with. Run once, by migration 0004, inside its transaction.
// This is the only place that reads a verdict sentence; nothing does after the migration.
#pragma once

#include <string>

#include "common/status.hpp"
#include "store/records.hpp"
#include "store/sqlite_db.hpp"

namespace docaxis::store {

// Best effort: the fields a sentence written by the engine before version 4 names (form
// kLegacy, legacy_text = the sentence). Recognised: "signed by S; M", "unsigned[: note]",
// "; relaxed: a,b (reason)", "; relayed by X", "; left to earlier hubs: r (via p),...",
// "receipt for D (O) issued by H, signed by S; relayed by X", and "issued by H for delivery N
// (O, document D, sha256 X)" (about_seq from the receipt id "<H>-<seq>-<N>" in
// `document_id`, only when its delivery part is N). Anything else: only legacy_text.
PackageVerdict parse_legacy_verdict(const std::string& sentence, const std::string& document_id);

// For every packages row with verdict_form 'legacy': its columns from parse_legacy_verdict;
// then dedup_keys.about_* of receipt keys: from their package, and for tombstones from a
// receipt id "<sender>-<seq>-<delivery>" (a relayed receipt's tombstone gets its issuer's
// numbers: the admin asks only for this hub's own receipts, so they are never confused).
Status backfill_legacy_verdicts(sqlite::Db& db);

}  // namespace docaxis::store
