// The RabbitMQ baseline for hub_bench (issue 7): a message bus that verifies nothing, moving
// the same bytes with persistent messages, publisher confirms and consumer acks, through
// rabbitmq-c (the bridge's RabbitConnection). P producers → one durable classic queue per
// consumer → M consumers, in the shape of hub_bench (rabbit_bench_load.hpp). For each offered
// rate (0 = saturation) it starts a fresh rabbitmq-server node of its own on 127.0.0.1
// (rabbit_bench_node.hpp), or uses the broker given with --host, runs warm-up, a measured
// window and a drain, and prints one line:
//
//   baseline rabbitmq rate=… offered/s=… sent/s=… delivered/s=… [kept_up=yes|no] p50_ms=…
//     p95_ms=… p99_ms=… confirm_p50_ms=… confirm_p99_ms=… broker_cpu%=… broker_rss_peak_mb=…
//     gen_cpu%=… window_s=… sent=… confirmed=… consumed=… nacked=… returned=… redelivered=…
//     duplicates=… lost=… result=ok|FAIL
//
// The figures mean what hub_bench's mean (tests/bench/README.md); p*_ms is publish → consumer
// receives, confirm_* is publish → the broker's confirm. broker_cpu% is beam.smp's
// utime+stime over the window as % of one core, broker_rss_peak_mb the largest VmRSS sampled
// every 100 ms during the run (both "na" with --host).
//
// Exit codes: 0 every run counted; 1 a run failed: a connection or channel error, a drain that
// timed out, a nack or return, or a confirmed message not consumed exactly once (reasons on
// stderr); 2 usage or setup error.
// Threads: the main thread runs the runs one after another (run_load starts its own).
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rabbit_bench_load.hpp"
#include "rabbit_bench_node.hpp"

namespace fs = std::filesystem;
using namespace docaxis;
using namespace docaxis::bench;

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) { g_interrupted = true; }

struct Options {
  int producers = 3, consumers = 3;
  std::vector<double> rates = {1000, 0};
  double seconds = 20, warmup = 5, drain_timeout = 120;
  uint32_t window = 100;
  int prefetch = 500, ack_every = 1;
  std::string payload_file, host, work, bin_dir = "/usr/lib/rabbitmq/bin";
  int port = 5672;
  std::string user = "guest", password = "guest", vhost = "/";
  bool keep_data = false;
};

// A stand-in of the benchmark package's size when no --payload is given: 12,800 bytes of
// XML-shaped ASCII (RabbitMQ neither parses nor compresses bodies, so only the size matters).
std::string generated_payload() {
  std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><edXML><pad>";
  const std::string tail = "</pad></edXML>\n";
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t x = 2463534242u;
  while (s.size() < 12'800 - tail.size()) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    s += alphabet[x % 64];
  }
  return s + tail;
}

double percentile_ms(std::vector<int64_t>& ns, double p) {  // nearest rank; -1 for none
  if (ns.empty()) return -1;
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(ns.size())));
  const std::size_t at = std::min(ns.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(at), ns.end());
  return static_cast<double>(ns[at]) / 1e6;
}

