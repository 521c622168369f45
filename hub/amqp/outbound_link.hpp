// One outbound AMQP link's deliveries, whichever Proton API carries them: the listener's inbox
// senders (C proactor, listener_links.cpp) and the peer links (C++ binding, peer_links.cpp).
//
//   enqueue     a message waits in order until the link has credit;
//   drain       sends the oldest while the edge says it may (link open, credit > 0), each with
//               a delivery tag of its own (8 bytes, tag_bytes()), and keeps it as unsettled;
//   disposition the recipient's answer to a tag: accepted, rejected (its condition and
//               description), released, modified; settled without an outcome counts as
//               released; anything else (e.g. received) is not final and waits;
//   lose        the link or its connection is gone: every queued message ("<why> before
//               sending") and every unsettled one ("<why> before an outcome") is reported
//               kDisconnected, so the dispatcher tries it again: nothing is lost.
// Every message's DeliveryDone is called exactly once: a second disposition for a tag, or one
// after lose(), finds nothing. A message the edge cannot send (not encodable) is reported
// kReleased at once. A done() may call back into this object (it is removed first).
//
// No Proton types: the edges read Proton's dispositions into a Disposition and send through a
// callback, so this is tested without sockets (tests/unit/amqp/outbound_link_test.cpp).
// Threads: one thread (the loop or container that owns the link).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "delivery/ports.hpp"

namespace docaxis::amqp {

// The recipient's disposition of one delivery, as an edge read it from Proton.
struct Disposition {
  enum class State { kNone, kAccepted, kRejected, kReleased, kModified };
  State state = State::kNone;
  bool settled = false;                 // the recipient settled it
  std::string condition, description;  // rejected: the recipient's error condition
};

class OutboundLink {
 public:
  using Tag = std::uint64_t;
  // Puts `m` on the wire, unsettled, with delivery tag `tag`; false: it could not be sent.
  using Send = std::function<bool(Tag tag, const delivery::OutgoingMessage& m)>;

  void enqueue(delivery::OutgoingMessage m, delivery::DeliveryDone done);
  // Sends queued messages, oldest first, while may_send() (the link is open and has credit).
  // Returns how many went out.
  std::size_t drain(const std::function<bool()>& may_send, const Send& send);
  // The recipient's answer for `tag`: true when it was final and reported now (the edge
  // settles the delivery then); false when not final or not ours (unknown, already answered).
  bool disposition(Tag tag, const Disposition& d);
  // The link or connection is gone: reports everything queued and unsettled (kDisconnected).
  void lose(const std::string& why);

  std::size_t queued() const { return queue_.size(); }
  std::size_t unsettled() const { return unsettled_.size(); }

  // The outcome a disposition means, or nothing while it is not final.
  static std::optional<delivery::DeliveryOutcome> outcome_of(const Disposition& d);

 private:
  struct Queued {
    delivery::OutgoingMessage message;
    delivery::DeliveryDone done;
  };
  std::deque<Queued> queue_;
  std::map<Tag, delivery::DeliveryDone> unsettled_;
  Tag next_tag_ = 1;
};

// A tag as the delivery-tag bytes on the wire (8 bytes, host order: only this hub reads them)
// and back (nothing when the bytes are not one of ours).
std::string tag_bytes(OutboundLink::Tag tag);
std::optional<OutboundLink::Tag> tag_from(const char* bytes, std::size_t size);

}  // namespace docaxis::amqp
