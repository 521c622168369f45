// Safe parsing of untrusted XML bytes with libxml2, and the RAII handle for the tree.
//
// This is the only way untrusted bytes become a tree anywhere in docaxis. The parse is
// hardened per ../../../shared/notes/xmldsig-hardening.md (classes 2, 7, 8, 12):
//   - the byte size is capped before libxml2 sees anything;
//   - XML_PARSE_NONET, and a process-wide deny-all external entity loader;
//   - never NOENT / DTDLOAD / DTDATTR / HUGE, so libxml2's default limits stay on;
//   - any DOCTYPE (internal or external subset) is refused;
//   - the element depth and count are checked with an iterative walk.
// Application data must be read from the same tree that the signature verifier checked.
//
// Thread safety: parse_untrusted may be called from any thread once
// init_xml_library() has run (it is idempotent and thread-safe).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/status.hpp"

// libxml2's types, without pulling its headers into every includer.
struct _xmlDoc;
struct _xmlNode;

namespace docaxis::edxml {

// Limits for untrusted input. The defaults suit edXML packages with attachments.
struct ParseLimits {
  std::size_t max_bytes = 64u * 1024 * 1024;  // larger input: "too-large"
  std::size_t max_depth = 64;                 // element nesting: "too-deep"
  std::size_t max_elements = 200000;          // element count: "too-many-elements"
};

// Owns one libxml2 document. Movable, not copyable.
class XmlDoc {
 public:
  XmlDoc() = default;
  explicit XmlDoc(_xmlDoc* doc) : doc_(doc) {}
  _xmlDoc* get() const { return doc_.get(); }
  _xmlNode* root() const;
  explicit operator bool() const { return doc_ != nullptr; }

 private:
  struct Free {
    void operator()(_xmlDoc* d) const;
  };
  std::unique_ptr<_xmlDoc, Free> doc_;
};

// Initialises libxml2 once for the process (parser globals, deny-all entity loader).
// Call from the main thread before starting workers; later calls are no-ops.
void init_xml_library();

// Parses untrusted bytes. Error codes (Status::code):
//   too-large          input over limits.max_bytes
//   malformed-xml      not well-formed, or not namespace-well-formed (an undeclared prefix);
//                      the message names line and column and libxml2's reason
//   dtd-forbidden      a DOCTYPE is present (entities and ID declarations are attack vectors)
//   too-deep           element nesting over limits.max_depth
//   too-many-elements  element count over limits.max_elements
Result<XmlDoc> parse_untrusted(std::string_view bytes, const ParseLimits& limits = {});

}  // namespace docaxis::edxml
