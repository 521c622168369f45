// hub/vxp/directory.hpp: the directory of organs behind getAgenciesList, getAgenciesListQD20,
// getSynchronizeUnit, registerAgency and deleteAgency: the answers' exact JSON, changes kept
// in the overlay and read back, administrators only, concurrent readers.
#include <gtest/gtest.h>
#include <utime.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"
#include "vxp/directory.hpp"

namespace docaxis::vxp {
namespace {

namespace fs = std::filesystem;

// Three organs; names in Vietnamese (UTF-8); 000.00.00.H30 has an explicit level 2 (its id
// says 1).
const std::string kBase =
    R"({"version":1,"organs":[
  {"id":"000.00.00.G22","pid":"","name":"B)" "\xe1\xbb\x99" R"( N)" "\xe1\xbb\x99" R"(i v)" "\xe1\xbb\xa5" R"(","mail":"vt@moha.gov.vn","code102":"G22","level":1},
  {"id":"000.00.01.G22","pid":"000.00.00.G22","name":"V)" "\xe1\xbb\xa5" R"( A","mail":""},
  {"id":"000.00.00.H30","pid":"","name":"UBND t)" "\xe1\xbb\x89" R"(nh H)" "\xc3\xb2" R"(a","mail":"x@y.vn","oldCode":"H30-old","level":2}
]})";

constexpr std::int64_t kBaseMtime = 1700000000;  // 2023-11-14T22:13:20Z
constexpr std::int64_t kNow = 1800000000;        // 2027-01-15T08:00:00Z

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class VxpDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = tmp_.file("directory.json");
    { std::ofstream(base_, std::ios::binary) << kBase; }
    struct utimbuf t {static_cast<time_t>(kBaseMtime), static_cast<time_t>(kBaseMtime)};
    ASSERT_EQ(::utime(base_.c_str(), &t), 0);
    data_ = tmp_.file("data");
    fs::create_directory(data_);
  }
  DirectoryOptions options() const {
    DirectoryOptions o;
    o.base_file = base_;
    o.data_dir = data_;
    o.admin_systems = {"admin.sys"};
    o.center_code = "hub-a";
    o.now = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(kNow)); };
    return o;
  }
  std::unique_ptr<Directory> load() const {
    Result<std::unique_ptr<Directory>> d = Directory::load(options());
    EXPECT_TRUE(d.ok()) << d.status().to_string();
    return d.ok() ? std::move(d).value() : nullptr;
  }
  std::string overlay() const { return data_ + "/vxp-directory.json"; }

  test::TempDir tmp_{"vxp-directory"};
  std::string base_;
  std::string data_;
};

TEST_F(VxpDirectory, GetAgenciesListAnswersEveryLiveOrganAsciiOnly) {
  auto d = load();
  ASSERT_TRUE(d);
  EXPECT_EQ(agencies_list_answer(*d->snapshot()),
            R"({"status":"OK","ErrorCode":"0","ErrorDesc":"","data":[)"
            R"({"id":"000.00.00.G22","pid":"","code":"000.00.00.G22","name":"B\u1ed9 N\u1ed9i v\u1ee5","mail":"vt@moha.gov.vn","oldCode":""},)"
            R"({"id":"000.00.00.H30","pid":"","code":"000.00.00.H30","name":"UBND t\u1ec9nh H\u00f2a","mail":"x@y.vn","oldCode":"H30-old"},)"
            R"({"id":"000.00.01.G22","pid":"000.00.00.G22","code":"000.00.01.G22","name":"V\u1ee5 A","mail":"","oldCode":""}]})");
  EXPECT_EQ(d->version(), 0);
  EXPECT_EQ(d->agencies().size(), 3u);
}

