// The public docaxis client API: what an agency's document system (and docaxis-agent) uses to
// talk to a docaxis hub. One Client is one AMQP 1.0 connection over mutual TLS that it keeps
// open, reconnecting with exponential backoff and jitter whenever it drops (to the next of
// the hub's addresses at once when it has several: ClientOptions::failover_urls).
//
//  - Sending: send_async() queues a package for the hub's `edoc` or `status` address and
//    returns at once; many sends may be in flight (pipelining). Each ends in exactly one
//    SendResult: accepted (after the hub's durable commit), rejected for good (with the hub's
//    `docaxis:<code>` condition and description), or a local failure. A `released` answer and
//    a connection lost mid-send are not failures: the client sends again after a backoff,
//    until the send's outcome timeout. send() is the blocking convenience.
//  - Receiving (when ClientOptions::inbox is set): messages from `inbox/<OrganId>` are
//    prefetched (at most `prefetch` unsettled at a time) and handed out by receive(); each must
//    be settled explicitly with accept(), reject() or release(). Anything not settled
//    `accepted` is redelivered by the hub (after a reconnect, too), so a receiver must
//    tolerate duplicates; the `document-id` property identifies them.
//
// No Qpid Proton type appears in this API; Proton is confined to adapters/client/.
//
// Threads: every public method may be called from any thread, concurrently. Proton runs on
// one internal thread owned by the Client. SendCallback runs on that thread: it must return
// quickly, and may call the Client's methods (no lock is held while it runs) except close()
// and the destructor, which join that thread. The destructor (or close()) stops the thread;
// sends still waiting then end with `cancelled`.
//
// Error codes (Status::code; a public contract, also listed in README.md):
//   rejected          the hub refused the package for good: SendResult::condition holds its
//                     `docaxis:<code>` condition, the message its description. Do not resend
//                     the same bytes.
//   timeout           no final outcome within the outcome timeout, and the hub may have the
//                     package (a transfer's outcome was lost with its connection, or is still
//                     outstanding). Resending the same bytes is safe: the hub accepts an
//                     identical re-send as a duplicate and routes it once.
//   unavailable       no final outcome within the timeout, and the hub certainly does not have
//                     the package (never transferred: no connection; or every transfer was
//                     answered `released`). The message names the last connection error.
//                     From accept()/reject()/release(): the connection that carried the
//                     message is gone; the hub will redeliver it.
//   refused           the hub refused the link (send: the address; receive: the inbox, e.g.
//                     `amqp:unauthorized-access` when the certificate is not that organ's).
//                     The message starts with the AMQP condition.
//   cancelled         the client was closed before an outcome (or before a settlement).
//   invalid-argument  bad options (create), an empty package (send), or no inbox configured
//                     (receive).
//   file-unreadable   create(): a certificate, key or trust file cannot be read.
//   not-found         accept()/reject()/release(): unknown token, or settled already.
//   timeout           (receive) nothing arrived within the wait.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "client/backoff.hpp"
#include "common/status.hpp"

