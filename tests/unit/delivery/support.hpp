// Test doubles for the delivery module: a temp dir, and an Outbound that answers as told.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "delivery/outbound.hpp"
#include "temp_dir.hpp"

namespace docaxis::delivery::testing {

// A fresh directory under $TMPDIR (tests/support/temp_dir.hpp: removed on destruction unless
// DOCAXIS_KEEP_TMP is set).
struct TempDir : ::docaxis::test::TempDir {
  TempDir() : ::docaxis::test::TempDir("delivery") {}
};

// Answers each deliver() per the organ's mode (default: accept), synchronously, and records
// every call. kSilent never answers (the done callbacks are kept for late answers); kThrow
// throws std::runtime_error("outbound blew up") after recording the call.
class RecordingOutbound final : public Outbound {
 public:
  enum class Mode { kAccept, kReject, kRelease, kNoLink, kDisconnect, kSilent, kThrow };
  struct Call {
    std::string organ;
    OutgoingMessage message;
  };

  void set_mode(const std::string& organ, Mode mode, std::string condition = {},
                std::string description = {});
  void deliver(const store::Delivery& delivery, OutgoingMessage message,
               DeliveryDone done) override;

  std::vector<Call> calls;
  std::vector<DeliveryDone> unanswered;  // kSilent

 private:
  struct Behaviour {
    Mode mode = Mode::kAccept;
    std::string condition;
    std::string description;
  };
  std::map<std::string, Behaviour> modes_;
};

}  // namespace docaxis::delivery::testing
