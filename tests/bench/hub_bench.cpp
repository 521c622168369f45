// End-to-end benchmark of docaxis-hub: several sending agencies and receiving agencies
// over loopback with mutual TLS, 12.5 KB signed edXML packages (RSA-2048/SHA-256), durable
// store (fsync full), receipts on. For each offered rate (0 = saturation) it starts a fresh
// hub (three federated ones with --topology two-hop: hub_bench_topology.hpp), runs warm-up, a
// measured window and a drain (hub_bench_load.hpp), and prints one line (hub_bench_report.hpp).
// Packages are signed before the first hub starts, so the figures are the hubs', not the
// signers'.
//
//   hub_bench [--senders N] [--receivers M] [--rate R[,R...]] [--seconds S] [--warmup S]
//             [--window W] [--drain-timeout S] [--packages N] [--sign-threads N]
//             [--hub PATH] [--pki DIR] [--sample FILE] [--work DIR] [--keep-data]
//             [--write-package FILE] [--topology one-hub|two-hop] [--size BYTES]
//             [--stored N] [--waiting-retries M] [--seed-dir DIR] [--seed-consume]
//
// Exit codes: 0 every run counted (everything sent was accepted, delivered and receipted);
// 1 a run failed (the reasons go to stderr, with the end of the hub's log); 2 usage or setup
// error (bad option, unreadable PKI or sample).
// Threads: the main thread runs the runs one after another; signing uses --sign-threads.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "dsig/dsig_init.hpp"
#include "hub_bench_load.hpp"
#include "hub_bench_packages.hpp"
#include "hub_bench_process.hpp"
#include "hub_bench_report.hpp"
#include "hub_bench_topology.hpp"
#include "hub_bench_seed.hpp"

namespace fs = std::filesystem;
using namespace docaxis::bench;

