#include "dsig/dsig_init.hpp"

#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/xmlsec.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "edxml/xml_doc.hpp"

namespace docaxis::dsig {
namespace {

thread_local std::string t_first_error;

// xmlsec reports a failure as a cascade from the innermost call outwards; the first entry is
// the cause (e.g. "data and digest do not match"), the rest is the call path.
void capture_error(const char* /*file*/, int /*line*/, const char* func, const char* object,
                   const char* subject, int reason, const char* msg) {
  if (!t_first_error.empty()) return;
  std::string text;
  for (xmlSecSize i = 0; xmlSecErrorsGetMsg(i) != nullptr; ++i) {
    if (xmlSecErrorsGetCode(i) == reason) {
      text = xmlSecErrorsGetMsg(i);
      break;
    }
  }
  if (msg != nullptr && *msg != '\0') text += (text.empty() ? "" : ": ") + std::string(msg);
  if (object != nullptr && *object != '\0') text += " [object " + std::string(object) + "]";
  if (subject != nullptr && *subject != '\0') text += " [" + std::string(subject) + "]";
  if (text.empty() && func != nullptr) text = func;
  t_first_error = text;
}

}  // namespace

void init_dsig() {
  static std::once_flag once;
  std::call_once(once, [] {
    edxml::init_xml_library();
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(nullptr) < 0 ||
        xmlSecCryptoInit() < 0) {
      std::fprintf(stderr, "docaxis: xmlsec initialisation failed\n");
      std::abort();
    }
    // xmlsec registers file/HTTP/FTP input callbacks; a verifier must never open anything a
    // document names (hardening class 7).
    xmlSecIOCleanupCallbacks();
    xmlSecErrorsSetCallback(capture_error);
  });
}

std::string take_xmlsec_error() {
  std::string s = std::move(t_first_error);
  t_first_error.clear();
  return s;
}

}  // namespace docaxis::dsig
