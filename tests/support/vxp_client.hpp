// A test client of the axis HTTP API (hub/vxp) that makes its requests exactly the way the
// official Java SDK (SDKVXP 2.0.1) does, byte for byte as recorded in
// shared/vxp-recordings (see shared/notes/vxp-http-api.md and README.md in this folder):
//
// - one parameter map for the client's lifetime, with java.util.HashMap's iteration order,
//   leftover parameters of earlier calls re-sent (SdkClient::reset_parameters for a fresh map);
// - the sign-header in Gson's escaping, the HMAC-SHA256 hash-header, the header set and order
//   of the JDK HttpURLConnection path (sendEdoc) and of the Apache HttpClient path (the rest);
// - a new TCP connection per request (plain or TLS), `Expect: 100-continue` with the 3 s wait,
//   the socket dropped after the answer.
//
// Library docaxis::test_vxp_client. Test support only. Threads: a SdkClient has one owner;
// send_raw is thread-safe (no shared state but the one-time SIGPIPE setting, below).
// The first request of the process sets SIGPIPE to "ignore" when it is at its default, so that a
// server closing early is a clear error, not the death of the test.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace docaxis::test::vxp {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// --- The SDK's encodings (pure functions, exposed for tests) ---------------------------------

// Java's String.hashCode over the UTF-16 units of `utf8` (malformed bytes count as U+FFFD).
std::int32_t java_string_hash(std::string_view utf8);

// A String->String map iterating like java.util.HashMap<String,String>: bucket
// (h ^ (h >>> 16)) & (n-1), table of 16 doubling when size > 0.75 n (and when a chain reaches 9
// entries in a table under 64, as treeifyBin does); within a bucket, insertion order. Tree bins
// (a chain of 9+ in a table of 64+) are not modelled.
class JavaHashMap {
 public:
  void put(const std::string& key, const std::string& value);
  const std::string* get(std::string_view key) const;
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return table_.size(); }
  // Entries in iteration order.
  HeaderList entries() const;

 private:
  struct Entry {
    std::string key;
    std::string value;
    std::uint32_t hash;
  };
  void resize();
  std::vector<std::vector<Entry>> table_;
  std::size_t size_ = 0;
};

// `value` as Gson writes a string with HTML escaping disabled (the SDK's Gson): quotes added,
// `"` `\` escaped, \t \b \n \r \f short, other controls \u00xx, U+2028/U+2029 \u2028/\u2029,
// everything else (< > & = ' / and non-ASCII) raw.
std::string gson_string(std::string_view value);

// The SDK's hash-file: SHA-256 with each byte as Integer.toHexString(b & 0xff) (no zero padding).
std::string sdk_hash_file(std::string_view bytes);

// The timestamp the SDK fixes when its service object is made: ddMMyyyy'T'HHmmss+SSSS, local
// time, SSSS the milliseconds on four digits.
std::string sdk_timestamp(std::chrono::system_clock::time_point when);

// What the SDK signs for a parameter map (in its iteration order).
struct Signature {
  std::string sign_header_key;  // names joined by ';'
  std::string sign_header;      // {"XroadVnpt-<name>":"<value>",...} compact, Gson escaping
  std::string hash_header;      // lowercase hex HMAC-SHA256(secret bytes, sign_header bytes)
};
Signature sign(const HeaderList& params, std::string_view secret);

// Apache HttpClient's header writing when the URL names a port: each UTF-16 unit's low byte.
std::string low_byte_of_utf16(std::string_view utf8);

// --- Transport -------------------------------------------------------------------------------

// A TLS client context kept across requests, as the JDK's default SSLContext is for
// HttpsURLConnection (the SDK's sendEdoc path): the trust is loaded once, and the sessions the
// server gives are kept per host and port (up to 64 each) and offered again, so a new
// connection resumes. A session is offered to one connection at a time (a TLS 1.3 ticket is
// used once); a request that finds none does a full handshake. Thread-safe.
class TlsSessionCache {
 public:
  TlsSessionCache();
  ~TlsSessionCache();
  TlsSessionCache(const TlsSessionCache&) = delete;
  TlsSessionCache& operator=(const TlsSessionCache&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

struct Endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path_prefix;  // e.g. "/XrdAdapter/adapter" ("" for none); no trailing '/'
  bool https = false;
  std::string ca_file;      // https: PEM CA(s) the server's chain must verify against
  std::string server_name;  // https: expected name (DNS name or IP) and SNI; "" = host
  // https: the context and sessions to use (resumption); null = a fresh context per request,
  // as Apache HttpClient's client made per request (no resumption).
  std::shared_ptr<TlsSessionCache> tls_sessions;
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds io_timeout{30000};        // each wait for the socket
  std::chrono::milliseconds request_timeout{300000};  // the whole exchange after connect
  std::chrono::milliseconds expect_wait{3000};        // Expect: 100-continue (the SDK's 3 s)
  std::size_t max_response_bytes = std::size_t{256} << 20;
};

// A request sent as is: the request line, then `headers` in order, then `body`. Nothing is
// added (no Host, no Content-Length): the caller writes every header.
struct RawRequest {
  std::string method = "POST";
  std::string target;  // e.g. "/XrdAdapter/adapter/getEdoc"
  HeaderList headers;  // name, value (raw bytes)
  std::string body;
  // Wait (Endpoint::expect_wait) after the headers for `100 Continue` or a final answer before
  // the body; a final answer means the body is never sent. Does not add the Expect header.
  bool expect_continue = false;
  // A slow body: sent in pieces of `body_piece` bytes, `body_pause` between them (0: at once).
  std::size_t body_piece = 0;
  std::chrono::milliseconds body_pause{0};
  // Stop after this many body bytes and close (a client that drops mid-body); npos = all.
  std::size_t body_cut = std::string::npos;

