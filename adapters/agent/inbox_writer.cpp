#include "agent/inbox_writer.hpp"

#include "agent/durable_files.hpp"
#include "edxml/receipt.hpp"

namespace docaxis::agent {

namespace {

std::string safe_part(const std::string& s, std::size_t max) {
  std::string out;
  for (char c : s) {
    if (out.size() >= max) break;
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == ',' || c == '-' || c == '_';
    out += ok ? c : '_';
  }
  return out.empty() ? "none" : out;
}

}  // namespace

Status InboxWriter::prepare() {
  for (const auto& dir : {folders_.inbox, folders_.receipts, folders_.state / "seen"}) {
    if (Status s = ensure_dir(dir); !s.ok()) return s;
    remove_stale_temps(dir);
  }
  return {};
}

std::string InboxWriter::key_of(const client::Received& m) {
  if (m.document_id.empty()) return edxml::sha256_hex(m.bytes);
  return edxml::sha256_hex(m.message_type + "\n" + m.from + "\n" + m.document_id);
}

std::string InboxWriter::file_name(const client::Received& m, const std::string& key) {
  return safe_part(m.message_type, 16) + "-" + safe_part(m.document_id, 60) + "-" + key +
         ".edxml";
}

std::string InboxWriter::alternative_name(const std::string& name, int n) {
  const std::string ext = ".edxml";
  const std::string stem = name.substr(0, name.size() - ext.size());
  return n <= 1 ? name : stem + "~" + std::to_string(n) + ext;
}

Result<InboxWriter::Stored> InboxWriter::store(const client::Received& m,
                                               const AfterWrite& after_write) {
  Stored out;
  out.key = key_of(m);
  const auto dir = m.message_type == "receipt" ? folders_.receipts : folders_.inbox;
  const std::string name = file_name(m, out.key);
  out.path = dir / name;
  const auto marker = folders_.state / "seen" / out.key;
  std::error_code ec;
  if (std::filesystem::exists(marker, ec)) {
    out.duplicate = true;
    return out;
  }
  // The name holds the full key, so a file there with exactly these bytes is this message,
  // written before a crash between the file and the marker. Anything else there (other
  // bytes, a symlink, a folder) is not ours: the message goes under the next free name.
  bool placed = false;
  for (int n = 1; n <= kMaxAlternatives && !placed; ++n) {
    const std::string candidate = alternative_name(name, n);
    out.path = dir / candidate;
    const Status s = write_new(dir, candidate, m.bytes);
    if (s.ok()) {
      placed = true;
    } else if (s.code() != "already-exists") {
      return s;
    } else if (holds_exactly(out.path, m.bytes)) {
      out.duplicate = true;
      placed = true;
    }
  }
  if (!placed) {
    return Status{"already-exists", (dir / name).string() + " and " +
                                        std::to_string(kMaxAlternatives - 1) +
                                        " alternative names hold other files"};
  }
  if (after_write) {
    if (Status s = after_write(out); !s.ok()) return s;
  }
  if (Status s = touch_durable(marker); !s.ok()) return s;
  return out;
}

std::size_t InboxWriter::prune(std::chrono::hours age) {
  std::size_t removed = 0;
  std::error_code ec;
  const auto limit = std::filesystem::file_time_type::clock::now() - age;
  for (const auto& e : std::filesystem::directory_iterator(folders_.state / "seen", ec)) {
    if (e.last_write_time(ec) < limit && std::filesystem::remove(e.path(), ec)) ++removed;
  }
  return removed;
}

}  // namespace docaxis::agent
