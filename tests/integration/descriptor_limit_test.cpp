// docaxis-hub's start-up check of the descriptor limit (server/descriptor_limit.hpp): every
// connection of the AMQP listener and of the axis HTTP API is a descriptor.
#include "server/descriptor_limit.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace docaxis::server {
namespace {

TEST(DescriptorLimit, CountsTheAxisHttpApiConnectionsWhenItIsEnabled) {
  config::HubConfig cfg;
  cfg.limits.max_connections = 1000;
  cfg.vxp.max_connections = 500;
  cfg.vxp.enabled = false;
  EXPECT_EQ(descriptors_wanted(cfg), 1064u);
  cfg.vxp.enabled = true;
  EXPECT_EQ(descriptors_wanted(cfg), 1564u);
  cfg.limits.max_connections = 10;
  cfg.vxp.max_connections = 4000;
  EXPECT_EQ(descriptors_wanted(cfg), 4074u);
}

TEST(DescriptorLimit, RaisesTheSoftLimitToTheHardOneAndSaysWhenItIsStillLow) {
  struct rlimit before {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "no hard descriptor limit here";
  struct rlimit lowered = before;
  lowered.rlim_cur = std::min<rlim_t>(before.rlim_max, 256);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const DescriptorLimit enough = raise_descriptor_limit(1);
  EXPECT_FALSE(enough.low);
  EXPECT_EQ(enough.limit, static_cast<std::uint64_t>(before.rlim_max));
  struct rlimit now {};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, before.rlim_max);
  const DescriptorLimit short_of = raise_descriptor_limit(static_cast<std::uint64_t>(before.rlim_max) + 1);
  EXPECT_TRUE(short_of.low);
  EXPECT_EQ(short_of.limit, static_cast<std::uint64_t>(before.rlim_max));
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &before), 0);
}

}  // namespace
}  // namespace docaxis::server
