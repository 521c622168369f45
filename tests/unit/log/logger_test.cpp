// Loggers: levels and per-logger overrides, nothing done for a disabled level (no formatting,
// no allocation), the standard-error sink writing whole lines from many threads.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "line_parser.hpp"
#include "log/log.hpp"
#include "temp_dir.hpp"

// Counts allocations of this test binary, to show a disabled level allocates nothing. (GCC
// cannot tell that these replace the global operators, and warns about malloc/free pairing.)
// ThreadSanitizer's runtime defines these operators itself: under it nothing is counted and
// the allocation check is skipped (the formatting count below still runs).
#if defined(__SANITIZE_THREAD__)
#define DOCAXIS_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DOCAXIS_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef DOCAXIS_COUNT_ALLOCATIONS
#define DOCAXIS_COUNT_ALLOCATIONS 1
#endif
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<std::uint64_t> g_allocations{0};
}
#if DOCAXIS_COUNT_ALLOCATIONS
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace docaxis::log {
namespace {

class CapturingSink : public Sink {
 public:
  void write(Level level, std::string_view line) noexcept override {
    std::lock_guard lock(mu_);
    lines_.emplace_back(line);
    levels_.push_back(level);
  }
  std::vector<std::string> lines() {
    std::lock_guard lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
  std::vector<Level> levels_;
};

class LoggerTest : public testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<CapturingSink>();
    set_sink(sink_);
  }
  void TearDown() override {
    set_sink(nullptr);
    ASSERT_TRUE(configure({}).ok());
  }
  std::shared_ptr<CapturingSink> sink_;
};

TEST(LogLevels, NamesRoundTripAndNothingElseParses) {
  for (const std::string& name : level_names()) {
    Level l = Level::off;
    ASSERT_TRUE(parse_level(name, l)) << name;
    EXPECT_EQ(to_string(l), name);
  }
  Level l = Level::info;
  for (const char* bad : {"", "INFO", "warning", "err", "fatal", " info", "info\n"}) {
    EXPECT_FALSE(parse_level(bad, l)) << bad;
  }
  EXPECT_EQ(l, Level::info);
}

TEST(LogLevels, EveryModuleHasALogger) {
  for (const char* name : {"server", "amqp", "tls", "peers", "trust", "engine", "delivery",
                           "store", "audit", "admin"}) {
    EXPECT_TRUE(is_logger_name(name)) << name;
    EXPECT_EQ(&get(name), &get(name));
    EXPECT_EQ(get(name).name(), name);
  }
  EXPECT_FALSE(is_logger_name("amqpp"));
}

TEST_F(LoggerTest, DefaultLevelIsInfo) {
  Logger& L = get("engine");
  L.debug("not-shown");
  L.info("shown", {{"n", 1}});
  const auto lines = sink_->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" level=info logger=engine event=shown n=1"), std::string::npos)
      << lines[0];
}

TEST_F(LoggerTest, PerLoggerOverridesTheDefault) {
  ASSERT_TRUE(configure({Level::warn, {{"amqp", Level::debug}, {"store", Level::off}}}).ok());
  get("amqp").debug("amqp-debug");
  get("amqp").trace("amqp-trace");
  get("engine").info("engine-info");
  get("engine").warn("engine-warn");
  get("store").error("store-error");
  const auto lines = sink_->lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("event=amqp-debug"), std::string::npos);
  EXPECT_NE(lines[1].find("event=engine-warn"), std::string::npos);
}

TEST_F(LoggerTest, ConfigureRefusesAnUnknownLoggerAndChangesNothing) {
  ASSERT_TRUE(configure({Level::error, {}}).ok());
  const Status s = configure({Level::trace, {{"amqp", Level::trace}, {"amqpp", Level::trace}}});
  EXPECT_EQ(s.code(), "invalid-argument");
  EXPECT_NE(s.message().find("\"amqpp\""), std::string::npos);
  EXPECT_EQ(get("amqp").level(), Level::error);
  EXPECT_EQ(get("engine").level(), Level::error);
}

TEST_F(LoggerTest, ADisabledLevelFormatsAndAllocatesNothing) {
  ASSERT_TRUE(configure({Level::warn, {}}).ok());
  Logger& L = get("amqp");
  const std::string subject(300, 's');  // longer than any small-string buffer
  const std::uint64_t lines = lines_formatted();
  const std::uint64_t allocations = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    L.info("connection-open", {{"conn", i}, {"remote", "127.0.0.1"}, {"subject", subject},
                               {"sha256", prefix(subject, 16)}, {"ok", true}});
    L.debug("link-attach", {{"address", subject}});
  }
  EXPECT_EQ(g_allocations.load(), allocations);
  EXPECT_EQ(lines_formatted(), lines);
  EXPECT_TRUE(sink_->lines().empty());
  L.warn("shown");
  EXPECT_EQ(lines_formatted(), lines + 1);
}

TEST_F(LoggerTest, ALevelChangeReachesLoggersInUse) {
  Logger& L = get("tls");
  L.debug("before");
  ASSERT_TRUE(configure({Level::info, {{"tls", Level::debug}}}).ok());
  L.debug("after");
  const auto lines = sink_->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("event=after"), std::string::npos);
}

TEST_F(LoggerTest, RuntimeFieldLists) {
  std::vector<Field> fields;
  fields.emplace_back("peer", "g12");
  fields.emplace_back("attempt", 3);
  get("peers").at(Level::info, "peer-connecting", fields);
  const auto lines = sink_->lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("event=peer-connecting peer=g12 attempt=3"), std::string::npos);
}

// The real sink: standard error redirected to a file, eight threads logging hostile values at
// once. Every line must come out whole and parse back to what was logged.
TEST(LogStderrSink, WholeLinesFromManyThreads) {
  set_sink(nullptr);
  ASSERT_TRUE(configure({}).ok());
  const docaxis::test::TempDir tmp("log");
  const std::filesystem::path file = tmp / "stderr.log";
  std::fflush(stderr);
  const int saved = dup(2);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_GE(dup2(fd, 2), 0);
  ::close(fd);
  constexpr int kThreads = 8, kLines = 200;
  const std::string hostile = "CN=evil\nlevel=error event=forged \"x\"";
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &hostile] {
      for (int i = 0; i < kLines; ++i) {
        get("amqp").info("connection-open",
                         {{"thread", t}, {"i", i}, {"subject", hostile},
                          {"pad", std::string(static_cast<std::size_t>(i), 'p')}});
      }
    });
  }
  for (auto& th : threads) th.join();
  std::fflush(stderr);
  dup2(saved, 2);
  ::close(saved);
  std::ifstream in(file);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    std::string time;
    test::Pairs pairs;
    ASSERT_TRUE(test::parse_line(line, time, pairs)) << line;
    ASSERT_EQ(pairs.size(), 7u) << line;
    EXPECT_EQ(pairs[2].second, "connection-open");
    EXPECT_EQ(pairs[5].first, "subject");
    EXPECT_EQ(pairs[5].second, hostile);
    ++count;
  }
  EXPECT_EQ(count, kThreads * kLines);
}

}  // namespace
}  // namespace docaxis::log
