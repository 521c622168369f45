// docaxis-rabbit-bridge against a real RabbitMQ broker (Debian's rabbitmq-server, started by
// the test as the current user on 127.0.0.1 with its own data folder, node name, ports and
// Erlang cookie) and a real docaxis-hub over mutual TLS. Nothing is mocked. The queues and
// exchanges are made, filled and read with the bridge's own RabbitConnection (rabbitmq-c).
//
// Skipped, with a message, only when rabbitmq-server is not installed
// (scripts/install-deps.sh installs it).
#include <gtest/gtest.h>

#include <set>

#include "client/client.hpp"
#include "dsig/signer.hpp"
#include "edxml/xml_doc.hpp"
#include "client_support.hpp"
#include "rabbit-bridge/rabbit_connection.hpp"
#include "support.hpp"

namespace docaxis::adapters_test {
namespace {

using namespace std::chrono_literals;
using rabbit_bridge::Headers;
using rabbit_bridge::RabbitConnection;
using rabbit_bridge::RabbitEvent;
using rabbit_bridge::RabbitMessage;
using rabbit_bridge::RabbitOptions;

const std::string kRabbitBin = env_or("DOCAXIS_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin");
const std::string kBridgeBinary = env_or("DOCAXIS_RABBIT_BRIDGE", DOCAXIS_RABBIT_BRIDGE_BINARY);

// Runs `argv` with `env` added, waits, returns the exit status (output to `log`).
int run_command(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                const fs::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(log.c_str(), "a", stdout);
    std::freopen(log.c_str(), "a", stderr);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// One RabbitMQ node of our own: node name docaxis-test-<pid>@localhost, AMQP and distribution
// ports on 127.0.0.1 only, no plugins, data and logs and cookie ($HOME) in `dir`. Stopping and
// starting it again keeps its data (durable queues, persistent messages).
class RabbitBroker {
 public:
  explicit RabbitBroker(fs::path dir)
      : dir_(std::move(dir)), port_(free_port()), dist_port_(free_port()),
        node_("docaxis-test-" + std::to_string(getpid()) + "@localhost") {
    fs::create_directories(dir_ / "mnesia");
    fs::create_directories(dir_ / "log");
    std::ofstream(dir_ / "rabbitmq.conf")
        << "listeners.tcp.default = 127.0.0.1:" << port_ << "\n"
        << "loopback_users = none\n";
    std::ofstream(dir_ / "enabled_plugins") << "[].\n";
    const std::string d = dir_.string();
    env_ = {"HOME=" + d,
            "RABBITMQ_NODENAME=" + node_,
            "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
            "RABBITMQ_NODE_PORT=" + std::to_string(port_),
            "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
            "RABBITMQ_MNESIA_BASE=" + d + "/mnesia",
            "RABBITMQ_LOG_BASE=" + d + "/log",
            "RABBITMQ_CONFIG_FILE=" + d + "/rabbitmq.conf",
            "RABBITMQ_ENABLED_PLUGINS_FILE=" + d + "/enabled_plugins",
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
            "ERL_EPMD_ADDRESS=127.0.0.1"};
  }
  ~RabbitBroker() { stop(); }

  static bool installed() { return fs::exists(kRabbitBin + "/rabbitmq-server"); }

  // Starts the node and waits until it accepts an AMQP login (at most 120 s).
  bool start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = (dir_ / "server.out").string();
      std::freopen(log.c_str(), "a", stdout);
      std::freopen(log.c_str(), "a", stderr);
      for (const auto& e : env_) putenv(const_cast<char*>(e.c_str()));
      const std::string bin = kRabbitBin + "/rabbitmq-server";
      execl(bin.c_str(), bin.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    const auto until = std::chrono::steady_clock::now() + 120s;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = 0;
        ADD_FAILURE() << "rabbitmq-server exited:\n" << read(dir_ / "server.out");
        return false;
      }
      if (RabbitConnection::open(options()).ok()) return true;
      std::this_thread::sleep_for(250ms);
    }
    ADD_FAILURE() << "rabbitmq-server did not start:\n" << read(dir_ / "server.out");
    return false;
  }
  // `rabbitmqctl stop`, then waits for the process (SIGKILL after 60 s).
  void stop() {
    if (pid_ <= 0) return;
    run_command({kRabbitBin + "/rabbitmqctl", "-n", node_, "stop"}, env_, dir_ / "ctl.out");
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = 0;
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }

