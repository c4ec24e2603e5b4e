#pragma once
// What each hook sends, as pure functions of an Alert (docs/alerting.md has
// the schemas): the Alertmanager v2 alert list, the webhook / exec JSON body,
// the exec environment, and the HMAC-SHA256 signature of webhook bodies.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/alert.h"

namespace ninesd::alerts {

struct PayloadOptions {
  std::string runbook_url;    // annotation / field; omitted when empty
  std::string generator_url;  // base; "?slo=NAME" is appended; omitted when empty
  Millis resend_interval = 60'000;
};

std::string Summary(const Alert& a);
// The budget figures in one line: objective, attainment, budget, burn rates.
std::string Description(const Alert& a);
std::string GeneratorUrl(const PayloadOptions& o, std::string_view slo);

// POST /api/v2/alerts body. A firing alert gets endsAt = now + 4 x
// resend_interval (as Prometheus does: it survives missed re-sends), a
// resolved one its resolve time.
std::string AlertmanagerBody(const std::vector<const Alert*>& alerts, const PayloadOptions& o,
                             int64_t now_wall_ms);

// The webhook body and exec stdin (schema version 1).
std::string WebhookBody(const Alert& a, const PayloadOptions& o);

// NAME=value strings for exec hooks: a fixed, minimal environment.
std::vector<std::string> ExecEnvironment(const Alert& a, const PayloadOptions& o);

// "sha256=" followed by the lower-case hex HMAC-SHA256 of body under secret.
std::string SignatureHeaderValue(std::string_view secret, std::string_view body);

}  // namespace ninesd::alerts
