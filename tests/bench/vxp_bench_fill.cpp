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

  // The waiting deliveries: the last `waiting` packages; the rest are delivered.
  std::vector<std::size_t> waiting_to;  // organ index per waiting package
  for (std::size_t k = 0; k < organs.size(); ++k)
    for (std::size_t w = 0; w < waiting_for(k); ++w) waiting_to.push_back(k);
  const std::size_t W = std::min(waiting_to.size(), packages), N = organs.size();
  const std::size_t delivered = packages - W;
  const int64_t start_ms = made_ms - 60 * 1000 - static_cast<int64_t>(packages);

  for (std::size_t first = 0; first < packages; first += kBatch) {
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
      std::map<std::string, uint32_t> count;
      for (std::size_t k = 0; k < nd; ++k) ++count[to[k]];
      std::vector<store::ClaimQuota> quotas;
      for (const auto& [organ, c] : count) quotas.push_back({organ, c, kLocal});
      const int64_t now = start_ms + static_cast<int64_t>(first + n) + 1;
      clock = now;
      auto claimed = (*store)->claim_due_for(kLocal, now, std::move(quotas));
      if (!claimed) return claimed.status();
      if (claimed->size() != nd)
        return Status("internal", "claimed " + std::to_string(claimed->size()) + " of " +
                                      std::to_string(nd));
      std::vector<store::Transition> ts(claimed->size());
      for (std::size_t k = 0; k < ts.size(); ++k) ts[k].id = (*claimed)[k].id;  // kDelivered
      auto results = (*store)->apply(std::move(ts));
      if (!results) return results.status();
      for (const auto& r : *results)
        if (!r.status.ok()) return r.status;
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
