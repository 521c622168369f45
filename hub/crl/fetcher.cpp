#include "crl/fetcher.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "common/time_text.hpp"
#include "common/unique_fd.hpp"
#include "log/log.hpp"
#include "tls/crypto.hpp"
#include "tls/trust.hpp"

namespace docaxis::crl {
namespace {

log::Logger& L() {
  static log::Logger& l = log::get("crl");
  return l;
}

struct DistPointsFree {
  void operator()(CRL_DIST_POINTS* p) const { CRL_DIST_POINTS_free(p); }
};

// The http(s) URIs of a certificate's CRL distribution points (full names only).
std::vector<std::string> distribution_points(X509* cert) {
  std::vector<std::string> out;
  std::unique_ptr<CRL_DIST_POINTS, DistPointsFree> points(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr)));
  ERR_clear_error();
  if (!points) return out;
  for (int i = 0; i < sk_DIST_POINT_num(points.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(points.get(), i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
    const GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, j);
      if (n->type != GEN_URI) continue;
      const ASN1_IA5STRING* uri = n->d.uniformResourceIdentifier;
      std::string url(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<std::size_t>(ASN1_STRING_length(uri)));
      if (url.find('\0') == std::string::npos && is_fetchable_url(url)) out.push_back(url);
    }
  }
  return out;
}

// Whether `issuer` issued `cert`: the names match and its key verifies the signature.
bool issued_by(X509* cert, X509* issuer) {
  if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(issuer)) != 0) return false;
  EVP_PKEY* key = X509_get0_pubkey(issuer);
  const bool ok = key != nullptr && X509_verify(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

Result<std::string> read_small_file(const std::string& path, std::size_t max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status{"file-unreadable", "cannot open " + path};
  std::string out;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<std::size_t>(in.gcount()));
    if (out.size() > max) return Status{"crl-too-large", path + " is larger than the limit"};
  }
  return out;
}

Status write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {"crl-cache", std::string("write: ") + std::strerror(errno)};
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace

CrlFetcher::CrlFetcher(FetcherOptions options) : options_(std::move(options)) {}

CrlFetcher::~CrlFetcher() { stop(); }

