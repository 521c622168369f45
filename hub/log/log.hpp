// The hub's logging facade: one named logger per module, one line per event on standard error,
// in `key=value` form (README.md in this folder is the public contract: format, logger names,
// every event and its fields).
//
//   static log::Logger& L = log::get("amqp");
//   L.info("connection-open", {{"conn", id}, {"remote", address}, {"subject", subject}});
//
// prints
//
//   2026-12-06T18:40:01.123Z level=info logger=amqp event=connection-open conn=12
//       remote=127.0.0.1 subject="UID=000.00.13.H30,CN=..."
//
// (one line). Values are written bare when they are made of [A-Za-z0-9._:/@+,[\]-] only, and
// quoted and escaped otherwise (format.hpp): a hostile certificate subject, organ id or
// address can neither start a second line nor forge a key.
//
// Cost when a level is off: one relaxed atomic load and a compare; no formatting, no allocation
// (fields hold views and numbers; a Field never copies). A caller that must compute a value
// (build a string) guards it with `if (L.enabled(log::Level::debug))`.
//
// Never log a secret (key material, passwords) or document content (package bytes, subjects of
// documents): identities, ids, codes, sizes and reasons only.
//
// Threads: every function here is thread-safe. Logging never throws and never blocks on
// anything but the sink's line lock (one fwrite per line). This header includes no spdlog
// header: spdlog stays inside hub/log (the default sink).
#pragma once

#include <atomic>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace docaxis::log {

enum class Level : std::uint8_t { trace = 0, debug, info, warn, error, off };

// "trace", "debug", "info", "warn", "error", "off".
std::string_view to_string(Level level);
// The inverse of to_string (exact, lower case); false for anything else.
bool parse_level(std::string_view text, Level& out);
// The level names parse_level accepts, in order.
const std::vector<std::string>& level_names();

// One `key=value` pair. Holds a view of text (never a copy): the text must outlive the call,
// which a temporary in the call's argument list does.
class Field {
 public:
  enum class Kind : std::uint8_t { kText, kInt, kUint, kBool, kDouble };

  Field(std::string_view key, std::string_view v) : key_(key), kind_(Kind::kText), text_(v) {}
  Field(std::string_view key, const std::string& v) : Field(key, std::string_view(v)) {}
  Field(std::string_view key, const char* v)
      : Field(key, v != nullptr ? std::string_view(v) : std::string_view()) {}
  Field(std::string_view key, bool v) : key_(key), kind_(Kind::kBool), int_(v ? 1 : 0) {}
  template <std::signed_integral T>
  Field(std::string_view key, T v) : key_(key), kind_(Kind::kInt), int_(v) {}
  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool>)
  Field(std::string_view key, T v) : key_(key), kind_(Kind::kUint), uint_(v) {}
  Field(std::string_view key, double v) : key_(key), kind_(Kind::kDouble), double_(v) {}

  std::string_view key() const { return key_; }
  Kind kind() const { return kind_; }
  std::string_view text() const { return text_; }
  std::int64_t int_value() const { return int_; }
  std::uint64_t uint_value() const { return uint_; }
  double double_value() const { return double_; }

 private:
  std::string_view key_;
  Kind kind_;
  std::string_view text_;
  union {
    std::int64_t int_ = 0;
    std::uint64_t uint_;
    double double_;
  };
};

using Fields = std::initializer_list<Field>;

// The first `n` characters of `s` (e.g. a SHA-256 prefix for a line: log::prefix(sha, 16)).
inline std::string_view prefix(std::string_view s, std::size_t n) { return s.substr(0, n); }

// Where formatted lines go. The default writes each line with one fwrite to standard error
// (through spdlog); tests install a capturing one.
class Sink {
 public:
  virtual ~Sink() = default;
  // One complete line without its '\n'. Must not throw; may be called from any thread.
  virtual void write(Level level, std::string_view line) noexcept = 0;
};

// Replaces the sink for every logger; nullptr restores standard error. Thread-safe.
void set_sink(std::shared_ptr<Sink> sink);

class Logger {
 public:
  explicit Logger(std::string name, Level level = Level::info)
      : name_(std::move(name)), level_(level) {}
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  const std::string& name() const { return name_; }
  Level level() const { return level_.load(std::memory_order_relaxed); }
  void set_level(Level level) { level_.store(level, std::memory_order_relaxed); }
  bool enabled(Level level) const {
    return level != Level::off && level >= level_.load(std::memory_order_relaxed);
  }

  void trace(std::string_view event, Fields fields = {}) { at(Level::trace, event, fields); }
  void debug(std::string_view event, Fields fields = {}) { at(Level::debug, event, fields); }
  void info(std::string_view event, Fields fields = {}) { at(Level::info, event, fields); }
  void warn(std::string_view event, Fields fields = {}) { at(Level::warn, event, fields); }
  void error(std::string_view event, Fields fields = {}) { at(Level::error, event, fields); }
  void at(Level level, std::string_view event, Fields fields) {
    if (enabled(level)) write(level, event, fields.begin(), fields.size());
  }
  // For a field list built at run time.
  void at(Level level, std::string_view event, const std::vector<Field>& fields) {
    if (enabled(level)) write(level, event, fields.data(), fields.size());
  }

 private:
  void write(Level level, std::string_view event, const Field* fields, std::size_t n) noexcept;

  std::string name_;
  std::atomic<Level> level_;
};

// The loggers of the hub, one per module (README.md says what each one reports).
const std::vector<std::string>& logger_names();
bool is_logger_name(std::string_view name);

// The logger called `name`: one of logger_names(), which live for the whole process. A name
// outside that list (a programming error) gets a logger of its own at the default level.
// Cheap, but not free (a short scan): keep the reference (`static log::Logger& L = ...`).
Logger& get(std::string_view name);

struct Settings {
  Level level = Level::info;                          // every logger ...
  std::vector<std::pair<std::string, Level>> levels;  // ... except these
};
// Sets every logger's level. Errors: invalid-argument (a name outside logger_names(); nothing
// is changed then). Thread-safe; loggers in use see the new level at their next call.
Status configure(const Settings& settings);

// Lines formatted since the process started (every logger, every level): lets tests check that
// a disabled level formats nothing.
std::uint64_t lines_formatted();

}  // namespace docaxis::log
