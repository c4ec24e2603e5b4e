#pragma once
// Small helpers shared by the ingest benchmarks (ingest_bench, poll_floor).

#include <sys/resource.h>

#include <cstdlib>
#include <map>
#include <string>

namespace ninesd::bench {

// CPU seconds of all threads of the process, user + system.
inline double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// librdkafka properties for experiments from an environment variable,
// "key=value,key=value"; pieces without '=' are ignored.
inline std::map<std::string, std::string> PropsFromEnv(const char* name) {
  std::map<std::string, std::string> out;
  const char* props = std::getenv(name);
  if (props == nullptr) return out;
  const std::string all = props;
  for (size_t pos = 0; pos < all.size();) {
    size_t comma = all.find(',', pos);
    std::string kv = all.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
    pos = comma == std::string::npos ? all.size() : comma + 1;
  }
  return out;
}

}  // namespace ninesd::bench
