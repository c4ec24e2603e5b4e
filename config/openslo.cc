// OpenSLO v1 documents (https://github.com/OpenSLO/OpenSLO, `apiVersion:
// openslo/v1`) mapped onto ninesd services and SLOs. The mapping and what is
// refused are in docs/openslo.md; everything not mapped is an error at its
// position, never skipped.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "slo/calendar.h"

namespace ninesd::config::internal {
namespace {

struct Entry {
  std::string key;
  yaml::Node key_node;
  yaml::Node value;
};

// A mapping with a fixed set of keys; unknown and duplicate keys are reported.
class Map {
 public:
  Map(Diagnostics& diag, const yaml::Node& node, std::string path, const yaml::Mark& where,
      std::vector<std::string_view> keys)
      : diag_(&diag), path_(std::move(path)), mark_(node.IsNull() ? where : node.Mark()) {
    if (!node.IsMap()) {
      diag.Add(mark_, path_ + ": expected a map, got " + Describe(node));
      return;
    }
    ok_ = true;
    for (const auto& kv : node) {
      yaml::Node k = kv.first;
      if (!k.IsScalar()) {
        diag.Add(k.Mark(), path_ + ": expected a string key, got " + Describe(k));
        continue;
      }
      const std::string key(k.Scalar());
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        diag.Add(k.Mark(), path_ + ": " + Quote(key) + " is not supported by ninesd's OpenSLO " +
                               "mapping (docs/openslo.md)" + DidYouMean(key, keys));
        continue;
      }
      bool dup = false;
      for (const Entry& e : entries_) dup |= e.key == key;
      if (dup) {
        diag.Add(k.Mark(), path_ + ": duplicate key " + Quote(key));
        continue;
      }
      entries_.push_back({key, k, kv.second});
    }
  }

  bool ok() const { return ok_; }
  Diagnostics& diag() const { return *diag_; }
  const std::string& path() const { return path_; }
  const yaml::Mark& mark() const { return mark_; }
  const Entry* Get(std::string_view key) const {
    for (const Entry& e : entries_) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  yaml::Mark ValueMark(const Entry& e) const {
    return e.value.IsNull() ? e.key_node.Mark() : e.value.Mark();
  }
  std::string PathOf(std::string_view key) const { return path_ + "." + std::string(key); }
  void Error(const std::string& message) const { diag_->Add(mark_, path_ + ": " + message); }
  void ErrorAt(const Entry& e, const std::string& message) const {
    diag_->Add(ValueMark(e), PathOf(e.key) + ": " + message);
  }
  void ErrorAtKey(const Entry& e, const std::string& message) const {
    diag_->Add(e.key_node.Mark(), PathOf(e.key) + ": " + message);
  }
  // A required (or optional) scalar string.
  std::optional<std::string> String(std::string_view key, bool required) const {
    const Entry* e = Get(key);
    if (!e) {
      if (required) Error("missing required key " + Quote(key));
      return std::nullopt;
    }
    if (!e->value.IsScalar() || e->value.Scalar().empty()) {
      ErrorAt(*e, "expected a string, got " + Describe(e->value));
      return std::nullopt;
    }
    return std::string(e->value.Scalar());
  }
  std::optional<double> Number(const Entry& e) const {
    if (e.value.IsScalar()) {
      const std::string t(e.value.Scalar());
      char* end = nullptr;
      double v = std::strtod(t.c_str(), &end);
      if (!t.empty() && end == t.c_str() + t.size() && std::isfinite(v)) return v;
    }
    ErrorAt(e, "expected a number, got " + Describe(e.value));
    return std::nullopt;
  }
  std::optional<bool> Bool(const Entry& e) const {
    if (e.value.IsScalar() && (e.value.Scalar() == "true" || e.value.Scalar() == "false")) {
      return e.value.Scalar() == "true";
    }
    ErrorAt(e, "expected true or false, got " + Describe(e.value));
    return std::nullopt;
  }

 private:
  Diagnostics* diag_;
  std::string path_;
  yaml::Mark mark_;
  bool ok_ = false;
  std::vector<Entry> entries_;
};

// metadata: name (required, a ninesd name), displayName, labels, annotations.
std::optional<std::string> ReadMetadata(const Map& doc, Diagnostics& diag) {
  const Entry* e = doc.Get("metadata");
  if (!e) {
    doc.Error("missing required key \"metadata\"");
    return std::nullopt;
  }
  Map m(diag, e->value, doc.PathOf("metadata"), e->key_node.Mark(),
        {"name", "displayName", "labels", "annotations"});
  if (!m.ok()) return std::nullopt;
  // labels and annotations are metadata for people and other tools; they
  // change no figure, so any well-formed map is accepted.
  for (std::string_view key : {"labels", "annotations"}) {
    if (const Entry* x = m.Get(key); x && !x->value.IsMap()) {
      m.ErrorAt(*x, "expected a map, got " + Describe(x->value));
    }
  }
  std::optional<std::string> name = m.String("name", true);
  if (!name) return std::nullopt;
  for (unsigned char c : *name) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      m.ErrorAt(*m.Get("name"), "must not contain spaces or control characters");
      return std::nullopt;
    }
  }
  if (const Entry* d = m.Get("displayName"); d && !d->value.IsScalar()) {
    m.ErrorAt(*d, "expected a string, got " + Describe(d->value));
  }
  return name;
}

