// docaxis-hub on PostgreSQL ([store] backend = "postgresql", issue 17): real hub processes
// sharing one database on a private PostgreSQL 15 server (tests/unit/store_pg/pg_cluster.hpp),
// real TLS clients. Two nodes of one hub: a package accepted by one is delivered by the other;
// a node killed with deliveries in flight loses none of them (the survivor takes them over when
// their lease ends); the refusals at start. Skipped, with the reason, without postgresql-15.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "federation.hpp"
#include "hub_fixture.hpp"
#include "pg_cluster.hpp"
#include "signed_packages.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;
using store::testing::PgCluster;

const char* kSender = "000.00.13.H30";
const char* kRecipient = "000.00.01.G12";

// A private server and a fresh database, or a skip naming what is missing.
class HubOnPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    pg_ = store::testing::shared_pg_cluster(&why);
    if (pg_ == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not available: " << why;
    auto db = pg_->create_database();
    ASSERT_TRUE(db.ok()) << db.status().to_string();
    db_ = *db;
  }

  // [store] for a node of the hub; short retry times so a takeover happens within seconds.
  std::string node_toml(const std::string& node, const std::string& conninfo = "") const {
    return "[store]\nbackend = \"postgresql\"\npostgresql_conninfo = \"" +
           (conninfo.empty() ? pg_->conninfo(db_) : conninfo) + "\"\nnode = \"" + node +
           "\"\nrequire_synchronous_standby = false\n"
           "[limits]\ndelivery_timeout_seconds = 1\n"
           "[retry]\nfirst_retry_seconds = 1\nmax_interval_seconds = 1\n"
           "sweeper_interval_seconds = 1\nin_flight_timeout_seconds = 2\n";
  }

  std::string count(const std::string& sql) {
    auto r = pg_->query(sql, db_);
    return r.ok() ? *r : "error: " + r.status().to_string();
  }

  PgCluster* pg_ = nullptr;
  std::string db_;
};

std::set<std::string> bytes_of(const std::vector<InboxClient::Received>& got) {
  std::set<std::string> out;
  for (const auto& r : got) out.insert(r.bytes);
  return out;
}

TEST_F(HubOnPostgres, APackageAcceptedByOneNodeIsDeliveredByTheOtherWithItsReceipt) {
  TestHub n1(temp_dir("pg-n1"), node_toml("n1"));
  TestHub n2(temp_dir("pg-n2"), node_toml("n2"));
  const int p1 = n1.start();
  const int p2 = n2.start();
  ASSERT_GT(p1, 0);
  ASSERT_GT(p2, 0);
  EXPECT_NE(n1.log().find("store=postgresql store_node=n1"), std::string::npos) << n1.log_tail();

  const SignedPackages pkgs = signed_packages(4, "PG-TWO-NODES");
  ASSERT_EQ(pkgs.bytes.size(), 4u);
  for (std::size_t i = 0; i < pkgs.bytes.size(); ++i) {
    auto sent = send_package(i % 2 == 0 ? p1 : p2, kPki, organ(kSender), "edoc", pkgs.bytes[i]);
    ASSERT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description;
  }
  // Both nodes wrote into the one database.
  EXPECT_EQ(count("SELECT count(*) FROM packages WHERE message_type = 'edoc'"), "4");

  // The recipient reads at node 2 only: it gets all four, byte for byte.
  InboxClient inbox(p2, kPki, organ(kRecipient), std::string("inbox/") + kRecipient);
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(inbox.wait_for(4)) << n2.log_tail();
  EXPECT_EQ(bytes_of(inbox.received()),
            std::set<std::string>(pkgs.bytes.begin(), pkgs.bytes.end()));

  // The signed receipts reach the sender at node 1.
  InboxClient receipts(p1, kPki, organ(kSender), std::string("inbox/") + kSender);
  ASSERT_TRUE(receipts.wait_open()) << receipts.error();
  ASSERT_TRUE(receipts.wait_for(4)) << n1.log_tail();
  for (const auto& r : receipts.received()) EXPECT_EQ(r.properties.at("messagetype"), "receipt");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE state <> 'delivered'"), "0");

  // A re-send of an accepted package to the other node is the duplicate, nothing new routed.
  auto again = send_package(p1, kPki, organ(kSender), "edoc", pkgs.bytes[1]);
  EXPECT_EQ(again.outcome, "accepted") << again.condition << " " << again.description;
  EXPECT_EQ(count("SELECT count(*) FROM packages WHERE message_type = 'edoc'"), "4");

  // One audit chain in the database, written by both nodes; none in the data directories.
  EXPECT_EQ(count("SELECT count(*) FROM audit_records WHERE event = 'accepted'"), "4");
  EXPECT_EQ(count("SELECT count(DISTINCT node) FROM audit_records WHERE event = 'accepted'"), "2");
  EXPECT_FALSE(fs::exists(n1.data_dir() / "audit" / "audit-000001.log"));
  // `docaxis receipt pull` writes it as segment files that `receipt verify` accepts.
  TempDir out("pg-audit-pull");
  const std::string dir = (out.path() / "chain").string();
  const std::string pull = std::string(DOCAXIS_CLI_BINARY) + " receipt pull --conninfo '" +
                           pg_->conninfo(db_) + "' --out " + dir + " 2>&1";
  EXPECT_EQ(std::system(pull.c_str()), 0) << pull;
  const std::string verify = std::string(DOCAXIS_CLI_BINARY) + " receipt verify --hub-cert " +
                             kPki + "/hubs/h30.crt " + dir + " > " + dir + ".verdict 2>&1";
  EXPECT_EQ(std::system(verify.c_str()), 0) << read(dir + ".verdict");
  EXPECT_NE(read(dir + ".verdict").find("intact"), std::string::npos) << read(dir + ".verdict");
  // Pulled a second time into the same folder: refused, nothing overwritten.
  EXPECT_NE(std::system(pull.c_str()), 0);
}

