// vxp_bench: the axis HTTP API of docaxis-hub (hub/vxp) under load, against real hub
// processes, the way the official SDK calls it (test::vxp::SdkClient: a new TCP connection per
// request). Two phases (tests/bench/README.md, "vxp_bench"):
//
//   send  sendEdoc of the pre-signed 12.8 KB benchmark packages (hub_bench_packages) from
//         --threads client threads, over plain HTTP and over HTTPS (the hub's listener
//         certificate, verified; a full handshake per request, and resumed sessions as the
//         SDK's sendEdoc path does), [store] fsync = "full"; in the same round the same packages
//         through AMQP (hub_bench's run_load at saturation) to the same kind of hub, for the
//         ratio. A fresh hub for every run of every round, so the packages are new to it.
//   poll  getReceivedEdocList from --threads clients, random systems among --systems API
//         systems (one secret file and one [[endpoints]] vxp_system each), on a store
//         pre-filled with --stored packages (vxp_bench_fill); the hub's start time and RSS.
//
// Output: a header, one line per run, then medians over the rounds. Nothing is asserted on
// speed: exit 0 when every phase ran (errors in requests are counted and printed), 1 when a
// hub failed to start or stop, 2 on usage or setup errors.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "dsig/dsig_init.hpp"
#include "hub_bench_packages.hpp"
#include "vxp_bench_fill.hpp"
#include "vxp_bench_phases.hpp"

#ifndef HUB_BENCH_DEFAULT_HUB
#define HUB_BENCH_DEFAULT_HUB "docaxis-hub"
#define HUB_BENCH_DEFAULT_PKI "test-pki"
#define HUB_BENCH_DEFAULT_SAMPLE "edoc_new.edxml"
#endif

namespace fs = std::filesystem;
using namespace docaxis::bench;

namespace {

const std::vector<std::string> kSenders = {"000.00.13.H30", "000.00.31.H30", "000.21.31.H30"};
const std::vector<std::string> kRecipients = {"000.00.04.G14", "000.00.01.G12"};

std::string errors_text(const ClientRun& r) {
  std::string out;
  for (const auto& [k, n] : r.errors) out += (out.empty() ? "" : ",") + k.substr(6) + ":" + std::to_string(n);
  return out.empty() ? "0" : out;
}

double rate(const ClientRun& r, const std::string& cls) {
  const auto it = r.by_class.find(cls);
  return it == r.by_class.end() ? 0 : static_cast<double>(it->second.count) / r.window_s;
}

struct Pooled {  // latencies over every round
  std::vector<double> ms;
  void add(const ClientRun& r, const std::string& cls) {
    const auto it = r.by_class.find(cls);
    if (it != r.by_class.end()) ms.insert(ms.end(), it->second.latencies_ms.begin(), it->second.latencies_ms.end());
  }
};

double pct(double cpu_s, double window_s) { return cpu_s < 0 ? -1 : 100.0 * cpu_s / window_s; }

}  // namespace

