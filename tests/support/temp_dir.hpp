// The one temporary directory of the tests (library docaxis::test_temp_dir): a fresh folder
// $TMPDIR/docaxis-<label>-XXXXXX (mkdtemp, mode 0700; /tmp when TMPDIR is unset), removed with
// everything in it when the TempDir goes, unless the environment has DOCAXIS_KEEP_TMP set (to
// anything but "" or "0"): then it is kept and its path printed on standard error, for
// inspection after a run. keep() keeps one folder the same way (e.g. when its test failed).
// Construction throws std::runtime_error when the folder cannot be made (a test cannot go on).
// Threads: one owner.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace docaxis::test {

class TempDir {
 public:
  explicit TempDir(std::string_view label = "test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string string() const { return path_.string(); }
  const char* c_str() const { return path_.c_str(); }
  operator const std::filesystem::path&() const& { return path_; }  // NOLINT: the folder itself
  // Not from a temporary: `fs::path p = TempDir("x");` would name a folder already removed.
  operator const std::filesystem::path&() const&& = delete;
  std::filesystem::path operator/(const std::filesystem::path& p) const { return path_ / p; }
  // The path of `name` in the folder, as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Keeps the folder when this TempDir goes (its path printed on standard error).
  void keep() { keep_ = true; }

  // True when DOCAXIS_KEEP_TMP asks to keep every temporary folder.
  static bool keep_requested();

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

}  // namespace docaxis::test
