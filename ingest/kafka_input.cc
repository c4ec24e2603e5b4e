#include "ingest/kafka_input.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "ingest/ingest_metrics.h"
#include "simdjson.h"

namespace ninesd::ingest {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kRejectLogInterval{10'000};
constexpr milliseconds kErrorLogInterval{10'000};
constexpr milliseconds kLagInterval{1'000};
constexpr int kDeadLetterFlushMs = 10'000;
constexpr int kWatermarkTimeoutMs = 5'000;
constexpr size_t kMaxDetailHeader = 200;

std::shared_ptr<spdlog::logger> Log() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    if (auto l = spdlog::get("ingest")) return l;
    try {
      return spdlog::stderr_logger_mt("ingest");
    } catch (const spdlog::spdlog_ex&) {
      return spdlog::get("ingest");  // registered by another thread meanwhile
    }
  }();
  return logger;
}

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

Status Set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value,
           const std::string& origin) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    return Error{origin + key + ": " + err};
  }
  return Ok{};
}

// The pass-through properties with every NAME_file resolved to NAME = content.
Result<std::map<std::string, std::string>> ResolveProperties(
    const std::map<std::string, std::string>& props) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : props) {
    if (key.size() > 5 && key.ends_with("_file")) {
      std::ifstream in(value, std::ios::binary);
      if (!in) {
        return Error{"kafka.properties: " + key + ": cannot read " + value + ": " +
                     std::strerror(errno)};
      }
      std::ostringstream text;
      text << in.rdbuf();
      std::string content = text.str();
      while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
        content.pop_back();
      }
      out[key.substr(0, key.size() - 5)] = std::move(content);
    } else {
      out[key] = value;
    }
  }
  return out;
}

void LogCallback(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  // librdkafka's own lines (connection refused, ...), at their syslog level.
  if (level <= 3) {
    Log()->error("librdkafka {}: {}", fac, buf);
  } else if (level == 4) {
    Log()->warn("librdkafka {}: {}", fac, buf);
  } else if (level <= 6) {
    Log()->info("librdkafka {}: {}", fac, buf);
  } else {
    Log()->debug("librdkafka {}: {}", fac, buf);
  }
}

using Settings = std::vector<std::pair<std::string, std::string>>;

// A configuration for one of the input's librdkafka handles: its log and
// callbacks reach `self`; `defaults` may be overridden by the pass-through
// `props` (security settings reach every handle), `owned` may not (the
// config loader refuses those keys already).
Result<ConfPtr> MakeConf(void* self, const Settings& defaults,
                         const std::map<std::string, std::string>& props, const Settings& owned) {
  ConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_opaque(conf.get(), self);
  rd_kafka_conf_set_log_cb(conf.get(), LogCallback);
  for (const auto& [k, v] : defaults) {
    if (Status s = Set(conf.get(), k, v, "kafka: "); !s) return s.error();
  }
  for (const auto& [k, v] : props) {
    if (Status s = Set(conf.get(), k, v, "kafka.properties: "); !s) return s.error();
  }
  for (const auto& [k, v] : owned) {
    if (Status s = Set(conf.get(), k, v, "kafka: "); !s) return s.error();
  }
  return conf;
}

std::string Excerpt(std::string_view s) {
  std::string out(s.substr(0, kMaxDetailHeader));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return out;
}

}  // namespace

struct KafkaInput::Slot {
  std::string topic;
  int32_t partition = 0;
  size_t topic_index = 0;
  int64_t start = RD_KAFKA_OFFSET_BEGINNING;  // where reading (re)started
  int64_t next = -1;  // offset after the last message taken; -1: none taken, position unknown
  bool reset_pending = false;  // position was moved to the log start: measure the gap
  bool at_end = false;         // read to the end (last event was a partition EOF)
  prometheus::Gauge* lag = nullptr;
  prometheus::Counter* gap = nullptr;
  prometheus::Counter* resets = nullptr;
};

struct KafkaInput::TopicState {
  std::string name;
  rd_kafka_topic_t* rkt = nullptr;  // as seen on messages (not owned)
  std::vector<int> slot_of_partition;
  prometheus::Counter* consumed = nullptr;
  uint32_t batch_messages = 0;
};

KafkaInputOptions KafkaInputOptions::FromConfig(const config::KafkaConfig& kafka,
                                                std::string bootstrap) {
  KafkaInputOptions o;
  o.bootstrap = std::move(bootstrap);
  o.group_id = kafka.group_id;
  o.topics = kafka.topics;
  o.dead_letter_topic = kafka.dead_letter_topic;
  o.max_event_bytes = static_cast<size_t>(kafka.max_event_bytes);
  o.properties = kafka.properties;
  return o;
}

