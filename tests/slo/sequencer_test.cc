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

// A held signal between the last release and the watermark keeps its id
// when the id table is swept: a hold (the daemon draining towards the
// clock) takes signals back to the last release, and its duplicate must
// not count twice.
TEST(SequencerTest, HeldIdsSurviveTheSweepForALaterHold) {
  auto e = MakeEngine(OneRatio());
  Sequencer seq(*e, 10 * kSecond);
  Signal x = Outcome(0, kT0 + 500, false);
  x.id_hash = 1;
  ASSERT_EQ(seq.Push(x), Verdict::kAccepted);
  // Newest at kT0 + 10.9 s: released up to kT0, watermark kT0 + 0.9 s; x
  // is held, before the watermark. Enough ids to make the table sweep.
  for (uint64_t id = 2; id < 700; ++id) {
    Signal s = Outcome(0, kT0 + 10'900, true);
    s.id_hash = id;
    ASSERT_EQ(seq.Push(s), Verdict::kAccepted);
  }
  EXPECT_EQ(seq.Push(x), Verdict::kLate);  // not holding: before the watermark
  seq.Hold(true);
  EXPECT_EQ(seq.Push(x), Verdict::kDuplicate);
  seq.Hold(false);
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

// Two partitions read at their own pace: one an hour ahead in event time of
// the other. Held, nothing is late, and the result equals sorted delivery.
TEST(SequencerTest, HoldTakesABacklogFromPartitionsAtDifferentSpeeds) {
  auto held = MakeEngine(OneRatio());
  auto sorted = MakeEngine(OneRatio());
  Sequencer h(*held, 10 * kSecond), s(*sorted, 10 * kSecond);
  h.Hold(true);
  std::vector<Signal> a, b;  // partition a: first half hour, b: second
  for (int i = 0; i < 1800; ++i) a.push_back(Outcome(0, kT0 + i * 1000, i % 11 != 0));
  for (int i = 1800; i < 3600; ++i) b.push_back(Outcome(0, kT0 + i * 1000, i % 13 != 0));
  for (const Signal& x : b) EXPECT_EQ(h.Push(x), Verdict::kAccepted);
  for (const Signal& x : a) EXPECT_EQ(h.Push(x), Verdict::kAccepted);  // an hour "late"
  EXPECT_EQ(h.held(), 3600u);
  for (const Signal& x : a) s.Push(x);
  for (const Signal& x : b) s.Push(x);
  Millis at = kT0 + kHour;
  h.Hold(false);
  h.ReleaseUpTo(at);
  s.ReleaseUpTo(at);
  EXPECT_EQ(h.held(), 0u);
  EXPECT_DOUBLE_EQ(held->Evaluate(0, at).bad, sorted->Evaluate(0, at).bad);
  EXPECT_DOUBLE_EQ(held->Evaluate(0, at).good, sorted->Evaluate(0, at).good);
  EXPECT_DOUBLE_EQ(held->Evaluate(0, at).bad, 164 + 138);
  // After the hold: the usual rules, from what was released.
  for (Sequencer* q : {&h, &s}) {
    EXPECT_EQ(q->Push(Outcome(0, at - 1, true)), Verdict::kLate);
    EXPECT_EQ(q->Push(Outcome(0, at + 5 * kSecond, false)), Verdict::kAccepted);
    EXPECT_EQ(q->Push(Outcome(0, at + 30 * kSecond, true)), Verdict::kAccepted);
    EXPECT_EQ(q->Push(Outcome(0, at + 25 * kSecond, true)), Verdict::kAccepted);  // within L
    q->ReleaseUpTo(at + kMinute);
  }
  EXPECT_DOUBLE_EQ(held->Evaluate(0, at + kMinute).good, sorted->Evaluate(0, at + kMinute).good);
  EXPECT_DOUBLE_EQ(held->Evaluate(0, at + kMinute).bad, sorted->Evaluate(0, at + kMinute).bad);
}

TEST(SequencerTest, HoldKeepsDuplicatesAndReleasedTimeRules) {
  auto e = MakeEngine(OneRatio());
  Sequencer seq(*e, 10 * kSecond);
  seq.Hold(true);
  Signal x = Outcome(0, kT0 + kMinute, false);
  x.id_hash = 9;
  EXPECT_EQ(seq.Push(x), Verdict::kAccepted);
  EXPECT_EQ(seq.Push(x), Verdict::kDuplicate);
  EXPECT_EQ(seq.Push(Outcome(0, kT0, false)), Verdict::kAccepted);
  seq.ReleaseUpTo(kT0 + 30 * kSecond);  // releases kT0 only, still holding
  EXPECT_EQ(seq.held(), 1u);
  EXPECT_EQ(seq.Push(Outcome(0, kT0 + 29 * kSecond, false)), Verdict::kLate);
  seq.Hold(false);
  seq.ReleaseUpTo(kT0 + 2 * kMinute);
  EXPECT_DOUBLE_EQ(e->Evaluate(0, kT0 + 2 * kMinute).bad, 2);
}

TEST(SequencerTest, FirstHeldLooksAtBothRingAndHeldBacklog) {
  auto e = MakeEngine(OneRatio());
  Sequencer seq(*e, 10 * kSecond);
  EXPECT_EQ(seq.first_held(), Sequencer::kNone);
  // Held within the lateness (released up to 50 s): the ring.
  EXPECT_EQ(seq.Push(Outcome(0, kT0 + 60 * kSecond, true)), Verdict::kAccepted);
  EXPECT_EQ(seq.Push(Outcome(0, kT0 + 55 * kSecond, true)), Verdict::kAccepted);
  EXPECT_EQ(seq.first_held(), kT0 + 55 * kSecond);
  // While holding, an earlier signal goes to the backlog, ahead of the ring's.
  seq.Hold(true);
  EXPECT_EQ(seq.Push(Outcome(0, kT0 + 51'500, true)), Verdict::kAccepted);
  EXPECT_EQ(seq.first_held(), kT0 + 51 * kSecond);
  seq.Hold(false);
  seq.ReleaseUpTo(kT0 + 2 * kMinute);
  EXPECT_EQ(seq.first_held(), Sequencer::kNone);
}

}  // namespace
}  // namespace ninesd::slo
