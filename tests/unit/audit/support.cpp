#include "support.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "audit/segment_files.hpp"

namespace docaxis::audit::test {

HubKey make_hub_key(const std::string& dir, const std::string& name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
  X509_set_pubkey(cert, key);
  X509_NAME* subject = X509_get_subject_name(cert);
  std::string cn = "docaxis test hub " + name;
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert, subject);
  X509_sign(cert, key, EVP_sha256());
  HubKey out{dir + "/" + name + ".key", dir + "/" + name + ".crt"};
  FILE* f = std::fopen(out.key_pem.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen(out.cert_pem.c_str(), "w");
  PEM_write_X509(f, cert);
  std::fclose(f);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

AuditOptions test_options(const std::string& log_dir, const HubKey& key) {
  AuditOptions o;
  o.dir = log_dir;
  o.key_pem = key.key_pem;
  o.cert_pem = key.cert_pem;
  o.checkpoint_every_records = 10;
  o.checkpoint_interval = std::chrono::milliseconds(0);
  o.background_sealer = false;
  return o;
}

Event make_event(const std::string& type, int n) {
  Event e;
  e.type = type;
  e.doc = "doc-" + std::to_string(n);
  e.organ = "000.00.13.H30";
  e.detail = {{"n", n}, {"note", "bytes \xc3\xa1 \"quoted\"\n"}};
  return e;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  std::istringstream in(read_bytes(path));
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  write_bytes(path, all);
}

void rechain(const std::string& log_dir) {
  std::string head(kGenesisPrev);
  auto segments = list_segments(log_dir);
  for (const auto& seg : segments.value()) {
    auto lines = read_lines(seg.path);
    for (auto& line : lines) {
      auto j = nlohmann::json::parse(line);
      Record r;
      r.seq = j["seq"].get<std::uint64_t>();
      r.time = j["time"].get<std::string>();
      r.event.type = j["event"].get<std::string>();
      r.event.who = j["who"].get<std::string>();
      r.event.doc = j["doc"].get<std::string>();
      r.event.organ = j["organ"].get<std::string>();
      r.event.detail = j["detail"];
      r.prev = head;
      line = format_line(r);
      head = sha256_hex(line);
    }
    write_lines(seg.path, lines);
  }
}

}  // namespace docaxis::audit::test
