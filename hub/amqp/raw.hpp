// Access to the Proton C objects behind C++ handles, for the two things the C++ binding does
// not expose: the error condition of a rejected delivery, sent and received.
// Container-thread only, like every Proton call.
#pragma once

#include <proton/delivery.hpp>
#include <proton/tracker.hpp>
#include <string>

namespace docaxis::amqp {

// Sets the condition a following delivery.reject() sends.
void set_local_condition(proton::delivery& d, const std::string& name,
                         const std::string& description);
// Reads the condition the peer sent with its rejection.
void remote_condition(const proton::tracker& t, std::string* name, std::string* description);

}  // namespace docaxis::amqp
