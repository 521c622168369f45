// hub/vxp/directory_file.hpp: the directory's files as hostile input, each refusal named by
// entry and field; a registerAgency body; the bounded read and the atomic write.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "vxp/directory_file.hpp"

namespace docaxis::vxp {
namespace {

// A file holding `organs` (JSON text of the array's members).
std::string file_of(const std::string& organs) { return R"({"version":1,"organs":[)" + organs + "]}"; }

const std::string kGood = R"({"id":"000.00.00.G22","pid":"","name":"B\u1ed9 N\u1ed9i v\u1ee5","mail":""})";

TEST(VxpDirectoryFile, ReadsEveryFieldOfAnOrgan) {
  Result<std::vector<Organ>> r = parse_directory_file(file_of(
      kGood + R"(,{"id":"000.00.01.G22","pid":"000.00.00.G22","name":"V)" "\xe1\xbb\xa5" R"( A","mail":"a@b.vn",)"
              R"("code102":"G22.01","oldCode":"old-1","level":3})"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (Organ{"000.00.00.G22", "", "B\xe1\xbb\x99 N\xe1\xbb\x99i v\xe1\xbb\xa5", "", "", "", 0}));
  EXPECT_EQ((*r)[1], (Organ{"000.00.01.G22", "000.00.00.G22", "V\xe1\xbb\xa5 A", "a@b.vn", "G22.01", "old-1", 3}));
  EXPECT_EQ(effective_level((*r)[0]), 1);  // from the id
  EXPECT_EQ(effective_level((*r)[1]), 3);  // as given
}

struct Refusal {
  std::string text;
  std::string message;  // a part of the message
};

TEST(VxpDirectoryFile, RefusesEachMalformedFileNamingTheEntryAndField) {
  const std::string long_name(kMaxOrganNameBytes + 1, 'x');
  const std::vector<Refusal> cases = {
      {"{", "is not JSON"},
      {"{\"version\":1,\"organs\":[]} x", "is not JSON"},
      {"[]", "is not a JSON object"},
      {R"({"version":1,"version":1,"organs":[]})", "the member \"version\" appears twice"},
      {R"({"version":1,"organs":[[[[[]]]]]})", "nested deeper than 4"},
      {R"({"organs":[]})", "version: is required"},
      {R"({"version":2,"organs":[]})", "version: 2 is out of range 1..1"},
      {R"({"version":1,"organs":[],"extra":1})", "extra: is not a member"},
      {R"({"version":1})", "organs: is required"},
      {R"({"version":1,"organs":{}})", "organs: must be an array"},
      {file_of(kGood + ",7"), "organs[1]: must be an object"},
      {file_of(R"({"pid":"","name":"n","mail":""})"), "organs[0].id: is required"},
      {file_of(R"({"id":"28.22.H17","pid":"","name":"n","mail":""})"), "organs[0].id: \"28.22.H17\" has 3 groups"},
      {file_of(R"({"id":"000.00.00.h22","pid":"","name":"n","mail":""})"), "organs[0].id: level-1 group"},
      {file_of(kGood + "," + kGood), "organs[1].id: \"000.00.00.G22\" is already organs[0]"},
      {file_of(R"({"id":"000.00.00.G22","name":"n","mail":""})"), "organs[0].pid: is required"},
      {file_of(R"({"id":"000.00.00.G22","pid":"G22","name":"n","mail":""})"), "organs[0].pid: \"G22\" has 1 group"},
      {file_of(R"({"id":"000.00.00.G22","pid":"000.00.00.G22","name":"n","mail":""})"), "organs[0].pid: names the organ itself"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","mail":""})"), "organs[0].name: is required"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"","mail":""})"), "organs[0].name: must not be empty"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":")" + long_name + R"(","mail":""})"), "organs[0].name: is longer than 1024 bytes"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"a\u0001b","mail":""})"), "organs[0].name: is not UTF-8 text without control"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"a\u0085b","mail":""})"), "organs[0].name: is not UTF-8 text without control"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"a)" "\xc3\x28" R"(","mail":""})"), "is not JSON (or not UTF-8)"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n"})"), "organs[0].mail: is required"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n","mail":5})"), "organs[0].mail: must be a string"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n","mail":"","code102":")" + std::string(65, 'c') + "\"}"), "organs[0].code102: is longer than 64 bytes"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n","mail":"","oldCode":null})"), "organs[0].oldCode: must be a string"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n","mail":"","level":0})"), "organs[0].level: 0 is out of range 1..9"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n","mail":"","level":"1"})"), "organs[0].level: must be an integer"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n","mail":"","Name":"x"})"), "organs[0].Name: is not a member of an organ"},
      {file_of(R"({"id":"000.00.00.G22","pid":"","name":"n","name":"m","mail":""})"), "the member \"name\" appears twice"},
  };
  for (const Refusal& c : cases) {
    Result<std::vector<Organ>> r = parse_directory_file(c.text);
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 200);
    EXPECT_EQ(r.status().code(), "invalid-directory");
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << "text: " << c.text.substr(0, 200) << "\nmessage: " << r.status().message();
  }
}

TEST(VxpDirectoryFile, RefusesMoreOrgansThanTheCap) {
  std::string organs = "{}";
  for (std::size_t i = 0; i < kMaxDirectoryOrgans; ++i) organs += ",{}";
  Result<std::vector<Organ>> r = parse_directory_file(file_of(organs));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("200001 organs, more than the 200000"), std::string::npos)
      << r.status().message();
}

DirectoryEntry entry(std::string id, std::string pid, bool deleted = false) {
  DirectoryEntry e;
  e.organ = Organ{std::move(id), std::move(pid), "n", "", "", "", 0};
  e.deleted = deleted;
  return e;
}