KafkaInput::KafkaInput(KafkaInputOptions options, Sink sink, IngestMetrics& metrics)
    : options_(std::move(options)), sink_(std::move(sink)), metrics_(metrics) {}

Result<std::unique_ptr<KafkaInput>> KafkaInput::Create(const slo::ModelSpec& model,
                                                       KafkaInputOptions options, Sink sink,
                                                       IngestMetrics& metrics) {
  if (options.topics.empty()) return Error{"kafka: no topics to read"};
  if (options.bootstrap.empty()) return Error{"kafka: no bootstrap servers"};
  auto props = ResolveProperties(options.properties);
  if (!props) return props.error();

  std::unique_ptr<KafkaInput> in(new KafkaInput(std::move(options), std::move(sink), metrics));
  const KafkaInputOptions& o = in->options_;

  // Consumer.
  auto made =
      MakeConf(in.get(),
               {
                   {"isolation.level", "read_committed"},
                   {"log.connection.close", "false"},
                   // Back within a second of a broker's return (librdkafka: up to 10 s).
                   {"reconnect.backoff.max.ms", "1000"},
                   // librdkafka 2.0 stops fetching while the consumer queue
                   // holds this many messages (all partitions together) and
                   // looks again only on its 1 s timer: at 100 000 (its
                   // default) a backlog is read at half speed, in bursts.
                   // 500 000 (~0.5 s of decoding) keeps it fetching; the
                   // bytes cap (queued.max.messages.kbytes) still bounds it.
                   {"queued.min.messages", "500000"},
               },
               *props,
               {
                   {"bootstrap.servers", o.bootstrap},
                   {"group.id", o.group_id},
                   {"client.id", o.client_id},
                   {"enable.auto.commit", "false"},
                   {"enable.auto.offset.store", "false"},
                   // Out of range is ours to handle: a data gap is counted,
                   // never skipped silently.
                   {"auto.offset.reset", "error"},
                   // End-of-partition events tell the owner when the backlog is read.
                   {"enable.partition.eof", "true"},
                   {"statistics.interval.ms", std::to_string(o.statistics_interval.count())},
               });
  if (!made) return made.error();
  ConfPtr conf = std::move(*made);
  rd_kafka_conf_set_stats_cb(conf.get(), [](rd_kafka_t*, char* json, size_t len, void* self) {
    static_cast<KafkaInput*>(self)->OnStats(json, len);
    return 0;  // librdkafka frees json
  });
  rd_kafka_conf_set_error_cb(conf.get(), [](rd_kafka_t*, int err, const char* reason, void* self) {
    static_cast<KafkaInput*>(self)->OnError(err, reason);
  });
  rd_kafka_conf_set_offset_commit_cb(
      conf.get(), [](rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                     void* self) {
        int failed = err != RD_KAFKA_RESP_ERR_NO_ERROR;
        for (int i = 0; !failed && offsets != nullptr && i < offsets->cnt; ++i) {
          failed = offsets->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        static_cast<KafkaInput*>(self)->OnCommit(failed ? (err ? err : 1) : 0);
      });
  char err[512];
  in->consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
  if (in->consumer_ == nullptr) return Error{std::string("kafka: cannot create consumer: ") + err};
  conf.release();  // owned by the handle now
  // Stats, errors and commit results arrive through consumer_poll.
  rd_kafka_poll_set_consumer(in->consumer_);

  if (!o.dead_letter_topic.empty()) {
    // Consumer-only pass-through keys are accepted by librdkafka on a
    // producer with a warning; the security ones are what matters here.
    auto pmade = MakeConf(in.get(), {{"log.connection.close", "false"}}, *props,
                          {{"bootstrap.servers", o.bootstrap},
                           {"client.id", o.client_id + "-dead-letter"},
                           {"reconnect.backoff.max.ms", "1000"},
                           {"linger.ms", "5"}});
    if (!pmade) return pmade.error();
    ConfPtr pconf = std::move(*pmade);
    rd_kafka_conf_set_dr_msg_cb(pconf.get(),
                                [](rd_kafka_t*, const rd_kafka_message_t* m, void* self) {
                                  static_cast<KafkaInput*>(self)->OnDeadLetterDelivered(m->err);
                                });
    in->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, pconf.get(), err, sizeof err);
    if (in->producer_ == nullptr) {
      return Error{std::string("kafka: cannot create dead-letter producer: ") + err};
    }
    pconf.release();

    // A consumer of its own for refused messages: assigned one partition at
    // a time at their offsets, never committing.
    auto rmade = MakeConf(in.get(), {}, *props,
                          {{"bootstrap.servers", o.bootstrap},
                           {"group.id", o.group_id + "-dead-letter"},
                           {"client.id", o.client_id + "-dead-letter"},
                           {"log.connection.close", "false"},
                           {"reconnect.backoff.max.ms", "1000"},
                           {"enable.auto.commit", "false"},
                           {"enable.auto.offset.store", "false"},
                           {"auto.offset.reset", "error"},
                           {"enable.partition.eof", "true"}});
    if (!rmade) return rmade.error();
    ConfPtr rconf = std::move(*rmade);
    in->refetch_ = rd_kafka_new(RD_KAFKA_CONSUMER, rconf.get(), err, sizeof err);
    if (in->refetch_ == nullptr) {
      return Error{std::string("kafka: cannot create dead-letter reader: ") + err};
    }
    rconf.release();
    rd_kafka_poll_set_consumer(in->refetch_);
  }

  in->decoder_ = std::make_unique<events::Decoder>(model, o.max_event_bytes);
  in->decoder_->SeedLocations(o.locations);
  in->locations_ = in->decoder_->Locations();
  in->locations_version_ = in->decoder_->locations_version();
  in->buf_.resize(o.max_event_bytes + simdjson::SIMDJSON_PADDING);
  in->batch_.signals.reserve(o.max_batch_signals);
  return in;
}

