// Internal to store/: package bytes in append-only segment files beside the database.
//
// A package's bytes are appended once to the current segment (`<dir>/00000001.seg`, …; a new
// one past `max_segment_bytes`, or for a package larger than that) and its row records
// (segment, offset); SQLite keeps only the row. Why: a 12.8 KB package written into SQLite
// went three times through the disk (its overflow pages into the WAL, then by the checkpoint
// into the database, plus the index pages), and it held the single writer thread for all of it.
//
// Durability order (the store's contract "accepted only after durable" is kept): the writer
// appends the bytes of a batch's packages while it runs the batch's jobs, then calls sync()
// (fdatasync of every segment written since the last sync, and of the folder when a segment
// was created) BEFORE the batch's COMMIT. A crash before the COMMIT leaves bytes no row refers
// to (never read, the space lost); a crash after it finds every referenced byte on disk. With
// fsync "normal" too the segment is synced before each COMMIT: SQLite then skips its WAL
// fsync, but its checkpoints make rows durable at moments of their own, and a row must never
// outlive its bytes (a power loss could otherwise leave rows whose bytes are gone).
//
// Threads: append() and sync() on the store's writer thread only; read() from any thread
// (at most kReadFds descriptors kept open for reads, least recently used closed first; a
// descriptor in use by a read stays open until that read ends).
// Error codes: unavailable (I/O), data-loss (a segment shorter than a row says).
#pragma once

#include <atomic>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace docaxis::store {

struct SegmentRef {
  int64_t segment = 0;
  int64_t offset = 0;
};

class SegmentLog {
 public:
  // Opens (creating, mode 0700) `dir`; appends go to the newest segment, after its end.
  static constexpr std::size_t kReadFds = 16;
  static Result<std::unique_ptr<SegmentLog>> open(std::filesystem::path dir,
                                                  uint64_t max_segment_bytes = 256ull << 20);
  ~SegmentLog();
  SegmentLog(const SegmentLog&) = delete;
  SegmentLog& operator=(const SegmentLog&) = delete;

  Result<SegmentRef> append(std::string_view bytes);
  // Makes every append so far durable (see the top of this file).
  Status sync();
  // `size` bytes at `ref`.
  Result<std::string> read(SegmentRef ref, uint64_t size) const;
  // The length of a segment's file (-1 when it does not exist), for the check at open.
  int64_t file_size(int64_t segment) const;

  // Retention (retention.hpp). Writer thread: the segment appends go to (0: none yet); every
  // segment below it is sealed, no append will ever go there again.
  int64_t current_segment() const { return current_; }
  // The segments in the folder with their sizes, by number (any thread).
  Result<std::vector<std::pair<int64_t, uint64_t>>> list() const;
  // Deletes a sealed segment's file and drops its read descriptor (any thread; the caller
  // makes sure no row that may be read refers to it). Refuses the current segment. false:
  // there was no such file.
  Result<bool> remove(int64_t segment);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct ReadFd {
    int fd;
    explicit ReadFd(int f) : fd(f) {}
    ~ReadFd();
    ReadFd(const ReadFd&) = delete;
    ReadFd& operator=(const ReadFd&) = delete;
  };
  SegmentLog(std::filesystem::path dir, uint64_t max_segment_bytes)
      : dir_(std::move(dir)), max_segment_bytes_(max_segment_bytes) {}
  std::filesystem::path path_of(int64_t segment) const;
  Status start_segment(int64_t segment);
  Result<std::shared_ptr<ReadFd>> reader_fd(int64_t segment) const;

  std::filesystem::path dir_;
  uint64_t max_segment_bytes_;
  // Writer thread only (current_ is read by remove(): atomic).
  std::atomic<int64_t> current_{0};
  int write_fd_ = -1;
  uint64_t end_ = 0;
  bool dirty_ = false;         // the current segment has bytes not yet synced
  bool dir_unsynced_ = false;  // a segment was created since the last sync
  Status broken_;              // a failed sync: every later append and sync fails
  // Readers' descriptors, opened on first use.
  mutable std::mutex read_mu_;
  mutable std::map<int64_t, std::pair<std::shared_ptr<ReadFd>, uint64_t>> read_fds_;  // + last use
  mutable uint64_t read_clock_ = 0;
};

}  // namespace docaxis::store
