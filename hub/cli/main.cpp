// `docaxis`: the command line for signing, verification, hub administration and audit.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>

#include "cli/commands.hpp"
#include "cli/help_text.hpp"

int main(int argc, char** argv) {
  CLI::App app{"docaxis: sign and verify edXML packages, inspect a docaxis hub"};
  app.require_subcommand(1);
  std::map<const CLI::App*, docaxis::cli::Runner> runners;
  auto add = [&](docaxis::cli::Runner (*f)(CLI::App&)) {
    auto before = app.get_subcommands({});
    docaxis::cli::Runner r = f(app);
    for (auto* sub : app.get_subcommands({})) {
      if (std::find(before.begin(), before.end(), sub) == before.end()) runners[sub] = r;
    }
  };
  add(docaxis::cli::add_sign_command);
  add(docaxis::cli::add_verify_command);
  add(docaxis::cli::add_queue_command);
  add(docaxis::cli::add_doc_command);
  add(docaxis::cli::add_dlq_command);
  add(docaxis::cli::add_route_command);
  add(docaxis::cli::add_endpoint_command);
  add(docaxis::cli::add_peer_command);
  add(docaxis::cli::add_cert_command);
  add(docaxis::cli::add_stats_command);
  add(docaxis::cli::add_receipt_command);
  docaxis::cli::add_help_footers(app);  // after every command: examples and exit codes
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors are exit 2 by contract
  }
  for (auto* sub : app.get_subcommands()) {
    auto it = runners.find(sub);
    if (it != runners.end()) return it->second();
  }
  return 2;
}
