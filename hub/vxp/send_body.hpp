// The body of a `sendEdoc` request: the package bytes followed by one CRLF, bound to the
// signature only through the signed `hash-file` parameter, which the SDK writes as SHA-256 with
// every byte in hex without zero padding (Integer.toHexString(b & 0xff)).
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace docaxis::vxp {

// SHA-256 of `bytes` the way the SDK formats `hash-file`: lowercase, no zero padding per byte,
// so it may be shorter than 64 characters.
std::string sdk_hash_file(std::string_view bytes);

// The package inside a sendEdoc body whose signed hash-file is `hash_file`: the body without
// its one final CRLF when that matches (the SDK always appends it), else the body as sent when
// that matches (a client that appends nothing). The result views `body`, which must outlive it.
// Code: hash-file-mismatch (neither matches; also an empty or non-hex hash-file).
Result<std::string_view> package_of_send_body(std::string_view body, std::string_view hash_file);

}  // namespace docaxis::vxp