// The description every spec may carry (at most 1050 characters, per the spec).
void CheckDescription(const Map& spec) {
  if (const Entry* d = spec.Get("description")) {
    if (!d->value.IsScalar()) {
      spec.ErrorAt(*d, "expected a string, got " + Describe(d->value));
    } else if (d->value.Scalar().size() > 1050) {
      spec.ErrorAt(*d, "at most 1050 characters");
    }
  }
}

// metricSource: where another tool would read the data. ninesd reads its own
// events for the SLO's service, so the source is checked for shape only.
void CheckMetricSource(Diagnostics& diag, const Map& parent, std::string_view key) {
  const Entry* e = parent.Get(key);
  if (!e) return;
  Map holder(diag, e->value, parent.PathOf(key), e->key_node.Mark(), {"metricSource"});
  if (!holder.ok()) return;
  const Entry* ms = holder.Get("metricSource");
  if (!ms) {
    holder.Error("missing required key \"metricSource\"");
    return;
  }
  Map src(diag, ms->value, holder.PathOf("metricSource"), ms->key_node.Mark(),
          {"metricSourceRef", "type", "spec"});
  if (!src.ok()) return;
  src.String("metricSourceRef", false);
  src.String("type", false);
  if (!src.Get("metricSourceRef") && !src.Get("type")) {
    src.Error("needs type or metricSourceRef");
  }
}

// What an indicator measures, as far as the mapping needs it.
enum class Metric { kNone, kRatio, kThreshold };

Metric ReadIndicatorSpec(Diagnostics& diag, const Map& spec) {
  CheckDescription(spec);
  const Entry* ratio = spec.Get("ratioMetric");
  const Entry* threshold = spec.Get("thresholdMetric");
  if (ratio && threshold) {
    spec.ErrorAtKey(*threshold, "give either ratioMetric or thresholdMetric, not both");
    return Metric::kNone;
  }
  if (!ratio && !threshold) {
    spec.Error("needs ratioMetric or thresholdMetric");
    return Metric::kNone;
  }
  if (threshold) {
    Map t(diag, threshold->value, spec.PathOf("thresholdMetric"), threshold->key_node.Mark(),
          {"metricSource"});
    if (!t.ok()) return Metric::kNone;
    if (!t.Get("metricSource")) {
      t.Error("missing required key \"metricSource\"");
      return Metric::kNone;
    }
    Map src(diag, t.Get("metricSource")->value, t.PathOf("metricSource"),
            t.Get("metricSource")->key_node.Mark(), {"metricSourceRef", "type", "spec"});
    if (src.ok() && !src.Get("metricSourceRef") && !src.Get("type")) {
      src.Error("needs type or metricSourceRef");
    }
    return Metric::kThreshold;
  }
  Map r(diag, ratio->value, spec.PathOf("ratioMetric"), ratio->key_node.Mark(),
        {"counter", "good", "bad", "total", "raw", "rawType"});
  if (!r.ok()) return Metric::kNone;
  for (std::string_view key : {"raw", "rawType"}) {
    if (const Entry* e = r.Get(key)) {
      r.ErrorAtKey(*e,
                   "precomputed ratios are not supported: ninesd counts good and total "
                   "events itself (use good or bad with total)");
    }
  }
  if (const Entry* c = r.Get("counter")) r.Bool(*c);
  const Entry* good = r.Get("good");
  const Entry* bad = r.Get("bad");
  if (good && bad) r.ErrorAtKey(*bad, "give either good or bad with total, not both");
  if (!good && !bad) r.Error("needs good or bad, with total");
  if (!r.Get("total")) r.Error("missing required key \"total\"");
  for (std::string_view key : {"good", "bad", "total"}) CheckMetricSource(diag, r, key);
  return Metric::kRatio;
}

