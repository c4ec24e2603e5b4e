#include "daemon/loop_call.h"

#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <thread>

namespace ninesd::daemon {
namespace {

using std::chrono::milliseconds;

TEST(RunOnLoopTest, RunsOnTheLoopThreadAndReturnsTheValue) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  const std::thread::id loop_id = loop.get_id();
  std::thread::id ran_on;
  auto value = RunOnLoop(
      io,
      [&ran_on] {
        ran_on = std::this_thread::get_id();
        return 42;
      },
      milliseconds(5000));
  guard.reset();
  loop.join();
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, 42);
  EXPECT_EQ(ran_on, loop_id);
}

TEST(RunOnLoopTest, TimesOutWhenTheLoopDoesNotRun) {
  asio::io_context io;  // never run
  auto value = RunOnLoop(
      io, [] { return 1; }, milliseconds(10));
  EXPECT_FALSE(value.has_value());
}

TEST(RunOnLoopTest, RunsInlineWhenAlreadyOnTheLoop) {
  asio::io_context io;
  std::optional<int> value;
  asio::post(io, [&] {
    value = *RunOnLoop(
        io, [] { return 7; }, milliseconds(10));
  });
  io.run();
  EXPECT_EQ(value, 7);
}

TEST(RunOnLoopTest, ThrowingFunctionGivesNullopt) {
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  auto value = RunOnLoop(
      io, []() -> int { throw std::runtime_error("boom"); }, milliseconds(5000));
  guard.reset();
  loop.join();
  EXPECT_FALSE(value.has_value());
}

}  // namespace
}  // namespace ninesd::daemon