KafkaInput::~KafkaInput() {
  Stop();
  if (consumer_ != nullptr) {
    {
      std::lock_guard lock(commit_mu_);
      closed_ = true;
    }
    rd_kafka_destroy(consumer_);
  }
  if (refetch_ != nullptr) {
    rd_kafka_consumer_close(refetch_);
    rd_kafka_destroy(refetch_);
  }
  if (producer_ != nullptr) rd_kafka_destroy(producer_);
}

void KafkaInput::Start() {
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void KafkaInput::Stop() {
  stop_.store(true);
  flow_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void KafkaInput::SleepFor(milliseconds d) {
  // Serves callbacks (stats, errors) while waiting; returns early on Stop().
  auto until = Clock::now() + d;
  while (!stop_.load(std::memory_order_relaxed) && Clock::now() < until) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 100);
    if (m != nullptr) rd_kafka_message_destroy(m);  // nothing is assigned yet
  }
}

bool KafkaInput::WaitForPartitions() {
  auto next_log = Clock::now();
  while (!stop_.load()) {
    // All topics: asking for one by name makes some brokers (the mock
    // cluster, auto.create.topics.enable) create it with default settings.
    std::vector<std::pair<std::string, int>> found;
    std::string problem;
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_metadata(consumer_, 1, nullptr, &md, kWatermarkTimeoutMs);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      problem = std::string("error=\"") + rd_kafka_err2str(e) + "\"";
    } else {
      for (const std::string& t : options_.topics) {
        const rd_kafka_metadata_topic_t* mt = nullptr;
        for (int i = 0; i < md->topic_cnt; ++i) {
          if (t == md->topics[i].topic) mt = &md->topics[i];
        }
        if (mt == nullptr) {
          problem = "topic=" + t + " error=\"no such topic\"";
        } else if (mt->err != RD_KAFKA_RESP_ERR_NO_ERROR || mt->partition_cnt == 0) {
          problem = "topic=" + t + " error=\"" + rd_kafka_err2str(mt->err) + "\"";
        } else {
          found.emplace_back(t, mt->partition_cnt);
          continue;
        }
        break;
      }
    }
    if (md != nullptr) rd_kafka_metadata_destroy(md);
    if (problem.empty()) {
      for (auto& [name, count] : found) {
        TopicState ts;
        ts.name = name;
        ts.consumed = &metrics_.Consumed(name);
        ts.slot_of_partition.assign(static_cast<size_t>(count), -1);
        for (int p = 0; p < count; ++p) {
          Slot s;
          s.topic = name;
          s.partition = p;
          s.topic_index = topics_.size();
          s.lag = &metrics_.Lag(name, p);
          s.gap = &metrics_.DataGap(name, p);
          s.resets = &metrics_.OffsetResets(name, p);
          ts.slot_of_partition[static_cast<size_t>(p)] = static_cast<int>(slots_.size());
          slots_.push_back(std::move(s));
        }
        topics_.push_back(std::move(ts));
      }
      return true;
    }
    if (Clock::now() >= next_log) {
      Log()->warn("kafka topic not available, retrying {}", problem);
      next_log = Clock::now() + kErrorLogInterval;
    }
    SleepFor(options_.metadata_retry);
  }
  return false;
}

