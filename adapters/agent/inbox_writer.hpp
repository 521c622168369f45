// Durable, deduplicated storage of received messages: what `receive` and the folder mode do
// with each inbox message before they settle it `accepted`.
//
// A message's key is SHA-256(messagetype "\n" from "\n" document-id) (the bytes' SHA-256 when
// document-id is empty); its file name is "<messagetype>-<document-id, unsafe characters as
// '_', at most 60>-<the key, 64 hex>.edxml" in the inbox folder (receipts: in the receipts
// folder). Deduplication is on the full key only (issue 12: a truncated key made two
// documents share a name and the second was dropped as a "duplicate"). store() is, in order:
//   1. seen marker <state>/seen/<key> exists      -> duplicate: nothing written.
//   2. the file exists already holding exactly these bytes (a crash between 3 and 5 last
//      time) -> not written again. A name taken by anything else (other bytes, a symlink,
//      a folder: never followed) -> the next of "<stem>~2.edxml" … "<stem>~9.edxml".
//   3. write the file: temporary dot-name (O_EXCL | O_NOFOLLOW), fsync, rename without
//      replacing (renameat2 NOREPLACE), fsync of the folder.
//   4. `after_write(stored)` (the folder mode emits its status 01 here; idempotent).
//   5. create the seen marker durably.
// The caller settles `accepted` only after store() returned ok, so a SIGKILL at any point
// leaves either nothing (the hub redelivers, and the message is stored then) or the file
// exactly once. The markers outlive the files, so a redelivery after the document system
// took the file away is still recognised; prune() forgets markers older than the hub's
// redelivery horizon.
//
// Threads: one InboxWriter per folder set, used from one thread at a time.
// Error codes: unavailable (an I/O failure, from durable_files.hpp), already-exists (the name
// and its 8 alternatives all hold other files), and whatever after_write returns. On any error the message must be released, not accepted.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "client/client.hpp"
#include "common/status.hpp"

namespace docaxis::agent {

class InboxWriter {
 public:
  struct Folders {
    std::filesystem::path inbox, receipts, state;
  };
  struct Stored {
    std::filesystem::path path;
    std::string key;  // 64 hex
    bool duplicate = false;  // true: the message had been stored before (nothing written now)
  };
  using AfterWrite = std::function<Status(const Stored&)>;

  explicit InboxWriter(Folders folders) : folders_(std::move(folders)) {}
  // Creates the folders and removes temporary files of a killed predecessor.
  Status prepare();
  Result<Stored> store(const client::Received& m, const AfterWrite& after_write = {});
  // Forgets seen markers older than `age`; returns how many.
  std::size_t prune(std::chrono::hours age);

  static std::string key_of(const client::Received& m);
  static std::string file_name(const client::Received& m, const std::string& key);
  // `name` for n <= 1, else "<name without .edxml>~<n>.edxml".
  static std::string alternative_name(const std::string& name, int n);
  static constexpr int kMaxAlternatives = 9;

 private:
  Folders folders_;
};

}  // namespace docaxis::agent
