#include "config/reader.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "date/tz.h"

namespace ninesd::config::internal {
namespace {

// A value's path for messages ("slos[3].objective"), joined only when a
// message needs it: every value read would otherwise build one.
struct PathRef {
  PathRef(const std::string& whole) : base(whole) {}  // NOLINT: implicit on purpose
  PathRef(std::string_view b, std::string_view k) : base(b), key(k) {}
  std::string str() const {
    if (key.empty()) return std::string(base);
    if (base.empty()) return std::string(key);
    std::string out;
    out.reserve(base.size() + 1 + key.size());
    out.append(base).append(".").append(key);
    return out;
  }
  std::string_view base;
  std::string_view key;  // empty: base alone
};
std::string operator+(const PathRef& p, std::string_view text) { return p.str().append(text); }

constexpr std::string_view kDurationHint = " (use e.g. 500ms, 10s, 5m, 2h, 30d)";

yaml::Mark MarkOr(const yaml::Node& node, const yaml::Mark& fallback) {
  if (node.IsNull()) return fallback;
  yaml::Mark m = node.Mark();
  return m.line < 0 ? fallback : m;
}

// A plain (unquoted, untagged) scalar: the only kind that may be a number or a bool.
bool IsPlain(const yaml::Node& node) { return node.Tag() == "?" || node.Tag().empty(); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Index of value among the "a|b|c" values, without splitting them (read for
// every enum value of the file).
std::optional<size_t> BarIndex(std::string_view values, std::string_view value) {
  for (size_t i = 0;; ++i) {
    size_t bar = values.find('|');
    if (values.substr(0, bar) == value) return i;
    if (bar == std::string_view::npos) return std::nullopt;
    values.remove_prefix(bar + 1);
  }
}

std::vector<std::string_view> SplitBars(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t bar = s.find('|');
    out.push_back(s.substr(0, bar));
    if (bar == std::string_view::npos) break;
    s.remove_prefix(bar + 1);
  }
  return out;
}

std::string JoinComma(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string WhereIn(const std::string& path) {
  return path.empty() ? "at top level" : "in " + path;
}

std::string Display(const std::string& path) { return path.empty() ? "top level" : path; }

// Keys that would hold a secret inline.
bool IsSecretKey(std::string_view key) {
  std::string k = Lower(key);
  if (k.ends_with("_file") || k.ends_with(".location")) return false;
  static constexpr std::string_view kWords[] = {"password", "passwd", "secret",     "token",
                                                "api_key",  "apikey", "private_key"};
  for (std::string_view w : kWords) {
    if (k == w || k.ends_with("_" + std::string(w)) || k.ends_with("-" + std::string(w))) {
      return true;
    }
  }
  return false;
}

bool ParseInteger(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  size_t start = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (start == s.size()) return false;
  for (size_t i = start; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  if (s[0] == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// YAML 1.2 core schema floats: decimal and exponent forms, .inf / .nan.
bool ParseDouble(std::string_view s, double& out) {
  if (s.empty()) return false;
  std::string_view body = s;
  bool negative = false;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    out = negative ? -std::numeric_limits<double>::infinity()
                   : std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  bool digits = false;
  for (char c : body) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
      return false;
    }
  }
  if (!digits || body[0] == 'e' || body[0] == 'E') return false;
  double v = 0;
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec != std::errc() || end != body.data() + body.size()) return false;
  out = negative ? -v : v;
  return true;
}

std::string OutOfBounds(const Option& o, std::string_view raw) {
  return "must be " + BoundsPhrase(o) + ", got " + std::string(raw);
}

// --- Readers of one value node. `mark` is where to report (the key's
// position for empty values). ---

std::optional<std::string> ReadString(Diagnostics& d, const yaml::Node& n, const PathRef& path,
                                      const yaml::Mark& mark, const Option& o) {
  if (!n.IsScalar()) {
    d.Add(mark, path + ": expected a string, got " + Describe(n));
    return std::nullopt;
  }
  const std::string_view s = n.Scalar();
  if (!o.bounds_length()) return std::string(s);
  if (o.min >= 1 && s.size() < o.min) {
    d.Add(mark, path + ": must not be empty");
    return std::nullopt;
  }
  if (o.max != kUnbounded && s.size() > o.max) {
    d.Add(mark, path + ": must be at most " + std::to_string(static_cast<int64_t>(o.max)) +
                    " characters long, got " + std::to_string(s.size()));
    return std::nullopt;
  }
  return std::string(s);
}

std::optional<slo::Millis> ReadDuration(Diagnostics& d, const yaml::Node& n, const PathRef& path,
                                        const yaml::Mark& mark, const Option& o) {
  if (!n.IsScalar()) {
    d.Add(mark, path + ": expected a duration such as 10s, got " + Describe(n));
    return std::nullopt;
  }
  std::optional<slo::Millis> v = slo::ParseDuration(n.Scalar());
  if (!v) {
    d.Add(mark, path + ": invalid duration " + Quote(n.Scalar()) + std::string(kDurationHint));
    return std::nullopt;
  }
  if (!WithinBounds(o, static_cast<double>(*v))) {
    d.Add(mark, path + ": " + OutOfBounds(o, n.Scalar()));
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> ReadInt(Diagnostics& d, const yaml::Node& n, const PathRef& path,
                               const yaml::Mark& mark, const Option& o) {
  int64_t v = 0;
  if (!n.IsScalar() || !IsPlain(n) || !ParseInteger(n.Scalar(), v)) {
    std::string hint;
    if (n.IsScalar() && !IsPlain(n) && ParseInteger(n.Scalar(), v)) {
      hint = " (quoted values are strings)";
    }
    d.Add(mark, path + ": expected an integer, got " + Describe(n) + hint);
    return std::nullopt;
  }
  if (!WithinBounds(o, static_cast<double>(v))) {
    d.Add(mark, path + ": " + OutOfBounds(o, n.Scalar()));
    return std::nullopt;
  }
  return v;
}

std::optional<double> ReadNumber(Diagnostics& d, const yaml::Node& n, const PathRef& path,
                                 const yaml::Mark& mark, const Option& o) {
  double v = 0;
  if (!n.IsScalar() || !IsPlain(n) || !ParseDouble(n.Scalar(), v)) {
    std::string hint;
    if (n.IsScalar() && !IsPlain(n) && ParseDouble(n.Scalar(), v)) {
      hint = " (quoted values are strings)";
    }
    d.Add(mark, path + ": expected a number, got " + Describe(n) + hint);
    return std::nullopt;
  }
  if (!std::isfinite(v)) {
    d.Add(mark, path + ": expected a finite number, got " + std::string(n.Scalar()));
    return std::nullopt;
  }
  if (!WithinBounds(o, v)) {
    d.Add(mark, path + ": " + OutOfBounds(o, n.Scalar()));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ReadBool(Diagnostics& d, const yaml::Node& n, const PathRef& path,
                             const yaml::Mark& mark) {
  if (n.IsScalar() && IsPlain(n)) {
    if (n.Scalar() == "true") return true;
    if (n.Scalar() == "false") return false;
  }
  d.Add(mark, path + ": expected true or false, got " + Describe(n));
  return std::nullopt;
}

std::optional<size_t> ReadEnum(Diagnostics& d, const yaml::Node& n, const PathRef& path,
                               const yaml::Mark& mark, const Option& o) {
  if (n.IsScalar()) {
    if (std::optional<size_t> i = BarIndex(o.values, n.Scalar())) return i;
  }
  std::vector<std::string_view> values = SplitBars(o.values);
  std::string msg = path + ": expected one of " + JoinComma(values) + ", got " + Describe(n);
  if (n.IsScalar()) msg += DidYouMean(n.Scalar(), values);
  d.Add(mark, msg);
  return std::nullopt;
}

std::optional<std::string> ReadUrl(Diagnostics& d, const yaml::Node& n, const PathRef& path,
                                   const yaml::Mark& mark, const Option& o) {
  std::optional<std::string> s = ReadString(d, n, path, mark, o);
  if (!s) return std::nullopt;
  std::string why;
  if (!CheckHttpUrl(*s, &why)) {
    d.Add(mark, path + ": invalid URL " + Quote(*s) + ": " + why);
    return std::nullopt;
  }
  return s;
}

}  // namespace

// --- Diagnostics ---

void Diagnostics::Add(const yaml::Mark& mark, std::string message) {
  if (truncated_) return;
  Diagnostic diag{file_, mark.line >= 0 ? mark.line + 1 : 1, mark.column >= 0 ? mark.column + 1 : 1,
                  std::move(message)};
  if (errors_.size() >= kMaxErrors) {
    diag.message = "too many errors; stopping after " + std::to_string(kMaxErrors);
    truncated_ = true;
  }
  errors_.push_back(std::move(diag));
}

std::vector<Diagnostic> Diagnostics::Take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(errors_);
}

// --- Helpers ---

std::string Quote(std::string_view text) {
  constexpr size_t kMax = 80;
  std::string out = "\"";
  size_t n = text.size();
  if (n > kMax) {
    n = kMax;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  }
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < text.size()) out += "...";
  return out + "\"";
}

std::string Describe(const yaml::Node& node) {
  switch (node.Type()) {
    case yaml::NodeType::Sequence:
      return "a list";
    case yaml::NodeType::Map:
      return "a map";
    case yaml::NodeType::Scalar:
      return Quote(node.Scalar());
    default:
      return "null";
  }
}

size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: insertions, deletions, substitutions and
  // transpositions of neighbours ("ratoi" -> "ratio") cost 1 each.
  if (a.size() > 64 || b.size() > 64) return std::max(a.size(), b.size());
  const size_t w = b.size() + 1;
  std::vector<size_t> d((a.size() + 1) * w);
  for (size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t v =
          std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        v = std::min(v, d[(i - 2) * w + j - 2] + 1);
      }
      d[i * w + j] = v;
    }
  }
  return d[a.size() * w + b.size()];
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string w = Lower(word);
  size_t limit = std::clamp<size_t>(w.size() / 3, 1, 3);
  size_t best = limit + 1;
  std::string_view pick;
  for (std::string_view c : candidates) {
    size_t dist = EditDistance(w, Lower(c));
    if (dist < best) {
      best = dist;
      pick = c;
    }
  }
  if (pick.empty()) return "";
  return "; did you mean " + Quote(pick) + "?";
}

bool IsHostName(std::string_view host) {
  return !host.empty() && host.size() <= 253 &&
         host.find_first_not_of(
             "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
             std::string_view::npos;
}

bool IsIpv6Literal(std::string_view host) {
  return host.find(':') != std::string_view::npos &&
         host.find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
}

std::optional<HostPort> ParseHostPort(std::string_view text, std::string* why) {
  HostPort hp;
  hp.text = text;
  std::string_view port;
  if (text.empty()) {
    *why = "expected host:port";
    return std::nullopt;
  }
  if (text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) {
      *why = "missing ] after the IPv6 address";
      return std::nullopt;
    }
    std::string_view host = text.substr(1, close - 1);
    if (!IsIpv6Literal(host)) {
      *why = "invalid IPv6 address";
      return std::nullopt;
    }
    hp.host = host;
    std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest[0] != ':') {
      *why = "missing :port";
      return std::nullopt;
    }
    port = rest.substr(1);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      *why = "missing :port";
      return std::nullopt;
    }
    std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      *why = "put IPv6 addresses in brackets, e.g. [::1]:9929";
      return std::nullopt;
    }
    if (host.empty()) {
      *why = "missing host";
      return std::nullopt;
    }
    if (!IsHostName(host)) {
      *why = "invalid host name";
      return std::nullopt;
    }
    hp.host = host;
    port = text.substr(colon + 1);
  }
  int64_t p = 0;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos || !ParseInteger(port, p) ||
      p < 1 || p > 65535) {
    *why = "port must be between 1 and 65535";
    return std::nullopt;
  }
  hp.port = static_cast<int>(p);
  return hp;
}

