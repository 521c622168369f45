// `docaxis dlq list | retry | purge`: the dead letters (README.md has the flags and shapes).
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/hub_connection.hpp"
#include "cli/listing.hpp"

namespace docaxis::cli {
namespace {

using nlohmann::json;

constexpr std::size_t kRetryBatch = 200;
constexpr int64_t kPurgeBatch = 1000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Filter {
  std::string since, older_than, from, to;
};

void add_filter(CLI::App* verb, Filter& f, bool older_than) {
  verb->add_option("--since", f.since, "died at or after T (RFC 3339, a date, or a duration ago: 2h)");
  if (older_than) verb->add_option("--older-than", f.older_than, "dead for longer than D (e.g. 7d)");
  verb->add_option("--from", f.from, "sender organ id");
  verb->add_option("--to", f.to, "recipient organ id");
}

// The filter as dlq.list arguments; invalid-argument for a bad time or duration.
Result<json> filter_args(const Filter& f, int64_t now) {
  json a = json::object();
  if (!f.since.empty()) {
    auto t = parse_time(f.since, now);
    if (!t) return Status(t.status().code(), "--since: " + t.status().message());
    a["since_ms"] = *t;
  }
  if (!f.older_than.empty()) {
    auto d = parse_duration(f.older_than);
    if (!d) return Status(d.status().code(), "--older-than: " + d.status().message());
    a["before_ms"] = now - *d;
  }
  if (!f.from.empty()) a["from"] = f.from;
  if (!f.to.empty()) a["to"] = f.to;
  return a;
}

struct ListArgs {
  HubOptions hub;
  Filter filter;
  int64_t limit = 100;
  bool wide = false;
};

int run_list(const ListArgs& a) {
  const std::string name = "dlq list";
  auto args = filter_args(a.filter, now_ms());
  if (!args) return report_error(name, args.status(), a.hub.json);
  (*args)["limit"] = a.limit;
  return with_hub(a.hub, name, [&](admin::AdminClient& c) {
    auto r = c.call("dlq.list", *args);
    if (!r) return report_error(name, r.status(), a.hub.json);
    if (a.hub.json) {
      print_json(*r);
      return kExitOk;
    }
    const json& dead = r->at("dead");
    std::cout << deliveries_table(dead, r->value("now_ms", int64_t{0}), a.wide, /*died=*/true);
    const uint64_t total = r->value("total", uint64_t{0});
    if (total > dead.size()) std::cerr << "(" << dead.size() << " of " << total << " shown: --limit N)\n";
    return kExitOk;
  });
}

struct RetryArgs {
  HubOptions hub;
  std::string ref;
  bool all = false;
  Filter filter;
};

int run_retry(const RetryArgs& a) {
  const std::string name = "dlq retry";
  if (a.ref.empty() == !a.all) {
    return report_error(name, Status("invalid-argument", "give a document ID or --all (with --since T)"), a.hub.json);
  }
  if (!a.ref.empty() && (!a.filter.since.empty() || !a.filter.from.empty() || !a.filter.to.empty())) {
    return report_error(name, Status("invalid-argument", "--since/--from/--to go with --all"), a.hub.json);
  }
  auto filter = filter_args(a.filter, now_ms());
  if (!filter) return report_error(name, filter.status(), a.hub.json);
  return with_hub(a.hub, name, [&](admin::AdminClient& c) {
    if (!a.ref.empty()) {
      auto r = c.call("dlq.retry", {{"ref", a.ref}}, admin::Access::kMutate);
      if (!r) return report_error(name, r.status(), a.hub.json);
      if (a.hub.json) print_json(*r);
      else print_retry_result(*r);
      return r->at("retried").empty() ? kExitFailed : kExitOk;
    }
    // --all: list the ids first, then retry them in batches (one audited commit each) with a
    // progress bar, so a retry of thousands is visible and each batch's commit is short.
    json list_args = *filter;
    list_args["ids_only"] = true;
    auto listed = c.call("dlq.list", list_args);
    if (!listed) return report_error(name, listed.status(), a.hub.json);
    std::vector<uint64_t> ids = listed->at("ids").get<std::vector<uint64_t>>();
    json retried = json::array(), skipped = json::array();
    ProgressBar bar("retry", ids.size(), false, !a.hub.json && ProgressBar::stderr_is_terminal());
    for (std::size_t i = 0; i < ids.size(); i += kRetryBatch) {
      std::vector<uint64_t> batch(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                  ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), i + kRetryBatch)));
      auto r = c.call("dlq.retry", {{"ids", batch}}, admin::Access::kMutate);
      if (!r) {
        bar.finish();
        if (!retried.empty() && !a.hub.json) {
          std::cerr << "docaxis dlq retry: " << retried.size() << " retried before the error\n";
        }
        return report_error(name, r.status(), a.hub.json);
      }
      for (auto& x : r->at("retried")) retried.push_back(std::move(x));
      for (auto& x : r->at("skipped")) skipped.push_back(std::move(x));
      bar.update(std::min(ids.size(), i + kRetryBatch));
    }
    bar.finish();
    json result = {{"matched", ids.size()}, {"retried", retried}, {"skipped", skipped}};
    if (a.hub.json) {
      print_json(result);
    } else if (ids.empty()) {
      std::cout << "no dead letters match\n";
    } else {
      print_retry_result(result);
      std::cout << "retried " << retried.size() << " of " << ids.size() << " dead letters\n";
    }
    return skipped.empty() ? kExitOk : kExitFailed;
  });
}

