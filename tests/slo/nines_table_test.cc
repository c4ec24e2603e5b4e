// The published nines table: allowed downtime for an objective over a
// period, read from the engine as the error budget of a fully-up window.

#include <gtest/gtest.h>

#include "tests/slo/helpers.h"

namespace ninesd::slo {
namespace {

using namespace testing;

struct Row {
  double objective;
  Millis period;
  double allowed_seconds;
};

class NinesTableTest : public ::testing::TestWithParam<Row> {};

TEST_P(NinesTableTest, BudgetOfAFullWindowIsTheAllowedDowntime) {
  const Row& r = GetParam();
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Availability("slo", 0, r.objective, r.period));
  spec.evaluation_interval = kDay;  // nothing to alert on; keep the grid sparse
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kUp)).ok());
  SloStatus st = e->Evaluate(0, kT0 + r.period);
  EXPECT_DOUBLE_EQ(st.budget_total, r.allowed_seconds)
      << r.objective << "% over " << FormatDuration(r.period);
}

constexpr Millis kWeek = 7 * kDay;
constexpr Millis kMonth30 = 30 * kDay;
constexpr Millis kYear365 = 365 * kDay;

INSTANTIATE_TEST_SUITE_P(Published, NinesTableTest,
                         ::testing::Values(Row{99, kDay, 864}, Row{99, kWeek, 6048},
                                           Row{99, kMonth30, 25920}, Row{99, kYear365, 315360},
                                           Row{99.9, kDay, 86.4}, Row{99.9, kWeek, 604.8},
                                           Row{99.9, kMonth30, 2592}, Row{99.9, kYear365, 31536},
                                           Row{99.95, kDay, 43.2}, Row{99.95, kWeek, 302.4},
                                           Row{99.95, kMonth30, 1296}, Row{99.95, kYear365, 15768},
                                           Row{99.99, kDay, 8.64}, Row{99.99, kWeek, 60.48},
                                           Row{99.99, kMonth30, 259.2},
                                           Row{99.99, kYear365, 3153.6}, Row{99.999, kDay, 0.864},
                                           Row{99.999, kWeek, 6.048}, Row{99.999, kMonth30, 25.92},
                                           Row{99.999, kYear365, 315.36}));  // 5 min 15.36 s

}  // namespace
}  // namespace ninesd::slo
