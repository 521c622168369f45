#include "server/hub_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <sstream>

#include "amqp/server.hpp"
#include "audit/audit_trail.hpp"
#include "crl/fetcher.hpp"
#include "delivery/circuit_breaker.hpp"
#include "delivery/dispatcher.hpp"
#include "engine/ingest.hpp"
#include "engine/receipts.hpp"
#include "http/server.hpp"
#include "store/disk_floor.hpp"
#include "store/sqlite_store.hpp"

#ifndef DOCAXIS_VERSION
#define DOCAXIS_VERSION "unknown"
#endif

namespace docaxis::server {
namespace {

using metrics::Labels;
using metrics::TextWriter;
using Type = TextWriter::Type;

std::atomic<std::uint64_t> g_queue_errors{0};
std::atomic<std::uint64_t> g_usage_errors{0};
std::atomic<std::uint64_t> g_dropped{0};

double d(std::uint64_t v) { return static_cast<double>(v); }

// The batch-size buckets of StoreCounters ([0] 1, [1] 2-3, … [7] 128 or more) as a histogram:
// upper bounds 1, 3, 7, …, 127; sum = jobs, count = commits.
metrics::HistogramSnapshot batch_histogram(const store::StoreCounters& s) {
  metrics::HistogramSnapshot h;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < s.batch_histogram.size(); ++i) {
    running += s.batch_histogram[i];
    if (i + 1 < s.batch_histogram.size()) h.bounds.push_back(static_cast<double>((2u << i) - 1));
    h.cumulative.push_back(running);
  }
  h.count = running;
  h.sum = d(s.jobs);
  return h;
}

void process_metrics(TextWriter& w) {
  // /proc/self/stat: fields 14, 15 (utime, stime, ticks), 22 (starttime, ticks after boot).
  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  if (close != std::string::npos && close + 2 < line.size()) {
    // After "pid (comm) ": field 3 (state) onwards.
    std::istringstream in(line.substr(close + 2));
    std::vector<std::string> t;
    for (std::string tok; in >> tok;) t.push_back(tok);
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    auto field = [&](std::size_t n) -> double {
      return n >= 3 && n - 3 < t.size() ? std::strtod(t[n - 3].c_str(), nullptr) : 0;
    };
    w.family("process_cpu_seconds_total", Type::counter, "User and system CPU time, in seconds.");
    w.sample({}, (field(14) + field(15)) / tick);
    std::ifstream procstat("/proc/stat");
    double btime = 0;
    for (std::string l; std::getline(procstat, l);) {
      if (l.rfind("btime ", 0) == 0) btime = std::strtod(l.c_str() + 6, nullptr);
    }
    if (btime > 0) {
      w.family("process_start_time_seconds", Type::gauge,
               "Start time of the process since the Unix epoch, in seconds.");
      w.sample({}, btime + field(22) / tick);
    }
  }
  std::ifstream status("/proc/self/status");
  for (std::string l; std::getline(status, l);) {
    if (l.rfind("VmRSS:", 0) == 0) {
      w.family("process_resident_memory_bytes", Type::gauge, "Resident memory, in bytes.");
      w.sample({}, std::strtod(l.c_str() + 6, nullptr) * 1024);
    }
  }
  std::size_t fds = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(dir)) {
      if (e->d_name[0] != '.') ++fds;
    }
    ::closedir(dir);
    w.family("process_open_fds", Type::gauge, "Open file descriptors.");
    w.sample({}, d(fds > 0 ? fds - 1 : 0));  // less the directory's own descriptor
  }
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    w.family("process_max_fds", Type::gauge, "The limit on open file descriptors.");
    w.sample({}, d(rl.rlim_cur));
  }
}

struct Destination {
  std::string name;  // organ for inboxes, peer name for peers
  std::string kind;  // "inbox" | "peer"
  store::DestinationStats stats;
};

void add_into(store::DestinationStats& into, const store::DestinationStats& s) {
  into.waiting += s.waiting;
  into.retrying += s.retrying;
  into.in_flight += s.in_flight;
  into.dead += s.dead;
  if (s.oldest_pending_created_ms &&
      (!into.oldest_pending_created_ms || *s.oldest_pending_created_ms < *into.oldest_pending_created_ms)) {
    into.oldest_pending_created_ms = s.oldest_pending_created_ms;
  }
}

