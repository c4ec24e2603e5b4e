#pragma once
// RunOnLoop: run a function on the io_context thread from another thread (an
// HTTP worker) and wait for its result, with a deadline. The loop owns the SLO
// state, so this is how request handlers read it without locks.
//
// On timeout (the loop is busy or stopped) the caller gets nullopt and moves
// on; the function may still run later, so it must own everything it uses
// (capture by value or shared_ptr, never the caller's stack).

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

namespace ninesd::daemon {

template <typename F>
std::optional<std::invoke_result_t<F&>> RunOnLoop(asio::io_context& io, F fn,
                                                  std::chrono::milliseconds timeout) {
  using R = std::invoke_result_t<F&>;
  // Already on the loop: waiting for a posted task would deadlock.
  if (io.get_executor().running_in_this_thread()) return fn();

  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::optional<R> value;
  };
  auto state = std::make_shared<State>();
  asio::post(io, [state, fn = std::move(fn)]() mutable {
    std::optional<R> value;
    try {
      value.emplace(fn());
    } catch (...) {
      // Nothing throws out of an Asio handler; the caller sees nullopt.
    }
    std::lock_guard lock(state->mu);
    state->value = std::move(value);
    state->done = true;
    state->cv.notify_all();
  });
  std::unique_lock lock(state->mu);
  if (!state->cv.wait_for(lock, timeout, [&] { return state->done; })) return std::nullopt;
  return std::move(state->value);
}

}  // namespace ninesd::daemon
