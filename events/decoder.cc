#include "events/decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "slo/time.h"

namespace ninesd::events {
namespace {

using simdjson::ondemand::json_type;
using slo::Millis;

constexpr size_t kMaxDepth = 16;
// Plausible event times: 2000-01-01 .. 2100-01-01. Catches milliseconds sent
// as seconds and other unit mix-ups.
constexpr Millis kMinTs = 946'684'800'000;
constexpr Millis kMaxTs = 4'102'444'800'000;

enum Field : unsigned {
  kType = 1u << 0,
  kService = 1u << 1,
  kTs = 1u << 2,
  kState = 1u << 3,
  kGood = 1u << 4,
  kTotal = 1u << 5,
  kLatency = 1u << 6,
  kSuccess = 1u << 7,
  kLocation = 1u << 8,
  kId = 1u << 9,
};

template <size_t N>
bool Is(std::string_view k, const char (&name)[N]) {
  return std::memcmp(k.data(), name, N - 1) == 0;
}

Field FieldOf(std::string_view k) {
  // By length first: one fixed-size comparison per key instead of a chain.
  switch (k.size()) {
    case 2:
      if (Is(k, "ts")) return kTs;
      if (Is(k, "id")) return kId;
      break;
    case 4:
      if (Is(k, "type")) return kType;
      if (Is(k, "good")) return kGood;
      break;
    case 5:
      if (Is(k, "state")) return kState;
      if (Is(k, "total")) return kTotal;
      break;
    case 7:
      if (Is(k, "service")) return kService;
      if (Is(k, "success")) return kSuccess;
      break;
    case 8:
      if (Is(k, "location")) return kLocation;
      break;
    case 10:
      if (Is(k, "latency_ms")) return kLatency;
      break;
    default:
      break;
  }
  return static_cast<Field>(0);
}

// Reads a value the event does not use to its end. Skipping it unread would
// let through what other parsers reject (NaN, 1e400, [1,], "\ud800", tru)
// and nesting of any depth. `depth`: containers around v (the event is 1).
bool ValidUnusedValue(simdjson::ondemand::value v, size_t depth) {
  json_type t;
  if (v.type().get(t) != simdjson::SUCCESS) return false;
  switch (t) {
    case json_type::array: {
      simdjson::ondemand::array a;
      if (depth >= kMaxDepth || v.get_array().get(a) != simdjson::SUCCESS) return false;
      for (auto item : a) {
        simdjson::ondemand::value x;
        if (std::move(item).get(x) != simdjson::SUCCESS || !ValidUnusedValue(x, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case json_type::object: {
      simdjson::ondemand::object o;
      if (depth >= kMaxDepth || v.get_object().get(o) != simdjson::SUCCESS) return false;
      for (auto member : o) {
        simdjson::ondemand::field f;
        std::string_view key;
        if (std::move(member).get(f) != simdjson::SUCCESS ||
            f.unescaped_key().get(key) != simdjson::SUCCESS ||
            !ValidUnusedValue(f.value(), depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case json_type::number: {
      double d;
      return v.get_double().get(d) == simdjson::SUCCESS;
    }
    case json_type::string: {
      std::string_view str;
      return v.get_string().get(str) == simdjson::SUCCESS;
    }
    case json_type::boolean: {
      bool b;
      return v.get_bool().get(b) == simdjson::SUCCESS;
    }
    case json_type::null: {
      bool is_null = false;
      return v.is_null().get(is_null) == simdjson::SUCCESS && is_null;
    }
  }
  return false;
}

// Sets the caller's detail (when it asked for one) and returns the reason.
Reject Fail(std::string* detail, Reject r, std::string_view why) {
  if (detail) detail->assign(why);
  return r;
}

}  // namespace

const char* RejectLabel(Reject r) {
  switch (r) {
    case Reject::kNone:
      return "none";
    case Reject::kBadJson:
      return "bad_json";
    case Reject::kTooLarge:
      return "too_large";
    case Reject::kMissingField:
      return "missing_field";
    case Reject::kWrongType:
      return "wrong_type";
    case Reject::kBadValue:
      return "bad_value";
    case Reject::kUnknownType:
      return "unknown_type";
    case Reject::kUnknownService:
      return "unknown_service";
    case Reject::kBadTimestamp:
      return "bad_timestamp";
    case Reject::kDuplicateKey:
      return "duplicate_key";
    case Reject::kTooManyLocations:
      return "too_many_locations";
    case Reject::kLate:
      return "late";
    case Reject::kDuplicate:
      return "duplicate";
  }
  return "unknown";
}

const char* SequencerDetail(Reject r) {
  switch (r) {
    case Reject::kLate:
      return "older than allowed_lateness";
    case Reject::kDuplicate:
      return "id seen before";
    default:
      return "";
  }
}

uint64_t HashId(std::string_view id) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h == 0 ? 1 : h;
}

void Decoder::ServiceIndex::Build(const slo::ModelSpec& spec) {
  size_t cap = 16;
  while (cap < spec.services.size() * 2) cap *= 2;  // load factor <= 1/2
  slots_.assign(cap, Slot{});
  mask_ = cap - 1;
  names_.clear();
  for (size_t i = 0; i < spec.services.size(); ++i) {
    const std::string& name = spec.services[i].name;
    names_.push_back(name);
    if (Find(name) >= 0) continue;  // first one wins (names are unique after config load)
    uint64_t h = HashId(name);
    size_t at = h & mask_;
    while (slots_[at].index_plus_one != 0) at = (at + 1) & mask_;
    Slot& slot = slots_[at];
    slot.hash = h;
    slot.index_plus_one = static_cast<uint32_t>(i + 1);
    if (name.size() <= kInline) {
      slot.len = static_cast<uint8_t>(name.size());
      std::memcpy(slot.name, name.data(), name.size());
    } else {
      slot.len = kInline + 1;
    }
  }
}

int64_t Decoder::ServiceIndex::Find(std::string_view name, uint64_t h) const {
  if (slots_.empty()) return -1;
  for (size_t at = h & mask_;; at = (at + 1) & mask_) {
    const Slot& slot = slots_[at];
    if (slot.index_plus_one == 0) return -1;
    if (slot.hash != h) continue;
    bool same = slot.len <= kInline
                    ? slot.len == name.size() && std::memcmp(slot.name, name.data(), slot.len) == 0
                    : names_[slot.index_plus_one - 1] == name;
    if (same) return static_cast<int64_t>(slot.index_plus_one) - 1;
  }
}

int32_t NumberLocation(std::vector<std::string>& names, std::string_view name, size_t limit) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int32_t>(i);
  }
  if (names.size() >= limit) return -1;
  names.emplace_back(name);
  return static_cast<int32_t>(names.size() - 1);
}

Decoder::Decoder(const slo::ModelSpec& spec, size_t max_bytes) : max_bytes_(max_bytes) {
  // Only fails when out of memory; the parser then allocates on first use.
  // simdjson indexes a container at level n by n (the root is 1): kMaxDepth
  // levels need kMaxDepth + 1.
  if (parser_.allocate(max_bytes + simdjson::SIMDJSON_PADDING, kMaxDepth + 1) !=
      simdjson::SUCCESS) {
    return;
  }
  // The DOM parser counts the event object as depth 1 too, but stops one
  // level earlier: the same 16 levels.
  if (dom_.allocate(max_bytes + simdjson::SIMDJSON_PADDING, kMaxDepth) != simdjson::SUCCESS) return;
  services_.Build(spec);
  for (size_t i = 0; i < spec.services.size(); ++i) {
    event_probe_index_.push_back(static_cast<uint16_t>(spec.services[i].probes.size()));
  }
  locations_.resize(spec.services.size());
}

const std::string& Decoder::LocationName(uint32_t service, uint16_t location) const {
  return locations_[service][location];
}

LocationTable Decoder::Locations() const {
  LocationTable out;
  for (size_t i = 0; i < locations_.size(); ++i) {
    if (!locations_[i].empty()) out[services_.Name(i)] = locations_[i];
  }
  return out;
}

void Decoder::SeedLocations(const LocationTable& table) {
  for (const auto& [name, locs] : table) {
    int64_t svc = services_.Find(name);
    if (svc < 0) continue;
    std::vector<std::string>& mine = locations_[static_cast<size_t>(svc)];
    mine.assign(locs.begin(), locs.begin() + static_cast<std::ptrdiff_t>(
                                                 std::min(locs.size(), kMaxLocationsPerService)));
  }
  ++locations_version_;
}

namespace {

void PutNetstring(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
  out += ',';
}

bool GetNetstring(std::string_view& in, std::string_view& s) {
  size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 9) return false;
  size_t len = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (in[i] < '0' || in[i] > '9') return false;
    len = len * 10 + static_cast<size_t>(in[i] - '0');
  }
  if (in.size() < colon + 1 + len + 1 || in[colon + 1 + len] != ',') return false;
  s = in.substr(colon + 1, len);
  in.remove_prefix(colon + 1 + len + 1);
  return true;
}

}  // namespace

std::string EncodeLocations(const LocationTable& table) {
  std::string out;
  for (const auto& [name, locs] : table) {
    PutNetstring(out, name);
    PutNetstring(out, std::to_string(locs.size()));
    for (const std::string& l : locs) PutNetstring(out, l);
  }
  return out;
}

std::optional<LocationTable> DecodeLocations(std::string_view text) {
  LocationTable out;
  while (!text.empty()) {
    std::string_view name, count;
    if (!GetNetstring(text, name) || !GetNetstring(text, count)) return std::nullopt;
    size_t n = 0;
    if (count.empty() || count.size() > 4) return std::nullopt;
    for (char c : count) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    std::vector<std::string>& locs = out[std::string(name)];
    for (size_t i = 0; i < n; ++i) {
      std::string_view l;
      if (!GetNetstring(text, l)) return std::nullopt;
      locs.emplace_back(l);
    }
  }
  return out;
}

std::optional<Millis> Decoder::ParseTimestamp(std::string_view s) {
  // Fast path: the canonical UTC form "YYYY-MM-DDTHH:MM:SS[.fff]Z" on the
  // day of the previous one (already validated); anything else goes the
  // full way and gets exactly the same answer.
  const bool utc_form = s.size() >= 20 && s[10] == 'T' && s.back() == 'Z';
  if (utc_form && ts_day_valid_ && std::memcmp(s.data(), ts_day_, sizeof ts_day_) == 0) {
    auto two = [&](size_t i, int& v) {
      unsigned a = static_cast<unsigned>(s[i] - '0'), b = static_cast<unsigned>(s[i + 1] - '0');
      v = static_cast<int>(a * 10 + b);
      return a <= 9 && b <= 9;
    };
    int h, mi, sec;
    if (two(11, h) && s[13] == ':' && two(14, mi) && s[16] == ':' && two(17, sec) && h <= 23 &&
        mi <= 59 && sec <= 59) {
      size_t pos = 19;
      const size_t end = s.size() - 1;  // the 'Z'
      int ms = 0;
      bool ok = pos == end;
      if (s[pos] == '.' && pos + 1 < end) {
        ok = true;
        size_t digits = 0;
        for (++pos; pos < end; ++pos, ++digits) {
          unsigned d = static_cast<unsigned>(s[pos] - '0');
          if (d > 9) {
            ok = false;
            break;
          }
          if (digits < 3) ms = ms * 10 + static_cast<int>(d);
        }
        for (; digits < 3; ++digits) ms *= 10;
      }
      if (ok) return ts_midnight_ + h * slo::kHour + mi * slo::kMinute + sec * slo::kSecond + ms;
    }
  }
  std::optional<Millis> t = slo::ParseRfc3339(s);
  if (t && utc_form) {
    std::memcpy(ts_day_, s.data(), sizeof ts_day_);
    ts_midnight_ = slo::FloorTo(*t, slo::kDay);
    ts_day_valid_ = true;
  }
  return t;
}

Reject Decoder::DecodeCopy(std::string_view json, std::optional<Millis> default_ts,
                           slo::Signal& out, std::string* detail) {
  if (json.size() > max_bytes_) {
    if (detail) *detail = std::to_string(json.size()) + " bytes";
    return Reject::kTooLarge;
  }
  scratch_.assign(json);
  scratch_.resize(json.size() + simdjson::SIMDJSON_PADDING);
  return Decode(std::string_view(scratch_.data(), json.size()), scratch_.size(), default_ts, out,
                detail);
}

Decoder::Kind Decoder::KindOf(json_type t) {
  switch (t) {
    case json_type::string:
      return Kind::kString;
    case json_type::number:
      return Kind::kNumber;
    case json_type::boolean:
      return Kind::kBool;
    default:
      return Kind::kOther;
  }
}

Decoder::Kind Decoder::KindOf(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
    case element_type::STRING:
      return Kind::kString;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return Kind::kNumber;
    case element_type::BOOL:
      return Kind::kBool;
    default:
      return Kind::kOther;
  }
}

// What an event says, before it is checked as a whole.
struct Decoder::Fields {
  unsigned seen = 0;
  std::string_view type, service, state, location, id;
  uint64_t service_hash = 0;  // HashId(service), once read
  std::optional<Millis> ts;
  bool good_bool = false, success = false, good_is_bool = false;
  uint64_t good_count = 0, total = 0;
  double latency = 0;
  // Unknown keys seen so far (for duplicate detection); events have few.
  static constexpr size_t kMaxOtherKeys = 32;
  // Plain pointers, left uninitialized: zeroing 32 string_views per event
  // cost a tenth of the decode time.
  struct KeyRef {
    const char* data;
    size_t size;
  };
  KeyRef other_keys[kMaxOtherKeys];
  size_t n_other = 0;
};

// One member of the event object. `V` is a simdjson value of either API:
// their getters are spelled the same. A key the event does not use only
// needs to be new; its value is the caller's to check.
template <class V>
Reject Decoder::ReadField(std::string_view key, Kind kind, V& v, Fields& x, std::string* detail) {
  auto fail = [detail](Reject r, std::string_view why) { return Fail(detail, r, why); };
  Field f = FieldOf(key);
  if (f == 0) {
    // Unknown keys are ignored, but never twice (parsers disagree on which wins).
    for (size_t k = 0; k < x.n_other; ++k) {
      if (std::string_view(x.other_keys[k].data, x.other_keys[k].size) == key) {
        return fail(Reject::kDuplicateKey, std::string("key \"") + std::string(key) + "\"");
      }
    }
    if (x.n_other == Fields::kMaxOtherKeys) return fail(Reject::kBadValue, "too many fields");
    x.other_keys[x.n_other++] = Fields::KeyRef{key.data(), key.size()};
    return Reject::kNone;
  }
  if (x.seen & f) {
    return fail(Reject::kDuplicateKey, std::string("key \"") + std::string(key) + "\"");
  }
  x.seen |= f;
  auto get_string = [&](std::string_view& dst) -> Reject {
    if (kind != Kind::kString) return Reject::kWrongType;
    if (v.get_string().get(dst) != simdjson::SUCCESS) return Reject::kBadJson;
    if (dst.find('\0') != std::string_view::npos) return Reject::kBadValue;
    return Reject::kNone;
  };
  Reject r = Reject::kNone;
  switch (f) {
    case kType:
      r = get_string(x.type);
      break;
    case kService:
      r = get_string(x.service);
      if (r == Reject::kNone) {
        x.service_hash = HashId(x.service);
        services_.Prefetch(x.service_hash);
      }
      break;
    case kState:
      r = get_string(x.state);
      break;
    case kLocation:
      r = get_string(x.location);
      break;
    case kId:
      r = get_string(x.id);
      break;
    case kTs: {
      if (kind == Kind::kString) {
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS) return fail(Reject::kBadJson, "ts");
        x.ts = ParseTimestamp(s);
        if (!x.ts) return fail(Reject::kBadTimestamp, "ts is not RFC 3339");
      } else if (kind == Kind::kNumber) {
        double secs;
        if (v.get_double().get(secs) != simdjson::SUCCESS || !std::isfinite(secs)) {
          return fail(Reject::kBadTimestamp, "ts out of range");
        }
        if (secs < 0 || secs > 1e11) return fail(Reject::kBadTimestamp, "ts out of range");
        x.ts = static_cast<Millis>(std::llround(secs * 1000.0));
      } else {
        return fail(Reject::kWrongType, "ts must be a string or a number");
      }
      break;
    }
    case kGood: {
      if (kind == Kind::kBool) {
        x.good_is_bool = true;
        if (v.get_bool().get(x.good_bool) != simdjson::SUCCESS) r = Reject::kBadJson;
      } else if (kind == Kind::kNumber) {
        if (v.get_uint64().get(x.good_count) != simdjson::SUCCESS) {
          return fail(Reject::kBadValue, "good must be a whole number >= 0");
        }
      } else {
        r = Reject::kWrongType;
      }
      break;
    }
    case kTotal:
      if (kind != Kind::kNumber) {
        r = Reject::kWrongType;
      } else if (v.get_uint64().get(x.total) != simdjson::SUCCESS) {
        return fail(Reject::kBadValue, "total must be a whole number >= 0");
      }
      break;
    case kLatency:
      if (kind != Kind::kNumber) {
        r = Reject::kWrongType;
      } else if (v.get_double().get(x.latency) != simdjson::SUCCESS || !std::isfinite(x.latency) ||
                 x.latency < 0) {
        return fail(Reject::kBadValue, "latency_ms must be a finite number >= 0");
      }
      break;
    case kSuccess:
      if (kind != Kind::kBool) {
        r = Reject::kWrongType;
      } else if (v.get_bool().get(x.success) != simdjson::SUCCESS) {
        r = Reject::kBadJson;
      }
      break;
  }
  if (r != Reject::kNone) {
    return fail(r, r == Reject::kWrongType ? std::string(key) + " has the wrong type"
                                           : std::string(key) + " is malformed");
  }
  return Reject::kNone;
}

// The slow path, for what the DOM parser refused: simdjson's on-demand API
// reads up to the first problem and so tells which field is wrong (1e400 as
// a count is bad_value, as an unknown field bad_json).
Reject Decoder::ReadFieldsOnDemand(std::string_view json, size_t capacity, Fields& x,
                                   std::string* detail) {
  auto fail = [detail](Reject r, std::string_view why) { return Fail(detail, r, why); };
  simdjson::ondemand::document doc;
  if (parser_.iterate(json.data(), json.size(), capacity).get(doc) != simdjson::SUCCESS) {
    return fail(Reject::kBadJson, "malformed JSON");
  }
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return fail(Reject::kBadJson, "not a JSON object");
  }
  for (auto field_result : obj) {
    if (field_result.error() != simdjson::SUCCESS) return fail(Reject::kBadJson, "malformed JSON");
    simdjson::ondemand::field& field = field_result.value_unsafe();
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return fail(Reject::kBadJson, "malformed key");
    }
    simdjson::ondemand::value& v = field.value();
    if (FieldOf(key) == 0) {
      Reject r = ReadField(key, Kind::kOther, v, x, detail);
      if (r != Reject::kNone) return r;
      // Unknown values are ignored, but must be well-formed JSON.
      if (!ValidUnusedValue(v, 1)) {
        return fail(Reject::kBadJson,
                    std::string("malformed value of \"") + std::string(key) + "\"");
      }
      continue;
    }
    json_type jt;
    if (v.type().get(jt) != simdjson::SUCCESS) return fail(Reject::kBadJson, "malformed value");
    Reject r = ReadField(key, KindOf(jt), v, x, detail);
    if (r != Reject::kNone) return r;
  }
  // Anything after the object (a second document, garbage) is malformed input.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return fail(Reject::kBadJson, "trailing content");
  }
  return Reject::kNone;
}

