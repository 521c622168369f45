#include "vxp/auth.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <optional>
#include <set>

#include "tls/crypto.hpp"

namespace docaxis::vxp {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool has_prefix_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// The one header named `name` (any case): nullptr when absent; an error when repeated.
Result<const Header*> single(std::span<const Header> headers, std::string_view name) {
  const Header* found = nullptr;
  for (const Header& h : headers) {
    if (!iequals(h.name, name)) continue;
    if (found != nullptr) {
      return Status("auth-header-repeated", "the request carries " + std::string(name) + " twice");
    }
    found = &h;
  }
  return found;
}

// The signed JSON's members in order, or why it is not a flat object of strings under the
// prefix. Duplicate members are refused (a JSON parser would silently keep one of them).
Result<std::vector<std::pair<std::string, std::string>>> parse_signed(std::string_view text) {
  using json = nlohmann::ordered_json;  // keeps the members in the order signed
  std::set<std::string> seen;  // lowercase member names
  std::optional<std::string> problem;
  const auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) {
      const std::string name = parsed.get<std::string>();
      if (!seen.insert(lower(name)).second && !problem) {
        problem = "the member \"" + name + "\" appears twice";
      }
    }
    return true;
  };
  json doc = json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status("bad-sign-header", "the sign-header is not JSON");
  if (!doc.is_object()) return Status("bad-sign-header", "the sign-header is not a JSON object");
  if (problem) return Status("bad-sign-header", *problem);
  std::vector<std::pair<std::string, std::string>> items;
  items.reserve(doc.size());
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (!it.value().is_string()) {
      return Status("bad-sign-header", "the member \"" + it.key() + "\" is not a string");
    }
    if (!has_prefix_icase(it.key(), kParamPrefix) || it.key().size() == kParamPrefix.size()) {
      return Status("bad-sign-header",
                    "the member \"" + it.key() + "\" does not start with " + std::string(kParamPrefix));
    }
    items.emplace_back(it.key().substr(kParamPrefix.size()), it.value().get<std::string>());
  }
  return items;
}

// Headers of the request itself, never parameters.
bool is_envelope(std::string_view key) {
  return iequals(key, "sign-header") || iequals(key, "sign-header-key") ||
         iequals(key, "hash-header") || iequals(key, "version");
}

}  // namespace

const std::string* SignedParams::find(std::string_view key) const {
  const std::string* folded = nullptr;
  bool ambiguous = false;
  for (const auto& [k, v] : items_) {
    if (k == key) return &v;
    if (iequals(k, key)) {
      if (folded != nullptr && *folded != v) ambiguous = true;
      folded = &v;
    }
  }
  return ambiguous ? nullptr : folded;
}

std::string sign_header_mac(std::string_view secret, std::string_view sign_header) {
  const tls::Sha256 mac = tls::hmac_sha256(secret, sign_header);
  return tls::to_hex(mac.data(), mac.size());
}

Result<SignedParams> authenticate(std::span<const Header> headers, const SecretLookup& secrets) {
  const std::string prefix(kParamPrefix);
  const Header* system = nullptr;
  const Header* sign = nullptr;
  const Header* hash = nullptr;
  for (auto [name, slot] : {std::pair{"systemid", &system}, std::pair{"sign-header", &sign},
                            std::pair{"hash-header", &hash}}) {
    Result<const Header*> one = single(headers, prefix + name);
    if (!one.ok()) return one.status();
    *slot = *one;
  }
  if (system == nullptr || sign == nullptr || hash == nullptr) {
    return Status("auth-header-missing",
                  std::string("the request lacks ") +
                      (system == nullptr ? "XroadVnpt-systemid"
                                         : sign == nullptr ? "XroadVnpt-sign-header"
                                                           : "XroadVnpt-hash-header"));
  }
  const std::string* secret = secrets(system->value);
  if (secret == nullptr) {
    return Status("unknown-system", "no system with this id is configured");
  }
  // Constant time over the hex text; a client's uppercase hex is accepted.
  if (!tls::equal_constant_time(sign_header_mac(*secret, sign->value), lower(hash->value))) {
    return Status("bad-hmac",
                  "XroadVnpt-hash-header is not the HMAC-SHA256 of XroadVnpt-sign-header under "
                  "the system's secret");
  }
  auto items = parse_signed(sign->value);
  if (!items.ok()) return items.status();
  SignedParams params(system->value, std::move(*items));
  const std::string* signed_system = params.find("systemid");
  if (signed_system == nullptr || *signed_system != system->value) {
    return Status("bad-sign-header", "the sign-header does not sign the request's systemid");
  }
  for (const Header& h : headers) {
    if (!has_prefix_icase(h.name, kParamPrefix)) continue;
    const std::string_view key = std::string_view(h.name).substr(kParamPrefix.size());
    if (is_envelope(key)) continue;
    const std::string* value = params.find(key);
    if (value != nullptr && *value != h.value) {
      return Status("param-mismatch", "the header " + h.name + " differs from its signed value");
    }
  }
  return params;
}

}  // namespace docaxis::vxp
