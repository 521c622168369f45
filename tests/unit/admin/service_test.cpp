// AdminService without sockets: a real SqliteStore and AuditLog in a temp dir, fake hub ports.
// What an operator's command does to the spool and what it leaves in the audit log.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "admin/service.hpp"
#include "audit/verify.hpp"
#include "store/sqlite_store.hpp"
#include "support.hpp"  // tests/unit/audit: temp dir, throwaway hub key

namespace docaxis::admin {
namespace {

using nlohmann::json;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions so;
    so.path = dir_ / "spool.sqlite";
    so.clock = [this] { return now_; };
    auto s = store::SqliteStore::open(so);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(*s);
    key_ = audit::test::make_hub_key(dir_.path(), "hub");
    auto a = audit::AuditLog::open(audit::test::test_options(dir_ / "audit", key_));
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    audit_ = std::move(*a);
    config_.hub.name = "h30";
    config_.hub.data_dir = dir_.path();
    for (const char* organ : {"000.00.13.H30", "000.00.01.G12"}) {
      config::EndpointConfig e;
      e.organ = organ;
      config_.endpoints.push_back(e);
    }
    HubPorts ports;
    ports.clock = [this] { return now_; };
    ports.breaker = [](const std::string&, const std::string& recipient) {
      return recipient == "000.00.01.G12" ? std::string("open") : std::string("closed");
    };
    ports.inbox_attached = [](const std::string& organ) { return organ == "000.00.13.H30"; };
    ports.wake_dispatcher = [this] { ++wakes_; };
    ports.counters = [] { return json{{"ingest", {{"accepted", 10}}}, {"gauges", {{"in_flight", 3}}}}; };
    ports.certificates = [this] { return certs_; };
    ServiceOptions o;
    o.config = &config_;
    o.started_ms = now_ - 10'000;
    service_ = std::make_unique<AdminService>(o, *store_, *store_, audit_.get(), ports);
  }

  uint64_t ingest(const std::string& sender, const std::string& doc,
                  std::vector<std::string> recipients = {"000.00.01.G12"}) {
    store::StoredPackage p;
    p.message_type = "edoc";
    p.sender = sender;
    p.document_id = doc;
    p.bytes = "<not-edxml>" + sender + doc + "</not-edxml>";
    p.sha256_hex = std::string(64, 'a');
    p.sha256_hex[0] = static_cast<char>('0' + (++packages_ % 10));
    p.received_ms = now_;
    p.verdict.is_signed = true;
    p.verdict.signer_subject = "CN=x";
    p.verdict.signature_method = "alg";
    std::vector<store::DeliverySpec> specs;
    for (const auto& r : recipients) specs.push_back({r, "local", 0});
    auto r = store_->ingest(p, specs);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? r->seq : 0;
  }
  uint64_t kill(uint64_t seq) {
    auto d = store_->deliveries_of(seq);
    EXPECT_TRUE(store_->mark_dead(d->front().id, "expired: deadline").ok());
    return d->front().id;
  }
  Result<json> call(const std::string& cmd, json args, bool mutate = false,
                    const std::string& who = "alice") {
    Request r;
    r.cmd = cmd;
    r.args = std::move(args);
    r.who = who;
    r.mutate = mutate;
    return service_->handle(caller_, r);
  }
  std::vector<audit::Event> operator_events() {
    std::vector<audit::Event> out;
    Status s = audit::for_each_record(dir_ / "audit", {}, [&](const audit::ExportedRecord& r) {
      if (r.record.event.type == "operator") out.push_back(r.record.event);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }

  audit::test::TempDir dir_;
  audit::test::HubKey key_;
  int64_t now_ = 1'763'780'221'000;
  std::vector<model::CertInfo> certs_;
  int packages_ = 0;
  int wakes_ = 0;
  Caller caller_{1000, 4242, "alice"};
  config::HubConfig config_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<AdminService> service_;
};

TEST_F(ServiceTest, AMutatingCommandSentAsAReadChangesNothing) {
  const uint64_t seq = ingest("000.00.13.H30", "doc-1");
  kill(seq);
  const std::string answer = service_->handle_line(
      caller_, R"({"cmd":"dlq.purge","args":{"before_ms":9999999999999}})");
  EXPECT_NE(answer.find("mutation-not-declared"), std::string::npos) << answer;
  store::DeliveryFilter dead;
  dead.states = {store::DeliveryState::kDead};
  EXPECT_EQ(*store_->count_deliveries(dead), 1u);
  EXPECT_TRUE(operator_events().empty());
}

TEST_F(ServiceTest, RetryingADeadLetterIsAuditedWithTheKernelIdentityAndTheClientsClaim) {
  const uint64_t seq = ingest("000.00.13.H30", "doc-1");
  const uint64_t dead = kill(seq);
  now_ += 5'000;
  auto r = call("dlq.retry", {{"ref", std::to_string(seq)}}, true, "bob");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ((*r)["retried"].size(), 1u);
  EXPECT_EQ((*r)["retried"][0]["was"], "dead");
  const uint64_t fresh = (*r)["retried"][0]["now"]["id"];
  EXPECT_NE(fresh, dead);
  EXPECT_EQ((*r)["retried"][0]["now"]["next_attempt_ms"], now_);
  EXPECT_EQ(wakes_, 1);

  auto events = operator_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].who, "alice (uid 1000) claims \"bob\"");
  EXPECT_EQ(events[0].doc, "doc-1");
  EXPECT_EQ(events[0].organ, "000.00.01.G12");
  EXPECT_EQ(events[0].detail["action"], "dlq.retry");
  EXPECT_EQ(events[0].detail["delivery"], dead);
  EXPECT_EQ(events[0].detail["new_delivery"], fresh);
  EXPECT_EQ(events[0].detail["pid"], 4242);
  EXPECT_EQ(events[0].detail["last_error"], "expired: deadline");
  // The same claim as the kernel's user is not repeated.
  const uint64_t seq2 = ingest("000.00.13.H30", "doc-2");
  kill(seq2);
  ASSERT_TRUE(call("doc.retry", {{"ref", "doc-2"}}, true, "alice").ok());
  EXPECT_EQ(operator_events().back().who, "alice (uid 1000)");
}