bool CheckHttpUrl(std::string_view text, std::string* why) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      *why = "must not contain spaces or control characters";
      return false;
    }
  }
  std::string lower = Lower(text.substr(0, 8));
  size_t skip = 0;
  if (lower.starts_with("http://")) {
    skip = 7;
  } else if (lower.starts_with("https://")) {
    skip = 8;
  } else {
    *why = "must start with http:// or https://";
    return false;
  }
  std::string_view rest = text.substr(skip);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    *why = "must not contain credentials (user:password@); they would end up in logs";
    return false;
  }
  if (authority.empty()) {
    *why = "missing host";
    return false;
  }
  // With a port, or a bracketed IPv6 address: check as host:port.
  bool bracketed = authority[0] == '[';
  bool has_port = bracketed ? authority.find("]:") != std::string_view::npos
                            : authority.find(':') != std::string_view::npos;
  if (has_port) return ParseHostPort(authority, why).has_value();
  if (bracketed) {
    std::string with_port = std::string(authority) + ":1";
    return ParseHostPort(with_port, why).has_value();
  }
  if (!IsHostName(authority)) {
    *why = "invalid host name";
    return false;
  }
  return true;
}

// --- Section ---

Section::Section(Diagnostics& diag, const yaml::Node& node, std::string schema, std::string path,
                 const yaml::Mark& where, bool null_is_error)
    : diag_(&diag),
      schema_(std::move(schema)),
      options_(SectionOptions(schema_)),
      path_(std::move(path)),
      mark_(where) {
  if (node.IsNull()) {
    if (null_is_error) diag.Add(where, Display(path_) + ": expected a map, got null");
    return;
  }
  mark_ = MarkOr(node, where);
  if (!node.IsMap()) {
    diag.Add(mark_, Display(path_) + ": expected a map, got " + Describe(node));
    return;
  }
  present_ = true;
  // Every key with its line, for duplicates: scanned while the map is small
  // (every section of a real config), hashed beyond.
  const bool many = node.size() > 32;
  std::vector<std::pair<std::string_view, int>> seen;
  std::unordered_map<std::string_view, int> seen_many;
  if (!many) seen.reserve(node.size());
  auto first_line = [&](std::string_view key, int line) -> int {
    if (many) return seen_many.try_emplace(key, line).first->second;
    for (const auto& [k, l] : seen) {
      if (k == key) return l;
    }
    seen.emplace_back(key, line);
    return line;
  };
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: the iterator's pair is a temporary proxy.
    const yaml::Node k = it->first;
    const yaml::Node v = it->second;
    yaml::Mark km = MarkOr(k, mark_);
    if (!k.IsScalar()) {
      diag.Add(km, "expected a string key " + WhereIn(path_) + ", got " + Describe(k));
      continue;
    }
    const std::string_view key = k.Scalar();
    if (int first = first_line(key, km.line + 1); first != km.line + 1) {
      diag.Add(km, "duplicate key " + Quote(key) + " " + WhereIn(path_) + " (first at line " +
                       std::to_string(first) + ")");
      continue;
    }
    if (FindOption(options_, key) == nullptr) {
      std::vector<std::string_view> known;
      for (const Option& o : options_) known.push_back(o.key);
      if (IsSecretKey(key)) {
        std::string use = "a *_file option";
        for (std::string_view o : known) {
          if (o.ends_with("_file") && o.find(Lower(key)) != std::string_view::npos) {
            use = std::string(o);
          }
        }
        diag.Add(km, "inline secret " + Quote(key) + " " + WhereIn(path_) +
                         " refused: secrets must come from files (use " + use + ")");
      } else if (key == "<<") {
        diag.Add(km,
                 "unknown key \"<<\" " + WhereIn(path_) + "; YAML merge keys are not supported");
      } else {
        diag.Add(km, "unknown key " + Quote(key) + " " + WhereIn(path_) + DidYouMean(key, known));
      }
      continue;
    }
    entries_.push_back(Entry{std::string(key), k, v});
  }
  for (const Option& o : options_) {
    if (o.required && o.variants.empty() && !Has(o.key)) {
      Error("missing required key " + Quote(o.key));
    }
  }
}

