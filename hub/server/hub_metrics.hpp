// The hub's Prometheus metrics (`/metrics` of the operator endpoint): every module's counters,
// gauges and histograms read at scrape time and written as text by metrics::TextWriter. The
// names, types and labels are a public contract, listed in hub/metrics/README.md.
//
// Label cardinality stays bounded whatever the traffic: destinations are the configured peers
// and the inboxes with unfinished deliveries, at most `max_destinations` of them (the largest
// backlogs); the rest are summed under destination="_other". No document id, sender or
// subject from a message ever becomes a label.
//
// Threads: render() runs on the caller's thread (the operator endpoint's); it reads atomics,
// takes the modules' own locks briefly and runs two read queries on the store's read
// connections (unfinished deliveries by destination through the state index; the spool usage on
// the side reader).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "metrics/text.hpp"
#include "model/cert_info.hpp"

namespace docaxis {
namespace amqp { class AmqpServer; }
namespace audit { class AuditTrail; }
namespace delivery { class Dispatcher; }
namespace engine { class Ingest; class ReceiptIssuer; }
namespace http { class Server; }
namespace store { class HubStore; }
namespace crl { class CrlFetcher; }
}  // namespace docaxis

namespace docaxis::server {

struct MetricsSources {
  std::string hub_name;
  const engine::Ingest* ingest = nullptr;
  const delivery::Dispatcher* dispatcher = nullptr;
  const engine::ReceiptIssuer* receipts = nullptr;
  store::HubStore* store = nullptr;
  const audit::AuditTrail* audit = nullptr;
  const amqp::AmqpServer* amqp = nullptr;
  std::function<const http::Server*()> vxp_server;  // null or returning null: no HTTP API
  std::vector<std::string> peers;                   // configured peer hubs
  std::vector<std::pair<std::string, std::string>> volumes;  // label, path (free bytes)
  std::function<int64_t()> clock_ms;
  std::size_t max_destinations = 200;
  // More families, written after the hub's own (certificates, CRLs): each must write whole
  // families of its own names.
  std::vector<std::function<void(metrics::TextWriter&)>> extra;
};

// The whole exposition. Never throws; a source that fails (a store query) is left out and
// counted in docaxis_metrics_source_errors_total{source}.
std::string render_metrics(const MetricsSources& sources);

// The CRL fetcher's families (trust.crl_fetch): per source, the CRL's nextUpdate and the moment
// it stops being used (nextUpdate + grace) as timestamps, whether it is usable, the last
// successful fetch and the consecutive failures. Labels: the CA's subject and the URL(s), both
// from configuration and the trusted certificates (bounded).
// The certificate inventory's families: the expiry of each configured certificate (the hub's
// own, anchors, intermediates: labels role, subject, serial) and, for the certificates seen on
// connections (endpoint, peer; up to the inventory's bound), only the earliest expiry per role,
// so a client cannot grow the label set.
std::function<void(metrics::TextWriter&)> certificate_families(
    std::function<std::vector<model::CertInfo>()> snapshot);

std::function<void(metrics::TextWriter&)> crl_families(const crl::CrlFetcher& fetcher,
                                                       std::int64_t grace_seconds);

}  // namespace docaxis::server
