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
// A bound on the WAL: SQLite starts the WAL over only when a writer begins after a checkpoint
// copied every frame, which a writer that never pauses (a hub at saturation, a long fill) does
// not allow: the WAL grew without end (17 GB in a 1,000,000-package fill; 900 MB in 3 s in
// the unit test). A RESTART checkpoint from this thread starves behind such a writer, so the
// writer runs it itself: after_commit(), past `restart_frames`, checkpoints on the writer's
// connection between two transactions (the PASSIVE rounds have copied most frames already,
// so the writer stalls only for the rest), and its next commit starts the WAL from the
// beginning (journal_size_limit then cuts the file).
//
// Threads: one internal thread; notify() from the writer's commit hook.
#pragma once

#include <atomic>
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
               std::chrono::milliseconds interval, int restart_frames = 16384);
  ~Checkpointer();  // stops the thread
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // The WAL has `frames` frames after a commit.
  void notify(int frames);
  // The writer's commit hook (on the writer thread, `writer` its connection): notify(), and
  // the RESTART checkpoint past restart_frames (see above).
  void after_commit(sqlite::Db& writer, int frames);
  std::uint64_t checkpoints() const;
  std::uint64_t restarts() const;

 private:
  void loop();

  std::unique_ptr<sqlite::Db> db_;
  const int frames_to_checkpoint_;
  const std::chrono::milliseconds interval_;
  const int restart_frames_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool due_ = false;
  bool stop_ = false;
  std::uint64_t checkpoints_ = 0;
  std::atomic<std::uint64_t> restarts_{0};
  std::thread thread_;
};

}  // namespace docaxis::store
