// Subcommands of the `docaxis` command line. Each registers itself on the CLI11 app and
// returns the process exit code from its run function:
//   0 ok, 1 a checked item failed, 2 usage or configuration error, 3 hub unreachable.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace docaxis::cli {

using Runner = std::function<int()>;

// `docaxis sign` and `docaxis verify` (README.md pins their flags and output).
Runner add_sign_command(CLI::App& app);
Runner add_verify_command(CLI::App& app);

// Hub administration through the admin socket (hub_commands.cpp, doc_commands.cpp,
// dlq_commands.cpp) and the auditor's commands (receipt_commands.cpp); README.md documents
// every verb, flag, output and exit code.
Runner add_queue_command(CLI::App& app);
Runner add_doc_command(CLI::App& app);
Runner add_dlq_command(CLI::App& app);
Runner add_route_command(CLI::App& app);
Runner add_endpoint_command(CLI::App& app);
Runner add_peer_command(CLI::App& app);
Runner add_cert_command(CLI::App& app);
Runner add_stats_command(CLI::App& app);
Runner add_receipt_command(CLI::App& app);

}  // namespace docaxis::cli
