#include "audit/verify.hpp"

#include <filesystem>

#include "audit/checkpoint_keys.hpp"
#include "audit/events.hpp"
#include "audit/segment_files.hpp"

namespace docaxis::audit {
namespace {

struct Walker {
  const CheckpointVerifier& keys;
  const VerifyOptions& opt;
  VerifyReport rep;
  std::uint64_t expected_seq = 1;
  std::string prev_hash{kGenesisPrev};

  void fail(std::string code, const Segment& s, std::uint64_t line, std::uint64_t seq,
            std::string message) {
    rep.failure = VerifyFailure{std::move(code), s.name, line, seq, std::move(message)};
  }

  // Checks one complete line; false once a failure is recorded.
  // `later` tells whether a later line of the segment starts as record `seq` (reorder vs gap).
  template <typename Later>
  bool record(const Segment& s, std::uint64_t line_no, std::string_view text, Later&& later) {
    auto r = parse_envelope(text);
    if (!r) {
      fail(r.status().code(), s, line_no, expected_seq, r.status().message());
      return false;
    }
    if (r->seq != expected_seq) {
      std::string found = "record seq " + std::to_string(r->seq) + " where seq " +
                          std::to_string(expected_seq) + " was expected";
      if (r->seq > expected_seq && !later(expected_seq)) {
        fail("seq-gap", s, line_no, r->seq, found + ": records are missing before it");
      } else {
        fail("seq-out-of-order", s, line_no, r->seq,
             found + ": records were reordered, duplicated or inserted");
      }
      return false;
    }
    if (r->prev != prev_hash) {
      fail("prev-mismatch", s, line_no, r->seq,
           "\"prev\" is not the SHA-256 of the line of record seq " +
               std::to_string(expected_seq - 1) + ": a record before it was changed or replaced");
      return false;
    }
    bool checkpoint_line = r->type == events::kCheckpoint;
    if (checkpoint_line || r->type == events::kRecovered || opt.check_json) {
      auto full = parse_line(text);
      if (!full) {
        fail(full.status().code(), s, line_no, r->seq, full.status().message());
        return false;
      }
      if (checkpoint_line && !checkpoint(s, line_no, *full)) return false;
    }
    if (r->type == events::kRecovered) ++rep.recovered_events;
    if (opt.anchor_seq == r->seq && opt.anchor_hash != r->hash) {
      fail("anchor-mismatch", s, line_no, r->seq, "the anchored record seq " +
                                                      std::to_string(r->seq) + " has changed");
      return false;
    }
    if (rep.records == 0) rep.first_seq = r->seq;
    ++rep.records;
    rep.last_seq = r->seq;
    prev_hash = sha256_hex(text);
    ++expected_seq;
    return true;
  }

  bool checkpoint(const Segment& s, std::uint64_t line_no, const Record& r) {
    const auto& d = r.event.detail;
    auto str = [&](const char* k) {
      return d.contains(k) && d[k].is_string() ? d[k].get<std::string>() : std::string();
    };
    std::string since = rep.last_checkpoint_seq == 0
                            ? "the start of the log"
                            : "checkpoint seq " + std::to_string(rep.last_checkpoint_seq);
    if (str("alg") != kCheckpointAlg || str("key").empty() || str("sig").empty()) {
      fail("bad-checkpoint-signature", s, line_no, r.seq,
           "checkpoint without alg \"" + std::string(kCheckpointAlg) + "\", key and sig");
      return false;
    }
    std::string key = str("key");
    Status st = keys.verify(key, checkpoint_message(r.seq, r.time, r.prev, key), str("sig"));
    if (!st.ok()) {
      fail(st.code(), s, line_no, r.seq,
           st.message() + "; records since " + since + " cannot be vouched for");
      return false;
    }
    ++rep.checkpoints;
    rep.last_checkpoint_seq = r.seq;
    rep.last_checkpoint_time = r.time;
    rep.last_checkpoint_hash = r.hash;
    return true;
  }
};

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kSealed: return "sealed";
    case Verdict::kUnsealedTail: return "unsealed-tail";
    case Verdict::kTampered: return "tampered";
    case Verdict::kEmpty: return "empty";
  }
  return "?";
}

