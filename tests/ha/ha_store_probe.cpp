// ha_store_probe: writes packages into a PgStore through a replicated cluster while nodes are
// killed, journaling every answer, then checks every `accepted` one on the new primary
// (issue 17; driven by scripts/ha/store_failover.py).
//
//   ha_store_probe write  --conninfo C --journal F [--seconds S] [--writers N] [--size B]
//   ha_store_probe verify --conninfo C --journal F
//
// write: N threads, each ingesting packages of B bytes (unique document ids) until S seconds
// have passed. A package whose answer is not `accepted` (released, unavailable, a lost
// connection) is sent again, the same bytes, until accepted (or the time is up), the way a
// client retries; an identical re-send answered `duplicate` counts as accepted. Journal lines:
//   A <document_id> <seq> <sha256> <unix_ms>      accepted (stored or duplicate)
//   R <document_id> <code> <unix_ms>              not accepted this time
// Then prints one summary line: accepted, not-accepted answers by code, the longest gap
// between two accepted answers (ms) and when it began.
// verify: every A line's package must load from the store with the same document id and
// SHA-256. Prints checked/missing/mismatched; exit 1 on any missing or mismatched.
// Exit codes: 0 ok, 1 verification failed or nothing accepted, 2 usage or setup.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/records.hpp"
#include "store_pg/pg_store.hpp"
#include "tls/crypto.hpp"

namespace {

using namespace docaxis;
using Clock = std::chrono::steady_clock;

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Args {
  std::string mode, conninfo, journal;
  double seconds = 30;
  int writers = 4;
  std::size_t size = 12800;
};

bool parse(int argc, char** argv, Args& a) {
  if (argc < 2) return false;
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--conninfo") a.conninfo = v;
    else if (k == "--journal") a.journal = v;
    else if (k == "--seconds") a.seconds = std::atof(v.c_str());
    else if (k == "--writers") a.writers = std::atoi(v.c_str());
    else if (k == "--size") a.size = static_cast<std::size_t>(std::atol(v.c_str()));
    else return false;
  }
  return (a.mode == "write" || a.mode == "verify") && !a.conninfo.empty() && !a.journal.empty() &&
         a.seconds > 0 && a.writers >= 1 && a.writers <= 64 && a.size >= 64;
}

store::StoredPackage package(const std::string& id, std::size_t size) {
  store::StoredPackage p;
  p.message_type = "edoc";
  p.sender = "000.00.00.PROBE";
  p.document_id = id;
  std::string bytes = "<probe id=\"" + id + "\">";
  uint64_t x = std::hash<std::string>{}(id) | 1;
  while (bytes.size() + 8 < size) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    bytes.push_back(static_cast<char>('a' + x % 26));
  }
  bytes += "</probe>";
  p.sha256_hex = tls::sha256_hex(bytes);
  p.bytes = std::move(bytes);
  p.received_ms = unix_ms();
  p.from_endpoint = "UID=" + p.sender;
  p.verdict.is_signed = true;
  p.verdict.signer_subject = "UID=" + p.sender;
  p.verdict.signature_method = "rsa-sha256";
  p.hops = {{"ha-probe", p.received_ms}};
  return p;
}

int write_mode(const Args& a) {
  store::PgStoreOptions o;
  o.conninfo = a.conninfo;
  o.require_synchronous_standby = true;
  auto opened = store::PgStore::open(o);
  if (!opened) {
    std::fprintf(stderr, "ha_store_probe: %s\n", opened.status().to_string().c_str());
    return 2;
  }
  auto& st = **opened;
  std::ofstream journal(a.journal, std::ios::app);
  std::mutex mu;  // journal, counters, gap
  std::map<std::string, uint64_t> refusals;
  uint64_t accepted = 0;
  int64_t last_accept = unix_ms(), longest_gap = 0, gap_began = 0;
  const auto until = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(a.seconds * 1000));
  const std::string run = std::to_string(unix_ms());
  std::vector<std::thread> threads;
  for (int w = 0; w < a.writers; ++w) {
    threads.emplace_back([&, w] {
      try {
        for (uint64_t n = 0; Clock::now() < until; ++n) {
          const std::string id = "probe-" + run + "-" + std::to_string(w) + "-" + std::to_string(n);
          const store::StoredPackage pkg = package(id, a.size);
          while (Clock::now() < until) {
            auto r = st.ingest(pkg, {{"000.00.00.SINK", std::string(store::kLocalHop), 0}});
            const int64_t now = unix_ms();
            {
              std::lock_guard lock(mu);
              if (r.ok()) {
                ++accepted;
                if (now - last_accept > longest_gap) longest_gap = now - last_accept, gap_began = last_accept;
                last_accept = now;
                journal << "A " << id << ' ' << r->seq << ' ' << pkg.sha256_hex << ' ' << now << '\n';
              } else {
                ++refusals[r.status().code()];
                journal << "R " << id << ' ' << r.status().code() << ' ' << now << '\n';
              }
              journal.flush();
            }
            if (r.ok()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ha_store_probe: writer %d: %s\n", w, e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::ostringstream codes;
  for (const auto& [code, count] : refusals) codes << ' ' << code << '=' << count;
  std::printf("probe write: accepted=%llu not_accepted:%s longest_gap_ms=%lld gap_began_unix_ms=%lld\n",
              static_cast<unsigned long long>(accepted), codes.str().empty() ? " none" : codes.str().c_str(),
              static_cast<long long>(longest_gap), static_cast<long long>(gap_began));
  return accepted > 0 ? 0 : 1;
}

int verify_mode(const Args& a) {
  store::PgStoreOptions o;
  o.conninfo = a.conninfo;
  auto opened = store::PgStore::open(o);
  if (!opened) {
    std::fprintf(stderr, "ha_store_probe: %s\n", opened.status().to_string().c_str());
    return 2;
  }
  std::ifstream in(a.journal);
  if (!in) {
    std::fprintf(stderr, "ha_store_probe: cannot read %s\n", a.journal.c_str());
    return 2;
  }
  uint64_t checked = 0, missing = 0, mismatched = 0;
  std::string kind, id, sha;
  uint64_t seq = 0;
  int64_t ms = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    if (!(ls >> kind) || kind != "A") continue;
    if (!(ls >> id >> seq >> sha >> ms)) {
      std::fprintf(stderr, "ha_store_probe: bad journal line: %s\n", line.c_str());
      return 2;
    }
    ++checked;
    auto p = (*opened)->load_package(seq);
    if (!p) {
      ++missing;
      std::printf("MISSING %s seq=%llu: %s\n", id.c_str(), static_cast<unsigned long long>(seq),
                  p.status().to_string().c_str());
    } else if (p->document_id != id || tls::sha256_hex(p->bytes) != sha) {
      ++mismatched;
      std::printf("MISMATCH %s seq=%llu: stored %s\n", id.c_str(),
                  static_cast<unsigned long long>(seq), p->document_id.c_str());
    }
  }
  std::printf("probe verify: checked=%llu missing=%llu mismatched=%llu\n",
              static_cast<unsigned long long>(checked), static_cast<unsigned long long>(missing),
              static_cast<unsigned long long>(mismatched));
  return (checked > 0 && missing == 0 && mismatched == 0) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  if (!parse(argc, argv, a)) {
    std::fprintf(stderr,
                 "usage: ha_store_probe write|verify --conninfo C --journal F [--seconds S] "
                 "[--writers N] [--size B]\n");
    return 2;
  }
  try {
    return a.mode == "write" ? write_mode(a) : verify_mode(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ha_store_probe: %s\n", e.what());
    return 2;
  }
}
