#include "daemon/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <ctime>
#include <set>
#include <string>

namespace ninesd::daemon {
namespace {

// A /proc/<pid>/stat line whose command name has spaces and parentheses.
// utime=250 stime=150 starttime=12345 vsize=104857600 rss=2560.
constexpr const char* kStat =
    "4242 (ninesd (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 6 0 12345 "
    "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";

TEST(ParseProcStatTest, ReadsFieldsAfterTheCommandName) {
  auto stat = ParseProcStat(kStat, 100, 4096);
  ASSERT_TRUE(stat.has_value());
  EXPECT_DOUBLE_EQ(stat->cpu_seconds, 4.0);
  EXPECT_DOUBLE_EQ(stat->start_since_boot_seconds, 123.45);
  EXPECT_EQ(stat->virtual_bytes, 104857600u);
  EXPECT_EQ(stat->resident_bytes, 2560u * 4096u);
}

TEST(ParseProcStatTest, RejectsTruncatedText) {
  EXPECT_FALSE(ParseProcStat("4242 (ninesd) S 1 2 3", 100, 4096).has_value());
  EXPECT_FALSE(ParseProcStat("no parenthesis", 100, 4096).has_value());
  EXPECT_FALSE(ParseProcStat(kStat, 0, 4096).has_value());
}

TEST(ParseProcStatTest, RejectsNonNumericFields) {
  std::string text = kStat;
  text.replace(text.find(" 250 "), 5, " x50 ");
  EXPECT_FALSE(ParseProcStat(text, 100, 4096).has_value());
}

TEST(ProcessMetricsTest, ReadsOwnStat) {
  auto stat = ReadSelfStat();
  ASSERT_TRUE(stat.has_value());
  EXPECT_GT(stat->resident_bytes, 0u);
  EXPECT_GE(stat->virtual_bytes, stat->resident_bytes);
  EXPECT_GE(stat->cpu_seconds, 0.0);
}

TEST(ProcessMetricsTest, CountsOpenFds) {
  auto before = CountOpenFds();
  ASSERT_TRUE(before.has_value());
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto during = CountOpenFds();
  close(fd);
  ASSERT_TRUE(during.has_value());
  EXPECT_EQ(*during, *before + 1);
  EXPECT_EQ(CountOpenFds(), before);
}

TEST(ProcessMetricsTest, CollectorExportsTheStandardFamilies) {
  ProcessCollector collector;
  std::set<std::string> names;
  double start_time = 0;
  for (const auto& family : collector.Collect()) {
    names.insert(family.name);
    ASSERT_EQ(family.metric.size(), 1u);
    if (family.name == "process_start_time_seconds") start_time = family.metric[0].gauge.value;
    if (family.name == "process_cpu_seconds_total") {
      EXPECT_EQ(family.type, prometheus::MetricType::Counter);
    } else {
      EXPECT_EQ(family.type, prometheus::MetricType::Gauge);
    }
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"process_cpu_seconds_total", "process_resident_memory_bytes",
                                   "process_virtual_memory_bytes", "process_open_fds",
                                   "process_max_fds", "process_start_time_seconds"}));
  // This test process started within the last hour, and not in the future.
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(start_time, now + 1);
  EXPECT_GT(start_time, now - 3600);
}

TEST(ProcessMetricsTest, StartTimeIsStableAcrossScrapes) {
  ProcessCollector collector;
  auto start = [&] {
    for (const auto& family : collector.Collect()) {
      if (family.name == "process_start_time_seconds") return family.metric[0].gauge.value;
    }
    return -1.0;
  };
  EXPECT_EQ(start(), start());
}

}  // namespace
}  // namespace ninesd::daemon
