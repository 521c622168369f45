// The listener's own message decoding: every refusal a hostile sender can provoke, as a Status.
#include "amqp/message_codec.hpp"

#include <gtest/gtest.h>
#include <proton/codec.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>

namespace docaxis::amqp {
namespace {

// One described section, encoded: `fill` puts its value.
std::string section(std::uint64_t code, const std::function<void(pn_data_t*)>& fill) {
  pn_data_t* d = pn_data(16);
  pn_data_put_described(d);
  pn_data_enter(d);
  pn_data_put_ulong(d, code);
  fill(d);
  pn_data_exit(d);
  std::string out(1 << 16, '\0');
  const ssize_t n = pn_data_encode(d, out.data(), out.size());
  pn_data_free(d);
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

pn_bytes_t bytes(const std::string& s) { return pn_bytes(s.size(), s.data()); }

std::string data(const std::string& body) {
  return section(0x75, [&](pn_data_t* d) { pn_data_put_binary(d, bytes(body)); });
}

// Application properties from (key writer, value writer) pairs.
std::string props(const std::function<void(pn_data_t*)>& entries) {
  return section(0x74, [&](pn_data_t* d) {
    pn_data_put_map(d);
    pn_data_enter(d);
    entries(d);
    pn_data_exit(d);
  });
}

void str(pn_data_t* d, const std::string& s) { pn_data_put_string(d, bytes(s)); }

TEST(MessageCodec, OneDataSectionIsThePackage) {
  const std::string m = props([](pn_data_t* d) {
    str(d, "hops");
    str(d, "h30@1;national@2");
  }) + data("<edXML/>");
  auto r = decode_incoming(m.data(), m.size());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->body, "<edXML/>");
  ASSERT_TRUE(r->hops.has_value());
  EXPECT_EQ(*r->hops, "h30@1;national@2");
}

TEST(MessageCodec, BodyContractRefusals) {
  struct Case {
    std::string bytes, expect;
  };
  const Case cases[] = {
      {data("a") + data("b"), "not several"},
      {section(0x77, [](pn_data_t* d) { str(d, "<edXML/>"); }), "amqp-value"},
      {section(0x76,
               [](pn_data_t* d) {
                 pn_data_put_list(d);
                 pn_data_enter(d);
                 str(d, "x");
                 pn_data_exit(d);
               }),
       "amqp-sequence"},
      {props([](pn_data_t* d) {
         str(d, "a");
         str(d, "b");
       }),
       "no data section"},
      {std::string("\x00\x53\x75\xb0\xff\xff\xff\xff", 8), "not an AMQP message"},
      {std::string("garbage that is no AMQP at all"), "not an AMQP message"},
      {section(0x99, [](pn_data_t* d) { str(d, "x"); }), "unknown message section 0x99"},
      {section(0x75, [](pn_data_t* d) { str(d, "not binary"); }), "must hold binary"},
  };
  for (const auto& c : cases) {
    auto r = decode_incoming(c.bytes.data(), c.bytes.size());
    ASSERT_FALSE(r.ok()) << c.expect;
    EXPECT_EQ(r.status().code(), "bad-message") << c.expect;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << r.status().message();
  }
}

TEST(MessageCodec, ApplicationPropertiesMustBeStringKeysAndSimpleValues) {
  const std::string int_key = props([](pn_data_t* d) {
    pn_data_put_int(d, 7);
    str(d, "x");
  }) + data("<x/>");
  auto r = decode_incoming(int_key.data(), int_key.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "bad-message");
  EXPECT_NE(r.status().message().find("keys must be strings"), std::string::npos);

  const std::string list_value = props([](pn_data_t* d) {
    str(d, "other");
    pn_data_put_list(d);
    pn_data_enter(d);
    pn_data_put_int(d, 1);
    pn_data_exit(d);
  }) + data("<x/>");
  r = decode_incoming(list_value.data(), list_value.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "bad-message");
  EXPECT_NE(r.status().message().find("simple types"), std::string::npos);
}

TEST(MessageCodec, HopsMustBeOneUtf8String) {
  const std::function<void(pn_data_t*)> bad_values[] = {
      [](pn_data_t* d) { pn_data_put_long(d, 42); },
      [](pn_data_t* d) { pn_data_put_binary(d, pn_bytes(5, "h30@1")); },
      [](pn_data_t* d) { str(d, std::string("h\xff\xfe@1")); },
      [](pn_data_t* d) { str(d, std::string("h\xc0\xae@1")); },  // overlong '.'
      [](pn_data_t* d) { str(d, std::string(kMaxHopsBytes + 1, 'h')); },
  };
  for (const auto& value : bad_values) {
    const std::string m = props([&](pn_data_t* d) {
      str(d, "hops");
      value(d);
    }) + data("<x/>");
    auto r = decode_incoming(m.data(), m.size());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), "bad-hops") << r.status().message();
  }
  const std::string twice = props([](pn_data_t* d) {
    str(d, "hops");
    str(d, "a@1");
    str(d, "hops");
    str(d, "b@2");
  }) + data("<x/>");
  auto r = decode_incoming(twice.data(), twice.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "bad-hops");
}

TEST(MessageCodec, ContentTypeOtherThanXmlIsRefused) {
  delivery::OutgoingMessage m{"<x/>", "edoc", "D", "000.00.13.H30", {}};
  std::string encoded = encode_outgoing(m);
  auto ok = decode_incoming(encoded.data(), encoded.size());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->content_type, "application/xml");
  const std::string plain = section(0x73, [](pn_data_t* d) {
    pn_data_put_list(d);
    pn_data_enter(d);
    for (int i = 0; i < 6; ++i) pn_data_put_null(d);
    pn_data_put_symbol(d, pn_bytes(10, "text/plain"));
    pn_data_exit(d);
  }) + data("x");
  auto r = decode_incoming(plain.data(), plain.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "bad-message");
  EXPECT_NE(r.status().message().find("text/plain"), std::string::npos);
}

TEST(MessageCodec, WhatTheHubSendsDecodesToTheSameBytesAndTrail) {
  delivery::OutgoingMessage m{std::string("<edXML>\0bytes\xff</edXML>", 21),
                              "status",
                              "DOC-1",
                              "000.00.13.H30",
                              {{"h30", 1}, {"national", 2}}};
  const std::string encoded = encode_outgoing(m);
  auto r = decode_incoming(encoded.data(), encoded.size());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->body, m.bytes);
  EXPECT_EQ(r->hops.value_or(""), "h30@1;national@2");
}

TEST(MessageCodec, Utf8Validation) {
  EXPECT_TRUE(is_utf8("Hòa Bình"));
  EXPECT_TRUE(is_utf8(""));
  EXPECT_FALSE(is_utf8(std::string("\xed\xa0\x80")));      // a surrogate
  EXPECT_FALSE(is_utf8(std::string("\xf4\x90\x80\x80")));  // beyond U+10FFFF
  EXPECT_FALSE(is_utf8(std::string("\xe1\x80")));          // truncated
}

}  // namespace
}  // namespace docaxis::amqp