std::int64_t CrlFetcher::now() const {
  if (options_.now) return options_.now();
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::string CrlFetcher::cache_path(const Ca& ca) const {
  return (std::filesystem::path(options_.cache_dir) / (ca.fingerprint + ".crl.pem")).string();
}

Result<std::unique_ptr<CrlFetcher>> CrlFetcher::create(FetcherOptions options) {
  init_http();
  std::unique_ptr<CrlFetcher> f(new CrlFetcher(std::move(options)));
  const FetcherOptions& o = f->options_;
  Backoff policy;
  policy.initial = o.retry_initial;
  policy.max = std::max<std::chrono::milliseconds>(o.interval, o.retry_initial);
  std::vector<tls::X509Ptr> others;  // certificates that only name distribution points
  for (const auto& file : o.ca_files) {
    auto certs = tls::load_pem_certs(file);
    if (!certs) return certs.status();
    for (auto& c : *certs) {
      if (X509_check_ca(c.get()) <= 0) {
        others.push_back(std::move(c));
        continue;
      }
      const std::string fp = tls::sha256_hex(c.get());
      const bool known = std::any_of(f->cas_.begin(), f->cas_.end(),
                                     [&](const Ca& ca) { return ca.fingerprint == fp; });
      if (known) continue;
      Ca ca;
      ca.subject = tls::subject_of(c.get());
      ca.fingerprint = fp;
      ca.cert = std::move(c);
      f->cas_.push_back(std::move(ca));
    }
  }
  for (const auto& file : o.cdp_source_files) {
    auto certs = tls::load_pem_certs(file);
    if (!certs) return certs.status();
    for (auto& c : *certs) others.push_back(std::move(c));
  }
  ERR_clear_error();
  // The distribution points of every certificate a trusted CA issued name that CA's CRL.
  std::vector<std::vector<std::string>> urls(f->cas_.size());
  auto collect = [&](X509* cert) {
    const auto points = distribution_points(cert);
    if (points.empty()) return;
    for (std::size_t i = 0; i < f->cas_.size(); ++i) {
      if (!issued_by(cert, f->cas_[i].cert.get())) continue;
      for (const auto& u : points) {
        if (std::find(urls[i].begin(), urls[i].end(), u) == urls[i].end()) urls[i].push_back(u);
      }
    }
  };
  for (const auto& ca : f->cas_) collect(ca.cert.get());
  for (const auto& c : others) collect(c.get());
  for (std::size_t i = 0; i < f->cas_.size(); ++i) {
    if (urls[i].empty()) continue;
    Source s{static_cast<int>(i), urls[i], 0, 0, 0, BackoffCounter(policy), {}, -1};
    f->sources_.push_back(std::move(s));
  }
  for (const auto& u : o.extra_urls) {
    Source s{-1, {u}, 0, 0, 0, BackoffCounter(policy), {}, -1};
    f->sources_.push_back(std::move(s));
  }
  std::error_code ec;
  std::filesystem::create_directories(o.cache_dir, ec);
  if (ec || ::chmod(o.cache_dir.c_str(), 0700) != 0) {
    return Status{"crl-cache", "cannot create the CRL cache directory " + o.cache_dir +
                                   (ec ? ": " + ec.message() : "")};
  }
  f->load_cache();
  f->load_bindings();
  for (std::size_t i = 0; i < f->cas_.size(); ++i) {
    if (!urls[i].empty() || !o.extra_urls.empty()) continue;
    L().warn("crl-no-source", {{"issuer", f->cas_[i].subject},
                               {"cached", f->cas_[i].cached.has_value()}});
  }
  return f;
}

void CrlFetcher::load_cache() {
  const std::int64_t t = now();
  // A cached CRL of a CA that is no longer trusted goes: the trust loaders read every file here,
  // and a CA replaced by one with the same name must not meet its predecessor's CRL.
  std::error_code it_ec;
  for (std::filesystem::directory_iterator it(options_.cache_dir, it_ec), end; !it_ec && it != end;
       it.increment(it_ec)) {
    const std::string name = it->path().filename().string();
    const bool crl_file = name.size() > 8 && name.compare(name.size() - 8, 8, ".crl.pem") == 0;
    if (!crl_file) continue;
    const std::string fp = name.substr(0, name.size() - 8);
    const bool known = std::any_of(cas_.begin(), cas_.end(),
                                   [&](const Ca& ca) { return ca.fingerprint == fp; });
    if (known) continue;
    std::error_code ec;
    std::filesystem::remove(it->path(), ec);
    L().warn("crl-cache-dropped", {{"issuer", ""}, {"file", it->path().string()},
                                   {"code", "crl-unknown-ca"},
                                   {"reason", "no trusted CA has this fingerprint"}});
  }
  for (auto& ca : cas_) {
    const std::string path = cache_path(ca);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    auto bytes = read_small_file(path, options_.limits.max_bytes * 2 + 4096);
    Status why;
    if (!bytes) {
      why = bytes.status();
    } else if (auto parsed = parse_crl(*bytes, bytes->size()); !parsed) {
      why = parsed.status();
    } else if (Status s = check_crl(*parsed, ca.cert.get(), t, nullptr, false); !s.ok()) {
      why = s;
    } else {
      ca.cached = std::move(*parsed);
      L().info("crl-cache-loaded", {{"issuer", ca.subject},
                                    {"this_update", iso_utc_s(ca.cached->this_update)},
                                    {"next_update", iso_utc_s(ca.cached->next_update)}});
      continue;
    }
    std::filesystem::remove(path, ec);
    L().warn("crl-cache-dropped", {{"issuer", ca.subject}, {"file", path},
                                   {"code", why.code()}, {"reason", why.message()}});
  }
}

std::string CrlFetcher::binding_path(const std::string& url) const {
  return (std::filesystem::path(options_.cache_dir) /
          ("url-" + tls::sha256_hex(std::string_view(url)) + ".ca")).string();
}

void CrlFetcher::load_bindings() {
  for (auto& s : sources_) {
    if (s.ca >= 0 || s.urls.size() != 1) continue;
    auto fp = read_small_file(binding_path(s.urls[0]), 256);
    if (!fp) continue;
    const std::string want = fp->substr(0, fp->find('\n'));
    for (std::size_t i = 0; i < cas_.size(); ++i) {
      if (cas_[i].fingerprint == want) s.ca = static_cast<int>(i);
    }
  }
}

void CrlFetcher::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lk(wait_mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] {
    name_this_thread("dx-crl");
    run_guarded("dx-crl", [this] {
      std::unique_lock lk(wait_mu_);
      while (!stop_) {
        lk.unlock();
        try {
          (void)run_once(false);
        } catch (const std::exception& e) {
          L().error("crl-round-failed", {{"reason", e.what()}});
        }
        std::int64_t wake = 0;
        {
          std::lock_guard g(mu_);
          wake = next_wake(now());
        }
        const std::int64_t wait = std::clamp<std::int64_t>(wake - now(), 1, 60);
        lk.lock();
        cv_.wait_for(lk, std::chrono::seconds(wait), [this] { return stop_; });
      }
    });
  });
}

void CrlFetcher::stop() {
  {
    std::lock_guard lk(wait_mu_);
    stop_ = true;
  }
  cancel_.store(true);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  cancel_.store(false);
}

