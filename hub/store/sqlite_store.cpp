#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <utility>

#include "store/checkpointer.hpp"
#include "store/group_commit.hpp"
#include "store/migrations.hpp"
#include "store/package_codec.hpp"
#include "store/segment_log.hpp"
#include "store/sqlite_db.hpp"
#include "tls/crypto.hpp"

namespace docaxis::store {
namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status take_lock(const std::string& path, int& fd_out) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status("unavailable", "cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status("failed-precondition",
                    "the store " + path + " is already open (another docaxis-hub holds " +
                        lock_path + ")");
    }
    return Status("unavailable", "cannot lock " + lock_path + ": " + std::strerror(err));
  }
  fd_out = fd;
  return Status();
}

Status configure_connection(sqlite::Db& db, const SqliteStoreOptions& o, bool writer) {
  if (Status s = db.exec("PRAGMA busy_timeout = " + std::to_string(o.busy_timeout_ms));
      !s.ok()) {
    return s;
  }
  if (!writer) return db.exec("PRAGMA query_only = 1");
  auto mode = db.query_text("PRAGMA journal_mode = WAL");
  if (!mode) return mode.status();
  if (*mode != "wal") {
    return Status("unavailable", "the store cannot use WAL (journal_mode is " + *mode + ")");
  }
  // temp_store = MEMORY: each job of a group commit runs in a SAVEPOINT, whose sub-journal
  // (the pages' contents before the job) would otherwise spill to a temporary file created,
  // written and deleted for every batch. cache_size: a batch of hundreds of packages dirties
  // megabytes of pages; with SQLite's default 2 MiB cache they spill to the WAL before the
  // COMMIT and are written more than once.
  return db.exec(std::string("PRAGMA synchronous = ") +
                 (o.fsync == FsyncMode::kFull ? "FULL" : "NORMAL") +
                 "; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 67108864;"
                 " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768;");
}

Status run_check(sqlite::Db& db, const char* pragma) {
  auto stmt = db.prepare(pragma);
  if (!stmt) return stmt.status();
  std::string problems;
  int lines = 0;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    std::string line = stmt->text_at(0);
    if (line == "ok") continue;
    if (lines++ < 5) problems += (problems.empty() ? "" : "; ") + line;
  }
  if (lines == 0) return Status();
  return Status("data-loss", std::string(pragma) + " found " + std::to_string(lines) +
                                 " problem(s): " + problems);
}

// The newest package's bytes must be in its segment: a segment folder lost or cut short (a
// restore of the database without it) is refused at open, not discovered on a delivery.
Status check_newest_segment(sqlite::Db& db, const SegmentLog& log) {
  auto stmt = db.prepare(
      "SELECT seq, segment, segment_offset + size FROM packages WHERE segment IS NOT NULL "
      "AND released_ms IS NULL ORDER BY seq DESC LIMIT 1");  // released: its file may be gone
  if (!stmt) return stmt.status();
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status();
  const int64_t have = log.file_size(stmt->int_at(1));
  if (have < stmt->int_at(2)) {
    return Status("data-loss", "package " + std::to_string(stmt->int_at(0)) + " ends at byte " +
                                   std::to_string(stmt->int_at(2)) + " of segment " +
                                   std::to_string(stmt->int_at(1)) + " in " + log.dir().string() +
                                   ", which " +
                                   (have < 0 ? std::string("is missing")
                                             : "holds " + std::to_string(have) + " bytes"));
  }
  return Status();
}

// load_package's answer for a package whose bytes retention released.
Status released_status(uint64_t seq, int64_t released_ms) {
  return Status("released", "package " + std::to_string(seq) +
                                ": its bytes were released by retention at " +
                                std::to_string(released_ms) + " (unix ms)");
}

}  // namespace

std::optional<FsyncMode> parse_fsync_mode(std::string_view text) {
  if (text == "full") return FsyncMode::kFull;
  if (text == "normal") return FsyncMode::kNormal;
  return std::nullopt;
}

SqliteStore::SqliteStore(SqliteStoreOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = system_now_ms;
}

