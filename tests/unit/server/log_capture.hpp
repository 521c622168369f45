// The hub's log lines during a test (log::set_sink), thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log/log.hpp"

namespace docaxis::server::test {

class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<Sink>()) { log::set_sink(sink_); }
  ~LogCapture() { log::set_sink(nullptr); }
  std::vector<std::string> lines_with(const std::string& needle) const {
    std::lock_guard lk(sink_->mu);
    std::vector<std::string> out;
    for (const auto& l : sink_->lines) {
      if (l.find(needle) != std::string::npos) out.push_back(l);
    }
    return out;
  }
  std::string all() const {
    std::lock_guard lk(sink_->mu);
    std::string out;
    for (const auto& l : sink_->lines) out += l + "\n";
    return out;
  }

 private:
  struct Sink : log::Sink {
    void write(log::Level, std::string_view line) noexcept override {
      std::lock_guard lk(mu);
      lines.emplace_back(line);
    }
    mutable std::mutex mu;
    std::vector<std::string> lines;
  };
  std::shared_ptr<Sink> sink_;
};

}  // namespace docaxis::server::test
