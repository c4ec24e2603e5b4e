#pragma once
// The "alerts" logger (spdlog, registered so the daemon's format and level
// apply to it).

#include <spdlog/spdlog.h>

#include <memory>

namespace ninesd::alerts {

std::shared_ptr<spdlog::logger> Log();

}  // namespace ninesd::alerts