TEST_F(HubOnPostgres, ANodeKilledWithDeliveriesInFlightLosesNoneOfThem) {
  TestHub n1(temp_dir("pg-kill-n1"), node_toml("n1"));
  TestHub n2(temp_dir("pg-kill-n2"), node_toml("n2"));
  const int p1 = n1.start();
  const int p2 = n2.start();
  ASSERT_GT(p1, 0);
  ASSERT_GT(p2, 0);

  // The recipient's inbox at node 1 takes the packages and never answers: they are node 1's,
  // in flight.
  InboxClient stuck(p1, kPki, organ(kRecipient), std::string("inbox/") + kRecipient,
                    /*reject_all=*/false, /*settle_only=*/false, /*hold_credit=*/3);
  ASSERT_TRUE(stuck.wait_open()) << stuck.error();
  const SignedPackages pkgs = signed_packages(3, "PG-KILL");
  ASSERT_EQ(pkgs.bytes.size(), 3u);
  for (const std::string& p : pkgs.bytes) {
    auto sent = send_package(p2, kPki, organ(kSender), "edoc", p);
    ASSERT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description;
  }
  ASSERT_TRUE(stuck.wait_for(3)) << n1.log_tail();
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE state = 'in_flight' AND recipient = '" +
                  std::string(kRecipient) + "'"),
            "3");

  n1.stop(SIGKILL);
  // The recipient comes back at node 2; node 2 takes node 1's deliveries once their lease ends.
  InboxClient inbox(p2, kPki, organ(kRecipient), std::string("inbox/") + kRecipient);
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(inbox.wait_for(3)) << n2.log_tail();
  EXPECT_EQ(bytes_of(inbox.received()),
            std::set<std::string>(pkgs.bytes.begin(), pkgs.bytes.end()));
}

TEST_F(HubOnPostgres, AServerWithoutASynchronousStandbyIsRefusedWhenOneIsRequired) {
  std::string toml = node_toml("n1");
  toml.replace(toml.find("require_synchronous_standby = false"),
               std::string("require_synchronous_standby = false").size(),
               "require_synchronous_standby = true");
  TestHub hub(temp_dir("pg-nosync"), toml);
  auto port = hub.launch(std::chrono::seconds(20));
  ASSERT_FALSE(port.ok()) << "the hub started on a lone server";
  EXPECT_NE(port.status().message().find("exit code 1"), std::string::npos)
      << port.status().message();
  EXPECT_NE(hub.log().find("synchronous standby"), std::string::npos) << hub.log_tail();
}

TEST_F(HubOnPostgres, AnUnreachableDatabaseIsAClearStartFailure) {
  const int closed = free_loopback_port();
  TestHub hub(temp_dir("pg-unreachable"),
              node_toml("n1", "host=127.0.0.1 port=" + std::to_string(closed) +
                                  " dbname=docaxis user=docaxis connect_timeout=2"));
  auto port = hub.launch(std::chrono::seconds(20));
  ASSERT_FALSE(port.ok()) << "the hub started without its database";
  EXPECT_NE(port.status().message().find("exit code 1"), std::string::npos)
      << port.status().message();
  EXPECT_NE(hub.log().find("unavailable"), std::string::npos) << hub.log_tail();
}

