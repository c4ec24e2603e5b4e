#include "replay/replay.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iomanip>
#include <mutex>
#include <ostream>
#include <sstream>
#include <thread>
#include <vector>

#include "config/config.h"
#include "events/decoder.h"
#include "replay/json_writer.h"
#include "slo/engine.h"
#include "slo/sequencer.h"

namespace ninesd::replay {
namespace {

using slo::Millis;

// Rejected lines are listed one by one up to this many; the rest are counted.
constexpr int kMaxListedRejects = 100;
constexpr size_t kChunk = 8 << 20;

std::string WindowText(const slo::SloSpec& sp) {
  if (!sp.window.text.empty()) return sp.window.text;
  return slo::FormatDuration(sp.window.rolling);
}

std::string FormatNumber(double d, int precision) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << d;
  return o.str();
}

// Batches handed from the reading thread to the core, with the line number of
// every signal (late and duplicate lines are reported by number) and the
// lines the decoder refused, each placed before the signal it preceded.
struct LineReject {
  uint64_t line = 0;
  events::Reject reason = events::Reject::kNone;
  std::string detail;
  size_t before = 0;  // index into Batch::signals
};

struct Batch {
  std::vector<slo::Signal> signals;
  std::vector<uint64_t> lines;
  std::vector<LineReject> rejects;
  void Clear() {
    signals.clear();
    lines.clear();
    rejects.clear();
  }
};

constexpr size_t kBatchSignals = 4096;
constexpr size_t kPipeDepth = 4;

// A bounded hand-over: `depth` batches circulate between the two threads, so
// memory stays flat whatever the file size.
class BatchPipe {
 public:
  explicit BatchPipe(size_t depth) : free_(depth) {
    for (Batch& b : free_) {
      b.signals.reserve(kBatchSignals);
      b.lines.reserve(kBatchSignals);
    }
  }
  // Reader: an empty batch to fill.
  Batch Take() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    Batch b = std::move(free_.back());
    free_.pop_back();
    b.Clear();
    return b;
  }
  // Reader: a filled batch for the core.
  void Put(Batch&& b) {
    {
      std::lock_guard lock(mu_);
      full_.push_back(std::move(b));
    }
    cv_.notify_all();
  }
  void Close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }
  // Core: the next batch in order; false once the reader is done and all is taken.
  bool Next(Batch& out) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !full_.empty() || closed_; });
    if (full_.empty()) return false;
    out = std::move(full_.front());
    full_.pop_front();
    return true;
  }
  void Recycle(Batch&& b) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(b));
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Batch> free_;
  std::deque<Batch> full_;
  bool closed_ = false;
};

// Reads JSONL in 8 MiB chunks and decodes every line into `pipe`.
void ReadEvents(std::FILE* f, events::Decoder& decoder, BatchPipe& pipe) {
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  size_t have = 0;
  uint64_t line_no = 0;
  std::string detail;
  Batch batch = pipe.Take();
  auto refuse = [&](events::Reject r, std::string why) {
    batch.rejects.push_back(LineReject{line_no, r, std::move(why), batch.signals.size()});
    // A file of nothing but bad lines must not pile up in one batch either.
    if (batch.rejects.size() == kBatchSignals) {
      pipe.Put(std::move(batch));
      batch = pipe.Take();
    }
  };
  auto handle_line = [&](const char* p, size_t n, size_t capacity) {
    ++line_no;
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) --n;
    size_t lead = 0;
    while (lead < n && (p[lead] == ' ' || p[lead] == '\t')) ++lead;
    if (lead == n) return;  // blank lines carry nothing
    slo::Signal s;
    detail.clear();
    events::Reject r = decoder.Decode(std::string_view(p + lead, n - lead), capacity - lead,
                                      std::nullopt, s, &detail);
    if (r != events::Reject::kNone) {
      refuse(r, detail);
      return;
    }
    batch.signals.push_back(s);
    batch.lines.push_back(line_no);
    if (batch.signals.size() == kBatchSignals) {
      pipe.Put(std::move(batch));
      batch = pipe.Take();
    }
  };
  bool eof = false;
  while (!eof) {
    size_t got = std::fread(buf.data() + have, 1, kChunk - have, f);
    if (got == 0) eof = true;
    have += got;
    size_t start = 0;
    while (true) {
      const char* nl =
          static_cast<const char*>(std::memchr(buf.data() + start, '\n', have - start));
      if (!nl) break;
      size_t len = static_cast<size_t>(nl - (buf.data() + start));
      // The bytes after the line (the rest of the chunk and the padding) are readable.
      handle_line(buf.data() + start, len, buf.size() - start);
      start += len + 1;
    }
    if (eof && start < have) {
      handle_line(buf.data() + start, have - start, buf.size() - start);
      start = have;
    }
    std::memmove(buf.data(), buf.data() + start, have - start);
    have -= start;
    if (have == kChunk) {
      ++line_no;
      refuse(events::Reject::kTooLarge, "line longer than 8 MiB");
      have = 0;  // skip the rest of this line
      // Drop bytes up to the next newline.
      int c;
      while ((c = std::fgetc(f)) != EOF && c != '\n') {
      }
      if (c == EOF) eof = true;
    }
  }
  pipe.Put(std::move(batch));
  pipe.Close();
}

}  // namespace

