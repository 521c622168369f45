// PgStore: open, the worker and read plumbing, ingest, package reads, integrity.
#include "store_pg/pg_store.hpp"

#include <chrono>
#include <future>
#include <utility>

#include "store/package_codec.hpp"
#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_lease.hpp"
#include "store_pg/pg_migrations.hpp"
#include "store_pg/pg_rows.hpp"
#include "store_pg/pg_writer.hpp"

namespace docaxis::store {

using pg::bytes;
using pg::null;
using pg::num;
using pg::opt_num;
using pg::text;

namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PgStore::PgStore(PgStoreOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = system_now_ms;
}

PgStore::~PgStore() {
  writer_.reset();
  reader_.reset();
}

Result<std::unique_ptr<PgStore>> PgStore::open(PgStoreOptions options) {
  auto node = pg::node_name(std::move(options.node));
  if (!node) return node.status();
  options.node = std::move(*node);
  if (options.lease_ms < 1 || options.lease_ms > 7LL * 24 * 3600 * 1000) {
    return Status("invalid-argument", "the claims' lease lasts 1 ms to 7 days, not " +
                                          std::to_string(options.lease_ms) + " ms");
  }
  std::unique_ptr<PgStore> store(new PgStore(std::move(options)));
  auto writer = pg::Conn::connect(store->options_.conninfo, {store->options_.require_synchronous_standby});
  if (!writer) return writer.status();
  if (Status s = pg::migrate(**writer, store->now_ms()); !s.ok()) return s;
  // The node's identity, held by the writer's session (and taken again at its reconnects).
  auto id = pg::register_node(**writer, store->options_.node);
  if (!id) return id.status();
  if (Status s = pg::lock_node(**writer, *id, store->options_.node, true); !s.ok()) return s;
  (*writer)->set_session_setup([id = *id, node = store->options_.node](pg::Conn& c) {
    return pg::lock_node(c, id, node, false);
  });
  auto reader = pg::Conn::connect(store->options_.conninfo, {store->options_.require_synchronous_standby});
  if (!reader) return reader.status();
  store->reader_ = std::move(*reader);
  store->writer_ = std::make_unique<pg::PgWriter>(
      std::move(*writer),
      pg::PgWriterLimits{store->options_.max_batch_jobs, store->options_.max_batch_bytes});
  return store;
}

int PgStore::writer_backend_pid() const { return writer_->backend_pid(); }
uint64_t PgStore::commits() const { return writer_->commits(); }

StoreCounters PgStore::counters() const {
  StoreCounters c;
  writer_->fill(c);  // wal_frames and page_size stay 0: PostgreSQL's WAL is the server's
  c.packages_stored = packages_stored_.load(std::memory_order_relaxed);
  c.duplicates = duplicates_.load(std::memory_order_relaxed);
  c.conflicts = conflicts_.load(std::memory_order_relaxed);
  return c;
}

Status PgStore::last_commit_failure() const { return writer_->last_commit_failure(); }

Status PgStore::write(std::function<Status(pg::Conn&)> apply, bool ordered) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  writer_->submit({std::move(apply), [&promise](Status s) { promise.set_value(std::move(s)); },
                   0, ordered});
  return future.get();
}

Status PgStore::read(const std::function<Status(pg::Conn&)>& fn) {
  std::lock_guard lock(read_mu_);
  if (!reader_->ok()) {
    if (Status s = reader_->reset(); !s.ok()) return s;
  }
  Status s = fn(*reader_);
  // An idle connection learns that the server went away (restart, failover) only when used:
  // a read is idempotent, so it is tried once more on a new connection.
  if (!s.ok() && !reader_->ok()) {
    if (Status r = reader_->reset(); !r.ok()) return s;
    s = fn(*reader_);
  }
  return s;
}

void PgStore::ingest_async(StoredPackage pkg, std::vector<DeliverySpec> recipients,
                           IngestCallback done) {
  if (Status s = validate(pkg, recipients); !s.ok()) {
    done(std::move(s));
    return;
  }
  struct State {
    StoredPackage pkg;
    std::vector<DeliverySpec> recipients;
    IngestOutcome outcome;
  };
  const uint64_t weight = pkg.bytes.size();
  auto st = std::make_shared<State>(State{std::move(pkg), std::move(recipients), {}});
  pg::PgJob job;
  job.apply = [this, st](pg::Conn& c) {
    return ingest_in_transaction(c, st->pkg, st->recipients, st->outcome);
  };
  job.done = [this, st, done = std::move(done)](Status s) {
    if (!s.ok()) {
      if (s.code() == "duplicate-conflict") conflicts_.fetch_add(1, std::memory_order_relaxed);
      return done(std::move(s));
    }
    auto& counter =
        st->outcome.kind == IngestOutcome::Kind::kStored ? packages_stored_ : duplicates_;
    counter.fetch_add(1, std::memory_order_relaxed);
    done(st->outcome);
  };
  job.weight_bytes = weight;
  job.ordered = true;
  writer_->submit(std::move(job));
}

