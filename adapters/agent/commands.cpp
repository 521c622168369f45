// `send` and `receive`: the one-shot commands.
#include "agent/commands.hpp"

#include <chrono>
#include <future>
#include <optional>

#include "agent/durable_files.hpp"
#include "agent/inbox_writer.hpp"
#include "agent/output.hpp"
#include "agent/package_info.hpp"
#include "agent/setup.hpp"

namespace docaxis::agent {

namespace {

using namespace std::chrono_literals;

std::string message_line(const char* what, const InboxWriter::Stored& s,
                         const client::Received& m) {
  return std::string(what) + " " + s.path.string() + " messagetype=" + m.message_type +
         " document-id=" + m.document_id + " from=" + m.from;
}

}  // namespace

int send_command(const AgentConfig& c, const std::vector<std::string>& files,
                 const std::atomic<bool>& stop) {
  auto signer = make_signer(c);
  if (!signer) {
    print_error("signing key: " + signer.status().to_string());
    return kExitUsage;
  }
  // The TLS key must be the certificate's (organ_id checks it).
  if (auto organ = organ_id(c); !organ) {
    print_error(organ.status().to_string());
    return kExitUsage;
  }
  struct Job {
    std::string file;
    PackageInfo info;
    std::string bytes;
    std::optional<std::string> line;  // set when decided without the hub
    std::future<client::SendResult> result;
  };
  std::vector<Job> jobs;
  for (const auto& f : files) {
    Job j;
    j.file = f;
    auto bytes = read_file(f);
    if (!bytes) {
      j.line = "FAIL " + f + " " + bytes.status().to_string();
    } else if (auto info = inspect_package(*bytes); !info) {
      j.line = "FAIL " + f + " " + info.status().to_string();
    } else {
      j.info = *info;
      j.bytes = std::move(bytes).value();
      if (*signer && !j.info.signed_xmldsig) {
        auto s = (*signer)->sign(j.bytes);
        if (!s) {
          j.line = "FAIL " + f + " " + s.status().to_string();
        } else {
          j.bytes = std::move(s).value();
        }
      }
    }
    jobs.push_back(std::move(j));
  }

  auto client = client::Client::create(client_options(c, ""));
  if (!client) {
    print_error(client.status().to_string());
    return kExitUsage;
  }
  const Status up = (*client)->wait_connected(std::chrono::seconds(c.hub.connect_timeout_seconds));
  if (!up.ok()) {
    for (auto& j : jobs) print_line(j.line ? *j.line : "FAIL " + j.file + " " + up.to_string());
    return kExitUnreachable;
  }
  for (auto& j : jobs) {
    if (j.line) continue;
    auto p = std::make_shared<std::promise<client::SendResult>>();
    j.result = p->get_future();
    (*client)->send_async(j.info.address, std::move(j.bytes),
                          [p](client::SendResult r) { p->set_value(std::move(r)); });
  }
  bool all_ok = true;
  for (auto& j : jobs) {
    if (!j.line) {
      while (j.result.wait_for(200ms) != std::future_status::ready) {
        if (stop) (*client)->close(0ms);  // every waiting send ends `cancelled`
      }
      const client::SendResult r = j.result.get();
      if (r.status.ok()) {
        j.line = "ACCEPTED " + j.file + " " + address_name(j.info.address) + " " +
                 j.info.label() + " transfers=" + std::to_string(r.transfers);
      } else if (r.status.code() == "rejected") {
        j.line = "REJECTED " + j.file + " " + r.condition + ": " + r.status.message();
      } else {
        j.line = "FAIL " + j.file + " " + r.status.to_string();
      }
    }
    if (j.line->rfind("ACCEPTED ", 0) != 0) all_ok = false;
    print_line(*j.line);
  }
  (*client)->close();
  return all_ok ? kExitOk : kExitFailed;
}

int receive_command(const AgentConfig& c, const ReceiveOptions& o,
                    const std::atomic<bool>& stop) {
  auto organ = organ_id(c);
  if (!organ) {
    print_error(organ.status().to_string());
    return kExitUsage;
  }
  const std::filesystem::path out = std::filesystem::absolute(o.out_dir);
  InboxWriter writer({out, out, out / ".docaxis-agent"});
  if (Status s = writer.prepare(); !s.ok()) {
    print_error(s.to_string());
    return kExitUsage;
  }
  writer.prune(std::chrono::hours(24 * c.receive.dedup_days));
  auto client = client::Client::create(client_options(c, *organ));
  if (!client) {
    print_error(client.status().to_string());
    return kExitUsage;
  }
  const Status up = (*client)->wait_connected(std::chrono::seconds(c.hub.connect_timeout_seconds));
  if (!up.ok()) {
    print_error(up.to_string());
    return kExitUnreachable;
  }
  bool failures = false;
  auto last = std::chrono::steady_clock::now();
  while (!stop) {
    auto m = (*client)->receive(250ms);
    if (!m) {
      const std::string& code = m.status().code();
      if (code == "refused") {
        print_line("FAIL inbox/" + *organ + " " + m.status().to_string());
        (*client)->close();
        return kExitFailed;
      }
      if (code == "cancelled") break;
      if (o.once && std::chrono::steady_clock::now() - last >= std::chrono::seconds(o.idle_seconds)) {
        break;
      }
      continue;
    }
    last = std::chrono::steady_clock::now();
    auto stored = writer.store(*m);
    if (!stored) {
      failures = true;
      (void)(*client)->release(m->token);
      print_line("RELEASED " + m->document_id + " " + stored.status().to_string());
      continue;
    }
    // Settled only now that the file is durable; if this settlement is lost, the hub
    // redelivers and the seen marker makes it a DUPLICATE.
    (void)(*client)->accept(m->token);
    print_line(message_line(stored->duplicate ? "DUPLICATE" : "RECEIVED", *stored, *m));
  }
  (*client)->close();
  return failures ? kExitFailed : kExitOk;
}

}  // namespace docaxis::agent