std::size_t CrlFetcher::sources() const {
  std::lock_guard lk(mu_);
  return sources_.size();
}

std::size_t CrlFetcher::run_once(bool all) {
  std::lock_guard run(run_mu_);
  std::vector<std::size_t> due;
  {
    std::lock_guard lk(mu_);
    const std::int64_t t = now();
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      if (all || sources_[i].next_attempt <= t) due.push_back(i);
    }
  }
  std::size_t changed = 0;
  for (std::size_t i : due) {
    if (cancel_.load()) break;
    if (fetch(i, now())) ++changed;
  }
  {
    std::lock_guard lk(mu_);
    log_transitions(now());
  }
  if (changed > 0 && on_change_) on_change_();
  return changed;
}

bool CrlFetcher::fetch(std::size_t index, std::int64_t t) {
  std::vector<std::string> urls;
  {
    std::lock_guard lk(mu_);
    urls = sources_[index].urls;
    sources_[index].last_attempt = t;
  }
  FetchLimits limits = options_.limits;
  limits.cancel = &cancel_;
  std::vector<std::string> errors;
  for (const auto& url : urls) {
    auto body = http_get(url, limits);
    bool changed = false;
    Status s = body ? accept(index, url, *body, now(), changed) : body.status();
    if (s.ok()) {
      std::lock_guard lk(mu_);
      Source& src = sources_[index];
      src.last_success = now();
      src.last_error.clear();
      src.backoff.reset();
      schedule_after_success(src, now());
      const Ca& ca = cas_[static_cast<std::size_t>(src.ca)];
      if (changed) {
        L().info("crl-updated", {{"issuer", ca.subject}, {"url", url},
                                 {"this_update", iso_utc_s(ca.cached->this_update)},
                                 {"next_update", iso_utc_s(ca.cached->next_update)}});
      } else {
        L().debug("crl-unchanged", {{"issuer", ca.subject}, {"url", url}});
      }
      return changed;
    }
    errors.push_back(url + ": " + s.code() + ": " + s.message());
  }
  std::lock_guard lk(mu_);
  Source& src = sources_[index];
  src.last_error = joined(errors);
  if (src.last_error.empty()) src.last_error = "no distribution point";
  schedule_after_failure(src, now());
  const CrlState st = state_of(src, now());
  L().warn("crl-fetch-failed", {{"issuer", st.issuer}, {"url", st.url},
                                {"reason", src.last_error}, {"failures", src.backoff.failures()},
                                {"next_attempt", iso_utc_s(src.next_attempt)}, {"usable", st.usable}});
  return false;
}

// Verification and the cache writes run without mu_ (a slow disk or a slow signature check
// must not stall states(), which /readyz calls); only the result is published under it. That
// is safe because this thread is the only one that changes cas_[].cached and sources_[].ca
// (run_once holds run_mu_), so reading them here without mu_ races with no writer; cas_'s
// certificates and subjects never change after create().
Status CrlFetcher::accept(std::size_t index, const std::string& url, std::string_view body,
                          std::int64_t t, bool& changed) {
  (void)url;
  auto parsed = parse_crl(body, options_.limits.max_bytes);
  if (!parsed) return parsed.status();
  int bound = -1;
  std::string first_url;
  {
    std::lock_guard lk(mu_);
    bound = sources_[index].ca;
    first_url = sources_[index].urls[0];
  }
  std::vector<std::size_t> candidates;
  if (bound >= 0) {
    candidates.push_back(static_cast<std::size_t>(bound));
  } else {
    for (std::size_t i = 0; i < cas_.size(); ++i) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(parsed->crl.get()),
                        X509_get_subject_name(cas_[i].cert.get())) == 0) {
        candidates.push_back(i);
      }
    }
    if (candidates.empty()) {
      return {"crl-wrong-issuer", "the CRL's issuer is none of the trusted CAs"};
    }
  }
  Status last;
  for (std::size_t i : candidates) {
    Ca& ca = cas_[i];
    const ParsedCrl* cached = ca.cached ? &*ca.cached : nullptr;
    last = check_crl(*parsed, ca.cert.get(), t, cached, true);
    if (!last.ok()) continue;
    if (bound < 0) {
      // Remember which CA a configured URL serves, so a restart without network knows it.
      (void)write_file_atomic(binding_path(first_url), ca.fingerprint + "\n");
    }
    const bool same = cached != nullptr && same_crl(*parsed, *cached);
    if (!same) {
      if (Status w = write_file_atomic(cache_path(ca), parsed->pem); !w.ok()) return w;
    }
    std::lock_guard lk(mu_);
    if (bound < 0) sources_[index].ca = static_cast<int>(i);
    if (!same) ca.cached = std::move(*parsed);
    changed = !same;
    return {};
  }
  return last;
}

