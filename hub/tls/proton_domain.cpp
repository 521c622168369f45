#include "tls/proton_domain.hpp"

#include <cstring>

namespace docaxis::tls {
namespace {

// proton::ssl_{client,server}_options: { impl* impl_; }; impl: { pn_ssl_domain_t* pn_domain_;
// int refcount_; } (Proton 0.37 cpp/src/ssl_options_impl.hpp).
template <class Options>
pn_ssl_domain_t* domain_of(const Options& options) {
  static_assert(sizeof(Options) == sizeof(void*), "Proton's ssl options layout changed");
  void* impl = nullptr;
  std::memcpy(&impl, &options, sizeof impl);
  if (impl == nullptr) return nullptr;
  pn_ssl_domain_t* domain = nullptr;
  std::memcpy(&domain, impl, sizeof domain);
  return domain;
}

}  // namespace

SSL_CTX* ssl_ctx_of(pn_ssl_domain_t* domain) {
  if (domain == nullptr) return nullptr;
  SSL_CTX* ctx = nullptr;
  std::memcpy(&ctx, static_cast<const void*>(domain), sizeof ctx);  // struct pn_ssl_domain_t { SSL_CTX* ctx; ...
  return ctx;
}

SSL_CTX* ssl_ctx_of(const proton::ssl_client_options& options) {
  return ssl_ctx_of(domain_of(options));
}
SSL_CTX* ssl_ctx_of(const proton::ssl_server_options& options) {
  return ssl_ctx_of(domain_of(options));
}

}  // namespace docaxis::tls
