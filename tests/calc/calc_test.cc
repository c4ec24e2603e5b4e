// `ninesd calc`: the nines table, composite availability (published values),
// shared components, suggested changes and bad design files.

#include "calc/calc.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "calc/design.h"
#include "calc/design_file.h"
#include "calc/nines.h"
#include "tests/common/temp_dir.h"

namespace ninesd::calc {
namespace {

Design MustLoad(const std::string& text) {
  DesignLoad d = LoadDesignText(text, "design.yaml");
  for (const config::Diagnostic& e : d.errors) ADD_FAILURE() << e.ToString();
  return d.design;
}

std::string PercentOf(const std::string& text) {
  auto a = Evaluate(MustLoad(text));
  EXPECT_TRUE(a.ok());
  return a.ok() ? FormatPercent(a->down) : "";
}

std::vector<std::string> Errors(const std::string& text) {
  std::vector<std::string> out;
  for (const config::Diagnostic& d : LoadDesignText(text, "design.yaml").errors) {
    out.push_back(d.ToString());
  }
  return out;
}

// --- nines ---

TEST(NinesTest, AllowedDowntimeOfTheFivePeriodsIsExact) {
  std::vector<PeriodRow> rows = DowntimeTable(*ParsePercent("99.95"));
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].allowed_s, "43.2");   // day
  EXPECT_EQ(rows[1].allowed_s, "302.4");  // week
  EXPECT_EQ(rows[2].allowed_s, "1296");   // 30-day month
  EXPECT_EQ(rows[3].allowed_s, "3942");   // quarter = 91.25 days
  EXPECT_EQ(rows[4].allowed_s, "15768");  // 365-day year
  EXPECT_EQ(rows[4].allowed_ms, 15'768'000);
  EXPECT_TRUE(rows[4].exact_ms);
}

TEST(NinesTest, PublishedTableOfFiveNines) {
  std::vector<PeriodRow> rows = DowntimeTable(*ParsePercent("99.999%"));
  EXPECT_EQ(rows[0].allowed_s, "0.864");
  EXPECT_EQ(rows[1].allowed_s, "6.048");
  EXPECT_EQ(rows[2].allowed_s, "25.92");
  EXPECT_EQ(rows[4].allowed_s, "315.36");  // 5 min 15.36 s
  EXPECT_EQ(HumanDuration(rows[4].allowed_ms), "5m 15.36s");
}

TEST(NinesTest, BelowAMillisecondResolutionIsMarkedInexact) {
  std::vector<PeriodRow> rows = DowntimeTable(*ParsePercent("99.9999"));
  EXPECT_EQ(rows[0].allowed_s, "0.0864");
  EXPECT_EQ(rows[0].allowed_ms, 86);
  EXPECT_FALSE(rows[0].exact_ms);
  EXPECT_TRUE(rows[2].exact_ms);  // 2.592 s
}

TEST(NinesTest, NinesCount) {
  EXPECT_NEAR(ParsePercent("99.95")->nines(), 3.30103, 1e-5);
  EXPECT_NEAR(ParsePercent("99.999")->nines(), 5, 1e-9);
}

TEST(NinesTest, BadObjectivesAreRejectedWithAReason) {
  for (const char* bad : {"", "%", "abc", "100", "100.0", "0", "0.000", "-1", "99.9.9", "1e3", ".9",
                          "99.", "99.1234567890123", "101"}) {
    EXPECT_FALSE(ParsePercent(bad).ok()) << bad;
  }
  EXPECT_EQ(ParsePercent("100").error().message, "\"100\": must be below 100");
}

