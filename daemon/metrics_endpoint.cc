#include "daemon/metrics_endpoint.h"

#include <prometheus/text_serializer.h>

#include <iterator>

namespace ninesd::daemon {

void MetricsEndpoint::AddCollectable(const std::weak_ptr<prometheus::Collectable>& collectable) {
  std::lock_guard lock(mu_);
  collectables_.push_back(collectable);
}

void MetricsEndpoint::AddWriter(MetricsWriter writer, bool thread_safe) {
  std::lock_guard lock(mu_);
  (thread_safe ? thread_safe_writers_ : writers_).push_back(std::move(writer));
}

bool MetricsEndpoint::HasWriters() const {
  std::lock_guard lock(mu_);
  return !writers_.empty();
}

std::string MetricsEndpoint::RenderCollectables() {
  std::vector<std::shared_ptr<prometheus::Collectable>> live;
  {
    std::lock_guard lock(mu_);
    std::erase_if(collectables_, [](const auto& weak) { return weak.expired(); });
    for (const auto& weak : collectables_) {
      if (auto strong = weak.lock()) live.push_back(std::move(strong));
    }
  }
  // Collect outside the lock: a registry takes its own locks and may be slow.
  std::vector<prometheus::MetricFamily> families;
  for (const auto& collectable : live) {
    auto collected = collectable->Collect();
    families.insert(families.end(), std::make_move_iterator(collected.begin()),
                    std::make_move_iterator(collected.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

void MetricsEndpoint::RenderWriters(std::string& out) const {
  std::vector<MetricsWriter> writers;
  {
    std::lock_guard lock(mu_);
    writers = writers_;
  }
  for (const auto& writer : writers) writer(out);
}

void MetricsEndpoint::RenderThreadSafeWriters(std::string& out) const {
  std::vector<MetricsWriter> writers;
  {
    std::lock_guard lock(mu_);
    writers = thread_safe_writers_;
  }
  for (const auto& writer : writers) writer(out);
}

}  // namespace ninesd::daemon
