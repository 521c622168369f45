// docaxis::client against a real docaxis-hub: mutual TLS with the test PKI on 127.0.0.1,
// real Proton on both sides, real SQLite spool. Nothing is mocked.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>

#include "client/client.hpp"
#include "dsig/signer.hpp"
#include "edxml/receipt.hpp"
#include "edxml/xml_doc.hpp"
#include "client_support.hpp"
#include "support.hpp"

namespace docaxis::adapters_test {
namespace {

using namespace std::chrono_literals;
using client::Address;
using client::Client;
using client::ClientOptions;

std::string signed_package(const std::string& id) {
  static auto signer = dsig::Signer::load(organ(kSender) + ".key", organ(kSender) + ".crt",
                                          {kPki + "/intermediates.pem"});
  EXPECT_TRUE(signer.ok()) << signer.status().to_string();
  auto s = (*signer)->sign(unsigned_package(id));
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(s).value() : std::string();
}

// Receives until a message of `type` arrives (settling others with accept), or 60 s.
Result<client::Received> receive_type(Client& c, const std::string& type) {
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until) {
    auto m = c.receive(1s);
    if (!m) {
      if (m.status().code() == "timeout") continue;
      return m;
    }
    if (m->message_type == type) return m;
    EXPECT_TRUE(c.accept(m->token).ok());
  }
  return Status{"timeout", "no " + type + " within 60 s"};
}

TEST(Client, SentPackageIsReceivedUnchangedWithItsPropertiesAndASignedReceiptFollows) {
  Scratch scratch("client-happy");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  auto sender = connect(options_for(hub, kSender, /*read_inbox=*/true));
  auto recipient = connect(options_for(hub, kRecipient, true));
  ASSERT_TRUE(sender && recipient);
  const std::string good = read(kFixtures + "/good-rsa.edxml");
  const client::SendResult r = sender->send(Address::kEdoc, good);
  ASSERT_TRUE(r.status.ok()) << r.status.to_string() << " " << r.condition << "\n" << hub.log();
  EXPECT_EQ(r.transfers, 1);

  auto m = recipient->receive(60s);
  ASSERT_TRUE(m.ok()) << m.status().to_string() << "\n" << hub.log();
  EXPECT_EQ(m->bytes, good);
  EXPECT_EQ(m->message_type, "edoc");
  EXPECT_EQ(m->document_id, "000.00.13.H30,2019/01/16,74/VPCP-TTĐT");
  EXPECT_EQ(m->from, kSender);
  EXPECT_NE(m->hops.find("h30@"), std::string::npos) << m->hops;
  ASSERT_TRUE(recipient->accept(m->token).ok());
  EXPECT_EQ(recipient->accept(m->token).code(), "not-found");  // settled once only

  auto receipt = receive_type(*sender, "receipt");
  ASSERT_TRUE(receipt.ok()) << receipt.status().to_string() << "\n" << hub.log();
  EXPECT_EQ(receipt->from, "h30");
  auto doc = edxml::parse_untrusted(receipt->bytes);
  ASSERT_TRUE(doc.ok());
  auto parsed = edxml::read_receipt(*doc);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->outcome, "delivered");
  EXPECT_EQ(parsed->recipient, kRecipient);
  EXPECT_EQ(parsed->delivered_sha256_hex, edxml::sha256_hex(good));
  EXPECT_TRUE(sender->accept(receipt->token).ok());

  const auto st = sender->stats();
  EXPECT_EQ(st.accepted, 1u);
  EXPECT_EQ(st.transfers, 1u);
  EXPECT_GE(st.connects, 1u);
}

TEST(Client, RejectionSurfacesTheDocaxisConditionAndItsDescription) {
  Scratch scratch("client-reject");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  auto c = connect(options_for(hub, kSender, false));
  ASSERT_TRUE(c);
  auto tampered = c->send(Address::kEdoc, read(kFixtures + "/tampered-subject.edxml"));
  EXPECT_EQ(tampered.status.code(), "rejected");
  EXPECT_EQ(tampered.condition, "docaxis:digest-mismatch");
  EXPECT_NE(tampered.status.message().find("DigestValue"), std::string::npos)
      << tampered.status.message();
  auto unsigned_pkg = c->send(Address::kEdoc, read(kFixtures + "/unsigned.edxml"));
  EXPECT_EQ(unsigned_pkg.condition, "docaxis:unsigned");
  // A document on the status address is refused by the hub's kind check.
  auto wrong = c->send(Address::kStatus, read(kFixtures + "/good-rsa.edxml"));
  EXPECT_EQ(wrong.condition, "docaxis:wrong-address") << wrong.status.to_string();
  EXPECT_EQ(c->stats().rejected, 3u);
}

