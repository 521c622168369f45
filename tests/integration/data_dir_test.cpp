// Issue 12, item 11: the hub's data directory is 0700 and every file in it 0600; a data
// directory others can write (or a symlink, or someone else's) is refused at start (exit 2).
// prepare_data_dir directly, then the real docaxis-hub binary.
#include "server/data_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "hub_fixture.hpp"
#include "test_client.hpp"

namespace docaxis::test {
namespace {

using amqp::test::send_package;

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// Runs the hub in the foreground (it is expected to refuse to start); returns its exit code,
// 124 when it was still running after 20 s (it started: the refusal is missing).
int run_hub_expecting_exit(const fs::path& dir) {
  const std::string cmd = "timeout 20 '" + kHub + "' --config '" + (dir / "hub.toml").string() + "' > '" +
                          (dir / "hub.log").string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(DataDir, MissingDirectoryIsCreatedOwnerOnlyWithItsParents) {
  const TempDir root = temp_dir("datadir-create");
  const fs::path dir = root / "a" / "b";
  ASSERT_TRUE(server::prepare_data_dir(dir).ok());
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(mode_of(dir), 0700);
}

TEST(DataDir, ReadableByOthersIsTightenedWritableByOthersIsRefused) {
  const TempDir dir = temp_dir("datadir-modes");
  fs::create_directories(dir);
  ASSERT_EQ(::chmod(dir.c_str(), 0755), 0);
  ASSERT_TRUE(server::prepare_data_dir(dir).ok());
  EXPECT_EQ(mode_of(dir), 0700);

  for (mode_t bad : {mode_t{0777}, mode_t{0770}, mode_t{0702}, mode_t{01777}}) {
    ASSERT_EQ(::chmod(dir.c_str(), bad), 0);
    const Status s = server::prepare_data_dir(dir);
    EXPECT_EQ(s.code(), "data-dir-unsafe") << std::oct << bad;
    EXPECT_NE(s.message().find("lets other users write"), std::string::npos) << s.message();
    EXPECT_EQ(mode_of(dir), bad);  // refused, not silently "fixed"
  }
}

TEST(DataDir, SymlinkAndNonDirectoryAreRefused) {
  const TempDir root = temp_dir("datadir-link");
  fs::create_directories(root / "real");
  ::chmod((root / "real").c_str(), 0700);
  fs::create_directory_symlink(root / "real", root / "link");
  Status s = server::prepare_data_dir(root / "link");
  EXPECT_EQ(s.code(), "data-dir-unsafe");
  EXPECT_NE(s.message().find("symbolic link"), std::string::npos) << s.message();

  std::ofstream(root / "file") << "x";
  s = server::prepare_data_dir(root / "file");
  EXPECT_EQ(s.code(), "data-dir-unsafe");
  EXPECT_NE(s.message().find("not a directory"), std::string::npos) << s.message();
}

TEST(DataDir, SomeoneElsesDirectoryIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown the directory to another user";
  const TempDir dir = temp_dir("datadir-owner");
  fs::create_directories(dir);
  ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  const Status s = server::prepare_data_dir(dir);
  EXPECT_EQ(s.code(), "data-dir-unsafe");
  EXPECT_NE(s.message().find("owned by uid 65534"), std::string::npos) << s.message();
}

TEST(Hub, DataDirectoryIsOwnerOnlyAndEveryFileInItIs0600) {
  const TempDir root = temp_dir("owner-only");
  TestHub hub(root, "[audit]\ndir = \"" + (root / "audit-elsewhere").string() + "\"\n");
  const int port = hub.start();
  ASSERT_GT(port, 0) << hub.log();
  // One package through, so the WAL, the audit segment and the receipt exist too.
  const std::string good = read(kFixtures + "/good-rsa.edxml");
  auto sent = send_package(port, kPki, organ("000.00.13.H30"), "edoc", good);
  ASSERT_EQ(sent.outcome, "accepted") << sent.description << "\n" << hub.log();

  int files = 0;
  for (const fs::path& top : {hub.data_dir(), root / "audit-elsewhere"}) {
    EXPECT_EQ(mode_of(top), 0700) << top;
    for (const auto& e : fs::recursive_directory_iterator(top)) {
      const fs::path p = e.path();
      if (e.is_symlink()) {
        ADD_FAILURE() << "unexpected symlink " << p;
      } else if (e.is_directory()) {
        EXPECT_EQ(mode_of(p), 0700) << p;
      } else {
        EXPECT_EQ(mode_of(p), 0600) << p;  // regular files and the admin socket
        ++files;
      }
    }
  }
  EXPECT_TRUE(fs::exists(hub.data_dir() / "spool.sqlite"));
  EXPECT_TRUE(fs::exists(hub.data_dir() / "spool.sqlite-packages" / "00000001.seg"));  // the package bytes
  EXPECT_TRUE(fs::exists(hub.data_dir() / "hub.port"));
  EXPECT_TRUE(fs::exists(hub.data_dir() / "tls-chain.pem"));
  EXPECT_GE(files, 5);
  EXPECT_EQ(hub.stop(SIGTERM), 0) << hub.log();
}

TEST(Hub, RefusesToStartOnADataDirectoryOthersCanWrite) {
  const TempDir root = temp_dir("world-writable");
  TestHub hub(root);
  fs::create_directories(hub.data_dir());
  ASSERT_EQ(::chmod(hub.data_dir().c_str(), 0777), 0);
  EXPECT_EQ(run_hub_expecting_exit(root), 2);
  const std::string log = read((root / "hub.log").string());
  EXPECT_NE(log.find("data directory: data-dir-unsafe: " + hub.data_dir().string() +
                     ": mode 0777 lets other users write there"),
            std::string::npos)
      << log;
  EXPECT_FALSE(fs::exists(hub.data_dir() / "spool.sqlite"));  // refused before anything
}

TEST(Hub, RefusesToStartOnASymlinkedAuditDirectory) {
  const TempDir root = temp_dir("audit-link");
  TestHub hub(root, "[audit]\ndir = \"" + (root / "audit-link").string() + "\"\n");
  fs::create_directories(root / "audit-real");
  fs::create_directory_symlink(root / "audit-real", root / "audit-link");
  EXPECT_EQ(run_hub_expecting_exit(root), 2);
  const std::string log = read((root / "hub.log").string());
  EXPECT_NE(log.find("data-dir-unsafe: " + (root / "audit-link").string() +
                     ": is a symbolic link"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace docaxis::test
