#include "replay/replay.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iomanip>
#include <map>
#include <memory>
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

std::string WindowText(const slo::SloSpec& sp) {
  if (!sp.window.text.empty()) return sp.window.text;
  return slo::FormatDuration(sp.window.rolling);
}

std::string FormatNumber(double d, int precision) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(precision) << d;
  return o.str();
}

// The file is cut into units of whole lines, read in turn and decoded in
// parallel by a few workers; the core's thread takes the units in file order.
// Decoding costs about three times what the core does with a line, so on two
// cores two workers and the core keep both busy. Every decoded line is a pure
// function of its bytes, except the numbering of probe locations: a worker
// numbers them for itself, and the core's thread renumbers them in line order
// (first seen, first numbered, the 65th of a service refused), exactly as one
// decoder reading the whole file would.
constexpr size_t kMaxLine = 8 << 20;
constexpr const char* kOverlong = "line longer than 8 MiB";
// Past this many locations of one service a worker stops numbering and hands
// the name over, so an adversarial file costs no quadratic search.
constexpr size_t kWorkerLocations = 256;

struct LineReject {
  uint32_t line = 0;  // within the unit, from 1
  events::Reject reason = events::Reject::kNone;
  std::string detail;
  size_t before = 0;  // index into Unit::signals
};

struct NewLocation {
  uint32_t service = 0;
  std::string name;  // the worker's next number for this service
};

struct Unit {
  // Read.
  uint64_t seq = 0;
  std::vector<char> bytes;  // whole lines (`size` bytes), then room and simdjson's padding
  size_t size = 0;
  bool overlong = false;  // one line over kMaxLine, skipped by the reader
  // Decoded.
  size_t worker = 0;
  uint32_t lines = 0;
  std::vector<slo::Signal> signals;
  std::vector<uint32_t> line_of;  // per signal, within the unit
  std::vector<LineReject> rejects;
  std::vector<NewLocation> new_locations;                  // in the order the worker numbered them
  std::vector<std::pair<size_t, std::string>> unnumbered;  // signal index, location
};

// Hands out the file in units, one reader at a time. Buffers only grow (and
// are zeroed only then): a unit's `bytes` are its capacity, `size` its lines.
class LineSource {
 public:
  LineSource(std::FILE* f, size_t unit_bytes) : f_(f), unit_bytes_(unit_bytes) {}

  // The next unit in file order; false at the end of the file.
  bool Next(Unit& u) {
    std::lock_guard lock(mu_);
    u.size = 0;
    Append(u, carry_.data(), carry_.size());
    carry_.clear();
    u.overlong = false;
    size_t searched = 0;
    while (true) {
      if (!eof_) Read(u, unit_bytes_);
      const char* base = u.bytes.data();
      const void* nl =
          searched < u.size ? memrchr(base + searched, '\n', u.size - searched) : nullptr;
      if (nl) {
        size_t end = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
        carry_.assign(base + end, base + u.size);
        u.size = end;
        break;
      }
      if (eof_) {
        if (u.size == 0) return false;
        break;  // a last line without a newline
      }
      searched = u.size;
      if (searched > kMaxLine) {
        SkipLine(u);
        u.size = 0;
        u.overlong = true;
        break;
      }
    }
    u.seq = next_seq_++;
    return true;
  }
  int error() const { return error_; }

 private:
  // Room for n more bytes and simdjson's padding after them.
  static void Reserve(Unit& u, size_t n) {
    size_t need = u.size + n + simdjson::SIMDJSON_PADDING;
    if (u.bytes.size() < need) u.bytes.resize(std::max(need, 2 * u.bytes.size()));
  }
  static void Append(Unit& u, const char* p, size_t n) {
    Reserve(u, n);
    if (n > 0) std::memcpy(u.bytes.data() + u.size, p, n);  // p may be null when n is 0
    u.size += n;
  }
  void Read(Unit& u, size_t n) {
    Reserve(u, n);
    size_t got = std::fread(u.bytes.data() + u.size, 1, n, f_);
    u.size += got;
    if (got < n) {
      eof_ = true;
      if (std::ferror(f_)) error_ = errno != 0 ? errno : EIO;
    }
  }
  // Drops the rest of an overlong line (reading through the unit's buffer);
  // what follows it is kept for the next unit.
  void SkipLine(Unit& u) {
    while (!eof_) {
      u.size = 0;
      Read(u, unit_bytes_);
      const char* nl = static_cast<const char*>(std::memchr(u.bytes.data(), '\n', u.size));
      if (nl) {
        carry_.assign(nl + 1, static_cast<const char*>(u.bytes.data()) + u.size);
        return;
      }
    }
  }

