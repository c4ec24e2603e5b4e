// events::Decoder (SPEC section 4; RELIABILITY.md "Untrusted input: Kafka
// JSON events"): every event type, every reject reason, the hostile inputs
// measured there, and a bounded random-mutation pass.

#include "events/decoder.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "slo/engine.h"
#include "slo/model.h"
#include "slo/sequencer.h"
#include "slo/signal.h"
#include "slo/time.h"

namespace ninesd::events {
namespace {

using slo::Millis;
using slo::Signal;
using slo::SignalKind;
using slo::State;

// 2026-11-27T08:00:00Z, the time of SPEC section 4's example.
constexpr Millis kT = 1'795'766'400'000;
// A Kafka message timestamp, distinct from every ts written below.
constexpr Millis kKafkaTs = kT + 7 * slo::kHour;
constexpr size_t kMaxBytes = 1024;

// Services: web has two configured probes (so probe events go to probe index
// 2), the others none.
constexpr uint32_t kWeb = 0, kApi = 1, kEtl = 2, kDb = 3;

slo::ModelSpec Model() {
  slo::ModelSpec spec;
  for (const char* name : {"web", "api", "etl", "db"}) {
    slo::ServiceSpec s;
    s.name = name;
    spec.services.push_back(s);
  }
  spec.services[kWeb].probes.push_back({"http-1"});
  spec.services[kWeb].probes.push_back({"tcp-1"});
  return spec;
}

class DecoderTest : public ::testing::Test {
 protected:
  DecoderTest() : spec_(Model()), decoder_(spec_, kMaxBytes) {}

  // Decodes with a Kafka timestamp; the label of the result ("none" when used).
  std::string Label(std::string_view json, std::optional<Millis> default_ts = kKafkaTs) {
    Signal out;
    detail_.clear();
    Reject r = decoder_.DecodeCopy(json, default_ts, out, &detail_);
    if (r != Reject::kNone) {
      EXPECT_FALSE(detail_.empty()) << "no detail for " << json;
    }
    return RejectLabel(r);
  }

  // Decodes an event that must be accepted.
  Signal Ok(std::string_view json, std::optional<Millis> default_ts = kKafkaTs) {
    Signal out;
    detail_.clear();
    Reject r = decoder_.DecodeCopy(json, default_ts, out, &detail_);
    EXPECT_EQ(r, Reject::kNone) << RejectLabel(r) << ": " << detail_ << " for " << json;
    return out;
  }

  slo::ModelSpec spec_;
  Decoder decoder_;
  std::string detail_;
};

// ---------------------------------------------------------------------------
// Reject reasons: one concrete input each.

TEST_F(DecoderTest, RejectLabelsAreStableAndDistinct) {
  const char* expected[kNumRejects] = {"none",          "bad_json",           "too_large",
                                       "missing_field", "wrong_type",         "bad_value",
                                       "unknown_type",  "unknown_service",    "bad_timestamp",
                                       "duplicate_key", "too_many_locations", "late",
                                       "duplicate"};
  std::set<std::string> seen;
  for (int i = 0; i < kNumRejects; ++i) {
    EXPECT_STREQ(RejectLabel(static_cast<Reject>(i)), expected[i]);
    seen.insert(RejectLabel(static_cast<Reject>(i)));
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kNumRejects));
}

TEST_F(DecoderTest, RejectsBadJson) {
  EXPECT_EQ(Label(R"({"type":"state","service":"web",)"), "bad_json");
}

TEST_F(DecoderTest, RejectsTooLargeBeforeParsing) {
  // Not even JSON: the size check comes first.
  EXPECT_EQ(Label(std::string(kMaxBytes + 1, '[')), "too_large");
  EXPECT_EQ(detail_, "1025 bytes");
  // A valid event padded to exactly the limit is fine; one byte more is not.
  std::string event = R"({"type":"heartbeat","service":"etl"})";
  std::string at_limit = event + std::string(kMaxBytes - event.size(), ' ');
  EXPECT_EQ(Label(at_limit), "none");
  EXPECT_EQ(Label(at_limit + " "), "too_large");
}

TEST_F(DecoderTest, RejectsMissingFields) {
  EXPECT_EQ(Label(R"({"type":"state","state":"up"})"), "missing_field");
  EXPECT_EQ(detail_, "service");
  EXPECT_EQ(Label(R"({"service":"web","state":"up"})"), "missing_field");
  EXPECT_EQ(detail_, "type");
  EXPECT_EQ(Label(R"({"type":"state","service":"web"})"), "missing_field");
  EXPECT_EQ(Label(R"({"type":"outcome","service":"api","latency_ms":3})"), "missing_field");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":3})"), "missing_field");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","total":3})"), "missing_field");
  EXPECT_EQ(Label(R"({"type":"probe","service":"web","location":"eu-1"})"), "missing_field");
  EXPECT_EQ(Label(R"({})"), "missing_field");
}

