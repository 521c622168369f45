// Interop: the own exclusive C14N serializer against libxml2's on real-world bytes, every
// sample of shared/edxml-samples and every independent vector of shared/xmldsig-vectors, for
// the whole document and every element's subtree. Skipped, by name, when the folder is absent.
#include "c14n_compare.hpp"
#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

class InteropExclusiveC14n : public InteropShared {};

TEST_F(InteropExclusiveC14n, MatchesLibxml2OnEveryRealSample) {
  EXPECT_GT(compare_folder(shared_dir() + "/edxml-samples", {".edxml"}), 800);  // 16 samples and their subtrees
}

TEST_F(InteropExclusiveC14n, MatchesLibxml2OnTheIndependentVectors) {
  EXPECT_GT(compare_folder(shared_dir() + "/xmldsig-vectors", {".xml"}), 1000);
}

}  // namespace
}  // namespace docaxis::dsig::test
