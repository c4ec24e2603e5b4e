#include "daemon/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace ninesd::daemon {
namespace {

// "%*": the "<N>" syslog priority prefix of sd-daemon(3).
class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char text[4] = {'<', static_cast<char>('0' + SyslogPriority(msg.level)), '>', '\0'};
    dest.append(text, text + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

template <typename T>
bool ParseUnsigned(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  return std::nullopt;
}

int SyslogPriority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;  // LOG_DEBUG
    case spdlog::level::info:
      return 6;  // LOG_INFO
    case spdlog::level::warn:
      return 4;  // LOG_WARNING
    case spdlog::level::err:
      return 3;  // LOG_ERR
    case spdlog::level::critical:
      return 2;  // LOG_CRIT
    default:
      return 6;
  }
}

bool JournalStreamMatches(const char* journal_stream, dev_t dev, ino_t ino) {
  if (journal_stream == nullptr) return false;
  std::string_view text(journal_stream);
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long want_dev = 0;
  unsigned long long want_ino = 0;
  if (!ParseUnsigned(text.substr(0, colon), want_dev) ||
      !ParseUnsigned(text.substr(colon + 1), want_ino)) {
    return false;
  }
  return want_dev == static_cast<unsigned long long>(dev) &&
         want_ino == static_cast<unsigned long long>(ino);
}

bool StderrIsJournal() {
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return JournalStreamMatches(std::getenv("JOURNAL_STREAM"), st.st_dev, st.st_ino);
}

std::unique_ptr<spdlog::formatter> MakeFormatter(bool journal) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (journal) {
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%n: %v");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %n: %v");
  }
  return formatter;
}

void SetupLogging(spdlog::level::level_enum level, bool journal) {
  spdlog::set_formatter(MakeFormatter(journal));
  spdlog::set_level(level);
  // Replace spdlog's default logger (unnamed, colored, stdout) so stray
  // spdlog::info() calls land in the same stream with the same format.
  spdlog::set_default_logger(Logger("ninesd"));
}

std::shared_ptr<spdlog::logger> Logger(const std::string& name) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (auto logger = spdlog::get(name)) return logger;
  // Registered loggers get the global level and formatter set by SetupLogging().
  return spdlog::stderr_logger_mt(name);
}

}  // namespace ninesd::daemon
