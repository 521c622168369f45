// libFuzzer target over the listener's message decoding (hub/amqp/message_codec.hpp): every
// byte of a transfer is the sender's. Any input must give a value or a Status, never a crash,
// a sanitizer report or an exception. Seeds: encodings the hub itself produces (written by
// run-fuzz.sh with -seed_inputs... here generated at start, see LLVMFuzzerInitialize).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "amqp/message_codec.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Write a few well-formed messages into $DOCAXIS_FUZZ_AMQP_SEEDS, so mutations start from
  // real section layouts (properties, application properties, one data section).
  const char* dir = std::getenv("DOCAXIS_FUZZ_AMQP_SEEDS");
  if (dir == nullptr) return 0;
  const docaxis::delivery::OutgoingMessage seeds[] = {
      {"<edXML/>", "edoc", "DOC-1", "000.00.13.H30", {}},
      {"<edXML>Hòa Bình</edXML>",
       "status",
       "DOC-2",
       "000.00.13.H30",
       {{"h30", 1}, {"national", 2}}},
      {std::string(300, 'x'), "receipt", "", "", {{"a", 0}}},
  };
  int i = 0;
  for (const auto& m : seeds) {
    std::ofstream(std::string(dir) + "/seed-" + std::to_string(i++), std::ios::binary)
        << docaxis::amqp::encode_outgoing(m);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto r = docaxis::amqp::decode_incoming(reinterpret_cast<const char*>(data), size);
  if (r.ok()) {
    // A decoded message's trail is valid UTF-8 within its bound, as the contract says.
    if (r->hops && (!docaxis::amqp::is_utf8(*r->hops) ||
                    r->hops->size() > docaxis::amqp::kMaxHopsBytes)) {
      std::abort();
    }
  }
  return 0;
}
