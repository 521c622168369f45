// The outbound-link mechanism both Proton edges use (inbox senders, peer links), driven
// without sockets: a fake send and hand-made dispositions.
#include "amqp/outbound_link.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace docaxis::amqp {
namespace {

using delivery::DeliveryOutcome;
using delivery::DeliveryResult;
using State = Disposition::State;

delivery::OutgoingMessage msg(const std::string& id) {
  delivery::OutgoingMessage m;
  m.bytes = "<x/>";
  m.message_type = "edoc";
  m.document_id = id;
  return m;
}

// A link with `credit` and a record of what went on the wire and what each message was told.
struct Fake {
  OutboundLink link;
  int credit = 0;
  std::vector<std::pair<OutboundLink::Tag, std::string>> wire;  // tag, document id
  std::map<std::string, std::vector<DeliveryOutcome>> told;     // document id -> outcomes
  bool encodable = true;

  void put(const std::string& id) {
    link.enqueue(msg(id), [this, id](const DeliveryOutcome& o) { told[id].push_back(o); });
  }
  std::size_t drain() {
    return link.drain([this] { return credit > 0; },
                      [this](OutboundLink::Tag tag, const delivery::OutgoingMessage& m) {
                        if (!encodable) return false;
                        --credit;
                        wire.emplace_back(tag, m.document_id);
                        return true;
                      });
  }
  OutboundLink::Tag tag_of(const std::string& id) const {
    for (const auto& [tag, doc] : wire) {
      if (doc == id) return tag;
    }
    ADD_FAILURE() << id << " was not sent";
    return 0;
  }
};

Disposition answer(State s, bool settled = false) {
  Disposition d;
  d.state = s;
  d.settled = settled;
  return d;
}

TEST(OutboundLink, SendsNothingWithoutCreditAndThenInOrderAsCreditArrives) {
  Fake f;
  for (const char* id : {"a", "b", "c"}) f.put(id);
  EXPECT_EQ(f.drain(), 0u);
  EXPECT_TRUE(f.wire.empty());
  f.credit = 2;
  EXPECT_EQ(f.drain(), 2u);
  ASSERT_EQ(f.wire.size(), 2u);
  EXPECT_EQ(f.wire[0].second, "a");
  EXPECT_EQ(f.wire[1].second, "b");
  EXPECT_EQ(f.link.queued(), 1u);
  EXPECT_EQ(f.link.unsettled(), 2u);
  f.credit = 5;
  EXPECT_EQ(f.drain(), 1u);
  ASSERT_EQ(f.wire.size(), 3u);
  EXPECT_EQ(f.wire[2].second, "c");
  EXPECT_NE(f.wire[0].first, f.wire[1].first);  // each delivery its own tag
  EXPECT_NE(f.wire[1].first, f.wire[2].first);
  EXPECT_TRUE(f.told.empty());  // nothing answered yet
}

TEST(OutboundLink, EachDispositionBecomesItsOutcome) {
  Fake f;
  for (const char* id : {"acc", "rej", "rel", "mod"}) f.put(id);
  f.credit = 10;
  f.drain();
  Disposition rej = answer(State::kRejected);
  rej.condition = "docaxis:sender-mismatch";
  rej.description = "not yours";
  EXPECT_TRUE(f.link.disposition(f.tag_of("acc"), answer(State::kAccepted)));
  EXPECT_TRUE(f.link.disposition(f.tag_of("rej"), rej));
  EXPECT_TRUE(f.link.disposition(f.tag_of("rel"), answer(State::kReleased)));
  EXPECT_TRUE(f.link.disposition(f.tag_of("mod"), answer(State::kModified)));
  ASSERT_EQ(f.told["acc"].size(), 1u);
  EXPECT_EQ(f.told["acc"][0].result, DeliveryResult::kAccepted);
  ASSERT_EQ(f.told["rej"].size(), 1u);
  EXPECT_EQ(f.told["rej"][0].result, DeliveryResult::kRejected);
  EXPECT_EQ(f.told["rej"][0].condition, "docaxis:sender-mismatch");
  EXPECT_EQ(f.told["rej"][0].description, "not yours");
  ASSERT_EQ(f.told["rel"].size(), 1u);
  EXPECT_EQ(f.told["rel"][0].result, DeliveryResult::kReleased);
  ASSERT_EQ(f.told["mod"].size(), 1u);
  EXPECT_EQ(f.told["mod"][0].result, DeliveryResult::kModified);
  EXPECT_EQ(f.link.unsettled(), 0u);
}

TEST(OutboundLink, NoFinalStateWaitsUnlessTheRecipientSettledItThenItIsReleased) {
  Fake f;
  f.put("a");
  f.credit = 1;
  f.drain();
  EXPECT_FALSE(f.link.disposition(f.tag_of("a"), answer(State::kNone)));  // e.g. received
  EXPECT_TRUE(f.told.empty());
  EXPECT_EQ(f.link.unsettled(), 1u);
  EXPECT_TRUE(f.link.disposition(f.tag_of("a"), answer(State::kNone, /*settled=*/true)));
  ASSERT_EQ(f.told["a"].size(), 1u);
  EXPECT_EQ(f.told["a"][0].result, DeliveryResult::kReleased);
}

TEST(OutboundLink, AnOutcomeIsReportedOnceWhateverFollows) {
  Fake f;
  f.put("a");
  f.credit = 1;
  f.drain();
  const auto tag = f.tag_of("a");
  EXPECT_TRUE(f.link.disposition(tag, answer(State::kAccepted)));
  EXPECT_FALSE(f.link.disposition(tag, answer(State::kAccepted)));
  EXPECT_FALSE(f.link.disposition(tag, answer(State::kReleased, true)));
  f.link.lose("the inbox link closed");
  EXPECT_FALSE(f.link.disposition(999, answer(State::kAccepted)));  // not ours
  ASSERT_EQ(f.told["a"].size(), 1u);
  EXPECT_EQ(f.told["a"][0].result, DeliveryResult::kAccepted);
}

TEST(OutboundLink, LinkLossReportsEveryQueuedAndUnsettledMessageOnce) {
  Fake f;
  for (const char* id : {"sent1", "sent2", "answered", "queued1", "queued2"}) f.put(id);
  f.credit = 3;
  f.drain();
  f.link.disposition(f.tag_of("answered"), answer(State::kAccepted));
  f.link.lose("the inbox link closed");
  EXPECT_EQ(f.link.queued(), 0u);
  EXPECT_EQ(f.link.unsettled(), 0u);
  for (const char* id : {"sent1", "sent2"}) {
    ASSERT_EQ(f.told[id].size(), 1u) << id;
    EXPECT_EQ(f.told[id][0].result, DeliveryResult::kDisconnected) << id;
    EXPECT_EQ(f.told[id][0].description, "the inbox link closed before an outcome") << id;
  }
  for (const char* id : {"queued1", "queued2"}) {
    ASSERT_EQ(f.told[id].size(), 1u) << id;
    EXPECT_EQ(f.told[id][0].result, DeliveryResult::kDisconnected) << id;
    EXPECT_EQ(f.told[id][0].description, "the inbox link closed before sending") << id;
  }
  ASSERT_EQ(f.told["answered"].size(), 1u);
  EXPECT_EQ(f.told["answered"][0].result, DeliveryResult::kAccepted);
  // A late disposition for a lost delivery and a second loss report nothing more.
  EXPECT_FALSE(f.link.disposition(f.tag_of("sent1"), answer(State::kAccepted)));
  f.link.lose("again");
  EXPECT_EQ(f.told["sent1"].size(), 1u);
  EXPECT_EQ(f.told["queued1"].size(), 1u);
}

TEST(OutboundLink, AMessageThatCannotBeSentIsReleasedAndTheRestGoOn) {
  Fake f;
  f.put("a");
  f.put("b");
  f.credit = 5;
  f.encodable = false;
  EXPECT_EQ(f.drain(), 0u);
  ASSERT_EQ(f.told["a"].size(), 1u);
  EXPECT_EQ(f.told["a"][0].result, DeliveryResult::kReleased);
  EXPECT_EQ(f.told["b"].size(), 1u);
  EXPECT_EQ(f.link.queued(), 0u);
  EXPECT_EQ(f.link.unsettled(), 0u);
}

TEST(OutboundLink, ASendThatThrowsLeavesTheMessageQueuedForTheLossReport) {
  OutboundLink link;
  std::vector<DeliveryOutcome> told;
  link.enqueue(msg("a"), [&](const DeliveryOutcome& o) { told.push_back(o); });
  EXPECT_THROW(link.drain([] { return true; },
                          [](OutboundLink::Tag, const delivery::OutgoingMessage&) -> bool {
                            throw std::runtime_error("proton");
                          }),
               std::runtime_error);
  EXPECT_EQ(link.queued(), 1u);
  link.lose("the connection closed");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].result, DeliveryResult::kDisconnected);
}

TEST(OutboundLink, ADoneMayEnqueueAgainWhileTheLinkIsLost) {
  OutboundLink link;
  int calls = 0;
  link.enqueue(msg("a"), [&](const DeliveryOutcome&) {
    ++calls;
    link.enqueue(msg("b"), [&](const DeliveryOutcome&) { ++calls; });
  });
  link.lose("gone");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(link.queued(), 1u);  // the new one waits for the next drain or loss
  link.lose("gone");
  EXPECT_EQ(calls, 2);
}

TEST(OutboundLink, TagsRoundTripThroughTheirWireBytes) {
  for (OutboundLink::Tag t : {OutboundLink::Tag{1}, OutboundLink::Tag{0x0102030405060708}}) {
    const std::string bytes = tag_bytes(t);
    EXPECT_EQ(bytes.size(), 8u);
    EXPECT_EQ(tag_from(bytes.data(), bytes.size()), t);
  }
  EXPECT_FALSE(tag_from("abc", 3).has_value());  // not one of ours
  EXPECT_FALSE(tag_from(nullptr, 0).has_value());
}

}  // namespace
}  // namespace docaxis::amqp
