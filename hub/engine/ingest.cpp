#include "engine/ingest.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "audit/events.hpp"
#include "common/crash_only.hpp"
#include "common/strings.hpp"
#include "common/thread_name.hpp"
#include "edxml/model.hpp"
#include "edxml/receipt.hpp"
#include "log/log.hpp"
#include "model/codes.hpp"
#include "routing/hops.hpp"

namespace docaxis::engine {
namespace {

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "r (via p),..." for the routing-loop refusal.
std::string describe(const std::vector<store::LeftRecipient>& left) {
  std::vector<std::string> parts;
  parts.reserve(left.size());
  for (const auto& l : left) parts.push_back(l.recipient + " (via " + l.via + ")");
  return join(parts, ",");
}

}  // namespace

struct Ingest::Job {
  IncomingPackage in;
  IngestDone done;
  std::size_t size = 0;  // of in.bytes, which move to the store
  std::atomic<bool> answered{false};
};

struct Ingest::Accepted {
  store::StoredPackage pkg;  // bytes are moved in only just before the store call
  std::vector<store::DeliverySpec> deliveries;
  std::string relaxation_reason;
};

Ingest::Ingest(store::Store& store, const PackageVerifier& verifier,
               const routing::EndpointRegistry& registry, const routing::RouteTable& routes,
               audit::AuditTrail* audit, IngestOptions options)
    : store_(store),
      verifier_(verifier),
      registry_(registry),
      routes_(routes),
      audit_(audit),
      opt_(std::move(options)),
      sampler_(opt_.refusal_records_per_second) {
  if (!opt_.clock) opt_.clock = system_ms;
  const std::size_t n = std::max<std::size_t>(1, opt_.workers);
  for (std::size_t i = 0; i < n; ++i) {
    workers_.emplace_back([this] {
      name_this_thread("dx-verify");
      run_guarded("dx-verify", [this] { worker_loop(); });
    });
  }
}

Ingest::~Ingest() {
  std::unique_lock lk(mu_);
  closing_ = true;
  idle_cv_.wait(lk, [this] { return pending_ == 0; });
  stopping_ = true;
  lk.unlock();
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  if (audit_ != nullptr) {
    if (auto summaries = sampler_.flush(); !summaries.empty()) {
      (void)audit_->append_deferred(std::move(summaries));
    }
  }
}

template <class F>
void Ingest::guarded(const std::shared_ptr<Job>& job, const char* where, F&& step) noexcept {
  // A component that throws (it should return a Status) fails this one package, truthfully
  // and retryably; the thread goes on with the next one. If even the answer throws, the
  // thread's run_guarded ends the process (crash-only).
  try {
    std::forward<F>(step)();
  } catch (const std::exception& e) {
    refuse(*job, Status("internal", std::string(where) + ": unexpected exception: " + e.what()),
           "", "");
  } catch (...) {
    refuse(*job, Status("internal", std::string(where) + ": unexpected exception"), "", "");
  }
}

void Ingest::submit(IncomingPackage package, IngestDone done) {
  received_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lk(mu_);
    if (!closing_ && pending_ < std::max<std::size_t>(1, opt_.max_pending)) {
      ++pending_;
      auto job = std::make_shared<Job>();
      job->size = package.bytes.size();
      job->in = std::move(package);
      job->done = std::move(done);
      tasks_.emplace_back([this, job] { run_pipeline(job); });
      cv_.notify_one();
      return;
    }
  }
  overloaded_.fetch_add(1, std::memory_order_relaxed);
  done(Status("overloaded", "ingest queue full (" + std::to_string(opt_.max_pending) +
                                " packages pending) or shutting down; retry later"));
}