TEST_F(DecoderTest, RejectsWrongTypes) {
  EXPECT_EQ(Label(R"({"type":"outcome","service":"api","good":"true"})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"outcome","service":"api","good":1})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"state","service":7,"state":"up"})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":["state"],"service":"web","state":"up"})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"state","service":"web","state":true})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":true})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":null})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"outcome","service":"api","good":true,"latency_ms":"84"})"),
            "wrong_type");
  EXPECT_EQ(Label(R"({"type":"probe","service":"web","success":"false"})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"probe","service":"web","success":true,"location":1})"), "wrong_type");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","id":42})"), "wrong_type");
}

TEST_F(DecoderTest, RejectsBadValues) {
  EXPECT_EQ(Label(R"({"type":"state","service":"web","state":"sideways"})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"state","service":"web","state":"UP"})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"outcome","service":"api","good":true,"latency_ms":-1})"),
            "bad_value");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","id":""})"), "bad_value");
}

TEST_F(DecoderTest, RejectsUnknownType) {
  EXPECT_EQ(Label(R"({"type":"gauge","service":"api","value":3})"), "unknown_type");
  EXPECT_EQ(detail_, "type \"gauge\"");
}

TEST_F(DecoderTest, RejectsUnknownService) {
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"payments"})"), "unknown_service");
  EXPECT_EQ(detail_, "service \"payments\"");
  // Names are exact: no case folding, no trimming.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"Web"})"), "unknown_service");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"web "})"), "unknown_service");
}

TEST_F(DecoderTest, RejectsBadTimestamps) {
  for (const char* ts :
       {R"("yesterday")", R"("1795766400")", R"("2026-11-27")", R"("2026-11-27T08:00:00")",
        R"("2026-02-30T08:00:00Z")", R"("2026-11-27T23:59:60Z")", R"("2026-11-27T08:00:00.Z")",
        R"("2026-11-27T08:00:00Z ")", R"("")"}) {
    EXPECT_EQ(Label(std::string(R"({"type":"heartbeat","service":"etl","ts":)") + ts + "}"),
              "bad_timestamp")
        << ts;
  }
}

TEST_F(DecoderTest, RejectsDuplicateKeys) {
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","service":"etl"})"), "duplicate_key");
  EXPECT_EQ(detail_, "key \"service\"");
}

TEST_F(DecoderTest, RejectsTooManyLocationsPerService) {
  for (size_t i = 0; i < Decoder::kMaxLocationsPerService; ++i) {
    std::string json = R"({"type":"probe","service":"web","success":true,"location":"loc-)" +
                       std::to_string(i) + R"("})";
    Signal s = Ok(json);
    EXPECT_EQ(s.location, i);
  }
  EXPECT_EQ(Label(R"({"type":"probe","service":"web","success":true,"location":"one-more"})"),
            "too_many_locations");
  // Known locations still work, and other services have their own budget.
  EXPECT_EQ(Ok(R"({"type":"probe","service":"web","success":true,"location":"loc-7"})").location,
            7u);
  EXPECT_EQ(Ok(R"({"type":"probe","service":"db","success":true,"location":"one-more"})").location,
            0u);
}

// A decoder numbering for one thread only (replay's workers) passes the names
// past its limit on instead of refusing them.
TEST_F(DecoderTest, LocalNumberingHandsOverNamesPastItsLimit) {
  decoder_.NumberLocationsLocally(2);
  auto probe = [&](const std::string& location) {
    return Ok(R"({"type":"probe","service":"web","success":true,"location":")" + location +
              R"("})");
  };
  EXPECT_EQ(probe("a").location, 0u);
  EXPECT_EQ(probe("b").location, 1u);
  EXPECT_EQ(probe("c").location, Decoder::kUnnumbered);
  EXPECT_EQ(decoder_.unnumbered_location(), "c");
  EXPECT_EQ(probe("a").location, 0u);
  EXPECT_EQ(probe("d").location, Decoder::kUnnumbered);
  EXPECT_EQ(decoder_.unnumbered_location(), "d");
  EXPECT_EQ(decoder_.Locations()["web"], (std::vector<std::string>{"a", "b"}));
}

// late and duplicate come from the Sequencer behind the decoder (replay and
// the Kafka input map its verdicts to these labels).
TEST_F(DecoderTest, LateAndDuplicateComeFromTheSequencer) {
  auto engine = slo::Engine::Create(spec_);
  ASSERT_TRUE(engine.ok());
  slo::Sequencer seq(**engine, 10 * slo::kSecond);
  auto push = [&](std::string_view json) -> std::string {
    Signal s = Ok(json);
    switch (seq.Push(s)) {
      case slo::Verdict::kAccepted:
        return RejectLabel(Reject::kNone);
      case slo::Verdict::kLate:
        return RejectLabel(Reject::kLate);
      case slo::Verdict::kDuplicate:
        return RejectLabel(Reject::kDuplicate);
    }
    return "?";
  };
  EXPECT_EQ(push(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:30Z","id":"a"})"),
            "none");
  EXPECT_EQ(push(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:20Z"})"), "none");
  EXPECT_EQ(push(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:19.999Z"})"),
            "late");
  EXPECT_EQ(push(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:25Z","id":"a"})"),
            "duplicate");
  EXPECT_EQ(push(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:25Z","id":"b"})"),
            "none");
}

