// rabbit_bench: the load on one RabbitMQ broker, in the shape of hub_bench_load.hpp so the two
// lines compare. P producers and M consumers, one AMQP 0-9-1 connection (and channel) each,
// each on its own thread, through the bridge's RabbitConnection (rabbitmq-c):
//
//   producer p  confirm.select, then publishes the payload to the default exchange with
//               routing key queues[(p + j) mod M] for its j-th message: persistent
//               (delivery_mode 2), mandatory, string headers p, j and t (send time, steady
//               clock ns of this process). Publishes are pipelined: confirms (basic.ack,
//               single or multiple) are read between publishes, never waited for one by one.
//   consumer m  basic.qos prefetch, basic.consume on queues[m] (durable classic queue, one per
//               consumer), checks the body against the payload, acks every `ack_every`
//               deliveries with multiple=true (1: each delivery on its own), and flushes a
//               partial batch as soon as the channel is idle.
//
// Phases (the conductor, on the calling thread, on a 10 ms tick): connect (every connection
// open, every consumer subscribed) → warm-up → measured window → drain (no new publishes;
// waits until every publish has its confirm and every message was consumed) → close.
//
// Pacing as in hub_bench: rate > 0 is shared equally by the producers, each sending what is
// due on its schedule and catching up when behind; rate = 0 is saturation. In both modes
// `window` caps, per producer, the messages published and not yet consumed (end to end, not
// just unconfirmed), so at saturation it is the closed loop that keeps W messages per producer
// in flight.
//
// Threads: run_load() blocks; it starts and joins P + M threads. `broker_cpu_seconds` and
// `broker_rss_kb` are called from the calling thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rabbit-bridge/rabbit_connection.hpp"

namespace docaxis::bench {

struct RabbitLoadSpec {
  rabbit_bridge::RabbitOptions broker;
  std::vector<std::string> queues;  // one per consumer; declared before run_load()
  int producers = 3;
  double rate = 0;  // messages/s, all producers; 0 = saturation
  double warmup_seconds = 5, window_seconds = 20, drain_timeout_seconds = 120;
  uint32_t window = 100;  // per producer, published and not yet consumed
  int prefetch = 500;     // basic.qos per consumer (hub_bench's inbox credit window)
  int ack_every = 1;      // 1: ack each delivery; n > 1: basic.ack multiple every n
  const std::string* payload = nullptr;
  const std::atomic<bool>* interrupted = nullptr;  // set (e.g. by SIGINT): the run fails
};

struct RabbitLoadResult {
  int64_t window_start = 0, window_end = 0;  // ns since the run started
  double broker_cpu_seconds = -1;            // during the window; -1 unknown
  double gen_cpu_seconds = 0;                // this process, during the window
  long broker_rss_peak_kb = -1;              // sampled every 100 ms, whole run
  bool drained = false;
  // Measured window (as hub_bench_report.hpp): messages published inside it, messages first
  // consumed inside it, and latencies (ns) of the messages published inside it.
  uint64_t window_sent = 0, window_consumed = 0;
  std::vector<int64_t> e2e_ns, confirm_ns;
  // Whole run.
  uint64_t sent = 0, confirmed = 0, nacked = 0, returned = 0;
  uint64_t consumed = 0;     // deliveries, duplicates included
  uint64_t redelivered = 0;  // deliveries flagged redelivered by the broker
  uint64_t duplicates = 0;   // deliveries of a message already consumed
  uint64_t lost = 0;         // confirmed and never consumed
  uint64_t unknown = 0;      // deliveries without valid p/j headers, or never published
  uint64_t corrupted = 0;    // body differs from the payload
  std::vector<std::string> errors;  // connection and channel errors (fatal)
};

RabbitLoadResult run_load(const RabbitLoadSpec& spec,
                          const std::function<double()>& broker_cpu_seconds,
                          const std::function<long()>& broker_rss_kb);

}  // namespace docaxis::bench