namespace docaxis::client {

struct ClientOptions {
  // "amqps://HOST[:PORT]" (port defaults to 5671). IPv4 addresses and host names.
  std::string url;
  // Further addresses of the same hub: the nodes of a hub that share one store (a hub
  // cluster, README "High availability"), never independent hubs (a re-send to another hub
  // would be a second document there). The client connects to `url` first; when a connection
  // is lost or cannot be opened it tries the next address at once (after `failover_pause`),
  // and backs off (`reconnect`) only after every address failed in a row. At most 16 in all.
  std::vector<std::string> failover_urls;
  // Between two addresses within one round of failover.
  std::chrono::milliseconds failover_pause{50};
  // The organ's certificate in PEM, followed by its issuing CA certificates (a "fullchain"
  // file: the hub needs the chain to verify it), and its private key. Presented in the TLS
  // handshake; the hub takes the organ id from the certificate's subject UID.
  std::string cert_file;
  std::string key_file;
  // PEM file of the CA certificates the hub's certificate must chain to.
  std::string trust_file;
  // The name the hub's certificate must carry (and the TLS SNI); "" = the URL's host.
  std::string server_name;
  // The organ id whose inbox to read (`inbox/<id>`); "" = send only.
  std::string inbox;
  // Received messages held unsettled at most (the inbox link's credit). 1..10000.
  int prefetch = 16;
  // Sends transferred and awaiting their outcome at most; more wait in the client. 1..100000.
  int max_in_flight = 64;
  // Default time from send_async() to a final outcome, across reconnects and retries.
  std::chrono::milliseconds outcome_timeout{60'000};
  // Between rounds of connection attempts over every address (reset by a successful open).
  // Capped at 2 s so that a hub that comes back (or a virtual address that moved to another
  // node) is reached within about 2 s, whatever the length of the outage.
  Backoff reconnect{std::chrono::milliseconds(200), std::chrono::milliseconds(2'000), 2.0, 0.2};
  // Before re-sending a package the hub answered `released` (or `modified`).
  Backoff release_retry{std::chrono::milliseconds(500), std::chrono::milliseconds(30'000), 2.0,
                        0.2};
  // AMQP idle timeout: a silent hub is declared dead after this (0 = none).
  std::chrono::milliseconds idle_timeout{30'000};
};

// The hub's two sender addresses.
enum class Address { kEdoc, kStatus };
const char* address_name(Address a);  // "edoc" | "status"

// The final answer to one send.
struct SendResult {
  Status status;          // ok = accepted (durably committed by the hub)
  std::string condition;  // `rejected`: "docaxis:<code>"; `refused`: the link's condition
  int transfers = 0;      // how many times the package went over the wire
};
using SendCallback = std::function<void(SendResult)>;

// One message from the inbox.
struct Received {
  std::uint64_t token = 0;   // settle it with accept(token) / reject(token, …) / release(token)
  std::string message_type;  // application property `messagetype`: edoc | status | receipt
  std::string document_id;   // `document-id` (a receipt's own id for receipts)
  std::string from;          // `from`: the sending organ, or the issuing hub for receipts
  std::string hops;          // `hops`: "hub@unixms;hub@unixms…"
  std::string bytes;         // the package exactly as signed
};

// Counters since create(); a snapshot.
struct ClientStats {
  std::uint64_t connects = 0;           // connections opened by the hub
  std::uint64_t failovers = 0;          // connections opened to another address than the last
  std::uint64_t connection_losses = 0;  // connections lost or failed to open
  std::uint64_t transfers = 0;          // package transfers (first sends and re-sends)
  std::uint64_t accepted = 0, rejected = 0, released = 0;  // outcomes from the hub
  std::uint64_t timeouts = 0, unavailable = 0;             // sends ended locally
  std::uint64_t received = 0;                              // inbox messages handed over
  std::uint64_t settled_accept = 0, settled_reject = 0, settled_release = 0;
};

class Client {
 public:
  // Validates the options, reads nothing over the network yet, starts the client thread and
  // the first connection attempt. Codes: invalid-argument, file-unreadable.
  static Result<std::unique_ptr<Client>> create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Waits until the connection is open. Ok, or `unavailable` with the last connection error
  // once `wait` has passed, or `cancelled`.
  Status wait_connected(std::chrono::milliseconds wait);
  bool connected() const;

  // Queues one package (the exact bytes; sent as one AMQP data section, content-type
  // application/xml). `done` is called exactly once, on the client thread (see the header
  // comment). `timeout` overrides ClientOptions::outcome_timeout when positive.
  void send_async(Address address, std::string bytes, SendCallback done,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Blocking form of send_async.
  SendResult send(Address address, std::string bytes,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // The next inbox message, waiting up to `wait`. Codes: timeout (nothing arrived),
  // refused (the hub refused the inbox link), invalid-argument (no inbox configured),
  // cancelled.
  Result<Received> receive(std::chrono::milliseconds wait);

  // Settlement of a received message (the outcome the hub sees; it is written to the wire
  // asynchronously, as soon as the client thread runs). accept: the recipient has it (store
  // it durably first). reject: the recipient refuses it for good; the hub stops delivering
  // and reports `condition: description` to the sender in its delivery receipt. release:
  // not now; the hub delivers it again later. Codes: not-found, unavailable, cancelled.
  Status accept(std::uint64_t token);
  Status reject(std::uint64_t token, const std::string& description,
                const std::string& condition = "docaxis:refused");
  Status release(std::uint64_t token);

  // Closes the connection cleanly (flushing settlements already made), waiting at most
  // `wait`, then stops the client thread. Sends still waiting end with `cancelled`.
  // Idempotent; the destructor calls it.
  void close(std::chrono::milliseconds wait = std::chrono::milliseconds(2000));

  ClientStats stats() const;
  // The last connection or link error seen ("" when none), for diagnostics.
  std::string last_error() const;
  // The address of the open connection ("amqps://HOST:PORT"), "" when not connected.
  std::string connected_url() const;

  class Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace docaxis::client
