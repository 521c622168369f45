// Federation with real processes: three docaxis-hub nodes on loopback (the Hòa Bình
// provincial hub h30, the national hub, the Ministry of Finance hub g12), peer links over
// mutual TLS, and agencies connecting to their own hub. Covers multi-hop delivery with the
// receipt back, a status package back, a peer outage with nothing lost and a bounded number
// of reconnects, loop and unknown-route rejection at the first hub, and a relay that tries to
// inject a package for an organ it may not relay for.
#include "federation.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "edxml/receipt.hpp"
#include "edxml/writer.hpp"
#include "edxml/xml_doc.hpp"
#include "hub_fixture.hpp"
#include "packages.hpp"
#include "test_client.hpp"
#include "vxp_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;

const std::string kCommune = "000.21.31.H30";
const std::string kDepartment = "000.00.13.H30";
const std::string kMinistry = "000.00.01.G12";
const std::string kGovOffice = "000.00.00.G22";
// An organ of h30 whose document system speaks only the axis HTTP API (system "h30-dms").
const std::string kApiOrgan = "000.00.41.H30";
const std::string kApiSecret = "FAKE-federation-secret-0123456789";

// `docaxis peer list --json` on a hub's admin socket: peer name -> link ("up"/"down").
std::map<std::string, std::string> peer_links(const fs::path& hub_dir) {
  const std::string cmd = std::string(DOCAXIS_CLI_BINARY) + " peer list --json --socket " +
                          (hub_dir / "data" / "admin.sock").string() + " 2>&1";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    ::pclose(p);
  }
  std::map<std::string, std::string> links;
  const auto j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  if (j.is_discarded() || !j.contains("peers")) return links;
  for (const auto& peer : j["peers"]) {
    links[peer.value("name", "")] = peer["link"].is_string() ? peer["link"].get<std::string>() : "null";
  }
  return links;
}

