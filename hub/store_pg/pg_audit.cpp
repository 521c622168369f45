// PgAuditLog: the audit chain in PostgreSQL (pg_audit.hpp; README.md "The audit chain").
#include "store_pg/pg_audit.hpp"

#include <algorithm>
#include <future>
#include <iterator>
#include <utility>

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "log/log.hpp"
#include "log/rate_limiter.hpp"
#include "store_pg/pg_conn.hpp"
#include "store_pg/pg_migrations.hpp"
#include "store_pg/pg_writer.hpp"

namespace docaxis::store {
namespace {

log::Logger& audit_logger() {
  static log::Logger& l = log::get("audit");
  return l;
}

// A lost server fails every append: a few lines per second per code say so.
void log_write_failed(const Status& st) {
  static log::RateLimiter limiter(5);
  if (!audit_logger().enabled(log::Level::error)) return;
  if (const auto d = limiter.admit(st.code()); d.log) {
    audit_logger().error("write-failed", {{"code", st.code()},
                                          {"reason", st.message()},
                                          {"backend", "postgresql"},
                                          {"suppressed", d.suppressed}});
  }
}

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The chain's head and its last checkpoint. Run after the advisory lock, in its own statement:
// in READ COMMITTED a statement's snapshot is taken when it starts, so only a statement that
// starts once the lock is granted sees every append committed before.
constexpr const char* kHeadSql =
    "SELECT h.seq, h.line, c.seq, c.at_ms FROM (SELECT 1) AS one "
    "LEFT JOIN LATERAL (SELECT seq, line FROM audit_records ORDER BY seq DESC LIMIT 1) AS h "
    "ON true "
    "LEFT JOIN LATERAL (SELECT seq, at_ms FROM audit_records WHERE event = 'checkpoint' "
    "ORDER BY seq DESC LIMIT 1) AS c ON true";

constexpr const char* kInsertSql =
    "INSERT INTO audit_records (seq, line, event, at_ms, node) "
    "SELECT s, l, e, $4, $5 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(s, l, e)";

Status closed_status() { return Status("failed-precondition", "the audit log is closed"); }

}  // namespace

// One append (or checkpoint request) of this node: one job of the writer, re-runnable (the
// writer re-runs a batch after a serialization failure, so results are reset at each run).
struct PgAuditLog::Job {
  std::vector<audit::Event> events;
  std::string reason;        // a checkpoint asked for after the events ("" none)
  bool only_if_due = false;  // the sealer: only once checkpoint_interval has passed
  // Key rollover: the checkpoint is signed by `signer`, then `install` becomes the key.
  std::shared_ptr<const audit::CheckpointSigner> signer;
  std::shared_ptr<const audit::CheckpointSigner> install;
  bool installed = false;
  // Results of the last run.
  std::uint64_t last_seq = 0;  // the job's last event (its answer)
  std::uint64_t head_seq = 0;  // the chain's head after the job
  std::uint64_t records = 0;
  std::uint64_t checkpoints = 0;
  std::int64_t sealed_ms = 0;  // the chain's last checkpoint time, or now when all is sealed
};

PgAuditLog::PgAuditLog(PgAuditOptions options) : opt_(std::move(options)) {
  if (!opt_.now) opt_.now = [] { return std::chrono::system_clock::now(); };
  opened_ms_ = now_ms();
  last_checkpoint_ms_ = opened_ms_;
}

std::int64_t PgAuditLog::now_ms() const { return unix_ms(opt_.now()); }

Result<std::unique_ptr<PgAuditLog>> PgAuditLog::open(PgAuditOptions options) {
  if (options.conninfo.empty()) {
    return Status("invalid-argument", "audit: no PostgreSQL conninfo configured");
  }
  if (options.checkpoint_every_records == 0 || options.max_batch_jobs == 0) {
    return Status("invalid-argument",
                  "audit: checkpoint_every_records and max_batch_jobs must be >= 1");
  }
  auto signer = audit::CheckpointSigner::load(options.key_pem, options.cert_pem);
  if (!signer) return signer.status();
  std::unique_ptr<PgAuditLog> log(new PgAuditLog(std::move(options)));
  log->signer_ = std::move(*signer);
  auto conn = pg::Conn::connect(log->opt_.conninfo, {log->opt_.require_synchronous_standby});
  if (!conn) return conn.status();
  if (Status s = pg::migrate(**conn, log->now_ms()); !s.ok()) return s;
  log->writer_ = std::make_unique<pg::PgWriter>(
      std::move(*conn), pg::PgWriterLimits{log->opt_.max_batch_jobs, 64ull << 20});
  // Seal what a crash (of any node) left unsealed, so the verifier vouches for it from now on.
  auto seal = std::make_shared<Job>();
  seal->reason = "open";
  if (Status s = log->submit_and_wait(seal); !s.ok()) {
    log->closed_ = true;  // the destructor must not write
    log->writer_->stop();
    return s;
  }
  if (log->opt_.background_sealer) {
    log->sealer_ = std::thread([raw = log.get()] {
      name_this_thread("dx-audit-seal");
      run_guarded("dx-audit-seal", [raw] { raw->sealer_loop(); });
    });
  }
  return log;
}

PgAuditLog::~PgAuditLog() {
  (void)close();
  writer_.reset();
}

void PgAuditLog::submit(std::shared_ptr<Job> job, std::function<void(Status)> done) {
  pg::PgJob pj;
  pj.apply = [this, job](pg::Conn& c) { return run(c, *job); };
  pj.done = [this, job, done = std::move(done)](Status s) {
    finished(*job, s);
    done(std::move(s));
  };
  writer_->submit(std::move(pj));
}

Status PgAuditLog::submit_and_wait(std::shared_ptr<Job> job) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  submit(std::move(job), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

Status PgAuditLog::run(pg::Conn& c, Job& job) {
  if (!batch_open_) {
    batch_open_ = true;
    batch_began_ = std::chrono::steady_clock::now();
  }
  job.last_seq = job.head_seq = job.records = job.checkpoints = 0;
  std::shared_ptr<const audit::CheckpointSigner> signer;
  {
    std::lock_guard lk(mu_);
    // Deferred records ride with this transaction, before the job's own (kept in the job, so
    // a re-run carries them again).
    if (!deferred_.empty()) {
      job.events.insert(job.events.begin(), std::make_move_iterator(deferred_.begin()),
                        std::make_move_iterator(deferred_.end()));
      deferred_.clear();
    }
    signer = job.signer ? job.signer : signer_;
  }
  auto lock = c.exec("SELECT pg_advisory_xact_lock($1)", {pg::num(kAuditLockKey)});
  if (!lock) return lock.status();
  auto head = c.exec(kHeadSql);
  if (!head) return head.status();
  if (head->size() != 1) return Status("internal", "audit_records: no head row");
  audit::ChainHead chain;
  std::uint64_t since = 0;  // records after the chain's last checkpoint
  std::int64_t last_checkpoint_ms = opened_ms_;
  if (!head->null_at(0, 0)) {
    const auto seq = static_cast<std::uint64_t>(head->int_at(0, 0));
    const std::string line = head->text_at(0, 1);
    auto env = audit::parse_envelope(line);
    if (!env || env->seq != seq) {
      return Status("data-loss", "audit_records: the head record (seq " + std::to_string(seq) +
                                     ") is corrupt (" +
                                     (env ? std::string("it names seq ") + std::to_string(env->seq)
                                          : env.status().to_string()) +
                                     "): nothing is chained onto it; run the verifier on an export");
    }
    chain.next_seq = seq + 1;
    chain.hash = audit::sha256_hex(line);
    since = seq - static_cast<std::uint64_t>(head->int_at(0, 2));  // 0 when no checkpoint
    if (!head->null_at(0, 3)) last_checkpoint_ms = head->int_at(0, 3);
  }
  const auto now = opt_.now();
  const std::string time = audit::format_time(now);
  const std::int64_t at_ms = unix_ms(now);
  const auto interval = opt_.checkpoint_interval.count();
  const bool interval_due = interval > 0 && at_ms - last_checkpoint_ms >= interval;

  std::vector<std::int64_t> seqs;
  std::vector<std::string> lines, types;
  auto add = [&](audit::Record& r) {
    lines.push_back(audit::chain_record(chain, r));
    seqs.push_back(static_cast<std::int64_t>(r.seq));
    types.push_back(r.event.type);
  };
  auto seal = [&](std::string_view reason) -> Status {
    auto r = audit::checkpoint_record(chain, time, *signer, reason, since);
    if (!r) {
      audit_logger().error("checkpoint-failed", {{"code", r.status().code()},
                                                 {"reason", r.status().message()},
                                                 {"seq", chain.next_seq}});
      std::lock_guard lk(mu_);
      return failed_ = r.status();
    }
    add(*r);
    since = 0;
    ++job.checkpoints;
    last_checkpoint_ms = at_ms;
    return Status();
  };
  for (const audit::Event& e : job.events) {
    audit::Record r;
    r.time = time;
    r.event = e;
    add(r);
    ++since;
  }
  // The caller's answer: its last record (as AuditLog's), or the head for a checkpoint alone.
  job.last_seq = chain.next_seq - 1;
  if (!job.events.empty() && (since >= opt_.checkpoint_every_records || interval_due)) {
    if (Status s = seal(interval_due ? "interval" : "count"); !s.ok()) return s;
  }
  if (!job.reason.empty() && since > 0 && (!job.only_if_due || interval_due)) {
    if (Status s = seal(job.reason); !s.ok()) return s;
  }
  if (job.install) {  // the old key sealed what it vouches for: from now on, the new one
    std::lock_guard lk(mu_);
    signer_ = job.install;
    job.installed = true;
  }
  if (!seqs.empty()) {
    auto inserted = c.exec(kInsertSql, {pg::text(pg::int_array(seqs)), pg::text(pg::text_array(lines)),
                                        pg::text(pg::text_array(types)), pg::num(at_ms),
                                        pg::text(opt_.node)});
    if (!inserted) return inserted.status();
  }
  job.records = seqs.size();
  job.head_seq = chain.next_seq - 1;
  job.sealed_ms = since == 0 ? at_ms : last_checkpoint_ms;
  return Status();
}

void PgAuditLog::finished(const Job& job, const Status& s) {
  if (!s.ok()) log_write_failed(s);
  std::lock_guard lk(mu_);
  if (batch_open_) {  // the first answer of a batch: its transaction is over
    batch_open_ = false;
    if (s.ok()) {
      txn_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                         batch_began_)
                               .count());
    }
  }
  if (!s.ok()) {
    lost_ = s;
    return;
  }
  lost_ = Status();
  stats_.records += job.records;
  stats_.checkpoints += job.checkpoints;
  last_seq_ = std::max(last_seq_, job.head_seq);
  last_checkpoint_ms_ = job.sealed_ms;
}

