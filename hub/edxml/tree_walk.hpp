// Iterative traversal of a libxml2 tree: the input controls the depth, so no recursion.
// For hub/edxml and hub/dsig only (the modules allowed to see libxml2).
#pragma once

#include <libxml/tree.h>

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

}  // namespace docaxis::edxml
