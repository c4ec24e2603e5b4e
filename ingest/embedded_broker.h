#pragma once
// EmbeddedBroker: librdkafka's mock cluster (rdkafka_mock.h) running inside
// this process, for `kafka.bootstrap: embedded`, tests and benchmarks. It
// speaks the real Kafka protocol on 127.0.0.1, so kcat and any client work
// against it. Data lives in memory only (about 5 MiB per partition are kept;
// older messages are dropped and the log start moves up).
//
// Lifecycle: Start() once; the cluster runs on librdkafka's own threads until
// the object is destroyed. Thread: any; the fault-injection calls are
// thread-safe (librdkafka serializes them onto the cluster's thread).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace ninesd::ingest {

struct EmbeddedBrokerOptions {
  int brokers = 1;
  int partitions = 8;               // per topic created
  std::vector<std::string> topics;  // created at start (others auto-create with 4 partitions)
};

class EmbeddedBroker {
 public:
  static Result<std::unique_ptr<EmbeddedBroker>> Start(const EmbeddedBrokerOptions& options);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:PORT[,...]": what clients put in bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  int brokers() const { return brokers_; }

  [[nodiscard]] Status CreateTopic(const std::string& topic, int partitions);

  // Fault injection (tests). Broker ids are 1..brokers().
  void SetBrokerDown(int32_t broker_id);
  void SetBrokerUp(int32_t broker_id);
  void SetAllBrokersDown();
  void SetAllBrokersUp();
  // The next errors.size() requests of `api_key` (e.g. 1 = Fetch) fail with
  // these error codes, in order.
  void PushRequestErrors(int16_t api_key, const std::vector<int>& errors);

  rd_kafka_mock_cluster_t* cluster() { return cluster_; }

 private:
  EmbeddedBroker() = default;

  rd_kafka_t* handle_ = nullptr;  // the dummy producer the cluster hangs on
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
  int brokers_ = 0;
};

// Writes `bootstrap` + "\n" to DIR/kafka.bootstrap (via a temporary file and
// rename, so readers never see half a line), for `kcat -b "$(cat ...)"`.
[[nodiscard]] Status WriteBootstrapFile(const std::string& dir, const std::string& bootstrap);

}  // namespace ninesd::ingest