void Section::CheckVariant(std::string_view variant, std::string_view noun) const {
  if (!present_) return;
  for (const Entry& e : entries_) {
    if (!Opt(e.key).AppliesTo(variant)) {
      diag_->Add(MarkOr(e.key_node, mark_), Quote(e.key) + " is not an option of " +
                                                std::string(variant) + " " + std::string(noun) +
                                                " " + WhereIn(path_));
    }
  }
  for (const Option& o : options_) {
    if (o.required && !o.variants.empty() && o.AppliesTo(variant) && !Has(o.key)) {
      Error("missing required key " + Quote(o.key) + " for " + std::string(variant) + " " +
            std::string(noun));
    }
  }
}

const Option& Section::Opt(std::string_view key) const {
  const Option* o = FindOption(options_, key);
  assert(o != nullptr && "every key the loader reads is declared in config/options.cc");
  return *o;
}

const Section::Entry* Section::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const Section::Entry* Section::Value(std::string_view key) const {
  Opt(key);  // declared?
  return Find(key);
}

yaml::Node Section::Node(std::string_view key) const {
  const Entry* e = Value(key);
  return e ? e->value : yaml::Node();
}

std::string Section::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

yaml::Mark Section::MarkOf(std::string_view key) const {
  const Entry* e = Find(key);
  if (e == nullptr) return mark_;
  return MarkOr(e->value, MarkOr(e->key_node, mark_));
}

