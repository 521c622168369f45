// Internal to the edxml module (not installed, not included by other modules): the
// table-driven child walker the package and receipt readers are built on.
//
// A container element is read by listing its expected children in canonical order
// (ChildSpec). visit_children() matches each element child by namespace + local name and
// records, with path and line:
//   unknown-element (note)     a child not in the list, or in a foreign namespace
//   no-namespace (note)        a listed child without any namespace (matched anyway)
//   duplicate-element (error)  a second occurrence of a singular child (only the first is used)
//   element-order (note)       first child found out of canonical order (once per parent)
// It never recurses on its own: nesting follows the fixed edXML structure, so stack depth is
// bounded by the schema, not by the input.
#pragma once

#include <libxml/tree.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edxml/model.hpp"
#include "edxml/reader.hpp"

namespace docaxis::edxml::detail {

// libxml2 spells strings as unsigned char; these are the only casts the module needs.
inline const char* cstr(const xmlChar* s) { return reinterpret_cast<const char*>(s); }
inline const xmlChar* xstr(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
inline std::string_view name_of(const xmlNode* n) {
  return n->name != nullptr ? std::string_view(cstr(n->name)) : std::string_view();
}
inline std::string_view ns_of(const xmlNode* n) {
  return (n->ns != nullptr && n->ns->href != nullptr) ? std::string_view(cstr(n->ns->href))
                                                      : std::string_view();
}
inline long line_of(const xmlNode* n) { return xmlGetLineNo(n); }
// Owns a string libxml2 allocated.
struct XmlCharFree {
  void operator()(xmlChar* p) const { xmlFree(p); }
};
// xmlNodeGetContent (all descendant text and CDATA, never comments or processing
// instructions, so a comment cannot cut a value short), trimmed of ASCII whitespace.
std::string node_text(xmlNodePtr node);

class ReadContext {
 public:
  ReadContext(std::vector<Finding>& findings, const ReadOptions& options)
      : findings_(findings), options_(options) {}
  const ReadOptions& options() const { return options_; }
  void add(Finding::Severity sev, std::string code, std::string path, long line,
           std::string message) {
    findings_.push_back({sev, std::move(code), std::move(path), line, std::move(message)});
  }
  void note(std::string code, std::string path, long line, std::string message) {
    add(Finding::Severity::note, std::move(code), std::move(path), line, std::move(message));
  }
  void error(std::string code, std::string path, long line, std::string message) {
    add(Finding::Severity::error, std::move(code), std::move(path), line, std::move(message));
  }

 private:
  std::vector<Finding>& findings_;
  ReadOptions options_;
};

enum class Occurs { one, many };

struct ChildSpec {
  std::string_view name;
  Occurs occurs = Occurs::one;
  // Called for each accepted occurrence with the element and its path
  // (".../To[2]" for repeated children, ".../Subject" for singular ones).
  std::function<void(xmlNodePtr, const std::string&)> handle;
  bool any_namespace = false;  // matched by local name in any namespace (Signature)
  bool check_order = true;     // false: excluded from the element-order note
};

// Returns how many times each spec matched (duplicates of singular specs included).
std::vector<std::size_t> visit_children(ReadContext& ctx, xmlNodePtr parent,
                                        const std::string& parent_path,
                                        std::span<const ChildSpec> specs);

// The element's text as node_text(). Element children inside a text element are reported as
// unknown-element notes.
std::string read_text(ReadContext& ctx, xmlNodePtr node, const std::string& path);

// Spec for a text leaf stored in *out.
ChildSpec leaf(ReadContext& ctx, std::string_view name, std::string* out);
// Text leaf with a length limit in characters (invalid-value error when over).
ChildSpec limited_leaf(ReadContext& ctx, std::string_view name, std::string* out,
                       std::size_t max_chars);
// Text leaf holding a yyyy/MM/dd date (invalid-value error when malformed, or in the future
// when ReadOptions::today is set and `not_future`).
ChildSpec date_leaf(ReadContext& ctx, std::string_view name, std::string* out,
                    bool not_future = false);
// Text leaf holding a yyyy/MM/dd HH:mm:ss timestamp.
ChildSpec timestamp_leaf(ReadContext& ctx, std::string_view name, std::string* out);
// Repeated text leaf appended to *out.
ChildSpec list_leaf(ReadContext& ctx, std::string_view name, std::vector<std::string>* out,
                    std::size_t max_chars = 0);
// OrganId leaf: stores the text, parses it, and records invalid-organ-id with `severity`.
ChildSpec organ_id_leaf(ReadContext& ctx, std::string_view name, std::string* out,
                        std::optional<OrganId>* parsed, Finding::Severity severity);
// Child that belongs to the other package kind: unexpected-element note, ignored.
ChildSpec unexpected(ReadContext& ctx, std::string_view name, std::string_view why);

// Records missing-element (with `severity`) at parent_path/name when count == 0.
void require(ReadContext& ctx, std::size_t count, const std::string& parent_path, xmlNodePtr parent,
             std::string_view name, Finding::Severity severity = Finding::Severity::error);
// Records missing-element when a present required text leaf is empty.
void require_text(ReadContext& ctx, const std::string& value, const std::string& parent_path,
                  xmlNodePtr parent, std::string_view name,
                  Finding::Severity severity = Finding::Severity::error);

// Readers of the package parts (reader_header.cpp, reader_parts.cpp).
void read_organ_info(ReadContext& ctx, xmlNodePtr node, const std::string& path, OrganInfo* out,
                     Finding::Severity id_severity);
void read_response_for(ReadContext& ctx, xmlNodePtr node, const std::string& path, ResponseFor* out,
                       Finding::Severity id_severity);
void read_staff_info(ReadContext& ctx, xmlNodePtr node, const std::string& path, StaffInfo* out);
void read_document_header(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                          MessageHeader* out);
void read_status_header(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                        MessageHeader* out);
void read_trace_list(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                     TraceHeaderList* out);
void read_body(ReadContext& ctx, xmlNodePtr node, const std::string& path, Manifest* out);
void read_attachments(ReadContext& ctx, xmlNodePtr node, const std::string& path,
                      std::vector<Attachment>* out);

}  // namespace docaxis::edxml::detail