void queue_metrics(TextWriter& w, const MetricsSources& src, std::int64_t now) {
  auto rows = src.store->pending_by_destination();
  if (!rows.ok()) {
    g_queue_errors.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::map<std::pair<std::string, std::string>, Destination> by;  // (kind, name)
  for (const std::string& p : src.peers) by[{"peer", p}] = Destination{p, "peer", {}};
  for (const store::DestinationStats& s : *rows) {
    const bool inbox = s.next_hop == store::kLocalHop;
    const std::string name = inbox ? s.recipient : s.next_hop;
    Destination& dst = by[{inbox ? "inbox" : "peer", name}];
    dst.name = name;
    dst.kind = inbox ? "inbox" : "peer";
    dst.stats.next_hop = s.next_hop;
    dst.stats.recipient = s.recipient;
    add_into(dst.stats, s);
  }
  std::vector<Destination> all;
  for (auto& [k, v] : by) all.push_back(std::move(v));
  // Peers are configured (bounded): always shown. Inboxes: the largest backlogs first.
  auto backlog = [](const Destination& x) {
    return x.stats.waiting + x.stats.retrying + x.stats.in_flight + x.stats.dead;
  };
  std::stable_sort(all.begin(), all.end(), [&](const Destination& a, const Destination& b) {
    if ((a.kind == "peer") != (b.kind == "peer")) return a.kind == "peer";
    return backlog(a) > backlog(b);
  });
  std::vector<Destination> shown;
  Destination other{"_other", "inbox", {}};
  bool any_other = false;
  for (Destination& x : all) {
    if (x.kind == "peer" || shown.size() < src.max_destinations) {
      shown.push_back(std::move(x));
    } else {
      add_into(other.stats, x.stats);
      any_other = true;
    }
  }
  if (any_other) shown.push_back(other);

  w.family("docaxis_queue_deliveries", Type::gauge,
           "Unfinished and dead deliveries per destination, by state (retrying: waiting after at "
           "least one attempt).");
  for (const Destination& x : shown) {
    const std::pair<const char*, std::uint64_t> states[] = {{"waiting", x.stats.waiting},
                                                            {"retrying", x.stats.retrying},
                                                            {"in_flight", x.stats.in_flight},
                                                            {"dead", x.stats.dead}};
    for (const auto& [state, n] : states) {
      w.sample({{"destination", x.name}, {"kind", x.kind}, {"state", state}}, d(n));
    }
  }
  w.family("docaxis_queue_oldest_age_seconds", Type::gauge,
           "Age of the oldest waiting or in-flight delivery per destination, in seconds (0: none).");
  for (const Destination& x : shown) {
    const double age = x.stats.oldest_pending_created_ms
                           ? std::max<double>(0, static_cast<double>(now - *x.stats.oldest_pending_created_ms) / 1000.0)
                           : 0;
    w.sample({{"destination", x.name}, {"kind", x.kind}}, age);
  }
  if (src.dispatcher == nullptr) return;
  w.family("docaxis_circuit_breaker_state", Type::gauge,
           "The circuit breaker of each destination: 1 for its current state, 0 for the others.");
  for (const Destination& x : shown) {
    if (x.name == "_other") continue;
    store::Delivery probe;
    probe.next_hop = x.kind == "peer" ? x.name : std::string(store::kLocalHop);
    probe.recipient = x.kind == "peer" ? std::string() : x.name;
    const auto state = src.dispatcher->breaker_state(probe, now);
    for (const auto s : {delivery::CircuitBreaker::State::kClosed,
                         delivery::CircuitBreaker::State::kOpen,
                         delivery::CircuitBreaker::State::kHalfOpen}) {
      w.sample({{"destination", x.name}, {"kind", x.kind},
                {"state", std::string(delivery::to_string(s))}},
               s == state ? 1 : 0);
    }
  }
}

}  // namespace

