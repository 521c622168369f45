// The loader is strict: unknown keys, wrong types and unknown enumeration values are errors,
// all of them reported in one pass, each with its key path and line.
#include "config/loader.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.hpp"

namespace docaxis::config {
namespace {

std::string errors_text(const ConfigErrors& errors) {
  std::string s;
  for (const ConfigError& e : errors) s += e.to_string() + "\n";
  return s;
}

TEST(ConfigLoader, EmptyFileGivesTheStructDefaults) {
  const LoadedConfig loaded = parse_config("");
  EXPECT_TRUE(loaded.errors.empty());
  EXPECT_EQ(loaded.config, HubConfig{});
  EXPECT_FALSE(loaded.defaulted_keys.empty());
}

TEST(ConfigLoader, ReadsDurationsEnumsListsAndArraysOfTables) {
  const LoadedConfig loaded = parse_config(R"(
[retry]
first_retry_seconds = 7
multiplier = 3          # an integer is accepted where a float is expected
[store]
fsync = "normal"
check_on_open = "none"
backend = "postgresql"
postgresql_conninfo = "host=db1 dbname=docaxis"
node = "n2"
require_synchronous_standby = false
[verification]
engine = "xmlsec"
[limits]
min_free_disk_bytes = 0
[[peers]]
name = "national"
relay_for = ["H30", "*"]
[[routes]]
suffix = ".G12"
to = "national"
)");
  ASSERT_TRUE(loaded.errors.empty()) << errors_text(loaded.errors);
  const HubConfig& c = loaded.config;
  EXPECT_EQ(c.retry.first_retry, Seconds(7));
  EXPECT_EQ(c.retry.multiplier, 3.0);
  EXPECT_EQ(c.store.fsync, FsyncMode::normal);
  EXPECT_EQ(c.store.check_on_open, OpenCheck::none);
  EXPECT_EQ(c.store.backend, StoreBackend::postgresql);
  EXPECT_EQ(c.store.postgresql_conninfo, "host=db1 dbname=docaxis");
  EXPECT_EQ(c.store.node, "n2");
  EXPECT_FALSE(c.store.require_synchronous_standby);
  EXPECT_EQ(Store{}.backend, StoreBackend::sqlite);
  EXPECT_TRUE(Store{}.require_synchronous_standby);
  EXPECT_EQ(c.verification.engine, VerifyEngine::xmlsec);
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_EQ(c.peers[0].relay_for, (std::vector<std::string>{"H30", "*"}));
  EXPECT_EQ(c.routes.at(0).to, "national");
  EXPECT_EQ(c.limits.min_free_disk_bytes, 0);
  EXPECT_EQ(Limits{}.min_free_disk_bytes, 268435456);
  EXPECT_EQ(loaded.key_lines.at("routes[0].to"), 21);
}

struct LoadErrorCase {
  const char* name;
  const char* toml;
  const char* key;
  const char* message;
  int line;
};

void PrintTo(const LoadErrorCase& c, std::ostream* os) { *os << c.name; }

class ConfigLoaderErrors : public testing::TestWithParam<LoadErrorCase> {};

TEST_P(ConfigLoaderErrors, ReportsKeyMessageAndLine) {
  const LoadErrorCase& c = GetParam();
  const LoadedConfig loaded = parse_config(c.toml);
  ASSERT_EQ(loaded.errors.size(), 1u) << errors_text(loaded.errors);
  EXPECT_EQ(loaded.errors[0].key, c.key);
  EXPECT_EQ(loaded.errors[0].message, c.message);
  EXPECT_EQ(loaded.errors[0].line, c.line);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigLoaderErrors,
    testing::Values(
        LoadErrorCase{"UnknownTopLevelKey", "[hubb]\nname = \"x\"\n", "hubb",
                      "unknown key \"hubb\" at top level (did you mean \"hub\"?)", 1},
        LoadErrorCase{"UnknownKeyInSection", "[listener.tls]\nprot = 1\n", "listener.tls.prot",
                      "unknown key \"prot\" in listener.tls (did you mean \"port\"?)", 2},
        LoadErrorCase{"UnknownKeyInArrayElement",
                      "[[endpoints]]\norgan = \"000.00.13.H30\"\nallow_sha256 = true\n",
                      "endpoints[0].allow_sha256",
                      "unknown key \"allow_sha256\" in endpoints[0] (did you mean "
                      "\"allow_sha1\"?)",
                      3},
        LoadErrorCase{"UnknownKeyWithoutSuggestion", "[audit]\ncolour = \"blue\"\n",
                      "audit.colour", "unknown key \"colour\" in audit", 2},
        LoadErrorCase{"GlobalRelaxationIsRefused", "[verification]\nallow_unsigned = true\n",
                      "verification.allow_unsigned",
                      "unknown key \"allow_unsigned\" in verification: verification is never "
                      "relaxed globally; set it on the [[endpoints]] entry that needs it",
                      2},
        LoadErrorCase{"WrongType", "[listener.tls]\nport = \"5671\"\n", "listener.tls.port",
                      "expected an integer, got a string", 2},
        LoadErrorCase{"WrongTypeInList", "[trust]\nanchor_files = [\"a.pem\", 3]\n",
                      "trust.anchor_files", "expected an array of strings, got an integer", 2},
        LoadErrorCase{"SectionIsNotATable", "limits = 3\n", "limits",
                      "expected a table ([limits]), got an integer", 1},
        LoadErrorCase{"UnknownBackend", "[store]\nbackend = \"postgres\"\n", "store.backend",
                      "\"postgres\" is not one of \"sqlite\", \"postgresql\" (did you mean "
                      "\"postgresql\"?)",
                      2},
        LoadErrorCase{"UnknownEnumValue", "[store]\nfsync = \"ful\"\n", "store.fsync",
                      "\"ful\" is not one of \"full\", \"normal\" (did you mean \"full\"?)", 2},
        LoadErrorCase{"UnknownKeyInLog", "[log]\nlevel = \"info\"\nformat = \"json\"\n",
                      "log.format", "unknown key \"format\" in log", 3},
        LoadErrorCase{"LogLevelNotAString", "[log]\nlevel = 3\n", "log.level",
                      "expected a string, got an integer", 2},
        LoadErrorCase{"LoggerLevelNotAString", "[log.levels]\namqp = \"debug\"\nstore = 1\n",
                      "log.levels.store", "expected a string (a level), got an integer", 3},
        LoadErrorCase{"SecretInTheConfiguration",
                      "[vxp]\n[[vxp.systems]]\nid = \"a\"\nsecret = \"s3cret\"\n",
                      "vxp.systems[0].secret",
                      "unknown key \"secret\" in vxp.systems[0]: the secret is never written in "
                      "the configuration: put it alone in a file only the hub's user may read "
                      "(0600) and name it in secret_file",
                      4},
        LoadErrorCase{"VxpAdminNotABoolean",
                      "[vxp]\n[[vxp.systems]]\nid = \"a\"\nadmin = \"yes\"\n",
                      "vxp.systems[0].admin", "expected a boolean, got a string", 4},
        LoadErrorCase{"VxpDirectoryFileNotAString", "[vxp]\ndirectory_file = 1\n",
                      "vxp.directory_file", "expected a string, got an integer", 2},
        LoadErrorCase{"LogLevelsNotATable", "[log]\nlevels = \"debug\"\n", "log.levels",
                      "expected a table ([log.levels]), got a string", 2}),
    [](const testing::TestParamInfo<LoadErrorCase>& p) { return std::string(p.param.name); });

TEST(ConfigLoader, ReadsTheAxisHttpApiSection) {
  const LoadedConfig loaded = parse_config(R"(
[vxp]
enabled = true
host = "0.0.0.0"
port = 8080
path_prefix = "/XrdAdapter/adapter"
plain_http = true
idle_timeout_seconds = 5
directory_file = "vxp/directory.json"
[[vxp.systems]]
id = "000.00.13.H30"
secret_file = "vxp/h30.secret"
admin = true
[[vxp.systems]]
id = "000.00.31.H30"
secret_file = "vxp/h31.secret"
[[endpoints]]
organ = "000.00.13.H30"
vxp_system = "000.00.13.H30"
)");
  ASSERT_TRUE(loaded.errors.empty()) << errors_text(loaded.errors);
  const Vxp& v = loaded.config.vxp;
  EXPECT_TRUE(v.enabled);
  EXPECT_EQ(v.host, "0.0.0.0");
  EXPECT_EQ(v.port, 8080);
  EXPECT_EQ(v.path_prefix, "/XrdAdapter/adapter");
  EXPECT_TRUE(v.plain_http);
  EXPECT_EQ(v.idle_timeout, Seconds(5));
  EXPECT_EQ(v.request_timeout, Seconds(60));  // default
  EXPECT_EQ(v.directory_file, "vxp/directory.json");
  ASSERT_EQ(v.systems.size(), 2u);
  EXPECT_EQ(v.systems[0].secret_file, "vxp/h30.secret");
  EXPECT_TRUE(v.systems[0].admin);
  EXPECT_FALSE(v.systems[1].admin);  // the default
  EXPECT_EQ(loaded.config.endpoints[0].vxp_system, "000.00.13.H30");
}

TEST(ConfigLoader, ReadsTheLogSection) {
  const LoadedConfig loaded = parse_config(R"(
[log]
level = "warn"
[log.levels]
tls = "debug"
amqp = "trace"
)");
  ASSERT_TRUE(loaded.errors.empty()) << errors_text(loaded.errors);
  EXPECT_EQ(loaded.config.log.level, "warn");
  // Sorted by logger name (toml++ tables are ordered maps).
  ASSERT_EQ(loaded.config.log.levels.size(), 2u);
  EXPECT_EQ(loaded.config.log.levels[0], (std::pair<std::string, std::string>{"amqp", "trace"}));
  EXPECT_EQ(loaded.config.log.levels[1], (std::pair<std::string, std::string>{"tls", "debug"}));
  EXPECT_EQ(loaded.key_lines.at("log.levels.amqp"), 6);
}

TEST(ConfigLoader, LogErrorsCarryTheirLine) {
  namespace fs = std::filesystem;
  const docaxis::test::TempDir tmp("config");
  const fs::path file = tmp / "log-lines.toml";
  std::ofstream(file) << "[log]\nlevel = \"loud\"\n[log.levels]\nengine = \"info\"\namqpp = "
                         "\"debug\"\n";
  const ConfigErrors errors = check_config_file(file.string(), {.check_files = false});
  std::vector<std::string> log_errors;
  for (const ConfigError& e : errors) {
    if (e.key.rfind("log.", 0) == 0) log_errors.push_back(e.to_string());
  }
  ASSERT_EQ(log_errors.size(), 2u) << errors_text(errors);
  EXPECT_NE(log_errors[0].find("log.level: \"loud\" is not a log level"), std::string::npos);
  EXPECT_NE(log_errors[0].find("(line 2)"), std::string::npos) << log_errors[0];
  EXPECT_NE(log_errors[1].find("log.levels.amqpp: unknown logger \"amqpp\""), std::string::npos);
  EXPECT_NE(log_errors[1].find("(line 5)"), std::string::npos) << log_errors[1];
}

TEST(ConfigLoader, SyntaxErrorNamesTheProblem) {
  const LoadedConfig loaded = parse_config("[hub]\nname = \n");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].key, "");
  EXPECT_EQ(loaded.errors[0].line, 2);
  EXPECT_GT(loaded.errors[0].message.size(), std::string("TOML syntax error: ").size());
}

