// What every admin command shares: finding the hub's admin socket (--socket, --config,
// $DOCAXIS_ADMIN_SOCKET, the default data directory), calling it, mapping errors to the exit
// codes, and `<noun> <verb>` registration.
//
// Exit codes (README.md): 0 ok, 1 failed (the hub refused or found nothing to do, a check
// failed), 2 usage or configuration error, 3 hub unreachable (no socket, nobody listening,
// permission denied, no answer).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "admin/client.hpp"
#include "cli/commands.hpp"
#include "common/status.hpp"

namespace docaxis::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnreachable = 3;

struct HubOptions {
  std::string socket;  // --socket PATH
  std::string config;  // --config FILE (its [admin] socket / data_dir)
  bool json = false;   // --json
};

// Adds --socket, --config and --json to a verb.
void add_hub_options(CLI::App* verb, HubOptions& options);

// The admin socket path, in this order: --socket, --config (resolved_admin_socket()),
// $DOCAXIS_ADMIN_SOCKET, <default data_dir>/admin.sock. A --config that cannot be read is a
// usage error (exit 2).
Result<std::string> admin_socket(const HubOptions& options);
// The audit log directory, for the receipt commands: `log_dir` if given, else --config's
// resolved_audit_dir(), else asked from the running hub (hub.info). unreachable -> exit 3.
// The PostgreSQL connection string of a hub cluster: `conninfo` when given, else the [store]
// postgresql_conninfo of --config (failed-precondition when that hub keeps files).
Result<std::string> postgresql_conninfo(const HubOptions& o, const std::string& conninfo);
Result<std::string> audit_dir(const HubOptions& options, const std::string& log_dir);

// Exit code for an error: unreachable/timeout -> 3; invalid-argument, bad-request,
// unknown-command, ambiguous -> 2; everything else -> 1.
int exit_code_for(const Status& status);
// Prints "docaxis <command>: <code>: <message>" on stderr (or a JSON error object on stdout
// with --json) and returns exit_code_for(status).
int report_error(const std::string& command, const Status& status, bool json);

// Connects, runs `body`, and turns a connection failure into exit 3.
int with_hub(const HubOptions& options, const std::string& command,
             const std::function<int(admin::AdminClient&)>& body);

// Prints a JSON value the way every --json output is printed (indented, UTF-8 kept).
void print_json(const nlohmann::json& value);

// `<noun> <verb>` registration: verbs register their runner; runner() dispatches.
class Noun {
 public:
  Noun(CLI::App& app, const std::string& name, const std::string& description);
  CLI::App* verb(const std::string& name, const std::string& description, Runner run);
  Runner runner() const;

 private:
  CLI::App* noun_;
  std::shared_ptr<std::map<const CLI::App*, Runner>> verbs_;
};

}  // namespace docaxis::cli
