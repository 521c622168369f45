#include "vxp/api.hpp"

#include <array>
#include <chrono>
#include <cctype>

#include "model/wire.hpp"
#include "tls/crypto.hpp"
#include "vxp/answer.hpp"
#include "vxp/auth.hpp"
#include "vxp/send_body.hpp"

namespace docaxis::vxp {
namespace {

// Every operation of the SDK (the note's table); any other path is not an operation.
constexpr std::array<std::string_view, 13> kOperations = {
    "sendEdoc",        "getReceivedEdocList", "getEdoc",          "downloadEdoc",
    "updateStatus",    "getSentEdocList",     "countReceiveEdoc", "countReceiveStatus",
    "getAgenciesList", "getAgenciesListQD20", "getSynchronizeUnit", "registerAgency",
    "deleteAgency"};

// The HTTP status of a FAIL answer, by its ErrorCode (the SDK reads only the JSON; the status
// is for people, proxies and logs).
// Authentication failures are 403, not 401: a 401 makes the JDK's HttpURLConnection (the SDK's
// sendEdoc) in streaming mode throw before the JSON can be read.
unsigned http_status(std::string_view error_code) {
  if (error_code == "100" || error_code == "109") return error_code == "100" ? 400 : 501;
  if (error_code.size() == 3 && error_code[0] == '1') return 403;
  if (error_code == "201") return 413;
  if (error_code == "203") return 431;
  if (error_code == "202") return 408;
  if (error_code == "404" || error_code == "405") return 404;
  if (error_code == "411") return 410;  // released: Gone
  if (error_code == "500") return 503;
  return error_code.size() == 3 && error_code[0] == '2' ? 400 : 422;
}

http::Response fail(std::string_view code, std::string_view detail,
                    const nlohmann::ordered_json& fields = nlohmann::ordered_json::object()) {
  return http::Response{http_status(error_code_for(code)), "application/json",
                        fail_answer(code, detail, fields)};
}

bool ascii_equal_icase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

Api::Api(ApiOptions options, std::vector<System> systems, engine::IngestPort& ingest,
         delivery::PolledInboxes* inboxes, Directory* directory)
    : options_(std::move(options)), systems_(std::move(systems)), ingest_(ingest),
      inboxes_(inboxes), directory_(directory), last_request_(systems_.size()) {
  for (std::size_t i = 0; i < systems_.size(); ++i) by_id_.emplace(systems_[i].id, i);
  while (!options_.path_prefix.empty() && options_.path_prefix.back() == '/') {
    options_.path_prefix.pop_back();
  }
}

http::Response Api::refusal(std::string_view code, std::string_view detail) {
  return fail(code, detail, {{"DocId", ""}});
}

std::string Api::doc_id(std::string_view package) {
  return tls::sha256_hex(package).substr(0, 24);
}

std::optional<int64_t> Api::last_request_ms(std::string_view system) const {
  const System* s = find_system(system);
  if (s == nullptr) return std::nullopt;
  const int64_t t = last_request_[static_cast<std::size_t>(s - systems_.data())].load(
      std::memory_order_relaxed);
  if (t == 0) return std::nullopt;
  return t;
}

const System* Api::find_system(std::string_view id) const {
  const auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &systems_[it->second];
}

std::variant<Api::Prepared, http::Response> Api::prepare(const http::Request& request) const {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));  // the SDK sends no query; any is ignored
  std::string_view op;
  if (path.size() > options_.path_prefix.size() + 1 &&
      path.substr(0, options_.path_prefix.size()) == options_.path_prefix &&
      path[options_.path_prefix.size()] == '/') {
    op = path.substr(options_.path_prefix.size() + 1);
  }
  bool known = false;
  for (std::string_view o : kOperations) known = known || o == op;
  if (!known) {
    return fail("bad-request", "no such operation (the API is served under \"" +
                                   options_.path_prefix + "/\")",
                {{"DocId", ""}});
  }
  // downloadEdoc's answer is saved as the document whatever it is: never a JSON error there.
  const auto refuse = [op](std::string_view code, std::string_view detail) {
    http::Response r = fail(code, detail, {{"DocId", ""}});
    if (op == "downloadEdoc") {
      r.content_type = "application/octet-stream";
      r.body.clear();
    }
    return r;
  };
  std::vector<Header> headers;
  headers.reserve(request.headers.size());
  for (const auto& h : request.headers) headers.push_back({h.name, h.value});
  auto params = authenticate(headers, [this](std::string_view id) -> const std::string* {
    const System* s = find_system(id);
    return s != nullptr ? &s->secret : nullptr;
  });
  if (!params.ok()) return refuse(params.status().code(), params.status().message());
  const System* system = find_system(params->system_id());
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  last_request_[static_cast<std::size_t>(system - systems_.data())].store(
      now, std::memory_order_relaxed);
  if (op == "sendEdoc") {
    if (request.method != "POST") return refuse("bad-request", "sendEdoc is a POST");
    const std::string* type = params->find("messagetype");
    if (type == nullptr || (!ascii_equal_icase(*type, model::wire::kTypeEdoc) &&
                            !ascii_equal_icase(*type, model::wire::kTypeStatus))) {
      return refuse("bad-request", "the signed messagetype must be edoc or status");
    }
    if (params->find("hash-file") == nullptr) {
      return refuse("bad-request", "the signed hash-file is missing");
    }
  } else if (inboxes_ != nullptr &&
             (op == "getReceivedEdocList" || op == "countReceiveEdoc" ||
              op == "countReceiveStatus" || op == "getEdoc" || op == "downloadEdoc" ||
              op == "updateStatus" || op == "getSentEdocList")) {
    const std::string_view method = op == "downloadEdoc" ? "GET" : "POST";
    if (request.method != method) {
      return refuse("bad-request", std::string(op) + " is a " + std::string(method));
    }
    if (Status s = check_inbox_params(op, *params); !s.ok()) return refuse(s.code(), s.message());
  } else if (directory_ != nullptr &&
             (op == "getAgenciesList" || op == "getAgenciesListQD20" ||
              op == "getSynchronizeUnit" || op == "registerAgency" || op == "deleteAgency")) {
    if (request.method != "POST") return refuse("bad-request", std::string(op) + " is a POST");
    const bool change = op == "registerAgency" || op == "deleteAgency";
    if (change && !directory_->may_change(system->id)) {
      return refuse("not-permitted", "system " + system->id +
                                         " is not an administrator of this hub's directory");
    }
    if (op == "deleteAgency" && params->find("AgencyCode") == nullptr) {
      return refuse("bad-request", "the signed AgencyCode is missing");
    }
  } else {
    return refuse("not-served", "this hub does not serve " + std::string(op) + " yet");
  }
  return Prepared{op, std::move(*params), system};
}

