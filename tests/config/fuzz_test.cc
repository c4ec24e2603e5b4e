// Random mutations of an example must never crash the loader: each either
// loads (and then the core accepts the model) or yields positioned
// diagnostics.

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "slo/engine.h"

namespace ninesd::config {
namespace {

std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(NINESD_SOURCE_DIR) + "/config/examples/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Bytes and tokens that mean something to YAML or to the loader.
const std::vector<std::string> kTokens = {
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "&a ",
    "*a",
    "!!str ",
    "|",
    ">",
    "#",
    "\t",
    "\n",
    " ",
    "  ",
    ",",
    "?",
    "<<: ",
    "~",
    "null",
    ".nan",
    ".inf",
    "-1",
    "0",
    "1e400",
    "99999999999999999999",
    "\xff",
    "\xc3",
    "---\n",
    "...",
    "%YAML 1.2\n",
    "password: x",
    "objective: ",
    "0s",
    "30d",
    "month",
    "last",
};

std::string Mutate(std::string text, std::mt19937& rng) {
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int rounds = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < rounds && !text.empty(); ++i) {
    size_t pos = pick(text.size());
    switch (pick(5)) {
      case 0:  // replace a byte
        text[pos] = kTokens[pick(kTokens.size())][0];
        break;
      case 1:  // insert a token
        text.insert(pos, kTokens[pick(kTokens.size())]);
        break;
      case 2:  // delete a short range
        text.erase(pos, 1 + pick(16));
        break;
      case 3: {  // duplicate the line around pos
        size_t b = text.rfind('\n', pos);
        b = b == std::string::npos ? 0 : b + 1;
        size_t e = text.find('\n', pos);
        e = e == std::string::npos ? text.size() : e + 1;
        text.insert(b, text.substr(b, e - b));
        break;
      }
      default: {  // move a chunk elsewhere
        size_t len = 1 + pick(std::min<size_t>(64, text.size() - pos));
        std::string chunk = text.substr(pos, len);
        text.erase(pos, len);
        text.insert(pick(text.size() + 1), chunk);
        break;
      }
    }
  }
  return text;
}

TEST(FuzzTest, MutatedExamplesNeverCrashAndAlwaysPointSomewhere) {
  const std::vector<std::string> seeds = {ReadExample("default.yaml"), ReadExample("probes.yaml"),
                                          ReadExample("maintenance.yaml"),
                                          ReadExample("alerting.yaml")};
  for (const std::string& s : seeds) ASSERT_FALSE(s.empty());
  std::mt19937 rng(20261127);  // fixed: failures reproduce
  int loaded = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string text = Mutate(seeds[static_cast<size_t>(i) % seeds.size()], rng);
    LoadResult r = LoadConfigText(text, "fuzz.yaml");
    if (r.errors.empty()) {
      ASSERT_TRUE(r.config.has_value()) << "mutation " << i;
      // What the loader accepts, the core accepts.
      auto engine = slo::Engine::Create(r.config->model);
      EXPECT_TRUE(engine.ok()) << "mutation " << i << ": " << engine.error().message << "\n"
                               << text;
      ++loaded;
      continue;
    }
    EXPECT_FALSE(r.config.has_value()) << "mutation " << i;
    for (const Diagnostic& d : r.errors) {
      ASSERT_EQ(d.file, "fuzz.yaml");
      ASSERT_GE(d.line, 1) << "mutation " << i << ": " << d.message;
      ASSERT_GE(d.column, 1) << "mutation " << i << ": " << d.message;
      ASSERT_FALSE(d.message.empty()) << "mutation " << i;
    }
  }
  // The mutations must exercise both outcomes to mean anything.
  EXPECT_GT(loaded, 0);
  EXPECT_LT(loaded, 2000);
}

}  // namespace
}  // namespace ninesd::config
