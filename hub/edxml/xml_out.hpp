// Internal to the edxml module: a tiny indenting XML writer for the package and receipt
// writers. Text is trimmed and escaped with text::escape_xml, so whatever a caller puts in a
// model string, the output is well-formed UTF-8 XML.
#pragma once

#include <string>
#include <string_view>

#include "edxml/text.hpp"

namespace docaxis::edxml::detail {

class XmlOut {
 public:
  XmlOut() { out_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"; }

  // <qname attrs>: `attrs` is pre-formatted (" a=\"v\""), values escaped by the caller.
  void open(std::string_view qname, std::string_view attrs = {}) {
    indent();
    out_ += '<';
    out_ += qname;
    out_ += attrs;
    out_ += ">\n";
    ++depth_;
  }
  void close(std::string_view qname) {
    --depth_;
    indent();
    out_ += "</";
    out_ += qname;
    out_ += ">\n";
  }
  // <qname>text</qname>, omitted when the trimmed text is empty.
  void leaf(std::string_view qname, std::string_view value, std::string_view attrs = {}) {
    value = text::trim(value);
    if (value.empty()) return;
    indent();
    out_ += '<';
    out_ += qname;
    out_ += attrs;
    out_ += '>';
    out_ += text::escape_xml(value);
    out_ += "</";
    out_ += qname;
    out_ += ">\n";
  }
  // Entry of a repeated text element: always written, as <qname/> when empty.
  void entry(std::string_view qname, std::string_view value) {
    if (!text::trim(value).empty()) return leaf(qname, value);
    indent();
    out_ += '<';
    out_ += qname;
    out_ += "/>\n";
  }
  // A container whose children `body` writes. When `body` writes nothing, the container is
  // dropped, or written as <qname/> with keep_empty (entries of repeated elements).
  template <typename F>
  void element(std::string_view qname, F&& body, bool keep_empty = false,
               std::string_view attrs = {}) {
    const std::size_t start = out_.size();
    open(qname, attrs);
    const std::size_t mark = out_.size();
    body();
    if (out_.size() != mark) {
      close(qname);
      return;
    }
    --depth_;
    out_.resize(start);
    if (!keep_empty && attrs.empty()) return;
    indent();
    out_ += '<';
    out_ += qname;
    out_ += attrs;
    out_ += "/>\n";
  }

  std::string take() { return std::move(out_); }

 private:
  void indent() { out_.append(static_cast<std::size_t>(depth_) * 2, ' '); }
  std::string out_;
  int depth_ = 0;
};

}  // namespace docaxis::edxml::detail
