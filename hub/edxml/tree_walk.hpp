// Iterative traversal of a libxml2 tree: the input controls the depth, so no recursion.
// For hub/edxml and hub/dsig only (the modules allowed to see libxml2).
#pragma once

#include <libxml/tree.h>

#include <cstring>

namespace docaxis::edxml {

// Calls visit(node) for `root` and every element below it, in document order. `visit`
// returns false to stop the walk early.
template <typename Visit>
void for_each_element(xmlNode* root, Visit&& visit) {
  for (xmlNode* n = root; n != nullptr;) {
    if (n->type == XML_ELEMENT_NODE && !visit(n)) return;
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != nullptr && n != root && n->next == nullptr) n = n->parent;
    n = (n == nullptr || n == root) ? nullptr : n->next;
  }
}

// True when `n` is the element {ns}name.
inline bool is_element(const xmlNode* n, const char* ns, const char* name) {
  return n != nullptr && n->type == XML_ELEMENT_NODE && n->ns != nullptr &&
         std::strcmp(reinterpret_cast<const char*>(n->ns->href), ns) == 0 &&
         std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

// The first child element {ns}name of `parent` (null when there is none, or no parent).
inline xmlNode* child_element(xmlNode* parent, const char* ns, const char* name) {
  for (xmlNode* n = parent != nullptr ? parent->children : nullptr; n != nullptr; n = n->next) {
    if (is_element(n, ns, name)) return n;
  }
  return nullptr;
}

}  // namespace docaxis::edxml
