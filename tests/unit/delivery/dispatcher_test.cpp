// Dispatcher on a real SqliteStore (temp dir), a fake clock and a RecordingOutbound.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "delivery/dispatcher.hpp"
#include "store/sqlite_store.hpp"
#include "support.hpp"

namespace docaxis::delivery {
namespace {

using Mode = testing::RecordingOutbound::Mode;
using store::DeliveryState;

constexpr int64_t kT0 = 1'700'000'000'000;
const std::string kA = "000.00.13.H30";
const std::string kB = "000.00.31.H30";

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteStoreOptions o;
    o.path = dir_.file("spool.sqlite");
    o.fsync = store::FsyncMode::kNormal;
    o.check_on_open = store::OpenCheck::kNone;
    o.clock = [this] { return now_; };
    auto s = store::SqliteStore::open(o);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(*s);
    opts_.retry.poison_limit = 10;
  }

  std::unique_ptr<Dispatcher> make() {
    return std::make_unique<Dispatcher>(
        *store_, out_, opts_, [this] { return now_; },
        [](const model::ConnectionIdentity&, const std::string&) { return Status(); },
        [this](const std::vector<Dispatcher::Finished>& finished) {
          ++reports_;
          for (const auto& f : finished) terminal_.emplace_back(f.delivery, f.outcome);
        },
        [] { return 0.5; });  // no jitter: exact schedule
  }

  // One package from a fixed sender to `recipients` (local), received now.
  uint64_t ingest(const std::string& doc, std::vector<std::string> recipients = {kA}) {
    store::StoredPackage p;
    p.message_type = "edoc";
    p.sender = "000.00.01.G12";
    p.document_id = doc;
    p.bytes = "<edXMLEnvelope>" + doc + "</edXMLEnvelope>";
    p.sha256_hex = std::string(64, 'a');
    p.sha256_hex.replace(0, doc.size() < 64 ? doc.size() : 64, std::string(doc.size(), 'b'));
    p.received_ms = now_;
    p.from_endpoint = "UID=000.00.01.G12";
    p.hops = {{"national", now_ - 10}, {"h30", now_}};
    std::vector<store::DeliverySpec> specs;
    for (const auto& r : recipients) specs.push_back({r, std::string(store::kLocalHop), 0});
    auto res = store_->ingest(std::move(p), std::move(specs));
    EXPECT_TRUE(res.ok()) << res.status().to_string();
    return res.ok() ? res->seq : 0;
  }

  store::Delivery delivery(uint64_t seq, size_t i = 0) {
    auto ds = store_->deliveries_of(seq);
    EXPECT_TRUE(ds.ok());
    return ds.ok() && ds->size() > i ? (*ds)[i] : store::Delivery{};
  }

  testing::TempDir dir_;
  int64_t now_ = kT0;
  std::unique_ptr<store::SqliteStore> store_;
  testing::RecordingOutbound out_;
  DispatcherOptions opts_;
  std::vector<std::pair<store::Delivery, std::string>> terminal_;
  int reports_ = 0;  // on_terminal calls
};

TEST_F(DispatcherTest, AcceptedDeliveryIsMarkedDeliveredWithMessageProperties) {
  const auto seq = ingest("doc-1");
  auto d = make();
  d->ready(kA);
  d->run_until_quiet(now_);
  ASSERT_EQ(out_.calls.size(), 1u);
  const auto& m = out_.calls[0].message;
  EXPECT_EQ(out_.calls[0].organ, kA);
  EXPECT_EQ(m.bytes, "<edXMLEnvelope>doc-1</edXMLEnvelope>");
  EXPECT_EQ(m.message_type, "edoc");
  EXPECT_EQ(m.document_id, "doc-1");
  EXPECT_EQ(m.from, "000.00.01.G12");
  EXPECT_EQ(m.hops, (model::Trail{{"national", kT0 - 10}, {"h30", kT0}}));
  EXPECT_EQ(delivery(seq).state, DeliveryState::kDelivered);
  ASSERT_EQ(terminal_.size(), 1u);
  EXPECT_EQ(terminal_[0].second, "delivered");
  EXPECT_EQ(d->counters().delivered, 1u);
  EXPECT_EQ(d->counters().in_flight, 0u);
}

