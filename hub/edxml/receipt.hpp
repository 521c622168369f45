// The hub's delivery receipt: a small signed XML statement "package X from S to R ended with
// outcome O; these were its bytes (SHA-256) and the hubs it crossed". Designed here; the XSD
// is schemas/docaxis-receipt.xsd.
//
//   <DeliveryReceipt xmlns="urn:docaxis:receipt:1">
//     <ReceiptId/> <DocumentId/> <Sender/> <Recipient/> <Outcome/> <DeliveredSha256/>
//     <Hops><Hop><Hub/><Arrived/><Forwarded/>?</Hop>*</Hops>?
//     <IssuedAt/> <IssuerHub/> <Reason/>?
//     <PolicyRelaxations><Relaxation/>+</PolicyRelaxations>?
//     <ds:Signature/>?   appended by hub/dsig as the LAST child of the root
//   </DeliveryReceipt>
//
// Unlike edXML (foreign, tolerated), receipts are our own format and read strictly: children
// in exactly this order, nothing unknown, every value valid; any deviation fails the read.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "edxml/xml_doc.hpp"

namespace docaxis::edxml {

inline constexpr std::string_view kReceiptNamespace = "urn:docaxis:receipt:1";

struct DeliveryReceipt {
  struct Hop {
    std::string hub;        // hub name, non-empty
    std::string arrived;    // ISO-8601 UTC, e.g. 2025-10-23T09:28:42Z (fraction allowed)
    std::string forwarded;  // ISO-8601 UTC, or empty (the last hop delivers, not forwards)
    bool operator==(const Hop&) const = default;
  };
  std::string receipt_id;            // unique per receipt, 1..128 characters
  std::string document_id;           // the edXML DocumentId, 1..256 characters
  std::string sender;                // From/OrganId, a valid organ id (receipts travel back to it)
  std::string recipient;             // the To/OrganId this receipt is about, a valid organ id
  std::string outcome;               // "delivered" | "rejected" | "expired"
  std::string delivered_sha256_hex;  // SHA-256 of the package bytes concerned, 64 lowercase hex
  std::vector<Hop> hops;
  std::string issued_at;   // ISO-8601 UTC
  std::string issuer_hub;  // the hub that issued (and signs) the receipt, non-empty
  std::string reason;      // required for rejected/expired, empty for delivered
  std::vector<std::string> policy_relaxations;  // e.g. "legacy-sha1", "unsigned"; kebab-case
  bool operator==(const DeliveryReceipt&) const = default;
};

// Checks every field as described above. Codes: missing-element (a required field is
// empty), invalid-value (bad outcome, digest, timestamp, length, relaxation name),
// invalid-organ-id (sender or recipient).
Status validate_receipt(const DeliveryReceipt& receipt);

// Serialises in the order above, UTF-8, two-space indentation. Does not validate (call
// validate_receipt first); the output is well-formed whatever the strings hold.
std::string write_receipt(const DeliveryReceipt& receipt);

// Reads a receipt from an already-parsed tree (the one hub/dsig verified). Codes:
//   not-receipt        root is not {urn:docaxis:receipt:1}DeliveryReceipt
//   unknown-element    an element not in the schema, or out of order
//   duplicate-element  a singular element twice
//   signature-misplaced  an XML-DSig Signature that is not the last child of the root
//   and those of validate_receipt. Messages name the element path and line.
Result<DeliveryReceipt> read_receipt(const XmlDoc& doc);

// Binding a receipt to the hub that issued it (issue 12). A hub certificate carries its hub
// name as the subjectAltName URI "urn:docaxis:hub:<name>" (certs/README.md); a receipt counts
// only when the certificate that signed it carries hub_uri(IssuerHub). An organ's key, or
// another hub's, chains to the same anchors but cannot issue a receipt in a hub's name.
inline constexpr std::string_view kHubUriPrefix = "urn:docaxis:hub:";
std::string hub_uri(std::string_view hub_name);
// ok when `signer_uris` (the verified signer certificate's SAN URIs) holds
// hub_uri(receipt.issuer_hub); else "receipt-issuer-mismatch", naming the IssuerHub, the signer
// subject and the hub names it does carry. Call it after the signature verified.
Status check_receipt_issuer(const DeliveryReceipt& receipt,
                            const std::vector<std::string>& signer_uris,
                            std::string_view signer_subject);

// Lowercase hex SHA-256 of `bytes`, for delivered_sha256_hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace docaxis::edxml