SqliteStore::~SqliteStore() {
  writer_.reset();  // commits what is queued, joins the writer thread, closes its connection
  checkpointer_.reset();
  reader_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(SqliteStoreOptions options) {
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(options)));
  const SqliteStoreOptions& o = store->options_;
  if (Status s = take_lock(o.path, store->lock_fd_); !s.ok()) return s;

  auto writer_db = sqlite::Db::open(o.path);
  if (!writer_db) return writer_db.status();
  sqlite::Db& db = **writer_db;
  if (Status s = configure_connection(db, o, true); !s.ok()) return s;
  if (o.check_on_open != OpenCheck::kNone) {
    const char* pragma =
        o.check_on_open == OpenCheck::kFull ? "PRAGMA integrity_check" : "PRAGMA quick_check";
    if (Status s = run_check(db, pragma); !s.ok()) return s;
  }
  if (Status s = migrate(db, store->now_ms()); !s.ok()) return s;
  // A migration may have left a large WAL (0007 rebuilds the duplicate keys: ~500 MB per
  // million); nothing else is open yet, so it is emptied and cut now.
  if (Status s = db.exec("PRAGMA wal_checkpoint(TRUNCATE)"); !s.ok()) return s;

  auto segments = SegmentLog::open(o.path + "-packages", o.segment_bytes);
  if (!segments) return segments.status();
  store->segments_ = std::move(*segments);
  if (Status s = check_newest_segment(db, *store->segments_); !s.ok()) return s;

  auto reader_db = sqlite::Db::open(o.path);
  if (!reader_db) return reader_db.status();
  if (Status s = configure_connection(**reader_db, o, false); !s.ok()) return s;
  store->reader_ = std::move(*reader_db);

  // WAL checkpoints on their own connection and thread (checkpointer.hpp).
  auto checkpoint_db = sqlite::Db::open(o.path);
  if (!checkpoint_db) return checkpoint_db.status();
  if (Status s = (*checkpoint_db)->exec("PRAGMA busy_timeout = 1000"); !s.ok()) return s;
  store->checkpointer_ = std::make_unique<Checkpointer>(std::move(*checkpoint_db), 1000,
                                                        std::chrono::milliseconds(1000));
  if (Status s = db.exec("PRAGMA wal_autocheckpoint = 0"); !s.ok()) return s;
  if (auto size = db.query_text("PRAGMA page_size"); size.ok()) {
    store->page_size_ = std::strtoull(size->c_str(), nullptr, 10);
  }
  // SQLite's count is a 32-bit int: added up as the difference since the last commit, modulo
  // 2^32, so it neither wraps nor counts the migrations' pages.
  auto last_written = std::make_shared<uint32_t>(static_cast<uint32_t>(db.pages_written()));
  db.on_wal_commit([s = store.get(), cp = store->checkpointer_.get(), &db,
                    last_written](int frames) {
    const auto now_written = static_cast<uint32_t>(db.pages_written());
    s->wal_frames_.fetch_add(now_written - *last_written, std::memory_order_relaxed);
    *last_written = now_written;
    cp->after_commit(db, frames);
  });
  store->writer_ = std::make_unique<GroupCommitWriter>(
      std::move(*writer_db), GroupCommitLimits{o.max_batch_jobs, o.max_batch_bytes},
      [log = store->segments_.get()] { return log->sync(); });
  return store;
}

Status SqliteStore::write(std::function<Status(sqlite::Db&)> apply, uint64_t weight_bytes) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  writer_->submit(
      {std::move(apply), [&promise](Status s) { promise.set_value(std::move(s)); },
       weight_bytes});
  return future.get();
}

void SqliteStore::ingest_async(StoredPackage pkg, std::vector<DeliverySpec> recipients,
                               IngestCallback done) {
  if (Status s = validate(pkg, recipients); !s.ok()) {
    done(std::move(s));
    return;
  }
  struct State {
    StoredPackage pkg;
    std::vector<DeliverySpec> recipients;
    IngestOutcome outcome;
    tls::Sha256 digest;
  };
  const uint64_t weight = pkg.bytes.size();
  const tls::Sha256 digest = tls::sha256(pkg.bytes);  // here, not on the writer thread
  auto state =
      std::make_shared<State>(State{std::move(pkg), std::move(recipients), {}, digest});
  WriteJob job;
  job.apply = [this, state](sqlite::Db& db) {
    return ingest_in_transaction(db, state->pkg, state->recipients, state->outcome,
                                 &state->digest);
  };
  job.done = [this, state, done = std::move(done)](Status s) {
    if (!s.ok()) {
      if (s.code() == "duplicate-conflict") conflicts_.fetch_add(1, std::memory_order_relaxed);
      done(std::move(s));
      return;
    }
    auto& counter = state->outcome.kind == IngestOutcome::Kind::kStored ? packages_stored_
                                                                         : duplicates_;
    counter.fetch_add(1, std::memory_order_relaxed);
    done(state->outcome);
  };
  job.weight_bytes = weight;
  writer_->submit(std::move(job));
}

