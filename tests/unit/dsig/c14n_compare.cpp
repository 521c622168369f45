#include "c14n_compare.hpp"

#include <libxml/c14n.h>
#include <libxml/tree.h>

#include <algorithm>

#include "dsig/exc_c14n.hpp"
#include "edxml/tree_walk.hpp"
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

}  // namespace

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

}  // namespace docaxis::dsig::test
