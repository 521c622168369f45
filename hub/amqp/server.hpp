// The hub's AMQP 1.0 listener (Qpid Proton C++), the only place Proton is used.
//
// Wire contract (README.md pins it): mutual TLS with client-certificate verification against
// the configured trust anchors; a sender link to target "edoc" or "status" carries one package
// per message (one data section, content-type application/xml); a receiver link from source
// "inbox/<OrganId>" receives that organ's deliveries, with application properties messagetype,
// document-id, from and hops. Outcomes: accepted only after the engine committed; rejected with
// condition docaxis:<code>; released for transient trouble (outcome.hpp).
//
// Threads: one Proton container thread runs every callback and owns every link; the engine
// talks back through deliver() and the IngestDone callbacks, which hop onto that thread.
#pragma once

#include "amqp/peer_links.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "amqp/ports.hpp"
#include "common/status.hpp"

namespace docaxis::amqp {

struct TlsFiles {
  std::string certificate_chain;  // PEM: the hub certificate followed by its issuers
  std::string private_key;        // PEM
  std::string trust_anchors;      // PEM: CAs whose client certificates are accepted
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                 // 0: any free port (tests)
  std::optional<TlsFiles> tls;  // absent: plaintext, allowed only on a loopback host
  std::size_t max_message_bytes = 64u * 1024 * 1024;
  std::string container_id = "docaxis-hub";
  std::vector<PeerSpec> peers;  // outgoing links to peer hubs (peer_links.hpp)
  PeerReconnect peer_reconnect;
  std::function<void(const std::string&)> log;  // one line per event (peer links); may be empty
};

class AmqpServer {
 public:
  AmqpServer(ServerOptions options, IngestPort& ingest, InboxPort& inbox);
  ~AmqpServer();
  AmqpServer(const AmqpServer&) = delete;
  AmqpServer& operator=(const AmqpServer&) = delete;

  // Binds and starts the container thread; returns the bound port. Errors: invalid-argument
  // (plaintext on a non-loopback host), unavailable (cannot listen).
  Result<int> start();
  // Closes the listener and every connection, then joins the thread. Idempotent.
  void stop();

  // Thread-safe. Sends `message` on an attached inbox/<organ> link, queued there until the link
  // has credit (the recipient sets the pace); `done` gets the recipient's outcome, kNoLink when
  // no link is attached, kDisconnected when the link or connection goes away first.
  void deliver(const std::string& organ, OutgoingMessage message, DeliveryDone done);
  // Thread-safe. Sends `message` to peer hub `peer` (its "edoc", "status" or "receipt" link by
  // message_type); kNoLink when that peer is not connected.
  void deliver_to_peer(const std::string& peer, OutgoingMessage message, DeliveryDone done);

 private:
  class Handler;
  std::unique_ptr<Handler> handler_;
};

}  // namespace docaxis::amqp