void Ingest::post(std::function<void()> task) {
  {
    std::lock_guard lk(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void Ingest::worker_loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

Status Ingest::check(const IncomingPackage& in, std::int64_t now_ms, Accepted& out) const {
  // 1. Size, before any parsing.
  if (std::cmp_greater(in.bytes.size(), opt_.max_package_bytes)) {
    return Status("too-large", "package of " + std::to_string(in.bytes.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(opt_.max_package_bytes) + " bytes");
  }
  if (in.address == "receipt") return check_receipt(in, now_ms, out);

  // 2. Verification with this connection's policy: the union of the relaxations of the
  // endpoints it may speak for (one endpoint per certificate in practice); peers and unknown
  // connections get the strict default, since relayed packages are re-verified at every hop.
  const model::ConnectionIdentity id = registry_.identify(in.from);
  VerifyPolicy policy;
  for (const auto& [organ, endpoint] : registry_.endpoints()) {
    auto auth = registry_.authorize_sender(id, organ);
    if (!auth.ok() || auth->via_peer) continue;
    policy.allow_sha1 = policy.allow_sha1 || auth->relaxations.allow_sha1;
    policy.allow_unsigned = policy.allow_unsigned || auth->relaxations.allow_unsigned;
    if (auth->relaxations.any()) out.relaxation_reason = auth->relaxations.reason;
  }
  // A peer trusted to relay some organs' unsigned packages ([[peers]] allow_unsigned_from):
  // parse them; step 3 verifies again with exactly the sending organ's policy.
  if (const routing::Peer* p = registry_.verified_peer(id); p && !p->allow_unsigned_from.empty()) {
    policy.allow_unsigned = true;
  }
  const auto verify_began = std::chrono::steady_clock::now();
  auto verified = verifier_.verify_package(in.bytes, policy);
  verify_seconds_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - verify_began).count());
  if (!verified.ok()) return verified.status();
  const edxml::Package& pkg = verified->package;
  const auto& h = pkg.header;
  out.pkg.sender = h.from.organ_id;
  out.pkg.document_id = h.document_id;
  if (pkg.has_errors()) return pkg.first_error();
  const bool is_status = pkg.kind == edxml::PackageKind::status;
  const std::string kind = is_status ? "status" : "edoc";
  if (in.address != kind) {
    return Status("wrong-address", "a " + std::string(is_status ? "status" : "document") +
                                       " package was sent to link address \"" + in.address +
                                       "\"; it belongs on \"" + kind + "\"");
  }

  // 3. Authorisation: the connection may send for From/OrganId (the verifier has bound the
  // signer to the same organ unless the package is accepted unsigned).
  if (!h.from.parsed_organ_id) {
    return Status("invalid-organ-id", "From/OrganId \"" + h.from.organ_id + "\" is invalid");
  }
  auto auth = registry_.authorize_sender(id, *h.from.parsed_organ_id);
  if (!auth.ok()) return auth.status();
  // Relaxations are the sending organ's, never the union over every endpoint the certificate is
  // bound to: when the union was wider, verify again with exactly the organ's policy.
  const VerifyPolicy organ_policy{auth->relaxations.allow_sha1,
                                        auth->relaxations.allow_unsigned};
  out.relaxation_reason = auth->relaxations.any() ? auth->relaxations.reason : std::string();
  if (organ_policy.allow_sha1 != policy.allow_sha1 ||
      organ_policy.allow_unsigned != policy.allow_unsigned) {
    auto strict = verifier_.verify_package(in.bytes, organ_policy);
    if (!strict.ok()) return strict.status();
    verified->verdict = std::move(strict->verdict);
  }

  // 4. Hop trail.
  model::Trail trail;  // as received
  if (Status s = read_trail(in, id, trail); !s.ok()) return s;

  // 5. Routing: documents of every BussinessDocType go to each To; a status to ResponseFor.
  std::vector<std::string> recipients;
  if (is_status) {
    if (!h.response_for.empty()) recipients.push_back(h.response_for.front().organ_id);
  } else {
    for (const auto& to : h.to) recipients.push_back(to.organ_id);
  }
  if (recipients.empty()) {
    return Status("no-route", std::string("the package names no recipient (") +
                                  (is_status ? "ResponseFor/OrganId" : "To/OrganId") + ")");
  }
  // A relayed package names every recipient, including those an earlier hub of the trail
  // routed elsewhere: a recipient whose route leads back into the trail is that hub's, not
  // ours. (From a local endpoint the trail is empty, so nothing is skipped.)
  std::vector<store::LeftRecipient> left_to_trail;
  for (const auto& r : recipients) {
    const bool seen = std::any_of(out.deliveries.begin(), out.deliveries.end(),
                                  [&](const store::DeliverySpec& d) { return d.recipient == r; });
    if (seen) continue;
    auto hop = routes_.resolve(r);
    if (!hop.ok()) return hop.status();
    if (!hop->is_local()) {
      if (Status s = routing::check_forward(trail, hop->peer); !s.ok()) {
        if (trail.empty()) return Status(s.code(), "recipient " + r + ": " + s.message());
        left_to_trail.push_back({r, hop->peer});
        continue;
      }
    }
    out.deliveries.push_back(store::DeliverySpec{
        r, hop->is_local() ? std::string(store::kLocalHop) : hop->peer, 0});
  }
  if (out.deliveries.empty()) {
    return Status("routing-loop",
                  "every recipient of this relayed package routes back along "
                  "its trail (" +
                      model::format_trail(trail) + "): " + describe(left_to_trail));
  }

  // 6. Duplicate key and digest. Status packages have no DocumentId of their own: one status
  // is (the document it answers, its code, its timestamp).
  if (is_status) {
    const auto& rf = h.response_for.front();
    out.pkg.document_id = "status:" + rf.document_id + "|" + h.status_code + "|" + h.timestamp;
  }
  out.pkg.message_type = kind;
  out.pkg.sha256_hex = edxml::sha256_hex(in.bytes);
  out.pkg.received_ms = now_ms;
  out.pkg.from_endpoint = id.is_peer()          ? "peer " + id.peer + " " + id.subject
                          : !id.system.empty() ? "vxp:" + id.system
                                               : id.subject;
  if (!is_status) {
    out.pkg.title = h.subject;
    out.pkg.notation = h.code.code_notation.empty()
                           ? h.code.code_number
                           : h.code.code_number + "/" + h.code.code_notation;
  }
  out.pkg.relaxations = verified->verdict.relaxations;
  out.pkg.hops = std::move(trail);
  out.pkg.hops.push_back(model::Hop{opt_.hub_name, now_ms});
  const auto& v = verified->verdict;
  store::PackageVerdict& pv = out.pkg.verdict;
  pv.form = store::PackageVerdict::Form::kPackage;
  pv.is_signed = v.is_signed;
  if (v.is_signed) {
    pv.signer_subject = v.signer_subject;
    pv.signature_method = v.signature_method;
  } else {
    pv.unsigned_note = v.note;
  }
  if (!v.relaxations.empty()) pv.relaxation_reason = out.relaxation_reason;
  if (auth->via_peer) pv.relayed_by = auth->peer;
  pv.left_to_earlier_hubs = std::move(left_to_trail);
  return Status();
}

// The trail received beside the package (`hub` or `hub@ms` entries), each entry parsed, then
// checked for loops and length with this hub: `trail` as received (the caller stores it with
// this hub appended). Only a peer hub may carry a trail: from an endpoint it could forge hubs
// into receipts or make recipients be skipped as "left to earlier hubs".
Status Ingest::read_trail(const IncomingPackage& in, const model::ConnectionIdentity& id,
                          model::Trail& trail) const {
  if (!in.hops.empty() && !id.is_peer()) {
    return Status("bad-hops", "only a peer hub may send a hop trail; this connection (" +
                                  (id.subject.empty() ? std::string("no certificate")
                                                      : model::printable(id.subject, 200)) +
                                  ") sent one of " + std::to_string(in.hops.size()) +
                                  " entries and is not a configured peer");
  }
  for (std::size_t i = 0; i < in.hops.size(); ++i) {
    auto entry = model::parse_hop(in.hops[i], i);
    if (!entry.ok()) return entry.status();
    trail.push_back(std::move(*entry));
  }
  return routing::check_ingest(trail, opt_.hub_name, opt_.max_hops);
}

// A delivery receipt relayed by a peer hub on its way back to the original sender. Only peers
// may send receipts; the receipt must be well-formed and signed by a certificate of our trust
// that carries urn:docaxis:hub:<IssuerHub> (receipt-issuer-mismatch otherwise: an organ key
// or another hub cannot speak for the issuer). It is routed to its Sender organ, the From of
// the document as the issuer signed it; when that organ is ours, the document must have
// entered the axis here (the receipt's first Hop is this hub), else receipt-misrouted.
// Duplicate key (sender = IssuerHub, ReceiptId, "receipt"): only the issuer can sign a
// receipt naming itself, so nobody else can occupy one of its receipt ids.
Status Ingest::check_receipt(const IncomingPackage& in, std::int64_t now_ms, Accepted& out) const {
  const model::ConnectionIdentity id = registry_.identify(in.from);
  if (!id.is_peer()) {
    return Status("unauthorized", "only a peer hub may send to \"receipt\"; this connection (" +
                                      (id.subject.empty() ? std::string("no certificate")
                                                          : id.subject) +
                                      ") is not a configured peer");
  }
  // Parse, verify (no organ binding), read: the port keeps that order and its codes.
  const auto verify_began = std::chrono::steady_clock::now();
  auto verified = verifier_.verify_receipt(in.bytes);
  verify_seconds_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - verify_began).count());
  if (!verified.ok()) return verified.status();
  const edxml::DeliveryReceipt* r = &verified->receipt;
  const Verdict* verdict = &verified->verdict;
  out.pkg.sender = r->issuer_hub;
  out.pkg.document_id = r->receipt_id;
  if (Status s = edxml::check_receipt_issuer(*r, verdict->signer_uris, verdict->signer_subject);
      !s.ok()) {
    return s;
  }

  model::Trail trail;  // as received
  if (Status s = read_trail(in, id, trail); !s.ok()) return s;
  auto hop = routes_.resolve(r->sender);
  if (!hop.ok()) return hop.status();
  if (!hop->is_local()) {
    if (Status s = routing::check_forward(trail, hop->peer); !s.ok()) return s;
  } else if (r->hops.empty() || r->hops.front().hub != opt_.hub_name) {
    return Status("receipt-misrouted",
                  "receipt \"" + r->receipt_id + "\" from " + r->issuer_hub + " is about document \"" +
                      r->document_id + "\" of our organ " + r->sender + ", but that document " +
                      (r->hops.empty() ? std::string("crossed no hub")
                                       : "entered the axis at hub " + r->hops.front().hub) +
                      ", not here (" + opt_.hub_name + "); it is not that organ's receipt");
  }
  if (!hop->is_local() || !opt_.keeps_receipts || !opt_.keeps_receipts(r->sender)) {
    out.deliveries.push_back(store::DeliverySpec{
        r->sender, hop->is_local() ? std::string(store::kLocalHop) : hop->peer, 0});
  }
  out.pkg.message_type = "receipt";
  out.pkg.sender = r->issuer_hub;
  out.pkg.document_id = r->receipt_id;
  out.pkg.sha256_hex = edxml::sha256_hex(in.bytes);
  out.pkg.received_ms = now_ms;
  out.pkg.from_endpoint = "peer " + id.peer + " " + id.subject;
  out.pkg.hops = std::move(trail);
  out.pkg.hops.push_back(model::Hop{opt_.hub_name, now_ms});
  store::PackageVerdict& pv = out.pkg.verdict;
  pv.form = store::PackageVerdict::Form::kRelayedReceipt;
  pv.is_signed = verdict->is_signed;
  pv.signer_subject = verdict->signer_subject;
  pv.signature_method = verdict->signature_method;
  pv.relayed_by = id.peer;
  pv.receipt_issuer = r->issuer_hub;
  pv.receipt_outcome = r->outcome;
  pv.about_document = r->document_id;
  pv.about_sha256 = r->delivered_sha256_hex;
  pv.about_recipient = r->recipient;
  pv.about_reason = r->reason;
  return Status();
}

