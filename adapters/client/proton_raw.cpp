#include "client/proton_raw.hpp"

#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>

namespace docaxis::client::detail {
namespace {

// proton::transfer keeps its pn_delivery_t* behind a protected accessor of its base; a
// derived class may form a pointer to that member and apply it to any transfer.
struct TransferAccess : proton::transfer {
  static pn_delivery_t* raw(const proton::transfer& t) {
    pn_delivery_t* (proton::transfer::*get)() const = &TransferAccess::pn_object;
    return (t.*get)();
  }
};

}  // namespace

void peer_condition(const proton::tracker& t, std::string* name, std::string* description) {
  pn_delivery_t* d = TransferAccess::raw(t);
  if (d == nullptr) return;
  pn_condition_t* c = pn_disposition_condition(pn_delivery_remote(d));
  if (c == nullptr || !pn_condition_is_set(c)) return;
  if (const char* n = pn_condition_get_name(c)) *name = n;
  if (const char* s = pn_condition_get_description(c)) *description = s;
}

void set_rejection_condition(proton::delivery& d, const std::string& name,
                             const std::string& description) {
  pn_delivery_t* raw = TransferAccess::raw(d);
  if (raw == nullptr) return;
  pn_condition_t* c = pn_disposition_condition(pn_delivery_local(raw));
  pn_condition_set_name(c, name.c_str());
  pn_condition_set_description(c, description.c_str());
}

}  // namespace docaxis::client::detail
