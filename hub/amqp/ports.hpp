// What the AMQP layer needs from the rest of the hub, as interfaces the engine implements.
// The AMQP layer does protocol work only: it hands packages in and delivers what it is told to.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "amqp/identity.hpp"
#include "common/status.hpp"

namespace docaxis::amqp {

// A package received on a sender link attached to target "edoc" or "status".
struct IncomingPackage {
  std::string address;            // "edoc" | "status"
  std::string bytes;              // the exact bytes of the one data section
  PeerIdentity from;              // the connection's verified identity
  std::vector<std::string> hops;  // the hop trail a peer hub sent beside the package
};

// Called when the engine is done with a package: ok only after the durable commit.
using IngestDone = std::function<void(const Status&)>;

class IngestPort {
 public:
  virtual ~IngestPort() = default;
  // Called on the AMQP thread; must not block. `done` is called exactly once, from any thread.
  virtual void submit(IncomingPackage package, IngestDone done) = 0;
};

// A message for a recipient's inbox link.
struct OutgoingMessage {
  std::string bytes;
  std::string message_type;  // "edoc" | "status" | "receipt" (application property messagetype)
  std::string document_id;   // application property document-id
  std::string from;          // application property from (sender organ)
  std::vector<std::string> hops;  // application property hops ("hub@time;hub@time")
};

enum class DeliveryResult { kAccepted, kRejected, kReleased, kModified, kDisconnected, kNoLink };
struct DeliveryOutcome {
  DeliveryResult result = DeliveryResult::kNoLink;
  std::string condition;    // rejected: the recipient's error condition
  std::string description;  // rejected: the recipient's reason
};
using DeliveryDone = std::function<void(const DeliveryOutcome&)>;

class InboxPort {
 public:
  virtual ~InboxPort() = default;
  // May this identity attach a receiver to inbox/<organ>? A non-ok Status refuses the link
  // with amqp:unauthorized-access and the message as description. Called on the AMQP thread.
  virtual Status may_attach(const PeerIdentity& who, const std::string& organ) = 0;
  // The inbox of `organ` gained link credit / lost its last link. Called on the AMQP thread;
  // must not block.
  virtual void ready(const std::string& organ) = 0;
  virtual void detached(const std::string& organ) = 0;
  // The outgoing link to peer hub `peer` is up (links open) / down. AMQP thread; no blocking.
  virtual void peer_up(const std::string& peer) { (void)peer; }
  virtual void peer_down(const std::string& peer) { (void)peer; }
};

}  // namespace docaxis::amqp
