// Compares the own exclusive C14N serializer with libxml2's xmlC14NExecute, for the whole
// document and for every element's subtree (exc_c14n_test.cpp, interop_exc_c14n_test.cpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace docaxis::dsig::test {

// Returns the number of comparisons made; adds a test failure at the first difference.
int compare_all(const std::string& what, const std::string& bytes);
// compare_all on every file under `dir` (recursively) with one of these extensions.
int compare_folder(const std::filesystem::path& dir, const std::vector<std::string>& extensions);

}  // namespace docaxis::dsig::test
