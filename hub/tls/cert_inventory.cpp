#include "tls/cert_inventory.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include <cctype>
#include <ctime>
#include <set>
#include <utility>

#include "tls/certificate.hpp"

namespace docaxis::tls {
namespace {

std::int64_t seconds_of(const ASN1_TIME* t) {
  if (t == nullptr) return 0;
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string issuer_of(const X509* cert) {
  // subject_of prints a name; the issuer is printed the same way through a throw-away holder.
  X509Ptr holder(X509_new());
  if (!holder) return {};
  X509_set_subject_name(holder.get(), X509_get_issuer_name(cert));
  return subject_of(holder.get());
}

std::string serial_of(const X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  if (bn == nullptr) {
    ERR_clear_error();
    return {};
  }
  char* hex = BN_bn2hex(bn);
  BN_free(bn);
  if (hex == nullptr) return {};
  std::string out(hex);
  OPENSSL_free(hex);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto nz = out.find_first_not_of('0');
  if (nz == std::string::npos) return "0";
  return out.substr(nz);
}

}  // namespace

model::CertInfo describe_certificate(const X509* cert, std::string role) {
  model::CertInfo c;
  c.role = std::move(role);
  if (cert == nullptr) return c;
  c.subject = subject_of(cert);
  c.issuer = issuer_of(cert);
  c.serial = serial_of(cert);
  c.sha256 = certificate_sha256(cert);
  c.not_before = seconds_of(X509_get0_notBefore(cert));
  c.not_after = seconds_of(X509_get0_notAfter(cert));
  return c;
}

Result<std::vector<model::CertInfo>> describe_pem_file(const std::string& path,
                                                       const std::string& role) {
  auto certs = load_pem_certs(path);
  if (!certs) return certs.status();
  std::vector<model::CertInfo> out;
  for (const auto& cert : *certs) {
    out.push_back(describe_certificate(cert.get(), role));
    out.back().source = path;
  }
  return out;
}

void CertInventory::set_configured(std::vector<model::CertInfo> certs) {
  std::vector<model::CertInfo> unique;
  std::set<std::pair<std::string, std::string>> have;
  for (auto& c : certs) {
    if (have.emplace(c.role, c.sha256).second) unique.push_back(std::move(c));
  }
  std::lock_guard lk(mu_);
  configured_ = std::move(unique);
}

void CertInventory::record_seen(model::CertInfo cert, std::int64_t now) {
  if (max_seen_ == 0 || cert.sha256.empty()) return;
  cert.last_seen = now;
  std::lock_guard lk(mu_);
  if (auto it = by_fp_.find(cert.sha256); it != by_fp_.end()) {
    *it->second = std::move(cert);
    seen_.splice(seen_.begin(), seen_, it->second);
    return;
  }
  // A renewal: the same role and subject with a later notAfter supersedes what was seen
  // before, so an agency's retired certificate does not raise expiry warnings for ever. (The
  // old one is recorded again if it is still used.)
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (it->role == cert.role && it->subject == cert.subject && it->not_after < cert.not_after) {
      by_fp_.erase(it->sha256);
      it = seen_.erase(it);
    } else {
      ++it;
    }
  }
  seen_.push_front(std::move(cert));
  by_fp_[seen_.front().sha256] = seen_.begin();
  while (seen_.size() > max_seen_) {
    by_fp_.erase(seen_.back().sha256);
    seen_.pop_back();
  }
}

std::vector<model::CertInfo> CertInventory::snapshot() const {
  std::lock_guard lk(mu_);
  std::vector<model::CertInfo> out(configured_);
  out.insert(out.end(), seen_.begin(), seen_.end());
  return out;
}

std::size_t CertInventory::seen_count() const {
  std::lock_guard lk(mu_);
  return seen_.size();
}

}  // namespace docaxis::tls