yaml::Mark Section::KeyMarkOf(std::string_view key) const {
  const Entry* e = Find(key);
  return e ? MarkOr(e->key_node, mark_) : mark_;
}

void Section::Error(const std::string& message) const {
  diag_->Add(mark_, Display(path_) + ": " + message);
}

void Section::ErrorAt(std::string_view key, const std::string& message) const {
  diag_->Add(MarkOf(key), PathOf(key) + ": " + message);
}

void Section::ErrorAtKey(std::string_view key, const std::string& message) const {
  diag_->Add(KeyMarkOf(key), PathOf(key) + ": " + message);
}

std::optional<std::string> Section::String(std::string_view key) const {
  const Option& o = Opt(key);
  if (const Entry* e = Value(key))
    return ReadString(*diag_, e->value, PathRef(path_, key), MarkOf(key), o);
  if (o.default_value.empty()) return std::nullopt;
  return std::string(o.default_value);
}

std::optional<slo::Millis> Section::Duration(std::string_view key) const {
  const Option& o = Opt(key);
  if (const Entry* e = Value(key)) {
    return ReadDuration(*diag_, e->value, PathRef(path_, key), MarkOf(key), o);
  }
  if (o.default_value.empty()) return std::nullopt;
  return slo::ParseDuration(o.default_value);
}