std::string render_metrics(const MetricsSources& src) {
  TextWriter w;
  const std::int64_t now = src.clock_ms ? src.clock_ms() : 0;
  w.family("docaxis_build_info", Type::gauge, "The hub's version and name; always 1.");
  w.sample({{"version", DOCAXIS_VERSION}, {"hub", src.hub_name}}, 1);
  process_metrics(w);

  if (src.ingest != nullptr) {
    const engine::IngestStats in = src.ingest->stats();
    w.family("docaxis_ingest_received_total", Type::counter,
             "Packages offered to the ingest pipeline, by every front door.");
    w.sample({}, d(in.received));
    w.family("docaxis_ingest_total", Type::counter,
             "Packages answered, by outcome (refused: see docaxis_ingest_refusals_total).");
    std::uint64_t refused = 0;
    for (const auto& [code, n] : in.refused) refused += n;
    w.sample({{"outcome", "accepted"}}, d(in.accepted));
    w.sample({{"outcome", "duplicate"}}, d(in.duplicates));
    w.sample({{"outcome", "overloaded"}}, d(in.overloaded));
    w.sample({{"outcome", "refused"}}, d(refused));
    w.family("docaxis_ingest_refusals_total", Type::counter,
             "Packages refused, by refusal code (the docaxis: codes of the README).");
    for (const auto& [code, n] : in.refused) w.sample({{"code", code}}, d(n));
    w.family("docaxis_verify_duration_seconds", Type::histogram,
             "Signature verification of one package or receipt, any verdict, in seconds.");
    w.histogram({}, in.verify_seconds);
  }

  if (src.dispatcher != nullptr) {
    const delivery::DispatcherCounters c = src.dispatcher->counters();
    w.family("docaxis_delivery_attempts_total", Type::counter, "Delivery attempts started.");
    w.sample({}, d(c.attempts));
    w.family("docaxis_deliveries_finished_total", Type::counter,
             "Deliveries that reached a final state, by outcome (dead: a dead letter).");
    w.sample({{"outcome", "delivered"}}, d(c.delivered));
    w.sample({{"outcome", "refused"}}, d(c.refused));
    w.sample({{"outcome", "dead"}}, d(c.dead));
    w.family("docaxis_delivery_retries_total", Type::counter,
             "Failed attempts scheduled for another try.");
    w.sample({}, d(c.retried));
    w.family("docaxis_delivery_timeouts_total", Type::counter,
             "Attempts that got no outcome in time.");
    w.sample({}, d(c.timeouts));
    w.family("docaxis_deliveries_in_flight", Type::gauge,
             "Deliveries sent and not yet settled by their recipient.");
    w.sample({}, d(c.in_flight));
    w.family("docaxis_peer_link_up", Type::gauge, "1 when the outgoing link to the peer is up.");
    for (const std::string& p : src.peers) {
      w.sample({{"peer", p}}, src.dispatcher->peer_link_up(p) ? 1 : 0);
    }
  }
  if (src.receipts != nullptr) {
    w.family("docaxis_receipts_issued_total", Type::counter, "Signed delivery receipts issued.");
    w.sample({}, d(src.receipts->issued()));
    w.family("docaxis_receipt_failures_total", Type::counter,
             "Receipts that could not be built or signed.");
    w.sample({}, d(src.receipts->failed()));
  }

  if (src.store != nullptr) {
    queue_metrics(w, src, now);
    const store::StoreCounters s = src.store->counters();
    w.family("docaxis_store_commits_total", Type::counter,
             "Group-commit transactions, by result.");
    w.sample({{"result", "ok"}}, d(s.commits));
    w.sample({{"result", "failed"}}, d(s.failed_commits));
    w.family("docaxis_store_commit_duration_seconds", Type::histogram,
             "A committed batch from BEGIN to COMMIT, segment and WAL syncs included, in seconds.");
    w.histogram({}, s.commit_seconds);
    w.family("docaxis_store_batch_jobs", Type::histogram,
             "Write jobs per committed batch (group commit).");
    w.histogram({}, batch_histogram(s));
    w.family("docaxis_store_packages_total", Type::counter,
             "Ingest writes, by result (conflict: a duplicate key with other bytes).");
    w.sample({{"result", "stored"}}, d(s.packages_stored));
    w.sample({{"result", "duplicate"}}, d(s.duplicates));
    w.sample({{"result", "conflict"}}, d(s.conflicts));
    w.family("docaxis_store_wal_written_bytes_total", Type::counter,
             "Bytes the writer's commits appended to the SQLite WAL.");
    w.sample({}, d(s.wal_frames) * d(s.page_size + 24));
    auto u = src.store->usage();
    if (u.ok()) {
      w.family("docaxis_spool_bytes", Type::gauge, "Size of the spool's files, by part.");
      w.sample({{"part", "database"}}, d(u->database_bytes));
      w.sample({{"part", "wal"}}, d(u->wal_bytes));
      w.sample({{"part", "segments"}}, d(u->segment_bytes));
      w.family("docaxis_spool_packages", Type::gauge,
               "Stored packages, by whether retention has released their bytes.");
      w.sample({{"bytes", "held"}}, d(u->held_packages));
      w.sample({{"bytes", "released"}}, d(u->released_packages));
      w.family("docaxis_retention_freed_bytes_total", Type::counter,
               "Segment bytes retention deleted.");
      w.sample({}, d(u->segment_bytes_freed));
    } else {
      g_usage_errors.fetch_add(1, std::memory_order_relaxed);
    }
  }

  if (src.audit != nullptr) {
    const audit::AuditStats a = src.audit->stats();
    w.family("docaxis_audit_records_total", Type::counter,
             "Audit records made durable, checkpoints included.");
    w.sample({}, d(a.records));
    w.family("docaxis_audit_checkpoints_total", Type::counter, "Signed audit checkpoints.");
    w.sample({}, d(a.checkpoints));
    w.family("docaxis_audit_sync_duration_seconds", Type::histogram,
             "One fdatasync of a group of audit records, in seconds.");
    w.histogram({}, a.sync_seconds);
    w.family("docaxis_audit_last_seq", Type::gauge, "Sequence number of the last audit record.");
    w.sample({}, d(src.audit->last_seq()));
  }

  const http::Server* vxp = src.vxp_server ? src.vxp_server() : nullptr;
  w.family("docaxis_bytes_in_flight", Type::gauge,
           "Package bytes received and not yet answered, by front door.");
  if (src.amqp != nullptr) w.sample({{"listener", "amqp"}}, d(src.amqp->bytes_held()));
  if (vxp != nullptr) w.sample({{"listener", "vxp"}}, d(vxp->body_bytes_in_flight()));
  w.family("docaxis_connections", Type::gauge, "Client connections open now, by front door.");
  if (src.amqp != nullptr) w.sample({{"listener", "amqp"}}, d(src.amqp->connections()));
  if (vxp != nullptr) w.sample({{"listener", "vxp"}}, d(vxp->connections()));

  w.family("docaxis_disk_free_bytes", Type::gauge,
           "Free bytes for the hub's volumes (the disk floor's measure).");
  for (const auto& [label, path] : src.volumes) {
    if (auto free = store::statvfs_free_bytes(path); free.ok()) {
      w.sample({{"volume", label}}, d(*free));
    }
  }

  for (const auto& extra : src.extra) {
    if (extra) extra(w);
  }
  g_dropped.fetch_add(w.dropped(), std::memory_order_relaxed);
  w.family("docaxis_metrics_source_errors_total", Type::counter,
           "Scrapes that left a source out because reading it failed, by source.");
  w.sample({{"source", "queues"}}, d(g_queue_errors.load(std::memory_order_relaxed)));
  w.sample({{"source", "spool"}}, d(g_usage_errors.load(std::memory_order_relaxed)));
  w.sample({{"source", "invalid"}}, d(g_dropped.load(std::memory_order_relaxed)));
  return w.take();
}

