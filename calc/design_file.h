#pragma once
// Reads a design file (YAML) for `ninesd calc design`:
//
//   design:
//     parallel:                       # or series: [...], or {at_least: 2, of: [...]}
//       - series: [{component: web-a, availability: 99.9}, {component: db, availability: 99.95}]
//       - series: [{component: web-b, availability: 99.9}, {component: db}]
//
// A component named again is the same component; its availability may be
// repeated (it must then agree) or left out. Every problem is reported as
// FILE:LINE:COL: message, all at once. Thread: any.

#include <string>
#include <vector>

#include "calc/design.h"
#include "config/config.h"

namespace ninesd::calc {

struct DesignLoad {
  Design design;
  std::vector<config::Diagnostic> errors;  // empty: design is valid
  bool ok() const { return errors.empty(); }
};

DesignLoad LoadDesignText(const std::string& text, const std::string& path);
DesignLoad LoadDesignFile(const std::string& path);

}  // namespace ninesd::calc