  RabbitOptions options() const {
    RabbitOptions o;
    o.host = "127.0.0.1";
    o.port = port_;
    o.connect_timeout = 2s;
    return o;
  }
  int port() const { return port_; }

 private:
  fs::path dir_;
  int port_, dist_port_;
  std::string node_;
  std::vector<std::string> env_;
  pid_t pid_ = 0;
};

std::unique_ptr<RabbitConnection> rabbit(const RabbitBroker& b) {
  auto c = RabbitConnection::open(b.options());
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return c.ok() ? std::move(c).value() : nullptr;
}

// Publishes persistently and waits for the broker's confirm (the test's own publishes must
// survive a broker restart, like the bridge's).
void publish_confirmed(RabbitConnection& c, const std::string& exchange, const std::string& key,
                       const std::string& body, const Headers& headers = {}) {
  auto seq = c.publish(exchange, key, body, headers, true, false);
  ASSERT_TRUE(seq.ok()) << seq.status().to_string();
  for (int i = 0; i < 100; ++i) {
    auto ev = c.next_event(100ms);
    ASSERT_TRUE(ev.ok()) << ev.status().to_string();
    if (ev->kind == RabbitEvent::Kind::kConfirmAck && ev->seq >= *seq) return;
    ASSERT_NE(ev->kind, RabbitEvent::Kind::kConfirmNack);
  }
  FAIL() << "no confirm";
}

// Topology of one test: in-queue, error exchange -> error queue, out exchange -> out queue.
struct Topology {
  std::string in = "docaxis.in", errors_x = "docaxis.errors", errors_q = "docaxis.errors.q",
              out_x = "docaxis.out", out_q = "docaxis.out.q";
  void declare(RabbitConnection& c, bool bind_out = true) const {
    for (const auto& q : {in, errors_q, out_q}) ASSERT_TRUE(c.declare_queue(q).ok());
    ASSERT_TRUE(c.declare_exchange(errors_x).ok());
    ASSERT_TRUE(c.declare_exchange(out_x).ok());
    ASSERT_TRUE(c.bind_queue(errors_q, errors_x, "rejected").ok());
    if (bind_out) {
      ASSERT_TRUE(c.bind_queue(out_q, out_x, "inbox").ok());
    }
  }
};

// A docaxis-rabbit-bridge process for `organ_id` with its bridge.toml.
class BridgeProcess {
 public:
  BridgeProcess(fs::path dir, const Hub& hub, const RabbitBroker& broker,
                const std::string& organ_id, bool in, bool out, const Topology& t = {})
      : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "bridge.toml")
        << "[hub]\nurl = \"" << hub.url() << "\"\nserver_name = \"localhost\"\n"
        << "outcome_timeout_seconds = 60\n"
        << "[tls]\ncert_file = \"" << organ(organ_id) << ".fullchain.pem\"\n"
        << "key_file = \"" << organ(organ_id) << ".key\"\n"
        << "trust_file = \"" << kPki << "/trust-anchors.pem\"\n"
        << "[organ]\nid = \"" << organ_id << "\"\n"
        << "[rabbit]\nport = " << broker.port() << "\nreconnect_max_seconds = 1\n"
        << "[in]\nenabled = " << (in ? "true" : "false") << "\nqueue = \"" << t.in << "\"\n"
        << "error_exchange = \"" << t.errors_x << "\"\nerror_routing_key = \"rejected\"\n"
        << "[out]\nenabled = " << (out ? "true" : "false") << "\nexchange = \"" << t.out_x
        << "\"\nrouting_key = \"inbox\"\n";
  }
  ~BridgeProcess() { stop(SIGKILL); }
  void start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = (dir_ / "bridge.log").string();
      std::freopen(log.c_str(), "a", stdout);
      std::freopen(log.c_str(), "a", stderr);
      const std::string cfg = (dir_ / "bridge.toml").string();
      execl(kBridgeBinary.c_str(), kBridgeBinary.c_str(), "--config", cfg.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  int stop(int sig) {
    if (pid_ <= 0) return 0;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::string log() const { return read(dir_ / "bridge.log"); }
  std::size_t count(const std::string& prefix) const {
    std::size_t n = 0;
    std::istringstream in(log());
    for (std::string l; std::getline(in, l);) n += l.rfind(prefix, 0) == 0 ? 1 : 0;
    return n;
  }

 private:
  fs::path dir_;
  pid_t pid_ = 0;
};

std::unique_ptr<client::Client> hub_client(const Hub& hub, const std::string& organ_id,
                                           bool inbox) {
  auto c = client::Client::create(options_for(hub, organ_id, inbox));
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return c.ok() ? std::move(c).value() : nullptr;
}

std::string signed_package(const std::string& id) {
  static auto signer = dsig::Signer::load(organ(kSender) + ".key", organ(kSender) + ".crt",
                                          {kPki + "/intermediates.pem"});
  EXPECT_TRUE(signer.ok()) << signer.status().to_string();
  auto s = (*signer)->sign(unsigned_package(id));
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(s).value() : std::string();
}
std::string doc_id(const std::string& tag, int i) {
  return "000.00.13.H30,2026/11/22," + std::to_string(i) + "/" + tag;
}

// Documents (by DocumentId) received at the recipient's hub inbox, accepted.
std::set<std::string> drain_inbox(client::Client& c, std::size_t want, int seconds) {
  std::set<std::string> ids;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (ids.size() < want && std::chrono::steady_clock::now() < until) {
    auto m = c.receive(500ms);
    if (!m) continue;
    if (m->message_type == "edoc") ids.insert(m->document_id);
    EXPECT_TRUE(c.accept(m->token).ok());
  }
  return ids;
}

class RabbitBridge : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RabbitBroker::installed()) {
      GTEST_SKIP() << "rabbitmq-server is not installed (" << kRabbitBin
                   << "/rabbitmq-server missing; scripts/install-deps.sh installs it)";
    }
    edxml::init_xml_library();
  }
};

