// validate(): every rule, each reported with its key path, and all reported at once.
#include "config/validate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "temp_dir.hpp"

namespace docaxis::config {
namespace {

std::string errors_text(const ConfigErrors& errors) {
  std::string s;
  for (const ConfigError& e : errors) s += e.to_string() + "\n";
  return s;
}

const std::string kFp = "AB:CD:" + std::string(60, 'e');

// A valid federation-shaped configuration to break one rule at a time.
HubConfig base() {
  HubConfig c;
  c.hub.name = "h30";
  c.endpoints = {{"000.00.13.H30", "", "", "", false, false, ""},
                 {"000.00.31.H30", "", kFp, "", false, false, ""}};
  c.peers = {{"national", "amqps://127.0.0.1:5681", "", "CN=docaxis hub national", {"*"}, ""},
             {"g12", "amqps://[::1]", "", "CN=docaxis hub g12", {"G12"}, ""}};
  c.routes = {{".G12", "national"}, {"01.G12", "g12"}};
  c.routing.default_route = "national";
  c.routing.authoritative_for = {"H30"};
  c.vxp.enabled = true;
  c.vxp.systems = {{"000.00.13.H30", "/etc/docaxis-hub/vxp/000.00.13.H30.secret"}};
  c.endpoints[0].vxp_system = "000.00.13.H30";
  return c;
}

struct Rule {
  const char* name;
  std::function<void(HubConfig&)> mutate;
  const char* key;
  const char* message;  // a substring of the message
};

const std::vector<Rule>& rules() {
  static const std::vector<Rule> kRules = {
      {"HubName", [](HubConfig& c) { c.hub.name = "H 30"; }, "hub.name", "not a valid hub name"},
      {"DataDir", [](HubConfig& c) { c.hub.data_dir = ""; }, "hub.data_dir", "is required"},
      {"TlsPort", [](HubConfig& c) { c.listener.tls.port = 70000; }, "listener.tls.port",
       "70000 is out of range 0..65535"},
      {"TlsCert", [](HubConfig& c) { c.listener.tls.cert_file = ""; }, "listener.tls.cert_file",
       "is required"},
      {"ClientCas", [](HubConfig& c) { c.listener.tls.client_ca_files.clear(); },
       "listener.tls.client_ca_files", "needs at least one file"},
      {"PackageSize", [](HubConfig& c) { c.limits.max_package_bytes = 10; },
       "limits.max_package_bytes", "out of range"},
      {"InFlight", [](HubConfig& c) { c.limits.max_in_flight_per_link = 0; },
       "limits.max_in_flight_per_link", "out of range"},
      {"DiskFloor", [](HubConfig& c) { c.limits.min_free_disk_bytes = -1; },
       "limits.min_free_disk_bytes", "out of range"},
      {"WeakRsa", [](HubConfig& c) { c.verification.min_rsa_bits = 1024; },
       "verification.min_rsa_bits", "would relax verification"},
      {"Anchors", [](HubConfig& c) { c.trust.anchor_files.clear(); }, "trust.anchor_files",
       "needs at least one file"},
      {"SigningKey", [](HubConfig& c) { c.signing.key_file = ""; }, "signing.key_file",
       "is required"},
      {"CrlFetchInterval", [](HubConfig& c) { c.trust.crl_fetch_interval = Seconds(0); },
       "trust.crl_fetch_interval_seconds", "0 is out of range 1..2592000 s"},
      {"CrlGrace", [](HubConfig& c) { c.trust.crl_grace = Seconds(-1); },
       "trust.crl_grace_seconds", "-1 is out of range 0..2592000 s"},
      {"CrlMaxBytes", [](HubConfig& c) { c.trust.crl_max_bytes = 100; }, "trust.crl_max_bytes",
       "100 is out of range 1024..1073741824 bytes"},
      {"CrlTimeout", [](HubConfig& c) { c.trust.crl_fetch_timeout = Seconds(601); },
       "trust.crl_fetch_timeout_seconds", "601 is out of range 1..600 s"},
      {"CrlProxy", [](HubConfig& c) { c.trust.crl_fetch_proxy = "ftp://proxy"; },
       "trust.crl_fetch_proxy", "is not a proxy URL"},
      {"CrlUrl", [](HubConfig& c) { c.trust.crl_fetch_urls = {"http://ok/x.crl", "ldap://ca/x"}; },
       "trust.crl_fetch_urls[1]", "is not an http:// or https:// URL"},
      {"Multiplier", [](HubConfig& c) { c.retry.multiplier = 0.5; }, "retry.multiplier",
       "out of range"},
      {"MaxInterval", [](HubConfig& c) { c.retry.max_interval = Seconds(1); },
       "retry.max_interval_seconds", "less than retry.first_retry_seconds"},
      {"Deadline", [](HubConfig& c) { c.retry.deadline = Seconds(60); }, "retry.deadline_seconds",
       "less than retry.max_interval_seconds"},
      {"Jitter", [](HubConfig& c) { c.retry.jitter = 1.0; }, "retry.jitter", "[0, 1)"},
      {"InFlightTimeout", [](HubConfig& c) { c.retry.in_flight_timeout = Seconds(60); },
       "retry.in_flight_timeout_seconds", "greater than limits.delivery_timeout_seconds"},
      {"Breaker", [](HubConfig& c) { c.circuit_breaker.failures_to_open = 0; },
       "circuit_breaker.failures_to_open", "out of range"},
      {"GroupCommit", [](HubConfig& c) { c.store.group_commit_max_batch = 0; },
       "store.group_commit_max_batch", "out of range"},
      {"PostgresWithoutConninfo",
       [](HubConfig& c) { c.store.backend = StoreBackend::postgresql; },
       "store.postgresql_conninfo", "is required with store.backend = \"postgresql\""},
      {"PostgresPasswordInConninfo",
       [](HubConfig& c) {
         c.store.backend = StoreBackend::postgresql;
         c.store.postgresql_conninfo = "host=db1 dbname=docaxis PassWord=hunter2";
       },
       "store.postgresql_conninfo", "must not contain a password"},
      {"ConninfoWithSqlite",
       [](HubConfig& c) { c.store.postgresql_conninfo = "host=db1 dbname=docaxis"; },
       "store.postgresql_conninfo", "only used with store.backend = \"postgresql\""},
      {"SqlitePathWithPostgres",
       [](HubConfig& c) {
         c.store.backend = StoreBackend::postgresql;
         c.store.postgresql_conninfo = "host=db1 dbname=docaxis";
         c.store.path = "/var/lib/docaxis/spool.sqlite";
       },
       "store.path", "leave it out"},
      {"StoreNodeName",
       [](HubConfig& c) {
         c.store.backend = StoreBackend::postgresql;
         c.store.postgresql_conninfo = "host=db1 dbname=docaxis";
         c.store.node = "node 1";
       },
       "store.node", "at most 64 letters"},
      {"RetentionNegative", [](HubConfig& c) { c.retention.edoc = Seconds(-1); },
       "retention.edoc_seconds", "out of range"},
      {"RetentionCentury", [](HubConfig& c) { c.retention.receipt = Seconds(4'000'000'000LL); },
       "retention.receipt_seconds", "out of range"},
      {"RetentionStatus", [](HubConfig& c) { c.retention.status = Seconds(-5); },
       "retention.status_seconds", "out of range"},
      {"RetentionInterval", [](HubConfig& c) { c.retention.interval = Seconds(0); },
       "retention.interval_seconds", "less than the minimum 1"},
      {"RetentionBatch", [](HubConfig& c) { c.retention.batch = 0; }, "retention.batch",
       "out of range"},
      {"CertsWarnDaysZero", [](HubConfig& c) { c.certs.warn_days = 0; }, "certs.warn_days",
       "out of range"},
      {"CertsWarnDaysHuge", [](HubConfig& c) { c.certs.warn_days = 3651; }, "certs.warn_days",
       "out of range"},
      {"Checkpoint", [](HubConfig& c) { c.audit.checkpoint_every = Seconds(0); },
       "audit.checkpoint_every_seconds", "less than the minimum 1"},
      {"MaxHops", [](HubConfig& c) { c.routing.max_hops = 0; }, "routing.max_hops",
       "out of range"},
      {"MalformedOrgan", [](HubConfig& c) { c.endpoints[0].organ = "28.22.H17"; },
       "endpoints[0].organ", "\"28.22.H17\" has 3 groups, expected 4 (ddd.dd.dd.Lnn)"},
      {"DuplicateEndpoint", [](HubConfig& c) { c.endpoints[1].organ = "000.00.13.H30"; },
       "endpoints[1].organ", "duplicate endpoint 000.00.13.H30 (first at endpoints[0])"},
      {"BadFingerprint", [](HubConfig& c) { c.endpoints[1].cert_sha256 = "abc"; },
       "endpoints[1].cert_sha256", "has 3 hex digits, expected 64"},
      {"TwoBindings", [](HubConfig& c) { c.endpoints[1].cert_subject = "CN=x"; },
       "endpoints[1].cert_subject", "not both"},
      {"RelaxationWithoutReason", [](HubConfig& c) { c.endpoints[0].allow_sha1 = true; },
       "endpoints[0].relaxation_reason", "is required when allow_sha1 or allow_unsigned"},
      {"PeerNamedLikeThisHub", [](HubConfig& c) {
         c.peers[1].name = "h30";
         c.routes[1].to = "national";
       }, "peers[1].name",
       "this hub's own name"},
      {"DuplicatePeer", [](HubConfig& c) {
         c.peers[1].name = "national";
         c.routes[1].to = "national";
       }, "peers[1].name",
       "duplicate peer \"national\""},
      {"PeerUrl", [](HubConfig& c) { c.peers[0].url = "http://x"; }, "peers[0].url",
       "must start with amqps://"},
      {"PlainPeerUrl", [](HubConfig& c) { c.peers[0].url = "amqp://10.0.0.1:5672"; },
       "peers[0].url", "plaintext to a non-loopback host"},
      {"PeerPort", [](HubConfig& c) { c.peers[0].url = "amqps://host:99999"; }, "peers[0].url",
       "expected 1..65535"},
      {"PeerWithoutIdentity", [](HubConfig& c) { c.peers[1].cert_subject = ""; }, "peers[1]",
       "needs cert_sha256 or cert_subject"},
      {"PeerSharesEndpointIdentity", [](HubConfig& c) {
         c.peers[1].cert_subject.clear();
         c.peers[1].cert_sha256 = kFp;
       },
       "peers[1]", "same certificate identity as endpoints[1]"},
      {"RelayFor", [](HubConfig& c) { c.peers[1].relay_for = {"G12", "g12"}; },
       "peers[1].relay_for[1]", "suffix \"g12\" ends with \"g12\", not a level-1 group"},
      {"UnsignedFromEveryone", [](HubConfig& c) {
         c.peers[1].allow_unsigned_from = {"*"};
         c.peers[1].relaxation_reason = "x";
       },
       "peers[1].allow_unsigned_from[0]", "no hub accepts unsigned packages from everyone"},
      {"UnsignedFromBadSuffix", [](HubConfig& c) {
         c.peers[1].allow_unsigned_from = {"g12"};
         c.peers[1].relaxation_reason = "x";
       },
       "peers[1].allow_unsigned_from[0]", "not a level-1 group"},
      {"UnsignedFromWithoutReason", [](HubConfig& c) { c.peers[1].allow_unsigned_from = {".G14"}; },
       "peers[1].relaxation_reason", "is required with allow_unsigned_from"},
      {"RouteSuffix", [](HubConfig& c) { c.routes[1].suffix = "1.G12"; }, "routes[1].suffix",
       "group \"1\" where 2 digits are expected"},
      {"RouteToUnknownPeer", [](HubConfig& c) { c.routes[0].to = "nationl"; }, "routes[0].to",
       "peer \"nationl\" is not defined (did you mean \"national\"?)"},
      {"DuplicateRouteSuffix", [](HubConfig& c) { c.routes[1].suffix = "G12"; },
       "routes[1].suffix", "suffix \"G12\" is already used at routes[0].suffix"},
      {"AuthoritativeClashesWithRoute",
       [](HubConfig& c) { c.routing.authoritative_for = {".G12"}; },
       "routing.authoritative_for[0]", "already used at routes[0].suffix"},
      {"DefaultRoute", [](HubConfig& c) { c.routing.default_route = "nat"; },
       "routing.default_route", "peer \"nat\" is not defined"},
      {"AdminSocketTooLong", [](HubConfig& c) { c.admin.socket = "/" + std::string(120, 's'); },
       "admin.socket", "longer than a Unix socket path"},
      {"LogLevel", [](HubConfig& c) { c.log.level = "verbose"; }, "log.level",
       "\"verbose\" is not a log level; one of \"trace\", \"debug\", \"info\", \"warn\", "
       "\"error\", \"off\""},
      {"LogLevelCase", [](HubConfig& c) { c.log.level = "INFO"; }, "log.level",
       "\"INFO\" is not a log level"},
      {"LogLevelWarning", [](HubConfig& c) { c.log.level = "warning"; }, "log.level",
       "(did you mean \"warn\"?)"},
      {"LoggerLevel", [](HubConfig& c) { c.log.levels = {{"amqp", "loud"}}; },
       "log.levels.amqp", "\"loud\" is not a log level"},
      {"UnknownLogger", [](HubConfig& c) { c.log.levels = {{"amqpp", "debug"}}; },
       "log.levels.amqpp", "unknown logger \"amqpp\"; loggers: \"server\", \"amqp\""},
      {"VxpSystemId", [](HubConfig& c) { c.vxp.systems[0].id = c.endpoints[0].vxp_system = "a b"; },
       "vxp.systems[0].id", "is not a system id"},
      {"VxpDuplicateSystem", [](HubConfig& c) { c.vxp.systems.push_back(c.vxp.systems[0]); },
       "vxp.systems[1].id", "duplicate system \"000.00.13.H30\""},
      {"VxpSecretFile", [](HubConfig& c) { c.vxp.systems[0].secret_file = ""; },
       "vxp.systems[0].secret_file", "is required"},
      {"VxpUnknownSystem", [](HubConfig& c) { c.endpoints[1].vxp_system = "nobody"; },
       "endpoints[1].vxp_system", "no [[vxp.systems]] has id \"nobody\""},
      {"VxpSystemForNoOrgan", [](HubConfig& c) { c.vxp.systems.push_back({"idle", "/s"}); },
       "vxp.systems[1].id", "acts for no organ"},
      {"VxpPort", [](HubConfig& c) { c.vxp.port = 70000; }, "vxp.port", "out of range 0..65535"},
      {"VxpPrefix", [](HubConfig& c) { c.vxp.path_prefix = "XrdAdapter"; }, "vxp.path_prefix",
       "must start with /"},
      {"VxpHeaderBytes", [](HubConfig& c) { c.vxp.max_header_bytes = 10; }, "vxp.max_header_bytes",
       "out of range"},
      {"VxpSessionCache", [](HubConfig& c) { c.vxp.tls_session_cache = -1; },
       "vxp.tls_session_cache", "out of range 0..1000000"},
      {"OpsPlainHttpNotLoopback",
       [](HubConfig& c) {
         c.ops.enabled = true;
         c.ops.host = "0.0.0.0";
       },
       "ops.host", "is not a loopback address: set ops.tls = true"},
      {"OpsPlainHttpPublicAddress",
       [](HubConfig& c) {
         c.ops.enabled = true;
         c.ops.host = "10.1.2.3";
       },
       "ops.host", "is not a loopback address"},
      {"OpsPort", [](HubConfig& c) { c.ops.enabled = true; c.ops.port = 70000; }, "ops.port",
       "out of range 0..65535"},
      {"OpsHeaderBytes", [](HubConfig& c) { c.ops.enabled = true; c.ops.max_header_bytes = 10; },
       "ops.max_header_bytes", "out of range"},
      {"OpsSamePortAsVxp",
       [](HubConfig& c) {
         c.ops.enabled = true;
         c.ops.port = c.vxp.port;
       },
       "ops.port", "is the axis HTTP API's port too"},
      {"VxpNoSystems",
       [](HubConfig& c) {
         c.vxp.systems.clear();
         c.endpoints[0].vxp_system.clear();
       },
       "vxp.systems", "no system may use it"},
      {"UnknownLoggerSuggestion", [](HubConfig& c) { c.log.levels = {{"delivry", "debug"}}; },
       "log.levels.delivry", "(did you mean \"delivery\"?)"},
  };
  return kRules;
}

void PrintTo(const Rule& r, std::ostream* os) { *os << r.name; }

// [ops] off a loopback address: HTTPS (tls), or plain HTTP only when said explicitly.
TEST(ConfigValidate, OpsOffLoopbackNeedsTlsOrAnExplicitPlainHttp) {
  for (const char* host : {"127.0.0.1", "::1", "localhost"}) {
    HubConfig c = base();
    c.ops.enabled = true;
    c.ops.host = host;
    EXPECT_EQ(errors_text(validate(c, {.check_files = false})), "") << host;
  }
  HubConfig c = base();
  c.ops.enabled = true;
  c.ops.host = "0.0.0.0";
  c.ops.tls = true;
  EXPECT_EQ(errors_text(validate(c, {.check_files = false})), "");
  c.ops.tls = false;
  c.ops.allow_plain_http = true;
  EXPECT_EQ(errors_text(validate(c, {.check_files = false})), "");
  c.ops.enabled = false;  // off: not checked
  c.ops.allow_plain_http = false;
  EXPECT_EQ(errors_text(validate(c, {.check_files = false})), "");
}

TEST(ConfigValidate, BaseConfigurationIsValid) {
  EXPECT_EQ(errors_text(validate(base(), {.check_files = false})), "");
}

TEST(ConfigValidate, APostgresqlStoreWithConninfoAndNodeIsValid) {
  HubConfig c = base();
  c.store.backend = StoreBackend::postgresql;
  c.store.postgresql_conninfo =
      "host=db1,db2,db3 port=5432 dbname=docaxis target_session_attrs=read-write";
  c.store.node = "hub-1.national_a";
  EXPECT_EQ(errors_text(validate(c, {.check_files = false})), "");
}

TEST(ConfigValidate, ThePasswordRefusalDoesNotQuoteTheConninfo) {
  HubConfig c = base();
  c.store.backend = StoreBackend::postgresql;
  c.store.postgresql_conninfo = "host=db1 password=hunter2";
  const std::string text = errors_text(validate(c, {.check_files = false}));
  EXPECT_NE(text.find("store.postgresql_conninfo"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
}

class ConfigValidateRule : public testing::TestWithParam<Rule> {};

TEST_P(ConfigValidateRule, BreakingTheRuleGivesExactlyItsError) {
  HubConfig c = base();
  GetParam().mutate(c);
  const ConfigErrors errors = validate(c, {.check_files = false});
  ASSERT_EQ(errors.size(), 1u) << errors_text(errors);
  EXPECT_EQ(errors[0].key, GetParam().key);
  EXPECT_NE(errors[0].message.find(GetParam().message), std::string::npos)
      << errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(Rules, ConfigValidateRule, testing::ValuesIn(rules()),
                         [](const testing::TestParamInfo<Rule>& p) {
                           return std::string(p.param.name);
                         });

TEST(ConfigValidate, LogLevelsPerLoggerAreValid) {
  HubConfig c = base();
  c.log.level = "warn";
  c.log.levels = {{"amqp", "debug"}, {"tls", "off"}, {"engine", "trace"}};
  EXPECT_EQ(errors_text(validate(c, {.check_files = false})), "");
  const log::Settings s = log_settings(c.log);
  EXPECT_EQ(s.level, log::Level::warn);
  ASSERT_EQ(s.levels.size(), 3u);
  EXPECT_EQ(s.levels[0], (std::pair<std::string, log::Level>{"amqp", log::Level::debug}));
  EXPECT_EQ(s.levels[1], (std::pair<std::string, log::Level>{"tls", log::Level::off}));
}

TEST(ConfigValidate, EveryBadLogEntryIsReported) {
  HubConfig c = base();
  c.log.level = "loud";
  c.log.levels = {{"amqp", "debug"}, {"nope", "info"}, {"store", "chatty"}, {"x\ny", "info"}};
  std::vector<std::string> keys;
  for (const ConfigError& e : validate(c, {.check_files = false})) keys.push_back(e.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"log.level", "log.levels.nope", "log.levels.store",
                                            "log.levels.x\ny"}));
}

TEST(ConfigValidate, ReportsAllProblemsAtOnce) {
  HubConfig c = base();
  // Rules that do not touch the same field can all be broken together.
  const std::vector<std::string> together = {"TlsPort", "PlainOnNonLoopback", "WeakRsa",
                                             "Jitter", "MalformedOrgan", "BadFingerprint",
                                             "PeerUrl", "RouteToUnknownPeer", "DefaultRoute",
                                             "RelaxationWithoutReason"};
  std::vector<std::string> expected_keys;
  for (const Rule& r : rules()) {
    if (std::find(together.begin(), together.end(), r.name) == together.end()) continue;
    r.mutate(c);
    expected_keys.push_back(r.key);
  }
  std::vector<std::string> keys;
  for (const ConfigError& e : validate(c, {.check_files = false})) keys.push_back(e.key);
  std::sort(keys.begin(), keys.end());
  std::sort(expected_keys.begin(), expected_keys.end());
  EXPECT_EQ(keys, expected_keys);
}

TEST(ConfigValidate, FilesMustExistAndBeRegularFiles) {
  namespace fs = std::filesystem;
  const docaxis::test::TempDir dir("config");
  std::ofstream(dir / "present.pem") << "x";
  HubConfig c = base();
  const std::string present = (dir / "present.pem").string();
  c.listener.tls.cert_file = present;
  c.listener.tls.key_file = present;
  c.listener.tls.client_ca_files = {present};
  c.trust.anchor_files = {present};
  c.signing.key_file = present;
  c.signing.cert_file = (dir / "missing.crt").string();
  c.trust.crl_files = {dir.string()};  // a folder, not a file
  c.vxp.systems[0].secret_file = present;
  const ConfigErrors errors = validate(c);
  ASSERT_EQ(errors.size(), 2u) << errors_text(errors);
  EXPECT_EQ(errors[0].key, "trust.crl_files[0]");
  EXPECT_NE(errors[0].message.find("is not a regular file"), std::string::npos);
  EXPECT_EQ(errors[1].key, "signing.cert_file");
  EXPECT_NE(errors[1].message.find("does not exist"), std::string::npos);
}

TEST(ConfigValidate, TheDirectoryFileIsOptionalButMustExistWhenNamed) {
  const docaxis::test::TempDir dir("config");
  std::ofstream(dir / "directory.json") << "{}";
  HubConfig c = base();
  c.vxp.directory_file = "";
  auto directory_errors = [&c] {
    std::vector<std::string> out;
    for (const ConfigError& e : validate(c)) {
      if (e.key == "vxp.directory_file") out.push_back(e.message);
    }
    return out;
  };
  EXPECT_TRUE(directory_errors().empty());
  c.vxp.directory_file = (dir / "directory.json").string();
  EXPECT_TRUE(directory_errors().empty());
  c.vxp.directory_file = (dir / "missing.json").string();
  ASSERT_EQ(directory_errors().size(), 1u);
  EXPECT_NE(directory_errors()[0].find("does not exist"), std::string::npos) << directory_errors()[0];
  c.vxp.directory_file = dir.string();
  ASSERT_EQ(directory_errors().size(), 1u);
  EXPECT_NE(directory_errors()[0].find("is not a regular file"), std::string::npos) << directory_errors()[0];
  // Checked whether or not the API is enabled, like the systems' secret files.
  c.vxp.enabled = false;
  EXPECT_EQ(directory_errors().size(), 1u);
}

TEST(ConfigValidate, ErrorTextCarriesKeyAndLine) {
  EXPECT_EQ((ConfigError{"routes[2].to", "peer \"nationl\" is not defined", 31}).to_string(),
            "routes[2].to: peer \"nationl\" is not defined (line 31)");
}

}  // namespace
}  // namespace docaxis::config