// ---------------------------------------------------------------------------
// Every event type.

TEST_F(DecoderTest, StateEvents) {
  const std::pair<const char*, State> cases[] = {
      {"up", State::kUp}, {"down", State::kDown}, {"degraded", State::kDegraded}};
  for (const auto& [text, state] : cases) {
    Signal s = Ok(std::string(R"({"type":"state","service":"api","ts":"2026-11-27T08:00:00Z",)") +
                  R"("state":")" + text + R"("})");
    EXPECT_EQ(s.kind, SignalKind::kState);
    EXPECT_EQ(s.service, kApi);
    EXPECT_EQ(s.state, state) << text;
    EXPECT_EQ(s.ts, kT);
    EXPECT_EQ(s.id_hash, 0u);
  }
}

TEST_F(DecoderTest, HeartbeatEvent) {
  Signal s = Ok(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:00Z"})");
  EXPECT_EQ(s.kind, SignalKind::kHeartbeat);
  EXPECT_EQ(s.service, kEtl);
  EXPECT_EQ(s.ts, kT);
}

TEST_F(DecoderTest, OutcomeEventWithAndWithoutLatency) {
  Signal a = Ok(R"({"type":"outcome","service":"api","ts":"2026-11-27T08:00:00Z","good":true,)"
                R"("latency_ms":84.5})");
  EXPECT_EQ(a.kind, SignalKind::kOutcome);
  EXPECT_EQ(a.service, kApi);
  EXPECT_TRUE(a.good);
  EXPECT_TRUE(a.has_latency);
  EXPECT_EQ(a.latency_ms, 84.5);

  Signal b = Ok(R"({"type":"outcome","service":"api","ts":"2026-11-27T08:00:00Z","good":false})");
  EXPECT_EQ(b.kind, SignalKind::kOutcome);
  EXPECT_FALSE(b.good);
  EXPECT_FALSE(b.has_latency);

  Signal c = Ok(R"({"type":"outcome","service":"api","good":true,"latency_ms":0})");
  EXPECT_TRUE(c.has_latency);
  EXPECT_EQ(c.latency_ms, 0.0);
}

TEST_F(DecoderTest, CountsEvent) {
  Signal s = Ok(R"({"type":"counts","service":"api","ts":"2026-11-27T08:00:00Z","good":9990,)"
                R"("total":10000})");
  EXPECT_EQ(s.kind, SignalKind::kCounts);
  EXPECT_EQ(s.service, kApi);
  EXPECT_EQ(s.good_count, 9990u);
  EXPECT_EQ(s.total_count, 10000u);
  Signal all = Ok(R"({"type":"counts","service":"api","good":5,"total":5})");
  EXPECT_EQ(all.good_count, 5u);
  Signal none = Ok(R"({"type":"counts","service":"api","good":0,"total":0})");
  EXPECT_EQ(none.total_count, 0u);
}

TEST_F(DecoderTest, ProbeEventsGetDistinctLocationIndices) {
  Signal a = Ok(R"({"type":"probe","service":"web","ts":"2026-11-27T08:00:00Z","success":false,)"
                R"("latency_ms":2000,"location":"eu-1"})");
  EXPECT_EQ(a.kind, SignalKind::kProbe);
  EXPECT_EQ(a.service, kWeb);
  EXPECT_FALSE(a.good);
  EXPECT_TRUE(a.has_latency);
  EXPECT_EQ(a.latency_ms, 2000.0);
  // The event probe comes after web's two configured probes.
  EXPECT_EQ(a.probe, 2u);
  EXPECT_EQ(a.location, 0u);

  Signal b = Ok(R"({"type":"probe","service":"web","success":true,"location":"us-2"})");
  EXPECT_TRUE(b.good);
  EXPECT_FALSE(b.has_latency);
  EXPECT_EQ(b.probe, 2u);
  EXPECT_EQ(b.location, 1u);
  EXPECT_EQ(Ok(R"({"type":"probe","service":"web","success":true,"location":"eu-1"})").location,
            0u);
  EXPECT_EQ(decoder_.LocationName(kWeb, 0), "eu-1");
  EXPECT_EQ(decoder_.LocationName(kWeb, 1), "us-2");

  // Locations are per service; a service without configured probes uses index 0.
  Signal c = Ok(R"({"type":"probe","service":"db","success":true,"location":"us-2"})");
  EXPECT_EQ(c.probe, 0u);
  EXPECT_EQ(c.location, 0u);
  // No location is a location of its own ("").
  Signal d = Ok(R"({"type":"probe","service":"web","success":true})");
  EXPECT_EQ(d.location, 2u);
  EXPECT_EQ(decoder_.LocationName(kWeb, 2), "");
}

