#include "slo/time.h"

#include <gtest/gtest.h>

namespace ninesd::slo {
namespace {

TEST(TimeTest, ParsesRfc3339WithFractionsAndOffsets) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2026-11-27T08:00:00.250Z"), 1'795'766'400'250);
  EXPECT_EQ(ParseRfc3339("2026-11-27T09:00:00.25+01:00"), 1'795'766'400'250);
  EXPECT_EQ(ParseRfc3339("2026-11-27T08:00:00.2509Z"), 1'795'766'400'250);  // truncated
}

TEST(TimeTest, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-11-27", "2026-11-27T08:00:00", "2026-02-30T00:00:00Z", "2026-11-27T24:00:00Z",
        "2026-11-27T08:00:00.Z", "yesterday", "2026-11-27T08:00:00Zjunk", "2026-11-27T08:00:60Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(TimeTest, FormatsUtcWithMillisecondsOnlyWhenNeeded) {
  EXPECT_EQ(FormatRfc3339(1'795'766'400'000), "2026-11-27T08:00:00Z");
  EXPECT_EQ(FormatRfc3339(1'795'766'400'250), "2026-11-27T08:00:00.250Z");
}

TEST(TimeTest, ParsesDurations) {
  EXPECT_EQ(ParseDuration("500ms"), 500);
  EXPECT_EQ(ParseDuration("10s"), 10'000);
  EXPECT_EQ(ParseDuration("5m"), 300'000);
  EXPECT_EQ(ParseDuration("2h"), 7'200'000);
  EXPECT_EQ(ParseDuration("30d"), 2'592'000'000);
  EXPECT_EQ(ParseDuration("1h30m"), 5'400'000);
  for (const char* bad : {"", "10", "10x", "s", "-5s", "1.5h", "10 s"}) {
    EXPECT_FALSE(ParseDuration(bad).has_value()) << bad;
  }
}

TEST(TimeTest, FormatsDurationsShortest) {
  EXPECT_EQ(FormatDuration(kHour), "1h");
  EXPECT_EQ(FormatDuration(3 * kDay), "3d");
  EXPECT_EQ(FormatDuration(90'000), "1m30s");
  EXPECT_EQ(FormatDuration(500), "500ms");
}

}  // namespace
}  // namespace ninesd::slo