  std::mutex mu_;
  std::FILE* f_;
  size_t unit_bytes_;
  std::vector<char> carry_;  // the start of a line read past the last unit
  bool eof_ = false;
  int error_ = 0;
  uint64_t next_seq_ = 0;
};

void DecodeUnit(Unit& u, events::Decoder& decoder, uint64_t& locations_version) {
  u.lines = 0;
  u.signals.clear();
  u.line_of.clear();
  u.rejects.clear();
  u.new_locations.clear();
  u.unnumbered.clear();
  std::string detail;
  auto refuse = [&](events::Reject r, std::string why) {
    u.rejects.push_back(LineReject{u.lines, r, std::move(why), u.signals.size()});
  };
  if (u.overlong) {
    u.lines = 1;
    refuse(events::Reject::kTooLarge, kOverlong);
    return;
  }
  const char* data = u.bytes.data();
  size_t start = 0;
  while (start < u.size) {
    const char* nl = static_cast<const char*>(std::memchr(data + start, '\n', u.size - start));
    size_t n = nl ? static_cast<size_t>(nl - (data + start)) : u.size - start;
    const char* p = data + start;
    size_t capacity = u.bytes.size() - start;
    start += n + 1;
    ++u.lines;
    if (n > kMaxLine) {
      refuse(events::Reject::kTooLarge, kOverlong);
      continue;
    }
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t')) --n;
    size_t lead = 0;
    while (lead < n && (p[lead] == ' ' || p[lead] == '\t')) ++lead;
    if (lead == n) continue;  // blank lines carry nothing
    slo::Signal s;
    detail.clear();
    events::Reject r = decoder.Decode(std::string_view(p + lead, n - lead), capacity - lead,
                                      std::nullopt, s, &detail);
    if (r != events::Reject::kNone) {
      refuse(r, detail);
      continue;
    }
    if (s.kind == slo::SignalKind::kProbe) {
      if (s.location == events::Decoder::kUnnumbered) {
        u.unnumbered.emplace_back(u.signals.size(), decoder.unnumbered_location());
      } else if (decoder.locations_version() != locations_version) {
        locations_version = decoder.locations_version();
        u.new_locations.push_back({s.service, decoder.LocationName(s.service, s.location)});
      }
    }
    u.signals.push_back(s);
    u.line_of.push_back(u.lines);
  }
}

// Units circulate between the workers and the core: a bounded pool, so
// memory stays flat whatever the file size.
class UnitPipe {
 public:
  UnitPipe(size_t pool, size_t workers) : running_(workers) {
    for (size_t i = 0; i < pool; ++i) free_.push_back(std::make_unique<Unit>());
  }
  std::unique_ptr<Unit> TakeFree() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    std::unique_ptr<Unit> u = std::move(free_.back());
    free_.pop_back();
    return u;
  }
  void Done(std::unique_ptr<Unit> u) {
    {
      std::lock_guard lock(mu_);
      uint64_t seq = u->seq;
      done_.emplace(seq, std::move(u));
    }
    cv_.notify_all();
  }
  // A worker found the end of the file.
  void WorkerEnded(std::unique_ptr<Unit> u) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(u));
      --running_;
    }
    cv_.notify_all();
  }
  // The core: the next unit in file order, or null once all are taken.
  std::unique_ptr<Unit> Next() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return done_.count(next_) > 0 || running_ == 0; });
    auto it = done_.find(next_);
    if (it == done_.end()) return nullptr;
    std::unique_ptr<Unit> u = std::move(it->second);
    done_.erase(it);
    ++next_;
    return u;
  }
  void Recycle(std::unique_ptr<Unit> u) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(u));
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Unit>> free_;
  std::map<uint64_t, std::unique_ptr<Unit>> done_;
  uint64_t next_ = 0;
  size_t running_;
};

