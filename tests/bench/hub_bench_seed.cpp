#include "hub_bench_seed.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <utility>
#include <vector>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "config/hub_config.hpp"
#include "dsig/engine_adapter.hpp"
#include "dsig/signer.hpp"
#include "edxml/receipt.hpp"
#include "engine/receipts.hpp"
#include "hub_bench_packages.hpp"
#include "routing/route_table.hpp"
#include "store/sqlite_store.hpp"

namespace docaxis::bench {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
constexpr int64_t kMaxSeedAgeMs = 5 * kDayMs;  // its retries are due 6 days after it was made
constexpr std::size_t kBatch = 4096;            // packages per step (each step: a few commits)
constexpr const char* kLocal = "local";

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string seed_document_id(const std::string& sender, std::size_t j) {
  char n[24];
  std::snprintf(n, sizeof n, "%07zu", j);
  return sender + ",2025/12/31," + n + "/SEED";
}

// The first DocumentId is MessageHeader's (as in hub_bench_packages.cpp).
std::string with_document_id(const std::string& doc, const std::string& id) {
  const std::string open = "<edXML:DocumentId>", close = "</edXML:DocumentId>";
  const auto a = doc.find(open) + open.size();
  const auto b = doc.find(close, a);
  std::string out = doc;
  out.replace(a, b - a, id);
  return out;
}

// Counts asynchronous completions; keeps the first failure.
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

std::string describe(const SeedSpec& s) {
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + x;
    return out;
  };
  std::ostringstream d;
  d << "stored=" << s.stored << " waiting_retries=" << s.waiting_retries
    << " hub=" << s.hub_name << " senders=" << join(s.senders)
    << " recipients=" << join(s.recipients) << " retry_organ=" << s.retry_organ
    << " package_bytes=" << kPackageBytes << " format=1";
  return d.str();
}

class Seeder {
 public:
  Seeder(const SeedSpec& spec, store::SqliteStore& store, engine::ReceiptIssuer& receipts,
         std::atomic<int64_t>& clock, std::map<std::string, std::string> subjects)
      : spec_(spec), store_(store), receipts_(receipts), clock_(clock),
        subjects_(std::move(subjects)) {}

  // Packages first..first+n-1 of the finished kind, received from `t0` on, 1 ms apart.
  Status finished(const Pool& templates, std::size_t first, std::size_t n, int64_t t0) {
    const std::size_t S = spec_.senders.size(), R = spec_.recipients.size();
    std::vector<store::StoredPackage> meta;
    std::vector<std::string> to;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = first + k, s = i % S, j = i / S, r = (s + j) % R;
      // Template of sender s to recipient r: pool package (r - s) mod R (see make_pool).
      const Package& t = templates.by_sender[s][(r + R - s % R) % R];
      meta.push_back(package(spec_.senders[s], seed_document_id(spec_.senders[s], j), t.bytes,
                             t0 + static_cast<int64_t>(k)));
      to.push_back(spec_.recipients[r]);
    }
    std::map<uint64_t, std::size_t> by_seq;
    if (Status s = ingest(meta, to, by_seq); !s.ok()) return s;
    int64_t now = t0 + static_cast<int64_t>(n) + 5;
    clock_ = now;
    auto claimed = claim(spec_.recipients, to, now);
    if (!claimed) return claimed.status();

