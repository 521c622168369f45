// The hub's AMQP 1.0 side: the listener (listener.hpp, Proton's C proactor: every byte there is
// untrusted) and the outgoing links to peer hubs (peer_links.hpp, Proton's C++ binding on its
// own container thread: only authenticated, pinned peers answer there).
//
// Wire contract (README.md pins it): mutual TLS with client certificates verified against
// exactly the configured anchors (and CRLs); a sender link to target "edoc" or "status"
// carries one package per message (one data section, content-type application/xml); a receiver
// link from source "inbox/<OrganId>" receives that organ's deliveries, with application
// properties messagetype, document-id, from and hops. Outcomes: accepted only after the engine
// committed; rejected with condition docaxis:<code>; released for transient trouble.
//
// Threads: the listener's loop ("dx-amqp") and the peer container ("dx-amqp-peers"); the
// engine talks back through deliver() and the engine::IngestDone callbacks, which hop onto them. If
// either ever stops without stop(), the process exits with code 70 (crash-only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amqp/listener.hpp"
#include "amqp/peer_links.hpp"
#include "common/status.hpp"
#include "delivery/ports.hpp"
#include "engine/ports.hpp"

namespace docaxis::amqp {

struct TlsFiles {
  std::string certificate_chain;           // PEM: the hub certificate followed by its issuers
  std::string private_key;                 // PEM
  std::string trust_anchors;               // PEM: CAs whose client certificates are accepted
  std::vector<std::string> intermediates;  // PEM: to complete chains clients present
  std::vector<std::string> crls;           // PEM: client certificates are checked against them
  std::string crl_cache_dir = {};          // hub/crl's cache (tls::TrustFiles), "" = none
  std::int64_t crl_grace_seconds = 0;      // tls::TrustFiles::crl_grace_seconds
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                 // 0: any free port (tests)
  std::optional<TlsFiles> tls;  // required: there is no plaintext listener
  std::size_t max_message_bytes = 64u * 1024 * 1024;
  ListenerLimits limits;        // max_message_bytes above wins over limits.max_message_bytes
  std::string container_id = "docaxis-hub";
  std::vector<PeerSpec> peers;  // outgoing links to peer hubs (peer_links.hpp)
  // Client certificates seen on the listener (ListenerOptions::seen_certificates), and the
  // certificates peers present to the peer links (PeerSpec::seen_certificates).
  std::shared_ptr<tls::CertInventory> seen_certificates;
  // The hub's certificate and key, swappable (tls/identity.hpp): the listener's and the peer
  // links' client certificate. Unset: tls->certificate_chain and private_key, read once.
  std::shared_ptr<tls::IdentitySlot> identity;
  PeerReconnect peer_reconnect;
  // Peer links start off and are turned on by set_peer_link (a hub on PostgreSQL: only the
  // node holding a peer's lease connects to it). Default: every peer connects at start.
  bool peer_links_start_off = false;
};

class AmqpServer {
 public:
  AmqpServer(ServerOptions options, engine::IngestPort& ingest, delivery::LinkEvents& inbox);
  ~AmqpServer();
  AmqpServer(const AmqpServer&) = delete;
  AmqpServer& operator=(const AmqpServer&) = delete;

  // Binds and starts the threads; returns the bound port. Errors: invalid-argument (no TLS),
  // unavailable (cannot listen), and the tls:: load codes (unreadable or bad trust files).
  Result<int> start();
  // Closes the listener and every connection, then joins the threads. Idempotent.
  void stop();

  // Thread-safe. Sends `message` on an attached inbox/<organ> link, queued there until the link
  // has credit (the recipient sets the pace); `done` gets the recipient's outcome, kNoLink when
  // no link is attached, kDisconnected when the link or connection goes away first.
  void deliver(const std::string& organ, delivery::OutgoingMessage message,
               delivery::DeliveryDone done);
  // Thread-safe. Sends `message` to peer hub `peer` (its "edoc", "status" or "receipt" link by
  // message_type); kNoLink when that peer is not connected.
  void deliver_to_peer(const std::string& peer, delivery::OutgoingMessage message,
                       delivery::DeliveryDone done);
  // Thread-safe. Re-reads the TLS trust files (anchors, intermediates, CRLs): new handshakes use
  // them, and live connections whose certificate they no longer accept are closed. A file that
  // cannot be read keeps the current trust (the Status says why).
  Status reload_tls();
  // Thread-safe. Turns one peer's outbound connection on (connect, with the reconnect policy)
  // or off (close it, no reconnects). Unknown peers, or no peers, do nothing.
  void set_peer_link(const std::string& peer, bool on);
  // Thread-safe gauges of the listener (0 before start): package bytes held, connections.
  std::size_t bytes_held() const;
  std::size_t connections() const;

 private:
  class Peers;
  ServerOptions options_;
  engine::IngestPort& ingest_;
  delivery::LinkEvents& inbox_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Peers> peers_;
};

}  // namespace docaxis::amqp
