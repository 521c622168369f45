#include "crl/http_fetch.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string_view>

namespace docaxis::crl {
namespace {

struct Sink {
  std::string body;
  std::size_t max_bytes = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t bytes = size * n;
  if (sink->body.size() + bytes > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // abort the transfer (CURLE_WRITE_ERROR)
  }
  try {
    sink->body.append(data, bytes);
  } catch (...) {
    return 0;
  }
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(user);
  return cancel != nullptr && cancel->load() ? 1 : 0;  // non-zero aborts the transfer
}

struct EasyFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A server-chosen text for a log field and a /readyz line: printable ASCII only (anything else
// as '?'), at most 200 bytes.
std::string printable(std::string_view text) {
  std::string out;
  for (char ch : text.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(ch);
    out += (u >= 0x20 && u < 0x7f) ? ch : '?';
  }
  if (text.size() > 200) out += "...";
  return out;
}

}  // namespace

bool is_fetchable_url(const std::string& url) {
  const std::string l = lower(url.substr(0, 8));
  return l.rfind("http://", 0) == 0 || l.rfind("https://", 0) == 0;
}

void init_http() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<std::string> http_get(const std::string& url, const FetchLimits& limits) {
  if (!is_fetchable_url(url)) {
    return Status{"crl-fetch-failed", "only http and https URLs are fetched"};
  }
  init_http();
  std::unique_ptr<CURL, EasyFree> curl(curl_easy_init());
  if (!curl) return Status{"crl-fetch-failed", "cannot create a libcurl handle"};
  CURL* c = curl.get();
  Sink sink;
  sink.max_bytes = limits.max_bytes;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Never follow a redirect (README.md, "Fetching"); the protocol lists above stay as a second
  // fence should that ever change.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(limits.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(limits.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.max_bytes));
  // An empty proxy string turns proxies off, including http_proxy/https_proxy/all_proxy.
  curl_easy_setopt(c, CURLOPT_PROXY, limits.proxy.c_str());
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "docaxis-hub-crl/1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  if (limits.cancel != nullptr) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(limits.cancel));
  }
  const CURLcode rc = curl_easy_perform(c);
  if (sink.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
    return Status{"crl-too-large", "the response exceeds " + std::to_string(limits.max_bytes) +
                                       " bytes (trust.crl_max_bytes)"};
  }
  if (rc != CURLE_OK) {
    return Status{"crl-fetch-failed",
                  std::string(curl_easy_strerror(rc)) + (error[0] ? std::string(": ") + error : "")};
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 300 && status < 400) {
    char* location = nullptr;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
    return Status{"crl-redirect-refused",
                  "HTTP status " + std::to_string(status) + " to " +
                      (location != nullptr ? printable(location) : std::string("(no Location)")) +
                      "; redirects are not followed (name the CRL's URL in trust.crl_fetch_urls)"};
  }
  if (status != 200) {
    return Status{"crl-fetch-failed", "HTTP status " + std::to_string(status)};
  }
  return std::move(sink.body);
}

}  // namespace docaxis::crl
