// The interop suite of hub/vxp: the requests the official SDK sent, recorded in
// DOCAXIS_SHARED_DIR/vxp-recordings (made-up secret and system id), as HMAC, parameter and
// hash-file vectors. Every request authenticates except the one whose non-ASCII header bytes
// the SDK itself mangled (probe.jsonl, the getAgenciesList call), which must fail. Skipped, by
// name, when the folder is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vxp/auth.hpp"
#include "vxp/send_body.hpp"

namespace docaxis::vxp {
namespace {

const std::string kSecret = "FAKE-secret-for-local-recorder-only+0123456789/AB=";
const std::string kSystem = "000.00.13.H30";

std::string recordings_dir() {
  const char* env = std::getenv("DOCAXIS_SHARED_DIR");
  return std::string(env != nullptr ? env : DOCAXIS_SHARED_DIR) + "/vxp-recordings";
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

struct Recorded {
  std::string file;
  int seq = 0;
  std::string op;
  std::vector<Header> headers;  // raw bytes
  nlohmann::json record;
};

std::vector<Recorded> load(const std::string& file) {
  std::vector<Recorded> out;
  std::ifstream in(recordings_dir() + "/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Recorded r;
    r.file = file;
    r.record = nlohmann::json::parse(line);
    r.seq = r.record["seq"];
    r.op = r.record["op"];
    const auto& raw = r.record.value("headers_nonascii_hex", nlohmann::json::object());
    for (const auto& h : r.record["headers"]) {
      const std::string name = h[0];
      r.headers.push_back({name, raw.contains(name) ? from_hex(raw[name]) : h[1].get<std::string>()});
    }
    out.push_back(std::move(r));
  }
  return out;
}

class InteropVxpRecordings : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(recordings_dir())) {
      GTEST_SKIP() << "interop: " << recordings_dir() << " not present";
    }
  }
  const SecretLookup secrets_ = [](std::string_view id) -> const std::string* {
    return id == kSystem ? &kSecret : nullptr;
  };
};

TEST_F(InteropVxpRecordings, EveryRecordedRequestAuthenticatesExceptTheMangledOne) {
  int verified = 0;
  int refused = 0;
  int total = 0;
  for (const char* file : {"ok.jsonl", "fresh.jsonl", "drop.jsonl", "numeric.jsonl", "probe.jsonl"}) {
    const auto recorded = load(file);
    ASSERT_FALSE(recorded.empty()) << file;
    total += static_cast<int>(recorded.size());
    for (const Recorded& r : recorded) {
      auto params = authenticate(r.headers, secrets_);
      const bool mangled = r.file == "probe.jsonl" && r.op == "getAgenciesList";
      if (mangled) {
        ASSERT_FALSE(params.ok()) << r.file << " #" << r.seq;
        EXPECT_EQ(params.status().code(), "bad-hmac");
        ++refused;
        continue;
      }
      ASSERT_TRUE(params.ok()) << r.file << " #" << r.seq << " " << r.op << ": "
                               << params.status().to_string();
      EXPECT_EQ(params->system_id(), kSystem);
      ++verified;
    }
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(verified, total - 1);
}

TEST_F(InteropVxpRecordings, LeftoverParametersAreSignedAndReadable) {
  // ok.jsonl: one long-lived SDK object; its updateStatus still carries sendEdoc's hash-file.
  for (const Recorded& r : load("ok.jsonl")) {
    if (r.op != "updateStatus") continue;
    auto params = authenticate(r.headers, secrets_);
    ASSERT_TRUE(params.ok()) << params.status().to_string();
    EXPECT_NE(params->find("hash-file"), nullptr);
    ASSERT_NE(params->find("status"), nullptr);
    ASSERT_NE(params->find("docid"), nullptr);
    return;
  }
  FAIL() << "no updateStatus in ok.jsonl";
}

TEST_F(InteropVxpRecordings, RecordedSendEdocBodiesMatchTheirUnpaddedHashFile) {
  int checked = 0;
  for (const char* file : {"ok.jsonl", "fresh.jsonl", "drop.jsonl", "numeric.jsonl", "probe.jsonl"}) {
    for (const Recorded& r : load(file)) {
      if (r.op != "sendEdoc" || !r.record.contains("body_text") || r.record["body_text"].is_null()) {
        continue;
      }
      auto params = authenticate(r.headers, secrets_);
      ASSERT_TRUE(params.ok());
      const std::string* hash = params->find("hash-file");
      ASSERT_NE(hash, nullptr);
      const std::string body = r.record["body_text"];
      ASSERT_EQ(body.size(), r.record["body_len"].get<std::size_t>());
      auto pkg = package_of_send_body(body, *hash);
      ASSERT_TRUE(pkg.ok()) << r.file << " #" << r.seq;
      EXPECT_EQ(pkg->size(), body.size() - 2);  // the SDK's CRLF
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace docaxis::vxp