// A hub of the demo federation (tests/support/federation-topology.json) in <dir>: its organs,
// peers (by certificate subject), routes and authoritative suffixes, with short retry and
// breaker settings so that the outage test runs in seconds.
std::string config_for(const Federation& federation, const FederationHub& h, const fs::path& dir,
                       const std::map<std::string, int>& ports) {
  // h30 also serves kApiOrgan through the axis HTTP API (HTTPS with its listener certificate).
  std::string api;
  if (h.name == "h30") {
    const std::string secret = (dir / "h30-dms.secret").string();
    fs::create_directories(dir);
    { std::ofstream(secret) << kApiSecret << "\n"; }
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    api = "[vxp]\nenabled = true\nhost = \"127.0.0.1\"\nport = 0\n"
          "path_prefix = \"/XrdAdapter/adapter\"\n"
          "[[vxp.systems]]\nid = \"h30-dms\"\nsecret_file = \"" + secret + "\"\n"
          "[[endpoints]]\norgan = \"" + kApiOrgan + "\"\nvxp_system = \"h30-dms\"\n";
  }
  return hub_toml({.pki = kPki,
                   .data_dir = dir / "data",
                   .name = h.name,
                   .port = ports.at(h.name),
                   .organs = federation.organs_of(h.name),
                   .extra_toml = "[retry]\nfirst_retry_seconds = 1\nmax_interval_seconds = 2\n"
                                 "[circuit_breaker]\nfailures_to_open = 5\nopen_seconds = 5\n" +
                                 federation_toml(h, ports) + api});
}

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto federation = Federation::standard();
    ASSERT_TRUE(federation.ok()) << federation.status().to_string();
    federation_ = std::move(*federation);
    // The organs these tests use are where the topology says.
    ASSERT_EQ(hub_of(kCommune), "h30");
    ASSERT_EQ(hub_of(kDepartment), "h30");
    ASSERT_EQ(hub_of("000.00.31.H30"), "h30");
    ASSERT_EQ(hub_of(kGovOffice), "national");
    ASSERT_EQ(hub_of(kMinistry), "g12");
    std::map<std::string, int> ports;
    for (const auto& h : federation_.hubs) ports[h.name] = free_loopback_port();
    for (const auto& h : federation_.hubs) {
      hubs_[h.name] = std::make_unique<TestHub>(
          root_ / h.name, TestHub::FullConfig{config_for(federation_, h, root_ / h.name, ports)});
    }
    for (const auto& h : federation_.hubs) {
      const int port = hubs_[h.name]->start();
      ASSERT_EQ(port, ports[h.name]) << hubs_[h.name]->log();
      port_[h.name] = port;
    }
    auto trust = dsig::TrustStore::load(
        {{kPki + "/trust-anchors.pem"}, {kPki + "/intermediates.pem"}, {kPki + "/crl/all.pem"}});
    ASSERT_TRUE(trust.ok()) << trust.status().to_string();
    verifier_ = std::make_unique<dsig::Verifier>(*trust);
  }
  void TearDown() override {
    if (HasFailure()) {
      for (auto& [name, hub] : hubs_) std::printf("--- %s log ---\n%s\n", name.c_str(), hub->log().c_str());
    }
  }

  // A signed document from `from` to `to` with its own DocumentId.
  std::string document(const std::string& from, const std::string& to, const std::string& n) {
    std::string doc = read(kFixtures + "/unsigned.edxml");
    const std::string id_old = "000.00.13.H30,2019/01/16,74/VPCP-TTĐT";
    doc.replace(doc.find(id_old), id_old.size(), from + ",2026/11/22," + n + "/FED");
    // Through placeholders: `from` or `to` may be one of the fixture's own organs.
    doc = std::regex_replace(doc, std::regex("<edXML:OrganId>000\\.00\\.13\\.H30</edXML:OrganId>"),
                             "<edXML:OrganId>@FROM@</edXML:OrganId>");
    doc = std::regex_replace(doc, std::regex("<edXML:OrganId>000\\.00\\.01\\.G12</edXML:OrganId>"),
                             "<edXML:OrganId>@TO@</edXML:OrganId>");
    doc = std::regex_replace(doc, std::regex("@FROM@"), from);
    doc = std::regex_replace(doc, std::regex("@TO@"), to);
    return sign_as(from, doc);
  }
  std::string document_id(const std::string& from, const std::string& n) {
    return from + ",2026/11/22," + n + "/FED";
  }
  std::string sign_as(const std::string& organ_id, const std::string& doc) {
    auto signer = dsig::Signer::load(organ(organ_id) + ".key", organ(organ_id) + ".crt",
                                     {kPki + "/intermediates.pem"});
    EXPECT_TRUE(signer.ok()) << signer.status().to_string();
    if (!signer.ok()) return {};
    auto s = (*signer)->sign(doc);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? *s : std::string();
  }
  // Verifies a receipt's hub signature and reads it.
  edxml::DeliveryReceipt receipt_of(const std::string& bytes) {
    auto doc = edxml::parse_untrusted(bytes);
    EXPECT_TRUE(doc.ok()) << doc.status().to_string();
    auto verdict = verifier_->verify(*doc, dsig::Placement::kRootLastChild, "", {false, false, false});
    EXPECT_TRUE(verdict.ok()) << verdict.status().to_string();
    auto r = edxml::read_receipt(*doc);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : edxml::DeliveryReceipt{};
  }
  amqp::test::SendResult send(const std::string& hub, const std::string& from, const std::string& bytes,
                              const std::string& address = "edoc") {
    return send_package(port_[hub], kPki, organ(from), address, bytes);
  }
  std::string hub_of(const std::string& organ_id) const {
    const FederationHub* h = federation_.hub_serving(organ_id);
    return h != nullptr ? h->name : "(none)";
  }
  // Waits until every hub's peer links are all connected (log lines), up to 30 s.
  void wait_connected() {
    std::size_t links = 0;
    for (const auto& h : federation_.hubs) links += h.peers.size();
    for (int i = 0; i < 300; ++i) {
      int connected = 0;
      for (auto& [name, hub] : hubs_) {
        const std::string log = hub->log();
        std::size_t pos = 0;
        while ((pos = log.find(" event=peer-connected ", pos)) != std::string::npos) {
          ++connected;
          ++pos;
        }
      }
      // h30->national, national->h30, national->g12, g12->national
      if (connected >= static_cast<int>(links)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "peer links did not come up";
  }

  Federation federation_;
  TempDir root_ = temp_dir("federation");
  std::map<std::string, std::unique_ptr<TestHub>> hubs_;
  std::map<std::string, int> port_;
  std::unique_ptr<dsig::Verifier> verifier_;
};

// The topology file's reader (tests/support/federation.hpp) refuses a federation that names a
// hub it does not define, and places an organ it does not list by authoritative suffix.
TEST(FederationTopology, UnknownHubsAreRefusedAndUnlistedOrgansPlacedBySuffix) {
  const TempDir dir = temp_dir("topology");
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  const std::string hub_a =
      R"({"name": "a", "authoritative_for": [".H30"], "peers": [{"name": "b", "relay_for": ["*"]}],
          "routes": [{"suffix": ".G12", "to": "b"}]})";
  const std::string hub_b =
      R"({"name": "b", "authoritative_for": [".G12"], "peers": [], "routes": []})";
  auto ok = Federation::load(write("ok.json", R"({"hubs": [)" + hub_a + "," + hub_b +
                                                  R"(], "organs": [{"id": "000.00.01.G12", "hub": "a"}]})"));
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->hub_serving("000.00.01.G12")->name, "a");  // listed: where the file says
  EXPECT_EQ(ok->hub_serving("000.00.04.G12")->name, "b");  // unlisted: by suffix
  EXPECT_EQ(ok->hub_serving("000.00.04.G14"), nullptr);

  auto peer = Federation::load(write("peer.json", R"({"hubs": [)" + hub_a + R"(], "organs": []})"));
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.status().code(), "bad-topology");
  EXPECT_NE(peer.status().message().find("hub a: unknown peer b"), std::string::npos)
      << peer.status().message();
  auto organ = Federation::load(write("organ.json", R"({"hubs": [)" + hub_b +
                                                        R"(], "organs": [{"id": "000.00.01.G12", "hub": "z"}]})"));
  ASSERT_FALSE(organ.ok());
  EXPECT_NE(organ.status().message().find("organ 000.00.01.G12: unknown hub z"), std::string::npos)
      << organ.status().message();
  auto field = Federation::load(write("field.json", R"({"hubs": [{"name": "a"}], "organs": []})"));
  ASSERT_FALSE(field.ok());
  EXPECT_EQ(field.status().code(), "bad-topology");
}

