// `docaxis receipt show | export | verify | check`: the auditor's commands. They read the
// audit log directory (hub/audit/README.md) and receipt files directly, read-only, so they
// also work on a copy of the log with no hub running; only finding the log directory may
// ask the hub (hub.info) when neither LOG-DIR/--log-dir nor --config is given.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <map>
#include <set>

#include "audit/events.hpp"
#include "audit/verify.hpp"
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/hub_connection.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "dsig/x509_util.hpp"
#include "edxml/receipt.hpp"
#include "edxml/xml_doc.hpp"
#include "store_pg/pg_audit.hpp"

namespace docaxis::cli {
namespace {

namespace fs = std::filesystem;
namespace ev = audit::events;
using nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

// Saturating: the system clock's ticks (ns) overflow after the year 2262.
std::chrono::system_clock::time_point from_ms(int64_t ms) {
  using TP = std::chrono::system_clock::time_point;
  const auto max_ms = std::chrono::duration_cast<std::chrono::milliseconds>(TP::max().time_since_epoch()).count();
  const auto min_ms = std::chrono::duration_cast<std::chrono::milliseconds>(TP::min().time_since_epoch()).count();
  if (ms >= max_ms) return TP::max();
  if (ms <= min_ms) return TP::min();
  return TP(std::chrono::milliseconds(ms));
}

// Total size of the segment files, for the progress bars.
uint64_t log_bytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("audit-", 0) == 0 && n.size() > 4 && n.substr(n.size() - 4) == ".log") {
      total += static_cast<uint64_t>(e.file_size(ec));
    }
  }
  return total;
}

json record_json(const audit::ExportedRecord& r) {
  const audit::Event& e = r.record.event;
  return {{"seq", r.record.seq}, {"time", r.record.time}, {"event", e.type}, {"who", e.who},
          {"doc", e.doc},        {"organ", e.organ},      {"detail", e.detail},
          {"hash", r.record.hash}, {"file", r.file},      {"line", r.line}};
}

std::string str(const json& d, const char* key) {
  if (!d.contains(key)) return "";
  return d[key].is_string() ? d[key].get<std::string>() : d[key].dump();
}

// One readable line for a record's detail.
std::string summary(const audit::Event& e) {
  const json& d = e.detail;
  if (e.type == ev::kAccepted || e.type == ev::kDuplicate) {
    std::string to;
    for (const json& r : d.value("recipients", json::array())) to += (to.empty() ? "" : ", ") + r.get<std::string>();
    return "seq " + str(d, "seq") + " " + str(d, "message_type") + " to " + to + ", " +
           human_size(d.value("size", uint64_t{0})) + "; " + str(d, "verdict");
  }
  if (e.type == ev::kRefused || e.type == ev::kReleased) return str(d, "code") + ": " + str(d, "reason");
  if (e.type == ev::kDelivered) {
    return "delivery " + str(d, "delivery") + " (seq " + str(d, "seq") + ") after " + str(d, "attempts") + " attempt(s)";
  }
  if (e.type == ev::kRefusedByRecipient || e.type == ev::kDeadLettered) {
    return "delivery " + str(d, "delivery") + " (seq " + str(d, "seq") + "): " + str(d, "last_error");
  }
  if (e.type == ev::kReceiptIssued) {
    return "receipt " + str(d, "receipt") + " (" + str(d, "outcome") + ") for delivery " + str(d, "delivery") +
           ", stored as seq " + str(d, "receipt_seq");
  }
  if (e.type == ev::kReceiptFailed) return "delivery " + str(d, "delivery") + ": " + str(d, "code") + ": " + str(d, "reason");
  if (e.type == ev::kOperator) {
    std::string s = str(d, "action") + " delivery " + str(d, "delivery") + " (" + str(d, "state") + ")";
    if (d.contains("new_delivery")) s += " -> delivery " + str(d, "new_delivery");
    if (d.contains("package_deleted") && d["package_deleted"].get<bool>()) s += ", package deleted";
    return s;
  }
  return ellipsize(d.dump(), 100);
}

struct LogArgs {
  HubOptions hub;
  std::string log_dir;
};

