// Shared helpers of the edxml unit tests: sample files, finding lookup.
#pragma once

#include <string>
#include <vector>

#include "edxml/model.hpp"

namespace docaxis::edxml::test {

// Every *.edxml file name in the samples directory, sorted.
std::vector<std::string> sample_names();
// Bytes of one sample (fails the test when unreadable).
std::string read_sample(const std::string& name);
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

// One line per finding, for failure messages.
std::string dump(const std::vector<Finding>& findings);

}  // namespace docaxis::edxml::test
