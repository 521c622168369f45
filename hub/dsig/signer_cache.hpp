// Cache of signer certificates that already passed TrustStore::validate, keyed by the SHA-256
// of the certificate's DER bytes, so a busy hub does not decode and chain-check the same organ
// certificate for every document (about half of a naive verifier's time).
//
// An entry is only returned while it is still valid: the current time is inside the chain's
// validity (narrowed by the CRLs' nextUpdate) and the TrustStore generation is the one it was
// validated under (new CRLs or anchors mean a new TrustStore and so a new generation).
// Only successes are cached; a refused certificate is re-examined every time.
//
// Thread-safe: lookups take a shared lock, inserts an exclusive one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <shared_mutex>
#include <unordered_map>

#include "dsig/trust_store.hpp"
#include "dsig/x509_util.hpp"

namespace docaxis::dsig {

class SignerCache {
 public:
  // capacity 0 disables caching (every verification validates the certificate path).
  explicit SignerCache(std::size_t capacity = 4096) : capacity_(capacity) {}

  std::shared_ptr<const ValidatedSigner> find(const Sha256& der_digest, std::time_t now,
                                              std::uint64_t generation) const;
  void insert(const Sha256& der_digest, std::shared_ptr<const ValidatedSigner> signer);
  std::size_t size() const;

 private:
  struct DigestHash {
    std::size_t operator()(const Sha256& d) const {
      std::size_t h;
      static_assert(sizeof h <= sizeof d);
      std::memcpy(&h, d.data(), sizeof h);  // already uniformly distributed
      return h;
    }
  };
  std::size_t capacity_;
  mutable std::shared_mutex mu_;
  std::unordered_map<Sha256, std::shared_ptr<const ValidatedSigner>, DigestHash> map_;
};

}  // namespace docaxis::dsig
