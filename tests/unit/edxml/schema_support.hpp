// The strict XSDs of schemas/ loaded with libxml2 xmlschemas, for the schema tests (generated
// packages in schema_test.cpp, real samples in interop_samples_test.cpp).
#pragma once

#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include <string>
#include <string_view>

#include "edxml/xml_doc.hpp"
#include "test_support.hpp"

namespace docaxis::edxml::test {

inline std::string schema_dir() { return test::source_dir() + "/schemas/"; }

// The hub installs a deny-all external entity loader (xml_doc.cpp). Loading a schema and its
// xs:include needs files, so while a schema is parsed this loader admits files under
// schemas/ only.
inline xmlParserInputPtr schema_dir_loader(const char* url, const char*, xmlParserCtxtPtr ctxt) {
  std::string_view u = url != nullptr ? url : "";
  if (u.starts_with("file://")) u.remove_prefix(7);
  const std::string dir = schema_dir();
  if (!u.starts_with(dir) || u.find("..") != std::string_view::npos) return nullptr;
  return xmlNewInputFromFile(ctxt, std::string(u).c_str());
}

class Schema {
 public:
  explicit Schema(const std::string& file) {
    init_xml_library();
    const xmlExternalEntityLoader previous = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(schema_dir_loader);
    const std::string path = schema_dir() + file;
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(path.c_str());
    schema_ = xmlSchemaParse(pctx);
    xmlSchemaFreeParserCtxt(pctx);
    xmlSetExternalEntityLoader(previous);
  }
  ~Schema() { xmlSchemaFree(schema_); }
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;
  bool loaded() const { return schema_ != nullptr; }

  // True when `xml` parses and validates; errors are silenced (the verdict is what matters).
  bool validates(const std::string& xml) const {
    Result<XmlDoc> doc = parse_untrusted(xml);
    if (!doc.ok() || schema_ == nullptr) return false;
    xmlSchemaValidCtxtPtr vctx = xmlSchemaNewValidCtxt(schema_);
    xmlSchemaSetValidStructuredErrors(
        vctx, [](void*, xmlErrorPtr) {}, nullptr);
    const int rc = xmlSchemaValidateDoc(vctx, doc->get());
    xmlSchemaFreeValidCtxt(vctx);
    return rc == 0;
  }

 private:
  xmlSchemaPtr schema_ = nullptr;
};

}  // namespace docaxis::edxml::test
