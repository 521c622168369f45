#include "support.hpp"

#include <libxml/tree.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dsig/dsig_init.hpp"

namespace docaxis::dsig::test {
namespace {

// libxml2, xmlsec and OpenSSL are initialised once in the main thread, before any test (the
// thread tests start workers).
class DsigEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    edxml::init_xml_library();
    init_dsig();
  }
};
[[maybe_unused]] const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new DsigEnvironment);

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(fallback);
}

const char* cstr(const xmlChar* s) { return reinterpret_cast<const char*>(s); }

}  // namespace

std::string pki_dir() { return env_or("DOCAXIS_PKI", DOCAXIS_DEFAULT_PKI); }
std::string fixtures_dir() { return env_or("DOCAXIS_FIXTURES", DOCAXIS_DEFAULT_FIXTURES); }
std::string shared_dir() { return env_or("DOCAXIS_SHARED_DIR", DOCAXIS_SHARED_DIR); }

bool shared_present() {
  std::error_code ec;
  return std::filesystem::is_directory(shared_dir() + "/edxml-samples", ec) &&
         std::filesystem::is_directory(shared_dir() + "/xmldsig-vectors", ec);
}
std::string pki(const std::string& relative) { return pki_dir() + "/" + relative; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path
                  << " (run `ctest -R dsig_fixtures` first, or set DOCAXIS_PKI / "
                     "DOCAXIS_FIXTURES)";
    return {};
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string fixture(const std::string& name) { return read_bytes(fixtures_dir() + "/" + name); }

std::shared_ptr<const TrustStore> trust(bool with_crls) {
  TrustConfig config;
  config.anchor_files = {pki("trust-anchors.pem")};
  config.intermediate_files = {pki("intermediates.pem")};
  if (with_crls) config.crl_files = {pki("crl/all.pem")};
  auto loaded = TrustStore::load(config);
  if (!loaded) {
    ADD_FAILURE() << "TrustStore::load: " << loaded.status().to_string();
    return nullptr;
  }
  return *loaded;
}

std::vector<ExpectedRow> expected_rows() {
  std::istringstream in(read_bytes(fixtures_dir() + "/expected.tsv"));
  std::vector<ExpectedRow> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    ExpectedRow row;
    std::istringstream fields(line);
    std::getline(fields, row.file, '\t');
    std::getline(fields, row.code, '\t');
    std::getline(fields, row.description);
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<VerifiedPackage> verify_fixture(const Verifier& verifier, const std::string& name,
                                       const VerifyPolicy& policy) {
  return verify_package(verifier, fixture(name), policy);
}

std::string code_of(const Status& s) { return s.ok() ? "ok" : s.code(); }

X509Ptr load_cert(const std::string& relative) {
  auto certs = load_pem_certs(pki(relative));
  if (!certs || certs->empty()) {
    ADD_FAILURE() << "cannot load " << relative;
    return nullptr;
  }
  return std::move(certs->front());
}

std::time_t not_after(const std::string& relative) {
  X509Ptr c = load_cert(relative);
  return c ? to_time_t(X509_get0_notAfter(c.get())) : 0;
}

_xmlNode* find_element(const edxml::XmlDoc& doc, const char* local) {
  xmlNode* root = doc.root();
  for (xmlNode* n = root; n != nullptr;) {
    if (n->type == XML_ELEMENT_NODE && std::string(cstr(n->name)) == local) return n;
    if (n->type == XML_ELEMENT_NODE && n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != nullptr && n != root && n->next == nullptr) n = n->parent;
    n = (n == nullptr || n == root) ? nullptr : n->next;
  }
  return nullptr;
}

std::vector<_xmlNode*> element_children(_xmlNode* n) {
  std::vector<_xmlNode*> out;
  for (xmlNode* c = n != nullptr ? n->children : nullptr; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

std::string local_name(_xmlNode* n) { return n != nullptr ? cstr(n->name) : ""; }

std::string attribute(_xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  std::string s = v != nullptr ? cstr(v) : "";
  xmlFree(v);
  return s;
}

std::string text_content(_xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  std::string s = v != nullptr ? cstr(v) : "";
  xmlFree(v);
  return s;
}

std::string first_text_node(_xmlNode* n) {
  for (xmlNode* c = n != nullptr ? n->children : nullptr; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE) return c->content != nullptr ? cstr(c->content) : "";
  }
  return {};
}

}  // namespace docaxis::dsig::test