void WriteJson(const slo::ModelSpec& spec, Millis at, const std::vector<slo::SloStatus>& slos,
               std::string& out) {
  JsonWriter w;
  w.BeginObject();
  w.Key("at");
  w.Value(slo::FormatRfc3339(at));
  w.Key("slos");
  w.BeginArray();
  for (const slo::SloStatus& st : slos) {
    const slo::SloSpec& sp = spec.slos[st.slo];
    w.BeginObject();
    w.Key("name");
    w.Value(sp.name);
    w.Key("service");
    w.Value(spec.services[sp.service].name);
    w.Key("kind");
    w.Value(slo::SloKindName(sp.kind));
    w.Key("objective");
    w.Value(sp.objective);
    w.Key("window");
    w.Value(WindowText(sp));
    w.Key("window_start");
    w.Value(slo::FormatRfc3339(st.window_start));
    w.Key("window_end");
    w.Value(slo::FormatRfc3339(st.window_end));
    w.Key("good");
    w.Value(st.good);
    w.Key("bad");
    w.Value(st.bad);
    w.Key("excluded");
    w.Value(st.excluded);
    w.Key("unknown");
    w.Value(st.unknown);
    w.Key("attainment");
    w.Value(st.attainment);
    w.Key("budget_total");
    w.Value(st.budget_total);
    w.Key("budget_consumed");
    w.Value(st.budget_consumed);
    w.Key("budget_remaining_ratio");
    w.Value(st.budget_remaining_ratio);
    w.Key("breached");
    w.Value(st.breached);
    w.Key("burn_rates");
    w.BeginObject();
    for (Millis l : sp.lookbacks) {
      for (const slo::BurnRate& b : st.burn_rates) {
        if (b.lookback != l) continue;
        w.Key(slo::FormatDuration(l));
        w.Value(b.rate);
        break;
      }
    }
    w.EndObject();
    w.Key("alerts");
    w.BeginArray();
    for (const slo::FiringAlert& a : st.alerts) {
      w.BeginObject();
      w.Key("name");
      w.Value(slo::AlertName(a.kind));
      w.Key("severity");
      w.Value(slo::AlertSeverity(a.kind));
      w.Key("since");
      w.Value(slo::FormatRfc3339(a.since));
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out = std::move(w.out());
  out += '\n';
}

void WriteTable(const slo::ModelSpec& spec, Millis at, const std::vector<slo::SloStatus>& slos,
                std::string& out) {
  std::vector<std::array<std::string, 9>> rows;
  rows.push_back({"SLO", "SERVICE", "KIND", "OBJECTIVE", "WINDOW", "ATTAINMENT", "BUDGET LEFT",
                  "BAD", "ALERTS"});
  for (const slo::SloStatus& st : slos) {
    const slo::SloSpec& sp = spec.slos[st.slo];
    std::string alerts;
    for (const slo::FiringAlert& a : st.alerts) {
      if (!alerts.empty()) alerts += ",";
      alerts += std::string(slo::AlertName(a.kind)) + "/" + slo::AlertSeverity(a.kind);
    }
    if (st.breached) alerts = alerts.empty() ? "BREACHED" : "BREACHED " + alerts;
    bool time_based = sp.kind == slo::SloKind::kAvailability;
    rows.push_back({
        sp.name,
        spec.services[sp.service].name,
        slo::SloKindName(sp.kind),
        FormatNumber(sp.objective * 100, 3) + "%",
        WindowText(sp),
        st.attainment ? FormatNumber(*st.attainment * 100, 4) + "%" : "-",
        st.budget_remaining_ratio ? FormatNumber(*st.budget_remaining_ratio * 100, 1) + "%" : "-",
        time_based ? FormatNumber(st.bad, 3) + "s" : FormatNumber(st.bad, 0),
        alerts.empty() ? "-" : alerts,
    });
  }
  std::array<size_t, 9> width{};
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  out = "at " + slo::FormatRfc3339(at) + "\n";
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out.append(width[i] - r[i].size() + 2, ' ');
    }
    out += '\n';
  }
}

