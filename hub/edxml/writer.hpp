// edXML package writer: model -> bytes.
//
// Output: UTF-8 with an XML declaration; root <edXML> declaring the edXML namespace as the
// default namespace, <edXML:edXMLEnvelope> declaring the `edXML` prefix, envelope content
// prefixed, AttachmentEncoded outside the envelope unprefixed (ContentTransferEncoded
// prefixed with its own declaration), exactly as the official SDK's packages look. Elements
// follow the canonical order of ../../../shared/notes/edxml.md; two-space indentation.
//
// Model conventions (model.hpp): empty leaves and empty single containers are omitted;
// entries of repeated elements are always written (an empty one as <X/>). Text is trimmed
// and escaped; characters XML cannot carry become U+FFFD. Typed fields, `signature` and
// `findings` are ignored. No Signature is written: hub/dsig appends it as the last child of
// edXMLHeader.
//
// Guarantees (tested on every sample): read(write(p)) has the same content as p whenever p's
// strings are trimmed valid UTF-8, and write(read(write(p))) == write(p) byte for byte.
// A status package writes no body and no attachments whatever the model holds.
// Thread safety: pure function.
#pragma once

#include <string>

#include "edxml/model.hpp"

namespace docaxis::edxml {

std::string write_package(const Package& package);

}  // namespace docaxis::edxml
