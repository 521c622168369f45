#include "hub_bench_topology.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>
#include <utility>

#include "bench_support.hpp"

namespace docaxis::bench {
namespace fs = std::filesystem;
namespace {

// The federation of the two-hop topology (see the header).
struct Peer {
  std::string name;
  std::vector<std::string> relay_for;  // organ suffixes it may inject, or "*"
};
struct HubPlan {
  std::string name;
  std::vector<std::string> organs;
  std::vector<Peer> peers;
  std::vector<std::pair<std::string, std::string>> routes;  // suffix -> peer
  std::vector<std::string> authoritative_for;
};

const std::vector<std::string> kMinistryOrgans = {"000.00.01.G12", "000.00.04.G14"};

bool contains(const std::vector<std::string>& v, std::string_view x) {
  for (const auto& s : v)
    if (s == x) return true;
  return false;
}

std::string toml_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
  return s + "]";
}

std::string federation_toml(const HubPlan& h, const std::map<std::string, int>& ports) {
  std::ostringstream c;
  c << "[routing]\nauthoritative_for = " << toml_list(h.authoritative_for) << "\n";
  for (const auto& p : h.peers) {
    c << "[[peers]]\nname = \"" << p.name << "\"\nurl = \"amqps://127.0.0.1:" << ports.at(p.name)
      << "\"\ncert_subject = \"" << hub_subject(p.name)
      << "\"\nrelay_for = " << toml_list(p.relay_for) << "\n";
  }
  for (const auto& [suffix, peer] : h.routes)
    c << "[[routes]]\nsuffix = \"" << suffix << "\"\nto = \"" << peer << "\"\n";
  return c.str();
}

std::vector<HubPlan> two_hop_plan(const std::vector<std::string>& senders,
                                  const std::vector<std::string>& recipients) {
  return {
      {"h30",
       senders,
       {{"national", {"*"}}},
       {{".G12", "national"}, {".G14", "national"}},
       {".H30"}},
      {"national",
       {},
       {{"h30", {".H30"}}, {"g12", {".G12", ".G14"}}},
       {{".H30", "h30"}, {".G12", "g12"}, {".G14", "g12"}},
       {".G22"}},
      {"g12", recipients, {{"national", {"*"}}}, {{".H30", "national"}}, {".G12", ".G14"}},
  };
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

std::optional<Topology> parse_topology(std::string_view name) {
  if (name == "one-hub") return Topology::kOneHub;
  if (name == "two-hop") return Topology::kTwoHop;
  return std::nullopt;
}

const char* topology_name(Topology t) { return t == Topology::kTwoHop ? "two-hop" : "one-hub"; }

bool receives_in(Topology t, std::string_view organ) {
  return t == Topology::kOneHub || contains(kMinistryOrgans, organ);
}

std::string hub_subject(const std::string& hub) {
  return "CN=docaxis hub " + hub + ",O=docaxis test PKI,C=VN";
}

Result<std::unique_ptr<HubSet>> HubSet::start(Topology t, const HubSpec& base,
                                              const std::vector<std::string>& senders,
                                              const std::vector<std::string>& recipients) {
  std::unique_ptr<HubSet> set(new HubSet());
  if (t == Topology::kOneHub) {
    HubSpec spec = base;
    spec.organs = senders;
    spec.organs.insert(spec.organs.end(), recipients.begin(), recipients.end());
    auto hub = HubProcess::start(spec);
    if (!hub) return hub.status();
    set->path_ = {spec.name};
    set->hubs_.push_back(std::move(hub).value());
    return set;
  }

  const std::vector<HubPlan> plan = two_hop_plan(senders, recipients);
  std::map<std::string, int> ports;
  for (const auto& h : plan) {
    ports[h.name] = free_loopback_port();
    if (ports[h.name] == 0) return Status("unavailable", "no free port on 127.0.0.1");
  }
  for (const auto& h : plan) {
    HubSpec spec = base;
    spec.name = h.name;
    spec.port = ports[h.name];
    spec.dir = base.dir / h.name;
    spec.organs = h.organs;
    spec.extra_toml = federation_toml(h, ports) + base.extra_toml;
    auto hub = HubProcess::start(spec);
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
  // (hub/amqp/README.md: "docaxis-hub NAME: peer P: connected (SUBJECT)").
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    bool all = true;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const std::string log = set->hubs_[i]->log_tail(1 << 20);
      for (const auto& p : plan[i].peers)
        all = all && count(log, "peer " + p.name + ": connected (") > 0;
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
    const int code = (*it)->stop();
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
