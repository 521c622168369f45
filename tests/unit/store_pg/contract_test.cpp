// The Store contract (store/store.hpp, records.hpp), run unchanged on SqliteStore and on
// PgStore: the same scenario, the same expected answers, so the PostgreSQL store's parity is
// shown, not claimed. PgStore cases skip, naming what is missing, without PostgreSQL 15.
#include <gtest/gtest.h>

#include <climits>
#include <memory>

#include "backends.hpp"

namespace docaxis::store::testing {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

Transition delivered(uint64_t id) {
  return Transition{id, TransitionKind::kDelivered, 0, {}, false, std::nullopt};
}

template <typename B>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = backend_.prepare(); !why.empty()) GTEST_SKIP() << why;
    reopen();
  }
  void reopen() {
    store_.reset();
    auto s = backend_.open(&clock_);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(*s);
  }
  uint64_t put(const std::string& doc, std::vector<DeliverySpec> to, int64_t at = kT0,
               const std::string& sender = "000.00.00.A01") {
    auto r = store_->ingest(make_package(sender, doc, binary_bytes(doc, 300), at), std::move(to));
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->kind, IngestOutcome::Kind::kStored);
    return r.ok() ? r->seq : 0;
  }
  static std::vector<DeliverySpec> peer(const std::vector<std::string>& rs, int64_t due = 0) {
    std::vector<DeliverySpec> out;
    for (const auto& r : rs) out.push_back({r, "hub-b", due});
    return out;
  }

  B backend_;
  int64_t clock_ = kT0 + 1000;
  std::unique_ptr<Store> store_;
};

using Backends = ::testing::Types<SqliteBackend, PgBackend>;
struct BackendNames {
  template <typename T>
  static std::string GetName(int) { return T::kName; }
};
TYPED_TEST_SUITE(StoreContract, Backends, BackendNames);

TYPED_TEST(StoreContract, IngestStoresPackageAndDeliveriesDurably) {
  StoredPackage pkg = make_package("000.00.00.A01", "doc-1", binary_bytes("x", 5000), kT0);
  pkg.relaxations = {"expired-cert"};
  pkg.title = "Công văn";
  pkg.verdict.about_seq = 7;
  auto r = this->store_->ingest(pkg, to_local({"000.00.00.B01", "000.00.00.B02"}));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->kind, IngestOutcome::Kind::kStored);
  const uint64_t seq2 = this->put("doc-2", to_local({"000.00.00.B01"}));
  EXPECT_GT(seq2, r->seq);
  this->reopen();  // committed means durable: a new connection / process sees it
  auto loaded = this->store_->load_package(r->seq);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  pkg.seq = r->seq;
  EXPECT_EQ(*loaded, pkg);
  auto ds = this->store_->deliveries_of(r->seq);
  ASSERT_TRUE(ds.ok());
  ASSERT_EQ(ds->size(), 2u);
  EXPECT_EQ((*ds)[0].recipient, "000.00.00.B01");
  EXPECT_EQ((*ds)[0].state, DeliveryState::kWaiting);
  EXPECT_EQ((*ds)[0].next_attempt_ms, kT0);
  EXPECT_EQ((*ds)[0].created_ms, kT0);
  EXPECT_EQ((*ds)[0].attempts, 0u);
  EXPECT_EQ(this->store_->load_package(seq2 + 100).status().code(), "not-found");
  EXPECT_EQ(this->store_->deliveries_of(seq2 + 100).status().code(), "not-found");
  EXPECT_TRUE(this->store_->check_integrity().ok());
}

TYPED_TEST(StoreContract, RecipientNamesAreStoredVerbatim) {
  const std::vector<std::string> names = {"R\"1", "R\\2,{x}", "NULL", " sp ", "Sở Nội vụ"};
  std::vector<DeliverySpec> to;
  for (const auto& n : names) to.push_back({n, "hop\"{,}", 0});
  const uint64_t seq = this->put("doc", to);
  auto ds = this->store_->deliveries_of(seq);
  ASSERT_TRUE(ds.ok()) << ds.status().to_string();
  ASSERT_EQ(ds->size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ((*ds)[i].recipient, names[i]);
    EXPECT_EQ((*ds)[i].next_hop, "hop\"{,}");
  }
}

