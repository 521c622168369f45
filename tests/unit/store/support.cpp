#include "support.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>

namespace docaxis::store::testing {

std::string binary_bytes(const std::string& seed, size_t size) {
  uint64_t x = std::hash<std::string>{}(seed) | 1;
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;  // xorshift64
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x & 0xff);
  }
  return out;
}

std::string fake_sha256_hex(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  uint64_t h = 1469598103934665603ull;  // FNV-1a, four lanes
  for (int lane = 0; lane < 4; ++lane) {
    h ^= static_cast<uint64_t>(lane) * 0x9e3779b97f4a7c15ull;
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    h ^= bytes.size();
    for (int i = 0; i < 16; ++i) out.push_back(kHex[(h >> (i * 4)) & 0xf]);
  }
  return out;
}

StoredPackage make_package(const std::string& sender, const std::string& document_id,
                           std::string bytes, int64_t received_ms) {
  StoredPackage p;
  p.message_type = "edoc";
  p.sender = sender;
  p.document_id = document_id;
  p.sha256_hex = fake_sha256_hex(bytes);
  p.bytes = std::move(bytes);
  p.received_ms = received_ms;
  p.from_endpoint = "UID=" + sender;
  p.verdict.is_signed = true;
  p.verdict.signer_subject = "UID=" + sender;
  p.verdict.signature_method = "rsa-sha256";
  p.hops = {{"hub-a", received_ms}};
  return p;
}

std::vector<DeliverySpec> to_local(const std::vector<std::string>& recipients) {
  std::vector<DeliverySpec> out;
  for (const auto& r : recipients) out.push_back({r, std::string(kLocalHop), 0});
  return out;
}

SqliteStoreOptions options_for(const std::string& path, const int64_t* clock_ms) {
  SqliteStoreOptions o;
  o.path = path;
  if (clock_ms != nullptr) o.clock = [clock_ms] { return *clock_ms; };
  return o;
}

int64_t query_int(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  int64_t v = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    v = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return v;
}

}  // namespace docaxis::store::testing