namespace {

// Organs of the test PKI. Senders sign, so they need the RSA-2048 keys; recipients may be
// any organ (000.00.04.G14 has an EC key and only receives).
const std::vector<std::string> kRsaOrgans = {"000.00.13.H30", "000.00.31.H30", "000.21.31.H30",
                                             "000.00.00.G22", "000.00.01.G12"};
const std::vector<std::string> kRecipientOrder = {"000.00.04.G14", "000.00.01.G12",
                                                  "000.00.00.G22", "000.21.31.H30",
                                                  "000.00.31.H30", "000.00.13.H30"};

struct Options {
  int senders = 3, receivers = 3;
  std::vector<double> rates = {1000, 0};
  double seconds = 20, warmup = 5, drain_timeout = 120;
  uint32_t window = 100;
  std::size_t packages = 0;  // per sender; 0 = enough for the runs (see pool_size)
  unsigned sign_threads = std::max(1u, std::thread::hardware_concurrency());
  std::string hub = HUB_BENCH_DEFAULT_HUB, pki = HUB_BENCH_DEFAULT_PKI,
              sample = HUB_BENCH_DEFAULT_SAMPLE, work;
  std::string write_package;  // write the first package here and stop (to check it by hand)
  bool keep_data = false;
  std::string hub_toml;  // extra TOML sections appended to the hub's configuration
  std::string fsync = "full";
  std::string store_toml;  // more [store] keys: the PostgreSQL backend
  Topology topology = Topology::kOneHub;
  // Growth (issue 7): package size, and a spool pre-filled before each hub starts.
  std::size_t package_bytes = kPackageBytes;
  std::size_t stored = 0, waiting_retries = 0;
  std::string seed_dir;            // where the seed is made and reused (default: under --work)
  std::optional<SeedInfo> seed;    // set once the seed exists
  bool seed_consume = false;       // hard-link the seed into the one run instead of copying
};

// The waiting retries' recipient: an endpoint of the hub that never attaches (its test
// certificate has expired: an agency that cannot connect).
const std::string kRetryOrgan = "000.00.90.H30";
constexpr std::size_t kPoolBudgetBytes = 1ull << 30;    // pre-signed packages, all senders
constexpr std::size_t kWindowBudgetBytes = 32ull << 20;  // default in flight per sender

// "20M", "100K", "12800": bytes (K and M are 1,024 and 1,048,576).
std::size_t parse_size(const std::string& text) {
  std::size_t end = 0;
  const double v = std::stod(text, &end);
  const std::string unit = text.substr(end);
  const double scale = unit.empty()                ? 1
                       : unit == "K" || unit == "k" ? 1024
                       : unit == "M"                ? 1048576
                                                    : 0;
  if (scale == 0 || v <= 0) throw std::invalid_argument(text);
  return static_cast<std::size_t>(v * scale);
}

// Enough packages per sender for the highest offered rate over warm-up and window, plus 10 %
// and one window; saturation runs get the same budget as 1,000/s (more with --packages).
std::size_t pool_size(const Options& o) {
  double rate = 1000;
  for (double r : o.rates) rate = std::max(rate, r);
  const std::size_t n =
      static_cast<std::size_t>(std::ceil(rate * (o.warmup + o.seconds) * 1.1 / o.senders)) +
      o.window;
  // Big packages: at most about kPoolBudgetBytes of them (a run may then report
  // pool_exhausted=yes), but always two windows.
  const std::size_t budget = kPoolBudgetBytes / o.package_bytes / o.senders;
  return o.package_bytes <= kPackageBytes
             ? n
             : std::min(n, std::max<std::size_t>(budget, 2 * o.window));
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

std::string machine() {
  std::ifstream cpu("/proc/cpuinfo"), mem("/proc/meminfo");
  std::string line, model = "?";
  long mem_kb = 0;
  while (std::getline(cpu, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  while (std::getline(mem, line)) {
    if (line.rfind("MemTotal:", 0) == 0) mem_kb = std::atol(line.c_str() + 9);
  }
  std::ostringstream m;
  m << std::thread::hardware_concurrency() << " cores, " << mem_kb / 1024 / 1024 << " GB, "
    << model;
  return m.str();
}

// One run on a fresh hub; prints its line. Returns false if it does not count.
bool run_once(const Options& o, const Pool& pool, const std::vector<std::string>& senders,
              const std::vector<std::string>& recipients, double rate, int n) {
  std::ostringstream name;
  name << "run-" << n << "-rate-" << (rate > 0 ? std::to_string(static_cast<long>(rate)) : "max");
  const fs::path dir = fs::path(o.work) / name.str();
  fs::remove_all(dir);
  if (o.seed) {
    if (docaxis::Status s = install_seed(*o.seed, dir / "data", o.seed_consume); !s.ok()) {
      std::fprintf(stderr, "hub_bench: %s\n", s.to_string().c_str());
      return false;
    }
  }
  HubSpec base{o.hub, o.pki, dir, {}, o.hub_toml, o.fsync};
  base.store_toml = o.store_toml;
  auto hub = HubSet::start(o.topology, base, senders, recipients);
  if (!hub) {
    std::fprintf(stderr, "hub_bench: %s\n", hub.status().to_string().c_str());
    return false;
  }
  HubSet& h = **hub;
  LoadSpec spec;
  spec.port = h.sender_port();
  spec.recipient_port = h.recipient_port();
  spec.receipt_issuer = h.receipt_issuer();
  spec.receipt_hops = h.path();
  spec.pki = o.pki;
  spec.senders = senders;
  spec.recipients = recipients;
  spec.rate = rate;
  spec.warmup_seconds = o.warmup;
  spec.window_seconds = o.seconds;
  spec.drain_timeout_seconds = o.drain_timeout;
  spec.window = o.window;
  const LoadResult result = run_load(spec, pool, [&h] { return h.cpu_seconds(); });
  RunFacts facts;
  facts.offered_rate = rate;
  facts.topology = topology_name(o.topology);
  facts.hubs = h.path();
  facts.hub_rss_peak_kb = h.peak_rss_kb();
  facts.hub_exit = h.stop();
  std::printf("%s\n", report_line(result, facts).c_str());
  std::fflush(stdout);
  const auto problems = run_problems(result, facts);
  for (const auto& p : problems)
    std::fprintf(stderr, "hub_bench: %s: %s\n", name.str().c_str(), p.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "hub_bench: end of the hub's log (%s):\n%s\n", dir.c_str(),
                 h.log_tail().c_str());
  }
  if (!o.keep_data && problems.empty()) fs::remove_all(dir);
  return problems.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string rates = "1000,0", topology = "one-hub";
  CLI::App app{"hub_bench: end-to-end benchmark of one docaxis-hub"};
  app.add_option("--senders", o.senders, "sending agencies (1-5)")->check(CLI::Range(1, 5));
  app.add_option("--receivers", o.receivers, "receiving agencies (senders + receivers <= 6)")
      ->check(CLI::Range(1, 5));
  app.add_option("--rate", rates,
                 "offered packages/s, all senders; 0 = saturation; a list runs each")
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "measured window per run, s")->capture_default_str();
  app.add_option("--warmup", o.warmup, "warm-up before the window, s")->capture_default_str();
  app.add_option("--window", o.window, "packages in flight end to end per sender (cap)")
      ->check(CLI::Range(1u, 100000u))
      ->capture_default_str();
  app.add_option("--drain-timeout", o.drain_timeout,
                 "wait for deliveries and receipts after the window, s")
      ->capture_default_str();
  app.add_option("--packages", o.packages,
                 "pre-signed packages per sender (default: enough for the runs)");
  app.add_option("--sign-threads", o.sign_threads, "signing threads")->check(CLI::Range(1u, 64u));
  app.add_option("--hub", o.hub, "docaxis-hub binary")->capture_default_str();
  app.add_option("--pki", o.pki, "test PKI (scripts/make-test-pki.sh)")->capture_default_str();
  app.add_option("--sample", o.sample, "edoc_new.edxml")->capture_default_str();
  app.add_option("--work", o.work,
                 "folder for the hubs' data (default /tmp/docaxis-hub-bench-PID)");
  app.add_flag("--keep-data", o.keep_data, "keep each run's hub data folder");
  app.add_option("--fsync", o.fsync, "the hub's store.fsync: full (default) or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--hub-toml", o.hub_toml,
                 "TOML appended to the hub's configuration, e.g. '[limits]\\nmax_in_flight_per_link = 256' "
                 "(sections other than hub, listener, trust, signing, store, endpoints)");
  app.add_option("--store-toml", o.store_toml,
                 "more [store] keys, e.g. 'backend = \"postgresql\"\npostgresql_conninfo = \"...\"\n"
                 "require_synchronous_standby = false' (the database must be empty: one rate per run)");
  app.add_option("--topology", topology,
                 "one-hub, or two-hop: h30 -> national -> g12 (senders on h30, recipients on g12)")
      ->check(CLI::IsMember({"one-hub", "two-hop"}))
      ->capture_default_str();
  std::string size;
  app.add_option("--size", size,
                 "signed package size, bytes or 100K / 20M (default 12800; the attachment grows; "
                 "below the sample's signed size the package stays at that size)");
  app.add_option("--stored", o.stored,
                 "packages already stored and delivered (with receipts) when each hub starts");
  app.add_option("--waiting-retries", o.waiting_retries,
                 "deliveries waiting in retry when each hub starts (to " + kRetryOrgan +
                     ", an endpoint never attached)");
  app.add_option("--seed-dir", o.seed_dir,
                 "make the seed for --stored/--waiting-retries here and reuse it while it matches "
                 "(default: under --work, removed at the end)");
  app.add_flag("--seed-consume", o.seed_consume,
               "one run only: hard-link the seed into it instead of copying (a 1,000,000 seed "
               "is 18.7 GB); the seed is used up and made again next time");
  app.add_option("--write-package", o.write_package,
                 "write the first signed package to this file and exit (e.g. for docaxis verify)");
  try {
    app.parse(argc, argv);
    o.rates.clear();
    std::stringstream list(rates);
    for (std::string r; std::getline(list, r, ',');) o.rates.push_back(std::stod(r));
    if (o.rates.empty() ||
        std::any_of(o.rates.begin(), o.rates.end(), [](double r) { return r < 0; }))
      throw CLI::ValidationError("--rate", "a list of rates >= 0");
    o.topology = *parse_topology(topology);
    if (o.topology == Topology::kTwoHop) {
      // Senders are the province organs on h30 (3), recipients the ministry organs on g12 (2).
      if (o.senders > 3) throw CLI::ValidationError("--senders", "two-hop: at most 3");
      if (app.count("--receivers") == 0) o.receivers = std::min(o.receivers, 2);
      if (o.receivers > 2) throw CLI::ValidationError("--receivers", "two-hop: at most 2");
    }
    if (o.senders + o.receivers > 6)
      throw CLI::ValidationError("--receivers",
                                 "senders + receivers must be at most 6 (test PKI organs)");
    if (o.seconds <= 0 || o.warmup < 0 || o.drain_timeout <= 0)
      throw CLI::ValidationError("--seconds", "times must be positive");
    if (!size.empty()) o.package_bytes = parse_size(size);
    if ((o.stored > 0 || o.waiting_retries > 0) && o.topology != Topology::kOneHub)
      throw CLI::ValidationError("--stored", "a seeded spool needs --topology one-hub");
    if (o.seed_consume && o.rates.size() != 1)
      throw CLI::ValidationError("--seed-consume", "one run only (one --rate)");
    if (app.count("--window") == 0 && o.package_bytes > kPackageBytes)
      o.window = static_cast<uint32_t>(
          std::clamp<std::size_t>(kWindowBudgetBytes / o.package_bytes, 1, o.window));
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::invalid_argument&) {
    std::fprintf(stderr, "hub_bench: --rate or --size: not a number (list): %s %s\n",
                 rates.c_str(), size.c_str());
    return 2;
  }
  if (o.work.empty())
    o.work =
        (fs::temp_directory_path() / ("docaxis-hub-bench-" + std::to_string(getpid()))).string();
  // The hub's configuration resolves relative paths against its own folder: make them absolute.
  if (o.seed_dir.empty()) o.seed_dir = (fs::path(o.work) / "seed").string();
  for (std::string* path : {&o.hub, &o.pki, &o.sample, &o.work, &o.seed_dir})
    *path = fs::absolute(*path).string();
  if (!fs::exists(o.hub)) {
    std::fprintf(stderr, "hub_bench: no docaxis-hub at %s (--hub)\n", o.hub.c_str());
    return 2;
  }

  std::vector<std::string> senders(kRsaOrgans.begin(), kRsaOrgans.begin() + o.senders);
  std::vector<std::string> recipients;
  for (const auto& organ : kRecipientOrder) {
    if (static_cast<int>(recipients.size()) < o.receivers && receives_in(o.topology, organ) &&
        std::find(senders.begin(), senders.end(), organ) == senders.end())
      recipients.push_back(organ);
  }

  docaxis::dsig::init_dsig();
  PoolSpec pool_spec{
      o.pki,         o.sample, senders, recipients, o.packages > 0 ? o.packages : pool_size(o),
      o.sign_threads, o.package_bytes};
  auto pool = make_pool(pool_spec);
  if (!pool) {
    std::fprintf(stderr, "hub_bench: cannot make the packages: %s\n",
                 pool.status().to_string().c_str());
    return 2;
  }

  if (!o.write_package.empty()) {
    std::ofstream(o.write_package, std::ios::binary) << pool->by_sender[0][0].bytes;
    return 0;
  }
  std::printf(
      "hub_bench: %s (%s) on 127.0.0.1, AMQP 1.0 over mutual TLS (SASL EXTERNAL), "
      "store fsync=%s%s, receipts on%s%s\n",
      o.topology == Topology::kTwoHop
          ? "two hops, docaxis-hub h30 -> national -> g12 peered over mutual TLS, receipts signed "
            "by g12"
          : "one docaxis-hub",
      o.hub.c_str(), o.fsync.c_str(),
      o.store_toml.find("postgresql") != std::string::npos ? " (unused: PostgreSQL backend)" : "",
      o.hub_toml.empty() ? "" : ", extra config: ", o.hub_toml.c_str());
  std::printf(
      "agencies: %d senders (%s) -> %d recipients (%s); one connection each; senders also read "
      "their receipts\n",
      o.senders, join(senders).c_str(), o.receivers, join(recipients).c_str());
  std::printf(
      "packages: %zu pre-signed, %zu-%zu bytes, RSA-2048/SHA-256 exc-C14N, signed in %.1f s on %u "
      "threads\n",
      pool->by_sender.size() * pool->per_sender, pool->min_bytes, pool->max_bytes,
      pool->sign_seconds, o.sign_threads);
  std::printf(
      "runs: warm-up %.0f s, window %.0f s, drain timeout %.0f s, window %u packages/sender end to "
      "end, fresh hub each\n",
      o.warmup, o.seconds, o.drain_timeout, o.window);
  std::printf("machine: %s\n", machine().c_str());
  std::fflush(stdout);
  if (o.stored > 0 || o.waiting_retries > 0) {
    auto seed = make_seed({o.pki, o.sample, "h30", senders, recipients, kRetryOrgan, o.stored,
                           o.waiting_retries, o.seed_dir, o.sign_threads});
    if (!seed) {
      std::fprintf(stderr, "hub_bench: cannot seed the spool: %s\n",
                   seed.status().to_string().c_str());
      return 2;
    }
    char made[96] = "reused";
    if (!seed->reused)
      std::snprintf(made, sizeof made, "made in %.0f s, quick_check %.1f s", seed->seconds,
                    seed->quick_check_seconds);
    std::printf("seed: %s; %s, %.1f MB; %s the run's data folder before its hub starts\n",
                seed->description.c_str(), made, static_cast<double>(seed->db_bytes) / 1e6,
                o.seed_consume ? "hard-linked (used up) into" : "copied into");
    std::fflush(stdout);
    o.seed = std::move(seed).value();
    if (o.waiting_retries > 0)
      o.hub_toml += "\n[[endpoints]]\norgan = \"" + kRetryOrgan + "\"\n";
  }

  bool ok = true;
  for (std::size_t i = 0; i < o.rates.size(); ++i)
    ok = run_once(o, *pool, senders, recipients, o.rates[i], static_cast<int>(i + 1)) && ok;
  if (!o.keep_data && ok) fs::remove_all(o.work);  // a --seed-dir elsewhere is kept
  return ok ? 0 : 1;
}
