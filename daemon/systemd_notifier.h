#pragma once
// The sd_notify(3) protocol: READY=1, RELOADING=1, STOPPING=1, STATUS=,
// WATCHDOG=1. A no-op when $NOTIFY_SOCKET is unset (not started by systemd).
// Stateless; callable from any thread (the daemon calls it on the io_context
// thread).

#include <chrono>
#include <optional>
#include <string_view>

namespace ninesd::daemon {

class SystemdNotifier {
 public:
  void Ready(std::string_view status);
  // RELOADING=1 with MONOTONIC_USEC= (systemd 253+ needs it for
  // Type=notify-reload; older versions ignore it).
  void Reloading();
  void Stopping();
  void Status(std::string_view status);
  void Watchdog();

  // The keep-alive period the service manager expects (WATCHDOG_USEC), when
  // the watchdog is enabled for this process (sd_watchdog_enabled(3)).
  static std::optional<std::chrono::microseconds> WatchdogTimeout();

 private:
  void Send(std::string_view message);
};

}  // namespace ninesd::daemon