TEST_F(RabbitBridge, InQueuePackagesReachTheRecipientAndAreAckedOnlyAfterTheHubAccepted) {
  Scratch scratch("rabbit-in");
  RabbitBroker broker(scratch.dir / "rabbit");
  ASSERT_TRUE(broker.start());
  const Topology t;
  auto rc = rabbit(broker);
  ASSERT_TRUE(rc);
  t.declare(*rc);
  ASSERT_TRUE(rc->confirm_select().ok());
  constexpr int kN = 5;
  std::map<std::string, std::string> sent;
  for (int i = 0; i < kN; ++i) {
    const std::string id = doc_id("RMQ-IN", i);
    sent[id] = signed_package(id);
    publish_confirmed(*rc, "", t.in, sent[id]);
  }

  // The hub is not running yet: the bridge takes the messages but must not ack them. Killed
  // (no chance to clean up), it leaves them all in the queue.
  Hub hub(scratch.dir / "hub", free_port());
  {
    BridgeProcess early(scratch.dir / "bridge-early", hub, broker, kSender, true, false, t);
    early.start();
    ASSERT_TRUE(eventually(30, [&] {
      auto n = rc->message_count(t.in);
      return n.ok() && *n == 0;
    })) << "the bridge should hold them all (prefetch)\n" << early.log();
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(early.count("SENT "), 0u) << early.log();
    early.stop(SIGKILL);
  }
  ASSERT_TRUE(eventually(10, [&] { auto n = rc->message_count(t.in); return n.ok() && *n == kN; }))
      << "unacked messages must return to the queue";

  ASSERT_GT(hub.start(), 0);
  BridgeProcess bridge(scratch.dir / "bridge", hub, broker, kSender, true, false, t);
  bridge.start();
  auto recipient = hub_client(hub, kRecipient, true);
  ASSERT_TRUE(recipient);
  std::set<std::string> got;
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (got.size() < kN && std::chrono::steady_clock::now() < until) {
    auto m = recipient->receive(500ms);
    if (!m) continue;
    if (m->message_type == "edoc") {
      EXPECT_EQ(m->bytes, sent[m->document_id]) << m->document_id;
      EXPECT_EQ(m->from, kSender);
      got.insert(m->document_id);
    }
    EXPECT_TRUE(recipient->accept(m->token).ok());
  }
  EXPECT_EQ(got.size(), static_cast<std::size_t>(kN)) << bridge.log() << hub.log();
  ASSERT_TRUE(eventually(20, [&] { return bridge.count("SENT ") == kN; })) << bridge.log();
  EXPECT_EQ(bridge.stop(SIGTERM), 0);
  EXPECT_NE(bridge.log().find("STOPPED in-received=5 in-sent=5 in-rejected=0"),
            std::string::npos)
      << bridge.log();
  // Everything was acknowledged: nothing is back in the queue after the bridge is gone.
  auto left = rc->message_count(t.in);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 0u);
}

