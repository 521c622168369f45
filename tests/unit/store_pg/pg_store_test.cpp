// PgStore beyond the shared contract: hub nodes sharing one database, a server that goes away
// and comes back, a read-only server, a cancelled wait for synchronous replication, a schema
// newer than the binary, and the SQLSTATE mapping. Each runs on the process's private
// PostgreSQL 15 server (pg_cluster.hpp) and skips, naming what is missing, without one.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "backends.hpp"
#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_writer.hpp"

#include <libpq-fe.h>

namespace docaxis::store::testing {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = backend_.prepare(); !why.empty()) GTEST_SKIP() << why;
  }
  // Each store a node of its own name (one live process per name: lease_test.cpp).
  std::unique_ptr<PgStore> open(const std::string& extra = "", const std::string& node = "") {
    PgStoreOptions o;
    o.conninfo = backend_.cluster()->conninfo(backend_.db()) + extra;
    o.node = node.empty() ? "node-" + std::to_string(++nodes_) : node;
    auto s = PgStore::open(std::move(o));
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string q(const std::string& sql) {
    auto r = backend_.cluster()->query(sql, backend_.db());
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : "";
  }
  static Result<IngestOutcome> send(Store& s, const std::string& doc, size_t size = 300) {
    return s.ingest(make_package("000.00.00.A01", doc, binary_bytes(doc, size), kT0),
                    {{"R1", "hub-b", 0}});
  }
  auto await_a_standby_that_never_comes() {
    return backend_.cluster()->await_a_standby_that_never_comes();
  }
  bool wait_for_syncrep(int pid) { return backend_.cluster()->wait_for_syncrep(pid); }

  PgBackend backend_;
  int nodes_ = 0;
};

TEST_F(PgStoreTest, TwoNodesNeverClaimTheSameDelivery) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a && b);
  constexpr int kPackages = 300;
  for (int i = 0; i < kPackages; ++i) {
    ASSERT_TRUE((i % 2 == 0 ? *a : *b).ingest(
        make_package("000.00.00.A01", "d" + std::to_string(i), "b" + std::to_string(i), kT0),
        {{"R1", "hub-b", 0}, {"R2", "hub-b", 0}}).ok());
  }
  auto c = open();  // a third node, with two threads
  ASSERT_TRUE(c);
  std::mutex mu;
  std::string failure;
  std::atomic<int> ready{0};
  auto drain = [&](PgStore* s, std::vector<uint64_t>* ids) {
    ready++;
    while (ready < 4) std::this_thread::yield();  // all start together
    for (;;) {
      auto claimed = s->claim_due("hub-b", kT0 + 1, 7);
      if (!claimed.ok()) {
        std::lock_guard lock(mu);
        failure = claimed.status().to_string();
        return;
      }
      if (claimed->empty()) return;
      for (const auto& d : *claimed) ids->push_back(d.id);
    }
  };
  std::vector<uint64_t> ids_a, ids_b, ids_c, ids_d;
  std::thread t1(drain, a.get(), &ids_a), t2(drain, b.get(), &ids_b);
  std::thread t3(drain, c.get(), &ids_c), t4(drain, c.get(), &ids_d);
  t1.join(), t2.join(), t3.join(), t4.join();
  ASSERT_EQ(failure, "");
  std::multiset<uint64_t> all;
  int claimers = 0;
  for (auto* v : {&ids_a, &ids_b, &ids_c, &ids_d}) {
    all.insert(v->begin(), v->end());
    claimers += v->empty() ? 0 : 1;
  }
  std::set<uint64_t> unique(all.begin(), all.end());
  EXPECT_EQ(all.size(), unique.size()) << "a delivery was claimed twice";
  EXPECT_EQ(unique.size(), 2u * kPackages);
  // Normally all four claim some; on a loaded machine one thread may drain everything before
  // the others run (seen under ctest -j3 beside a cluster test), so this is reported, not
  // asserted: AClaimInProgressElsewhereIsSkippedNotWaitedFor holds the overlap for certain.
  std::printf("claimers with deliveries: %d of 4\n", claimers);
  EXPECT_EQ(q("SELECT count(*) FROM deliveries WHERE attempts <> 1"), "0");
}

