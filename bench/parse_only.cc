// The floor `ninesd replay` is compared with: read a JSONL file in the same
// 8 MiB chunks, parse every line with simdjson on-demand and read every
// field of the event, and do nothing else.

#include <cstdio>
#include <cstring>
#include <vector>

#include "simdjson.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parse_only FILE.jsonl\n");
    return 2;
  }
  std::FILE* f = std::fopen(argv[1], "rb");
  if (!f) {
    std::perror(argv[1]);
    return 1;
  }
  constexpr size_t kChunk = 8 << 20;
  std::vector<char> buf(kChunk + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::parser parser;
  size_t have = 0, lines = 0, fields = 0;
  double checksum = 0;
  bool eof = false;
  while (!eof) {
    size_t got = std::fread(buf.data() + have, 1, kChunk - have, f);
    if (got == 0) eof = true;
    have += got;
    size_t start = 0;
    while (true) {
      const char* nl =
          static_cast<const char*>(std::memchr(buf.data() + start, '\n', have - start));
      if (!nl && !(eof && start < have)) break;
      size_t len = nl ? static_cast<size_t>(nl - (buf.data() + start)) : have - start;
      simdjson::ondemand::document doc;
      if (parser.iterate(buf.data() + start, len, buf.size() - start).get(doc) ==
          simdjson::SUCCESS) {
        simdjson::ondemand::object obj;
        if (doc.get_object().get(obj) == simdjson::SUCCESS) {
          for (auto field : obj) {
            std::string_view key;
            if (field.unescaped_key().get(key) != simdjson::SUCCESS) break;
            ++fields;
            simdjson::ondemand::value v = field.value();
            std::string_view s;
            double d;
            bool b;
            if (v.get_string().get(s) == simdjson::SUCCESS) {
              checksum += static_cast<double>(s.size());
            } else if (v.get_double().get(d) == simdjson::SUCCESS) {
              checksum += d;
            } else if (v.get_bool().get(b) == simdjson::SUCCESS) {
              checksum += b;
            }
          }
        }
      }
      ++lines;
      start += len + (nl ? 1 : 0);
      if (!nl) break;
    }
    std::memmove(buf.data(), buf.data() + start, have - start);
    have -= start;
  }
  std::fclose(f);
  std::printf("lines=%zu fields=%zu checksum=%.0f\n", lines, fields, checksum);
  return 0;
}
