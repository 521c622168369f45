#include "audit/checkpoint_keys.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <map>

#include "tls/certificate.hpp"
#include "tls/crypto.hpp"

namespace docaxis::audit {
namespace {

using tls::MdCtxPtr;

bool is_p256(EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "EC")) return false;
  char group[64] = {};
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len)) {
    return false;
  }
  return std::string_view(group) == "prime256v1" || std::string_view(group) == "P-256";
}

// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
std::string spki_fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return {};
  auto d = tls::sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  return tls::to_hex(d.data(), d.size());
}

Status bad_sig(std::string what) { return Status{"bad-checkpoint-signature", std::move(what)}; }

}  // namespace

struct CheckpointSigner::Impl {
  tls::PkeyPtr key;
};

CheckpointSigner::CheckpointSigner(std::unique_ptr<Impl> impl, std::string fingerprint)
    : impl_(std::move(impl)), fingerprint_(std::move(fingerprint)) {}
CheckpointSigner::~CheckpointSigner() = default;

Result<std::unique_ptr<CheckpointSigner>> CheckpointSigner::load(const std::string& key_pem_path,
                                                                 const std::string& cert_pem_path) {
  auto key = tls::load_pem_private_key(key_pem_path);
  if (!key) return Status{"invalid-argument", "audit signing key: " + key.status().to_string()};
  auto certs = tls::load_pem_certs(cert_pem_path);
  if (!certs) return Status{"invalid-argument", "audit certificate: " + certs.status().to_string()};
  if (!is_p256(key->get())) {
    return Status{"invalid-argument", key_pem_path + " is not an EC P-256 private key"};
  }
  X509* cert = certs->front().get();
  if (X509_check_private_key(cert, key->get()) != 1) {
    ERR_clear_error();
    return Status{"invalid-argument", key_pem_path + " is not the key of " + cert_pem_path};
  }
  auto impl = std::make_unique<Impl>();
  impl->key = std::move(*key);
  std::string fp = spki_fingerprint(impl->key.get());
  return std::unique_ptr<CheckpointSigner>(new CheckpointSigner(std::move(impl), std::move(fp)));
}

Result<std::string> CheckpointSigner::sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = 0;
  auto data = reinterpret_cast<const unsigned char*>(message.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, message.size()) != 1) {
    ERR_clear_error();
    return Status{"internal", "OpenSSL could not start a checkpoint signature"};
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     message.size()) != 1) {
    ERR_clear_error();
    return Status{"internal", "OpenSSL could not sign a checkpoint"};
  }
  sig.resize(len);
  return tls::encode_base64(sig);
}

struct CheckpointVerifier::Impl {
  std::map<std::string, tls::PkeyPtr, std::less<>> keys;  // fingerprint -> public key
};

CheckpointVerifier::CheckpointVerifier(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CheckpointVerifier::~CheckpointVerifier() = default;

Result<std::unique_ptr<CheckpointVerifier>> CheckpointVerifier::load(const std::string& cert_pem_path) {
  return load(std::vector<std::string>{cert_pem_path});
}

Result<std::unique_ptr<CheckpointVerifier>> CheckpointVerifier::load(
    const std::vector<std::string>& cert_pem_paths) {
  if (cert_pem_paths.empty()) return Status{"invalid-argument", "no hub certificate given"};
  std::vector<tls::X509Ptr> all;
  for (const std::string& path : cert_pem_paths) {
    auto certs = tls::load_pem_certs(path);
    if (!certs) return Status{"invalid-argument", "hub certificate: " + certs.status().to_string()};
    for (auto& c : *certs) all.push_back(std::move(c));
  }
  auto impl = std::make_unique<Impl>();
  for (auto& cert : all) {
    tls::PkeyPtr key(X509_get_pubkey(cert.get()));
    if (!key || !is_p256(key.get())) {
      return Status{"invalid-argument", "hub certificate " + tls::subject_of(cert.get()) +
                                            " does not hold an EC P-256 key"};
    }
    std::string fp = spki_fingerprint(key.get());
    impl->keys.emplace(std::move(fp), std::move(key));
  }
  return std::unique_ptr<CheckpointVerifier>(new CheckpointVerifier(std::move(impl)));
}

std::vector<std::string> CheckpointVerifier::fingerprints() const {
  std::vector<std::string> out;
  for (const auto& [fp, key] : impl_->keys) out.push_back(fp);
  return out;
}

Status CheckpointVerifier::verify(std::string_view fingerprint, std::string_view message,
                                  std::string_view signature_b64) const {
  auto it = impl_->keys.find(fingerprint);
  if (it == impl_->keys.end()) {
    return bad_sig("signed by key " + std::string(fingerprint) +
                   ", which is not the key of any hub certificate given");
  }
  auto sig = tls::decode_base64(signature_b64);
  if (!sig) return bad_sig("the signature is not valid base64");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  int rc = -1;
  if (ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, it->second.get()) == 1) {
    rc = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size());
  }
  ERR_clear_error();
  if (rc != 1) return bad_sig("the ECDSA signature does not verify with the hub certificate");
  return Status::ok_status();
}

}  // namespace docaxis::audit
