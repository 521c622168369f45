// PgStore's retention beyond the shared contract (inbox_retention_contract_test.cpp): what a
// release leaves in the row, and what usage() reports on PostgreSQL.
#include <gtest/gtest.h>

#include "backends.hpp"

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

}  // namespace
}  // namespace docaxis::store::testing
