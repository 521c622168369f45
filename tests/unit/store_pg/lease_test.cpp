// PgStore's owners and leases (hub/store_pg/README.md, "Owners and leases"): two hub nodes of
// different names on one database. A node's start-up never takes a live node's claims; a dead
// node's are taken over once their lease is over by the database's clock (not a node's); a
// restarted node takes its own back at once; one live process per node name; the outbound
// peer link lease. Each runs on the process's private PostgreSQL 15 server and skips without.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "backends.hpp"
#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_migrations.hpp"

namespace docaxis::store::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kDay = 24LL * 3600 * 1000;

int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = backend_.prepare(); !why.empty()) GTEST_SKIP() << why;
  }
  Result<std::unique_ptr<PgStore>> try_open(const std::string& node, int64_t lease_ms,
                                            std::function<int64_t()> clock = {}) {
    PgStoreOptions o;
    o.conninfo = backend_.cluster()->conninfo(backend_.db());
    o.node = node;
    o.lease_ms = lease_ms;
    o.clock = std::move(clock);
    return PgStore::open(std::move(o));
  }
  std::unique_ptr<PgStore> open(const std::string& node, int64_t lease_ms = 300'000,
                                std::function<int64_t()> clock = {}) {
    auto s = try_open(node, lease_ms, std::move(clock));
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string q(const std::string& sql) {
    auto r = backend_.cluster()->query(sql, backend_.db());
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : "";
  }
  // `n` packages for hub-b, each with one delivery, claimed by `s` at `now`.
  static void ingest_and_claim(PgStore& s, int n, int64_t now = kT0) {
    for (int i = 0; i < n; ++i) {
      const std::string doc = s.node() + "-" + std::to_string(i);
      ASSERT_TRUE(s.ingest(make_package("000.00.00.A01", doc, binary_bytes(doc, 200), kT0),
                           {{"R1", "hub-b", 0}}).ok());
    }
    auto claimed = s.claim_due("hub-b", now, static_cast<uint32_t>(n));
    ASSERT_TRUE(claimed.ok()) << claimed.status().to_string();
    ASSERT_EQ(claimed->size(), static_cast<size_t>(n));
  }
  std::string in_flight_of(const std::string& node) {
    return q("SELECT count(*) FROM deliveries WHERE state = 'in_flight' AND owner = '" + node +
             "'");
  }
  // Sweeps with `s` until it recovers something (at most `limit_ms`); what it recovered.
  static uint64_t sweep_until_taken(PgStore& s, int64_t before, int limit_ms) {
    const auto until = Clock::now() + std::chrono::milliseconds(limit_ms);
    while (Clock::now() < until) {
      auto n = s.recover_in_flight(before);
      EXPECT_TRUE(n.ok()) << n.status().to_string();
      if (!n.ok() || *n > 0) return n.ok() ? *n : 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return 0;
  }
  PgBackend backend_;
};

TEST_F(LeaseTest, AClaimOwnsItsDeliveriesUntilTheDatabaseClockPlusTheLease) {
  auto a = open("node-a", 60'000);
  ASSERT_TRUE(a);
  ingest_and_claim(*a, 2);
  EXPECT_EQ(in_flight_of("node-a"), "2");
  // The lease ends 60 s after the database's now (give 10 s for a slow machine).
  EXPECT_EQ(q("SELECT count(*) FROM deliveries WHERE lease_until_ms - docaxis_now_ms() "
              "BETWEEN 50000 AND 60000"),
            "2");
  auto d = a->claim_due("hub-b", kT0, 1);  // nothing left
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->empty());
  // Every transition out of in_flight clears owner and lease.
  auto ids = q("SELECT string_agg(id::text, ',' ORDER BY id) FROM deliveries");
  const uint64_t first = std::stoull(ids.substr(0, ids.find(',')));
  const uint64_t second = std::stoull(ids.substr(ids.find(',') + 1));
  ASSERT_TRUE(a->mark_delivered(first).ok());
  ASSERT_TRUE(a->schedule_retry(second, kT0 + 1000, "peer away").ok());
  EXPECT_EQ(q("SELECT count(*) FROM deliveries WHERE owner IS NOT NULL "
              "OR lease_until_ms IS NOT NULL"),
            "0");
}

TEST_F(LeaseTest, AnotherNodesStartUpLeavesALiveNodesClaimsInFlight) {
  auto a = open("node-a", 60'000);
  ASSERT_TRUE(a);
  ingest_and_claim(*a, 3);
  auto b = open("node-b");
  ASSERT_TRUE(b);
  auto n = b->recover_in_flight(INT64_MAX);  // node B's start-up
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 0u) << "node B's start-up took node A's live claims";
  EXPECT_EQ(in_flight_of("node-a"), "3");
}

TEST_F(LeaseTest, ADeadNodesClaimsAreTakenOverWhenTheirLeaseIsOver) {
  auto a = open("node-a", 300);
  ASSERT_TRUE(a);
  const auto claimed_at = Clock::now();
  ingest_and_claim(*a, 3);
  a.reset();  // node A dies with its deliveries in flight (its process is gone)
  auto b = open("node-b");
  ASSERT_TRUE(b);
  const int64_t sweep_before = kT0 - 300'000;  // B's sweeper: nothing is that old by updated_ms
  const uint64_t taken = sweep_until_taken(*b, sweep_before, 5000);
  const auto waited = Clock::now() - claimed_at;
  EXPECT_EQ(taken, 3u);
  EXPECT_GE(waited, std::chrono::milliseconds(300)) << "taken over before the lease was over";
  EXPECT_EQ(q("SELECT count(*) FROM deliveries WHERE state = 'waiting' AND unanswered = 1 "
              "AND owner IS NULL AND lease_until_ms IS NULL AND last_error LIKE "
              "'recovered: in flight without outcome since % (claimed by node ''node-a'', "
              "whose lease expired)'"),
            "3");
  auto again = b->claim_due("hub-b", system_ms() + 1000, 10);  // B now delivers them (due now)
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 3u);
  EXPECT_EQ(in_flight_of("node-b"), "3");
}