Result<VerifyReport> verify_log(const std::string& dir, const std::string& hub_cert_pem,
                                const VerifyOptions& options) {
  return verify_log(dir, std::vector<std::string>{hub_cert_pem}, options);
}

Result<VerifyReport> verify_log(const std::string& dir, const std::vector<std::string>& hub_cert_pems,
                                const VerifyOptions& options) {
  auto keys = CheckpointVerifier::load(hub_cert_pems);
  if (!keys) return keys.status();
  auto segments = list_segments(dir);
  if (!segments) return segments.status();
  std::uint64_t total = 0, done = 0;
  for (const Segment& s : *segments) {
    std::error_code ec;
    total += std::filesystem::file_size(s.path, ec);
  }
  Walker w{**keys, options, {}};
  w.rep.segments = segments->size();
  for (std::size_t i = 0; i < segments->size() && !w.rep.failure; ++i) {
    const Segment& s = (*segments)[i];
    bool last_segment = i + 1 == segments->size();
    if (s.index != i + 1) {
      Segment missing{i + 1, segment_name(i + 1), ""};
      w.fail("missing-segment", missing, 0, w.expected_seq,
             "segment " + missing.name + " is missing (next present: " + s.name + ")");
      break;
    }
    auto data = read_all(s.path);
    if (!data) return data.status();
    auto lines = split_lines(*data);
    for (std::size_t n = 0; n < lines.size(); ++n) {
      if (!lines[n].terminated) {
        if (last_segment) {
          w.rep.torn_tail = true;
          w.rep.torn_bytes = lines[n].text.size();
        } else {
          w.fail("truncated", s, n + 1, w.expected_seq,
                 "the segment ends inside a record, but later segments follow");
        }
        break;
      }
      auto later = [&](std::uint64_t seq) {
        std::string start = "{\"v\":1,\"seq\":" + std::to_string(seq) + ",";
        for (std::size_t k = n + 1; k < lines.size(); ++k) {
          if (lines[k].text.substr(0, start.size()) == start) return true;
        }
        return false;
      };
      if (!w.record(s, n + 1, lines[n].text, later)) break;
    }
    done += data->size();
    if (options.progress) options.progress(done, total);
  }
  VerifyReport& rep = w.rep;
  if (!rep.failure && options.anchor_seq > rep.last_seq) {
    Segment last = segments->empty() ? Segment{1, segment_name(1), ""} : segments->back();
    w.fail("truncated", last, 0, rep.last_seq + 1,
           "the log ends at seq " + std::to_string(rep.last_seq) + " before the anchored seq " +
               std::to_string(options.anchor_seq) + ": records were removed from its end");
  }
  rep.unsealed_records = rep.last_seq - rep.last_checkpoint_seq;
  if (rep.failure) {
    rep.verdict = Verdict::kTampered;
  } else if (rep.records == 0 && !rep.torn_tail) {
    rep.verdict = Verdict::kEmpty;
  } else if (rep.unsealed_records > 0 || rep.torn_tail) {
    rep.verdict = Verdict::kUnsealedTail;
  } else {
    rep.verdict = Verdict::kSealed;
  }
  return rep;
}

Status for_each_record(const std::string& dir, const ExportFilter& filter,
                       const std::function<bool(const ExportedRecord&)>& fn) {
  auto segments = list_segments(dir);
  if (!segments) return segments.status();
  std::string since = filter.since ? format_time(*filter.since) : std::string();
  std::string until = filter.until ? format_time(*filter.until) : std::string();
  for (const Segment& s : *segments) {
    auto data = read_all(s.path);
    if (!data) return data.status();
    auto lines = split_lines(*data);
    for (std::size_t n = 0; n < lines.size(); ++n) {
      if (!lines[n].terminated) break;  // a torn tail (or a write in progress)
      auto r = parse_line(lines[n].text);
      if (!r) {
        return Status{"data-loss", s.name + " line " + std::to_string(n + 1) + ": " +
                                       r.status().to_string()};
      }
      // Fixed-width UTC times compare as strings.
      if (filter.since && r->time < since) continue;
      if (filter.until && r->time >= until) continue;
      if (!fn(ExportedRecord{s.name, n + 1, *r, lines[n].text})) return Status::ok_status();
    }
  }
  return Status::ok_status();
}

}  // namespace docaxis::audit
