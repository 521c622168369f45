#include "test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edxml/reader.hpp"
#include "packages.hpp"

namespace docaxis::edxml::test {

std::string source_dir() { return DOCAXIS_SOURCE_DIR; }

std::vector<std::string> generated_names() { return fixtures::standard_names(); }

std::string read_generated(const std::string& name) {
  std::string bytes = fixtures::standard_package(name);
  EXPECT_FALSE(bytes.empty()) << "no generated package " << name;
  return bytes;
}

std::string samples_dir() {
  const char* env = std::getenv("DOCAXIS_SHARED_DIR");
  return (env != nullptr && *env != '\0' ? std::string(env) : std::string(DOCAXIS_SHARED_DIR)) +
         "/edxml-samples";
}

bool samples_present() {
  std::error_code ec;
  return std::filesystem::is_directory(samples_dir(), ec);
}

std::vector<std::string> sample_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(samples_dir())) {
    if (e.path().extension() == ".edxml") names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_sample(const std::string& name) {
  return read_file(samples_dir() + "/" + name);
}

std::vector<Finding> findings_with(const Package& p, const std::string& code,
                                   const std::string& path) {
  std::vector<Finding> out;
  for (const Finding& f : p.findings) {
    if (f.code == code && (path.empty() || f.path == path)) out.push_back(f);
  }
  return out;
}

const char* const kDocumentHeader =
    "<e:From><e:OrganId>000.00.00.G22</e:OrganId><e:OrganName>VPCP</e:OrganName></e:From>"
    "<e:To><e:OrganId>000.00.00.H53</e:OrganId><e:OrganName>UBND</e:OrganName></e:To>"
    "<e:DocumentId>000.00.00.G22,2019/01/16,1/VPCP</e:DocumentId>"
    "<e:Subject>V/v thử</e:Subject>";
const char* const kStatusHeader =
    "<e:From><e:OrganId>000.00.00.H53</e:OrganId><e:OrganName>UBND</e:OrganName></e:From>"
    "<e:ResponseFor><e:OrganId>000.00.00.G22</e:OrganId></e:ResponseFor>"
    "<e:StatusCode>03</e:StatusCode>";

std::string wrap_package(const std::string& message_header_children, const std::string& header_tail,
                         const std::string& tail) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\" "
         "xmlns:e=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">\n"
         "<e:edXMLEnvelope><e:edXMLHeader>\n<e:MessageHeader>\n" +
         message_header_children + "\n</e:MessageHeader>\n" + header_tail +
         "</e:edXMLHeader></e:edXMLEnvelope>" + tail + "</edXML>\n";
}

int read_mutations(const std::string& original, std::mt19937& rng, int rounds) {
  const char kBytes[] =
      "<>/=\"'&;:! \n\x00\xff\xc3"
      "abcXMLedToOrganId0123456789.";
  int parsed = 0;
  for (int round = 0; round < rounds; ++round) {
    std::string bytes = original;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !bytes.empty(); ++e) {
      const std::size_t pos = rng() % bytes.size();
      switch (rng() % 3) {
        case 0:
          bytes[pos] = kBytes[rng() % (sizeof kBytes - 1)];
          break;
        case 1:
          bytes.erase(pos, 1 + rng() % 40);
          break;
        default:
          bytes.insert(pos, original.substr(rng() % original.size(), rng() % 60));
      }
    }
    Result<Package> p = read_package_bytes(bytes);
    if (p.ok()) {
      ++parsed;
      for (const Finding& f : p->findings) {
        if (f.code.empty()) ADD_FAILURE() << "a finding without a code: " << f.path;
      }
    }
  }
  return parsed;
}

std::string dump(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    out += (f.severity == Finding::Severity::error ? "error " : "note  ") + f.code + " " + f.path +
           ":" + std::to_string(f.line) + " " + f.message + "\n";
  }
  return out;
}

}  // namespace docaxis::edxml::test
