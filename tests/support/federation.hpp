// The three-hub demo federation (h30 <-> national <-> g12) as data: federation-topology.json in
// this folder, the one description shared by scripts/demo.sh, the federation integration test
// and hub_bench's two-hop topology (library docaxis::test_federation). Which hubs, which organs
// each serves, its peers (with the organ suffixes each may relay for), routes and the suffixes
// it is authoritative for; hub_toml() turns a hub into the configuration tables that make it
// part of the federation. Threads: immutable after load().
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::test {

struct FederationPeer {
  std::string name;
  std::vector<std::string> relay_for;  // organ suffixes, or "*"
};
struct FederationRoute {
  std::string suffix;
  std::string to;  // a peer
};
struct FederationOrgan {
  std::string id;     // OrganId
  std::string hub;    // the hub serving it
  std::string name;   // the organ's name (the demo's agents and endpoints)
  std::string label;  // a short English label (the demo's narration)
};
struct FederationHub {
  std::string name;  // also the test PKI's <pki>/hubs/<name>.{crt,key}
  std::string description;
  std::vector<std::string> authoritative_for;
  std::vector<FederationPeer> peers;
  std::vector<FederationRoute> routes;
};

struct Federation {
  std::vector<FederationHub> hubs;  // in the file's order: h30, national, g12
  std::vector<FederationOrgan> organs;

  // Reads and checks a topology file (every peer, route target and organ hub names a hub of
  // the file). Errors: bad-topology (unreadable, not JSON, a missing or mistyped field, an
  // unknown hub; the message says which).
  static Result<Federation> load(const std::string& path);
  // federation-topology.json of this folder (its path compiled in; DOCAXIS_FEDERATION_TOPOLOGY
  // in the environment overrides it). Errors: as load().
  static Result<Federation> standard();

  const FederationHub* hub(std::string_view name) const;
  // The hub serving `organ`: the one the file places it at, else the hub authoritative for its
  // suffix (edxml::OrganId::matches_suffix); nullptr when none.
  const FederationHub* hub_serving(std::string_view organ) const;
  // The organs of the file that `hub` serves.
  std::vector<std::string> organs_of(std::string_view hub) const;
};

// The federation part of `hub`'s configuration (hub/config/README.md): [routing]
// authoritative_for, one [[peers]] per peer at amqps://127.0.0.1:<ports[peer]> identified by
// the test PKI's certificate subject of that hub, and its [[routes]]. [[endpoints]] are the
// caller's (hub_process.hpp: HubConfigSpec::organs). Every peer must have a port.
std::string federation_toml(const FederationHub& hub, const std::map<std::string, int>& ports);

// The test PKI's subject of a hub certificate (<pki>/hubs/<name>.crt).
std::string hub_subject(const std::string& hub);

}  // namespace docaxis::test