// duration-shorthand: a positive integer and one of m h d w M Q Y.
struct Shorthand {
  int64_t count = 0;
  char unit = 0;
};
std::optional<Shorthand> ParseShorthand(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  const std::string digits = text.substr(0, text.size() - 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 6) {
    return std::nullopt;
  }
  Shorthand s{std::stoll(digits), text.back()};
  if (s.count <= 0 || std::string_view("mhdwMQY").find(s.unit) == std::string_view::npos) {
    return std::nullopt;
  }
  return s;
}

// timeWindow: exactly one rolling or calendar-aligned window.
void ReadTimeWindow(const Map& spec, slo::SloSpec& out, bool events) {
  out.window.rolling = 30 * slo::kDay;  // ninesd's default window
  out.window.text = "30d";
  const Entry* tw = spec.Get("timeWindow");
  if (!tw) return;
  if (!tw->value.IsSequence() || tw->value.size() != 1) {
    spec.ErrorAt(*tw, "expected a list of exactly one time window, got " +
                          (tw->value.IsSequence() ? std::to_string(tw->value.size()) + " items"
                                                  : Describe(tw->value)));
    return;
  }
  Map w(spec.diag(), tw->value[0], spec.PathOf("timeWindow") + "[0]", tw->value.Mark(),
        {"duration", "isRolling", "calendar"});
  if (!w.ok()) return;
  std::optional<std::string> text = w.String("duration", true);
  const Entry* cal = w.Get("calendar");
  bool rolling = !cal;
  if (const Entry* r = w.Get("isRolling")) {
    if (auto v = w.Bool(*r)) {
      if (*v && cal) {
        w.ErrorAt(*r, "a calendar window is not rolling (isRolling: false, or drop calendar)");
        return;
      }
      if (!*v && !cal) {
        w.ErrorAt(*r, "a window that is not rolling needs calendar (startTime, timeZone)");
        return;
      }
      rolling = *v;
    }
  }
  if (!text) return;
  const Entry* d = w.Get("duration");
  std::optional<Shorthand> sh = ParseShorthand(*text);
  if (!sh) {
    w.ErrorAt(*d,
              "expected a duration such as 28d, 4w, 1M (a positive integer and one of m h d "
              "w M Q Y), got " +
                  Quote(*text));
    return;
  }
  if (rolling) {
    static const std::map<char, slo::Millis> kUnit = {
        {'m', slo::kMinute}, {'h', slo::kHour}, {'d', slo::kDay}, {'w', 7 * slo::kDay}};
    auto u = kUnit.find(sh->unit);
    if (u == kUnit.end()) {
      w.ErrorAt(*d,
                "a rolling window in months, quarters or years has no fixed length; give it "
                "in days or weeks (e.g. 30d), or make it a calendar window");
      return;
    }
    slo::Millis len = sh->count * u->second;
    if (len < slo::kMinute || len > 400 * slo::kDay) {
      w.ErrorAt(*d, "must be from 1m to 400d, got " + *text);
      return;
    }
    (void)events;  // whole minutes by construction
    out.window.rolling = len;
    out.window.text = *text;
    return;
  }
  // Calendar: ninesd's periods are one day, week, month, quarter or year,
  // aligned to their natural start in the time zone.
  static const std::map<char, std::pair<slo::CalendarUnit, const char*>> kCal = {
      {'d', {slo::CalendarUnit::kDay, "day"}},
      {'w', {slo::CalendarUnit::kWeek, "week"}},
      {'M', {slo::CalendarUnit::kMonth, "month"}},
      {'Q', {slo::CalendarUnit::kQuarter, "quarter"}},
      {'Y', {slo::CalendarUnit::kYear, "year"}}};
  auto c = kCal.find(sh->unit);
  if (c == kCal.end() || sh->count != 1) {
    w.ErrorAt(*d, "calendar windows are one of 1d, 1w, 1M, 1Q, 1Y, got " + Quote(*text));
    return;
  }
  out.window.rolling = 0;
  out.window.calendar = c->second.first;
  out.window.text = c->second.second;
  Map cm(spec.diag(), cal->value, w.PathOf("calendar"), cal->key_node.Mark(),
         {"startTime", "timeZone"});
  if (!cm.ok()) return;
  if (std::optional<std::string> tz = cm.String("timeZone", false)) {
    if (slo::ZoneCalendar::Create(*tz).ok()) {
      out.time_zone = *tz;
    } else {
      cm.ErrorAt(*cm.Get("timeZone"), "unknown time zone " + Quote(*tz));
    }
  }
  if (std::optional<std::string> st = cm.String("startTime", false)) {
    // "2026-01-01 00:00:00": the start of a period, since ninesd aligns
    // calendar windows to the calendar.
    int y = 0, mo = 0, da = 0, h = -1, mi = -1, se = -1;
    char tail = 0;
    bool parsed = std::sscanf(st->c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &da, &h, &mi, &se,
                              &tail) == 6 ||
                  std::sscanf(st->c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &da, &h, &mi, &se,
                              &tail) == 6;
    bool aligned = parsed && h == 0 && mi == 0 && se == 0;
    if (aligned && (out.window.calendar == slo::CalendarUnit::kMonth ||
                    out.window.calendar == slo::CalendarUnit::kQuarter ||
                    out.window.calendar == slo::CalendarUnit::kYear)) {
      aligned = da == 1;
      if (out.window.calendar == slo::CalendarUnit::kQuarter) aligned &= (mo - 1) % 3 == 0;
      if (out.window.calendar == slo::CalendarUnit::kYear) aligned &= mo == 1;
    }
    if (aligned && out.window.calendar == slo::CalendarUnit::kWeek) {
      // ISO weeks start on Monday; days since 1970-01-01 (a Thursday).
      int yy = mo <= 2 ? y - 1 : y;
      int era = yy / 400, yoe = yy - era * 400;
      int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + da - 1;
      int days = era * 146097 + (yoe * 365 + yoe / 4 - yoe / 100 + doy) - 719468;
      aligned = ((days % 7) + 7) % 7 == 4;  // Monday
    }
    if (!parsed) {
      cm.ErrorAt(*cm.Get("startTime"),
                 "expected a local time such as 2026-01-01 00:00:00, got " + Quote(*st));
    } else if (!aligned) {
      cm.ErrorAt(*cm.Get("startTime"),
                 "ninesd aligns calendar windows to the start of each " +
                     std::string(out.window.text) +
                     " in timeZone; startTime must be such a start at 00:00:00, got " + Quote(*st));
    }
  }
}

