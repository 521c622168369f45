#include "model/trail.hpp"

#include <algorithm>

namespace docaxis::model {

bool is_valid_hub_name(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  if (!std::all_of(name.begin(), name.end(), ok)) return false;
  return name[0] != '.' && name[0] != '_' && name[0] != '-';
}

std::string encode_trail(const Trail& trail) {
  std::string out;
  for (const Hop& h : trail) {
    if (!out.empty()) out += ';';
    out += h.hub;
    out += '@';
    out += std::to_string(h.arrived_ms);
  }
  return out;
}

std::vector<std::string_view> split_trail(std::string_view property) {
  std::vector<std::string_view> out;
  if (property.empty()) return out;
  for (;;) {
    const std::size_t semi = property.find(';');
    out.push_back(property.substr(0, semi));
    if (semi == std::string_view::npos) return out;
    property.remove_prefix(semi + 1);
  }
}

Result<Hop> parse_hop(std::string_view text, std::size_t index) {
  auto bad = [&](const std::string& why) {
    return Status("bad-hops", "hop " + std::to_string(index) + " \"" + printable(text) +
                                  "\" of the trail " + why +
                                  " (expected <hub-name> or <hub-name>@<unix ms>)");
  };
  const std::size_t at = text.find('@');
  Hop hop;
  hop.hub = std::string(text.substr(0, at));
  if (!is_valid_hub_name(hop.hub)) {
    return bad("has an invalid hub name ([a-z0-9._-], 1..63, starting with a letter or digit)");
  }
  if (at == std::string_view::npos) return hop;
  const std::string_view ms = text.substr(at + 1);
  if (ms.empty() || ms.size() > kMaxTimeDigits ||
      !std::all_of(ms.begin(), ms.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad("has an invalid time after '@' (1.." + std::to_string(kMaxTimeDigits) + " digits)");
  }
  for (char c : ms) hop.arrived_ms = hop.arrived_ms * 10 + (c - '0');
  return hop;
}

std::string printable(std::string_view text, std::size_t max) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

bool trail_contains(const Trail& trail, std::string_view hub) {
  return std::any_of(trail.begin(), trail.end(), [&](const Hop& h) { return h.hub == hub; });
}

std::string format_trail(const Trail& trail) {
  if (trail.empty()) return "empty";
  std::string s;
  for (const Hop& h : trail) s += (s.empty() ? "" : " > ") + h.hub;
  return s;
}

}  // namespace docaxis::model