TEST_F(FederationTest, CommuneToMinistryAcrossThreeHubsWithTheReceiptAndStatusBack) {
  wait_connected();
  const std::string doc = document(kCommune, kMinistry, "1");
  auto r = send("h30", kCommune, doc);
  ASSERT_EQ(r.outcome, "accepted") << r.condition << " " << r.description;

  InboxClient ministry(port_["g12"], kPki, organ(kMinistry), "inbox/" + kMinistry);
  ASSERT_TRUE(ministry.wait_open()) << ministry.error();
  ASSERT_TRUE(ministry.wait_for(1)) << hubs_["g12"]->log() << hubs_["national"]->log();
  auto got = ministry.received()[0];
  EXPECT_EQ(got.bytes, doc);  // never changed on the way
  EXPECT_EQ(got.properties["messagetype"], "edoc");
  EXPECT_EQ(got.properties["from"], kCommune);
  // The trail: accepted by h30, then national, then g12, in that order.
  const std::string hops = got.properties["hops"];
  const auto h30 = hops.find("h30@"), national = hops.find("national@"), g12 = hops.find("g12@");
  ASSERT_NE(h30, std::string::npos) << hops;
  ASSERT_NE(national, std::string::npos) << hops;
  ASSERT_NE(g12, std::string::npos) << hops;
  EXPECT_LT(h30, national);
  EXPECT_LT(national, g12);

  // The receipt, issued and signed by g12 (the hub that delivered), back at the commune.
  InboxClient commune(port_["h30"], kPki, organ(kCommune), "inbox/" + kCommune);
  ASSERT_TRUE(commune.wait_open()) << commune.error();
  ASSERT_TRUE(commune.wait_for(1)) << hubs_["h30"]->log();
  auto receipt_msg = commune.received()[0];
  EXPECT_EQ(receipt_msg.properties["messagetype"], "receipt");
  const auto receipt = receipt_of(receipt_msg.bytes);
  EXPECT_EQ(receipt.outcome, "delivered");
  EXPECT_EQ(receipt.issuer_hub, "g12");
  EXPECT_EQ(receipt.document_id, document_id(kCommune, "1"));
  EXPECT_EQ(receipt.recipient, kMinistry);
  EXPECT_EQ(receipt.delivered_sha256_hex, edxml::sha256_hex(doc));

  // The ministry answers with status 01 (arrived); it travels back to the commune.
  fixtures::StatusSpec arrived;  // a generated status package (tests/support/packages.hpp)
  arrived.from = {kMinistry, ""};
  arrived.for_organ = kCommune;
  arrived.for_document_id = document_id(kCommune, "1");
  arrived.for_code = "1/FED";
  arrived.for_date = "2026/11/22";
  arrived.code = "01";
  const std::string status = edxml::write_package(fixtures::status(arrived));
  const std::string signed_status = sign_as(kMinistry, status);
  auto s = send("g12", kMinistry, signed_status, "status");
  ASSERT_EQ(s.outcome, "accepted") << s.condition << " " << s.description;
  ASSERT_TRUE(commune.wait_for(2)) << hubs_["h30"]->log();
  auto status_msg = commune.received()[1];
  EXPECT_EQ(status_msg.properties["messagetype"], "status");
  EXPECT_EQ(status_msg.bytes, signed_status);
}

