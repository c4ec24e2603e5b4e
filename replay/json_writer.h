#pragma once
// Minimal JSON writer for ninesd's own output (never used to re-serialize
// untrusted documents): strings are escaped, doubles printed in their
// shortest exact form.

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

namespace ninesd::replay {

class JsonWriter {
 public:
  std::string& out() { return out_; }

  void BeginObject() {
    Sep();
    out_ += '{';
    first_ = true;
  }
  void EndObject() {
    out_ += '}';
    first_ = false;
  }
  void BeginArray() {
    Sep();
    out_ += '[';
    first_ = true;
  }
  void EndArray() {
    out_ += ']';
    first_ = false;
  }
  void Key(std::string_view k) {
    Sep();
    String(k);
    out_ += ':';
    first_ = true;  // the value follows without a comma
  }
  void Value(std::string_view s) {
    Sep();
    String(s);
  }
  void Value(const char* s) { Value(std::string_view(s)); }
  void Value(bool b) {
    Sep();
    out_ += b ? "true" : "false";
  }
  void Value(double d) {
    Sep();
    if (!std::isfinite(d)) {
      out_ += "null";
      return;
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
    out_.append(buf, end);
  }
  void Value(std::optional<double> d) {
    if (d) {
      Value(*d);
    } else {
      Null();
    }
  }
  void Null() {
    Sep();
    out_ += "null";
  }

 private:
  void Sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void String(std::string_view s) {
    out_ += '"';
    for (char c : s) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\r':
          out_ += "\\r";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ += buf;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace ninesd::replay
