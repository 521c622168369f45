// vxp_bench: closed-loop HTTP clients and their figures. `threads` client threads each make
// requests back to back (each request a new TCP connection, as the SDK does: the caller's
// `request` function uses test::vxp::send_raw / SdkClient), for a warm-up and then a measured
// window; latency is the request function's wall time (connect, TLS, request, answer, close),
// steady_clock, in the client thread. Nothing is asserted: figures are returned.
//
// Threads: run_clients() starts the threads and joins them; `request` is called concurrently
// from all of them with the thread's index and its own random generator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace docaxis::bench {

// What one request ended as: its class ("ok", "empty", "items", ...; the figures are per
// class) or a failure (class "error:<why>", counted, not timed).
using RequestFn = std::function<std::string(unsigned thread, std::mt19937_64& rng)>;

struct ClassFigures {
  uint64_t count = 0;                // inside the window
  std::vector<double> latencies_ms;  // inside the window
};

struct ClientRun {
  double window_s = 0;
  std::map<std::string, ClassFigures> by_class;  // inside the window
  std::map<std::string, uint64_t> errors;        // whole run (warm-up included)
  std::string first_error;
  double cpu_s = 0;  // this process's CPU during the window (the clients share the machine)
};

// A request function returning "stop" ends its thread (e.g. a pool of packages used up).
ClientRun run_clients(unsigned threads, double warmup_s, double window_s, const RequestFn& request);

double percentile(std::vector<double> v, double p);  // nearest rank; -1 when empty
double median(std::vector<double> v);                // -1 when empty

}  // namespace docaxis::bench
