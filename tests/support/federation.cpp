#include "federation.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "edxml/organ_id.hpp"

namespace docaxis::test {
namespace {

using nlohmann::json;

Status bad(const std::string& path, const std::string& what) {
  return Status("bad-topology", path + ": " + what);
}

// A string field (throws json::exception when absent or not a string: reported by load()).
std::string str(const json& j, const char* key) { return j.at(key).get<std::string>(); }
std::vector<std::string> strings(const json& j, const char* key) {
  return j.at(key).get<std::vector<std::string>>();
}

std::string toml_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
  return s + "]";
}

}  // namespace

Result<Federation> Federation::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return bad(path, "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  const json j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return bad(path, "not JSON");
  Federation f;
  try {
    for (const json& h : j.at("hubs")) {
      FederationHub hub;
      hub.name = str(h, "name");
      hub.description = h.value("description", "");
      hub.authoritative_for = strings(h, "authoritative_for");
      for (const json& p : h.at("peers"))
        hub.peers.push_back({str(p, "name"), strings(p, "relay_for")});
      for (const json& r : h.at("routes")) hub.routes.push_back({str(r, "suffix"), str(r, "to")});
      f.hubs.push_back(std::move(hub));
    }
    for (const json& o : j.at("organs")) {
      f.organs.push_back({str(o, "id"), str(o, "hub"), o.value("name", ""), o.value("label", "")});
    }
  } catch (const json::exception& e) {
    return bad(path, e.what());
  }
  for (const auto& h : f.hubs) {
    for (const auto& p : h.peers)
      if (f.hub(p.name) == nullptr) return bad(path, "hub " + h.name + ": unknown peer " + p.name);
    for (const auto& r : h.routes)
      if (f.hub(r.to) == nullptr)
        return bad(path, "hub " + h.name + ": route to unknown hub " + r.to);
  }
  for (const auto& o : f.organs) {
    if (!edxml::OrganId::parse(o.id).ok()) return bad(path, "organ " + o.id + ": not an OrganId");
    if (f.hub(o.hub) == nullptr) return bad(path, "organ " + o.id + ": unknown hub " + o.hub);
  }
  return f;
}

Result<Federation> Federation::standard() {
  const char* env = std::getenv("DOCAXIS_FEDERATION_TOPOLOGY");
  return load(env != nullptr && *env != '\0' ? env : DOCAXIS_FEDERATION_TOPOLOGY_FILE);
}

const FederationHub* Federation::hub(std::string_view name) const {
  for (const auto& h : hubs)
    if (h.name == name) return &h;
  return nullptr;
}

const FederationHub* Federation::hub_serving(std::string_view organ) const {
  for (const auto& o : organs)
    if (o.id == organ) return hub(o.hub);
  const auto id = edxml::OrganId::parse(organ);
  if (!id.ok()) return nullptr;
  for (const auto& h : hubs)
    for (const auto& suffix : h.authoritative_for)
      if (id->matches_suffix(suffix)) return &h;
  return nullptr;
}

std::vector<std::string> Federation::organs_of(std::string_view hub) const {
  std::vector<std::string> v;
  for (const auto& o : organs)
    if (o.hub == hub) v.push_back(o.id);
  return v;
}

std::string federation_toml(const FederationHub& hub, const std::map<std::string, int>& ports) {
  std::ostringstream c;
  c << "[routing]\nauthoritative_for = " << toml_list(hub.authoritative_for) << "\n";
  for (const auto& p : hub.peers) {
    c << "[[peers]]\nname = \"" << p.name << "\"\nurl = \"amqps://127.0.0.1:" << ports.at(p.name)
      << "\"\ncert_subject = \"" << hub_subject(p.name)
      << "\"\nrelay_for = " << toml_list(p.relay_for) << "\n";
  }
  for (const auto& r : hub.routes)
    c << "[[routes]]\nsuffix = \"" << r.suffix << "\"\nto = \"" << r.to << "\"\n";
  return c.str();
}

std::string hub_subject(const std::string& hub) {
  return "CN=docaxis hub " + hub + ",O=docaxis test PKI,C=VN";
}

}  // namespace docaxis::test