TEST_F(VxpDirectory, GetAgenciesListQD20AddsCode102AndFiltersByLevel) {
  auto d = load();
  ASSERT_TRUE(d);
  EXPECT_EQ(agencies_list_qd20_answer(*d->snapshot(), "1"),
            R"({"status":"OK","ErrorCode":"0","ErrorDesc":"","data":[)"
            R"({"id":"000.00.00.G22","pid":"","code":"000.00.00.G22","name":"B\u1ed9 N\u1ed9i v\u1ee5","mail":"vt@moha.gov.vn","oldCode":"","code102":"G22"}]})");
  // Level 2: H30 by its explicit level, 000.00.01.G22 by its id.
  const auto level2 = nlohmann::json::parse(agencies_list_qd20_answer(*d->snapshot(), "2"));
  ASSERT_EQ(level2["data"].size(), 2u);
  EXPECT_EQ(level2["data"][0]["code"], "000.00.00.H30");
  EXPECT_EQ(level2["data"][0]["code102"], "");
  EXPECT_EQ(level2["data"][1]["code"], "000.00.01.G22");
  EXPECT_EQ(nlohmann::json::parse(agencies_list_qd20_answer(*d->snapshot(), ""))["data"].size(), 3u);
  for (const char* bad : {"0", "10", "x", "1 ", "-1"}) {
    const auto a = nlohmann::json::parse(agencies_list_qd20_answer(*d->snapshot(), bad));
    EXPECT_EQ(a["status"], "FAIL") << bad;
    EXPECT_EQ(a["ErrorCode"], "100") << bad;
    EXPECT_NE(a["ErrorDesc"].get<std::string>().find("docaxis:bad-request: level"), std::string::npos) << a;
  }
}

TEST_F(VxpDirectory, GetSynchronizeUnitListsEveryOrganWithItsVersion) {
  auto d = load();
  ASSERT_TRUE(d);
  const std::string a = synchronize_unit_answer(*d->snapshot());
  EXPECT_EQ(a.substr(0, a.find("},{") + 1),
            R"({"status":"OK","ErrorCode":"0","ErrorDesc":"","data":[)"
            R"({"id":"000.00.00.G22","pid":"","code":"000.00.00.G22","name":"B\u1ed9 N\u1ed9i v\u1ee5","mail":"vt@moha.gov.vn",)"
            R"("version":0,"centerCode":"hub-a","deleted":false,"modifyDate":"2023-11-14T22:13:20Z","isAgency":true})");
  EXPECT_EQ(nlohmann::json::parse(a)["data"].size(), 3u);
}

TEST_F(VxpDirectory, ChangesAreKeptInTheOverlayAndReadBackByANewDirectory) {
  {
    auto d = load();
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->register_agency(
        R"({"code":"000.00.02.G22","pid":"000.00.00.G22","name":"Vi)" "\xe1\xbb\x87" R"(n B","mail":"b@c.vn","code102":"G22.02"})",
        "admin.sys").ok());
    ASSERT_TRUE(d->delete_agency("000.00.01.G22", "admin.sys").ok());
    EXPECT_EQ(d->version(), 2);
  }
  EXPECT_EQ(read_all(base_), kBase);  // the configured file is never written
  ASSERT_TRUE(fs::exists(overlay()));
  auto d = load();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->version(), 2);
  const auto& entries = d->snapshot()->entries;
  ASSERT_EQ(entries.size(), 4u);
  const DirectoryEntry& added = entries.at("000.00.02.G22");
  EXPECT_EQ(added.organ, (Organ{"000.00.02.G22", "000.00.00.G22", "Vi\xe1\xbb\x87n B", "b@c.vn", "G22.02", "", 0}));
  EXPECT_EQ(added.version, 1);
  EXPECT_EQ(added.modified_by, "admin.sys");
  EXPECT_FALSE(added.deleted);
  EXPECT_TRUE(entries.at("000.00.01.G22").deleted);

  const auto list = nlohmann::json::parse(agencies_list_answer(*d->snapshot()));
  ASSERT_EQ(list["data"].size(), 3u);
  EXPECT_EQ(list["data"][2]["code"], "000.00.02.G22");
  const std::string sync = synchronize_unit_answer(*d->snapshot());
  EXPECT_NE(sync.find(R"({"id":"000.00.01.G22","pid":"000.00.00.G22","code":"000.00.01.G22","name":"V\u1ee5 A","mail":"",)"
                      R"("version":2,"centerCode":"hub-a","deleted":true,"modifyDate":"2027-01-15T08:00:00Z","isAgency":false})"),
            std::string::npos) << sync;
  EXPECT_NE(sync.find(R"("name":"Vi\u1ec7n B","mail":"b@c.vn","version":1,"centerCode":"hub-a","deleted":false,)"
                      R"("modifyDate":"2027-01-15T08:00:00Z","isAgency":true})"),
            std::string::npos) << sync;

  // Registering a deleted organ brings it back; a change of a base organ is kept too.
  ASSERT_TRUE(d->register_agency(R"({"code":"000.00.01.G22","pid":"000.00.00.G22","name":"V A2"})", "admin.sys").ok());
  ASSERT_TRUE(d->register_agency(R"({"code":"000.00.00.H30","name":"H30 renamed"})", "admin.sys").ok());
  auto again = load();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version(), 4);
  EXPECT_FALSE(again->snapshot()->entries.at("000.00.01.G22").deleted);
  EXPECT_EQ(again->snapshot()->entries.at("000.00.01.G22").organ.name, "V A2");
  EXPECT_EQ(again->snapshot()->entries.at("000.00.00.H30").organ.name, "H30 renamed");
  EXPECT_EQ(again->snapshot()->entries.at("000.00.00.H30").version, 4);
}

