// Fixture of the engine unit tests: an Ingest over fakes (ScriptedVerifier, MemoryStore),
// real routing built from a HubConfig, no audit log, a fake clock.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/hub_config.hpp"
#include "engine/ingest.hpp"
#include "engine_fakes.hpp"
#include "ingest_hub_config.hpp"
#include "model/identity.hpp"
#include "routing/endpoint_registry.hpp"
#include "routing/route_table.hpp"

namespace docaxis::engine::test {

inline constexpr const char* kHub = "h30-hub";
inline constexpr const char* kH30 = "000.00.13.H30";
inline constexpr const char* kG12 = "000.00.01.G12";
inline constexpr const char* kG22 = "000.00.00.G22";  // routed to peer "national"
inline constexpr const char* kG14 = "000.00.04.G14";  // not served here: relayed by the peer
inline constexpr const char* kNationalSubject = "CN=docaxis hub national,O=docaxis test PKI,C=VN";

inline model::ConnectionIdentity organ_identity(const std::string& organ) {
  return model::ConnectionIdentity{true, "UID=" + organ + ",CN=Organ " + organ, organ, "", ""};
}
inline const model::ConnectionIdentity kNational{true, kNationalSubject, "", "", ""};

class EngineTest : public ::testing::Test {
 protected:
  void TearDown() override { ingest_.reset(); }

  // Serves H30 and G12, routes .G22 to peer "national" (which may relay for any organ).
  // (tests/support/ingest_hub_config.hpp, shared with the pipeline tests.)
  static config::HubConfig hub_config() { return docaxis::test::ingest_hub_config(kHub); }

  void start(IngestOptions options = {}, store::Store* store = nullptr,
             const config::HubConfig& config = hub_config()) {
    ingest_.reset();
    auto reg = routing::EndpointRegistry::build(config);
    ASSERT_TRUE(reg.ok()) << reg.status().to_string();
    registry_ = std::make_unique<routing::EndpointRegistry>(std::move(*reg));
    auto rt = routing::RouteTable::build(config);
    ASSERT_TRUE(rt.ok()) << rt.status().to_string();
    routes_ = std::make_unique<routing::RouteTable>(std::move(*rt));
    if (options.hub_name.empty()) options.hub_name = config.hub.name;
    options.clock = [this] { return now_ms_.load(); };
    options.on_stored = [this](uint64_t seq, const std::vector<store::DeliverySpec>& d) {
      std::lock_guard lk(mu_);
      stored_calls_.emplace_back(seq, d);
    };
    ingest_ = std::make_unique<Ingest>(store != nullptr ? *store : store_, verifier_, *registry_,
                                       *routes_, /*audit=*/nullptr, std::move(options));
  }

  std::future<Status> submit_async(const model::ConnectionIdentity& who, const std::string& bytes,
                                   const std::string& address = "edoc",
                                   std::vector<std::string> hops = {}) {
    auto promise = std::make_shared<std::promise<Status>>();
    auto future = promise->get_future();
    ingest_->submit(IncomingPackage{address, bytes, who, std::move(hops)},
                    [promise](const Status& s) { promise->set_value(s); });
    return future;
  }
  Status submit_as(const model::ConnectionIdentity& who, const std::string& bytes,
                   const std::string& address = "edoc", std::vector<std::string> hops = {}) {
    auto f = submit_async(who, bytes, address, std::move(hops));
    if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within 10 s";
      return Status("timeout", "no answer");
    }
    return f.get();
  }
  Status submit(const std::string& bytes, const std::string& address = "edoc") {
    return submit_as(organ_identity(kH30), bytes, address);
  }

  std::size_t on_stored_calls() {
    std::lock_guard lk(mu_);
    return stored_calls_.size();
  }

  std::atomic<int64_t> now_ms_{1700000000000};
  docaxis::test::MemoryStore store_;
  docaxis::test::ScriptedVerifier verifier_;
  std::unique_ptr<routing::EndpointRegistry> registry_;
  std::unique_ptr<routing::RouteTable> routes_;
  std::mutex mu_;
  std::vector<std::pair<uint64_t, std::vector<store::DeliverySpec>>> stored_calls_;
  std::unique_ptr<Ingest> ingest_;  // last: destroyed first, before the store
};

}  // namespace docaxis::engine::test