Status SqliteStore::ingest_in_transaction(sqlite::Db& db, const StoredPackage& pkg,
                                          const std::vector<DeliverySpec>& recipients,
                                          IngestOutcome& out, const tls::Sha256* digest) {
  auto find = db.prepare(
      "SELECT sha256_hex, seq FROM dedup_keys "
      "WHERE sender = ?1 AND document_id = ?2 AND message_type = ?3");
  if (!find) return find.status();
  find->bind(1, pkg.sender).bind(2, pkg.document_id).bind(3, pkg.message_type);
  auto found = find->step();
  if (!found) return found.status();
  if (*found) {
    std::string stored_sha = find->text_at(0);
    uint64_t stored_seq = find->null_at(1) ? 0 : static_cast<uint64_t>(find->int_at(1));
    if (stored_sha == pkg.sha256_hex) {
      out = {IngestOutcome::Kind::kDuplicate, stored_seq};
      return Status();
    }
    return Status("duplicate-conflict",
                  pkg.message_type + " " + pkg.document_id + " from " + pkg.sender +
                      " was already stored (seq " + std::to_string(stored_seq) +
                      ", sha256 " + stored_sha + "); these bytes differ (sha256 " +
                      pkg.sha256_hex + ")");
  }

  const PackageVerdict& v = pkg.verdict;
  auto insert = db.prepare(
      "INSERT INTO packages (message_type, sender, document_id, sha256_hex, received_ms, "
      "from_endpoint, relaxations, hops, verdict, size, bytes, verdict_form, signed, signer, "
      "signature_method, unsigned_note, relaxation_reason, relayed_by, left_to_earlier_hubs, "
      "receipt_issuer, receipt_outcome, about_document, about_sha256, about_seq, about_delivery, "
      "title, notation, about_recipient, about_reason, segment, segment_offset, segment_sha256) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)");
  if (!insert) return insert.status();
  // The bytes go to the segment now; the writer syncs it before this batch's COMMIT.
  auto where = segments_->append(pkg.bytes);
  if (!where) return where.status();
  const tls::Sha256 hashed = digest != nullptr ? *digest : tls::sha256(pkg.bytes);
  const std::string relaxations = encode_strings(pkg.relaxations);
  const std::string hops = encode_hops(pkg.hops);
  // `verdict`: the sentence, derived, for people reading the file; the hub reads the columns.
  const std::string sentence = describe_verdict(pkg);
  const std::string left = encode_left(v.left_to_earlier_hubs);
  auto opt = [&](int i, const std::optional<uint64_t>& n) {
    n ? insert->bind(i, static_cast<int64_t>(*n)) : insert->bind_null(i);
  };
  insert->bind(1, pkg.message_type).bind(2, pkg.sender).bind(3, pkg.document_id);
  insert->bind(4, pkg.sha256_hex).bind(5, pkg.received_ms).bind(6, pkg.from_endpoint);
  insert->bind(7, relaxations).bind(8, hops).bind(9, sentence);
  insert->bind(10, static_cast<int64_t>(pkg.bytes.size())).bind_blob(11, std::string_view());
  insert->bind(12, to_string(v.form)).bind(13, int64_t{v.is_signed ? 1 : 0});
  insert->bind(14, v.signer_subject).bind(15, v.signature_method).bind(16, v.unsigned_note);
  insert->bind(17, v.relaxation_reason).bind(18, v.relayed_by).bind(19, left);
  insert->bind(20, v.receipt_issuer).bind(21, v.receipt_outcome).bind(22, v.about_document);
  insert->bind(23, v.about_sha256);
  opt(24, v.about_seq);
  opt(25, v.about_delivery);
  insert->bind(26, pkg.title).bind(27, pkg.notation).bind(28, v.about_recipient);
  insert->bind(29, v.about_reason).bind(30, where->segment).bind(31, where->offset);
  insert->bind_blob(32, std::string_view(reinterpret_cast<const char*>(hashed.data()), hashed.size()));
  if (Status s = insert->run(); !s.ok()) return s;
  const int64_t seq = db.last_insert_rowid();

  auto key = db.prepare(
      "INSERT INTO dedup_keys (sender, document_id, message_type, sha256_hex, seq, "
      "created_ms, about_seq, about_delivery) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!key) return key.status();
  key->bind(1, pkg.sender).bind(2, pkg.document_id).bind(3, pkg.message_type);
  key->bind(4, pkg.sha256_hex).bind(5, seq).bind(6, pkg.received_ms);
  v.about_seq ? key->bind(7, static_cast<int64_t>(*v.about_seq)) : key->bind_null(7);
  v.about_delivery ? key->bind(8, static_cast<int64_t>(*v.about_delivery)) : key->bind_null(8);
  if (Status s = key->run(); !s.ok()) return s;

  auto delivery = db.prepare(
      "INSERT INTO deliveries (seq, recipient, next_hop, state, attempts, next_attempt_ms, "
      "created_ms, updated_ms) VALUES (?1, ?2, ?3, 'waiting', 0, ?4, ?5, ?5)");
  if (!delivery) return delivery.status();
  for (const DeliverySpec& r : recipients) {
    delivery->bind(1, seq).bind(2, r.recipient).bind(3, r.next_hop);
    delivery->bind(4, r.not_before_ms != 0 ? r.not_before_ms : pkg.received_ms);
    delivery->bind(5, pkg.received_ms);
    if (Status s = delivery->run(); !s.ok()) return s;
  }
  out = {IngestOutcome::Kind::kStored, static_cast<uint64_t>(seq)};
  return Status();
}

Result<StoredPackage> SqliteStore::load_package(uint64_t seq) {
  std::unique_lock lock(read_mu_);
  auto stmt = reader_->prepare(
      "SELECT message_type, sender, document_id, sha256_hex, received_ms, from_endpoint, "
      "relaxations, hops, verdict, bytes, verdict_form, signed, signer, signature_method, "
      "unsigned_note, relaxation_reason, relayed_by, left_to_earlier_hubs, receipt_issuer, "
      "receipt_outcome, about_document, about_sha256, about_seq, about_delivery, title, notation, "
      "about_recipient, about_reason, segment, segment_offset, size, segment_sha256, released_ms "
      "FROM packages WHERE seq = ?1");
  if (!stmt) return stmt.status();
  stmt->bind(1, static_cast<int64_t>(seq));
  auto row = stmt->step();
  if (!row) return row.status();
  if (!*row) return Status("not-found", "no package with seq " + std::to_string(seq));
  if (!stmt->null_at(32)) return released_status(seq, stmt->int_at(32));
  StoredPackage p;
  p.seq = seq;
  p.message_type = stmt->text_at(0);
  p.sender = stmt->text_at(1);
  p.document_id = stmt->text_at(2);
  p.sha256_hex = stmt->text_at(3);
  p.received_ms = stmt->int_at(4);
  p.from_endpoint = stmt->text_at(5);
  auto relaxations = decode_strings(stmt->text_at(6), seq);
  if (!relaxations) return relaxations.status();
  p.relaxations = std::move(*relaxations);
  auto hops = decode_hops(stmt->text_at(7), seq);
  if (!hops) return hops.status();
  p.hops = std::move(*hops);
  const bool in_segment = !stmt->null_at(28);
  const SegmentRef ref{in_segment ? stmt->int_at(28) : 0, in_segment ? stmt->int_at(29) : 0};
  const int64_t size = stmt->int_at(30);
  const std::string expected_sha = in_segment ? stmt->blob_at(31) : "";
  if (!in_segment) p.bytes = stmt->blob_at(9);  // stored before the segments (schema 6)
  PackageVerdict& v = p.verdict;
  const std::string form = stmt->text_at(10);
  auto parsed = parse_verdict_form(form);
  if (!parsed) {
    return Status("data-loss", "package " + std::to_string(seq) + " has unknown verdict_form '" +
                                   form + "'");
  }
  v.form = *parsed;
  if (v.form == PackageVerdict::Form::kLegacy) v.legacy_text = stmt->text_at(8);
  v.is_signed = stmt->int_at(11) != 0;
  v.signer_subject = stmt->text_at(12);
  v.signature_method = stmt->text_at(13);
  v.unsigned_note = stmt->text_at(14);
  v.relaxation_reason = stmt->text_at(15);
  v.relayed_by = stmt->text_at(16);
  auto left = decode_left(stmt->text_at(17), seq);
  if (!left) return left.status();
  v.left_to_earlier_hubs = std::move(*left);
  v.receipt_issuer = stmt->text_at(18);
  v.receipt_outcome = stmt->text_at(19);
  v.about_document = stmt->text_at(20);
  v.about_sha256 = stmt->text_at(21);
  if (!stmt->null_at(22)) v.about_seq = static_cast<uint64_t>(stmt->int_at(22));
  if (!stmt->null_at(23)) v.about_delivery = static_cast<uint64_t>(stmt->int_at(23));
  p.title = stmt->text_at(24);
  p.notation = stmt->text_at(25);
  v.about_recipient = stmt->text_at(26);
  v.about_reason = stmt->text_at(27);
  if (!in_segment) return p;
  { sqlite::Stmt release = std::move(*stmt); }  // the statement goes back to the cache under the lock
  lock.unlock();  // reading and hashing the bytes holds no other read back
  auto bytes = segments_->read(ref, size < 0 ? uint64_t{1} << 41 : static_cast<uint64_t>(size));
  if (!bytes) {
    // Retention may have released the package and deleted its segment since the row was
    // read (the lock is not held across the read): that is `released`, not a loss.
    if (auto released = released_since(seq); released) return *released;
    return bytes.status();
  }
  const tls::Sha256 digest = tls::sha256(*bytes);
  if (expected_sha !=
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())) {
    return Status("data-loss", "package " + std::to_string(seq) + ": the bytes in segment " +
                                   std::to_string(ref.segment) + " at " +
                                   std::to_string(ref.offset) + " do not match their sha256");
  }
  p.bytes = std::move(*bytes);
  return p;
}

