// hub/vxp/send_body.hpp: the SDK's unpadded hash-file and the final CRLF of a sendEdoc body.
#include <gtest/gtest.h>

#include <string>

#include "vxp/send_body.hpp"

namespace docaxis::vxp {
namespace {

TEST(VxpSendBody, HashFileDropsTheLeadingZeroOfEachByte) {
  // SHA-256("abc") = ba7816bf 8f01cfea ... b00361a3 ... f20015ad; the SDK writes 01 as 1,
  // 00 as 0 and 03 as 3 (computed independently with Python's '%x' per byte).
  EXPECT_EQ(sdk_hash_file("abc"), "ba7816bf8f1cfea414140de5dae2223b0361a396177a9cb410ff61f2015ad");
  EXPECT_EQ(sdk_hash_file("docaxis"),
            "ac99be8c32d2f953caba4bbf4ecf7b01e3ecfca8c8787abac564dbb10bce146");
}

TEST(VxpSendBody, TheFinalCrlfIsStrippedWhenTheHashSaysSo) {
  const std::string file = "<edXML>...</edXML>";
  // The result views the body: each body below outlives its result.
  const std::string sent = file + "\r\n";
  auto p = package_of_send_body(sent, sdk_hash_file(file));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, file);
  // A file that itself ends in CRLF, sent with the SDK's extra CRLF: only one is stripped.
  const std::string crlf_file = file + "\r\n";
  const std::string sent_crlf = crlf_file + "\r\n";
  auto q = package_of_send_body(sent_crlf, sdk_hash_file(crlf_file));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, crlf_file);
  // A client that appends nothing.
  auto r = package_of_send_body(file, sdk_hash_file(file));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, file);
  // Uppercase hex is the same digest.
  std::string upper = sdk_hash_file(file);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(package_of_send_body(sent, upper).ok());
}

TEST(VxpSendBody, AnyOtherBodyIsAHashFileMismatch) {
  const std::string file = "<edXML>...</edXML>";
  for (const std::string& claimed :
       {sdk_hash_file(file + "x"), std::string(), std::string("zz"), std::string(65, 'a'),
        sdk_hash_file(file).substr(1)}) {
    auto r = package_of_send_body(file + "\r\n", claimed);
    ASSERT_FALSE(r.ok()) << claimed;
    EXPECT_EQ(r.status().code(), "hash-file-mismatch");
  }
  // One byte changed in the body.
  auto r = package_of_send_body("<edXML>..,</edXML>\r\n", sdk_hash_file(file));
  EXPECT_EQ(r.status().code(), "hash-file-mismatch");
}

}  // namespace
}  // namespace docaxis::vxp
