// Test support for the audit module: temp directories, throwaway EC P-256 hub keys made with the
// OpenSSL API, line-level file surgery, and a "strong attacker" that re-chains a log after
// editing it (recomputes every prev and hash, but cannot re-sign checkpoints).
#pragma once

#include <string>
#include <vector>

#include "audit/audit_log.hpp"
#include "temp_dir.hpp"

namespace docaxis::audit::test {

// A fresh directory under $TMPDIR (tests/support/temp_dir.hpp: removed on destruction unless
// DOCAXIS_KEEP_TMP is set).
struct TempDir : ::docaxis::test::TempDir {
  TempDir() : ::docaxis::test::TempDir("audit") {}
};

struct HubKey {
  std::string key_pem;   // file path
  std::string cert_pem;  // file path
};
// A self-signed EC P-256 certificate and key written under `dir` as <name>.key / <name>.crt.
HubKey make_hub_key(const std::string& dir, const std::string& name);

// Options for tests: no sealer thread, no time-driven checkpoints, a checkpoint every 10 records.
AuditOptions test_options(const std::string& log_dir, const HubKey& key);

Event make_event(const std::string& type, int n);

std::vector<std::string> read_lines(const std::string& path);  // without '\n'
void write_lines(const std::string& path, const std::vector<std::string>& lines);
void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);

// Re-chains every segment in order from the genesis: recomputes prev and hash of each line.
void rechain(const std::string& log_dir);

}  // namespace docaxis::audit::test
