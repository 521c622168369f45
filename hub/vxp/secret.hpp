// A system's shared secret, read from its own file ([[vxp.systems]] secret_file). The file
// must be a regular file (not a symbolic link) owned by the hub's user and readable by nobody
// else (mode 0600 or stricter): the secret lets anyone send as the system. One trailing newline
// (LF or CRLF) is not part of the secret; nothing else is trimmed. The secret is never logged.
#pragma once

#include <string>

#include "common/status.hpp"

namespace docaxis::vxp {

// Codes: secret-unreadable (missing, not a regular file, a link, I/O), secret-not-private
// (group or other may access it, or another user owns it), secret-invalid (under 16 bytes, or
// over 4096 bytes, or holds a NUL).
Result<std::string> read_secret_file(const std::string& path);

}  // namespace docaxis::vxp
