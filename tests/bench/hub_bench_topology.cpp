#include "hub_bench_topology.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>
#include <utility>

#include "bench_support.hpp"

namespace docaxis::bench {
namespace fs = std::filesystem;
namespace {

// The two-hop federation (tests/support/federation-topology.json), read once.
const test::Federation* federation() {
  static const Result<test::Federation> f = test::Federation::standard();
  if (!f.ok()) {
    std::fprintf(stderr, "hub_bench: %s\n", f.status().to_string().c_str());
    return nullptr;
  }
  return &*f;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool served_by(std::string_view organ, const test::FederationHub& hub) {
  const test::Federation* f = federation();
  const test::FederationHub* h = f != nullptr ? f->hub_serving(organ) : nullptr;
  return h != nullptr && h->name == hub.name;
}

}  // namespace

std::optional<Topology> parse_topology(std::string_view name) {
  if (name == "one-hub") return Topology::kOneHub;
  if (name == "two-hop") return Topology::kTwoHop;
  return std::nullopt;
}

const char* topology_name(Topology t) { return t == Topology::kTwoHop ? "two-hop" : "one-hub"; }

bool receives_in(Topology t, std::string_view organ) {
  if (t == Topology::kOneHub) return true;
  const test::Federation* f = federation();
  return f != nullptr && !f->hubs.empty() && served_by(organ, f->hubs.back());
}

Result<std::unique_ptr<HubSet>> HubSet::start(Topology t, const HubSpec& base,
                                              const std::vector<std::string>& senders,
                                              const std::vector<std::string>& recipients) {
  std::unique_ptr<HubSet> set(new HubSet());
  if (t == Topology::kOneHub) {
    HubSpec spec = base;
    spec.organs = senders;
    spec.organs.insert(spec.organs.end(), recipients.begin(), recipients.end());
    auto hub = start_hub(spec);
    if (!hub) return hub.status();
    set->path_ = {spec.name};
    set->hubs_.push_back(std::move(hub).value());
    return set;
  }

  const test::Federation* f = federation();
  if (f == nullptr || f->hubs.size() < 2)
    return Status("unavailable", "no two-hop federation (tests/support/federation-topology.json)");
  const std::vector<test::FederationHub>& plan = f->hubs;
  // The senders connect to the first hub, the recipients to the last (sender_port() and
  // recipient_port()): the topology must serve them there.
  for (const auto& organ : senders)
    if (!served_by(organ, plan.front()))
      return Status("unavailable",
                    "sender " + organ + " is not served by hub " + plan.front().name);
  for (const auto& organ : recipients)
    if (!served_by(organ, plan.back()))
      return Status("unavailable",
                    "recipient " + organ + " is not served by hub " + plan.back().name);
  std::map<std::string, int> ports;
  for (const auto& h : plan) {
    ports[h.name] = test::free_loopback_port();
    if (ports[h.name] == 0) return Status("unavailable", "no free port on 127.0.0.1");
  }
  for (const auto& h : plan) {
    HubSpec spec = base;
    spec.name = h.name;
    spec.port = ports[h.name];
    spec.dir = base.dir / h.name;
    spec.organs.clear();
    for (const auto& organ : senders)
      if (served_by(organ, h)) spec.organs.push_back(organ);
    for (const auto& organ : recipients)
      if (served_by(organ, h)) spec.organs.push_back(organ);
    spec.extra_toml = test::federation_toml(h, ports) + base.extra_toml;
    auto hub = start_hub(spec);
    if (!hub)
      return Status("unavailable",
                    "hub " + h.name + ": " + hub.status().to_string() + "\n" + set->log_tail());
    if ((*hub)->port() != spec.port)
      return Status("unavailable", "hub " + h.name + " listens on " +
                                       std::to_string((*hub)->port()) + ", not " +
                                       std::to_string(spec.port));
    set->path_.push_back(h.name);
    set->hubs_.push_back(std::move(hub).value());
  }
  // Ready when each hub's log says every one of its peer links connected
  // (hub/log/README.md: event=peer-connected peer=P).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    bool all = true;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const std::string log = set->hubs_[i]->log_tail(1 << 20);
      for (const auto& p : plan[i].peers)
        all = all && count(log, " event=peer-connected peer=" + p.name + " ") > 0;
    }
    if (all) return set;
    if (std::chrono::steady_clock::now() > deadline)
      return Status("unavailable", "peer links not all connected within 30 s:\n" + set->log_tail());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int HubSet::sender_port() const { return hubs_.front()->port(); }
int HubSet::recipient_port() const { return hubs_.back()->port(); }

std::vector<double> HubSet::cpu_seconds() const {
  std::vector<double> v;
  for (const auto& h : hubs_) v.push_back(h->cpu_seconds());
  return v;
}

std::vector<long> HubSet::peak_rss_kb() const {
  std::vector<long> v;
  for (const auto& h : hubs_) v.push_back(h->peak_rss_kb());
  return v;
}

int HubSet::stop() {
  int first = 0;
  for (auto it = hubs_.rbegin(); it != hubs_.rend(); ++it) {
    const int code = (*it)->terminate();
    if (first == 0) first = code;
  }
  return first;
}

std::string HubSet::log_tail() const {
  if (hubs_.size() == 1) return hubs_.front()->log_tail();
  std::string out;
  for (std::size_t i = 0; i < hubs_.size(); ++i)
    out += "--- " + path_[i] + " ---\n" + hubs_[i]->log_tail() + "\n";
  return out;
}

}  // namespace docaxis::bench
