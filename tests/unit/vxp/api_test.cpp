// hub/vxp/api.hpp: sendEdoc as the SDK sends it, into the engine's IngestPort, and the
// answers the SDK reads for every outcome.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vxp/api.hpp"
#include "vxp/auth.hpp"
#include "vxp/send_body.hpp"

namespace docaxis::vxp {
namespace {

const std::string kSecret = "test-secret-0123456789/AB=";
const std::string kSystem = "000.00.13.H30";

// Records what the engine was handed and answers with `answer`.
class FakeIngest : public engine::IngestPort {
 public:
  void submit(engine::IncomingPackage p, engine::IngestDone done) override {
    received.push_back(std::move(p));
    done(answer);
  }
  std::vector<engine::IncomingPackage> received;
  Status answer;
};

std::string json_escape(const std::string& s) {
  return nlohmann::json(s).dump();
}

// A request as the SDK builds it: every parameter signed, also sent as its own header.
http::Request sdk_request(const std::string& target, const std::vector<std::pair<std::string, std::string>>& params,
                          std::string body, const std::string& secret = kSecret) {
  std::vector<std::pair<std::string, std::string>> all = {{"systemid", kSystem}};
  all.insert(all.end(), params.begin(), params.end());
  all.push_back({"timestamp", "04122026T191307+0972"});
  all.push_back({"Content-Type", "application/octet-stream"});
  std::string sign = "{";
  for (const auto& [k, v] : all) {
    if (sign.size() > 1) sign += ",";
    sign += json_escape("XroadVnpt-" + k) + ":" + json_escape(v);
  }
  sign += "}";
  http::Request r;
  r.method = "POST";
  r.target = target;
  r.headers.push_back({"Content-Type", "application/octet-stream"});
  for (const auto& [k, v] : all) r.headers.push_back({"XroadVnpt-" + k, v});
  r.headers.push_back({"XroadVnpt-sign-header", sign});
  r.headers.push_back({"XroadVnpt-hash-header", sign_header_mac(secret, sign)});
  r.body = std::move(body);
  return r;
}

struct Answer {
  unsigned status = 0;
  nlohmann::json json;
};

Answer call(Api& api, http::Request r) {
  Answer a;
  api.handle(std::move(r), [&a](http::Response resp) {
    a.status = resp.status;
    for (unsigned char c : resp.body) EXPECT_LT(c, 0x80) << resp.body;  // US-ASCII only
    a.json = nlohmann::json::parse(resp.body);
  });
  return a;
}

const std::string kPackage = "<edXML>H\xc3\xb2" "a Ti\xe1\xba\xbf" "n</edXML>";

http::Request send_edoc(const std::string& type = "edoc", const std::string& package = kPackage,
                        const std::string& prefix = "") {
  return sdk_request(prefix + "/sendEdoc",
                     {{"servicetype", "eDoc"}, {"messagetype", type},
                      {"hash-file", sdk_hash_file(package)}, {"from", kSystem}},
                     package + "\r\n");
}

class VxpApi : public ::testing::Test {
 protected:
  FakeIngest ingest;
  Api api{ApiOptions{}, {System{kSystem, kSecret, {kSystem}}}, ingest};
};

TEST_F(VxpApi, SendEdocHandsThePackageToTheEngineAndAnswersItsDocId) {
  Answer a = call(api, send_edoc());
  EXPECT_EQ(a.status, 200u);
  EXPECT_EQ(a.json["status"], "OK");
  EXPECT_EQ(a.json["ErrorCode"], "0");
  EXPECT_EQ(a.json["DocId"], Api::doc_id(kPackage));
  EXPECT_EQ(a.json["DocId"].get<std::string>().size(), 24u);
  ASSERT_EQ(ingest.received.size(), 1u);
  const auto& p = ingest.received[0];
  EXPECT_EQ(p.bytes, kPackage);  // the SDK's CRLF stripped, nothing else changed
  EXPECT_EQ(p.address, "edoc");
  EXPECT_TRUE(p.from.authenticated);
  EXPECT_EQ(p.from.system, kSystem);
  EXPECT_TRUE(p.from.subject.empty());
  EXPECT_TRUE(p.hops.empty());
  // The SDK's re-send of the same POST: the same DocId.
  EXPECT_EQ(call(api, send_edoc()).json["DocId"], a.json["DocId"]);
  // A status package goes to the status address.
  call(api, send_edoc("status"));
  EXPECT_EQ(ingest.received.back().address, "status");
}

TEST_F(VxpApi, TheEnginesRefusalIsAFailAnswerWithItsCode) {
  ingest.answer = Status("signature-invalid", "the signature does not verify");
  Answer a = call(api, send_edoc());
  EXPECT_EQ(a.json["status"], "FAIL");
  EXPECT_EQ(a.json["ErrorCode"], "310");
  EXPECT_EQ(a.json["DocId"], "");  // present, never null: the SDK drops answers without it
  EXPECT_EQ(a.json["ErrorDesc"], "docaxis:signature-invalid: the signature does not verify");
  EXPECT_EQ(a.status, 422u);
  ingest.answer = Status("store-busy", "try later");
  Answer t = call(api, send_edoc());
  EXPECT_EQ(t.json["ErrorCode"], "500");
  EXPECT_EQ(t.status, 503u);
}

TEST_F(VxpApi, RequestsThatFailAuthenticationOrTheirHashNeverReachTheEngine) {
  http::Request forged = send_edoc();
  for (auto& h : forged.headers) {
    if (h.name == "XroadVnpt-hash-header") h.value[0] = h.value[0] == 'a' ? 'b' : 'a';
  }
  Answer a = call(api, forged);
  EXPECT_EQ(a.json["ErrorCode"], "104");
  EXPECT_EQ(a.status, 403u);  // not 401: the JDK's streaming HttpURLConnection would throw

  http::Request tampered = send_edoc();
  tampered.body[1] = 'X';
  Answer b = call(api, tampered);
  EXPECT_EQ(b.json["ErrorCode"], "200");
  EXPECT_EQ(b.json["DocId"], "");

  http::Request other = sdk_request("/sendEdoc", {{"messagetype", "edoc"}, {"hash-file", sdk_hash_file(kPackage)}},
                                    kPackage + "\r\n", "another secret");
  EXPECT_EQ(call(api, other).json["ErrorCode"], "104");

  http::Request no_type = sdk_request("/sendEdoc", {{"hash-file", sdk_hash_file(kPackage)}}, kPackage + "\r\n");
  no_type.headers.push_back({"XroadVnpt-messagetype", "edoc"});  // unsigned: not used
  EXPECT_EQ(call(api, no_type).json["ErrorCode"], "100");
  EXPECT_TRUE(ingest.received.empty());
}

TEST_F(VxpApi, PathsMethodsAndOperationsNotServedAreAnsweredInJson) {
  EXPECT_EQ(call(api, send_edoc("edoc", kPackage, "/XrdAdapter/adapter")).json["ErrorCode"], "100");
  http::Request get = send_edoc();
  get.method = "GET";
  EXPECT_EQ(call(api, get).json["ErrorCode"], "100");
  Answer n = call(api, sdk_request("/getReceivedEdocList", {{"messagetype", "edoc"}}, ""));
  EXPECT_EQ(n.json["ErrorCode"], "109");
  EXPECT_EQ(n.status, 501u);
  EXPECT_EQ(call(api, sdk_request("/index.html", {}, "")).json["ErrorCode"], "100");
  EXPECT_TRUE(ingest.received.empty());

  FakeIngest prefixed_ingest;
  Api prefixed(ApiOptions{"/XrdAdapter/adapter/", {}}, {System{kSystem, kSecret, {kSystem}}}, prefixed_ingest);
  EXPECT_EQ(call(prefixed, send_edoc("edoc", kPackage, "/XrdAdapter/adapter")).json["status"], "OK");
  EXPECT_EQ(call(prefixed, send_edoc()).json["ErrorCode"], "100");
  EXPECT_EQ(prefixed_ingest.received.size(), 1u);
}

TEST_F(VxpApi, TheHeaderCheckRefusesWhatNeedsNoBodyAndPassesTheRest) {
  http::Request good = send_edoc();
  good.body.clear();  // the check sees the header only
  EXPECT_FALSE(api.check_header(good).has_value());
  http::Request forged = send_edoc();
  forged.body.clear();
  for (auto& h : forged.headers) {
    if (h.name == "XroadVnpt-hash-header") h.value = std::string(64, '0');
  }
  auto refused = api.check_header(forged);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(nlohmann::json::parse(refused->body)["ErrorCode"], "104");
  http::Request no_hash = sdk_request("/sendEdoc", {{"messagetype", "edoc"}}, "");
  EXPECT_EQ(nlohmann::json::parse(api.check_header(no_hash)->body)["ErrorCode"], "100");
  http::Request bad_type = sdk_request("/sendEdoc", {{"messagetype", "pdf"}, {"hash-file", "ab"}}, "");
  EXPECT_EQ(nlohmann::json::parse(api.check_header(bad_type)->body)["ErrorCode"], "100");
  EXPECT_TRUE(api.check_header(sdk_request("/nothing", {}, "")).has_value());
  EXPECT_TRUE(ingest.received.empty());
}

TEST_F(VxpApi, DownloadEdocFailuresHaveAnEmptyBodyTheSdkCannotMistakeForADocument) {
  http::Request r = sdk_request("/downloadEdoc", {{"docId", "68edb8c8c2dcb14db773ce44"}}, "");
  r.method = "GET";
  http::Response got;
  api.handle(r, [&got](http::Response resp) { got = std::move(resp); });
  EXPECT_EQ(got.body, "");
  EXPECT_EQ(got.status, 501u);
  for (auto& h : r.headers) {
    if (h.name == "XroadVnpt-hash-header") h.value = std::string(64, '0');
  }
  api.handle(r, [&got](http::Response resp) { got = std::move(resp); });
  EXPECT_EQ(got.body, "");
  EXPECT_EQ(got.status, 403u);
}

TEST_F(VxpApi, HttpLayerRefusalsCarryAnEmptyDocId) {
  http::Response r = Api::refusal("too-large", "the body is larger than 1048576 bytes");
  EXPECT_EQ(r.status, 413u);
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["ErrorCode"], "201");
  EXPECT_EQ(j["DocId"], "");
  EXPECT_EQ(nlohmann::json::parse(Api::refusal("request-timeout", "").body)["ErrorCode"], "202");
}

}  // namespace
}  // namespace docaxis::vxp