TYPED_TEST(StoreContract, DuplicateRule) {
  const uint64_t seq = this->put("doc-1", to_local({"000.00.00.B01"}));
  auto same = this->store_->ingest(
      make_package("000.00.00.A01", "doc-1", binary_bytes("doc-1", 300), kT0 + 5),
      to_local({"000.00.00.B09"}));
  ASSERT_TRUE(same.ok()) << same.status().to_string();
  EXPECT_EQ(same->kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(same->seq, seq);
  auto other = this->store_->ingest(
      make_package("000.00.00.A01", "doc-1", binary_bytes("other", 300), kT0),
      to_local({"000.00.00.B01"}));
  EXPECT_EQ(other.status().code(), "duplicate-conflict");
  auto ds = this->store_->deliveries_of(seq);
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->size(), 1u);  // nothing created by the duplicate or the conflict
  // Another message type or sender is another key.
  StoredPackage status = make_package("000.00.00.A01", "doc-1", binary_bytes("other", 300), kT0);
  status.message_type = "status";
  auto st = this->store_->ingest(status, to_local({"000.00.00.B01"}));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->kind, IngestOutcome::Kind::kStored);
  this->put("doc-1", to_local({"000.00.00.B01"}), kT0, "000.00.00.A02");
}

TYPED_TEST(StoreContract, MalformedPackagesAreRefused) {
  StoredPackage bad = make_package("000.00.00.A01", "doc-1", "bytes", kT0);
  bad.sha256_hex = "XYZ";
  EXPECT_EQ(this->store_->ingest(bad, to_local({"000.00.00.B01"})).status().code(),
            "invalid-argument");
  StoredPackage ok = make_package("000.00.00.A01", "doc-1", "bytes", kT0);
  EXPECT_EQ(this->store_->ingest(ok, {}).status().code(), "invalid-argument");
  EXPECT_EQ(this->store_->ingest(ok, to_local({"R", "R"})).status().code(), "invalid-argument");
  // Nothing was stored: the key is still free.
  this->put("doc-1", to_local({"000.00.00.B01"}));
}