    // Delivered, with the hub's signed receipt stored in the same commit (the dispatcher's
    // apply with its MakeFollowUp).
    std::vector<store::Transition> ts(claimed->size());
    std::mutex mu;
    Status failure;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i = next++; i < ts.size(); i = next++) {
        store::Delivery final_state = (*claimed)[i];
        final_state.state = store::DeliveryState::kDelivered;
        final_state.updated_ms = now;
        const store::StoredPackage& pkg = meta[by_seq.at(final_state.seq)];
        auto f = receipts_.make_receipt(final_state, "delivered", &pkg);
        if (!f || !*f) {
          std::lock_guard lock(mu);
          failure = f ? Status("internal", "no receipt for a delivered edoc") : f.status();
          next = ts.size();
          return;
        }
        ts[i].id = final_state.id;
        ts[i].kind = store::TransitionKind::kDelivered;
        ts[i].follow_up = std::move(**f);
      }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < std::max(1u, spec_.threads); ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();
    if (!failure.ok()) return failure;
    if (Status s = apply(std::move(ts), true); !s.ok()) return s;

    // The receipts reach their senders.
    now += 3;
    clock_ = now;
    std::vector<std::string> receipt_to;
    for (const auto& m : meta) receipt_to.push_back(m.sender);
    auto receipt_deliveries = claim(spec_.senders, receipt_to, now);
    if (!receipt_deliveries) return receipt_deliveries.status();
    std::vector<store::Transition> done(receipt_deliveries->size());
    for (std::size_t i = 0; i < done.size(); ++i) done[i].id = (*receipt_deliveries)[i].id;
    return apply(std::move(done), false);
  }

  // Waiting retries first..first+n-1, received from t0 on; three attempts, the last one due
  // at `due_ms`.
  Status retries(const Pool& templates, std::size_t first, std::size_t n, int64_t t0,
                 int64_t due_ms) {
    const std::size_t S = spec_.senders.size();
    std::vector<store::StoredPackage> meta;
    std::vector<std::string> to;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = first + k, s = i % S, j = spec_.stored + i / S + 1;
      meta.push_back(package(spec_.senders[s], seed_document_id(spec_.senders[s], j),
                             templates.by_sender[s][0].bytes, t0 + static_cast<int64_t>(k)));
      to.push_back(spec_.retry_organ);
    }
    std::map<uint64_t, std::size_t> by_seq;
    if (Status s = ingest(meta, to, by_seq); !s.ok()) return s;
    const std::string dest = "inbox/" + spec_.retry_organ;
    int64_t now = t0 + static_cast<int64_t>(n) + 1000;
    for (int attempt = 1; attempt <= 3; ++attempt) {
      clock_ = now;
      auto claimed = claim({spec_.retry_organ}, to, now);
      if (!claimed) return claimed.status();
      const bool last = attempt == 3;
      const int64_t next = last ? due_ms : now + 5000LL * (1 << (attempt - 1));
      std::vector<store::Transition> ts(claimed->size());
      for (std::size_t i = 0; i < ts.size(); ++i) {
        ts[i].id = (*claimed)[i].id;
        ts[i].kind = store::TransitionKind::kRetry;
        ts[i].next_attempt_ms = next;
        ts[i].error = last ? "link to " + dest + " lost before an outcome" : "released by " + dest;
        ts[i].unanswered = last;
      }
      if (Status s = apply(std::move(ts), false); !s.ok()) return s;
      now = next + 1000;
    }
    return {};
  }

 private:
  store::StoredPackage package(const std::string& sender, const std::string& document_id,
                               const std::string& signed_template, int64_t received_ms) {
    // What engine::Ingest stores for a verified edoc from a directly connected organ.
    store::StoredPackage p;
    p.message_type = "edoc";
    p.sender = sender;
    p.document_id = document_id;
    p.bytes = with_document_id(signed_template, document_id);
    p.sha256_hex = edxml::sha256_hex(p.bytes);
    p.received_ms = received_ms;
    p.from_endpoint = subjects_.at(sender);
    p.hops = {{spec_.hub_name, received_ms}};
    p.verdict.is_signed = true;
    p.verdict.signer_subject = subjects_.at(sender);
    p.verdict.signature_method = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    return p;
  }

  // Ingests every package (the bytes move into the store; `meta` keeps the rest).
  Status ingest(std::vector<store::StoredPackage>& meta, const std::vector<std::string>& to,
                std::map<uint64_t, std::size_t>& by_seq) {
    std::vector<uint64_t> seqs(meta.size(), 0);
    Waiter waiter(meta.size());
    for (std::size_t i = 0; i < meta.size(); ++i) {
      store::StoredPackage p = meta[i];
      meta[i].bytes.clear();
      store_.ingest_async(std::move(p), {store::DeliverySpec{to[i], kLocal, 0}},
                          [&waiter, &seqs, i](Result<store::IngestOutcome> r) {
                            if (r && r->kind != store::IngestOutcome::Kind::kStored)
                              return waiter.done({"internal", "a seeded package was a duplicate"});
                            if (r) seqs[i] = r->seq;
                            waiter.done(r ? Status() : r.status());
                          });
    }
    if (Status s = waiter.wait(); !s.ok()) return s;
    for (std::size_t i = 0; i < seqs.size(); ++i) by_seq[seqs[i]] = i;
    return {};
  }

  // Claims every due delivery of `organs` (as many as `to` holds for each), checking the count.
  Result<std::vector<store::Delivery>> claim(const std::vector<std::string>& organs,
                                             const std::vector<std::string>& to, int64_t now) {
    std::vector<store::ClaimQuota> quotas;
    for (const auto& organ : organs) {
      const auto n = static_cast<uint32_t>(std::count(to.begin(), to.end(), organ));
      if (n > 0) quotas.push_back({organ, n, kLocal});
    }
    auto claimed = store_.claim_due_for(kLocal, now, std::move(quotas));
    if (!claimed) return claimed.status();
    if (claimed->size() != to.size())
      return Status("internal", "claimed " + std::to_string(claimed->size()) + " deliveries of " +
                                    std::to_string(to.size()));
    return claimed;
  }

  Status apply(std::vector<store::Transition> ts, bool follow_ups) {
    const std::size_t n = ts.size();
    auto results = store_.apply(std::move(ts));
    if (!results) return results.status();
    for (const auto& r : *results) {
      if (!r.status.ok()) return r.status;
      if (follow_ups && !r.follow_up_seq) return r.follow_up_status.ok()
                                                     ? Status("internal", "receipt not stored")
                                                     : r.follow_up_status;
    }
    return results->size() == n ? Status() : Status("internal", "apply lost transitions");
  }

  const SeedSpec& spec_;
  store::SqliteStore& store_;
  engine::ReceiptIssuer& receipts_;
  std::atomic<int64_t>& clock_;
  std::map<std::string, std::string> subjects_;  // organ -> certificate subject
};

