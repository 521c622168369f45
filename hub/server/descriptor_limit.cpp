#include "server/descriptor_limit.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

#include "log/log.hpp"

namespace docaxis::server {

std::uint64_t descriptors_wanted(const config::HubConfig& cfg) {
  const auto count = [](std::int64_t n) { return static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0)); };
  std::uint64_t wanted = count(cfg.limits.max_connections) + 64;
  if (cfg.vxp.enabled) wanted += count(cfg.vxp.max_connections);
  return wanted;
}

DescriptorLimit raise_descriptor_limit(std::uint64_t wanted) {
  struct rlimit rl {};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return {std::numeric_limits<std::uint64_t>::max(), false};
  if (rl.rlim_cur < rl.rlim_max) {
    struct rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur == RLIM_INFINITY) return {std::numeric_limits<std::uint64_t>::max(), false};
  const auto limit = static_cast<std::uint64_t>(rl.rlim_cur);
  if (limit >= wanted) return {limit, false};
  log::get("server").warn("fd-limit-low", {{"limit", limit}, {"wanted", wanted}});
  return {limit, true};
}

}  // namespace docaxis::server