std::optional<http::Response> Api::check_header(const http::Request& head) const {
  auto prepared = prepare(head);
  if (auto* refused = std::get_if<http::Response>(&prepared)) return std::move(*refused);
  return std::nullopt;
}

void Api::handle(http::Request request, http::Reply reply) {
  auto prepared = prepare(request);
  if (auto* refused = std::get_if<http::Response>(&prepared)) return reply(std::move(*refused));
  const Prepared& p = std::get<Prepared>(prepared);
  if (p.op == "sendEdoc") return send_edoc(request, p.params, *p.system, std::move(reply));
  if (p.op == "getReceivedEdocList") return received_list(p.params, *p.system, std::move(reply));
  if (p.op == "countReceiveEdoc" || p.op == "countReceiveStatus") {
    return count_received(p.op, *p.system, std::move(reply));
  }
  if (p.op == "getEdoc" || p.op == "downloadEdoc") {
    return get_edoc(p.op == "downloadEdoc", p.params, *p.system, std::move(reply));
  }
  if (p.op == "getSentEdocList") return sent_list(p.params, *p.system, std::move(reply));
  if (p.op != "updateStatus") return directory_op(p.op, request, p.params, *p.system, std::move(reply));
  update_status(p.params, *p.system, std::move(reply));
}

void Api::directory_op(std::string_view op, const http::Request& request,
                       const SignedParams& params, const System& system, http::Reply reply) {
  std::string answer;
  if (op == "getAgenciesList") {
    answer = agencies_list_answer(*directory_->snapshot());
  } else if (op == "getAgenciesListQD20") {
    const std::string* level = params.find("level");
    answer = agencies_list_qd20_answer(*directory_->snapshot(), level ? *level : std::string());
  } else if (op == "getSynchronizeUnit") {
    answer = synchronize_unit_answer(*directory_->snapshot());
  } else {
    const bool add = op == "registerAgency";
    const Status outcome = add ? directory_->register_agency(request.body, system.id)
                               : directory_->delete_agency(*params.find("AgencyCode"), system.id);
    if (outcome.ok() && options_.on_directory_change) {
      std::string organ;
      if (add) {
        const auto body = nlohmann::json::parse(request.body, nullptr, false);
        if (body.is_object() && body.contains("code") && body["code"].is_string()) {
          organ = body["code"].get<std::string>();
        }
      } else {
        organ = *params.find("AgencyCode");
      }
      options_.on_directory_change(system.id, add ? "register-agency" : "delete-agency", organ);
    }
    answer = change_answer(outcome);
  }
  // The status follows the answer's ErrorCode, as for every other FAIL.
  unsigned status = 200;
  if (answer.rfind(R"({"status":"FAIL")", 0) == 0) {
    const auto j = nlohmann::json::parse(answer, nullptr, false);
    status = http_status(j.is_object() ? j.value("ErrorCode", "340") : "340");
  }
  reply(http::Response{status, "application/json", std::move(answer)});
}

void Api::send_edoc(const http::Request& request, const SignedParams& params,
                    const System& system, http::Reply reply) {
  // prepare() checked the method and that both signed parameters are there.
  const nlohmann::ordered_json no_id = {{"DocId", ""}};
  const std::string_view address =
      ascii_equal_icase(*params.find("messagetype"), model::wire::kTypeEdoc)
          ? model::wire::kEdocAddress
          : model::wire::kStatusAddress;
  auto package = package_of_send_body(request.body, *params.find("hash-file"));
  if (!package.ok()) return reply(fail(package.status().code(), package.status().message(), no_id));

  engine::IncomingPackage in;
  in.address = std::string(address);
  in.bytes = std::string(*package);
  in.from.authenticated = true;
  in.from.system = system.id;
  std::string id = doc_id(in.bytes);
  ingest_.submit(std::move(in), [reply = std::move(reply), id = std::move(id)](const Status& s) {
    if (s.ok()) return reply(http::Response{200, "application/json", ok_answer({{"DocId", id}})});
    reply(fail(s.code(), s.message(), {{"DocId", ""}}));
  });
}

}  // namespace docaxis::vxp
