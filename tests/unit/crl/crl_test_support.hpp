// Test support for CRL fetching: a tiny HTTP/1.0 server on 127.0.0.1 (a free port) serving
// bytes set by the test, and CRLs / CA certificates made with OpenSSL in the test.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tls/certificate.hpp"

namespace docaxis::crl::test {

class TinyHttpServer {
 public:
  TinyHttpServer();   // listens on 127.0.0.1:<free port>
  ~TinyHttpServer();  // down()
  int port() const { return port_; }
  std::string url(const std::string& path) const;  // http://127.0.0.1:<port><path>
  // What GET <path> answers: 200 with `body`, or 404 when nothing is set.
  void set(const std::string& path, std::string body);
  void redirect(const std::string& path, const std::string& location);  // 302
  void down();  // stops listening: connections are refused from now on
  int requests(const std::string& path) const;

 private:
  void serve();
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, std::string> bodies_;
  std::map<std::string, std::string> redirects_;
  std::map<std::string, int> counts_;
  std::thread thread_;
};

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

PkeyPtr load_key(const std::string& pem_path);
tls::X509Ptr load_cert(const std::string& pem_path);
PkeyPtr new_rsa_key();

struct CrlSpec {
  std::int64_t this_update = 0;
  std::int64_t next_update = 0;       // 0: none
  std::vector<long> revoked_serials;  // of certificates issued by the CA
  std::vector<X509*> revoked_certs;   // the same, by certificate (any serial size)
  long number = 1;                    // cRLNumber
};
// A v2 CRL named as `issuer`'s and signed with `key`, as DER.
std::string make_crl_der(X509* issuer, EVP_PKEY* key, const CrlSpec& spec);
// Its PEM form.
std::string der_to_pem(const std::string& der);

// A CA certificate (CA:TRUE) for `subject_cn`, signed by `issuer`/`issuer_key` (self-signed
// when issuer is nullptr), with the given CRL distribution point URIs.
tls::X509Ptr make_ca(const std::string& subject_cn, EVP_PKEY* key, X509* issuer,
                     EVP_PKEY* issuer_key, const std::vector<std::string>& cdp_urls, long serial);
std::string cert_pem(X509* cert);
void write_file(const std::string& path, const std::string& bytes);

}  // namespace docaxis::crl::test
