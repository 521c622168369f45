#include "log/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <array>
#include <chrono>
#include <deque>
#include <mutex>

#include "log/format.hpp"

namespace docaxis::log {
namespace {

const std::array<std::string_view, 6> kLevelNames = {"trace", "debug", "info",
                                                     "warn",  "error", "off"};

// Standard error through spdlog: one fwrite and fflush per line under spdlog's mutex, so lines
// of different threads never interleave. The spdlog pattern is the bare message: the line is
// formatted by format_line.
class StderrSink final : public Sink {
 public:
  StderrSink()
      : logger_("docaxis", std::make_shared<spdlog::sinks::stderr_sink_mt>()) {
    logger_.set_pattern("%v");
    logger_.set_level(spdlog::level::trace);
  }
  void write(Level level, std::string_view line) noexcept override {
    try {
      logger_.log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
    } catch (...) {  // NOLINT(bugprone-empty-catch): a log line is never worth an exception
    }
  }

 private:
  static spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
      case Level::trace: return spdlog::level::trace;
      case Level::debug: return spdlog::level::debug;
      case Level::info: return spdlog::level::info;
      case Level::warn: return spdlog::level::warn;
      case Level::error: return spdlog::level::err;
      case Level::off: break;
    }
    return spdlog::level::off;
  }
  spdlog::logger logger_;
};

struct Registry {
  std::vector<std::string> names = {"server", "amqp",     "tls",   "peers", "trust",
                                    "engine", "delivery", "store", "audit", "admin"};
  std::deque<Logger> known;  // one per name, same order
  std::mutex mu;             // guards `extra`, `default_level`, the sink pointer
  std::deque<Logger> extra;  // loggers asked for by a name outside `names`
  Level default_level = Level::info;
  std::shared_ptr<Sink> sink;
  std::shared_ptr<Sink> stderr_sink = std::make_shared<StderrSink>();

  Registry() {
    for (const auto& n : names) known.emplace_back(n);
    sink = stderr_sink;
  }
};

// Never destroyed: threads may still log while the process exits.
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

std::atomic<std::uint64_t> g_lines{0};

}  // namespace

std::string_view to_string(Level level) {
  const auto i = static_cast<std::size_t>(level);
  return i < kLevelNames.size() ? kLevelNames[i] : "?";
}

bool parse_level(std::string_view text, Level& out) {
  for (std::size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == text) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

const std::vector<std::string>& level_names() {
  static const std::vector<std::string> names(kLevelNames.begin(), kLevelNames.end());
  return names;
}

const std::vector<std::string>& logger_names() { return registry().names; }

bool is_logger_name(std::string_view name) {
  for (const auto& n : registry().names) {
    if (n == name) return true;
  }
  return false;
}

Logger& get(std::string_view name) {
  Registry& r = registry();
  for (std::size_t i = 0; i < r.names.size(); ++i) {
    if (r.names[i] == name) return r.known[i];
  }
  std::lock_guard lock(r.mu);
  for (Logger& l : r.extra) {
    if (l.name() == name) return l;
  }
  return r.extra.emplace_back(std::string(name), r.default_level);
}

Status configure(const Settings& settings) {
  for (const auto& [name, level] : settings.levels) {
    if (!is_logger_name(name)) {
      return {"invalid-argument", "unknown logger \"" + name + "\""};
    }
  }
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.default_level = settings.level;
  for (Logger& l : r.known) {
    Level level = settings.level;
    for (const auto& [name, override_level] : settings.levels) {
      if (name == l.name()) level = override_level;
    }
    l.set_level(level);
  }
  for (Logger& l : r.extra) l.set_level(settings.level);
  return {};
}

void set_sink(std::shared_ptr<Sink> sink) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.sink = sink ? std::move(sink) : r.stderr_sink;
}

std::uint64_t lines_formatted() { return g_lines.load(std::memory_order_relaxed); }

void Logger::write(Level level, std::string_view event, const Field* fields,
                   std::size_t n) noexcept {
  try {
    thread_local std::string line;
    line.clear();
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    format_line(line, static_cast<std::int64_t>(now), level, name_, event, fields, n);
    g_lines.fetch_add(1, std::memory_order_relaxed);
    std::shared_ptr<Sink> sink;
    {
      Registry& r = registry();
      std::lock_guard lock(r.mu);
      sink = r.sink;
    }
    sink->write(level, line);
    // A line with one huge value must not pin its buffer for the thread's life.
    if (line.capacity() > 64 * 1024) std::string().swap(line);
  } catch (...) {  // NOLINT(bugprone-empty-catch): logging never throws into the hub
  }
}

}  // namespace docaxis::log