TEST_F(RabbitBridge, RejectedAndUnreadablePackagesGoToTheErrorExchangeWithTheirReason) {
  Scratch scratch("rabbit-reject");
  RabbitBroker broker(scratch.dir / "rabbit");
  ASSERT_TRUE(broker.start());
  Hub hub(scratch.dir / "hub");
  ASSERT_GT(hub.start(), 0);
  const Topology t;
  auto rc = rabbit(broker);
  ASSERT_TRUE(rc);
  t.declare(*rc);
  ASSERT_TRUE(rc->confirm_select().ok());
  const std::string tampered = read(kFixtures + "/tampered-subject.edxml");
  ASSERT_FALSE(tampered.empty());
  const std::string good = signed_package(doc_id("RMQ-GOOD", 1));
  publish_confirmed(*rc, "", t.in, tampered);
  publish_confirmed(*rc, "", t.in, "this is not XML");
  publish_confirmed(*rc, "", t.in, good);

  BridgeProcess bridge(scratch.dir / "bridge", hub, broker, kSender, true, false, t);
  bridge.start();
  std::vector<RabbitMessage> errors;
  ASSERT_TRUE(eventually(60, [&] {
    auto m = rc->get(t.errors_q);
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    if (m.ok() && m->has_value()) errors.push_back(std::move(**m));
    return errors.size() == 2;
  })) << bridge.log();
  std::map<std::string, RabbitMessage> by_condition;
  for (auto& e : errors) by_condition[e.headers["x-docaxis-condition"]] = e;
  ASSERT_EQ(by_condition.count("docaxis:digest-mismatch"), 1u) << bridge.log();
  const RabbitMessage& rejected = by_condition["docaxis:digest-mismatch"];
  EXPECT_EQ(rejected.body, tampered);
  EXPECT_NE(rejected.headers.at("x-docaxis-description").find("DigestValue"), std::string::npos)
      << rejected.headers.at("x-docaxis-description");
  EXPECT_FALSE(rejected.headers.at("x-docaxis-document-id").empty());
  EXPECT_EQ(rejected.delivery_mode, 2);
  ASSERT_EQ(by_condition.count("bridge:malformed-xml"), 1u) << bridge.log();
  EXPECT_EQ(by_condition["bridge:malformed-xml"].body, "this is not XML");

  ASSERT_TRUE(eventually(30, [&] { return bridge.count("SENT ") == 1; })) << bridge.log();
  EXPECT_EQ(bridge.count("ERROR-PUBLISHED "), 2u) << bridge.log();
  EXPECT_EQ(bridge.stop(SIGTERM), 0);
  auto left = rc->message_count(t.in);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 0u) << "every message was acknowledged";
}