// ---------------------------------------------------------------------------
// Timestamps.

TEST_F(DecoderTest, TimestampAsRfc3339WithFractionAndOffset) {
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:00.250Z"})").ts,
            kT + 250);
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T08:00:00.5Z"})").ts,
            kT + 500);
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T09:00:00+01:00"})").ts, kT);
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T03:30:00.125-04:30"})").ts,
            kT + 125);
}

// The decoder remembers the day of the last UTC timestamp; on that day every
// variant must still parse (or be rejected) exactly as the full parser does.
TEST_F(DecoderTest, TimestampsOnTheSameDayParseLikeTheFullParser) {
  const std::vector<std::string> times = {
      "2026-11-27T08:00:00Z",    "2026-11-27T23:59:59.999Z",  "2026-11-27T00:00:00.1Z",
      "2026-11-27T08:00:00.12Z", "2026-11-27T08:00:00.1234Z", "2026-11-27T08:00:00.Z",
      "2026-11-27T24:00:00Z",    "2026-11-27T08:60:00Z",      "2026-11-27T08:00:60Z",
      "2026-11-27T08:00:00",     "2026-11-27T08:00:00.5",     "2026-11-27T08:00:00z",
      "2026-11-27t08:00:00Z",    "2026-11-27 08:00:00Z",      "2026-11-27T08:00:00+01:00",
      "2026-11-27T8:00:00Z",     "2026-11-27T08-00:00Z",      "2026-11-27T08:00:00.1a2Z",
      "2026-11-27T08:00:00xZ",   "2026-11-27T08:00:00.ZZ",    "2026-11-27T0a:00:00Z",
      "2026-11-28T08:00:00Z",    "2026-11-27T08:00:00.000Z",  "2026-11-27T08:00:00ZZ",
  };
  for (int round = 0; round < 2; ++round) {
    for (const std::string& t : times) {
      // Prime the remembered day, then decode the variant.
      Ok(R"({"type":"heartbeat","service":"etl","ts":"2026-11-27T01:02:03Z"})");
      std::optional<Millis> want = slo::ParseRfc3339(t);
      Signal out;
      std::string json = R"({"type":"heartbeat","service":"etl","ts":")" + t + R"("})";
      Reject r = decoder_.DecodeCopy(json, kKafkaTs, out, &detail_);
      if (want) {
        EXPECT_EQ(r, Reject::kNone) << t;
        EXPECT_EQ(out.ts, *want) << t;
      } else {
        EXPECT_EQ(r, Reject::kBadTimestamp) << t;
      }
    }
  }
}

TEST_F(DecoderTest, TimestampAsUnixSeconds) {
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":1795766400})").ts, kT);
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":1795766400.25})").ts, kT + 250);
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":1795766400.5})").ts, kT + 500);
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":1.7957664e9})").ts, kT);
}

TEST_F(DecoderTest, MissingTimestampUsesTheKafkaTimestamp) {
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl"})", kKafkaTs).ts, kKafkaTs);
  // The event's own ts wins over the message time.
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":1795766400})", kKafkaTs).ts, kT);
  // Without either (replay files): missing.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl"})", std::nullopt), "missing_field");
  EXPECT_EQ(detail_, "ts");
  // The Kafka time is held to the same range as the event's own.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl"})", Millis{0}), "bad_timestamp");
}

TEST_F(DecoderTest, TimestampRangeIs2000To2100) {
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":"2000-01-01T00:00:00Z"})").ts,
            946'684'800'000);
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":"1999-12-31T23:59:59.999Z"})"),
            "bad_timestamp");
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","ts":"2099-12-31T23:59:59.999Z"})").ts,
            4'102'444'799'999);
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":"2100-01-01T00:00:00Z"})"),
            "bad_timestamp");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":0})"), "bad_timestamp");
}

// ---------------------------------------------------------------------------
// Ids and unknown fields.

TEST_F(DecoderTest, IdIsHashedToANonZeroValue) {
  Signal a = Ok(R"({"type":"heartbeat","service":"etl","id":"run-1"})");
  Signal b = Ok(R"({"type":"state","service":"web","state":"up","id":"run-1"})");
  Signal c = Ok(R"({"type":"heartbeat","service":"etl","id":"run-2"})");
  Signal none = Ok(R"({"type":"heartbeat","service":"etl"})");
  EXPECT_NE(a.id_hash, 0u);
  EXPECT_EQ(a.id_hash, b.id_hash);
  EXPECT_EQ(a.id_hash, HashId("run-1"));
  EXPECT_NE(a.id_hash, c.id_hash);
  EXPECT_EQ(none.id_hash, 0u);
  // The id is compared after unescaping.
  EXPECT_EQ(Ok(R"({"type":"heartbeat","service":"etl","id":"run\u002d1"})").id_hash, a.id_hash);
  EXPECT_NE(HashId(""), 0u);
  EXPECT_NE(HashId("x"), 0u);
}