std::optional<Status> SqliteStore::released_since(uint64_t seq) {
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare("SELECT released_ms FROM packages WHERE seq = ?1");
  if (!stmt) return std::nullopt;
  stmt->bind(1, static_cast<int64_t>(seq));
  auto row = stmt->step();
  if (!row || !*row || stmt->null_at(0)) return std::nullopt;
  return released_status(seq, stmt->int_at(0));
}

Result<std::vector<PackageSummary>> SqliteStore::list_packages(const PackageFilter& f) {
  std::lock_guard lock(read_mu_);
  auto stmt = reader_->prepare(
      "SELECT seq, message_type, sender, document_id, sha256_hex, size, received_ms, "
      "from_endpoint, released_ms FROM packages WHERE seq > ?1 "
      "AND (?2 IS NULL OR sender = ?2) " +
      // With a document id, the packages come from its duplicate keys (schema 7: they lead
      // with it); an `?3 IS NULL OR` form would walk every package after the cursor.
      std::string(f.document_id ? "AND seq IN (SELECT seq FROM dedup_keys WHERE document_id = ?3) "
                                : "AND ?3 IS NULL ") +
      "AND (?4 IS NULL OR message_type = ?4) AND (?5 IS NULL OR received_ms >= ?5) "
      "AND (?6 IS NULL OR received_ms < ?6) ORDER BY seq LIMIT ?7");
  if (!stmt) return stmt.status();
  stmt->bind(1, static_cast<int64_t>(f.after_seq));
  auto opt_text = [&](int i, const std::optional<std::string>& v) {
    v ? stmt->bind(i, *v) : stmt->bind_null(i);
  };
  auto opt_int = [&](int i, const std::optional<int64_t>& v) {
    v ? stmt->bind(i, *v) : stmt->bind_null(i);
  };
  opt_text(2, f.sender);
  opt_text(3, f.document_id);
  opt_text(4, f.message_type);
  opt_int(5, f.received_from_ms);
  opt_int(6, f.received_to_ms);
  stmt->bind(7, static_cast<int64_t>(f.limit));
  std::vector<PackageSummary> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.status();
    if (!*row) break;
    out.push_back({static_cast<uint64_t>(stmt->int_at(0)), stmt->text_at(1), stmt->text_at(2),
                   stmt->text_at(3), stmt->text_at(4), static_cast<uint64_t>(stmt->int_at(5)),
                   stmt->int_at(6), stmt->text_at(7), stmt->null_at(8) ? 0 : stmt->int_at(8)});
  }
  return out;
}

Status SqliteStore::check_integrity() {
  std::lock_guard lock(read_mu_);
  return run_check(*reader_, "PRAGMA integrity_check");
}

Status SqliteStore::last_commit_failure() const { return writer_->last_commit_failure(); }

StoreCounters SqliteStore::counters() const {
  StoreCounters c;
  writer_->fill(c);
  c.packages_stored = packages_stored_.load(std::memory_order_relaxed);
  c.duplicates = duplicates_.load(std::memory_order_relaxed);
  c.conflicts = conflicts_.load(std::memory_order_relaxed);
  c.wal_frames = wal_frames_.load(std::memory_order_relaxed);
  c.page_size = page_size_;
  return c;
}

}  // namespace docaxis::store
