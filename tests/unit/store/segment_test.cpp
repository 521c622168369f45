// Package bytes in segment files (store/segment_log.hpp): the log itself (appends, rotation,
// reopening, short and missing segments) and the store over it (bytes out of the database,
// a damaged or lost segment refused clearly, rows of older versions still read).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "store/segment_log.hpp"
#include "support.hpp"

namespace docaxis::store {
namespace {

namespace fs = std::filesystem;
using testing::binary_bytes;
using testing::make_package;
using testing::query_int;
using testing::to_local;

void flip_byte(const fs::path& file, std::streamoff at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  char c = 0;
  f.get(c);
  f.seekp(at);
  f.put(static_cast<char>(c ^ 0x20));
}

TEST(SegmentLog, AppendsRotateReopenAndReadBack) {
  testing::TempDir dir;
  const fs::path at = dir / "spool.db-packages";
  std::vector<std::pair<SegmentRef, std::string>> written;
  {
    auto log = SegmentLog::open(at, 1000);
    ASSERT_TRUE(log.ok()) << log.status().to_string();
    struct stat st {};
    ASSERT_EQ(::stat(at.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    for (int k = 0; k < 5; ++k) {  // 400 bytes each: two per segment of 1000
      std::string b = binary_bytes(std::to_string(k), 400);
      auto ref = (*log)->append(b);
      ASSERT_TRUE(ref.ok()) << ref.status().to_string();
      written.emplace_back(*ref, b);
    }
    const std::string big = binary_bytes("big", 2500);  // larger than a segment: its own
    auto ref = (*log)->append(big);
    ASSERT_TRUE(ref.ok());
    written.emplace_back(*ref, big);
    ASSERT_TRUE((*log)->sync().ok());
  }
  EXPECT_EQ(written[0].first.segment, 1);
  EXPECT_EQ(written[1].first.segment, 1);
  EXPECT_EQ(written[1].first.offset, 400);
  EXPECT_EQ(written[2].first.segment, 2);
  EXPECT_EQ(written[4].first.segment, 3);
  EXPECT_EQ(written[5].first.segment, 4);
  EXPECT_EQ(written[5].first.offset, 0);
  struct stat st {};
  ASSERT_EQ(::stat((at / "00000001.seg").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Reopened: everything reads back, and appends continue after the newest segment's end.
  auto log = SegmentLog::open(at, 1000);
  ASSERT_TRUE(log.ok());
  for (const auto& [ref, bytes] : written) {
    auto back = (*log)->read(ref, bytes.size());
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(*back, bytes);
  }
  auto next = (*log)->append("x");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->segment, 5);  // segment 4 is full (2,500 > 1,000)

  auto past_end = (*log)->read({1, 700}, 400);
  ASSERT_FALSE(past_end.ok());
  EXPECT_EQ(past_end.status().code(), "data-loss");
  auto missing = (*log)->read({42, 0}, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "data-loss");
  EXPECT_NE(missing.status().message().find("00000042.seg is missing"), std::string::npos);
}

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(SegmentLog, ReadsKeepABoundedNumberOfDescriptorsOpen) {
  testing::TempDir dir;
  auto log = SegmentLog::open(dir / "p", 100);
  ASSERT_TRUE(log.ok());
  std::vector<SegmentRef> refs;
  for (int k = 0; k < 40; ++k) {  // 40 segments of one 100-byte package each
    auto ref = (*log)->append(binary_bytes(std::to_string(k), 100));
    ASSERT_TRUE(ref.ok());
    refs.push_back(*ref);
  }
  ASSERT_TRUE((*log)->sync().ok());
  EXPECT_EQ(refs.back().segment, 40);
  const std::size_t before = open_descriptors();
  for (int round = 0; round < 2; ++round) {
    for (int k = 0; k < 40; ++k) {
      auto back = (*log)->read(refs[static_cast<std::size_t>(k)], 100);
      ASSERT_TRUE(back.ok()) << back.status().to_string();
      EXPECT_EQ(*back, binary_bytes(std::to_string(k), 100));
    }
  }
  EXPECT_LE(open_descriptors(), before + SegmentLog::kReadFds);
}

TEST(SegmentLog, AFolderThatIsAFileIsRefused) {
  testing::TempDir dir;
  std::ofstream(dir / "not-a-folder") << "x";
  auto log = SegmentLog::open(dir / "not-a-folder");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), "unavailable");
}

class SegmentStoreTest : public ::testing::Test {
 protected:
  std::string db() const { return dir_.file("spool.db"); }
  fs::path segments() const { return dir_ / "spool.db-packages"; }
  std::unique_ptr<SqliteStore> open() {
    auto opened = SqliteStore::open(testing::options_for(db()));
    EXPECT_TRUE(opened.ok()) << opened.status().to_string();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  testing::TempDir dir_;
};

TEST_F(SegmentStoreTest, BytesLiveInTheSegmentNotInTheDatabase) {
  uint64_t seq = 0;
  const std::string bytes = binary_bytes("p", 12'800);
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    auto out = store->ingest(make_package("000.00.01.H01", "doc-1", bytes), to_local({"000.00.02.H02"}));
    ASSERT_TRUE(out.ok()) << out.status().to_string();
    seq = out->seq;
  }
  EXPECT_EQ(query_int(db(), "SELECT length(bytes) FROM packages WHERE seq = " + std::to_string(seq)), 0);
  EXPECT_EQ(query_int(db(), "SELECT size FROM packages WHERE seq = " + std::to_string(seq)), 12'800);
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(segments() / "00000001.seg")), 12'800);
  auto store = open();
  ASSERT_NE(store, nullptr);
  auto loaded = store->load_package(seq);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->bytes, bytes);
}

TEST_F(SegmentStoreTest, ADamagedSegmentIsDataLossNotWrongBytes) {
  uint64_t seq = 0;
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    auto out = store->ingest(make_package("000.00.01.H01", "doc-1", binary_bytes("p", 5000)),
                             to_local({"000.00.02.H02"}));
    ASSERT_TRUE(out.ok());
    seq = out->seq;
  }
  flip_byte(segments() / "00000001.seg", 2345);
  auto store = open();
  ASSERT_NE(store, nullptr);
  auto loaded = store->load_package(seq);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), "data-loss");
  EXPECT_NE(loaded.status().message().find("do not match their sha256"), std::string::npos);
}