TEST_F(ServiceTest, ReferencesResolveSeqsAndDocumentIdsAndMutationsRefuseAmbiguity) {
  const uint64_t a = ingest("000.00.13.H30", "same-id");
  const uint64_t b = ingest("000.00.01.G12", "same-id", {"000.00.13.H30"});
  auto shown = call("doc.show", {{"ref", "same-id"}});
  ASSERT_TRUE(shown.ok()) << shown.status().to_string();
  ASSERT_EQ((*shown)["packages"].size(), 2u);
  EXPECT_EQ((*shown)["packages"][0]["seq"], a);
  EXPECT_EQ((*shown)["packages"][1]["seq"], b);
  EXPECT_EQ((*shown)["packages"][0]["signature"]["signer"], "CN=x");
  EXPECT_EQ(call("doc.show", {{"ref", "seq:" + std::to_string(b)}})->at("packages").size(), 1u);
  EXPECT_EQ(call("doc.show", {{"ref", std::to_string(a)}})->at("packages")[0]["seq"], a);
  EXPECT_EQ(call("doc.retry", {{"ref", "same-id"}}, true).status().code(), "ambiguous");
  EXPECT_EQ(call("doc.show", {{"ref", "nope"}}).status().code(), "not-found");
  EXPECT_EQ(call("doc.show", json::object()).status().code(), "invalid-argument");
  EXPECT_EQ(call("doc.list", {{"state", "lost"}}).status().code(), "invalid-argument");
  EXPECT_EQ(call("doc.list", {{"limit", "ten"}}).status().code(), "invalid-argument");
}

