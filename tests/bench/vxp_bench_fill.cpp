#include "vxp_bench_fill.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>

#include "edxml/receipt.hpp"
#include "store/sqlite_store.hpp"

namespace docaxis::bench {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kBatch = 8192;
// Claims and transitions per store job, as the hub's dispatcher makes them (one claim per
// round, one apply per flush), not one job for the whole batch. Every UPDATE of deliveries
// runs in a statement savepoint (it has triggers and CHECKs); SQLite keeps the sub-journal of
// the job's savepoint in memory (temp_store = MEMORY) as a list of 1 KB chunks and, when a
// statement ends, truncates it by walking that list from its start (memjrnlTruncate, SQLite
// 3.40). A job of k updates costs O(k x the pages it has touched so far): with 8,192 updates
// spread over a growing store, about +0.5 s per batch. Jobs of 256 keep it small and flat.
constexpr std::size_t kJob = 256;
// Batches between a close and reopen of the store. Its checkpointer runs PASSIVE checkpoints,
// which never catch up with a writer that is never idle, so the WAL only grows (about 100 MB a
// batch, 1.6 GB at 120,000 packages) and every page read searches a longer WAL index. Closing
// the store checkpoints and removes the WAL, as a hub's restart does.
constexpr std::size_t kReopenEvery = 8;
constexpr const char* kLocal = "local";

class Waiter {
 public:
  explicit Waiter(std::size_t n) : pending_(n) {}
  void done(Status s) {
    std::lock_guard lock(mu_);
    if (!s.ok() && first_.ok()) first_ = std::move(s);
    if (--pending_ == 0) cv_.notify_all();
  }
  Status wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return pending_ == 0; });
    return first_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t pending_;
  Status first_;
};

std::string fake_package(const std::string& from, const std::string& to, const std::string& id) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<edXML:edXMLEnvelope xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">"
         "<edXML:edXMLHeader><edXML:MessageHeader><edXML:From><edXML:OrganId>" + from +
         "</edXML:OrganId></edXML:From><edXML:To><edXML:OrganId>" + to +
         "</edXML:OrganId></edXML:To><edXML:DocumentId>" + id +
         "</edXML:DocumentId><edXML:Subject>vxp_bench fill</edXML:Subject>"
         "</edXML:MessageHeader></edXML:edXMLHeader><edXML:edXMLBody/></edXML:edXMLEnvelope>\n";
}

// Claims the first `nd` deliveries of a batch (recipients `to`) and marks them delivered, in
// jobs of kJob, submitted together (the store's group commit puts them in few transactions).
Status deliver(store::SqliteStore& store, const std::vector<std::string>& to, std::size_t nd,
               int64_t now) {
  std::map<std::string, uint32_t> count;
  for (std::size_t k = 0; k < nd; ++k) ++count[to[k]];
  std::vector<std::vector<store::ClaimQuota>> jobs;
  for (const auto& [organ, c] : count) {
    if (jobs.empty() || jobs.back().size() == kJob) jobs.emplace_back();
    jobs.back().push_back({organ, c, kLocal});
  }
  std::mutex mu;
  std::vector<store::Transition> ts;
  Waiter claims(jobs.size());
  for (auto& quotas : jobs) {
    store.claim_due_for_async(kLocal, now, std::move(quotas),
                              [&](Result<std::vector<store::Delivery>> claimed) {
                                if (!claimed) return claims.done(claimed.status());
                                std::lock_guard lock(mu);
                                for (const auto& d : *claimed) ts.emplace_back().id = d.id;
                                claims.done({});
                              });
  }
  if (Status s = claims.wait(); !s.ok()) return s;
  if (ts.size() != nd)
    return Status("internal", "claimed " + std::to_string(ts.size()) + " of " + std::to_string(nd));
  Waiter applied((ts.size() + kJob - 1) / kJob);
  for (std::size_t at = 0; at < ts.size(); at += kJob) {
    const auto from = ts.begin() + static_cast<std::ptrdiff_t>(at);
    std::vector<store::Transition> part(from, from + static_cast<std::ptrdiff_t>(
                                                         std::min(kJob, ts.size() - at)));
    store.apply_async(std::move(part), [&](Result<std::vector<store::TransitionResult>> results) {
      if (!results) return applied.done(results.status());
      for (const auto& r : *results)
        if (!r.status.ok()) return applied.done(r.status);
      applied.done({});
    });
  }
  return applied.wait();
}

}  // namespace

