#include "vxp/directory.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "edxml/organ_id.hpp"
#include "vxp/answer.hpp"

namespace docaxis::vxp {
namespace {

using ojson = nlohmann::ordered_json;

Status not_permitted(std::string_view system) {
  return Status("not-permitted", "system \"" + std::string(system) +
                                     "\" may not change the directory (only a [[vxp.systems]] "
                                     "entry with admin = true may)");
}

std::vector<const DirectoryEntry*> entry_list(const DirectorySnapshot& s) {
  std::vector<const DirectoryEntry*> out;
  out.reserve(s.entries.size());
  for (const auto& [id, e] : s.entries) out.push_back(&e);
  return out;
}

ojson list_item(const Organ& o) {
  return ojson{{"id", o.id}, {"pid", o.pid}, {"code", o.id}, {"name", o.name}, {"mail", o.mail},
               {"oldCode", o.old_code}};
}

}  // namespace

Result<std::unique_ptr<Directory>> Directory::load(DirectoryOptions options) {
  if (options.data_dir.empty()) return Status("unavailable", "no data directory for the directory's overlay");
  auto snap = std::make_shared<DirectorySnapshot>();
  snap->center_code = options.center_code;
  if (!options.base_file.empty()) {
    const std::string& path = options.base_file;
    Result<std::string> text = read_bounded_file(path, kMaxDirectoryFileBytes, /*no_follow=*/false);
    if (!text.ok()) return Status("invalid-directory", text.status().message());
    Result<std::vector<Organ>> organs = parse_directory_file(*text);
    if (!organs.ok()) return Status("invalid-directory", path + ": " + organs.status().message());
    struct stat st {};
    const std::string mtime = ::stat(path.c_str(), &st) == 0 ? iso_utc_seconds(st.st_mtime) : "";
    for (Organ& o : *organs) {
      DirectoryEntry e;
      e.modified_at = mtime;
      e.organ = std::move(o);
      std::string id = e.organ.id;
      snap->entries.emplace(std::move(id), std::move(e));
    }
    if (Status s = check_directory(entry_list(*snap), "invalid-directory"); !s.ok()) {
      return Status(s.code(), path + ": " + s.message());
    }
  }
  std::string overlay_path = options.data_dir + "/" + std::string(kOverlayFileName);
  Result<std::string> text = read_bounded_file(overlay_path, kMaxDirectoryFileBytes, /*no_follow=*/true);
  if (text.ok()) {
    Result<Overlay> overlay = parse_overlay_file(*text);
    if (!overlay.ok()) return Status("invalid-overlay", overlay_path + ": " + overlay.status().message());
    snap->version = overlay->version;
    for (DirectoryEntry& e : overlay->entries) {
      std::string id = e.organ.id;
      snap->entries.insert_or_assign(std::move(id), std::move(e));
    }
    if (Status s = check_directory(entry_list(*snap), "invalid-overlay"); !s.ok()) {
      return Status(s.code(), overlay_path + " over the directory file: " + s.message());
    }
  } else if (text.status().code() != "missing") {
    return Status("invalid-overlay", text.status().message());
  }
  return std::unique_ptr<Directory>(new Directory(std::move(options), std::move(overlay_path), std::move(snap)));
}

Directory::Directory(DirectoryOptions options, std::string overlay_path,
                     std::shared_ptr<const DirectorySnapshot> initial)
    : options_(std::move(options)), overlay_path_(std::move(overlay_path)), snapshot_(std::move(initial)) {}

std::shared_ptr<const DirectorySnapshot> Directory::snapshot() const {
  std::shared_lock lock(snapshot_mutex_);
  return snapshot_;
}

std::vector<Organ> Directory::agencies() const {
  const std::shared_ptr<const DirectorySnapshot> s = snapshot();
  std::vector<Organ> out;
  for (const auto& [id, e] : s->entries) {
    if (!e.deleted) out.push_back(e.organ);
  }
  return out;
}

std::string Directory::now_text() const {
  const auto now = options_.now ? options_.now() : std::chrono::system_clock::now();
  return iso_utc_seconds(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
}

Status Directory::commit(const DirectorySnapshot& current, DirectoryEntry entry) {
  auto next = std::make_shared<DirectorySnapshot>(current);
  next->version = current.version + 1;
  entry.version = next->version;
  std::string id = entry.organ.id;
  next->entries.insert_or_assign(std::move(id), std::move(entry));
  if (Status s = check_directory(entry_list(*next), "bad-request"); !s.ok()) return s;
  Overlay overlay;
  overlay.version = next->version;
  for (const auto& [key, e] : next->entries) {
    if (e.version > 0) overlay.entries.push_back(e);
  }
  if (Status s = write_file_atomically(overlay_path_, overlay_file_text(overlay)); !s.ok()) {
    return Status(s.code(), "the directory's change was not kept: " + s.message());
  }
  std::unique_lock lock(snapshot_mutex_);
  snapshot_ = std::move(next);
  return Status::ok_status();
}

Status Directory::register_agency(std::string_view body, std::string_view system) {
  if (!may_change(system)) return not_permitted(system);
  Result<Organ> organ = organ_of_request(body);
  if (!organ.ok()) return organ.status();
  std::lock_guard change(change_mutex_);
  const std::shared_ptr<const DirectorySnapshot> current = snapshot();
  if (auto it = current->entries.find(organ->id);
      it != current->entries.end() && !it->second.deleted && it->second.organ == *organ) {
    return Status::ok_status();
  }
  DirectoryEntry entry;
  entry.organ = std::move(organ).value();
  entry.modified_at = now_text();
  entry.modified_by = std::string(system);
  return commit(*current, std::move(entry));
}

Status Directory::delete_agency(std::string_view code, std::string_view system) {
  if (!may_change(system)) return not_permitted(system);
  if (Result<edxml::OrganId> id = edxml::OrganId::parse(code); !id.ok()) {
    return Status("bad-request", "AgencyCode: " + id.status().message());
  }
  std::lock_guard change(change_mutex_);
  const std::shared_ptr<const DirectorySnapshot> current = snapshot();
  auto it = current->entries.find(code);
  if (it == current->entries.end()) {
    return Status("unknown-organ", "no organ \"" + std::string(code) + "\" in the directory");
  }
  if (it->second.deleted) return Status::ok_status();
  std::size_t children = 0;
  std::string example;
  for (const auto& [id, e] : current->entries) {
    if (!e.deleted && e.organ.pid == code) {
      if (children++ == 0) example = id;
    }
  }
  if (children > 0) {
    return Status("bad-request", "organ \"" + std::string(code) + "\" is the pid of " +
                                     std::to_string(children) + " organ(s) (\"" + example +
                                     "\" ...): delete them or register them under another pid first");
  }
  DirectoryEntry entry = it->second;
  entry.deleted = true;
  entry.modified_at = now_text();
  entry.modified_by = std::string(system);
  return commit(*current, std::move(entry));
}

std::string agencies_list_answer(const DirectorySnapshot& directory) {
  ojson data = ojson::array();
  for (const auto& [id, e] : directory.entries) {
    if (!e.deleted) data.push_back(list_item(e.organ));
  }
  return ok_answer({{"data", std::move(data)}});
}

std::string agencies_list_qd20_answer(const DirectorySnapshot& directory, std::string_view level) {
  int wanted = 0;
  if (!level.empty()) {
    if (level.size() != 1 || level[0] < '1' || level[0] > '0' + kMaxOrganLevel) {
      std::string shown(level.substr(0, 20));
      for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
      }
      return fail_answer("bad-request", "level \"" + shown + "\" is not a level 1.." +
                                            std::to_string(kMaxOrganLevel));
    }
    wanted = level[0] - '0';
  }
  ojson data = ojson::array();
  for (const auto& [id, e] : directory.entries) {
    if (e.deleted || (wanted != 0 && effective_level(e.organ) != wanted)) continue;
    ojson item = list_item(e.organ);
    item["code102"] = e.organ.code102;
    data.push_back(std::move(item));
  }
  return ok_answer({{"data", std::move(data)}});
}

std::string synchronize_unit_answer(const DirectorySnapshot& directory) {
  ojson data = ojson::array();
  for (const auto& [id, e] : directory.entries) {
    const Organ& o = e.organ;
    data.push_back(ojson{{"id", o.id}, {"pid", o.pid}, {"code", o.id}, {"name", o.name},
                         {"mail", o.mail}, {"version", e.version},
                         {"centerCode", directory.center_code}, {"deleted", e.deleted},
                         {"modifyDate", e.modified_at}, {"isAgency", !e.deleted}});
  }
  return ok_answer({{"data", std::move(data)}});
}

std::string change_answer(const Status& outcome) {
  return outcome.ok() ? ok_answer() : fail_answer(outcome.code(), outcome.message());
}

}  // namespace docaxis::vxp
