#include "vxp/answer.hpp"

#include <array>

#include "model/codes.hpp"

namespace docaxis::vxp {
namespace {

constexpr std::array kErrors = {
    ApiError{"0", "", "success"},
    ApiError{"100", "bad-request", "not an API request: unknown operation, wrong method, a missing parameter"},
    ApiError{"101", "auth-header-missing", "no XroadVnpt-systemid, -sign-header or -hash-header"},
    ApiError{"102", "auth-header-repeated", "one of those headers appears twice"},
    ApiError{"103", "unknown-system", "the systemid is not configured on this hub"},
    ApiError{"104", "bad-hmac", "XroadVnpt-hash-header is not the HMAC of the sign-header under the system's secret"},
    ApiError{"105", "bad-sign-header", "the signed header is not a flat JSON object of XroadVnpt- strings, repeats a member, or signs another systemid"},
    ApiError{"106", "param-mismatch", "a XroadVnpt- header differs from the value signed for it"},
    ApiError{"107", "not-permitted", "the system may not make this call (e.g. registerAgency without administrator rights)"},
    ApiError{"108", "organ-not-allowed", "the package's sender organ is not one the system acts for"},
    ApiError{"109", "not-served", "this hub does not serve the operation (yet)"},
    ApiError{"200", "hash-file-mismatch", "the body is not the file the signed hash-file names"},
    ApiError{"201", "too-large", "the body is larger than the hub's package limit"},
    ApiError{"202", "request-timeout", "the body did not arrive within the request timeout"},
    ApiError{"203", "header-too-large", "the request line and headers are larger than the hub's limit"},
    ApiError{"300", "edxml codes", "the package is not acceptable edXML (malformed-xml, not-edxml, missing-element, ...)"},
    ApiError{"310", "dsig codes", "the package's XML signature is refused (unsigned, signature-invalid, cert-untrusted, ...)"},
    ApiError{"320", "routing codes", "the package cannot be routed from this system (no-route, unauthorized, routing-loop, ...)"},
    ApiError{"330", "duplicate-conflict", "the same document id was sent before with other bytes"},
    ApiError{"340", "other permanent codes", "refused for another stated reason; do not resend the same bytes"},
    ApiError{"404", "unknown-document", "no document with this docId is waiting for this system"},
    ApiError{"405", "unknown-organ", "no organ with this code in the hub's directory (deleteAgency)"},
    ApiError{"410", "already-ended", "the document's delivery already ended otherwise (refused, or expired past the deadline): the status cannot change it"},
    ApiError{"411", "released", "the document's bytes were released by the hub's retention policy (its delivery had ended long before); its metadata and receipts remain"},
    ApiError{"500", "transient codes", "nothing was kept (store-busy, overloaded, internal): send again later"},
};

std::string ascii_json(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::span<const ApiError> api_errors() { return kErrors; }

std::string_view error_code_for(std::string_view code) {
  for (const ApiError& e : kErrors) {
    if (e.name == code && !code.empty()) return e.error_code;
  }
  const model::RefusalCode* r = model::find_refusal_code(code);
  if (r == nullptr) return "340";
  if (r->cls == model::CodeClass::kTransient) return "500";
  if (r->code == "duplicate-conflict") return "330";
  if (r->decided_by == "edxml") return "300";
  if (r->decided_by == "dsig") return "310";
  if (r->decided_by == "routing") return "320";
  return "340";
}

std::string ok_answer(const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json j = {{"status", "OK"}, {"ErrorCode", "0"}, {"ErrorDesc", ""}};
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  }
  return ascii_json(j);
}

std::string fail_answer(std::string_view refusal_code, std::string_view detail,
                        const nlohmann::ordered_json& fields) {
  std::string desc = "docaxis:" + std::string(refusal_code);
  if (!detail.empty()) desc += ": " + std::string(detail);
  nlohmann::ordered_json j = {{"status", "FAIL"},
                              {"ErrorCode", std::string(error_code_for(refusal_code))},
                              {"ErrorDesc", desc}};
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  }
  return ascii_json(j);
}

}  // namespace docaxis::vxp