TEST_F(DispatcherTest, RecipientRejectionIsRefusedWithItsReason) {
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kReject, "docaxis:invalid-signature", "Signature/SignatureValue does not verify");
  auto d = make();
  d->ready(kA);
  d->run_until_quiet(now_);
  const auto row = delivery(seq);
  EXPECT_EQ(row.state, DeliveryState::kRefused);
  EXPECT_EQ(row.last_error, "docaxis:invalid-signature: Signature/SignatureValue does not verify");
  ASSERT_EQ(terminal_.size(), 1u);
  EXPECT_EQ(terminal_[0].second, "refused");
  EXPECT_EQ(d->counters().refused, 1u);
}

TEST_F(DispatcherTest, ReleasedIsRetriedAtTheBackoffTimeAndNotBefore) {
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kRelease);
  auto d = make();
  d->ready(kA);
  d->run_until_quiet(now_);
  ASSERT_EQ(out_.calls.size(), 1u);
  auto row = delivery(seq);
  EXPECT_EQ(row.state, DeliveryState::kWaiting);
  EXPECT_EQ(row.next_attempt_ms, kT0 + 5000);
  now_ = kT0 + 4999;
  d->run_until_quiet(now_);
  EXPECT_EQ(out_.calls.size(), 1u);
  now_ = kT0 + 5000;
  d->run_until_quiet(now_);
  EXPECT_EQ(out_.calls.size(), 2u);
  EXPECT_EQ(delivery(seq).next_attempt_ms, now_ + 10'000);  // second delay doubles
  out_.set_mode(kA, Mode::kAccept);
  now_ += 10'000;
  d->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kDelivered);
  EXPECT_EQ(d->counters().retried, 2u);
}

TEST_F(DispatcherTest, AnAttemptThatThrowsIsRetriedAndTheOthersGoOn) {
  const auto seq_a = ingest("doc-a", {kA});
  const auto seq_b = ingest("doc-b", {kB});
  out_.set_mode(kA, Mode::kThrow);
  auto d = make();
  d->ready(kA);
  d->ready(kB);
  d->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq_b).state, DeliveryState::kDelivered);
  auto row = delivery(seq_a);
  EXPECT_EQ(row.state, DeliveryState::kWaiting);
  EXPECT_NE(row.last_error.find("outbound blew up"), std::string::npos) << row.last_error;
  EXPECT_EQ(row.next_attempt_ms, kT0 + 5000);
  EXPECT_EQ(d->counters().in_flight, 0u);
  out_.set_mode(kA, Mode::kAccept);
  now_ = kT0 + 5000;
  d->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq_a).state, DeliveryState::kDelivered);
}

TEST_F(DispatcherTest, NoOutcomeWithinTheTimeoutIsRetried) {
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kSilent);
  auto d = make();
  d->ready(kA);
  d->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kInFlight);
  EXPECT_EQ(d->counters().in_flight, 1u);
  now_ += opts_.delivery_timeout_ms - 1;
  d->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kInFlight);
  now_ += 1;
  d->run_until_quiet(now_);
  const auto row = delivery(seq);
  EXPECT_EQ(row.state, DeliveryState::kWaiting);
  EXPECT_EQ(row.next_attempt_ms, now_ + 5000);
  EXPECT_EQ(row.unanswered, 1u) << row.last_error;
  EXPECT_EQ(d->counters().timeouts, 1u);
}

TEST_F(DispatcherTest, LateAcceptAfterTimeoutStillCountsAsDeliveredOnce) {
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kSilent);
  auto d = make();
  d->ready(kA);
  d->run_until_quiet(now_);
  now_ += opts_.delivery_timeout_ms;
  d->run_until_quiet(now_);  // timed out: waiting
  ASSERT_EQ(out_.unanswered.size(), 1u);
  out_.unanswered[0](DeliveryOutcome{DeliveryResult::kAccepted, {}, {}});
  d->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kDelivered);
  ASSERT_EQ(terminal_.size(), 1u);
  EXPECT_EQ(d->counters().late_outcomes, 1u);
}

