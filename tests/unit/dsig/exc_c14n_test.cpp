// The own exclusive C14N serializer must produce exactly what libxml2's xmlC14NExecute
// produces (xmlsec and most signers canonicalise with it): compared byte for byte on every
// generated package, every attack fixture, and hand-made namespace edge cases, for the whole
// document and for every element's subtree. The real samples and the independent vectors:
// interop_exc_c14n_test.cpp.
#include "dsig/exc_c14n.hpp"

#include "c14n_compare.hpp"
#include "packages.hpp"
#include "support.hpp"

namespace docaxis::dsig::test {
namespace {

TEST(ExclusiveC14n, MatchesLibxml2OnEveryGeneratedPackageAndFixture) {
  int compared = 0;
  for (const fixtures::NamedPackage& p : fixtures::standard_set()) compared += compare_all(p.name, p.bytes);
  EXPECT_GT(compared, 600);  // 13 documents and all their subtrees
  compared += compare_folder(fixtures_dir(), {".edxml"});
  EXPECT_GT(compared, 3000);
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
