#pragma once
// Byte-level helpers of the state encoding (docs/state-format.md): LEB128
// varints, zigzag for signed values, little-endian doubles, length-prefixed
// strings, and a trailing 32-bit checksum per blob. The reader never reads
// past its input: a short or garbled blob sets a sticky failure instead.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ninesd::slo::codec {

inline uint32_t Checksum(std::string_view b) {
  // FNV-1a, folded to 32 bits: catches torn or flipped bytes in a row.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : b) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void F64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));
  }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Bytes(const uint8_t* p, size_t n) { out_.append(reinterpret_cast<const char*>(p), n); }
  // Appends the checksum of everything written from `from` on.
  void Seal(size_t from) {
    uint32_t c = Checksum(std::string_view(out_).substr(from));
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<char>(c >> (8 * i)));
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  // Checks and strips the trailing checksum; false when it does not match.
  bool Unseal() {
    if (in_.size() < 4) return Fail();
    uint32_t c = 0;
    for (int i = 0; i < 4; ++i) {
      c |= static_cast<uint32_t>(static_cast<uint8_t>(in_[in_.size() - 4 + static_cast<size_t>(i)]))
           << (8 * i);
    }
    in_.remove_suffix(4);
    if (Checksum(in_) != c) return Fail();
    return true;
  }
  uint8_t U8() {
    if (pos_ >= in_.size()) return Fail(), 0;
    return static_cast<uint8_t>(in_[pos_++]);
  }
  uint64_t U64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail(), 0;
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return Fail(), 0;
  }
  int64_t I64() {
    uint64_t u = U64();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  double F64() {
    if (in_.size() - pos_ < 8 || pos_ > in_.size()) return Fail(), 0.0;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) {
      bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_++])) << (8 * i);
    }
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  std::string_view Str() {
    uint64_t n = U64();
    if (n > in_.size() - pos_) return Fail(), std::string_view();
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view Bytes(size_t n) {
    if (n > in_.size() - pos_) return Fail(), std::string_view();
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // A count of items each at least `min_bytes` long: bounded by what is left,
  // so a garbled count cannot make the decoder reserve gigabytes.
  uint64_t Count(size_t min_bytes = 1) {
    uint64_t n = U64();
    if (n > (in_.size() - pos_) / std::max<size_t>(1, min_bytes)) return Fail(), 0;
    return n;
  }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }
  bool Fail() {
    ok_ = false;
    pos_ = in_.size();
    return false;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace ninesd::slo::codec