TEST_F(DispatcherTest, PastTheDeadlineTheDeliveryIsDeadAndExpired) {
  opts_.retry.deadline_ms = 60'000;
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kRelease);
  auto d = make();
  d->ready(kA);
  for (int i = 0; i < 200 && terminal_.empty(); ++i) {
    d->run_until_quiet(now_);
    now_ += 1000;
  }
  const auto row = delivery(seq);
  EXPECT_EQ(row.state, DeliveryState::kDead);
  EXPECT_EQ(row.last_error.rfind("expired:", 0), 0u) << row.last_error;
  ASSERT_EQ(terminal_.size(), 1u);
  EXPECT_EQ(terminal_[0].second, "expired");
  // 0, 5, 15, 35 s, then the last attempt at the deadline (60 s) itself.
  EXPECT_EQ(out_.calls.size(), 5u);
  EXPECT_EQ(d->counters().dead, 1u);
}

TEST_F(DispatcherTest, PoisonLimitDeadLettersAfterUnansweredAttempts) {
  opts_.retry.poison_limit = 3;
  opts_.breaker.failures_to_open = 100;
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kDisconnect);
  auto d = make();
  d->ready(kA);
  for (int i = 0; i < 100 && terminal_.empty(); ++i) {
    d->run_until_quiet(now_);
    now_ += 1000;
  }
  const auto row = delivery(seq);
  EXPECT_EQ(row.state, DeliveryState::kDead);
  EXPECT_EQ(row.last_error.rfind("poison:", 0), 0u) << row.last_error;
  EXPECT_EQ(out_.calls.size(), 3u);
  EXPECT_EQ(terminal_.at(0).second, "expired");
}

// "No retry storm": 10 deliveries to an inbox that releases everything for an hour.
TEST_F(DispatcherTest, BreakerBoundsAttemptsDuringAnOutageAndDrainsAfter) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 10; ++i) seqs.push_back(ingest("doc-" + std::to_string(i)));
  out_.set_mode(kA, Mode::kRelease);
  auto d = make();
  d->ready(kA);
  const int64_t outage_end = kT0 + 3600 * 1000;
  int64_t opened_at = 0;
  size_t calls_when_opened = 0;
  while (now_ < outage_end) {
    d->run_until_quiet(now_);
    if (opened_at == 0 && d->breaker_state(delivery(seqs[0]), now_) == CircuitBreaker::State::kOpen) {
      opened_at = now_;
      calls_when_opened = out_.calls.size();
    }
    now_ += 1000;
  }
  ASSERT_NE(opened_at, 0);
  // Before opening: at most one attempt per delivery already claimed. After: one probe per
  // open period at most.
  EXPECT_LE(calls_when_opened, 10u);
  const auto probes = out_.calls.size() - calls_when_opened;
  EXPECT_LE(probes, static_cast<size_t>((outage_end - opened_at) / opts_.breaker.open_ms + 1));
  EXPECT_GE(probes, 30u);  // it does keep probing
  // Without the breaker the backoff alone would have made ~10 attempts per delivery.
  EXPECT_LT(out_.calls.size(), 100u);
  RecordProperty("attempts_during_outage", static_cast<int>(out_.calls.size()));
  RecordProperty("breaker_opened_after_s", static_cast<int>((opened_at - kT0) / 1000));

  // When it returns, everything queued drains within the longest backoff interval (a
  // delivery that failed near the end of the outage keeps its own retry time).
  out_.set_mode(kA, Mode::kAccept);
  const int64_t back_at = now_;
  for (int i = 0; i < 2000 && d->counters().delivered < 10; ++i) {
    d->run_until_quiet(now_);
    now_ += 1000;
  }
  for (auto s : seqs) EXPECT_EQ(delivery(s).state, DeliveryState::kDelivered);
  EXPECT_LE(now_ - back_at, opts_.retry.backoff.max.count() * 12 / 10 + opts_.breaker.open_ms);
}

