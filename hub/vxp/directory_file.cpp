#include "vxp/directory_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/strings.hpp"
#include "common/unique_fd.hpp"
#include "edxml/organ_id.hpp"

namespace docaxis::vxp {
namespace {

using json = nlohmann::json;

constexpr int kMaxDepth = 4;  // {"organs":[{"id":...}]} is 3 deep
constexpr std::size_t kMaxSystemIdBytes = 64;
constexpr std::size_t kMaxDateBytes = 40;
constexpr std::size_t kMaxRequestBytes = 64 * 1024;

// Valid UTF-8 (no overlong form, no surrogate, nothing past U+10FFFF) without control
// characters (C0, DEL, C1).
bool is_clean_text(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) n = 1, cp = c & 0x1fu;
    else if (c >= 0xe0 && c <= 0xef) n = 2, cp = c & 0x0fu;
    else if (c >= 0xf0 && c <= 0xf4) n = 3, cp = c & 0x07u;
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// Checks JSON text without building it: no member twice in one object (a JSON parser silently
// keeps one of them), nesting at most kMaxDepth deep. A SAX pass, linear in the text (the
// library's callback parser is not: minutes for 200,000 small objects).
class StrictnessCheck : public nlohmann::json_sax<json> {
 public:
  const std::optional<std::string>& problem() const { return problem_; }

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    keys_.emplace_back();
    return enter();
  }
  bool key(string_t& k) override {
    if (keys_.back().insert(k).second) return true;
    problem_ = "the member " + quote_untrusted(k) + " appears twice in one object";
    return false;
  }
  bool end_object() override {
    keys_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    syntax_error_ = true;
    return false;
  }
  bool syntax_error() const { return syntax_error_; }

 private:
  bool enter() {
    if (++depth_ <= kMaxDepth) return true;
    problem_ = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return false;
  }
  int depth_ = 0;
  std::vector<std::set<std::string>> keys_;  // one per open object
  std::optional<std::string> problem_;
  bool syntax_error_ = false;
};

// JSON text parsed strictly (StrictnessCheck), an object at the top.
Result<json> parse_strict(std::string_view text, const std::string& code, std::string_view what) {
  StrictnessCheck check;
  const bool ok = json::sax_parse(text.begin(), text.end(), &check);
  if (check.syntax_error()) return Status(code, std::string(what) + " is not JSON (or not UTF-8)");
  if (check.problem()) return Status(code, std::string(what) + ": " + *check.problem());
  if (!ok) return Status(code, std::string(what) + " is not JSON (or not UTF-8)");
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status(code, std::string(what) + " is not JSON (or not UTF-8)");
  if (!doc.is_object()) return Status(code, std::string(what) + " is not a JSON object");
  return doc;
}

// Reads the members of one JSON object into an Organ and the rest; the first problem is kept,
// named "<where>.<member>".
class Reader {
 public:
  Reader(const json& object, std::string where) : o_(object), where_(std::move(where)) {}

  const std::optional<std::string>& problem() const { return problem_; }

  // Refuses any member not in `allowed`.
  void only(std::initializer_list<std::string_view> allowed) {
    for (auto it = o_.begin(); it != o_.end() && !problem_; ++it) {
      bool known = false;
      for (std::string_view a : allowed) known = known || it.key() == a;
      if (!known) fail(it.key(), "is not a member of an organ");
    }
  }

  // nullptr when absent (or null when nulls count as absent).
  const json* member(std::string_view key) {
    auto it = o_.find(std::string(key));
    if (it == o_.end() || (null_is_absent_ && it->is_null())) return nullptr;
    return &*it;
  }

  void text(std::string_view key, std::string& out, bool required, std::size_t max, bool allow_empty) {
    if (problem_) return;
    const json* m = member(key);
    if (m == nullptr) {
      if (required) fail(key, "is required");
      return;
    }
    if (!m->is_string()) return fail(key, "must be a string");
    const auto& s = m->get_ref<const std::string&>();
    if (s.empty() && !allow_empty) return fail(key, "must not be empty");
    if (s.size() > max) return fail(key, "is longer than " + std::to_string(max) + " bytes");
    if (!is_clean_text(s)) return fail(key, "is not UTF-8 text without control characters");
    out = s;
  }

  void organ_id(std::string_view key, std::string& out, bool required, bool allow_empty) {
    if (problem_) return;
    std::string s;
    text(key, s, required, 64, allow_empty);
    if (problem_ || s.empty()) return;
    if (Result<edxml::OrganId> id = edxml::OrganId::parse(s); !id.ok()) {
      return fail(key, id.status().message());
    }
    out = std::move(s);
  }

  void integer(std::string_view key, std::int64_t& out, bool required, std::int64_t lo, std::int64_t hi) {
    if (problem_) return;
    const json* m = member(key);
    if (m == nullptr) {
      if (required) fail(key, "is required");
      return;
    }
    if (!m->is_number_integer()) return fail(key, "must be an integer");
    const auto v = m->get<std::int64_t>();
    if (v < lo || v > hi) {
      return fail(key, std::to_string(v) + " is out of range " + std::to_string(lo) + ".." + std::to_string(hi));
    }
    out = v;
  }

