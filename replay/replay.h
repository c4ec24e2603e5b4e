#pragma once
// `ninesd replay`: reads a JSONL event file through the same engine as the
// daemon and prints the SLO state at a given time.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "slo/engine.h"

namespace ninesd::replay {

struct ReplayOptions {
  std::string config_path;
  std::string events_path;
  std::optional<std::string> at;     // RFC 3339; default: the last event's time
  std::string format = "json";       // json | table
  size_t decode_threads = 0;         // 0: one fewer than the cores, from 2 to 4
  size_t read_unit_bytes = 1 << 20;  // lines handed to a decode thread at a time
};

// The JSON document of SPEC section 5 for figures at `at` (also served by
// the daemon at /api/v1/slos).
void WriteJson(const slo::ModelSpec& spec, slo::Millis at, const std::vector<slo::SloStatus>& slos,
               std::string& out);

// Exit codes: 0 every line used, 3 some lines rejected, 1 fatal error.
int RunReplay(const ReplayOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ninesd::replay
