// What the hub answers an axis HTTP API call: JSON the SDK reads as US-ASCII, with `status`,
// `ErrorCode` and `ErrorDesc` always present as strings (the SDK drops an answer whose read
// fields are missing or null), and the public table of `ErrorCode` values (README.md "Error
// codes"), onto which every `docaxis:` refusal code of the hub maps.
#pragma once

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <string_view>

namespace docaxis::vxp {

struct ApiError {
  std::string_view error_code;  // the numeric ErrorCode, as a string
  std::string_view name;        // the refusal code(s) behind it
  std::string_view meaning;     // one line, as in README.md
};

// Every ErrorCode the API answers, in README order ("0" first).
std::span<const ApiError> api_errors();

// The ErrorCode for a refusal code: the API's own codes (auth.hpp, send_body.hpp, ...) map one
// to one; the hub's registered refusal codes (model/codes.hpp) map by what decided them (edXML,
// signature, routing, the duplicate rule) or by class (transient: try again); anything else is
// "340" (refused).
std::string_view error_code_for(std::string_view refusal_code);

// {"status":"OK","ErrorCode":"0","ErrorDesc":"", ...fields}: `fields` (an object) after the base.
std::string ok_answer(const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

// {"status":"FAIL","ErrorCode":"<n>","ErrorDesc":"docaxis:<code>: <detail>", ...fields}. The
// description is ASCII (anything else is \u-escaped, invalid UTF-8 replaced).
std::string fail_answer(std::string_view refusal_code, std::string_view detail,
                        const nlohmann::ordered_json& fields = nlohmann::ordered_json::object());

}  // namespace docaxis::vxp
