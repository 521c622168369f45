// One configuration problem: where (a key path) and what. The loader and validate() both
// produce lists of these; `docaxis-hub --check-config` prints them all and exits 2.
//
// Key paths name TOML keys: sections and keys joined by '.', array-of-table elements by a
// 0-based index: "listener.tls.port", "routes[2].to", "endpoints[0].cert_sha256". A problem
// about a whole element or section uses its path ("peers[1]").
#pragma once

#include <string>
#include <vector>

namespace docaxis::config {

struct ConfigError {
  std::string key;
  std::string message;
  int line = 0;  // line in the config file when known, else 0

  // "<key>: <message>", with " (line N)" appended when the line is known.
  std::string to_string() const {
    std::string s = key + ": " + message;
    if (line > 0) s += " (line " + std::to_string(line) + ")";
    return s;
  }
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

using ConfigErrors = std::vector<ConfigError>;

}  // namespace docaxis::config
