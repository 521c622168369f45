#include "hub_bench_process.hpp"

#include <chrono>

namespace docaxis::bench {

Result<std::unique_ptr<HubProcess>> start_hub(const HubSpec& spec) {
  std::error_code ec;
  std::filesystem::create_directories(spec.dir / "data", ec);
  if (ec) return Status("unavailable", spec.dir.string() + ": " + ec.message());
  const std::string config =
      test::hub_toml({.pki = spec.pki,
                      .data_dir = spec.dir / "data",
                      .name = spec.name,
                      .port = spec.port,
                      .organs = spec.organs,
                      .extra_toml = "[store]\nfsync = \"" + spec.fsync + "\"\n" + spec.store_toml +
                                    "\n" + spec.extra_toml});
  auto hub = std::make_unique<HubProcess>(spec.binary, spec.dir, config);
  hub->set_die_with_parent(true);  // never outlive the benchmark
  auto port = hub->launch(std::chrono::minutes(30));
  if (!port.ok()) return port.status();
  return hub;
}

}  // namespace docaxis::bench