// One document for recipients behind three different hubs: every hub routes only the
// recipients that are its own business; a recipient routed back along the trail is left to the
// hub that already handled it (found by the demo: this used to fail with routing-loop).
// An agency system on the axis HTTP API at h30 and the ministry's AMQP agency at g12, two hops
// apart: a document sent with sendEdoc reaches the ministry's inbox and the system reads the
// ministry hub's receipt with getSentEdocList; a document the ministry sends over AMQP is read
// by polling, acknowledged with updateStatus done, and h30's signed receipt reaches the
// ministry across national. The client makes the SDK's requests byte for byte, over HTTPS.
TEST_F(FederationTest, AnAxisHttpApiSystemAndAnAmqpAgencyTwoHopsApartExchangeWithReceipts) {
  wait_connected();
  const fs::path h30_dir = root_.path() / "h30";
  vxp::Endpoint endpoint;
  endpoint.port = static_cast<std::uint16_t>(std::stoi(read((h30_dir / "data" / "vxp.port").string())));
  endpoint.path_prefix = "/XrdAdapter/adapter";
  endpoint.https = true;
  endpoint.ca_file = kPki + "/trust-anchors.pem";
  vxp::SdkClient sdk(endpoint, "h30-dms", kApiSecret);

  InboxClient ministry(port_["g12"], kPki, organ(kMinistry), "inbox/" + kMinistry);
  ASSERT_TRUE(ministry.wait_open()) << ministry.error();

  // HTTP in, AMQP out, the receipt's outcome back through getSentEdocList.
  const std::string out_doc = document(kApiOrgan, kMinistry, "api-1");
  auto sent = sdk.send_edoc(out_doc, "edoc", kApiOrgan);
  ASSERT_TRUE(sent.ok()) << sent.status().to_string();
  ASSERT_TRUE(sent->ok()) << sent->body;
  const std::string doc_id = sent->field("DocId");
  ASSERT_EQ(doc_id.size(), 24u);
  ASSERT_TRUE(ministry.wait_for(1)) << hubs_["g12"]->log();
  EXPECT_EQ(ministry.received()[0].bytes, out_doc);
  std::string receive_status;
  for (int i = 0; i < 150 && receive_status != "delivered"; ++i) {
    auto track = sdk.get_sent_edoc_list("edoc", doc_id);
    ASSERT_TRUE(track.ok()) << track.status().to_string();
    if (track->json && track->json->contains("data") && (*track->json)["data"].size() == 1) {
      receive_status = (*track->json)["data"][0].value("receiveStatus", "");
      if (receive_status == "delivered") {
        EXPECT_NE((*track->json)["data"][0].value("receiveStatusDesc", "").find("issued by hub g12"),
                  std::string::npos) << track->body;
      }
    }
    if (receive_status != "delivered") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(receive_status, "delivered");

  // AMQP in at g12, polled at h30, acknowledged: h30's receipt comes back to the ministry.
  const std::string in_doc = document(kMinistry, kApiOrgan, "api-2");
  ASSERT_EQ(send("g12", kMinistry, in_doc).outcome, "accepted");
  std::string waiting_id;
  for (int i = 0; i < 150 && waiting_id.empty(); ++i) {
    auto list = sdk.get_received_edoc_list("edoc");
    ASSERT_TRUE(list.ok()) << list.status().to_string();
    if (list->json && list->json->contains("data") && !(*list->json)["data"].empty()) {
      waiting_id = (*list->json)["data"][0].value("docId", "");
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ASSERT_FALSE(waiting_id.empty()) << hubs_["h30"]->log();
  auto fetched = sdk.download_edoc(waiting_id);
  ASSERT_TRUE(fetched.ok()) << fetched.status().to_string();
  EXPECT_EQ(fetched->body, in_doc);
  auto done = sdk.update_status(waiting_id, "done");
  ASSERT_TRUE(done.ok()) << done.status().to_string();
  EXPECT_TRUE(done->ok()) << done->body;
  // The ministry's inbox: the document it received, then h30's receipt for what it sent.
  ASSERT_TRUE(ministry.wait_for(2)) << hubs_["h30"]->log();
  bool receipted = false;
  for (const auto& m : ministry.received()) {
    if (m.bytes.find("DeliveryReceipt") == std::string::npos) continue;
    const edxml::DeliveryReceipt r = receipt_of(m.bytes);
    if (r.recipient == kApiOrgan) {
      receipted = true;
      EXPECT_EQ(r.outcome, "delivered");
      EXPECT_EQ(r.issuer_hub, "h30");
    }
  }
  EXPECT_TRUE(receipted);
}

TEST_F(FederationTest, OneDocumentForRecipientsOnThreeHubsReachesEachOnceWithAReceiptEach) {
  wait_connected();
  std::string doc = read(kFixtures + "/unsigned.edxml");
  const std::string to_block_start = "<edXML:To>";
  const auto to_pos = doc.find(to_block_start);
  ASSERT_NE(to_pos, std::string::npos);
  const auto to_end = doc.find("</edXML:To>", to_pos) + std::string("</edXML:To>").size();
  const std::string to_block = doc.substr(to_pos, to_end - to_pos);
  std::string extra;
  for (const std::string& organ_id : {kGovOffice, std::string("000.00.31.H30")}) {
    extra += std::regex_replace(to_block, std::regex("000\\.00\\.01\\.G12"), organ_id);
  }
  doc.insert(to_end, extra);
  const std::string id_old = "000.00.13.H30,2019/01/16,74/VPCP-TTĐT";
  doc.replace(doc.find(id_old), id_old.size(), document_id(kDepartment, "multi"));
  const std::string signed_doc = sign_as(kDepartment, doc);
  auto r = send("h30", kDepartment, signed_doc);
  ASSERT_EQ(r.outcome, "accepted") << r.condition << " " << r.description;

  InboxClient ministry(port_["g12"], kPki, organ(kMinistry), "inbox/" + kMinistry);
  InboxClient office(port_["national"], kPki, organ(kGovOffice), "inbox/" + kGovOffice);
  InboxClient district(port_["h30"], kPki, organ("000.00.31.H30"), "inbox/000.00.31.H30");
  for (InboxClient* c : {&ministry, &office, &district}) {
    ASSERT_TRUE(c->wait_open()) << c->error();
    EXPECT_TRUE(c->wait_for(1));
  }
  InboxClient sender(port_["h30"], kPki, organ(kDepartment), "inbox/" + kDepartment);
  ASSERT_TRUE(sender.wait_open()) << sender.error();
  ASSERT_TRUE(sender.wait_for(3)) << "receipts: " << sender.received().size();
  std::set<std::string> delivered_to;
  for (const auto& m : sender.received()) {
    const auto receipt = receipt_of(m.bytes);
    EXPECT_EQ(receipt.outcome, "delivered") << receipt.reason;
    delivered_to.insert(receipt.recipient + "@" + receipt.issuer_hub);
  }
  EXPECT_EQ(delivered_to, (std::set<std::string>{kMinistry + "@g12", kGovOffice + "@national",
                                                 "000.00.31.H30@h30"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // no second copy arrives
  EXPECT_EQ(ministry.received().size(), 1u);
  EXPECT_EQ(office.received().size(), 1u);
  EXPECT_EQ(district.received().size(), 1u);
}

TEST_F(FederationTest, UnknownRoutesLoopsAndForeignRelaysAreRefusedAtTheFirstHub) {
  wait_connected();
  // Not served in the authoritative H30 subtree: refused by h30 itself.
  auto unknown = send("h30", kDepartment, document(kDepartment, "000.00.77.H30", "u1"));
  EXPECT_EQ(unknown.condition, "docaxis:no-route") << unknown.description;
  // No route at all (nothing for .G99 at h30, and no default route).
  auto nowhere = send("h30", kDepartment, document(kDepartment, "000.00.01.G99", "u2"));
  EXPECT_EQ(nowhere.condition, "docaxis:no-route") << nowhere.description;

  // A hub (h30's certificate) relaying a package whose trail already holds the national hub.
  const std::string looped = document(kDepartment, kMinistry, "loop");
  auto loop = send_package(port_["national"], kPki, kPki + "/hubs/h30", "edoc", looped,
                           "application/xml", "national@1;h30@2");
  EXPECT_EQ(loop.condition, "docaxis:routing-loop") << loop.description;

  // h30 may relay only for H30 organs: a ministry package through h30's link is refused.
  const std::string foreign = document(kMinistry, kGovOffice, "foreign");
  auto relay = send_package(port_["national"], kPki, kPki + "/hubs/h30", "edoc", foreign,
                            "application/xml", "h30@1");
  EXPECT_EQ(relay.condition, "docaxis:unauthorized") << relay.description;
  // ...while the same hub relaying for its own organ is fine.
  auto own = send_package(port_["national"], kPki, kPki + "/hubs/h30", "edoc",
                          document(kDepartment, kGovOffice, "own"), "application/xml", "h30@1");
  EXPECT_EQ(own.outcome, "accepted") << own.condition << " " << own.description;
}

TEST_F(FederationTest, MinistryHubOutageQueuesAtNationalWithoutARetryStormAndDrainsAfter) {
  wait_connected();
  // The operator's view: national's links to both neighbours are up.
  auto links = peer_links(root_ / "national");
  EXPECT_EQ(links["g12"], "up");
  EXPECT_EQ(links["h30"], "up");
  TestHub& g12 = *hubs_["g12"];
  ASSERT_EQ(g12.stop(SIGTERM), 0);
  const auto outage_start = std::chrono::steady_clock::now();
  constexpr int kDocs = 20;
  for (int i = 0; i < kDocs; ++i) {
    auto r = send("h30", kDepartment, document(kDepartment, kMinistry, "out" + std::to_string(i)));
    ASSERT_EQ(r.outcome, "accepted") << r.condition << " " << r.description;
  }
  std::this_thread::sleep_for(std::chrono::seconds(12));
  const double outage_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - outage_start).count();
  // Attempts national made to reach g12 during the outage. Schedule: 1, 2, 4, 8 s (+/-20 %),
  // then the circuit opens for 5 s after 5 failures: at most 1 + 5 attempts in ~12-13 s.
  const std::string log = hubs_["national"]->log();
  const std::regex attempt("event=peer-connecting peer=g12 url=[^ ]+ attempt=(\\d+)");
  int attempts_total = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), attempt), end; it != end; ++it) {
    attempts_total = std::max(attempts_total, std::stoi((*it)[1]));
  }
  RecordProperty("reconnect_attempts_during_outage", attempts_total);
  EXPECT_EQ(peer_links(root_ / "national")["g12"], "down");
  EXPECT_LE(attempts_total, 1 + 6) << "retry storm? outage " << outage_s << " s\n" << log;
  EXPECT_GE(attempts_total, 1 + 3) << "national stopped trying\n" << log;

  // The ministry hub returns: everything queued at national is delivered.
  ASSERT_EQ(g12.start(), port_["g12"]) << g12.log();
  InboxClient ministry(port_["g12"], kPki, organ(kMinistry), "inbox/" + kMinistry);
  ASSERT_TRUE(ministry.wait_open()) << ministry.error();
  EXPECT_TRUE(ministry.wait_for(kDocs)) << "received " << ministry.received().size() << "\n"
                                        << hubs_["national"]->log();
  std::set<std::string> ids;
  for (const auto& m : ministry.received()) ids.insert(m.properties.at("document-id"));
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kDocs));
  // And every sender gets its receipt back across the two hops.
  InboxClient department(port_["h30"], kPki, organ(kDepartment), "inbox/" + kDepartment);
  ASSERT_TRUE(department.wait_open()) << department.error();
  EXPECT_TRUE(department.wait_for(kDocs)) << "receipts " << department.received().size();
}

}  // namespace
}  // namespace docaxis::test
