// EndpointRegistry: who may send for an organ and who may read its inbox.
#include "routing/endpoint_registry.hpp"

#include <gtest/gtest.h>

namespace docaxis::routing {
namespace {

using config::HubConfig;
using edxml::OrganId;

const std::string kFp(64, 'a');

config::EndpointConfig endpoint(const char* organ) {
  config::EndpointConfig e;
  e.organ = organ;
  return e;
}

HubConfig province() {
  HubConfig c;
  c.hub.name = "h30";
  c.endpoints = {endpoint("000.00.13.H30"), endpoint("000.00.31.H30"),
                 endpoint("000.21.31.H30")};
  // 000.00.13.H30: UID binding (default); 000.00.31.H30: fingerprint; commune: subject.
  c.endpoints[1].cert_sha256 = "AA:" + std::string(62, 'a');
  c.endpoints[2].cert_subject = "CN=Commune DMS,O=X,C=VN";
  c.endpoints[2].allow_unsigned = true;
  c.endpoints[2].relaxation_reason = "legacy";
  c.peers = {{"national", "amqps://n", "", "CN=docaxis hub national", {"*"}, ""},
             {"g12", "amqps://g", std::string(64, 'b'), "", {".G12", "H53"}, ""}};
  return c;
}

OrganId id(const char* s) { return OrganId::parse(s).value(); }

model::ConnectionIdentity organ_cert(const char* uid) {
  return {true, std::string("UID=") + uid + ",CN=Organ,O=docaxis test PKI,C=VN", uid,
          std::string(64, '1'), ""};
}

class EndpointRegistryTest : public testing::Test {
 protected:
  EndpointRegistry reg = EndpointRegistry::build(province()).value();
  model::ConnectionIdentity national = reg.identify({true, "CN=docaxis hub national", "", kFp, ""});
  model::ConnectionIdentity g12 =
      reg.identify({true, "CN=docaxis hub g12", "", std::string(64, 'b'), ""});
};

TEST_F(EndpointRegistryTest, IdentifyRecognisesPeersByTheirConfiguredCertificate) {
  EXPECT_EQ(national.peer, "national");
  EXPECT_EQ(g12.peer, "g12");
  EXPECT_EQ(reg.identify(organ_cert("000.00.13.H30")).peer, "");
  // A claimed peer name is cleared when the certificate is not that peer's.
  EXPECT_EQ(reg.identify({true, "CN=impostor", "", std::string(64, 'c'), "national"}).peer, "");
}

TEST_F(EndpointRegistryTest, AnUnauthenticatedConnectionIsNobodyWhateverItCarries) {
  // A plaintext listener has no certificate: fields a front door left set must not count.
  const model::ConnectionIdentity id =
      reg.identify({false, "CN=docaxis hub national", "000.00.13.H30", kFp, "national"});
  EXPECT_EQ(id.peer, "");
  EXPECT_EQ(id.subject, "");
  EXPECT_EQ(id.uid, "");
  EXPECT_EQ(id.sha256, "");
  EXPECT_EQ(reg.authorize_sender(id, OrganId::parse("000.00.13.H30").value()).status().code(),
            "unauthorized");
}

struct SendCase {
  const char* name;
  model::ConnectionIdentity identity;
  const char* from;
  const char* code;  // "" = authorized
  const char* peer;  // expected SenderAuthorization::peer when authorized
};

TEST_F(EndpointRegistryTest, AuthorizeSender) {
  model::ConnectionIdentity by_fp{true, "CN=whatever", "", kFp, ""};
  model::ConnectionIdentity by_subject{true, "CN=Commune DMS,O=X,C=VN", "", std::string(64, '2'),
                                       ""};
  model::ConnectionIdentity forged_peer{true, "CN=impostor", "", std::string(64, 'c'), "national"};
  const std::vector<SendCase> cases = {
      {"uid binding", organ_cert("000.00.13.H30"), "000.00.13.H30", "", ""},
      {"other organ's uid", organ_cert("000.00.31.H30"), "000.00.13.H30", "unauthorized", ""},
      {"uid ignored for fingerprint binding", organ_cert("000.00.31.H30"), "000.00.31.H30",
       "unauthorized", ""},
      {"fingerprint binding", by_fp, "000.00.31.H30", "", ""},
      {"subject binding", by_subject, "000.21.31.H30", "", ""},
      {"endpoint sending for a remote organ", organ_cert("000.00.13.H30"), "000.00.01.G12",
       "unknown-endpoint", ""},
      {"peer relaying anything", national, "000.00.01.G12", "", "national"},
      {"peer for a local organ", national, "000.00.13.H30", "unauthorized", ""},
      {"peer within its suffix", g12, "000.00.01.G12", "", "g12"},
      {"peer within its second suffix", g12, "000.21.31.H53", "", "g12"},
      {"peer outside its suffixes", g12, "000.00.00.G22", "unauthorized", ""},
      {"forged peer claim", forged_peer, "000.00.01.G12", "unauthorized", ""},
  };
  for (const SendCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<SenderAuthorization> r = reg.authorize_sender(c.identity, id(c.from));
    EXPECT_EQ(r.status().code(), c.code) << r.status().message();
    if (r.ok()) {
      EXPECT_EQ(r->via_peer, std::string(c.peer) != "");
      EXPECT_EQ(r->peer, c.peer);
    }
  }
}

TEST_F(EndpointRegistryTest, SenderAuthorizationCarriesTheEndpointRelaxations) {
  model::ConnectionIdentity commune{true, "CN=Commune DMS,O=X,C=VN", "", std::string(64, '2'), ""};
  Result<SenderAuthorization> r = reg.authorize_sender(commune, id("000.21.31.H30"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->relaxations.allow_unsigned);
  EXPECT_FALSE(r->relaxations.allow_sha1);
  EXPECT_EQ(r->relaxations.reason, "legacy");
  EXPECT_FALSE(reg.authorize_sender(organ_cert("000.00.13.H30"), id("000.00.13.H30"))
                   ->relaxations.any());
}

TEST_F(EndpointRegistryTest, ErrorMessagesNameTheCertificateAndTheRule) {
  EXPECT_EQ(reg.authorize_sender(g12, id("000.00.00.G22")).status().message(),
            "peer g12 may not relay for 000.00.00.G22 (relay_for: G12, H53)");
  EXPECT_EQ(reg.authorize_sender(national, id("000.00.13.H30")).status().message(),
            "peer national may not send for 000.00.13.H30: that organ is served by this hub");
  const std::string m =
      reg.authorize_sender(organ_cert("000.00.31.H30"), id("000.00.13.H30")).status().message();
  EXPECT_NE(m.find("is not the endpoint of 000.00.13.H30 (bound by certificate UID "
                   "000.00.13.H30)"),
            std::string::npos)
      << m;
}

TEST_F(EndpointRegistryTest, InboxOnlyForTheOrgansOwnEndpoint) {
  EXPECT_TRUE(reg.may_attach_inbox(organ_cert("000.00.13.H30"), id("000.00.13.H30")).ok());
  EXPECT_EQ(reg.may_attach_inbox(organ_cert("000.00.13.H30"), id("000.00.31.H30")).code(),
            "unauthorized");
  EXPECT_EQ(reg.may_attach_inbox(national, id("000.00.13.H30")).code(), "unauthorized");
  EXPECT_EQ(reg.may_attach_inbox(organ_cert("000.00.01.G12"), id("000.00.01.G12")).code(),
            "unknown-endpoint");
  EXPECT_TRUE(reg.may_attach_inbox({true, "CN=whatever", "", kFp, ""}, id("000.00.31.H30")).ok());
}

TEST(EndpointRegistry, BuildRefusesAnUnvalidatedConfiguration) {
  HubConfig c = province();
  c.endpoints.push_back(endpoint("000.00.13.H30"));
  EXPECT_EQ(EndpointRegistry::build(c).status().code(), "invalid-argument");
  c = province();
  c.peers[0].relay_for = {"h30"};
  EXPECT_EQ(EndpointRegistry::build(c).status().code(), "invalid-argument");
  c = province();
  c.peers[0].cert_subject.clear();
  EXPECT_EQ(EndpointRegistry::build(c).status().code(), "invalid-argument");
}

}  // namespace
}  // namespace docaxis::routing

namespace docaxis::routing {
namespace {

// The axis HTTP API: a system id authenticated by its HMAC acts for the organs that name it,
// and never matches a certificate binding (nor a certificate a system binding).
TEST(EndpointRegistrySystems, AnHttpApiSystemActsExactlyForTheOrgansNamingIt) {
  HubConfig c = province();
  c.endpoints[0].vxp_system = "000.00.13.H30";  // UID-bound organ, also served over HTTP
  c.endpoints[2].vxp_system = "commune-dms";    // subject-bound organ
  EndpointRegistry reg = EndpointRegistry::build(c).value();
  model::ConnectionIdentity sys;
  sys.authenticated = true;
  sys.system = "000.00.13.H30";
  sys = reg.identify(sys);
  EXPECT_EQ(sys.peer, "");
  EXPECT_TRUE(reg.authorize_sender(sys, id("000.00.13.H30")).ok());
  auto other = reg.authorize_sender(sys, id("000.00.31.H30"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), "unauthorized");
  EXPECT_NE(other.status().message().find("HTTP API system \"000.00.13.H30\""), std::string::npos)
      << other.status().message();
  // Not served here: the system is no peer.
  EXPECT_EQ(reg.authorize_sender(sys, id("000.00.00.G22")).status().code(), "unknown-endpoint");
  // The relaxations are the endpoint's, whoever speaks for it.
  model::ConnectionIdentity commune;
  commune.authenticated = true;
  commune.system = "commune-dms";
  auto relaxed = reg.authorize_sender(commune, id("000.21.31.H30"));
  ASSERT_TRUE(relaxed.ok());
  EXPECT_TRUE(relaxed->relaxations.allow_unsigned);
  EXPECT_TRUE(reg.may_attach_inbox(commune, id("000.21.31.H30")).ok());
  EXPECT_FALSE(reg.may_attach_inbox(commune, id("000.00.13.H30")).ok());
  // A system identity carrying certificate fields still matches only by system; an
  // unauthenticated one is nobody.
  model::ConnectionIdentity mixed = commune;
  mixed.uid = "000.00.13.H30";
  EXPECT_FALSE(reg.authorize_sender(mixed, id("000.00.13.H30")).ok());
  model::ConnectionIdentity anonymous = reg.identify({false, "", "", "", "", "000.00.13.H30"});
  EXPECT_TRUE(anonymous.system.empty());
  EXPECT_FALSE(reg.authorize_sender(anonymous, id("000.00.13.H30")).ok());
  // The organ's certificate still works beside the system.
  EXPECT_TRUE(reg.authorize_sender(organ_cert("000.00.13.H30"), id("000.00.13.H30")).ok());
}

}  // namespace
}  // namespace docaxis::routing