Status CrlFetcher::write_file_atomic(const std::string& path, const std::string& pem) const {
  const std::string tmp = path + ".tmp";
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) return {"crl-cache", "cannot write " + tmp + ": " + std::strerror(errno)};
    if (Status s = write_all(fd.get(), pem); !s.ok()) return s;
    if (::fsync(fd.get()) != 0) return {"crl-cache", "fsync " + tmp + ": " + std::strerror(errno)};
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return {"crl-cache", "cannot rename " + tmp + ": " + std::strerror(errno)};
  }
  UniqueFd dir(::open(options_.cache_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) (void)::fsync(dir.get());
  return {};
}

void CrlFetcher::schedule_after_success(Source& s, std::int64_t t) const {
  const Ca& ca = cas_[static_cast<std::size_t>(s.ca)];
  const std::int64_t interval = options_.interval.count();
  std::int64_t due = t + interval;
  if (ca.cached) {
    const std::int64_t half =
        ca.cached->this_update + (ca.cached->next_update - ca.cached->this_update) / 2;
    due = std::min(due, half);
  }
  // A server that keeps serving a CRL past half its validity is not asked more often than this.
  const std::int64_t floor = t + std::min<std::int64_t>(interval, 300);
  s.next_attempt = std::max(due, floor);
}

void CrlFetcher::schedule_after_failure(Source& s, std::int64_t t) {
  s.backoff.failed();
  std::uniform_real_distribution<double> r(0.0, 1.0);
  const auto delay = s.backoff.delay(r(random_));
  s.next_attempt = t + std::max<std::int64_t>(1, (delay.count() + 999) / 1000);
}

CrlState CrlFetcher::state_of(const Source& s, std::int64_t t) const {
  CrlState st;
  st.url = joined(s.urls);
  st.last_success = s.last_success;
  st.last_attempt = s.last_attempt;
  st.next_attempt = s.next_attempt;
  st.failures = s.backoff.failures();
  const Ca* ca = s.ca >= 0 ? &cas_[static_cast<std::size_t>(s.ca)] : nullptr;
  if (ca != nullptr) st.issuer = ca->subject;
  const std::string last = s.last_error.empty() ? std::string() : "; last fetch: " + s.last_error;
  if (ca == nullptr || !ca->cached) {
    st.usable = false;
    st.reason = "no CRL" + (s.last_attempt == 0 ? std::string("; not fetched yet") : last);
    return st;
  }
  st.this_update = ca->cached->this_update;
  st.next_update = ca->cached->next_update;
  const std::int64_t until = st.next_update + options_.grace.count();
  st.usable = t <= until;
  if (!st.usable) {
    st.reason = "expired: nextUpdate " + iso_utc_s(st.next_update) + " plus the grace of " +
                std::to_string(options_.grace.count()) + " s passed at " + iso_utc_s(until) + last;
  } else if (t > st.next_update) {
    st.reason = "stale: nextUpdate " + iso_utc_s(st.next_update) + " has passed; used until " +
                iso_utc_s(until) + last;
  } else if (!s.last_error.empty()) {
    st.reason = "current" + last;
  }
  return st;
}

void CrlFetcher::log_transitions(std::int64_t t) {
  for (auto& s : sources_) {
    const CrlState st = state_of(s, t);
    const int usable = st.usable ? 1 : 0;
    if (usable == s.was_usable) continue;
    if (usable) {
      L().info("crl-usable", {{"issuer", st.issuer}, {"url", st.url},
                              {"next_update", iso_utc_s(st.next_update)}});
    } else {
      L().error("crl-unusable", {{"issuer", st.issuer}, {"url", st.url}, {"reason", st.reason}});
    }
    s.was_usable = usable;
  }
}

std::int64_t CrlFetcher::next_wake(std::int64_t t) const {
  std::int64_t wake = t + 3600;
  for (const auto& s : sources_) {
    wake = std::min(wake, s.next_attempt);
    if (s.ca < 0) continue;
    const Ca& ca = cas_[static_cast<std::size_t>(s.ca)];
    if (!ca.cached) continue;
    for (std::int64_t edge : {ca.cached->next_update + 1,
                              ca.cached->next_update + options_.grace.count() + 1}) {
      if (edge > t) wake = std::min(wake, edge);
    }
  }
  return wake;
}

std::vector<CrlState> CrlFetcher::states() const {
  std::lock_guard lk(mu_);
  const std::int64_t t = now();
  std::vector<CrlState> out;
  out.reserve(sources_.size());
  for (const auto& s : sources_) out.push_back(state_of(s, t));
  return out;
}

}  // namespace docaxis::crl
