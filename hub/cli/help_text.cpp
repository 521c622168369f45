#include "cli/help_text.hpp"

#include <map>
#include <string>

namespace docaxis::cli {
namespace {

// One line each: "docaxis <command path> ..." as an operator would type it.
const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> kExamples = {
      {"sign", "docaxis sign --key organ.key --cert organ.crt --chain intermediate.pem -o signed.edxml letter.edxml"},
      {"verify", "docaxis verify --trust anchors.pem --intermediate intermediates.pem --crl crl.pem signed.edxml"},
      {"queue list", "docaxis queue list --config /etc/docaxis/docaxis-hub.toml"},
      {"doc list", "docaxis doc list --state failed --since 2h"},
      {"doc show", "docaxis doc show seq:42"},
      {"doc retry", "docaxis doc retry 42 --to 000.00.01.G12"},
      {"dlq list", "docaxis dlq list --older-than 7d"},
      {"dlq retry", "docaxis dlq retry --all --since 24h"},
      {"dlq purge", "docaxis dlq purge --older-than 30d"},
      {"route list", "docaxis route list --json"},
      {"endpoint list", "docaxis endpoint list"},
      {"peer list", "docaxis peer list"},
      {"stats", "docaxis stats --json"},
      {"receipt show", "docaxis receipt show seq:42"},
      {"receipt export", "docaxis receipt export --since 2026-01-01 --format csv -o audit.csv"},
      {"receipt pull", "docaxis receipt pull --config /etc/docaxis/docaxis-hub.toml --out /srv/audit-copy"},
      {"receipt verify", "docaxis receipt verify --hub-cert /etc/docaxis/signing/hub.crt /var/lib/docaxis/hub/audit"},
      {"receipt check", "docaxis receipt check --trust anchors.pem --document letter.edxml receipt.xml"},
      {"cert list", "docaxis cert list --config /etc/docaxis/docaxis-hub.toml"},
  };
  return kExamples;
}

constexpr const char* kExitCodes = R"(Exit codes: 0 ok; 1 a checked item failed, or the hub refused or found nothing to do;
2 usage or configuration error; 3 the hub unreachable (no socket, permission denied, no
answer within 120 s).)";

constexpr const char* kTopFooter = R"(Run 'docaxis COMMAND [VERB] --help' for a command's flags and an example.
Admin commands (queue, doc, dlq, route, endpoint, peer, stats, cert list, receipt show/export) talk to the
running hub over its admin socket, found from --socket, then --config (the hub's TOML), then
$DOCAXIS_ADMIN_SOCKET, then /var/lib/docaxis-hub/admin.sock; only root and the hub's own user
may use it. With the Debian package:
  sudo docaxis queue list --config /etc/docaxis/docaxis-hub.toml

Examples:
  docaxis verify --trust anchors.pem signed.edxml
  docaxis doc list --state failed --since 2h --config /etc/docaxis/docaxis-hub.toml
  docaxis receipt verify --hub-cert hub.crt /var/lib/docaxis/hub/audit

Exit codes:
  0  ok
  1  a checked item failed (verify, receipt verify, receipt check), the hub refused or found
     nothing to do, a retry skipped some deliveries
  2  usage or configuration error
  3  the hub unreachable: no socket, nobody listening, permission denied, no answer in 120 s)";

void walk(CLI::App& cmd, const std::string& path) {
  for (CLI::App* sub : cmd.get_subcommands({})) {
    const std::string sub_path = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    const auto example = examples().find(sub_path);
    if (example != examples().end()) {
      sub->footer("Example:\n  " + example->second + "\n" + kExitCodes);
    } else {
      sub->footer(std::string(kExitCodes));
    }
    walk(*sub, sub_path);
  }
}

}  // namespace

void add_help_footers(CLI::App& app) {
  walk(app, "");
  app.footer(kTopFooter);
}

}  // namespace docaxis::cli
