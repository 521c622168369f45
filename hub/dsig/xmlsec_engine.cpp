#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include "dsig/dsig_init.hpp"
#include "dsig/engine.hpp"

namespace docaxis::dsig {
namespace {

// RAII for one verification context.
class DsigContext {
 public:
  DsigContext() { xmlSecDSigCtxInitialize(&ctx_, nullptr); }
  ~DsigContext() { xmlSecDSigCtxFinalize(&ctx_); }
  DsigContext(const DsigContext&) = delete;
  DsigContext& operator=(const DsigContext&) = delete;
  xmlSecDSigCtx* get() { return &ctx_; }

 private:
  xmlSecDSigCtx ctx_{};
};

bool restrict_context(xmlSecDSigCtx* ctx, bool allow_sha1) {
  // Hardening classes 4, 5, 7, 10: the same allow-list as profile.cpp, enforced again inside
  // xmlsec so a disallowed algorithm can never run.
  ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(
      xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument);
  ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
  ctx->keyInfoReadCtx.flags |= XMLSEC_KEYINFO_FLAGS_X509DATA_STOP_ON_INVALID_CERT;
  int rc = xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData,
                            const_cast<void*>(static_cast<const void*>(xmlSecKeyDataX509Id)));
  const xmlSecTransformId c14n[] = {
      xmlSecTransformExclC14NId,   xmlSecTransformExclC14NWithCommentsId,
      xmlSecTransformInclC14NId,   xmlSecTransformInclC14NWithCommentsId,
      xmlSecTransformInclC14N11Id, xmlSecTransformInclC14N11WithCommentsId};
  for (auto id : c14n) {
    rc |= xmlSecDSigCtxEnableReferenceTransform(ctx, id);
    rc |= xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
  rc |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId);
  for (auto id : {xmlSecTransformSha256Id, xmlSecTransformSha384Id, xmlSecTransformSha512Id}) {
    rc |= xmlSecDSigCtxEnableReferenceTransform(ctx, id);
  }
  for (auto id :
       {xmlSecTransformRsaSha256Id, xmlSecTransformRsaSha384Id, xmlSecTransformRsaSha512Id,
        xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id, xmlSecTransformEcdsaSha512Id}) {
    rc |= xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
  if (allow_sha1) {
    rc |= xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha1Id);
    rc |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha1Id);
    rc |= xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha1Id);
  }
  return rc == 0;
}

// An xmlsec key holding only the validated certificate's public key.
xmlSecKeyPtr key_for(EVP_PKEY* public_key) {
  EVP_PKEY_up_ref(public_key);
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(public_key);
  if (data == nullptr) {
    EVP_PKEY_free(public_key);
    return nullptr;
  }
  xmlSecKeyPtr key = xmlSecKeyCreate();
  if (key == nullptr || xmlSecKeySetValue(key, data) < 0) {
    xmlSecKeyDataDestroy(data);
    if (key != nullptr) xmlSecKeyDestroy(key);
    return nullptr;
  }
  return key;
}

}  // namespace

Status verify_xmlsec(xmlDoc* doc, const SignatureShape& shape, EVP_PKEY* key,
                     const std::string& signer_subject, bool allow_sha1) {
  (void)doc;  // the signature node belongs to it; xmlsec works from that node
  DsigContext ctx;
  if (!restrict_context(ctx.get(), allow_sha1)) {
    return {"internal", "cannot restrict the xmlsec context: " + take_xmlsec_error()};
  }
  // The validated certificate's key is preset, so xmlsec never looks a key up from KeyInfo.
  ctx.get()->signKey = key_for(key);
  if (ctx.get()->signKey == nullptr) {
    return {"internal", "cannot load the public key of \"" + signer_subject + "\""};
  }
  take_xmlsec_error();
  const int rc = xmlSecDSigCtxVerify(ctx.get(), shape.signature);
  if (rc < 0) {
    return {"signature-invalid", "the signature cannot be processed with the key of \"" +
                                     signer_subject + "\": " + take_xmlsec_error()};
  }
  if (ctx.get()->status != xmlSecDSigStatusSucceeded) {
    take_xmlsec_error();
    auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(
        xmlSecPtrListGetItem(&ctx.get()->signedInfoReferences, 0));
    if (ref != nullptr && ref->status != xmlSecDSigStatusSucceeded) {
      return {"digest-mismatch", "the content covered by Reference URI=\"" + shape.reference_uri +
                                     "\" does not match its DigestValue: the document (or an "
                                     "attachment) was changed after it was signed"};
    }
    return {"signature-invalid", "SignatureValue does not verify with the key of \"" +
                                     signer_subject +
                                     "\": signed with another key, or SignedInfo altered"};
  }
  return {};
}

}  // namespace docaxis::dsig