TEST(Client, AnotherOrgansInboxIsRefusedWithUnauthorizedAccess) {
  Scratch scratch("client-unauth");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  ClientOptions o = options_for(hub, kSender, false);
  o.inbox = kRecipient;  // H30's certificate asks for G12's inbox
  auto c = connect(o);
  ASSERT_TRUE(c);
  auto m = c->receive(30s);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), "refused");
  EXPECT_EQ(m.status().message().rfind("amqp:unauthorized-access", 0), 0u)
      << m.status().message();
}

TEST(Client, ManySendsInFlightAllGetTheirOutcome) {
  Scratch scratch("client-pipeline");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  ClientOptions o = options_for(hub, kSender, false);
  o.max_in_flight = 8;
  auto c = connect(o);
  ASSERT_TRUE(c);
  constexpr int kCount = 40;
  std::mutex mu;
  std::vector<client::SendResult> results;
  std::promise<void> all;
  for (int i = 0; i < kCount; ++i) {
    c->send_async(Address::kEdoc, signed_package("000.00.13.H30,2026/11/22," + std::to_string(i) + "/PIPE"),
                  [&](client::SendResult r) {
                    std::lock_guard lock(mu);
                    results.push_back(std::move(r));
                    if (results.size() == kCount) all.set_value();
                  });
  }
  ASSERT_EQ(all.get_future().wait_for(120s), std::future_status::ready);
  for (const auto& r : results) EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  EXPECT_EQ(c->stats().accepted, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(c->stats().transfers, static_cast<std::uint64_t>(kCount));
}

TEST(Client, TrustsExactlyItsTrustFileNeverTheOsCaStore) {
  // The OS store ($SSL_CERT_FILE) holds the hub's real root; the client's trust file holds
  // only another CA. Proton loads the OS store into every domain: the client must not use it.
  Scratch scratch("client-exact-trust");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  ClientOptions o = options_for(hub, kSender, false);
  o.trust_file = kPki + "/lookalike/root-ca.crt";
  ::setenv("SSL_CERT_FILE", (kPki + "/trust-anchors.pem").c_str(), 1);
  auto c = Client::create(o);
  ::unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ((*c)->wait_connected(3s).code(), "unavailable") << "connected to a hub its trust file "
                                                                 "does not trust";
  EXPECT_FALSE((*c)->connected());
  // With the right trust file, the same hub is reachable (the refusal was the trust).
  auto good = connect(options_for(hub, kSender, false));
  EXPECT_TRUE(good && good->connected());
}

TEST(Client, UnreachableHubEndsASendUnavailableAtItsTimeout) {
  Scratch scratch("client-unreachable");
  Hub nothing(scratch.dir, free_port());  // never started
  auto c = Client::create(options_for(nothing, kSender, false));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->wait_connected(500ms).code(), "unavailable");
  auto r = (*c)->send(Address::kEdoc, read(kFixtures + "/good-rsa.edxml"), 1500ms);
  EXPECT_EQ(r.status.code(), "unavailable") << r.status.to_string();
  EXPECT_EQ(r.transfers, 0);
  EXPECT_NE(r.status.message().find("Connection refused"), std::string::npos)
      << r.status.message();
  EXPECT_GE((*c)->stats().connection_losses, 2u);  // it kept trying, with backoff
}

TEST(Client, ReconnectsWhenTheHubComesBackAndSendsWhatWaited) {
  const int port = free_port();
  Scratch scratch("client-reconnect");
  const fs::path& dir = scratch.dir;
  Hub hub(dir, port);
  ASSERT_EQ(hub.start(), port);
  auto c = connect(options_for(hub, kSender, false));
  ASSERT_TRUE(c);
  ASSERT_EQ(hub.stop(SIGKILL), -SIGKILL);
  ASSERT_TRUE(eventually(10, [&] { return !c->connected(); }));
  std::promise<client::SendResult> result;
  c->send_async(Address::kEdoc, read(kFixtures + "/good-rsa.edxml"),
                [&](client::SendResult r) { result.set_value(std::move(r)); });
  std::this_thread::sleep_for(1s);  // the send waits while the hub is down
  ASSERT_EQ(hub.start(), port);
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(40s), std::future_status::ready);
  const auto r = f.get();
  EXPECT_TRUE(r.status.ok()) << r.status.to_string() << "\n" << hub.log();
  EXPECT_GE(c->stats().connects, 2u);
}

