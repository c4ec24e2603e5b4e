#pragma once
// Decoder: one JSON event (SPEC section 4) into a core Signal, or a reject
// reason. Used by `ninesd replay` and the Kafka consumer thread alike.
//
// Strict where parsers disagree (RELIABILITY.md, untrusted input): duplicate
// keys, nesting deeper than 16, invalid UTF-8, NUL in strings, non-integral
// or out-of-range counts and a byte-order mark are all rejected. Unknown
// fields are ignored.
//
// Thread: one Decoder per thread (it owns a simdjson parser).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "simdjson.h"
#include "slo/model.h"
#include "slo/signal.h"

namespace ninesd::events {

enum class Reject : uint8_t {
  kNone,
  kBadJson,           // not a JSON object, or malformed
  kTooLarge,          // over the size limit (checked before parsing)
  kMissingField,      // type, service, or a field the type needs
  kWrongType,         // a field of the wrong JSON type
  kBadValue,          // right type, impossible value (state "sideways", good > total)
  kUnknownType,       // "type" not one of the five
  kUnknownService,    // no such service in the config
  kBadTimestamp,      // unparseable, or outside 2000..2100
  kDuplicateKey,      // the same key twice in one object
  kTooManyLocations,  // more distinct probe locations than a service may have
  kLate,              // older than the allowed lateness (from the Sequencer)
  kDuplicate,         // same id as an event already taken
};
inline constexpr int kNumRejects = 13;

// Stable label for metrics and logs: "bad_json", "late", ...
const char* RejectLabel(Reject r);
// The detail of the reasons the Sequencer decides after decoding (late,
// duplicate), the same in replay's report and a dead letter; "" for others.
const char* SequencerDetail(Reject r);

// FNV-1a 64-bit of an event id; never 0 (0 means "no id").
uint64_t HashId(std::string_view id);

// Probe locations by service name, each service's in the order they were
// first seen: the position is the location number in Signal::location.
using LocationTable = std::map<std::string, std::vector<std::string>>;

// A compact, escape-free encoding for the state store (netstrings).
std::string EncodeLocations(const LocationTable& table);
std::optional<LocationTable> DecodeLocations(std::string_view text);

// Probe location numbering, one rule for every numbering (a Decoder's, and
// replay's renumbering in line order): the name's index in `names`,
// appended when new; -1 when `names` already holds `limit` others.
int32_t NumberLocation(std::vector<std::string>& names, std::string_view name, size_t limit);

class Decoder {
 public:
  static constexpr size_t kMaxLocationsPerService = 64;

  Decoder(const slo::ModelSpec& spec, size_t max_bytes);

  // Decodes `json` (its buffer must stay readable for `capacity` bytes,
  // capacity >= json.size() + simdjson::SIMDJSON_PADDING). `default_ts`
  // is the Kafka message time, used when the event has no "ts".
  Reject Decode(std::string_view json, size_t capacity, std::optional<slo::Millis> default_ts,
                slo::Signal& out, std::string* detail = nullptr);
  // Convenience for callers without a padded buffer (copies).
  Reject DecodeCopy(std::string_view json, std::optional<slo::Millis> default_ts, slo::Signal& out,
                    std::string* detail = nullptr);

  const std::string& LocationName(uint32_t service, uint16_t location) const;

  // Location numbers name probe sources in the core's state, so they must
  // outlive this decoder: across a restart (saved with the checkpoint) and
  // a reload (the next decoder starts from this one's). Seed before the
  // first event; services not in the model are skipped.
  LocationTable Locations() const;
  void SeedLocations(const LocationTable& table);
  // Changes whenever a new location is numbered.
  uint64_t locations_version() const { return locations_version_; }

  // For a decoder that numbers locations for its own thread only (replay's
  // decode workers; the core's thread renumbers them in line order): up to
  // `limit` names per service, and past it no reject but location
  // kUnnumbered, with the name in unnumbered_location().
  static constexpr uint16_t kUnnumbered = 0xFFFE;
  void NumberLocationsLocally(size_t limit) {
    location_limit_ = limit;
    local_numbers_ = true;
  }
  const std::string& unnumbered_location() const { return unnumbered_; }

  // Tests: decode with the on-demand walk only (the slow path), to check the
  // DOM fast path gives the same answer for every input.
  void DisableFastPathForTests() { fast_path_ = false; }

 private:
  struct Fields;
  // The JSON types the fields of an event can have, from either simdjson API.
  enum class Kind : uint8_t { kString, kNumber, kBool, kOther };
  static Kind KindOf(simdjson::ondemand::json_type t);
  static Kind KindOf(simdjson::dom::element_type t);
  template <class V>
  Reject ReadField(std::string_view key, Kind kind, V& v, Fields& x, std::string* detail);
  Reject ReadFieldsOnDemand(std::string_view json, size_t capacity, Fields& x, std::string* detail);

  simdjson::dom::parser dom_;
  simdjson::ondemand::parser parser_;
  size_t max_bytes_;
  // Service name -> index: open addressing over a flat array whose slots hold
  // short names inline, so a lookup touches one cache line (with 10 000
  // services a node-based map cost a quarter of the Kafka input's CPU).
  class ServiceIndex {
   public:
    void Build(const slo::ModelSpec& spec);
    // The service's index, or -1; `hash` is HashId(name).
    int64_t Find(std::string_view name) const { return Find(name, HashId(name)); }
    int64_t Find(std::string_view name, uint64_t hash) const;
    // Starts loading the slot of the name with this hash: with many services
    // it is a cache miss, which the rest of the event's fields can hide.
    void Prefetch(uint64_t hash) const {
      if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
    }
    const std::string& Name(size_t index) const { return names_[index]; }

   private:
    static constexpr size_t kInline = 19;
    struct Slot {
      uint64_t hash = 0;
      uint32_t index_plus_one = 0;  // 0: empty
      uint8_t len = 0;              // kInline + 1: longer, compare with names_
      char name[kInline] = {};
    };
    std::vector<Slot> slots_;
    uint64_t mask_ = 0;
    std::vector<std::string> names_;
  };
  ServiceIndex services_;
  std::vector<std::vector<std::string>> locations_;  // per service
  uint64_t locations_version_ = 0;
  size_t location_limit_ = kMaxLocationsPerService;
  bool local_numbers_ = false;
  bool fast_path_ = true;
  std::string unnumbered_;
  std::vector<uint16_t> event_probe_index_;  // per service
  std::string scratch_;
  // ParseTimestamp: the day of the last UTC timestamp ("YYYY-MM-DD") and its
  // midnight; events come in bursts from the same day.
  std::optional<slo::Millis> ParseTimestamp(std::string_view s);
  char ts_day_[10] = {};
  slo::Millis ts_midnight_ = 0;
  bool ts_day_valid_ = false;
};

}  // namespace ninesd::events