std::optional<int64_t> Section::Int(std::string_view key) const {
  const Option& o = Opt(key);
  if (const Entry* e = Value(key))
    return ReadInt(*diag_, e->value, PathRef(path_, key), MarkOf(key), o);
  int64_t v = 0;
  if (o.default_value.empty() || !ParseInteger(o.default_value, v)) return std::nullopt;
  return v;
}

std::optional<double> Section::Number(std::string_view key) const {
  const Option& o = Opt(key);
  if (const Entry* e = Value(key))
    return ReadNumber(*diag_, e->value, PathRef(path_, key), MarkOf(key), o);
  double v = 0;
  if (o.default_value.empty() || !ParseDouble(o.default_value, v)) return std::nullopt;
  return v;
}

std::optional<bool> Section::Bool(std::string_view key) const {
  const Option& o = Opt(key);
  if (const Entry* e = Value(key))
    return ReadBool(*diag_, e->value, PathRef(path_, key), MarkOf(key));
  if (o.default_value.empty()) return std::nullopt;
  return o.default_value == "true";
}

std::optional<size_t> Section::Enum(std::string_view key) const {
  const Option& o = Opt(key);
  if (const Entry* e = Value(key))
    return ReadEnum(*diag_, e->value, PathRef(path_, key), MarkOf(key), o);
  if (o.default_value.empty()) return std::nullopt;
  return BarIndex(o.values, o.default_value);
}

