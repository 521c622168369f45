// The SDK-faithful test client (tests/support/vxp_client.hpp): its encodings (HashMap order,
// Gson escaping, hash-file, HMAC), the requests it builds (also checked by the hub's own
// authenticate()), and the SDK's recorded requests reproduced byte for byte (interop, skipped
// by name without DOCAXIS_SHARED_DIR/vxp-recordings). The transport is in
// sdk_client_transport_test.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tls/crypto.hpp"
#include "vxp/auth.hpp"
#include "vxp_client.hpp"

namespace docaxis::test::vxp {
namespace {

const std::string kSecret = "FAKE-secret-for-local-recorder-only+0123456789/AB=";
const std::string kSystem = "000.00.13.H30";

Endpoint recorder_endpoint() {
  Endpoint ep;
  ep.host = "127.0.0.1";
  ep.port = 8765;
  return ep;
}

// A client whose requests are kept instead of sent.
struct Captured {
  SdkClient client;
  std::vector<RawRequest> sent;
  explicit Captured(const std::string& timestamp = "22112026T014605+0358")
      : client(recorder_endpoint(), kSystem, kSecret, timestamp) {
    client.set_transport([this](const RawRequest& r) -> Result<Response> {
      sent.push_back(r);
      Response resp;
      resp.status = 200;
      return resp;
    });
  }
  const RawRequest& last() const { return sent.back(); }
};

std::string header(const RawRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

std::vector<std::string> names(const RawRequest& r) {
  std::vector<std::string> out;
  for (const auto& h : r.headers) out.push_back(h.first);
  return out;
}

// The hub's verifier (hub/vxp/auth.hpp) over the client's headers.
Result<docaxis::vxp::SignedParams> hub_authenticates(const RawRequest& r) {
  std::vector<docaxis::vxp::Header> hs;
  for (const auto& [n, v] : r.headers) hs.push_back({n, v});
  return docaxis::vxp::authenticate(hs, [](std::string_view id) -> const std::string* {
    return id == kSystem ? &kSecret : nullptr;
  });
}

// --- Encodings -------------------------------------------------------------------------------

TEST(SdkClientEncoding, JavaStringHashIsStringHashCodeOverUtf16Units) {
  // Values printed by OpenJDK 17's String.hashCode().
  EXPECT_EQ(java_string_hash("hello"), 99162322);
  EXPECT_EQ(java_string_hash("systemid"), 1976086410);
  EXPECT_EQ(java_string_hash("Content-Type"), 949037134);
  EXPECT_EQ(java_string_hash("H\xC3\xB2"
                             "a Ti\xE1\xBA\xBFn"),
            -529720979);                                     // "Hòa Tiến"
  EXPECT_EQ(java_string_hash("\xF0\x9F\x98\x80"), 1772899);  // a surrogate pair
}

TEST(SdkClientEncoding, HashMapOrderOfTheNotesSendEdoc) {
  Captured c;
  c.client.reset_parameters();
  (void)c.client.send_edoc("<edXML/>", "edoc", kSystem, "[\"000.00.00.G22\"]");
  EXPECT_EQ(header(c.last(), "XroadVnpt-sign-header-key"),
            "systemid;servicetype;messagetype;hash-file;from;to;timestamp;Content-Type");
}

TEST(SdkClientEncoding, SameBucketKeepsInsertionOrder) {
  // "level" and "messagetype" share bucket 5 of 16: the first put comes first.
  JavaHashMap a;
  a.put("level", "1");
  a.put("messagetype", "edoc");
  JavaHashMap b;
  b.put("messagetype", "edoc");
  b.put("level", "1");
  b.put("messagetype", "status");  // a new value keeps the entry's place
  ASSERT_EQ(a.entries().size(), 2u);
  EXPECT_EQ(a.entries()[0].first, "level");
  EXPECT_EQ(b.entries()[0].first, "messagetype");
  EXPECT_EQ(b.entries()[0].second, "status");
}

TEST(SdkClientEncoding, HashMapResizesPastTwelveEntriesLikeJava) {
  // Orders printed by OpenJDK 17's HashMap<String,String>.keySet() for the same puts.
  const std::vector<std::string> keys = {
      "systemid", "timestamp", "Content-Type", "servicetype", "messagetype", "hash-file", "from",
      "to",       "docId",     "filePath",     "status",      "level",       "AgencyCode"};
  JavaHashMap m;
  std::string order;
  for (std::size_t i = 0; i < 12; ++i) m.put(keys[i], "v");
  EXPECT_EQ(m.capacity(), 16u);
  for (const auto& [k, v] : m.entries()) order += (order.empty() ? "" : ";") + k;
  EXPECT_EQ(order,
            "systemid;servicetype;messagetype;level;hash-file;docId;filePath;from;to;timestamp;"
            "Content-Type;status");
  m.put(keys[12], "v");
  EXPECT_EQ(m.capacity(), 32u);
  order.clear();
  for (const auto& [k, v] : m.entries()) order += (order.empty() ? "" : ";") + k;
  EXPECT_EQ(order,
            "systemid;messagetype;level;docId;filePath;servicetype;hash-file;AgencyCode;from;to;"
            "timestamp;Content-Type;status");
}

TEST(SdkClientEncoding, NineCollidingKeysResizeTheTableLikeTreeifyBin) {
  // "Aa" and "BB" have the same hashCode: all 16 four-piece words collide. Java's order:
  JavaHashMap m;
  for (const char* k : {"systemid", "timestamp", "Content-Type", "docId", "from"}) m.put(k, "v");
  int n = 0;
  for (const char* w : {"Aa", "BB"})
    for (const char* x : {"Aa", "BB"})
      for (const char* y : {"Aa", "BB"})
        for (const char* z : {"Aa", "BB"})
          if (n++ < 9) m.put(std::string(w) + x + y + z, "v");
  std::string order;
  for (const auto& [k, v] : m.entries()) order += (order.empty() ? "" : ";") + k;
  EXPECT_EQ(m.capacity(), 64u);  // OpenJDK 17's table length (read by reflection): two resizes
  EXPECT_EQ(order,
            "systemid;docId;AaAaAaAa;AaAaAaBB;AaAaBBAa;AaAaBBBB;AaBBAaAa;AaBBAaBB;AaBBBBAa;"
            "AaBBBBBB;BBAaAaAa;from;timestamp;Content-Type");
}

TEST(SdkClientEncoding, WorkedExampleOfTheNote) {
  const Signature s = sign({{"systemid", kSystem},
                            {"timestamp", "22112026T014605+0358"},
                            {"Content-Type", "application/json"}},
                           kSecret);
  EXPECT_EQ(s.sign_header,
            "{\"XroadVnpt-systemid\":\"000.00.13.H30\",\"XroadVnpt-timestamp\":"
            "\"22112026T014605+0358\",\"XroadVnpt-Content-Type\":\"application/json\"}");
  EXPECT_EQ(s.sign_header_key, "systemid;timestamp;Content-Type");
  EXPECT_EQ(s.hash_header, "b05d61cd2eb8cdd4103dbc1c3643bd9ac739d65e20d9886fd29a1b4354ab8a70");
  // And the client makes exactly that for a fresh object's getAgenciesList.
  Captured c;
  (void)c.client.get_agencies_list();
  EXPECT_EQ(header(c.last(), "XroadVnpt-sign-header"), s.sign_header);
  EXPECT_EQ(header(c.last(), "XroadVnpt-hash-header"), s.hash_header);
}

TEST(SdkClientEncoding, GsonEscaping) {
  EXPECT_EQ(gson_string("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(gson_string("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(gson_string("\t\b\n\r\f"), "\"\\t\\b\\n\\r\\f\"");
  EXPECT_EQ(gson_string(std::string("\x01\x1f\x00", 3)), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(gson_string("<c>&d='e' /f"), "\"<c>&d='e' /f\"");
  EXPECT_EQ(gson_string("H\xC3\xB2"
                        "a Ti\xE1\xBA\xBFn"),
            "\"H\xC3\xB2"
            "a Ti\xE1\xBA\xBFn\"");
  EXPECT_EQ(gson_string("\x7f"), "\"\x7f\"");
  EXPECT_EQ(gson_string("a\xE2\x80\xA8z\xE2\x80\xA9"), "\"a\\u2028z\\u2029\"");
}

TEST(SdkClientEncoding, HashFileIsUnpadded) {
  // SHA-256("abc") = ba7816bf 8f01cfea ... b00361a3 ... f20015ad: 01, 00 and 00 lose their zero.
  EXPECT_EQ(sdk_hash_file("abc"), "ba7816bf8f1cfea414140de5dae2223b0361a396177a9cb410ff61f2015ad");
}

TEST(SdkClientEncoding, TimestampShapeWithMillisecondsOnFourDigits) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764875587972LL));
  const std::string ts = sdk_timestamp(t);
  ASSERT_EQ(ts.size(), 20u) << ts;
  EXPECT_EQ(ts[8], 'T');
  EXPECT_EQ(ts.substr(15), "+0972");
  SdkClient a(recorder_endpoint(), kSystem, kSecret);
  EXPECT_EQ(a.timestamp().size(), 20u);
  EXPECT_EQ(*a.parameters().get("timestamp"), a.timestamp());
}

// --- Requests --------------------------------------------------------------------------------

TEST(SdkClientRequest, SendEdocIsTheJdkRequestWithCrlfAfterTheBody) {
  Captured c;
  const std::string pkg = "<edXML>x</edXML>\n";
  (void)c.client.send_edoc(pkg, "edoc", kSystem);
  const RawRequest& r = c.last();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/sendEdoc");
  EXPECT_EQ(r.body, pkg + "\r\n");
  EXPECT_FALSE(r.expect_continue);
  EXPECT_EQ(header(r, "Content-Length"), std::to_string(pkg.size() + 2));
  EXPECT_EQ(header(r, "XroadVnpt-hash-file"), sdk_hash_file(pkg));
  const std::vector<std::string> expected = {"Content-Type",
                                             "XroadVnpt-systemid",
                                             "XroadVnpt-servicetype",
                                             "XroadVnpt-messagetype",
                                             "XroadVnpt-hash-file",
                                             "XroadVnpt-from",
                                             "XroadVnpt-timestamp",
                                             "XroadVnpt-Content-Type",
                                             "XroadVnpt-sign-header-key",
                                             "XroadVnpt-sign-header",
                                             "XroadVnpt-hash-header",
                                             "User-Agent",
                                             "XroadVnpt-version",
                                             "Cache-Control",
                                             "Pragma",
                                             "Host",
                                             "Accept",
                                             "Connection",
                                             "Content-Length"};
  EXPECT_EQ(names(r), expected);
  EXPECT_EQ(header(r, "Connection"), "keep-alive");
  auto auth = hub_authenticates(r);
  ASSERT_TRUE(auth.ok()) << auth.status().to_string();
  EXPECT_EQ(*auth->find("hash-file"), sdk_hash_file(pkg));
}

TEST(SdkClientRequest, ApacheFormPostWithExpectAndLeftoverParameters) {
  Captured c;
  (void)c.client.send_edoc("<p/>", "edoc", kSystem, "[\"000.00.00.G22\"]");
  (void)c.client.get_received_edoc_list("edoc");
  (void)c.client.get_edoc("68edb8c8c2dcb14db773ce45", "store-ok");
  (void)c.client.update_status("68edb8c8c2dcb14db773ce45", "done");
  const RawRequest& r = c.last();
  // ok.jsonl's updateStatus: everything the object was ever given, in HashMap order.
  EXPECT_EQ(header(r, "XroadVnpt-sign-header-key"),
            "systemid;servicetype;messagetype;hash-file;docId;filePath;from;to;timestamp;"
            "Content-Type;status");
  EXPECT_EQ(r.target, "/updateStatus");
  EXPECT_EQ(r.body, "{}");
  EXPECT_TRUE(r.expect_continue);
  const std::vector<std::string> tail = {"XroadVnpt-timestamp",
                                         "Content-Type",
                                         "XroadVnpt-Content-Type",
                                         "XroadVnpt-status",
                                         "XroadVnpt-sign-header-key",
                                         "XroadVnpt-sign-header",
                                         "XroadVnpt-hash-header",
                                         "User-Agent",
                                         "XroadVnpt-version",
                                         "Content-Length",
                                         "Host",
                                         "Connection",
                                         "Expect",
                                         "Accept-Encoding"};
  const auto all = names(r);
  ASSERT_GE(all.size(), tail.size());
  EXPECT_EQ(std::vector<std::string>(all.end() - static_cast<long>(tail.size()), all.end()), tail);
  EXPECT_EQ(header(r, "Content-Type"), "application/json");
  EXPECT_EQ(header(r, "Connection"), "Keep-Alive");
  EXPECT_EQ(header(r, "Expect"), "100-continue");
  ASSERT_TRUE(hub_authenticates(r).ok());

  // A fresh map: only what the call needs.
  c.client.reset_parameters();
  (void)c.client.update_status("68edb8c8c2dcb14db773ce45", "done");
  EXPECT_EQ(header(c.last(), "XroadVnpt-sign-header-key"),
            "systemid;docId;timestamp;Content-Type;status");
}

TEST(SdkClientRequest, EditedRequestsAreRefusedByTheHub) {
  Captured c;
  (void)c.client.get_edoc("d1");
  RawRequest wrong_mac = c.last();
  wrong_mac.set_header("XroadVnpt-hash-header", std::string(64, '0'));
  EXPECT_EQ(hub_authenticates(wrong_mac).status().code(), "bad-hmac");
  RawRequest differs = c.last();
  differs.set_header("XroadVnpt-docId", "d2");  // unsigned value beside the signed one
  EXPECT_EQ(hub_authenticates(differs).status().code(), "param-mismatch");
  RawRequest missing = c.last();
  missing.remove_header("XroadVnpt-hash-header");
  EXPECT_EQ(hub_authenticates(missing).status().code(), "auth-header-missing");
  EXPECT_EQ(header(missing, "XroadVnpt-hash-header"), "<absent>");
  EXPECT_TRUE(hub_authenticates(c.last()).ok());
}

TEST(SdkClientRequest, DownloadEdocIsAGetWithoutBodyOrLength) {
  Captured c;
  (void)c.client.download_edoc("d1", "store-fresh/dl");
  const RawRequest& r = c.last();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(header(r, "Content-Length"), "<absent>");
  EXPECT_EQ(names(r).back(), "Accept-Encoding");
}

TEST(SdkClientRequest, PathPrefixIsKept) {
  Captured c;
  c.client.endpoint().path_prefix = "/XrdAdapter/adapter";
  (void)c.client.count_receive_edoc();
  EXPECT_EQ(c.last().target, "/XrdAdapter/adapter/countReceiveEdoc");
}

TEST(SdkClientRequest, NonAsciiParameterOnTheApachePathFailsAuthenticationLikeTheSdk) {
  Captured c;
  (void)c.client.get_agencies_list({{"note",
                                     "H\xC3\xB2"
                                     "a"}});
  EXPECT_EQ(header(c.last(), "XroadVnpt-note"),
            "H\xF2"
            "a");  // the low byte of U+00F2
  auto refused = hub_authenticates(c.last());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), "bad-hmac");
  c.client.set_apache_low_byte_headers(false);
  (void)c.client.get_agencies_list();
  EXPECT_EQ(header(c.last(), "XroadVnpt-note"),
            "H\xC3\xB2"
            "a");
  EXPECT_TRUE(hub_authenticates(c.last()).ok());
}

// --- The recorded requests, reproduced -------------------------------------------------------

std::string shared_recordings() {
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

// The probe's value, as the SDK's caller wrote it (the recording's bytes are mangled once).
const std::string kProbeNote =
    "a\\\"b <c>&d='e' /f H\xC3\xB2"
    "a Ti\xE1\xBA\xBFn";

// Replays one recorded request on `client`: the SDK operation when the signed keys are the
// operation's own, else the probe's generic call. Returns the request the client made.
RawRequest replay(Captured& c, const nlohmann::json& rec, const HeaderList& signed_params) {
  auto p = [&](const std::string& k) -> std::string {
    for (const auto& [n, v] : signed_params) {
      if (n == k) return v;
    }
    return "";
  };
  auto has = [&](const std::string& k) {
    for (const auto& [n, v] : signed_params) {
      if (n == k) return true;
    }
    return false;
  };
  const std::string op = rec["op"];
  std::string body = rec.value("body_text", "");
  auto& cl = c.client;
  if (has("note")) {  // probe.jsonl: a caller-made parameter set
    for (const auto& [k, v] : signed_params) {
      if (k != "systemid" && k != "timestamp" && k != "Content-Type")
        cl.put(k, k == "note" ? kProbeNote : v);
    }
    SdkClient::Call call;
    call.operation = op;
    if (op == "sendEdoc") {
      call.path = SdkClient::Path::kJdk;
      call.content_type = "application/octet-stream";
    }
    call.body = body;
    (void)cl.send(call);
  } else if (op == "sendEdoc") {
    const std::string pkg = body.substr(0, body.size() - 2);
    (void)cl.send_edoc(pkg, p("messagetype"), p("from"),
                       has("to") ? std::optional<std::string>(p("to")) : std::nullopt);
  } else if (op == "getReceivedEdocList") {
    (void)cl.get_received_edoc_list(p("messagetype"));
  } else if (op == "getEdoc") {
    (void)cl.get_edoc(p("docId"), p("filePath"));
  } else if (op == "downloadEdoc") {
    (void)cl.download_edoc(p("docId"), p("filePath"));
  } else if (op == "updateStatus") {
    (void)cl.update_status(p("docId"), p("status"));
  } else if (op == "getSentEdocList") {
    (void)cl.get_sent_edoc_list(p("messagetype"), p("docId"));
  } else if (op == "countReceiveEdoc") {
    (void)cl.count_receive_edoc(p("messagetype"));
  } else if (op == "countReceiveStatus") {
    (void)cl.count_receive_status(p("messagetype"));
  } else if (op == "getAgenciesList") {
    (void)cl.get_agencies_list();
  } else if (op == "getAgenciesListQD20") {
    (void)cl.get_agencies_list_qd20(p("level"));
  } else if (op == "getSynchronizeUnit") {
    (void)cl.get_synchronize_unit();
  } else if (op == "registerAgency") {
    (void)cl.register_agency(body);
  } else if (op == "deleteAgency") {
    (void)cl.delete_agency(p("AgencyCode"));
  } else {
    ADD_FAILURE() << "no replay for " << op;
  }
  return c.sent.empty() ? RawRequest{} : c.last();
}

class InteropSdkClient : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::is_directory(shared_recordings())) {
      GTEST_SKIP() << "interop: " << shared_recordings() << " not present";
    }
  }
};

