#include "amqp/outcome.hpp"

#include <gtest/gtest.h>

#include "model/identity.hpp"

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

}  // namespace
}  // namespace docaxis::amqp
