#include "vxp_bench_phases.hpp"

#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <thread>

#include "bench_support.hpp"
#include "hub_bench_load.hpp"
#include "vxp_bench_fill.hpp"
#include "vxp_client.hpp"

namespace docaxis::bench {
namespace fs = std::filesystem;
namespace vxp = test::vxp;
namespace {

const std::string kPrefix = "/XrdAdapter/adapter";

Status write_secret(const fs::path& file, const std::string& secret) {
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << secret << "\n";
    if (!out) return Status("unavailable", file.string() + ": cannot write");
  }
  if (::chmod(file.c_str(), 0600) != 0) return Status("unavailable", file.string() + ": chmod");
  return {};
}

std::string vxp_toml(bool https) {
  return std::string("[vxp]\nenabled = true\nhost = \"127.0.0.1\"\nport = 0\nplain_http = ") +
         (https ? "false" : "true") + "\npath_prefix = \"" + kPrefix + "\"\n";
}

// <data>/vxp.port, written by the hub once the API listens (polled: up to 60 s).
Result<int> vxp_port(const HubProcess& hub) {
  const fs::path file = hub.data_dir() / "vxp.port";
  for (int i = 0; i < 6000; ++i) {
    const std::string text = slurp(file);
    if (!text.empty() && text.back() == '\n') return std::stoi(text);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status("unavailable", "no vxp.port: " + hub.log_tail());
}

vxp::Endpoint endpoint(const VxpSetup& setup, int port, bool https) {
  vxp::Endpoint e;
  e.port = static_cast<std::uint16_t>(port);
  e.path_prefix = kPrefix;
  e.https = https;
  if (https) e.ca_file = setup.pki + "/trust-anchors.pem";
  return e;
}

std::string secret_of(const std::string& system) { return "vxp-bench-secret/" + system + "/0123456789"; }

std::string failure_class(const Result<vxp::Response>& r) {
  if (!r) return "error:" + r.status().code() + " " + r.status().message();
  return "error:http-" + std::to_string(r->status) + " " + r->field("ErrorDesc");
}

// write_bytes of /proc/<pid>/io; -1 when unreadable.
double written_bytes(pid_t pid) {
  const std::string io = slurp("/proc/" + std::to_string(pid) + "/io");
  const auto at = io.find("\nwrite_bytes: ");
  return at == std::string::npos ? -1 : std::stod(io.substr(at + 14));
}

double per_package_kb(double before, double after, std::size_t packages) {
  if (before < 0 || after < 0 || packages == 0) return -1;
  return (after - before) / 1024.0 / static_cast<double>(packages);
}

}  // namespace

const char* send_mode_name(SendMode m) {
  switch (m) {
    case SendMode::kHttp: return "http";
    case SendMode::kHttpsFull: return "https";
    case SendMode::kHttpsResumed: return "https-resumed";
  }
  return "?";
}

Result<SendRound> send_round(const VxpSetup& setup, const Pool& pool,
                             const std::vector<std::string>& senders,
                             const std::vector<std::string>& recipients, SendMode mode,
                             const fs::path& dir) {
  const bool https = mode != SendMode::kHttp;
  std::error_code ec;
  fs::create_directories(dir / "secrets", ec);
  std::string extra = vxp_toml(https);
  for (const auto& s : senders) {
    const fs::path file = dir / "secrets" / (s + ".secret");
    if (Status st = write_secret(file, secret_of(s)); !st.ok()) return st;
    extra += "[[vxp.systems]]\nid = \"" + s + "\"\nsecret_file = \"" + file.string() + "\"\n";
  }
  for (const auto& s : senders)
    extra += "[[endpoints]]\norgan = \"" + s + "\"\nvxp_system = \"" + s + "\"\n";
  HubSpec hs;
  hs.binary = setup.hub_binary;
  hs.pki = setup.pki;
  hs.dir = dir;
  hs.organs = recipients;
  hs.extra_toml = extra;
  auto hub = start_hub(hs);
  if (!hub) return hub.status();
  auto port = vxp_port(**hub);
  if (!port) return port.status();
  const vxp::Endpoint ep = endpoint(setup, *port, https);

  const std::size_t S = senders.size(), total = S * pool.per_sender;
  std::atomic<std::size_t> next{0}, accepted{0}, resumed{0};
  std::atomic<bool> exhausted{false};
  std::vector<std::shared_ptr<vxp::TlsSessionCache>> sessions;  // one per sender (agency)
  if (mode == SendMode::kHttpsResumed)
    for (std::size_t s = 0; s < senders.size(); ++s)
      sessions.push_back(std::make_shared<vxp::TlsSessionCache>());
  const double cpu0 = (*hub)->cpu_seconds();
  const double written0 = written_bytes((*hub)->pid());
  SendRound round;
  round.run = run_clients(setup.threads, setup.warmup_s, setup.window_s,
                          [&](unsigned, std::mt19937_64&) -> std::string {
                            const std::size_t i = next++;
                            if (i >= total) {
                              exhausted = true;
                              return "stop";
                            }
                            const std::size_t s = i % S, j = i / S;
                            vxp::SdkClient client(ep, senders[s], secret_of(senders[s]));
                            if (!sessions.empty()) client.set_jdk_tls_sessions(sessions[s]);
                            auto r = client.send_edoc(pool.by_sender[s][j].bytes, "edoc", senders[s]);
                            if (r && r->ok()) {
                              ++accepted;
                              if (r->tls_resumed) ++resumed;
                              return "accepted";
                            }
                            return failure_class(r);
                          });
  const double cpu1 = (*hub)->cpu_seconds();
  round.hub.disk_kb_per_package = per_package_kb(written0, written_bytes((*hub)->pid()), accepted);
  round.hub.cpu_s = cpu0 < 0 || cpu1 < 0 ? -1 : cpu1 - cpu0;
  round.hub.rss_peak_kb = (*hub)->peak_rss_kb();
  round.pool_exhausted = exhausted;
  round.resumed_fraction =
      accepted == 0 ? 0 : static_cast<double>(resumed.load()) / static_cast<double>(accepted.load());
  const int code = (*hub)->terminate();
  if (code != 0) return Status("internal", "hub exit " + std::to_string(code) + ": " + (*hub)->log_tail());
  return round;
}

Result<AmqpRound> amqp_round(const VxpSetup& setup, const Pool& pool,
                             const std::vector<std::string>& senders,
                             const std::vector<std::string>& recipients, const fs::path& dir) {
  std::vector<std::string> organs = senders;
  organs.insert(organs.end(), recipients.begin(), recipients.end());
  HubSpec hs;
  hs.binary = setup.hub_binary;
  hs.pki = setup.pki;
  hs.dir = dir;
  hs.organs = organs;
  auto hub = start_hub(hs);
  if (!hub) return hub.status();
  LoadSpec spec;
  spec.port = (*hub)->port();
  spec.pki = setup.pki;
  spec.senders = senders;
  spec.recipients = recipients;
  spec.rate = 0;
  spec.warmup_seconds = setup.warmup_s;
  spec.window_seconds = setup.window_s;
  HubProcess* h = hub->get();
  const double cpu0 = h->cpu_seconds();
  const double written0 = written_bytes(h->pid());
  LoadResult r = run_load(spec, pool, [h] { return std::vector<double>{h->cpu_seconds()}; });
  const double written1 = written_bytes(h->pid());
  AmqpRound out;
  std::size_t all_accepted = 0;
  for (const auto& t : r.times) all_accepted += t.accepted >= 0 ? 1 : 0;
  // Also the deliveries' state changes and the signed receipts the AMQP hub stores.
  out.hub.disk_kb_per_package = per_package_kb(written0, written1, all_accepted);
  out.hub.cpu_s = h->cpu_seconds() - cpu0;  // the whole run, drain included
  out.hub.rss_peak_kb = h->peak_rss_kb();
  out.pool_exhausted = r.pool_exhausted;
  const double w = static_cast<double>(r.window_end - r.window_start) / 1e9;
  uint64_t accepted = 0, delivered = 0;
  std::vector<double> accept_ms;
  for (const auto& t : r.times) {
    if (t.accepted >= r.window_start && t.accepted < r.window_end) ++accepted;
    if (t.delivered >= r.window_start && t.delivered < r.window_end) ++delivered;
    if (t.sent >= r.window_start && t.sent < r.window_end && t.accepted >= 0)
      accept_ms.push_back(static_cast<double>(t.accepted - t.sent) / 1e6);
  }
  if (w > 0) {
    out.accepted_per_s = static_cast<double>(accepted) / w;
    out.delivered_per_s = static_cast<double>(delivered) / w;
  }
  out.accept_p50_ms = percentile(accept_ms, 50);
  out.accept_p99_ms = percentile(accept_ms, 99);
  for (const auto& e : r.errors) out.errors += (out.errors.empty() ? "" : "; ") + e;
  for (const auto& [code, n] : r.rejections)
    out.errors += (out.errors.empty() ? "" : "; ") + code + " x" + std::to_string(n);
  const int code = h->terminate();
  if (code != 0) return Status("internal", "hub exit " + std::to_string(code) + ": " + h->log_tail());
  return out;
}

Result<PollHub> start_poll_hub(const VxpSetup& setup, const std::vector<std::string>& organs,
                               const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir / "secrets", ec);
  PollHub out;
  out.organs = organs;
  std::string systems, endpoints;
  for (const auto& o : organs) {
    const fs::path file = dir / "secrets" / (o + ".secret");
    out.secrets.push_back(secret_of(o));
    if (Status st = write_secret(file, out.secrets.back()); !st.ok()) return st;
    systems += "[[vxp.systems]]\nid = \"" + o + "\"\nsecret_file = \"" + file.string() + "\"\n";
    endpoints += "[[endpoints]]\norgan = \"" + o + "\"\nvxp_system = \"" + o + "\"\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  HubSpec hs;
  hs.binary = setup.hub_binary;
  hs.pki = setup.pki;
  hs.dir = dir;
  hs.extra_toml = endpoints + vxp_toml(false) + systems;
  auto hub = start_hub(hs);
  if (!hub) return hub.status();
  auto port = vxp_port(**hub);
  if (!port) return port.status();
  out.start_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string status = slurp("/proc/" + std::to_string((*hub)->pid()) + "/status");
  if (const auto at = status.find("VmRSS:"); at != std::string::npos)
    out.rss_after_start_kb = std::stol(status.substr(at + 6));
  out.vxp_port = *port;
  out.hub = std::move(*hub);
  return out;
}

ClientRun poll_round(const VxpSetup& setup, const PollHub& hub) {
  const vxp::Endpoint ep = endpoint(setup, hub.vxp_port, false);
  return run_clients(setup.threads, setup.warmup_s, setup.window_s,
                     [&](unsigned, std::mt19937_64& rng) -> std::string {
                       const std::size_t k = rng() % hub.organs.size();
                       vxp::SdkClient client(ep, hub.organs[k], hub.secrets[k]);
                       auto r = client.get_received_edoc_list("edoc");
                       if (!r || !r->ok() || !r->json) return failure_class(r);
                       const auto data = r->json->find("data");
                       const std::size_t n =
                           data != r->json->end() && data->is_array() ? data->size() : 0;
                       if (n != waiting_for(k)) {
                         return "error:wrong-count " + hub.organs[k] + " listed " +
                                std::to_string(n) + ", expected " + std::to_string(waiting_for(k));
                       }
                       return n == 0 ? "empty" : "items";
                     });
}

}  // namespace docaxis::bench
