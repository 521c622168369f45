// Crash-only failure handling for the hub's threads.
//
// A hub thread that meets an exception it was not written to handle cannot know which of its
// invariants still hold, so the process exits non-zero at once and its supervisor restarts it:
// everything accepted is already durable (the store and the audit log are crash-safe), and a
// hub that exits is better than a zombie whose listener or dispatcher is gone.
//
//   run_guarded("dx-store-write", [&] { ...thread body... });
//
// Per-item failures (one package, one batch) are handled where they happen and answered; this is
// the last line behind them. The exit code is kFatalExitCode; the line on standard error is
//   docaxis-hub: fatal: <where>: <what>
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace docaxis {

inline constexpr int kFatalExitCode = 70;  // EX_SOFTWARE

[[noreturn]] inline void fatal_exit(std::string_view where, std::string_view what) {
  std::fprintf(stderr, "docaxis-hub: fatal: %.*s: %.*s\n", static_cast<int>(where.size()),
               where.data(), static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::fflush(stdout);
  std::_Exit(kFatalExitCode);
}

// Runs `body`; any exception escaping it ends the process through fatal_exit.
template <class F>
void run_guarded(std::string_view where, F&& body) noexcept {
  try {
    std::forward<F>(body)();
  } catch (const std::exception& e) {
    fatal_exit(where, e.what());
  } catch (...) {
    fatal_exit(where, "unknown exception");
  }
}

}  // namespace docaxis
