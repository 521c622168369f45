// hub_bench: the load generator and what it records. One run drives one hub:
//
//   connect   one AMQP connection per agency, mutual TLS as that organ (SASL EXTERNAL):
//             a sending agency has a sender link to `edoc` and a receiver link on its own
//             inbox (the hub's delivery receipts); a receiving agency has a receiver link on
//             inbox/<organ>. Every link is open before the first package is sent, so no
//             delivery waits for an inbox to attach.
//   warm-up   packages flow; nothing is measured.
//   window    the measured interval (steady state).
//   drain     no new packages; waits until every package sent has its outcome, every
//             accepted one reached its recipient and its receipt reached the sender.
//
// Pacing: rate > 0 is an offered load, shared equally by the senders: each sender sends the
// packages that are due on its own schedule (a 1 ms tick in its connection's context), and
// catches up when it fell behind. rate = 0 is saturation: each sender keeps `window` packages
// in flight end to end. In both modes `window` caps, per sender, the packages sent and not
// yet received by their recipient. Windowing on end-to-end progress rather than on the hub's
// `accepted` keeps the hub's spool backlog (and with it latency and the drain time) bounded
// when delivery is slower than ingest; a sender held back by it cannot keep to the offered
// rate, which the report shows (sent/s below offered/s).
//
// A package `released` by the hub (transient) is sent again 20 ms later; latency still counts
// from its first send. Latency is recipient-receive time minus send time, both taken in this
// process with steady_clock.
//
// Receipts: after the run (so it costs the measured window nothing), every receipt's hub
// signature is verified against the test PKI (CRLs included) and its signer must be the
// expected hub's certificate; the receipt must name that hub as issuer and list exactly the
// expected hubs as its hops.
//
// Two hops: the senders connect to `port`, the recipients to `recipient_port`.
//
// Threads: run_load() runs every Proton callback on the calling thread (one container thread);
// `hub_cpu_seconds` is called from it at the window's edges.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hub_bench_packages.hpp"

namespace docaxis::bench {

struct LoadSpec {
  int port = 0;                                     // the senders' hub
  int recipient_port = 0;                           // the recipients' hub; 0 = port
  std::string receipt_issuer = "h30";               // the hub that signs the receipts
  std::vector<std::string> receipt_hops = {"h30"};  // hubs every receipt lists, in order
  std::string pki;
  std::vector<std::string> senders, recipients;  // organ ids (as in the pool)
  double rate = 0;                               // packages/s, all senders; 0 = saturation
  double warmup_seconds = 5, window_seconds = 20, drain_timeout_seconds = 120;
  uint32_t window = 100;            // per sender, sent and not yet received
  uint32_t recipient_credit = 500;  // credit window of each inbox link
};

struct PackageTimes {  // steady_clock ns since the run started; -1 = never
  int64_t sent = -1, accepted = -1, delivered = -1, receipt = -1;
  uint32_t attempts = 0;
};

struct LoadResult {
  std::vector<PackageTimes> times;  // by package_index()
  int64_t window_start = 0, window_end = 0;
  std::vector<double> hub_cpu_seconds;  // per hub, utime+stime during the window (-1 unknown)
  double gen_cpu_seconds = 0;   // this process, during the window
  bool drained = false;         // the drain finished before its timeout
  bool pool_exhausted = false;  // a sender ran out of pre-signed packages before the window ended
  // Counters over the whole run (packages, not attempts, unless stated).
  uint64_t sent = 0, accepted = 0, rejected = 0, delivered = 0, receipts = 0;
  uint64_t released = 0;  // `released` outcomes (attempts)
  uint64_t duplicate_deliveries = 0, duplicate_receipts = 0;
  uint64_t misrouted = 0;     // a package at the wrong inbox, or a receipt for another sender
  uint64_t corrupted = 0;     // delivered bytes differ from the bytes sent
  uint64_t bad_receipts = 0;  // receipt outcome other than "delivered", or unreadable
  uint64_t receipts_verified = 0;    // first receipts whose signature, signer and hops checked out
  uint64_t unverified_receipts = 0;  // signature invalid, wrong signer, issuer or hops
  std::string first_unverified;      // why, for the first of those
  uint64_t unexpected = 0;    // unknown document id or message type
  std::map<std::string, uint64_t> rejections;         // condition -> count
  std::map<std::string, std::string> rejection_text;  // condition -> its first description
  std::vector<std::string> errors;  // connection, link and transport errors (fatal)
};

// Runs the phases above against the hub(s) at 127.0.0.1:port (and recipient_port) and returns
// what happened.
LoadResult run_load(const LoadSpec& spec, const Pool& pool,
                    const std::function<std::vector<double>()>& hub_cpu_seconds);

}  // namespace docaxis::bench
