#include "edxml/model.hpp"

namespace docaxis::edxml {

std::optional<StatusCode> parse_status_code(std::string_view two_digits) {
  static constexpr struct {
    std::string_view text;
    StatusCode code;
  } kCodes[] = {
      {"01", StatusCode::arrived},        {"02", StatusCode::refused},
      {"03", StatusCode::accepted},       {"04", StatusCode::assigned},
      {"05", StatusCode::processing},     {"06", StatusCode::finished},
      {"13", StatusCode::recall_request}, {"15", StatusCode::recall_agreed},
      {"16", StatusCode::recall_refused},
  };
  for (const auto& c : kCodes) {
    if (c.text == two_digits) return c.code;
  }
  return std::nullopt;
}

std::string status_code_text(StatusCode code) {
  const int n = static_cast<int>(code);
  return std::string(1, static_cast<char>('0' + n / 10)) + static_cast<char>('0' + n % 10);
}

bool Package::has_errors() const {
  for (const Finding& f : findings) {
    if (f.severity == Finding::Severity::error) return true;
  }
  return false;
}

Status Package::first_error() const {
  for (const Finding& f : findings) {
    if (f.severity == Finding::Severity::error) {
      return Status{f.code, f.path + " (line " + std::to_string(f.line) + "): " + f.message};
    }
  }
  return Status{};
}

}  // namespace docaxis::edxml
