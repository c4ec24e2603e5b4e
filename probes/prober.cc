#include "probes/prober.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio/post.hpp>
#include <cmath>
#include <cstdio>
#include <map>

#include "probes/curl_multi.h"
#include "probes/dns_probe.h"
#include "probes/http_probe.h"
#include "probes/icmp_probe.h"
#include "probes/outcome.h"
#include "probes/resolver.h"
#include "probes/tcp_probe.h"

namespace ninesd::probes {

using SteadyClock = std::chrono::steady_clock;

slo::Millis ProbeOffset(const std::string& service, const std::string& name, slo::Millis interval,
                        slo::Millis tick) {
  // FNV-1a: stable across builds and platforms, unlike std::hash.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  mix(service);
  mix(name);
  if (interval <= 0) return 0;
  slo::Millis offset = static_cast<slo::Millis>(h % static_cast<uint64_t>(interval));
  if (tick > 0) offset -= offset % tick;
  return offset;
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

namespace internal {
namespace {

constexpr std::array<double, 12> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                             0.5,   1,    2.5,   5,    10,  30};
constexpr auto kLate = std::chrono::milliseconds(100);

slo::Millis WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

// Key of a probe across reloads.
std::string KeyOf(const config::ProbeConfig& c) { return c.service + '\0' + c.name; }

bool SameSettings(config::ProbeConfig a, config::ProbeConfig b) {
  a.service_index = b.service_index = 0;
  a.probe_index = b.probe_index = 0;
  return a == b;
}

}  // namespace

// One configured probe: its plan, schedule, attempt in flight and metrics.
struct Slot {
  uint64_t id = 0;
  config::ProbeConfig config;
  std::string labels;  // service="..",probe=".."
  std::string setup_error;
  std::shared_ptr<const HttpPlan> http;
  std::shared_ptr<HttpEasy> http_easy = std::make_shared<HttpEasy>();
  std::shared_ptr<const TcpPlan> tcp;
  std::unique_ptr<DnsProbe> dns;

  SteadyClock::time_point next_due{};
  uint64_t attempt_gen = 0;
  std::shared_ptr<Attempt> attempt;
  std::unique_ptr<asio::steady_timer> deadline;
  SteadyClock::time_point started{};
  slo::Millis start_ms = 0;
  bool queued = false;

  // Metrics of the last finished attempt.
  bool has_result = false;
  bool success = false;
  double duration = 0;
  int http_status = -1;
  std::optional<std::array<double, kPhaseCount>> phases;
  std::optional<double> cert_expiry;
  int dns_rcode = -1;
  std::array<uint64_t, kBuckets.size()> bucket_counts{};
  uint64_t count = 0;
  double sum = 0;
};

class Engine {
 public:
  Engine(asio::io_context& io, ProberOptions options, Sink sink)
      : io_(io),
        options_(std::move(options)),
        sink_(std::move(sink)),
        timer_(io),
        curl_(io),
        resolver_(io),
        icmp_(io) {
    if (options_.default_location.empty()) options_.default_location = HostName();
    if (options_.tick.count() <= 0) options_.tick = std::chrono::milliseconds(100);
  }

  ~Engine() { Stop(); }

  void Start(const std::vector<config::ProbeConfig>& probes) { Reload(probes); }

  void Reload(const std::vector<config::ProbeConfig>& probes) {
    std::map<std::string, std::unique_ptr<Slot>> old;
    for (auto& s : slots_) old.emplace(KeyOf(s->config), std::move(s));
    slots_.clear();
    by_id_.clear();
    for (const config::ProbeConfig& c : probes) {
      auto it = old.find(KeyOf(c));
      if (it != old.end() && SameSettings(it->second->config, c)) {
        std::unique_ptr<Slot> s = std::move(it->second);
        old.erase(it);
        s->config.service_index = c.service_index;
        s->config.probe_index = c.probe_index;
        by_id_[s->id] = s.get();
        slots_.push_back(std::move(s));
        continue;
      }
      auto s = std::make_unique<Slot>();
      s->id = ++next_id_;
      s->config = c;
      s->labels = "service=\"" + Escape(c.service) + "\",probe=\"" + Escape(c.name) + "\"";
      Setup(*s);
      by_id_[s->id] = s.get();
      if (options_.schedule) ScheduleFirst(*s);
      slots_.push_back(std::move(s));
    }
    for (auto& [key, s] : old) Drop(*s);
    ArmTimer();
  }

  void RunAllNow() {
    auto now = SteadyClock::now();
    for (auto& s : slots_) Launch(*s, now);
  }

  void Stop() {
    for (auto& s : slots_) Drop(*s);
    slots_.clear();
    by_id_.clear();
    waiting_.clear();
    heap_ = {};
    timer_.cancel();
    timer_armed_ = false;
    icmp_.Close();  // its reads would keep io_context::run() from returning
  }

  void WriteMetrics(std::string& out) const;
  ProberStats stats_;
  bool record_lateness_ = false;
  size_t in_flight_ = 0;

 private:
  struct Due {
    SteadyClock::time_point at;
    uint64_t id;
    bool operator>(const Due& o) const { return at > o.at; }
  };

  void Setup(Slot& s) {
    std::string error;
    switch (s.config.type) {
      case config::ProbeType::kHttp:
        s.http = HttpPlan::Build(s.config, &error);
        break;
      case config::ProbeType::kTcp:
        s.tcp = TcpPlan::Build(s.config, &error);
        break;
      case config::ProbeType::kDns:
        s.dns = DnsProbe::Create(io_, s.config, &error);
        break;
      case config::ProbeType::kIcmp:
        break;
    }
    s.setup_error = error;
  }

  void ScheduleFirst(Slot& s) {
    slo::Millis interval = s.config.interval;
    slo::Millis offset = ProbeOffset(s.config.service, s.config.name, interval,
                                     static_cast<slo::Millis>(options_.tick.count()));
    // Next wall time t >= now with t mod interval == offset, mapped to the
    // steady clock through one fixed anchor so equal phases give equal dues.
    slo::Millis wall = anchor_wall_ + std::chrono::duration_cast<std::chrono::milliseconds>(
                                          SteadyClock::now() - anchor_steady_)
                                          .count();
    slo::Millis t = wall - ((wall - offset) % interval + interval) % interval;
    if (t < wall) t += interval;
    Schedule(s, anchor_steady_ + std::chrono::milliseconds(t - anchor_wall_));
  }

  void Schedule(Slot& s, SteadyClock::time_point due) {
    s.next_due = due;
    heap_.push(Due{due, s.id});
  }

  void ArmTimer() {
    while (!heap_.empty()) {
      const Due& top = heap_.top();
      auto it = by_id_.find(top.id);
      if (it != by_id_.end() && it->second->next_due == top.at) break;
      heap_.pop();  // stale: the probe was dropped or rescheduled
    }
    if (heap_.empty()) {
      timer_.cancel();
      timer_armed_ = false;
      return;
    }
    auto at = heap_.top().at;
    if (timer_armed_ && timer_at_ <= at) return;
    timer_armed_ = true;
    timer_at_ = at;
    timer_.expires_at(at);
    timer_.async_wait([this](const asio::error_code& ec) {
      if (ec) return;
      timer_armed_ = false;
      OnTick();
    });
  }

  void OnTick() {
    auto now = SteadyClock::now();
    ++stats_.wakeups;
    // Everything due up to now starts in this one wake-up.
    while (!heap_.empty() && heap_.top().at <= now) {
      Due d = heap_.top();
      heap_.pop();
      auto it = by_id_.find(d.id);
      if (it == by_id_.end() || it->second->next_due != d.at) continue;
      Slot& s = *it->second;
      auto next = d.at + std::chrono::milliseconds(s.config.interval);
      while (next <= now) next += std::chrono::milliseconds(s.config.interval);
      Schedule(s, next);
      Launch(s, d.at);
    }
    ArmTimer();
  }

  void Launch(Slot& s, SteadyClock::time_point due) {
    if (s.attempt || s.queued) {
      ++stats_.skipped;
      return;
    }
    if (in_flight_ >= options_.max_in_flight) {
      s.queued = true;
      waiting_.push_back({s.id, due});
      return;
    }
    StartAttempt(s, due);
  }

  void StartAttempt(Slot& s, SteadyClock::time_point due) {
    auto now = SteadyClock::now();
    auto late = std::chrono::duration_cast<std::chrono::microseconds>(now - due).count();
    if (late < 0) late = 0;
    ++stats_.started;
    if (now - due > kLate) ++stats_.late_starts;
    stats_.max_lateness_us = std::max<int64_t>(stats_.max_lateness_us, late);
    if (record_lateness_) stats_.lateness_us.push_back(late);

    s.started = now;
    s.start_ms = WallMs();
    uint64_t gen = ++s.attempt_gen;
    ++in_flight_;
    if (!s.setup_error.empty()) {
      asio::post(io_, [this, id = s.id, gen, e = s.setup_error] {
        Complete(id, gen, Outcome::Fail("config", e));
      });
      s.attempt = std::make_shared<NullAttempt>();
      return;
    }
    switch (s.config.type) {
      case config::ProbeType::kHttp:
        s.attempt = NewHttpAttempt(s.http, s.http_easy, curl_, resolver_);
        break;
      case config::ProbeType::kTcp:
        s.attempt = NewTcpAttempt(s.tcp, io_, resolver_);
        break;
      case config::ProbeType::kDns:
        s.attempt = s.dns->NewAttempt();
        break;
      case config::ProbeType::kIcmp:
        s.attempt = NewIcmpAttempt(s.config, icmp_, resolver_);
        break;
    }
    // An HTTP probe of an IP literal is bounded by curl's own timeout (one
    // multi timer for all transfers); saving a timer per attempt is measurable.
    bool curl_bounded = s.config.type == config::ProbeType::kHttp && s.http->host_is_ip;
    if (curl_bounded) {
      s.attempt->Start([this, id = s.id, gen](Outcome o) { Complete(id, gen, std::move(o)); });
      return;
    }
    if (!s.deadline) s.deadline = std::make_unique<asio::steady_timer>(io_);
    s.deadline->expires_at(now + std::chrono::milliseconds(s.config.timeout));
    s.deadline->async_wait([this, id = s.id, gen](const asio::error_code& ec) {
      if (ec) return;
      auto it = by_id_.find(id);
      if (it == by_id_.end() || it->second->attempt_gen != gen || !it->second->attempt) return;
      it->second->attempt->Cancel();
      Complete(id, gen, Outcome::Fail("timeout", "no answer within the probe timeout"));
    });
    s.attempt->Start([this, id = s.id, gen](Outcome o) { Complete(id, gen, std::move(o)); });
  }

  struct NullAttempt : Attempt {
    void Start(Done) override {}
    void Cancel() override {}
  };

  void Complete(uint64_t id, uint64_t gen, Outcome o) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    Slot& s = *it->second;
    if (s.attempt_gen != gen || !s.attempt) return;
    auto now = SteadyClock::now();
    if (s.deadline) s.deadline->cancel();
    s.attempt = nullptr;
    --in_flight_;
    ++stats_.finished;

    double secs = std::chrono::duration<double>(now - s.started).count();
    s.has_result = true;
    s.success = o.success;
    s.duration = secs;
    ++s.count;
    s.sum += secs;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      if (secs <= kBuckets[i]) ++s.bucket_counts[i];
    }
    if (s.config.type == config::ProbeType::kHttp) {
      s.http_status = o.http_status < 0 ? 0 : o.http_status;
      s.phases = o.phases;
    }
    if (o.cert_expiry) s.cert_expiry = o.cert_expiry;
    if (s.config.type == config::ProbeType::kDns) s.dns_rcode = o.dns_rcode;

    ProbeResult r;
    r.service_index = s.config.service_index;
    r.probe_index = s.config.probe_index;
    r.location = s.config.location.empty() ? options_.default_location : s.config.location;
    r.start_ms = s.start_ms;
    r.success = o.success;
    r.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(now - s.started);
    r.reason = std::move(o.reason);
    r.detail = std::move(o.detail);
    if (sink_) sink_(r);
    StartWaiting();
  }

