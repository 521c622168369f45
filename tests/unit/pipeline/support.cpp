#include "support.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "dsig/dsig_init.hpp"
#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "edxml/xml_doc.hpp"

namespace docaxis::engine::test {
namespace {

class EngineEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    edxml::init_xml_library();
    dsig::init_dsig();
  }
};
[[maybe_unused]] const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new EngineEnvironment);

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path << " (run `ctest -R dsig_fixtures` first)";
    return {};
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string pki(const std::string& relative) {
  return env_or("DOCAXIS_PKI", DOCAXIS_DEFAULT_PKI) + "/" + relative;
}
std::string fixture(const std::string& name) {
  return read_bytes(env_or("DOCAXIS_FIXTURES", DOCAXIS_DEFAULT_FIXTURES) + "/" + name);
}

std::string organ_subject(const std::string& organ) {
  return "UID=" + organ + ",CN=Organ " + organ + ",O=docaxis test PKI,C=VN";
}
model::ConnectionIdentity organ_identity(const std::string& organ) {
  return model::ConnectionIdentity{true, organ_subject(organ), organ, "", ""};
}

std::string sign_as(const std::string& organ, const std::string& unsigned_bytes) {
  auto signer = dsig::Signer::load(pki("organs/" + organ + ".key"),
                                   pki("organs/" + organ + ".crt"),
                                   {pki("organs/" + organ + ".chain.pem")});
  if (!signer.ok()) {
    ADD_FAILURE() << "Signer::load: " << signer.status().to_string();
    return {};
  }
  auto signed_bytes = (*signer)->sign(unsigned_bytes);
  if (!signed_bytes.ok()) {
    ADD_FAILURE() << "sign: " << signed_bytes.status().to_string();
    return {};
  }
  return *signed_bytes;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  std::size_t n = 0;
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
    text.replace(pos, from.size(), to);
    pos += to.size();
    ++n;
  }
  EXPECT_GT(n, 0u) << "\"" << from << "\" not found";
  return text;
}

void GateStore::ingest_async(store::StoredPackage pkg,
                             std::vector<store::DeliverySpec> recipients, IngestCallback done) {
  std::unique_lock lk(mu_);
  if (throws_ > 0) {
    --throws_;
    throw std::runtime_error("injected store failure");
  }
  if (!fail_.ok()) {
    const Status fail = fail_;
    lk.unlock();
    done(fail);
    return;
  }
  if (open_) {
    lk.unlock();
    inner_.ingest_async(std::move(pkg), std::move(recipients), std::move(done));
    return;
  }
  auto shared = std::make_shared<store::StoredPackage>(std::move(pkg));
  auto specs = std::make_shared<std::vector<store::DeliverySpec>>(std::move(recipients));
  held_.push_back([this, shared, specs, done = std::move(done)] {
    inner_.ingest_async(std::move(*shared), std::move(*specs), done);
  });
}

void GateStore::release() {
  std::vector<std::function<void()>> held;
  {
    std::lock_guard lk(mu_);
    open_ = true;
    held.swap(held_);
  }
  for (auto& f : held) f();
}

void GateStore::fail_with(Status status) {
  std::lock_guard lk(mu_);
  fail_ = std::move(status);
}

void GateStore::throw_next(int n) {
  std::lock_guard lk(mu_);
  throws_ = n;
}

std::size_t GateStore::held() const {
  std::lock_guard lk(mu_);
  return held_.size();
}

void IngestTest::SetUp() {
  tmp_ = std::make_unique<docaxis::test::TempDir>("pipeline");
  dir_ = tmp_->string();
  store::SqliteStoreOptions so;
  so.path = dir_ + "/spool.sqlite";
  so.fsync = store::FsyncMode::kNormal;
  so.clock = [this] { return now_ms_.load(); };
  auto st = store::SqliteStore::open(so);
  ASSERT_TRUE(st.ok()) << st.status().to_string();
  store_ = std::move(*st);

  audit::AuditOptions ao;
  ao.dir = dir_ + "/audit";
  ao.key_pem = pki("hubs/h30.key");
  ao.cert_pem = pki("hubs/h30.crt");
  ao.background_sealer = false;
  ao.checkpoint_interval = std::chrono::milliseconds(0);
  ao.fault = [this](const char*) { return audit_fault_.load(); };
  auto log = audit::AuditLog::open(ao);
  ASSERT_TRUE(log.ok()) << log.status().to_string();
  audit_ = std::move(*log);

  dsig::TrustConfig tc;
  tc.anchor_files = {pki("trust-anchors.pem")};
  tc.intermediate_files = {pki("intermediates.pem")};
  tc.crl_files = {pki("crl/all.pem")};
  auto trust = dsig::TrustStore::load(tc);
  ASSERT_TRUE(trust.ok()) << trust.status().to_string();
  verifier_ = std::make_unique<dsig::Verifier>(*trust);
  package_verifier_ = std::make_unique<dsig::DsigPackageVerifier>(*verifier_);
}