Result<std::uint64_t> PgAuditLog::append(audit::Event event) {
  std::vector<audit::Event> one;
  one.push_back(std::move(event));
  return append_batch(std::move(one));
}

Result<std::uint64_t> PgAuditLog::append_batch(std::vector<audit::Event> events) {
  if (Status st = audit::validate_events(events); !st.ok()) return st;
  {
    std::lock_guard lk(mu_);
    if (closed_) return closed_status();
    if (!failed_.ok()) return failed_;
  }
  auto job = std::make_shared<Job>();
  job->events = std::move(events);
  if (Status s = submit_and_wait(job); !s.ok()) return s;
  return job->last_seq;
}

void PgAuditLog::append_async(std::vector<audit::Event> events, AppendCallback done) {
  if (Status st = audit::validate_events(events); !st.ok()) return done(st);
  Status refused;
  {
    std::lock_guard lk(mu_);
    if (closed_) refused = closed_status();
    else if (!failed_.ok()) refused = failed_;
  }
  if (!refused.ok()) return done(refused);
  auto job = std::make_shared<Job>();
  job->events = std::move(events);
  submit(job, [job, done = std::move(done)](Status s) {
    if (s.ok()) done(job->last_seq);
    else done(std::move(s));
  });
}

Status PgAuditLog::append_deferred(std::vector<audit::Event> events) {
  if (Status st = audit::validate_events(events); !st.ok()) return st;
  std::lock_guard lk(mu_);
  if (closed_) return closed_status();
  if (!failed_.ok()) return failed_;
  deferred_.insert(deferred_.end(), std::make_move_iterator(events.begin()),
                   std::make_move_iterator(events.end()));
  return Status();
}