Reject Decoder::Decode(std::string_view json, size_t capacity, std::optional<Millis> default_ts,
                       slo::Signal& out, std::string* detail) {
  auto fail = [detail](Reject r, std::string_view why) { return Fail(detail, r, why); };
  if (json.size() > max_bytes_) {
    return fail(Reject::kTooLarge, std::to_string(json.size()) + " bytes");
  }
  if (json.size() >= 3 && static_cast<unsigned char>(json[0]) == 0xEF &&
      static_cast<unsigned char>(json[1]) == 0xBB && static_cast<unsigned char>(json[2]) == 0xBF) {
    return fail(Reject::kBadJson, "byte-order mark");
  }
  Fields x;
  // The fast path: the DOM parser validates the whole document (syntax,
  // UTF-8, numbers, depth) in one pass, and its fields are then plain
  // reads. Iterating the on-demand API field by field cost twice as much.
  simdjson::dom::element doc;
  if (fast_path_ &&
      dom_.parse(reinterpret_cast<const uint8_t*>(json.data()), json.size(), false).get(doc) ==
          simdjson::SUCCESS) {
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) {
      return fail(Reject::kBadJson, "not a JSON object");
    }
    for (simdjson::dom::key_value_pair field : obj) {
      Reject r = ReadField(field.key, KindOf(field.value.type()), field.value, x, detail);
      if (r != Reject::kNone) return r;
    }
  } else {
    Reject r = ReadFieldsOnDemand(json, capacity, x, detail);
    if (r != Reject::kNone) return r;
  }
  if (!(x.seen & kType)) return fail(Reject::kMissingField, "type");
  if (!(x.seen & kService)) return fail(Reject::kMissingField, "service");
  int64_t svc = services_.Find(x.service, x.service_hash);
  slo::Signal s;
  if (x.type == "state") {
    s.kind = slo::SignalKind::kState;
    if (!(x.seen & kState)) return fail(Reject::kMissingField, "state");
    if (x.state == "up") {
      s.state = slo::State::kUp;
    } else if (x.state == "down") {
      s.state = slo::State::kDown;
    } else if (x.state == "degraded") {
      s.state = slo::State::kDegraded;
    } else {
      return fail(Reject::kBadValue, "state must be up, down or degraded");
    }
  } else if (x.type == "heartbeat") {
    s.kind = slo::SignalKind::kHeartbeat;
  } else if (x.type == "outcome") {
    s.kind = slo::SignalKind::kOutcome;
    if (!(x.seen & kGood)) return fail(Reject::kMissingField, "good");
    if (!x.good_is_bool) return fail(Reject::kWrongType, "good must be true or false");
    s.good = x.good_bool;
  } else if (x.type == "counts") {
    s.kind = slo::SignalKind::kCounts;
    if (!(x.seen & kGood)) return fail(Reject::kMissingField, "good");
    if (!(x.seen & kTotal)) return fail(Reject::kMissingField, "total");
    if (x.good_is_bool) return fail(Reject::kWrongType, "good must be a count");
    if (x.good_count > x.total) return fail(Reject::kBadValue, "good > total");
    if (x.total > (uint64_t{1} << 40)) return fail(Reject::kBadValue, "total too large");
    s.good_count = x.good_count;
    s.total_count = x.total;
  } else if (x.type == "probe") {
    s.kind = slo::SignalKind::kProbe;
    if (!(x.seen & kSuccess)) return fail(Reject::kMissingField, "success");
    s.good = x.success;
  } else {
    return fail(Reject::kUnknownType, std::string("type \"") + std::string(x.type) + "\"");
  }
  if (svc < 0) {
    return fail(Reject::kUnknownService, std::string("service \"") + std::string(x.service) + "\"");
  }
  s.service = static_cast<uint32_t>(svc);
  if (x.seen & kLatency) {
    s.has_latency = true;
    s.latency_ms = x.latency;
  }
  if (!x.ts) x.ts = default_ts;
  if (!x.ts) return fail(Reject::kMissingField, "ts");
  if (*x.ts < kMinTs || *x.ts >= kMaxTs)
    return fail(Reject::kBadTimestamp, "ts outside 2000..2100");
  s.ts = *x.ts;
  if (x.seen & kId) {
    if (x.id.empty()) return fail(Reject::kBadValue, "id is empty");
    s.id_hash = HashId(x.id);
  }
  if (s.kind == slo::SignalKind::kProbe) {
    s.probe = event_probe_index_[s.service];
    std::vector<std::string>& locs = locations_[s.service];
    const size_t known = locs.size();
    const int32_t n = NumberLocation(locs, x.location, location_limit_);
    if (n < 0) {
      if (!local_numbers_) {
        return fail(Reject::kTooManyLocations, "location \"" + std::string(x.location) + "\"");
      }
      unnumbered_.assign(x.location);
      s.location = kUnnumbered;
      out = s;
      return Reject::kNone;
    }
    if (locs.size() != known) ++locations_version_;
    s.location = static_cast<uint16_t>(n);
  }
  out = s;
  return Reject::kNone;
}

}  // namespace ninesd::events
