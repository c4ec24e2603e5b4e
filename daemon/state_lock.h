#pragma once
// An exclusive flock() on "<state dir>/lock", held for the life of the
// process, so two daemons never write the same state (a second instance
// started by mistake against the same StateDirectory). The lock file also
// records the holder's PID for the error message. The kernel drops the lock
// when the process dies, however it dies.

#include <filesystem>

#include "common/result.h"

namespace ninesd::daemon {

class StateDirLock {
 public:
  // Creates `dir` (mode 0700 before umask) if missing, then locks. Fails with
  // "state directory DIR is locked by another ninesd process (pid N)" when held.
  static Result<StateDirLock> Acquire(const std::filesystem::path& dir);

  StateDirLock(StateDirLock&& other) noexcept;
  StateDirLock& operator=(StateDirLock&& other) noexcept;
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;
  ~StateDirLock();

  const std::filesystem::path& path() const { return path_; }

 private:
  StateDirLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace ninesd::daemon
