#include "edxml/organ_id.hpp"

#include <array>
#include <vector>

#include "common/strings.hpp"

namespace docaxis::edxml {
namespace {

constexpr std::size_t kIdLength = 13;  // ddd.dd.dd.Lnn
// Offsets and lengths of the four groups inside the canonical text.
constexpr std::array<std::size_t, 4> kOffset = {0, 4, 7, 10};
constexpr std::array<std::size_t, 4> kLength = {3, 2, 2, 3};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return !s.empty();
}

bool all_zero(std::string_view s) {
  for (char c : s) {
    if (c != '0') return false;
  }
  return true;
}

Status invalid(std::string message) { return {"invalid-organ-id", std::move(message)}; }

}  // namespace

Result<OrganId> OrganId::parse(std::string_view text) {
  if (text.empty()) return invalid("organ id is empty, expected ddd.dd.dd.Lnn");
  if (text.size() > 64) return invalid(quote_untrusted(text) + " is too long, expected ddd.dd.dd.Lnn");
  const std::vector<std::string_view> groups = split(text, '.');
  if (groups.size() != 4) {
    return invalid(quote_untrusted(text) + " has " + std::to_string(groups.size()) +
                   (groups.size() == 1 ? " group" : " groups") + ", expected 4 (ddd.dd.dd.Lnn)");
  }
  static constexpr std::array<const char*, 3> kDigitsWord = {"3 digits", "2 digits", "2 digits"};
  for (std::size_t i = 0; i < 3; ++i) {
    if (groups[i].size() != kLength[i] || !all_digits(groups[i])) {
      return invalid("group " + std::to_string(i + 1) + " " + quote_untrusted(groups[i]) + " must be " +
                     kDigitsWord[i] + " in " + quote_untrusted(text));
    }
  }
  const std::string_view l1 = groups[3];
  if (l1.size() != 3 || !is_upper(l1[0]) || !is_digit(l1[1]) || !is_digit(l1[2])) {
    return invalid("level-1 group " + quote_untrusted(l1) + " must be an upper-case letter and 2 digits in " +
                   quote_untrusted(text));
  }
  return OrganId(std::string(text));
}

std::string_view OrganId::group(int n) const {
  if (n < 1 || n > 4 || text_.size() != kIdLength) return {};
  const auto i = static_cast<std::size_t>(n - 1);
  return std::string_view(text_).substr(kOffset[i], kLength[i]);
}

int OrganId::level() const {
  int level = 1;
  for (int n = 3; n >= 1; --n) {  // level-2 group, then level 3, then level 4
    if (all_zero(group(n))) break;
    ++level;
  }
  return level;
}

std::optional<OrganId> OrganId::parent() const {
  const int lvl = level();
  if (lvl <= 1) return std::nullopt;
  std::string text = text_;
  // Keep levels 1..lvl-1, i.e. groups 4 down to 4-(lvl-2); zero the rest.
  const int keep_from = 4 - (lvl - 2);  // group number of the deepest kept level
  for (int n = 1; n < keep_from; ++n) {
    const auto i = static_cast<std::size_t>(n - 1);
    text.replace(kOffset[i], kLength[i], std::string(kLength[i], '0'));
  }
  return OrganId(std::move(text));
}

Level1Kind OrganId::level1() const {
  switch (group(4).empty() ? '\0' : group(4)[0]) {
    case 'G':
      return Level1Kind::government;
    case 'H':
      return Level1Kind::province;
    case 'A':
      return Level1Kind::party;
    case 'W':
      return Level1Kind::hub;
    default:
      return Level1Kind::other;
  }
}

bool OrganId::matches_suffix(std::string_view suffix) const {
  if (!suffix.empty() && suffix.front() == '.') suffix.remove_prefix(1);
  if (suffix.empty()) return false;
  const std::vector<std::string_view> parts = split(suffix, '.');
  if (parts.size() > 4) return false;
  int n = 4;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it, --n) {
    if (it->empty() || *it != group(n)) return false;
  }
  return true;
}

}  // namespace docaxis::edxml
