// PgAuditLog: the audit chain in PostgreSQL. Two "nodes" (two PgAuditLog objects on one
// database) appending from several threads form one chain; the export is verified offline
// by audit::verify_log like an AuditLog directory; a changed byte in the table is found; an
// append while the server is down is unavailable and leaves nothing behind; the lines are
// byte-identical to the file AuditLog's for the same events, seq and time. Each runs on the
// process's private PostgreSQL 15 server (pg_cluster.hpp) and skips without one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "../audit/support.hpp"
#include "audit/events.hpp"
#include "audit/segment_files.hpp"
#include "audit/verify.hpp"
#include "backends.hpp"
#include "store_pg/pg_audit.hpp"

namespace docaxis::store::testing {
namespace {

namespace at = audit::test;
using std::chrono::milliseconds;

class PgAuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = backend_.prepare(); !why.empty()) GTEST_SKIP() << why;
    key_ = at::make_hub_key(tmp_.string(), "hub");
  }
  std::string conninfo() { return backend_.cluster()->conninfo(backend_.db()); }
  PgAuditOptions options(const std::string& node) {
    PgAuditOptions o;
    o.conninfo = conninfo();
    o.key_pem = key_.key_pem;
    o.cert_pem = key_.cert_pem;
    o.node = node;
    o.checkpoint_every_records = 10;
    o.checkpoint_interval = milliseconds(0);
    o.background_sealer = false;
    return o;
  }
  std::unique_ptr<PgAuditLog> open(PgAuditOptions o) {
    auto log = PgAuditLog::open(std::move(o));
    EXPECT_TRUE(log.ok()) << log.status().to_string();
    return log.ok() ? std::move(*log) : nullptr;
  }
  std::string q(const std::string& sql) {
    auto r = backend_.cluster()->query(sql, backend_.db());
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : "";
  }
  // Exports into a fresh folder and verifies it offline with the hub certificate.
  audit::VerifyReport export_and_verify(const std::string& name,
                                        const AuditExportOptions& eo = {}) {
    const std::string dir = tmp_.file(name);
    auto exported = export_audit_segments(conninfo(), dir, eo);
    EXPECT_TRUE(exported.ok()) << exported.status().to_string();
    audit::VerifyOptions vo;
    vo.check_json = true;
    auto report = audit::verify_log(dir, key_.cert_pem, vo);
    EXPECT_TRUE(report.ok()) << report.status().to_string();
    return report.ok() ? *report : audit::VerifyReport{};
  }

  PgBackend backend_;
  at::TempDir tmp_;
  at::HubKey key_;
};

TEST_F(PgAuditTest, TwoNodesAppendingConcurrentlyFormOneChainInCommitOrder) {
  auto a = open(options("node-a"));
  auto b = open(options("node-b"));
  ASSERT_TRUE(a && b);
  std::mutex mu;
  std::map<std::uint64_t, std::string> acked;  // seq -> doc of the last event of its append
  std::atomic<int> failures{0};
  auto worker = [&](PgAuditLog& log, int t) {
    for (int i = 0; i < 40; ++i) {
      const int n = t * 1000 + i;
      Result<std::uint64_t> seq = Status("internal", "unset");
      if (i % 3 == 0) {
        seq = log.append(at::make_event("accepted", n));
      } else if (i % 3 == 1) {
        seq = log.append_batch({at::make_event("delivered", n * 10), at::make_event("delivered", n)});
      } else {
        std::promise<Result<std::uint64_t>> p;
        log.append_async({at::make_event("receipt-issued", n)},
                         [&p](Result<std::uint64_t> r) { p.set_value(std::move(r)); });
        seq = p.get_future().get();
      }
      if (!seq.ok()) {
        ++failures;
        ADD_FAILURE() << seq.status().to_string();
        continue;
      }
      std::lock_guard lk(mu);
      EXPECT_TRUE(acked.emplace(*seq, "doc-" + std::to_string(n)).second) << "seq " << *seq;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) threads.emplace_back(worker, std::ref(t % 2 == 0 ? *a : *b), t);
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures, 0);
  ASSERT_TRUE(a->close().ok());
  ASSERT_TRUE(b->close().ok());

  // 6 threads x 40 appends, one record each but the batches (2): 6 * (14 + 13 * 2 + 13).
  const std::uint64_t events = 6 * (14 + 13 * 2 + 13);
  EXPECT_EQ(q("SELECT count(*) FROM audit_records WHERE event <> 'checkpoint'"),
            std::to_string(events));
  EXPECT_EQ(q("SELECT count(*) = max(seq) FROM audit_records"), "t");  // 1..N, no gap
  EXPECT_EQ(q("SELECT count(DISTINCT node) FROM audit_records"), "2");
  const audit::VerifyReport r = export_and_verify("export");
  EXPECT_EQ(r.verdict, audit::Verdict::kSealed) << (r.failure ? r.failure->code + ": " + r.failure->message : "");
  EXPECT_EQ(r.records, events + r.checkpoints);
  EXPECT_GE(r.checkpoints, events / 12);  // "count": one per 10 or 11 records
  // Every acknowledged seq holds the event its append returned it for.
  std::map<std::uint64_t, std::string> docs;
  ASSERT_TRUE(audit::for_each_record(tmp_.file("export"), {}, [&](const audit::ExportedRecord& e) {
                docs[e.record.seq] = e.record.event.doc;
                return true;
              }).ok());
  for (const auto& [seq, doc] : acked) EXPECT_EQ(docs[seq], doc) << "seq " << seq;
}

