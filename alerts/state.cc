// Dispatcher::SaveState / LoadState: the alert states as a JSON document
// (format in docs/alerting.md, version 1).

#include <simdjson.h>

#include "alerts/dispatcher.h"
#include "alerts/json.h"
#include "alerts/log.h"

namespace ninesd::alerts {
namespace {

constexpr int64_t kStateVersion = 1;

const char* PhaseId(Phase p) {
  switch (p) {
    case Phase::kPending:
      return "pending";
    case Phase::kFiring:
      return "firing";
    case Phase::kResolved:
      return "resolved";
  }
  return "";
}

std::optional<Phase> ParsePhase(std::string_view s) {
  if (s == "pending") return Phase::kPending;
  if (s == "firing") return Phase::kFiring;
  if (s == "resolved") return Phase::kResolved;
  return std::nullopt;
}

// Typed field access that records the first error with the field's name.
class Reader {
 public:
  explicit Reader(simdjson::dom::object obj, std::string where)
      : obj_(obj), where_(std::move(where)) {}

  std::string Str(const char* key) {
    std::string_view v;
    if (obj_[key].get_string().get(v)) Fail(key, "a string");
    return std::string(v);
  }
  int64_t Int(const char* key) {
    int64_t v = 0;
    if (obj_[key].get_int64().get(v)) Fail(key, "an integer");
    return v;
  }
  double Num(const char* key) {
    double v = 0;
    if (obj_[key].get_double().get(v)) Fail(key, "a number");
    return v;
  }
  bool Bool(const char* key) {
    bool v = false;
    if (obj_[key].get_bool().get(v)) Fail(key, "a boolean");
    return v;
  }
  std::optional<double> OptNum(const char* key) {
    simdjson::dom::element e;
    if (obj_[key].get(e)) {
      Fail(key, "a number or null");
      return std::nullopt;
    }
    if (e.is_null()) return std::nullopt;
    double v = 0;
    if (e.get_double().get(v)) Fail(key, "a number or null");
    return v;
  }
  std::optional<int64_t> OptInt(const char* key) {
    simdjson::dom::element e;
    if (obj_[key].get(e)) {
      Fail(key, "an integer or null");
      return std::nullopt;
    }
    if (e.is_null()) return std::nullopt;
    int64_t v = 0;
    if (e.get_int64().get(v)) Fail(key, "an integer or null");
    return v;
  }
  simdjson::dom::array Arr(const char* key) {
    simdjson::dom::array a;
    if (obj_[key].get_array().get(a)) Fail(key, "an array");
    return a;
  }
  simdjson::dom::object Obj(const char* key) {
    simdjson::dom::object o;
    if (obj_[key].get_object().get(o)) Fail(key, "an object");
    return o;
  }
  void Fail(std::string_view key, std::string_view expected) {
    if (error_.empty())
      error_ = where_ + "." + std::string(key) + ": expected " + std::string(expected);
  }
  const std::string& error() const { return error_; }