std::optional<HostPort> Section::Address(std::string_view key) const {
  std::optional<std::string> s = String(key);
  if (!s) return std::nullopt;
  std::string why;
  std::optional<HostPort> hp = ParseHostPort(*s, &why);
  if (!hp) ErrorAt(key, "invalid address " + Quote(*s) + ": " + why);
  return hp;
}

std::optional<std::string> Section::Url(std::string_view key) const {
  const Option& o = Opt(key);
  if (const Entry* e = Value(key))
    return ReadUrl(*diag_, e->value, PathRef(path_, key), MarkOf(key), o);
  return std::nullopt;
}

std::optional<std::string> Section::TimeZone(std::string_view key) const {
  std::optional<std::string> s = String(key);
  if (!s) return std::nullopt;
  try {
    date::locate_zone(*s);
    return s;
  } catch (const std::exception&) {
    std::vector<std::string_view> names;
    if (!diag_->full()) {  // the message is dropped anyway: spare the search
      try {
        for (const date::time_zone& z : date::get_tzdb().zones) names.push_back(z.name());
      } catch (const std::exception&) {
        names.clear();
      }
    }
    ErrorAt(key, "unknown time zone " + Quote(*s) + DidYouMean(*s, names));
    return std::nullopt;
  }
}

std::optional<slo::Millis> Section::Timestamp(std::string_view key) const {
  std::optional<std::string> s = String(key);
  if (!s) return std::nullopt;
  std::optional<slo::Millis> t = slo::ParseRfc3339(*s);
  if (!t) ErrorAt(key, "invalid time " + Quote(*s) + " (use RFC 3339, e.g. 2026-12-06T02:00:00Z)");
  return t;
}

std::optional<int> Section::TimeOfDay(std::string_view key) const {
  std::optional<std::string> s = String(key);
  if (!s) return std::nullopt;
  const std::string& t = *s;
  auto digit = [&](size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  if (t.size() == 5 && digit(0) && digit(1) && t[2] == ':' && digit(3) && digit(4)) {
    int h = (t[0] - '0') * 10 + (t[1] - '0');
    int m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h <= 23 && m <= 59) return h * 60 + m;
  }
  ErrorAt(key, "invalid time of day " + Quote(t) + " (use HH:MM, 00:00 to 23:59)");
  return std::nullopt;
}

template <typename T, typename Read>
std::optional<std::vector<At<T>>> Section::List(std::string_view key, bool non_empty,
                                                Read read) const {
  const Entry* e = Value(key);
  if (e == nullptr) return std::nullopt;
  const yaml::Node& n = e->value;
  if (!n.IsNull() && !n.IsSequence()) {
    ErrorAt(key, "expected a list, got " + Describe(n));
    return std::nullopt;
  }
  std::vector<At<T>> out;
  for (size_t i = 0; n.IsSequence() && i < n.size(); ++i) {
    std::string path = PathOf(key) + "[" + std::to_string(i) + "]";
    yaml::Mark m = MarkOr(n[i], MarkOf(key));
    if (std::optional<T> v = read(n[i], path, m)) out.push_back(At<T>{std::move(*v), m, path});
  }
  if (non_empty && (n.IsNull() || n.size() == 0)) ErrorAt(key, "must not be empty");
  return out;
}

std::optional<std::vector<Located>> Section::Strings(std::string_view key, bool non_empty) const {
  const Option& o = Opt(key);
  return List<std::string>(key, non_empty,
                           [&](const yaml::Node& n, const std::string& path, const yaml::Mark& m) {
                             return ReadString(*diag_, n, path, m, o);
                           });
}

