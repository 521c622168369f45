// The registry of refusal codes: every code a sender can be answered with at ingest (on the
// wire as "docaxis:<code>" when permanent), with its class and where it is decided. It is the
// one source of `is_transient`, and the code table of README.md ("Refusal codes") is checked
// against it by tests/unit/model (same codes, same classes, same order).
//
//   permanent  the package is refused: AMQP `rejected` with condition "docaxis:<code>"; the
//              sender must not resend the same bytes
//   transient  nothing was kept: AMQP `released`; the sender retries the same bytes later
//
// Codes are public contracts: never renamed or reclassified, only added.
#pragma once

#include <span>
#include <string_view>

namespace docaxis::model {

enum class CodeClass { kPermanent, kTransient };

struct RefusalCode {
  std::string_view code;
  CodeClass cls;
  std::string_view decided_by;  // the module that decides it ("edxml", "dsig", "routing", …)
  std::string_view meaning;     // one line, as in README.md
};

// Every registered code, in README order.
std::span<const RefusalCode> refusal_codes();

// The entry for `code`, or nullptr when it is not registered.
const RefusalCode* find_refusal_code(std::string_view code);

// True for the transient codes. An unregistered code is permanent (a refusal the sender can
// read, never a silent retry loop).
bool is_transient(std::string_view code);

}  // namespace docaxis::model
