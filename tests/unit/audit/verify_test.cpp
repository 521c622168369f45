// verify_log: every kind of tampering is caught and the first bad record is named precisely.
#include <gtest/gtest.h>

#include <fstream>

#include "audit/audit_log.hpp"
#include "audit/segment_files.hpp"
#include "audit/verify.hpp"
#include "support.hpp"

namespace docaxis::audit {
namespace {

using test::HubKey;
using test::TempDir;

// A sealed log of 30 events: seq 1..10 events, 11 checkpoint, 12..21 events, 22 checkpoint,
// 23..32 events, 33 checkpoint (count); close() adds nothing after a checkpoint.
// Lines are 1-based and equal seq.
class VerifyTest : public ::testing::Test {
 protected:
  TempDir tmp_;
  HubKey key_ = test::make_hub_key(tmp_.path(), "hub");
  std::string dir_ = tmp_ / "log";
  std::string seg_ = dir_ + "/" + segment_name(1);

  void SetUp() override {
    auto log = AuditLog::open(test::test_options(dir_, key_));
    ASSERT_TRUE(log.ok()) << log.status().to_string();
    for (int i = 0; i < 30; ++i) ASSERT_TRUE((*log)->append(test::make_event("accepted", i)).ok());
    ASSERT_TRUE((*log)->close().ok());
    lines_ = test::read_lines(seg_);
    ASSERT_EQ(lines_.size(), 33u);
    original_ = lines_;
  }
  void restore() { lines_ = original_; }

  VerifyReport verify(const std::string& cert = "", const VerifyOptions& o = {}) {
    auto rep = verify_log(dir_, cert.empty() ? key_.cert_pem : cert, o);
    EXPECT_TRUE(rep.ok()) << rep.status().to_string();
    return *rep;
  }
  void expect_failure(const VerifyReport& rep, const std::string& code, std::uint64_t line,
                      std::uint64_t seq) {
    ASSERT_EQ(rep.verdict, Verdict::kTampered);
    ASSERT_TRUE(rep.failure.has_value());
    EXPECT_EQ(rep.failure->code, code) << rep.failure->message;
    EXPECT_EQ(rep.failure->file, segment_name(1));
    EXPECT_EQ(rep.failure->line, line);
    EXPECT_EQ(rep.failure->seq, seq);
  }
  void save() { test::write_lines(seg_, lines_); }