void KafkaInput::Assign() {
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(slots_.size())));
  for (Slot& s : slots_) {
    auto it = options_.start_offsets.find(TopicPartition{s.topic, s.partition});
    if (it != options_.start_offsets.end() && it->second >= 0) {
      s.start = it->second;
      s.next = it->second;
      int64_t lo = 0, hi = 0;
      rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
          consumer_, s.topic.c_str(), s.partition, &lo, &hi, kWatermarkTimeoutMs);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR && s.start < lo) {
        // Retention deleted messages this instance never read.
        s.gap->Increment(static_cast<double>(lo - s.start));
        Log()->error("kafka data gap topic={} partition={} stored_offset={} log_start={} lost={}",
                     s.topic, s.partition, s.start, lo, lo - s.start);
        s.start = lo;
        s.next = lo;
      } else if (e == RD_KAFKA_RESP_ERR_NO_ERROR && s.start > hi) {
        // Handled as an out-of-range position once fetching starts.
        Log()->error(
            "kafka stored offset beyond the log end topic={} partition={} "
            "stored_offset={} log_end={} (topic recreated?)",
            s.topic, s.partition, s.start, hi);
      } else if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Log()->warn("kafka watermark query failed topic={} partition={} error=\"{}\"", s.topic,
                    s.partition, rd_kafka_err2str(e));
      }
    }
    rd_kafka_topic_partition_list_add(list.get(), s.topic.c_str(), s.partition)->offset = s.start;
  }
  // One assign with the offsets set inside it (never assign, then seek).
  rd_kafka_resp_err_t e = rd_kafka_assign(consumer_, list.get());
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log()->error("kafka assign failed error=\"{}\"", rd_kafka_err2str(e));
  }
  {
    std::lock_guard lock(positions_mu_);
    for (const Slot& s : slots_) start_positions_[TopicPartition{s.topic, s.partition}] = s.start;
  }
  Log()->info("kafka partitions assigned topics={} partitions={}", topics_.size(), slots_.size());
  assigned_.store(true, std::memory_order_release);
}

events::LocationTable KafkaInput::locations() const {
  std::lock_guard lock(positions_mu_);
  return locations_;
}

OffsetMap KafkaInput::start_positions() const {
  std::lock_guard lock(positions_mu_);
  return start_positions_;
}

void KafkaInput::Run() {
  if (!WaitForPartitions()) {
    std::lock_guard lock(commit_mu_);
    closed_ = true;
    return;
  }
  Assign();
  batch_next_.assign(slots_.size(), -1);
  next_lag_update_ = Clock::now();
  while (!stop_.load(std::memory_order_relaxed)) {
    if (batch_.messages == 0) {
      std::lock_guard lock(model_mu_);
      if (next_decoder_) {
        // Location numbers carry over: the core's sources keep their names.
        next_decoder_->SeedLocations(decoder_->Locations());
        decoder_ = std::move(next_decoder_);
        generation_ = next_generation_;
      }
    }
    // A poll that may wait reads the clock several times inside librdkafka
    // (and the batch deadline here): try without waiting first, and wait
    // only when the queue is empty.
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 0);
    if (m == nullptr) {
      int timeout_ms = 100;
      if (batch_.messages > 0) {
        auto left = std::chrono::duration_cast<milliseconds>(batch_deadline_ - Clock::now());
        timeout_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 100));
      }
      if (timeout_ms > 0) m = rd_kafka_consumer_poll(consumer_, timeout_ms);
    }
    if (m != nullptr) {
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        HandleError(m);
      } else {
        HandleMessage(m);
      }
      rd_kafka_message_destroy(m);
    }
    // The clock and the producer's queue are looked at every 64 messages
    // (and whenever Kafka is quiet), not per message: both cost as much as
    // decoding an event.
    bool housekeeping = m == nullptr || (++polls_ & 63u) == 0;
    Clock::time_point now = housekeeping ? Clock::now() : Clock::time_point{};
    if (batch_.messages > 0 &&
        (m == nullptr || batch_.signals.size() >= options_.max_batch_signals ||
         (housekeeping && now >= batch_deadline_))) {
      Flush();
    } else if (batch_.messages == 0 && !sent_caught_up_ && slots_at_end_ == slots_.size()) {
      Flush();  // nothing new, but the owner learns the backlog is read
    }
    if (housekeeping) {
      if (refused_pending_.load(std::memory_order_relaxed)) DrainRefused();
      if (producer_ != nullptr) rd_kafka_poll(producer_, 0);
      if (now >= next_lag_update_) UpdateLag();
    }
  }
  if (batch_.messages > 0) Flush();
  DrainRefused();
  {
    std::lock_guard lock(commit_mu_);
    closed_ = true;
  }
  rd_kafka_consumer_close(consumer_);
  if (producer_ != nullptr && rd_kafka_flush(producer_, kDeadLetterFlushMs) != 0) {
    Log()->warn("kafka dead-letter messages undelivered at stop count={}",
                rd_kafka_outq_len(producer_));
  }
  metrics_.connected().Set(0);
  connected_.store(false);
}

