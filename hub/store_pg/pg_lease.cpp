// PgStore: the node's identity and session lock, and the outbound peer link leases.
#include "store_pg/pg_lease.hpp"

#include <unistd.h>

#include <climits>
#include <future>

#include "store_pg/pg_store.hpp"
#include "store_pg/pg_writer.hpp"

namespace docaxis::store {

using pg::num;
using pg::text;

namespace pg {

Result<std::string> node_name(std::string node) {
  if (node.empty()) {
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) == 0) node = host;
  }
  if (node.empty()) {
    return Status("invalid-argument", "the hub node's name is empty and the host name is unknown");
  }
  if (node.size() > 128) {
    return Status("invalid-argument", "the hub node's name is longer than 128 bytes");
  }
  for (unsigned char ch : node) {
    if (ch < 0x20 || ch == 0x7f) {
      return Status("invalid-argument", "the hub node's name holds a control character");
    }
  }
  return node;
}

Result<int32_t> register_node(Conn& c, const std::string& node) {
  // Read first: a known node writes nothing at open (no wait for a standby, and a read-only
  // session still opens; its writes are then refused one by one, 25006).
  for (int pass = 0; pass < 2; ++pass) {
    auto id = c.exec("SELECT id FROM nodes WHERE name = $1", {text(node)});
    if (!id) return id.status();
    if (id->size() == 1) return static_cast<int32_t>(id->int_at(0, 0));
    if (pass == 1) break;
    auto added = c.exec(
        "INSERT INTO nodes (name, registered_ms) VALUES ($1, docaxis_now_ms()) "
        "ON CONFLICT (name) DO NOTHING",
        {text(node)});
    if (!added) return added.status();
  }
  return Status("internal", "the node '" + node + "' was not registered");
}

Status lock_node(Conn& c, int32_t id, const std::string& node, bool at_open) {
  // Server-side keepalives on this session: a node whose machine vanished loses its session
  // (and its lock) within 5 + 3 * 2 s instead of the kernel's default two hours, so its
  // restarted process is not refused for long. Ignored on a unix socket.
  if (Status s = c.exec_script("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; "
                               "SET tcp_keepalives_count = 3; SET lock_timeout = " +
                               std::to_string(kNodeLockWaitMs));
      !s.ok()) {
    return s;
  }
  auto locked = c.exec("SELECT pg_advisory_lock($1::integer, $2::integer)",
                       {num(kNodeLockClass), num(id)});
  Status reset = c.exec_script("RESET lock_timeout");
  if (!locked) {
    if (sqlstate_of(locked.status()) != "55P03") return locked.status();
    return Status(at_open ? "failed-precondition" : "unavailable",
                  "another docaxis-hub process is running as node '" + node +
                      "' on this PostgreSQL database (each node needs its own [store] node "
                      "name)");
  }
  return reset;
}

}  // namespace pg

namespace {

constexpr int64_t kMaxLeaseMs = 7LL * 24 * 3600 * 1000;

}  // namespace

Result<bool> PgStore::acquire_link_lease(const std::string& link, int64_t ttl_ms) {
  if (link.empty()) return Status("invalid-argument", "a link lease needs the link's name");
  if (ttl_ms < 1 || ttl_ms > kMaxLeaseMs) {
    return Status("invalid-argument", "a link lease lasts 1 ms to 7 days, not " +
                                          std::to_string(ttl_ms) + " ms");
  }
  bool held = false;
  Status s = write([&](pg::Conn& c) -> Status {
    // Inserted, or updated when this node holds it (a renewal) or its holder's lease is over
    // (a takeover); another node's unexpired lease makes the update do nothing. The row lock
    // of ON CONFLICT makes two nodes' takeovers of one expired lease sequential.
    auto rows = c.exec(
        "INSERT INTO link_leases AS l (link, owner, until_ms, acquired_ms) "
        "VALUES ($1, $2, docaxis_now_ms() + $3, docaxis_now_ms()) "
        "ON CONFLICT (link) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms, "
        "acquired_ms = CASE WHEN l.owner = excluded.owner THEN l.acquired_ms "
        "ELSE excluded.acquired_ms END "
        "WHERE l.owner = excluded.owner OR l.until_ms <= docaxis_now_ms() RETURNING 1",
        {text(link), text(options_.node), num(ttl_ms)});
    if (!rows) return rows.status();
    held = rows->size() == 1;
    return Status();
  });
  if (!s.ok()) return s;
  return held;
}

Status PgStore::release_link_lease(const std::string& link) {
  return write([&](pg::Conn& c) -> Status {
    return c.exec("DELETE FROM link_leases WHERE link = $1 AND owner = $2",
                  {text(link), text(options_.node)})
        .status();
  });
}

}  // namespace docaxis::store
