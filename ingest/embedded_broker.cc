#include "ingest/embedded_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ninesd::ingest {

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(
    const EmbeddedBrokerOptions& options) {
  if (options.brokers < 1 || options.partitions < 1) {
    return Error{"embedded broker: brokers and partitions must be at least 1"};
  }
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only carries the cluster; keep it quiet.
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Error{std::string("embedded broker: ") + err};
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    return Error{std::string("embedded broker: ") + err};
  }
  std::unique_ptr<EmbeddedBroker> b(new EmbeddedBroker());
  b->handle_ = rk;
  b->cluster_ = rd_kafka_mock_cluster_new(rk, options.brokers);
  if (b->cluster_ == nullptr) return Error{"embedded broker: cannot start the mock cluster"};
  b->brokers_ = options.brokers;
  b->bootstrap_ = rd_kafka_mock_cluster_bootstraps(b->cluster_);
  for (const std::string& t : options.topics) {
    if (Status s = b->CreateTopic(t, options.partitions); !s) return s.error();
  }
  return b;
}

EmbeddedBroker::~EmbeddedBroker() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

Status EmbeddedBroker::CreateTopic(const std::string& topic, int partitions) {
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{"embedded broker: cannot create topic " + topic + ": " + rd_kafka_err2str(e)};
  }
  return Ok{};
}

void EmbeddedBroker::SetBrokerDown(int32_t broker_id) {
  rd_kafka_mock_broker_set_down(cluster_, broker_id);
}

void EmbeddedBroker::SetBrokerUp(int32_t broker_id) {
  rd_kafka_mock_broker_set_up(cluster_, broker_id);
}

void EmbeddedBroker::SetAllBrokersDown() {
  for (int32_t id = 1; id <= brokers_; ++id) SetBrokerDown(id);
}

void EmbeddedBroker::SetAllBrokersUp() {
  for (int32_t id = 1; id <= brokers_; ++id) SetBrokerUp(id);
}

void EmbeddedBroker::PushRequestErrors(int16_t api_key, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> e;
  e.reserve(errors.size());
  for (int x : errors) e.push_back(static_cast<rd_kafka_resp_err_t>(x));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, e.size(), e.data());
}

Status WriteBootstrapFile(const std::string& dir, const std::string& bootstrap) {
  std::filesystem::path final_path = std::filesystem::path(dir) / "kafka.bootstrap";
  std::filesystem::path tmp = final_path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << bootstrap << "\n";
    out.flush();
    if (!out) {
      return Error{"cannot write " + tmp.string() + ": " + std::strerror(errno)};
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, final_path, ec);
  if (ec) return Error{"cannot write " + final_path.string() + ": " + ec.message()};
  return Ok{};
}

}  // namespace ninesd::ingest
