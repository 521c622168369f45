// vxp_bench: the two phases against real docaxis-hub processes (hub_bench_process.hpp: a fresh
// data folder per hub, the test PKI, [store] fsync = "full" unless stated).
//
// send_round(): one hub with [vxp] (plain HTTP or HTTPS with the hub's listener certificate,
//   verified by the client against the PKI's trust anchors), the senders' [[endpoints]] acting
//   for the API systems of the same names (one 0600 secret file each), the recipients as AMQP
//   endpoints that never attach (their deliveries wait: only ingest is measured). `threads`
//   clients send the pool's packages with test::vxp::SdkClient::send_edoc (a new TCP
//   connection per request, as the SDK), each package once; a class "accepted" per OK answer.
//   HTTPS in two modes: every request a full handshake (a client with a fresh TLS context per
//   request, as the SDK's Apache HttpClient path), or resumed as the SDK's sendEdoc path does
//   (HttpsURLConnection: the JDK's process-wide SSLContext and its session cache; here one
//   test::vxp::TlsSessionCache per sender, i.e. per agency process).
// amqp_round(): the same pool to the same kind of hub (no [vxp]) through hub_bench's own load
//   generator (run_load, linked in, not a child process) at saturation: AMQP senders under
//   mutual TLS with a window of 100 packages each, recipients attached and receipts on (the
//   hub also delivers, as in hub_bench); the figure is `accepted` per second in the window.
// poll phase: start_poll_hub() starts a hub on a store filled by fill_store() with one API
//   system per generated organ (secret files, [[endpoints]] vxp_system), measuring its start;
//   poll_round() polls getReceivedEdocList from `threads` clients, each request for a system
//   drawn uniformly at random, classed "empty" or "items" by the answer (an answer whose item
//   count is not the organ's waiting count is an error, counted).
//
// Threads: each function blocks; run_clients() runs the client threads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "hub_bench_packages.hpp"
#include "hub_bench_process.hpp"
#include "vxp_bench_load.hpp"

namespace docaxis::bench {

struct VxpSetup {
  std::string hub_binary, pki;
  unsigned threads = 12;
  double warmup_s = 2, window_s = 10;
};

struct HubFigures {
  double cpu_s = -1;      // the hub's utime+stime during the run (-1 unknown)
  long rss_peak_kb = -1;  // VmHWM at the end
  // Bytes the hub sent to storage during the run (/proc/<pid>/io write_bytes: WAL, checkpoint
  // copies, package segments, audit log) per package accepted in the run; -1 unknown.
  double disk_kb_per_package = -1;
};

enum class SendMode { kHttp, kHttpsFull, kHttpsResumed };
const char* send_mode_name(SendMode m);  // "http", "https", "https-resumed"

struct SendRound {
  ClientRun run;
  HubFigures hub;
  bool pool_exhausted = false;
  double resumed_fraction = 0;  // of the accepted requests, those whose TLS session resumed
};
Result<SendRound> send_round(const VxpSetup& setup, const Pool& pool,
                             const std::vector<std::string>& senders,
                             const std::vector<std::string>& recipients, SendMode mode,
                             const std::filesystem::path& dir);

struct AmqpRound {
  double accepted_per_s = 0, delivered_per_s = 0, accept_p50_ms = -1, accept_p99_ms = -1;
  HubFigures hub;
  bool pool_exhausted = false;
  std::string errors;  // connection/rejection problems ("" = none)
};
Result<AmqpRound> amqp_round(const VxpSetup& setup, const Pool& pool,
                             const std::vector<std::string>& senders,
                             const std::vector<std::string>& recipients,
                             const std::filesystem::path& dir);

struct PollHub {
  std::unique_ptr<HubProcess> hub;
  int vxp_port = 0;
  double start_s = 0;       // launch until the hub's port file (its open, config, listeners)
  long rss_after_start_kb = -1;
  std::vector<std::string> organs, secrets;
};
// `data_dir` must hold the filled spool.sqlite (dir/data).
Result<PollHub> start_poll_hub(const VxpSetup& setup, const std::vector<std::string>& organs,
                               const std::filesystem::path& dir);
ClientRun poll_round(const VxpSetup& setup, const PollHub& hub);

}  // namespace docaxis::bench
