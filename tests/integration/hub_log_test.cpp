// The hub's logs as an operator reads them (hub/log/README.md): a real docaxis-hub process,
// real TLS clients, and its standard error. Connections and links appear with their identity,
// a refused TLS handshake with the reason our verification gave, and a hostile value (a link
// address with a newline) stays inside its quoted field.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hostile_support.hpp"
#include "hub_fixture.hpp"

namespace docaxis::test {
namespace {

const std::string kOrgan = "000.00.13.H30";
const std::string kRevoked = kPki + "/special/revoked";  // UID 000.00.92.H30
const std::string kRevokedOrgan = "000.00.92.H30";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first line holding every one of `needles`, waiting up to 10 s for it.
std::string wait_for_line(TestHub& hub, const std::vector<std::string>& needles) {
  for (int i = 0; i < 200; ++i) {
    for (const std::string& line : lines_of(hub.log())) {
      bool all = true;
      for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
      if (all) return line;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

TEST(HubLogs, ConnectionsLinksAndRefusedHandshakesAreLoggedWithTheirIdentity) {
  const TempDir dir = temp_dir("hub-logs");
  TestHub hub(dir, TestHub::FullConfig{hub_config(
                       dir, {.listener_tls = "crl_files = [\"" + kPki + "/crl/all.pem\"]\n",
                             .extra = "[[endpoints]]\norgan = \"" + kRevokedOrgan +
                                      "\"\n[log]\nlevel = \"info\"\n"})});
  const int port = hub.start();
  ASSERT_GT(port, 0) << hub.log();

  // The start-up summary says where the hub listens.
  EXPECT_NE(wait_for_line(hub, {"logger=server event=listener ",
                                "url=amqps://127.0.0.1:" + std::to_string(port)}),
            "")
      << hub.log();

  LinkWatcher genuine(port, tls_options(organ(kOrgan)), "inbox/" + kOrgan);
  ASSERT_TRUE(genuine.wait_open(10s)) << genuine.error();
  const std::string open = wait_for_line(
      hub, {"level=info logger=amqp event=connection-open ", " remote=127.0.0.1 ",
            " uid=" + kOrgan + " ", " subject=\"", "UID=" + kOrgan});
  EXPECT_NE(open, "") << hub.log();
  EXPECT_NE(wait_for_line(hub, {"logger=amqp event=link-attach ", " uid=" + kOrgan + " ",
                                " dir=out address=inbox/" + kOrgan}),
            "")
      << hub.log();

  // A revoked certificate: refused in the TLS handshake, with the reason and the subject.
  LinkWatcher revoked(port, tls_options(kRevoked), "inbox/" + kRevokedOrgan);
  EXPECT_TRUE(revoked.wait_closed(10s));
  EXPECT_FALSE(revoked.opened());
  const std::string refused =
      wait_for_line(hub, {"level=warn logger=tls event=tls-handshake-refused ",
                          " remote=127.0.0.1 ", " reason=cert-revoked ", "UID=" + kRevokedOrgan});
  EXPECT_NE(refused, "") << hub.log();

  // A hostile address: its newline and fake keys stay inside the quoted value.
  LinkWatcher hostile(port, tls_options(organ(kOrgan)),
                      "inbox/x\n2026-01-01T00:00:00.000Z level=error logger=amqp event=forged");
  EXPECT_TRUE(hostile.wait_closed(10s));
  const std::string forged = wait_for_line(hub, {"event=link-refused ", "event=forged"});
  EXPECT_NE(forged.find(" address=\"inbox/x\\n2026-01-01T00:00:00.000Z level=error logger=amqp "
                        "event=forged\""),
            std::string::npos)
      << forged << "\n" << hub.log();
  for (const std::string& line : lines_of(hub.log())) {
    EXPECT_NE(line.rfind("2026-01-01T00:00:00.000Z", 0), 0u) << "a forged line: " << line;
  }

  EXPECT_TRUE(hub_is_alive(hub, port));
  EXPECT_EQ(hub.stop(SIGTERM), 0);
  // The connection's end, with the reason (the hub shut down or the client left).
  EXPECT_NE(wait_for_line(hub, {"logger=amqp event=connection-close ", " uid=" + kOrgan + " ",
                                " reason="}),
            "")
      << hub.log();
  EXPECT_NE(wait_for_line(hub, {"logger=server event=hub-stop signal=15"}), "") << hub.log();
}

}  // namespace
}  // namespace docaxis::test