// doc show's signature and receipts come from the stored fields (no sentence parsed back, no
// receipt id parsed back): the JSON fields stay what the CLI reads.
TEST_F(ServiceTest, DocShowReadsTheVerdictAndTheReceiptsDeliveryFromTheStoredFields) {
  store::StoredPackage p;
  p.message_type = "edoc";
  p.sender = "000.00.04.G14";
  p.document_id = "doc-v";
  p.bytes = "<not-edxml/>";
  p.sha256_hex = std::string(64, 'd');
  p.received_ms = now_;
  p.relaxations = {"legacy-sha1"};
  // A subject with "; " in it: the old sentence parser would have cut it there.
  p.verdict.is_signed = true;
  p.verdict.signer_subject = "CN=G14; O=Gov";
  p.verdict.signature_method = "http://alg#rsa-sha1";
  p.verdict.relaxation_reason = "old client";
  p.verdict.relayed_by = "national";
  p.verdict.left_to_earlier_hubs = {{"000.00.01.G01", "south"}};
  auto stored = store_->ingest(p, {{"000.00.13.H30", "local", 0}});
  ASSERT_TRUE(stored.ok()) << stored.status().to_string();
  const uint64_t seq = stored->seq;
  const uint64_t delivery = store_->deliveries_of(seq)->front().id;
  // Two receipts about it; the second one's id is not in the "<hub>-<seq>-<id>" form, so only
  // its fields can tie it to the package and give its delivery. Another hub's is not shown.
  auto receipt = [&](const std::string& sender, const std::string& id, uint64_t d) {
    store::StoredPackage r;
    r.message_type = "receipt";
    r.sender = sender;
    r.document_id = id;
    r.bytes = "<r>" + id + "</r>";
    r.sha256_hex = std::string(64, static_cast<char>('0' + d % 10));
    r.received_ms = now_;
    r.verdict.form = store::PackageVerdict::Form::kIssuedReceipt;
    r.verdict.receipt_issuer = sender;
    r.verdict.receipt_outcome = "delivered";
    r.verdict.about_document = "doc-v";
    r.verdict.about_sha256 = p.sha256_hex;
    r.verdict.about_seq = seq;
    r.verdict.about_delivery = d;
    auto done = store_->ingest(r, {{"000.00.04.G14", "national", 0}});
    ASSERT_TRUE(done.ok()) << done.status().to_string();
  };
  receipt("h30", "h30-" + std::to_string(seq) + "-" + std::to_string(delivery), delivery);
  receipt("h30", "h30-renamed", delivery + 100);
  receipt("h31", "h31-" + std::to_string(seq) + "-1", 1);

  auto shown = call("doc.show", {{"ref", "seq:" + std::to_string(seq)}});
  ASSERT_TRUE(shown.ok()) << shown.status().to_string();
  const json& pkg = (*shown)["packages"][0];
  const json& sig = pkg["signature"];
  EXPECT_EQ(sig["signed"], true);
  EXPECT_EQ(sig["signer"], "CN=G14; O=Gov");
  EXPECT_EQ(sig["method"], "http://alg#rsa-sha1");
  EXPECT_EQ(sig["relayed_by"], "national");
  EXPECT_EQ(sig["relaxation_reason"], "old client");
  EXPECT_EQ(sig["left_to_earlier_hubs"],
            json::array({{{"recipient", "000.00.01.G01"}, {"via", "south"}}}));
  EXPECT_EQ(sig["verdict"],
            "signed by CN=G14; O=Gov; http://alg#rsa-sha1; relaxed: legacy-sha1 (old client); "
            "relayed by national; left to earlier hubs: 000.00.01.G01 (via south)");
  const json& receipts = pkg["receipts"];
  ASSERT_EQ(receipts.size(), 2u) << receipts.dump();
  EXPECT_EQ(receipts[0]["receipt_id"], "h30-" + std::to_string(seq) + "-" + std::to_string(delivery));
  EXPECT_EQ(receipts[0]["delivery"], delivery);
  EXPECT_EQ(receipts[0]["to"], "000.00.04.G14");
  EXPECT_EQ(receipts[0]["state"], "waiting");
  EXPECT_EQ(receipts[1]["receipt_id"], "h30-renamed");
  EXPECT_EQ(receipts[1]["delivery"], delivery + 100);
}

TEST_F(ServiceTest, QueueListShowsEveryConfiguredInboxWithTheDispatchersView) {
  ingest("000.00.13.H30", "doc-1");
  now_ += 60'000;
  auto r = call("queue.list", json::object());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const json& q = (*r)["queues"];
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0]["destination"], "inbox/000.00.13.H30");
  EXPECT_EQ(q[0]["attached"], true);
  EXPECT_EQ(q[0]["waiting"], 0);
  EXPECT_EQ(q[1]["destination"], "inbox/000.00.01.G12");
  EXPECT_EQ(q[1]["breaker"], "open");
  EXPECT_EQ(q[1]["attached"], false);
  EXPECT_EQ(q[1]["waiting"], 1);
  EXPECT_EQ(q[1]["oldest_age_ms"], 60'000);
}

