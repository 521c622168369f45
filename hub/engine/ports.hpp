// What the engine ingests: the port every front door (AMQP today, HTTP next) hands packages
// to. Header-only, no transport types; the engine implements it (engine::Ingest).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "model/identity.hpp"

namespace docaxis::engine {

// A package received on address "edoc" or "status" (model/wire.hpp).
struct IncomingPackage {
  std::string address;             // "edoc" | "status"
  std::string bytes;               // the exact bytes received (for AMQP: the one data section)
  model::ConnectionIdentity from;  // the connection's verified identity (not yet identified)
  // The received hop trail entries, split but unchecked (model::split_trail); the engine
  // parses them (model::parse_hop) and accepts a trail only from a peer hub.
  std::vector<std::string> hops;
};

// Called when the engine is done with a package: ok only after the durable commit.
using IngestDone = std::function<void(const Status&)>;

class IngestPort {
 public:
  virtual ~IngestPort() = default;
  // Called on a front door's thread; must not block. `done` is called exactly once, from any
  // thread. A non-ok Status maps to the front door's refusal (model::is_transient: released).
  virtual void submit(IncomingPackage package, IngestDone done) = 0;
};

}  // namespace docaxis::engine
