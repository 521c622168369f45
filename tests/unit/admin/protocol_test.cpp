// The admin protocol: request parsing, the read-only / mutating split, response encoding.
#include <gtest/gtest.h>

#include "admin/protocol.hpp"

namespace docaxis::admin {
namespace {

TEST(Protocol, EveryCommandIsEitherReadOnlyOrMutatingAndTheSetsAreAsDocumented) {
  std::vector<std::string> read, mutate;
  for (const auto& c : commands()) {
    (c.access == Access::kRead ? read : mutate).push_back(std::string(c.name));
  }
  EXPECT_EQ(mutate, (std::vector<std::string>{"doc.retry", "dlq.retry", "dlq.purge"}));
  EXPECT_EQ(read.size(), 10u);
  EXPECT_NE(find_command("queue.list"), nullptr);
  EXPECT_EQ(find_command("queue.lst"), nullptr);
}

TEST(Protocol, RequestRoundTrips) {
  Request r;
  r.cmd = "doc.retry";
  r.args = {{"ref", "42"}};
  r.who = "alice";
  r.mutate = true;
  auto back = parse_request(encode_request(r));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->cmd, "doc.retry");
  EXPECT_EQ(back->args["ref"], "42");
  EXPECT_EQ(back->who, "alice");
  EXPECT_TRUE(back->mutate);
}

TEST(Protocol, MinimalReadRequestNeedsOnlyCmd) {
  auto r = parse_request(R"({"cmd":"stats"})");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->args.is_object());
  EXPECT_FALSE(r->mutate);
}

TEST(Protocol, AMutatingCommandMustBeDeclaredAndAReadOnlyOneMustNotBe) {
  EXPECT_EQ(parse_request(R"({"cmd":"dlq.purge","args":{"before_ms":1}})").status().code(),
            "mutation-not-declared");
  EXPECT_EQ(parse_request(R"({"cmd":"dlq.purge","mutate":false})").status().code(),
            "mutation-not-declared");
  EXPECT_EQ(parse_request(R"({"cmd":"queue.list","mutate":true})").status().code(), "not-mutating");
  EXPECT_TRUE(parse_request(R"({"cmd":"dlq.purge","mutate":true})").ok());
}

TEST(Protocol, MalformedRequestsAreBadRequestsWithAReason) {
  for (const char* line : {"", "not json", "[1,2]", R"({"args":{}})", R"({"cmd":5})",
                           R"({"cmd":"stats","args":[]})", R"({"cmd":"stats","who":1})",
                           R"({"cmd":"stats","mutate":"yes"})", R"({"v":2,"cmd":"stats"})"}) {
    auto r = parse_request(line);
    ASSERT_FALSE(r.ok()) << line;
    EXPECT_EQ(r.status().code(), "bad-request") << line;
    EXPECT_FALSE(r.status().message().empty());
  }
  EXPECT_EQ(parse_request(R"({"cmd":"drop.tables"})").status().code(), "unknown-command");
}

TEST(Protocol, ResponsesCarryResultOrCodeAndMessage) {
  auto ok = parse_response(encode_ok({{"n", 3}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->result["n"], 3);
  auto err = parse_response(encode_error(Status("not-found", "no document 7")));
  ASSERT_TRUE(err.ok());
  EXPECT_FALSE(err->ok);
  EXPECT_EQ(err->error.code(), "not-found");
  EXPECT_EQ(err->error.message(), "no document 7");
  EXPECT_EQ(parse_response("HTTP/1.1 200 OK").status().code(), "bad-response");
  // One line each: the framing is '\n'.
  EXPECT_EQ(encode_ok({{"text", "a\nb"}}).find('\n'), std::string::npos);
}

}  // namespace
}  // namespace docaxis::admin