TEST_F(DecoderTest, UnknownFieldsAreIgnored) {
  Signal s = Ok(R"({"message":"deploy 42","type":"state","extra":{"a":[1,2.5,-3e2,{"b":null}],)"
                R"("c":true,"d":"\u00e9\ud83d\ude00"},"service":"web","n":null,"f":false,)"
                R"("big":99999999999999999999,"state":"down","ts":"2026-11-27T08:00:00Z"})");
  EXPECT_EQ(s.kind, SignalKind::kState);
  EXPECT_EQ(s.state, State::kDown);
  EXPECT_EQ(s.service, kWeb);
  EXPECT_EQ(s.ts, kT);
  // location on a non-probe event is read (type-checked) but unused.
  Signal h = Ok(R"({"type":"heartbeat","service":"etl","location":"eu-1","success":true})");
  EXPECT_EQ(h.kind, SignalKind::kHeartbeat);
}

TEST_F(DecoderTest, DecodeWithACallerPaddedBuffer) {
  std::string json = R"({"type":"heartbeat","service":"etl","ts":1795766400})";
  std::string buf = json + std::string(simdjson::SIMDJSON_PADDING, '\0');
  Signal s;
  EXPECT_EQ(decoder_.Decode(std::string_view(buf.data(), json.size()), buf.size(), std::nullopt, s),
            Reject::kNone);
  EXPECT_EQ(s.ts, kT);
  // Bytes after the event inside the padding are not part of it.
  std::string followed = json + "\n{\"garbage" + std::string(simdjson::SIMDJSON_PADDING, 'x');
  EXPECT_EQ(decoder_.Decode(std::string_view(followed.data(), json.size()), followed.size(),
                            std::nullopt, s),
            Reject::kNone);
  // Over the size limit before anything is read.
  std::string big(kMaxBytes + 1 + simdjson::SIMDJSON_PADDING, ' ');
  EXPECT_EQ(
      decoder_.Decode(std::string_view(big.data(), kMaxBytes + 1), big.size(), std::nullopt, s),
      Reject::kTooLarge);
}

// ---------------------------------------------------------------------------
// Hostile inputs (RELIABILITY.md).

class HostileInputTest : public DecoderTest {
 protected:
  HostileInputTest() : big_(spec_, 1 << 20) {}
  std::string BigLabel(std::string_view json) {
    Signal out;
    return RejectLabel(big_.DecodeCopy(json, kKafkaTs, out, &detail_));
  }
  Decoder big_;  // 1 MiB limit: deep documents reach the parser
};

TEST_F(HostileInputTest, DeepNestingIsRejectedWithoutCrashing) {
  constexpr int kDeep = 100'000;
  EXPECT_EQ(BigLabel(std::string(kDeep, '[') + std::string(kDeep, ']')), "bad_json");
  std::string objects;
  for (int i = 0; i < kDeep / 2; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kDeep / 2, '}');
  EXPECT_EQ(BigLabel(objects), "bad_json");
  // Inside an unknown field of an otherwise valid event.
  EXPECT_EQ(BigLabel(R"({"type":"heartbeat","service":"etl","x":)" + std::string(kDeep, '[') +
                     std::string(kDeep, ']') + "}"),
            "bad_json");
  EXPECT_EQ(BigLabel(R"({"type":"heartbeat","service":"etl","x":)" + objects + "}"), "bad_json");
  // Unbalanced deep nesting.
  EXPECT_EQ(BigLabel(R"({"type":"heartbeat","service":"etl","x":)" + std::string(kDeep, '[')),
            "bad_json");
}

TEST_F(HostileInputTest, NestingLimitIsSixteenLevels) {
  // The event object is level 1: 15 more levels are allowed, 16 more are not.
  auto event = [](int extra) {
    return R"({"type":"heartbeat","service":"etl","x":)" + std::string(extra, '[') +
           std::string(extra, ']') + "}";
  };
  EXPECT_EQ(Label(event(15)), "none");
  EXPECT_EQ(Label(event(16)), "bad_json");
}

TEST_F(HostileInputTest, DuplicateKeysAreRejected) {
  // Parsers disagree on which of the two wins.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"a","service":"b"})"), "duplicate_key");
  EXPECT_EQ(Label(R"({"type":"heartbeat","type":"state","service":"etl","state":"up"})"),
            "duplicate_key");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":1795766400,"ts":1795766401})"),
            "duplicate_key");
  // Written differently, the same key after unescaping.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","serv\u0069ce":"web"})"), "duplicate_key");
  // Unknown keys too.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","slo":"a","slo":"b"})"), "duplicate_key");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","x":1,"\u0078":1})"), "duplicate_key");
}