Status PgAuditLog::checkpoint(const std::string& reason) {
  {
    std::lock_guard lk(mu_);
    if (closed_) return closed_status();
    if (!failed_.ok()) return failed_;
  }
  auto job = std::make_shared<Job>();
  job->reason = reason;
  return submit_and_wait(job);
}

Result<std::string> PgAuditLog::replace_signer(std::unique_ptr<audit::CheckpointSigner> next) {
  if (!next) return Status("invalid-argument", "audit: no checkpoint signer");
  auto job = std::make_shared<Job>();
  {
    std::lock_guard lk(mu_);
    if (closed_) return closed_status();
    if (!failed_.ok()) return failed_;
    job->signer = signer_;
  }
  job->reason = "key-rollover";
  job->install = std::move(next);
  const Status s = submit_and_wait(job);
  // Installed once the old key signed (even if that transaction then failed: the records are
  // re-sealed later with the new key, which the verifier accepts as well); otherwise the
  // current key stays and the error is returned.
  if (!job->installed) return s.ok() ? Status("internal", "audit: the new key was not installed") : s;
  return job->signer->fingerprint();
}

void PgAuditLog::sealer_loop() {
  using std::chrono::milliseconds;
  const milliseconds interval = opt_.checkpoint_interval;
  // Deferred records are carried within a second; a due checkpoint is looked for every
  // quarter interval (each look is a short transaction under the chain's lock).
  const milliseconds tick =
      interval.count() > 0 ? std::clamp(interval / 4, milliseconds(10), milliseconds(1000))
                           : milliseconds(1000);
  std::unique_lock lk(mu_);
  while (!closed_) {
    sealer_cv_.wait_for(lk, tick);
    if (closed_ || !failed_.ok() || seal_pending_) continue;
    const bool due = interval.count() > 0 && now_ms() - last_checkpoint_ms_ >= interval.count();
    if (!due && deferred_.empty()) continue;
    seal_pending_ = true;
    auto job = std::make_shared<Job>();
    if (due) {
      job->reason = "interval";
      job->only_if_due = true;
    }
    lk.unlock();
    submit(job, [this](const Status&) {
      std::lock_guard g(mu_);
      seal_pending_ = false;
    });
    lk.lock();
  }
}

