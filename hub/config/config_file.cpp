// The file-level half of loader.hpp: reading the file, resolving relative paths, and
// check_config_file (load + validate with lines attached). No toml++ here.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.hpp"

namespace docaxis::config {

LoadedConfig load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadedConfig out;
    out.errors.push_back({"", "cannot read config file \"" + path + "\""});
    return out;
  }
  std::ostringstream text;
  text << in.rdbuf();
  LoadedConfig out = parse_config(text.str(), path);
  const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  resolve_relative_paths(out.config, base.string());
  return out;
}

void resolve_relative_paths(HubConfig& c, const std::string& base_dir) {
  const std::filesystem::path base(base_dir);
  auto fix = [&base](std::string& p) {
    if (!p.empty() && std::filesystem::path(p).is_relative()) p = (base / p).lexically_normal();
  };
  auto fix_all = [&fix](std::vector<std::string>& v) {
    for (std::string& p : v) fix(p);
  };
  fix(c.hub.data_dir);
  fix(c.listener.tls.cert_file);
  fix(c.listener.tls.key_file);
  fix(c.listener.tls.chain_file);
  fix_all(c.listener.tls.client_ca_files);
  fix_all(c.listener.tls.crl_files);
  fix_all(c.trust.anchor_files);
  fix_all(c.trust.intermediate_files);
  fix_all(c.trust.crl_files);
  fix(c.signing.key_file);
  fix(c.signing.cert_file);
  fix(c.signing.chain_file);
  fix(c.store.path);
  fix(c.audit.dir);
  fix(c.admin.socket);
  fix(c.vxp.directory_file);
  for (VxpSystem& sys : c.vxp.systems) fix(sys.secret_file);
}

ConfigErrors check_config_file(const std::string& path, const ValidateOptions& options) {
  LoadedConfig loaded = load_config_file(path);
  ConfigErrors errors = std::move(loaded.errors);
  for (ConfigError& e : validate(loaded.config, options)) {
    // A validation key names a key or a whole element; use the nearest known line.
    for (std::string k = e.key; e.line == 0 && !k.empty();) {
      if (auto it = loaded.key_lines.find(k); it != loaded.key_lines.end()) e.line = it->second;
      const std::size_t cut = k.find_last_of(".[");
      k = cut == std::string::npos ? "" : k.substr(0, cut);
    }
    errors.push_back(std::move(e));
  }
  return errors;
}

}  // namespace docaxis::config
