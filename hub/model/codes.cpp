#include "model/codes.hpp"

#include <array>

namespace docaxis::model {
namespace {

constexpr CodeClass P = CodeClass::kPermanent;
constexpr CodeClass T = CodeClass::kTransient;

constexpr std::array kCodes = {
    // The message itself (front door).
    RefusalCode{"bad-message", P, "amqp",
                "not a package message: not exactly one data section, non-XML content-type, bad "
                "properties"},
    RefusalCode{"too-large", P, "amqp, edxml", "over limits.max_package_bytes"},
    RefusalCode{"wrong-address", P, "engine",
                "a document on the status address or a status on the edoc address"},
    // Safe parsing and the edXML reader.
    RefusalCode{"malformed-xml", P, "edxml", "not well-formed XML"},
    RefusalCode{"dtd-forbidden", P, "edxml", "a DOCTYPE is present"},
    RefusalCode{"too-deep", P, "edxml", "element nesting over the limit"},
    RefusalCode{"too-many-elements", P, "edxml", "element count over the limit"},
    RefusalCode{"not-edxml", P, "edxml", "the root is not an edXML package"},
    RefusalCode{"missing-element", P, "edxml", "a required element is missing"},
    RefusalCode{"duplicate-element", P, "edxml", "an element allowed once occurs twice"},
    RefusalCode{"duplicate-recipient", P, "edxml", "two To with the same OrganId"},
    RefusalCode{"invalid-value", P, "edxml",
                "a date, time, priority or other value out of its form"},
    RefusalCode{"invalid-organ-id", P, "edxml, routing", "an organ id that is not ddd.dd.dd.Lnn"},
    RefusalCode{"unknown-package-kind", P, "edxml",
                "neither a document nor a status package, or both"},
    // The signature.
    RefusalCode{"unsigned", P, "dsig", "no XML-DSig Signature"},
    RefusalCode{"multiple-signatures", P, "dsig", "more than one ds:Signature"},
    RefusalCode{"signature-misplaced", P, "dsig", "the Signature is not where the profile puts it"},
    RefusalCode{"signature-malformed", P, "dsig", "the Signature's structure is wrong"},
    RefusalCode{"reference-invalid", P, "dsig",
                "not one Reference covering the whole document with the enveloped transform"},
    RefusalCode{"transform-forbidden", P, "dsig",
                "a transform outside enveloped and exclusive C14N"},
    RefusalCode{"algorithm-forbidden", P, "dsig", "an algorithm outside the allow-list"},
    RefusalCode{"legacy-algorithm", P, "dsig", "SHA-1 where it is not allowed"},
    RefusalCode{"object-forbidden", P, "dsig", "a ds:Object or Manifest in the Signature"},
    RefusalCode{"keyinfo-invalid", P, "dsig", "no usable X509 certificate in KeyInfo"},
    RefusalCode{"id-conflict", P, "dsig", "the referenced ID is carried by several elements"},
    RefusalCode{"digest-mismatch", P, "dsig", "the signed content changed after signing"},
    RefusalCode{"signature-invalid", P, "dsig", "the SignatureValue does not verify"},
    RefusalCode{"cert-untrusted", P, "dsig", "no path to a configured trust anchor"},
    RefusalCode{"cert-expired", P, "dsig", "a certificate of the path has expired"},
    RefusalCode{"cert-not-yet-valid", P, "dsig", "a certificate of the path is not yet valid"},
    RefusalCode{"cert-revoked", P, "dsig", "a certificate of the path is revoked"},
    RefusalCode{"cert-revocation-unknown", P, "dsig",
                "CRLs are configured or fetched but none is current for an issuer "
                "(fetched: none within nextUpdate plus trust.crl_grace_seconds)"},
    RefusalCode{"cert-usage", P, "dsig",
                "the signer is a CA, lacks signing key usage, or has a weak key"},
    RefusalCode{"signer-no-organ", P, "dsig", "the signer certificate has no UID"},
    RefusalCode{"sender-mismatch", P, "dsig", "the signer's UID differs from From/OrganId"},
    // Who may send what, and where it goes.
    RefusalCode{"unauthorized", P, "routing", "the connection may not act for that organ"},
    RefusalCode{"unknown-endpoint", P, "routing",
                "the organ is not served here and the sender is no peer"},
    RefusalCode{"bad-hops", P, "amqp, engine",
                "a hop trail from a non-peer, or an entry not <hub-name>[@<unix ms>]"},
    RefusalCode{"routing-loop", P, "routing", "the trail already holds this hub or the next hop"},
    RefusalCode{"hop-limit", P, "routing", "the trail would exceed routing.max_hops"},
    RefusalCode{"no-route", P, "routing", "nothing routes a recipient"},
    // Receipts (a peer hub's signed delivery receipt).
    RefusalCode{"not-receipt", P, "edxml", "a receipt message that is not a DeliveryReceipt"},
    RefusalCode{"unknown-element", P, "edxml", "a receipt with an element it may not carry"},
    RefusalCode{"receipt-issuer-mismatch", P, "edxml",
                "the receipt's signer does not carry the issuing hub's URI"},
    RefusalCode{"receipt-misrouted", P, "engine",
                "a receipt for a document that did not enter the axis here"},
    // The store's answer.
    RefusalCode{"duplicate-conflict", P, "store",
                "same sender, document id and type as a stored package, different bytes"},
    RefusalCode{"invalid-argument", P, "store",
                "a record the store cannot take (a bug or an oversize field)"},
    // Transient: nothing was kept, send again later.
    RefusalCode{"store-busy", T, "store", "another process holds the store's lock"},
    RefusalCode{"unavailable", T, "store, audit",
                "the store or the audit log cannot be written, or the hub is stopping"},
    RefusalCode{"resource-exhausted", T, "store, engine",
                "disk below limits.min_free_disk_bytes, or memory"},
    RefusalCode{"overloaded", T, "engine", "too many packages admitted and not yet answered"},
    RefusalCode{"internal", T, "any", "a component failed unexpectedly (a bug); nothing was kept"},
};

}  // namespace

std::span<const RefusalCode> refusal_codes() { return kCodes; }

const RefusalCode* find_refusal_code(std::string_view code) {
  for (const RefusalCode& c : kCodes) {
    if (c.code == code) return &c;
  }
  return nullptr;
}

bool is_transient(std::string_view code) {
  const RefusalCode* c = find_refusal_code(code);
  return c != nullptr && c->cls == CodeClass::kTransient;
}

}  // namespace docaxis::model
