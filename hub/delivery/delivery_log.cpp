#include "delivery/delivery_log.hpp"

#include "log/log.hpp"

namespace docaxis::delivery {

void log_finished(const std::vector<Dispatcher::Finished>& finished) {
  static log::Logger& L = log::get("delivery");
  for (const auto& f : finished) {
    const store::Delivery& d = f.delivery;
    const bool delivered = f.outcome == "delivered";
    const log::Level level = delivered ? log::Level::debug : log::Level::warn;
    if (!L.enabled(level)) continue;
    // "dead": retries gave up (deadline, poison limit) or the delivery expired unattempted.
    const std::string_view event = delivered              ? "delivery-delivered"
                                   : f.outcome == "refused" ? "delivery-refused"
                                                            : "delivery-dead";
    L.at(level, event, {{"delivery", d.id},
                        {"seq", d.seq},
                        {"recipient", d.recipient},
                        {"next_hop", d.next_hop},
                        {"attempts", d.attempts},
                        {"unanswered", d.unanswered},
                        {"age_ms", d.updated_ms - d.created_ms},
                        {"reason", delivered ? std::string_view() : std::string_view(d.last_error)},
                        {"receipt", f.follow_up_id}});
  }
}

}  // namespace docaxis::delivery
