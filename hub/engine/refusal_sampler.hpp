// RefusalSampler: bounds the audit records of refused packages, so that a client sending
// junk in a loop cannot make the audit log (and the disk under it) grow at its pace.
//
// Per refusal code, time is cut into windows of `window` (1 s by default). In each window the
// first `per_window` refusals of a code get their own audit record; the rest are only counted.
// When a code's window has closed with refusals left out, one `refusals-suppressed` event
// sums them up: detail {code, suppressed, recorded, window_start_ms, window_ms}. Summaries are
// produced by the next sample() call of any code after the window closed, or by flush() (the
// Ingest calls it from its destructor). per_window 0 records nothing individually and
// summarises everything.
//
// The records themselves are appended with AuditTrail::append_deferred by the caller: no
// fdatasync of their own, they become durable with the log's next sync.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "audit/record.hpp"
#include "model/identity.hpp"

namespace docaxis::engine {

class RefusalSampler {
 public:
  explicit RefusalSampler(std::uint32_t per_window,
                          std::chrono::milliseconds window = std::chrono::seconds(1));

  // Counts one refusal of `code` at `now_ms`; true when it gets its own record. Appends to
  // `summaries` the events of the windows (of any code) that closed with refusals left out.
  bool sample(const std::string& code, std::int64_t now_ms,
              std::vector<audit::Event>& summaries);
  // Summaries of every window (closed or not) with refusals left out; resets them.
  std::vector<audit::Event> flush();

 private:
  struct Window {
    std::int64_t start_ms = 0;
    std::uint64_t recorded = 0;
    std::uint64_t suppressed = 0;
  };
  audit::Event summary(const std::string& code, const Window& w) const;

  std::uint32_t per_window_;
  std::int64_t window_ms_;
  std::mutex mu_;
  std::map<std::string, Window> windows_;
};

// Logs (logger "engine") one refused package when `sampled` (event=package-refused, or
// package-released for a transient code) and every summary in `summaries`
// (event=refusals-suppressed): the same sampling as the audit records.
void log_refusal(const model::ConnectionIdentity& from, const std::string& address, std::size_t size,
                 const Status& status, const std::string& doc, const std::string& organ,
                 bool sampled, const std::vector<audit::Event>& summaries);

}  // namespace docaxis::engine