struct Context {
  Diagnostics& diag;
  Config& cfg;
  std::map<std::string, uint32_t> services;  // name -> index
  std::map<std::string, int> slo_lines;      // name -> line of first definition
  std::map<std::string, yaml::Node> slis;    // SLI documents by name (their spec)
};

void ReadSlo(Context& ctx, const Map& doc, const std::string& name) {
  const Entry* spec_entry = doc.Get("spec");
  if (!spec_entry) {
    doc.Error("missing required key \"spec\"");
    return;
  }
  Map spec(ctx.diag, spec_entry->value, doc.PathOf("spec"), spec_entry->key_node.Mark(),
           {"description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod",
            "objectives", "alertPolicies"});
  if (!spec.ok()) return;
  CheckDescription(spec);
  slo::SloSpec out;
  out.name = name;
  if (const Entry* a = spec.Get("alertPolicies")) {
    spec.ErrorAtKey(*a,
                    "OpenSLO alert policies are not supported: ninesd's burn-rate alerts "
                    "apply to every SLO (configure them under slos[].alerts and alerting)");
  }
  if (std::optional<std::string> svc = spec.String("service", true)) {
    auto it = ctx.services.find(*svc);
    if (it == ctx.services.end()) {
      std::vector<std::string_view> names;
      for (const auto& [n, i] : ctx.services) names.push_back(n);
      spec.ErrorAt(*spec.Get("service"),
                   "unknown service " + Quote(*svc) +
                       " (define it under services: or as an OpenSLO Service document)" +
                       DidYouMean(*svc, names));
    } else {
      out.service = it->second;
    }
  }
  // The indicator, inline or by reference to an SLI document.
  Metric metric = Metric::kNone;
  const Entry* ind = spec.Get("indicator");
  const Entry* ref = spec.Get("indicatorRef");
  if (ind && ref) {
    spec.ErrorAtKey(*ref, "give either indicator or indicatorRef, not both");
  } else if (ind) {
    Map i(ctx.diag, ind->value, spec.PathOf("indicator"), ind->key_node.Mark(),
          {"metadata", "spec"});
    if (i.ok()) {
      if (i.Get("metadata")) ReadMetadata(i, ctx.diag);
      if (const Entry* is = i.Get("spec")) {
        Map ispec(ctx.diag, is->value, i.PathOf("spec"), is->key_node.Mark(),
                  {"description", "ratioMetric", "thresholdMetric"});
        if (ispec.ok()) metric = ReadIndicatorSpec(ctx.diag, ispec);
      } else {
        i.Error("missing required key \"spec\"");
      }
    }
  } else if (ref) {
    if (std::optional<std::string> r = spec.String("indicatorRef", true)) {
      auto it = ctx.slis.find(*r);
      if (it == ctx.slis.end()) {
        spec.ErrorAt(*ref, "no SLI document named " + Quote(*r) + " in this file");
      } else {
        // Diagnostics of the SLI itself were reported at its own document.
        Diagnostics quiet("");
        Map ispec(quiet, it->second, "", yaml::Mark(),
                  {"description", "ratioMetric", "thresholdMetric"});
        if (ispec.ok()) metric = ReadIndicatorSpec(quiet, ispec);
      }
    }
  } else {
    spec.Error("needs indicator or indicatorRef");
  }
  // budgetingMethod: Occurrences counts events, Timeslices counts time.
  bool timeslices = false;
  if (const Entry* b = spec.Get("budgetingMethod")) {
    if (b->value.IsScalar() && b->value.Scalar() == "Occurrences") {
      timeslices = false;
    } else if (b->value.IsScalar() && b->value.Scalar() == "Timeslices") {
      timeslices = true;
    } else {
      spec.ErrorAt(*b, "expected Occurrences or Timeslices, got " + Describe(b->value));
    }
  }
  if (timeslices) {
    out.kind = slo::SloKind::kAvailability;
  } else if (metric == Metric::kThreshold) {
    out.kind = slo::SloKind::kLatency;
  } else {
    out.kind = slo::SloKind::kRatio;
  }
  ReadTimeWindow(spec, out, !timeslices);

  // objectives: exactly one (a ninesd SLO has one objective).
  const Entry* obj = spec.Get("objectives");
  if (!obj) {
    spec.Error("missing required key \"objectives\"");
  } else if (!obj->value.IsSequence() || obj->value.size() == 0) {
    spec.ErrorAt(
        *obj, "expected a list of one objective, got " +
                  (obj->value.IsSequence() ? std::string("an empty list") : Describe(obj->value)));
  } else {
    if (obj->value.size() > 1) {
      ctx.diag.Add(obj->value[1].Mark(), spec.PathOf("objectives") +
                                             "[1]: ninesd has one objective per SLO; write one "
                                             "SLO document per objective");
    }
    Map o(ctx.diag, obj->value[0], spec.PathOf("objectives") + "[0]", obj->value.Mark(),
          {"displayName", "op", "value", "target", "targetPercent", "timeSliceTarget",
           "timeSliceWindow"});
    if (o.ok()) {
      const Entry* t = o.Get("target");
      const Entry* tp = o.Get("targetPercent");
      if (t && tp) {
        o.ErrorAtKey(*tp, "give either target or targetPercent, not both");
      } else if (!t && !tp) {
        o.Error("needs target (0..1) or targetPercent (0..100)");
      } else if (std::optional<double> v = o.Number(t ? *t : *tp)) {
        double pct = t ? *v * 100 : *v;
        if (!(pct > 0 && pct < 100)) {
          o.ErrorAt(t ? *t : *tp, t ? "must be in (0, 1)" : "must be in (0, 100)");
        } else {
          out.objective = std::round(pct * 1e7) / 1e9;  // as slos[].objective
        }
      }
      for (std::string_view key : {"timeSliceTarget", "timeSliceWindow"}) {
        if (const Entry* e = o.Get(key)) {
          o.ErrorAtKey(*e, timeslices
                               ? "ninesd measures time-based SLOs to the millisecond, not in "
                                 "time slices; remove it (figures would differ from a "
                                 "slice-based tool's)"
                               : "only applies with budgetingMethod: Timeslices");
        }
      }
      const Entry* op = o.Get("op");
      const Entry* value = o.Get("value");
      if (out.kind == slo::SloKind::kLatency) {
        if (!op || !value) {
          o.Error(
              "a thresholdMetric with Occurrences needs op: lte and value (the latency "
              "threshold in milliseconds)");
        } else {
          if (!op->value.IsScalar() || op->value.Scalar() != "lte") {
            o.ErrorAt(*op,
                      "ninesd counts an event good when its latency_ms <= value: op must be "
                      "lte, got " +
                          Describe(op->value));
          }
          if (std::optional<double> ms = o.Number(*value)) {
            if (!(*ms > 0)) {
              o.ErrorAt(*value, "must be a latency in milliseconds above 0");
            } else {
              out.latency_threshold_ms = *ms;
            }
          }
        }
      } else {
        for (const Entry* e : {op, value}) {
          if (e) {
            o.ErrorAtKey(*e,
                         std::string("only applies to a thresholdMetric with budgetingMethod: ") +
                             "Occurrences (a latency objective)");
          }
        }
      }
    }
  }
  auto [it, inserted] = ctx.slo_lines.try_emplace(name, doc.mark().line + 1);
  if (!inserted) {
    doc.Error("duplicate SLO " + Quote(name) +
              (it->second < 0 ? std::string(" (also under slos:)")
                              : " (first at line " + std::to_string(it->second) + ")"));
    return;
  }
  ctx.cfg.model.slos.push_back(std::move(out));
}

}  // namespace

