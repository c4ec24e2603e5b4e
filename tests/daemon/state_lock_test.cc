#include "daemon/state_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "tests/common/temp_dir.h"

namespace ninesd::daemon {
namespace {

using test_support::TempDir;

class StateDirLockTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.empty()); }
  TempDir temp_;
  const std::string& dir_ = temp_.path();
};

TEST_F(StateDirLockTest, CreatesMissingDirectoryPrivate) {
  std::string state = dir_ + "/a/state";
  auto lock = StateDirLock::Acquire(state);
  ASSERT_TRUE(lock.ok()) << lock.error().message;
  struct stat st {};
  ASSERT_EQ(stat(state.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(lock->path(), state + "/lock");
}

TEST_F(StateDirLockTest, SecondLockFailsAndNamesTheHolder) {
  auto first = StateDirLock::Acquire(dir_);
  ASSERT_TRUE(first.ok());
  // flock() locks belong to the open file description, so a second open in
  // the same process conflicts just like another process would.
  auto second = StateDirLock::Acquire(dir_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "state directory " + dir_ +
                                        " is locked by another ninesd process (pid " +
                                        std::to_string(getpid()) + ")");
}

TEST_F(StateDirLockTest, ReleasedOnDestruction) {
  {
    auto first = StateDirLock::Acquire(dir_);
    ASSERT_TRUE(first.ok());
  }
  EXPECT_TRUE(StateDirLock::Acquire(dir_).ok());
}

TEST_F(StateDirLockTest, MovedLockStaysHeld) {
  auto first = StateDirLock::Acquire(dir_);
  ASSERT_TRUE(first.ok());
  StateDirLock moved = std::move(*first);
  EXPECT_FALSE(StateDirLock::Acquire(dir_).ok());
}

TEST_F(StateDirLockTest, UnusableDirectoryIsAnError) {
  std::string file = dir_ + "/file";
  std::ofstream(file) << "";
  auto lock = StateDirLock::Acquire(file + "/state");
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.error().message.find("cannot create state directory"), std::string::npos);
}

}  // namespace
}  // namespace ninesd::daemon
