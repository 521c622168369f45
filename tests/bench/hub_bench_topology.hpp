// hub_bench: the hubs a run goes through, started and stopped as one set.
//
//   one-hub   h30 alone: it serves the senders and the recipients, and signs the receipts.
//   two-hop   province -> national -> ministry: the demo federation of
//             tests/support/federation-topology.json (docaxis::test_federation: the same hubs,
//             peers, routes and authoritative suffixes as scripts/demo.sh and
//             tests/integration/federation_test.cpp), with peers checked by certificate subject.
//             Each organ of the run is an endpoint of the hub serving it there: the senders
//             (province organs, *.H30) on h30, the recipients (000.00.01.G12, 000.00.04.G14) on
//             g12; national serves none of them and relays. A package goes h30 -> national ->
//             g12 -> recipient; g12 signs its receipt, which goes back g12 -> national -> h30 ->
//             sender. Listener ports are picked free on 127.0.0.1 just before the hubs start
//             (the peers' URLs need them); the set is ready when every peer link is connected
//             (each hub's event=peer-connected), so no package of the run waits for a link.
//
// Each hub is a HubProcess (hub_bench_process.hpp) with its own folder <dir>/<hub name> in
// two-hop (<dir> itself in one-hub, as before); the caller's --hub-toml goes to every hub.
// Threads: one owner; cpu_seconds() and peak_rss_kb() may be called from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "federation.hpp"
#include "hub_bench_process.hpp"

namespace docaxis::bench {

enum class Topology { kOneHub, kTwoHop };

// "one-hub" | "two-hop"; nullopt for anything else.
std::optional<Topology> parse_topology(std::string_view name);
const char* topology_name(Topology t);
// May `organ` receive in this topology? (Senders: the first three RSA organs, all *.H30.) In
// two-hop: when the federation's last hub (g12) serves it.
bool receives_in(Topology t, std::string_view organ);

using test::hub_subject;  // the test PKI's subject of a hub certificate

class HubSet {
 public:
  // `base` holds what every hub shares (binary, PKI, folder, --hub-toml, fsync); its organs,
  // name and port are ignored. Errors: unavailable (a hub did not start, or the peer links
  // were not all up within 30 s; the message holds the end of the logs).
  static Result<std::unique_ptr<HubSet>> start(Topology t, const HubSpec& base,
                                               const std::vector<std::string>& senders,
                                               const std::vector<std::string>& recipients);

  int sender_port() const;     // where the senders connect (h30)
  int recipient_port() const;  // where the recipients connect (h30 or g12)
  // The hub that signs the receipts, and the hubs a package crosses, in order.
  const std::string& receipt_issuer() const { return path_.back(); }
  const std::vector<std::string>& path() const { return path_; }
  // Per hub, in path() order: utime+stime in s (-1 unknown), VmHWM in KB (-1 unknown).
  std::vector<double> cpu_seconds() const;
  std::vector<long> peak_rss_kb() const;
  // Stops every hub (SIGTERM; HubProcess::stop), the last one first. Returns the first
  // non-zero exit code (or -signal), 0 when all exited cleanly.
  int stop();
  // The end of each hub's log, one labelled block per hub.
  std::string log_tail() const;

 private:
  HubSet() = default;
  std::vector<std::string> path_;
  std::vector<std::unique_ptr<HubProcess>> hubs_;  // path() order
};

}  // namespace docaxis::bench
