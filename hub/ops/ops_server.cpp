#include "ops/ops_server.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "common/crash_only.hpp"
#include "common/thread_name.hpp"
#include "ops/api.hpp"
#include "ops/assets.hpp"
#include "ops/routes.hpp"

namespace docaxis::ops {

using nlohmann::json;

namespace {

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct OpsServer::Core : std::enable_shared_from_this<OpsServer::Core> {
  OpsOptions opt;
  std::unique_ptr<http::Server> server;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  bool stopping = false;
  std::thread worker;
  History history;  // worker thread only

  explicit Core(OpsOptions o) : opt(std::move(o)), history(opt.samples_kept) {}

  std::int64_t now() const { return opt.clock ? opt.clock() : system_ms(); }

  // Queues `task` for the worker; false when the queue is full or stopping.
  bool post(std::function<void()> task) {
    std::lock_guard lk(mu);
    if (stopping || tasks.size() >= opt.max_queued) return false;
    tasks.push_back(std::move(task));
    cv.notify_one();
    return true;
  }

  void sample() {
    if (!opt.query) return;
    auto stats = opt.query("stats", json::object());
    if (!stats) return;
    std::int64_t oldest = 0;
    if (auto q = opt.query("queue.list", json::object()); q.ok()) oldest = oldest_age_of(*q);
    history.record(now(), totals_of(*stats), oldest, opt.latencies ? opt.latencies() : Latencies{});
  }

  void run() {
    name_this_thread("dx-ops-query");
    auto next_sample = std::chrono::steady_clock::now();
    std::unique_lock lk(mu);
    while (true) {
      if (stopping) return;
      if (std::chrono::steady_clock::now() >= next_sample) {
        lk.unlock();
        try {
          sample();
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): the next one will do
        }
        lk.lock();
        next_sample = std::chrono::steady_clock::now() + opt.sample_every;
        continue;
      }
      if (tasks.empty()) {
        cv.wait_until(lk, next_sample, [this] { return stopping || !tasks.empty(); });
        continue;
      }
      auto task = std::move(tasks.front());
      tasks.pop_front();
      lk.unlock();
      task();  // answers its request itself, exceptions included
      lk.lock();
    }
  }

  // Runs on the worker: the metrics text or an API answer.
  http::Response answer_worker(const Route& route, const std::string& query_string) {
    if (route.kind == RouteKind::kMetrics) {
      std::string body = opt.render_metrics ? opt.render_metrics() : std::string();
      return with_headers({200, "text/plain; version=0.0.4; charset=utf-8", std::move(body)});
    }
    ApiContext ctx{opt, history, now()};
    auto r = api_answer(route.rest, query_string, ctx);
    if (r) return json_response(200, *r);
    return error_json(r.status());
  }

  void handle(http::Request req, http::Reply reply) {
    const Route route = route_of(req.method, req.target);
    switch (route.kind) {
      case RouteKind::kMetrics:
      case RouteKind::kApi: {
        std::string query_string = route.query;
        auto self = shared_from_this();
        auto shared_reply = std::make_shared<http::Reply>(reply);
        const bool queued = post([self, route, query_string, shared_reply] {
          http::Response resp;
          try {
            resp = self->answer_worker(route, query_string);
          } catch (const std::exception& e) {
            resp = error_json(Status("internal", e.what()));
          }
          (*shared_reply)(std::move(resp));
        });
        if (!queued) reply(error_json(Status("overloaded", "too many status requests at once")));
        return;
      }
      case RouteKind::kReady:
        return reply(readiness(opt.readiness));
      default:
        return reply(answer_inline(route));
    }
  }
};

namespace {

// `query` behind a cache of its answers (doc.show excepted), at most 32 kept. Each answer is
// kept `ttl`, or kSlowQueryFactor times what it took to compute when that is longer: a query
// that reads a big spool (queue.list groups the whole delivery table: about 6 s at 1.1 M
// deliveries, BENCHMARKS.md) then costs its read connection at most 1/20 of the time, however
// often the page is refreshed.
constexpr int kSlowQueryFactor = 20;

Query cached(Query query, std::chrono::milliseconds ttl) {
  struct Entry {
    std::chrono::steady_clock::time_point until;
    Result<nlohmann::json> answer;
  };
  auto mu = std::make_shared<std::mutex>();
  auto entries = std::make_shared<std::map<std::string, Entry>>();
  return [query = std::move(query), ttl, mu, entries](const std::string& cmd,
                                                      const nlohmann::json& args) {
    if (cmd == "doc.show") return query(cmd, args);
    const std::string key = cmd + '\n' + args.dump();
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lk(*mu);
      if (auto it = entries->find(key); it != entries->end() && now < it->second.until) {
        return it->second.answer;
      }
    }
    Result<nlohmann::json> answer = query(cmd, args);
    const auto done = std::chrono::steady_clock::now();
    const auto keep = std::max<std::chrono::steady_clock::duration>(ttl, (done - now) * kSlowQueryFactor);
    std::lock_guard lk(*mu);
    if (entries->size() >= 32) entries->clear();
    entries->insert_or_assign(key, Entry{done + keep, answer});
    return answer;
  };
}

}  // namespace

Result<std::unique_ptr<OpsServer>> OpsServer::start(OpsOptions options) {
  // Never older than half a chart period either: the chart samples `stats` through the same
  // queries.
  const auto ttl = std::min(options.query_cache, options.sample_every / 2);
  if (options.query && ttl.count() > 0) options.query = cached(std::move(options.query), ttl);
  if (options.server.thread_name.empty() || options.server.thread_name == "dx-http") {
    options.server.thread_name = "dx-ops";
  }
  // No request has a body: refuse one before reading it.
  options.server.body_limit = 0;
  auto core = std::make_shared<Core>(std::move(options));
  core->worker = std::thread([c = core.get()] { run_guarded("dx-ops-query", [c] { c->run(); }); });
  std::weak_ptr<Core> weak = core;
  auto server = http::Server::start(
      core->opt.server,
      [weak](http::Request r, http::Reply reply) {
        if (auto c = weak.lock()) return c->handle(std::move(r), std::move(reply));
        reply(with_headers({503, "text/plain; charset=utf-8", "stopping\n"}));
      },
      &refusal,
      [host = core->opt.server.address](const http::Request& head) { return check_header(head, host); });
  if (!server) {
    {
      std::lock_guard lk(core->mu);
      core->stopping = true;
    }
    core->cv.notify_all();
    core->worker.join();
    return server.status();
  }
  core->server = std::move(*server);
  return std::unique_ptr<OpsServer>(new OpsServer(std::move(core)));
}

OpsServer::~OpsServer() { stop(); }

std::uint16_t OpsServer::port() const { return core_->server ? core_->server->port() : 0; }

bool OpsServer::tls() const {
  return !core_->opt.server.cert_chain_file.empty() && !core_->opt.server.key_file.empty();
}

void OpsServer::stop() {
  if (!core_) return;
  if (core_->server) core_->server->stop();
  {
    std::lock_guard lk(core_->mu);
    core_->stopping = true;
    core_->tasks.clear();  // their replies do nothing once the server has stopped
  }
  core_->cv.notify_all();
  if (core_->worker.joinable()) core_->worker.join();
}

}  // namespace docaxis::ops
