// The AMQP listener over real mutual TLS on 127.0.0.1 with the test PKI and real Proton
// clients; the engine side is a fake that records what arrives and answers as told.
#include "amqp/server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <proton/work_queue.hpp>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "test_client.hpp"

namespace docaxis::amqp::test {
namespace {

std::string pki_dir() {
  const char* p = std::getenv("DOCAXIS_PKI");
  return p != nullptr ? p : DOCAXIS_DEFAULT_PKI;
}
std::string organ(const std::string& id) { return pki_dir() + "/organs/" + id; }

// Records submitted packages and answers each with `answer`, from another thread (as the
// engine will, after its commit).
class RecordingIngest : public engine::IngestPort {
 public:
  void submit(engine::IncomingPackage p, engine::IngestDone done) override {
    Status answer;
    {
      std::lock_guard lock(mu_);
      packages.push_back(p);
      answer = answer_;
    }
    std::thread([done, answer] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      done(answer);
    }).detach();
  }
  void answer(Status s) {
    std::lock_guard lock(mu_);
    answer_ = std::move(s);
  }
  std::vector<engine::IncomingPackage> packages;

 private:
  std::mutex mu_;
  Status answer_;
};

// Authorises inbox/<organ> for the connection whose certificate UID is that organ.
class UidInbox : public delivery::LinkEvents {
 public:
  Status may_attach(const model::ConnectionIdentity& who, const std::string& organ) override {
    if (who.uid == organ) return {};
    return {"unauthorized", "connection \"" + who.subject + "\" may not read inbox/" + organ};
  }
  void ready(const std::string& organ) override {
    std::lock_guard lock(mu_);
    ready_organs.push_back(organ);
  }
  void detached(const std::string&) override {}
  std::mutex mu_;
  std::vector<std::string> ready_organs;
};

ServerOptions tls_options() {
  ServerOptions o;
  o.tls = TlsFiles{pki_dir() + "/hubs/h30.fullchain.pem", pki_dir() + "/hubs/h30.key",
                   pki_dir() + "/trust-anchors.pem", {}, {}};
  o.max_message_bytes = 1 << 20;
  return o;
}

class AmqpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<AmqpServer>(tls_options(), ingest_, inbox_);
    auto port = server_->start();
    ASSERT_TRUE(port.ok()) << port.status().to_string();
    port_ = *port;
  }
  void TearDown() override { server_->stop(); }
  RecordingIngest ingest_;
  UidInbox inbox_;
  std::unique_ptr<AmqpServer> server_;
  int port_ = 0;
};

TEST_F(AmqpServerTest, PackageIsAcceptedOnlyAfterTheEngineSaysSoAndCarriesTheTlsIdentity) {
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(r.outcome, "accepted") << r.condition << " " << r.description;
  ASSERT_EQ(ingest_.packages.size(), 1u);
  EXPECT_EQ(ingest_.packages[0].address, "edoc");
  EXPECT_EQ(ingest_.packages[0].bytes, "<edXML/>");
  EXPECT_EQ(ingest_.packages[0].from.uid, "000.00.13.H30");
  EXPECT_TRUE(ingest_.packages[0].from.authenticated);
  EXPECT_NE(ingest_.packages[0].from.subject.find("CN=Organ 000.00.13.H30"), std::string::npos);
}

TEST_F(AmqpServerTest, RefusalIsRejectedWithDocaxisConditionAndReason) {
  ingest_.answer(Status{"digest-mismatch", "the content was changed after it was signed"});
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "status", "<edXML/>");
  EXPECT_EQ(r.outcome, "rejected");
  EXPECT_EQ(r.condition, "docaxis:digest-mismatch");
  EXPECT_EQ(r.description, "the content was changed after it was signed");
}

TEST_F(AmqpServerTest, TransientTroubleIsReleased) {
  ingest_.answer(Status{"store-busy", "the store is busy"});
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(r.outcome, "released");
}

TEST_F(AmqpServerTest, UnknownTargetAddressIsRefusedWithoutReachingTheEngine) {
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "elsewhere", "<edXML/>");
  EXPECT_EQ(r.outcome, "error");
  EXPECT_EQ(r.condition, "amqp:not-found");
  EXPECT_TRUE(ingest_.packages.empty());
}

