#include "agent/inbox_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "agent/durable_files.hpp"
#include "temp_dir.hpp"

namespace docaxis::agent {
namespace {

namespace fs = std::filesystem;

// The writer's folders under a scratch root (tests/support/temp_dir.hpp), kept when the test
// fails.
struct Dirs {
  explicit Dirs(const std::string& name)
      : tmp("inbox-" + name),
        root(tmp.path()),
        folders{root / "inbox", root / "receipts", root / ".agent"} {}
  ~Dirs() {
    if (::testing::Test::HasFailure()) tmp.keep();
  }
  docaxis::test::TempDir tmp;
  fs::path root;
  InboxWriter::Folders folders;
};

client::Received message(const std::string& type, const std::string& id) {
  client::Received m;
  m.message_type = type;
  m.document_id = id;
  m.from = "000.00.13.H30";
  m.bytes = "<edXML>" + id + "</edXML>";
  return m;
}

std::size_t count(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

TEST(InboxWriter, StoresOnceAndRecognisesARedeliveryEvenAfterTheFileWasTakenAway) {
  Dirs d("once");
  InboxWriter w(d.folders);
  ASSERT_TRUE(w.prepare().ok());
  const auto m = message("edoc", "000.00.13.H30,2026/11/22,7/ĐT");
  auto first = w.store(m);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(read_file(first->path).value(), m.bytes);
  EXPECT_EQ(first->path.parent_path(), d.folders.inbox);
  EXPECT_EQ(first->path.filename().string().rfind("edoc-000.00.13.H30,2026_11_22,7___T-", 0), 0u)
      << first->path;

  auto again = w.store(m);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  fs::remove(first->path);  // the document system took it
  auto later = w.store(m);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->duplicate);
  EXPECT_EQ(count(d.folders.inbox), 0u);
}

TEST(InboxWriter, ACrashBetweenFileAndMarkerNeitherDuplicatesNorSkipsTheAfterWriteStep) {
  Dirs d("window");
  InboxWriter w(d.folders);
  ASSERT_TRUE(w.prepare().ok());
  const auto m = message("edoc", "X-1");
  const std::string key = InboxWriter::key_of(m);
  // What a SIGKILL between steps 3 and 5 leaves: the file, no marker.
  ASSERT_TRUE(write_atomic(d.folders.inbox, InboxWriter::file_name(m, key), m.bytes).ok());
  int after_writes = 0;
  auto s = w.store(m, [&](const InboxWriter::Stored&) {
    ++after_writes;
    return Status{};
  });
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->duplicate);
  EXPECT_EQ(after_writes, 1);  // e.g. the status 01 that may not have been written yet
  EXPECT_TRUE(fs::exists(d.folders.state / "seen" / key));
  EXPECT_EQ(count(d.folders.inbox), 1u);
  ASSERT_TRUE(w.store(m, [&](const InboxWriter::Stored&) {
                 ++after_writes;
                 return Status{};
               }).ok());
  EXPECT_EQ(after_writes, 1);  // seen: nothing runs again
}

TEST(InboxWriter, AFailingAfterWriteStepLeavesTheMessageUnseen) {
  Dirs d("fail");
  InboxWriter w(d.folders);
  ASSERT_TRUE(w.prepare().ok());
  const auto m = message("edoc", "X-2");
  auto s = w.store(m, [](const InboxWriter::Stored&) { return Status{"unavailable", "disk"}; });
  EXPECT_EQ(s.status().code(), "unavailable");
  EXPECT_FALSE(fs::exists(d.folders.state / "seen" / InboxWriter::key_of(m)));
}

TEST(InboxWriter, ReceiptsGoToTheirFolderAndKeysSeparateTypesAndSenders) {
  Dirs d("kinds");
  InboxWriter w(d.folders);
  ASSERT_TRUE(w.prepare().ok());
  auto r = w.store(message("receipt", "h30-1-1"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->path.parent_path(), d.folders.receipts);
  auto a = message("edoc", "same-id");
  auto b = a;
  b.from = "000.00.31.H30";
  auto c = a;
  c.message_type = "status";
  EXPECT_NE(InboxWriter::key_of(a), InboxWriter::key_of(b));
  EXPECT_NE(InboxWriter::key_of(a), InboxWriter::key_of(c));
  auto no_id = a;
  no_id.document_id.clear();
  EXPECT_NE(InboxWriter::key_of(no_id), InboxWriter::key_of(a));
}

// Issue 12: the name carried 60 characters of the id and 48 bits of the key; two messages
// sharing that prefix (a collision, or a file put there by anyone) made the second one a
// "duplicate", dropped while its sender got a delivered receipt.
TEST(InboxWriter, TwoKeysSharingTheOldTruncatedNameBothLand) {
  Dirs d("collide");
  InboxWriter w(d.folders);
  ASSERT_TRUE(w.prepare().ok());
  // Same type, same first 60 characters of the document id, different full keys.
  const std::string prefix(60, 'A');
  const auto a = message("edoc", prefix + "-first");
  const auto b = message("edoc", prefix + "-second");
  const std::string ka = InboxWriter::key_of(a);
  const std::string kb = InboxWriter::key_of(b);
  ASSERT_NE(ka, kb);
  // The name carries the whole key, so the two names differ even when the ids' and keys'
  // prefixes agree.
  EXPECT_NE(InboxWriter::file_name(a, ka), InboxWriter::file_name(b, kb));
  EXPECT_NE(InboxWriter::file_name(a, ka).find(ka), std::string::npos);

  // A collision of whatever the name keeps: another message's file already at b's name.
  ASSERT_TRUE(w.store(a).ok());
  ASSERT_TRUE(write_atomic(d.folders.inbox, InboxWriter::file_name(b, kb), a.bytes).ok());
  auto sb = w.store(b);
  ASSERT_TRUE(sb.ok()) << sb.status().to_string();
  EXPECT_FALSE(sb->duplicate);  // before the fix: "duplicate", b never written
  EXPECT_EQ(sb->path.filename().string(),
            InboxWriter::alternative_name(InboxWriter::file_name(b, kb), 2));
  EXPECT_EQ(read_file(sb->path).value(), b.bytes);
  EXPECT_EQ(read_file(d.folders.inbox / InboxWriter::file_name(b, kb)).value(), a.bytes);
  EXPECT_TRUE(fs::exists(d.folders.state / "seen" / kb));
  // Redelivered after a crash before the marker: found at ~2, not written a third time.
  fs::remove(d.folders.state / "seen" / kb);
  auto again = w.store(b);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->path, sb->path);
  EXPECT_EQ(count(d.folders.inbox), 3u);
}

TEST(InboxWriter, ASymlinkPlantedAtTheNameOrTheTemporaryNameIsNotFollowed) {
  Dirs d("symlink");
  InboxWriter w(d.folders);
  ASSERT_TRUE(w.prepare().ok());
  const fs::path victim = d.root / "victim";
  std::ofstream(victim) << "precious";
  const auto m = message("edoc", "X-link");
  const std::string name = InboxWriter::file_name(m, InboxWriter::key_of(m));
  fs::create_symlink(victim, d.folders.inbox / name);
  // The temporary name is predictable too.
  fs::create_symlink(victim, d.folders.inbox / (std::string(kTempPrefix) + name + "." +
                                                std::to_string(getpid()) + ".tmp"));
  auto s = w.store(m);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_FALSE(s->duplicate);
  EXPECT_EQ(read_file(victim).value(), "precious");  // neither link was written through
  EXPECT_TRUE(fs::is_symlink(d.folders.inbox / name));
  EXPECT_EQ(s->path.filename().string(), InboxWriter::alternative_name(name, 2));
  EXPECT_FALSE(fs::is_symlink(s->path));
  EXPECT_EQ(read_file(s->path).value(), m.bytes);
}

TEST(InboxWriter, WriteNewNeverReplacesAndNeverFollows) {
  Dirs d("write-new");
  fs::create_directories(d.root);
  ASSERT_TRUE(write_new(d.root, "a.edxml", "first").ok());
  EXPECT_EQ(write_new(d.root, "a.edxml", "second").code(), "already-exists");
  EXPECT_EQ(read_file(d.root / "a.edxml").value(), "first");
  EXPECT_TRUE(holds_exactly(d.root / "a.edxml", "first"));
  EXPECT_FALSE(holds_exactly(d.root / "a.edxml", "firs"));
  EXPECT_FALSE(holds_exactly(d.root / "a.edxml", "first!"));
  fs::create_symlink(d.root / "a.edxml", d.root / "link.edxml");
  EXPECT_FALSE(holds_exactly(d.root / "link.edxml", "first"));  // O_NOFOLLOW
  EXPECT_EQ(write_new(d.root, "link.edxml", "x").code(), "already-exists");
  EXPECT_EQ(read_file(d.root / "a.edxml").value(), "first");
}

TEST(InboxWriter, PruneForgetsOnlyOldMarkers) {
  Dirs d("prune");
  InboxWriter w(d.folders);
  ASSERT_TRUE(w.prepare().ok());
  ASSERT_TRUE(w.store(message("edoc", "old")).ok());
  ASSERT_TRUE(w.store(message("edoc", "new")).ok());
  const fs::path old_marker = d.folders.state / "seen" / InboxWriter::key_of(message("edoc", "old"));
  fs::last_write_time(old_marker, fs::file_time_type::clock::now() - std::chrono::hours(24 * 40));
  EXPECT_EQ(w.prune(std::chrono::hours(24 * 30)), 1u);
  EXPECT_FALSE(fs::exists(old_marker));
  EXPECT_EQ(count(d.folders.state / "seen"), 1u);
}

}  // namespace
}  // namespace docaxis::agent
