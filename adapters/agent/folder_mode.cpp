// `run`: the folder mode. The main thread runs the OutboxSender; a second thread receives
// from the inbox, stores each message with the InboxWriter, optionally drops a status 01
// into outbox/, and only then settles it.
#include <chrono>
#include <thread>

#include "agent/commands.hpp"
#include "agent/durable_files.hpp"
#include "agent/inbox_writer.hpp"
#include "agent/outbox_sender.hpp"
#include "agent/output.hpp"
#include "agent/package_info.hpp"
#include "agent/setup.hpp"

namespace docaxis::agent {

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The status 01 answering a received document, as a file in outbox/ (the sending half then
// signs and sends it like any other file, crash-safely). Idempotent: its name derives from
// the document's key, and nothing is written when that name is in outbox/, sent/ or failed/.
Status emit_arrived(const AgentConfig& c, const std::string& organ, const client::Received& m,
                    const InboxWriter::Stored& stored) {
  const std::string name = "status01-" + stored.key + ".edxml";  // the full key: no collisions
  std::error_code ec;
  for (const auto& dir : {c.folders.outbox, c.folders.sent, c.folders.failed}) {
    if (fs::exists(fs::path(dir) / name, ec)) return {};
  }
  auto status = arrived_status(m.bytes, organ, c.organ.name, std::chrono::system_clock::now());
  if (!status) {
    // Not answerable (e.g. no DocumentId): the document itself is still received.
    print_line("NOSTATUS " + stored.path.string() + " " + status.status().to_string());
    return {};
  }
  return write_atomic(c.folders.outbox, name, *status);
}

void receive_loop(const AgentConfig& c, const std::string& organ, client::Client& client,
                  InboxWriter& writer, const std::atomic<bool>& stop) {
  bool refused_reported = false;
  while (!stop) {
    auto m = client.receive(250ms);
    if (!m) {
      if (m.status().code() == "refused") {
        if (!refused_reported) print_line("INBOX-REFUSED " + m.status().to_string());
        refused_reported = true;
        std::this_thread::sleep_for(1s);
      } else if (m.status().code() == "cancelled") {
        return;
      }
      continue;
    }
    refused_reported = false;
    InboxWriter::AfterWrite after;
    if (c.receive.status_arrived && m->message_type == "edoc") {
      after = [&](const InboxWriter::Stored& s) { return emit_arrived(c, organ, *m, s); };
    }
    auto stored = writer.store(*m, after);
    if (!stored) {
      (void)client.release(m->token);
      print_line("RELEASED " + m->document_id + " " + stored.status().to_string());
      std::this_thread::sleep_for(1s);  // a full or broken disk: do not spin
      continue;
    }
    (void)client.accept(m->token);
    print_line(std::string(stored->duplicate ? "DUPLICATE " : "RECEIVED ") +
               stored->path.string() + " messagetype=" + m->message_type +
               " document-id=" + m->document_id + " from=" + m->from);
  }
}

}  // namespace

int run_command(const AgentConfig& c, const std::atomic<bool>& stop) {
  auto organ = organ_id(c);
  if (!organ) {
    print_error(organ.status().to_string());
    return kExitUsage;
  }
  auto signer = make_signer(c);
  if (!signer) {
    print_error("signing key: " + signer.status().to_string());
    return kExitUsage;
  }
  OutboxSender::Settings settings{c.folders.outbox, c.folders.sent, c.folders.failed,
                                  static_cast<int>(c.send.max_in_flight),
                                  std::chrono::seconds(c.send.retry_first_seconds),
                                  std::chrono::seconds(c.send.retry_max_seconds)};
  InboxWriter writer({c.folders.inbox, c.folders.receipts, c.folders.state});
  auto client = client::Client::create(client_options(c, c.receive.enabled ? *organ : ""));
  if (!client) {
    print_error(client.status().to_string());
    return kExitUsage;
  }
  OutboxSender sender(settings, **client, signer->get());
  for (Status s : {sender.prepare(), writer.prepare()}) {
    if (!s.ok()) {
      print_error(s.to_string());
      return kExitUsage;
    }
  }
  writer.prune(std::chrono::hours(24 * c.receive.dedup_days));
  print_line("RUNNING organ=" + *organ + " hub=" + c.hub.url + " root=" + c.folders.root);

  std::thread receiver;
  if (c.receive.enabled) {
    receiver = std::thread([&] { receive_loop(c, *organ, **client, writer, stop); });
  }
  const auto poll = std::chrono::milliseconds(c.folders.poll_interval_ms);
  // Connection changes, for operators: each change once, and a new error while down.
  // With failover_urls, CONNECTED names the address in use, and a move is a new CONNECTED.
  bool was_connected = false;
  std::string last_reported, where = c.hub.url;
  while (!stop) {
    const std::string url = (*client)->connected_url();
    const bool now = !url.empty();
    if (now && (!was_connected || url != where)) {
      where = url;
      print_line("CONNECTED " + where);
      last_reported.clear();
    } else if (!now) {
      const std::string error = (*client)->last_error();
      if ((was_connected || error != last_reported) && !error.empty()) {
        print_line("DISCONNECTED " + where + " " + error);
        last_reported = error;
      }
    }
    was_connected = now;
    sender.run_once();
    sender.wait(poll);
  }
  // Let the sends on the wire finish (their files move now rather than being re-sent after
  // the restart), but not for long: a stop must stay prompt.
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (sender.in_flight() > 0 && std::chrono::steady_clock::now() < give_up) {
    sender.wait(100ms);
    sender.run_once(/*start_new=*/false);
  }
  if (receiver.joinable()) receiver.join();
  (*client)->close();
  print_line("STOPPED");
  return kExitOk;
}

}  // namespace docaxis::agent
