// Hardened edXML package reader: tree -> model.
//
// read_package() reads from a tree that parse_untrusted() already produced, so the hub can
// verify a signature and read the data from the SAME tree (never re-parse between the two).
// It tolerates what real traffic contains and reports it as Findings (model.hpp) with path and
// line, returning a non-ok Result only when the input cannot be modelled at all:
//   not-edxml              root is not {http://www.mic.gov.vn/TBT/QCVN_102_2016}edXML
//   missing-element        no edXMLEnvelope, edXMLHeader or MessageHeader (message names it)
//   unknown-package-kind   MessageHeader is neither clearly a document (To, DocumentId,
//                          Subject, body or attachments) nor clearly a status (StatusCode),
//                          or it is both
// Every finding code and its severity is listed in README.md (a public contract).
//
// Matching: elements are matched by namespace URI + local name; the prefix is irrelevant.
// Children without any namespace are matched too, with a `no-namespace` note; children in
// another namespace are `unknown-element` notes, except Signature under edXMLHeader, which is
// summarised in Package::signature whatever its namespace (a non-XML-DSig one is a
// `foreign-signature` note: the official SDK writes it so).
//
// Safety: never crashes or recurses on input-controlled depth; reads text with
// xmlNodeGetContent (comments cannot truncate a value). Suitable for fuzzing.
// Thread safety: read_package may run concurrently on different trees; a tree must not be
// modified while it is read.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/status.hpp"
#include "edxml/model.hpp"
#include "edxml/xml_doc.hpp"

namespace docaxis::edxml {

struct ReadOptions {
  // When set, a PromulgationDate after this day is an invalid-value error ("not in the
  // future"). Unset (the default) skips the check, so reading stays a pure function.
  std::optional<std::chrono::sys_days> today;
};

Result<Package> read_package(const XmlDoc& doc, const ReadOptions& options = {});

// parse_untrusted (its codes: too-large, malformed-xml, dtd-forbidden, too-deep,
// too-many-elements) followed by read_package.
Result<Package> read_package_bytes(std::string_view bytes, const ParseLimits& limits = {},
                                   const ReadOptions& options = {});

}  // namespace docaxis::edxml