// Also: while nothing is bound to the out exchange, the broker returns each publish
// (mandatory) and the bridge releases it at the hub, which delivers it again later.
TEST_F(RabbitBridge, HubInboxIsPublishedToTheOutExchangeWithHeadersAndSettledAfterTheConfirm) {
  Scratch scratch("rabbit-out");
  RabbitBroker broker(scratch.dir / "rabbit");
  ASSERT_TRUE(broker.start());
  Hub hub(scratch.dir / "hub");
  ASSERT_GT(hub.start(), 0);
  const Topology t;
  auto rc = rabbit(broker);
  ASSERT_TRUE(rc);
  t.declare(*rc, /*bind_out=*/false);

  auto sender = hub_client(hub, kSender, false);
  ASSERT_TRUE(sender);
  constexpr int kN = 5;
  std::map<std::string, std::string> sent;
  for (int i = 0; i < kN; ++i) {
    const std::string id = doc_id("RMQ-OUT", i);
    sent[id] = signed_package(id);
    auto r = sender->send(client::Address::kEdoc, sent[id]);
    ASSERT_TRUE(r.status.ok()) << r.status.to_string() << " " << r.condition;
  }
  BridgeProcess bridge(scratch.dir / "bridge", hub, broker, kRecipient, false, true, t);
  bridge.start();
  ASSERT_TRUE(eventually(30, [&] { return bridge.count("RELEASED ") >= 1; })) << bridge.log();
  EXPECT_NE(bridge.log().find("unroutable: 312 NO_ROUTE"), std::string::npos) << bridge.log();
  EXPECT_EQ(bridge.count("PUBLISHED "), 0u);
  ASSERT_TRUE(rc->bind_queue(t.out_q, t.out_x, "inbox").ok());
  std::map<std::string, RabbitMessage> got;
  ASSERT_TRUE(eventually(60, [&] {
    auto m = rc->get(t.out_q);
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    if (m.ok() && m->has_value()) {
      RabbitMessage msg = std::move(**m);
      got[msg.headers["document-id"]] = msg;
    }
    return got.size() == kN;
  })) << bridge.log();
  for (const auto& [id, msg] : got) {
    ASSERT_EQ(sent.count(id), 1u) << id;
    EXPECT_EQ(msg.body, sent[id]);
    EXPECT_EQ(msg.headers.at("messagetype"), "edoc");
    EXPECT_EQ(msg.headers.at("from"), kSender);
    EXPECT_NE(msg.headers.at("hops").find("h30@"), std::string::npos);
    EXPECT_EQ(msg.delivery_mode, 2);
    EXPECT_EQ(msg.exchange, t.out_x);
  }
  ASSERT_TRUE(eventually(20, [&] { return bridge.count("PUBLISHED ") == kN; })) << bridge.log();
  EXPECT_EQ(bridge.stop(SIGTERM), 0);
  // Settled at the hub: the inbox is empty for the next reader.
  auto recipient = hub_client(hub, kRecipient, true);
  ASSERT_TRUE(recipient);
  EXPECT_TRUE(drain_inbox(*recipient, 1, 4).empty());
}

// The number after `key=` in the bridge's STOPPED line, or -1.
long stopped_counter(const std::string& log, const std::string& key) {
  const auto at = log.find("STOPPED ");
  if (at == std::string::npos) return -1;
  const auto k = log.find(" " + key + "=", at);
  if (k == std::string::npos) return -1;
  return std::atol(log.c_str() + k + key.size() + 2);
}