TEST_F(ServiceTest, DocShowOfAPackageWhoseBytesRetentionReleasedShowsItsRowAndWhen) {
  const uint64_t seq = ingest("000.00.13.H30", "kept-row");
  auto d = store_->deliveries_of(seq);
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(store_->mark_delivered(d->front().id).ok());
  now_ += 3'600'000;
  store::RetentionPolicy policy;
  policy.edoc_ms = 60'000;
  auto pass = store_->release_expired(policy, now_);
  ASSERT_TRUE(pass.ok()) << pass.status().to_string();
  ASSERT_EQ(pass->packages, 1u);
  auto r = call("doc.show", {{"ref", "kept-row"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const json& p = (*r)["packages"][0];
  EXPECT_EQ(p["seq"], seq);
  EXPECT_EQ(p["document_id"], "kept-row");
  EXPECT_EQ(p["bytes_released_ms"], now_);
  EXPECT_NE(p["content"]["released"].get<std::string>().find("released by retention"),
            std::string::npos);
  ASSERT_EQ(p["deliveries"].size(), 1u);
  EXPECT_EQ(p["deliveries"][0]["state"], "delivered");
}

TEST_F(ServiceTest, DocShowOfAPackageWithDamagedBytesShowsItsRowAndTheError) {
  const uint64_t seq = ingest("000.00.13.H30", "damaged");
  const std::filesystem::path segment = dir_ / "spool.sqlite-packages" / "00000001.seg";
  {
    std::fstream f(segment, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f) << segment;
    f.seekp(3);
    f.put('#');
  }
  auto r = call("doc.show", {{"ref", "damaged"}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  const json& p = (*r)["packages"][0];
  EXPECT_EQ(p["seq"], seq);
  EXPECT_EQ(p["from"], "000.00.13.H30");
  EXPECT_FALSE(p.contains("bytes_released_ms"));
  EXPECT_EQ(p["content"]["error"].get<std::string>().rfind("data-loss", 0), 0u) << p.dump();
  EXPECT_EQ(p["deliveries"].size(), 1u);
}

TEST_F(ServiceTest, StatsRateEveryCounterButNotTheGauges) {
  auto r = call("stats", json::object());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_DOUBLE_EQ((*r)["rates_per_s"]["ingest.accepted"].get<double>(), 1.0);  // 10 in 10 s
  EXPECT_FALSE((*r)["rates_per_s"].contains("gauges.in_flight"));
}

TEST_F(ServiceTest, PurgeDeletesOnlyOldDeadLettersAndAuditsEachOne) {
  const uint64_t old1 = ingest("000.00.13.H30", "old-1");
  const uint64_t old2 = ingest("000.00.13.H30", "old-2");
  kill(old1);
  kill(old2);
  now_ += 3'600'000;
  const uint64_t recent = ingest("000.00.13.H30", "recent");
  kill(recent);
  auto r = call("dlq.purge", {{"before_ms", now_ - 60'000}}, true);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)["purged"], 2);
  EXPECT_EQ((*r)["packages_deleted"], 2);
  EXPECT_EQ(store_->load_package(old1).status().code(), "not-found");
  EXPECT_TRUE(store_->load_package(recent).ok());
  auto events = operator_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].doc, "old-1");
  EXPECT_EQ(events[1].doc, "old-2");
  EXPECT_EQ(events[0].detail["action"], "dlq.purge");
  EXPECT_TRUE(events[0].detail["package_deleted"].get<bool>());
  EXPECT_EQ(call("dlq.purge", json::object(), true).status().code(), "invalid-argument");
  // The hub refuses a cut-off in the future itself (not only the CLI): nothing purged.
  auto future = call("dlq.purge", {{"before_ms", now_ + 1}}, true);
  EXPECT_EQ(future.status().code(), "invalid-argument");
  EXPECT_NE(future.status().message().find("in the future"), std::string::npos);
  EXPECT_TRUE(store_->load_package(recent).ok());
}

}  // namespace
}  // namespace docaxis::admin

namespace docaxis::admin {
namespace {

model::CertInfo cert(const std::string& role, const std::string& subject, int64_t not_after) {
  model::CertInfo c;
  c.role = role;
  c.subject = subject;
  c.issuer = "CN=CA";
  c.serial = "1f";
  c.sha256 = std::string(64, 'a');
  c.not_before = not_after - 86400 * 365;
  c.not_after = not_after;
  c.last_seen = 100;
  c.source = role == "endpoint" ? "" : "/etc/x.pem";
  return c;
}

TEST_F(ServiceTest, CertListIsTheInventorySoonestExpiryFirstWithDaysLeft) {
  const int64_t now_s = now_ / 1000;
  certs_ = {cert("anchor", "CN=Root", now_s + 3650 * 86400),
            cert("hub-signing", "CN=hub", now_s + 12 * 86400 + 5),
            cert("endpoint", "CN=organ", now_s - 2 * 86400)};
  auto r = call("cert.list", json::object());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ((*r)["now_ms"], now_);
  EXPECT_EQ((*r)["warn_days"], 30);
  const json& list = (*r)["certificates"];
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["subject"], "CN=organ");
  EXPECT_EQ(list[0]["days_left"], -2);
  EXPECT_EQ(list[0]["expired"], true);
  EXPECT_EQ(list[0]["source"], "");
  EXPECT_EQ(list[1]["role"], "hub-signing");
  EXPECT_EQ(list[1]["days_left"], 12);
  EXPECT_EQ(list[1]["expired"], false);
  EXPECT_EQ(list[1]["not_after_ms"], (now_s + 12 * 86400 + 5) * 1000);
  EXPECT_EQ(list[1]["serial"], "1f");
  EXPECT_EQ(list[1]["issuer"], "CN=CA");
  EXPECT_EQ(list[1]["sha256"], std::string(64, 'a'));
  EXPECT_EQ(list[1]["last_seen_ms"], 100000);
  EXPECT_EQ(list[2]["days_left"], 3650);
  // A read-only command: no "mutate" needed, and listed as such by hub.info.
  auto info = call("hub.info", json::object());
  ASSERT_TRUE(info.ok());
  const json& reads = (*info)["commands"]["read"];
  EXPECT_NE(std::find(reads.begin(), reads.end(), "cert.list"), reads.end()) << reads.dump();
}

}  // namespace
}  // namespace docaxis::admin