TYPED_TEST(StoreContract, ClaimsEarliestDueFirstAndOnlyDue) {
  const uint64_t late = this->put("late", this->peer({"R1"}, kT0 + 500));
  const uint64_t early = this->put("early", this->peer({"R1"}, kT0 + 100));
  const uint64_t future = this->put("future", this->peer({"R1"}, kT0 + 99'000));
  this->put("local", to_local({"R1"}));
  auto c = this->store_->claim_due("hub-b", kT0 + 1000, 2);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ((*c)[0].seq, early);
  EXPECT_EQ((*c)[1].seq, late);
  EXPECT_EQ((*c)[0].state, DeliveryState::kInFlight);
  EXPECT_EQ((*c)[0].attempts, 1u);
  EXPECT_EQ((*c)[0].updated_ms, kT0 + 1000);
  auto again = this->store_->claim_due("hub-b", kT0 + 1000, 10);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());  // `future` is not due, the in-flight ones are taken
  auto later = this->store_->claim_due("hub-b", kT0 + 100'000, 10);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0].seq, future);
}

TYPED_TEST(StoreContract, ClaimForRecipientsHonoursEachQuota) {
  this->put("a1", to_local({"A", "B"}));
  this->put("a2", to_local({"A", "B"}));
  this->put("a3", to_local({"A"}));
  auto c = this->store_->claim_due_for(std::string(kLocalHop), kT0 + 1,
                                       {ClaimQuota{"A", 2}, ClaimQuota{"B", 5}, ClaimQuota{"C", 1}});
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  int a = 0, b = 0;
  for (const auto& d : *c) (d.recipient == "A" ? a : b)++;
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 2);
  for (size_t i = 1; i < c->size(); ++i) {
    EXPECT_LE(std::pair((*c)[i - 1].next_attempt_ms, (*c)[i - 1].id),
              std::pair((*c)[i].next_attempt_ms, (*c)[i].id));
  }
}

TYPED_TEST(StoreContract, TransitionsFollowTheRules) {
  const uint64_t seq = this->put("doc", this->peer({"R1", "R2", "R3"}));
  auto ds = *this->store_->deliveries_of(seq);
  const uint64_t d1 = ds[0].id, d2 = ds[1].id, d3 = ds[2].id;
  // Retry needs in_flight.
  EXPECT_EQ(this->store_->schedule_retry(d1, kT0 + 9, "x").status().code(), "failed-precondition");
  ASSERT_EQ(this->store_->claim_due("hub-b", kT0 + 1, 10)->size(), 3u);
  auto retried = this->store_->schedule_retry(d1, kT0 + 5000, "timeout", true);
  ASSERT_TRUE(retried.ok()) << retried.status().to_string();
  EXPECT_EQ(retried->state, DeliveryState::kWaiting);
  EXPECT_EQ(retried->next_attempt_ms, kT0 + 5000);
  EXPECT_EQ(retried->last_error, "timeout");
  EXPECT_EQ(retried->unanswered, 1u);
  auto first = this->store_->apply({delivered(d2)});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE((*first)[0].changed);
  auto repeat = this->store_->apply({delivered(d2)});
  ASSERT_TRUE(repeat.ok());
  EXPECT_TRUE((*repeat)[0].status.ok());
  EXPECT_FALSE((*repeat)[0].changed);  // idempotent, acted on once
  EXPECT_EQ(this->store_->mark_refused(d2, "no").status().code(), "failed-precondition");
  EXPECT_EQ(this->store_->mark_dead(d2, "no").status().code(), "failed-precondition");
  auto refused = this->store_->mark_refused(d3, "recipient said no");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->state, DeliveryState::kRefused);
  EXPECT_EQ(this->store_->mark_delivered(d3).status().code(), "failed-precondition");
  auto dead = this->store_->mark_dead(d1, "deadline");  // from waiting
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->last_error, "deadline");
  EXPECT_EQ(this->store_->mark_delivered(d1).status().code(), "failed-precondition");
  // A batch answers each item on its own.
  auto mixed = this->store_->apply({delivered(d3 + 1000),
                                    delivered(d2)});
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ((*mixed)[0].status.code(), "not-found");
  EXPECT_TRUE((*mixed)[1].status.ok());
  EXPECT_EQ(this->store_->load_delivery(d3 + 1000).status().code(), "not-found");
}

TYPED_TEST(StoreContract, FollowUpStoredWithTheFinalStateOnly) {
  const uint64_t seq = this->put("doc", this->peer({"R1"}));
  const uint64_t id = (*this->store_->deliveries_of(seq))[0].id;
  Transition t = delivered(id);
  StoredPackage receipt = make_package("hub-a", "rcpt-1", "receipt bytes", kT0 + 10);
  receipt.message_type = "receipt";
  t.follow_up = FollowUp{receipt, to_local({"000.00.00.A01"})};
  auto r = this->store_->apply({t});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE((*r)[0].follow_up_seq.has_value());
  EXPECT_GT(*(*r)[0].follow_up_seq, seq);
  auto again = this->store_->apply({t});  // already delivered: no second receipt
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE((*again)[0].changed);
  EXPECT_FALSE((*again)[0].follow_up_seq.has_value());
  auto list = this->store_->list_packages([&] { PackageFilter f; f.message_type = "receipt"; return f; }());
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
}