TEST_F(HostileInputTest, InvalidUtf8AndLoneSurrogatesAreRejected) {
  // Raw bytes: a stray continuation byte, a truncated sequence, an overlong
  // encoding and a UTF-16 surrogate encoded as UTF-8.
  for (const char* bad : {"et\xffl", "etl\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    EXPECT_EQ(Label(std::string(R"({"type":"heartbeat","service":")") + bad + "\"}"), "bad_json")
        << bad;
    EXPECT_EQ(
        Label(std::string(R"({"type":"heartbeat","service":"etl","message":")") + bad + "\"}"),
        "bad_json")
        << bad;
  }
  // Lone surrogates as escapes, in a used field, an id and an unknown field.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"\ud800"})"), "bad_json");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","id":"\udc00"})"), "bad_json");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","message":"\ud800"})"), "bad_json");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","message":"\ud800\u0041"})"), "bad_json");
  // A proper pair is fine.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","id":"\ud83d\ude00"})"), "none");
}

TEST_F(HostileInputTest, OutOfRangeNumbersAreRejected) {
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":1e400})"), "bad_timestamp");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":1,"total":1e400})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"outcome","service":"api","good":true,"latency_ms":1e400})"),
            "bad_value");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","x":1e400})"), "bad_json");
  // 99999999999999999999 does not fit: never silently 1e20.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":99999999999999999999})"),
            "bad_timestamp");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":1,"total":99999999999999999999})"),
            "bad_value");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":99999999999999999999,"total":1})"),
            "bad_value");
  // Counts are whole numbers of at most 2^40.
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":1,"total":10.5})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":-1,"total":10})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":1,"total":1099511627777})"),
            "bad_value");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":1,"total":1099511627776})"), "none");
}

TEST_F(HostileInputTest, NonJsonSyntaxIsRejected) {
  const std::string head = R"({"type":"heartbeat","service":"etl")";
  for (const std::string& bad : std::vector<std::string>{
           head + R"(,"ts":NaN})",
           head + R"(,"x":NaN})",
           head + R"(,"x":Infinity})",
           head + R"(,"x":-Infinity})",
           head + ",}",                 // trailing comma
           head + R"(,"x":[1,]})",      // trailing comma in an unknown value
           head + R"(,"x":{"a":1,}})",  // and in a nested object
           head + " /* comment */}",    // comments
           head + "} // comment",
           head + R"(,"x":1 /* c */})",
           head,  // truncated
           head.substr(0, 20),
           head + R"(,"x":")",
           head + R"(,"x":tru})",  // malformed literals in unknown values
           head + R"(,"x":nul})",
           head + R"(,"x":truex})",
           head + R"(,"x":01})",  // malformed numbers
           head + R"(,"x":1.})",
           head + R"(,"x":-})",
           head + R"(,"x":.5})",
           head + R"(,"x":"\q"})",  // bad escape
           head + R"(,"x":[}})",    // mismatched brackets
           head + R"(,"x":{]})",
           head + R"(,"x":{"a"}})",  // member without a value
           head + R"(,"x":{"a":}})",
           head + R"(,"x":'single'})",
           head + R"( "x":1})",                        // missing comma
           R"({"type" "heartbeat","service":"etl"})",  // missing colon
           R"({type:"heartbeat","service":"etl"})",    // unquoted key
           "",                                         // empty
           "   ",
       }) {
    EXPECT_EQ(Label(bad), "bad_json") << bad;
  }
}

TEST_F(HostileInputTest, NulInIdsAndLabelsIsRejected) {
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","id":"a\u0000b"})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"a\u0000b"})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl\u0000"})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"heart\u0000beat","service":"etl"})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"state","service":"web","state":"up\u0000"})"), "bad_value");
  EXPECT_EQ(Label(R"({"type":"probe","service":"web","success":true,"location":"eu\u00001"})"),
            "bad_value");
  // A raw NUL byte is not valid JSON text at all.
  static constexpr char kRawNul[] = "{\"type\":\"heartbeat\",\"service\":\"etl\0\"}";
  EXPECT_EQ(Label(std::string(kRawNul, sizeof kRawNul - 1)), "bad_json");
}

TEST_F(HostileInputTest, ByteOrderMarkIsRejected) {
  EXPECT_EQ(Label("\xEF\xBB\xBF{\"type\":\"heartbeat\",\"service\":\"etl\"}"), "bad_json");
  EXPECT_EQ(detail_, "byte-order mark");
  EXPECT_EQ(Label("\xEF\xBB\xBF"), "bad_json");
}

TEST_F(HostileInputTest, OversizedEventIsRejectedBeforeParsing) {
  std::string json =
      R"({"type":"heartbeat","service":"etl","message":")" + std::string(kMaxBytes, 'x') + "\"}";
  EXPECT_EQ(Label(json), "too_large");
  // Even when the excess is garbage that would fail to parse.
  EXPECT_EQ(Label(std::string(kMaxBytes * 4, '\xff')), "too_large");
}