TEST_F(VxpDirectory, ASecondIdenticalRequestChangesNothing) {
  auto d = load();
  ASSERT_TRUE(d);
  const std::string body = R"({"code":"000.00.02.G22","pid":"","name":"n"})";
  ASSERT_TRUE(d->register_agency(body, "admin.sys").ok());
  ASSERT_TRUE(d->register_agency(body, "admin.sys").ok());
  EXPECT_EQ(d->version(), 1);
  ASSERT_TRUE(d->delete_agency("000.00.02.G22", "admin.sys").ok());
  ASSERT_TRUE(d->delete_agency("000.00.02.G22", "admin.sys").ok());
  EXPECT_EQ(d->version(), 2);
}

TEST_F(VxpDirectory, OnlyAdministratorSystemsChangeIt) {
  auto d = load();
  ASSERT_TRUE(d);
  Status s = d->register_agency(R"({"code":"000.00.02.G22","name":"n"})", "000.21.31.H30");
  EXPECT_EQ(s.code(), "not-permitted");
  EXPECT_NE(s.message().find("admin = true"), std::string::npos) << s.message();
  EXPECT_EQ(d->delete_agency("000.00.01.G22", "000.21.31.H30").code(), "not-permitted");
  EXPECT_FALSE(d->may_change("000.21.31.H30"));
  EXPECT_TRUE(d->may_change("admin.sys"));
  EXPECT_EQ(d->version(), 0);
  EXPECT_FALSE(fs::exists(overlay()));
  const auto a = nlohmann::json::parse(change_answer(s));
  EXPECT_EQ(a["ErrorCode"], "107");
  EXPECT_EQ(change_answer(Status::ok_status()), R"({"status":"OK","ErrorCode":"0","ErrorDesc":""})");
}

TEST_F(VxpDirectory, RefusesChangesThatBreakTheDirectory) {
  auto d = load();
  ASSERT_TRUE(d);
  Status s = d->register_agency(R"({"code":"000.00.02.G22","pid":"000.00.00.G99","name":"n"})", "admin.sys");
  EXPECT_EQ(s.code(), "bad-request");
  EXPECT_NE(s.message().find("pid \"000.00.00.G99\" names no organ"), std::string::npos) << s.message();
  // A cycle: the root under its own child.
  s = d->register_agency(R"({"code":"000.00.00.G22","pid":"000.00.01.G22","name":"n"})", "admin.sys");
  EXPECT_EQ(s.code(), "bad-request");
  EXPECT_NE(s.message().find("leads back to itself"), std::string::npos) << s.message();
  s = d->delete_agency("000.00.00.G22", "admin.sys");
  EXPECT_EQ(s.code(), "bad-request");
  EXPECT_NE(s.message().find("is the pid of 1 organ(s) (\"000.00.01.G22\""), std::string::npos) << s.message();
  s = d->delete_agency("000.00.00.G99", "admin.sys");
  EXPECT_EQ(s.code(), "unknown-organ");
  EXPECT_EQ(nlohmann::json::parse(change_answer(s))["ErrorCode"], "405");
  EXPECT_EQ(d->delete_agency("G22", "admin.sys").code(), "bad-request");
  EXPECT_EQ(d->register_agency("{", "admin.sys").code(), "bad-request");
  EXPECT_EQ(d->version(), 0);
  EXPECT_FALSE(fs::exists(overlay()));
}

