#include "store/retention.hpp"

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"

namespace docaxis::store {

RetentionRunner::RetentionRunner(RetentionStore& store, RetentionPolicy policy,
                                 std::chrono::milliseconds interval,
                                 std::function<int64_t()> clock,
                                 std::function<void(const Round&)> on_round)
    : store_(store),
      policy_(policy),
      interval_(interval),
      clock_(std::move(clock)),
      on_round_(std::move(on_round)) {
  thread_ = std::thread([this] {
    name_this_thread("dx-retention");
    run_guarded("dx-retention", [this] { loop(); });
  });
}

RetentionRunner::~RetentionRunner() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RetentionRunner::Round RetentionRunner::run_once() {
  std::lock_guard one_at_a_time(round_mu_);
  Round round;
  // Release in batches while they come back full (each is one write: ingest goes on between).
  for (;;) {
    auto pass = store_.release_expired(policy_, clock_());
    if (!pass.ok()) {
      round.status = pass.status();
      break;
    }
    round.released.packages += pass->packages;
    round.released.bytes += pass->bytes;
    std::lock_guard lk(mu_);
    if (!pass->full || stop_) break;
  }
  if (round.status.ok()) {
    auto reclaimed = store_.reclaim_segments();
    if (reclaimed.ok()) round.reclaimed = *reclaimed;
    else round.status = reclaimed.status();
  }
  if (on_round_ && (!round.status.ok() || round.released.packages > 0 ||
                    round.reclaimed.segments > 0)) {
    on_round_(round);
  }
  return round;
}

void RetentionRunner::loop() {
  std::unique_lock lk(mu_);
  while (!stop_) {
    if (cv_.wait_for(lk, interval_, [this] { return stop_; })) return;
    lk.unlock();
    run_once();
    lk.lock();
  }
}

}  // namespace docaxis::store
