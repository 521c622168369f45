// The receiving operations of the axis HTTP API (README.md "Receiving"): an organ served
// through the API reads its inbox by polling. Everything goes to delivery::PolledInboxes
// with the organs the authenticated system acts for, so a system sees and settles only its
// own organs' deliveries.
#include <cctype>

#include "common/time_text.hpp"
#include "model/wire.hpp"
#include "tls/crypto.hpp"
#include "vxp/answer.hpp"
#include "vxp/api.hpp"

namespace docaxis::vxp {
namespace {

constexpr std::size_t kDocIdDigits = 24;
constexpr uint32_t kListLimit = 1000;     // items per getReceivedEdocList answer, oldest first
constexpr uint32_t kSentLimit = 100;      // getSentEdocList without a docId: the newest sent
constexpr std::size_t kMaxStatusBytes = 64;
constexpr std::size_t kMaxReasonBytes = 1000;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// edoc | status from the signed messagetype (any case), or "" when it is neither.
std::string message_type_of(const SignedParams& params) {
  const std::string* t = params.find("messagetype");
  if (t == nullptr) return {};
  std::string v = lower(*t);
  return v == model::wire::kTypeEdoc || v == model::wire::kTypeStatus ? v : std::string();
}

bool is_hex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool printable_ascii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

http::Response json_ok(const nlohmann::ordered_json& fields) {
  return http::Response{200, "application/json", ok_answer(fields)};
}

http::Response json_fail(const Status& s) {
  // Store answers become the API's: nothing of this system's under that id, or it ended.
  std::string code = s.code();
  if (code == "not-found" || code == "invalid-argument") code = "unknown-document";
  if (code == "failed-precondition") code = "already-ended";
  const std::string_view ec = error_code_for(code);
  const unsigned status = ec == "404" ? 404 : ec == "411" ? 410 : ec == "500" ? 503 : 422;
  return http::Response{status, "application/json", fail_answer(code, s.message())};
}

std::string by(const System& system) { return "vxp:" + system.id; }

nlohmann::ordered_json item_json(const delivery::PolledItem& i) {
  // Fields as the SDK reads them (all strings, never null); `to` is the polling organ.
  return {{"docId", i.sha256_hex.substr(0, kDocIdDigits)},
          {"serviceType", "eDoc"},
          {"messageType", i.message_type},
          {"created_time", iso_utc_ms(i.created_ms)},
          {"updated_time", iso_utc_ms(i.updated_ms)},
          {"from", i.sender},
          {"to", i.recipient},
          {"status", i.recipient_status.empty() ? std::string("waiting") : i.recipient_status},
          {"status_desc", i.recipient_status.empty()
                              ? "waiting for the recipient since " + iso_utc_ms(i.created_ms)
                              : "reported by the recipient: " + i.recipient_status}};
}

}  // namespace

Status Api::check_inbox_params(std::string_view op, const SignedParams& params) {
  if (op == "getReceivedEdocList" && message_type_of(params).empty()) {
    return Status("bad-request", "the signed messagetype must be edoc or status");
  }
  if (op == "getSentEdocList") {
    const std::string* id = params.find("docId");
    if (id != nullptr && !id->empty() && (id->size() != kDocIdDigits || !is_hex(*id))) {
      return Status("unknown-document", "a docId of this hub is 24 hex digits");
    }
  }
  if (op == "getEdoc" || op == "downloadEdoc" || op == "updateStatus") {
    const std::string* id = params.find("docId");
    if (id == nullptr) return Status("bad-request", "the signed docId is missing");
    if (id->size() != kDocIdDigits || !is_hex(*id)) {
      return Status("unknown-document", "a docId of this hub is 24 hex digits");
    }
  }
  if (op == "updateStatus") {
    const std::string* st = params.find("status");
    if (st == nullptr || st->empty()) return Status("bad-request", "the signed status is missing");
    if (st->size() > kMaxStatusBytes || !printable_ascii(*st)) {
      return Status("bad-request", "the status must be printable ASCII of at most 64 bytes");
    }
  }
  return Status();
}

void Api::received_list(const SignedParams& params, const System& system, http::Reply reply) {
  auto items = inboxes_->waiting(system.organs, message_type_of(params), kListLimit);
  if (!items.ok()) return reply(json_fail(items.status()));
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const auto& i : *items) data.push_back(item_json(i));
  reply(json_ok({{"data", std::move(data)}}));
}

