// Internal: the Client's state and its Proton side. Not part of the public API.
//
// Two kinds of state live here:
//  - shared state under `mu_` (the public methods' side): new sends not yet picked up,
//    settlement commands, the queue of received messages, tokens still settleable,
//    connection flag, counters;
//  - container-thread state (everything Proton: the connection, links, trackers, live
//    deliveries, and the sends being worked on). Only Proton callbacks and work posted to the
//    container touch it.
// Public methods hand work over by `kick()`: a container.schedule() onto the container thread,
// which then hops into the connection's own work_queue before touching links, because Proton
// writes a connection's output only for work done in that connection's context.
#pragma once

#include <proton/connection.hpp>

#include "tls/context.hpp"
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "client/client.hpp"

namespace docaxis::client {

namespace detail {
struct ParsedUrl {
  std::string host;
  int port = 5671;
  std::string text() const { return "amqps://" + host + ":" + std::to_string(port); }
};
// "amqps://HOST[:PORT]". invalid-argument otherwise.
Result<ParsedUrl> parse_url(const std::string& url);
// url then failover_urls, each parsed; a repeated address or more than 16 are refused.
Result<std::vector<ParsedUrl>> parse_urls(const ClientOptions& o);
// Every option checked at once; the first problem is returned. Codes: invalid-argument,
// file-unreadable.
Status validate(const ClientOptions& o);
}  // namespace detail

class Client::Impl : public proton::messaging_handler {
 public:
  using Clock = std::chrono::steady_clock;

  Impl(ClientOptions options, std::vector<detail::ParsedUrl> urls);
  ~Impl() override;
  void start();

  // --- any thread (the public API) ---
  Status wait_connected(std::chrono::milliseconds wait);
  bool connected() const;
  void send_async(Address address, std::string bytes, SendCallback done,
                  std::chrono::milliseconds timeout);
  Result<Received> receive(std::chrono::milliseconds wait);
  enum class Settle { kAccept, kReject, kRelease };
  Status settle(std::uint64_t token, Settle how, std::string condition, std::string description);
  void close(std::chrono::milliseconds wait);
  ClientStats stats() const;
  std::string last_error() const;
  std::string connected_url() const;

  // --- Proton callbacks: container thread ---
  void on_container_start(proton::container& c) override;
  void on_connection_open(proton::connection& c) override;
  void on_connection_error(proton::connection& c) override;
  void on_transport_error(proton::transport& t) override;
  void on_transport_close(proton::transport& t) override;
  void on_sender_open(proton::sender& s) override;
  void on_sendable(proton::sender& s) override;
  void on_sender_error(proton::sender& s) override;
  void on_sender_close(proton::sender& s) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_receiver_error(proton::receiver& r) override;
  void on_receiver_close(proton::receiver& r) override;
  void on_message(proton::delivery& d, proton::message& m) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_tracker_settle(proton::tracker& t) override;
  void on_error(const proton::error_condition& e) override;

 private:
  struct Item {  // one send, container thread
    std::uint64_t id = 0;
    Address address = Address::kEdoc;
    std::string bytes;
    SendCallback done;
    Clock::time_point deadline, next_attempt;
    int transfers = 0, releases = 0;
    bool in_flight = false;
    bool maybe_taken = false;  // a transfer's outcome was lost: the hub may have it
    std::optional<proton::tracker> tracker;
  };
  struct SettleCommand {
    std::uint64_t token;
    Settle how;
    std::string condition, description;
  };

  // Container thread.
  void connect();
  void kick_on_container();
  void service();  // in the connection's context when there is one
  void take_commands();
  void pump();
  void expire();
  void complete(std::uint64_t id, SendResult result);
  void connection_lost();
  void link_closed_by_hub(const std::string& address);
  void tick();
  void note_error(const std::string& what);
  double random01();

  // Any thread: wakes the container thread to run service() (coalesced).
  void kick();

  const ClientOptions options_;
  const std::vector<detail::ParsedUrl> urls_;  // url, then failover_urls
  proton::connection_options connection_options_;
  std::unique_ptr<tls::ContextTrust> tls_context_;  // outlives every handshake of the client

  std::mutex close_mu_;  // one close() at a time (it joins the thread)

  // --- shared, under mu_ ---
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool closing_ = false;       // close() began: no new work is scheduled
  bool stopped_ = false;       // the container thread has ended
  bool kick_pending_ = false;  // a kick is scheduled and not yet run
  bool connected_ = false;
  bool transport_closed_ = false;  // the connection being closed by close() is gone
  std::uint32_t generation_ = 1;   // connection number, the high half of tokens
  std::string last_error_;
  std::string connected_url_;  // "" when not connected
  std::vector<Item> incoming_;  // sends not yet picked up by the container thread
  std::vector<SettleCommand> settles_;
  std::deque<Received> inbox_;
  std::unordered_set<std::uint64_t> settleable_;
  std::optional<Status> inbox_error_;
  ClientStats stats_;
  std::uint64_t next_id_ = 1;

  // --- container thread only ---
  std::atomic<bool> stopping_{false};  // set by close(): no reconnects (read on the thread)
  proton::connection conn_;
  bool open_ = false;  // conn_ is open at both ends
  bool closing_connection_ = false;
  std::map<std::uint64_t, Item> items_;  // by id: first come, first sent
  std::map<proton::tracker, std::uint64_t> trackers_;
  int in_flight_ = 0;
  std::optional<proton::sender> edoc_sender_, status_sender_;
  std::optional<proton::receiver> receiver_;
  std::unordered_map<std::uint64_t, proton::delivery> live_;  // unsettled received deliveries
  std::uint32_t seq_ = 0;
  std::size_t current_ = 0;             // index in urls_ of the connection (being) opened
  std::size_t attempts_ = 0;            // connections lost or failed since the last open
  std::optional<std::size_t> last_open_;  // index of the last connection that opened
  BackoffCounter reconnects_{options_.reconnect};  // counts rounds over every address
  std::mt19937_64 rng_{std::random_device{}()};

  proton::container container_;  // last: destroyed first, after its thread has ended
  std::thread thread_;
};

}  // namespace docaxis::client
