#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <sstream>
#include <string_view>
#include <vector>

#include "dsig/engine.hpp"
#include "dsig/exc_c14n.hpp"
#include "dsig/x509_util.hpp"

namespace docaxis::dsig {
namespace {

// Digests fetched once: OpenSSL 3 otherwise fetches the implementation from the provider
// store (behind a lock) on every EVP_DigestInit with a legacy EVP_sha256() handle.
const EVP_MD* digest_for(std::string_view uri) {
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  if (uri.ends_with("sha256")) return sha256;
  if (uri.ends_with("sha384")) return sha384;
  if (uri.ends_with("sha512")) return sha512;
  if (uri.ends_with("sha1")) return sha1;
  return nullptr;
}

struct C14nMode {
  int mode;
  bool with_comments;
};
C14nMode mode_for(std::string_view uri) {
  const bool comments = uri.ends_with("#WithComments");
  if (uri.find("exc-c14n") != std::string_view::npos) return {XML_C14N_EXCLUSIVE_1_0, comments};
  if (uri.find("c14n11") != std::string_view::npos) return {XML_C14N_1_1, comments};
  return {XML_C14N_1_0, comments};
}

// The node a visibility question is about: for attributes and namespace nodes, the element
// that carries them (libxml2 passes it as `parent`).
xmlNode* subject_node(xmlNode* node, xmlNode* parent) {
  return (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE) ? parent : node;
}

// SignedInfo's node-set: its subtree, comments only for the WithComments methods.
struct SubtreeSet {
  xmlNode* top;
  bool with_comments;
};
int subtree_visible(void* user, xmlNode* node, xmlNode* parent) {
  const auto* set = static_cast<const SubtreeSet*>(user);
  if (node->type == XML_COMMENT_NODE && !set->with_comments) return 0;
  for (xmlNode* n = subject_node(node, parent); n != nullptr; n = n->parent) {
    if (n == set->top) return 1;
  }
  return 0;
}

// Unlinks a node for the lifetime of this object and relinks it at the same place.
class Detached {
 public:
  explicit Detached(xmlNode* node)
      : node_(node), parent_(node->parent), prev_(node->prev), next_(node->next) {
    xmlUnlinkNode(node_);
  }
  ~Detached() {
    // Only elements and processing instructions are detached: relinking never merges text.
    if (prev_ != nullptr) {
      xmlAddNextSibling(prev_, node_);
    } else if (next_ != nullptr) {
      xmlAddPrevSibling(next_, node_);
    } else {
      xmlAddChild(parent_, node_);
    }
  }
  Detached(const Detached&) = delete;
  Detached& operator=(const Detached&) = delete;

