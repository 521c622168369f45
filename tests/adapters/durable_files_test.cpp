#include "agent/durable_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "temp_dir.hpp"

namespace docaxis::agent {
namespace {

// A scratch folder (tests/support/temp_dir.hpp), kept when the test fails.
struct Fresh {
  explicit Fresh(const std::string& name) : tmp("durable-" + name), dir(tmp.path()) {}
  ~Fresh() {
    if (::testing::Test::HasFailure()) tmp.keep();
  }
  operator const fs::path&() const { return dir; }  // NOLINT: used as the folder itself
  docaxis::test::TempDir tmp;
  fs::path dir;
};

TEST(DurableFiles, WriteAtomicReplacesWholeAndLeavesNoTemporaryFile) {
  const Fresh f("write");
  const fs::path& d = f;
  ASSERT_TRUE(write_atomic(d, "a.edxml", "first").ok());
  ASSERT_TRUE(write_atomic(d, "a.edxml", "second, longer").ok());
  EXPECT_EQ(*read_file(d / "a.edxml"), "second, longer");
  EXPECT_EQ(std::distance(fs::directory_iterator(d), fs::directory_iterator()), 1);
  EXPECT_EQ(write_atomic(d / "missing", "x", "y").code(), "unavailable");
}

TEST(DurableFiles, RenameNoReplaceNeverOverwrites) {
  const Fresh f("rename");
  const fs::path& d = f;
  fs::create_directories(d / "to");
  std::ofstream(d / "x") << "new";
  std::ofstream(d / "to" / "x") << "old";
  EXPECT_EQ(rename_no_replace(d / "x", d / "to" / "x").code(), "already-exists");
  EXPECT_EQ(*read_file(d / "to" / "x"), "old");
  ASSERT_TRUE(rename_no_replace(d / "x", d / "to" / "y").ok());
  EXPECT_FALSE(fs::exists(d / "x"));
  EXPECT_EQ(rename_no_replace(d / "x", d / "to" / "z").code(), "not-found");
}

TEST(DurableFiles, FreeNameSkipsTakenNamesAndTheirCompanions) {
  const Fresh f("free");
  const fs::path& d = f;
  EXPECT_EQ(free_name(d, "a"), "a");
  std::ofstream(d / "a") << "";
  std::ofstream(d / "a~2.reason") << "";
  EXPECT_EQ(free_name(d, "a"), "a~2");
  EXPECT_EQ(free_name(d, "a", ".reason"), "a~3");
}

TEST(DurableFiles, IncompleteNamesAreHiddenTmpAndPart) {
  EXPECT_TRUE(is_incomplete_name(".x.edxml"));
  EXPECT_TRUE(is_incomplete_name("x.edxml.tmp"));
  EXPECT_TRUE(is_incomplete_name("x.edxml.part"));
  EXPECT_TRUE(is_incomplete_name(""));
  EXPECT_FALSE(is_incomplete_name("x.edxml"));
  EXPECT_FALSE(is_incomplete_name("tmp.edxml"));
}

TEST(DurableFiles, StaleTemporariesOfAKilledAgentAreRemovedAndNothingElse) {
  const Fresh f("stale");
  const fs::path& d = f;
  std::ofstream(d / ".docaxis-agent.a.edxml.123.tmp") << "half";
  std::ofstream(d / ".someone-else.tmp") << "theirs";
  std::ofstream(d / "a.edxml") << "whole";
  remove_stale_temps(d);
  EXPECT_FALSE(fs::exists(d / ".docaxis-agent.a.edxml.123.tmp"));
  EXPECT_TRUE(fs::exists(d / ".someone-else.tmp"));
  EXPECT_TRUE(fs::exists(d / "a.edxml"));
}

}  // namespace
}  // namespace docaxis::agent
