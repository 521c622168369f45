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

}  // namespace docaxis::cli
