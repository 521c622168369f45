// Organisation identifiers of the national document axis (mã định danh), `ddd.dd.dd.Lnn`.
//
// Read right to left: the last group is the level-1 body (a letter and two digits: G ministry,
// H province, A Party bloc, W liên thông centre), then the level-2, level-3 and level-4
// groups; a group of zeros means "the body itself". See ../../../shared/notes/edxml.md.
//
// An OrganId only exists in the valid form: parse() is the single way to build one, and it
// rejects everything else with Status code `invalid-organ-id` and a message saying exactly
// which group is wrong. Real packages carry malformed ids (`28.22.H17`, `vxp.saas.03`); the
// reader keeps the raw string next to a std::optional<OrganId>.
//
// Value type: cheap to copy, totally ordered, hashable (usable as a std::map / unordered_map
// key). Thread-safe as any immutable value.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace docaxis::edxml {

// Kind of level-1 body, from the letter of the last group.
enum class Level1Kind { government /*G*/, province /*H*/, party /*A*/, hub /*W*/, other };

class OrganId {
 public:
  // Accepts exactly `ddd.dd.dd.Lnn`: 3 ASCII digits, '.', 2 digits, '.', 2 digits, '.', one
  // ASCII upper-case letter and 2 digits. No surrounding whitespace is accepted (the reader
  // trims element text before calling this). Error code: `invalid-organ-id`, e.g.
  //   "28.22.H17" has 3 groups, expected 4 (ddd.dd.dd.Lnn)
  //   group 1 "0a0" must be 3 digits
  //   level-1 group "h30" must be an upper-case letter and 2 digits
  static Result<OrganId> parse(std::string_view text);

  // The canonical text, always 13 characters.
  const std::string& str() const { return text_; }
  // The groups left to right: group(1) = "ddd" (level 4) ... group(4) = "Lnn" (level 1).
  // n outside 1..4 yields an empty view.
  std::string_view group(int n) const;
  std::string_view level4_group() const { return group(1); }
  std::string_view level3_group() const { return group(2); }
  std::string_view level2_group() const { return group(3); }
  std::string_view level1_group() const { return group(4); }

  // Depth of the body in the hierarchy, 1..4: the number of consecutive non-zero groups
  // counted from the right, starting with the level-1 group (which is never zero).
  //   000.00.00.H53 -> 1   000.00.13.H53 -> 2   000.00.31.H53 -> 2   000.21.31.H53 -> 3
  //   001.21.31.H53 -> 4
  // A non-zero group to the left of a zero group (`002.00.20.H13`, seen in real packages)
  // does not count: that id has level 2.
  int level() const;

  // The body one level up: the groups of levels 1..level()-1 kept, every other group zeroed.
  // 000.21.31.H53 -> 000.00.31.H53 -> 000.00.00.H53 -> nullopt. 002.00.20.H13 -> 000.00.00.H13.
  std::optional<OrganId> parent() const;

  // The letter of the level-1 group.
  Level1Kind level1() const;

  // Routing-rule match by whole dot-groups, right to left. `suffix` is one or more groups
  // separated by '.', optionally with one leading '.'; it matches when its groups equal the
  // last groups of this id exactly (character for character, case-sensitive):
  //   "G12", ".G12"  match 000.00.00.G12 and 000.00.04.G12
  //   "31.H30"       matches 000.00.31.H30 and 000.21.31.H30, not 000.00.13.H30
  //   "1.H30"        does not match 000.00.31.H30 (groups are never split)
  //   a full id      matches only itself
  // An empty suffix, an empty group ("31..H30", "H30."), or more than 4 groups never matches.
  bool matches_suffix(std::string_view suffix) const;

  friend bool operator==(const OrganId&, const OrganId&) = default;
  friend std::strong_ordering operator<=>(const OrganId& a, const OrganId& b) {
    return a.text_.compare(b.text_) <=> 0;
  }

 private:
  explicit OrganId(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace docaxis::edxml

template <>
struct std::hash<docaxis::edxml::OrganId> {
  std::size_t operator()(const docaxis::edxml::OrganId& id) const noexcept {
    return std::hash<std::string>{}(id.str());
  }
};
