// The delivery module's log lines (logger "delivery"; hub/log/README.md): one line per
// delivery that reached a final state, after the store committed it. Dead letters (a retry
// deadline or the poison limit gave up) and refusals by the recipient are warnings; delivered
// ones are debug. Called on the dispatcher thread.
#pragma once

#include <vector>

#include "delivery/dispatcher.hpp"

namespace docaxis::delivery {

void log_finished(const std::vector<Dispatcher::Finished>& finished);

}  // namespace docaxis::delivery
