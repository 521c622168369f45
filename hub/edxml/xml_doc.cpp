#include "edxml/xml_doc.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <mutex>
#include <string>

namespace docaxis::edxml {
namespace {

xmlParserInputPtr deny_external_entity(const char* url, const char* /*id*/, xmlParserCtxtPtr ctxt) {
  // Every external load (DTD, entity, XInclude) is refused: the hub never fetches anything
  // an untrusted document names.
  if (ctxt != nullptr) {
    xmlParserError(ctxt, "external entity refused: %s\n", url != nullptr ? url : "(null)");
  }
  return nullptr;
}

void silent_generic_error(void* /*ctx*/, const char* /*msg*/, ...) {}

// Keeps the first error of a parse (libxml2's "last error" is often a consequence of it).
struct FirstError {
  bool set = false;
  int line = 0;
  int column = 0;
  std::string message;
};
void record_first_error(void* user, xmlErrorPtr error) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(user);
  auto* first = ctxt != nullptr ? static_cast<FirstError*>(ctxt->_private) : nullptr;
  if (first == nullptr || first->set || error == nullptr || error->level < XML_ERR_ERROR) return;
  first->set = true;
  first->line = error->line;
  first->column = error->int2;
  first->message = error->message != nullptr ? error->message : "";
}

// Iterative pre-order walk: depth and element count, never recursion (deep trees are input).
Status check_shape(xmlNodePtr root, const ParseLimits& limits) {
  std::size_t depth = 1;
  std::size_t elements = 0;
  xmlNodePtr node = root;
  while (node != nullptr) {
    if (node->type == XML_ELEMENT_NODE) {
      if (++elements > limits.max_elements) {
        return {"too-many-elements",
                "more than " + std::to_string(limits.max_elements) + " elements"};
      }
      if (depth > limits.max_depth) {
        return {"too-deep", "element <" + std::string(reinterpret_cast<const char*>(node->name)) +
                                "> at line " + std::to_string(xmlGetLineNo(node)) +
                                " is nested deeper than " + std::to_string(limits.max_depth)};
      }
    }
    if (node->type == XML_ELEMENT_NODE && node->children != nullptr) {
      node = node->children;
      ++depth;
      continue;
    }
    while (node != nullptr && node != root && node->next == nullptr) {
      node = node->parent;
      --depth;
    }
    if (node == nullptr || node == root) break;
    node = node->next;
  }
  return {};
}

}  // namespace

void XmlDoc::Free::operator()(_xmlDoc* d) const { xmlFreeDoc(d); }

_xmlNode* XmlDoc::root() const { return doc_ ? xmlDocGetRootElement(doc_.get()) : nullptr; }

void init_xml_library() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(deny_external_entity);
    // Parse errors are reported through the parser context, never printed.
    xmlSetGenericErrorFunc(nullptr, silent_generic_error);
  });
}

Result<XmlDoc> parse_untrusted(std::string_view bytes, const ParseLimits& limits) {
  init_xml_library();
  if (bytes.size() > limits.max_bytes) {
    return Status{"too-large", "document is " + std::to_string(bytes.size()) +
                                   " bytes, the limit is " + std::to_string(limits.max_bytes)};
  }
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    return Status{"too-large", "document exceeds 2 GiB"};
  }
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (ctxt == nullptr) return Status{"internal", "libxml2 could not allocate a parser context"};
  // Options: no network, no error printing; deliberately NOT NOENT/DTDLOAD/DTDATTR/HUGE.
  // BIG_LINES: without it libxml2 reports every line past 65535 as 65535 (findings name lines).
  const int options =
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES;
  FirstError first;
  ctxt->_private = &first;
  ctxt->sax->serror = record_first_error;
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes.data(), static_cast<int>(bytes.size()),
                                    "untrusted.xml", nullptr, options);
  // nsWellFormed: libxml2 keeps going after a namespace error (an undeclared prefix becomes
  // part of the element's local name, with no namespace); such a tree means different things
  // to different XML stacks, so it is refused like any other malformed document.
  if (doc == nullptr || !ctxt->wellFormed || !ctxt->nsWellFormed) {
    std::string reason = "not well-formed XML";
    const xmlError* err = xmlCtxtGetLastError(ctxt);
    if (first.set) {
      reason = "line " + std::to_string(first.line) + ", column " + std::to_string(first.column) +
               ": " + first.message;
    } else if (err != nullptr && err->message != nullptr) {
      reason = "line " + std::to_string(err->line) + ", column " + std::to_string(err->int2) +
               ": " + err->message;
    }
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    if (doc != nullptr) xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    // A DOCTYPE that made the parse fail is still a DOCTYPE problem, say so.
    if (bytes.find("<!DOCTYPE") != std::string_view::npos) {
      return Status{"dtd-forbidden", "a DOCTYPE is not allowed (" + reason + ")"};
    }
    return Status{"malformed-xml", reason};
  }
  xmlFreeParserCtxt(ctxt);
  XmlDoc owned(doc);
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Status{"dtd-forbidden", "a DOCTYPE is not allowed in an exchanged document"};
  }
  xmlNodePtr root = xmlDocGetRootElement(doc);
  if (root == nullptr) return Status{"malformed-xml", "the document has no root element"};
  if (Status s = check_shape(root, limits); !s.ok()) return s;
  return owned;
}

}  // namespace docaxis::edxml