std::optional<std::vector<At<slo::Millis>>> Section::Durations(std::string_view key) const {
  const Option& o = Opt(key);
  return List<slo::Millis>(key, false,
                           [&](const yaml::Node& n, const std::string& path, const yaml::Mark& m) {
                             return ReadDuration(*diag_, n, path, m, o);
                           });
}

std::optional<std::vector<At<int64_t>>> Section::Ints(std::string_view key) const {
  const Option& o = Opt(key);
  return List<int64_t>(key, false,
                       [&](const yaml::Node& n, const std::string& path, const yaml::Mark& m) {
                         return ReadInt(*diag_, n, path, m, o);
                       });
}

std::optional<std::vector<At<size_t>>> Section::Enums(std::string_view key) const {
  const Option& o = Opt(key);
  return List<size_t>(key, false,
                      [&](const yaml::Node& n, const std::string& path, const yaml::Mark& m) {
                        return ReadEnum(*diag_, n, path, m, o);
                      });
}

std::optional<std::vector<Located>> Section::Urls(std::string_view key) const {
  const Option& o = Opt(key);
  return List<std::string>(key, true,
                           [&](const yaml::Node& n, const std::string& path, const yaml::Mark& m) {
                             return ReadUrl(*diag_, n, path, m, o);
                           });
}

std::optional<std::vector<Section::Pair>> Section::StringMap(std::string_view key) const {
  const Entry* e = Value(key);
  if (e == nullptr) return std::nullopt;
  const yaml::Node& n = e->value;
  std::vector<Pair> out;
  if (n.IsNull()) return out;
  if (!n.IsMap()) {
    ErrorAt(key, "expected a map, got " + Describe(n));
    return std::nullopt;
  }
  std::string path = PathOf(key);
  std::unordered_map<std::string, int> seen;  // key -> line
  for (auto it = n.begin(); it != n.end(); ++it) {
    const yaml::Node kn = it->first;  // copies: the iterator's pair is a temporary proxy
    const yaml::Node vn = it->second;
    yaml::Mark km = MarkOr(kn, MarkOf(key));
    if (!kn.IsScalar()) {
      diag_->Add(km, "expected a string key in " + path + ", got " + Describe(kn));
      continue;
    }
    const std::string k(kn.Scalar());
    auto [first, inserted] = seen.try_emplace(k, km.line + 1);
    if (!inserted) {
      diag_->Add(km, "duplicate key " + Quote(k) + " in " + path + " (first at line " +
                         std::to_string(first->second) + ")");
      continue;
    }
    yaml::Mark vm = MarkOr(vn, km);
    if (!vn.IsScalar()) {
      diag_->Add(vm, path + "." + k + ": expected a string, got " + Describe(vn));
      continue;
    }
    out.push_back(Pair{k, std::string(vn.Scalar()), km, vm});
  }
  return out;
}

std::string Section::ItemsSchema(std::string_view key) const {
  return schema_.empty() ? std::string(key) : schema_ + "." + std::string(key);
}

Section Section::Sub(std::string_view key) const {
  Opt(key);
  const Entry* e = Find(key);
  return Section(*diag_, e ? e->value : yaml::Node(), ItemsSchema(key), PathOf(key),
                 e ? MarkOr(e->key_node, mark_) : mark_);
}

std::vector<Section> Section::SubList(std::string_view key) const {
  Opt(key);
  std::vector<Section> out;
  const Entry* e = Find(key);
  if (e == nullptr || e->value.IsNull()) return out;
  const yaml::Node& n = e->value;
  if (!n.IsSequence()) {
    ErrorAt(key, "expected a list, got " + Describe(n));
    return out;
  }
  std::string schema = ItemsSchema(key) + "[]";
  for (size_t i = 0; i < n.size(); ++i) {
    out.emplace_back(*diag_, n[i], schema, PathOf(key) + "[" + std::to_string(i) + "]",
                     MarkOr(n[i], MarkOf(key)), /*null_is_error=*/true);
  }
  return out;
}

}  // namespace ninesd::config::internal
