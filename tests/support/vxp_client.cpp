// The SDK's side of the test client: parameter map, signing, header sets (vxp_client.hpp).
// The transport is vxp_transport.cpp.
#include "vxp_client.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "tls/crypto.hpp"

namespace docaxis::test::vxp {
namespace {

constexpr std::string_view kPrefix = "XroadVnpt-";
constexpr const char* kUserAgent = "JAVASDKAgent/1.0.0 XRoad/VPCP";
constexpr const char* kVersion = "3.0.201608";

// UTF-16 units of UTF-8 text; malformed bytes become U+FFFD, as Java's decoder replaces them.
std::vector<std::uint16_t> utf16_units(std::string_view s) {
  std::vector<std::uint16_t> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (b < 0x80) {
      cp = b;
    } else {
      const std::size_t need = b >= 0xF0 && b < 0xF5   ? 4
                               : b >= 0xE0             ? 3
                               : b >= 0xC2 && b < 0xE0 ? 2
                                                       : 0;
      if (need != 0 && i + need <= s.size()) {
        std::uint32_t v = b & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
        bool good = true;
        for (std::size_t k = 1; k < need; ++k) {
          const auto c = static_cast<unsigned char>(s[i + k]);
          if ((c & 0xC0) != 0x80) {
            good = false;
            break;
          }
          v = (v << 6) | (c & 0x3F);
        }
        const bool overlong = (need == 3 && v < 0x800) || (need == 4 && v < 0x10000);
        if (good && !overlong && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)) {
          cp = v;
          len = need;
        }
      }
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<std::uint16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<std::uint16_t>(cp));
    }
    i += len;
  }
  return out;
}

std::uint32_t spread(std::uint32_t h) { return h ^ (h >> 16); }

}  // namespace

std::int32_t java_string_hash(std::string_view utf8) {
  std::uint32_t h = 0;
  for (std::uint16_t u : utf16_units(utf8)) h = 31 * h + u;
  return static_cast<std::int32_t>(h);
}

void JavaHashMap::put(const std::string& key, const std::string& value) {
  if (table_.empty()) table_.resize(16);
  const std::uint32_t h = spread(static_cast<std::uint32_t>(java_string_hash(key)));
  auto& bin = table_[h & (table_.size() - 1)];
  for (auto& e : bin) {
    if (e.hash == h && e.key == key) {
      e.value = value;  // the entry keeps its place
      return;
    }
  }
  bin.push_back({key, value, h});
  // putVal: a chain that had 8 entries before this one is treeified, which in a table under 64
  // is a resize instead; then the size check.
  if (bin.size() >= 9 && table_.size() < 64) resize();
  if (++size_ > table_.size() * 3 / 4) resize();
}

void JavaHashMap::resize() {
  const std::size_t old_n = table_.size();
  std::vector<std::vector<Entry>> next(old_n * 2);
  // Java splits each bin into a "lo" and a "hi" list keeping their relative order.
  for (auto& bin : table_) {
    for (auto& e : bin) next[e.hash & (next.size() - 1)].push_back(std::move(e));
  }
  table_ = std::move(next);
}

