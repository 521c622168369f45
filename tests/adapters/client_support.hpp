// The client tests' shared setup: options for an organ of the test PKI against a test Hub.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "client/client.hpp"
#include "support.hpp"

namespace docaxis::adapters_test {

using namespace std::chrono_literals;

inline client::ClientOptions options_for(const Hub& hub, const std::string& organ_id, bool read_inbox) {
  client::ClientOptions o;
  o.url = hub.url();
  o.server_name = "localhost";
  o.cert_file = organ(organ_id) + ".fullchain.pem";
  o.key_file = organ(organ_id) + ".key";
  o.trust_file = kPki + "/trust-anchors.pem";
  if (read_inbox) o.inbox = organ_id;
  o.outcome_timeout = 30s;
  o.reconnect.initial = 100ms;
  o.reconnect.max = 1s;
  return o;
}

inline std::unique_ptr<client::Client> connect(const client::ClientOptions& o) {
  auto c = client::Client::create(o);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  if (!c) return nullptr;
  EXPECT_TRUE((*c)->wait_connected(30s).ok()) << (*c)->last_error();
  return std::move(c).value();
}

}  // namespace docaxis::adapters_test