size_t KafkaInput::SlotOf(rd_kafka_message_t* m) {
  TopicState* t = nullptr;
  if (last_topic_ < topics_.size() && topics_[last_topic_].rkt == m->rkt) {
    t = &topics_[last_topic_];
  } else {
    const char* name = rd_kafka_topic_name(m->rkt);
    for (size_t i = 0; i < topics_.size(); ++i) {
      if (topics_[i].rkt == m->rkt || topics_[i].name == name) {
        topics_[i].rkt = m->rkt;
        last_topic_ = i;
        t = &topics_[i];
        break;
      }
    }
  }
  if (t == nullptr || m->partition < 0 ||
      static_cast<size_t>(m->partition) >= t->slot_of_partition.size()) {
    return slots_.size();  // not ours (cannot happen with assign())
  }
  return static_cast<size_t>(t->slot_of_partition[static_cast<size_t>(m->partition)]);
}

void KafkaInput::HandleMessage(rd_kafka_message_t* m) {
  size_t si = SlotOf(m);
  if (si >= slots_.size()) return;
  Slot& s = slots_[si];
  if (s.reset_pending) {
    s.reset_pending = false;
    if (s.next >= 0 && m->offset > s.next) {
      s.gap->Increment(static_cast<double>(m->offset - s.next));
      Log()->error("kafka data gap topic={} partition={} expected_offset={} log_start={} lost={}",
                   s.topic, s.partition, s.next, m->offset, m->offset - s.next);
    }
  }
  if (s.at_end) {
    s.at_end = false;
    --slots_at_end_;
  }
  s.next = m->offset + 1;
  batch_next_[si] = s.next;
  ++topics_[s.topic_index].batch_messages;
  if (batch_.messages++ == 0) batch_deadline_ = Clock::now() + options_.max_batch_delay;

  if (m->len > options_.max_event_bytes) {
    Reject(m, si, events::Reject::kTooLarge,
           "size " + std::to_string(m->len) + " over " + std::to_string(options_.max_event_bytes));
    return;
  }
  if (m->len > 0) std::memcpy(buf_.data(), m->payload, m->len);
  rd_kafka_timestamp_type_t tstype;
  int64_t ts = rd_kafka_message_timestamp(m, &tstype);
  std::optional<slo::Millis> default_ts;
  if (ts >= 0) default_ts = ts;
  slo::Signal sig;
  events::Reject r = decoder_->Decode(std::string_view(buf_.data(), m->len), buf_.size(),
                                      default_ts, sig, &detail_);
  if (r == events::Reject::kNone) {
    batch_.signals.push_back(sig);
    if (producer_ != nullptr) {
      batch_.sources.push_back(MessageRef{static_cast<uint32_t>(si), m->offset});
    }
  } else {
    Reject(m, si, r, detail_);
  }
}

void KafkaInput::Reject(rd_kafka_message_t* m, size_t slot, events::Reject reason,
                        const std::string& detail) {
  const Slot& s = slots_[slot];
  ++batch_.rejected[static_cast<size_t>(reason)];
  RateLimit& rl = reject_log_[static_cast<size_t>(reason)];
  auto now = Clock::now();
  if (now >= rl.next) {
    Log()->warn(
        "event rejected reason={} topic={} partition={} offset={} detail=\"{}\" "
        "suppressed={}",
        events::RejectLabel(reason), s.topic, s.partition, m->offset, Excerpt(detail),
        rl.suppressed);
    rl.suppressed = 0;
    rl.next = now + kRejectLogInterval;
  } else {
    ++rl.suppressed;
  }
  if (producer_ != nullptr) ProduceDeadLetter(m, slot, reason, detail);
}

