// Signing and verifying audit checkpoints: ECDSA P-256 with SHA-256 (OpenSSL EVP), signature
// DER-encoded then base64 in the record. A key is named by its fingerprint: lowercase hex
// SHA-256 of the certificate's DER SubjectPublicKeyInfo, so a renewed certificate for the same
// key keeps verifying old checkpoints.
//
// OpenSSL types stay in checkpoint_keys.cpp. Both classes are immutable after load and safe
// to use from any number of threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::audit {

inline constexpr std::string_view kCheckpointAlg = "ecdsa-p256-sha256";

class CheckpointSigner {
 public:
  // Loads a PEM private key and the PEM certificate it belongs to. Errors:
  //   "invalid-argument"  unreadable file, not an EC P-256 key, or key and certificate differ
  static Result<std::unique_ptr<CheckpointSigner>> load(const std::string& key_pem_path,
                                                        const std::string& cert_pem_path);
  ~CheckpointSigner();
  const std::string& fingerprint() const { return fingerprint_; }
  // Base64 DER ECDSA signature over `message`. "internal" if OpenSSL fails.
  Result<std::string> sign(std::string_view message) const;

 private:
  struct Impl;
  explicit CheckpointSigner(std::unique_ptr<Impl> impl, std::string fingerprint);
  std::unique_ptr<Impl> impl_;
  std::string fingerprint_;
};

// The hub certificates an auditor trusts for checkpoints (one PEM file; several certificates
// allowed, e.g. across renewals).
class CheckpointVerifier {
 public:
  // "invalid-argument": unreadable file, no certificate, or a certificate without an EC P-256 key.
  static Result<std::unique_ptr<CheckpointVerifier>> load(const std::string& cert_pem_path);
  // Every certificate of every file: the hub's certificates across key rollovers (each
  // checkpoint names the key it was signed with). At least one file.
  static Result<std::unique_ptr<CheckpointVerifier>> load(const std::vector<std::string>& cert_pem_paths);
  ~CheckpointVerifier();
  // ok, or "bad-checkpoint-signature" (unknown key fingerprint, undecodable or wrong signature).
  Status verify(std::string_view fingerprint, std::string_view message,
                std::string_view signature_b64) const;
  std::vector<std::string> fingerprints() const;

 private:
  struct Impl;
  explicit CheckpointVerifier(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace docaxis::audit
