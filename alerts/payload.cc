#include "alerts/payload.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <cmath>
#include <cstdio>

#include "alerts/json.h"

namespace ninesd::alerts {
namespace {

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// Percent with enough digits for five nines.
std::string Percent(double ratio) {
  std::string s = Fixed(ratio * 100, 4);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "%";
}

std::string Amount(double v, const std::string& unit) {
  std::string s = Fixed(v, 3);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return unit == "seconds" ? s + "s" : s + " events";
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

const char* Status(const Alert& a) { return a.phase == Phase::kResolved ? "resolved" : "firing"; }

}  // namespace

std::string Summary(const Alert& a) {
  const std::string& slo = a.info.slo;
  switch (a.info.kind) {
    case slo::AlertKind::kBurnPage:
      return "SLO " + slo + " is burning its error budget fast";
    case slo::AlertKind::kBurnTicket:
      return "SLO " + slo + " is burning its error budget steadily";
    case slo::AlertKind::kExhausted:
      return "SLO " + slo + " has exhausted its error budget";
    case slo::AlertKind::kBreached:
      return "SLO " + slo + " is breached for the current period";
    case slo::AlertKind::kAtRisk:
      return "SLO " + slo + " error budget is projected to run out before the period ends";
  }
  return "SLO " + slo;
}

std::string Description(const Alert& a) {
  const AlertEvent& e = a.info;
  std::string d = "service " + e.service + ", objective " + Percent(e.objective);
  if (!e.window.empty()) d += " over " + e.window;
  d += "; attainment " + (e.attainment ? Percent(*e.attainment) : std::string("n/a"));
  d += "; budget consumed " + Amount(e.budget_consumed, e.unit) + " of " +
       Amount(e.budget_total, e.unit);
  if (e.budget_remaining_ratio) d += " (remaining " + Percent(*e.budget_remaining_ratio) + ")";
  if (!e.burn_rates.empty()) {
    d += "; burn rate";
    for (const auto& [lookback, rate] : e.burn_rates) {
      d += " " + slo::FormatDuration(lookback) + "=" + Fixed(rate, 2);
    }
  }
  return d;
}

std::string GeneratorUrl(const PayloadOptions& o, std::string_view slo) {
  if (o.generator_url.empty()) return "";
  char sep = o.generator_url.find('?') == std::string::npos ? '?' : '&';
  return o.generator_url + sep + "slo=" + UrlEncode(slo);
}

std::string AlertmanagerBody(const std::vector<const Alert*>& alerts, const PayloadOptions& o,
                             int64_t now_wall_ms) {
  JsonWriter w;
  w.BeginArray();
  for (const Alert* a : alerts) {
    const AlertEvent& e = a->info;
    w.BeginObject();
    w.Key("labels").BeginObject();
    w.Field("alertname", a->name());
    w.Field("slo", e.slo);
    w.Field("service", e.service);
    w.Field("severity", a->severity());
    // Empty label values mean "no label" to Alertmanager; leave them out.
    if (!e.agreement.empty()) w.Field("agreement", e.agreement);
    if (!e.customer.empty()) w.Field("customer", e.customer);
    w.EndObject();
    w.Key("annotations").BeginObject();
    w.Field("summary", Summary(*a));
    w.Field("description", Description(*a));
    if (!o.runbook_url.empty()) w.Field("runbook_url", o.runbook_url);
    w.EndObject();
    w.Field("startsAt", slo::FormatRfc3339(a->active_since));
    Millis ends =
        a->phase == Phase::kResolved ? a->resolved_at : now_wall_ms + 4 * o.resend_interval;
    // Alertmanager refuses endsAt before startsAt.
    if (ends < a->active_since) ends = a->active_since;
    w.Field("endsAt", slo::FormatRfc3339(ends));
    std::string gen = GeneratorUrl(o, e.slo);
    if (!gen.empty()) w.Field("generatorURL", gen);
    w.EndObject();
  }
  w.EndArray();
  return w.Take();
}

std::string WebhookBody(const Alert& a, const PayloadOptions& o) {
  const AlertEvent& e = a.info;
  JsonWriter w;
  w.BeginObject();
  w.Field("version", "1");
  w.Field("status", Status(a));
  w.Field("alertname", a.name());
  w.Field("severity", a.severity());
  w.Field("slo", e.slo);
  w.Field("service", e.service);
  w.Field("agreement", e.agreement);
  w.Field("customer", e.customer);
  w.Field("starts_at", slo::FormatRfc3339(a.active_since));
  w.Key("ends_at");
  if (a.phase == Phase::kResolved) {
    w.String(slo::FormatRfc3339(a.resolved_at));
  } else {
    w.Null();
  }
  w.Field("summary", Summary(a));
  w.Field("description", Description(a));
  w.Field("runbook_url", o.runbook_url);
  w.Field("generator_url", GeneratorUrl(o, e.slo));
  w.Key("figures").BeginObject();
  w.Field("objective", e.objective);
  w.Field("window", e.window);
  w.Field("unit", e.unit);
  w.Field("attainment", e.attainment);
  w.Field("budget_total", e.budget_total);
  w.Field("budget_consumed", e.budget_consumed);
  w.Field("budget_remaining_ratio", e.budget_remaining_ratio);
  w.Key("burn_rates").BeginObject();
  for (const auto& [lookback, rate] : e.burn_rates) w.Field(slo::FormatDuration(lookback), rate);
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::vector<std::string> ExecEnvironment(const Alert& a, const PayloadOptions& o) {
  const AlertEvent& e = a.info;
  std::vector<std::string> env = {
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "LC_ALL=C.UTF-8",
      std::string("NINESD_STATUS=") + Status(a),
      std::string("NINESD_ALERTNAME=") + a.name(),
      std::string("NINESD_SEVERITY=") + a.severity(),
      "NINESD_SLO=" + e.slo,
      "NINESD_SERVICE=" + e.service,
      "NINESD_AGREEMENT=" + e.agreement,
      "NINESD_CUSTOMER=" + e.customer,
      "NINESD_STARTS_AT=" + slo::FormatRfc3339(a.active_since),
      "NINESD_ENDS_AT=" +
          (a.phase == Phase::kResolved ? slo::FormatRfc3339(a.resolved_at) : std::string()),
      "NINESD_SUMMARY=" + Summary(a),
      "NINESD_DESCRIPTION=" + Description(a),
      "NINESD_RUNBOOK_URL=" + o.runbook_url,
      "NINESD_BUDGET_REMAINING_RATIO=" +
          (e.budget_remaining_ratio ? Fixed(*e.budget_remaining_ratio, 6) : std::string()),
  };
  return env;
}

std::string SignatureHeaderValue(std::string_view secret, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 0xf]);
  }
  return out;
}

}  // namespace ninesd::alerts
