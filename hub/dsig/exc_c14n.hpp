// A streaming serializer for Exclusive XML Canonicalization 1.0 without comments and without
// an InclusiveNamespaces PrefixList (https://www.w3.org/TR/xml-exc-c14n/): the form our signer
// and most signers use. It writes the canonical octets of the whole document, or of one
// element's subtree, straight into a sink, with no per-node allocation; libxml2's
// xmlC14NExecute allocates lists per element and costs about a third of a verification.
//
// The output must equal xmlC14NExecute(doc, XML_C14N_EXCLUSIVE_1_0, no comments) byte for
// byte; a differential unit test and the fuzz target compare the two on every input. When the
// tree holds anything this serializer does not handle (entity references, DTD nodes, a
// namespace name that is not absolute), it returns kUnsupported before writing anything that
// matters, and the caller falls back to libxml2.
//
// Thread-safe: reads the tree only; the tree must not change during the call.
#pragma once

#include <cstddef>
#include <functional>

struct _xmlDoc;
struct _xmlNode;

namespace docaxis::dsig {

enum class C14nResult { kOk, kUnsupported, kSinkFailed };

// `subtree` null: the whole document (the caller detaches what must not be seen).
// The sink returns false to abort.
using C14nSink = std::function<bool(const char* data, std::size_t size)>;
C14nResult exclusive_c14n(_xmlDoc* doc, _xmlNode* subtree, const C14nSink& sink);

}  // namespace docaxis::dsig
