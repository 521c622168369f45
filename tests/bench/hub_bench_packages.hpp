// hub_bench: the pre-signed package pool. Every package is the benchmark document (the SDK's
// edoc_new sample, padded so the signed package is 12.5 KB = 12,800 bytes by default, or
// PoolSpec::package_bytes; RSA-2048/SHA-256, exclusive C14N) with From/OrganId = its sender, To/OrganId = one recipient and a DocumentId
// of its own (the hub accepts a DocumentId once per sender). Packages are signed before any
// hub runs, so the timed runs measure the hub and not the signers.
//
// Sender s's package j goes to recipient (s + j) mod M, so every sender reaches every
// recipient and the recipients get equal shares.
//
// Threads: make_pool() signs on `threads` threads and returns when all are done; the pool is
// then read-only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace docaxis::bench {

inline constexpr std::size_t kPackageBytes = 12800;  // 12.5 KB, as in BENCHMARKS.md

struct Package {
  std::string bytes;        // the signed package, exactly as sent
  std::string document_id;  // MessageHeader/DocumentId
  uint32_t recipient = 0;   // index into PoolSpec::recipients
};

struct PoolSpec {
  std::string pki;                      // test PKI folder (scripts/make-test-pki.sh)
  std::string sample;                   // edoc_new.edxml
  std::vector<std::string> senders;     // organ ids with RSA keys in <pki>/organs
  std::vector<std::string> recipients;  // organ ids served by the hub
  std::size_t per_sender = 0;           // packages per sender
  unsigned threads = 2;                 // signing threads
  std::size_t package_bytes = kPackageBytes;  // signed size to pad to (the attachment grows)
};

struct Pool {
  std::vector<std::vector<Package>> by_sender;  // [sender][j]
  std::size_t per_sender = 0;
  std::size_t min_bytes = 0, max_bytes = 0;
  double sign_seconds = 0;  // wall time spent signing
};

// Global index of a package: sender * per_sender + j (the load generator's key).
inline std::size_t package_index(const Pool& p, std::size_t sender, std::size_t j) {
  return sender * p.per_sender + j;
}

// Errors: file-unreadable / bad-key / ... from dsig::Signer::load and read_file;
// invalid-argument when the sample lacks an element the builder replaces; the signer's codes
// (e.g. sender-mismatch) when a package cannot be signed.
Result<Pool> make_pool(const PoolSpec& spec);

}  // namespace docaxis::bench