 private:
  xmlNode* node_;
  xmlNode* parent_;
  xmlNode* prev_;
  xmlNode* next_;
};

// Splits a PrefixList into libxml2's NULL-terminated array (views into `storage`).
std::vector<xmlChar*> prefix_array(const std::string& list, std::vector<std::string>* storage) {
  std::istringstream in(list);
  for (std::string p; in >> p;) storage->push_back(p);
  std::vector<xmlChar*> out;
  for (auto& p : *storage) out.push_back(reinterpret_cast<xmlChar*>(p.data()));
  out.push_back(nullptr);
  return out;
}

// Canonicalises the node-set chosen by `visible` straight into `sink` (no buffer of the
// whole output). `sink` gets called with each chunk.
template <typename Sink>
bool canonicalise(xmlDoc* doc, xmlC14NIsVisibleCallback visible, void* set, C14nMode mode,
                  const std::string& prefixes, Sink& sink) {
  auto write = [](void* ctx, const char* buf, int len) -> int {
    return (*static_cast<Sink*>(ctx))(buf, static_cast<std::size_t>(len)) ? len : -1;
  };
  xmlOutputBuffer* out = xmlOutputBufferCreateIO(write, nullptr, &sink, nullptr);
  if (out == nullptr) return false;
  std::vector<std::string> storage;
  std::vector<xmlChar*> list = prefix_array(prefixes, &storage);
  const int rc = xmlC14NExecute(doc, visible, set, mode.mode,
                                mode.mode == XML_C14N_EXCLUSIVE_1_0 ? list.data() : nullptr,
                                mode.with_comments ? 1 : 0, out);
  const int closed = xmlOutputBufferClose(out);
  return rc >= 0 && closed >= 0;
}

// XML-DSig ECDSA signatures are r || s (RFC 4050 / XML-DSig 1.1); OpenSSL wants DER.
bool ecdsa_raw_to_der(const std::string& raw, std::string* der) {
  if (raw.empty() || raw.size() % 2 != 0) return false;
  const int half = static_cast<int>(raw.size() / 2);
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(p, half, nullptr);
  BIGNUM* s = BN_bin2bn(p + half, half, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return false;
  }
  unsigned char* out = nullptr;
  const int n = i2d_ECDSA_SIG(sig, &out);
  ECDSA_SIG_free(sig);
  if (n <= 0) return false;
  der->assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return true;
}

// True when our own exclusive C14N serializer applies (exc-c14n, no comments, no PrefixList).
bool own_c14n_applies(const C14nMode& mode, const std::string& prefixes) {
  return mode.mode == XML_C14N_EXCLUSIVE_1_0 && !mode.with_comments && prefixes.empty();
}

// Digest of the Reference's canonical octets into `out`; false if they cannot be produced.
//
// The Reference's node-set is the tree (URI="") or the root element (URI="#id"), without
// comments (same-document references exclude them), minus the Signature subtree (the
// enveloped-signature transform). So unlink exactly what it excludes (the Signature, and for
// #id whatever stands beside the root), canonicalise the whole tree with no visibility
// question per node, and relink. The tree is this call's own (one tree per verification), so
// nobody sees it while it is detached.
bool reference_digest(xmlDoc* doc, const SignatureShape& shape, const EVP_MD* md,
                      unsigned char* out, unsigned int* out_len) {
  std::vector<std::unique_ptr<Detached>> detached;
  detached.push_back(std::make_unique<Detached>(shape.signature));
  if (!shape.reference_uri.empty()) {
    xmlNode* root = xmlDocGetRootElement(doc);
    for (xmlNode* n = doc->children; n != nullptr;) {
      xmlNode* next = n->next;
      if (n != root && n->type == XML_PI_NODE) detached.push_back(std::make_unique<Detached>(n));
      n = next;
    }
  }
  const C14nMode mode = shape.reference_c14n.empty()
                            ? C14nMode{XML_C14N_1_0, false}
                            : C14nMode{mode_for(shape.reference_c14n).mode, false};
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  auto sink = [&](const char* p, std::size_t n) { return EVP_DigestUpdate(ctx.get(), p, n) == 1; };
  bool ok = false;
  bool done = false;
  if (own_c14n_applies(mode, shape.reference_c14n_prefixes) &&
      EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1) {
    const C14nResult r = exclusive_c14n(doc, nullptr, sink);
    done = r != C14nResult::kUnsupported;
    ok = r == C14nResult::kOk;
  }
  if (!done) {  // libxml2's canonicaliser, from a fresh digest
    ok = EVP_DigestInit_ex(ctx.get(), md, nullptr) == 1 &&
         canonicalise(doc, nullptr, nullptr, mode, shape.reference_c14n_prefixes, sink);
  }
  return ok && EVP_DigestFinal_ex(ctx.get(), out, out_len) == 1;
}

// The canonical octets of SignedInfo.
bool signed_info_octets(xmlDoc* doc, const SignatureShape& shape, std::string* out) {
  auto sink = [out](const char* p, std::size_t n) {
    out->append(p, n);
    return true;
  };
  const C14nMode mode = mode_for(shape.c14n_method);
  if (own_c14n_applies(mode, shape.c14n_prefixes)) {
    if (exclusive_c14n(doc, shape.signed_info, sink) == C14nResult::kOk) return true;
    out->clear();
  }
  SubtreeSet set{shape.signed_info, mode.with_comments};
  return canonicalise(doc, subtree_visible, &set, mode, shape.c14n_prefixes, sink);
}

}  // namespace

Status verify_native(xmlDoc* doc, const SignatureShape& shape, EVP_PKEY* key,
                     const std::string& signer_subject) {
  // 1. The Reference: canonical octets of the document minus the Signature, digested.
  const EVP_MD* md = digest_for(shape.digest_method);
  auto expected = decode_base64(shape.digest_value);
  if (md == nullptr || !expected) {
    return {"signature-malformed", "DigestValue is not valid base64"};
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (!reference_digest(doc, shape, md, digest, &digest_len)) {
    return {"signature-malformed", "the signed content cannot be canonicalised"};
  }
  if (expected->size() != digest_len || CRYPTO_memcmp(expected->data(), digest, digest_len) != 0) {
    return {"digest-mismatch", "the content covered by Reference URI=\"" + shape.reference_uri +
                                   "\" does not match its DigestValue: the document (or an "
                                   "attachment) was changed after it was signed"};
  }

  // 2. SignedInfo: canonical octets verified against SignatureValue with the signer's key.
  const bool ecdsa = shape.signature_method.find("ecdsa") != std::string::npos;
  const int key_type = EVP_PKEY_get_base_id(key);
  if ((ecdsa && key_type != EVP_PKEY_EC) || (!ecdsa && key_type != EVP_PKEY_RSA)) {
    return {"signature-invalid", "SignatureMethod " + shape.signature_method +
                                     " does not match the key type of \"" + signer_subject + "\""};
  }
  auto sig = decode_base64(shape.signature_value);
  if (!sig) return {"signature-invalid", "SignatureValue is not valid base64"};
  std::string sig_bytes = std::move(sig).value();
  if (ecdsa) {
    std::string der;
    if (!ecdsa_raw_to_der(sig_bytes, &der)) {
      return {"signature-invalid", "SignatureValue is not an ECDSA r||s value"};
    }
    sig_bytes = std::move(der);
  }
  std::string signed_info;
  if (!signed_info_octets(doc, shape, &signed_info)) {
    return {"signature-malformed", "SignedInfo cannot be canonicalised"};
  }
  MdCtxPtr vctx(EVP_MD_CTX_new());
  if (!vctx || EVP_DigestVerifyInit(vctx.get(), nullptr, digest_for(shape.signature_method),
                                    nullptr, key) != 1) {
    ERR_clear_error();
    return {"internal", "cannot start signature verification"};
  }
  const int ok = EVP_DigestVerify(
      vctx.get(), reinterpret_cast<const unsigned char*>(sig_bytes.data()), sig_bytes.size(),
      reinterpret_cast<const unsigned char*>(signed_info.data()), signed_info.size());
  if (ok != 1) {
    ERR_clear_error();
    return {"signature-invalid", "SignatureValue does not verify with the key of \"" +
                                     signer_subject +
                                     "\": signed with another key, or SignedInfo altered"};
  }
  return {};
}

}  // namespace docaxis::dsig
