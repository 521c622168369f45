// RouteTable: local endpoints first, then the longest suffix (routes and authoritative
// suffixes), then the default route, else no-route.
#include "routing/route_table.hpp"

#include <gtest/gtest.h>

namespace docaxis::routing {
namespace {

using config::HubConfig;

config::EndpointConfig endpoint(const char* organ) {
  config::EndpointConfig e;
  e.organ = organ;
  return e;
}

// The national hub of the demo: serves the Government Office, sends G12 to the ministry's
// hub (one department of it, 000.00.04.G12, to a test hub), H30 to the province.
HubConfig national() {
  HubConfig c;
  c.hub.name = "national";
  c.endpoints = {endpoint("000.00.00.G22"), endpoint("000.00.04.G12")};
  c.routes = {{".G12", "g12"}, {"H30", "h30"}, {"31.H30", "h30-district"},
              {"000.21.31.H30", "commune-test"}};
  c.routing.authoritative_for = {"G22"};
  return c;
}

// The provincial hub: serves its organs, everything else to national by default.
HubConfig province() {
  HubConfig c;
  c.hub.name = "h30";
  c.endpoints = {endpoint("000.00.13.H30"), endpoint("000.00.31.H30")};
  c.routing.default_route = "national";
  return c;
}

struct Case {
  const char* recipient;
  const char* peer;  // "" = local, nullptr = no-route
  const char* rule;
};

void check(const HubConfig& config, const std::vector<Case>& cases) {
  Result<RouteTable> table = RouteTable::build(config);
  ASSERT_TRUE(table.ok()) << table.status().to_string();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.recipient);
    Result<NextHop> hop = table->resolve(std::string_view(c.recipient));
    if (c.peer == nullptr) {
      ASSERT_FALSE(hop.ok()) << hop->peer;
      EXPECT_EQ(hop.status().code(), "no-route");
      EXPECT_NE(hop.status().message().find(c.recipient), std::string::npos);
      continue;
    }
    ASSERT_TRUE(hop.ok()) << hop.status().to_string();
    EXPECT_EQ(hop->is_local(), std::string(c.peer).empty());
    EXPECT_EQ(hop->peer, c.peer);
    EXPECT_EQ(hop->rule, c.rule);
  }
}

TEST(RouteTable, LongestSuffixWinsCountedInWholeGroups) {
  check(national(), {
                        {"000.00.01.G12", "g12", "route .G12"},
                        {"000.00.00.H30", "h30", "route .H30"},
                        {"000.00.13.H30", "h30", "route .H30"},
                        {"000.00.31.H30", "h30-district", "route .31.H30"},
                        {"000.22.31.H30", "h30-district", "route .31.H30"},
                        {"000.21.31.H30", "commune-test", "route .000.21.31.H30"},
                        {"001.21.31.H30", "h30-district", "route .31.H30"},
                        // "1.H30" would be a split group: 000.00.01.H30 is not under 31.H30
                        {"000.00.01.H30", "h30", "route .H30"},
                    });
}

TEST(RouteTable, LocalEndpointsBeatEveryRoute) {
  check(national(), {
                        {"000.00.04.G12", "", "endpoint"},  // .G12 would send it to g12
                        {"000.00.00.G22", "", "endpoint"},  // authoritative suffix too
                    });
}

TEST(RouteTable, AuthoritativeSuffixRefusesUnknownOrgansBelowIt) {
  check(national(), {{"000.00.05.G22", nullptr, ""}, {"000.00.00.H53", nullptr, ""}});
  Result<NextHop> hop = RouteTable::build(national())->resolve(std::string_view("000.00.05.G22"));
  EXPECT_EQ(hop.status().message(),
            "no route to 000.00.05.G22: hub national is authoritative for .G22 and does not "
            "serve this organ");
}

TEST(RouteTable, DefaultRouteTakesWhatNothingElseMatches) {
  check(province(), {
                        {"000.00.13.H30", "", "endpoint"},
                        {"000.00.01.G12", "national", "default route"},
                        {"000.21.31.H30", "national", "default route"},
                    });
}

TEST(RouteTable, AuthoritativeSuffixBeatsTheDefaultRoute) {
  HubConfig c = province();
  c.routing.authoritative_for = {".H30"};
  c.routes = {{"31.H30", "district-hub"}};
  check(c, {
               {"000.00.99.H30", nullptr, ""},                          // under .H30, unknown
               {"000.21.31.H30", "district-hub", "route .31.H30"},      // longer than .H30
               {"000.00.31.H30", "", "endpoint"},                       // local first
               {"000.00.00.H53", "national", "default route"},
           });
}

TEST(RouteTable, NoRouteWithoutDefaultNamesTheRecipient) {
  HubConfig c = province();
  c.routing.default_route.clear();
  Result<NextHop> hop = RouteTable::build(c)->resolve(std::string_view("000.00.01.G12"));
  ASSERT_FALSE(hop.ok());
  EXPECT_EQ(hop.status().code(), "no-route");
  EXPECT_EQ(hop.status().message(),
            "no route to 000.00.01.G12: it is not served by hub h30, no route suffix matches "
            "and there is no default route");
}

TEST(RouteTable, InvalidRecipientIdIsRefusedWithTheOrganIdMessage) {
  Result<RouteTable> table = RouteTable::build(province());
  for (const char* bad : {"28.22.H17", "", "000.00.13.h30", "000.00.13.H30 "}) {
    Result<NextHop> hop = table->resolve(std::string_view(bad));
    ASSERT_FALSE(hop.ok()) << bad;
    EXPECT_EQ(hop.status().code(), "invalid-organ-id") << bad;
  }
}

TEST(RouteTable, BuildRefusesAnUnvalidatedConfiguration) {
  HubConfig c = province();
  c.routes = {{"1.H30", "x"}};
  EXPECT_EQ(RouteTable::build(c).status().code(), "invalid-argument");
  c.routes = {{"H30", "x"}, {".H30", "y"}};
  EXPECT_EQ(RouteTable::build(c).status().code(), "invalid-argument");
  c = province();
  c.endpoints.push_back(endpoint("bad"));
  EXPECT_EQ(RouteTable::build(c).status().code(), "invalid-argument");
}

}  // namespace
}  // namespace docaxis::routing
