// Hop-trail guards: loops and runaway routes are refused with stable codes.
#include "routing/hops.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace docaxis::routing {
namespace {

model::Trail hubs(std::initializer_list<const char*> names) {
  model::Trail t;
  std::int64_t ms = 1700000000000;
  for (const char* n : names) t.push_back({n, ms++});
  return t;
}

struct IngestCase {
  model::Trail trail;
  const char* self;
  std::int64_t max_hops;
  const char* code;  // "" = ok
};

TEST(Hops, IngestRefusesLoopsAndLongTrails) {
  const std::vector<IngestCase> cases = {
      {{}, "h30", 1, ""},  // from a local endpoint
      {hubs({"h30"}), "national", 8, ""},
      {hubs({"h30", "national"}), "g12", 3, ""},  // exactly the limit
      {hubs({"h30", "national"}), "g12", 2, "hop-limit"},
      {hubs({"h30", "national"}), "h30", 8, "routing-loop"},
      {hubs({"h30", "national", "g12"}), "national", 2, "routing-loop"},  // loop first
      {{}, "h30", 0, "hop-limit"},
  };
  for (const IngestCase& c : cases) {
    SCOPED_TRACE(model::format_trail(c.trail) + " at " + c.self);
    const Status s = check_ingest(c.trail, c.self, c.max_hops);
    EXPECT_EQ(s.code(), c.code) << s.message();
  }
}

TEST(Hops, MessagesShowTheTrail) {
  EXPECT_EQ(check_ingest(hubs({"h30", "national"}), "h30", 8).message(),
            "the package already passed through this hub h30 (trail: h30 > national)");
  EXPECT_EQ(check_ingest(hubs({"a", "b"}), "c", 2).message(),
            "the package has passed 2 hubs (trail: a > b); the limit is 2 including this one");
}

TEST(Hops, ForwardRefusesAPeerAlreadyInTheTrail) {
  EXPECT_TRUE(check_forward(hubs({"h30"}), "national").ok());
  const Status s = check_forward(hubs({"h30", "national"}), "national");
  EXPECT_EQ(s.code(), "routing-loop");
  EXPECT_EQ(s.message(), "the next hop national is already in the trail (h30 > national)");
}

}  // namespace
}  // namespace docaxis::routing