TEST_F(PgStoreTest, ServerStoppedAnswersUnavailableThenRecovers) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(send(*s, "before").ok());
  for (const char* mode : {"fast", "immediate"}) {
    ASSERT_TRUE(backend_.cluster()->stop(mode).ok());
    const uint64_t failed_before = s->counters().failed_commits;
    auto down = send(*s, std::string("during-") + mode);
    EXPECT_EQ(down.status().code(), "unavailable") << down.status().to_string();
    // Readiness sees it, and the metrics count it, until a commit succeeds again.
    EXPECT_EQ(s->last_commit_failure().code(), "unavailable");
    EXPECT_EQ(s->counters().failed_commits, failed_before + 1);
    EXPECT_EQ(s->claim_due("hub-b", kT0 + 1, 1).status().code(), "unavailable");
    EXPECT_EQ(s->load_package(1).status().code(), "unavailable");
    ASSERT_TRUE(backend_.cluster()->start_again().ok());
    auto up = send(*s, std::string("during-") + mode);  // the sender's retry
    ASSERT_TRUE(up.ok()) << up.status().to_string();
    EXPECT_EQ(up->kind, IngestOutcome::Kind::kStored);  // the refused one was not stored
    EXPECT_TRUE(s->load_package(up->seq).ok());
    EXPECT_TRUE(s->last_commit_failure().ok()) << s->last_commit_failure().to_string();
  }
}