struct PurgeArgs {
  HubOptions hub;
  std::string older_than;
  bool yes = false;
};

int run_purge(const PurgeArgs& a) {
  const std::string name = "dlq purge";
  auto older = parse_duration(a.older_than);
  if (!older) return report_error(name, Status(older.status().code(), "--older-than: " + older.status().message()), a.hub.json);
  const int64_t before = now_ms() - *older;  // one cutoff for the preview and the purge
  return with_hub(a.hub, name, [&](admin::AdminClient& c) {
    auto preview = c.call("dlq.list", {{"before_ms", before}, {"count_only", true}});
    if (!preview) return report_error(name, preview.status(), a.hub.json);
    const uint64_t total = preview->value("total", uint64_t{0});
    if (total == 0) {
      if (a.hub.json) print_json({{"purged", 0}, {"packages_deleted", 0}, {"before_ms", before}});
      else std::cout << "no dead letters older than " << a.older_than << "\n";
      return kExitOk;
    }
    if (!a.yes) {
      std::cerr << "Delete " << total << " dead letter" << (total == 1 ? "" : "s")
                << " that died before " << iso_time(before) << " (older than " << a.older_than
                << ")? Their packages go too when nothing else is queued for them; the audit "
                   "log keeps their trail. Type \"yes\" to confirm: "
                << std::flush;
      std::string answer;
      if (!std::getline(std::cin, answer)) answer.clear();
      while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' ')) answer.pop_back();
      if (answer != "yes") {
        std::cerr << "docaxis dlq purge: not confirmed: nothing deleted\n";
        return kExitFailed;
      }
    }
    uint64_t purged = 0, packages = 0;
    ProgressBar bar("purge", total, false, !a.hub.json && ProgressBar::stderr_is_terminal());
    for (;;) {
      auto r = c.call("dlq.purge", {{"before_ms", before}, {"limit", kPurgeBatch}}, admin::Access::kMutate);
      if (!r) {
        bar.finish();
        if (purged > 0) std::cerr << "docaxis dlq purge: " << purged << " purged before the error\n";
        return report_error(name, r.status(), a.hub.json);
      }
      const uint64_t n = r->value("purged", uint64_t{0});
      purged += n;
      packages += r->value("packages_deleted", uint64_t{0});
      bar.update(purged);
      if (n < static_cast<uint64_t>(kPurgeBatch)) break;
    }
    bar.finish();
    if (a.hub.json) {
      print_json({{"purged", purged}, {"packages_deleted", packages}, {"before_ms", before}});
    } else {
      std::cout << "purged " << purged << " dead letter" << (purged == 1 ? "" : "s") << " ("
                << packages << " package" << (packages == 1 ? "" : "s") << " deleted)\n";
    }
    return kExitOk;
  });
}

}  // namespace

Runner add_dlq_command(CLI::App& app) {
  Noun n(app, "dlq", "Dead letters: deliveries that missed their deadline or poison limit");
  auto list = std::make_shared<ListArgs>();
  CLI::App* l = n.verb("list", "Dead letters, most recent first", [list] { return run_list(*list); });
  add_filter(l, list->filter, true);
  l->add_option("--limit", list->limit, "at most N lines (default 100, at most 10000)")->check(CLI::Range(1, 10000));
  l->add_flag("--wide", list->wide, "do not shorten the error column");
  add_hub_options(l, list->hub);

  auto retry = std::make_shared<RetryArgs>();
  CLI::App* r = n.verb("retry",
                       "Queue dead letters again with a fresh deadline: those of one document, "
                       "or --all (optionally --since T) (audited)",
                       [retry] { return run_retry(*retry); });
  r->add_option("ID", retry->ref, "seq number or document id");
  r->add_flag("--all", retry->all, "every dead letter matching --since/--from/--to");
  add_filter(r, retry->filter, false);
  add_hub_options(r, retry->hub);

  auto purge = std::make_shared<PurgeArgs>();
  CLI::App* p = n.verb("purge", "Delete dead letters older than D, after confirmation (audited)",
                       [purge] { return run_purge(*purge); });
  p->add_option("--older-than", purge->older_than, "dead for longer than D (e.g. 30d, 12h, 0s)")->required();
  p->add_flag("-y,--yes", purge->yes, "do not ask for confirmation");
  add_hub_options(p, purge->hub);
  return n.runner();
}

}  // namespace docaxis::cli
