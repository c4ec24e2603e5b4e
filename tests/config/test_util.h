#pragma once
// Helpers shared by the config tests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config.h"

namespace ninesd::config::testing {

// Every diagnostic of text loaded as "config.yaml", as FILE:LINE:COL: message.
inline std::vector<std::string> Errors(const std::string& text) {
  LoadResult r = LoadConfigText(text, "config.yaml");
  std::vector<std::string> out;
  for (const Diagnostic& d : r.errors) out.push_back(d.ToString());
  return out;
}

// Loads text that must be valid; fails the test with the diagnostics otherwise.
inline Config MustLoad(const std::string& text) {
  LoadResult r = LoadConfigText(text, "config.yaml");
  for (const Diagnostic& d : r.errors) ADD_FAILURE() << d.ToString();
  return r.config.value_or(Config{});
}

using Lines = std::vector<std::string>;

}  // namespace ninesd::config::testing
