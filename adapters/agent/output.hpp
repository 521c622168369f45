// Output lines of docaxis-agent: one line per event on standard output, written whole and
// flushed (several threads print), so that scripts can follow them. Their format is a
// public contract (README.md).
#pragma once

#include <iostream>
#include <mutex>
#include <string>

namespace docaxis::agent {

inline void print_line(const std::string& line) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::cout << line << '\n' << std::flush;
}

inline void print_error(const std::string& line) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  std::cerr << "docaxis-agent: " << line << '\n' << std::flush;
}

}  // namespace docaxis::agent
