#include "amqp/outcome.hpp"

#include <gtest/gtest.h>

#include "amqp/identity.hpp"

namespace docaxis::amqp {
namespace {

TEST(Outcome, OkIsAccepted) { EXPECT_EQ(outcome_for({}).kind, OutcomeKind::kAccepted); }

TEST(Outcome, RefusalIsRejectedWithDocaxisCondition) {
  const Outcome o = outcome_for({"sender-mismatch", "signed by 000.00.31.H30"});
  EXPECT_EQ(o.kind, OutcomeKind::kRejected);
  EXPECT_EQ(o.condition, "docaxis:sender-mismatch");
  EXPECT_EQ(o.description, "signed by 000.00.31.H30");
}

TEST(Outcome, TransientCodesAreReleased) {
  for (const char* code :
       {"store-busy", "unavailable", "resource-exhausted", "overloaded", "internal"}) {
    EXPECT_EQ(outcome_for({code, "x"}).kind, OutcomeKind::kReleased) << code;
  }
  EXPECT_EQ(outcome_for({"duplicate-conflict", "x"}).kind, OutcomeKind::kRejected);
  EXPECT_EQ(outcome_for({"no-route", "x"}).kind, OutcomeKind::kRejected);
}

TEST(Identity, UidIsReadFromTheSubject) {
  EXPECT_EQ(uid_from_subject("UID=000.00.13.H30,CN=Organ 000.00.13.H30,O=docaxis test PKI,C=VN"),
            "000.00.13.H30");
  EXPECT_EQ(uid_from_subject("CN=Sở\\, phòng,uid=000.00.01.G12,C=VN"), "000.00.01.G12");
  EXPECT_EQ(uid_from_subject("CN=docaxis hub national,O=docaxis test PKI,C=VN"), "");
  EXPECT_EQ(uid_from_subject("CN=UID=fake,C=VN"), "");
}

}  // namespace
}  // namespace docaxis::amqp