TEST_F(AmqpServerTest, NonXmlContentTypeIsRejectedAsBadMessage) {
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "x", "text/plain");
  EXPECT_EQ(r.outcome, "rejected");
  EXPECT_EQ(r.condition, "docaxis:bad-message");
  EXPECT_TRUE(ingest_.packages.empty());
}

TEST_F(AmqpServerTest, OversizedPackageIsRejectedAsTooLarge) {
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc",
                        std::string((1 << 20) + 1, 'x'));
  EXPECT_EQ(r.outcome, "rejected");
  EXPECT_EQ(r.condition, "docaxis:too-large");
}

TEST_F(AmqpServerTest, ConnectionWithoutClientCertificateIsRefused) {
  auto r = send_package(port_, pki_dir(), "", "edoc", "<edXML/>");
  EXPECT_EQ(r.outcome, "error");
  EXPECT_TRUE(ingest_.packages.empty());
}

TEST_F(AmqpServerTest, CertificateFromAnotherCaIsRefused) {
  auto r =
      send_package(port_, pki_dir(), pki_dir() + "/lookalike/000.00.13.H30", "edoc", "<edXML/>");
  EXPECT_EQ(r.outcome, "error");
  EXPECT_TRUE(ingest_.packages.empty());
}

TEST_F(AmqpServerTest, InboxOfAnotherOrganIsUnauthorized) {
  InboxClient c(port_, pki_dir(), organ("000.00.13.H30"), "inbox/000.00.01.G12");
  EXPECT_TRUE(c.wait_refused());
  EXPECT_NE(c.error().find("amqp:unauthorized-access"), std::string::npos) << c.error();
}

TEST_F(AmqpServerTest, DeliveryToAnAttachedInboxCarriesPropertiesAndReportsAcceptance) {
  InboxClient c(port_, pki_dir(), organ("000.00.01.G12"), "inbox/000.00.01.G12");
  ASSERT_TRUE(c.wait_open()) << c.error();
  // Wait until the server has seen the link's credit.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(inbox_.mu_);
      if (!inbox_.ready_organs.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::promise<delivery::DeliveryOutcome> outcome;
  server_->deliver(
      "000.00.01.G12",
      {"<edXML>doc</edXML>", "edoc", "DOC-1", "000.00.13.H30", {{"h30", 1}, {"national", 2}}},
      [&](const delivery::DeliveryOutcome& o) { outcome.set_value(o); });
  auto o = outcome.get_future();
  ASSERT_EQ(o.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(o.get().result, delivery::DeliveryResult::kAccepted);
  ASSERT_TRUE(c.wait_for(1));
  auto got = c.received();
  EXPECT_EQ(got[0].bytes, "<edXML>doc</edXML>");
  EXPECT_EQ(got[0].properties["messagetype"], "edoc");
  EXPECT_EQ(got[0].properties["document-id"], "DOC-1");
  EXPECT_EQ(got[0].properties["from"], "000.00.13.H30");
  EXPECT_EQ(got[0].properties["hops"], "h30@1;national@2");
}

TEST_F(AmqpServerTest, MoreDeliveriesThanLinkCreditWaitForCreditInsteadOfFailing) {
  InboxClient c(port_, pki_dir(), organ("000.00.01.G12"), "inbox/000.00.01.G12");
  ASSERT_TRUE(c.wait_open()) << c.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  constexpr int kMessages = 60;  // Proton's default receiver credit window is 10
  std::mutex mu;
  std::vector<delivery::DeliveryResult> results;
  for (int i = 0; i < kMessages; ++i) {
    server_->deliver("000.00.01.G12",
                     {"<x/>", "edoc", "DOC-" + std::to_string(i), "000.00.13.H30", {}},
                     [&](const delivery::DeliveryOutcome& o) {
                       std::lock_guard lock(mu);
                       results.push_back(o.result);
                     });
  }
  ASSERT_TRUE(c.wait_for(kMessages));
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (results.size() == kMessages) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(mu);
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kMessages));
  for (auto r : results) EXPECT_EQ(r, delivery::DeliveryResult::kAccepted);
}

