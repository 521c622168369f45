// What the certificate tests share (cert_rollover_test.cpp, tls_identity_test.cpp): `docaxis`
// run as an operator runs it, `docaxis cert list --json` on a hub's admin socket, waiting for a
// log line, and replacing a configured file the way the README's procedure says.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "dsig/signer.hpp"
#include "hub_fixture.hpp"

namespace docaxis::test {

inline const std::string kCli = env_or("DOCAXIS", DOCAXIS_CLI_BINARY);

struct CliRun {
  int exit_code = -1;
  std::string out;
};

// `docaxis ARGS` (each argument single-quoted), standard output and error together.
inline CliRun docaxis(const fs::path& scratch, const std::vector<std::string>& args) {
  const fs::path out = scratch / "cli.out";
  std::string cmd = "'" + kCli + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " > '" + out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read(out.string())};
}

// Up to 10 s for `needle` in the hub's log.
inline bool wait_for_log(HubProcess& hub, const std::string& needle) {
  for (int i = 0; i < 200; ++i) {
    if (hub.log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// `docaxis cert list --json --socket <socket>`, parsed.
inline nlohmann::json cert_list(const fs::path& scratch, const std::string& socket) {
  CliRun r = docaxis(scratch, {"cert", "list", "--json", "--socket", socket});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j;
}

inline std::vector<nlohmann::json> with_role(const nlohmann::json& list, const std::string& role) {
  std::vector<nlohmann::json> out;
  if (!list.contains("certificates")) return out;
  for (const nlohmann::json& c : list["certificates"]) {
    if (c["role"] == role) out.push_back(c);
  }
  return out;
}

// The test document (dsig fixtures' unsigned.edxml, from 000.00.13.H30 to 000.00.01.G12) signed
// by organ `sender`, numbered `n` (a new document id each).
inline std::string signed_document(const std::string& sender, int n) {
  std::string doc = read(kFixtures + "/unsigned.edxml");
  doc = std::regex_replace(doc, std::regex("74/VPCP"), std::to_string(500 + n) + "/VPCP");
  auto signer = dsig::Signer::load(organ(sender) + ".key", organ(sender) + ".crt",
                                   {kPki + "/intermediates.pem"});
  EXPECT_TRUE(signer.ok()) << signer.status().to_string();
  if (!signer.ok()) return {};
  auto s = (*signer)->sign(doc);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? *s : std::string();
}

// Replaces a configured file the way the procedure says: a temporary file renamed over it.
inline void replace_file(const std::string& from, const std::string& to) {
  fs::copy_file(from, to + ".tmp", fs::copy_options::overwrite_existing);
  fs::rename(to + ".tmp", to);
}

}  // namespace docaxis::test
