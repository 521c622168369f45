#include "audit/record.hpp"

#include <cstdio>
#include <ctime>

#include "tls/crypto.hpp"

namespace docaxis::audit {
namespace {

using nlohmann::json;

constexpr std::string_view kHashKey = ",\"hash\":\"";
constexpr std::size_t kTailSize = kHashKey.size() + 64 + 2;  // ,"hash":"<64 hex>"}

std::string quote(const std::string& s) {
  // Invalid UTF-8 is replaced (U+FFFD) rather than thrown: events carry peer-supplied strings.
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status malformed(std::string what) { return Status{"malformed", std::move(what)}; }

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  auto d = tls::sha256(bytes);
  return tls::to_hex(d.data(), d.size());
}

std::string format_time(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<std::time_t>(ms / 1000);
  auto frac = static_cast<int>(ms % 1000);
  if (frac < 0) {  // before 1970: keep the fraction positive
    frac += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

bool valid_event_type(std::string_view type) {
  if (type.empty() || type.size() > 40 || type.front() == '-' || type.back() == '-') return false;
  for (char c : type) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string format_line(Record& r) {
  std::string line;
  line.reserve(256);
  line += "{\"v\":1,\"seq\":";
  line += std::to_string(r.seq);
  line += ",\"time\":";
  line += quote(r.time);
  line += ",\"event\":";
  line += quote(r.event.type);
  line += ",\"who\":";
  line += quote(r.event.who);
  line += ",\"doc\":";
  line += quote(r.event.doc);
  line += ",\"organ\":";
  line += quote(r.event.organ);
  line += ",\"detail\":";
  line += r.event.detail.is_object()
              ? r.event.detail.dump(-1, ' ', false, json::error_handler_t::replace)
              : std::string("{}");
  line += ",\"prev\":";
  line += quote(r.prev);
  r.hash = sha256_hex(line);
  line += kHashKey;
  line += r.hash;
  line += "\"}";
  return line;
}

Result<Envelope> parse_envelope(std::string_view line) {
  if (line.size() < kTailSize + 2 || line.substr(line.size() - 2) != "\"}" ||
      line.substr(line.size() - kTailSize, kHashKey.size()) != kHashKey) {
    return malformed("the line does not end with a \"hash\" field");
  }
  Envelope e;
  e.hash = line.substr(line.size() - 66, 64);
  if (!is_hex64(e.hash)) return malformed("the \"hash\" field is not 64 lowercase hex digits");
  std::string_view body = line.substr(0, line.size() - kTailSize);
  std::string actual = sha256_hex(body);
  if (actual != e.hash) {
    return Status{"hash-mismatch", "the record hashes to " + actual + ", not to its \"hash\" " +
                                       std::string(e.hash)};
  }
  constexpr std::string_view kStart = "{\"v\":1,\"seq\":", kPrev = ",\"prev\":\"";
  if (body.substr(0, kStart.size()) != kStart) return malformed("not a version-1 record");
  std::size_t p = kStart.size();
  std::size_t digits = 0;
  while (p < body.size() && body[p] >= '0' && body[p] <= '9' && digits < 19) {
    e.seq = e.seq * 10 + static_cast<std::uint64_t>(body[p++] - '0');
    ++digits;
  }
  if (digits == 0 || (digits > 1 && body[p - digits] == '0')) return malformed("bad \"seq\"");
  constexpr std::string_view kTime = ",\"time\":\"", kEvent = "\",\"event\":\"";
  if (body.substr(p, kTime.size()) != kTime) return malformed("no \"time\" after \"seq\"");
  p += kTime.size();
  e.time = body.substr(p, 24);
  p += 24;
  if (body.substr(p, kEvent.size()) != kEvent) return malformed("bad \"time\"");
  p += kEvent.size();
  std::size_t end = body.find('"', p);
  if (end == std::string_view::npos) return malformed("no \"event\"");
  e.type = body.substr(p, end - p);
  if (!valid_event_type(e.type)) return malformed("invalid event type");
  if (body.size() < kPrev.size() + 65 ||
      body.substr(body.size() - kPrev.size() - 65, kPrev.size()) != kPrev ||
      body.back() != '"') {
    return malformed("no \"prev\" before \"hash\"");
  }
  e.prev = body.substr(body.size() - 65, 64);
  if (!is_hex64(e.prev)) return malformed("\"prev\" is not 64 lowercase hex digits");
  return e;
}

Result<Record> parse_line(std::string_view line) {
  auto env = parse_envelope(line);
  if (!env) return env.status();
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return malformed("not a JSON object");
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string(); };
  if (!j.contains("v") || !j["v"].is_number_unsigned() || j["v"].get<std::uint64_t>() != 1) {
    return malformed("unknown format version (\"v\" must be 1)");
  }
  if (!j.contains("seq") || !j["seq"].is_number_unsigned()) return malformed("no numeric \"seq\"");
  for (const char* k : {"time", "event", "who", "doc", "organ", "prev"}) {
    if (!str(k)) return malformed(std::string("no string \"") + k + "\"");
  }
  if (!j.contains("detail") || !j["detail"].is_object()) return malformed("no object \"detail\"");
  Record r;
  r.seq = j["seq"].get<std::uint64_t>();
  r.time = j["time"].get<std::string>();
  r.event.type = j["event"].get<std::string>();
  r.event.who = j["who"].get<std::string>();
  r.event.doc = j["doc"].get<std::string>();
  r.event.organ = j["organ"].get<std::string>();
  r.event.detail = std::move(j["detail"]);
  r.prev = j["prev"].get<std::string>();
  if (!is_hex64(r.prev)) return malformed("\"prev\" is not 64 lowercase hex digits");
  if (!valid_event_type(r.event.type)) return malformed("invalid event type");
  Record again = r;
  if (format_line(again) != line) return malformed("the record is not in canonical form");
  r.hash = std::move(again.hash);
  return r;
}

std::string checkpoint_message(std::uint64_t seq, std::string_view time, std::string_view head,
                               std::string_view key_fingerprint) {
  std::string m = "docaxis-audit-checkpoint/1\n";
  m += std::to_string(seq);
  m += '\n';
  m += time;
  m += '\n';
  m += head;
  m += '\n';
  m += key_fingerprint;
  m += '\n';
  return m;
}

}  // namespace docaxis::audit