void Ingest::run_pipeline(const std::shared_ptr<Job>& job) {
  guarded(job, "ingest", [&] {
    // 0. Free disk space, before any work: refuse early rather than fail a write later.
    if (opt_.disk_floor) {
      if (Status s = opt_.disk_floor->check(); !s.ok()) return refuse(*job, s, "", "");
    }
    auto acc = std::make_shared<Accepted>();
    const Status s = check(job->in, opt_.clock(), *acc);
    if (!s.ok()) return refuse(*job, s, acc->pkg.document_id, acc->pkg.sender);
    acc->pkg.bytes = std::move(job->in.bytes);
    auto deliveries = acc->deliveries;
    store_.ingest_async(acc->pkg, std::move(deliveries),
                        [this, job, acc](Result<store::IngestOutcome> outcome) {
                          // On the store's completer thread: nothing here waits (the audit
                          // append is asynchronous), so there is no hop back to the workers.
                          guarded(job, "ingest commit", [&] {
                            finish_stored(job, acc, std::move(outcome));
                          });
                        });
  });
}

void Ingest::finish_stored(std::shared_ptr<Job> job, std::shared_ptr<Accepted> acc,
                           Result<store::IngestOutcome> outcome) {
  const auto& p = acc->pkg;
  if (!outcome.ok()) {
    refuse(*job, outcome.status(), p.document_id, p.sender);
    return;
  }
  const bool stored = outcome->kind == store::IngestOutcome::Kind::kStored;
  const uint64_t seq = outcome->seq;
  // Answered once the audit record is durable (or at once without an audit log).
  auto answer_with = [this, job, acc, stored, seq](Status answer_status) {
    guarded(job, "ingest answer", [&] {
      if (answer_status.ok()) {
        (stored ? accepted_ : duplicates_).fetch_add(1, std::memory_order_relaxed);
      } else {
        std::lock_guard lk(refused_mu_);
        ++refused_[answer_status.code()];
      }
      // on_stored first: once answered, the Ingest may be destroyed (its destructor waits
      // for answers only), so nothing may touch `this` after answer().
      if (stored && opt_.on_stored) opt_.on_stored(seq, acc->deliveries);
      answer(*job, answer_status);
    });
  };
  if (audit_ != nullptr) {
    audit::events::PackageFacts facts{p.from_endpoint, p.document_id, p.sender, seq,
                                      p.message_type, {}, p.relaxations, p.sha256_hex,
                                      p.bytes.size(), store::describe_verdict(p)};
    for (const auto& d : acc->deliveries) facts.recipients.push_back(d.recipient + "@" + d.next_hop);
    std::vector<audit::Event> events;
    events.push_back(audit::events::package_stored(stored, facts));
    audit_->append_async(std::move(events), [answer_with](Result<std::uint64_t> r) {
      // The package is committed either way; without its audit record the sender is told
      // to retry (released), which will find it as a duplicate once the log works again
      // (the log recovers by itself from I/O errors).
      answer_with(r.ok() ? Status()
                         : Status("unavailable", "audit log: " + r.status().to_string()));
    });
    return;
  }
  answer_with(Status());
}

