#include "agent/setup.hpp"

namespace docaxis::agent {

Result<std::string> organ_id(const AgentConfig& c) {
  // Loading them as a signer checks that the key is the certificate's: a mismatch is a
  // configuration error, better said now than as a failed TLS handshake later.
  auto s = dsig::Signer::load(c.tls.key_file, c.tls.cert_file, {});
  if (!s) return s.status();
  if (!c.organ.id.empty()) return c.organ.id;
  if ((*s)->organ().empty()) {
    return Status{"invalid-argument", "the certificate " + c.tls.cert_file +
                                          " has no subject UID: set [organ] id"};
  }
  return (*s)->organ();
}

Result<std::unique_ptr<dsig::Signer>> make_signer(const AgentConfig& c) {
  if (!c.sign.enabled) return std::unique_ptr<dsig::Signer>();
  const std::string key = c.sign.key_file.empty() ? c.tls.key_file : c.sign.key_file;
  const std::string cert = c.sign.cert_file.empty() ? c.tls.cert_file : c.sign.cert_file;
  return dsig::Signer::load(key, cert, c.sign.chain_files);
}

client::ClientOptions client_options(const AgentConfig& c, const std::string& inbox) {
  client::ClientOptions o;
  o.url = c.hub.url;
  o.failover_urls = c.hub.failover_urls;
  o.server_name = c.hub.server_name;
  o.cert_file = c.tls.cert_file;
  o.key_file = c.tls.key_file;
  o.trust_file = c.tls.trust_file;
  o.inbox = inbox;
  o.prefetch = static_cast<int>(c.receive.prefetch);
  o.max_in_flight = static_cast<int>(c.send.max_in_flight);
  o.outcome_timeout = std::chrono::seconds(c.hub.outcome_timeout_seconds);
  return o;
}

}  // namespace docaxis::agent
