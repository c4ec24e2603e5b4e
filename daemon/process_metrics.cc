#include "daemon/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace ninesd::daemon {
namespace {

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

double ClockSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

prometheus::MetricFamily Family(std::string name, std::string help, prometheus::MetricType type,
                                double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{std::move(name), std::move(help), type, {metric}};
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text, long ticks_per_second,
                                      long page_size) {
  size_t paren = text.rfind(')');
  if (paren == std::string_view::npos || ticks_per_second <= 0 || page_size <= 0) {
    return std::nullopt;
  }
  // Field 3 (state) starts after ") "; collect fields 3..24.
  std::vector<std::string_view> fields;
  std::string_view rest = text.substr(paren + 1);
  while (!rest.empty() && fields.size() < 22) {
    size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  if (fields.size() < 22) return std::nullopt;
  // proc(5) numbers fields from 1; fields[0] is field 3.
  auto field = [&](int number) { return fields[static_cast<size_t>(number - 3)]; };
  uint64_t utime = 0, stime = 0, starttime = 0, vsize = 0;
  int64_t rss = 0;
  if (!ParseNumber(field(14), utime) || !ParseNumber(field(15), stime) ||
      !ParseNumber(field(22), starttime) || !ParseNumber(field(23), vsize) ||
      !ParseNumber(field(24), rss)) {
    return std::nullopt;
  }
  ProcStat out;
  double hz = static_cast<double>(ticks_per_second);
  out.cpu_seconds = static_cast<double>(utime + stime) / hz;
  out.start_since_boot_seconds = static_cast<double>(starttime) / hz;
  out.virtual_bytes = vsize;
  out.resident_bytes = rss > 0 ? static_cast<uint64_t>(rss) * static_cast<uint64_t>(page_size) : 0;
  return out;
}

std::optional<ProcStat> ReadSelfStat() {
  std::ifstream in("/proc/self/stat");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return ParseProcStat(text.str(), sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
}

std::optional<uint64_t> CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  int own_fd = dirfd(dir);
  uint64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    int fd = 0;
    if (!ParseNumber(std::string_view(entry->d_name), fd)) continue;  // "." and ".."
    if (fd != own_fd) ++count;
  }
  closedir(dir);
  return count;
}

ProcessCollector::ProcessCollector() {
  // /proc/self/stat gives the start as time since boot; boot time in Unix
  // seconds is now(REALTIME) - now(BOOTTIME), the same clock the kernel uses
  // for starttime. Computed once so the value does not jitter between scrapes.
  if (auto stat = ReadSelfStat()) {
    double boot = ClockSeconds(CLOCK_REALTIME) - ClockSeconds(CLOCK_BOOTTIME);
    start_time_seconds_ = boot + stat->start_since_boot_seconds;
  }
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  if (auto stat = ReadSelfStat()) {
    out.push_back(Family("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.", MetricType::Counter,
                         stat->cpu_seconds));
    out.push_back(Family("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge, static_cast<double>(stat->resident_bytes)));
    out.push_back(Family("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, static_cast<double>(stat->virtual_bytes)));
  }
  if (auto fds = CountOpenFds()) {
    out.push_back(Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
                         static_cast<double>(*fds)));
  }
  rlimit limit{};
  // An unlimited soft limit has no finite value to report.
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out.push_back(Family("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(limit.rlim_cur)));
  }
  if (start_time_seconds_) {
    out.push_back(Family("process_start_time_seconds",
                         "Start time of the process since unix epoch in seconds.",
                         MetricType::Gauge, *start_time_seconds_));
  }
  return out;
}

}  // namespace ninesd::daemon
