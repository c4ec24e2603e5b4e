#include "alerts/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace ninesd::alerts {

std::shared_ptr<spdlog::logger> Log() {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (auto logger = spdlog::get("alerts")) return logger;
  return spdlog::stderr_logger_mt("alerts");
}

}  // namespace ninesd::alerts