void add_log_options(CLI::App* verb, LogArgs& a) {
  verb->add_option("--log-dir", a.log_dir, "the audit log directory (or a copy of it); default: "
                                           "from --config, or asked from the running hub");
  add_hub_options(verb, a.hub);
}

// ---- receipt show -----------------------------------------------------------------------

struct ShowArgs : LogArgs {
  std::string doc;
};

int run_show(const ShowArgs& a) {
  const std::string name = "receipt show";
  auto dir = audit_dir(a.hub, a.log_dir);
  if (!dir) return report_error(name, dir.status(), a.hub.json);
  // The document's own events name it in `doc`; every later event about one of its packages
  // (deliveries, receipts, operator actions) names the package seq in detail.seq; a receipt's
  // own delivery names the receipt's seq. Records come in seq order, so one pass suffices.
  std::set<uint64_t> seqs;
  const bool by_seq = a.doc.rfind("seq:", 0) == 0;
  if (by_seq) {
    const std::string digits = a.doc.substr(4);
    if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos) {
      return report_error(name, Status("invalid-argument", "\"" + a.doc + "\": seq:N needs a number"), a.hub.json);
    }
    seqs.insert(std::stoull(digits));
  }
  const std::string doc = a.doc.rfind("doc:", 0) == 0 ? a.doc.substr(4) : a.doc;
  std::vector<json> found;
  std::vector<audit::Event> events;
  std::vector<std::pair<std::string, uint64_t>> times;
  ProgressBar bar("scan", log_bytes(*dir), true, !a.hub.json && ProgressBar::stderr_is_terminal());
  uint64_t scanned = 0;
  Status s = audit::for_each_record(*dir, {}, [&](const audit::ExportedRecord& r) {
    scanned += r.raw.size() + 1;
    bar.update(scanned);
    const audit::Event& e = r.record.event;
    const json& d = e.detail;
    const bool has_seq = d.is_object() && d.contains("seq") && d["seq"].is_number_unsigned();
    bool match = !by_seq && e.doc == doc;
    if (match && has_seq && (e.type == ev::kAccepted || e.type == ev::kDuplicate)) seqs.insert(d["seq"].get<uint64_t>());
    if (!match && has_seq && seqs.count(d["seq"].get<uint64_t>()) > 0) match = true;
    if (!match) return true;
    if (e.type == ev::kReceiptIssued && d.contains("receipt_seq") && d["receipt_seq"].is_number_unsigned()) {
      seqs.insert(d["receipt_seq"].get<uint64_t>());
    }
    found.push_back(record_json(r));
    events.push_back(e);
    times.emplace_back(r.record.time, r.record.seq);
    return true;
  });
  bar.finish();
  if (!s.ok()) return report_error(name, s, a.hub.json);
  if (a.hub.json) {
    print_json(found);
  } else if (!found.empty()) {
    Table t({{"AUDIT SEQ", true}, {"TIME"}, {"EVENT"}, {"ORGAN"}, {"WHO"}, {"DETAIL"}});
    for (std::size_t i = 0; i < found.size(); ++i) {
      t.add({std::to_string(times[i].second), times[i].first, events[i].type, events[i].organ,
             events[i].who, summary(events[i])});
    }
    std::cout << t.render();
  }
  if (found.empty()) {
    if (!a.hub.json) std::cerr << "docaxis receipt show: no audit record mentions " << a.doc << " in " << *dir << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

// ---- receipt export ---------------------------------------------------------------------

struct ExportArgs : LogArgs {
  std::string since, until, format = "jsonl", output;
};

int run_export(const ExportArgs& a) {
  const std::string name = "receipt export";
  if (a.hub.json && a.format == "csv") {
    return report_error(name, Status("invalid-argument", "--json means --format jsonl, not csv"), false);
  }
  if (a.format != "jsonl" && a.format != "csv") {
    return report_error(name, Status("invalid-argument", "--format must be jsonl or csv"), false);
  }
  audit::ExportFilter filter;
  for (auto [flag, text, slot] : {std::tuple{"--since", &a.since, &filter.since},
                                  std::tuple{"--until", &a.until, &filter.until}}) {
    if (text->empty()) continue;
    auto t = parse_time(*text, now_ms());
    if (!t) return report_error(name, Status(t.status().code(), std::string(flag) + ": " + t.status().message()), false);
    *slot = from_ms(*t);
  }
  auto dir = audit_dir(a.hub, a.log_dir);
  if (!dir) return report_error(name, dir.status(), false);
  std::ofstream file;
  const std::string temp = a.output.empty() ? "" : a.output + ".tmp";
  if (!a.output.empty()) {
    file.open(temp, std::ios::binary | std::ios::trunc);
    if (!file) return report_error(name, Status("invalid-argument", "cannot write " + temp), false);
  }
  std::ostream& out = a.output.empty() ? std::cout : file;
  if (a.format == "csv") out << "seq,time,event,who,doc,organ,detail,prev,hash\n";
  uint64_t count = 0, first = 0, last = 0, scanned = 0;
  ProgressBar bar("export", log_bytes(*dir), true, ProgressBar::stderr_is_terminal());
  Status s = audit::for_each_record(*dir, filter, [&](const audit::ExportedRecord& r) {
    scanned += r.raw.size() + 1;
    bar.update(scanned);
    if (a.format == "jsonl") {
      out << r.raw << '\n';  // the exact line: its hash and chain still verify
    } else {
      const audit::Record& rec = r.record;
      out << rec.seq << ',' << csv_field(rec.time) << ',' << csv_field(rec.event.type) << ','
          << csv_field(rec.event.who) << ',' << csv_field(rec.event.doc) << ','
          << csv_field(rec.event.organ) << ','
          << csv_field(rec.event.detail.dump(-1, ' ', false, json::error_handler_t::replace)) << ','
          << rec.prev << ',' << rec.hash << '\n';
    }
    if (count == 0) first = r.record.seq;
    last = r.record.seq;
    ++count;
    return true;
  });
  bar.finish();
  if (!s.ok()) {
    if (!temp.empty()) fs::remove(temp);
    return report_error(name, s, false);
  }
  out.flush();
  if (!a.output.empty()) {
    file.close();
    if (!file || std::rename(temp.c_str(), a.output.c_str()) != 0) {
      return report_error(name, Status("unavailable", "cannot write " + a.output), false);
    }
    std::cerr << "exported " << count << " records";
    if (count > 0) std::cerr << " (seq " << first << ".." << last << ")";
    std::cerr << " to " << a.output << "\n";
  }
  return kExitOk;
}

// ---- receipt verify ---------------------------------------------------------------------

struct VerifyArgs : LogArgs {
  std::string dir, anchor_hash;
  std::vector<std::string> hub_certs;  // every hub certificate over the log's life
  uint64_t anchor_seq = 0;
  bool check_json = false, strict = false;
};

int run_verify(const VerifyArgs& a) {
  const std::string name = "receipt verify";
  auto dir = audit_dir(a.hub, a.dir.empty() ? a.log_dir : a.dir);
  if (!dir) return report_error(name, dir.status(), a.hub.json);
  audit::VerifyOptions options;
  options.anchor_seq = a.anchor_seq;
  options.anchor_hash = a.anchor_hash;
  options.check_json = a.check_json;
  ProgressBar bar("verify", log_bytes(*dir), true, !a.hub.json && ProgressBar::stderr_is_terminal());
  options.progress = [&bar](uint64_t done, uint64_t total) {
    bar.set_total(total);
    bar.update(done);
  };
  auto report = audit::verify_log(*dir, a.hub_certs, options);
  bar.finish();
  if (!report) {
    const std::string& c = report.status().code();
    Status s = report.status();
    if (c == "not-found" || c == "invalid-argument") s = Status("invalid-argument", s.message());
    return report_error(name, s, a.hub.json);
  }
  const audit::VerifyReport& r = *report;
  const bool ok = r.verdict == audit::Verdict::kSealed ||
                  (!a.strict && (r.verdict == audit::Verdict::kUnsealedTail ||
                                 r.verdict == audit::Verdict::kEmpty));
  if (a.hub.json) {
    json j = {{"dir", *dir},
              {"ok", ok},
              {"verdict", audit::to_string(r.verdict)},
              {"segments", r.segments},
              {"records", r.records},
              {"checkpoints", r.checkpoints},
              {"recovered_events", r.recovered_events},
              {"first_seq", r.first_seq},
              {"last_seq", r.last_seq},
              {"last_checkpoint", r.last_checkpoint_seq == 0
                                      ? json(nullptr)
                                      : json{{"seq", r.last_checkpoint_seq},
                                             {"time", r.last_checkpoint_time},
                                             {"hash", r.last_checkpoint_hash}}},
              {"unsealed_records", r.unsealed_records},
              {"torn_tail", r.torn_tail},
              {"torn_bytes", r.torn_bytes},
              {"failure", nullptr}};
    if (r.failure) {
      j["failure"] = {{"code", r.failure->code}, {"file", r.failure->file}, {"line", r.failure->line},
                      {"seq", r.failure->seq}, {"message", r.failure->message}};
    }
    print_json(j);
    return ok ? kExitOk : kExitFailed;
  }
  switch (r.verdict) {
    case audit::Verdict::kTampered:
      std::cout << "TAMPERED " << *dir << ": " << r.failure->code << " at " << r.failure->file
                << " line " << r.failure->line << " (seq " << r.failure->seq
                << "): " << r.failure->message << "\n";
      std::cout << "  verified before it: " << r.records << " records, " << r.checkpoints
                << " checkpoints\n";
      break;
    case audit::Verdict::kSealed:
      std::cout << "OK " << *dir << ": sealed, " << r.records << " records (seq " << r.first_seq
                << ".." << r.last_seq << ") in " << r.segments << " segment(s), " << r.checkpoints
                << " signed checkpoints\n";
      break;
    case audit::Verdict::kUnsealedTail:
      std::cout << (ok ? "OK " : "UNSEALED ") << *dir << ": chain intact, " << r.records
                << " records (seq " << r.first_seq << ".." << r.last_seq << "); "
                << r.unsealed_records << " after the last signed checkpoint are not sealed yet"
                << (r.torn_tail ? " and a torn partial line ends the log" : "") << "\n";
      break;
    case audit::Verdict::kEmpty:
      std::cout << (ok ? "OK " : "EMPTY ") << *dir << ": no records\n";
      break;
  }
  if (r.last_checkpoint_seq != 0 && r.verdict != audit::Verdict::kTampered) {
    std::cout << "  last checkpoint: seq " << r.last_checkpoint_seq << " at " << r.last_checkpoint_time
              << "\n  anchor for the next audit: --anchor-seq " << r.last_checkpoint_seq
              << " --anchor-hash " << r.last_checkpoint_hash << "\n";
  }
  return ok ? kExitOk : kExitFailed;
}

// ---- receipt check ----------------------------------------------------------------------

struct CheckArgs {
  std::vector<std::string> trust, intermediates, crls, files, hub_certs;
  std::string document, issuer;
  bool json = false;
};

int run_check(const CheckArgs& a) {
  auto trust = dsig::TrustStore::load({a.trust, a.intermediates, a.crls});
  if (!trust) return report_error("receipt check", Status("invalid-argument", trust.status().to_string()), a.json);
  dsig::Verifier verifier(*trust);
  // --hub-cert: the receipt's signer certificate must be one of these (the hub's certificates
  // across key rollovers), on top of chaining to the trust anchors.
  std::map<std::string, std::string> pinned;  // SHA-256 -> subject
  for (const auto& file : a.hub_certs) {
    auto certs = dsig::load_pem_certs(file);
    if (!certs) return report_error("receipt check", Status("invalid-argument", certs.status().to_string()), a.json);
    for (const auto& c : *certs) pinned.emplace(dsig::certificate_sha256(c.get()), dsig::subject_of(c.get()));
  }
  std::string document_sha;
  if (!a.document.empty()) {
    auto bytes = dsig::read_file(a.document);
    if (!bytes) return report_error("receipt check", Status("invalid-argument", bytes.status().to_string()), a.json);
    document_sha = edxml::sha256_hex(*bytes);
  }
  json results = json::array();
  bool all_ok = true;
  for (const auto& file : a.files) {
    json r = {{"file", file}};
    Status failure;
    edxml::DeliveryReceipt receipt;
    dsig::Verdict verdict;
    auto bytes = dsig::read_file(file);
    if (!bytes) {
      failure = bytes.status();
    } else if (auto doc = edxml::parse_untrusted(*bytes); !doc) {
      failure = doc.status();
    } else if (auto v = verifier.verify(*doc, dsig::Placement::kRootLastChild, "",
                                        {false, false, /*bind_sender=*/false});
               !v) {
      failure = v.status();
    } else if (auto rr = edxml::read_receipt(*doc); !rr) {
      failure = rr.status();
    } else if (Status bound = edxml::check_receipt_issuer(*rr, v->signer_uris, v->signer_subject);
               !bound.ok()) {
      failure = bound;  // signed, but not by the hub it names (issue 12)
    } else if (!pinned.empty() && pinned.count(v->signer_sha256) == 0) {
      failure = Status("hub-cert-mismatch", "signed by \"" + v->signer_subject + "\" (certificate sha256 " +
                                                v->signer_sha256 + "), which is none of the --hub-cert certificates");
    } else {
      verdict = *v;
      receipt = *rr;
      if (!document_sha.empty() && receipt.delivered_sha256_hex != document_sha) {
        failure = Status("document-mismatch", "the receipt is about sha256 " + receipt.delivered_sha256_hex +
                                                  ", the document given is sha256 " + document_sha);
      } else if (!a.issuer.empty() && receipt.issuer_hub != a.issuer) {
        failure = Status("issuer-mismatch", "issued by hub \"" + receipt.issuer_hub + "\", expected \"" +
                                                a.issuer + "\"");
      }
    }
    if (!failure.ok()) {
      all_ok = false;
      r["ok"] = false;
      r["code"] = failure.code();
      r["reason"] = failure.message();
      if (!a.json) std::cout << "FAIL " << file << " " << failure.code() << ": " << failure.message() << "\n";
    } else {
      r["ok"] = true;
      r["receipt_id"] = receipt.receipt_id;
      r["document_id"] = receipt.document_id;
      r["sender"] = receipt.sender;
      r["recipient"] = receipt.recipient;
      r["outcome"] = receipt.outcome;
      r["delivered_sha256"] = receipt.delivered_sha256_hex;
      r["issued_at"] = receipt.issued_at;
      r["issuer_hub"] = receipt.issuer_hub;
      r["reason"] = receipt.reason;
      r["signer"] = verdict.signer_subject;
      r["signer_sha256"] = verdict.signer_sha256;
      r["alg"] = verdict.signature_method;
      if (!a.json) {
        std::cout << "OK " << file << " receipt=" << receipt.receipt_id << " document="
                  << receipt.document_id << " outcome=" << receipt.outcome << " recipient="
                  << receipt.recipient << " issuer=" << receipt.issuer_hub << " signer=\""
                  << verdict.signer_subject << "\"\n";
      }
    }
    results.push_back(std::move(r));
  }
  if (a.json) print_json(results);
  return all_ok ? kExitOk : kExitFailed;
}

// ---- receipt pull ------------------------------------------------------------------------

struct PullArgs {
  HubOptions hub;
  std::string conninfo;
  std::string out;
};

// A hub cluster's audit chain lives in its PostgreSQL database: written out here as segment
// files, the directory `receipt verify`, `show` and `export` read.
int run_pull(const PullArgs& a) {
  const std::string name = "receipt pull";
  auto conninfo = postgresql_conninfo(a.hub, a.conninfo);
  if (!conninfo) return report_error(name, conninfo.status(), a.hub.json);
  auto r = store::export_audit_segments(*conninfo, a.out);
  if (!r) return report_error(name, r.status(), a.hub.json);
  if (a.hub.json) {
    print_json({{"ok", true},
                {"dir", a.out},
                {"records", r->records},
                {"segments", r->segments},
                {"bytes", r->bytes},
                {"first_seq", r->first_seq},
                {"last_seq", r->last_seq}});
  } else {
    std::cout << "pulled " << r->records << " records (seq " << r->first_seq << ".."
              << r->last_seq << ") into " << r->segments << " segment(s) in " << a.out << "\n";
  }
  return kExitOk;
}

}  // namespace

