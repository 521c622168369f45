// The two things the Proton C++ binding (0.37) cannot do, done on the C objects behind its
// handles: read the error condition the hub put on a `rejected` outcome, and put one on our
// own rejection of a received message. Client thread only, like every Proton call.
#pragma once

#include <proton/delivery.hpp>
#include <proton/tracker.hpp>
#include <string>

namespace docaxis::client::detail {

// The condition of the peer's disposition of `t` ("" when none was sent).
void peer_condition(const proton::tracker& t, std::string* name, std::string* description);
// Sets the condition that a following d.reject() carries.
void set_rejection_condition(proton::delivery& d, const std::string& name,
                             const std::string& description);

}  // namespace docaxis::client::detail
