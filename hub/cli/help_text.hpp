// The teaching part of `docaxis ... --help`: an example for each command and the exit codes,
// as CLI11 footers (the flags' own descriptions stay beside each flag, in the command files).
// The manual page scripts/packaging/man/docaxis.1 says the same; packaging.man_pages checks that
// every command and long flag of --help is in it.
#pragma once

#include <CLI/CLI.hpp>

namespace docaxis::cli {

// Sets the footers of `app` and of every subcommand registered so far: call after all of them.
void add_help_footers(CLI::App& app);

}  // namespace docaxis::cli
