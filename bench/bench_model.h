#pragma once
// The model several benchmarks share: N services with one SLO each.

#include <string>

#include "slo/model.h"
#include "slo/time.h"

namespace ninesd::bench {

// Services svc-0 .. svc-(n-1), each with one SLO slo-i of `kind`, 99.9 %
// over a rolling 30 days.
inline slo::ModelSpec OneSloPerService(int n, slo::SloKind kind) {
  slo::ModelSpec spec;
  for (int i = 0; i < n; ++i) {
    slo::ServiceSpec svc;
    svc.name = "svc-" + std::to_string(i);
    spec.services.push_back(svc);
    slo::SloSpec slo;
    slo.name = "slo-" + std::to_string(i);
    slo.service = static_cast<uint32_t>(i);
    slo.kind = kind;
    slo.objective = 0.999;
    slo.window.rolling = 30 * slo::kDay;
    spec.slos.push_back(slo);
  }
  return spec;
}

}  // namespace ninesd::bench