  void StartWaiting() {
    while (in_flight_ < options_.max_in_flight && !waiting_.empty()) {
      auto [id, due] = waiting_.front();
      waiting_.pop_front();
      auto it = by_id_.find(id);
      if (it == by_id_.end()) continue;
      it->second->queued = false;
      StartAttempt(*it->second, due);
    }
  }

  void Drop(Slot& s) {
    if (s.attempt) {
      s.attempt->Cancel();
      s.attempt = nullptr;
      --in_flight_;
    }
    ++s.attempt_gen;
    if (s.deadline) s.deadline->cancel();
    by_id_.erase(s.id);
  }

  asio::io_context& io_;
  ProberOptions options_;
  Sink sink_;
  SteadyClock::time_point anchor_steady_ = SteadyClock::now();
  slo::Millis anchor_wall_ = WallMs();
  asio::steady_timer timer_;
  bool timer_armed_ = false;
  SteadyClock::time_point timer_at_{};
  CurlMulti curl_;
  Resolver resolver_;
  IcmpService icmp_;
  uint64_t next_id_ = 0;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::map<uint64_t, Slot*> by_id_;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> heap_;
  std::deque<std::pair<uint64_t, SteadyClock::time_point>> waiting_;

  friend class ninesd::probes::Prober;
};