TEST(NinesTest, RunNinesPrintsTheTable) {
  std::ostringstream out, err;
  EXPECT_EQ(RunNines({"99.9"}, out, err), 0);
  EXPECT_NE(out.str().find("99.9 % (3.00 nines)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("8h 45m 36s"), std::string::npos) << out.str();  // a year
  EXPECT_EQ(RunNines({"99.9", "abc"}, out, err), 1);
  EXPECT_NE(err.str().find("calc nines: \"abc\""), std::string::npos);
}

// --- composite availability: the published values ---

TEST(DesignTest, TwoThreeNinesInSeries) {
  EXPECT_EQ(PercentOf(R"(design:
  series: [{component: a, availability: 99.9}, {component: b, availability: 99.9}])"),
            "99.8001");
}

TEST(DesignTest, TwoThreeNinesInParallel) {
  EXPECT_EQ(PercentOf(R"(design:
  parallel: [{component: a, availability: 99.9}, {component: b, availability: 99.9}])"),
            "99.9999");
}

TEST(DesignTest, TwoOfThreeAtNinetyNine) {
  EXPECT_EQ(PercentOf(R"(design:
  at_least: 2
  of:
    - {component: a, availability: 99}
    - {component: b, availability: 99}
    - {component: c, availability: 99})"),
            "99.9702");
}

TEST(DesignTest, KOfNAtTheEdgesIsSeriesAndParallel) {
  auto of = [](int k) {
    return PercentOf("design: {at_least: " + std::to_string(k) +
                     ", of: [{component: a, availability: 99.9}, "
                     "{component: b, availability: 99.9}]}");
  };
  EXPECT_EQ(of(1), "99.9999");
  EXPECT_EQ(of(2), "99.8001");
}

TEST(DesignTest, FiveNinesKeepTheirDigits) {
  // 1 - (1e-5)^2 = 1 - 1e-10: the complement is carried, not recomputed.
  auto a = Evaluate(MustLoad(R"(design:
  parallel: [{component: a, availability: 99.999}, {component: b, availability: 99.999}])"));
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(a->down, 1e-10, 1e-22);
  EXPECT_EQ(FormatPercent(a->down), "99.99999999");
}

// --- shared components ---

TEST(DesignTest, AComponentNamedTwiceInParallelIsNoRedundancy) {
  EXPECT_EQ(PercentOf(R"(design:
  parallel: [{component: db, availability: 99.9}, {component: db}])"),
            "99.9");
}

TEST(DesignTest, AComponentNamedTwiceInSeriesCountsOnce) {
  EXPECT_EQ(PercentOf(R"(design:
  series: [{component: db, availability: 99.9}, {component: db, availability: 99.9}])"),
            "99.9");
}

TEST(DesignTest, SharedDatabaseUnderRedundantWebTiers) {
  // Exactly: A(db) x (1 - (1 - A(web))^2) = 0.9995 x 0.999999; independence
  // would give 1 - (1 - 0.999 x 0.9995)^2 = 99.99977 %.
  auto a = Evaluate(MustLoad(R"(design:
  parallel:
    - series: [{component: web-a, availability: 99.9}, {component: db, availability: 99.95}]
    - series: [{component: web-b, availability: 99.9}, {component: db, availability: 99.95}])"));
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(a->up, 0.9995 * 0.999999, 1e-15);
  EXPECT_NEAR(a->down, 1 - 0.9995 * 0.999999, 1e-15);
}

TEST(DesignTest, SharedComponentsInsideKOfN) {
  // 2 of (a, a, b): up iff a is up (a counts twice) -> A(a).
  EXPECT_EQ(PercentOf(R"(design:
  at_least: 2
  of: [{component: a, availability: 99}, {component: a}, {component: b, availability: 90}])"),
            "99");
}

TEST(DesignTest, TooManySharedComponentsIsAnError) {
  std::string items;
  for (int i = 0; i <= kMaxShared; ++i) {
    std::string c = "{component: c" + std::to_string(i) + ", availability: 99}";
    items += c + ", " + c + ", ";
  }
  items.resize(items.size() - 2);
  auto a = Evaluate(MustLoad("design: {series: [" + items + "]}"));
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("21 components are shared"), std::string::npos);
}

// --- changes that meet a target ---

TEST(DesignTest, ChangesToMeetFiveNinesOnTwoComponentsInSeries) {
  Design d = MustLoad(R"(design:
  series: [{component: web, availability: 99.9}, {component: db, availability: 99.9}])");
  auto changes = ChangesToMeet(d, 1e-5);
  ASSERT_TRUE(changes.ok());
  // No single component can be improved enough (the other caps it at 99.9 %).
  for (const Change& c : *changes) EXPECT_NE(c.kind, Change::Kind::kImprove) << c.description;
  // Mirroring the whole series: 1 - (1 - 0.998001)^2 = 99.9996 % with 2 more.
  ASSERT_FALSE(changes->empty());
  EXPECT_EQ(changes->front().components_added, 2);
  EXPECT_EQ(changes->front().description, "add 1 redundant copy of design series(web, db)");
  EXPECT_LE(changes->front().result.down, 1e-5);
}

TEST(DesignTest, ImprovingOneComponentIsCheapest) {
  Design d = MustLoad(R"(design:
  series: [{component: web, availability: 99.999}, {component: db, availability: 99.99}])");
  auto changes = ChangesToMeet(d, 5e-5);  // target 99.995
  ASSERT_TRUE(changes.ok());
  ASSERT_FALSE(changes->empty());
  const Change& c = changes->front();
  EXPECT_EQ(c.kind, Change::Kind::kImprove);
  EXPECT_EQ(c.description, "improve db");
  // 1 - (1 - 1e-5)(1 - u) <= 5e-5  =>  u <= 4.00004e-5.
  EXPECT_NEAR(c.needed_down, 4.00004e-5, 1e-10);
  EXPECT_EQ(FormatPercent(c.needed_down, true), "99.996");
  // One more db in parallel: (1 - 1e-8) x (1 - 1e-5).
  auto redundant = std::find_if(changes->begin(), changes->end(), [](const Change& x) {
    return x.description.find("redundant db") != std::string::npos;
  });
  ASSERT_NE(redundant, changes->end());
  EXPECT_EQ(redundant->components_added, 1);
}

TEST(DesignTest, RunDesignReportsTheTargetAndExitCode) {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/d.yaml";
  std::ofstream(path) << "design:\n  series: [{component: a, availability: 99.9}, "
                         "{component: b, availability: 99.9}]\n";
  std::ostringstream out, err;
  EXPECT_EQ(RunDesign(path, std::nullopt, out, err), 0);
  EXPECT_NE(out.str().find("availability 99.8001 % (2.70 nines)"), std::string::npos) << out.str();
  std::ostringstream out2;
  EXPECT_EQ(RunDesign(path, std::string("99.5"), out2, err), 0);
  EXPECT_NE(out2.str().find("target 99.5 %: met"), std::string::npos) << out2.str();
  std::ostringstream out3;
  EXPECT_EQ(RunDesign(path, std::string("99.999"), out3, err), 3);
  EXPECT_NE(out3.str().find("target 99.999 %: NOT met"), std::string::npos) << out3.str();
  EXPECT_NE(out3.str().find("  2  add 1 redundant copy of design series(a, b)"), std::string::npos)
      << out3.str();
  std::ostringstream out4, err4;
  EXPECT_EQ(RunDesign(path, std::string("abc"), out4, err4), 1);
  EXPECT_EQ(RunDesign(dir.path() + "/missing.yaml", std::nullopt, out4, err4), 1);
  EXPECT_NE(err4.str().find("missing.yaml: cannot open design file"), std::string::npos);
}

TEST(DesignTest, BundledExampleLoads) {
  DesignLoad d =
      LoadDesignFile(std::string(NINESD_SOURCE_DIR) + "/config/examples/designs/web-db.yaml");
  ASSERT_TRUE(d.ok());
  auto a = Evaluate(d.design);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(FormatPercent(a->down), "99.9499");
}

// --- bad design files: FILE:LINE:COL: message ---

TEST(DesignFileTest, MissingDesignKey) {
  EXPECT_EQ(Errors("components: []\n"),
            (std::vector<std::string>{
                "design.yaml:1:1: unknown key \"components\"",
                "design.yaml:1:1: missing key \"design\" (the tree of components)"}));
}

TEST(DesignFileTest, UnknownKeyWithSuggestion) {
  EXPECT_EQ(
      Errors("design:\n  serie: [{component: a, availability: 99}]\n"),
      (std::vector<std::string>{
          "design.yaml:2:3: unknown key \"serie\" in design; did you mean \"series\"?",
          "design.yaml:2:3: design: expected one of component, series, parallel or at_least"}));
}

TEST(DesignFileTest, MissingAvailability) {
  EXPECT_EQ(Errors("design:\n  series: [{component: a, availability: 99}, {component: b}]\n"),
            (std::vector<std::string>{
                "design.yaml:2:58: component \"b\": no availability given (add availability: "
                "PERCENT)"}));
}

TEST(DesignFileTest, ConflictingAvailabilityOfOneComponent) {
  EXPECT_EQ(Errors("design:\n  parallel:\n    - {component: db, availability: 99.9}\n"
                   "    - {component: db, availability: 99.95}\n"),
            (std::vector<std::string>{
                "design.yaml:4:37: design.parallel[1]: component \"db\" is given availability "
                "99.95 here but 99.9 at line 3 (a component named twice is the same component)"}));
  // The same value written differently is the same availability.
  EXPECT_TRUE(Errors("design:\n  parallel: [{component: db, availability: 99.9},"
                     " {component: db, availability: 99.90}]\n")
                  .empty());
}

TEST(DesignFileTest, BadAvailability) {
  EXPECT_EQ(Errors("design: {component: a, availability: 100}\n"),
            (std::vector<std::string>{
                "design.yaml:1:38: design.availability: \"100\": must be below 100"}));
  EXPECT_EQ(Errors("design: {component: a, availability: high}\n"),
            (std::vector<std::string>{"design.yaml:1:38: design.availability: \"high\": expected a "
                                      "percentage such as 99.95"}));
}

TEST(DesignFileTest, AtLeastOutOfRange) {
  EXPECT_EQ(Errors("design:\n  at_least: 3\n  of: [{component: a, availability: 99}, "
                   "{component: b, availability: 99}]\n"),
            (std::vector<std::string>{"design.yaml:2:13: design.at_least: expected an integer "
                                      "from 1 to 2 (the number of members), got \"3\""}));
  EXPECT_EQ(Errors("design: {at_least: 1}\n"),
            (std::vector<std::string>{
                "design.yaml:1:10: design: at_least needs \"of\": the list of members"}));
}

TEST(DesignFileTest, TwoKindsInOneNode) {
  EXPECT_EQ(
      Errors("design:\n  series: [{component: a, availability: 99}]\n"
             "  parallel: [{component: b, availability: 99}]\n"),
      (std::vector<std::string>{"design.yaml:3:3: design: a node is one of component, series, "
                                "parallel or at_least; found both \"series\" and "
                                "\"parallel\""}));
}

TEST(DesignFileTest, EmptyListAndWrongTypes) {
  EXPECT_EQ(Errors("design:\n  series: []\n"),
            (std::vector<std::string>{"design.yaml:2:11: design.series: expected a non-empty list "
                                      "of components or branches, got an empty list"}));
  EXPECT_EQ(Errors("design:\n  series: [web]\n"),
            (std::vector<std::string>{"design.yaml:2:12: design.series[0]: expected a map with one "
                                      "of component, series, parallel or at_least, got \"web\""}));
  EXPECT_EQ(
      Errors("design: {component: a, availability: 99, of: []}\n"),
      (std::vector<std::string>{"design.yaml:1:42: design.of: only an at_least node has \"of\""}));
}

TEST(DesignFileTest, InvalidYamlAndDuplicateKeys) {
  EXPECT_EQ(Errors("design:\n\tseries: []\n"),
            (std::vector<std::string>{
                "design.yaml:2:1: tab character in indentation; YAML indents with spaces only"}));
  EXPECT_EQ(
      Errors("design: {component: a, availability: 99, availability: 98}\n"),
      (std::vector<std::string>{"design.yaml:1:42: duplicate key \"availability\" in design"}));
}

}  // namespace
}  // namespace ninesd::calc