const std::string* JavaHashMap::get(std::string_view key) const {
  if (table_.empty()) return nullptr;
  const std::uint32_t h = spread(static_cast<std::uint32_t>(java_string_hash(key)));
  for (const auto& e : table_[h & (table_.size() - 1)]) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

HeaderList JavaHashMap::entries() const {
  HeaderList out;
  for (const auto& bin : table_) {
    for (const auto& e : bin) out.emplace_back(e.key, e.value);
  }
  return out;
}

std::string gson_string(std::string_view value) {
  std::string out = "\"";
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (c == 0xE2 && i + 2 < value.size() &&
                   static_cast<unsigned char>(value[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(value[i + 2]) == 0xA8 ||
                    static_cast<unsigned char>(value[i + 2]) == 0xA9)) {
          out += static_cast<unsigned char>(value[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += '"';
  return out;
}

std::string sdk_hash_file(std::string_view bytes) {
  const tls::Sha256 d = tls::sha256(bytes);
  std::string out;
  char buf[4];
  for (unsigned char b : d) {
    std::snprintf(buf, sizeof buf, "%x", b);
    out += buf;
  }
  return out;
}

std::string sdk_timestamp(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  localtime_r(&t, &tm);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%02d%02d%04dT%02d%02d%02d+%04d", tm.tm_mday, tm.tm_mon + 1,
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

Signature sign(const HeaderList& params, std::string_view secret) {
  Signature s;
  s.sign_header = "{";
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i != 0) {
      s.sign_header_key += ';';
      s.sign_header += ',';
    }
    s.sign_header_key += params[i].first;
    s.sign_header += gson_string(std::string(kPrefix) + params[i].first);
    s.sign_header += ':';
    s.sign_header += gson_string(params[i].second);
  }
  s.sign_header += '}';
  const tls::Sha256 mac = tls::hmac_sha256(secret, s.sign_header);
  s.hash_header = tls::to_hex(mac.data(), mac.size());
  return s;
}

std::string low_byte_of_utf16(std::string_view utf8) {
  bool ascii = true;
  for (char c : utf8) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(utf8);
  std::string out;
  for (std::uint16_t u : utf16_units(utf8)) out.push_back(static_cast<char>(u & 0xFF));
  return out;
}

void RawRequest::set_header(const std::string& name, const std::string& value) {
  for (auto& [n, v] : headers) {
    if (n == name) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

void RawRequest::remove_header(const std::string& name) {
  std::erase_if(headers, [&](const auto& h) { return h.first == name; });
}

// --- SdkClient -------------------------------------------------------------------------------

SdkClient::SdkClient(Endpoint endpoint, std::string system_id, std::string secret,
                     std::optional<std::string> timestamp)
    : endpoint_(std::move(endpoint)),
      system_id_(std::move(system_id)),
      secret_(std::move(secret)),
      timestamp_(timestamp ? *timestamp : sdk_timestamp(std::chrono::system_clock::now())) {
  reset_parameters();
}

void SdkClient::set_timestamp(std::string timestamp) {
  timestamp_ = std::move(timestamp);
  params_.put("timestamp", timestamp_);
}

void SdkClient::reset_parameters() {
  params_ = JavaHashMap();
  // The SDK's service object: systemid, timestamp and Content-Type go in first (the recordings'
  // bucket order shows them ahead of every operation's parameters).
  params_.put("systemid", system_id_);
  params_.put("timestamp", timestamp_);
  params_.put("Content-Type", "application/json");
}

RawRequest SdkClient::build(const Call& call) {
  params_.put("Content-Type", call.content_type);
  const HeaderList params = params_.entries();
  const Signature sig = sign(params, secret_);
  const bool jdk = call.path == Path::kJdk;
  const bool mangle = !jdk && apache_low_byte_;
  auto value = [&](const std::string& v) { return mangle ? low_byte_of_utf16(v) : v; };

  RawRequest r;
  r.method = call.method;
  r.target = endpoint_.path_prefix + "/" + call.operation;
  r.expect_continue = call.expect_continue;
  auto& h = r.headers;
  if (jdk) h.emplace_back("Content-Type", call.content_type);
  for (const auto& [k, v] : params) {
    // Apache: the SDK's addHeader("Content-Type") lands just before XroadVnpt-Content-Type.
    if (!jdk && k == "Content-Type") h.emplace_back("Content-Type", value(v));
    h.emplace_back(std::string(kPrefix) + k, value(v));
  }
  h.emplace_back("XroadVnpt-sign-header-key", value(sig.sign_header_key));
  h.emplace_back("XroadVnpt-sign-header", value(sig.sign_header));
  h.emplace_back("XroadVnpt-hash-header", sig.hash_header);
  h.emplace_back("User-Agent", kUserAgent);
  h.emplace_back("XroadVnpt-version", kVersion);
  const std::string host = endpoint_.host + ":" + std::to_string(endpoint_.port);
  if (jdk) {
    h.emplace_back("Cache-Control", "no-cache");
    h.emplace_back("Pragma", "no-cache");
    h.emplace_back("Host", host);
    h.emplace_back("Accept", "text/html, image/gif, image/jpeg, */*; q=0.2");
    h.emplace_back("Connection", "keep-alive");
    if (call.body) h.emplace_back("Content-Length", std::to_string(call.body->size()));
  } else {
    if (call.body) h.emplace_back("Content-Length", std::to_string(call.body->size()));
    h.emplace_back("Host", host);
    h.emplace_back("Connection", "Keep-Alive");
    if (call.expect_continue) h.emplace_back("Expect", "100-continue");
    h.emplace_back("Accept-Encoding", "gzip,deflate");
  }
  if (call.body) r.body = *call.body;
  return r;
}

Result<Response> SdkClient::send(const Call& call) {
  RawRequest r = build(call);
  const int resends = call.path == Path::kJdk ? std::min(resends_, 1) : resends_;
  for (int attempt = 0;; ++attempt) {
    Result<Response> out = [&]() -> Result<Response> {
      if (transport_) return transport_(r);
      if (call.path != Path::kJdk || jdk_tls_ == nullptr) return send_raw(endpoint_, r);
      Endpoint ep = endpoint_;
      ep.tls_sessions = jdk_tls_;
      return send_raw(ep, r);
    }();
    // Only a connection that ended without an answer is re-sent (the SDK's retry handler).
    const bool dropped =
        !out.ok() && (out.status().code() == "io-failed" ||
                      (out.status().code() == "bad-response" &&
                       out.status().message().find("without an answer") != std::string::npos));
    if (!dropped || attempt >= resends) return out;
  }
}

Result<Response> SdkClient::send_edoc(std::string_view package, const std::string& messagetype,
                                      const std::string& from,
                                      const std::optional<std::string>& to_json) {
  put("servicetype", "eDoc");
  put("messagetype", messagetype);
  put("from", from);
  if (to_json) put("to", *to_json);
  put("hash-file", sdk_hash_file(package));
  std::string body(package);
  body += "\r\n";
  return send({"sendEdoc", "POST", Path::kJdk, "application/octet-stream", std::move(body), false});
}

namespace {
SdkClient::Call form(std::string op, bool with_empty_object) {
  SdkClient::Call c;
  c.operation = std::move(op);
  c.body = with_empty_object ? "{}" : "";
  c.expect_continue = with_empty_object;
  return c;
}
}  // namespace

Result<Response> SdkClient::get_received_edoc_list(const std::string& messagetype) {
  put("servicetype", "eDoc");
  put("messagetype", messagetype);
  return send(form("getReceivedEdocList", false));
}

Result<Response> SdkClient::get_edoc(const std::string& doc_id, const std::string& file_path) {
  put("docId", doc_id);
  put("filePath", file_path);
  return send(form("getEdoc", true));
}

Result<Response> SdkClient::download_edoc(const std::string& doc_id, const std::string& file_path) {
  put("docId", doc_id);
  put("filePath", file_path);
  Call c;
  c.operation = "downloadEdoc";
  c.method = "GET";
  return send(c);
}

Result<Response> SdkClient::update_status(const std::string& doc_id, const std::string& status) {
  put("docId", doc_id);
  put("status", status);
  return send(form("updateStatus", true));
}

Result<Response> SdkClient::get_sent_edoc_list(const std::string& messagetype,
                                               const std::string& doc_id) {
  put("servicetype", "eDoc");
  put("messagetype", messagetype);
  put("docId", doc_id);
  return send(form("getSentEdocList", false));
}

Result<Response> SdkClient::count_receive_edoc(const std::string& messagetype) {
  put("servicetype", "eDoc");
  put("messagetype", messagetype);
  return send(form("countReceiveEdoc", true));
}

Result<Response> SdkClient::count_receive_status(const std::string& messagetype) {
  put("servicetype", "eDoc");
  put("messagetype", messagetype);
  return send(form("countReceiveStatus", true));
}

Result<Response> SdkClient::get_agencies_list(const HeaderList& params) {
  for (const auto& [k, v] : params) put(k, v);
  return send(form("getAgenciesList", false));
}

Result<Response> SdkClient::get_agencies_list_qd20(const std::string& level) {
  put("level", level);
  return send(form("getAgenciesListQD20", false));
}

Result<Response> SdkClient::get_synchronize_unit() {
  return send(form("getSynchronizeUnit", false));
}

Result<Response> SdkClient::register_agency(const std::string& agency_json) {
  Call c = form("registerAgency", true);
  c.body = agency_json;
  return send(c);
}

Result<Response> SdkClient::delete_agency(const std::string& agency_code) {
  put("AgencyCode", agency_code);
  return send(form("deleteAgency", true));
}

}  // namespace docaxis::test::vxp
