// `docaxis doc list | show | retry` (README.md has the flags, columns and JSON shapes).
#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/hub_connection.hpp"
#include "cli/listing.hpp"

namespace docaxis::cli {
namespace {

using nlohmann::json;

struct ListArgs {
  HubOptions hub;
  std::string state, from, to, since, until, doc;
  int64_t limit = 50;
  int64_t before_id = 0;
  bool wide = false;
};

struct ShowArgs {
  HubOptions hub;
  std::string ref;
};

struct RetryArgs {
  HubOptions hub;
  std::string ref, to;
  bool include_refused = false;
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

int run_list(const ListArgs& a) {
  const std::string name = "doc list";
  json args = json::object();
  if (!a.state.empty()) args["state"] = a.state;
  if (!a.from.empty()) args["from"] = a.from;
  if (!a.to.empty()) args["to"] = a.to;
  if (!a.doc.empty()) args["doc"] = a.doc;
  for (auto [flag, text, key] : {std::tuple{"--since", &a.since, "since_ms"},
                                 std::tuple{"--until", &a.until, "until_ms"}}) {
    if (text->empty()) continue;
    auto t = parse_time(*text, now_ms());
    if (!t) return report_error(name, Status(t.status().code(), std::string(flag) + ": " + t.status().message()), a.hub.json);
    args[key] = *t;
  }
  args["limit"] = a.limit;
  if (a.before_id > 0) args["before_id"] = a.before_id;
  return with_hub(a.hub, name, [&](admin::AdminClient& c) {
    auto r = c.call("doc.list", args);
    if (!r) return report_error(name, r.status(), a.hub.json);
    if (a.hub.json) {
      print_json(*r);
      return kExitOk;
    }
    std::cout << deliveries_table(r->at("deliveries"), r->value("now_ms", int64_t{0}), a.wide);
    if (r->value("more", false) && !r->at("deliveries").empty()) {
      std::cerr << "(more: --limit N, or --before-id "
                << r->at("deliveries").back().value("id", uint64_t{0}) << " for the next page)\n";
    }
    return kExitOk;
  });
}

void print_package(const json& p, int64_t now) {
  const json content = p.value("content", json::object());
  const json sig = p.value("signature", json::object());
  auto line = [](const std::string& k, const std::string& v) {
    std::cout << k << std::string(k.size() < 11 ? 11 - k.size() : 1, ' ') << v << "\n";
  };
  line("document", p.value("document_id", "") + "  (seq " + std::to_string(p.value("seq", uint64_t{0})) +
                       ", " + p.value("message_type", "") + ")");
  line("from", p.value("from", "") + "  via " + p.value("from_endpoint", ""));
  std::string to;
  for (const json& x : content.value("to", json::array())) to += (to.empty() ? "" : ", ") + x.get<std::string>();
  line("to", to.empty() ? "-" : to);
  line("subject", content.value("subject", content.contains("error") ? "(unreadable: " + content.value("error", "") + ")" : ""));
  if (content.contains("status_code")) line("status", content.value("status_code", "") + " " + content.value("description", ""));
  if (content.contains("about_document")) {
    line("receipt", content.value("outcome", "") + " for " + content.value("about_document", "") + " to " +
                        content.value("about_recipient", ""));
  }
  line("size", human_size(p.value("size", uint64_t{0})) + "  sha256 " + p.value("sha256", ""));
  const int64_t received = p.value("received_ms", int64_t{0});
  line("received", iso_time(received) + " (" + relative_time(received, now) + ")");
  if (sig.value("signed", false)) {
    line("signature", "valid when accepted: signer \"" + sig.value("signer", "") + "\", " + sig.value("method", ""));
  } else {
    line("signature", sig.value("verdict", "unknown"));
  }
  std::string relaxed;
  for (const json& x : p.value("relaxations", json::array())) relaxed += (relaxed.empty() ? "" : ", ") + x.get<std::string>();
  if (!relaxed.empty()) line("relaxed", relaxed);
  std::string hops;
  for (const json& h : p.value("hops", json::array())) {
    hops += (hops.empty() ? "" : " -> ") + h.value("hub", "") + " @ " + iso_time(h.value("arrived_ms", int64_t{0}));
  }
  line("hops", hops.empty() ? "-" : hops);
  for (const json& r : p.value("route", json::array())) {
    const std::string hop = r.value("next_hop", "");
    line("route", r.value("recipient", "") + " -> " +
                      (hop == "local" ? "inbox/" + r.value("recipient", "") : "peer/" + hop) +
                      (r.contains("rule_now") ? "  (now: " + r.value("rule_now", "") + ")" : ""));
  }

  std::cout << "\nDeliveries\n";
  Table d({{"ID", true}, {"RECIPIENT"}, {"STATE"}, {"ATTEMPTS", true}, {"NEXT ATTEMPT"}, {"BREAKER"},
           {"ATTACHED"}, {"LAST ERROR"}});
  for (const json& x : p.value("deliveries", json::array())) {
    d.add({std::to_string(x.value("id", uint64_t{0})), x.value("recipient", ""), display_state(x),
           std::to_string(x.value("attempts", 0)),
           relative_time(x["next_attempt_ms"].is_number() ? std::optional<int64_t>(x["next_attempt_ms"].get<int64_t>()) : std::nullopt, now),
           x.value("breaker", "-"), x["attached"].is_boolean() ? (x["attached"].get<bool>() ? "yes" : "no") : "-",
           x.value("last_error", "")});
  }
  std::cout << d.render();
  const json retired = p.value("retired_deliveries", json::array());
  if (!retired.empty()) {
    std::cout << "\nRetried by an operator (earlier deliveries)\n";
    Table t({{"ID", true}, {"RECIPIENT"}, {"STATE"}, {"ATTEMPTS", true}, {"RETRIED"}, {"BY"}, {"AS", true}, {"LAST ERROR"}});
    for (const json& x : retired) {
      t.add({std::to_string(x.value("id", uint64_t{0})), x.value("recipient", ""), x.value("state", ""),
             std::to_string(x.value("attempts", 0)), iso_time(x.value("retired_ms", int64_t{0})),
             x.value("retired_by", ""), x["replaced_by"].is_number() ? std::to_string(x["replaced_by"].get<uint64_t>()) : "-",
             x.value("last_error", "")});
    }
    std::cout << t.render();
  }
  std::cout << "\nAttempts\n";
  Table at({{"DELIVERY", true}, {"#", true}, {"STARTED"}, {"ENDED"}, {"RESULT"}, {"ERROR"}});
  for (const json& x : p.value("attempts", json::array())) {
    at.add({std::to_string(x.value("delivery", uint64_t{0})), std::to_string(x.value("attempt", 0)),
            x["started_ms"].is_number() ? iso_time(x["started_ms"].get<int64_t>()) : "-",
            iso_time(x.value("ended_ms", int64_t{0})),
            x.value("result", "") + (x.value("no_outcome", false) ? " (no outcome)" : ""), x.value("error", "")});
  }
  if (at.empty()) std::cout << "(none yet)\n";
  else std::cout << at.render();
  if (p.value("message_type", "") != "receipt") {
    std::cout << "\nReceipts issued\n";
    Table rt({{"RECEIPT"}, {"OUTCOME"}, {"FOR"}, {"ISSUED"}, {"TO SENDER"}, {"REASON"}});
    for (const json& x : p.value("receipts", json::array())) {
      rt.add({x.value("receipt_id", ""), x.value("outcome", "-"), x.value("recipient", "-"),
              iso_time(x.value("issued_ms", int64_t{0})), x.value("state", "-"), x.value("reason", "")});
    }
    if (rt.empty()) std::cout << "(none yet)\n";
    else std::cout << rt.render();
  }
}

int run_show(const ShowArgs& a) {
  const std::string name = "doc show";
  return with_hub(a.hub, name, [&](admin::AdminClient& c) {
    auto r = c.call("doc.show", {{"ref", a.ref}});
    if (!r) return report_error(name, r.status(), a.hub.json);
    if (a.hub.json) {
      print_json(*r);
      return kExitOk;
    }
    bool first = true;
    for (const json& p : r->at("packages")) {
      if (!first) std::cout << "\n" << std::string(72, '-') << "\n";
      first = false;
      print_package(p, r->value("now_ms", int64_t{0}));
    }
    return kExitOk;
  });
}

int run_retry(const RetryArgs& a) {
  const std::string name = "doc retry";
  json args = {{"ref", a.ref}, {"include_refused", a.include_refused}};
  if (!a.to.empty()) args["recipient"] = a.to;
  return with_hub(a.hub, name, [&](admin::AdminClient& c) {
    auto r = c.call("doc.retry", args, admin::Access::kMutate);
    if (!r) return report_error(name, r.status(), a.hub.json);
    if (a.hub.json) print_json(*r);
    else print_retry_result(*r);
    return r->at("retried").empty() ? kExitFailed : kExitOk;
  });
}

}  // namespace

Runner add_doc_command(CLI::App& app) {
  Noun n(app, "doc", "Documents on this hub and their deliveries");
  auto list = std::make_shared<ListArgs>();
  CLI::App* l = n.verb("list", "Deliveries with their documents, newest first (one line each)",
                       [list] { return run_list(*list); });
  l->add_option("--state", list->state,
                "waiting, retrying, in_flight, delivered, refused, dead, pending (waiting or in "
                "flight), failed (refused or dead), all");
  l->add_option("--from", list->from, "sender organ id (From/OrganId)");
  l->add_option("--to", list->to, "recipient organ id");
  l->add_option("--since", list->since, "received at or after T (RFC 3339, a date, or a duration ago: 2h)");
  l->add_option("--until", list->until, "received before T");
  l->add_option("--doc", list->doc, "only this document (seq or document id)");
  l->add_option("--limit", list->limit, "at most N lines (default 50, at most 10000)")->check(CLI::Range(1, 10000));
  l->add_option("--before-id", list->before_id, "next page: deliveries with id below N");
  l->add_flag("--wide", list->wide, "do not shorten the error column");
  add_hub_options(l, list->hub);

  auto show = std::make_shared<ShowArgs>();
  CLI::App* s = n.verb("show",
                       "One document: sender, recipients, subject, size, signature, route, every "
                       "delivery and attempt, the hop trail, receipts issued",
                       [show] { return run_show(*show); });
  s->add_option("ID", show->ref, "seq number or document id (seq:N / doc:ID to force one)")->required();
  add_hub_options(s, show->hub);

  auto retry = std::make_shared<RetryArgs>();
  CLI::App* r = n.verb("retry",
                       "Retry a document's undelivered deliveries now: waiting ones become due, "
                       "dead ones are queued again with a fresh deadline (audited)",
                       [retry] { return run_retry(*retry); });
  r->add_option("ID", retry->ref, "seq number or document id")->required();
  r->add_option("--to", retry->to, "only the delivery to this recipient");
  r->add_flag("--include-refused", retry->include_refused,
              "also retry deliveries the recipient refused");
  add_hub_options(r, retry->hub);
  return n.runner();
}

}  // namespace docaxis::cli
