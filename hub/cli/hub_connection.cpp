#include "cli/hub_connection.hpp"

#include <cstdlib>
#include <iostream>

#include "config/hub_config.hpp"
#include "config/loader.hpp"

namespace docaxis::cli {

void add_hub_options(CLI::App* verb, HubOptions& o) {
  verb->add_option("--socket", o.socket, "the hub's admin socket (default: from --config, "
                                         "$DOCAXIS_ADMIN_SOCKET, or /var/lib/docaxis-hub/admin.sock)");
  verb->add_option("--config", o.config, "the hub's TOML configuration (to find its socket)");
  verb->add_flag("--json", o.json, "print JSON instead of a table");
}

namespace {

Result<config::HubConfig> load(const std::string& path) {
  config::LoadedConfig loaded = config::load_config_file(path);
  if (!loaded.errors.empty()) {
    return Status("invalid-argument", path + ": " + loaded.errors.front().to_string());
  }
  return loaded.config;
}

}  // namespace

Result<std::string> admin_socket(const HubOptions& o) {
  if (!o.socket.empty()) return o.socket;
  if (!o.config.empty()) {
    auto cfg = load(o.config);
    if (!cfg) return cfg.status();
    return cfg->resolved_admin_socket();
  }
  if (const char* env = std::getenv("DOCAXIS_ADMIN_SOCKET"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  return config::HubConfig().resolved_admin_socket();
}

Result<std::string> postgresql_conninfo(const HubOptions& o, const std::string& conninfo) {
  if (!conninfo.empty()) return conninfo;
  if (o.config.empty()) {
    return Status("invalid-argument", "give --conninfo, or --config with the hub's hub.toml");
  }
  auto cfg = load(o.config);
  if (!cfg) return cfg.status();
  if (cfg->store.backend != config::StoreBackend::postgresql) {
    return Status("failed-precondition",
                  o.config + " keeps its spool and audit log in files ([store] backend = "
                             "\"sqlite\"): read " + cfg->resolved_audit_dir() +
                             " with --log-dir");
  }
  return cfg->store.postgresql_conninfo;
}

Result<std::string> audit_dir(const HubOptions& o, const std::string& log_dir) {
  if (!log_dir.empty()) return log_dir;
  if (o.socket.empty() && !o.config.empty()) {
    auto cfg = load(o.config);
    if (!cfg) return cfg.status();
    return cfg->resolved_audit_dir();
  }
  auto path = admin_socket(o);
  if (!path) return path.status();
  auto client = admin::AdminClient::connect(*path);
  if (!client) return client.status();
  auto info = client->call("hub.info");
  if (!info) return info.status();
  return info->value("audit_dir", std::string());
}

int exit_code_for(const Status& s) {
  const std::string& c = s.code();
  if (c == "unreachable" || c == "timeout") return kExitUnreachable;
  if (c == "invalid-argument" || c == "bad-request" || c == "unknown-command" ||
      c == "ambiguous") {
    return kExitUsage;
  }
  return kExitFailed;
}

int report_error(const std::string& command, const Status& s, bool json) {
  if (json) {
    print_json({{"ok", false}, {"error", {{"code", s.code()}, {"message", s.message()}}}});
  } else {
    std::cerr << "docaxis " << command << ": " << s.code() << ": " << s.message() << "\n";
  }
  return exit_code_for(s);
}

int with_hub(const HubOptions& o, const std::string& command,
             const std::function<int(admin::AdminClient&)>& body) {
  auto path = admin_socket(o);
  if (!path) return report_error(command, path.status(), o.json);
  auto client = admin::AdminClient::connect(*path);
  if (!client) return report_error(command, client.status(), o.json);
  return body(*client);
}

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

Noun::Noun(CLI::App& app, const std::string& name, const std::string& description)
    : noun_(app.add_subcommand(name, description)),
      verbs_(std::make_shared<std::map<const CLI::App*, Runner>>()) {
  noun_->require_subcommand(1);
}

CLI::App* Noun::verb(const std::string& name, const std::string& description, Runner run) {
  CLI::App* v = noun_->add_subcommand(name, description);
  (*verbs_)[v] = std::move(run);
  return v;
}

Runner Noun::runner() const {
  const CLI::App* noun = noun_;
  auto verbs = verbs_;
  return [noun, verbs]() -> int {
    for (const CLI::App* v : noun->get_subcommands()) {
      auto it = verbs->find(v);
      if (it != verbs->end()) return it->second();
    }
    return kExitUsage;
  };
}

}  // namespace docaxis::cli
