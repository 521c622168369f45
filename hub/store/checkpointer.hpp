// Internal to store/: WAL checkpoints on their own thread and connection.
//
// Why: with SQLite's automatic checkpoints (every 1,000 WAL pages) the committing connection
// copies the WAL into the database file and fsyncs it inside a commit, so the writer thread,
// and every package waiting for its batch, stalls for the copy. Here the writer's automatic
// checkpoints are off; its commits report the WAL size, and past `frames_to_checkpoint` (or
// every `interval`) this thread runs a PASSIVE checkpoint on its own connection, which WAL
// lets proceed beside the writer and the readers. Durability is unchanged: a commit is durable
// in the WAL (synchronous = FULL fsyncs it); the checkpoint only moves pages.
//
// Threads: one internal thread; notify() from the writer's commit hook.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "store/sqlite_db.hpp"

namespace docaxis::store {

class Checkpointer {
 public:
  Checkpointer(std::unique_ptr<sqlite::Db> db, int frames_to_checkpoint,
               std::chrono::milliseconds interval);
  ~Checkpointer();  // stops the thread
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // The WAL has `frames` frames after a commit.
  void notify(int frames);
  std::uint64_t checkpoints() const;

 private:
  void loop();

  std::unique_ptr<sqlite::Db> db_;
  const int frames_to_checkpoint_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;
  bool stop_ = false;
  std::uint64_t checkpoints_ = 0;
  std::thread thread_;
};

}  // namespace docaxis::store
