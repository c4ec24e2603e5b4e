// ninesd_mock_broker: librdkafka's mock cluster (the Kafka protocol on
// 127.0.0.1) in a process of its own, for integration tests and benchmarks
// that drive ninesd and kcat against it.
//
//   ninesd_mock_broker [--brokers N] [--partitions P] TOPIC...
//
// Prints the bootstrap address on the first line of stdout, then reads
// commands from stdin, one per line, answering "ok" or "error ...":
//   down ID | up ID          a broker (1..N; 0: all) goes down / comes back
//   err APIKEY CODE...       the next requests of APIKEY fail with these codes
//   rtt ID MS                adds round-trip time to a broker
//   topic NAME PARTITIONS    creates a topic
// Exits when stdin closes (so a dying parent takes it along).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/embedded_broker.h"

int main(int argc, char** argv) {
  ninesd::ingest::EmbeddedBrokerOptions opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--brokers" || a == "--partitions") && i + 1 < argc) {
      int v = std::atoi(argv[++i]);
      (a == "--brokers" ? opt.brokers : opt.partitions) = v;
    } else if (!a.empty() && a[0] == '-') {
      std::cerr << "usage: ninesd_mock_broker [--brokers N] [--partitions P] TOPIC...\n";
      return 2;
    } else {
      opt.topics.push_back(a);
    }
  }
  auto broker = ninesd::ingest::EmbeddedBroker::Start(opt);
  if (!broker) {
    std::cerr << broker.error().message << "\n";
    return 1;
  }
  ninesd::ingest::EmbeddedBroker& b = **broker;
  std::cout << b.bootstrap() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    if (cmd == "down" || cmd == "up") {
      int id = 0;
      in >> id;
      if (id == 0) {
        cmd == "down" ? b.SetAllBrokersDown() : b.SetAllBrokersUp();
      } else {
        cmd == "down" ? b.SetBrokerDown(id) : b.SetBrokerUp(id);
      }
    } else if (cmd == "err") {
      int api = 0, code = 0;
      in >> api;
      std::vector<int> codes;
      while (in >> code) codes.push_back(code);
      b.PushRequestErrors(static_cast<int16_t>(api), codes);
    } else if (cmd == "rtt") {
      int id = 0, ms = 0;
      in >> id >> ms;
      rd_kafka_mock_broker_set_rtt(b.cluster(), id, ms);
    } else if (cmd == "topic") {
      std::string name;
      int parts = 1;
      in >> name >> parts;
      if (auto s = b.CreateTopic(name, parts); !s) {
        std::cout << "error " << s.error().message << std::endl;
        continue;
      }
    } else if (!cmd.empty()) {
      std::cout << "error unknown command " << cmd << std::endl;
      continue;
    }
    std::cout << "ok" << std::endl;
  }
  return 0;
}