TEST_F(InteropSdkClient, EveryRecordedRequestIsReproducedByteForByte) {
  int reproduced = 0;
  for (const char* file :
       {"ok.jsonl", "fresh.jsonl", "drop.jsonl", "numeric.jsonl", "probe.jsonl"}) {
    std::ifstream in(shared_recordings() + "/" + file);
    ASSERT_TRUE(in) << file;
    std::unique_ptr<Captured> c;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const auto rec = nlohmann::json::parse(line);
      const std::string where = std::string(file) + " #" + std::to_string(rec["seq"].get<int>());
      HeaderList wire;  // the recorded bytes
      const auto& raw = rec.value("headers_nonascii_hex", nlohmann::json::object());
      for (const auto& h : rec["headers"]) {
        const std::string n = h[0];
        wire.emplace_back(n, raw.contains(n) ? from_hex(raw[n]) : h[1].get<std::string>());
      }
      std::string sign_header;  // as text (the mangled bytes are not UTF-8)
      for (const auto& h : rec["headers"]) {
        if (h[0] == "XroadVnpt-sign-header") sign_header = h[1];
      }
      // The signed parameters, prefix off, in the recorded order (the mangled bytes are only
      // in the probe's note, which replay() takes from kProbeNote).
      HeaderList params;
      std::string ts;
      const auto signed_json = nlohmann::ordered_json::parse(sign_header, nullptr, false);
      ASSERT_TRUE(signed_json.is_object()) << where;
      for (const auto& [k, v] : signed_json.items()) {
        const std::string name = k.substr(10);
        const std::string value = v.is_string() ? v.get<std::string>() : "";
        params.emplace_back(name, value);
        if (name == "timestamp") ts = value;
      }
      // One SDK service object per timestamp (it is fixed when the object is made).
      if (!c || c->client.timestamp() != ts) c = std::make_unique<Captured>(ts);
      const std::size_t before = c->sent.size();
      const RawRequest r = replay(*c, rec, params);
      ASSERT_EQ(c->sent.size(), before + 1) << where;
      EXPECT_EQ(r.method + " " + r.target + " HTTP/1.1", rec["request_line"].get<std::string>())
          << where;
      EXPECT_EQ(r.headers, wire) << where;
      if (rec.contains("body_text") && rec["body_text"].is_string()) {
        EXPECT_EQ(r.body, rec["body_text"].get<std::string>()) << where;
      }
      EXPECT_EQ(r.body.size(), rec["body_len"].get<std::size_t>()) << where;
      EXPECT_EQ(r.expect_continue, rec["expect_100"].get<bool>()) << where;
      ++reproduced;
    }
  }
  EXPECT_EQ(reproduced, 50);  // 7 + 14 + 20 + 7 + 2
  std::printf("reproduced %d recorded requests\n", reproduced);
}

}  // namespace
}  // namespace docaxis::test::vxp