Status PgAuditLog::close() {
  {
    std::lock_guard lk(mu_);
    if (closed_) return Status();
    closed_ = true;
    sealer_cv_.notify_all();
  }
  if (!writer_) return Status();  // open() failed before the writer existed
  if (sealer_.joinable()) sealer_.join();
  Status st;
  {
    std::lock_guard lk(mu_);
    st = failed_;
  }
  if (st.ok()) {
    auto job = std::make_shared<Job>();  // carries the deferred records too
    job->reason = "shutdown";
    st = submit_and_wait(job);
  }
  writer_->stop();
  return st;
}

std::uint64_t PgAuditLog::last_seq() const {
  std::lock_guard lk(mu_);
  return last_seq_;
}

Status PgAuditLog::health() const {
  std::lock_guard lk(mu_);
  if (!failed_.ok()) return failed_;
  if (closed_) return closed_status();
  return lost_;
}

audit::AuditStats PgAuditLog::stats() const {
  std::lock_guard lk(mu_);
  audit::AuditStats out = stats_;
  out.syncs = writer_->commits();
  out.sync_seconds = txn_seconds_.snapshot();
  return out;
}

std::string PgAuditLog::key_fingerprint() const {
  std::lock_guard lk(mu_);
  return signer_->fingerprint();
}

int PgAuditLog::writer_backend_pid() const { return writer_->backend_pid(); }

}  // namespace docaxis::store