Result<std::map<std::string, std::string>> subjects_of(const SeedSpec& spec) {
  std::map<std::string, std::string> out;
  for (const auto& s : spec.senders) {
    const std::string organs = spec.pki + "/organs/";
    auto signer = dsig::Signer::load(organs + s + ".key", organs + s + ".crt",
                                     {spec.pki + "/intermediates.pem"});
    if (!signer) return signer.status();
    out[s] = (*signer)->subject();
  }
  return out;
}

Status make(const SeedSpec& spec, const fs::path& db, SeedInfo& info) {
  const int64_t made_ms = wall_ms();
  std::atomic<int64_t> clock{made_ms};
  store::SqliteStoreOptions options;
  options.path = db.string();
  options.fsync = store::FsyncMode::kNormal;  // a seed that is lost is made again
  options.check_on_open = store::OpenCheck::kNone;
  options.clock = [&clock] { return clock.load(); };
  auto store = store::SqliteStore::open(options);
  if (!store) return store.status();

  config::HubConfig cfg;  // the hub's routes: every organ here is a local endpoint
  cfg.hub.name = spec.hub_name;
  std::vector<std::string> organs = spec.senders;
  organs.insert(organs.end(), spec.recipients.begin(), spec.recipients.end());
  if (!spec.retry_organ.empty()) organs.push_back(spec.retry_organ);
  for (const auto& o : organs) {
    config::EndpointConfig e;
    e.organ = o;
    cfg.endpoints.push_back(e);
  }
  auto routes = routing::RouteTable::build(cfg);
  if (!routes) return routes.status();
  auto hub_signer = dsig::Signer::load(spec.pki + "/hubs/" + spec.hub_name + ".key",
                                       spec.pki + "/hubs/" + spec.hub_name + ".crt", {});
  if (!hub_signer) return hub_signer.status();
  const dsig::DsigReceiptSigner receipt_signer(std::shared_ptr<const dsig::Signer>(std::move(*hub_signer)));
  engine::ReceiptIssuer receipts(**store, receipt_signer, *routes, nullptr, spec.hub_name,
                                 [&clock] { return clock.load(); });
  auto subjects = subjects_of(spec);
  if (!subjects) return subjects.status();
  Seeder seeder(spec, **store, receipts, clock, std::move(*subjects));

  // History: the finished packages, then the retries, ending an hour before now.
  const auto N = static_cast<int64_t>(spec.stored), M = static_cast<int64_t>(spec.waiting_retries);
  const int64_t retries_start = made_ms - 3600 * 1000 - M - 60 * 1000;
  const int64_t stored_start = retries_start - N - 60 * 1000;
  const auto t0 = std::chrono::steady_clock::now();
  auto progress = [&](const char* what, std::size_t done, std::size_t total) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "\rhub_bench: seeding %s %zu/%zu (%.0f s)   ", what, done, total, s);
    if (done == total) std::fprintf(stderr, "\n");
  };
  if (spec.stored > 0) {
    auto templates = make_pool({spec.pki, spec.sample, spec.senders, spec.recipients,
                                spec.recipients.size(), spec.threads});
    if (!templates) return templates.status();
    for (std::size_t i = 0; i < spec.stored; i += kBatch) {
      const std::size_t n = std::min(kBatch, spec.stored - i);
      if (Status s = seeder.finished(*templates, i, n, stored_start + static_cast<int64_t>(i));
          !s.ok())
        return s;
      if ((i / kBatch) % 8 == 7 || i + n == spec.stored) progress("stored", i + n, spec.stored);
    }
  }
  if (spec.waiting_retries > 0) {
    auto templates =
        make_pool({spec.pki, spec.sample, spec.senders, {spec.retry_organ}, 1, spec.threads});
    if (!templates) return templates.status();
    const int64_t due = made_ms + 6 * kDayMs;
    for (std::size_t i = 0; i < spec.waiting_retries; i += kBatch) {
      const std::size_t n = std::min(kBatch, spec.waiting_retries - i);
      if (Status s =
              seeder.retries(*templates, i, n, retries_start + static_cast<int64_t>(i), due);
          !s.ok())
        return s;
      if ((i / kBatch) % 8 == 7 || i + n == spec.waiting_retries)
        progress("waiting retries", i + n, spec.waiting_retries);
    }
  }
  store->reset();  // commits, checkpoints and removes the WAL (the last connection closes)
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::ofstream(db.parent_path() / "seed.txt")
      << info.description << "\nmade_ms=" << made_ms << "\n";
  return {};
}

