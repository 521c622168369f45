// The commented example configuration is a contract: it parses, it names every key, it is
// valid, and where it keeps a default it states the struct's default.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.hpp"
#include "temp_dir.hpp"

namespace docaxis::config {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string errors_text(const ConfigErrors& errors) {
  std::string s;
  for (const ConfigError& e : errors) s += e.to_string() + "\n";
  return s;
}

TEST(ExampleConfig, ParsesWithoutErrorsAndSetsEveryKey) {
  const LoadedConfig loaded = load_config_file(DOCAXIS_EXAMPLE_CONFIG);
  EXPECT_TRUE(loaded.errors.empty()) << errors_text(loaded.errors);
  std::string missing;
  for (const std::string& k : loaded.defaulted_keys) {
    // Later [[endpoints]] entries show only what differs; the first one lists every key.
    if (k.rfind("endpoints[0]", 0) == 0 || k.rfind("endpoints", 0) != 0) missing += k + " ";
  }
  EXPECT_EQ(missing, "") << "keys the example does not show";
}

TEST(ExampleConfig, IsValidWithoutFileChecks) {
  const LoadedConfig loaded = load_config_file(DOCAXIS_EXAMPLE_CONFIG);
  const ConfigErrors errors = validate(loaded.config, {.check_files = false});
  EXPECT_TRUE(errors.empty()) << errors_text(errors);
}

TEST(ExampleConfig, KeepsTheStructDefaultsWhereItStatesThem) {
  const HubConfig c = load_config_file(DOCAXIS_EXAMPLE_CONFIG).config;
  const HubConfig d;
  EXPECT_EQ(c.hub.data_dir, d.hub.data_dir);
  EXPECT_EQ(c.listener, d.listener);
  EXPECT_EQ(c.limits, d.limits);
  EXPECT_EQ(c.verification, d.verification);
  EXPECT_EQ(c.trust, d.trust);
  EXPECT_EQ(c.signing, d.signing);
  EXPECT_EQ(c.retry, d.retry);
  EXPECT_EQ(c.circuit_breaker, d.circuit_breaker);
  EXPECT_EQ(c.store, d.store);
  EXPECT_EQ(c.retention, d.retention);
  EXPECT_EQ(c.certs, d.certs);
  EXPECT_EQ(c.audit, d.audit);
  EXPECT_EQ(c.admin, d.admin);
  EXPECT_EQ(c.log.level, d.log.level);
  EXPECT_EQ(c.routing.max_hops, d.routing.max_hops);
  Vxp vxp = c.vxp;  // every default but the example's prefix, directory file and system
  vxp.path_prefix.clear();
  vxp.directory_file.clear();
  vxp.systems.clear();
  EXPECT_EQ(vxp, d.vxp);
  EXPECT_EQ(c.ops, d.ops);  // every default, off
  ASSERT_EQ(c.endpoints.size(), 3u);
  EndpointConfig first = c.endpoints[0];
  first.organ.clear();
  first.name.clear();
  EXPECT_EQ(first, EndpointConfig{});
}

TEST(ExampleConfig, DescribesTheH30ProvincialHub) {
  const HubConfig c = load_config_file(DOCAXIS_EXAMPLE_CONFIG).config;
  EXPECT_EQ(c.hub.name, "h30");
  EXPECT_EQ(c.endpoints[2].organ, "000.21.31.H30");
  EXPECT_TRUE(c.endpoints[2].allow_unsigned);
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_EQ(c.peers[0].relay_for, std::vector<std::string>{"*"});
  ASSERT_EQ(c.routes.size(), 1u);
  EXPECT_EQ(c.routes[0], (RouteConfig{".G12", "national"}));
  EXPECT_EQ(c.routing.default_route, "national");
}

TEST(ExampleConfig, DefaultStructIsValid) {
  const ConfigErrors errors = validate(HubConfig{}, {.check_files = false});
  EXPECT_TRUE(errors.empty()) << errors_text(errors);
}

// The example's /etc/docaxis-hub/ files, mapped onto the generated test PKI.
TEST(ExampleConfig, IsValidWithFileChecksAgainstTheTestPki) {
  const fs::path pki = DOCAXIS_CONFIG_PKI;
  ASSERT_TRUE(fs::exists(pki / ".complete")) << "run the config_pki fixture first";
  const docaxis::test::TempDir root("config");
  const std::vector<std::pair<std::string, std::string>> links = {
      {"tls/hub.crt", "hubs/h30.crt"},         {"tls/hub.key", "hubs/h30.key"},
      {"trust/anchors.pem", "trust-anchors.pem"}, {"signing/hub.crt", "hubs/h30.crt"},
      {"signing/hub.key", "hubs/h30.key"},
      {"vxp/000.21.31.H30.secret", "trust-anchors.pem"},    // existence only here
      {"vxp/directory.json", "trust-anchors.pem"}};
  for (const auto& [link, target] : links) {
    fs::create_directories((root / "etc" / link).parent_path());
    fs::create_symlink(pki / target, root / "etc" / link);
  }
  std::string text = read_text(DOCAXIS_EXAMPLE_CONFIG);
  for (std::size_t at; (at = text.find("/etc/docaxis-hub/")) != std::string::npos;) {
    text.replace(at, 17, (root / "etc").string() + "/");
  }
  {
    std::ofstream out(root / "hub.toml");
    out << text;
  }
  EXPECT_EQ(errors_text(check_config_file((root / "hub.toml").string())), "");

  fs::remove(root / "etc/signing/hub.key");
  const ConfigErrors errors = check_config_file((root / "hub.toml").string());
  ASSERT_EQ(errors.size(), 1u) << errors_text(errors);
  EXPECT_EQ(errors[0].key, "signing.key_file");
  EXPECT_NE(errors[0].message.find("does not exist"), std::string::npos);
  EXPECT_GT(errors[0].line, 0);
}

}  // namespace
}  // namespace docaxis::config
