// One bounded HTTP(S) GET, the only place libcurl is used (hub/crl/README.md, "Fetching").
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include "common/status.hpp"

namespace docaxis::crl {

struct FetchLimits {
  std::size_t max_bytes = 16 * 1024 * 1024;      // a larger body is abandoned (crl-too-large)
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds total_timeout{30};        // the whole transfer, redirects included
  std::string proxy;                             // "" = none; the environment is never read
  const std::atomic<bool>* cancel = nullptr;     // when it turns true, the transfer is abandoned
};

// The scheme of `url` is http or https (case-insensitive).
bool is_fetchable_url(const std::string& url);

// Calls curl_global_init once (thread-safe); the CrlFetcher does it on construction, before its
// thread starts.
void init_http();

// GETs `url`; the body of a 200 answer. HTTPS servers are verified against the system CA store
// (libcurl's default bundle) with host-name checking. Redirects are never followed (README.md,
// "Fetching"): a 3xx answer is crl-redirect-refused, naming where it pointed. Codes:
// crl-fetch-failed (network, timeout, TLS, an HTTP status other than 200 or 3xx, a scheme other
// than http/https), crl-redirect-refused, crl-too-large.
Result<std::string> http_get(const std::string& url, const FetchLimits& limits);

}  // namespace docaxis::crl
