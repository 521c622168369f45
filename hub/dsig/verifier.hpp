// Hardened XML-DSig verification of exchanged documents (shared/notes/xmldsig-hardening.md).
//
// Order of checks for one document, all on the one tree the caller parsed safely with
// edxml::parse_untrusted (application data must be read from that same tree afterwards):
//   1. profile: exactly one ds:Signature at the expected place, one Reference covering the
//      whole document, allow-listed transforms and algorithms, no Object, X.509 key data only
//      (profile.hpp);
//   2. signer: the X509Certificate that signed, found in the SignerCache by its DER digest,
//      or decoded, chain-checked against the TrustStore (CRLs, validity) and checked against
//      the signer policy (not a CA, signing keyUsage, key size), then cached;
//   3. cryptography with that certificate's public key as the only key (engine.hpp: the
//      native C14N engine by default, or xmlsec restricted to the same allow-list);
//   4. binding: the certificate's subject UID equals the expected organ (From/OrganId).
// Every refusal is a Status with a stable code (README.md lists them) and a precise message.
//
// Thread-safe: one Verifier serves a whole worker pool; each call has its own xmlsec context.
// init_dsig() must have run (the constructor calls it).
#pragma once

#include <atomic>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "dsig/engine.hpp"
#include "dsig/profile.hpp"
#include "dsig/signer_cache.hpp"
#include "dsig/trust_store.hpp"
#include "edxml/xml_doc.hpp"

namespace docaxis::dsig {

// What the operator relaxed, per endpoint; never relaxed by default.
struct VerifyPolicy {
  bool allow_sha1 = false;      // accept rsa-sha1 / ecdsa-sha1 / sha1 digests ("legacy-sha1")
  bool allow_unsigned = false;  // accept a document with no XML-DSig signature ("unsigned")
  bool bind_sender = true;  // require certificate UID == From/OrganId (off: "no-sender-binding")
};

struct Verdict {
  bool is_signed = false;
  std::string signer_subject;            // RFC 2253
  std::string signer_organ;              // certificate UID
  std::vector<std::string> signer_uris;  // certificate subjectAltName URIs (hub names)
  std::string signer_sha256;             // SHA-256 of the signer's DER certificate (hex)
  std::string signature_method;          // algorithm URI
  std::string digest_method;             // algorithm URI
  std::vector<std::string> relaxations;  // what the policy let through, for receipts and logs
  std::string note;  // e.g. why an accepted unsigned document counts as unsigned
  bool cache_hit = false;
};

class Verifier {
 public:
  using Clock = std::function<std::time_t()>;
  explicit Verifier(std::shared_ptr<const TrustStore> trust, Clock clock = {},
                    std::size_t cache_capacity = 4096, Engine engine = Engine::kNative);

  // Replaces the trust (new CRLs, anchors); cached validations under the old one lapse.
  void set_trust_store(std::shared_ptr<const TrustStore> trust);

  // Verifies `doc` (which must be safely parsed) with the signature at `placement`.
  // `expected_organ` is From/OrganId; it is checked when policy.bind_sender is set.
  Result<Verdict> verify(const edxml::XmlDoc& doc, Placement placement,
                         std::string_view expected_organ, const VerifyPolicy& policy) const;

  const SignerCache& cache() const { return cache_; }
  // The TrustStore in use (the hub key rollover checks a new signing certificate against it).
  std::shared_ptr<const TrustStore> trust() const { return std::atomic_load(&trust_); }

 private:
  Result<std::shared_ptr<const ValidatedSigner>> find_signer(
      const std::vector<std::string>& certificates_der, std::time_t now, bool* cache_hit) const;

  std::shared_ptr<const TrustStore> trust_;
  Clock clock_;
  mutable SignerCache cache_;
  Engine engine_;
};

}  // namespace docaxis::dsig
