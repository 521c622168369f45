// Listener links: senders' packages coming in (receiver links on "edoc", "status", "receipt")
// and inbox deliveries going out (sender links on "inbox/<OrganId>").
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/link.h>
#include <proton/proactor.h>
#include <proton/session.h>
#include <proton/terminus.h>

#include <vector>

#include "amqp/listener.hpp"
#include "amqp/listener_conn.hpp"
#include "amqp/message_codec.hpp"
#include "amqp/outbound_link.hpp"
#include "amqp/outcome.hpp"
#include "amqp/raw.hpp"
#include "log/log.hpp"
#include "model/trail.hpp"
#include "model/wire.hpp"

namespace docaxis::amqp {
namespace {

constexpr std::size_t kSectionAllowance = 64 * 1024;  // properties etc. beside the body
constexpr std::size_t kMaxLinksEver = 1'000;      // attaches in a connection's life (Proton
                                                  // keeps closed links until the connection ends)
constexpr std::size_t kMaxAddressBytes = 256;

std::string address_of(pn_terminus_t* t) {
  const char* a = pn_terminus_get_address(t);
  return a != nullptr ? a : "";
}

void close_link(pn_link_t* l, const std::string& condition, const std::string& why) {
  pn_condition_t* c = pn_link_condition(l);
  pn_condition_set_name(c, condition.c_str());
  pn_condition_set_description(c, why.c_str());
  if (!(pn_link_state(l) & PN_LOCAL_ACTIVE) && !(pn_link_state(l) & PN_LOCAL_CLOSED)) {
    pn_link_open(l);
  }
  pn_link_close(l);
}

void settle(pn_delivery_t* d, const Outcome& o) {
  switch (o.kind) {
    case OutcomeKind::kAccepted:
      pn_delivery_update(d, PN_ACCEPTED);
      break;
    case OutcomeKind::kReleased:
      pn_delivery_update(d, PN_RELEASED);
      break;
    case OutcomeKind::kRejected: {
      pn_condition_t* c = pn_disposition_condition(pn_delivery_local(d));
      pn_condition_set_name(c, o.condition.c_str());
      pn_condition_set_description(c, o.description.c_str());
      pn_delivery_update(d, PN_REJECTED);
      break;
    }
  }
  pn_delivery_settle(d);
}

log::Logger& L() {
  static log::Logger& l = log::get("amqp");
  return l;
}

struct LinkWho {
  std::uint64_t conn;
  std::string_view remote, subject, uid;
};

void link_line(log::Level level, std::string_view event, const LinkWho& who,
               std::string_view dir, std::string_view address, std::string_view reason = {},
               std::string_view detail = {}, std::uint64_t suppressed = 0) {
  if (event == "link-refused") {
    L().at(level, event, {{"conn", who.conn}, {"remote", who.remote}, {"subject", who.subject},
                          {"uid", who.uid}, {"dir", dir}, {"address", address},
                          {"reason", reason}, {"detail", detail}, {"suppressed", suppressed}});
  } else if (event == "link-detach") {
    L().at(level, event, {{"conn", who.conn}, {"remote", who.remote}, {"uid", who.uid},
                          {"dir", dir}, {"address", address}, {"reason", reason},
                          {"detail", detail}});
  } else {
    L().at(level, event, {{"conn", who.conn}, {"remote", who.remote}, {"subject", who.subject},
                          {"uid", who.uid}, {"dir", dir}, {"address", address}});
  }
}

void top_up(pn_link_t* l, std::uint32_t window) {
  const int credit = pn_link_credit(l);
  if (credit < static_cast<int>(window)) pn_link_flow(l, static_cast<int>(window) - credit);
}

}  // namespace

void Listener::link_open(Conn& conn, pn_link_t* l) {
  const std::string remote = address_of(pn_link_is_receiver(l) ? pn_link_remote_target(l)
                                                               : pn_link_remote_source(l));
  const LinkWho who{conn.id, conn.address, conn.identity.subject, conn.identity.uid};
  const std::string_view dir = pn_link_is_receiver(l) ? "in" : "out";
  // Refused attaches are the client's doing: rate-limited per reason.
  auto refused = [&](std::string_view reason, const std::string& detail) {
    if (!L().enabled(log::Level::warn)) return;
    if (const auto d = refusals_.admit(reason, static_cast<std::int64_t>(pn_proactor_now_64()));
        d.log) {
      link_line(log::Level::warn, "link-refused", who, dir, remote, reason, detail,
                d.suppressed);
    }
  };
  if (remote.size() > kMaxAddressBytes) {
    ++conn.links_ever;
    close_link(l, "amqp:not-found", "the address is longer than " +
                                        std::to_string(kMaxAddressBytes) + " bytes");
    refused("address-too-long", "");
    return;
  }
  pn_terminus_copy(pn_link_source(l), pn_link_remote_source(l));
  pn_terminus_copy(pn_link_target(l), pn_link_remote_target(l));
  if (conn.links_open.size() >= opt_.limits.max_links_per_connection || conn.links_ever >= kMaxLinksEver) {
    close_conn(conn, "link-limit", "amqp:resource-limit-exceeded",
               "at most " + std::to_string(opt_.limits.max_links_per_connection) +
                   " links per connection");
    return;
  }
  ++conn.links_ever;  // refused attaches count too: a client cannot attach for ever
  if (pn_link_is_receiver(l)) {
    const std::string address = address_of(pn_link_remote_target(l));
    if (address != "edoc" && address != "status" && address != "receipt") {
      close_link(l, "amqp:not-found", "unknown target address \"" +
                                          (is_utf8(address) ? address : std::string("?")) +
                                          "\"; send to \"edoc\" or \"status\"");
      refused("unknown-address", "");
      return;
    }
    pn_link_set_max_message_size(l, opt_.limits.max_message_bytes + kSectionAllowance);
    pn_link_open(l);
    conn.links_open.insert(l);
    pn_link_flow(l, static_cast<int>(opt_.limits.credit_window));
    link_line(log::Level::info, "link-attach", who, dir, address);
    return;
  }
  const std::string address = address_of(pn_link_remote_source(l));
  const std::string prefix(model::wire::kInboxPrefix);
  if (address.rfind(prefix, 0) != 0 || address.size() == prefix.size()) {
    close_link(l, "amqp:not-found", "unknown source address \"" +
                                        (is_utf8(address) ? address : std::string("?")) +
                                        "\"; receive from \"inbox/<OrganId>\"");
    refused("unknown-address", "");
    return;
  }
  const std::string organ = address.substr(prefix.size());
  Status allowed = inbox_.may_attach(conn.identity, organ);
  if (!allowed.ok()) {
    close_link(l, "amqp:unauthorized-access", allowed.message());
    refused(allowed.code(), allowed.message());
    return;
  }
  pn_link_open(l);
  conn.links_open.insert(l);
  inboxes_.emplace(organ, l);
  link_line(log::Level::info, "link-attach", who, dir, address);
}

void Listener::link_closed(Conn& conn, pn_link_t* l, bool free_link) {
  (void)free_link;  // Proton frees links with their connection (see kMaxLinksEver)
  if (conn.links_open.erase(l) != 0 && L().enabled(log::Level::info)) {
    pn_condition_t* c = pn_link_remote_condition(l);
    const bool error = c != nullptr && pn_condition_is_set(c);
    const char* name = error ? pn_condition_get_name(c) : nullptr;
    const char* description = error ? pn_condition_get_description(c) : nullptr;
    const bool receiver = pn_link_is_receiver(l);
    link_line(log::Level::info, "link-detach",
              LinkWho{conn.id, conn.address, conn.identity.subject, conn.identity.uid},
              receiver ? "in" : "out",
              address_of(receiver ? pn_link_remote_target(l) : pn_link_remote_source(l)),
              name != nullptr ? std::string_view(name)
              : conn.closing  ? std::string_view(conn.close_reason)
                              : std::string_view("client-detached"),
              description != nullptr ? description : "");
  }
  if (pn_link_is_receiver(l)) {
    std::vector<pn_delivery_t*> mine;
    for (const auto& [d, bytes] : conn.partial) {
      if (pn_delivery_link(d) == l) mine.push_back(d);
    }
    for (pn_delivery_t* d : mine) drop_partial(conn, d);
    for (auto& [token, w] : waiting_) {
      if (w.link == l) w.delivery = nullptr;
    }
  } else {
    drop_sender(l, "the inbox link closed");
  }
  if (!(pn_link_state(l) & PN_LOCAL_CLOSED)) pn_link_close(l);
}

void Listener::drop_partial(Conn& conn, pn_delivery_t* d) {
  auto p = conn.partial.find(d);
  if (p == conn.partial.end()) return;
  const std::size_t n = p->second.size();
  conn.partial.erase(p);
  conn.partial_bytes -= std::min(conn.partial_bytes, n);
  if (conn.partial.empty()) conn.partial_since_ms = 0;
  release_bytes(conn.id, n);
}

Listener::Conn* Listener::largest_partial() {
  Conn* best = nullptr;
  for (auto& [c, k] : conns_) {
    if (!k->closing && (best == nullptr || k->partial_bytes > best->partial_bytes)) best = k.get();
  }
  return best != nullptr && best->partial_bytes > 0 ? best : nullptr;
}

void Listener::release_bytes(std::uint64_t conn_id, std::size_t bytes, bool engine) {
  total_held_ -= std::min(total_held_, bytes);
  held_gauge_.store(total_held_, std::memory_order_relaxed);
  if (engine) total_engine_ -= std::min(total_engine_, bytes);
  if (auto it = by_id_.find(conn_id); it != by_id_.end()) {
    Conn& conn = *conns_.at(it->second);
    conn.held -= std::min(conn.held, bytes);
    if (engine) conn.engine_bytes -= std::min(conn.engine_bytes, bytes);
  }
  // Budget freed: connections that stopped reading may go on.
  if (total_held_ >= opt_.limits.max_bytes_in_flight) return;
  for (auto s = starved_.begin(); s != starved_.end();) {
    auto c = by_id_.find(*s);
    if (c == by_id_.end()) {
      s = starved_.erase(s);
      continue;
    }
    Conn& k = *conns_.at(c->second);
    if (k.held < opt_.limits.max_bytes_in_flight_per_connection) {
      k.starved = false;
      on_conn(k.id, [this](Conn& r) { resume(r); });
      s = starved_.erase(s);
    } else {
      ++s;
    }
  }
}

void Listener::resume(Conn& conn) {
  for (pn_link_t* l = pn_link_head(conn.connection, PN_LOCAL_ACTIVE); l != nullptr;
       l = pn_link_next(l, PN_LOCAL_ACTIVE)) {
    if (!pn_link_is_receiver(l)) continue;
    pn_delivery_t* d = pn_link_current(l);
    if (d != nullptr && (pn_delivery_readable(d) || pn_delivery_partial(d))) incoming(conn, l, d);
    if (conn.starved) return;
  }
}

// Reads what has arrived of a delivery, within the byte budgets; a complete one is decoded and
// handed to the engine. Over the size limit the link is closed at once.
void Listener::incoming(Conn& conn, pn_link_t* l, pn_delivery_t* d) {
  if (conn.closing || !(pn_link_state(l) & PN_LOCAL_ACTIVE)) return;
  if (pn_delivery_aborted(d)) {
    drop_partial(conn, d);
    pn_delivery_settle(d);
    top_up(l, opt_.limits.credit_window);
    return;
  }
  if (d != pn_link_current(l)) return;
  const std::size_t limit = opt_.limits.max_message_bytes + kSectionAllowance;
  if (conn.partial.empty()) {
    conn.partial_since_ms = static_cast<std::int64_t>(pn_proactor_now_64());
    conn.last_progress_ms = conn.partial_since_ms;
  }
  std::string& buf = conn.partial[d];
  for (;;) {
    const std::size_t pending = pn_delivery_pending(d);
    if (pending == 0) break;
    if (buf.size() + pending > limit) {
      const std::size_t seen = buf.size() + pending;
      drop_partial(conn, d);
      close_link(l, "amqp:link:message-size-exceeded",
                 "docaxis:too-large: the message exceeds " + std::to_string(limit) +
                     " bytes (" + std::to_string(seen) + " received so far); the package limit is " +
                     std::to_string(opt_.limits.max_message_bytes) + " bytes");
      return;
    }
    const bool over_conn = conn.held >= opt_.limits.max_bytes_in_flight_per_connection;
    const bool over_total = total_held_ >= opt_.limits.max_bytes_in_flight;
    if (over_conn || over_total) {
      if ((over_conn && conn.engine_bytes == 0) || (over_total && total_engine_ == 0)) {
        // Only unfinished transfers hold the budget, so waiting would free nothing: the
        // connection holding the most of them goes (this one, over its own budget).
        Conn* victim = over_conn ? &conn : largest_partial();
        if (victim == nullptr) victim = &conn;
        const std::string why =
            "concurrent unfinished transfers exceed the hub's byte budget (" +
            std::to_string(over_conn ? opt_.limits.max_bytes_in_flight_per_connection
                                     : opt_.limits.max_bytes_in_flight) +
            " bytes)";
        if (victim == &conn) {
          close_conn(conn, "byte-budget", "amqp:resource-limit-exceeded", why);
          return;
        }
        on_conn(victim->id, [this, why](Conn& k) {
          close_conn(k, "byte-budget", "amqp:resource-limit-exceeded", why);
        });
      }
      conn.starved = true;  // the rest waits in Proton's bounded session window
      starved_.insert(conn.id);
      return;
    }
    const std::size_t before = buf.size();
    buf.resize(before + pending);
    const ssize_t n = pn_link_recv(l, buf.data() + before, pending);
    const std::size_t got = n > 0 ? static_cast<std::size_t>(n) : 0;
    buf.resize(before + got);
    conn.held += got;
    conn.partial_bytes += got;
    total_held_ += got;
    held_gauge_.store(total_held_, std::memory_order_relaxed);
    conn.last_progress_ms = static_cast<std::int64_t>(pn_proactor_now_64());
    if (got == 0) break;
  }
  // Proton must not buffer more than the session window allows: a sender ignoring the window
  // (Proton may not enforce it) is cut off.
  if (pn_session_incoming_bytes(pn_link_session(l)) > 2 * opt_.limits.session_capacity) {
    close_conn(conn, "session-window-violation", "amqp:session:window-violation",
               "the sender ignored the session window");
    return;
  }
  if (pn_delivery_partial(d)) return;
  std::string bytes = std::move(buf);
  conn.partial.erase(d);
  conn.partial_bytes -= std::min(conn.partial_bytes, bytes.size());
  if (conn.partial.empty()) conn.partial_since_ms = 0;
  pn_link_advance(l);
  complete(conn, l, d, std::move(bytes));
  top_up(l, opt_.limits.credit_window);
}

void Listener::complete(Conn& conn, pn_link_t* l, pn_delivery_t* d, std::string bytes) {
  const std::size_t size = bytes.size();
  auto decoded = decode_incoming(bytes.data(), bytes.size());
  bytes = std::string();
  Status refusal;
  if (!decoded) {
    refusal = decoded.status();
  } else if (decoded->body.size() > opt_.limits.max_message_bytes) {
    refusal = Status{"too-large", "package of " + std::to_string(decoded->body.size()) +
                                      " bytes; the limit is " +
                                      std::to_string(opt_.limits.max_message_bytes)};
  }
  if (!refusal.ok()) {
    release_bytes(conn.id, size);
    settle(d, outcome_for(refusal));
    return;
  }
  engine::IncomingPackage pkg;
  pkg.address = address_of(pn_link_remote_target(l));
  pkg.bytes = std::move(decoded->body);
  pkg.from = conn.identity;
  if (decoded->hops && !decoded->hops->empty()) {
    for (std::string_view h : model::split_trail(*decoded->hops)) pkg.hops.emplace_back(h);
  }
  const std::uint64_t token = next_token_++;
  waiting_[token] = Waiting{conn.id, d, l, size};
  conn.engine_bytes += size;
  total_engine_ += size;
  ingest_.submit(std::move(pkg), [this, token](const Status& status) {
    post([this, token, status] { answered(token, status); });
  });
}

void Listener::answered(std::uint64_t token, const Status& status) {
  auto it = waiting_.find(token);
  if (it == waiting_.end()) return;
  const Waiting w = it->second;
  waiting_.erase(it);
  release_bytes(w.conn_id, w.bytes, true);
  if (w.delivery == nullptr) return;  // its link or connection went away meanwhile
  // A live connection keeps its links and deliveries (never freed before the connection).
  on_conn(w.conn_id, [w, status](Conn& conn) {
    if (!conn.closing) settle(w.delivery, outcome_for(status));
  });
}

// --- inbox deliveries --------------------------------------------------------------------

void Listener::send_now(const std::string& organ, delivery::OutgoingMessage m,
                        delivery::DeliveryDone done) {
  auto range = inboxes_.equal_range(organ);
  pn_link_t* chosen = nullptr;
  for (auto it = range.first; it != range.second; ++it) {
    pn_link_t* l = it->second;
    if (!(pn_link_state(l) & PN_LOCAL_ACTIVE) || !(pn_link_state(l) & PN_REMOTE_ACTIVE)) continue;
    if (chosen == nullptr || (pn_link_credit(l) > 0 && pn_link_credit(chosen) <= 0)) chosen = l;
  }
  if (chosen == nullptr) {
    done({delivery::DeliveryResult::kNoLink, {}, "no inbox/" + organ + " link attached"});
    return;
  }
  pn_connection_t* c = pn_session_connection(pn_link_session(chosen));
  auto it = conns_.find(c);
  if (it == conns_.end()) {
    done({delivery::DeliveryResult::kNoLink, {}, "no inbox/" + organ + " link attached"});
    return;
  }
  // Queued on the loop thread now (drop_sender answers it if the link goes first); the
  // connection's own batch sends it.
  senders_[chosen].enqueue(std::move(m), std::move(done));
  on_conn(it->second->id, [this, chosen](Conn&) {
    if (inboxes_end_has(chosen)) drain(chosen);
  });
}

bool Listener::inboxes_end_has(pn_link_t* l) const {
  for (const auto& [organ, link] : inboxes_) {
    if (link == l) return true;
  }
  return false;
}

void Listener::drain(pn_link_t* l) {
  auto it = senders_.find(l);
  if (it == senders_.end()) return;
  it->second.drain(
      [l] { return (pn_link_state(l) & PN_LOCAL_ACTIVE) && pn_link_credit(l) > 0; },
      [l](OutboundLink::Tag tag, const delivery::OutgoingMessage& m) {
        const std::string bytes = encode_outgoing(m);
        if (bytes.empty()) return false;
        const std::string t = tag_bytes(tag);
        pn_delivery(l, pn_dtag(t.data(), t.size()));
        pn_link_send(l, bytes.data(), bytes.size());
        pn_link_advance(l);
        return true;
      });
}

void Listener::outcome(pn_delivery_t* d) {
  if (!pn_delivery_updated(d)) return;
  auto it = senders_.find(pn_delivery_link(d));
  const auto tag = delivery_tag(d);
  if (it == senders_.end() || !tag) return;
  if (it->second.disposition(*tag, remote_disposition(d))) pn_delivery_settle(d);
}

void Listener::drop_sender(pn_link_t* l, const std::string& why) {
  for (auto it = inboxes_.begin(); it != inboxes_.end();) {
    if (it->second == l) {
      const std::string organ = it->first;
      it = inboxes_.erase(it);
      if (inboxes_.count(organ) == 0) inbox_.detached(organ);
    } else {
      ++it;
    }
  }
  if (auto o = senders_.find(l); o != senders_.end()) {
    OutboundLink out = std::move(o->second);
    senders_.erase(o);
    out.lose(why);
  }
}

}  // namespace docaxis::amqp
