#pragma once
// The section readers behind LoadConfigText (internal to config/). Each reads
// its part of the top-level mapping into cfg and reports problems to the
// Section's Diagnostics; none of them stops at the first error.

#include <utility>
#include <vector>

#include "config/config.h"
#include "config/reader.h"

namespace ninesd::config::internal {

// server, state, kafka, alerting.
void ReadShell(const Section& top, Config& cfg);
// services (with their probes), slos, maintenance: cfg.model and cfg.probes.
void ReadModel(const Section& top, Config& cfg);
// OpenSLO v1 documents after the ninesd one (openslo.cc, docs/openslo.md):
// Service documents add event-fed services, SLO documents add SLOs.
// docs: (1-based position of the document in the file, document).
void ReadOpenSlo(const std::vector<std::pair<int, yaml::Node>>& docs, Diagnostics& diag,
                 Config& cfg);

}  // namespace ninesd::config::internal