std::string fixed(double v, int decimals) {
  if (v < 0) return "na";
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::vector<std::string> problems(const RabbitLoadResult& r, bool node_stopped) {
  std::vector<std::string> p = r.errors;
  auto count = [&](uint64_t n, const std::string& what) {
    if (n > 0) p.push_back(std::to_string(n) + " " + what);
  };
  if (r.window_end <= r.window_start) p.push_back("the measured window never ended");
  if (!r.drained) p.push_back("the drain timed out: not every message was confirmed and consumed");
  if (r.confirmed + r.nacked != r.sent)
    p.push_back("sent " + std::to_string(r.sent) + " but " + std::to_string(r.confirmed) +
                " confirmed and " + std::to_string(r.nacked) + " nacked");
  count(r.nacked, "publishes nacked by the broker");
  count(r.returned, "publishes returned unroutable");
  count(r.lost, "confirmed messages never consumed");
  count(r.duplicates, "messages consumed more than once");
  count(r.unknown, "deliveries of messages never published");
  count(r.corrupted, "deliveries whose body differs from the payload");
  if (!node_stopped) p.push_back("rabbitmq-server did not stop on rabbitmqctl stop within 60 s");
  return p;
}

std::string report_line(RabbitLoadResult& r, double rate, bool ok) {
  const double secs = std::max(1e-9, static_cast<double>(r.window_end - r.window_start) / 1e9);
  auto per_s = [&](uint64_t n) { return fixed(static_cast<double>(n) / secs, 1); };
  auto pct = [&](double cpu) { return cpu < 0 ? std::string("na") : fixed(100 * cpu / secs, 1); };
  std::string l = "baseline rabbitmq rate=" + fixed(rate, 0);
  l += " offered/s=" + (rate > 0 ? fixed(rate, 0) : "max");
  l += " sent/s=" + per_s(r.window_sent) + " delivered/s=" + per_s(r.window_consumed);
  if (rate > 0)
    l += static_cast<double>(r.window_sent) >= 0.97 * rate * secs ? " kept_up=yes" : " kept_up=no";
  l += " p50_ms=" + fixed(percentile_ms(r.e2e_ns, 50), 1);
  l += " p95_ms=" + fixed(percentile_ms(r.e2e_ns, 95), 1);
  l += " p99_ms=" + fixed(percentile_ms(r.e2e_ns, 99), 1);
  l += " confirm_p50_ms=" + fixed(percentile_ms(r.confirm_ns, 50), 1);
  l += " confirm_p99_ms=" + fixed(percentile_ms(r.confirm_ns, 99), 1);
  l += " broker_cpu%=" + pct(r.broker_cpu_seconds);
  l += " broker_rss_peak_mb=" +
       (r.broker_rss_peak_kb < 0 ? "na" : fixed(static_cast<double>(r.broker_rss_peak_kb) / 1024, 1));
  l += " gen_cpu%=" + pct(r.gen_cpu_seconds);
  l += " window_s=" + fixed(secs, 1);
  l += " sent=" + std::to_string(r.sent) + " confirmed=" + std::to_string(r.confirmed);
  l += " consumed=" + std::to_string(r.consumed) + " nacked=" + std::to_string(r.nacked);
  l += " returned=" + std::to_string(r.returned) + " redelivered=" + std::to_string(r.redelivered);
  l += " duplicates=" + std::to_string(r.duplicates) + " lost=" + std::to_string(r.lost);
  l += ok ? " result=ok" : " result=FAIL";
  return l;
}

// One run (a fresh node unless --host); prints its line. Returns false if it does not count.
bool run_once(const Options& o, const std::string& payload, double rate, int n) {
  const std::string name =
      "run-" + std::to_string(n) + "-rate-" + (rate > 0 ? std::to_string(static_cast<long>(rate)) : "max");
  const fs::path dir = fs::path(o.work) / name;
  std::unique_ptr<RabbitNode> node;
  RabbitLoadSpec spec;
  if (o.host.empty()) {
    fs::remove_all(dir);
    auto started = RabbitNode::start(
        {o.bin_dir, dir, "docaxis-bench-" + std::to_string(getpid()) + "-" + std::to_string(n) + "@localhost"});
    if (!started) {
      std::fprintf(stderr, "rabbit_bench: %s\n", started.status().to_string().c_str());
      return false;
    }
    node = std::move(*started);
    spec.broker.port = node->port();
  } else {
    spec.broker.host = o.host;
    spec.broker.port = o.port;
  }
  spec.broker.user = o.user;
  spec.broker.password = o.password;
  spec.broker.vhost = o.vhost;
  for (int m = 0; m < o.consumers; ++m)
    spec.queues.push_back("docaxis-bench-" + std::to_string(getpid()) + "-" + std::to_string(n) +
                          "-q" + std::to_string(m));
  auto setup = rabbit_bridge::RabbitConnection::open(spec.broker);
  Status st = setup ? Status() : setup.status();
  for (const auto& q : spec.queues)
    if (st.ok()) st = (*setup)->declare_queue(q, /*durable=*/true);
  if (!st.ok()) {
    std::fprintf(stderr, "rabbit_bench: %s: declaring the queues: %s\n", name.c_str(),
                 st.to_string().c_str());
    return false;
  }
  spec.producers = o.producers;
  spec.rate = rate;
  spec.warmup_seconds = o.warmup;
  spec.window_seconds = o.seconds;
  spec.drain_timeout_seconds = o.drain_timeout;
  spec.window = o.window;
  spec.prefetch = o.prefetch;
  spec.ack_every = o.ack_every;
  spec.payload = &payload;
  spec.interrupted = &g_interrupted;
  RabbitLoadResult r = run_load(
      spec, [&] { return node ? node->cpu_seconds() : -1.0; },
      [&] { return node ? node->rss_kb() : -1L; });
  for (const auto& q : spec.queues) (void)(*setup)->delete_queue(q);  // leave the broker as found
  setup->reset();
  const bool stopped = node ? node->stop() : true;
  const auto p = problems(r, stopped);
  std::printf("%s\n", report_line(r, rate, p.empty()).c_str());
  std::fflush(stdout);
  for (const auto& why : p) std::fprintf(stderr, "rabbit_bench: %s: %s\n", name.c_str(), why.c_str());
  if (!p.empty() && node)
    std::fprintf(stderr, "rabbit_bench: %s: the node's data and logs are kept in %s\n",
                 name.c_str(), dir.c_str());
  if (!o.keep_data && p.empty() && node) fs::remove_all(dir);
  return p.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string rates = "1000,0";
  CLI::App app{"rabbit_bench: the RabbitMQ baseline of hub_bench (persistent, confirms, acks)"};
  app.add_option("--producers", o.producers, "producers, one connection each")
      ->check(CLI::Range(1, 32))->capture_default_str();
  app.add_option("--consumers", o.consumers, "consumers, one connection and one queue each")
      ->check(CLI::Range(1, 32))->capture_default_str();
  app.add_option("--rate", rates, "offered messages/s, all producers; 0 = saturation; a list runs each")
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "measured window per run, s")->capture_default_str();
  app.add_option("--warmup", o.warmup, "warm-up before the window, s")->capture_default_str();
  app.add_option("--window", o.window, "messages published and not yet consumed, per producer (cap)")
      ->check(CLI::Range(1u, 100000u))->capture_default_str();
  app.add_option("--drain-timeout", o.drain_timeout, "wait for confirms and consumption after the window, s")
      ->capture_default_str();
  app.add_option("--prefetch", o.prefetch, "basic.qos prefetch count per consumer")
      ->check(CLI::Range(1, 65535))->capture_default_str();
  app.add_option("--ack-every", o.ack_every,
                 "1: basic.ack each delivery; n > 1: one basic.ack multiple per n deliveries")
      ->check(CLI::Range(1, 65535))->capture_default_str();
  app.add_option("--payload", o.payload_file,
                 "message body: e.g. a package from hub_bench --write-package (default: 12,800 "
                 "generated bytes)");
  app.add_option("--host", o.host, "use this broker instead of starting a node (plain AMQP)");
  app.add_option("--port", o.port, "its port")->capture_default_str();
  app.add_option("--user", o.user, "its user")->capture_default_str();
  app.add_option("--password", o.password, "its password");
  app.add_option("--vhost", o.vhost, "its virtual host")->capture_default_str();
  app.add_option("--rabbitmq-bin", o.bin_dir, "folder of rabbitmq-server and rabbitmqctl")
      ->capture_default_str();
  app.add_option("--work", o.work, "folder for the nodes' data (default /tmp/docaxis-rabbit-bench-PID)");
  app.add_flag("--keep-data", o.keep_data, "keep each run's node folder");
  try {
    app.parse(argc, argv);
    o.rates.clear();
    std::stringstream list(rates);
    for (std::string r; std::getline(list, r, ',');) o.rates.push_back(std::stod(r));
    if (o.rates.empty() || std::any_of(o.rates.begin(), o.rates.end(), [](double r) { return r < 0; }))
      throw CLI::ValidationError("--rate", "a list of rates >= 0");
    if (o.seconds <= 0 || o.warmup < 0 || o.drain_timeout <= 0)
      throw CLI::ValidationError("--seconds", "times must be positive");
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  } catch (const std::invalid_argument&) {
    std::fprintf(stderr, "rabbit_bench: --rate: not a number list: %s\n", rates.c_str());
    return 2;
  }
  std::string payload = generated_payload();
  if (!o.payload_file.empty()) {
    std::ifstream in(o.payload_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    payload = ss.str();
    if (!in || payload.empty()) {
      std::fprintf(stderr, "rabbit_bench: cannot read --payload %s\n", o.payload_file.c_str());
      return 2;
    }
  }
  if (o.work.empty())
    o.work = (fs::temp_directory_path() / ("docaxis-rabbit-bench-" + std::to_string(getpid()))).string();
  o.work = fs::absolute(o.work).string();
  if (o.host.empty() && access((o.bin_dir + "/rabbitmq-server").c_str(), X_OK) != 0) {
    std::fprintf(stderr, "rabbit_bench: no %s/rabbitmq-server (scripts/install-deps.sh installs it)\n",
                 o.bin_dir.c_str());
    return 2;
  }
  signal(SIGINT, on_signal);  // the run in progress fails and its node is stopped
  signal(SIGTERM, on_signal);

  std::printf("rabbit_bench: %s, AMQP 0-9-1 over plain TCP (no TLS), rabbitmq-c through "
              "RabbitConnection\n",
              o.host.empty() ? ("a fresh rabbitmq-server node per run on 127.0.0.1, data in " + o.work).c_str()
                             : ("the broker at " + o.host + ":" + std::to_string(o.port)).c_str());
  std::printf("clients: %d producers -> %d durable classic queues -> %d consumers; one connection "
              "each; producer p's j-th message to queue (p + j) mod %d\n",
              o.producers, o.consumers, o.consumers, o.consumers);
  std::printf("messages: %zu bytes (%s), persistent (delivery_mode 2), mandatory; publisher "
              "confirms, pipelined; consumer %s, prefetch %d\n",
              payload.size(), o.payload_file.empty() ? "generated" : o.payload_file.c_str(),
              o.ack_every == 1 ? "acks each delivery" : ("acks multiple every " + std::to_string(o.ack_every)).c_str(),
              o.prefetch);
  std::printf("runs: warm-up %.0f s, window %.0f s, drain timeout %.0f s, window %u messages/producer "
              "end to end\n",
              o.warmup, o.seconds, o.drain_timeout, o.window);
  std::fflush(stdout);

  bool ok = true;
  for (std::size_t i = 0; i < o.rates.size() && !g_interrupted; ++i)
    ok = run_once(o, payload, o.rates[i], static_cast<int>(i + 1)) && ok;
  if (o.host.empty() && !o.keep_data && ok) fs::remove_all(o.work);
  return ok && !g_interrupted ? 0 : 1;
}