TEST_F(HostileInputTest, TrailingContentIsRejected) {
  const std::string ev = R"({"type":"heartbeat","service":"etl"})";
  for (const std::string& bad :
       std::vector<std::string>{ev + " " + ev, ev + ev, ev + "}", ev + "]", ev + ",", ev + " x",
                                ev + " 1", ev + "\n" + ev}) {
    EXPECT_EQ(Label(bad), "bad_json") << bad;
  }
  // Whitespace is not content.
  EXPECT_EQ(Label(" \t" + ev + " \r\n"), "none");
}

TEST_F(HostileInputTest, NonObjectDocumentsAreRejected) {
  for (const char* bad :
       {"[1]", R"("x")", "1", "null", "true", "[]", R"([{"type":"heartbeat"}])"}) {
    EXPECT_EQ(Label(bad), "bad_json") << bad;
  }
}

TEST_F(HostileInputTest, ImplausibleTimestampsAreRejected) {
  // Milliseconds sent as seconds.
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":1795766400000})"), "bad_timestamp");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":1795766400000.0})"), "bad_timestamp");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":-1795766400})"), "bad_timestamp");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":-0.5})"), "bad_timestamp");
  EXPECT_EQ(Label(R"({"type":"heartbeat","service":"etl","ts":-0})"), "bad_timestamp");
}

TEST_F(HostileInputTest, CountsMustBeConsistent) {
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":10001,"total":10000})"), "bad_value");
  EXPECT_EQ(detail_, "good > total");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":"9990","total":10000})"),
            "wrong_type");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":9990,"total":"10000"})"),
            "wrong_type");
  EXPECT_EQ(Label(R"({"type":"counts","service":"api","good":true,"total":1})"), "wrong_type");
}

// ---------------------------------------------------------------------------
// Random mutations of valid events: never a crash, always a labelled answer,
// the same answer from the DOM fast path as from the on-demand walk, and
// what is accepted is a well-formed signal.

TEST_F(DecoderTest, RandomMutationsNeverCrash) {
  const std::vector<std::string> seeds = {
      R"({"type":"state","service":"web","ts":"2026-11-27T08:00:00.250Z","state":"degraded"})",
      R"({"type":"heartbeat","service":"etl","ts":1795766400.25,"id":"run-1"})",
      R"({"type":"outcome","service":"api","ts":"2026-11-27T08:00:00Z","good":true,"latency_ms":84.5})",
      R"({"type":"counts","service":"api","ts":1795766400,"good":9990,"total":10000})",
      R"({"type":"probe","service":"web","ts":"2026-11-27T09:00:00+01:00","success":false,)"
      R"("latency_ms":2000,"location":"eu-1"})",
      R"({"type":"state","service":"db","state":"up","message":"a\"b\\c\u00e9","x":[1,{"y":null}]})",
  };
  static constexpr char kInteresting[] =
      "{}[]\",:\\ 0123456789-+.eEtrufalsn\x00\x7f\x80\xbf\xc3\xed\xff";
  const std::string interesting(kInteresting, sizeof kInteresting - 1);
  std::mt19937_64 rng(20261127);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::array<int, kNumRejects> count{};
  Decoder slow(spec_, kMaxBytes);
  slow.DisableFastPathForTests();
  auto SameSignal = [](const Signal& a, const Signal& b) {
    return a.ts == b.ts && a.service == b.service && a.kind == b.kind && a.state == b.state &&
           a.good == b.good && a.has_latency == b.has_latency && a.probe == b.probe &&
           a.location == b.location && a.latency_ms == b.latency_ms &&
           a.good_count == b.good_count && a.total_count == b.total_count && a.id_hash == b.id_hash;
  };
  for (int i = 0; i < 20'000; ++i) {
    std::string s = seeds[pick(seeds.size())];
    int edits = 1 + static_cast<int>(pick(4));
    for (int e = 0; e < edits && !s.empty(); ++e) {
      switch (pick(5)) {
        case 0:  // flip one bit
          s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
          break;
        case 1:  // replace a byte
          s[pick(s.size())] = interesting[pick(interesting.size())];
          break;
        case 2:  // insert a byte
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(pick(s.size() + 1)),
                   interesting[pick(interesting.size())]);
          break;
        case 3:  // truncate
          s.resize(pick(s.size() + 1));
          break;
        case 4: {  // duplicate a slice
          size_t a = pick(s.size()), n = 1 + pick(std::min<size_t>(16, s.size() - a));
          s.insert(pick(s.size() + 1), s.substr(a, n));
          break;
        }
      }
    }
    Signal out;
    std::string detail;
    std::optional<Millis> def = (i % 2) ? std::optional<Millis>(kKafkaTs) : std::nullopt;
    Reject r = decoder_.DecodeCopy(s, def, out, &detail);
    // The DOM fast path and the on-demand walk agree on every input.
    Signal slow_out;
    std::string slow_detail;
    ASSERT_EQ(RejectLabel(slow.DecodeCopy(s, def, slow_out, &slow_detail)), RejectLabel(r)) << s;
    ASSERT_EQ(slow_detail, detail) << s;
    ASSERT_TRUE(SameSignal(slow_out, out)) << s;
    int ri = static_cast<int>(r);
    ASSERT_GE(ri, 0);
    ASSERT_LT(ri, kNumRejects);
    ASSERT_NE(r, Reject::kLate) << "the decoder never decides lateness";
    ASSERT_NE(r, Reject::kDuplicate);
    ++count[static_cast<size_t>(ri)];
    if (r != Reject::kNone) {
      ASSERT_FALSE(detail.empty()) << RejectLabel(r) << " without detail for " << s;
      continue;
    }
    // Accepted: a signal the engine can take.
    ASSERT_LT(out.service, spec_.services.size()) << s;
    ASSERT_GE(out.ts, 946'684'800'000) << s;
    ASSERT_LT(out.ts, 4'102'444'800'000) << s;
    if (out.kind == SignalKind::kProbe) {
      ASSERT_EQ(out.probe, spec_.services[out.service].probes.size()) << s;
      ASSERT_LT(out.location, Decoder::kMaxLocationsPerService) << s;
    }
    if (out.kind == SignalKind::kCounts) {
      ASSERT_LE(out.good_count, out.total_count) << s;
    }
    if (out.has_latency) {
      ASSERT_GE(out.latency_ms, 0) << s;
    }
  }
  // The mutations reach both sides: some survive, most are rejected.
  EXPECT_GT(count[static_cast<size_t>(Reject::kNone)], 200);
  EXPECT_GT(count[static_cast<size_t>(Reject::kBadJson)], 5'000);
}

}  // namespace
}  // namespace ninesd::events