void IngestTest::TearDown() {
  ingest_.reset();  // answers everything admitted before the store goes
  store_.reset();
  audit_.reset();
  tmp_.reset();
}

config::HubConfig IngestTest::hub_config() { return docaxis::test::ingest_hub_config(kHub); }

void IngestTest::start(const config::HubConfig& config, IngestOptions options,
                       store::Store* store) {
  ingest_.reset();
  auto reg = routing::EndpointRegistry::build(config);
  ASSERT_TRUE(reg.ok()) << reg.status().to_string();
  registry_ = std::make_unique<routing::EndpointRegistry>(std::move(*reg));
  auto rt = routing::RouteTable::build(config);
  ASSERT_TRUE(rt.ok()) << rt.status().to_string();
  routes_ = std::make_unique<routing::RouteTable>(std::move(*rt));
  if (options.hub_name.empty()) options.hub_name = config.hub.name;
  options.clock = [this] { return now_ms_.load(); };
  if (!options.on_stored) {
    options.on_stored = [this](uint64_t seq, const std::vector<store::DeliverySpec>& d) {
      std::lock_guard lk(stored_mu_);
      stored_calls_.emplace_back(seq, d);
    };
  }
  ingest_ = std::make_unique<Ingest>(store != nullptr ? *store : *store_, *package_verifier_, *registry_,
                                     *routes_, audit_.get(), std::move(options));
}

Status IngestTest::submit_as(const model::ConnectionIdentity& who, const std::string& bytes,
                             const std::string& address, std::vector<std::string> hops) {
  std::promise<Status> answer;
  auto fut = answer.get_future();
  ingest_->submit(IncomingPackage{address, bytes, who, std::move(hops)},
                  [&answer](const Status& s) { answer.set_value(s); });
  return fut.get();
}

Status IngestTest::submit(const std::string& bytes, const std::string& address,
                          const std::string& organ, std::vector<std::string> hops,
                          std::function<void()> on_done) {
  std::promise<Status> answer;
  auto fut = answer.get_future();
  ingest_->submit(IncomingPackage{address, bytes, organ_identity(organ), std::move(hops)},
                  [&answer, on_done](const Status& s) {
                    if (on_done) on_done();
                    answer.set_value(s);
                  });
  return fut.get();
}

std::future<Status> IngestTest::submit_async(const std::string& bytes,
                                             const std::string& address,
                                             const std::string& organ) {
  auto answer = std::make_shared<std::promise<Status>>();
  auto fut = answer->get_future();
  ingest_->submit(IncomingPackage{address, bytes, organ_identity(organ), {}},
                  [answer](const Status& s) { answer->set_value(s); });
  return fut;
}

std::vector<store::PackageSummary> IngestTest::packages() {
  auto list = store_->list_packages(store::PackageFilter{});
  EXPECT_TRUE(list.ok()) << list.status().to_string();
  return list.ok() ? *list : std::vector<store::PackageSummary>{};
}

std::vector<store::Delivery> IngestTest::deliveries(uint64_t seq) {
  auto list = store_->deliveries_of(seq);
  EXPECT_TRUE(list.ok()) << list.status().to_string();
  return list.ok() ? *list : std::vector<store::Delivery>{};
}

std::string IngestTest::audit_text() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/audit")) {
    if (e.is_regular_file() && e.path().extension() == ".log") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::string text;
  for (const auto& f : files) text += read_bytes(f);
  return text;
}

std::vector<std::string> IngestTest::audit_events() {
  // Refusals are audited asynchronously: make everything queued so far durable first.
  if (audit_) {
    EXPECT_TRUE(audit_->checkpoint("test").ok());
  }
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/audit")) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> events;
  const std::regex re("\"event\":\"([a-z0-9-]+)\"");
  for (const auto& f : files) {
    std::istringstream in(read_bytes(f));
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
      if (std::regex_search(line, m, re) && m[1] != "checkpoint") events.push_back(m[1]);
    }
  }
  return events;
}

}  // namespace docaxis::engine::test
