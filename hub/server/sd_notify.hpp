// The systemd readiness protocol (sd_notify(3)) without libsystemd: one datagram of
// newline-separated KEY=VALUE assignments to the AF_UNIX socket named by $NOTIFY_SOCKET.
// docaxis-hub sends READY=1 once its listener is up (and hub.port written), RELOADING=1 and
// READY=1 around a SIGHUP reload, STOPPING=1 at shutdown; the unit says Type=notify
// (scripts/packaging/systemd/docaxis-hub.service).
//
// Addresses: "/path" (a socket file) or "@name" (Linux abstract namespace, '@' standing for the
// leading NUL byte). Other forms (vsock:, relative paths) are refused with a Status.
// Threads: any; each call opens, sends on and closes its own socket.
#pragma once

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace docaxis::server {

// Sends `state` (e.g. "READY=1\nSTATUS=listening") to `socket_address`. Errors:
// invalid-argument (an address neither "/..." nor "@...", or too long for sockaddr_un),
// unavailable (socket() or sendto() failed: the message names the errno).
Status sd_notify_to(std::string_view socket_address, std::string_view state);

// sd_notify_to($NOTIFY_SOCKET, state); ok and nothing sent when NOTIFY_SOCKET is unset or empty
// (not run by systemd, or Type= other than notify).
Status sd_notify(std::string_view state);

// "MONOTONIC_USEC=<CLOCK_MONOTONIC in microseconds>": systemd (253 and later) wants it with
// RELOADING=1 to tell this reload from an earlier one.
std::string monotonic_usec_assignment();

}  // namespace docaxis::server
