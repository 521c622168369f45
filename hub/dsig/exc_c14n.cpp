#include "dsig/exc_c14n.hpp"

#include <libxml/tree.h>
#include <libxml/uri.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace docaxis::dsig {
namespace {

const char* cstr(const xmlChar* s) { return s != nullptr ? reinterpret_cast<const char*>(s) : ""; }

// Buffers output and hands it to the sink in large chunks.
class Out {
 public:
  explicit Out(const C14nSink& sink) : sink_(sink) {}
  void put(const char* p, std::size_t n) {
    if (n_ + n > sizeof buf_) flush();
    if (n > sizeof buf_) {
      ok_ = ok_ && sink_(p, n);
      return;
    }
    std::memcpy(buf_ + n_, p, n);
    n_ += n;
  }
  void put(const char* s) { put(s, std::strlen(s)); }
  void put(char c) {
    if (n_ == sizeof buf_) flush();
    buf_[n_++] = c;
  }
  bool flush() {
    if (n_ > 0) ok_ = ok_ && sink_(buf_, n_);
    n_ = 0;
    return ok_;
  }

  // Text node content: & < > and CR escaped (C14N 1.0 section 2.3).
  void text(const char* s) { escaped(s, text_escape); }
  // Attribute values: & < " TAB LF CR escaped.
  void attribute(const char* s) { escaped(s, attribute_escape); }

 private:
  static const char* text_escape(char c) {
    switch (c) {
      case '&':
        return "&amp;";
      case '<':
        return "&lt;";
      case '>':
        return "&gt;";
      case '\r':
        return "&#xD;";
      default:
        return nullptr;
    }
  }
  static const char* attribute_escape(char c) {
    switch (c) {
      case '&':
        return "&amp;";
      case '<':
        return "&lt;";
      case '"':
        return "&quot;";
      case '\t':
        return "&#x9;";
      case '\n':
        return "&#xA;";
      case '\r':
        return "&#xD;";
      default:
        return nullptr;
    }
  }
  // Copies runs of plain bytes and replaces each byte `replacement` maps to a string.
  void escaped(const char* s, const char* (*replacement)(char)) {
    const char* run = s;
    for (; *s != '\0'; ++s) {
      const char* rep = replacement(*s);
      if (rep == nullptr) continue;
      put(run, static_cast<std::size_t>(s - run));
      put(rep);
      run = s + 1;
    }
    put(run, static_cast<std::size_t>(s - run));
  }

  const C14nSink& sink_;
  char buf_[16384];
  std::size_t n_ = 0;
  bool ok_ = true;
};

struct NsBinding {
  const char* prefix;  // "" for the default namespace
  const char* href;    // "" for no namespace
};

class Canonicaliser {
 public:
  explicit Canonicaliser(Out& out) : out_(out) {}

  bool element_tree(xmlNode* top) {
    // Iterative: enter an element, walk its children, leave it.
    xmlNode* n = top;
    while (n != nullptr) {
      bool descend = false;
      switch (n->type) {
        case XML_ELEMENT_NODE:
          if (!start(n)) return false;
          descend = n->children != nullptr;
          if (!descend) end(n);
          break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
          out_.text(cstr(n->content));
          break;
        case XML_PI_NODE:
          pi(n);
          break;
        case XML_COMMENT_NODE:
          break;  // without comments
        default:
          return false;  // entity references, XInclude markers...: leave to libxml2
      }
      if (descend) {
        n = n->children;
        continue;
      }
      if (n == top) break;
      while (n->next == nullptr) {
        n = n->parent;
        end(n);
        if (n == top) return true;
      }
      n = n->next;
    }
    return true;
  }

  void pi(xmlNode* n) {
    out_.put("<?");
    out_.put(cstr(n->name));
    if (n->content != nullptr && n->content[0] != '\0') {
      out_.put(' ');
      out_.put(cstr(n->content));
    }
    out_.put("?>");
  }

 private:
  static bool relative_namespace(const char* href) {
    if (href == nullptr || href[0] == '\0') return false;
    xmlURIPtr uri = xmlParseURI(href);
    const bool relative = uri == nullptr || uri->scheme == nullptr;
    xmlFreeURI(uri);
    return relative;
  }

  const char* in_scope(const char* prefix) const {
    for (auto it = rendered_.rbegin(); it != rendered_.rend(); ++it) {
      if (std::strcmp(it->prefix, prefix) == 0) return it->href;
    }
    return prefix[0] == '\0' ? "" : nullptr;
  }

  void utilize(const char* prefix, const char* href) {
    for (const auto& u : utilized_) {
      if (std::strcmp(u.prefix, prefix) == 0) return;
    }
    utilized_.push_back({prefix, href});
  }