TEST(VxpDirectoryFile, TheWholeDirectoryNeedsLiveParentsAndNoCycle) {
  const DirectoryEntry root = entry("000.00.00.G22", "");
  const DirectoryEntry child = entry("000.00.01.G22", "000.00.00.G22");
  EXPECT_TRUE(check_directory({&root, &child}, "c").ok());

  const DirectoryEntry orphan = entry("000.00.02.G22", "000.00.00.G99");
  Status s = check_directory({&root, &orphan}, "c");
  EXPECT_EQ(s.code(), "c");
  EXPECT_NE(s.message().find("organ \"000.00.02.G22\": pid \"000.00.00.G99\" names no organ"), std::string::npos) << s.message();

  const DirectoryEntry dead_root = entry("000.00.00.G22", "", /*deleted=*/true);
  s = check_directory({&dead_root, &child}, "c");
  EXPECT_NE(s.message().find("names a deleted organ"), std::string::npos) << s.message();
  // A deleted organ keeps its last pid: it is not checked.
  const DirectoryEntry dead_child = entry("000.00.01.G22", "000.00.00.G22", true);
  EXPECT_TRUE(check_directory({&dead_root, &dead_child}, "c").ok());

  const DirectoryEntry a = entry("000.00.01.G22", "000.00.02.G22");
  const DirectoryEntry b = entry("000.00.02.G22", "000.00.03.G22");
  const DirectoryEntry c = entry("000.00.03.G22", "000.00.01.G22");
  s = check_directory({&a, &b, &c}, "c");
  EXPECT_NE(s.message().find("its pid chain leads back to itself"), std::string::npos) << s.message();
}

TEST(VxpDirectoryFile, OverlayRoundTripsAndRefusesAnEntryNewerThanTheDirectory) {
  Overlay o;
  o.version = 2;
  DirectoryEntry e = entry("000.00.01.G22", "");
  e.organ.level = 2;
  e.organ.code102 = "c";
  e.version = 2;
  e.deleted = true;
  e.modified_at = "2027-01-15T08:00:00Z";
  e.modified_by = "sys";
  o.entries.push_back(e);
  Result<Overlay> back = parse_overlay_file(overlay_file_text(o));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->version, 2);
  ASSERT_EQ(back->entries.size(), 1u);
  EXPECT_EQ(back->entries[0], e);

  o.version = 1;
  back = parse_overlay_file(overlay_file_text(o));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), "invalid-overlay");
  EXPECT_NE(back.status().message().find("organs[0].version: 2 is greater than directoryVersion 1"), std::string::npos)
      << back.status().message();
  back = parse_overlay_file(R"({"version":1,"directoryVersion":1,"organs":[{"id":"000.00.01.G22","pid":"","name":"n","mail":"","deleted":false,"version":1,"modifiedAt":"x"}]})");
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("organs[0].modifiedBy: is required"), std::string::npos) << back.status().message();
}

TEST(VxpDirectoryFile, ARegisterBodyNeedsCodeAndNameAndIgnoresTheRest) {
  Result<Organ> o = organ_of_request(
      R"({"id":12,"code":"000.00.01.G22","pid":"000.00.00.G22","name":"n","mail":null,"version":3,"centerCode":"x"})");
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(*o, (Organ{"000.00.01.G22", "000.00.00.G22", "n", "", "", "", 0}));

  const std::vector<Refusal> cases = {
      {"", "the body is not JSON"},
      {"[]", "the body is not a JSON object"},
      {R"({"name":"n"})", "code: is required"},
      {R"({"code":"000.00.01.G22"})", "name: is required"},
      {R"({"code":"000.00.01.g22","name":"n"})", "code: level-1 group"},
      {R"({"code":"000.00.01.G22","name":"n","pid":"x"})", "pid: \"x\" has 1 group"},
      {R"({"code":"000.00.01.G22","name":"n","level":10})", "level: 10 is out of range 1..9"},
      {R"({"code":"000.00.01.G22","code":"000.00.02.G22","name":"n"})", "the member \"code\" appears twice"},
      {"{\"code\":\"000.00.01.G22\",\"name\":\"" + std::string(70000, 'x') + "\"}", "larger than 65536 bytes"},
  };
  for (const Refusal& c : cases) {
    Result<Organ> r = organ_of_request(c.text);
    ASSERT_FALSE(r.ok()) << c.text.substr(0, 200);
    EXPECT_EQ(r.status().code(), "bad-request");
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << "text: " << c.text.substr(0, 200) << "\nmessage: " << r.status().message();
  }
}

TEST(VxpDirectoryFile, ReadsAtMostTheCapAndWritesAtomically) {
  test::TempDir tmp("vxp-dirfile");
  const std::string path = tmp.file("f.json");
  EXPECT_EQ(read_bounded_file(path, 10, true).status().code(), "missing");
  ASSERT_TRUE(write_file_atomically(path, "0123456789").ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  Result<std::string> r = read_bounded_file(path, 10, true);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(*r, "0123456789");
  EXPECT_EQ(read_bounded_file(path, 9, true).status().code(), "too-large");
  std::filesystem::create_symlink(path, tmp.file("link"));
  EXPECT_EQ(read_bounded_file(tmp.file("link"), 10, true).status().code(), "unavailable");
  EXPECT_TRUE(read_bounded_file(tmp.file("link"), 10, false).ok());
  // A failed write leaves the old file as it was.
  std::filesystem::create_directory(path + ".tmp");
  Status s = write_file_atomically(path, "new");
  EXPECT_EQ(s.code(), "unavailable");
  EXPECT_EQ(*read_bounded_file(path, 10, true), "0123456789");
}

}  // namespace
}  // namespace docaxis::vxp
