// Engine::ServiceIntervals: the read-only view of a service's timeline that
// reports build outage lists from.

#include <gtest/gtest.h>

#include "tests/slo/helpers.h"

namespace ninesd::slo {
namespace {

using namespace testing;

TEST(ServiceIntervalsTest, RunsCoverTheRangeWithUnknownBeforeTheFirstSignal) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Availability("slo", 0, 99.9, kDay));
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kUp)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + kHour, State::kDown)).ok());
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + kHour + 1, State::kDown)).ok());  // no change
  ASSERT_TRUE(e->Apply(StateAt(0, kT0 + 2 * kHour, State::kUp)).ok());
  e->AdvanceTo(kT0 + 3 * kHour);
  std::vector<StateInterval> iv = e->ServiceIntervals(0, kT0 - kMinute, kT0 + 3 * kHour);
  std::vector<StateInterval> want = {
      {kT0 - kMinute, kT0, State::kUnknown},
      {kT0, kT0 + kHour, State::kUp},
      {kT0 + kHour, kT0 + 2 * kHour, State::kDown},
      {kT0 + 2 * kHour, kT0 + 3 * kHour, State::kUp},
  };
  EXPECT_EQ(iv, want);
  // A sub-range is clipped at both ends; end - 1 ms, end, end + 1 ms of a run.
  EXPECT_EQ(e->ServiceIntervals(0, kT0 + kHour - 1, kT0 + kHour + 1),
            (std::vector<StateInterval>{{kT0 + kHour - 1, kT0 + kHour, State::kUp},
                                        {kT0 + kHour, kT0 + kHour + 1, State::kDown}}));
  EXPECT_EQ(e->ServiceIntervals(0, kT0 + 2 * kHour, kT0 + 2 * kHour + 1),
            (std::vector<StateInterval>{{kT0 + 2 * kHour, kT0 + 2 * kHour + 1, State::kUp}}));
  EXPECT_TRUE(e->ServiceIntervals(0, kT0, kT0).empty());
}

TEST(ServiceIntervalsTest, MaintenanceShowsAsExcluded) {
  ModelSpec spec;
  spec.services.push_back(Leaf("svc"));
  spec.slos.push_back(Availability("slo", 0, 99.9, kDay));
  MaintenanceSpec m;
  m.start = kT0 + kHour;
  m.end = kT0 + 2 * kHour;
  spec.maintenance.push_back(m);
  auto e = MakeEngine(spec);
  ASSERT_TRUE(e->Apply(StateAt(0, kT0, State::kDown)).ok());
  e->AdvanceTo(kT0 + 3 * kHour);
  EXPECT_EQ(e->ServiceIntervals(0, kT0, kT0 + 3 * kHour),
            (std::vector<StateInterval>{{kT0, kT0 + kHour, State::kDown},
                                        {kT0 + kHour, kT0 + 2 * kHour, State::kExcluded},
                                        {kT0 + 2 * kHour, kT0 + 3 * kHour, State::kDown}}));
  // Reading changes no figure.
  SloStatus st = e->Evaluate(0, kT0 + 3 * kHour);
  EXPECT_DOUBLE_EQ(st.bad, 2 * 3600);
  EXPECT_DOUBLE_EQ(st.excluded, 3600);
}

}  // namespace
}  // namespace ninesd::slo