TEST_F(PgAuditTest, ExportVerifiesSealedAfterACheckpointAcrossSegments) {
  auto log = open(options("n1"));
  ASSERT_TRUE(log);
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(log->append(at::make_event("accepted", i)).ok());
  ASSERT_TRUE(log->append_deferred({at::make_event("refused", 99)}).ok());
  EXPECT_EQ(log->last_seq(), 27u);  // 25 events, checkpoints at 11 and 22 ("count")
  ASSERT_TRUE(log->checkpoint().ok());  // carries the deferred record, then seals
  EXPECT_EQ(log->last_seq(), 29u);
  EXPECT_EQ(log->checkpoint().ok(), true);  // nothing after the last one: no new checkpoint
  EXPECT_EQ(log->last_seq(), 29u);
  EXPECT_TRUE(log->health().ok());

  AuditExportOptions small;
  small.max_segment_bytes = 4096;
  small.page_records = 7;
  const audit::VerifyReport r = export_and_verify("export", small);
  EXPECT_EQ(r.verdict, audit::Verdict::kSealed);
  EXPECT_FALSE(r.failure.has_value());
  EXPECT_EQ(r.records, 29u);
  EXPECT_EQ(r.checkpoints, 3u);
  EXPECT_EQ(r.last_checkpoint_seq, 29u);
  EXPECT_GT(r.segments, 1u);
  auto segments = audit::list_segments(tmp_.file("export"));
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(segments->front().name, "audit-000001.log");

  std::vector<std::string> reasons;
  ASSERT_TRUE(audit::for_each_record(tmp_.file("export"), {}, [&](const audit::ExportedRecord& e) {
                if (e.record.event.type == "checkpoint") {
                  reasons.push_back(e.record.event.detail["reason"].get<std::string>());
                }
                return true;
              }).ok());
  EXPECT_EQ(reasons, (std::vector<std::string>{"count", "count", "manual"}));

  // Again into the same folder: refused, the segments there are kept.
  auto again = export_audit_segments(conninfo(), tmp_.file("export"));
  EXPECT_EQ(again.status().code(), "failed-precondition");
  // An empty chain exports nothing; the verifier calls it empty.
  auto other = backend_.cluster()->create_database();
  ASSERT_TRUE(other.ok());
  auto none = PgAuditLog::open([&] {
    auto o = options("n2");
    o.conninfo = backend_.cluster()->conninfo(*other);
    return o;
  }());
  ASSERT_TRUE(none.ok());
  auto empty = export_audit_segments(backend_.cluster()->conninfo(*other), tmp_.file("empty"));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->records, 0u);
  auto er = audit::verify_log(tmp_.file("empty"), key_.cert_pem);
  ASSERT_TRUE(er.ok());
  EXPECT_EQ(er->verdict, audit::Verdict::kEmpty);
}

TEST_F(PgAuditTest, AByteChangedInTheTableIsFoundOnTheExport) {
  auto log = open(options("n1"));
  ASSERT_TRUE(log);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(log->append(at::make_event("delivered", i)).ok());
  ASSERT_TRUE(log->checkpoint().ok());
  const audit::VerifyReport before = export_and_verify("before");
  ASSERT_EQ(before.verdict, audit::Verdict::kSealed);
  // doc-4 -> doc-5 in record 5: one byte, the line still well-formed JSON.
  q("UPDATE audit_records SET line = replace(line, '\"doc\":\"doc-4\"', '\"doc\":\"doc-5\"') "
    "WHERE seq = 5 RETURNING seq");
  const audit::VerifyReport r = export_and_verify("after");
  EXPECT_EQ(r.verdict, audit::Verdict::kTampered);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.failure->code, "hash-mismatch");
  EXPECT_EQ(r.failure->seq, 5u);
  EXPECT_EQ(r.failure->line, 5u);
}