int RunReplay(const ReplayOptions& options, std::ostream& out, std::ostream& err) {
  if (options.format != "json" && options.format != "table") {
    err << "replay: --format must be json or table\n";
    return 1;
  }
  config::LoadResult loaded = config::LoadConfigFile(options.config_path);
  if (!loaded.ok()) {
    for (const config::Diagnostic& d : loaded.errors) err << d.ToString() << "\n";
    return 1;
  }
  const config::Config& cfg = *loaded.config;
  std::optional<Millis> at;
  if (options.at) {
    at = slo::ParseRfc3339(*options.at);
    if (!at) {
      err << "replay: --at \"" << *options.at << "\" is not an RFC 3339 time\n";
      return 1;
    }
  }
  auto engine = slo::Engine::Create(cfg.model);
  if (!engine.ok()) {
    err << "replay: " << engine.error().message << "\n";
    return 1;
  }
  slo::Sequencer seq(**engine, cfg.model.allowed_lateness);
  if (at) seq.LimitReleaseTo(*at);
  const size_t max_bytes = cfg.kafka ? static_cast<size_t>(cfg.kafka->max_event_bytes) : 65536;
  events::Decoder decoder(cfg.model, max_bytes);

  std::FILE* f = options.events_path == "-" ? stdin : std::fopen(options.events_path.c_str(), "rb");
  if (!f) {
    err << "replay: cannot open " << options.events_path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::array<uint64_t, events::kNumRejects> rejected{};
  uint64_t used = 0, rejected_total = 0;
  auto reject = [&](uint64_t line, events::Reject r, std::string_view why) {
    ++rejected[static_cast<size_t>(r)];
    if (++rejected_total <= kMaxListedRejects) {
      err << options.events_path << ":" << line << ": rejected: " << events::RejectLabel(r);
      if (!why.empty()) err << ": " << why;
      err << "\n";
    }
  };

  // Reading and decoding run on their own thread, one batch ahead of the
  // core: the two halves cost about the same, so replay takes the time of
  // the slower one. Everything is reported here, in line order.
  BatchPipe pipe(kPipeDepth);
  std::thread reader([&] {
    ReadEvents(f, decoder, pipe);
    if (f != stdin) std::fclose(f);
  });
  Batch batch;
  while (pipe.Next(batch)) {
    size_t next_reject = 0;
    auto report_rejects_before = [&](size_t i) {
      for (; next_reject < batch.rejects.size() && batch.rejects[next_reject].before == i;
           ++next_reject) {
        const LineReject& r = batch.rejects[next_reject];
        reject(r.line, r.reason, r.detail);
      }
    };
    for (size_t i = 0; i < batch.signals.size(); ++i) {
      report_rejects_before(i);
      switch (seq.Push(batch.signals[i])) {
        case slo::Verdict::kAccepted:
          ++used;
          break;
        case slo::Verdict::kLate:
          reject(batch.lines[i], events::Reject::kLate, "older than allowed_lateness");
          break;
        case slo::Verdict::kDuplicate:
          reject(batch.lines[i], events::Reject::kDuplicate, "id seen before");
          break;
      }
    }
    report_rejects_before(batch.signals.size());
    pipe.Recycle(std::move(batch));
  }
  reader.join();
  if (rejected_total > kMaxListedRejects) {
    err << options.events_path << ": " << rejected_total - kMaxListedRejects
        << " more rejected lines not listed\n";
  }
  if (rejected_total > 0) {
    err << "replay: " << used << " lines used, " << rejected_total << " rejected (";
    bool first = true;
    for (int i = 0; i < events::kNumRejects; ++i) {
      if (rejected[static_cast<size_t>(i)] == 0) continue;
      err << (first ? "" : ", ") << events::RejectLabel(static_cast<events::Reject>(i)) << " "
          << rejected[static_cast<size_t>(i)];
      first = false;
    }
    err << ")\n";
  }
  if (!at) {
    if (seq.empty()) {
      err << "replay: no usable events and no --at: nothing to evaluate\n";
      return 1;
    }
    at = seq.max_ts();
  }
  seq.ReleaseUpTo(*at);
  std::vector<slo::SloStatus> slos = (*engine)->Snapshot(*at);
  std::string text;
  if (options.format == "json") {
    WriteJson(cfg.model, *at, slos, text);
  } else {
    WriteTable(cfg.model, *at, slos, text);
  }
  out << text;
  out.flush();
  return rejected_total > 0 ? 3 : 0;
}

}  // namespace ninesd::replay