TEST_F(AmqpServerTest, RecipientRejectionComesBackWithItsCondition) {
  InboxClient c(port_, pki_dir(), organ("000.00.01.G12"), "inbox/000.00.01.G12", true);
  ASSERT_TRUE(c.wait_open()) << c.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::promise<delivery::DeliveryOutcome> outcome;
  server_->deliver("000.00.01.G12", {"<x/>", "edoc", "DOC-2", "000.00.13.H30", {}},
                   [&](const delivery::DeliveryOutcome& o) { outcome.set_value(o); });
  auto o = outcome.get_future();
  ASSERT_EQ(o.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto got = o.get();
  EXPECT_EQ(got.result, delivery::DeliveryResult::kRejected);
  EXPECT_EQ(got.condition, "recipient:refused");
  EXPECT_EQ(got.description, "not ours");
}

TEST_F(AmqpServerTest, ADeliverySettledWithoutAnOutcomeIsReportedReleasedNotLeftHanging) {
  InboxClient c(port_, pki_dir(), organ("000.00.01.G12"), "inbox/000.00.01.G12", false, true);
  ASSERT_TRUE(c.wait_open()) << c.error();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::promise<delivery::DeliveryOutcome> outcome;
  server_->deliver("000.00.01.G12", {"<x/>", "edoc", "DOC-4", "000.00.13.H30", {}},
                   [&](const delivery::DeliveryOutcome& o) { outcome.set_value(o); });
  auto o = outcome.get_future();
  ASSERT_EQ(o.wait_for(std::chrono::seconds(10)), std::future_status::ready)
      << "no outcome for a delivery the recipient settled without one";
  EXPECT_EQ(o.get().result, delivery::DeliveryResult::kReleased);
}

// The inbox connection goes while 4 deliveries are out unanswered and 3 wait for credit: every
// one of them is reported kDisconnected, once (the dispatcher sends them again): none is lost.
TEST_F(AmqpServerTest, AnInboxConnectionThatGoesReportsItsUnansweredAndQueuedDeliveriesOnce) {
  constexpr int kCredit = 4, kMessages = 7;
  auto c = std::make_unique<InboxClient>(port_, pki_dir(), organ("000.00.01.G12"),
                                         "inbox/000.00.01.G12", false, false, kCredit);
  ASSERT_TRUE(c->wait_open()) << c->error();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::mutex mu;
  std::map<std::string, std::vector<delivery::DeliveryOutcome>> told;  // by document id
  for (int i = 0; i < kMessages; ++i) {
    const std::string id = "DOC-" + std::to_string(i);
    server_->deliver("000.00.01.G12", {"<x/>", "edoc", id, "000.00.13.H30", {}},
                     [&, id](const delivery::DeliveryOutcome& o) {
                       std::lock_guard lock(mu);
                       told[id].push_back(o);
                     });
  }
  ASSERT_TRUE(c->wait_for(kCredit));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(c->received().size(), static_cast<std::size_t>(kCredit));  // the rest wait for credit
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(told.empty());  // nothing answered yet
  }
  c.reset();  // the recipient's connection goes
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (told.size() == static_cast<std::size_t>(kMessages)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // a second report would show
  std::lock_guard lock(mu);
  ASSERT_EQ(told.size(), static_cast<std::size_t>(kMessages));
  int unanswered = 0, queued = 0;
  for (const auto& [id, outcomes] : told) {
    ASSERT_EQ(outcomes.size(), 1u) << id;
    EXPECT_EQ(outcomes[0].result, delivery::DeliveryResult::kDisconnected) << id;
    const std::string& why = outcomes[0].description;
    if (why.find("before an outcome") != std::string::npos) ++unanswered;
    if (why.find("before sending") != std::string::npos) ++queued;
  }
  EXPECT_EQ(unanswered, kCredit);
  EXPECT_EQ(queued, kMessages - kCredit);
}

TEST_F(AmqpServerTest, DeliveryWithNoAttachedInboxReportsNoLink) {
  std::promise<delivery::DeliveryOutcome> outcome;
  server_->deliver("000.00.00.G22", {"<x/>", "edoc", "DOC-3", "000.00.13.H30", {}},
                   [&](const delivery::DeliveryOutcome& o) { outcome.set_value(o); });
  auto o = outcome.get_future();
  ASSERT_EQ(o.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(o.get().result, delivery::DeliveryResult::kNoLink);
}

TEST_F(AmqpServerTest, ConnectionsMadeAtOnceWithOneCertificateAreAllAccepted) {
  // An agent opens its sending and receiving connections together: both handshakes verify the
  // same certificate before either AMQP open arrives.
  constexpr int kAtOnce = 8;
  std::vector<std::future<SendResult>> sends;
  for (int i = 0; i < kAtOnce; ++i) {
    sends.push_back(std::async(std::launch::async, [this] {
      return send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
    }));
  }
  for (auto& f : sends) {
    const SendResult r = f.get();
    EXPECT_EQ(r.outcome, "accepted") << r.condition << " " << r.description;
  }
}

// --- hostile input: every refusal leaves the listener serving the next client ---------------

TEST_F(AmqpServerTest, HopsOfAnyTypeButStringIsRejectedAndTheListenerStaysUp) {
  for (proton::scalar bad : {proton::scalar(42), proton::scalar(proton::binary("h30@1")),
                             proton::scalar(true)}) {
    proton::message m;
    m.body(proton::binary("<edXML/>"));
    m.inferred(true);
    m.properties().put("hops", bad);
    auto r = send_message(port_, pki_dir(), organ("000.00.13.H30"), "edoc", m);
    EXPECT_EQ(r.outcome, "rejected") << r.condition << " " << r.description;
    EXPECT_EQ(r.condition, "docaxis:bad-hops");
    EXPECT_NE(r.description.find("must be a string"), std::string::npos) << r.description;
  }
  EXPECT_TRUE(ingest_.packages.empty());
  auto ok = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(ok.outcome, "accepted") << ok.condition << " " << ok.description;
}

TEST_F(AmqpServerTest, HopsThatAreNotUtf8AreRejected) {
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>",
                        "application/xml", std::string("h\xff\xfe@1"));
  EXPECT_EQ(r.outcome, "rejected");
  EXPECT_EQ(r.condition, "docaxis:bad-hops");
  EXPECT_TRUE(ingest_.packages.empty());
}

TEST_F(AmqpServerTest, AnAmqpValueBodyIsRejectedAsBadMessage) {
  proton::message m;
  m.body(std::string("<edXML/>"));  // a string: one amqp-value section
  auto r = send_message(port_, pki_dir(), organ("000.00.13.H30"), "edoc", m);
  EXPECT_EQ(r.outcome, "rejected");
  EXPECT_EQ(r.condition, "docaxis:bad-message");
  EXPECT_NE(r.description.find("amqp-value"), std::string::npos) << r.description;
  auto ok = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(ok.outcome, "accepted");
}

TEST_F(AmqpServerTest, AMessageFarOverTheLimitClosesTheLinkAsItArrives) {
  // 8 MiB against a 1 MiB limit: refused after about the first megabyte, not buffered whole.
  auto r = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc",
                        std::string(8u << 20, 'x'));
  EXPECT_EQ(r.outcome, "error");
  EXPECT_EQ(r.condition, "amqp:link:message-size-exceeded");
  EXPECT_NE(r.description.find("docaxis:too-large"), std::string::npos) << r.description;
  EXPECT_TRUE(ingest_.packages.empty());
  auto ok = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(ok.outcome, "accepted");
}

