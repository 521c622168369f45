#include "agent/outbox_sender.hpp"

#include <algorithm>
#include <ctime>

#include "agent/durable_files.hpp"
#include "agent/output.hpp"

namespace docaxis::agent {

namespace fs = std::filesystem;

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  return s;
}

}  // namespace

OutboxSender::OutboxSender(Settings settings, client::Client& client, const dsig::Signer* signer)
    : s_(std::move(settings)), client_(client), signer_(signer) {}

Status OutboxSender::prepare() {
  for (const auto& dir : {s_.outbox, s_.sent, s_.failed}) {
    if (Status s = ensure_dir(dir); !s.ok()) return s;
    remove_stale_temps(dir);
  }
  return {};
}

std::vector<std::string> OutboxSender::candidates() {
  const auto now = Clock::now();
  std::vector<std::pair<fs::file_time_type, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(s_.outbox, ec)) {
    if (!e.is_regular_file(ec)) continue;
    std::string name = e.path().filename().string();
    if (is_incomplete_name(name) || busy_.count(name) != 0) continue;
    if (auto r = retry_.find(name); r != retry_.end() && r->second.next > now) continue;
    found.emplace_back(e.last_write_time(ec), std::move(name));
  }
  // Oldest first: a document system expects its files to leave in the order it wrote them.
  std::sort(found.begin(), found.end());
  std::vector<std::string> names;
  for (auto& [t, n] : found) names.push_back(std::move(n));
  return names;
}

void OutboxSender::run_once(bool start_new) {
  std::vector<Done> done;
  {
    std::lock_guard lock(mu_);
    done.swap(done_);
  }
  for (auto& d : done) finish(std::move(d));
  if (!start_new || busy_.size() >= static_cast<std::size_t>(s_.max_in_flight)) return;
  for (const std::string& name : candidates()) {
    if (busy_.size() >= static_cast<std::size_t>(s_.max_in_flight)) break;
    start(name);
  }
}

void OutboxSender::wait(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return !done_.empty(); });
}

void OutboxSender::start(const std::string& name) {
  auto bytes = read_file(s_.outbox / name);
  if (!bytes) {
    if (bytes.status().code() != "not-found") retry_later(name, bytes.status().to_string());
    return;
  }
  auto info = inspect_package(*bytes);
  if (!info) {
    fail_file(name, "agent:" + info.status().code(), info.status().message());
    return;
  }
  if (signer_ != nullptr && !info->signed_xmldsig) {
    auto signed_bytes = signer_->sign(*bytes);
    if (!signed_bytes) {
      fail_file(name, "agent:" + signed_bytes.status().code(), signed_bytes.status().message());
      return;
    }
    // Replace the file by its signed form before sending: see the header (re-sends must
    // carry identical bytes).
    if (Status s = write_atomic(s_.outbox, name, *signed_bytes); !s.ok()) {
      retry_later(name, s.to_string());
      return;
    }
    *bytes = std::move(signed_bytes).value();
    info->signed_xmldsig = true;
  }
  busy_.insert(name);
  PackageInfo pi = *info;
  client_.send_async(info->address, std::move(bytes).value(),
                     [this, name, pi](client::SendResult r) {
                       std::lock_guard lock(mu_);
                       done_.push_back({name, pi, std::move(r)});
                       cv_.notify_all();
                     });
}

void OutboxSender::finish(Done d) {
  busy_.erase(d.name);
  const Status& st = d.result.status;
  if (st.ok()) {
    const std::string final_name = free_name(s_.sent, d.name);
    if (Status s = rename_no_replace(s_.outbox / d.name, s_.sent / final_name); !s.ok()) {
      if (s.code() == "not-found") {  // taken away meanwhile: nothing left to move
        retry_.erase(d.name);
        print_line("GONE " + d.name + " accepted, but no longer in outbox/");
        return;
      }
      // Accepted, but still in outbox/: it is sent again later, which the hub accepts as a
      // duplicate.
      retry_later(d.name, "accepted, but " + s.to_string());
      return;
    }
    retry_.erase(d.name);
    ++counters_.sent;
    print_line("SENT " + d.name + " " + address_name(d.info.address) + " " + d.info.label() +
               " transfers=" + std::to_string(d.result.transfers) +
               (final_name != d.name ? " as=" + final_name : ""));
    return;
  }
  if (st.code() == "rejected") {
    fail_file(d.name, d.result.condition, st.message());
    return;
  }
  retry_later(d.name, st.to_string());
}

void OutboxSender::fail_file(const std::string& name, const std::string& condition,
                             const std::string& description) {
  // A reason file without its package (a crash between the two steps last time) is reused.
  const std::string final_name = free_name(s_.failed, name);
  const std::string reason = "condition: " + one_line(condition) + "\n" +
                             "description: " + one_line(description) + "\n" + "file: " + name +
                             "\n" + "time: " + utc_now() + "\n";
  if (Status s = write_atomic(s_.failed, final_name + ".reason", reason); !s.ok()) {
    retry_later(name, s.to_string());
    return;
  }
  if (Status s = rename_no_replace(s_.outbox / name, s_.failed / final_name); !s.ok()) {
    retry_later(name, s.to_string());
    return;
  }
  retry_.erase(name);
  ++counters_.failed;
  print_line("FAILED " + name + " " + condition + ": " + one_line(description) +
             (final_name != name ? " as=" + final_name : ""));
}

void OutboxSender::retry_later(const std::string& name, const std::string& why) {
  Retry& r = retry_[name];
  ++r.attempts;
  auto delay = s_.retry_first;
  for (int i = 1; i < r.attempts && delay < s_.retry_max; ++i) delay *= 2;
  delay = std::min(delay, s_.retry_max);
  r.next = Clock::now() + delay;
  ++counters_.retried;
  print_line("RETRY " + name + " in=" + std::to_string(delay.count()) + "s " + one_line(why));
}

}  // namespace docaxis::agent