TEST_F(VxpDirectory, AChangeThatCannotBeWrittenIsNotMade) {
  auto d = load();
  ASSERT_TRUE(d);
  fs::create_directory(overlay() + ".tmp");  // the temporary file cannot be created
  Status s = d->register_agency(R"({"code":"000.00.02.G22","name":"n"})", "admin.sys");
  EXPECT_EQ(s.code(), "unavailable");
  EXPECT_NE(s.message().find("was not kept"), std::string::npos) << s.message();
  EXPECT_EQ(d->version(), 0);
  EXPECT_EQ(d->snapshot()->entries.count("000.00.02.G22"), 0u);
  EXPECT_EQ(nlohmann::json::parse(change_answer(s))["ErrorCode"], "500");
}

TEST_F(VxpDirectory, ACorruptOverlayIsRefusedNamingTheFile) {
  { std::ofstream(overlay(), std::ios::binary) << R"({"version":1,"directoryVersion":1,"organs":[{"id":"000.00.02.G22")"; }
  Result<std::unique_ptr<Directory>> d = Directory::load(options());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), "invalid-overlay");
  EXPECT_NE(d.status().message().find(overlay() + ": the overlay file is not JSON"), std::string::npos)
      << d.status().message();
  // Well-formed, but its organ's pid is gone from the base file.
  { std::ofstream(overlay(), std::ios::binary) << R"({"version":1,"directoryVersion":1,"organs":[{"id":"000.00.02.G22","pid":"000.00.00.G99",)"
                                                 R"("name":"n","mail":"","deleted":false,"version":1,"modifiedAt":"t","modifiedBy":"s"}]})"; }
  d = Directory::load(options());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), "invalid-overlay");
  EXPECT_NE(d.status().message().find("over the directory file: organ \"000.00.02.G22\": pid \"000.00.00.G99\" names no organ"),
            std::string::npos) << d.status().message();
}

TEST_F(VxpDirectory, ABadBaseFileIsRefusedNamingTheFileAndEntry) {
  { std::ofstream(base_, std::ios::binary) << R"({"version":1,"organs":[{"id":"000.00.01.G22","pid":"000.00.00.G22","name":"n","mail":""}]})"; }
  Result<std::unique_ptr<Directory>> d = Directory::load(options());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), "invalid-directory");
  EXPECT_NE(d.status().message().find(base_ + ": organ \"000.00.01.G22\": pid \"000.00.00.G22\" names no organ"),
            std::string::npos) << d.status().message();
  fs::remove(base_);
  d = Directory::load(options());
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), "invalid-directory");
  EXPECT_NE(d.status().message().find("does not exist"), std::string::npos) << d.status().message();
  // No base file configured: an empty directory that registerAgency fills.
  DirectoryOptions o = options();
  o.base_file.clear();
  Result<std::unique_ptr<Directory>> empty = Directory::load(o);
  ASSERT_TRUE(empty.ok()) << empty.status().to_string();
  EXPECT_EQ(agencies_list_answer(*(*empty)->snapshot()), R"({"status":"OK","ErrorCode":"0","ErrorDesc":"","data":[]})");
}

TEST_F(VxpDirectory, ReadersSeeWholeStatesWhileChangesAreMade) {
  auto d = load();
  ASSERT_TRUE(d);
  // A state once handed out never changes.
  const auto before = d->snapshot();
  ASSERT_TRUE(d->register_agency(R"({"code":"000.00.09.H30","name":"n"})", "admin.sys").ok());
  EXPECT_EQ(before->version, 0);
  EXPECT_EQ(before->entries.size(), 3u);
  EXPECT_EQ(d->snapshot()->entries.size(), 4u);
  constexpr int kChanges = 20;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      std::int64_t last = 0;
      while (!done.load()) {
        const auto s = d->snapshot();
        // Every change adds one organ: a whole state has 3 + version organs, and versions
        // never go back.
        if (static_cast<std::int64_t>(s->entries.size()) != 3 + s->version || s->version < last) ++bad;
        std::int64_t changed = 0;
        for (const auto& [id, e] : s->entries) changed += e.version > 0 ? 1 : 0;
        if (changed != s->version) ++bad;
        if (agencies_list_answer(*s).empty()) ++bad;
        last = s->version;
      }
    });
  }
  for (int i = 0; i < kChanges; ++i) {
    char code[32];
    std::snprintf(code, sizeof code, "000.00.%02d.H30", i + 10);
    EXPECT_TRUE(d->register_agency(std::string(R"({"code":")") + code + R"(","name":"n"})", "admin.sys").ok());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(d->version(), kChanges + 1);
}

}  // namespace
}  // namespace docaxis::vxp
