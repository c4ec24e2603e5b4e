#include "slo/sequencer.h"

#include <gtest/gtest.h>

#include "tests/slo/helpers.h"

namespace ninesd::slo {
namespace {

using namespace testing;

ModelSpec OneRatio() {
  ModelSpec spec;
  spec.services.push_back(Leaf("api"));
  spec.slos.push_back(Ratio("api", 0, 99, kHour));
  return spec;
}

TEST(SequencerTest, LateSignalsAreRejected) {
  auto e = MakeEngine(OneRatio());
  Sequencer seq(*e, 10 * kSecond);
  EXPECT_EQ(seq.Push(Outcome(0, kT0 + 60 * kSecond, true)), Verdict::kAccepted);
  EXPECT_EQ(seq.Push(Outcome(0, kT0 + 50 * kSecond, true)), Verdict::kAccepted);  // exactly L
  EXPECT_EQ(seq.Push(Outcome(0, kT0 + 50 * kSecond - 1, true)), Verdict::kLate);
}

TEST(SequencerTest, DuplicateIdsCountOnce) {
  auto e = MakeEngine(OneRatio());
  Sequencer seq(*e, 10 * kSecond);
  Signal s = Outcome(0, kT0, false);
  s.id_hash = 42;
  EXPECT_EQ(seq.Push(s), Verdict::kAccepted);
  EXPECT_EQ(seq.Push(s), Verdict::kDuplicate);
  seq.ReleaseUpTo(kT0 + kMinute);
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + kMinute).bad, 1);
}

TEST(SequencerTest, OutOfOrderWithinLatenessEqualsInOrder) {
  auto in_order = MakeEngine(OneRatio());
  auto shuffled = MakeEngine(OneRatio());
  Sequencer a(*in_order, 30 * kSecond), b(*shuffled, 30 * kSecond);
  std::vector<Signal> sig;
  for (int i = 0; i < 100; ++i) sig.push_back(Outcome(0, kT0 + i * 1000, i % 7 != 0));
  for (const Signal& s : sig) EXPECT_EQ(a.Push(s), Verdict::kAccepted);
  for (int i = 0; i < 100; i += 10) {  // each block of 10 s reversed
    for (int j = 9; j >= 0; --j)
      EXPECT_EQ(b.Push(sig[static_cast<size_t>(i + j)]), Verdict::kAccepted);
  }
  Millis at = kT0 + 100 * 1000;
  a.ReleaseUpTo(at);
  b.ReleaseUpTo(at);
  EXPECT_DOUBLE_EQ(in_order->Evaluate(0, at).bad, 15);
  EXPECT_DOUBLE_EQ(shuffled->Evaluate(0, at).bad, 15);
  EXPECT_DOUBLE_EQ(shuffled->Evaluate(0, at).good, 85);
}

TEST(SequencerTest, ReleaseLimitHoldsLaterSignals) {
  auto e = MakeEngine(OneRatio());
  Sequencer seq(*e, 0);
  seq.LimitReleaseTo(kT0 + 30 * kSecond);
  seq.Push(Outcome(0, kT0, false));
  seq.Push(Outcome(0, kT0 + 40 * kSecond, false));  // after --at: ignored
  seq.ReleaseUpTo(kT0 + 30 * kSecond);
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + 30 * kSecond).bad, 1);
  EXPECT_EQ(seq.held(), 1u);
}

}  // namespace
}  // namespace ninesd::slo
