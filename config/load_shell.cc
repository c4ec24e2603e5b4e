// server, state, kafka and alerting: the settings of the daemon's shell.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "config/loader.h"

namespace ninesd::config::internal {
namespace {

// librdkafka properties that ninesd sets itself: overriding them would break
// the no-loss design (docs/config.md) or duplicate a first-class option.
constexpr std::string_view kManagedProperties[] = {
    "bootstrap.servers",    "metadata.broker.list",     "group.id",
    "enable.auto.commit",   "enable.auto.offset.store", "auto.offset.reset",
    "enable.partition.eof", "statistics.interval.ms",
};

bool ValidTopic(std::string_view t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return t.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
         std::string_view::npos;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(' ');
  return std::string(s.substr(b, e - b + 1));
}

void ReadServer(const Section& s, ServerConfig& out) {
  if (auto hp = s.Address("listen")) {
    // The daemon binds this address itself, before any resolver is up:
    // an IP literal or localhost, never a host name to look up.
    in6_addr v6{};
    in_addr v4{};
    bool literal = inet_pton(AF_INET, hp->host.c_str(), &v4) == 1 ||
                   inet_pton(AF_INET6, hp->host.c_str(), &v6) == 1 || hp->host == "localhost";
    if (!literal) {
      s.ErrorAt("listen", "invalid address " + std::string("\"") + hp->text +
                              "\": use an IP address or localhost, e.g. 127.0.0.1:9929");
    } else {
      out.listen = hp->text;
      out.host = hp->host;
      out.port = hp->port;
    }
  }
  Section auth = s.Sub("basic_auth");
  if (auth.present()) {
    if (auto v = auth.String("user")) out.basic_auth_user = *v;
    if (auto v = auth.String("password_sha256_file")) out.basic_auth_password_sha256_file = *v;
  }
  if (auto v = s.Duration("request_timeout")) out.request_timeout = *v;
  if (auto v = s.Int("threads")) out.threads = static_cast<int>(*v);
}

void ReadState(const Section& s, StateConfig& out) {
  if (auto v = s.String("path")) out.path = *v;
  if (auto v = s.Duration("checkpoint_interval")) out.checkpoint_interval = *v;
  if (auto v = s.Duration("history_retention")) out.history_retention = *v;
}

void ReadKafka(const Section& s, Config& cfg) {
  // allowed_lateness is a property of the input as a whole: it applies to
  // replays and probe events too, so it is read even without a kafka section.
  std::optional<slo::Millis> lateness = s.Duration("allowed_lateness");
  if (lateness) cfg.model.allowed_lateness = *lateness;
  if (!s.present()) return;

  KafkaConfig k;
  if (lateness) k.allowed_lateness = *lateness;
  if (auto v = s.String("bootstrap")) {
    k.bootstrap = *v;
    if (*v != "embedded") {
      std::string_view rest = *v;
      while (true) {
        size_t comma = rest.find(',');
        std::string broker = Trim(rest.substr(0, comma));
        std::string why;
        if (!ParseHostPort(broker, &why)) {
          s.ErrorAt("bootstrap", "invalid broker " + Quote(broker) + ": " + why +
                                     " (use host:port,host:port or embedded)");
          break;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  if (auto v = s.String("group_id")) k.group_id = *v;
  std::set<std::string> topics;
  if (auto list = s.Strings("topics", /*non_empty=*/true)) {
    for (const Located& t : *list) {
      if (!ValidTopic(t.value)) {
        s.diag().Add(t.mark, t.path + ": invalid topic name " + Quote(t.value) +
                                 " (letters, digits, '.', '_' and '-', at most 249)");
      } else if (!topics.insert(t.value).second) {
        s.diag().Add(t.mark, t.path + ": duplicate topic " + Quote(t.value));
      } else {
        k.topics.push_back(t.value);
      }
    }
  }
  if (auto v = s.String("dead_letter_topic")) {
    if (!ValidTopic(*v)) {
      s.ErrorAt("dead_letter_topic", "invalid topic name " + Quote(*v) +
                                         " (letters, digits, '.', '_' and '-', at most 249)");
    } else if (topics.count(*v) != 0) {
      s.ErrorAt("dead_letter_topic", "must not be one of the input topics");
    } else {
      k.dead_letter_topic = *v;
    }
  }
  if (auto v = s.Int("max_event_bytes")) k.max_event_bytes = static_cast<int>(*v);
  if (auto props = s.StringMap("properties")) {
    for (const Section::Pair& p : *props) {
      std::string lower = p.key;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      bool secret =
          lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos;
      if (secret && !lower.ends_with(".location") && !lower.ends_with("_file")) {
        s.diag().Add(p.key_mark, "kafka.properties: " + Quote(p.key) +
                                     " holds a secret inline; secrets must come from files "
                                     "(use a *.location property, or " +
                                     p.key + "_file: PATH to read the value from a file)");
        continue;
      }
      if (std::find(std::begin(kManagedProperties), std::end(kManagedProperties), lower) !=
          std::end(kManagedProperties)) {
        s.diag().Add(p.key_mark, "kafka.properties: " + Quote(p.key) +
                                     " is set by ninesd (see kafka.bootstrap, kafka.group_id)");
        continue;
      }
      k.properties[p.key] = p.value;
    }
  }
  cfg.kafka = std::move(k);
}

void ReadHook(const Section& h, HookConfig& out) {
  static constexpr HookType kTypes[] = {HookType::kAlertmanager, HookType::kWebhook,
                                        HookType::kExec};
  static constexpr std::string_view kNames[] = {"alertmanager", "webhook", "exec"};
  std::optional<size_t> type = h.Enum("type");
  if (!type) return;
  out.type = kTypes[*type];
  h.CheckVariant(kNames[*type], "hooks");
  if (auto v = h.Duration("timeout")) out.timeout = *v;
  if (auto v = h.String("name")) out.name = *v;
  if (auto v = h.Int("queue_size")) out.queue_size = static_cast<int>(*v);
  if (out.type != HookType::kExec) {
    if (auto v = h.Int("max_retries")) out.max_retries = static_cast<int>(*v);
    if (auto v = h.Duration("retry_backoff")) out.retry_backoff = *v;
  } else if (auto v = h.Int("concurrency")) {
    out.concurrency = static_cast<int>(*v);
  }
  switch (out.type) {
    case HookType::kAlertmanager:
      if (h.Has("url") && h.Has("urls")) {
        h.ErrorAtKey("urls", "give url or urls, not both");
      } else if (h.Has("urls")) {
        if (auto urls = h.Urls("urls")) {
          for (const Located& u : *urls) out.urls.push_back(u.value);
        }
      } else if (h.Has("url")) {
        if (auto url = h.Url("url")) out.urls = {*url};
      } else {
        h.Error("missing required key \"url\" (or \"urls\") for alertmanager hooks");
      }
      break;
    case HookType::kWebhook:
      if (!h.Has("url")) h.Error("missing required key \"url\" for webhook hooks");
      if (auto url = h.Url("url")) out.urls = {*url};
      if (auto v = h.String("secret_file")) out.secret_file = *v;
      break;
    case HookType::kExec:
      if (auto argv = h.Strings("command", /*non_empty=*/true)) {
        if (!argv->empty() && !argv->front().value.starts_with("/")) {
          h.diag().Add(argv->front().mark,
                       argv->front().path +
                           ": must be an absolute path (hooks run without a shell or PATH "
                           "lookup), got " +
                           Quote(argv->front().value));
        }
        for (const Located& a : *argv) out.command.push_back(a.value);
      }
      break;
  }
}

void ReadAlerting(const Section& s, Config& cfg) {
  AlertingConfig& a = cfg.alerting;
  if (auto v = s.Duration("resend_interval")) a.resend_interval = *v;
  if (auto v = s.Url("runbook_url")) a.runbook_url = *v;
  if (auto v = s.Duration("evaluation_interval")) cfg.model.evaluation_interval = *v;
  if (auto v = s.Duration("for")) a.pending_for = *v;
  if (auto v = s.Duration("keep_firing_for")) a.keep_firing_for = *v;
  static constexpr std::string_view kTypeNames[] = {"alertmanager", "webhook", "exec"};
  int per_type[3] = {0, 0, 0};
  std::map<std::string, int> names;  // name -> hook index, for duplicates
  for (const Section& h : s.SubList("hooks")) {
    HookConfig hook;
    ReadHook(h, hook);
    auto t = static_cast<size_t>(hook.type);
    ++per_type[t];
    if (hook.name.empty())
      hook.name = std::string(kTypeNames[t]) + "-" + std::to_string(per_type[t]);
    auto [it, inserted] = names.try_emplace(hook.name, static_cast<int>(a.hooks.size()));
    if (!inserted) {
      std::string msg = "duplicate hook name " + Quote(hook.name) + " (also alerting.hooks[" +
                        std::to_string(it->second) + "])";
      if (h.Has("name")) {
        h.ErrorAt("name", msg);
      } else {
        h.Error(msg);
      }
    }
    a.hooks.push_back(std::move(hook));
  }
}

}  // namespace

void ReadShell(const Section& top, Config& cfg) {
  ReadServer(top.Sub("server"), cfg.server);
  ReadState(top.Sub("state"), cfg.state);
  ReadKafka(top.Sub("kafka"), cfg);
  ReadAlerting(top.Sub("alerting"), cfg);
}

}  // namespace ninesd::config::internal
