// hub/vxp/secret.hpp: a system's secret only from a private regular file of the hub's user.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"
#include "vxp/secret.hpp"

namespace docaxis::vxp {
namespace {

namespace fs = std::filesystem;

class VxpSecret : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& bytes, mode_t mode = 0600) {
    const fs::path p = dir_ / name;
    { std::ofstream(p, std::ios::binary) << bytes; }
    ::chmod(p.c_str(), mode);
    return p.string();
  }
  test::TempDir tmp_{"vxp-secret"};
  const fs::path& dir_ = tmp_.path();
};

TEST_F(VxpSecret, ReadsThePrivateFileWithoutItsFinalNewline) {
  auto s = read_secret_file(write("a", "FAKE-secret+0123456789/AB=\n"));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(*s, "FAKE-secret+0123456789/AB=");
  EXPECT_EQ(*read_secret_file(write("b", "s3cret-0123456789\r\n", 0400)), "s3cret-0123456789");
  EXPECT_EQ(*read_secret_file(write("c", " spaced 0123456789 \n\n")), " spaced 0123456789 \n");  // one newline only
}

TEST_F(VxpSecret, RefusesAFileOthersMayRead) {
  for (mode_t mode : {0640, 0604, 0660, 0644}) {
    auto s = read_secret_file(write("open", "s3cret\n", mode));
    ASSERT_FALSE(s.ok()) << std::oct << mode;
    EXPECT_EQ(s.status().code(), "secret-not-private");
    EXPECT_EQ(s.status().message().find("s3cret"), std::string::npos);  // never the secret
  }
}

TEST_F(VxpSecret, RefusesLinksFoldersMissingEmptyAndOversizeFiles) {
  const std::string target = write("target", "s3cret\n");
  fs::create_symlink(target, dir_ / "link");
  EXPECT_EQ(read_secret_file((dir_ / "link").string()).status().code(), "secret-unreadable");
  EXPECT_EQ(read_secret_file(dir_.string()).status().code(), "secret-unreadable");
  EXPECT_EQ(read_secret_file((dir_ / "missing").string()).status().code(), "secret-unreadable");
  EXPECT_EQ(read_secret_file(write("empty", "\n")).status().code(), "secret-invalid");
  EXPECT_EQ(read_secret_file(write("short", "fifteen-bytes15\n")).status().code(), "secret-invalid");
  EXPECT_TRUE(read_secret_file(write("min", "sixteen-bytes-16\n")).ok());
  EXPECT_EQ(read_secret_file(write("big", std::string(5000, 'a'))).status().code(), "secret-invalid");
  EXPECT_EQ(read_secret_file(write("nul", std::string("0123456789abcdef\0b", 18))).status().code(), "secret-invalid");
  EXPECT_TRUE(read_secret_file(write("max", std::string(4096, 'a') + "\n")).ok());
}

}  // namespace
}  // namespace docaxis::vxp