// A hub SIGKILL, then a broker restart (rabbitmqctl stop, start on the same data) while the
// sending bridge holds packages it could not get accepted, then the hub back, and documents
// waiting at the hub for the receiving bridge while the broker is down: every package
// published to the in-queue reaches the hub, and every package in the recipient's hub inbox
// reaches the out queue (at least once: duplicates are allowed, losses are not).
TEST_F(RabbitBridge, BrokerAndHubRestartsInTheMiddleOfARunLoseNothing) {
  Scratch scratch("rabbit-restart");
  RabbitBroker broker(scratch.dir / "rabbit");
  ASSERT_TRUE(broker.start());
  Hub hub(scratch.dir / "hub", free_port());
  ASSERT_GT(hub.start(), 0);
  const Topology t;
  auto rc = rabbit(broker);
  ASSERT_TRUE(rc);
  t.declare(*rc);
  ASSERT_TRUE(rc->confirm_select().ok());

  // Agency H30 sends through its RabbitMQ; agency G12 receives into its RabbitMQ (one broker
  // plays both agencies' brokers).
  BridgeProcess sender_bridge(scratch.dir / "bridge-h30", hub, broker, kSender, true, false, t);
  BridgeProcess recipient_bridge(scratch.dir / "bridge-g12", hub, broker, kRecipient, false, true,
                                 t);
  std::set<std::string> expected, got;
  auto collect = [&](RabbitConnection& c) {
    for (;;) {
      auto m = c.get(t.out_q);
      if (!m.ok() || !m->has_value()) return m.ok();
      got.insert((*m)->headers["document-id"]);
    }
  };
  auto publish_batch = [&](const std::string& tag, int n) {
    for (int i = 0; i < n; ++i) {
      expected.insert(doc_id(tag, i));
      publish_confirmed(*rc, "", t.in, signed_package(doc_id(tag, i)));
    }
  };
  sender_bridge.start();
  recipient_bridge.start();
  publish_batch("RMQ-R1", 20);
  ASSERT_TRUE(eventually(30, [&] { return sender_bridge.count("SENT ") >= 1; }))
      << sender_bridge.log() << recipient_bridge.log();

  // The hub dies: the next packages are taken by the bridge (prefetch) but not acknowledged.
  hub.stop(SIGKILL);
  publish_batch("RMQ-R2", 20);
  ASSERT_TRUE(eventually(30, [&] {
    auto n = rc->message_count(t.in);
    return n.ok() && *n == 0;
  })) << sender_bridge.log();

  // The broker goes down holding them unacknowledged, and comes back after the hub did.
  rc.reset();
  broker.stop();
  ASSERT_GT(hub.start(), 0);
  // Meanwhile more documents reach G12's hub inbox directly; they wait at the hub.
  auto direct = hub_client(hub, kSender, false);
  ASSERT_TRUE(direct);
  for (int i = 0; i < 10; ++i) {
    expected.insert(doc_id("RMQ-DIRECT", i));
    auto r = direct->send(client::Address::kEdoc, signed_package(doc_id("RMQ-DIRECT", i)));
    ASSERT_TRUE(r.status.ok()) << r.status.to_string();
  }
  ASSERT_TRUE(broker.start());
  rc = rabbit(broker);
  ASSERT_TRUE(rc);
  ASSERT_TRUE(rc->confirm_select().ok());
  publish_batch("RMQ-R3", 10);

  EXPECT_TRUE(eventually(90, [&] { return collect(*rc) && got == expected; }))
      << "missing " << expected.size() - got.size() << "\n"
      << sender_bridge.log() << recipient_bridge.log();
  EXPECT_TRUE(eventually(30, [&] {
    auto n = rc->message_count(t.in);
    return n.ok() && *n == 0;
  }));
  EXPECT_GE(sender_bridge.count("RABBIT-DISCONNECTED in"), 1u) << sender_bridge.log();
  EXPECT_GE(sender_bridge.count("RABBIT-CONNECTED in"), 2u);
  EXPECT_GE(recipient_bridge.count("RABBIT-CONNECTED out"), 2u) << recipient_bridge.log();
  EXPECT_EQ(sender_bridge.stop(SIGTERM), 0);
  EXPECT_EQ(recipient_bridge.stop(SIGTERM), 0);
  // The 20 packages held during the broker restart were delivered again and sent again.
  EXPECT_GE(stopped_counter(sender_bridge.log(), "in-received"), 70) << sender_bridge.log();
  if (std::getenv("DOCAXIS_RABBIT_TEST_LOGS") != nullptr) {
    std::cerr << sender_bridge.log() << recipient_bridge.log();
  }
  auto left = rc->message_count(t.in);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 0u) << "every in-queue message was acknowledged";
}

}  // namespace
}  // namespace docaxis::adapters_test