TEST_F(AmqpServerTest, AClientOfTheLookAlikeCaIsRefusedEvenWhenTheOsStoreTrustsIt) {
  // Proton loads the OS CA store ($SSL_CERT_FILE) into every TLS domain; the listener must
  // trust only its configured anchors. A server started with the look-alike root in the OS
  // store must still refuse the look-alike client.
  server_->stop();
  ::setenv("SSL_CERT_FILE", (pki_dir() + "/lookalike/root-ca.crt").c_str(), 1);
  server_ = std::make_unique<AmqpServer>(tls_options(), ingest_, inbox_);
  auto port = server_->start();
  ::unsetenv("SSL_CERT_FILE");
  ASSERT_TRUE(port.ok()) << port.status().to_string();
  auto r = send_package(*port, pki_dir(), pki_dir() + "/lookalike/000.00.13.H30", "edoc",
                        "<edXML/>");
  EXPECT_EQ(r.outcome, "error");
  EXPECT_TRUE(ingest_.packages.empty());
  auto ok = send_package(*port, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(ok.outcome, "accepted");
}

TEST_F(AmqpServerTest, ALeafOnlyClientChainIsCompletedFromTheConfiguredIntermediates) {
  server_->stop();
  ServerOptions o = tls_options();
  o.tls->intermediates = {pki_dir() + "/intermediates.pem"};
  server_ = std::make_unique<AmqpServer>(o, ingest_, inbox_);
  auto port = server_->start();
  ASSERT_TRUE(port.ok()) << port.status().to_string();
  proton::message m;
  m.body(proton::binary("<edXML/>"));
  m.inferred(true);
  auto r = send_message_leaf_only(*port, pki_dir(), organ("000.00.13.H30"), "edoc", m);
  EXPECT_EQ(r.outcome, "accepted") << r.condition << " " << r.description;
}

TEST_F(AmqpServerTest, ARevokedClientIsRefusedAndALiveOneIsClosedWhenTheCrlChanges) {
  server_->stop();
  const std::string crl = ::testing::TempDir() + "/listener-crl.pem";
  std::filesystem::copy_file(pki_dir() + "/crl/all-before-revocation.pem", crl,
                             std::filesystem::copy_options::overwrite_existing);
  ServerOptions o = tls_options();
  o.tls->intermediates = {pki_dir() + "/intermediates.pem"};
  o.tls->crls = {crl};
  server_ = std::make_unique<AmqpServer>(o, ingest_, inbox_);
  auto port = server_->start();
  ASSERT_TRUE(port.ok()) << port.status().to_string();
  InboxClient c(*port, pki_dir(), pki_dir() + "/special/revoked", "inbox/000.00.92.H30");
  ASSERT_TRUE(c.wait_open()) << c.error();
  std::filesystem::copy_file(pki_dir() + "/crl/all.pem", crl,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(server_->reload_tls().ok());
  EXPECT_TRUE(c.wait_refused()) << "the live connection of a revoked certificate stays open";
  auto r = send_package(*port, pki_dir(), pki_dir() + "/special/revoked", "edoc", "<edXML/>");
  EXPECT_EQ(r.outcome, "error");
  auto ok = send_package(*port, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(ok.outcome, "accepted");
}

// Opens `n` sender links to `address` on one connection and reports how the connection ended.
class ManyLinks : public proton::messaging_handler {
 public:
  ManyLinks(int port, std::string address, int n) : port_(port), address_(std::move(address)), n_(n) {}
  void on_container_start(proton::container& c) override {
    proton::connection conn =
        c.connect("amqps://127.0.0.1:" + std::to_string(port_), client_options(pki_dir(), organ("000.00.13.H30")));
    for (int i = 0; i < n_; ++i) conn.open_sender(address_);
  }
  void on_sender_error(proton::sender& s) override {
    if (++refused == n_) s.connection().close();  // every attach answered: done
  }
  void on_sendable(proton::sender& s) override {
    if (++opened == n_) s.connection().close();
  }
  void on_connection_error(proton::connection& c) override { connection_error = c.error().name(); }
  void on_transport_error(proton::transport& t) override {
    if (connection_error.empty()) connection_error = t.error().name();
  }
  int refused = 0, opened = 0;
  std::string connection_error;

 private:
  int port_;
  std::string address_;
  int n_;
};

TEST_F(AmqpServerTest, RefusedAttachesDoNotCountAsOpenLinksButTooManyOpenLinksCloseTheConnection) {
  ManyLinks refused(port_, "nowhere", 100);  // each refused with amqp:not-found
  proton::container c1(refused);
  c1.run();
  EXPECT_EQ(refused.refused, 100);
  EXPECT_EQ(refused.connection_error, "") << "refused attaches counted against the link limit";
  ManyLinks open(port_, "edoc", 70);  // 64 at once at most
  proton::container c2(open);
  c2.run();
  EXPECT_EQ(open.connection_error, "amqp:resource-limit-exceeded");
  auto ok = send_package(port_, pki_dir(), organ("000.00.13.H30"), "edoc", "<edXML/>");
  EXPECT_EQ(ok.outcome, "accepted");
}

// Records when a peer link comes up.
class PeerWatch : public UidInbox {
 public:
  void peer_up(const std::string& peer) override {
    std::lock_guard lock(mu_);
    up_.push_back(peer);
    cv_.notify_all();
  }
  bool wait_up(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, d, [&] { return !up_.empty(); });
  }

 private:
  std::condition_variable cv_;
  std::vector<std::string> up_;
};

// A hub (h30's listener) and, dialling it, a peer link of another hub (national's certificate)
// that expects `server_name` in h30's certificate.
bool peer_link_comes_up(const std::string& server_name) {
  RecordingIngest ingest;
  UidInbox inbox;
  AmqpServer listener(tls_options(), ingest, inbox);
  auto port = listener.start();
  if (!port) return false;
  PeerWatch watch;
  ServerOptions o = tls_options();
  o.tls->certificate_chain = pki_dir() + "/hubs/national.fullchain.pem";
  o.tls->private_key = pki_dir() + "/hubs/national.key";
  PeerSpec peer;
  peer.name = "h30";
  peer.url = "amqps://127.0.0.1:" + std::to_string(*port);
  peer.server_name = server_name;
  peer.certificate_chain = o.tls->certificate_chain;
  peer.private_key = o.tls->private_key;
  peer.trust_anchors = pki_dir() + "/trust-anchors.pem";
  peer.verify = [](const model::ConnectionIdentity&) { return Status(); };
  o.peers = {peer};
  AmqpServer dialer(o, ingest, watch);
  if (!dialer.start()) return false;
  const bool up = watch.wait_up(std::chrono::seconds(3));
  dialer.stop();
  listener.stop();
  return up;
}

TEST(PeerLinkTls, ThePeersNameIsCheckedInTheHandshake) {
  EXPECT_TRUE(peer_link_comes_up(""));           // the URL's host, 127.0.0.1: an IP SAN of h30
  EXPECT_TRUE(peer_link_comes_up("localhost"));  // a DNS SAN of h30
  EXPECT_FALSE(peer_link_comes_up("national.example"))
      << "a peer link came up to a hub whose certificate does not carry the configured name";
}

// A peer link that starts off (ServerOptions::peer_links_start_off, a hub on PostgreSQL) makes
// no connection until turned on; turned off it closes and does not reconnect.
TEST(PeerLinkSwitch, AnOffLinkDoesNotConnectAndTurnedOffItClosesForGood) {
  RecordingIngest ingest;
  UidInbox inbox;
  AmqpServer listener(tls_options(), ingest, inbox);
  auto port = listener.start();
  ASSERT_TRUE(port.ok());
  PeerWatch watch;
  ServerOptions o = tls_options();
  o.tls->certificate_chain = pki_dir() + "/hubs/national.fullchain.pem";
  o.tls->private_key = pki_dir() + "/hubs/national.key";
  o.peer_links_start_off = true;
  PeerSpec peer;
  peer.name = "h30";
  peer.url = "amqps://127.0.0.1:" + std::to_string(*port);
  peer.certificate_chain = o.tls->certificate_chain;
  peer.private_key = o.tls->private_key;
  peer.trust_anchors = pki_dir() + "/trust-anchors.pem";
  peer.verify = [](const model::ConnectionIdentity&) { return Status(); };
  o.peers = {peer};
  AmqpServer dialer(o, ingest, watch);
  ASSERT_TRUE(dialer.start().ok());
  EXPECT_FALSE(watch.wait_up(std::chrono::milliseconds(1500))) << "an off link connected";
  EXPECT_EQ(listener.connections(), 0u);
  dialer.set_peer_link("h30", true);
  ASSERT_TRUE(watch.wait_up(std::chrono::seconds(3)));
  EXPECT_EQ(listener.connections(), 1u);
  dialer.set_peer_link("h30", false);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (listener.connections() != 0 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(listener.connections(), 0u) << "turned off, the link stayed open";
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // past the first reconnect
  EXPECT_EQ(listener.connections(), 0u) << "turned off, the link reconnected";
  dialer.set_peer_link("nobody", true);  // unknown: nothing
  dialer.stop();
  listener.stop();
}

TEST(AmqpServerOptions, PlaintextListenerOnANonLoopbackHostIsRefused) {
  RecordingIngest ingest;
  UidInbox inbox;
  ServerOptions o;
  o.host = "0.0.0.0";
  AmqpServer server(o, ingest, inbox);
  auto r = server.start();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "invalid-argument");
}

}  // namespace
}  // namespace docaxis::amqp::test