int64_t made_ms_of(const std::string& text) {
  const auto at = text.find("made_ms=");
  return at == std::string::npos ? 0 : std::atoll(text.c_str() + at + 8);
}

}  // namespace

Result<SeedInfo> make_seed(const SeedSpec& spec) {
  SeedInfo info;
  info.description = describe(spec);
  info.db = spec.dir / "spool.sqlite";
  std::ifstream in(spec.dir / "seed.txt");
  std::stringstream text;
  text << in.rdbuf();
  const std::string existing = text.str();
  std::error_code ec;
  if (existing.rfind(info.description + "\n", 0) == 0 && fs::exists(info.db, ec) &&
      !fs::exists(spec.dir / "spool.sqlite-wal", ec) &&
      wall_ms() - made_ms_of(existing) < kMaxSeedAgeMs) {
    info.reused = true;
  } else {
    fs::remove_all(spec.dir, ec);
    fs::create_directories(spec.dir, ec);
    if (ec) return Status("unavailable", spec.dir.string() + ": " + ec.message());
    if (Status s = make(spec, info.db, info); !s.ok()) return s;
    // What the hub's open costs on this spool (its default check_on_open = quick).
    const auto t0 = std::chrono::steady_clock::now();
    store::SqliteStoreOptions check;
    check.path = info.db.string();
    check.check_on_open = store::OpenCheck::kQuick;
    auto opened = store::SqliteStore::open(check);
    if (!opened) return opened.status();
    opened->reset();
    info.quick_check_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  info.db_bytes = fs::file_size(info.db, ec);
  return info;
}

namespace {

// `from` to `to` (a reflink where the filesystem has them, else an in-kernel copy), fsync'ed.
Status copy_seed_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  const int src = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) return Status("unavailable", "cannot open " + from.string());
  const int dst = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (dst < 0) {
    ::close(src);
    return Status("unavailable", "cannot create " + to.string());
  }
  Status result;
  if (::ioctl(dst, FICLONE, src) != 0) {  // no reflink (ext4): an in-kernel copy
    const auto size = fs::file_size(from, ec);
    for (uint64_t done = 0; done < size && result.ok();) {
      const ssize_t n = ::copy_file_range(src, nullptr, dst, nullptr, size - done, 0);
      if (n <= 0) result = Status("unavailable", "copying the seed to " + to.string() + " failed");
      done += n > 0 ? static_cast<uint64_t>(n) : 0;
    }
  }
  if (result.ok() && ::fsync(dst) != 0) result = Status("unavailable", "fsync " + to.string());
  ::close(src);
  ::close(dst);
  return result;
}

}  // namespace

// The spool is the database and its package segments (<db>-packages/, hub/store/README.md).
Status install_seed(const SeedInfo& seed, const fs::path& data_dir, bool consume) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return Status("unavailable", data_dir.string() + ": " + ec.message());
  const fs::path to = data_dir / "spool.sqlite";
  const fs::path segments_from = seed.db.string() + "-packages";
  const fs::path segments_to = to.string() + "-packages";
  std::vector<std::pair<fs::path, fs::path>> files{{seed.db, to}};
  if (fs::is_directory(segments_from, ec)) {
    fs::create_directory(segments_to, ec);
    if (ec) return Status("unavailable", segments_to.string() + ": " + ec.message());
    fs::permissions(segments_to, fs::perms::owner_all, ec);
    for (const auto& e : fs::directory_iterator(segments_from, ec))
      files.emplace_back(e.path(), segments_to / e.path().filename());
    if (ec) return Status("unavailable", segments_from.string() + ": " + ec.message());
  }
  if (consume) {
    fs::remove(seed.db.parent_path() / "seed.txt", ec);
    for (const auto& [from, dest] : files) {
      fs::create_hard_link(from, dest, ec);
      if (ec)
        return Status("unavailable", "cannot link the seed to " + dest.string() + ": " + ec.message());
    }
    return {};
  }
  for (const auto& [from, dest] : files)
    if (Status s = copy_seed_file(from, dest); !s.ok()) return s;
  return {};
}

}  // namespace docaxis::bench
