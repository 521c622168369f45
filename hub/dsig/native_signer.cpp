#include "dsig/native_signer.hpp"

#include <libxml/tree.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>

#include <memory>

#include "dsig/exc_c14n.hpp"
#include "dsig/profile.hpp"
#include "edxml/tree_walk.hpp"

namespace docaxis::dsig {
namespace {

// SHA-256 fetched once (OpenSSL 3 otherwise looks it up behind a lock on every init).
const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

xmlNode* dsig_child(xmlNode* parent, const char* name) {
  return edxml::child_element(parent, kDsigNs, name);
}

}  // namespace

std::string base64_lines(std::string_view bytes) {
  const std::string flat = encode_base64(bytes);
  std::string out;
  out.reserve(flat.size() + flat.size() / 64 + 1);
  for (std::size_t i = 0; i < flat.size(); i += 64) {
    if (i != 0) out += '\n';
    out.append(flat, i, 64);
  }
  return out;
}

namespace {

void set_text(xmlNode* node, const std::string& text) {
  xmlNodeSetContentLen(node, reinterpret_cast<const xmlChar*>(text.data()),
                       static_cast<int>(text.size()));
}

// ECDSA: OpenSSL signs in DER; XML-DSig wants r || s, each as long as the group order.
bool ecdsa_der_to_raw(EVP_PKEY* key, const std::string& der, std::string* raw) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return false;
  const int half = (EVP_PKEY_get_bits(key) + 7) / 8;
  raw->assign(static_cast<std::size_t>(2 * half), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw->data());
  const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, half) == half &&
                  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + half, half) == half;
  ECDSA_SIG_free(sig);
  return ok;
}

Result<std::string> sign_octets(EVP_PKEY* key, const std::string& octets) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(octets.data()), octets.size()) != 1) {
    ERR_clear_error();
    return Status{"internal", "cannot start the signature"};
  }
  std::string sig(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                     reinterpret_cast<const unsigned char*>(octets.data()), octets.size()) != 1) {
    ERR_clear_error();
    return Status{"internal", "signing failed"};
  }
  sig.resize(size);
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return sig;
  std::string raw;
  if (!ecdsa_der_to_raw(key, sig, &raw)) return Status{"internal", "bad ECDSA signature"};
  return raw;
}

std::string der_of(X509* cert) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(cert, &out);
  if (n <= 0) return {};
  std::string der(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  OPENSSL_free(out);
  return der;
}

}  // namespace

Result<std::vector<std::string>> x509_certificate_texts(X509* cert,
                                                        const std::vector<X509Ptr>& chain) {
  std::vector<X509*> certs = {cert};
  for (const auto& c : chain) certs.push_back(c.get());
  std::vector<std::string> texts;
  for (X509* c : certs) {
    const std::string der = der_of(c);
    if (der.empty()) return Status{"internal", "cannot encode a certificate"};
    texts.push_back(base64_lines(der) + "\n");
  }
  return texts;
}

bool native_document_digest(xmlDoc* doc, std::string* digest) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), sha256(), nullptr) != 1) return false;
  const C14nResult r = exclusive_c14n(doc, nullptr, [&](const char* p, std::size_t n) {
    return EVP_DigestUpdate(ctx.get(), p, n) == 1;
  });
  if (r != C14nResult::kOk) return false;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) return false;
  digest->assign(reinterpret_cast<const char*>(md), len);
  return true;
}

Status native_complete_signature(xmlDoc* doc, xmlNode* signature, const std::string& digest,
                                 EVP_PKEY* key, const std::vector<std::string>& certificates) {
  xmlNode* signed_info = dsig_child(signature, "SignedInfo");
  xmlNode* digest_value = dsig_child(dsig_child(signed_info, "Reference"), "DigestValue");
  xmlNode* signature_value = dsig_child(signature, "SignatureValue");
  xmlNode* x509_data = dsig_child(dsig_child(signature, "KeyInfo"), "X509Data");
  if (digest_value == nullptr || signature_value == nullptr || x509_data == nullptr) {
    return Status{"internal", "the Signature template lacks an element to fill"};
  }
  set_text(digest_value, base64_lines(digest));

  // Laid out as xmlsec lays it out: each certificate on its own lines.
  const auto* newline = reinterpret_cast<const xmlChar*>("\n");
  for (const std::string& text : certificates) {
    xmlAddChild(x509_data, xmlNewDocText(doc, newline));
    xmlNode* node = xmlNewChild(x509_data, x509_data->ns,
                                reinterpret_cast<const xmlChar*>("X509Certificate"), nullptr);
    if (node == nullptr) return Status{"internal", "cannot add X509Certificate"};
    set_text(node, text);
  }
  xmlAddChild(x509_data, xmlNewDocText(doc, newline));

  std::string octets;
  const C14nResult r = exclusive_c14n(doc, signed_info, [&](const char* p, std::size_t n) {
    octets.append(p, n);
    return true;
  });
  if (r != C14nResult::kOk) return Status{"internal", "cannot canonicalise SignedInfo"};
  auto value = sign_octets(key, octets);
  if (!value) return value.status();
  set_text(signature_value, base64_lines(*value));
  return Status();
}

}  // namespace docaxis::dsig
