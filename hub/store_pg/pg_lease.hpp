// Internal to store_pg/: the hub node's identity in a shared database and its session lock
// (README.md, "Owners and leases").
//
// A node registers its name once (table `nodes`, an integer id per name) and its writer
// session holds the session-level advisory lock (kNodeLockClass, id) for as long as it lives:
// a second live process configured with the same name is refused at open, so the restart
// rule (a node's start-up takes back every delivery its name owns) never takes a live
// process's claims. The lock is taken again after each reconnect of the writer.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.hpp"
#include "store_pg/pg_conn.hpp"

namespace docaxis::store::pg {

// The advisory lock class of node locks (pg_advisory_lock(int4, int4): a key space apart from
// the single-bigint keys of the ingest and migration locks). "dxnd".
inline constexpr int32_t kNodeLockClass = 0x64786e64;
// How long taking the lock waits for a session that is ending (a process that just exited:
// its backend may take a few ms to notice) before refusing.
inline constexpr int kNodeLockWaitMs = 2000;

// `node` made usable: empty -> the host name; invalid-argument when it is still empty,
// longer than 128 bytes or holds a control character.
Result<std::string> node_name(std::string node);
// The node's id in `nodes`, registered on first use (autocommit; outside a transaction).
Result<int32_t> register_node(Conn& c, const std::string& node);
// Takes the node's session lock on `c` (outside a transaction), waiting up to
// kNodeLockWaitMs. Held by another live session: failed-precondition naming the node when
// `at_open`, otherwise unavailable (a reconnect: the writes wait until the other session
// is gone). Also sets the session's TCP keepalives, so the server ends a vanished node's
// session, and its lock, within about 11 s.
Status lock_node(Conn& c, int32_t id, const std::string& node, bool at_open);

}  // namespace docaxis::store::pg