int main(int argc, char** argv) {
  VxpSetup setup{HUB_BENCH_DEFAULT_HUB, HUB_BENCH_DEFAULT_PKI};
  std::string sample = HUB_BENCH_DEFAULT_SAMPLE, work, phase = "all";
  int rounds = 3;
  std::size_t per_sender = 0, systems = 10000, stored = 1000000;
  unsigned sign_threads = 2;
  bool quick = false, keep = false;
  CLI::App app{"vxp_bench: the axis HTTP API of docaxis-hub under load (SDK-style clients)"};
  app.add_option("--phase", phase, "send, poll or all")->check(CLI::IsMember({"send", "poll", "all"}))->capture_default_str();
  std::vector<std::string> modes = {"http", "https", "https-resumed", "amqp"};
  app.add_option("--send-modes", modes, "send: which runs of a round")
      ->check(CLI::IsMember({"http", "https", "https-resumed", "amqp"}))
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--threads", setup.threads, "concurrent client threads")->check(CLI::Range(1u, 256u))->capture_default_str();
  app.add_option("--rounds", rounds, "rounds (medians over them)")->check(CLI::Range(1, 99))->capture_default_str();
  app.add_option("--seconds", setup.window_s, "measured window per run, s")->capture_default_str();
  app.add_option("--warmup", setup.warmup_s, "warm-up before each window, s")->capture_default_str();
  app.add_option("--packages", per_sender, "pre-signed packages per sender (3 senders; default: 3,000/s over warm-up + window)");
  app.add_option("--sign-threads", sign_threads, "signing threads")->check(CLI::Range(1u, 64u));
  app.add_option("--systems", systems, "poll: API systems (organs)")->check(CLI::Range(std::size_t{1}, std::size_t{100000}))->capture_default_str();
  app.add_option("--stored", stored, "poll: packages pre-filled in the store")->capture_default_str();
  app.add_flag("--quick", quick, "a smoke run: 1,000 systems, 20,000 stored, 1,000 packages per sender, 1 round of 2 s (+1 s warm-up), 4 threads");
  app.add_option("--hub", setup.hub_binary, "docaxis-hub binary")->capture_default_str();
  app.add_option("--pki", setup.pki, "test PKI (scripts/make-test-pki.sh)")->capture_default_str();
  app.add_option("--sample", sample, "edoc_new.edxml")->capture_default_str();
  app.add_option("--work", work, "folder for the hubs' data (default /tmp/docaxis-vxp-bench-PID)");
  app.add_flag("--keep-data", keep, "keep the hubs' data folders");
  try {
    app.parse(argc, argv);
    if (setup.window_s <= 0 || setup.warmup_s < 0) throw CLI::ValidationError("--seconds", "times must be positive");
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (quick) {
    if (app.count("--systems") == 0) systems = 1000;
    if (app.count("--stored") == 0) stored = 20000;
    if (app.count("--rounds") == 0) rounds = 1;
    if (app.count("--seconds") == 0) setup.window_s = 2;
    if (app.count("--warmup") == 0) setup.warmup_s = 1;
    if (app.count("--threads") == 0) setup.threads = 4;
    if (app.count("--packages") == 0) per_sender = 1000;
  }
  if (per_sender == 0) per_sender = static_cast<std::size_t>((setup.warmup_s + setup.window_s) * 3000 / 3) + 1;
  if (work.empty()) work = (fs::temp_directory_path() / ("docaxis-vxp-bench-" + std::to_string(getpid()))).string();
  for (std::string* p : {&setup.hub_binary, &setup.pki, &sample, &work}) *p = fs::absolute(*p).string();
  if (!fs::exists(setup.hub_binary)) {
    std::fprintf(stderr, "vxp_bench: no docaxis-hub at %s (--hub)\n", setup.hub_binary.c_str());
    return 2;
  }
  std::printf("vxp_bench: %s on 127.0.0.1, axis HTTP API, SDK-style clients (a new TCP connection per request), "
              "%u client threads, %d round(s) of %.0f s (+%.0f s warm-up), store fsync=full\n",
              setup.hub_binary.c_str(), setup.threads, rounds, setup.window_s, setup.warmup_s);
  std::fflush(stdout);
  int failed = 0;

  if (phase != "poll") {
    docaxis::dsig::init_dsig();
    auto pool = make_pool({setup.pki, sample, kSenders, kRecipients, per_sender, sign_threads});
    if (!pool) {
      std::fprintf(stderr, "vxp_bench: cannot make the packages: %s\n", pool.status().to_string().c_str());
      return 2;
    }
    std::printf("send: %zu packages pre-signed (%zu-%zu bytes, RSA-2048/SHA-256) in %.1f s; senders %s,%s,%s as API "
                "systems of their own names -> recipients %s,%s (never attached: deliveries wait)\n",
                pool->by_sender.size() * pool->per_sender, pool->min_bytes, pool->max_bytes, pool->sign_seconds,
                kSenders[0].c_str(), kSenders[1].c_str(), kSenders[2].c_str(), kRecipients[0].c_str(), kRecipients[1].c_str());
    std::fflush(stdout);  // before any hub is forked (the child would write the buffer again)
    std::map<std::string, std::vector<double>> rates;
    std::map<std::string, Pooled> lat;
    for (int round = 1; round <= rounds; ++round) {
      auto wanted = [&modes](const std::string& m) { return std::find(modes.begin(), modes.end(), m) != modes.end(); };
      for (const SendMode mode : {SendMode::kHttp, SendMode::kHttpsFull, SendMode::kHttpsResumed}) {
        const std::string name = send_mode_name(mode);
        if (!wanted(name)) continue;
        const fs::path dir = fs::path(work) / ("send-" + name + "-" + std::to_string(round));
        auto r = send_round(setup, *pool, kSenders, kRecipients, mode, dir);
        if (!r) {
          std::fprintf(stderr, "vxp_bench: send %s round %d: %s\n", name.c_str(), round, r.status().to_string().c_str());
          ++failed;
          continue;
        }
        const auto it = r->run.by_class.find("accepted");
        const std::vector<double> none;
        const auto& ms = it == r->run.by_class.end() ? none : it->second.latencies_ms;
        std::printf("vxp send %-13s round=%d accepted/s=%.0f p50_ms=%.1f p99_ms=%.1f errors=%s hub_cpu%%=%.0f "
                    "hub_rss_peak_mb=%.0f gen_cpu%%=%.0f resumed%%=%.0f disk_kb_per_pkg=%.1f%s\n",
                    name.c_str(), round, rate(r->run, "accepted"), percentile(ms, 50), percentile(ms, 99),
                    errors_text(r->run).c_str(), pct(r->hub.cpu_s, setup.window_s + setup.warmup_s),
                    static_cast<double>(r->hub.rss_peak_kb) / 1024, pct(r->run.cpu_s, setup.window_s),
                    100 * r->resumed_fraction, r->hub.disk_kb_per_package,
                    r->pool_exhausted ? " pool_exhausted=yes" : "");
        if (!r->run.first_error.empty()) std::printf("  first error: %s\n", r->run.first_error.substr(0, 300).c_str());
        std::fflush(stdout);
        rates[name].push_back(rate(r->run, "accepted"));
        lat[name].add(r->run, "accepted");
        if (!keep) fs::remove_all(dir);
      }
      if (!wanted("amqp")) continue;
      const fs::path dir = fs::path(work) / ("send-amqp-" + std::to_string(round));
      auto a = amqp_round(setup, *pool, kSenders, kRecipients, dir);
      if (!a) {
        std::fprintf(stderr, "vxp_bench: amqp round %d: %s\n", round, a.status().to_string().c_str());
        ++failed;
        continue;
      }
      std::printf("amqp send  round=%d accepted/s=%.0f delivered/s=%.0f accept_p50_ms=%.1f accept_p99_ms=%.1f "
                  "hub_rss_peak_mb=%.0f disk_kb_per_pkg=%.1f errors=%s%s\n",
                  round, a->accepted_per_s, a->delivered_per_s, a->accept_p50_ms, a->accept_p99_ms,
                  static_cast<double>(a->hub.rss_peak_kb) / 1024, a->hub.disk_kb_per_package, a->errors.empty() ? "0" : a->errors.c_str(),
                  a->pool_exhausted ? " pool_exhausted=yes" : "");
      std::fflush(stdout);
      rates["amqp"].push_back(a->accepted_per_s);
      if (!keep) fs::remove_all(dir);
    }
    for (const std::string name : {"http", "https", "https-resumed"}) {
      std::printf("median send %-13s accepted/s=%.0f p50_ms=%.1f p99_ms=%.1f (%zu runs; latencies over all)\n",
                  name.c_str(), median(rates[name]), percentile(lat[name].ms, 50), percentile(lat[name].ms, 99),
                  rates[name].size());
    }
    const double amqp = median(rates["amqp"]);
    std::printf("median send amqp          accepted/s=%.0f (%zu runs)\n", amqp, rates["amqp"].size());
    if (amqp > 0)
      std::printf("ratio sendEdoc : AMQP ingest = http %.2fx, https %.2fx, https-resumed %.2fx\n",
                  median(rates["http"]) / amqp, median(rates["https"]) / amqp,
                  median(rates["https-resumed"]) / amqp);
    std::fflush(stdout);
  }

  if (phase != "send") {
    const fs::path dir = fs::path(work) / "poll";
    const std::vector<std::string> organs = generated_organs(systems);
    auto fill = fill_store(dir / "data", organs, stored);
    if (!fill) {
      std::fprintf(stderr, "vxp_bench: cannot fill the store: %s\n", fill.status().to_string().c_str());
      return 2;
    }
    std::printf("poll: store filled with %zu packages (%zu waiting: %zu of %zu systems hold 1-5; the rest delivered) "
                "in %.1f s, %.0f MB, fsync normal for the fill\n",
                fill->packages, fill->waiting, (systems + 9) / 10, systems, fill->seconds,
                static_cast<double>(fill->db_bytes) / 1e6);
    std::fflush(stdout);
    auto hub = start_poll_hub(setup, organs, dir);
    if (!hub) {
      std::fprintf(stderr, "vxp_bench: the poll hub did not start: %s\n", hub.status().to_string().c_str());
      return 1;
    }
    std::printf("vxp start systems=%zu stored=%zu start_s=%.2f rss_mb=%.0f\n", systems, stored, hub->start_s,
                static_cast<double>(hub->rss_after_start_kb) / 1024);
    std::fflush(stdout);
    std::vector<double> total, empty, items;
    Pooled lat_empty, lat_items;
    for (int round = 1; round <= rounds; ++round) {
      const double cpu0 = hub->hub->cpu_seconds();
      const ClientRun r = poll_round(setup, *hub);
      const double cpu1 = hub->hub->cpu_seconds();
      const auto e = r.by_class.find("empty"), i = r.by_class.find("items");
      const std::vector<double> none;
      const auto& em = e == r.by_class.end() ? none : e->second.latencies_ms;
      const auto& im = i == r.by_class.end() ? none : i->second.latencies_ms;
      std::printf("vxp poll round=%d polls/s=%.0f empty/s=%.0f empty_p50_ms=%.1f empty_p99_ms=%.1f items/s=%.0f "
                  "items_p50_ms=%.1f items_p99_ms=%.1f errors=%s hub_cpu%%=%.0f gen_cpu%%=%.0f\n",
                  round, rate(r, "empty") + rate(r, "items"), rate(r, "empty"), percentile(em, 50), percentile(em, 99),
                  rate(r, "items"), percentile(im, 50), percentile(im, 99), errors_text(r).c_str(),
                  pct(cpu1 - cpu0, setup.window_s + setup.warmup_s), pct(r.cpu_s, setup.window_s));
      if (!r.first_error.empty()) std::printf("  first error: %s\n", r.first_error.substr(0, 300).c_str());
      std::fflush(stdout);
      total.push_back(rate(r, "empty") + rate(r, "items"));
      lat_empty.add(r, "empty");
      lat_items.add(r, "items");
      std::vector<double> all = em;
      all.insert(all.end(), im.begin(), im.end());
      items.push_back(percentile(all, 99));
    }
    std::printf("median poll polls/s=%.0f p99_ms(all, median of rounds)=%.1f empty_p50_ms=%.1f empty_p99_ms=%.1f "
                "items_p50_ms=%.1f items_p99_ms=%.1f (%d rounds; latencies over all) hub_rss_peak_mb=%.0f\n",
                median(total), median(items), percentile(lat_empty.ms, 50), percentile(lat_empty.ms, 99),
                percentile(lat_items.ms, 50), percentile(lat_items.ms, 99), rounds,
                static_cast<double>(hub->hub->peak_rss_kb()) / 1024);
    const int code = hub->hub->terminate();
    if (code != 0) {
      std::fprintf(stderr, "vxp_bench: the poll hub exited %d: %s\n", code, hub->hub->log_tail().c_str());
      ++failed;
    }
    if (!keep && code == 0) fs::remove_all(dir);
  }
  if (!keep && failed == 0) fs::remove_all(work);
  return failed == 0 ? 0 : 1;
}