Status PgStore::ingest_in_transaction(pg::Conn& c, const StoredPackage& pkg,
                                      const std::vector<DeliverySpec>& recipients,
                                      IngestOutcome& out) {
  // The key first: a concurrent insert of the same key (another node) makes this one wait
  // for its commit, then do nothing, and the lookup below sees the committed row.
  const PackageVerdict& v = pkg.verdict;
  auto claimed = c.exec(
      "INSERT INTO dedup_keys (document_id, sender, message_type, sha256_hex, created_ms, "
      "about_seq, about_delivery) VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT DO NOTHING RETURNING 1",
      {text(pkg.document_id), text(pkg.sender), text(pkg.message_type), text(pkg.sha256_hex),
       num(pkg.received_ms), opt_num(v.about_seq), opt_num(v.about_delivery)});
  if (!claimed) return claimed.status();
  if (claimed->size() == 0) {
    // A duplicate. The key row is updated (a write), so this transaction's COMMIT waits for
    // synchronous replication like a stored one: a duplicate is answered only once the
    // original is on the standby too.
    auto found = c.exec(
        "UPDATE dedup_keys SET last_duplicate_ms = $4 WHERE document_id = $1 AND sender = $2 "
        "AND message_type = $3 RETURNING sha256_hex, seq",
        {text(pkg.document_id), text(pkg.sender), text(pkg.message_type), num(now_ms())});
    if (!found) return found.status();
    if (found->size() != 1) return Status("internal", "duplicate key vanished");
    const std::string stored_sha = found->text_at(0, 0);
    const uint64_t stored_seq = static_cast<uint64_t>(found->int_at(0, 1));
    if (stored_sha == pkg.sha256_hex) {
      out = {IngestOutcome::Kind::kDuplicate, stored_seq};
      return Status();
    }
    return Status("duplicate-conflict",
                  pkg.message_type + " " + pkg.document_id + " from " + pkg.sender +
                      " was already stored (seq " + std::to_string(stored_seq) + ", sha256 " +
                      stored_sha + "); these bytes differ (sha256 " + pkg.sha256_hex + ")");
  }
  // One round trip: the seq, the row, the key's seq and the deliveries (arrays).
  std::vector<std::string> to, hops;
  std::vector<int64_t> due;
  for (const DeliverySpec& r : recipients) {
    to.push_back(r.recipient);
    hops.push_back(r.next_hop);
    due.push_back(r.not_before_ms != 0 ? r.not_before_ms : pkg.received_ms);
  }
  auto inserted = c.exec(
      "WITH s AS (SELECT nextval('package_seq') AS seq), "
      "p AS (INSERT INTO packages (seq, message_type, sender, document_id, sha256_hex, "
      "received_ms, from_endpoint, relaxations, hops, verdict, size, bytes, verdict_form, signed, "
      "signer, signature_method, unsigned_note, relaxation_reason, relayed_by, "
      "left_to_earlier_hubs, receipt_issuer, receipt_outcome, about_document, about_sha256, "
      "about_seq, about_delivery, title, notation, about_recipient, about_reason) "
      "SELECT s.seq, $1, $2, $3, $4, $5::bigint, $6, $7, $8, $9, $10::bigint, $11::bytea, $12, "
      "$13::boolean, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24::bigint, $25::bigint, "
      "$26, $27, $28, $29 FROM s RETURNING seq), "
      "k AS (UPDATE dedup_keys SET seq = (SELECT seq FROM p) WHERE document_id = $3 "
      "AND sender = $2 AND message_type = $1), "
      "d AS (INSERT INTO deliveries (seq, recipient, next_hop, state, next_attempt_ms, "
      "created_ms, updated_ms) SELECT p.seq, r.recipient, r.hop, 'waiting', r.due, $5::bigint, "
      "$5::bigint FROM p, unnest($30::text[], $31::text[], $32::bigint[]) AS r(recipient, hop, due)) "
      "SELECT seq FROM p",
      {text(pkg.message_type), text(pkg.sender), text(pkg.document_id), text(pkg.sha256_hex),
       num(pkg.received_ms), text(pkg.from_endpoint), text(encode_strings(pkg.relaxations)),
       text(encode_hops(pkg.hops)), text(describe_verdict(pkg)),
       num(static_cast<int64_t>(pkg.bytes.size())), bytes(pkg.bytes),
       text(std::string(to_string(v.form))), text(v.is_signed ? "t" : "f"),
       text(v.signer_subject), text(v.signature_method), text(v.unsigned_note),
       text(v.relaxation_reason), text(v.relayed_by), text(encode_left(v.left_to_earlier_hubs)),
       text(v.receipt_issuer), text(v.receipt_outcome), text(v.about_document),
       text(v.about_sha256), opt_num(v.about_seq), opt_num(v.about_delivery), text(pkg.title),
       text(pkg.notation), text(v.about_recipient), text(v.about_reason),
       text(pg::text_array(to)), text(pg::text_array(hops)), text(pg::int_array(due))});
  if (!inserted) return inserted.status();
  if (inserted->size() != 1) return Status("internal", "the package insert returned no seq");
  const int64_t seq = inserted->int_at(0, 0);
  out = {IngestOutcome::Kind::kStored, static_cast<uint64_t>(seq)};
  return Status();
}

