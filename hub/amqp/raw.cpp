#include "amqp/raw.hpp"

#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>

namespace docaxis::amqp {
namespace {

// proton::internal::object<T>::pn_object() is protected; a derived type may name it, and the
// member pointer then applies to any transfer (delivery or tracker).
struct RawTransfer : proton::transfer {
  static pn_delivery_t* of(const proton::transfer& t) {
    pn_delivery_t* (proton::transfer::*get)() const = &RawTransfer::pn_object;
    return (t.*get)();
  }
};

}  // namespace

void set_local_condition(proton::delivery& d, const std::string& name,
                         const std::string& description) {
  pn_delivery_t* raw = RawTransfer::of(d);
  if (raw == nullptr) return;
  pn_condition_t* c = pn_disposition_condition(pn_delivery_local(raw));
  pn_condition_set_name(c, name.c_str());
  pn_condition_set_description(c, description.c_str());
}

void remote_condition(const proton::tracker& t, std::string* name, std::string* description) {
  pn_delivery_t* raw = RawTransfer::of(t);
  if (raw == nullptr) return;
  pn_condition_t* c = pn_disposition_condition(pn_delivery_remote(raw));
  if (c == nullptr || !pn_condition_is_set(c)) return;
  if (const char* n = pn_condition_get_name(c)) *name = n;
  if (const char* d = pn_condition_get_description(c)) *description = d;
}

}  // namespace docaxis::amqp
