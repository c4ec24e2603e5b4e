// The option table is the one declaration of every option: its defaults
// parse, its docs match the core's defaults, and docs/config.md carries its
// rendering.

#include "config/options.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "config/config.h"

namespace ninesd::config {
namespace {

const std::string kDoc = std::string(NINESD_SOURCE_DIR) + "/docs/config.md";
constexpr std::string_view kBegin = "<!-- BEGIN GENERATED OPTIONS: config_test renders this -->\n";
constexpr std::string_view kEnd = "<!-- END GENERATED OPTIONS -->\n";

TEST(OptionsTest, KeysAreUniquePerSection) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const Option& o : Options()) {
    EXPECT_TRUE(seen.emplace(o.section, o.key).second) << o.section << "." << o.key;
    EXPECT_FALSE(o.doc.empty()) << o.key;
  }
}

TEST(OptionsTest, SectionOptionsHoldEveryOptionOfTheSection) {
  // The index relies on each section's options standing together in the table.
  for (const Option& o : Options()) {
    std::span<const Option> section = SectionOptions(o.section);
    ASSERT_FALSE(section.empty()) << o.section;
    EXPECT_TRUE(&o >= section.data() && &o < section.data() + section.size())
        << o.section << "." << o.key << " is apart from the rest of its section";
    for (const Option& other : section) EXPECT_EQ(other.section, o.section);
  }
  EXPECT_TRUE(SectionOptions("no such section").empty());
}

TEST(OptionsTest, EverySectionIsDeclaredByItsParent) {
  for (const Option& o : Options()) {
    if (o.section.empty()) continue;
    std::string_view s = o.section;
    bool list = s.ends_with("[]");
    if (list) s.remove_suffix(2);
    size_t dot = s.rfind('.');
    std::string_view parent = dot == std::string_view::npos ? "" : s.substr(0, dot);
    std::string_view key = dot == std::string_view::npos ? s : s.substr(dot + 1);
    const Option* decl = FindOption(parent, key);
    ASSERT_NE(decl, nullptr) << o.section;
    EXPECT_EQ(decl->type, list ? OptionType::kSectionList : OptionType::kSection) << o.section;
  }
}

TEST(OptionsTest, LiteralDefaultsParse) {
  for (const Option& o : Options()) {
    if (o.default_value.empty()) continue;
    std::string d(o.default_value);
    switch (o.type) {
      case OptionType::kDuration:
      case OptionType::kWindow:
        EXPECT_TRUE(slo::ParseDuration(d) || o.type == OptionType::kWindow) << o.key;
        if (auto v = slo::ParseDuration(d)) {
          EXPECT_TRUE(WithinBounds(o, static_cast<double>(*v))) << o.key;
        }
        break;
      case OptionType::kInt:
      case OptionType::kNumber:
        EXPECT_TRUE(WithinBounds(o, std::stod(d))) << o.key;
        break;
      case OptionType::kEnum:
        EXPECT_NE(("|" + std::string(o.values) + "|").find("|" + d + "|"), std::string::npos)
            << o.key;
        break;
      case OptionType::kBool:
        EXPECT_TRUE(d == "true" || d == "false") << o.key;
        break;
      default:
        break;
    }
  }
}

TEST(OptionsTest, DocumentedCoreDefaultsMatchTheCore) {
  std::string lookbacks;
  for (slo::Millis l : slo::DefaultLookbacks()) {
    lookbacks += (lookbacks.empty() ? "" : ", ") + slo::FormatDuration(l);
  }
  EXPECT_EQ(FindOption("slos[]", "lookbacks")->default_doc, lookbacks);
  std::string alerts;
  for (const slo::BurnAlertSpec& b : slo::DefaultBurnAlerts()) {
    std::ostringstream s;
    s << b.severity << " " << b.factor << " " << slo::FormatDuration(b.long_window) << "/"
      << slo::FormatDuration(b.short_window);
    alerts += (alerts.empty() ? "" : ", ") + s.str();
  }
  EXPECT_EQ(FindOption("slos[].alerts", "burn_rate")->default_doc, alerts);
  EXPECT_EQ(slo::ParseDuration(FindOption("services[]", "stale_after")->default_value),
            slo::ServiceSpec{}.event_probe.stale_after);
}

TEST(OptionsTest, DocsCarryTheGeneratedReference) {
  std::ifstream in(kDoc);
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string doc = buf.str();
  size_t b = doc.find(kBegin);
  size_t e = doc.find(kEnd);
  ASSERT_NE(b, std::string::npos) << kDoc << " lacks the begin marker";
  ASSERT_NE(e, std::string::npos) << kDoc << " lacks the end marker";
  std::string want = RenderOptionsMarkdown();
  std::string have = doc.substr(b + kBegin.size(), e - b - kBegin.size());
  if (have != want && std::getenv("NINESD_UPDATE_DOCS") != nullptr) {
    doc.replace(b + kBegin.size(), e - b - kBegin.size(), want);
    std::ofstream(kDoc) << doc;
    return;
  }
  EXPECT_EQ(have, want) << "docs/config.md is out of date; regenerate it with "
                           "NINESD_UPDATE_DOCS=1 config_test --gtest_filter=OptionsTest.*";
}

}  // namespace
}  // namespace ninesd::config