Result<StoredPackage> PgStore::load_package(uint64_t seq) {
  StoredPackage p;
  Status s = read([&](pg::Conn& c) -> Status {
    auto rows = c.exec("SELECT " DOCAXIS_PG_PACKAGE_COLUMNS " FROM packages WHERE seq = $1",
                       {num(static_cast<int64_t>(seq))});
    if (!rows) return rows.status();
    if (rows->size() == 0) return Status("not-found", "no package with seq " + std::to_string(seq));
    auto parsed = pg::read_package(*rows, 0, seq);
    if (!parsed) return parsed.status();
    p = std::move(*parsed);
    return Status();
  });
  if (!s.ok()) return s;
  return p;
}

Result<std::vector<PackageSummary>> PgStore::list_packages(const PackageFilter& f) {
  std::vector<PackageSummary> out;
  Status s = read([&](pg::Conn& c) -> Status {
    auto opt_text = [](const std::optional<std::string>& v) { return v ? text(*v) : null(); };
    auto rows = c.exec(
        "SELECT seq, message_type, sender, document_id, sha256_hex, size, received_ms, "
        "from_endpoint, released_ms FROM packages WHERE seq > $1 "
        "AND ($2::text IS NULL OR sender = $2) "
        "AND ($3::text IS NULL OR seq IN (SELECT seq FROM dedup_keys WHERE document_id = $3)) "
        "AND ($4::text IS NULL OR message_type = $4) "
        "AND ($5::bigint IS NULL OR received_ms >= $5) "
        "AND ($6::bigint IS NULL OR received_ms < $6) ORDER BY seq LIMIT $7",
        {num(static_cast<int64_t>(f.after_seq)), opt_text(f.sender), opt_text(f.document_id),
         opt_text(f.message_type), opt_num(f.received_from_ms), opt_num(f.received_to_ms),
         num(f.limit)});
    if (!rows) return rows.status();
    for (int i = 0; i < rows->size(); ++i) {
      out.push_back({static_cast<uint64_t>(rows->int_at(i, 0)), rows->text_at(i, 1),
                     rows->text_at(i, 2), rows->text_at(i, 3), rows->text_at(i, 4),
                     static_cast<uint64_t>(rows->int_at(i, 5)), rows->int_at(i, 6),
                     rows->text_at(i, 7), rows->int_at(i, 8)});
    }
    return Status();
  });
  if (!s.ok()) return s;
  return out;
}

// PostgreSQL has no whole-database check without extensions (amcheck, pg_checksums offline);
// this checks what the store itself relies on and reports the first problems.
Status PgStore::check_integrity() {
  return read([](pg::Conn& c) -> Status {
    static const char* kChecks[][2] = {
        {"packages whose bytes differ in length from size",
         "SELECT count(*) FROM packages WHERE released_ms IS NULL "
         "AND coalesce(octet_length(bytes), -1) <> size"},
        {"packages without their duplicate key",
         "SELECT count(*) FROM packages p WHERE NOT EXISTS (SELECT 1 FROM dedup_keys k "
         "WHERE k.seq = p.seq)"},
        {"duplicate keys naming a missing package",
         "SELECT count(*) FROM dedup_keys k WHERE k.seq IS NOT NULL AND NOT EXISTS "
         "(SELECT 1 FROM packages p WHERE p.seq = k.seq)"},
        {"packages with a seq beyond the sequence",
         "SELECT count(*) FROM packages WHERE seq > (SELECT last_value FROM package_seq)"}};
    std::string problems;
    for (const auto& check : kChecks) {
      auto rows = c.exec(check[1]);
      if (!rows) return rows.status();
      if (rows->int_at(0, 0) != 0) {
        problems += (problems.empty() ? "" : "; ") + rows->text_at(0, 0) + " " + check[0];
      }
    }
    if (problems.empty()) return Status();
    return Status("data-loss", "PostgreSQL store check found: " + problems);
  });
}

}  // namespace docaxis::store