TEST(Client, SendsOnTheWireWhenTheHubDiesAreSentAgainAndAccepted) {
  const int port = free_port();
  Scratch scratch("client-inflight");
  Hub hub(scratch.dir, port);
  ASSERT_EQ(hub.start(), port);
  auto c = connect(options_for(hub, kSender, false));
  ASSERT_TRUE(c);
  constexpr int kCount = 30;
  std::mutex mu;
  std::vector<client::SendResult> results;
  std::promise<void> all;
  for (int i = 0; i < kCount; ++i) {
    c->send_async(Address::kEdoc,
                  signed_package("000.00.13.H30,2026/11/22," + std::to_string(i) + "/DIE"),
                  [&](client::SendResult r) {
                    std::lock_guard lock(mu);
                    results.push_back(std::move(r));
                    if (results.size() == kCount) all.set_value();
                  });
  }
  ASSERT_EQ(hub.stop(SIGKILL), -SIGKILL);  // whatever was on the wire has no outcome now
  std::this_thread::sleep_for(500ms);
  ASSERT_EQ(hub.start(), port);
  ASSERT_EQ(all.get_future().wait_for(60s), std::future_status::ready);
  for (const auto& r : results) EXPECT_TRUE(r.status.ok()) << r.status.to_string();
  const auto st = c->stats();
  EXPECT_EQ(st.accepted, static_cast<std::uint64_t>(kCount));
  EXPECT_GE(st.connects, 2u);
  std::printf("in-flight test: %llu transfers for %d packages\n",
              static_cast<unsigned long long>(st.transfers), kCount);
}

TEST(Client, AnIdleConnectionStaysOpen) {
  Scratch scratch("client-idle");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  ClientOptions o = options_for(hub, kRecipient, true);
  o.idle_timeout = 1s;  // the hub must keep the connection alive with empty frames
  auto c = connect(o);
  ASSERT_TRUE(c);
  std::this_thread::sleep_for(4s);
  EXPECT_TRUE(c->connected());
  EXPECT_EQ(c->stats().connection_losses, 0u) << c->last_error();
}

TEST(Client, ReleasedMessageComesAgainAndARejectionReachesTheSendersReceipt) {
  Scratch scratch("client-settle");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  auto sender = connect(options_for(hub, kSender, true));
  auto recipient = connect(options_for(hub, kRecipient, true));
  ASSERT_TRUE(sender && recipient);
  ASSERT_TRUE(sender->send(Address::kEdoc, read(kFixtures + "/good-rsa.edxml")).status.ok());

  auto first = recipient->receive(60s);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_TRUE(recipient->release(first->token).ok());
  auto again = recipient->receive(60s);  // the hub retries after its first_retry (1 s)
  ASSERT_TRUE(again.ok()) << again.status().to_string() << "\n" << hub.log();
  EXPECT_EQ(again->document_id, first->document_id);
  EXPECT_NE(again->token, first->token);
  ASSERT_TRUE(recipient->reject(again->token, "not for this ministry").ok());

  auto receipt = receive_type(*sender, "receipt");
  ASSERT_TRUE(receipt.ok()) << receipt.status().to_string() << "\n" << hub.log();
  auto doc = edxml::parse_untrusted(receipt->bytes);
  ASSERT_TRUE(doc.ok());
  auto parsed = edxml::read_receipt(*doc);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->outcome, "rejected");
  EXPECT_NE(parsed->reason.find("docaxis:refused"), std::string::npos) << parsed->reason;
  EXPECT_NE(parsed->reason.find("not for this ministry"), std::string::npos) << parsed->reason;
  const auto st = recipient->stats();
  EXPECT_EQ(st.settled_release, 1u);
  EXPECT_EQ(st.settled_reject, 1u);
}

TEST(Client, UnsettledMessagesAreRedeliveredToTheNextConnection) {
  Scratch scratch("client-redeliver");
  Hub hub(scratch.dir);
  ASSERT_GT(hub.start(), 0);
  auto sender = connect(options_for(hub, kSender, false));
  ASSERT_TRUE(sender);
  ASSERT_TRUE(sender->send(Address::kEdoc, read(kFixtures + "/good-rsa.edxml")).status.ok());
  std::string id;
  {
    auto recipient = connect(options_for(hub, kRecipient, true));
    auto m = recipient->receive(60s);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    id = m->document_id;
    // Closed without settling: the hub must deliver it again.
  }
  auto recipient = connect(options_for(hub, kRecipient, true));
  auto m = recipient->receive(60s);
  ASSERT_TRUE(m.ok()) << m.status().to_string() << "\n" << hub.log();
  EXPECT_EQ(m->document_id, id);
  EXPECT_TRUE(recipient->accept(m->token).ok());
}

TEST(Client, CloseEndsWaitingSendsCancelledAndRefusesNewOnes) {
  Scratch scratch("client-close");
  Hub nothing(scratch.dir, free_port());
  auto c = Client::create(options_for(nothing, kSender, false));
  ASSERT_TRUE(c.ok());
  std::promise<client::SendResult> result;
  (*c)->send_async(Address::kEdoc, "<edXML/>",
                   [&](client::SendResult r) { result.set_value(std::move(r)); });
  (*c)->close(100ms);
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(f.get().status.code(), "cancelled");
  EXPECT_EQ((*c)->send(Address::kEdoc, "<edXML/>").status.code(), "cancelled");
  EXPECT_EQ((*c)->send(Address::kEdoc, "").status.code(), "invalid-argument");
}

}  // namespace
}  // namespace docaxis::adapters_test
