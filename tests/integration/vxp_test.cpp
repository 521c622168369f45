// The axis HTTP API of a real docaxis-hub process: an agency system sends through HTTP the way
// the official SDK does (a new TCP connection per request, the signed XroadVnpt- headers, the
// body's trailing CRLF) and the recipient receives on its AMQP inbox. Refusals come back as
// the SDK's FAIL answers and nothing refused reaches anyone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "dsig/signer.hpp"
#include "hub_fixture.hpp"
#include "test_client.hpp"
#include "vxp/api.hpp"
#include "vxp/auth.hpp"
#include "vxp/send_body.hpp"

namespace docaxis::test {
namespace {

using amqp::test::InboxClient;
using amqp::test::send_package;

const std::string kSecret = "FAKE-test-secret-0123456789/AB=";

using Params = std::vector<std::pair<std::string, std::string>>;

// One request on a new connection, signed as the SDK signs (every parameter in the signed
// header and repeated as its own header); returns the raw answer.
std::string sdk_request(int port, const std::string& method, const std::string& path,
                        const std::string& secret, const Params& params, const std::string& body,
                        const std::string& content_type) {
  std::string sign = "{";
  std::string keys;
  for (const auto& [k, v] : params) {
    sign += (sign.size() > 1 ? "," : "") + nlohmann::json("XroadVnpt-" + k).dump() + ":" +
            nlohmann::json(v).dump();
    keys += (keys.empty() ? "" : ";") + k;
  }
  sign += "}";
  std::string req = method + " " + path + " HTTP/1.1\r\nContent-Type: " + content_type + "\r\n";
  for (const auto& [k, v] : params) req += "XroadVnpt-" + k + ": " + v + "\r\n";
  req += "XroadVnpt-sign-header-key: " + keys + "\r\n";
  req += "XroadVnpt-sign-header: " + sign + "\r\n";
  req += "XroadVnpt-hash-header: " + vxp::sign_header_mac(secret, sign) + "\r\n";
  req += "User-Agent: JAVASDKAgent/1.0.0 XRoad/VPCP\r\nXroadVnpt-version: 3.0.201608\r\n";
  req += "Host: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: keep-alive\r\n";
  if (method != "GET") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string got;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
    const auto h = got.find("\r\n\r\n");
    const auto cl = got.find("Content-Length: ");
    if (h != std::string::npos && cl != std::string::npos &&
        got.size() >= h + 4 + std::stoul(got.substr(cl + 16))) {
      break;
    }
  }
  ::close(fd);  // the SDK keeps it open; closing changes nothing for the hub
  return got;
}

// sendEdoc as the SDK makes it: the body's trailing CRLF, the unpadded hash-file.
std::string sdk_send_edoc(int port, const std::string& path, const std::string& system,
                          const std::string& secret, const std::string& package) {
  const Params params = {{"systemid", system},
                         {"servicetype", "eDoc"},
                         {"messagetype", "edoc"},
                         {"hash-file", vxp::sdk_hash_file(package)},
                         {"from", system},
                         {"to", "[\"000.00.01.G12\"]"},
                         {"timestamp", "06122026T101010+0123"},
                         {"Content-Type", "application/octet-stream"}};
  return sdk_request(port, "POST", path, secret, params, package + "\r\n",
                     "application/octet-stream");
}

nlohmann::json answer_json(const std::string& raw) {
  const auto h = raw.find("\r\n\r\n");
  if (h == std::string::npos) return nullptr;
  return nlohmann::json::parse(raw.substr(h + 4), nullptr, false);
}

std::string vxp_config(const fs::path& dir, const std::string& secret_file,
                       bool h30_uses_the_api = true) {
  std::string text = default_config(dir);
  // 000.00.13.H30 speaks the API as system "000.00.13.H30"; "g12-dms" acts for 000.00.01.G12.
  const std::string h30 = "[[endpoints]]\norgan = \"000.00.13.H30\"\n";
  if (h30_uses_the_api) {
    text.replace(text.find(h30), h30.size(), h30 + "vxp_system = \"000.00.13.H30\"\n");
  }
  const std::string g12 = "[[endpoints]]\norgan = \"000.00.01.G12\"\n";
  text.replace(text.find(g12), g12.size(), g12 + "vxp_system = \"g12-dms\"\n");
  text += "[vxp]\nenabled = true\nhost = \"127.0.0.1\"\nport = 0\nplain_http = true\n"
          "path_prefix = \"/XrdAdapter/adapter\"\n"
          "[[vxp.systems]]\nid = \"g12-dms\"\nsecret_file = \"" + secret_file + "\"\n";
  if (h30_uses_the_api) {
    text += "[[vxp.systems]]\nid = \"000.00.13.H30\"\nsecret_file = \"" + secret_file + "\"\n";
  }
  return text;
}

TEST(VxpHub, APackageSentLikeTheSdkReachesTheRecipientsAmqpInboxOnce) {
  const TempDir tmp = temp_dir("vxp-send");
  const fs::path dir = tmp.path();
  const std::string secret_file = (dir / "system.secret").string();
  { std::ofstream(secret_file) << kSecret << "\n"; }
  ::chmod(secret_file.c_str(), 0600);
  TestHub hub(dir, TestHub::FullConfig{vxp_config(dir, secret_file)});
  const int amqp_port = hub.start();
  ASSERT_GT(amqp_port, 0) << hub.log();
  const int port = std::stoi(read((dir / "data" / "vxp.port").string()));
  const std::string path = "/XrdAdapter/adapter/sendEdoc";
  const std::string good = read(kFixtures + "/good-rsa.edxml");

  const nlohmann::json ok = answer_json(sdk_send_edoc(port, path, "000.00.13.H30", kSecret, good));
  ASSERT_TRUE(ok.is_object()) << hub.log();
  EXPECT_EQ(ok["status"], "OK") << ok.dump();
  EXPECT_EQ(ok["ErrorCode"], "0");
  const std::string doc_id = ok.value("DocId", "");
  EXPECT_EQ(doc_id.size(), 24u);

  InboxClient inbox(amqp_port, kPki, organ("000.00.01.G12"), "inbox/000.00.01.G12");
  ASSERT_TRUE(inbox.wait_open()) << inbox.error();
  ASSERT_TRUE(inbox.wait_for(1)) << hub.log();
  EXPECT_EQ(inbox.received()[0].bytes, good);  // the SDK's CRLF gone, nothing else changed

  // The SDK re-sends a POST whose answer it lost: the same DocId, nothing routed twice.
  const nlohmann::json again = answer_json(sdk_send_edoc(port, path, "000.00.13.H30", kSecret, good));
  EXPECT_EQ(again["status"], "OK") << again.dump();
  EXPECT_EQ(again["DocId"], doc_id);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(inbox.received().size(), 1u);

  // A wrong secret, a system sending for another organ, a path outside the prefix: FAIL
  // answers with their codes, and nothing more reaches the inbox.
  const nlohmann::json forged = answer_json(sdk_send_edoc(port, path, "000.00.13.H30", kSecret + "x", good));
  EXPECT_EQ(forged["status"], "FAIL");
  EXPECT_EQ(forged["ErrorCode"], "104") << forged.dump();
  EXPECT_EQ(forged["DocId"], "");
  const nlohmann::json other = answer_json(sdk_send_edoc(port, path, "g12-dms", kSecret, good));
  EXPECT_EQ(other["ErrorCode"], "320") << other.dump();
  EXPECT_NE(other.value("ErrorDesc", "").find("docaxis:unauthorized"), std::string::npos) << other.dump();
  // The sender's system follows it with getSentEdocList: delivered here, and the hub's
  // receipt (kept for it, since an API system cannot take receipts) says delivered.
  const Params track = {{"systemid", "000.00.13.H30"}, {"servicetype", "eDoc"},
                        {"messagetype", "edoc"}, {"docId", doc_id},
                        {"timestamp", "06122026T101010+0123"}, {"Content-Type", "application/json"}};
  nlohmann::json sent;
  std::string sent_raw;
  for (int i = 0; i < 100; ++i) {
    sent_raw = sdk_request(port, "POST", "/XrdAdapter/adapter/getSentEdocList", kSecret, track,
                           "", "application/json");
    sent = answer_json(sent_raw);
    if (sent.value("data", nlohmann::json::array()).size() == 1 &&
        sent["data"][0].value("receiveStatus", "") == "delivered") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(sent["status"], "OK") << sent.dump();
  ASSERT_EQ(sent["data"].size(), 1u) << sent.dump();
  const nlohmann::json row = sent["data"][0];
  EXPECT_EQ(row["senderDocId"], doc_id);
  EXPECT_EQ(row["fromCode"], "000.00.13.H30");
  EXPECT_EQ(row["toCode"], "000.00.01.G12");
  EXPECT_EQ(row["sendStatus"], "delivered");
  EXPECT_EQ(row["receiveStatus"], "delivered") << row.dump();
  EXPECT_NE(row.value("receiveStatusDesc", "").find("issued by hub"), std::string::npos) << row.dump();
  EXPECT_FALSE(row.value("title", "").empty()) << row.dump();
  EXPECT_EQ(row["notation"], "74/VPCP-TTĐT") << row.dump();
  for (char c : sent_raw) ASSERT_EQ(static_cast<unsigned char>(c) & 0x80, 0) << sent_raw;  // ASCII
  // Another system does not see what H30 sent.
  Params other_track = track;
  other_track[0].second = "g12-dms";
  EXPECT_EQ(answer_json(sdk_request(port, "POST", "/XrdAdapter/adapter/getSentEdocList", kSecret,
                                    other_track, "", "application/json"))["ErrorCode"], "404");

  // The sender's system cannot fetch it: a system sees only its own organs' inboxes.
  const Params fetch = {{"systemid", "000.00.13.H30"}, {"docId", doc_id},
                        {"timestamp", "06122026T101010+0123"}, {"Content-Type", "application/json"}};
  const nlohmann::json not_yours = answer_json(sdk_request(
      port, "POST", "/XrdAdapter/adapter/getEdoc", kSecret, fetch, "{}", "application/json"));
  EXPECT_EQ(not_yours["ErrorCode"], "404") << not_yours.dump();
  EXPECT_FALSE(not_yours.contains("data"));
  const std::string raw_not_yours = sdk_request(port, "GET", "/XrdAdapter/adapter/downloadEdoc",
                                                kSecret, fetch, "", "application/json");
  EXPECT_EQ(raw_not_yours.substr(0, 12), "HTTP/1.1 404") << raw_not_yours;
  EXPECT_NE(raw_not_yours.find("Content-Length: 0\r\n"), std::string::npos) << raw_not_yours;
  const nlohmann::json lost = answer_json(sdk_send_edoc(port, "/sendEdoc", "000.00.13.H30", kSecret, good));
  EXPECT_EQ(lost["ErrorCode"], "100") << lost.dump();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(inbox.received().size(), 1u);
}

// The standard output of a shell command.
std::string run_output(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string body_of(const std::string& raw) {
  const auto h = raw.find("\r\n\r\n");
  return h == std::string::npos ? std::string() : raw.substr(h + 4);
}

TEST(VxpHub, AnInboxReadByPollingIsListedFetchedAndAcknowledgedAndTheSenderGetsTheReceipt) {
  const TempDir tmp = temp_dir("vxp-poll");
  const fs::path dir = tmp.path();
  const std::string secret_file = (dir / "system.secret").string();
  { std::ofstream(secret_file) << kSecret << "\n"; }
  ::chmod(secret_file.c_str(), 0600);
  // 000.00.01.G12 reads its inbox through the API only (system g12-dms); 000.00.13.H30 sends
  // and receives its receipts over AMQP.
  TestHub hub(dir, TestHub::FullConfig{vxp_config(dir, secret_file, /*h30_uses_the_api=*/false)});
  const int amqp_port = hub.start();
  ASSERT_GT(amqp_port, 0) << hub.log();
  const int port = std::stoi(read((dir / "data" / "vxp.port").string()));

  // Two distinct signed documents of H30 for G12.
  const std::string base = read(kFixtures + "/unsigned.edxml");
  const std::string first_id =
      "<edXML:DocumentId>000.00.13.H30,2019/01/16,74/VPCP-TTĐT</edXML:DocumentId>";
  ASSERT_NE(base.find(first_id), std::string::npos);
  auto signer = dsig::Signer::load(organ("000.00.13.H30") + ".key", organ("000.00.13.H30") + ".crt",
                                   {kPki + "/intermediates.pem"});
  ASSERT_TRUE(signer.ok()) << signer.status().to_string();
  std::vector<std::string> docs;
  for (const char* n : {"1", "2"}) {
    std::string doc = base;
    doc.replace(doc.find(first_id), first_id.size(),
                std::string("<edXML:DocumentId>000.00.13.H30,2026/12/07,") + n +
                    "/POLL</edXML:DocumentId>");
    auto signed_doc = (*signer)->sign(doc);
    ASSERT_TRUE(signed_doc.ok()) << signed_doc.status().to_string();
    docs.push_back(std::move(signed_doc).value());
  }
  InboxClient receipts(amqp_port, kPki, organ("000.00.13.H30"), "inbox/000.00.13.H30");
  ASSERT_TRUE(receipts.wait_open()) << receipts.error();
  ASSERT_EQ(send_package(amqp_port, kPki, organ("000.00.13.H30"), "edoc", docs[0]).outcome, "accepted");

  // Every call the way the SDK makes it, with leftover parameters of earlier calls.
  Params leftovers = {{"systemid", "g12-dms"}, {"servicetype", "eDoc"}, {"from", "000.00.01.G12"},
                      {"hash-file", "0"}, {"timestamp", "07122026T010203+0456"},
                      {"Content-Type", "application/json"}};
  auto call = [&](const std::string& method, const std::string& op, const Params& extra) {
    Params p = leftovers;
    for (const auto& e : extra) p.push_back(e);
    return sdk_request(port, method, "/XrdAdapter/adapter/" + op, kSecret, p,
                       method == "GET" ? "" : "{}", "application/json");
  };
  const nlohmann::json list = answer_json(call("POST", "getReceivedEdocList", {{"messagetype", "edoc"}}));
  ASSERT_EQ(list["status"], "OK") << list.dump() << hub.log();
  ASSERT_EQ(list["data"].size(), 1u) << list.dump();
  const nlohmann::json item = list["data"][0];
  const std::string doc_id = item.value("docId", "");
  EXPECT_EQ(doc_id, vxp::Api::doc_id(docs[0]));
  EXPECT_EQ(item["from"], "000.00.13.H30");
  EXPECT_EQ(item["to"], "000.00.01.G12");
  EXPECT_EQ(item["messageType"], "edoc");
  EXPECT_EQ(item["status"], "waiting");
  EXPECT_EQ(answer_json(call("POST", "countReceiveEdoc", {}))["count"], 1);
  EXPECT_EQ(answer_json(call("POST", "countReceiveStatus", {}))["count"], 0);
  EXPECT_EQ(answer_json(call("POST", "getReceivedEdocList", {{"messagetype", "status"}}))["data"].size(), 0u);

  // getEdoc: base64 of the exact bytes; downloadEdoc: the bytes themselves.
  const nlohmann::json got = answer_json(call("POST", "getEdoc", {{"docId", doc_id}, {"filePath", "/tmp/x"}}));
  ASSERT_EQ(got["status"], "OK") << got.dump();
  const std::string b64 = got.value("data", "");
  EXPECT_GT(b64.size(), docs[0].size());
  const std::string raw = call("GET", "downloadEdoc", {{"docId", doc_id}});
  EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 200") << raw.substr(0, 300);
  EXPECT_EQ(body_of(raw), docs[0]);

  // An intermediate status is recorded and shown; the document stays listed.
  const nlohmann::json processing =
      answer_json(call("POST", "updateStatus", {{"docId", doc_id}, {"status", "processing"}}));
  EXPECT_EQ(processing["status"], "OK") << processing.dump();
  EXPECT_EQ(answer_json(call("POST", "getReceivedEdocList", {{"messagetype", "edoc"}}))["data"][0]["status"],
            "processing");

  // done: delivered, the signed receipt goes to the sender; asked again, the same answer.
  const nlohmann::json done = answer_json(call("POST", "updateStatus", {{"docId", doc_id}, {"status", "done"}}));
  EXPECT_EQ(done["status"], "OK") << done.dump();
  EXPECT_EQ(done["state"], "delivered");
  const nlohmann::json again = answer_json(call("POST", "updateStatus", {{"docId", doc_id}, {"status", "done"}}));
  EXPECT_EQ(again["status"], "OK") << again.dump();
  EXPECT_EQ(answer_json(call("POST", "countReceiveEdoc", {}))["count"], 0);
  ASSERT_TRUE(receipts.wait_for(1)) << hub.log();
  EXPECT_NE(receipts.received()[0].bytes.find(">delivered<"), std::string::npos)
      << receipts.received()[0].bytes;

  // fail: refused with the recipient's reason in the receipt; done afterwards cannot undo it.
  ASSERT_EQ(send_package(amqp_port, kPki, organ("000.00.13.H30"), "edoc", docs[1]).outcome, "accepted");
  const std::string second = vxp::Api::doc_id(docs[1]);
  const nlohmann::json failed = answer_json(call(
      "POST", "updateStatus", {{"docId", second}, {"status", "fail"}, {"description", "cannot import"}}));
  EXPECT_EQ(failed["status"], "OK") << failed.dump();
  EXPECT_EQ(failed["state"], "refused");
  const nlohmann::json late = answer_json(call("POST", "updateStatus", {{"docId", second}, {"status", "done"}}));
  EXPECT_EQ(late["ErrorCode"], "410") << late.dump();
  ASSERT_TRUE(receipts.wait_for(2)) << hub.log();
  EXPECT_NE(receipts.received()[1].bytes.find(">rejected<"), std::string::npos);
  EXPECT_NE(receipts.received()[1].bytes.find("cannot import"), std::string::npos);

  // Unknown ids: 404 in JSON, an empty body for downloadEdoc; a malformed id likewise.
  const nlohmann::json unknown = answer_json(call("POST", "getEdoc", {{"docId", std::string(24, '0')}}));
  EXPECT_EQ(unknown["ErrorCode"], "404") << unknown.dump();
  EXPECT_EQ(body_of(call("GET", "downloadEdoc", {{"docId", std::string(24, '0')}})), "");
  EXPECT_EQ(answer_json(call("POST", "getEdoc", {{"docId", "' OR 1=1 --"}}))["ErrorCode"], "404");
  EXPECT_EQ(answer_json(call("POST", "updateStatus", {{"docId", second}}))["ErrorCode"], "100");

  // The operator sees the system's activity and the polled delivery's trail.
  const std::string cli = std::string(DOCAXIS_CLI_BINARY) + " ";
  const std::string socket = " --socket " + (dir / "data" / "admin.sock").string() + " 2>&1";
  const nlohmann::json endpoints =
      nlohmann::json::parse(run_output(cli + "endpoint list --json" + socket), nullptr, false);
  ASSERT_TRUE(endpoints.is_object()) << run_output(cli + "endpoint list --json" + socket);
  bool seen = false;
  for (const auto& e : endpoints["endpoints"]) {
    if (e["organ"] != "000.00.01.G12") continue;
    seen = true;
    EXPECT_EQ(e["vxp_system"], "g12-dms");
    EXPECT_TRUE(e["vxp_last_request_ms"].is_number()) << e.dump();
    EXPECT_TRUE(e["last_answered_ms"].is_number()) << e.dump();  // updateStatus answers count
  }
  EXPECT_TRUE(seen);
  const std::string shown = run_output(cli + "doc show 000.00.13.H30,2026/12/07,1/POLL" + socket);
  EXPECT_NE(shown.find("fetched"), std::string::npos) << shown;
  EXPECT_NE(shown.find("acknowledged"), std::string::npos) << shown;
  EXPECT_NE(shown.find("vxp:g12-dms"), std::string::npos) << shown;
}

TEST(VxpHub, TheDirectoryIsServedAndOnlyAnAdministratorSystemChangesItWithAnAuditRecord) {
  const TempDir tmp = temp_dir("vxp-dir");
  const fs::path dir = tmp.path();
  const std::string secret_file = (dir / "system.secret").string();
  { std::ofstream(secret_file) << kSecret << "\n"; }
  ::chmod(secret_file.c_str(), 0600);
  {
    std::ofstream(dir / "directory.json")
        << R"({"version":1,"organs":[)"
           R"({"id":"000.00.00.G22","pid":"","name":"Văn phòng Chính phủ","mail":"vpcp@gov.vn"},)"
           R"({"id":"000.00.13.H30","pid":"","name":"UBND tỉnh Hòa Bình","mail":""}]})";
  }
  std::string config = vxp_config(dir, secret_file);
  // g12-dms administers the directory; 000.00.13.H30 does not.
  const std::string g12 = "[[vxp.systems]]\nid = \"g12-dms\"\n";
  config.replace(config.find(g12), g12.size(), g12 + "admin = true\n");
  config.replace(config.find("[vxp]\n"), 6,
                 "[vxp]\ndirectory_file = \"" + (dir / "directory.json").string() + "\"\n");
  TestHub hub(dir, TestHub::FullConfig{config});
  ASSERT_GT(hub.start(), 0) << hub.log();
  const int port = std::stoi(read((dir / "data" / "vxp.port").string()));
  auto call = [&](const std::string& system, const std::string& op, const Params& extra,
                  const std::string& body) {
    Params p = {{"systemid", system}, {"timestamp", "07122026T010203+0456"},
                {"Content-Type", "application/json"}};
    for (const auto& e : extra) p.push_back(e);
    const std::string raw = sdk_request(port, "POST", "/XrdAdapter/adapter/" + op, kSecret, p,
                                        body, "application/json");
    for (char c : raw) EXPECT_EQ(static_cast<unsigned char>(c) & 0x80, 0);  // ASCII answers
    return answer_json(raw);
  };
  const nlohmann::json list = call("000.00.13.H30", "getAgenciesList", {}, "");
  ASSERT_EQ(list["status"], "OK") << list.dump() << hub.log();
  ASSERT_EQ(list["data"].size(), 2u) << list.dump();
  EXPECT_EQ(list["data"][0]["code"], "000.00.00.G22");
  EXPECT_EQ(list["data"][0]["name"], "Văn phòng Chính phủ");

  const std::string organ_json =
      R"({"code":"000.00.31.H30","pid":"000.00.13.H30","name":"UBND huyện Lạc Sơn","mail":""})";
  const nlohmann::json refused = call("000.00.13.H30", "registerAgency", {}, organ_json);
  EXPECT_EQ(refused["ErrorCode"], "107") << refused.dump();
  const nlohmann::json added = call("g12-dms", "registerAgency", {}, organ_json);
  EXPECT_EQ(added["status"], "OK") << added.dump();
  EXPECT_EQ(call("000.00.13.H30", "getAgenciesList", {}, "")["data"].size(), 3u);
  const nlohmann::json removed = call("g12-dms", "deleteAgency", {{"AgencyCode", "000.00.31.H30"}}, "{}");
  EXPECT_EQ(removed["status"], "OK") << removed.dump();
  const nlohmann::json sync = call("000.00.13.H30", "getSynchronizeUnit", {}, "");
  ASSERT_EQ(sync["data"].size(), 3u) << sync.dump();  // the deleted one is reported deleted
  EXPECT_EQ(call("g12-dms", "deleteAgency", {{"AgencyCode", "000.00.99.H30"}}, "{}")["ErrorCode"], "405");

  // Both changes are operator records of the audit log, by the system.
  std::string audit;
  for (const auto& e : fs::recursive_directory_iterator(dir / "data")) {
    if (e.is_regular_file() && e.path().string().find("audit") != std::string::npos) {
      audit += read(e.path().string());
    }
  }
  EXPECT_NE(audit.find("register-agency"), std::string::npos);
  EXPECT_NE(audit.find("delete-agency"), std::string::npos);
  EXPECT_NE(audit.find("vxp:g12-dms"), std::string::npos);
}

TEST(VxpHub, AHubRefusesToStartWithASecretOthersCanRead) {
  const TempDir tmp = temp_dir("vxp-secret");
  const fs::path dir = tmp.path();
  const std::string secret_file = (dir / "system.secret").string();
  { std::ofstream(secret_file) << kSecret << "\n"; }
  ::chmod(secret_file.c_str(), 0644);
  TestHub hub(dir, TestHub::FullConfig{vxp_config(dir, secret_file)});  // writes hub.toml
  const std::string cmd = kHub + " --config " + (dir / "hub.toml").string() + " >" +
                          (dir / "out.txt").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  const std::string log = read((dir / "out.txt").string());
  EXPECT_NE(log.find("secret-not-private"), std::string::npos) << log;
  EXPECT_NE(log.find("chmod 600"), std::string::npos) << log;
  EXPECT_EQ(log.find(kSecret), std::string::npos) << log;  // never the secret itself
  EXPECT_FALSE(fs::exists(dir / "data" / "hub.port"));
}

}  // namespace
}  // namespace docaxis::test