TEST_F(DispatcherTest, OnlyDeliveriesOfAttachedInboxesAreClaimed) {
  const auto seq = ingest("doc-1");
  auto d = make();
  d->run_until_quiet(now_);
  EXPECT_TRUE(out_.calls.empty());
  EXPECT_EQ(delivery(seq).attempts, 0u);  // not even claimed
  d->ready(kB);  // another organ attached: A's delivery is left alone
  for (int i = 0; i < 5; ++i) {
    d->run_until_quiet(now_);
    now_ += 60'000;
  }
  EXPECT_TRUE(out_.calls.empty());
  EXPECT_EQ(delivery(seq).attempts, 0u);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kWaiting);
  d->ready(kA);  // A attaches: delivered at once, first attempt
  out_.set_mode(kA, Mode::kRelease);
  d->run_until_quiet(now_);
  ASSERT_EQ(out_.calls.size(), 1u);
  EXPECT_EQ(delivery(seq).attempts, 1u);
  EXPECT_EQ(delivery(seq).next_attempt_ms, now_ + 5000);  // the first retry delay
  d->detached(kA);
  EXPECT_FALSE(d->inbox_ready(kA));
}

TEST_F(DispatcherTest, ADeliveryWhoseInboxNeverAttachesExpiresAtTheDeadline) {
  opts_.retry.deadline_ms = 3'600'000;
  opts_.sweeper_interval_ms = 60'000;
  const auto seq = ingest("doc-1");
  auto d = make();
  d->ready(kB);
  while (now_ <= kT0 + opts_.retry.deadline_ms + opts_.sweeper_interval_ms && terminal_.empty()) {
    d->run_until_quiet(now_);
    now_ += 10'000;
  }
  ASSERT_EQ(terminal_.size(), 1u);
  EXPECT_EQ(terminal_[0].second, "expired");
  EXPECT_EQ(terminal_[0].first.id, delivery(seq).id);
  const auto row = delivery(seq);
  EXPECT_EQ(row.state, DeliveryState::kDead);
  EXPECT_EQ(row.attempts, 0u);
  EXPECT_EQ(row.last_error.rfind("expired: not delivered within the deadline of 3600 s", 0), 0u)
      << row.last_error;
  EXPECT_GT(row.updated_ms, kT0 + opts_.retry.deadline_ms);  // not before the deadline
  EXPECT_TRUE(out_.calls.empty());
  EXPECT_EQ(d->counters().dead, 1u);
}

TEST_F(DispatcherTest, TheInFlightWindowBoundsClaimsAndOutcomesAreCommittedInBatches) {
  opts_.max_in_flight_per_organ = 4;
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 10; ++i) seqs.push_back(ingest("doc-" + std::to_string(i)));
  out_.set_mode(kA, Mode::kSilent);
  auto d = make();
  d->ready(kA);
  d->run_until_quiet(now_);
  ASSERT_EQ(out_.calls.size(), 4u);  // the window, not all 10
  int in_flight = 0;
  for (auto s : seqs) in_flight += delivery(s).state == DeliveryState::kInFlight;
  EXPECT_EQ(in_flight, 4);
  // All four accepted at once: their transitions go to the store in one batch.
  auto answers = std::move(out_.unanswered);
  out_.unanswered.clear();
  out_.set_mode(kA, Mode::kAccept);
  for (auto& done : answers) done({DeliveryResult::kAccepted, {}, {}});
  const auto commits_before = d->counters().commits;
  d->run_once(now_);  // decides the four and submits them, starts the next claim
  d->run_until_quiet(now_);
  EXPECT_EQ(terminal_.size(), 10u);
  for (auto s : seqs) EXPECT_EQ(delivery(s).state, DeliveryState::kDelivered);
  EXPECT_EQ(d->counters().delivered, 10u);
  // 10 deliveries in at most 4 commits: the first four together, then the next windows.
  EXPECT_LE(d->counters().commits - commits_before, 4u);
  EXPECT_GE(terminal_.size() / static_cast<std::size_t>(reports_), 2u);
}

TEST_F(DispatcherTest, RestartRecoversInFlightDeliveries) {
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kSilent);
  {
    auto first = make();
    first->ready(kA);
    first->run_until_quiet(now_);
    EXPECT_EQ(delivery(seq).state, DeliveryState::kInFlight);
  }
  out_.unanswered.clear();
  out_.set_mode(kA, Mode::kAccept);
  auto second = make();
  ASSERT_TRUE(second->recover().ok());
  EXPECT_EQ(second->counters().recovered, 1u);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kWaiting);
  second->ready(kA);
  second->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kDelivered);
  EXPECT_EQ(terminal_.size(), 1u);
}