TEST(ConfigLoader, ReportsEveryLoadErrorInOnePass) {
  const LoadedConfig loaded = parse_config(R"(
typo = 1
[hub]
nmae = "h30"
[limits]
max_package_bytes = "big"
[[routes]]
suffix = ".G12"
too = "national"
)");
  std::vector<std::string> keys;
  for (const ConfigError& e : loaded.errors) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"hub.nmae", "limits.max_package_bytes",
                                            "routes[0].too", "typo"}))
      << errors_text(loaded.errors);
  EXPECT_EQ(loaded.config.limits.max_package_bytes, Limits{}.max_package_bytes);
}

TEST(ConfigLoader, RelativePathsAreResolvedAgainstTheConfigFolder) {
  namespace fs = std::filesystem;
  const docaxis::test::TempDir dir("config");
  {
    std::ofstream out(dir / "hub.toml");
    out << "[hub]\ndata_dir = \"data\"\n[signing]\nkey_file = \"keys/hub.key\"\n"
           "[trust]\nanchor_files = [\"/abs/anchors.pem\", \"anchors.pem\"]\n"
           "[vxp]\ndirectory_file = \"vxp/../vxp/directory.json\"\n";
  }
  const LoadedConfig loaded = load_config_file((dir / "hub.toml").string());
  ASSERT_TRUE(loaded.errors.empty()) << errors_text(loaded.errors);
  const fs::path base = fs::absolute(dir);
  EXPECT_EQ(loaded.config.hub.data_dir, (base / "data").string());
  EXPECT_EQ(loaded.config.signing.key_file, (base / "keys/hub.key").string());
  EXPECT_EQ(loaded.config.trust.anchor_files,
            (std::vector<std::string>{"/abs/anchors.pem", (base / "anchors.pem").string()}));
  EXPECT_EQ(loaded.config.vxp.directory_file, (base / "vxp/directory.json").string());
  EXPECT_EQ(loaded.config.store.path, "");  // empty stays "inside data_dir"
  EXPECT_EQ(loaded.config.resolved_store_path(), (base / "data/spool.sqlite").string());
}

TEST(ConfigLoader, MissingFileIsOneError) {
  const LoadedConfig loaded = load_config_file("/nonexistent/docaxis-hub.toml");
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_NE(loaded.errors[0].message.find("cannot read config file"), std::string::npos);
}

}  // namespace
}  // namespace docaxis::config

namespace docaxis::config {
namespace {

TEST(ConfigLoader, ReadsTheCertsSection) {
  EXPECT_EQ(HubConfig{}.certs.warn_days, 30);
  const LoadedConfig loaded = parse_config("[certs]\nwarn_days = 45\n");
  EXPECT_TRUE(loaded.errors.empty());
  EXPECT_EQ(loaded.config.certs.warn_days, 45);
  EXPECT_FALSE(parse_config("[certs]\nwarn_dayz = 45\n").errors.empty());
}

}  // namespace
}  // namespace docaxis::config