void Engine::WriteMetrics(std::string& out) const {
  auto family = [&out](const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  };
  auto sample = [&out](const std::string& name, const std::string& labels, double v) {
    out += name;
    out += '{';
    out += labels;
    out += "} ";
    out += Num(v);
    out += '\n';
  };
  family("ninesd_probe_success", "gauge", "Whether the last probe succeeded (1) or not (0).");
  for (const auto& s : slots_) {
    if (s->has_result) sample("ninesd_probe_success", s->labels, s->success ? 1 : 0);
  }
  family("ninesd_probe_duration_seconds", "histogram", "Duration of probes.");
  for (const auto& s : slots_) {
    if (!s->has_result) continue;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      sample("ninesd_probe_duration_seconds_bucket", s->labels + ",le=\"" + Num(kBuckets[i]) + "\"",
             static_cast<double>(s->bucket_counts[i]));
    }
    sample("ninesd_probe_duration_seconds_bucket", s->labels + ",le=\"+Inf\"",
           static_cast<double>(s->count));
    sample("ninesd_probe_duration_seconds_sum", s->labels, s->sum);
    sample("ninesd_probe_duration_seconds_count", s->labels, static_cast<double>(s->count));
  }
  family("ninesd_probe_http_status_code", "gauge",
         "HTTP status code of the last probe's final response (0: none).");
  for (const auto& s : slots_) {
    if (s->has_result && s->config.type == config::ProbeType::kHttp) {
      sample("ninesd_probe_http_status_code", s->labels, s->http_status);
    }
  }
  family("ninesd_probe_http_duration_seconds", "gauge",
         "Duration of the last HTTP probe by phase (resolve, connect, tls, processing, transfer).");
  for (const auto& s : slots_) {
    if (!s->has_result || !s->phases) continue;
    for (int p = 0; p < kPhaseCount; ++p) {
      sample("ninesd_probe_http_duration_seconds",
             s->labels + ",phase=\"" + kPhaseNames[static_cast<size_t>(p)] + "\"",
             (*s->phases)[static_cast<size_t>(p)]);
    }
  }
  family("ninesd_probe_ssl_earliest_cert_expiry", "gauge",
         "Earliest expiry of the certificates the target presented, in Unix seconds.");
  for (const auto& s : slots_) {
    if (s->cert_expiry) sample("ninesd_probe_ssl_earliest_cert_expiry", s->labels, *s->cert_expiry);
  }
  family("ninesd_probe_dns_rcode", "gauge", "Response code of the last DNS probe (-1: no answer).");
  for (const auto& s : slots_) {
    if (s->has_result && s->config.type == config::ProbeType::kDns) {
      sample("ninesd_probe_dns_rcode", s->labels, s->dns_rcode);
    }
  }
  family("ninesd_probes_in_flight", "gauge", "Probe attempts running now.");
  out += "ninesd_probes_in_flight " + Num(static_cast<double>(in_flight_)) + "\n";
  family("ninesd_probe_starts_total", "counter", "Probe attempts started.");
  out += "ninesd_probe_starts_total " + Num(static_cast<double>(stats_.started)) + "\n";
  family("ninesd_probe_late_starts_total", "counter",
         "Probe attempts started more than 100 ms after their due time.");
  out += "ninesd_probe_late_starts_total " + Num(static_cast<double>(stats_.late_starts)) + "\n";
}

}  // namespace internal

Prober::Prober(asio::io_context& io, ProberOptions options, Sink sink)
    : engine_(std::make_unique<internal::Engine>(io, std::move(options), std::move(sink))) {}
Prober::~Prober() = default;
void Prober::Start(const std::vector<config::ProbeConfig>& probes) { engine_->Start(probes); }
void Prober::Reload(const std::vector<config::ProbeConfig>& probes) { engine_->Reload(probes); }
void Prober::RunAllNow() { engine_->RunAllNow(); }
void Prober::Stop() { engine_->Stop(); }
void Prober::WriteMetrics(std::string& out) const { engine_->WriteMetrics(out); }
const ProberStats& Prober::stats() const { return engine_->stats_; }
void Prober::set_record_lateness(bool on) { engine_->record_lateness_ = on; }
size_t Prober::in_flight() const { return engine_->in_flight_; }

}  // namespace ninesd::probes
