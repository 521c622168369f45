// Process-wide initialisation of libxml2, xmlsec and its OpenSSL backend, and the
// thread-local capture of xmlsec's error messages.
//
// init_dsig() must run once in the main thread before any worker thread signs or verifies
// (xmlsec keeps global registries); it is idempotent. After it, signing and verification are
// safe from any thread as long as each call uses its own context (they do).
#pragma once

#include <string>

namespace docaxis::dsig {

void init_dsig();

// The most useful xmlsec error recorded on this thread since the last take, then cleared.
std::string take_xmlsec_error();

}  // namespace docaxis::dsig