void Api::count_received(std::string_view op, const System& system, http::Reply reply) {
  // The operation names the type; a leftover messagetype parameter is ignored.
  const std::string type(op == "countReceiveStatus" ? model::wire::kTypeStatus
                                                    : model::wire::kTypeEdoc);
  auto n = inboxes_->count_waiting(system.organs, type);
  if (!n.ok()) return reply(json_fail(n.status()));
  reply(json_ok({{"count", *n}}));
}

void Api::get_edoc(bool raw, const SignedParams& params, const System& system,
                   http::Reply reply) {
  auto pkg = inboxes_->fetch(system.organs, lower(*params.find("docId")), by(system));
  if (raw) {
    // downloadEdoc: the SDK saves whatever comes back as the file, so a failure is an empty
    // body (the status code tells a person why).
    if (!pkg.ok()) {
      return reply(http::Response{json_fail(pkg.status()).status, "application/octet-stream", ""});
    }
    return reply(http::Response{200, "application/octet-stream", std::move(pkg->bytes)});
  }
  if (!pkg.ok()) return reply(json_fail(pkg.status()));
  reply(json_ok({{"data", tls::encode_base64(pkg->bytes)}}));
}

void Api::sent_list(const SignedParams& params, const System& system, http::Reply reply) {
  const std::string* id = params.find("docId");
  const std::string doc_id = id == nullptr ? std::string() : lower(*id);
  std::string type = message_type_of(params);
  if (type.empty()) type = model::wire::kTypeEdoc;
  auto sent = inboxes_->sent(system.organs, doc_id, type, kSentLimit);
  if (!sent.ok()) return reply(json_fail(sent.status()));
  if (!doc_id.empty() && sent->empty()) {
    return reply(json_fail(Status("not-found", "no document " + doc_id + " sent by this system")));
  }
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const delivery::SentItem& s : *sent) {
    const std::string doc = s.sha256_hex.substr(0, kDocIdDigits);
    for (const delivery::SentRecipient& r : s.recipients) {
      std::string send_desc = r.next_hop == "local" ? "to its inbox here" : "to hub " + r.next_hop;
      if (!r.last_error.empty()) send_desc += ": " + r.last_error;
      std::string receive_desc;
      if (!r.outcome.empty()) {
        receive_desc = "receipt " + r.receipt_id + " issued by hub " + r.issuer;
        if (!r.reason.empty()) receive_desc += ": " + r.reason;
      }
      data.push_back({{"serviceType", "eDoc"},
                      {"messageType", s.message_type},
                      {"senderDocId", doc},
                      {"receiverDocId", doc},  // the same bytes have the same id at every hub
                      {"fromCode", s.sender},
                      {"toCode", r.recipient},
                      {"title", s.title},
                      {"notation", s.notation},
                      {"sentTime", iso_utc_ms(s.sent_ms)},
                      {"receivedTime", r.outcome.empty() ? std::string() : iso_utc_ms(r.receipt_ms)},
                      {"sendStatus", r.state},
                      {"sendStatusDesc", send_desc},
                      {"receiveStatus", r.outcome.empty() ? std::string("pending") : r.outcome},
                      {"receiveStatusDesc", receive_desc}});
    }
  }
  reply(json_ok({{"data", std::move(data)}}));
}

void Api::update_status(const SignedParams& params, const System& system, http::Reply reply) {
  delivery::RecipientStatus st;
  st.status = lower(*params.find("status"));
  if (st.status != "done" && st.status != "fail") st.status = *params.find("status");
  if (const std::string* why = params.find("description"); why != nullptr) {
    st.reason = why->substr(0, kMaxReasonBytes);
  }
  st.by = by(system);
  inboxes_->report_status(system.organs, lower(*params.find("docId")), std::move(st),
                          [reply = std::move(reply)](Result<delivery::PolledItem> r) {
                            if (!r.ok()) return reply(json_fail(r.status()));
                            reply(json_ok({{"DocId", r->sha256_hex.substr(0, kDocIdDigits)},
                                           {"state", r->state}}));
                          });
}

}  // namespace docaxis::vxp