namespace ninesd::events {
namespace {

// Location numbers name probe sources in the core's saved state: a decoder
// seeded from another's table (a restart, a reload) numbers them the same,
// whatever order the locations then arrive in.
TEST_F(DecoderTest, SeededLocationsKeepTheirNumbers) {
  auto probe = [&](Decoder& d, const char* svc, const char* loc) {
    std::string json = std::string(R"({"type":"probe","service":")") + svc +
                       R"(","success":true,"location":")" + loc + "\"}";
    Signal s;
    EXPECT_EQ(d.DecodeCopy(json, kKafkaTs, s), Reject::kNone) << json;
    return s.location;
  };
  EXPECT_EQ(probe(decoder_, "web", "eu-1"), 0u);
  EXPECT_EQ(probe(decoder_, "web", "us-1"), 1u);
  EXPECT_EQ(probe(decoder_, "db", "us-1"), 0u);
  uint64_t version = decoder_.locations_version();
  EXPECT_EQ(probe(decoder_, "web", "eu-1"), 0u);
  EXPECT_EQ(decoder_.locations_version(), version);  // nothing new

  LocationTable table = decoder_.Locations();
  EXPECT_EQ(table, (LocationTable{{"db", {"us-1"}}, {"web", {"eu-1", "us-1"}}}));
  std::string saved = EncodeLocations(table);
  auto loaded = DecodeLocations(saved);
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(*loaded, table);

  // A new decoder (after a restart) sees us-1 first and still calls it 1.
  Decoder next(spec_, kMaxBytes);
  (*loaded)["gone"] = {"x"};  // a service no longer configured is skipped
  next.SeedLocations(*loaded);
  EXPECT_EQ(probe(next, "web", "us-1"), 1u);
  EXPECT_EQ(probe(next, "web", "ap-1"), 2u);
  EXPECT_EQ(probe(next, "api", "ap-1"), 0u);
  EXPECT_EQ(next.Locations().count("gone"), 0u);
}

TEST(LocationTableTest, NamesWithAnyBytesRoundTripAndDamageIsRefused) {
  LocationTable table{{"svc:with,colons", {"", "a,b", std::string("nul\0inside", 10), "é"}},
                      {"other", {}}};
  std::string text = EncodeLocations(table);
  auto back = DecodeLocations(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, table);
  EXPECT_EQ(DecodeLocations("")->size(), 0u);
  for (size_t cut = 1; cut < text.size(); ++cut) {
    auto partial = DecodeLocations(std::string_view(text).substr(0, cut));
    // A cut between two whole services decodes to the first; anything else fails.
    if (partial) {
      EXPECT_LT(partial->size(), table.size()) << cut;
    }
  }
  EXPECT_FALSE(DecodeLocations("3:abc;").has_value());
  EXPECT_FALSE(DecodeLocations("x:abc,").has_value());
  EXPECT_FALSE(DecodeLocations("3:web,1:5,").has_value());  // five promised, none there
  EXPECT_FALSE(DecodeLocations("99999999999:a,").has_value());
}

}  // namespace
}  // namespace ninesd::events