// Node B's clock runs a day ahead: by updated_ms node A's claims look a day old, yet B's
// sweep leaves them while their lease is unexpired by the database's clock. Node C's clock
// runs a day ahead too: its 300 ms lease is over 300 ms later all the same.
TEST_F(LeaseTest, TheDatabaseClockDecidesNotTheNodes) {
  auto a = open("node-a", 60'000);
  ASSERT_TRUE(a);
  ingest_and_claim(*a, 2, system_ms());
  auto b = open("node-b", 300'000, [] { return system_ms() + kDay; });
  ASSERT_TRUE(b);
  auto n = b->recover_in_flight(system_ms() + kDay - 300'000);  // B's sweeper
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 0u) << "node B's clock decided node A's lease";
  EXPECT_EQ(in_flight_of("node-a"), "2");
  a.reset();

  auto c = open("node-c", 300, [] { return system_ms() + kDay; });
  ASSERT_TRUE(c);
  const std::string before = q("SELECT count(*) FROM deliveries");
  ASSERT_TRUE(c->ingest(make_package("000.00.00.A01", "c", binary_bytes("c", 200), kT0),
                        {{"R1", "hub-c", 0}}).ok());
  ASSERT_EQ(c->claim_due("hub-c", system_ms() + kDay, 1)->size(), 1u);
  c.reset();  // node C dies
  // Node A's two (60 s) stay; node C's is taken over within a few seconds.
  EXPECT_EQ(sweep_until_taken(*b, system_ms() + kDay - 300'000, 5000), 1u);
  EXPECT_EQ(in_flight_of("node-a"), "2");
  EXPECT_EQ(q("SELECT state FROM deliveries WHERE next_hop = 'hub-c'"), "waiting");
  EXPECT_EQ(before, "2");
}

TEST_F(LeaseTest, ARestartedNodeTakesItsOwnBackAtOnce) {
  auto a = open("node-a", 60'000);
  ASSERT_TRUE(a);
  ingest_and_claim(*a, 3);
  auto b = open("node-b", 60'000);
  ASSERT_TRUE(b);
  ingest_and_claim(*b, 2);
  a.reset();  // node A's process ends; a new one starts with the same name
  auto a2 = open("node-a", 60'000);
  ASSERT_TRUE(a2);
  auto n = a2->recover_in_flight(INT64_MAX);
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 3u) << "the restarted node did not take back its own";
  EXPECT_EQ(in_flight_of("node-a"), "0");
  EXPECT_EQ(in_flight_of("node-b"), "2") << "node A's restart took node B's claims";
  EXPECT_EQ(q("SELECT count(*) FROM deliveries WHERE state = 'waiting' AND unanswered = 1 "
              "AND last_error NOT LIKE '%claimed by node%'"),
            "3");
}

TEST_F(LeaseTest, TheSameNodeNameTwiceIsRefused) {
  auto a = open("node-a");
  ASSERT_TRUE(a);
  const auto began = Clock::now();
  auto twin = try_open("node-a", 300'000);
  ASSERT_FALSE(twin.ok()) << "a second live process as node-a was opened";
  EXPECT_EQ(twin.status().code(), "failed-precondition");
  EXPECT_NE(twin.status().message().find("running as node 'node-a'"), std::string::npos)
      << twin.status().message();
  std::printf("refused after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         Clock::now() - began)
                                         .count()));
  auto other = try_open("node-b", 300'000);  // another name is fine
  EXPECT_TRUE(other.ok()) << other.status().to_string();
  a.reset();
  auto again = try_open("node-a", 300'000);  // and the name is free once its process is gone
  EXPECT_TRUE(again.ok()) << again.status().to_string();
}

// The writer's session holds the name: lost (terminated) and re-established, it takes the
// name again, or refuses to write while another process holds it.
TEST_F(LeaseTest, TheNodeLockIsTakenAgainAfterAReconnect) {
  auto a = open("node-a");
  ASSERT_TRUE(a);
  ASSERT_TRUE(a->acquire_link_lease("peer", 1000).ok());  // the writer runs (its pid known)
  ASSERT_EQ(q("SELECT pg_terminate_backend(" + std::to_string(a->writer_backend_pid()) + ")"), "t");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto twin = try_open("node-a", 300'000);  // meanwhile the name is free: a twin starts
  ASSERT_TRUE(twin.ok()) << twin.status().to_string();
  // A's writes are refused (unavailable: released, not rejected) while the twin lives.
  auto w1 = a->acquire_link_lease("peer", 1000);
  EXPECT_EQ(w1.status().code(), "unavailable");
  auto w2 = a->acquire_link_lease("peer", 1000);
  EXPECT_EQ(w2.status().code(), "unavailable");
  EXPECT_NE(w2.status().message().find("running as node 'node-a'"), std::string::npos)
      << w2.status().message();
  twin->reset();
  auto w3 = a->acquire_link_lease("peer", 1000);  // A holds its name again
  ASSERT_TRUE(w3.ok()) << w3.status().to_string();
  EXPECT_TRUE(*w3);
  auto twin2 = try_open("node-a", 300'000);
  ASSERT_FALSE(twin2.ok());
  EXPECT_EQ(twin2.status().code(), "failed-precondition");
}

TEST_F(LeaseTest, ALinkHasOneOwnerAtATime) {
  auto a = open("node-a");
  auto b = open("node-b");
  ASSERT_TRUE(a && b);
  auto held = [](Result<bool> r) {
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() && *r;
  };
  EXPECT_TRUE(held(a->acquire_link_lease("peer-x", 60'000)));
  EXPECT_FALSE(held(b->acquire_link_lease("peer-x", 60'000))) << "two owners";
  EXPECT_TRUE(held(b->acquire_link_lease("peer-y", 60'000)));  // links are independent
  // A renews: still its own, until later, acquired_ms kept.
  const std::string until1 = q("SELECT until_ms FROM link_leases WHERE link = 'peer-x'");
  const std::string acquired = q("SELECT acquired_ms FROM link_leases WHERE link = 'peer-x'");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(held(a->acquire_link_lease("peer-x", 60'000)));
  EXPECT_GT(std::stoll(q("SELECT until_ms FROM link_leases WHERE link = 'peer-x'")),
            std::stoll(until1));
  EXPECT_EQ(q("SELECT acquired_ms FROM link_leases WHERE link = 'peer-x'"), acquired);
  EXPECT_EQ(q("SELECT owner FROM link_leases WHERE link = 'peer-x'"), "node-a");
  // B's release of A's lease does nothing; A's own release frees it.
  ASSERT_TRUE(b->release_link_lease("peer-x").ok());
  EXPECT_FALSE(held(b->acquire_link_lease("peer-x", 60'000)));
  ASSERT_TRUE(a->release_link_lease("peer-x").ok());
  EXPECT_TRUE(held(b->acquire_link_lease("peer-x", 300)));
  EXPECT_FALSE(held(a->acquire_link_lease("peer-x", 60'000)));
  // B's 300 ms lease ends (B stopped renewing it): A takes it over.
  const auto began = Clock::now();
  bool taken = false;
  while (!taken && Clock::now() - began < std::chrono::seconds(5)) {
    taken = held(a->acquire_link_lease("peer-x", 60'000));
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(taken);
  EXPECT_GE(Clock::now() - began, std::chrono::milliseconds(250));
  EXPECT_EQ(q("SELECT owner FROM link_leases WHERE link = 'peer-x'"), "node-a");
  EXPECT_FALSE(held(b->acquire_link_lease("peer-x", 60'000)));
}

TEST_F(LeaseTest, BadNamesAndDurationsAreRefused) {
  auto a = open("node-a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->acquire_link_lease("", 1000).status().code(), "invalid-argument");
  EXPECT_EQ(a->acquire_link_lease("peer", 0).status().code(), "invalid-argument");
  EXPECT_EQ(a->acquire_link_lease("peer", 8 * kDay).status().code(), "invalid-argument");
  EXPECT_EQ(try_open("node\nb", 1000).status().code(), "invalid-argument");
  EXPECT_EQ(try_open(std::string(129, 'n'), 1000).status().code(), "invalid-argument");
  EXPECT_EQ(try_open("node-b", 0).status().code(), "invalid-argument");
  EXPECT_EQ(try_open("node-b", -5).status().code(), "invalid-argument");
  auto host = try_open("", 1000);  // empty: the host name
  ASSERT_TRUE(host.ok()) << host.status().to_string();
  EXPECT_FALSE((*host)->node().empty());
}

// A delivery in flight before migration 0003 (no owner, no lease) belongs to no node: any
// node's next sweep returns it. And no in_flight row can be without owner and lease after.
TEST_F(LeaseTest, DeliveriesInFlightBeforeTheMigrationAreAnyNodesToSweep) {
  constexpr int64_t kBeforeLeases = 2;  // the schema version before 0003_leases.sql
  auto conn = pg::Conn::connect(backend_.cluster()->conninfo(backend_.db()));
  ASSERT_TRUE(conn.ok()) << conn.status().to_string();
  ASSERT_TRUE(pg::migrate(**conn, kT0, kBeforeLeases).ok());
  ASSERT_EQ(q("SELECT version FROM schema_version"), std::to_string(kBeforeLeases));
  ASSERT_TRUE(backend_.cluster()->sql(
      "INSERT INTO packages (seq, message_type, sender, document_id, sha256_hex, received_ms, "
      "from_endpoint, relaxations, hops, verdict, size, bytes, verdict_form, signed, signer, "
      "signature_method, unsigned_note, relaxation_reason, relayed_by, left_to_earlier_hubs, "
      "receipt_issuer, receipt_outcome, about_document, about_sha256, title, notation, "
      "about_recipient, about_reason) VALUES (nextval('package_seq'), 'edoc', 's', 'd', "
      "'00', 1, '', '', '', '', 1, '\\x00', '', false, '', '', '', '', '', '', '', '', '', '', "
      "'', '', '', ''); "
      "INSERT INTO deliveries (seq, recipient, next_hop, state, attempts, next_attempt_ms, "
      "created_ms, updated_ms) SELECT seq, 'R1', 'hub-b', 'in_flight', 1, 1, 1, " +
          std::to_string(system_ms()) + " FROM packages", backend_.db()).ok());
  conn->reset();
  auto b = open("node-b");  // migrates to the latest version
  ASSERT_TRUE(b);
  auto n = b->recover_in_flight(system_ms() - 300'000);  // its sweeper: not by updated_ms
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(q("SELECT count(*) FROM deliveries WHERE state = 'waiting' AND "
              "last_error LIKE '%(claimed by node '''', whose lease expired)'"),
            "1");
  EXPECT_FALSE(backend_.cluster()->sql("UPDATE deliveries SET state = 'in_flight'",
                                       backend_.db()).ok())
      << "an in_flight row without owner and lease was accepted";
}

}  // namespace
}  // namespace docaxis::store::testing