// Two nodes of h30 on PostgreSQL and the national hub as their peer: one node at a time holds
// the outbound link to national (the lease in link_leases), the packages for national leave
// through it, and when that node dies the other takes the lease (15 s) and the link.
TEST_F(HubOnPostgres, APeerLinkHasOneOwnerAndMovesWhenItsNodeDies) {
  auto fed = Federation::standard();
  ASSERT_TRUE(fed.ok()) << fed.status().to_string();
  const std::map<std::string, int> ports = {
      {"h30", free_loopback_port()}, {"national", free_loopback_port()}, {"g12", free_loopback_port()}};
  TempDir ndir("pg-peer-national");
  HubProcess national(kHub, ndir.path(),
                      hub_toml({.pki = kPki,
                                .data_dir = ndir.path() / "data",
                                .name = "national",
                                .port = ports.at("national"),
                                .organs = fed->organs_of("national"),
                                .extra_toml = federation_toml(*fed->hub("national"), ports)}));
  ASSERT_TRUE(national.launch().ok()) << national.log_tail();
  auto node_config = [&](const fs::path& dir, const std::string& node) {
    return TestHub::FullConfig{
        hub_toml({.pki = kPki,
                  .data_dir = dir / "data",
                  .name = "h30",
                  .organs = fed->organs_of("h30"),
                  .extra_toml = federation_toml(*fed->hub("h30"), ports) + node_toml(node)})};
  };
  TempDir d1("pg-peer-n1"), d2("pg-peer-n2");
  auto n1 = std::make_unique<TestHub>(d1.path(), node_config(d1.path(), "n1"));
  TestHub n2(d2.path(), node_config(d2.path(), "n2"));
  const int p1 = n1->start();
  const int p2 = n2.start();
  ASSERT_GT(p1, 0);
  ASSERT_GT(p2, 0);

  // Each package is for 000.00.01.G12, behind national (h30 routes .G12 there); its h30
  // delivery (next hop national) is delivered once national accepted it.
  const SignedPackages pkgs = signed_packages(2, "PG-PEER");
  ASSERT_EQ(pkgs.bytes.size(), 2u);
  auto delivered_to_national = [&](int want, std::chrono::seconds within) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < until) {
      if (count("SELECT count(*) FROM deliveries WHERE next_hop = 'national' AND state = "
                "'delivered'") == std::to_string(want)) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  };
  auto owner = [&] { return count("SELECT owner FROM link_leases WHERE link = 'peer:national'"); };

  auto sent = send_package(p1, kPki, organ(kSender), "edoc", pkgs.bytes[0]);
  ASSERT_EQ(sent.outcome, "accepted") << sent.condition << " " << sent.description;
  ASSERT_TRUE(delivered_to_national(1, std::chrono::seconds(30)))
      << n1->log_tail() << n2.log_tail() << national.log_tail();
  const std::string holder = owner();
  ASSERT_TRUE(holder == "n1" || holder == "n2") << holder;
  // Only the holder's link is up: the other node logged it off and never up.
  TestHub& held = holder == "n1" ? *n1 : n2;
  TestHub& other = holder == "n1" ? n2 : *n1;
  EXPECT_NE(held.log().find("event=peer-lease-acquired"), std::string::npos) << held.log_tail();
  EXPECT_EQ(other.log().find("event=peer-lease-acquired"), std::string::npos) << other.log_tail();

  // The holder dies; the survivor takes the lease when it ends and the next package leaves.
  const int survivor_port = holder == "n1" ? p2 : p1;
  held.stop(SIGKILL);
  auto again = send_package(survivor_port, kPki, organ(kSender), "edoc", pkgs.bytes[1]);
  ASSERT_EQ(again.outcome, "accepted") << again.condition << " " << again.description;
  ASSERT_TRUE(delivered_to_national(2, std::chrono::seconds(60))) << other.log_tail();
  EXPECT_EQ(owner(), holder == "n1" ? "n2" : "n1");
  EXPECT_NE(other.log().find("event=peer-lease-acquired"), std::string::npos) << other.log_tail();
}

}  // namespace
}  // namespace docaxis::test