void KafkaInput::ProduceDeadLetter(const rd_kafka_message_t* m, size_t slot, events::Reject reason,
                                   const std::string& detail) {
  const Slot& s = slots_[slot];
  rd_kafka_headers_t* hdrs = nullptr;
  rd_kafka_headers_t* orig = nullptr;
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_t*>(m), &orig) ==
          RD_KAFKA_RESP_ERR_NO_ERROR &&
      orig != nullptr) {
    hdrs = rd_kafka_headers_copy(orig);
  } else {
    hdrs = rd_kafka_headers_new(6);
  }
  std::string partition = std::to_string(s.partition);
  std::string offset = std::to_string(m->offset);
  std::string excerpt = Excerpt(detail);
  const char* label = events::RejectLabel(reason);
  rd_kafka_header_add(hdrs, "ninesd.reason", -1, label, -1);
  rd_kafka_header_add(hdrs, "ninesd.detail", -1, excerpt.data(),
                      static_cast<ssize_t>(excerpt.size()));
  rd_kafka_header_add(hdrs, "ninesd.source.topic", -1, s.topic.data(),
                      static_cast<ssize_t>(s.topic.size()));
  rd_kafka_header_add(hdrs, "ninesd.source.partition", -1, partition.data(),
                      static_cast<ssize_t>(partition.size()));
  rd_kafka_header_add(hdrs, "ninesd.source.offset", -1, offset.data(),
                      static_cast<ssize_t>(offset.size()));
  // Bounded retry on a full local queue (the broker is slow or away).
  for (int attempt = 0; attempt < 100; ++attempt) {
    rd_kafka_resp_err_t e = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(options_.dead_letter_topic.c_str()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(m->payload, m->len),
        RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return;  // headers now owned by librdkafka
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      Log()->error("kafka dead-letter produce failed error=\"{}\"", rd_kafka_err2str(e));
      break;
    }
    rd_kafka_poll(producer_, 100);
  }
  rd_kafka_headers_destroy(hdrs);
  metrics_.dead_letter_failed().Increment();
}

void KafkaInput::DeadLetterRefused(std::vector<RefusedMessage> refused) {
  if (producer_ == nullptr || refused.empty()) return;
  std::lock_guard lock(refused_mu_);
  refused_.insert(refused_.end(), refused.begin(), refused.end());
  refused_pending_.store(true, std::memory_order_relaxed);
}

void KafkaInput::DrainRefused() {
  std::vector<RefusedMessage> todo;
  {
    std::lock_guard lock(refused_mu_);
    todo.swap(refused_);
    refused_pending_.store(false, std::memory_order_relaxed);
  }
  if (todo.empty() || refetch_ == nullptr) return;
  const auto started = Clock::now();
  std::sort(todo.begin(), todo.end(), [](const RefusedMessage& a, const RefusedMessage& b) {
    return a.message.slot != b.message.slot ? a.message.slot < b.message.slot
                                            : a.message.offset < b.message.offset;
  });
  for (size_t i = 0; i < todo.size();) {
    size_t j = i;
    while (j < todo.size() && todo[j].message.slot == todo[i].message.slot) ++j;
    if (todo[i].message.slot < slots_.size()) {
      RefetchInto(todo[i].message.slot, std::span(todo).subspan(i, j - i));
    } else {
      metrics_.dead_letter_failed().Increment(static_cast<double>(j - i));
    }
    i = j;
  }
  if (rd_kafka_flush(producer_, kDeadLetterFlushMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log()->warn("kafka dead-letter delivery still pending after {} ms count={}", kDeadLetterFlushMs,
                rd_kafka_outq_len(producer_));
  }
  Log()->info("kafka dead-letter re-read of refused events count={} seconds={:.3f}", todo.size(),
              std::chrono::duration<double>(Clock::now() - started).count());
}

// Reads the partition again from the first wanted offset and copies the
// wanted messages; a far jump seeks instead of reading through. Bounded:
// messages gone meanwhile (retention) or a broker away past the deadline
// count as failed dead letters.
void KafkaInput::RefetchInto(size_t slot, std::span<const RefusedMessage> wanted) {
  constexpr int64_t kReadThrough = 1000;
  const Slot& s = slots_[slot];
  auto assign_at = [&](int64_t offset) {
    ListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), s.topic.c_str(), s.partition)->offset = offset;
    rd_kafka_assign(refetch_, list.get());
  };
  size_t next = 0;
  assign_at(wanted[0].message.offset);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (next < wanted.size() && Clock::now() < deadline && !stop_.load()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(refetch_, 100);
    if (m == nullptr) continue;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const rd_kafka_resp_err_t err = m->err;
      if (err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        Log()->warn("kafka dead-letter reader topic={} partition={} error=\"{}\"", s.topic,
                    s.partition, rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
      if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
      if (err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
          err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
        // This one is gone (retention): count it, try the next.
        metrics_.dead_letter_failed().Increment();
        if (++next < wanted.size()) assign_at(wanted[next].message.offset);
      }
      continue;
    }
    int64_t at = m->offset;
    while (next < wanted.size() && wanted[next].message.offset < at) {
      metrics_.dead_letter_failed().Increment();  // gone (retention, compaction)
      ++next;
    }
    while (next < wanted.size() && wanted[next].message.offset == at) {
      const events::Reject r = wanted[next].reason;
      ProduceDeadLetter(m, slot, r, events::SequencerDetail(r));
      ++next;
    }
    rd_kafka_message_destroy(m);
    if (next < wanted.size() && wanted[next].message.offset - at > kReadThrough) {
      assign_at(wanted[next].message.offset);
    }
  }
  if (next < wanted.size()) {
    metrics_.dead_letter_failed().Increment(static_cast<double>(wanted.size() - next));
    Log()->warn("kafka dead-letter copies not made topic={} partition={} count={}", s.topic,
                s.partition, wanted.size() - next);
  }
  rd_kafka_assign(refetch_, nullptr);
}