// Ingest from a thread while the server is killed: every answer is stored or unavailable,
// and every stored one is there afterwards.
TEST_F(PgStoreTest, EveryAcceptedPackageSurvivesAnImmediateStop) {
  auto s = open();
  ASSERT_TRUE(s);
  std::vector<uint64_t> accepted;
  std::atomic<bool> stop{false};
  std::atomic<int> other{0};
  std::thread sender([&] {
    for (int i = 0; !stop; ++i) {
      auto r = send(*s, "p" + std::to_string(i), 2000);
      if (r.ok()) {
        accepted.push_back(r->seq);
      } else if (r.status().code() != "unavailable") {
        other++;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(backend_.cluster()->stop("immediate").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(backend_.cluster()->start_again().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  sender.join();
  EXPECT_EQ(other, 0);
  ASSERT_GT(accepted.size(), 10u);
  for (uint64_t seq : accepted) {
    auto p = s->load_package(seq);
    EXPECT_TRUE(p.ok()) << seq << ": " << p.status().to_string();
  }
}

// An idle connection the server dropped (pg_terminate_backend, a restart) is replaced before
// the next batch: nothing but BEGIN was sent on it, so the caller does not see it.
TEST_F(PgStoreTest, IdleConnectionDroppedIsReplacedTransparently) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(send(*s, "one").ok());
  const int before = s->writer_backend_pid();
  q("SELECT pg_terminate_backend(" + std::to_string(before) + ")");
  auto r = send(*s, "two");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->kind, IngestOutcome::Kind::kStored);
  EXPECT_NE(s->writer_backend_pid(), before);
}

TEST_F(PgStoreTest, ReadOnlyServerIsUnavailable) {
  ASSERT_TRUE(open("", "ro"));  // migrated, node "ro" registered (a new node's open writes)
  auto ro = open(" options='-c default_transaction_read_only=on'", "ro");
  ASSERT_TRUE(ro);
  auto r = send(*ro, "doc");
  EXPECT_EQ(r.status().code(), "unavailable");
  EXPECT_NE(r.status().message().find("25006"), std::string::npos) << r.status().message();
  EXPECT_EQ(q("SELECT count(*) FROM packages"), "0");
}

// A commit whose wait for synchronous replication is cancelled is committed locally only: it
// must be answered unavailable (released), and the re-send's duplicate answer must wait for
// replication too. synchronous_standby_names names a standby that never connects, so every
// commit waits; pg_cancel_backend cancels the wait as an operator (or Patroni) would.
TEST_F(PgStoreTest, CancelledSyncReplicationWaitIsNeverAccepted) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(send(*s, "warm-up").ok());
  const auto reset = await_a_standby_that_never_comes();
  ASSERT_TRUE(reset);
  // 0: the first send, cancelled; 1: its re-send (the duplicate path), cancelled; 2: another
  // re-send, its backend terminated during the wait (as at a shutdown: 57P01, or the
  // connection seen closed).
  for (int round = 0; round < 3; ++round) {
    auto pending = std::async(std::launch::async, [&] { return send(*s, "doc"); });
    ASSERT_TRUE(wait_for_syncrep(s->writer_backend_pid())) << "round " << round;
    EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);
    q(std::string(round < 2 ? "SELECT pg_cancel_backend(" : "SELECT pg_terminate_backend(") +
      std::to_string(s->writer_backend_pid()) + ")");
    auto r = pending.get();
    EXPECT_EQ(r.status().code(), "unavailable") << "round " << round;
    if (round < 2) {  // the terminated one may read as a plain lost connection
      EXPECT_NE(r.status().message().find("synchronous replication"), std::string::npos)
          << r.status().message();
    }
  }
  EXPECT_EQ(q("SELECT count(*) FROM packages WHERE document_id = 'doc'"), "1");  // local commit
  ASSERT_TRUE(backend_.cluster()->sql("ALTER SYSTEM RESET synchronous_standby_names").ok());
  ASSERT_TRUE(backend_.cluster()->sql("SELECT pg_reload_conf()").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto dup = send(*s, "doc");
  ASSERT_TRUE(dup.ok()) << dup.status().to_string();
  EXPECT_EQ(dup->kind, IngestOutcome::Kind::kDuplicate);
}

// Another node's claim in progress (rows locked FOR UPDATE in an open transaction) is skipped,
// not waited for and not taken: the claim returns at once with other deliveries; once that
// transaction ends, its rows can be claimed.
TEST_F(PgStoreTest, AClaimInProgressElsewhereIsSkippedNotWaitedFor) {
  auto s = open();
  ASSERT_TRUE(s);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(send(*s, "d" + std::to_string(i)).ok());
  PGconn* other = PQconnectdb(backend_.cluster()->conninfo(backend_.db()).c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK);
  PQclear(PQexec(other, "BEGIN"));
  PGresult* held = PQexec(other, "SELECT id FROM deliveries ORDER BY next_attempt_ms, id LIMIT 5 FOR UPDATE");
  ASSERT_EQ(PQresultStatus(held), PGRES_TUPLES_OK);
  std::set<uint64_t> locked;
  for (int r = 0; r < PQntuples(held); ++r) locked.insert(std::strtoull(PQgetvalue(held, r, 0), nullptr, 10));
  PQclear(held);
  ASSERT_EQ(locked.size(), 5u);
  const auto t0 = std::chrono::steady_clock::now();
  auto claimed = s->claim_due("hub-b", kT0 + 1, 10);
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(claimed.ok()) << claimed.status().to_string();
  ASSERT_EQ(claimed->size(), 10u);
  for (const auto& d : *claimed) EXPECT_EQ(locked.count(d.id), 0u) << "claimed a locked delivery";
  EXPECT_LT(waited, std::chrono::seconds(5)) << "the claim waited for the other transaction";
  PQclear(PQexec(other, "COMMIT"));
  PQfinish(other);
  auto rest = s->claim_due("hub-b", kT0 + 1, 20);
  ASSERT_TRUE(rest.ok());
  std::set<uint64_t> rest_ids;
  for (const auto& d : *rest) rest_ids.insert(d.id);
  EXPECT_EQ(rest_ids.size(), 10u);
  for (uint64_t id : locked) EXPECT_EQ(rest_ids.count(id), 1u) << "a released row was not claimable";
}

// The same, with the session settings a role, the database or PGOPTIONS could impose to hide
// the cancelled wait: warnings not sent to the client (client_min_messages = error) and no
// wait at all (synchronous_commit = local). The store pins its own settings over them: the
// commit still waits for the standby, and the cancelled wait is still not accepted.
TEST_F(PgStoreTest, SessionSettingsCannotTurnALocalCommitIntoAccepted) {
  struct Env {
    Env() { ::setenv("PGOPTIONS", "-c client_min_messages=error -c synchronous_commit=local", 1); }
    ~Env() { ::unsetenv("PGOPTIONS"); }
  } env;
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(send(*s, "warm-up").ok());
  const auto reset = await_a_standby_that_never_comes();
  ASSERT_TRUE(reset);
  auto pending = std::async(std::launch::async, [&] { return send(*s, "doc"); });
  ASSERT_TRUE(wait_for_syncrep(s->writer_backend_pid()))
      << "the commit did not wait for the standby (synchronous_commit not pinned)";
  q("SELECT pg_cancel_backend(" + std::to_string(s->writer_backend_pid()) + ")");
  auto r = pending.get();
  EXPECT_EQ(r.status().code(), "unavailable") << "a commit on the primary alone was accepted";
}

// A hub cluster's store refuses a server with no synchronous standby configured, at open.
TEST_F(PgStoreTest, ASynchronousStandbyCanBeRequired) {
  PgStoreOptions o;
  o.conninfo = backend_.cluster()->conninfo(backend_.db());
  o.require_synchronous_standby = true;
  auto s = PgStore::open(std::move(o));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), "unavailable");
  EXPECT_NE(s.status().message().find("no synchronous standby"), std::string::npos)
      << s.status().message();
}

// A peer's rejection description is free text from outside: invalid UTF-8 or a NUL in it must
// not fail the transition (nor, in a batch, every other transition with it).
TEST_F(PgStoreTest, AnInvalidUtf8ReasonIsStoredRepairedNotRefused) {
  auto s = open();
  ASSERT_TRUE(s);
  auto in = send(*s, "doc");
  ASSERT_TRUE(in.ok());
  auto claimed = s->claim_due("hub-b", kT0 + 1, 10);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1);
  const std::string reason = std::string("t\xE1\xBB\xAB ch\xFF\xFEi") + '\0' + "x";
  auto refused = s->mark_refused(claimed->front().id, reason);
  ASSERT_TRUE(refused.ok()) << refused.status().to_string();
  auto d = s->load_delivery(claimed->front().id);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->last_error, "t\xE1\xBB\xAB ch\xEF\xBF\xBD\xEF\xBF\xBDi\xEF\xBF\xBDx");
}

