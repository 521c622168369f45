// Shared helpers of the edxml unit tests: generated packages, real samples, finding lookup.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "edxml/model.hpp"

namespace docaxis::edxml::test {

// The generated packages (tests/support/packages.hpp): always there.
std::vector<std::string> generated_names();
// Bytes of one generated package (fails the test when there is no such package).
std::string read_generated(const std::string& name);

// The real samples (the interop suite): DOCAXIS_SHARED_DIR/edxml-samples, the environment
// variable DOCAXIS_SHARED_DIR first, else the folder configured at build time.
std::string samples_dir();
bool samples_present();
// Every *.edxml file name in the samples directory, sorted.
std::vector<std::string> sample_names();
// Bytes of one sample (fails the test when unreadable).
std::string read_sample(const std::string& name);

// Base of the interop tests: each is skipped, with the reason, when the samples are absent.
// Suites deriving from it are named Interop* (ctest label "interop").
class InteropSamples : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!samples_present()) GTEST_SKIP() << "interop: " << samples_dir() << " not present";
  }
};
std::string read_file(const std::string& path);
std::string source_dir();

// The findings with this code (and path, when non-empty).
std::vector<Finding> findings_with(const Package& p, const std::string& code,
                                   const std::string& path = "");
// MessageHeader children of a minimal valid document / status (prefix "e:").
extern const char* const kDocumentHeader;
extern const char* const kStatusHeader;
// A package around `message_header_children`; `header_tail` goes after MessageHeader inside
// edXMLHeader, `tail` after the envelope inside the root.
std::string wrap_package(const std::string& message_header_children,
                         const std::string& header_tail = "", const std::string& tail = "");

// Reads `rounds` random mutations of `original` (bytes replaced, erased, or copied from
// elsewhere in it); every one must be read or refused without a crash, and every finding must
// carry a code (a failure is added otherwise). Returns how many were read as packages.
int read_mutations(const std::string& original, std::mt19937& rng, int rounds);

// One line per finding, for failure messages.
std::string dump(const std::vector<Finding>& findings);

}  // namespace docaxis::edxml::test
