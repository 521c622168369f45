// hub/tls/crypto.hpp: the digests, base64 and key loading that dsig and audit share.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include "tls/crypto.hpp"

namespace docaxis::tls {
namespace {

TEST(Crypto, Sha256HexMatchesTheFipsVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const Sha256 d = sha256("abc");
  EXPECT_EQ(to_hex(d.data(), d.size()), sha256_hex("abc"));
  const unsigned char raw[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(raw, sizeof raw), "000fa0ff");
}

TEST(Crypto, HmacSha256MatchesRfc4231AndComparesInConstantTime) {
  // RFC 4231 test case 2.
  const Sha256 mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(to_hex(mac.data(), mac.size()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  const Sha256 empty = hmac_sha256("", "");
  EXPECT_EQ(to_hex(empty.data(), empty.size()),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_TRUE(equal_constant_time("abc", "abc"));
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_FALSE(equal_constant_time("abc", "abd"));
  EXPECT_FALSE(equal_constant_time("abc", "abcd"));
}

TEST(Crypto, Base64RoundTripsEveryPaddingLengthAndIgnoresXmlWhitespace) {
  for (const std::string& bytes : {std::string("a"), std::string("ab"), std::string("abc"),
                                  std::string("abcd"), std::string("\0\xff\x10", 3)}) {
    const std::string text = encode_base64(bytes);
    auto back = decode_base64(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, bytes) << text;
  }
  EXPECT_EQ(encode_base64("ab"), "YWI=");
  auto spaced = decode_base64(" YW\r\nJj\tZA==\n");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(*spaced, "abcd");
}

TEST(Crypto, BadBase64IsRefusedInTheCallersVocabulary) {
  auto wrong_length = decode_base64("YWJ");
  ASSERT_FALSE(wrong_length.ok());
  EXPECT_EQ(wrong_length.status().code(), "bad-base64");
  auto empty = decode_base64("  \n");
  ASSERT_FALSE(empty.ok());
  auto bad_chars = decode_base64("Y*J=", "keyinfo-invalid");
  ASSERT_FALSE(bad_chars.ok());
  EXPECT_EQ(bad_chars.status().code(), "keyinfo-invalid");
}

TEST(Crypto, FilesAndKeysFailWithTheirCodes) {
  auto missing = read_file("/nonexistent/docaxis-crypto-test");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "file-unreadable");

  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/docaxis-crypto-test-" +
                           std::to_string(::getpid()) + ".pem";
  { std::ofstream(path) << "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n"; }
  auto file = read_file(path);
  ASSERT_TRUE(file.ok());
  EXPECT_NE(file->find("not a key"), std::string::npos);
  auto key = load_pem_private_key(path);
  std::remove(path.c_str());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), "bad-key");
}

}  // namespace
}  // namespace docaxis::tls