void ReadOpenSlo(const std::vector<std::pair<int, yaml::Node>>& docs, Diagnostics& diag,
                 Config& cfg) {
  Context ctx{diag, cfg, {}, {}, {}};
  for (uint32_t i = 0; i < cfg.model.services.size(); ++i) {
    ctx.services.emplace(cfg.model.services[i].name, i);
  }
  for (const slo::SloSpec& s : cfg.model.slos) ctx.slo_lines.emplace(s.name, -1);
  // Services and SLIs first: SLOs may refer to them from any document.
  std::vector<std::pair<Map, std::string>> slos;
  for (const auto& [number, node] : docs) {
    const std::string path = "document " + std::to_string(number);
    Map doc(diag, node, path, node.Mark(), {"apiVersion", "kind", "metadata", "spec"});
    if (!doc.ok()) continue;
    std::optional<std::string> api = doc.String("apiVersion", true);
    if (api && *api != "openslo/v1") {
      doc.ErrorAt(*doc.Get("apiVersion"), "only openslo/v1 is supported, got " + Quote(*api));
      continue;
    }
    std::optional<std::string> kind = doc.String("kind", true);
    if (!api || !kind) continue;
    if (*kind != "SLO" && *kind != "SLI" && *kind != "Service") {
      doc.ErrorAt(*doc.Get("kind"),
                  "kind " + Quote(*kind) +
                      " is not supported (ninesd reads Service, SLI and SLO; "
                      "data sources and alerting are configured in ninesd's own document)");
      continue;
    }
    std::optional<std::string> name = ReadMetadata(doc, diag);
    if (!name) continue;
    if (*kind == "SLO") {
      slos.emplace_back(std::move(doc), *name);
      continue;
    }
    const Entry* spec = doc.Get("spec");
    if (*kind == "Service") {
      if (spec) {
        Map s(diag, spec->value, doc.PathOf("spec"), spec->key_node.Mark(), {"description"});
        if (s.ok()) CheckDescription(s);
      }
      // A Service names a ninesd service; one not defined in the ninesd
      // document is added as a service fed by events.
      if (!ctx.services.count(*name)) {
        slo::ServiceSpec svc;
        svc.name = *name;
        ctx.services.emplace(*name, static_cast<uint32_t>(cfg.model.services.size()));
        cfg.model.services.push_back(std::move(svc));
      }
      continue;
    }
    // SLI
    if (!spec) {
      doc.Error("missing required key \"spec\"");
      continue;
    }
    Map s(diag, spec->value, doc.PathOf("spec"), spec->key_node.Mark(),
          {"description", "ratioMetric", "thresholdMetric"});
    if (!s.ok()) continue;
    ReadIndicatorSpec(diag, s);
    if (!ctx.slis.emplace(*name, spec->value).second) {
      doc.Error("duplicate SLI " + Quote(*name));
    }
  }
  for (const auto& [doc, name] : slos) ReadSlo(ctx, doc, name);
}

}  // namespace ninesd::config::internal