TEST_F(DispatcherTest, BackgroundThreadDeliversWhenAnInboxBecomesReady) {
  const auto seq = ingest("doc-1");
  auto d = make();
  ASSERT_TRUE(d->start().ok());
  d->ready(kA);
  for (int i = 0; i < 200 && d->counters().delivered == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  d->stop();
  EXPECT_EQ(delivery(seq).state, DeliveryState::kDelivered);
}

// --- settle(): the recipient's own word (an inbox read by polling) ----------------------

TEST_F(DispatcherTest, ARecipientSettlesAWaitingDeliveryOnceAndAskingAgainGivesTheSameAnswer) {
  const auto seq = ingest("doc-1");
  const auto seq2 = ingest("doc-2");
  auto d = make();  // no inbox attached: nothing is claimed, both wait
  std::vector<Result<store::Delivery>> answers;
  auto record = [&answers](Result<store::Delivery> r) { answers.push_back(std::move(r)); };
  d->settle(delivery(seq).id, true, "", record);
  d->settle(delivery(seq2).id, false, "refused by the recipient (vxp:dms): cannot import", record);
  d->run_until_quiet(now_);
  ASSERT_EQ(answers.size(), 2u);
  ASSERT_TRUE(answers[0].ok()) << answers[0].status().to_string();
  EXPECT_EQ(answers[0]->state, DeliveryState::kDelivered);
  ASSERT_TRUE(answers[1].ok()) << answers[1].status().to_string();
  EXPECT_EQ(answers[1]->state, DeliveryState::kRefused);
  EXPECT_EQ(delivery(seq2).last_error, "refused by the recipient (vxp:dms): cannot import");
  EXPECT_TRUE(out_.calls.empty());  // nothing was pushed anywhere
  ASSERT_EQ(terminal_.size(), 2u);  // reported (receipted, audited) like any outcome
  EXPECT_EQ(terminal_[0].second, "delivered");
  EXPECT_EQ(terminal_[1].second, "refused");

  // Again: the same answers, nothing reported twice; the other end is failed-precondition.
  d->settle(delivery(seq).id, true, "", record);
  d->settle(delivery(seq2).id, false, "again", record);
  d->settle(delivery(seq2).id, true, "", record);
  d->settle(424242, true, "", record);
  d->run_until_quiet(now_);
  ASSERT_EQ(answers.size(), 6u);
  EXPECT_TRUE(answers[2].ok());
  EXPECT_TRUE(answers[3].ok());
  EXPECT_EQ(answers[3]->last_error, "refused by the recipient (vxp:dms): cannot import");
  EXPECT_EQ(answers[4].status().code(), "failed-precondition");
  EXPECT_EQ(answers[5].status().code(), "not-found");
  EXPECT_EQ(terminal_.size(), 2u);
}

TEST_F(DispatcherTest, ASettleWhileAnAmqpAttemptIsOutWinsAndTheLateOutcomeIsMoot) {
  const auto seq = ingest("doc-1");
  out_.set_mode(kA, Mode::kSilent);
  auto d = make();
  d->ready(kA);
  d->run_until_quiet(now_);
  ASSERT_EQ(out_.calls.size(), 1u);
  std::optional<Result<store::Delivery>> answer;
  d->settle(delivery(seq).id, true, "", [&answer](Result<store::Delivery> r) { answer = std::move(r); });
  d->run_until_quiet(now_);
  ASSERT_TRUE(answer.has_value() && answer->ok());
  EXPECT_EQ(delivery(seq).state, DeliveryState::kDelivered);
  EXPECT_EQ(d->counters().in_flight, 0u);
  out_.unanswered[0](DeliveryOutcome{DeliveryResult::kRejected, "x", "late"});
  d->run_until_quiet(now_);
  EXPECT_EQ(delivery(seq).state, DeliveryState::kDelivered);
  EXPECT_EQ(terminal_.size(), 1u);
}

TEST_F(DispatcherTest, ASettleAfterStopIsAnsweredUnavailableAtOnce) {
  const auto seq = ingest("doc-1");
  auto d = make();
  d->stop();
  std::optional<Result<store::Delivery>> answer;
  d->settle(delivery(seq).id, true, "", [&answer](Result<store::Delivery> r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status().code(), "unavailable");
  EXPECT_EQ(delivery(seq).state, DeliveryState::kWaiting);
}

}  // namespace
}  // namespace docaxis::delivery