void KafkaInput::HandleError(rd_kafka_message_t* m) {
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    size_t si = SlotOf(m);
    if (si < slots_.size() && !slots_[si].at_end) {
      slots_[si].at_end = true;
      ++slots_at_end_;
    }
    return;
  }
  if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET && m->rkt != nullptr) {
    size_t si = SlotOf(m);
    if (si < slots_.size()) {
      Slot& s = slots_[si];
      s.resets->Increment();
      Log()->error(
          "kafka position out of range topic={} partition={} offset={} error=\"{}\"; "
          "reading from the log start",
          s.topic, s.partition, s.next, rd_kafka_message_errstr(m));
      // The partition stopped fetching. Re-assign everything at the
      // positions already taken (explicit offsets: no committed-offset
      // lookup), this one from its log start; the first message read then
      // measures the gap.
      s.reset_pending = true;
      for (Slot& x : slots_) x.at_end = false;
      slots_at_end_ = 0;
      ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(slots_.size())));
      for (size_t i = 0; i < slots_.size(); ++i) {
        Slot& x = slots_[i];
        int64_t at = i == si ? RD_KAFKA_OFFSET_BEGINNING : (x.next >= 0 ? x.next : x.start);
        rd_kafka_topic_partition_list_add(list.get(), x.topic.c_str(), x.partition)->offset = at;
      }
      rd_kafka_resp_err_t e = rd_kafka_assign(consumer_, list.get());
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Log()->error("kafka re-assign failed error=\"{}\"", rd_kafka_err2str(e));
      }
      return;
    }
  }
  OnError(m->err, rd_kafka_message_errstr(m));
}

void KafkaInput::Flush() {
  bool any_rejects = false;
  for (size_t i = 1; i < batch_.rejected.size(); ++i) {
    if (batch_.rejected[i] != 0) {
      any_rejects = true;
      metrics_.AddRejected(static_cast<events::Reject>(i), batch_.rejected[i]);
    }
  }
  if (any_rejects && producer_ != nullptr) {
    if (rd_kafka_flush(producer_, kDeadLetterFlushMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log()->warn("kafka dead-letter delivery still pending after {} ms count={}",
                  kDeadLetterFlushMs, rd_kafka_outq_len(producer_));
    }
  }
  for (TopicState& t : topics_) {
    if (t.batch_messages != 0) t.consumed->Increment(t.batch_messages);
    t.batch_messages = 0;
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (batch_next_[i] < 0) continue;
    batch_.next_offsets[TopicPartition{slots_[i].topic, slots_[i].partition}] = batch_next_[i];
    batch_next_[i] = -1;
  }
  batch_.model_generation = generation_;
  batch_.caught_up = slots_at_end_ == slots_.size();
  if (decoder_->locations_version() != locations_version_) {
    locations_version_ = decoder_->locations_version();
    events::LocationTable copy = decoder_->Locations();
    std::lock_guard lock(positions_mu_);
    locations_ = std::move(copy);
  }
  sent_caught_up_ = batch_.caught_up;
  if (options_.max_pending_batches > 0) {
    std::unique_lock lock(flow_mu_);
    while (pending_batches_ >= options_.max_pending_batches && !stop_.load()) {
      flow_cv_.wait_for(lock, kLagInterval / 4);
      // The lag gauge shows what waits meanwhile (cached watermarks, no request).
      if (Clock::now() >= next_lag_update_) {
        lock.unlock();
        UpdateLag();
        lock.lock();
      }
    }
    ++pending_batches_;
  }
  sink_(std::move(batch_));
  batch_ = IngestBatch{};
  batch_.signals.reserve(options_.max_batch_signals);
}

void KafkaInput::BatchApplied() {
  {
    std::lock_guard lock(flow_mu_);
    if (pending_batches_ > 0) --pending_batches_;
  }
  flow_cv_.notify_all();
}

void KafkaInput::UpdateLag() {
  next_lag_update_ = Clock::now() + kLagInterval;
  for (Slot& s : slots_) {
    int64_t lo = -1, hi = -1;
    // Cached from fetch responses: no request.
    if (rd_kafka_get_watermark_offsets(consumer_, s.topic.c_str(), s.partition, &lo, &hi) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        hi < 0) {
      continue;
    }
    int64_t pos = s.next >= 0 ? s.next : std::max<int64_t>(lo, 0);
    s.lag->Set(static_cast<double>(std::max<int64_t>(hi - pos, 0)));
  }
}

void KafkaInput::CommitOffsets(const OffsetMap& offsets) {
  if (offsets.empty()) return;
  ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, off] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = off;
  }
  std::lock_guard lock(commit_mu_);
  if (closed_ || consumer_ == nullptr) return;
  rd_kafka_resp_err_t e = rd_kafka_commit(consumer_, list.get(), 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) OnCommit(e);
}

