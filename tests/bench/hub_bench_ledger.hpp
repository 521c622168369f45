// hub_bench: the run's bookkeeping, shared by every agency of one load run: the phase, when
// each package was sent, accepted, delivered and receipted, per-sender end-to-end windows,
// and the checks on what arrives (right inbox, exact bytes, receipt outcome and signature).
//
// Threads: container thread only (the load run has one), so nothing here is locked.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hub_bench_load.hpp"
#include "hub_bench_packages.hpp"

namespace proton {
class message;
}

namespace docaxis::bench {

enum class Phase { kConnecting, kWarmup, kWindow, kDrain, kClosing };

class Ledger {
 public:
  Ledger(const LoadSpec& spec, const Pool& pool);

  int64_t now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                epoch_)
        .count();
  }
  const LoadSpec& spec() const { return spec_; }
  const Pool& pool() const { return pool_; }
  Phase phase = Phase::kConnecting;
  int64_t started_at = 0;  // first package may go (end of connecting)
  // New packages may be started in warm-up and window; retries go on until closing.
  bool may_start() const { return phase == Phase::kWarmup || phase == Phase::kWindow; }
  bool may_retry() const { return phase != Phase::kConnecting && phase != Phase::kClosing; }

  // Sender side (the agency's connection context).
  void on_send(std::size_t index);
  void on_accepted(std::size_t index);
  void on_rejected(std::size_t index, const std::string& condition, const std::string& description);
  void on_released(std::size_t index);
  uint32_t in_flight(std::size_t sender) const { return in_flight_[sender]; }

  // A message on a recipient's inbox (expected: edoc) or on a sender's inbox (expected:
  // receipt). Bodies are checked and counted; never thrown out of.
  void on_inbox_message(std::size_t recipient, const proton::message& m);
  void on_receipt_message(std::size_t sender, const proton::message& m);

  // Every package sent has an outcome, and every accepted one was delivered and receipted.
  bool complete() const;
  // After the run: verifies each package's first receipt (hub_bench_load.hpp, "Receipts")
  // and counts the result in out.receipts_verified / out.unverified_receipts.
  void verify_receipts();
  void fail(const std::string& what);
  bool failed() const { return !out.errors.empty(); }

  LoadResult out;
  int links_open = 0;
  int connections_closed = 0;

 private:
  std::optional<std::size_t> index_of(const std::string& document_id) const;
  std::size_t sender_of(std::size_t index) const { return index / pool_.per_sender; }
  const Package& package(std::size_t index) const {
    return pool_.by_sender[sender_of(index)][index % pool_.per_sender];
  }

  const LoadSpec& spec_;
  const Pool& pool_;
  const std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  std::unordered_map<std::string, std::size_t> by_document_id_;
  std::vector<uint32_t> in_flight_;  // per sender: sent, not yet received (or rejected)
  std::vector<std::string> receipt_bytes_;  // by package index: its first receipt, verified later
  uint64_t outcomes_pending_ = 0;    // sent, no final outcome yet (released ones included)
};

}  // namespace docaxis::bench
