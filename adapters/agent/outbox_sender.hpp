// The sending half of the folder mode: takes complete files from outbox/, signs them if
// configured, sends them through the client (pipelined), and moves each to sent/ (accepted)
// or failed/ with a reason file (refused for good). Transient failures leave the file in
// outbox/ and retry it after a doubling delay.
//
// Crash safety (SIGKILL at any moment loses nothing; a file is in outbox/, sent/ or failed/):
//  - a file is taken only under its final name (writers rename it in; hidden, .tmp and
//    .part names are never taken);
//  - signing replaces outbox/<name> by its signed form with one atomic rename BEFORE the
//    first send, so every later re-send (after a crash) carries the same bytes, and the
//    hub's duplicate rule accepts it again and routes it once (ECDSA signatures differ on
//    every signing: re-signing would make a re-send a `duplicate-conflict`);
//  - accepted: one atomic rename outbox/<name> -> sent/<name>; rejected: the reason file
//    failed/<name>.reason is written durably first, then the same rename into failed/. A
//    crash before the rename means the file is sent again (at-least-once).
//  - names already taken in sent/ or failed/ get "~2", "~3", … appended (nothing replaced).
//
// Threads: run_once() and wait() on one thread (the agent's main loop); send outcomes
// arrive on the client thread and are queued for run_once().
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "dsig/signer.hpp"
#include "agent/package_info.hpp"

namespace docaxis::agent {

class OutboxSender {
 public:
  struct Settings {
    std::filesystem::path outbox, sent, failed;
    int max_in_flight = 16;
    std::chrono::seconds retry_first{5}, retry_max{300};
  };
  using Clock = std::chrono::steady_clock;

  // `signer` may be null (no signing); it must outlive this object, like `client`.
  OutboxSender(Settings settings, client::Client& client, const dsig::Signer* signer);
  Status prepare();
  // Finishes completed sends (moves their files), then (when `start_new`) starts sends for
  // outbox files that are neither in flight nor waiting for a retry.
  void run_once(bool start_new = true);
  // Returns when a send completes or after `wait`.
  void wait(std::chrono::milliseconds wait);
  std::size_t in_flight() const { return busy_.size(); }

  struct Counters {
    std::size_t sent = 0, failed = 0, retried = 0;
  };
  Counters counters() const { return counters_; }

 private:
  struct Done {
    std::string name;
    PackageInfo info;
    client::SendResult result;
  };
  void start(const std::string& name);
  void finish(Done d);
  void fail_file(const std::string& name, const std::string& condition,
                 const std::string& description);
  void retry_later(const std::string& name, const std::string& why);
  std::vector<std::string> candidates();

  Settings s_;
  client::Client& client_;
  const dsig::Signer* signer_;
  std::set<std::string> busy_;
  struct Retry {
    int attempts = 0;
    Clock::time_point next;
  };
  std::map<std::string, Retry> retry_;
  Counters counters_;

  std::mutex mu_;  // guards done_ (filled on the client thread)
  std::condition_variable cv_;
  std::vector<Done> done_;
};

}  // namespace docaxis::agent