  bool start(xmlNode* e) {
    // libxml2 refuses relative namespace names in C14N (declared here or rendered here); we
    // leave such trees to it (the caller falls back), checked here and before rendering.
    for (const xmlNs* ns = e->nsDef; ns != nullptr; ns = ns->next) {
      if (relative_namespace(cstr(ns->href))) return false;
    }
    utilized_.clear();
    utilize(e->ns != nullptr ? cstr(e->ns->prefix) : "", e->ns != nullptr ? cstr(e->ns->href) : "");
    attrs_.clear();
    for (xmlAttr* a = e->properties; a != nullptr; a = a->next) {
      attrs_.push_back(a);
      if (a->ns != nullptr && a->ns->prefix != nullptr &&
          std::strcmp(cstr(a->ns->prefix), "xml") != 0) {
        utilize(cstr(a->ns->prefix), cstr(a->ns->href));
      }
    }
    // Render a visibly utilized namespace unless the nearest output ancestor already
    // rendered the same binding.
    to_render_.clear();
    for (const auto& u : utilized_) {
      const char* current = in_scope(u.prefix);
      if (current == nullptr || std::strcmp(current, u.href) != 0) to_render_.push_back(u);
    }
    for (const auto& b : to_render_) {
      if (relative_namespace(b.href)) return false;
    }
    std::sort(to_render_.begin(), to_render_.end(), [](const NsBinding& a, const NsBinding& b) {
      return std::strcmp(a.prefix, b.prefix) < 0;
    });
    std::sort(attrs_.begin(), attrs_.end(), [](const xmlAttr* a, const xmlAttr* b) {
      const int c = std::strcmp(a->ns != nullptr ? cstr(a->ns->href) : "",
                                b->ns != nullptr ? cstr(b->ns->href) : "");
      return c != 0 ? c < 0 : std::strcmp(cstr(a->name), cstr(b->name)) < 0;
    });
    scopes_.push_back(rendered_.size());
    out_.put('<');
    qname(e->ns, e->name);
    for (const auto& b : to_render_) {
      rendered_.push_back(b);
      out_.put(b.prefix[0] == '\0' ? " xmlns" : " xmlns:");
      out_.put(b.prefix);
      out_.put("=\"");
      out_.attribute(b.href);
      out_.put('"');
    }
    for (xmlAttr* a : attrs_) {
      out_.put(' ');
      qname(a->ns, a->name);
      out_.put("=\"");
      for (xmlNode* v = a->children; v != nullptr; v = v->next) {
        if (v->type != XML_TEXT_NODE) return false;
        out_.attribute(cstr(v->content));
      }
      out_.put('"');
    }
    out_.put('>');
    return true;
  }

  void end(xmlNode* e) {
    out_.put("</");
    qname(e->ns, e->name);
    out_.put('>');
    rendered_.resize(scopes_.back());
    scopes_.pop_back();
  }

  void qname(const xmlNs* ns, const xmlChar* name) {
    if (ns != nullptr && ns->prefix != nullptr) {
      out_.put(cstr(ns->prefix));
      out_.put(':');
    }
    out_.put(cstr(name));
  }

  Out& out_;
  std::vector<NsBinding> rendered_;
  std::vector<std::size_t> scopes_;
  std::vector<NsBinding> utilized_;
  std::vector<NsBinding> to_render_;
  std::vector<xmlAttr*> attrs_;
};

}  // namespace

C14nResult exclusive_c14n(xmlDoc* doc, xmlNode* subtree, const C14nSink& sink) {
  Out out(sink);
  Canonicaliser c(out);
  if (subtree != nullptr) {
    if (subtree->type != XML_ELEMENT_NODE) return C14nResult::kUnsupported;
    if (!c.element_tree(subtree)) return C14nResult::kUnsupported;
    return out.flush() ? C14nResult::kOk : C14nResult::kSinkFailed;
  }
  bool after_root = false;
  for (xmlNode* n = doc->children; n != nullptr; n = n->next) {
    switch (n->type) {
      case XML_ELEMENT_NODE:
        if (!c.element_tree(n)) return C14nResult::kUnsupported;
        after_root = true;
        break;
      case XML_PI_NODE:
        // C14N 1.0 section 2.1: a line break between top-level nodes and the root.
        if (after_root) out.put('\n');
        c.pi(n);
        if (!after_root) out.put('\n');
        break;
      case XML_COMMENT_NODE:
        break;
      default:
        return C14nResult::kUnsupported;
    }
  }
  return out.flush() ? C14nResult::kOk : C14nResult::kSinkFailed;
}

}  // namespace docaxis::dsig
