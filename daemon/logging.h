#pragma once
// Logging set-up for the whole process: spdlog to stderr, one named logger per
// module ("daemon", "http", ...), short lower-case messages with key=value
// fields. Under systemd with stderr connected to the journal, timestamps are
// dropped (journald stamps lines itself) and each line starts with a syslog
// priority prefix "<N>" so journald keeps the level.
//
// Call SetupLogging() once on the main thread before any other thread starts.
// Loggers are thread-safe; Logger() may be called from any thread.

#include <spdlog/spdlog.h>
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ninesd::daemon {

// "trace" | "debug" | "info" | "warn" | "error"; nullopt otherwise.
std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

// syslog priority (sd-daemon(3) "<N>" prefixes) for a spdlog level.
int SyslogPriority(spdlog::level::level_enum level);

// True when $JOURNAL_STREAM ("DEV:INODE", see systemd.exec(5)) names the given
// device and inode, i.e. that stream goes to the journal.
bool JournalStreamMatches(const char* journal_stream, dev_t dev, ino_t ino);

// True when stderr is the journal stream of this service.
bool StderrIsJournal();

// The line format: "<6>daemon: msg" for the journal, else
// "2026-11-27 09:00:00.123 info daemon: msg".
std::unique_ptr<spdlog::formatter> MakeFormatter(bool journal);

// Sets level and format for every logger, present and future.
void SetupLogging(spdlog::level::level_enum level, bool journal);

// The named logger, created on first use (writes to stderr).
std::shared_ptr<spdlog::logger> Logger(const std::string& name);

}  // namespace ninesd::daemon
