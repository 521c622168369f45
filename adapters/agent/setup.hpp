// From an AgentConfig to the objects every command needs: the client options, the organ id,
// the signer. Configuration problems come back as Status (the caller exits 2).
#pragma once

#include <memory>
#include <string>

#include "agent/agent_config.hpp"
#include "client/client.hpp"
#include "dsig/signer.hpp"

namespace docaxis::agent {

// The organ: [organ] id, or the UID of the TLS certificate. Either way the TLS key must be
// the certificate's.
// Codes: those of dsig::Signer::load (file-unreadable, bad-key, bad-certificate,
// key-mismatch), invalid-argument (the certificate has no UID and no id is configured).
Result<std::string> organ_id(const AgentConfig& c);

// The signer of [sign] (key/cert defaulting to [tls]); null when signing is off.
Result<std::unique_ptr<dsig::Signer>> make_signer(const AgentConfig& c);

// `inbox`: the organ whose inbox to read, "" for none.
client::ClientOptions client_options(const AgentConfig& c, const std::string& inbox);

}  // namespace docaxis::agent
