// PgStore's retention beyond the shared contract (inbox_retention_contract_test.cpp): what a
// release leaves in the row, what usage() reports on PostgreSQL, and a release racing another
// node's operator retry.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "backends.hpp"

#include <libpq-fe.h>

namespace docaxis::store::testing {
namespace {

constexpr int64_t kDay = 24LL * 3600 * 1000;

TEST(PgRetention, AReleasedPackagesBytesAreGoneFromItsRowAndUsageIsTheDatabase) {
  PgBackend backend;
  if (std::string why = backend.prepare(); !why.empty()) GTEST_SKIP() << why;
  int64_t now = 1'700'000'000'000;
  auto opened = backend.open(&now);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  HubStore& store = **opened;
  auto kept = store.ingest(make_package("000.00.13.H30", "kept", binary_bytes("k", 5000), now),
                           to_local({"g12"}));
  auto gone = store.ingest(make_package("000.00.13.H30", "gone", binary_bytes("g", 5000), now),
                           to_local({"g14"}));
  ASSERT_TRUE(kept.ok() && gone.ok());
  ASSERT_TRUE(store.mark_delivered(store.deliveries_of(gone->seq)->front().id).ok());
  now += 2 * kDay;
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  auto pass = store.release_expired(policy, now);
  ASSERT_TRUE(pass.ok()) << pass.status().to_string();
  ASSERT_EQ(pass->packages, 1u);
  auto row = [&](uint64_t seq) {
    auto r = backend.cluster()->query(
        "SELECT coalesce(octet_length(bytes), -1) || ' ' || coalesce(released_ms, 0) FROM "
        "packages WHERE seq = " + std::to_string(seq), backend.db());
    return r.ok() ? *r : r.status().to_string();
  };
  EXPECT_EQ(row(gone->seq), "-1 " + std::to_string(now));  // NULL: the bytes are gone
  EXPECT_EQ(row(kept->seq), "5000 0");
  EXPECT_TRUE(store.check_integrity().ok()) << store.check_integrity().to_string();

  auto usage = store.usage();
  ASSERT_TRUE(usage.ok()) << usage.status().to_string();
  auto size = backend.cluster()->query("SELECT pg_database_size(current_database())", backend.db());
  ASSERT_TRUE(size.ok());
  // The same measure (the database may grow a little in between: autovacuum, statistics).
  EXPECT_GT(usage->database_bytes, std::stoull(*size) / 2);
  EXPECT_LT(usage->database_bytes, std::stoull(*size) * 2);
  EXPECT_EQ(usage->wal_bytes, 0u);
  EXPECT_EQ(usage->segment_bytes, 0u);
  EXPECT_EQ(usage->held_packages, 1u);
  EXPECT_EQ(usage->released_packages, 1u);
  EXPECT_EQ(usage->released_bytes, 5000u);
  auto reclaimed = store.reclaim_segments();
  ASSERT_TRUE(reclaimed.ok());
  EXPECT_EQ(reclaimed->segments, 0u);
  EXPECT_EQ(reclaimed->bytes, 0u);
}

// Another node's retry_now holds the package row (FOR SHARE) and adds a waiting delivery;
// a release that found the package as a candidate before must wait for that commit and then
// see the new delivery: never a waiting delivery on a released package.
TEST(PgRetention, AReleaseWaitsForAnotherNodesRetryAndSeesItsWaitingDelivery) {
  PgBackend backend;
  if (std::string why = backend.prepare(); !why.empty()) GTEST_SKIP() << why;
  int64_t now = 1'700'000'000'000;
  auto opened = backend.open(&now);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  HubStore& store = **opened;
  auto stored = store.ingest(make_package("000.00.13.H30", "p", binary_bytes("p", 100), now),
                             to_local({"g12"}));
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(store.mark_dead(store.deliveries_of(stored->seq)->front().id, "expired").ok());
  now += 2 * kDay;
  // The other node, by hand: its retry's transaction, open.
  PGconn* other = PQconnectdb(backend.cluster()->conninfo(backend.db()).c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  auto run = [other](const std::string& sql) {
    PGresult* r = PQexec(other, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
  };
  const std::string seq = std::to_string(stored->seq);
  ASSERT_TRUE(run("BEGIN"));
  ASSERT_TRUE(run("SELECT released_ms FROM packages WHERE seq = " + seq + " FOR SHARE"));
  ASSERT_TRUE(run("INSERT INTO deliveries (seq, recipient, next_hop, state, next_attempt_ms, "
                  "created_ms, updated_ms) VALUES (" + seq + ", 'g12', 'local', 'waiting', 1, 1, 1)"));
  RetentionPolicy policy;
  policy.edoc_ms = kDay;
  auto release = std::async(std::launch::async, [&] { return store.release_expired(policy, now); });
  // The release is blocked on the package row until the retry commits.
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    auto n = backend.cluster()->query(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
        "datname = current_database()", backend.db());
    waiting = n.ok() && *n == "1";
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(waiting) << "the release never waited for the package row";
  ASSERT_TRUE(run("COMMIT"));
  PQfinish(other);
  auto pass = release.get();
  ASSERT_TRUE(pass.ok()) << pass.status().to_string();
  EXPECT_EQ(pass->packages, 0u);
  EXPECT_TRUE(store.load_package(stored->seq).ok());
}

}  // namespace
}  // namespace docaxis::store::testing