  std::vector<std::string> lines_;
  std::vector<std::string> original_;
};

TEST_F(VerifyTest, IntactLogIsSealedWithCountsAndLastCheckpoint) {
  VerifyReport rep = verify();
  EXPECT_EQ(rep.verdict, Verdict::kSealed);
  EXPECT_EQ(rep.records, 33u);
  EXPECT_EQ(rep.checkpoints, 3u);
  EXPECT_EQ(rep.first_seq, 1u);
  EXPECT_EQ(rep.last_seq, 33u);
  EXPECT_EQ(rep.last_checkpoint_seq, 33u);
  EXPECT_EQ(rep.unsealed_records, 0u);
}

TEST_F(VerifyTest, FlippedByteInARecordBodyIsAHashMismatchAtThatRecord) {
  auto pos = lines_[4].find("doc-4");
  lines_[4][pos + 4] = '5';
  save();
  expect_failure(verify(), "hash-mismatch", 5, 5);
}

TEST_F(VerifyTest, FlippedByteInEachPositionOfARecordIsDetectedAtThatRecord) {
  const std::string original = lines_[6];
  for (std::size_t i = 0; i < original.size(); ++i) {
    lines_[6] = original;
    lines_[6][i] = static_cast<char>(lines_[6][i] ^ 0x01);
    save();
    VerifyReport rep = verify();
    ASSERT_EQ(rep.verdict, Verdict::kTampered) << "byte " << i;
    EXPECT_EQ(rep.failure->line, 7u) << "byte " << i << ": " << rep.failure->message;
  }
}

TEST_F(VerifyTest, FlippedByteInPrevOrHashFieldIsNamed) {
  auto p = lines_[2].find("\"prev\":\"") + 8;
  lines_[2][p] = lines_[2][p] == 'a' ? 'b' : 'a';
  save();
  expect_failure(verify(), "hash-mismatch", 3, 3);

  restore();
  auto h = lines_[3].find("\"hash\":\"") + 8;
  lines_[3][h] = lines_[3][h] == 'a' ? 'b' : 'a';
  save();
  expect_failure(verify(), "hash-mismatch", 4, 4);
}

TEST_F(VerifyTest, ChangedPrevWithRecomputedHashIsAPrevMismatch) {
  // Re-hash only the edited line: its own hash is right, its link is not.
  auto j = nlohmann::json::parse(lines_[2]);
  Record r;
  r.seq = 3;
  r.time = j["time"];
  r.event.type = j["event"];
  r.event.doc = j["doc"];
  r.event.organ = j["organ"];
  r.event.detail = j["detail"];
  r.prev = sha256_hex("something else");
  lines_[2] = format_line(r);
  save();
  expect_failure(verify(), "prev-mismatch", 3, 3);
}

TEST_F(VerifyTest, FlippedByteInACheckpointSignatureIsNamed) {
  auto s = lines_[10].find("\"sig\":\"") + 12;
  lines_[10][s] = lines_[10][s] == 'A' ? 'B' : 'A';
  save();
  expect_failure(verify(), "hash-mismatch", 11, 11);  // naive edit
  test::rechain(dir_);                                 // attacker fixes every hash
  expect_failure(verify(), "bad-checkpoint-signature", 11, 11);
}

TEST_F(VerifyTest, EditedRecordWithRechainedLogFailsAtTheNextCheckpoint) {
  auto pos = lines_[14].find("doc-");
  lines_[14][pos + 4] = '9';
  save();
  test::rechain(dir_);
  VerifyReport rep = verify();
  expect_failure(rep, "bad-checkpoint-signature", 22, 22);
  EXPECT_NE(rep.failure->message.find("since checkpoint seq 11"), std::string::npos);
}

TEST_F(VerifyTest, DeletedRecordIsASeqGapAtTheRecordAfterIt) {
  lines_.erase(lines_.begin() + 4);  // seq 5
  save();
  expect_failure(verify(), "seq-gap", 5, 6);
}

TEST_F(VerifyTest, SwappedPairOfRecordsIsNamedAtTheFirstOfThePair) {
  std::swap(lines_[7], lines_[8]);  // seq 8 and 9
  save();
  expect_failure(verify(), "seq-out-of-order", 8, 9);
}

TEST_F(VerifyTest, InsertedCopyOfARecordIsDetected) {
  lines_.insert(lines_.begin() + 5, lines_[4]);  // seq 5 again after seq 5
  save();
  expect_failure(verify(), "seq-out-of-order", 6, 5);
}

TEST_F(VerifyTest, InsertedForgedRecordWithRenumberedRechainedLogFailsAtTheNextCheckpoint) {
  Record forged;
  forged.seq = 6;
  forged.time = "2024-01-01T00:00:00.000Z";
  forged.event.type = "delivered";
  forged.prev = std::string(kGenesisPrev);
  lines_.insert(lines_.begin() + 5, format_line(forged));
  for (std::size_t i = 6; i < lines_.size(); ++i) {  // renumber everything after it
    auto j = nlohmann::json::parse(lines_[i]);
    j["seq"] = i + 1;
    lines_[i] = j.dump();
  }
  save();
  test::rechain(dir_);
  expect_failure(verify(), "bad-checkpoint-signature", 12, 12);
}

TEST_F(VerifyTest, TruncationAfterTheLastCheckpointIsAnUnsealedTailNotTampering) {
  // Re-open and add records without a checkpoint, then cut some of them off.
  {
    auto o = test::test_options(dir_, key_);
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->append(test::make_event("delivered", i)).ok());
  }
  lines_ = test::read_lines(seg_);
  lines_.resize(lines_.size() - 3);  // shutdown checkpoint and two records
  save();
  VerifyReport rep = verify();
  EXPECT_EQ(rep.verdict, Verdict::kUnsealedTail);
  EXPECT_FALSE(rep.failure.has_value());
  EXPECT_EQ(rep.unsealed_records, 3u);
  EXPECT_EQ(rep.last_checkpoint_seq, 33u);
}

TEST_F(VerifyTest, TruncationInsideARecordIsATornTail) {
  std::string bytes = test::read_bytes(seg_);
  test::write_bytes(seg_, bytes.substr(0, bytes.size() - 40));
  VerifyReport rep = verify();
  EXPECT_EQ(rep.verdict, Verdict::kUnsealedTail);
  EXPECT_TRUE(rep.torn_tail);
  EXPECT_EQ(rep.last_seq, 32u);
}

TEST_F(VerifyTest, TruncationAcrossCheckpointsIsCaughtWithAnAnchor) {
  VerifyReport before = verify();
  lines_.resize(15);
  save();
  EXPECT_EQ(verify().verdict, Verdict::kUnsealedTail);  // without an anchor: not provable
  VerifyOptions o;
  o.anchor_seq = before.last_checkpoint_seq;
  o.anchor_hash = before.last_checkpoint_hash;
  VerifyReport rep = verify("", o);
  expect_failure(rep, "truncated", 0, 16);
}

TEST_F(VerifyTest, CheckpointSignedByAnotherKeyIsRefused) {
  HubKey other = test::make_hub_key(tmp_.path(), "other");
  expect_failure(verify(other.cert_pem), "bad-checkpoint-signature", 11, 11);
}

TEST_F(VerifyTest, CertificateBundleWithRenewedCertificatesVerifies) {
  HubKey other = test::make_hub_key(tmp_.path(), "other");
  std::string bundle = tmp_ / "bundle.pem";
  test::write_bytes(bundle, test::read_bytes(other.cert_pem) + test::read_bytes(key_.cert_pem));
  EXPECT_EQ(verify(bundle).verdict, Verdict::kSealed);
}

TEST_F(VerifyTest, DeletedSegmentIsNamed) {
  auto o = test::test_options(dir_, key_);
  o.max_segment_bytes = 4096;
  {
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 60; ++i) ASSERT_TRUE((*log)->append(test::make_event("accepted", i)).ok());
  }
  ASSERT_GE(list_segments(dir_)->size(), 3u);
  std::filesystem::remove(dir_ + "/" + segment_name(2));
  VerifyReport rep = verify();
  ASSERT_TRUE(rep.failure.has_value());
  EXPECT_EQ(rep.failure->code, "missing-segment");
  EXPECT_EQ(rep.failure->file, segment_name(2));
}

