// The engine's verification and signing needs, as ports (header-only, in docaxis::engine_ports).
// The engine never names an XML-DSig implementation: hub/dsig implements these ports
// (dsig/engine_adapter.hpp: DsigPackageVerifier over dsig::Verifier, DsigReceiptSigner over
// dsig::Signer) and server::Application wires them; tests use fakes (tests/support/
// engine_fakes.hpp: ScriptedVerifier, FakeSigner).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "edxml/model.hpp"
#include "edxml/receipt.hpp"

namespace docaxis::engine {

// The relaxations a connection's endpoint allows (config endpoint allow_sha1 / allow_unsigned).
// Default: strict.
struct VerifyPolicy {
  bool allow_sha1 = false;      // accept SHA-1 signature/digest algorithms ("legacy-sha1")
  bool allow_unsigned = false;  // accept a package with no signature ("unsigned")
};

// What the verifier concluded, as far as the engine uses it.
struct Verdict {
  bool is_signed = false;
  std::string signer_subject;            // RFC 2253 subject of the signing certificate
  std::vector<std::string> signer_uris;  // its subjectAltName URIs (urn:docaxis:hub:<name>)
  std::string signature_method;          // algorithm URI
  std::vector<std::string> relaxations;  // what the policy let through ("unsigned", "legacy-sha1")
  std::string note;                      // e.g. why an accepted unsigned package counts as unsigned
};

// A package read from the very bytes whose signature was verified.
struct VerifiedPackage {
  edxml::Package package;
  Verdict verdict;
};

// A delivery receipt read from the very bytes whose signature was verified.
struct VerifiedReceipt {
  edxml::DeliveryReceipt receipt;
  Verdict verdict;
};

class PackageVerifier {
 public:
  virtual ~PackageVerifier() = default;
  // edXML ingest check: safe parse, read the package model, verify its signature bound to
  // From/OrganId under `policy`. Error codes: the parser's and reader's (edxml), then the
  // verifier's (digest-mismatch, signature-invalid, sender-mismatch, unsigned, ...). The
  // reader's *error findings* are not a failure: they are in package.findings.
  virtual Result<VerifiedPackage> verify_package(std::string_view bytes,
                                                 const VerifyPolicy& policy) const = 0;
  // A hub's delivery receipt: safe parse, verify the enveloped signature (last child of the
  // root, strict policy, no organ binding), then read the receipt. Error codes in that order:
  // the parser's, the verifier's, edxml::read_receipt's.
  virtual Result<VerifiedReceipt> verify_receipt(std::string_view bytes) const = 0;
};

class ReceiptSigner {
 public:
  virtual ~ReceiptSigner() = default;
  // Signs a receipt document with the hub key (enveloped, last child of the root) and returns
  // the signed bytes. Error codes: the signer's (parse errors, already-signed, internal, ...).
  virtual Result<std::string> sign_receipt(std::string_view receipt_xml) const = 0;
};

}  // namespace docaxis::engine