TEST_F(PgAuditTest, ACorruptHeadIsNeverChainedOnto) {
  auto log = open(options("n1"));
  ASSERT_TRUE(log);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append(at::make_event("delivered", i)).ok());
  q("UPDATE audit_records SET line = replace(line, 'doc-2', 'doc-9') WHERE seq = 3 RETURNING seq");
  auto r = log->append(at::make_event("delivered", 3));
  EXPECT_EQ(r.status().code(), "data-loss") << r.status().to_string();
  EXPECT_EQ(log->health().code(), "data-loss");
  EXPECT_EQ(q("SELECT max(seq) FROM audit_records"), "3");
  // A node starting on it refuses too (its seal of the head would chain onto it).
  auto other = PgAuditLog::open(options("n2"));
  EXPECT_EQ(other.status().code(), "data-loss");
}

TEST_F(PgAuditTest, AnAppendWhileTheServerIsDownIsUnavailableAndLeavesNoGap) {
  auto log = open(options("n1"));
  ASSERT_TRUE(log);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log->append(at::make_event("accepted", i)).ok());
  ASSERT_TRUE(backend_.cluster()->stop("fast").ok());
  auto down = log->append_batch({at::make_event("accepted", 100), at::make_event("accepted", 101)});
  EXPECT_EQ(down.status().code(), "unavailable") << down.status().to_string();
  std::promise<Result<std::uint64_t>> p;
  log->append_async({at::make_event("accepted", 102)},
                    [&p](Result<std::uint64_t> r) { p.set_value(std::move(r)); });
  EXPECT_EQ(p.get_future().get().status().code(), "unavailable");
  EXPECT_EQ(log->health().code(), "unavailable");
  ASSERT_TRUE(backend_.cluster()->start_again().ok());

  auto up = log->append(at::make_event("accepted", 6));
  ASSERT_TRUE(up.ok()) << up.status().to_string();
  EXPECT_EQ(*up, 6u);  // right after the last acknowledged record
  EXPECT_TRUE(log->health().ok());
  EXPECT_EQ(q("SELECT count(*) FROM audit_records WHERE line LIKE '%doc-10_\"%'"), "0");
  EXPECT_EQ(q("SELECT count(*) || ' ' || max(seq) FROM audit_records"), "6 6");
  ASSERT_TRUE(log->close().ok());
  const audit::VerifyReport r = export_and_verify("export");
  EXPECT_EQ(r.verdict, audit::Verdict::kSealed);
  EXPECT_EQ(r.records, 7u);
}

// A COMMIT whose wait for the synchronous standby is cancelled (an operator, Patroni) is
// committed on the primary only: the append is answered unavailable, never acknowledged; its
// record stays in the chain and the next append follows it.
TEST_F(PgAuditTest, ACancelledWaitForTheStandbyIsNotAcknowledged) {
  auto log = open(options("n1"));
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->append(at::make_event("accepted", 1)).ok());
  {
    const auto reset = backend_.cluster()->await_a_standby_that_never_comes();
    ASSERT_TRUE(reset);
    auto pending = std::async(std::launch::async,
                              [&] { return log->append(at::make_event("accepted", 2)); });
    ASSERT_TRUE(backend_.cluster()->wait_for_syncrep(log->writer_backend_pid()));
    q("SELECT pg_cancel_backend(" + std::to_string(log->writer_backend_pid()) + ")");
    const auto r = pending.get();
    EXPECT_EQ(r.status().code(), "unavailable") << r.status().to_string();
    EXPECT_NE(r.status().message().find("primary only"), std::string::npos);
    EXPECT_EQ(log->health().code(), "unavailable");
  }
  auto next = log->append(at::make_event("accepted", 3));
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  EXPECT_EQ(*next, 3u);
  ASSERT_TRUE(log->close().ok());
  EXPECT_EQ(export_and_verify("export").verdict, audit::Verdict::kSealed);
}

// A checkpoint's line but its signature and the hash over it: ECDSA signatures differ at
// every signing.
std::string without_sig(const std::string& line) {
  const std::string no_sig =
      std::regex_replace(line, std::regex("\"sig\":\"[^\"]*\""), "\"sig\":\"-\"");
  return std::regex_replace(no_sig, std::regex("\"hash\":\"[0-9a-f]{64}\"\\}$"), "\"hash\":\"-\"}");
}

