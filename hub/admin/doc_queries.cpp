// AdminService, read-only commands about documents: doc.list, doc.show, dlq.list.
#include <algorithm>

#include "admin/json_util.hpp"
#include "admin/service.hpp"
#include "edxml/reader.hpp"
#include "edxml/receipt.hpp"
#include "edxml/xml_doc.hpp"
#include "routing/route_table.hpp"

namespace docaxis::admin {

using nlohmann::json;
using namespace detail;

namespace {

constexpr uint32_t kMaxListLimit = 10'000;
constexpr uint32_t kMaxIdLimit = 1'000'000;

#define DOCAXIS_TRY_ASSIGN(var, expr)   \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.status(); \
  auto var = std::move(*var##_r)

// The filter arguments doc.list and dlq.list share.
Status common_filter(const json& a, store::DeliveryFilter& f) {
  DOCAXIS_TRY_ASSIGN(from, opt_string(a, "from"));
  DOCAXIS_TRY_ASSIGN(to, opt_string(a, "to"));
  f.sender = from;
  f.recipient = to;
  return Status();
}

Result<uint32_t> limit_of(const json& a, uint32_t fallback, uint32_t max) {
  DOCAXIS_TRY_ASSIGN(limit, opt_int(a, "limit"));
  if (!limit) return fallback;
  if (*limit < 1 || *limit > max) {
    return Status("invalid-argument", "limit must be 1.." + std::to_string(max));
  }
  return static_cast<uint32_t>(*limit);
}

// The verdict the hub recorded at ingest (store::PackageVerdict), field by field; `verdict`
// is the sentence derived from them (for a package stored before schema version 4, the
// sentence it was stored with, its fields read from it once by the store's migration).
json signature_of(const store::StoredPackage& p) {
  const store::PackageVerdict& v = p.verdict;
  json left = json::array();
  for (const auto& l : v.left_to_earlier_hubs) {
    left.push_back({{"recipient", l.recipient}, {"via", l.via}});
  }
  return {{"verdict", store::describe_verdict(p)},
          {"signed", v.is_signed},
          {"signer", v.signer_subject},
          {"method", v.signature_method},
          {"relaxation_reason", v.relaxation_reason},
          {"relayed_by", v.relayed_by},
          {"left_to_earlier_hubs", left}};
}

// What the package says about itself (edXML header, or the receipt it is).
json content_of(const store::StoredPackage& p) {
  json c = json::object();
  if (p.message_type == "receipt") {
    auto doc = edxml::parse_untrusted(p.bytes);
    if (!doc) return {{"error", doc.status().to_string()}};
    auto r = edxml::read_receipt(*doc);
    if (!r) return {{"error", r.status().to_string()}};
    return {{"receipt_id", r->receipt_id}, {"about_document", r->document_id},
            {"about_recipient", r->recipient}, {"outcome", r->outcome},
            {"reason", r->reason}, {"issued_at", r->issued_at}, {"issuer_hub", r->issuer_hub},
            {"to", json::array({r->sender})}, {"subject", "delivery receipt: " + r->outcome}};
  }
  auto pkg = edxml::read_package_bytes(p.bytes);
  if (!pkg) return {{"error", pkg.status().to_string()}};
  const auto& h = pkg->header;
  json to = json::array();
  if (pkg->kind == edxml::PackageKind::status) {
    for (const auto& rf : h.response_for) to.push_back(rf.organ_id);
  } else {
    for (const auto& o : h.to) to.push_back(o.organ_id);
  }
  c["subject"] = h.subject;
  c["to"] = to;
  c["from_name"] = h.from.organ_name;
  if (!h.status_code.empty()) {
    c["status_code"] = h.status_code;
    c["description"] = h.description;
  }
  return c;
}

}  // namespace

Result<json> AdminService::doc_list(const json& a) {
  store::DeliveryFilter f;
  if (Status s = common_filter(a, f); !s.ok()) return s;
  DOCAXIS_TRY_ASSIGN(state, opt_string(a, "state"));
  if (state) {
    if (Status s = apply_state(*state, f); !s.ok()) return s;
  }
  DOCAXIS_TRY_ASSIGN(since, opt_int(a, "since_ms"));
  DOCAXIS_TRY_ASSIGN(until, opt_int(a, "until_ms"));
  DOCAXIS_TRY_ASSIGN(before_id, opt_int(a, "before_id"));
  DOCAXIS_TRY_ASSIGN(doc, opt_string(a, "doc"));
  DOCAXIS_TRY_ASSIGN(limit, limit_of(a, 50, kMaxListLimit));
  f.received_since_ms = since;
  f.received_until_ms = until;
  if (before_id) f.before_id = static_cast<uint64_t>(std::max<int64_t>(0, *before_id));
  std::vector<uint64_t> seqs{0};  // 0: no document restriction
  if (doc) {
    DOCAXIS_TRY_ASSIGN(resolved, resolve(*doc));
    seqs = resolved;
  }
  json rows = json::array();
  bool more = false;
  for (uint64_t seq : seqs) {
    if (seq != 0) f.seq = seq;
    f.limit = limit + 1;
    DOCAXIS_TRY_ASSIGN(found, admin_.find_deliveries(f));
    for (const auto& l : found) {
      if (rows.size() == limit) {
        more = true;
        break;
      }
      rows.push_back(listing_json(l));
    }
  }
  return json{{"now_ms", now()}, {"deliveries", rows}, {"more", more}};
}

Result<json> AdminService::dlq_list(const json& a) {
  store::DeliveryFilter f;
  f.states = {store::DeliveryState::kDead};
  if (Status s = common_filter(a, f); !s.ok()) return s;
  DOCAXIS_TRY_ASSIGN(since, opt_int(a, "since_ms"));
  DOCAXIS_TRY_ASSIGN(before, opt_int(a, "before_ms"));
  DOCAXIS_TRY_ASSIGN(doc, opt_string(a, "doc"));
  DOCAXIS_TRY_ASSIGN(count_only, opt_bool(a, "count_only"));
  DOCAXIS_TRY_ASSIGN(ids_only, opt_bool(a, "ids_only"));
  DOCAXIS_TRY_ASSIGN(limit, limit_of(a, ids_only ? kMaxIdLimit : 100,
                                     ids_only ? kMaxIdLimit : kMaxListLimit));
  f.updated_since_ms = since;
  f.updated_before_ms = before;
  if (doc) {
    DOCAXIS_TRY_ASSIGN(seqs, resolve(*doc));
    if (seqs.size() > 1) {
      return Status("ambiguous", "\"" + *doc + "\" names " + std::to_string(seqs.size()) +
                                     " packages: use seq:N");
    }
    f.seq = seqs.front();
  }
  DOCAXIS_TRY_ASSIGN(total, admin_.count_deliveries(f));
  json out = {{"now_ms", now()}, {"total", total}};
  if (count_only) return out;
  f.limit = limit;
  DOCAXIS_TRY_ASSIGN(found, admin_.find_deliveries(f));
  if (ids_only) {
    json ids = json::array();
    for (const auto& l : found) ids.push_back(l.delivery.id);
    out["ids"] = ids;
  } else {
    json rows = json::array();
    for (const auto& l : found) rows.push_back(listing_json(l));
    out["dead"] = rows;
  }
  return out;
}

Result<json> AdminService::doc_show(const json& a) {
  DOCAXIS_TRY_ASSIGN(ref, opt_string(a, "ref"));
  if (!ref) return Status("invalid-argument", "argument \"ref\" (a seq or document id) is required");
  DOCAXIS_TRY_ASSIGN(seqs, resolve(*ref));
  auto routes = routing::RouteTable::build(config_);
  const int64_t t = now();
  json packages = json::array();
  for (uint64_t seq : seqs) {
    auto loaded = store_.load_package(seq);
    const std::string failure = loaded.ok() ? "" : loaded.status().code();
    if (failure == "released" || failure == "data-loss") {
      // Retention released the bytes, or they are damaged (a segment that lost or changed
      // bytes): what the row still says, and when or why the bytes are not there.
      store::PackageFilter only;
      only.after_seq = seq - 1;
      only.limit = 1;
      DOCAXIS_TRY_ASSIGN(rows, store_.list_packages(only));
      if (rows.empty() || rows[0].seq != seq) return loaded.status();
      const auto& r = rows[0];
      DOCAXIS_TRY_ASSIGN(deliveries, store_.deliveries_of(seq));
      json ds = json::array();
      for (const auto& d : deliveries) ds.push_back(delivery_json(d));
      json row = {{"seq", r.seq}, {"message_type", r.message_type},
                  {"document_id", r.document_id}, {"from", r.sender},
                  {"from_endpoint", r.from_endpoint}, {"size", r.size},
                  {"sha256", r.sha256_hex}, {"received_ms", r.received_ms}};
      if (failure == "released") {
        row["bytes_released_ms"] = r.released_ms;
        row["content"] = {{"released", loaded.status().message()}};
      } else {
        row["content"] = {{"error", loaded.status().to_string()}};
      }
      row["deliveries"] = ds;
      packages.push_back(std::move(row));
      continue;
    }
    if (!loaded.ok()) return loaded.status();
    store::StoredPackage& p = *loaded;
    DOCAXIS_TRY_ASSIGN(deliveries, store_.deliveries_of(seq));
    DOCAXIS_TRY_ASSIGN(attempts, admin_.attempts_of(seq));
    DOCAXIS_TRY_ASSIGN(retired, admin_.history_of(seq));
    json j = {{"seq", p.seq},
              {"message_type", p.message_type},
              {"document_id", p.document_id},
              {"from", p.sender},
              {"from_endpoint", p.from_endpoint},
              {"size", p.bytes.size()},
              {"sha256", p.sha256_hex},
              {"received_ms", p.received_ms},
              {"relaxations", p.relaxations},
              {"signature", signature_of(p)},
              {"content", content_of(p)}};
    json hops = json::array();
    for (const auto& h : p.hops) hops.push_back({{"hub", h.hub}, {"arrived_ms", h.arrived_ms}});
    j["hops"] = hops;
    json route = json::array(), ds = json::array();
    for (const auto& d : deliveries) {
      json r = {{"recipient", d.recipient}, {"next_hop", d.next_hop}};
      if (routes) {
        auto hop = routes->resolve(d.recipient);
        r["rule_now"] = hop ? json(hop->rule) : json(hop.status().to_string());
      }
      route.push_back(std::move(r));
      json dj = delivery_json(d);
      dj["breaker"] = breaker(d.next_hop, d.recipient);
      dj["attached"] = attached(d.next_hop, d.recipient);
      ds.push_back(std::move(dj));
    }
    j["route"] = route;
    j["deliveries"] = ds;
    json rj = json::array();
    for (const auto& r : retired) {
      json x = delivery_json(r.delivery);
      x["retired_ms"] = r.retired_ms;
      x["retired_by"] = r.retired_by;
      x["replaced_by"] = r.replaced_by ? json(*r.replaced_by) : json(nullptr);
      rj.push_back(std::move(x));
    }
    j["retired_deliveries"] = rj;
    json aj = json::array();
    for (const auto& x : attempts) {
      aj.push_back({{"delivery", x.delivery_id}, {"recipient", x.recipient},
                    {"attempt", x.attempt}, {"started_ms", optional_ms(x.started_ms)},
                    {"ended_ms", x.ended_ms}, {"result", x.result}, {"error", x.error},
                    {"no_outcome", x.no_outcome}});
    }
    j["attempts"] = aj;
    // Receipts this hub issued for the package: stored (engine/receipts.cpp) with the seq and
    // delivery they are about, kept on the duplicate key when the receipt is purged.
    json receipts = json::array();
    if (p.message_type != "receipt") {
      DOCAXIS_TRY_ASSIGN(keys, admin_.receipts_about(config_.hub.name, seq));
      for (const auto& k : keys) {
        json rj2 = {{"receipt_id", k.document_id}, {"seq", k.seq ? json(*k.seq) : json(nullptr)},
                    {"issued_ms", k.created_ms}, {"sha256", k.sha256_hex}};
        rj2["delivery"] = k.about_delivery ? json(*k.about_delivery) : json(nullptr);
        if (k.seq) {
          auto rp = store_.load_package(*k.seq);
          if (rp) {
            json c = content_of(*rp);
            rj2["outcome"] = c.value("outcome", "");
            rj2["recipient"] = c.value("about_recipient", "");
            rj2["reason"] = c.value("reason", "");
          }
          auto rd = store_.deliveries_of(*k.seq);
          if (rd && !rd->empty()) {
            rj2["to"] = rd->front().recipient;
            rj2["state"] = std::string(store::to_string(rd->front().state));
          }
        } else {
          rj2["state"] = "purged";
        }
        receipts.push_back(std::move(rj2));
      }
    }
    j["receipts"] = receipts;
    packages.push_back(std::move(j));
  }
  return json{{"now_ms", t}, {"packages", packages}};
}

}  // namespace docaxis::admin
