#include "dsig/verifier.hpp"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dsig/dsig_init.hpp"

namespace docaxis::dsig {
Verifier::Verifier(std::shared_ptr<const TrustStore> trust, Clock clock, std::size_t cache_capacity,
                   Engine engine)
    : trust_(std::move(trust)), clock_(std::move(clock)), cache_(cache_capacity), engine_(engine) {
  init_dsig();
  if (!clock_) clock_ = [] { return std::time(nullptr); };
}

void Verifier::set_trust_store(std::shared_ptr<const TrustStore> trust) {
  std::atomic_store(&trust_, std::move(trust));
}

Result<std::shared_ptr<const ValidatedSigner>> Verifier::find_signer(
    const std::vector<std::string>& certificates_der, std::time_t now, bool* cache_hit) const {
  auto ts = trust();
  std::shared_ptr<const ValidatedSigner> hit;
  std::vector<Sha256> digests;
  digests.reserve(certificates_der.size());
  int hits = 0;
  for (const auto& der : certificates_der) {
    digests.push_back(sha256(der));
    if (auto s = cache_.find(digests.back(), now, ts->generation())) {
      hit = std::move(s);
      ++hits;
    }
  }
  if (hits == 1) {
    *cache_hit = true;
    return hit;
  }

  // Slow path: decode every certificate and find the one end of the presented chain.
  std::vector<X509Ptr> certs;
  for (std::size_t i = 0; i < certificates_der.size(); ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(certificates_der[i].data());
    X509* c = d2i_X509(nullptr, &p, static_cast<long>(certificates_der[i].size()));
    if (c == nullptr || p != reinterpret_cast<const unsigned char*>(certificates_der[i].data()) +
                                 certificates_der[i].size()) {
      X509_free(c);
      return Status{"keyinfo-invalid", "X509Certificate number " + std::to_string(i + 1) +
                                           " is not a DER certificate"};
    }
    certs.emplace_back(c);
  }
  std::vector<X509*> raw;
  for (auto& c : certs) raw.push_back(c.get());
  X509* leaf = nullptr;
  int leaves = 0;
  for (X509* c : raw) {
    bool issues_another = false;
    for (X509* o : raw) {
      if (o != c && X509_check_issued(c, o) == X509_V_OK) issues_another = true;
    }
    if (!issues_another) {
      leaf = c;
      ++leaves;
    }
  }
  if (leaves != 1) {
    return Status{"keyinfo-invalid",
                  "X509Data holds " + std::to_string(leaves) +
                      " certificates that issue no other; cannot tell which one signed"};
  }
  auto validated = ts->validate(leaf, raw, now);
  if (!validated) return validated.status();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == leaf) cache_.insert(digests[i], *validated);
  }
  *cache_hit = false;
  return validated;
}

Result<Verdict> Verifier::verify(const edxml::XmlDoc& doc, Placement placement,
                                 std::string_view expected_organ,
                                 const VerifyPolicy& policy) const {
  Verdict verdict;
  auto shape = check_profile(doc.get(), {placement, policy.allow_sha1});
  if (!shape) {
    if (shape.status().code() == "unsigned" && policy.allow_unsigned) {
      verdict.relaxations.push_back("unsigned");
      verdict.note = shape.status().message();
      return verdict;
    }
    return shape.status();
  }
  const std::time_t now = clock_();
  auto signer = find_signer(shape->certificates_der, now, &verdict.cache_hit);
  if (!signer) return signer.status();
  const ValidatedSigner& who = **signer;

  if (Status s = register_root_id(doc.get(), shape->reference_uri); !s.ok()) return s;

  Status crypto =
      engine_ == Engine::kNative
          ? verify_native(doc.get(), *shape, who.public_key.get(), who.subject)
          : verify_xmlsec(doc.get(), *shape, who.public_key.get(), who.subject, policy.allow_sha1);
  if (!crypto.ok()) return crypto;

  if (policy.bind_sender) {
    if (who.organ.empty()) {
      return Status{"signer-no-organ", "signer certificate \"" + who.subject +
                                           "\" carries no UID attribute, so it cannot be bound "
                                           "to From/OrganId \"" +
                                           std::string(expected_organ) + "\""};
    }
    if (who.organ != expected_organ) {
      return Status{"sender-mismatch", "signed by organ " + who.organ + " (certificate \"" +
                                           who.subject + "\") but From/OrganId is \"" +
                                           std::string(expected_organ) + "\""};
    }
  } else {
    verdict.relaxations.push_back("no-sender-binding");
  }
  if (shape->uses_sha1) verdict.relaxations.push_back("legacy-sha1");
  verdict.is_signed = true;
  verdict.signer_subject = who.subject;
  verdict.signer_organ = who.organ;
  verdict.signer_uris = who.uris;
  verdict.signer_sha256 = who.sha256;
  verdict.signature_method = shape->signature_method;
  verdict.digest_method = shape->digest_method;
  return verdict;
}

}  // namespace docaxis::dsig