void Ingest::refuse(Job& job, const Status& status, const std::string& doc,
                    const std::string& organ) {
  {
    std::lock_guard lk(refused_mu_);
    ++refused_[status.code()];
  }
  // A refusal is answered at once, without waiting for its record: nothing was accepted.
  // Its record is best effort and must not fail the answer.
  try {
    audit_refusal(job, status, doc, organ);
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): counted above
  }
  answer(job, status);
}

void Ingest::audit_refusal(const Job& job, const Status& status, const std::string& doc,
                           const std::string& organ) {
  // Sampled, and never synced one by one: a client sending junk in a loop must not turn
  // into an fdatasync (and a record) per package. The log follows the same sampling.
  std::vector<audit::Event> events;
  const std::int64_t now = opt_.clock();
  const bool sampled = sampler_.sample(status.code(), now, events);
  log_refusal(job.in.from, job.in.address, job.size, status, doc, organ, sampled, events);
  if (sampled && opt_.on_refused) {
    try {
      opt_.on_refused(
          RefusalNote{now, status.code(), status.message(), doc, organ, job.in.from.subject, job.size});
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): see IngestOptions
    }
  }
  if (audit_ == nullptr) return;
  if (sampled) {
    events.push_back(audit::events::package_refused(model::is_transient(status.code()),
                                                    job.in.from.subject, doc, organ, status.code(),
                                                    status.message(), job.in.address, job.size));
  }
  if (!events.empty()) (void)audit_->append_deferred(std::move(events));
}

void Ingest::answer(Job& job, const Status& status) {
  if (job.answered.exchange(true)) return;
  auto done = std::move(job.done);
  // The package is answered (or the answer could not be given: nothing more can be told to
  // its sender); either way its admission slot is given back, and nothing may touch `this`
  // after that.
  try {
    if (done) done(status);
  } catch (const std::exception& e) {
    log::get("engine").error("answer-callback-threw", {{"reason", e.what()}});
  } catch (...) {
    log::get("engine").error("answer-callback-threw", {{"reason", "unknown exception"}});
  }
  std::lock_guard lk(mu_);
  if (--pending_ == 0) idle_cv_.notify_all();
}

IngestStats Ingest::stats() const {
  IngestStats s;
  s.received = received_.load(std::memory_order_relaxed);
  s.accepted = accepted_.load(std::memory_order_relaxed);
  s.duplicates = duplicates_.load(std::memory_order_relaxed);
  s.overloaded = overloaded_.load(std::memory_order_relaxed);
  s.verify_seconds = verify_seconds_.snapshot();
  std::lock_guard lk(refused_mu_);
  s.refused = refused_;
  return s;
}

}  // namespace docaxis::engine