TEST(PgStorableText, RepairsInvalidUtf8AndNulOnly) {
  EXPECT_EQ(pg::storable_text("Vi\xE1\xBB\x87t Nam"), "Vi\xE1\xBB\x87t Nam");
  EXPECT_EQ(pg::storable_text(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(pg::storable_text("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");        // overlong NUL
  EXPECT_EQ(pg::storable_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(pg::storable_text("\xF0\x9F\x93\x84"), "\xF0\x9F\x93\x84");
  EXPECT_EQ(pg::storable_text("\xE1\xBB"), "\xEF\xBF\xBD\xEF\xBF\xBD");        // cut short
}

// Seqs follow commit order across nodes because every seq-assigning transaction takes one
// advisory lock first: while another session (another node's ingest) holds it, an ingest
// waits, and goes on when it is released.
TEST_F(PgStoreTest, IngestsTakeTheClusterWideSeqLock) {
  auto s = open();
  ASSERT_TRUE(s);
  PGconn* other = PQconnectdb(backend_.cluster()->conninfo(backend_.db()).c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK);
  PQclear(PQexec(other, "BEGIN"));
  PQclear(PQexec(other, ("SELECT pg_advisory_xact_lock(" +
                         std::to_string(pg::kIngestLockKey) + ")").c_str()));
  auto pending = std::async(std::launch::async, [&] { return send(*s, "doc"); });
  EXPECT_EQ(pending.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout)
      << "the ingest did not wait for the seq lock";
  EXPECT_EQ(q("SELECT wait_event_type FROM pg_stat_activity WHERE pid = " +
              std::to_string(s->writer_backend_pid())), "Lock");
  PQclear(PQexec(other, "COMMIT"));
  auto r = pending.get();
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  PQfinish(other);
}

// Disk full (53100): the package table on a 3 MiB tmpfs tablespace. Ingests fail with
// resource-exhausted (the AMQP layer answers released), never ok for a package that is not
// stored; reads go on; once space is back, ingest works again. Needs root (mount).
TEST_F(PgStoreTest, DiskFullIsResourceExhaustedAndRecovers) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  auto s = open();
  ASSERT_TRUE(s);
  ::docaxis::test::TempDir small("pgfull");
  const std::string dir = small.string();
  ASSERT_EQ(std::system(("mount -t tmpfs -o size=3m tmpfs " + dir + " && chown postgres: " + dir)
                            .c_str()),
            0);
  struct Unmount {
    std::string dir;
    ~Unmount() { (void)std::system(("umount -l " + dir).c_str()); }
  } unmount{dir};
  ASSERT_TRUE(backend_.cluster()->sql("CREATE TABLESPACE small LOCATION '" + dir + "'").ok());
  q("ALTER TABLE packages SET TABLESPACE small");
  std::vector<uint64_t> stored;
  Status full;
  for (int i = 0; i < 200 && full.ok(); ++i) {
    auto r = send(*s, "big" + std::to_string(i), 64 * 1024);
    if (r.ok()) {
      stored.push_back(r->seq);
    } else {
      full = r.status();
    }
  }
  EXPECT_EQ(full.code(), "resource-exhausted") << full.to_string();
  EXPECT_NE(full.message().find("53100"), std::string::npos) << full.message();
  ASSERT_GT(stored.size(), 5u);
  for (uint64_t seq : stored) EXPECT_TRUE(s->load_package(seq).ok()) << seq;
  q("ALTER TABLE packages SET TABLESPACE pg_default");  // space is back
  auto after = send(*s, "after", 64 * 1024);
  EXPECT_TRUE(after.ok()) << after.status().to_string();
  EXPECT_EQ(q("SELECT count(*) FROM packages"), std::to_string(stored.size() + 1));
  (void)backend_.cluster()->sql("DROP TABLESPACE small");
}

// Text PostgreSQL cannot hold is refused for that package alone, never cut or mangled: a NUL
// (libpq's text parameters are C strings: "a\0b" would have become "a") and bytes that are
// not UTF-8 (22021). SqliteStore stores both (README.md, "Not yet").
TEST_F(PgStoreTest, TextWithNulOrInvalidUtf8IsRefusedNotCut) {
  auto s = open();
  ASSERT_TRUE(s);
  auto nul = s->ingest(make_package("000.00.00.A01", std::string("a\0b", 3), "x", kT0),
                       {{"R1", "hub-b", 0}});
  EXPECT_EQ(nul.status().code(), "invalid-argument") << nul.status().to_string();
  auto bad_utf8 = s->ingest(make_package("000.00.00.A\xff", "doc", "x", kT0),
                            {{"R1", "hub-b", 0}});
  EXPECT_EQ(bad_utf8.status().code(), "invalid-argument") << bad_utf8.status().to_string();
  auto nul_recipient = s->ingest(make_package("000.00.00.A01", "doc2", "x", kT0),
                                 {{std::string("R\0x", 3), "hub-b", 0}});
  EXPECT_EQ(nul_recipient.status().code(), "invalid-argument");
  EXPECT_EQ(q("SELECT count(*) FROM packages"), "0");
  EXPECT_EQ(q("SELECT count(*) FROM dedup_keys"), "0");
  auto a = send(*s, "a");  // the store goes on; "a" was never taken by "a\0b"
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->kind, IngestOutcome::Kind::kStored);
}

TEST_F(PgStoreTest, NewerSchemaIsRefused) {
  ASSERT_TRUE(open());
  q("UPDATE schema_version SET version = 99");
  PgStoreOptions o;
  o.conninfo = backend_.cluster()->conninfo(backend_.db());
  auto s = PgStore::open(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), "failed-precondition");
  EXPECT_NE(s.status().message().find("schema version 99 is newer"), std::string::npos)
      << s.status().message();
}

TEST_F(PgStoreTest, UnreachableServerIsUnavailable) {
  PgStoreOptions o;
  o.conninfo = "host=127.0.0.1 port=1 dbname=x connect_timeout=2";
  auto s = PgStore::open(o);
  EXPECT_EQ(s.status().code(), "unavailable");
}

TEST(PgSqlstateMapping, FollowsTheTable) {
  using pg::code_for_sqlstate;
  EXPECT_EQ(code_for_sqlstate(""), "unavailable");
  EXPECT_EQ(code_for_sqlstate("08006"), "unavailable");
  EXPECT_EQ(code_for_sqlstate("57P01"), "unavailable");
  EXPECT_EQ(code_for_sqlstate("25006"), "unavailable");
  EXPECT_EQ(code_for_sqlstate("53100"), "resource-exhausted");
  EXPECT_EQ(code_for_sqlstate("53200"), "resource-exhausted");
  EXPECT_EQ(code_for_sqlstate("40001"), "store-busy");
  EXPECT_EQ(code_for_sqlstate("40P01"), "store-busy");
  EXPECT_EQ(code_for_sqlstate("22021"), "invalid-argument");
  EXPECT_EQ(code_for_sqlstate("XX001"), "data-loss");
  EXPECT_EQ(code_for_sqlstate("23505"), "internal");
  EXPECT_TRUE(pg::retryable(Status("store-busy", "PostgreSQL: [40001] could not serialize")));
  EXPECT_TRUE(pg::retryable(Status("store-busy", "PostgreSQL: [40P01] deadlock detected")));
  EXPECT_FALSE(pg::retryable(Status("store-busy", "PostgreSQL: [55P03] lock not available")));
}

}  // namespace
}  // namespace docaxis::store::testing