  void boolean(std::string_view key, bool& out) {
    if (problem_) return;
    const json* m = member(key);
    if (m == nullptr) return fail(key, "is required");
    if (!m->is_boolean()) return fail(key, "must be true or false");
    out = m->get<bool>();
  }

  // The organ members: `id_key` names the id ("id" in files, "code" in requests).
  Organ organ(std::string_view id_key, bool file) {
    Organ o;
    organ_id(id_key, o.id, true, false);
    organ_id("pid", o.pid, file, true);
    text("name", o.name, true, kMaxOrganNameBytes, false);
    text("mail", o.mail, file, kMaxOrganMailBytes, true);
    text("code102", o.code102, false, kMaxOrganCodeBytes, true);
    text("oldCode", o.old_code, false, kMaxOrganCodeBytes, true);
    std::int64_t level = 0;
    integer("level", level, false, 1, kMaxOrganLevel);
    o.level = static_cast<int>(level);
    if (!problem_ && o.pid == o.id) fail("pid", "names the organ itself");
    return o;
  }

  void null_is_absent() { null_is_absent_ = true; }
  void fail(std::string_view key, const std::string& why) {
    if (!problem_) problem_ = where_ + (where_.empty() ? "" : ".") + std::string(key) + ": " + why;
  }

 private:
  const json& o_;
  std::string where_;
  bool null_is_absent_ = false;
  std::optional<std::string> problem_;
};

// The "organs" array of a file, with the format version checked.
Result<const json*> organs_array(const json& doc, const std::string& code,
                                 std::initializer_list<std::string_view> top_keys) {
  Reader top(doc, "");
  top.only(top_keys);
  std::int64_t version = 0;
  top.integer("version", version, true, 1, 1);
  if (top.problem()) return Status(code, *top.problem());
  auto it = doc.find("organs");
  if (it == doc.end()) return Status(code, "organs: is required");
  if (!it->is_array()) return Status(code, "organs: must be an array");
  if (it->size() > kMaxDirectoryOrgans) {
    return Status(code, "organs: " + std::to_string(it->size()) + " organs, more than the " +
                            std::to_string(kMaxDirectoryOrgans) + " a directory may hold");
  }
  return &*it;
}

json organ_json(const Organ& o) {
  json j = {{"id", o.id}, {"pid", o.pid}, {"name", o.name}, {"mail", o.mail}};
  if (!o.code102.empty()) j["code102"] = o.code102;
  if (!o.old_code.empty()) j["oldCode"] = o.old_code;
  if (o.level != 0) j["level"] = o.level;
  return j;
}

}  // namespace

int effective_level(const Organ& organ) {
  if (organ.level != 0) return organ.level;
  Result<edxml::OrganId> id = edxml::OrganId::parse(organ.id);
  return id.ok() ? id->level() : 0;
}

Result<std::vector<Organ>> parse_directory_file(std::string_view text) {
  const std::string code = "invalid-directory";
  Result<json> doc = parse_strict(text, code, "the directory file");
  if (!doc.ok()) return doc.status();
  Result<const json*> organs = organs_array(*doc, code, {"version", "organs"});
  if (!organs.ok()) return organs.status();
  std::vector<Organ> out;
  out.reserve((*organs)->size());
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < (*organs)->size(); ++i) {
    const json& e = (**organs)[i];
    const std::string where = "organs[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status(code, where + ": must be an object");
    Reader r(e, where);
    r.only({"id", "pid", "name", "mail", "code102", "oldCode", "level"});
    Organ o = r.organ("id", /*file=*/true);
    if (r.problem()) return Status(code, *r.problem());
    if (auto [it, fresh] = seen.emplace(o.id, i); !fresh) {
      return Status(code, where + ".id: " + quote_untrusted(o.id) + " is already organs[" + std::to_string(it->second) + "]");
    }
    out.push_back(std::move(o));
  }
  return out;
}

Result<Overlay> parse_overlay_file(std::string_view text) {
  const std::string code = "invalid-overlay";
  Result<json> doc = parse_strict(text, code, "the overlay file");
  if (!doc.ok()) return doc.status();
  Result<const json*> organs = organs_array(*doc, code, {"version", "directoryVersion", "organs"});
  if (!organs.ok()) return organs.status();
  Overlay out;
  Reader top(*doc, "");
  top.integer("directoryVersion", out.version, true, 0, INT64_MAX);
  if (top.problem()) return Status(code, *top.problem());
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < (*organs)->size(); ++i) {
    const json& e = (**organs)[i];
    const std::string where = "organs[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status(code, where + ": must be an object");
    Reader r(e, where);
    r.only({"id", "pid", "name", "mail", "code102", "oldCode", "level", "deleted", "version",
            "modifiedAt", "modifiedBy"});
    DirectoryEntry d;
    d.organ = r.organ("id", /*file=*/true);
    r.boolean("deleted", d.deleted);
    r.integer("version", d.version, true, 1, INT64_MAX);
    r.text("modifiedAt", d.modified_at, true, kMaxDateBytes, false);
    r.text("modifiedBy", d.modified_by, true, kMaxSystemIdBytes, false);
    if (!r.problem() && d.version > out.version) {
      r.fail("version", std::to_string(d.version) + " is greater than directoryVersion " +
                            std::to_string(out.version));
    }
    if (r.problem()) return Status(code, *r.problem());
    if (auto [it, fresh] = seen.emplace(d.organ.id, i); !fresh) {
      return Status(code, where + ".id: " + quote_untrusted(d.organ.id) + " is already organs[" + std::to_string(it->second) + "]");
    }
    out.entries.push_back(std::move(d));
  }
  return out;
}

