#include "routing/route_table.hpp"

#include <algorithm>

#include "config/rules.hpp"

namespace docaxis::routing {

Result<RouteTable> RouteTable::build(const config::HubConfig& config) {
  RouteTable t;
  t.hub_name_ = config.hub.name;
  for (const config::EndpointConfig& e : config.endpoints) {
    Result<edxml::OrganId> id = edxml::OrganId::parse(e.organ);
    if (!id.ok()) return Status("invalid-argument", "endpoint: " + id.status().message());
    t.local_.push_back(id.value());
  }
  std::sort(t.local_.begin(), t.local_.end());
  auto add = [&t](const std::string& suffix, const std::string& peer) -> Status {
    Result<std::string> s = config::normalize_suffix(suffix);
    if (!s.ok()) return Status("invalid-argument", s.status().message());
    for (const Rule& r : t.rules_) {
      if (r.suffix == s.value()) return {"invalid-argument", "suffix " + suffix + " used twice"};
    }
    t.rules_.push_back({s.value(), config::suffix_groups(s.value()), peer});
    return Status::ok_status();
  };
  for (const config::RouteConfig& r : config.routes) {
    if (r.to.empty()) return Status("invalid-argument", "route " + r.suffix + " has no peer");
    if (Status s = add(r.suffix, r.to); !s.ok()) return s;
  }
  for (const std::string& a : config.routing.authoritative_for) {
    if (Status s = add(a, ""); !s.ok()) return s;
  }
  std::stable_sort(t.rules_.begin(), t.rules_.end(),
                   [](const Rule& a, const Rule& b) { return a.groups > b.groups; });
  t.default_peer_ = config.routing.default_route;
  return t;
}

Result<NextHop> RouteTable::resolve(const edxml::OrganId& recipient) const {
  if (std::binary_search(local_.begin(), local_.end(), recipient)) {
    return NextHop{NextHop::Kind::local, "", "endpoint"};
  }
  for (const Rule& r : rules_) {  // longest first: the first match is the longest
    if (!recipient.matches_suffix(r.suffix)) continue;
    if (r.peer.empty()) {
      return Status("no-route", "no route to " + recipient.str() + ": hub " + hub_name_ +
                                    " is authoritative for ." + r.suffix +
                                    " and does not serve this organ");
    }
    return NextHop{NextHop::Kind::peer, r.peer, "route ." + r.suffix};
  }
  if (!default_peer_.empty()) return NextHop{NextHop::Kind::peer, default_peer_, "default route"};
  return Status("no-route", "no route to " + recipient.str() + ": it is not served by hub " +
                                hub_name_ + ", no route suffix matches and there is no "
                                "default route");
}

Result<NextHop> RouteTable::resolve(std::string_view recipient) const {
  Result<edxml::OrganId> id = edxml::OrganId::parse(recipient);
  if (!id.ok()) return id.status();
  return resolve(id.value());
}

}  // namespace docaxis::routing