  // Edits for refusal tests on a built request (SdkClient::build): the value of the first
  // header named exactly `name` (appended when there is none); removes every header so named.
  void set_header(const std::string& name, const std::string& value);
  void remove_header(const std::string& name);
};

struct Response {
  int status = 0;
  std::string reason;
  HeaderList headers;              // as received, in order
  std::string body;                // decoded from chunked framing; Content-Encoding is not undone
  bool continue_received = false;  // a `100 Continue` came before the final answer
  bool body_sent = false;          // the whole request body was written
  bool tls_resumed = false;        // https: the handshake resumed an earlier session
  std::string request_head;        // the request line and headers exactly as sent
  // The body parsed as JSON when it is JSON; else nullopt and json_error says why.
  std::optional<nlohmann::json> json;
  std::string json_error;

  // The first header named `name`, ignoring ASCII case; nullptr when absent.
  const std::string* header(std::string_view name) const;
  // A JSON member read the SDK's way (lenient Gson, everything a string): strings as is,
  // numbers and booleans as their text, "" when absent, null, not JSON or not an object.
  std::string field(std::string_view name) const;
  // status "OK" and ErrorCode "0".
  bool ok() const { return field("status") == "OK" && field("ErrorCode") == "0"; }
};

// One request over a new connection, closed afterwards. Codes: connect-failed, tls-failed,
// io-failed, timeout, bad-response, response-too-large.
Result<Response> send_raw(const Endpoint& endpoint, const RawRequest& request);

// --- The SDK client --------------------------------------------------------------------------

class SdkClient {
 public:
  // How the request is written: sendEdoc's JDK HttpURLConnection, or Apache HttpClient 4.5.
  enum class Path { kJdk, kApache };

  struct Call {
    std::string operation;  // "getEdoc": the URL is <prefix>/<operation>
    std::string method = "POST";
    Path path = Path::kApache;
    std::string content_type = "application/json";
    std::optional<std::string> body;  // nullopt: no body and no Content-Length (a GET)
    bool expect_continue = false;
  };

  // The timestamp is fixed here (the clock now unless given), as in the SDK's service object.
  SdkClient(Endpoint endpoint, std::string system_id, std::string secret,
            std::optional<std::string> timestamp = std::nullopt);

  const Endpoint& endpoint() const { return endpoint_; }
  Endpoint& endpoint() { return endpoint_; }
  const std::string& timestamp() const { return timestamp_; }
  void set_timestamp(std::string timestamp);

  // The one parameter map (SDK: never emptied). put() as the SDK's setParam.
  void put(const std::string& key, const std::string& value) { params_.put(key, value); }
  const JavaHashMap& parameters() const { return params_; }
  // A fresh map as a new service object has it: systemid, timestamp, Content-Type.
  void reset_parameters();

  // The Apache path writes non-ASCII header bytes as the low byte of each UTF-16 unit when the
  // URL names a port (always here), as the SDK does: true by default (faithful); the HMAC is
  // still over the UTF-8 sign-header, so such a request fails authentication.
  void set_apache_low_byte_headers(bool on) { apache_low_byte_ = on; }

  // The SDK's re-sends when a connection ends without an answer (the request arrives again):
  // the Apache path up to `apache` more times (the SDK's `retry`, 3 in its sample), sendEdoc's
  // JDK path at most once. 0 here by default: a test sees each failure; set it to be faithful.
  void set_resends(int apache) { resends_ = apache; }

  // The JDK path's TLS context (HttpsURLConnection's process-wide SSLContext): when set, the
  // sendEdoc requests over HTTPS use it and resume; the Apache path never does.
  void set_jdk_tls_sessions(std::shared_ptr<TlsSessionCache> s) { jdk_tls_ = std::move(s); }

  // Where requests go: send_raw over endpoint() unless replaced (e.g. to capture requests).
  using Transport = std::function<Result<Response>(const RawRequest&)>;
  void set_transport(Transport t) { transport_ = std::move(t); }

  // The request for `call` with the current map (Content-Type put first), without sending it.
  RawRequest build(const Call& call);
  Result<Response> send(const Call& call);

  // The SDK's operations (parameters put into the map, then sent).
  Result<Response> send_edoc(std::string_view package, const std::string& messagetype,
                             const std::string& from,
                             const std::optional<std::string>& to_json = std::nullopt);
  Result<Response> get_received_edoc_list(const std::string& messagetype);
  Result<Response> get_edoc(const std::string& doc_id, const std::string& file_path = "store");
  Result<Response> download_edoc(const std::string& doc_id, const std::string& file_path = "store");
  Result<Response> update_status(const std::string& doc_id, const std::string& status);
  Result<Response> get_sent_edoc_list(const std::string& messagetype, const std::string& doc_id);
  Result<Response> count_receive_edoc(const std::string& messagetype = "edoc");
  Result<Response> count_receive_status(const std::string& messagetype = "status");
  Result<Response> get_agencies_list(const HeaderList& params = {});
  Result<Response> get_agencies_list_qd20(const std::string& level);
  Result<Response> get_synchronize_unit();
  Result<Response> register_agency(const std::string& agency_json);
  Result<Response> delete_agency(const std::string& agency_code);

 private:
  Endpoint endpoint_;
  std::string system_id_;
  std::string secret_;
  std::string timestamp_;
  JavaHashMap params_;
  bool apache_low_byte_ = true;
  int resends_ = 0;
  Transport transport_;
  std::shared_ptr<TlsSessionCache> jdk_tls_;
};

}  // namespace docaxis::test::vxp