std::string overlay_file_text(const Overlay& overlay) {
  json organs = json::array();
  for (const DirectoryEntry& d : overlay.entries) {
    json j = organ_json(d.organ);
    j["deleted"] = d.deleted;
    j["version"] = d.version;
    j["modifiedAt"] = d.modified_at;
    j["modifiedBy"] = d.modified_by;
    organs.push_back(std::move(j));
  }
  const json doc = {{"version", 1}, {"directoryVersion", overlay.version}, {"organs", std::move(organs)}};
  return doc.dump(1) + "\n";
}

Result<Organ> organ_of_request(std::string_view body) {
  const std::string code = "bad-request";
  if (body.size() > kMaxRequestBytes) {
    return Status(code, "the body is larger than " + std::to_string(kMaxRequestBytes) + " bytes");
  }
  Result<json> doc = parse_strict(body, code, "the body");
  if (!doc.ok()) return doc.status();
  Reader r(*doc, "");
  r.null_is_absent();
  Organ o = r.organ("code", /*file=*/false);
  if (r.problem()) return Status(code, *r.problem());
  return o;
}

Status check_directory(const std::vector<const DirectoryEntry*>& entries, const std::string& code) {
  if (entries.size() > kMaxDirectoryOrgans) {
    return Status(code, std::to_string(entries.size()) + " organs, more than the " +
                            std::to_string(kMaxDirectoryOrgans) + " a directory may hold");
  }
  std::map<std::string_view, const DirectoryEntry*> by_id;
  for (const DirectoryEntry* e : entries) by_id.emplace(e->organ.id, e);
  for (const DirectoryEntry* e : entries) {
    if (e->deleted || e->organ.pid.empty()) continue;
    auto it = by_id.find(e->organ.pid);
    if (it == by_id.end()) {
      return Status(code, "organ " + quote_untrusted(e->organ.id) + ": pid " + quote_untrusted(e->organ.pid) + " names no organ of the directory");
    }
    if (it->second->deleted) {
      return Status(code, "organ " + quote_untrusted(e->organ.id) + ": pid " + quote_untrusted(e->organ.pid) + " names a deleted organ");
    }
  }
  // Cycles: walk up from every organ; 1 = on the current path, 2 = known to reach a root.
  std::map<std::string_view, int> mark;
  for (const DirectoryEntry* start : entries) {
    if (start->deleted) continue;
    std::vector<std::string_view> path;
    std::string_view at = start->organ.id;
    while (!at.empty() && mark[at] == 0) {
      mark[at] = 1;
      path.push_back(at);
      at = by_id.at(at)->organ.pid;
    }
    if (!at.empty() && mark[at] == 1) {
      return Status(code, "organ " + quote_untrusted(at) + ": its pid chain leads back to itself");
    }
    for (std::string_view p : path) mark[p] = 2;
  }
  return Status::ok_status();
}

Result<std::string> read_bounded_file(const std::string& path, std::size_t max, bool no_follow) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (no_follow ? O_NOFOLLOW : 0)));
  if (fd.get() < 0) {
    const int e = errno;
    if (e == ENOENT) return Status("missing", path + ": does not exist");
    return Status("unavailable", path + ": " + (e == ELOOP ? std::string("is a symbolic link")
                                                           : std::string(std::strerror(e))));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status("unavailable", path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status("unavailable", path + ": not a regular file");
  std::string out;
  char buf[65536];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status("unavailable", path + ": " + std::strerror(errno));
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max) {
      return Status("too-large", path + ": larger than " + std::to_string(max) + " bytes");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Status write_file_atomically(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  auto failed = [&](const char* step, const std::string& file) {
    return Status("unavailable", step + (" " + file) + ": " + std::strerror(errno));
  };
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return failed("cannot create", tmp);
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Status s = failed("cannot write", tmp);
        ::unlink(tmp.c_str());
        return s;
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      Status s = failed("cannot fsync", tmp);
      ::unlink(tmp.c_str());
      return s;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = failed("cannot rename onto", path);
    ::unlink(tmp.c_str());
    return s;
  }
  const std::size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0 || ::fsync(dfd.get()) != 0) return failed("cannot fsync the folder", dir);
  return Status::ok_status();
}

std::string iso_utc_seconds(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace docaxis::vxp
