#include "daemon/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <regex>
#include <sstream>

namespace ninesd::daemon {
namespace {

std::string Format(bool journal, spdlog::level::level_enum level, const std::string& text) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
  spdlog::logger logger("daemon", sink);
  logger.set_formatter(MakeFormatter(journal));
  logger.set_level(spdlog::level::trace);
  logger.log(level, text);
  return out.str();
}

TEST(LoggingTest, JournalLinesCarryPriorityAndNoTimestamp) {
  EXPECT_EQ(Format(true, spdlog::level::info, "ready listen=127.0.0.1:9929"),
            "<6>daemon: ready listen=127.0.0.1:9929\n");
  EXPECT_EQ(Format(true, spdlog::level::warn, "w"), "<4>daemon: w\n");
  EXPECT_EQ(Format(true, spdlog::level::err, "e"), "<3>daemon: e\n");
  EXPECT_EQ(Format(true, spdlog::level::critical, "c"), "<2>daemon: c\n");
  EXPECT_EQ(Format(true, spdlog::level::debug, "d"), "<7>daemon: d\n");
}

TEST(LoggingTest, TerminalLinesCarryTimestampLevelAndLogger) {
  std::string line = Format(false, spdlog::level::info, "ready");
  EXPECT_TRUE(std::regex_match(
      line, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info daemon: ready\n)")))
      << line;
}

TEST(LoggingTest, SyslogPriorities) {
  EXPECT_EQ(SyslogPriority(spdlog::level::trace), 7);
  EXPECT_EQ(SyslogPriority(spdlog::level::debug), 7);
  EXPECT_EQ(SyslogPriority(spdlog::level::info), 6);
  EXPECT_EQ(SyslogPriority(spdlog::level::warn), 4);
  EXPECT_EQ(SyslogPriority(spdlog::level::err), 3);
  EXPECT_EQ(SyslogPriority(spdlog::level::critical), 2);
}

TEST(LoggingTest, JournalStreamMustMatchDeviceAndInode) {
  EXPECT_TRUE(JournalStreamMatches("8:12345", 8, 12345));
  EXPECT_FALSE(JournalStreamMatches("8:12345", 8, 12346));
  EXPECT_FALSE(JournalStreamMatches("9:12345", 8, 12345));
  EXPECT_FALSE(JournalStreamMatches(nullptr, 8, 12345));
  EXPECT_FALSE(JournalStreamMatches("", 8, 12345));
  EXPECT_FALSE(JournalStreamMatches("8:", 8, 0));
  EXPECT_FALSE(JournalStreamMatches("8:12345x", 8, 12345));
}

TEST(LoggingTest, ParsesCliLevels) {
  EXPECT_EQ(ParseLogLevel("trace"), spdlog::level::trace);
  EXPECT_EQ(ParseLogLevel("debug"), spdlog::level::debug);
  EXPECT_EQ(ParseLogLevel("info"), spdlog::level::info);
  EXPECT_EQ(ParseLogLevel("warn"), spdlog::level::warn);
  EXPECT_EQ(ParseLogLevel("error"), spdlog::level::err);
  EXPECT_FALSE(ParseLogLevel("warning").has_value());
}

TEST(LoggingTest, LoggerIsSharedByName) { EXPECT_EQ(Logger("unit-test"), Logger("unit-test")); }

}  // namespace
}  // namespace ninesd::daemon