TEST_F(PgAuditTest, LinesAreByteIdenticalToTheFileAuditLogs) {
  const auto fixed = std::chrono::system_clock::time_point(milliseconds(1'764'000'000'123));
  auto clock = [fixed] { return fixed; };
  audit::AuditOptions fo = at::test_options(tmp_.file("file-log"), key_);
  fo.now = clock;
  auto file = audit::AuditLog::open(fo);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  PgAuditOptions po = options("n1");
  po.now = clock;
  auto pg = open(po);
  ASSERT_TRUE(pg);

  audit::Event odd;
  odd.type = "operator";
  odd.who = std::string("adm\xff\"in\\") + '\x01';
  odd.doc = "t\xc3\xa1i-li\xe1\xbb\x87u \xf0\x9f\x93\x84";
  odd.organ = "";
  odd.detail = {{"z", {1, 2.5, nullptr, true}}, {"a", {{"nested", "\n\t"}}}, {"m", -7}};
  for (audit::AuditTrail* t : {static_cast<audit::AuditTrail*>(file->get()),
                               static_cast<audit::AuditTrail*>(pg.get())}) {
    ASSERT_TRUE(t->append(at::make_event("accepted", 1)).ok());
    ASSERT_TRUE(t->append_batch({odd, at::make_event("delivered", 2), at::make_event("retried", 3)}).ok());
    ASSERT_TRUE(t->append_deferred({at::make_event("refused", 4)}).ok());
    std::promise<Result<std::uint64_t>> p;
    t->append_async({at::make_event("receipt-issued", 5)},
                    [&p](Result<std::uint64_t> r) { p.set_value(std::move(r)); });
    ASSERT_TRUE(p.get_future().get().ok());
    // Records 7..10: the tenth triggers a "count" checkpoint (seq 11) in both.
    auto last = t->append_batch({at::make_event("accepted", 6), at::make_event("accepted", 7),
                                 at::make_event("accepted", 8), at::make_event("accepted", 9)});
    ASSERT_TRUE(last.ok());
    EXPECT_EQ(*last, 10u);
    EXPECT_EQ(t->last_seq(), 11u);
    ASSERT_TRUE(t->close().ok());  // nothing to seal: the checkpoint is the head
  }
  const std::vector<std::string> file_lines = at::read_lines(tmp_.file("file-log") + "/audit-000001.log");
  ASSERT_TRUE(export_audit_segments(conninfo(), tmp_.file("pg-log")).ok());
  const std::vector<std::string> pg_lines = at::read_lines(tmp_.file("pg-log") + "/audit-000001.log");
  ASSERT_EQ(file_lines.size(), 11u);
  ASSERT_EQ(pg_lines.size(), 11u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(pg_lines[i], file_lines[i]) << "line " << i + 1;
  EXPECT_NE(pg_lines[10], file_lines[10]);  // the signatures
  EXPECT_NE(without_sig(pg_lines[10]), pg_lines[10]);
  EXPECT_EQ(without_sig(pg_lines[10]), without_sig(file_lines[10]));
  audit::VerifyOptions strict;
  strict.check_json = true;
  for (const char* dir : {"file-log", "pg-log"}) {
    auto r = audit::verify_log(tmp_.file(dir), key_.cert_pem, strict);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->verdict, audit::Verdict::kSealed) << dir;
  }
}

TEST_F(PgAuditTest, KeyRolloverSignsLaterCheckpointsWithTheNewKey) {
  auto log = open(options("n1"));
  ASSERT_TRUE(log);
  const at::HubKey next = at::make_hub_key(tmp_.string(), "next");
  const std::string old_fp = log->key_fingerprint();
  ASSERT_TRUE(log->append(at::make_event("accepted", 1)).ok());
  auto signer = audit::CheckpointSigner::load(next.key_pem, next.cert_pem);
  ASSERT_TRUE(signer.ok());
  const std::string new_fp = (*signer)->fingerprint();
  auto replaced = log->replace_signer(std::move(*signer));
  ASSERT_TRUE(replaced.ok()) << replaced.status().to_string();
  EXPECT_EQ(*replaced, old_fp);
  EXPECT_EQ(log->key_fingerprint(), new_fp);
  ASSERT_TRUE(log->append(at::make_event("accepted", 2)).ok());
  ASSERT_TRUE(log->close().ok());
  EXPECT_EQ(q("SELECT string_agg(line::json->'detail'->>'reason' || ':' || "
              "(line::json->'detail'->>'key' = '" + new_fp + "')::text, ',' ORDER BY seq) "
              "FROM audit_records WHERE event = 'checkpoint'"),
            "key-rollover:false,shutdown:true");
  const std::string dir = tmp_.file("export");
  ASSERT_TRUE(export_audit_segments(conninfo(), dir).ok());
  auto both = audit::verify_log(dir, std::vector<std::string>{key_.cert_pem, next.cert_pem});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->verdict, audit::Verdict::kSealed);
  auto old_only = audit::verify_log(dir, key_.cert_pem);
  ASSERT_TRUE(old_only.ok());
  ASSERT_TRUE(old_only->failure.has_value());
  EXPECT_EQ(old_only->failure->code, "bad-checkpoint-signature");
}