 private:
  simdjson::dom::object obj_;
  std::string where_;
  std::string error_;
};

}  // namespace

std::string Dispatcher::SaveState() const {
  JsonWriter w;
  w.BeginObject();
  w.Field("version", kStateVersion);
  w.Field("next_transition", static_cast<int64_t>(next_transition_));
  w.Field("now", now_);
  w.Key("alerts").BeginArray();
  for (const auto& [key, a] : alerts_) {
    const AlertEvent& e = a.info;
    w.BeginObject();
    w.Field("slo", e.slo);
    w.Field("kind", KindId(e.kind));
    w.Field("phase", PhaseId(a.phase));
    w.Field("active_since", a.active_since);
    w.Key("cleared_at");
    if (a.cleared_at) {
      w.Int(*a.cleared_at);
    } else {
      w.Null();
    }
    w.Field("resolved_at", a.resolved_at);
    w.Field("resolved_wall_ms", a.resolved_wall_ms);
    w.Field("transition", static_cast<int64_t>(a.transition));
    w.Key("owed").BeginArray();
    for (const std::string& h : a.owed) w.String(h);
    w.EndArray();
    w.Key("info").BeginObject();
    w.Field("service", e.service);
    w.Field("agreement", e.agreement);
    w.Field("customer", e.customer);
    w.Field("firing", e.firing);
    w.Field("at", e.at);
    w.Field("objective", e.objective);
    w.Field("window", e.window);
    w.Field("unit", e.unit);
    w.Field("attainment", e.attainment);
    w.Field("budget_total", e.budget_total);
    w.Field("budget_consumed", e.budget_consumed);
    w.Field("budget_remaining_ratio", e.budget_remaining_ratio);
    w.Key("burn_rates").BeginArray();
    for (const auto& [lookback, rate] : e.burn_rates) {
      w.BeginArray().Int(lookback).Number(rate).EndArray();
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

Status Dispatcher::LoadState(std::string_view blob) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(blob);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) {
    return Error{std::string("alert state: invalid JSON: ") + simdjson::error_message(err)};
  }
  simdjson::dom::object top;
  if (doc.get_object().get(top)) return Error{"alert state: expected an object"};
  Reader r(top, "alert state");
  int64_t version = r.Int("version");
  if (!r.error().empty()) return Error{r.error()};
  if (version != kStateVersion) {
    return Error{"alert state: version " + std::to_string(version) + " is not supported (this is " +
                 std::to_string(kStateVersion) + ")"};
  }
  int64_t next_transition = r.Int("next_transition");
  Millis now = r.Int("now");
  simdjson::dom::array list = r.Arr("alerts");
  if (!r.error().empty()) return Error{r.error()};

  std::map<std::string, Alert> loaded;
  size_t i = 0;
  for (simdjson::dom::element item : list) {
    std::string where = "alert state: alerts[" + std::to_string(i++) + "]";
    simdjson::dom::object obj;
    if (item.get_object().get(obj)) return Error{where + ": expected an object"};
    Reader ar(obj, where);
    Alert a;
    a.info.slo = ar.Str("slo");
    std::string kind = ar.Str("kind");
    std::string phase = ar.Str("phase");
    a.active_since = ar.Int("active_since");
    a.cleared_at = ar.OptInt("cleared_at");
    a.resolved_at = ar.Int("resolved_at");
    a.resolved_wall_ms = ar.Int("resolved_wall_ms");
    a.transition = static_cast<uint64_t>(ar.Int("transition"));
    simdjson::dom::array owed = ar.Arr("owed");
    simdjson::dom::object info = ar.Obj("info");
    if (!ar.error().empty()) return Error{ar.error()};
    auto k = ParseKindId(kind);
    if (!k) return Error{where + ".kind: unknown alert kind \"" + kind + "\""};
    auto p = ParsePhase(phase);
    if (!p) return Error{where + ".phase: unknown phase \"" + phase + "\""};
    a.info.kind = *k;
    a.phase = *p;
    for (simdjson::dom::element h : owed) {
      std::string_view name;
      if (h.get_string().get(name)) return Error{where + ".owed: expected strings"};
      a.owed.emplace_back(name);
    }
    Reader ir(info, where + ".info");
    AlertEvent& e = a.info;
    e.service = ir.Str("service");
    e.agreement = ir.Str("agreement");
    e.customer = ir.Str("customer");
    e.firing = ir.Bool("firing");
    e.at = ir.Int("at");
    e.objective = ir.Num("objective");
    e.window = ir.Str("window");
    e.unit = ir.Str("unit");
    e.attainment = ir.OptNum("attainment");
    e.budget_total = ir.Num("budget_total");
    e.budget_consumed = ir.Num("budget_consumed");
    e.budget_remaining_ratio = ir.OptNum("budget_remaining_ratio");
    simdjson::dom::array rates = ir.Arr("burn_rates");
    if (!ir.error().empty()) return Error{ir.error()};
    for (simdjson::dom::element pair : rates) {
      simdjson::dom::array pa;
      int64_t lookback = 0;
      double rate = 0;
      if (pair.get_array().get(pa) || pa.size() != 2 || pa.at(0).get_int64().get(lookback) ||
          pa.at(1).get_double().get(rate)) {
        return Error{where + ".info.burn_rates: expected [lookback_ms, rate] pairs"};
      }
      e.burn_rates.emplace_back(lookback, rate);
    }
    loaded.insert_or_assign(AlertKey(e.slo, e.kind), std::move(a));
  }

  alerts_ = std::move(loaded);
  RebuildDeadlines();
  next_transition_ = static_cast<uint64_t>(std::max<int64_t>(next_transition, 1));
  now_ = std::max(now_, now);
  // Unfinished once-only deliveries go out again (at least once); firing
  // alerts that were delivered are not sent again as new.
  size_t redelivered = 0;
  for (auto& [key, a] : alerts_) {
    std::erase_if(a.owed, [&](const std::string& name) { return FindHook(name) == nullptr; });
    if (a.phase == Phase::kPending) continue;
    for (const std::string& name : a.owed) {
      FindHook(name)->Notify(a, a.transition);
      ++redelivered;
    }
  }
  Log()->info("alert state loaded alerts={} redelivered={}", alerts_.size(), redelivered);
  // Alertmanager keeps alerts in memory only: give it the active ones now.
  std::vector<const Alert*> active;
  for (const auto& [key, a] : alerts_) {
    if (a.phase != Phase::kPending) active.push_back(&a);
  }
  if (!active.empty()) {
    for (const auto& h : hooks_) {
      if (!h->delivers_once()) h->Resend(active);
    }
  }
  return Ok{};
}

}  // namespace ninesd::alerts