TEST_F(VerifyTest, MissingCertificateFileIsAnErrorNotAVerdict) {
  EXPECT_EQ(verify_log(dir_, tmp_ / "nope.pem").status().code(), "invalid-argument");
  EXPECT_EQ(verify_log(tmp_ / "nope", key_.cert_pem).status().code(), "not-found");
}

TEST_F(VerifyTest, ExportFiltersBySinceAndUntil) {
  TempDir t2;
  auto now = std::chrono::system_clock::time_point(std::chrono::hours(480000));
  auto o = test::test_options(t2 / "log", key_);
  o.now = [&] { return now; };
  {
    auto log = AuditLog::open(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE((*log)->append(test::make_event("accepted", i)).ok());
      now += std::chrono::seconds(10);
    }
  }
  ExportFilter f;
  f.since = std::chrono::system_clock::time_point(std::chrono::hours(480000)) + std::chrono::seconds(10);
  f.until = *f.since + std::chrono::seconds(20);
  std::vector<std::string> docs;
  ASSERT_TRUE(for_each_record(t2 / "log", f, [&](const ExportedRecord& r) {
                docs.push_back(r.record.event.doc);
                return true;
              }).ok());
  EXPECT_EQ(docs, (std::vector<std::string>{"doc-1", "doc-2"}));
}

}  // namespace
}  // namespace docaxis::audit
