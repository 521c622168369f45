#include "config/rules.hpp"

#include <algorithm>
#include <array>

#include "common/strings.hpp"
#include "edxml/organ_id.hpp"
#include "model/trail.hpp"

namespace docaxis::config {
namespace {

bool digits(std::string_view s, std::size_t n) {
  return s.size() == n &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
// of adjacent characters ("prot" -> "port" is one edit), the usual shape of a typo.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

Status bad_suffix(std::string_view suffix, const std::string& why) {
  return {"invalid-argument", "suffix \"" + std::string(suffix) + "\" " + why +
                                  " (a suffix is 1 to 4 whole groups of ddd.dd.dd.Lnn, "
                                  "counted from the right, e.g. \".G12\" or \"31.H30\")"};
}

}  // namespace

Result<std::string> normalize_suffix(std::string_view suffix) {
  std::string_view s = suffix;
  if (!s.empty() && s.front() == '.') s.remove_prefix(1);
  if (s.empty()) return bad_suffix(suffix, "is empty");
  if (s.size() > 13) return bad_suffix(suffix, "is too long");
  const std::vector<std::string_view> parts = split(s, '.');
  if (parts.size() > 4) return bad_suffix(suffix, "has more than 4 groups");
  // Check right-aligned against the group forms, naming the first bad group.
  static constexpr std::array<std::size_t, 3> kDigits = {3, 2, 2};
  const std::size_t first = 4 - parts.size();  // position (0-based) of parts[0] in an id
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t pos = first + i;
    const std::string_view g = parts[i];
    if (g.empty()) return bad_suffix(suffix, "has an empty group");
    if (pos == 3) {
      if (g.size() != 3 || g[0] < 'A' || g[0] > 'Z' || !digits(g.substr(1), 2)) {
        return bad_suffix(suffix, "ends with \"" + std::string(g) +
                                      "\", not a level-1 group (upper-case letter and 2 digits)");
      }
    } else if (!digits(g, kDigits[pos])) {
      return bad_suffix(suffix, "has group \"" + std::string(g) + "\" where " +
                                    std::to_string(kDigits[pos]) + " digits are expected");
    }
  }
  // The same text, padded to a whole id, must be an OrganId: the two definitions agree.
  static constexpr std::array<std::string_view, 3> kPad = {"000.", "00.", "00."};
  std::string padded;
  for (std::size_t pos = 0; pos < first; ++pos) padded += kPad[pos];
  padded += s;
  if (!edxml::OrganId::parse(padded).ok()) return bad_suffix(suffix, "is malformed");
  return std::string(s);
}

int suffix_groups(std::string_view normalized_suffix) {
  return static_cast<int>(std::count(normalized_suffix.begin(), normalized_suffix.end(), '.')) + 1;
}

Result<std::string> normalize_sha256(std::string_view fingerprint) {
  std::string hex;
  for (char c : fingerprint) {
    if (c == ':') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return Status("invalid-argument",
                    "SHA-256 fingerprint contains a character that is not a hex digit or ':'");
    }
    hex += c;
  }
  if (hex.size() != 64) {
    return Status("invalid-argument", "SHA-256 fingerprint has " + std::to_string(hex.size()) +
                                          " hex digits, expected 64");
  }
  return hex;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  const std::vector<std::string_view> parts = split(host, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (std::string_view p : parts) {
    if (p.empty() || p.size() > 3 || !digits(p, p.size()) || std::stoi(std::string(p)) > 255) {
      return false;
    }
  }
  return true;
}

bool is_valid_hub_name(std::string_view name) { return model::is_valid_hub_name(name); }

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string suggestion_suffix(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string s = did_you_mean(word, candidates);
  return s.empty() ? "" : " (did you mean \"" + s + "\"?)";
}

}  // namespace docaxis::config
