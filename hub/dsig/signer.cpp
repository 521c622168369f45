#include "dsig/signer.hpp"

#include <libxml/tree.h>
#include <openssl/err.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <cstring>

#include "dsig/dsig_init.hpp"
#include "dsig/native_signer.hpp"
#include "edxml/tree_walk.hpp"
#include "edxml/xml_doc.hpp"

namespace docaxis::dsig {
namespace {

constexpr const char* kEdxmlNs = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

const xmlChar* xstr(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

using edxml::child_element;

std::string text_of(xmlNode* n) {
  if (n == nullptr) return {};
  xmlChar* v = xmlNodeGetContent(n);
  std::string s = v != nullptr ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

struct KeyFree {
  void operator()(xmlSecKey* k) const { xmlSecKeyDestroy(k); }
};

}  // namespace

Result<std::unique_ptr<Signer>> Signer::load(const std::string& key_file,
                                             const std::string& cert_file,
                                             const std::vector<std::string>& chain_files) {
  init_dsig();
  std::unique_ptr<Signer> s(new Signer());
  auto key = load_pem_private_key(key_file);
  if (!key) return key.status();
  s->key_ = std::move(key).value();
  auto certs = load_pem_certs(cert_file);
  if (!certs) return certs.status();
  s->cert_ = std::move(certs->front());
  for (std::size_t i = 1; i < certs->size(); ++i) s->chain_.push_back(std::move((*certs)[i]));
  for (const auto& f : chain_files) {
    auto more = load_pem_certs(f);
    if (!more) return more.status();
    for (auto& c : *more) s->chain_.push_back(std::move(c));
  }
  if (X509_check_private_key(s->cert_.get(), s->key_.get()) != 1) {
    ERR_clear_error();
    return Status{"key-mismatch", key_file + " is not the private key of " + cert_file};
  }
  auto texts = x509_certificate_texts(s->cert_.get(), s->chain_);
  if (!texts) return texts.status();
  s->certificate_texts_ = std::move(texts).value();
  s->subject_ = subject_of(s->cert_.get());
  s->organ_ = uid_of(s->cert_.get());
  s->cert_sha256_ = tls::certificate_sha256(s->cert_.get());
  return s;
}

std::vector<std::string> Signer::uris() const { return san_uris_of(cert_.get()); }

Status Signer::check_trust(const TrustStore& trust, std::time_t now) const {
  std::vector<X509*> presented;
  for (const auto& c : chain_) presented.push_back(c.get());
  auto v = trust.validate(cert_.get(), presented, now);
  return v.ok() ? Status() : v.status();
}

Result<std::string> Signer::sign(std::string_view document, Placement placement,
                                 Engine engine) const {
  auto parsed = edxml::parse_untrusted(document);
  if (!parsed) return parsed.status();
  xmlDoc* doc = parsed->get();
  xmlNode* root = parsed->root();

  // Refuse to sign twice: a second signature would make the document unverifiable.
  xmlNode* existing = nullptr;
  edxml::for_each_element(root, [&](xmlNode* n) {
    if (n->ns != nullptr && std::strcmp(reinterpret_cast<const char*>(n->ns->href), kDsigNs) == 0 &&
        std::strcmp(reinterpret_cast<const char*>(n->name), "Signature") == 0) {
      existing = n;
      return false;
    }
    return true;
  });
  if (existing != nullptr) {
    return Status{"already-signed", "the document already carries an XML-DSig Signature (line " +
                                        std::to_string(xmlGetLineNo(existing)) + ")"};
  }

  xmlNode* parent = root;
  if (placement == Placement::kEdxmlHeader) {
    parent = child_element(child_element(root, kEdxmlNs, "edXMLEnvelope"), kEdxmlNs, "edXMLHeader");
    if (parent == nullptr) {
      return Status{"signature-misplaced",
                    "the document has no edXML/edXMLEnvelope/edXMLHeader to hold the Signature"};
    }
    // The header holds one Signature (edXML): an SDK's non-XML-DSig one must go first, or
    // the hub would refuse the signed package (duplicate-element).
    for (xmlNode* n = parent->children; n != nullptr; n = n->next) {
      if (n->type == XML_ELEMENT_NODE &&
          std::strcmp(reinterpret_cast<const char*>(n->name), "Signature") == 0) {
        return Status{"already-signed",
                      "edXMLHeader already holds a <Signature> element (line " +
                          std::to_string(xmlGetLineNo(n)) +
                          ", not XML-DSig: a signature from other software?); the header holds "
                          "one Signature: remove it before signing"};
      }
    }
    const std::string from = text_of(child_element(
        child_element(child_element(parent, kEdxmlNs, "MessageHeader"), kEdxmlNs, "From"), kEdxmlNs,
        "OrganId"));
    if (!organ_.empty() && from != organ_) {
      return Status{"sender-mismatch", "the certificate \"" + subject_ + "\" is organ " + organ_ +
                                           " but From/OrganId is \"" + from + "\""};
    }
  }

  // Native engine: the digest of the document before the Signature joins it is the one the
  // enveloped-signature transform computes after. Trees our C14N does not handle go to xmlsec.
  std::string digest;
  const bool native = engine == Engine::kNative && native_document_digest(doc, &digest);

  const bool ec = EVP_PKEY_get_base_id(key_.get()) == EVP_PKEY_EC;
  xmlNode* sig = xmlSecTmplSignatureCreate(
      doc, xmlSecTransformExclC14NId,
      ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id, nullptr);
  if (sig == nullptr) return Status{"internal", "cannot create the Signature template"};
  xmlAddChild(parent, sig);
  xmlNode* ref =
      xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, nullptr, xstr(""), nullptr);
  if (ref == nullptr ||
      xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == nullptr ||
      xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == nullptr) {
    return Status{"internal", "cannot create the Reference template"};
  }
  xmlNode* key_info = xmlSecTmplSignatureEnsureKeyInfo(sig, nullptr);
  if (key_info == nullptr || xmlSecTmplKeyInfoAddX509Data(key_info) == nullptr) {
    return Status{"internal", "cannot create the KeyInfo template"};
  }

  if (native) {
    if (Status st = native_complete_signature(doc, sig, digest, key_.get(), certificate_texts_);
        !st.ok()) {
      return st;
    }
    return serialise(doc);
  }

  // The xmlsec key: our private key plus the certificate and chain to write into X509Data.
  EVP_PKEY_up_ref(key_.get());
  xmlSecKeyDataPtr value = xmlSecOpenSSLEvpKeyAdopt(key_.get());
  std::unique_ptr<xmlSecKey, KeyFree> key(xmlSecKeyCreate());
  if (value == nullptr || !key || xmlSecKeySetValue(key.get(), value) < 0) {
    return Status{"internal", "cannot load the signing key: " + take_xmlsec_error()};
  }
  xmlSecKeyDataPtr x509 = xmlSecKeyEnsureData(key.get(), xmlSecOpenSSLKeyDataX509Id);
  if (x509 == nullptr) return Status{"internal", "cannot attach certificates to the key"};
  X509_up_ref(cert_.get());
  if (xmlSecOpenSSLKeyDataX509AdoptKeyCert(x509, cert_.get()) < 0) {
    return Status{"internal", "cannot attach the signer certificate"};
  }
  X509_up_ref(cert_.get());
  xmlSecOpenSSLKeyDataX509AdoptCert(x509, cert_.get());  // written first in X509Data
  for (const auto& c : chain_) {
    X509_up_ref(c.get());
    xmlSecOpenSSLKeyDataX509AdoptCert(x509, c.get());
  }

  xmlSecDSigCtx ctx;
  if (xmlSecDSigCtxInitialize(&ctx, nullptr) < 0) return Status{"internal", "xmlsec context"};
  ctx.signKey = key.release();
  const int rc = xmlSecDSigCtxSign(&ctx, sig);
  xmlSecDSigCtxFinalize(&ctx);
  if (rc < 0) return Status{"internal", "signing failed: " + take_xmlsec_error()};
  return serialise(doc);
}

Result<std::string> Signer::serialise(xmlDoc* doc) {
  xmlChar* out = nullptr;
  int size = 0;
  xmlDocDumpMemoryEnc(doc, &out, &size, "UTF-8");
  if (out == nullptr) return Status{"internal", "cannot serialise the signed document"};
  std::string signed_doc(reinterpret_cast<const char*>(out), static_cast<std::size_t>(size));
  xmlFree(out);
  return signed_doc;
}

}  // namespace docaxis::dsig
