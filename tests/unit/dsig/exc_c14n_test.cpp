// The own exclusive C14N serializer must produce exactly what libxml2's xmlC14NExecute
// produces (xmlsec and most signers canonicalise with it): compared byte for byte on every real
// sample, every attack fixture, every independent vector, and hand-made namespace edge cases,
// for the whole document and for every element's subtree.
#include "dsig/exc_c14n.hpp"
#include "edxml/tree_walk.hpp"

#include <libxml/c14n.h>
#include <libxml/tree.h>

#include <filesystem>

#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

namespace fs = std::filesystem;

int subtree_visible(void* top, xmlNode* node, xmlNode* parent) {
  if (node->type == XML_COMMENT_NODE) return 0;
  xmlNode* n =
      (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE) ? parent : node;
  for (; n != nullptr; n = n->parent) {
    if (n == top) return 1;
  }
  return 0;
}

std::string libxml2_c14n(xmlDoc* doc, xmlNode* subtree) {
  xmlChar* out = nullptr;
  int n = -1;
  if (subtree == nullptr) {
    n = xmlC14NDocDumpMemory(doc, nullptr, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, &out);
  } else {
    xmlOutputBuffer* buf = xmlAllocOutputBuffer(nullptr);
    if (xmlC14NExecute(doc, subtree_visible, subtree, XML_C14N_EXCLUSIVE_1_0, nullptr, 0, buf) <
        0) {
      xmlOutputBufferClose(buf);
      return "<libxml2 failed>";
    }
    std::string s(reinterpret_cast<const char*>(xmlOutputBufferGetContent(buf)),
                  xmlOutputBufferGetSize(buf));
    xmlOutputBufferClose(buf);
    return s;
  }
  if (n < 0) return "<libxml2 failed>";
  std::string s(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  xmlFree(out);
  return s;
}

// Returns the number of comparisons made; adds a failure per difference.
int compare_all(const std::string& what, const std::string& bytes) {
  auto doc = edxml::parse_untrusted(bytes);
  if (!doc.ok()) return 0;
  int compared = 0;
  std::vector<xmlNode*> targets{nullptr};
  edxml::for_each_element(doc->root(), [&](xmlNode* n) {
    targets.push_back(n);
    return true;
  });
  for (xmlNode* t : targets) {
    std::string own;
    const C14nResult r = exclusive_c14n(doc->get(), t, [&](const char* p, std::size_t len) {
      own.append(p, len);
      return true;
    });
    if (r == C14nResult::kUnsupported) continue;
    ++compared;
    const std::string expected = libxml2_c14n(doc->get(), t);
    if (own != expected) {
      ADD_FAILURE() << what << (t == nullptr ? " (document)" : " (subtree <" + local_name(t) + ">)")
                    << "\nown:     " << own.substr(0, 600)
                    << "\nlibxml2: " << expected.substr(0, 600);
      return compared;  // one report per file is enough
    }
  }
  return compared;
}

int compare_folder(const fs::path& dir, const std::vector<std::string>& extensions) {
  int compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) continue;
    compared += compare_all(e.path().string(), read_bytes(e.path().string()));
  }
  return compared;
}

TEST(ExclusiveC14n, MatchesLibxml2OnEveryRealSampleAndFixture) {
  int compared = compare_folder(shared_dir() + "/edxml-samples", {".edxml"});
  compared += compare_folder(fixtures_dir(), {".edxml"});
  EXPECT_GT(compared, 3000);  // documents and all their subtrees
}

TEST(ExclusiveC14n, MatchesLibxml2OnTheIndependentVectors) {
  EXPECT_GT(compare_folder(shared_dir() + "/xmldsig-vectors", {".xml"}), 1000);
}

TEST(ExclusiveC14n, MatchesLibxml2OnNamespaceAndEscapingEdgeCases) {
  const char* cases[] = {
      // default namespace undeclared below a non-empty default
      R"(<a xmlns="urn:a"><b xmlns=""><c/></b><d/></a>)",
      // prefixes used only by attributes, attribute order by namespace URI then name
      R"(<r xmlns:z="urn:a" xmlns:y="urn:b" b="1" a="2" y:c="3" z:c="4" z:a="5"><s/></r>)",
      // the same prefix rebound to another URI, and to the same URI again
      R"(<p:r xmlns:p="urn:1"><p:s xmlns:p="urn:2"><p:t xmlns:p="urn:2"/></p:s><p:u/></p:r>)",
      // unused declarations are dropped; xml:lang is an ordinary attribute
      R"(<r xmlns:unused="urn:u" xml:lang="vi"><s xml:space="preserve"> x </s></r>)",
      // text and attribute escaping, CDATA, character references, CR
      "<r a=\"&lt;&amp;&quot;&#9;&#10;&#13;'&gt;\">&lt;&amp;&gt;\"'&#13;<![CDATA[<x>&]]></r>",
      // processing instructions and comments around and inside the root
      "<?pi-before data?><!--c--><r><?inner?><!--x-->t</r><?pi-after x ?><!--d-->",
      // empty elements, whitespace-only text, non-ASCII
      "<r>\n  <e/>\n  <f></f>\n  <g>Hòa Bình – Sở TT&amp;TT</g>\n</r>",
      // default namespace on a prefixed element's child, prefixed attribute on unprefixed element
      R"(<x:r xmlns:x="urn:x" xmlns="urn:d"><c x:a="1"/><x:d/></x:r>)",
  };
  for (const char* c : cases) EXPECT_GT(compare_all(c, c), 0) << c;
}

TEST(ExclusiveC14n, LeavesRelativeNamespaceNamesToLibxml2) {
  auto doc = edxml::parse_untrusted(R"(<r xmlns="relative/uri"/>)");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(exclusive_c14n(doc->get(), nullptr, [](const char*, std::size_t) { return true; }),
            C14nResult::kUnsupported);
}

}  // namespace
}  // namespace docaxis::dsig::test