TEST_F(SegmentStoreTest, ALostOrShortenedSegmentFolderIsRefusedAtOpen) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    for (int k = 0; k < 3; ++k) {
      ASSERT_TRUE(store->ingest(make_package("000.00.01.H01", "doc-" + std::to_string(k),
                                             binary_bytes("p", 1000)),
                                to_local({"000.00.02.H02"}))
                      .ok());
    }
  }
  fs::resize_file(segments() / "00000001.seg", 2500);  // the third package is cut
  auto shortened = SqliteStore::open(testing::options_for(db()));
  ASSERT_FALSE(shortened.ok());
  EXPECT_EQ(shortened.status().code(), "data-loss");
  EXPECT_NE(shortened.status().message().find("holds 2500 bytes"), std::string::npos)
      << shortened.status().to_string();
  fs::remove_all(segments());
  auto lost = SqliteStore::open(testing::options_for(db()));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), "data-loss");
  EXPECT_NE(lost.status().message().find("is missing"), std::string::npos) << lost.status().to_string();
}

TEST_F(SegmentStoreTest, RowsStoredBeforeSegmentsKeepTheirBytesInTheRow) {
  // A package as schema 5 stored it: bytes in the row, no segment.
  uint64_t seq = 0;
  const std::string bytes = binary_bytes("old", 3000);
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    auto out = store->ingest(make_package("000.00.01.H01", "doc-old", bytes), to_local({"000.00.02.H02"}));
    ASSERT_TRUE(out.ok());
    seq = out->seq;
  }
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &h), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(h, "UPDATE packages SET bytes = ?1, segment = NULL, segment_offset = NULL, "
                                  "segment_sha256 = NULL WHERE seq = ?2", -1, &st, nullptr), SQLITE_OK);
  sqlite3_bind_blob(st, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(seq));
  ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(h);
  fs::remove_all(segments());  // not needed for such rows
  auto store = open();
  ASSERT_NE(store, nullptr);
  auto loaded = store->load_package(seq);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->bytes, bytes);
}

}  // namespace
}  // namespace docaxis::store
