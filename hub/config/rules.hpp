// Small syntax rules shared by validate() and hub/routing: organ-id suffixes, certificate
// fingerprints, loopback hosts, names, and "did you mean" suggestions. Pure functions.
//
// Suffix semantics (the contract of every routing rule, consistent with
// edxml::OrganId::matches_suffix): one to four whole dot-groups of `ddd.dd.dd.Lnn` counted
// from the right, optionally with one leading '.'. Each group must have the form of its
// position: the last is a level-1 group (upper-case letter and 2 digits), the ones before it
// 2 digits, 2 digits, 3 digits. "G12", ".G12", "31.H30", "000.21.31.H30" are valid;
// "1.H30", "h30", "H30.", "31..H30", "*" are not.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace docaxis::config {

// The suffix without its leading '.', or `invalid-argument` saying which group is wrong.
Result<std::string> normalize_suffix(std::string_view suffix);

// Number of groups in a normalized suffix (1..4).
int suffix_groups(std::string_view normalized_suffix);

// A SHA-256 fingerprint as 64 lower-case hex digits: accepts upper or lower case, with or
// without ':' between bytes. `invalid-argument` otherwise.
Result<std::string> normalize_sha256(std::string_view fingerprint);

// 127.0.0.0/8 in dotted form, "::1", "[::1]" or "localhost".
bool is_loopback_host(std::string_view host);

// Hub and peer names: 1..63 characters of [a-z0-9._-], starting with a letter or digit.
bool is_valid_hub_name(std::string_view name);

// The candidate closest to `word` by edit distance when it is close enough to be a typo
// (distance <= max(1, size/3)), else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "did you mean \"x\"?" wrapped as " (did you mean \"x\"?)", or "" when there is no suggestion.
std::string suggestion_suffix(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace docaxis::config
