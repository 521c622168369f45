// AttemptLedger: per-delivery counts the Store has no column for, kept as a trailing tag in
// the delivery's last_error, e.g. "released by recipient [parked=3 unanswered=1]".
//
// Why: Store::claim_due counts every claim as an attempt and cannot filter by recipient, so
// the dispatcher must claim deliveries of organs with no inbox attached (or behind an open
// breaker) and put them back with schedule_retry. Those "parked" claims are not attempts;
// the ledger lets the retry policy subtract them, across restarts. `unanswered` counts
// attempts that ended with no outcome (timeout, link lost), for the poison limit.
// Limitation: Store::recover_in_flight overwrites last_error, so a recovered delivery starts
// a fresh ledger (counted as one unanswered attempt: it was in flight when the hub died).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace docaxis::delivery {

struct AttemptLedger {
  uint32_t parked = 0;
  uint32_t unanswered = 0;

  // Reads the tag at the end of `last_error`; zeros when there is none. A last_error written
  // by Store::recover_in_flight ("recovered: ...") reads as one unanswered attempt.
  static AttemptLedger parse(std::string_view last_error);
  // `text` followed by the tag.
  std::string format(std::string_view text) const;
  // Real attempts: the store's count minus parked claims (at least 1 once claimed).
  uint32_t real_attempts(uint32_t store_attempts) const;
};

}  // namespace docaxis::delivery