std::vector<std::string> generated_organs(std::size_t n) {
  std::vector<std::string> out;
  char buf[32];
  for (std::size_t k = 0; k < n; ++k) {
    std::snprintf(buf, sizeof buf, "9%02zu.%02zu.%02zu.V77", (k / 10000) % 100, (k / 100) % 100,
                  k % 100);
    out.emplace_back(buf);
  }
  return out;
}

Result<FillInfo> fill_store(const fs::path& data_dir, const std::vector<std::string>& organs,
                            std::size_t packages) {
  const auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return Status("unavailable", data_dir.string() + ": " + ec.message());
  const int64_t made_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  std::atomic<int64_t> clock{made_ms};
  store::SqliteStoreOptions options;
  options.path = (data_dir / "spool.sqlite").string();
  options.fsync = store::FsyncMode::kNormal;
  options.check_on_open = store::OpenCheck::kNone;
  options.clock = [&clock] { return clock.load(); };
  auto store = store::SqliteStore::open(options);
  if (!store) return store.status();
  std::size_t batches = 0;

  // The waiting deliveries: the last `waiting` packages; the rest are delivered.
  std::vector<std::size_t> waiting_to;  // organ index per waiting package
  for (std::size_t k = 0; k < organs.size(); ++k)
    for (std::size_t w = 0; w < waiting_for(k); ++w) waiting_to.push_back(k);
  const std::size_t W = std::min(waiting_to.size(), packages), N = organs.size();
  const std::size_t delivered = packages - W;
  const int64_t start_ms = made_ms - 60 * 1000 - static_cast<int64_t>(packages);

  for (std::size_t first = 0; first < packages; first += kBatch) {
    if (++batches % kReopenEvery == 0) {
      store->reset();
      store = store::SqliteStore::open(options);
      if (!store) return store.status();
    }
    const std::size_t n = std::min(kBatch, packages - first);
    std::vector<std::string> to(n);
    Waiter waiter(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = first + k;
      const std::size_t r = i < delivered ? i % N : waiting_to[i - delivered];
      const std::string& from = organs[(r * 7 + 1 + i / N) % N];
      to[k] = organs[r];
      char id[96];
      std::snprintf(id, sizeof id, "%s,2025/12/31,%08zu/FILL", from.c_str(), i);
      store::StoredPackage p;
      p.message_type = "edoc";
      p.sender = from;
      p.document_id = id;
      p.bytes = fake_package(from, to[k], id);
      p.sha256_hex = edxml::sha256_hex(p.bytes);
      p.received_ms = start_ms + static_cast<int64_t>(i);
      p.from_endpoint = "vxp:" + from;
      p.hops = {{"h30", p.received_ms}};
      p.verdict.is_signed = true;
      p.verdict.signer_subject = "CN=" + from + ",O=vxp_bench fill";
      p.verdict.signature_method = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
      p.title = "vxp_bench fill";
      (*store)->ingest_async(std::move(p), {store::DeliverySpec{to[k], kLocal, 0}},
                             [&waiter](Result<store::IngestOutcome> out) {
                               if (out && out->kind != store::IngestOutcome::Kind::kStored)
                                 return waiter.done({"internal", "a filled package was a duplicate"});
                               waiter.done(out ? Status() : out.status());
                             });
    }
    if (Status s = waiter.wait(); !s.ok()) return s;
    // Deliver the ones before `delivered`: claim them (quota per recipient), then apply.
    const std::size_t nd = first >= delivered ? 0 : std::min(n, delivered - first);
    if (nd > 0) {
      const int64_t now = start_ms + static_cast<int64_t>(first + n) + 1;
      clock = now;
      if (Status s = deliver(**store, to, nd, now); !s.ok()) return s;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "\rvxp_bench: filling %zu/%zu (%.0f s)   ", first + n, packages, s);
  }
  std::fprintf(stderr, "\n");
  clock = made_ms;
  store->reset();
  FillInfo info;
  info.packages = packages;
  info.waiting = W;
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  info.db_bytes = static_cast<std::size_t>(fs::file_size(data_dir / "spool.sqlite", ec));
  return info;
}

}  // namespace docaxis::bench
