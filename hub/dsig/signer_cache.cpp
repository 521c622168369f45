#include "dsig/signer_cache.hpp"

#include <mutex>

namespace docaxis::dsig {

std::shared_ptr<const ValidatedSigner> SignerCache::find(const Sha256& der_digest, std::time_t now,
                                                         std::uint64_t generation) const {
  std::shared_lock lock(mu_);
  auto it = map_.find(der_digest);
  if (it == map_.end()) return nullptr;
  const ValidatedSigner& v = *it->second;
  if (v.generation != generation || now < v.not_before || now >= v.not_after) return nullptr;
  return it->second;
}

void SignerCache::insert(const Sha256& der_digest, std::shared_ptr<const ValidatedSigner> signer) {
  if (capacity_ == 0) return;  // caching disabled
  std::unique_lock lock(mu_);
  if (map_.size() >= capacity_ && map_.find(der_digest) == map_.end()) {
    // Organ certificates number in the thousands nationally; when the cache is full, start
    // afresh rather than track recency on the hot path.
    map_.clear();
  }
  map_[der_digest] = std::move(signer);
}

std::size_t SignerCache::size() const {
  std::shared_lock lock(mu_);
  return map_.size();
}

}  // namespace docaxis::dsig
