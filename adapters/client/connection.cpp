// The container-thread side of the Client: the connection, its links, sends and their
// outcomes, received deliveries and their settlement, reconnects, deadlines.
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/source.hpp>
#include <proton/target.hpp>
#include <proton/transport.hpp>
#include <proton/work_queue.hpp>

#include "client/client_impl.hpp"
#include "client/proton_raw.hpp"

namespace docaxis::client {

namespace {

// Deadlines and release retries are checked this often.
const proton::duration kTick(100);

std::string describe(const proton::error_condition& e) {
  if (e.empty()) return {};
  return e.name() + (e.description().empty() ? "" : ": " + e.description());
}

std::string property(proton::message& m, const char* key) {
  // The hub sends strings; anything else is shown as Proton renders it.
  try {
    if (!m.properties().exists(key)) return {};
    return proton::get<std::string>(m.properties().get(key));
  } catch (const std::exception&) {
    return proton::to_string(m.properties().get(key));
  }
}

}  // namespace

double Client::Impl::random01() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

void Client::Impl::note_error(const std::string& what) {
  if (what.empty()) return;
  std::lock_guard lock(mu_);
  last_error_ = what;
}

void Client::Impl::on_container_start(proton::container& c) {
  connect();
  c.schedule(kTick, proton::work([this] { tick(); }));
}

void Client::Impl::tick() {
  if (stopping_) return;
  kick_on_container();
  container_.schedule(kTick, proton::work([this] { tick(); }));
}

void Client::Impl::connect() {
  if (stopping_) return;
  const detail::ParsedUrl& url = urls_[current_];
  try {
    proton::connection_options options = connection_options_;
    options.virtual_host(options_.server_name.empty() ? url.host : options_.server_name);
    conn_ = container_.connect(url.text(), options);
  } catch (const std::exception& e) {
    note_error(std::string("cannot open a connection: ") + e.what());
    connection_lost();
  }
}

void Client::Impl::kick_on_container() {
  {
    std::lock_guard lock(mu_);
    kick_pending_ = false;
  }
  // Link work must run in the connection's own context for Proton to write it out.
  if (open_ && conn_.work_queue().add(proton::work([this] { service(); }))) return;
  service();
}

void Client::Impl::service() {
  take_commands();
  expire();
  pump();
}

void Client::Impl::take_commands() {
  std::vector<Item> fresh;
  std::vector<SettleCommand> settles;
  {
    std::lock_guard lock(mu_);
    fresh.swap(incoming_);
    settles.swap(settles_);
  }
  for (auto& item : fresh) {
    const std::uint64_t id = item.id;
    items_.emplace(id, std::move(item));
  }
  for (auto& s : settles) {
    auto it = live_.find(s.token);
    if (it == live_.end()) continue;  // its connection is gone: the hub redelivers
    proton::delivery d = it->second;
    live_.erase(it);
    switch (s.how) {
      case Settle::kAccept:
        d.accept();
        break;
      case Settle::kReject:
        detail::set_rejection_condition(d, s.condition, s.description);
        d.reject();
        break;
      case Settle::kRelease:
        d.release();
        break;
    }
    // One settled, one more may come: credit tracks unsettled messages, not arrivals.
    if (receiver_ && receiver_->active()) receiver_->add_credit(1);
  }
}

void Client::Impl::pump() {
  if (!open_) return;
  const auto now = Clock::now();
  for (auto& [id, item] : items_) {
    if (in_flight_ >= options_.max_in_flight) break;
    if (item.in_flight || item.next_attempt > now) continue;
    auto& sender = item.address == Address::kStatus ? status_sender_ : edoc_sender_;
    if (!sender || !sender->active() || sender->credit() <= 0) continue;
    proton::message m;
    m.body(proton::binary(item.bytes));
    m.inferred(true);  // a binary body travels as one data section
    m.content_type("application/xml");
    m.durable(true);
    proton::tracker t = sender->send(m);
    trackers_[t] = id;
    item.tracker = t;
    item.in_flight = true;
    ++item.transfers;
    ++in_flight_;
    std::lock_guard lock(mu_);
    ++stats_.transfers;
  }
}

void Client::Impl::expire() {
  const auto now = Clock::now();
  std::vector<std::uint64_t> due;
  for (auto& [id, item] : items_) {
    if (item.deadline <= now) due.push_back(id);
  }
  for (std::uint64_t id : due) {
    Item& item = items_.at(id);
    if (item.in_flight || item.maybe_taken) {
      complete(id, {Status{"timeout", "no outcome from the hub in time after " +
                                          std::to_string(item.transfers) +
                                          " transfer(s); the hub may have the package, and "
                                          "re-sending the same bytes is safe"},
                    {}, item.transfers});
    } else {
      std::string why = item.transfers > 0
                            ? "the hub answered released to all " +
                                  std::to_string(item.transfers) + " transfer(s)"
                            : "the package could not be transferred";
      const std::string err = last_error();
      if (!err.empty()) why += "; last connection error: " + err;
      complete(id, {Status{"unavailable", why}, {}, item.transfers});
    }
  }
}

void Client::Impl::complete(std::uint64_t id, SendResult result) {
  auto it = items_.find(id);
  if (it == items_.end()) return;
  Item item = std::move(it->second);
  items_.erase(it);
  if (item.in_flight) {
    --in_flight_;
    if (item.tracker) trackers_.erase(*item.tracker);
  }
  result.transfers = item.transfers;
  {
    std::lock_guard lock(mu_);
    const std::string& code = result.status.code();
    if (result.status.ok()) {
      ++stats_.accepted;
    } else if (code == "rejected") {
      ++stats_.rejected;
    } else if (code == "timeout") {
      ++stats_.timeouts;
    } else if (code == "unavailable") {
      ++stats_.unavailable;
    }
  }
  if (item.done) item.done(std::move(result));
}

// ---------------------------------------------------------------- connection

void Client::Impl::on_connection_open(proton::connection& c) {
  open_ = true;
  reconnects_.reset();
  attempts_ = 0;
  const bool moved = last_open_.has_value() && *last_open_ != current_;
  last_open_ = current_;
  proton::sender_options so;
  so.delivery_mode(proton::delivery_mode::AT_LEAST_ONCE);
  edoc_sender_ = c.open_sender("edoc", so);
  status_sender_ = c.open_sender("status", so);
  if (!options_.inbox.empty()) {
    // Credit is managed by hand (credit_window 0): one unit per unsettled message, given
    // back on settlement, so at most `prefetch` messages wait in this process.
    receiver_ = c.open_receiver("inbox/" + options_.inbox,
                                proton::receiver_options().auto_accept(false).credit_window(0));
  }
  std::lock_guard lock(mu_);
  connected_ = true;
  connected_url_ = urls_[current_].text();
  inbox_error_.reset();
  ++stats_.connects;
  if (moved) ++stats_.failovers;
  cv_.notify_all();
}

void Client::Impl::on_connection_error(proton::connection& c) {
  note_error("connection closed by the hub: " + describe(c.error()));
}

void Client::Impl::on_transport_error(proton::transport& t) { note_error(describe(t.error())); }

void Client::Impl::on_transport_close(proton::transport&) { connection_lost(); }

void Client::Impl::on_error(const proton::error_condition& e) { note_error(describe(e)); }

void Client::Impl::connection_lost() {
  open_ = false;
  // Whatever was on the wire may or may not have reached the hub: send it again (the hub's
  // duplicate rule accepts an identical re-send), and remember that it may be there.
  const auto now = Clock::now();
  for (auto& [id, item] : items_) {
    if (!item.in_flight) continue;
    item.in_flight = false;
    item.maybe_taken = true;
    item.tracker.reset();
    item.next_attempt = now;
  }
  in_flight_ = 0;
  trackers_.clear();
  live_.clear();
  edoc_sender_.reset();
  status_sender_.reset();
  receiver_.reset();
  conn_ = proton::connection();
  {
    std::lock_guard lock(mu_);
    connected_ = false;
    connected_url_.clear();
    ++generation_;
    // Undelivered-to-the-application messages of the old connection: the hub redelivers.
    inbox_.clear();
    settleable_.clear();
    ++stats_.connection_losses;
    if (closing_connection_) transport_closed_ = true;
    cv_.notify_all();
  }
  if (stopping_) return;
  // The next address at once (after failover_pause); a backoff only once every address has
  // failed in a row. With one address every loss is a whole round, as before.
  ++attempts_;
  current_ = (current_ + 1) % urls_.size();
  std::chrono::milliseconds delay = options_.failover_pause;
  if (attempts_ % urls_.size() == 0) {
    reconnects_.failed();
    delay = reconnects_.delay(random01());
  }
  container_.schedule(proton::duration(delay.count()), proton::work([this] { connect(); }));
}

// ---------------------------------------------------------------- links

void Client::Impl::on_sender_open(proton::sender&) { pump(); }
void Client::Impl::on_sendable(proton::sender&) { pump(); }

void Client::Impl::on_sender_error(proton::sender& s) {
  const std::string address = s.target().address();
  const std::string cond = describe(s.error());
  note_error("link to " + address + " refused: " + cond);
  std::vector<std::uint64_t> doomed;
  for (auto& [id, item] : items_) {
    if (address_name(item.address) == address) doomed.push_back(id);
  }
  for (std::uint64_t id : doomed) {
    complete(id, {Status{"refused", cond}, s.error().name(), 0});
  }
}

// A link the hub closes without an error (a refusal comes with one, and is handled by the
// *_error callbacks) would leave this connection half-useful: start over with a fresh one,
// which re-attaches every link.
void Client::Impl::link_closed_by_hub(const std::string& address) {
  if (stopping_ || !open_) return;
  note_error("the hub closed the link " + address + "; reconnecting");
  conn_.close();
}

void Client::Impl::on_sender_close(proton::sender& s) {
  if (s.error().empty()) link_closed_by_hub(s.target().address());
}

void Client::Impl::on_receiver_close(proton::receiver& r) {
  if (r.error().empty()) link_closed_by_hub(r.source().address());
}

void Client::Impl::on_receiver_open(proton::receiver& r) {
  r.add_credit(static_cast<std::uint32_t>(options_.prefetch));
}

void Client::Impl::on_receiver_error(proton::receiver& r) {
  const std::string cond = describe(r.error());
  note_error("inbox link refused: " + cond);
  std::lock_guard lock(mu_);
  inbox_error_ = Status{"refused", cond};
  cv_.notify_all();
}

void Client::Impl::on_message(proton::delivery& d, proton::message& m) {
  Received r;
  r.message_type = property(m, "messagetype");
  r.document_id = property(m, "document-id");
  r.from = property(m, "from");
  r.hops = property(m, "hops");
  try {
    r.bytes = std::string(proton::get<proton::binary>(m.body()));
  } catch (const std::exception&) {
    // Not a data section: not a package. Refuse it for good rather than loop on it.
    detail::set_rejection_condition(d, "docaxis:bad-message",
                                    "the body must be one data section with the package bytes");
    d.reject();
    if (receiver_ && receiver_->active()) receiver_->add_credit(1);
    return;
  }
  std::lock_guard lock(mu_);
  r.token = (static_cast<std::uint64_t>(generation_) << 32) | ++seq_;
  live_.emplace(r.token, d);
  settleable_.insert(r.token);
  ++stats_.received;
  inbox_.push_back(std::move(r));
  cv_.notify_all();
}

// ---------------------------------------------------------------- outcomes

void Client::Impl::on_tracker_accept(proton::tracker& t) {
  auto it = trackers_.find(t);
  if (it == trackers_.end()) return;
  complete(it->second, {Status{}, {}, 0});
  pump();
}

void Client::Impl::on_tracker_reject(proton::tracker& t) {
  auto it = trackers_.find(t);
  if (it == trackers_.end()) return;
  std::string name, description;
  detail::peer_condition(t, &name, &description);
  if (description.empty()) description = "rejected by the hub without a description";
  complete(it->second, {Status{"rejected", description}, name, 0});
  pump();
}

void Client::Impl::on_tracker_release(proton::tracker& t) {
  // released and modified alike: the hub did not keep it; try again after a backoff.
  auto it = trackers_.find(t);
  if (it == trackers_.end()) return;
  Item& item = items_.at(it->second);
  trackers_.erase(it);
  item.tracker.reset();
  item.in_flight = false;
  --in_flight_;
  ++item.releases;
  item.next_attempt = Clock::now() + options_.release_retry.delay(item.releases, random01());
  {
    std::lock_guard lock(mu_);
    ++stats_.released;
  }
  pump();
}

void Client::Impl::on_tracker_settle(proton::tracker& t) {
  // Settled by the hub with no outcome we know: its fate is unknown; send it again.
  auto it = trackers_.find(t);
  if (it == trackers_.end()) return;
  Item& item = items_.at(it->second);
  trackers_.erase(it);
  item.tracker.reset();
  item.in_flight = false;
  item.maybe_taken = true;
  --in_flight_;
  ++item.releases;
  item.next_attempt = Clock::now() + options_.release_retry.delay(item.releases, random01());
}

}  // namespace docaxis::client
