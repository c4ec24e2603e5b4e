#pragma once
// What /metrics serves: the text format 0.0.4 of every registered prometheus-cpp
// Collectable (registries, the process collector), followed by the output of
// hand-written writers for hot families that would be too slow through
// prometheus-cpp's object model.
//
// Thread safety: Add*() and Render*() may be called from any thread; a mutex
// guards the lists. Each writer is called on whatever thread calls
// RenderWriters() (the daemon calls it on the io_context thread); thread-safe
// writers run on the HTTP worker serving the scrape.

#include <prometheus/collectable.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ninesd::daemon {

// Appends complete metric families (# HELP, # TYPE, samples) in text format
// 0.0.4 to `out`. Must not repeat a family another writer or collectable emits.
using MetricsWriter = std::function<void(std::string& out)>;

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

class MetricsEndpoint {
 public:
  // Held weakly, as prometheus-cpp's Exposer does: a collectable that is gone
  // is skipped (and dropped from the list).
  void AddCollectable(const std::weak_ptr<prometheus::Collectable>& collectable);
  // `thread_safe`: the writer may run on an HTTP worker (it reads only
  // immutable or synchronized data), so a big render never stalls the loop.
  void AddWriter(MetricsWriter writer, bool thread_safe = false);

  bool HasWriters() const;
  // Collects and serializes every live collectable.
  std::string RenderCollectables();
  // Runs every loop-thread writer, appending to `out`.
  void RenderWriters(std::string& out) const;
  // Runs every thread-safe writer, appending to `out` (any thread).
  void RenderThreadSafeWriters(std::string& out) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
  std::vector<MetricsWriter> writers_;
  std::vector<MetricsWriter> thread_safe_writers_;
};

}  // namespace ninesd::daemon
