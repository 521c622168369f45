#include "store/checkpointer.hpp"

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"

namespace docaxis::store {

Checkpointer::Checkpointer(std::unique_ptr<sqlite::Db> db, int frames_to_checkpoint,
                           std::chrono::milliseconds interval, int restart_frames)
    : db_(std::move(db)),
      frames_to_checkpoint_(frames_to_checkpoint),
      interval_(interval),
      restart_frames_(restart_frames) {
  thread_ = std::thread([this] {
    name_this_thread("dx-checkpoint");
    run_guarded("dx-checkpoint", [this] { loop(); });
  });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::notify(int frames) {
  if (frames < frames_to_checkpoint_) return;
  {
    std::lock_guard lk(mu_);
    if (due_) return;
    due_ = true;
  }
  cv_.notify_one();
}

void Checkpointer::after_commit(sqlite::Db& writer, int frames) {
  notify(frames);
  if (frames < restart_frames_) return;
  // Busy (a reader still on an old snapshot past the writer's busy_timeout): the next commit
  // tries again.
  if (writer.checkpoint_restart()) restarts_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Checkpointer::restarts() const { return restarts_.load(std::memory_order_relaxed); }

std::uint64_t Checkpointer::checkpoints() const {
  std::lock_guard lk(mu_);
  return checkpoints_;
}

void Checkpointer::loop() {
  std::unique_lock lk(mu_);
  while (!stop_) {
    cv_.wait_for(lk, interval_, [this] { return stop_ || due_; });
    if (stop_) return;
    due_ = false;
    lk.unlock();
    // PASSIVE: copies what no reader still needs, never blocks the writer. A failure (busy,
    // I/O) leaves the WAL as it is: the next round or SQLite at close checkpoints it.
    const Status s = db_->exec("PRAGMA wal_checkpoint(PASSIVE)");
    lk.lock();
    if (s.ok()) ++checkpoints_;
  }
}

}  // namespace docaxis::store
