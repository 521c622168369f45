// The hub's directory of organs for the axis API's directory operations (README.md
// "Directory"): `getAgenciesList`, `getAgenciesListQD20`, `getSynchronizeUnit` read it;
// `registerAgency` and `deleteAgency` (administrator systems only) change it.
//
// The directory = the configured base file (read-only; directory_file.hpp) with the overlay of
// changes made through the API applied (`<data_dir>/vxp-directory.json`, rewritten atomically
// and durably at every change, read back at start). Every change raises the directory version
// by one; an entry keeps the version of its last change (getSynchronizeUnit's `version`).
//
// Threads: any number of readers at once (snapshot() hands out an immutable
// shared_ptr<const DirectorySnapshot>, never blocked by a change being written); changes are
// serialised among themselves, and a reader sees either the state before a change or after it.
// No HTTP here: the Api (api.hpp) passes the signed parameters and the body.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "vxp/directory_file.hpp"

namespace docaxis::vxp {

inline constexpr std::string_view kOverlayFileName = "vxp-directory.json";

struct DirectoryOptions {
  std::string base_file;  // [vxp] directory_file; "" = none (the directory starts empty)
  std::string data_dir;   // the overlay is <data_dir>/vxp-directory.json
  std::set<std::string, std::less<>> admin_systems;  // [[vxp.systems]] with admin = true
  std::string center_code;  // getSynchronizeUnit's centerCode of every organ: the hub's name
  // The clock of modifiedAt; default std::chrono::system_clock::now.
  std::function<std::chrono::system_clock::time_point()> now;
};

// One state of the directory, never changed once published.
struct DirectorySnapshot {
  std::map<std::string, DirectoryEntry, std::less<>> entries;  // by organ id; deleted ones too
  std::int64_t version = 0;                                     // changes made through the API
  std::string center_code;
};

class Directory {
 public:
  // Reads the base file and the overlay and checks the result (check_directory). Codes:
  // `invalid-directory` (the base file: missing, unreadable, too large or wrong, the message
  // naming the file, the entry and the field), `invalid-overlay` (the same for the overlay,
  // which is never repaired or replaced: a person decides), `unavailable` (the data dir).
  static Result<std::unique_ptr<Directory>> load(DirectoryOptions options);

  std::shared_ptr<const DirectorySnapshot> snapshot() const;
  // The live organs (not deleted), by id.
  std::vector<Organ> agencies() const;
  std::int64_t version() const { return snapshot()->version; }

  // registerAgency from `system` with this body (organ_of_request): adds the organ, or
  // replaces every field of an existing one, or brings a deleted one back. Refusals:
  // `not-permitted` (not an administrator system), `bad-request` (the body, a pid naming no
  // live organ, a pid cycle), `unavailable` (the overlay could not be written: nothing
  // changed). Registering exactly the current state changes nothing (an SDK re-send).
  Status register_agency(std::string_view body, std::string_view system);

  // deleteAgency of the organ `code` (the signed AgencyCode) from `system`. Refusals:
  // `not-permitted`, `bad-request` (not an organ id; live organs name it as their pid),
  // `unknown-organ` (not in the directory), `unavailable`. Deleting a deleted organ changes
  // nothing and succeeds (an SDK re-send).
  Status delete_agency(std::string_view code, std::string_view system);

  // True when `system` is an administrator (may call registerAgency, deleteAgency): lets the
  // Api refuse the others when the header arrives, before the body is read.
  bool may_change(std::string_view system) const { return options_.admin_systems.count(system) > 0; }

  const std::string& overlay_path() const { return overlay_path_; }

 private:
  Directory(DirectoryOptions options, std::string overlay_path,
            std::shared_ptr<const DirectorySnapshot> initial);
  // Publishes `next` (version + 1) with `entry` changed, after writing the overlay.
  Status commit(const DirectorySnapshot& current, DirectoryEntry entry);
  std::string now_text() const;

  DirectoryOptions options_;
  std::string overlay_path_;
  std::mutex change_mutex_;                 // one change at a time
  mutable std::shared_mutex snapshot_mutex_;  // guards the pointer only
  std::shared_ptr<const DirectorySnapshot> snapshot_;
};

// The answers (answer.hpp: base fields first, ASCII only, never null), one item per live organ
// sorted by id: {id, pid, code, name, mail, oldCode}; id = code = the organ id.
std::string agencies_list_answer(const DirectorySnapshot& directory);
// As agencies_list_answer, items also `code102`. `level` (the signed parameter; "" = absent):
// only organs of that level (effective_level), 1..9, else FAIL bad-request.
std::string agencies_list_qd20_answer(const DirectorySnapshot& directory, std::string_view level);
// Every organ, deleted ones included (deleted: true): {id, pid, code, name, mail, version,
// centerCode, deleted, modifyDate, isAgency}; isAgency = not deleted.
std::string synchronize_unit_answer(const DirectorySnapshot& directory);
// OK, or FAIL with the refusal's code and message (registerAgency, deleteAgency).
std::string change_answer(const Status& outcome);

}  // namespace docaxis::vxp
