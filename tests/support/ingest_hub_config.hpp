// The hub configuration of the ingest tests (engine_tests over fakes, pipeline_tests with real
// crypto): one builder for both. Header only; the user links docaxis::config.
#pragma once

#include <string>

#include "config/hub_config.hpp"

namespace docaxis::test {

// Hub `name` serving 000.00.13.H30 and 000.00.01.G12 (each bound by the UID of its
// certificate), routing .G22 to peer "national" (amqps://national.test:5671, identified by the
// test PKI's subject of hub national, may relay for any organ).
inline config::HubConfig ingest_hub_config(const std::string& name = "h30-hub") {
  config::HubConfig c;
  c.hub.name = name;
  config::EndpointConfig h30;
  h30.organ = "000.00.13.H30";
  config::EndpointConfig g12;
  g12.organ = "000.00.01.G12";
  c.endpoints = {h30, g12};
  c.peers = {{"national",
              "amqps://national.test:5671",
              "",
              "CN=docaxis hub national,O=docaxis test PKI,C=VN",
              {"*"},
              ""}};
  c.routes = {{".G22", "national"}};
  return c;
}

}  // namespace docaxis::test
