#include "crl_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace docaxis::crl::test {

TinyHttpServer::TinyHttpServer() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  thread_ = std::thread([this] { serve(); });
}

TinyHttpServer::~TinyHttpServer() { down(); }

std::string TinyHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void TinyHttpServer::set(const std::string& path, std::string body) {
  std::lock_guard lk(mu_);
  bodies_[path] = std::move(body);
}

void TinyHttpServer::redirect(const std::string& path, const std::string& location) {
  std::lock_guard lk(mu_);
  redirects_[path] = location;
}

int TinyHttpServer::requests(const std::string& path) const {
  std::lock_guard lk(mu_);
  auto it = counts_.find(path);
  return it == counts_.end() ? 0 : it->second;
}

void TinyHttpServer::down() {
  if (stop_.exchange(true)) return;
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
}

void TinyHttpServer::serve() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 2000) <= 0) break;
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<std::size_t>(n));
    }
    std::string path;
    if (req.rfind("GET ", 0) == 0) path = req.substr(4, req.find(' ', 4) - 4);
    std::string answer;
    {
      std::lock_guard lk(mu_);
      ++counts_[path];
      if (auto r = redirects_.find(path); r != redirects_.end()) {
        answer = "HTTP/1.0 302 Found\r\nLocation: " + r->second +
                 "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      } else if (auto b = bodies_.find(path); b != bodies_.end()) {
        answer = "HTTP/1.0 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: " +
                 std::to_string(b->second.size()) + "\r\nConnection: close\r\n\r\n" + b->second;
      } else {
        answer = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      }
    }
    std::size_t done = 0;
    while (done < answer.size()) {
      const ssize_t n = ::write(c, answer.data() + done, answer.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(c);
  }
}

PkeyPtr load_key(const std::string& path) {
  BIO* b = BIO_new_file(path.c_str(), "rb");
  if (b == nullptr) throw std::runtime_error("cannot open " + path);
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (k == nullptr) throw std::runtime_error("no key in " + path);
  return PkeyPtr(k);
}

tls::X509Ptr load_cert(const std::string& path) {
  auto certs = tls::load_pem_certs(path);
  if (!certs) throw std::runtime_error(certs.status().to_string());
  return std::move(certs->front());
}

PkeyPtr new_rsa_key() { return PkeyPtr(EVP_RSA_gen(2048)); }

namespace {
void set_time(ASN1_TIME* t, std::int64_t when) { ASN1_TIME_set(t, static_cast<time_t>(when)); }
}  // namespace

std::string make_crl_der(X509* issuer, EVP_PKEY* key, const CrlSpec& spec) {
  X509_CRL* crl = X509_CRL_new();
  X509_CRL_set_version(crl, X509_CRL_VERSION_2);
  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
  ASN1_TIME* t = ASN1_TIME_new();
  set_time(t, spec.this_update);
  X509_CRL_set1_lastUpdate(crl, t);
  if (spec.next_update != 0) {
    set_time(t, spec.next_update);
    X509_CRL_set1_nextUpdate(crl, t);
  }
  for (long serial : spec.revoked_serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ASN1_INTEGER* s = ASN1_INTEGER_new();
    ASN1_INTEGER_set(s, serial);
    X509_REVOKED_set_serialNumber(r, s);
    set_time(t, spec.this_update);
    X509_REVOKED_set_revocationDate(r, t);
    X509_CRL_add0_revoked(crl, r);
    ASN1_INTEGER_free(s);
  }
  for (X509* c : spec.revoked_certs) {
    X509_REVOKED* r = X509_REVOKED_new();
    X509_REVOKED_set_serialNumber(r, const_cast<ASN1_INTEGER*>(X509_get0_serialNumber(c)));
    set_time(t, spec.this_update);
    X509_REVOKED_set_revocationDate(r, t);
    X509_CRL_add0_revoked(crl, r);
  }
  ASN1_TIME_free(t);
  ASN1_INTEGER* n = ASN1_INTEGER_new();
  ASN1_INTEGER_set(n, spec.number);
  X509_CRL_add1_ext_i2d(crl, NID_crl_number, n, 0, 0);
  ASN1_INTEGER_free(n);
  X509_CRL_sort(crl);
  X509_CRL_sign(crl, key, EVP_sha256());
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  X509_CRL_free(crl);
  return out;
}

std::string der_to_pem(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_CRL(b, crl);
  char* data = nullptr;
  const long len = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(b);
  X509_CRL_free(crl);
  return out;
}

tls::X509Ptr make_ca(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                     const std::vector<std::string>& cdp_urls, long serial) {
  X509* c = X509_new();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("docaxis crl test"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_subject_name(c, name);
  X509_set_issuer_name(c, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_NAME_free(name);
  X509_gmtime_adj(X509_getm_notBefore(c), -86400);
  X509_gmtime_adj(X509_getm_notAfter(c), 365L * 86400);
  X509_set_pubkey(c, key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : c, c, nullptr, nullptr, 0);
  auto add = [&](int nid, const std::string& value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (e == nullptr) throw std::runtime_error("bad extension " + value);
    X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
  };
  add(NID_basic_constraints, "critical,CA:TRUE");
  add(NID_key_usage, "critical,keyCertSign,cRLSign");
  add(NID_subject_key_identifier, "hash");
  if (!cdp_urls.empty()) {
    std::string v;
    for (const auto& u : cdp_urls) v += (v.empty() ? "URI:" : ",URI:") + u;
    add(NID_crl_distribution_points, v);
  }
  X509_sign(c, issuer_key != nullptr ? issuer_key : key, EVP_sha256());
  return tls::X509Ptr(c);
}

std::string cert_pem(X509* cert) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(b);
  return out;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace docaxis::crl::test
