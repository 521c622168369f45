// The route table: where a package for a recipient organ goes next. Pure and immutable after
// build(); safe to share between threads.
//
// resolve(recipient), in order:
//   1. the recipient is served here (an endpoint)             -> local inbox
//   2. the longest matching suffix among routes[] and routing.authoritative_for wins; length
//      is counted in whole dot-groups (edxml::OrganId::matches_suffix: "31.H30" (2 groups)
//      beats ".H30" (1), a full id (4) beats everything). Suffixes are unique in a valid
//      configuration, so there are no ties.
//        a route                  -> that peer
//        an authoritative suffix  -> no-route (this hub is the last stop for that subtree)
//   3. routing.default_route when set                         -> that peer
//   4. no-route
//
// Error codes: `no-route` (message names the recipient and why), `invalid-organ-id` (the text
// overload, from OrganId::parse), `invalid-argument` (build() on an unvalidated config).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "config/hub_config.hpp"
#include "edxml/organ_id.hpp"

namespace docaxis::routing {

struct NextHop {
  enum class Kind { local, peer };
  Kind kind = Kind::local;
  std::string peer;  // set for Kind::peer
  std::string rule;  // why, for logs: "endpoint", "route .G12", "default route"

  bool is_local() const { return kind == Kind::local; }
  friend bool operator==(const NextHop&, const NextHop&) = default;
};

class RouteTable {
 public:
  static Result<RouteTable> build(const config::HubConfig& config);

  Result<NextHop> resolve(const edxml::OrganId& recipient) const;
  Result<NextHop> resolve(std::string_view recipient) const;

 private:
  struct Rule {
    std::string suffix;  // normalized (no leading '.')
    int groups = 0;
    std::string peer;    // "" for an authoritative suffix
  };

  std::string hub_name_;
  std::vector<edxml::OrganId> local_;  // sorted
  std::vector<Rule> rules_;            // longest first
  std::string default_peer_;
};

}  // namespace docaxis::routing
