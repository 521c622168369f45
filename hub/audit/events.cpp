#include "audit/events.hpp"

namespace docaxis::audit::events {

Event package_stored(bool stored, const PackageFacts& p) {
  Event e;
  e.type = std::string(stored ? kAccepted : kDuplicate);
  e.who = p.who;
  e.doc = p.doc;
  e.organ = p.organ;
  e.detail = {{"seq", p.seq},          {"message_type", p.message_type},
              {"recipients", p.recipients}, {"relaxations", p.relaxations},
              {"sha256", p.sha256},    {"size", p.size},
              {"verdict", p.verdict}};
  return e;
}

Event package_refused(bool transient, const std::string& who, const std::string& doc,
                      const std::string& organ, const std::string& code,
                      const std::string& reason, const std::string& address, std::uint64_t size) {
  Event e;
  e.type = std::string(transient ? kReleased : kRefused);
  e.who = who;
  e.doc = doc;
  e.organ = organ;
  e.detail = {{"code", code}, {"reason", reason}, {"address", address}, {"size", size}};
  return e;
}

Event refusals_suppressed(const std::string& code, std::uint64_t suppressed,
                          std::uint64_t recorded, std::int64_t window_start_ms,
                          std::int64_t window_ms) {
  Event e;
  e.type = std::string(kRefusalsSuppressed);
  e.detail = {{"code", code},
              {"suppressed", suppressed},
              {"recorded", recorded},
              {"window_start_ms", window_start_ms},
              {"window_ms", window_ms}};
  return e;
}

Event delivery_finished(std::string_view outcome, const std::string& organ, std::uint64_t delivery,
                        std::uint64_t seq, const std::string& next_hop, std::uint64_t attempts,
                        const std::string& last_error) {
  Event e;
  e.type = std::string(outcome == "delivered" ? kDelivered
                       : outcome == "refused" ? kRefusedByRecipient
                                              : kDeadLettered);
  e.organ = organ;
  e.detail = {{"delivery", delivery},
              {"seq", seq},
              {"next_hop", next_hop},
              {"attempts", attempts},
              {"last_error", last_error}};
  return e;
}

Event receipt_issued(const std::string& organ, const std::string& receipt,
                     std::uint64_t receipt_seq, std::string_view outcome, std::uint64_t delivery,
                     std::uint64_t seq) {
  Event e;
  e.type = std::string(kReceiptIssued);
  e.organ = organ;
  e.detail = {{"receipt", receipt},
              {"receipt_seq", receipt_seq},
              {"outcome", std::string(outcome)},
              {"delivery", delivery},
              {"seq", seq}};
  return e;
}

Event receipt_failed(const std::string& organ, std::uint64_t delivery, std::uint64_t seq,
                     const std::string& code, const std::string& reason) {
  Event e;
  e.type = std::string(kReceiptFailed);
  e.organ = organ;
  e.detail = {{"delivery", delivery}, {"seq", seq}, {"code", code}, {"reason", reason}};
  return e;
}

Event operator_action(const std::string& who, const std::string& doc, const std::string& organ,
                      const std::string& action, std::uint64_t seq, std::uint64_t delivery,
                      const std::string& state, int pid) {
  Event e;
  e.type = std::string(kOperator);
  e.who = who;
  e.doc = doc;
  e.organ = organ;
  e.detail = {{"action", action},
              {"seq", seq},
              {"delivery", delivery},
              {"state", state},
              {"pid", pid}};
  return e;
}

Event retention_round(std::uint64_t packages, std::uint64_t bytes, std::uint64_t segments,
                      std::uint64_t segment_bytes) {
  Event e;
  e.type = std::string(kRetention);
  e.who = "retention";
  e.detail = {{"packages", packages},
              {"bytes", bytes},
              {"segments", segments},
              {"segment_bytes", segment_bytes}};
  return e;
}

Event key_rollover(const std::string& who, const KeyRollover& r) {
  Event e;
  e.type = std::string(kKeyRollover);
  e.who = who;
  e.detail = {{"old_cert", r.old_cert},       {"new_cert", r.new_cert},
              {"old_key", r.old_key},         {"new_key", r.new_key},
              {"old_subject", r.old_subject}, {"new_subject", r.new_subject},
              {"new_not_after", r.new_not_after}};
  return e;
}

Event recipient_status(const std::string& who, const std::string& doc, const std::string& organ,
                       const std::string& status, const std::string& reason,
                       std::uint64_t delivery, const std::string& sha256,
                       const std::string& state) {
  Event e;
  e.type = std::string(kRecipientStatus);
  e.who = who;
  e.doc = doc;
  e.organ = organ;
  e.detail = {{"status", status},
              {"reason", reason},
              {"delivery", delivery},
              {"sha256", sha256},
              {"state", state}};
  return e;
}

}  // namespace docaxis::audit::events
