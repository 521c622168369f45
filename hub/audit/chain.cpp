#include "audit/chain.hpp"

#include "audit/events.hpp"

namespace docaxis::audit {

Status validate_event(const Event& e) {
  if (!valid_event_type(e.type)) {
    return Status{"invalid-argument", "audit event type \"" + e.type + "\" is not kebab-case"};
  }
  if (e.type == events::kCheckpoint || e.type == events::kRecovered) {
    return Status{"invalid-argument", "audit event type \"" + e.type + "\" is reserved"};
  }
  if (!e.detail.is_object()) return Status{"invalid-argument", "audit event detail is not an object"};
  return Status::ok_status();
}

Status validate_events(const std::vector<Event>& events) {
  for (const Event& e : events) {
    if (Status st = validate_event(e); !st.ok()) return st;
  }
  return Status::ok_status();
}

std::string chain_record(ChainHead& head, Record& r) {
  r.seq = head.next_seq++;
  r.prev = head.hash;
  std::string line = format_line(r);
  head.hash = sha256_hex(line);
  return line;
}

Result<Record> checkpoint_record(const ChainHead& head, std::string time,
                                 const CheckpointSigner& signer, std::string_view reason,
                                 std::uint64_t records) {
  Record r;
  r.seq = head.next_seq;
  r.time = std::move(time);
  auto sig = signer.sign(checkpoint_message(r.seq, r.time, head.hash, signer.fingerprint()));
  if (!sig) return sig.status();
  r.event.type = std::string(events::kCheckpoint);
  r.event.detail = {{"alg", kCheckpointAlg},  {"key", signer.fingerprint()},
                    {"reason", reason},       {"records", records},
                    {"sig", std::move(*sig)}};
  return r;
}

}  // namespace docaxis::audit
