#include "daemon/systemd_notifier.h"

#include <systemd/sd-daemon.h>
#include <time.h>

#include <cstring>
#include <string>

#include "daemon/logging.h"

namespace ninesd::daemon {

void SystemdNotifier::Ready(std::string_view status) {
  Send("READY=1\nSTATUS=" + std::string(status));
}

void SystemdNotifier::Reloading() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
  Send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void SystemdNotifier::Stopping() { Send("STOPPING=1"); }

void SystemdNotifier::Status(std::string_view status) { Send("STATUS=" + std::string(status)); }

void SystemdNotifier::Watchdog() { Send("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> SystemdNotifier::WatchdogTimeout() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

void SystemdNotifier::Send(std::string_view message) {
  std::string text(message);
  int rc = sd_notify(0, text.c_str());
  if (rc < 0) {
    Logger("daemon")->warn("sd_notify failed error=\"{}\"", std::strerror(-rc));
  }
}

}  // namespace ninesd::daemon
