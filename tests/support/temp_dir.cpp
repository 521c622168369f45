#include "temp_dir.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace docaxis::test {

TempDir::TempDir(std::string_view label) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                        "/docaxis-" + std::string(label) + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("TempDir: mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)), keep_(other.keep_) {
  other.path_.clear();
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  if (keep_ || keep_requested()) {
    std::fprintf(stderr, "docaxis tests: kept %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool TempDir::keep_requested() {
  const char* v = std::getenv("DOCAXIS_KEEP_TMP");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

}  // namespace docaxis::test