Runner add_receipt_command(CLI::App& app) {
  Noun n(app, "receipt", "Auditors: the audit log and signed delivery receipts");

  auto show = std::make_shared<ShowArgs>();
  CLI::App* s = n.verb("show", "The whole audit trail of one document on this hub",
                       [show] { return run_show(*show); });
  s->add_option("DOC-ID", show->doc, "the document id (doc:ID), or seq:N for one package")->required();
  add_log_options(s, *show);

  auto exp = std::make_shared<ExportArgs>();
  CLI::App* e = n.verb("export", "Audit records in a time range, as JSON lines (the exact "
                                 "hash-chained lines) or CSV",
                       [exp] { return run_export(*exp); });
  e->add_option("--since", exp->since, "records at or after T (RFC 3339, a date, or a duration ago)");
  e->add_option("--until", exp->until, "records before T");
  e->add_option("--format", exp->format, "jsonl (default) or csv");
  e->add_option("-o,--output", exp->output, "write to FILE (written then renamed) instead of stdout");
  add_log_options(e, *exp);

  auto pull = std::make_shared<PullArgs>();
  CLI::App* p = n.verb("pull",
                       "A hub cluster's audit chain (in its PostgreSQL database) written as "
                       "segment files, for verify, show and export",
                       [pull] { return run_pull(*pull); });
  p->add_option("--out", pull->out, "the directory to write (created; must hold no segment)")
      ->required();
  p->add_option("--conninfo", pull->conninfo,
                "libpq connection string (password in ~/.pgpass); default: the [store] "
                "postgresql_conninfo of --config");
  add_hub_options(p, pull->hub);

  auto ver = std::make_shared<VerifyArgs>();
  CLI::App* v = n.verb("verify",
                       "Check the audit log offline: hash chain, sequence, signed checkpoints; "
                       "names the first bad record",
                       [ver] { return run_verify(*ver); });
  v->add_option("LOG-DIR", ver->dir, "the audit log directory or a copy (default: as --log-dir)");
  v->add_option("--hub-cert", ver->hub_certs,
                "PEM certificate(s) of the hub's signing key; repeat it (or give a PEM bundle) "
                "for every key the hub has used: each checkpoint names its key")
      ->required()
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  v->add_option("--anchor-seq", ver->anchor_seq, "a checkpoint seq kept from an earlier audit");
  v->add_option("--anchor-hash", ver->anchor_hash, "that checkpoint's hash");
  v->add_flag("--check-json", ver->check_json, "also demand canonical JSON in every record (slower)");
  v->add_flag("--strict", ver->strict, "an unsealed tail or an empty log also fails (exit 1)");
  add_log_options(v, *ver);

  auto chk = std::make_shared<CheckArgs>();
  CLI::App* c = n.verb("check", "Verify signed delivery receipts (XML-DSig by a hub, offline)",
                       [chk] { return run_check(*chk); });
  c->add_option("--trust,--trust-anchors", chk->trust, "PEM trust anchors (repeatable, at least one)")
      ->required()
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  c->add_option("--intermediate,--intermediates", chk->intermediates, "PEM intermediate CAs (repeatable)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  c->add_option("--crl", chk->crls, "PEM CRLs (repeatable); when given, revocation is checked")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  c->add_option("--document", chk->document, "the delivered document: its SHA-256 must be the receipt's")
      ->check(CLI::ExistingFile);
  c->add_option("--issuer", chk->issuer, "require this issuing hub name");
  c->add_option("--hub-cert", chk->hub_certs,
                "PEM hub certificate(s), repeatable or a bundle: the receipt must be signed by one "
                "of them (the hub's certificates across key rollovers)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  c->add_flag("--json", chk->json, "print a JSON array of results");
  c->add_option("FILE", chk->files, "receipt files")->required();
  return n.runner();
}

}  // namespace docaxis::cli