void KafkaInput::SetModel(const slo::ModelSpec& model, uint64_t generation) {
  auto d = std::make_unique<events::Decoder>(model, options_.max_event_bytes);
  std::lock_guard lock(model_mu_);
  next_decoder_ = std::move(d);
  next_generation_ = generation;
}

void KafkaInput::OnStats(const char* json, size_t len) {
  // {"brokers": {"host:port/1": {"nodeid": 1, "state": "UP", ...}, ...}, ...}
  simdjson::dom::element doc;
  if (stats_parser_.parse(json, len).get(doc) != simdjson::SUCCESS) return;
  simdjson::dom::object brokers;
  if (doc["brokers"].get(brokers) != simdjson::SUCCESS) return;
  int up = 0;
  for (auto [name, b] : brokers) {
    int64_t nodeid = -1;
    std::string_view state, source;
    // Real brokers only (configured or learned): not bootstrap entries
    // without an id yet, nor the logical coordinator connection (a second
    // view of a real broker), nor the internal one.
    if (b["nodeid"].get(nodeid) != simdjson::SUCCESS || nodeid < 0) continue;
    if (b["source"].get(source) != simdjson::SUCCESS ||
        (source != "learned" && source != "configured")) {
      continue;
    }
    if (b["state"].get(state) == simdjson::SUCCESS && state == "UP") ++up;
  }
  // Metrics first: whoever sees connected() change finds them updated.
  metrics_.brokers_up().Set(up);
  metrics_.connected().Set(up > 0 ? 1 : 0);
  bool was = connected_.exchange(up > 0);
  if (was != (up > 0)) {
    if (up > 0) {
      Log()->info("kafka connected brokers_up={}", up);
    } else {
      Log()->warn("kafka disconnected: no broker up");
    }
  }
}

void KafkaInput::OnError(int err, const char* reason) {
  auto e = static_cast<rd_kafka_resp_err_t>(err);
  if (e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    metrics_.connected().Set(0);
    metrics_.brokers_up().Set(0);
    if (connected_.exchange(false)) Log()->warn("kafka disconnected: all brokers down");
    return;
  }
  auto now = Clock::now();
  if (now >= next_error_log_) {
    Log()->warn("kafka error code={} error=\"{}\" suppressed={}", rd_kafka_err2name(e),
                reason != nullptr ? reason : "", suppressed_errors_);
    suppressed_errors_ = 0;
    next_error_log_ = now + kErrorLogInterval;
  } else {
    ++suppressed_errors_;
  }
}

void KafkaInput::OnCommit(int err) {
  if (err == 0) return;
  metrics_.commit_failures().Increment();
  Log()->debug("kafka advisory commit failed error=\"{}\"",
               rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
}

void KafkaInput::OnDeadLetterDelivered(int err) {
  if (err == 0) {
    metrics_.dead_letter_delivered().Increment();
    return;
  }
  metrics_.dead_letter_failed().Increment();
  Log()->error("kafka dead-letter delivery failed error=\"{}\"",
               rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
}

}  // namespace ninesd::ingest