TYPED_TEST(StoreContract, RecoverInFlightAndOverdue) {
  const uint64_t old_seq = this->put("old", this->peer({"R1"}), kT0 - 50'000);
  this->put("new", this->peer({"R1"}), kT0);
  ASSERT_EQ(this->store_->claim_due("hub-b", kT0 - 40'000, 1)->size(), 1u);  // the old one
  auto overdue = this->store_->overdue_waiting(kT0, 10);
  ASSERT_TRUE(overdue.ok());
  ASSERT_EQ(overdue->size(), 0u);  // the old one is in flight, the new one not overdue
  auto none = this->store_->recover_in_flight(kT0 - 40'000);  // not older than its claim
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  auto n = this->store_->recover_in_flight(INT64_MAX);
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 1u);
  auto d = (*this->store_->deliveries_of(old_seq))[0];
  EXPECT_EQ(d.state, DeliveryState::kWaiting);
  EXPECT_EQ(d.unanswered, 1u);
  EXPECT_EQ(d.next_attempt_ms, this->clock_);
  EXPECT_EQ(d.last_error.rfind("recovered: in flight without outcome since", 0), 0u);
  overdue = this->store_->overdue_waiting(kT0, 10);
  ASSERT_TRUE(overdue.ok());
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0].seq, old_seq);
}

TYPED_TEST(StoreContract, PurgeKeepsTombstones) {
  const uint64_t done = this->put("done", this->peer({"R1"}), kT0 - 10'000);
  const uint64_t open = this->put("open", this->peer({"R2"}), kT0 - 10'000);
  this->clock_ = kT0 - 5000;
  ASSERT_TRUE(this->store_->mark_delivered((*this->store_->deliveries_of(done))[0].id).ok());
  auto n = this->store_->purge(kT0, 10);
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(this->store_->load_package(done).status().code(), "not-found");
  EXPECT_TRUE(this->store_->load_package(open).ok());  // a waiting delivery keeps it
  auto resend = this->store_->ingest(
      make_package("000.00.00.A01", "done", binary_bytes("done", 300), kT0), this->peer({"R1"}));
  ASSERT_TRUE(resend.ok());
  EXPECT_EQ(resend->kind, IngestOutcome::Kind::kDuplicate);
  EXPECT_EQ(resend->seq, 0u);
  auto conflict = this->store_->ingest(
      make_package("000.00.00.A01", "done", binary_bytes("else", 300), kT0), this->peer({"R1"}));
  EXPECT_EQ(conflict.status().code(), "duplicate-conflict");
  EXPECT_TRUE(this->store_->check_integrity().ok());
}

TYPED_TEST(StoreContract, QueueStatsAndListings) {
  const uint64_t s1 = this->put("d1", this->peer({"R1", "R2"}), kT0 - 100);
  this->put("d2", to_local({"R1"}), kT0, "000.00.00.A02");
  ASSERT_EQ(this->store_->claim_due("hub-b", kT0, 1)->size(), 1u);
  auto stats = this->store_->queue_stats();
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  ASSERT_EQ(stats->size(), 2u);
  EXPECT_EQ((*stats)[0].next_hop, "hub-b");
  EXPECT_EQ((*stats)[0].waiting, 1u);
  EXPECT_EQ((*stats)[0].in_flight, 1u);
  EXPECT_EQ((*stats)[0].oldest_pending_created_ms, kT0 - 100);
  EXPECT_EQ((*stats)[1].next_hop, "local");
  EXPECT_EQ((*stats)[1].next_attempt_ms, kT0);
  auto by_sender = this->store_->list_packages([&] { PackageFilter f; f.sender = "000.00.00.A02"; return f; }());
  ASSERT_TRUE(by_sender.ok());
  ASSERT_EQ(by_sender->size(), 1u);
  EXPECT_EQ((*by_sender)[0].document_id, "d2");
  EXPECT_EQ((*by_sender)[0].size, 300u);
  auto by_doc = this->store_->list_packages([&] { PackageFilter f; f.document_id = "d1"; return f; }());
  ASSERT_TRUE(by_doc.ok());
  ASSERT_EQ(by_doc->size(), 1u);
  EXPECT_EQ((*by_doc)[0].seq, s1);
  auto after = this->store_->list_packages([&] { PackageFilter f; f.after_seq = s1; f.limit = 5; return f; }());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 1u);
  auto window = this->store_->list_packages(
      [&] { PackageFilter f; f.received_from_ms = kT0 - 100; f.received_to_ms = kT0; return f; }());
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->size(), 1u);
}

}  // namespace
}  // namespace docaxis::store::testing
