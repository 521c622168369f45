// cert.list: the certificate inventory (README.md), soonest expiry first.
#include <algorithm>

#include "admin/service.hpp"

namespace docaxis::admin {

using nlohmann::json;

Result<json> AdminService::cert_list() {
  const int64_t t = now();
  const int64_t now_s = t / 1000;
  std::vector<model::CertInfo> certs;
  if (ports_.certificates) certs = ports_.certificates();
  std::stable_sort(certs.begin(), certs.end(), [](const model::CertInfo& a, const model::CertInfo& b) {
    return a.not_after < b.not_after;
  });
  json out = json::array();
  for (const model::CertInfo& c : certs) {
    out.push_back({{"role", c.role},
                   {"subject", c.subject},
                   {"issuer", c.issuer},
                   {"serial", c.serial},
                   {"sha256", c.sha256},
                   {"not_before_ms", c.not_before * 1000},
                   {"not_after_ms", c.not_after * 1000},
                   {"days_left", model::days_left(c, now_s)},
                   {"expired", c.not_after <= now_s},
                   {"last_seen_ms", c.last_seen * 1000},
                   {"source", c.source}});
  }
  return json{{"now_ms", t}, {"warn_days", config_.certs.warn_days}, {"certificates", out}};
}

}  // namespace docaxis::admin