TEST_F(PgAuditTest, TheSealerSealsAnIdleChainAndCarriesDeferredRecords) {
  PgAuditOptions o = options("n1");
  o.checkpoint_every_records = 1000;
  o.checkpoint_interval = milliseconds(400);
  o.background_sealer = true;
  auto log = open(o);
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->append_deferred({at::make_event("refused", 1)}).ok());
  ASSERT_TRUE(log->append(at::make_event("accepted", 2)).ok());
  ASSERT_TRUE(log->append_deferred({at::make_event("refused", 3)}).ok());
  // Nothing appends any more: the sealer carries the deferred record and seals the chain.
  const std::string sealed_sql =
      "SELECT (SELECT count(*) FROM audit_records WHERE event <> 'checkpoint') || ' ' || "
      "(SELECT event FROM audit_records ORDER BY seq DESC LIMIT 1)";
  std::string state;
  for (int i = 0; i < 300 && state != "3 checkpoint"; ++i) {
    std::this_thread::sleep_for(milliseconds(20));
    state = q(sealed_sql);
  }
  ASSERT_EQ(state, "3 checkpoint");
  EXPECT_EQ(q("SELECT string_agg(event, ',' ORDER BY seq) FROM audit_records "
              "WHERE event <> 'checkpoint'"),
            "refused,accepted,refused");
  EXPECT_EQ(q("SELECT string_agg(DISTINCT line::json->'detail'->>'reason', ',') "
              "FROM audit_records WHERE event = 'checkpoint'"),
            "interval");
  const std::string rows = q("SELECT count(*) FROM audit_records");
  EXPECT_TRUE(log->close().ok());
  EXPECT_EQ(q("SELECT count(*) FROM audit_records"), rows);  // sealed already: no "shutdown"
}

TEST_F(PgAuditTest, DeferredRecordsAreCarriedWithinASecondWithoutAnAppend) {
  PgAuditOptions o = options("n1");
  o.background_sealer = true;  // checkpoint_interval 0: no time-driven checkpoints
  auto log = open(o);
  ASSERT_TRUE(log);
  ASSERT_TRUE(log->append_deferred({at::make_event("refused", 1), at::make_event("refused", 2)}).ok());
  std::string rows;
  for (int i = 0; i < 150 && rows != "2"; ++i) {
    std::this_thread::sleep_for(milliseconds(20));
    rows = q("SELECT count(*) FROM audit_records");
  }
  EXPECT_EQ(rows, "2");
  EXPECT_EQ(log->last_seq(), 2u);
}

TEST_F(PgAuditTest, RefusesWhatTheFileLogRefuses) {
  auto log = open(options("n1"));
  ASSERT_TRUE(log);
  audit::Event reserved = at::make_event("checkpoint", 1);
  EXPECT_EQ(log->append(reserved).status().code(), "invalid-argument");
  audit::Event bad = at::make_event("Not Kebab", 1);
  EXPECT_EQ(log->append_deferred({bad}).code(), "invalid-argument");
  audit::Event array = at::make_event("accepted", 1);
  array.detail = nlohmann::json::array();
  EXPECT_EQ(log->append(array).status().code(), "invalid-argument");
  EXPECT_EQ(q("SELECT count(*) FROM audit_records"), "0");
  ASSERT_TRUE(log->close().ok());
  EXPECT_EQ(log->append(at::make_event("accepted", 1)).status().code(), "failed-precondition");
  EXPECT_EQ(log->health().code(), "failed-precondition");
  PgAuditOptions no_key = options("n1");
  no_key.key_pem = tmp_.file("missing.key");
  EXPECT_EQ(PgAuditLog::open(no_key).status().code(), "invalid-argument");
  PgAuditOptions unreachable = options("n1");
  unreachable.conninfo = "host=127.0.0.1 port=1 connect_timeout=2";
  EXPECT_EQ(PgAuditLog::open(unreachable).status().code(), "unavailable");
}

}  // namespace
}  // namespace docaxis::store::testing