std::function<void(TextWriter&)> certificate_families(
    std::function<std::vector<model::CertInfo>()> snapshot) {
  return [snapshot = std::move(snapshot)](TextWriter& w) {
    const std::vector<model::CertInfo> certs = snapshot();
    w.family("docaxis_certificate_expiry_timestamp_seconds", Type::gauge,
             "notAfter of each configured certificate (the hub's own, anchors, intermediates), "
             "since the Unix epoch.");
    std::map<std::string, std::int64_t> earliest_seen;  // role -> notAfter
    for (const model::CertInfo& c : certs) {
      if (c.role == "endpoint" || c.role == "peer") {
        auto [it, fresh] = earliest_seen.emplace(c.role, c.not_after);
        if (!fresh) it->second = std::min(it->second, c.not_after);
        continue;
      }
      w.sample({{"role", c.role}, {"subject", c.subject}, {"serial", c.serial}},
               static_cast<double>(c.not_after));
    }
    w.family("docaxis_certificate_seen_earliest_expiry_timestamp_seconds", Type::gauge,
             "The earliest notAfter among the client certificates seen on connections, by role "
             "(endpoint, peer).");
    for (const auto& [role, not_after] : earliest_seen) {
      w.sample({{"role", role}}, static_cast<double>(not_after));
    }
  };
}

std::function<void(TextWriter&)> crl_families(const crl::CrlFetcher& fetcher,
                                              std::int64_t grace_seconds) {
  return [&fetcher, grace_seconds](TextWriter& w) {
    const std::vector<crl::CrlState> states = fetcher.states();
    auto labels = [](const crl::CrlState& c) -> Labels {
      return {{"issuer", c.issuer}, {"url", c.url}};
    };
    w.family("docaxis_crl_usable", Type::gauge,
             "1 while the CA's CRL is held and within nextUpdate plus the grace; 0: that CA's "
             "certificates are refused (cert-revocation-unknown).");
    for (const auto& c : states) w.sample(labels(c), c.usable ? 1 : 0);
    w.family("docaxis_crl_next_update_timestamp_seconds", Type::gauge,
             "nextUpdate of the CRL in use, since the Unix epoch (0: none).");
    for (const auto& c : states) w.sample(labels(c), d(static_cast<std::uint64_t>(c.next_update)));
    w.family("docaxis_crl_expiry_timestamp_seconds", Type::gauge,
             "When the CRL in use stops being used (nextUpdate plus the grace; 0: none).");
    for (const auto& c : states) {
      w.sample(labels(c), c.next_update > 0 ? d(static_cast<std::uint64_t>(c.next_update + grace_seconds)) : 0);
    }
    w.family("docaxis_crl_last_success_timestamp_seconds", Type::gauge,
             "The last fetch that gave a valid CRL (0: never).");
    for (const auto& c : states) w.sample(labels(c), d(static_cast<std::uint64_t>(c.last_success)));
    w.family("docaxis_crl_fetch_failures", Type::gauge, "Consecutive failed fetches.");
    for (const auto& c : states) w.sample(labels(c), d(c.failures));
  };
}

}  // namespace docaxis::server