// The core's side of location numbering: one table per service, as a single
// decoder keeps it, and per worker the translation of its numbers.
class LocationNumbers {
 public:
  static constexpr int32_t kRefused = -1;
  struct Local {
    int32_t number;
    std::string name;
  };
  LocationNumbers(size_t services, size_t workers)
      : names_(services), of_worker_(workers, std::vector<std::vector<Local>>(services)) {}

  void Learn(size_t worker, const NewLocation& n) {
    of_worker_[worker][n.service].push_back({Number(n.service, n.name), n.name});
  }
  const Local& Translate(size_t worker, uint32_t service, uint16_t local) const {
    return of_worker_[worker][service][local];
  }
  int32_t Number(uint32_t service, const std::string& name) {
    return events::NumberLocation(names_[service], name, events::Decoder::kMaxLocationsPerService);
  }

 private:
  std::vector<std::vector<std::string>> names_;
  std::vector<std::vector<std::vector<Local>>> of_worker_;
};

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

  size_t workers = options.decode_threads;
  if (workers == 0) {
    workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 3, 5) - 1;
  }
  LineSource source(f, options.read_unit_bytes);
  UnitPipe pipe(2 * workers + 2, workers);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      events::Decoder decoder(cfg.model, max_bytes);
      decoder.NumberLocationsLocally(kWorkerLocations);
      uint64_t version = decoder.locations_version();
      while (true) {
        std::unique_ptr<Unit> u = pipe.TakeFree();
        if (!source.Next(*u)) {
          pipe.WorkerEnded(std::move(u));
          return;
        }
        u->worker = w;
        DecodeUnit(*u, decoder, version);
        pipe.Done(std::move(u));
      }
    });
  }
  // Everything is reported here, in line order.
  LocationNumbers locations(cfg.model.services.size(), workers);
  uint64_t lines_before = 0;
  while (std::unique_ptr<Unit> u = pipe.Next()) {
    for (const NewLocation& n : u->new_locations) locations.Learn(u->worker, n);
    size_t next_reject = 0, next_unnumbered = 0;
    auto report_rejects_before = [&](size_t i) {
      for (; next_reject < u->rejects.size() && u->rejects[next_reject].before == i;
           ++next_reject) {
        const LineReject& r = u->rejects[next_reject];
        reject(lines_before + r.line, r.reason, r.detail);
      }
    };
    for (size_t i = 0; i < u->signals.size(); ++i) {
      report_rejects_before(i);
      slo::Signal& s = u->signals[i];
      const uint64_t line = lines_before + u->line_of[i];
      if (s.kind == slo::SignalKind::kProbe) {
        int32_t number;
        const std::string* name;
        if (s.location == events::Decoder::kUnnumbered) {
          name = &u->unnumbered[next_unnumbered++].second;
          number = locations.Number(s.service, *name);
        } else {
          const LocationNumbers::Local& l = locations.Translate(u->worker, s.service, s.location);
          number = l.number;
          name = &l.name;
        }
        if (number == LocationNumbers::kRefused) {
          reject(line, events::Reject::kTooManyLocations, "location \"" + *name + "\"");
          continue;
        }
        s.location = static_cast<uint16_t>(number);
      }
      switch (seq.Push(s)) {
        case slo::Verdict::kAccepted:
          ++used;
          break;
        case slo::Verdict::kLate:
          reject(line, events::Reject::kLate, events::SequencerDetail(events::Reject::kLate));
          break;
        case slo::Verdict::kDuplicate:
          reject(line, events::Reject::kDuplicate,
                 events::SequencerDetail(events::Reject::kDuplicate));
          break;
      }
    }
    report_rejects_before(u->signals.size());
    lines_before += u->lines;
    pipe.Recycle(std::move(u));
  }
  for (std::thread& t : threads) t.join();
  if (f != stdin) std::fclose(f);
  if (source.error() != 0) {
    err << "replay: error reading " << options.events_path << ": " << std::strerror(source.error())
        << "\n";
    return 1;
  }
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
