#include "http/connection_table.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

namespace docaxis::http {

std::optional<ConnectionTable::Admitted> ConnectionTable::admit(const std::string& key) {
  auto k = keys_.find(key);
  const std::size_t here = k == keys_.end() ? 0 : k->second.open;
  std::optional<std::uint64_t> victim;
  if (here >= max_per_key_) {
    // Only one of its own address frees a per-address slot (and a total one with it).
    if (k == keys_.end() || k->second.idle.empty()) return std::nullopt;
    victim = k->second.idle.begin()->second;
  } else if (open_ >= max_connections_) {
    if (idle_.empty()) return std::nullopt;
    victim = idle_.begin()->second;
  }
  if (victim) evict(*victim);
  const std::uint64_t id = ++next_id_;
  entries_.emplace(id, Entry{key, false, false, ++tick_});
  ++keys_[key].open;
  ++open_;
  return Admitted{id, victim};
}

void ConnectionTable::idle(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.evicted) return;
  Entry& e = it->second;
  leave_idle(e, id);
  e.idle = true;
  e.tick = ++tick_;
  idle_.emplace(e.tick, id);
  keys_[e.key].idle.emplace(e.tick, id);
}

bool ConnectionTable::busy(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.evicted) return false;
  leave_idle(it->second, id);
  it->second.tick = ++tick_;
  return true;
}

void ConnectionTable::release(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (!it->second.evicted) {
    leave_idle(it->second, id);
    auto k = keys_.find(it->second.key);
    if (k != keys_.end() && --k->second.open == 0) keys_.erase(k);
    --open_;
  }
  entries_.erase(it);
}

std::size_t ConnectionTable::open_for(const std::string& key) const {
  auto k = keys_.find(key);
  return k == keys_.end() ? 0 : k->second.open;
}

bool ConnectionTable::is_idle(std::uint64_t id) const {
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.idle;
}

void ConnectionTable::leave_idle(Entry& e, std::uint64_t id) {
  if (!e.idle) return;
  idle_.erase({e.tick, id});
  auto k = keys_.find(e.key);
  if (k != keys_.end()) k->second.idle.erase({e.tick, id});
  e.idle = false;
}

void ConnectionTable::evict(std::uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.evicted) return;
  Entry& e = it->second;
  leave_idle(e, id);
  auto k = keys_.find(e.key);
  if (k != keys_.end() && --k->second.open == 0) keys_.erase(k);
  --open_;
  e.evicted = true;  // kept until release(), so that busy() tells the connection to close
}

std::string address_key(const std::string& address) {
  namespace ip = boost::asio::ip;
  boost::system::error_code ec;
  const ip::address a = ip::make_address(address, ec);
  if (ec) return address;
  if (a.is_v4()) return a.to_v4().to_string();
  const ip::address_v6 v6 = a.to_v6();
  if (v6.is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, v6).to_string();
  ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), static_cast<unsigned char>(0));
  return ip::address_v6(bytes).to_string() + "/64";  // scope id dropped with the host bits
}

}  // namespace docaxis::http
