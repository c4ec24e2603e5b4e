#pragma once
// Standard process metrics, with the names and meaning the Go and Python
// Prometheus clients use: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds. Read from /proc/self at scrape time.
//
// Only /proc/self is read, so this works under ProtectProc=invisible and
// ProcSubset=pid (no /proc/stat for the boot time: the start time is derived
// from CLOCK_BOOTTIME instead). Collect() runs on an HTTP worker thread and
// touches no shared state.

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace ninesd::daemon {

// The fields of /proc/<pid>/stat we use (proc(5)).
struct ProcStat {
  double cpu_seconds = 0;               // utime + stime
  uint64_t virtual_bytes = 0;           // vsize
  uint64_t resident_bytes = 0;          // rss pages x page size
  double start_since_boot_seconds = 0;  // starttime
};

// Parses the text of /proc/<pid>/stat. The command name may contain spaces
// and parentheses, so fields are counted from the last ')'.
std::optional<ProcStat> ParseProcStat(std::string_view text, long ticks_per_second, long page_size);

// Reads /proc/self/stat; nullopt when unavailable.
std::optional<ProcStat> ReadSelfStat();

// Open file descriptors of this process (entries of /proc/self/fd, not
// counting the one used to list them); nullopt when unavailable.
std::optional<uint64_t> CountOpenFds();

class ProcessCollector final : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::optional<double> start_time_seconds_;  // fixed for the process lifetime
};

}  // namespace ninesd::daemon
