// Reading the hub's TOML configuration into a HubConfig (format: README.md).
//
// Strict by design: an unknown key, a value of the wrong type or an unknown enumeration value
// is an error (a typo must never be silently ignored and leave a default in force). Loading
// does not stop at the first problem: every readable key is read, every problem is listed,
// and keys the file leaves out keep the HubConfig defaults. Semantic checks (ranges, files,
// cross references) are validate()'s job; check_config_file() runs both.
//
// toml++ is confined to loader.cpp: nothing here exposes a toml type.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"
#include "config/hub_config.hpp"
#include "config/validate.hpp"

namespace docaxis::config {

struct LoadedConfig {
  HubConfig config;
  ConfigErrors errors;                      // syntax, type, unknown-key and enum errors
  std::vector<std::string> defaulted_keys;  // known keys the file left out (defaults apply)
  std::map<std::string, int> key_lines;     // key path -> line, for every key present
};

// Parses TOML text. `source_name` appears in syntax errors. Paths are kept as written.
LoadedConfig parse_config(std::string_view toml_text, std::string_view source_name = "config");

// Reads and parses `path`, then makes every relative file path in the result absolute against
// the folder holding `path`. An unreadable file is one error with key "" .
LoadedConfig load_config_file(const std::string& path);

// load_config_file + validate; validation errors get the line of their key when known.
// Empty result: the configuration is usable.
ConfigErrors check_config_file(const std::string& path, const ValidateOptions& options = {});

// The relative-path rule of load_config_file, exposed for tests and tools.
void resolve_relative_paths(HubConfig& config, const std::string& base_dir);

}  // namespace docaxis::config
