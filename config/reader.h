#pragma once
// Typed, schema-checked access to the YAML tree (internal to config/).
//
// A Section wraps one YAML mapping of a known section of the option table
// (config/options.h). Constructing it reports every key problem at once:
// duplicate keys (many YAML loaders silently keep one), keys that hold
// secrets inline, unknown keys with a did-you-mean suggestion. Its getters
// return the value of a key, or the option's declared default when the key is
// absent, and report wrong types and out-of-bounds values with the exact
// position. A getter returns nullopt when the value was invalid (the error is
// already recorded) or when there is neither a value nor a default.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/options.h"
#include "config/yaml_tree.h"

namespace ninesd::config::internal {

// Collects diagnostics of one file; stops after kMaxErrors.
class Diagnostics {
 public:
  static constexpr size_t kMaxErrors = 100;

  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void Add(const yaml::Mark& mark, std::string message);
  bool empty() const { return errors_.empty(); }
  // True once further errors are dropped: skip costly work for their messages.
  bool full() const { return truncated_; }
  // Sorted by position; stable for errors at the same place.
  std::vector<Diagnostic> Take();

 private:
  std::string file_;
  std::vector<Diagnostic> errors_;
  bool truncated_ = false;
};

// Text of a config value for a message: quoted, escaped, shortened.
std::string Quote(std::string_view text);
// "a list", "a map", "null", or the quoted scalar.
std::string Describe(const yaml::Node& node);

size_t EditDistance(std::string_view a, std::string_view b);
// `; did you mean "x"?` for the closest candidate within a small edit
// distance of word, or "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

struct HostPort {
  std::string text;  // as written
  std::string host;  // without brackets
  int port = 0;
};
// A DNS name or IPv4 address: letters, digits, '.', '-', '_'; 1..253 characters.
bool IsHostName(std::string_view host);
// An IPv6 address without brackets, e.g. "2001:db8::1" (hex digits, ':' and '.').
bool IsIpv6Literal(std::string_view host);
// "host:port" or "[v6]:port", port 1..65535. On failure, *why says what is wrong.
std::optional<HostPort> ParseHostPort(std::string_view text, std::string* why);
// http:// or https:// URL with a host, no userinfo, no whitespace.
bool CheckHttpUrl(std::string_view text, std::string* why);

// A list item with where it was written.
template <typename T>
struct At {
  T value;
  yaml::Mark mark;
  std::string path;  // "slos[0].lookbacks[2]"
};
using Located = At<std::string>;

class Section {
 public:
  // node: the mapping; a null node is an absent (empty) section unless
  // null_is_error (list items). schema: the option table section
  // ("services[].probes[]"); path: for messages ("services[0].probes[1]");
  // where: position used when node has none (the key it hangs under).
  Section(Diagnostics& diag, const yaml::Node& node, std::string schema, std::string path,
          const yaml::Mark& where, bool null_is_error = false);

  bool present() const { return present_; }
  Diagnostics& diag() const { return *diag_; }
  const std::string& path() const { return path_; }
  const yaml::Mark& mark() const { return mark_; }

  // After the `type` key is known: reports keys that belong to other types
  // ("\"url\" is not an option of tcp probes in ...") and missing keys
  // required for this type. noun: "probes", "hooks".
  void CheckVariant(std::string_view variant, std::string_view noun) const;

  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  yaml::Node Node(std::string_view key) const;
  std::string PathOf(std::string_view key) const;
  // Position of the value (of the key when the value is empty; of the section
  // when absent).
  yaml::Mark MarkOf(std::string_view key) const;
  yaml::Mark KeyMarkOf(std::string_view key) const;
  // "<path>: message" at the section / at the key's value.
  void Error(const std::string& message) const;
  void ErrorAt(std::string_view key, const std::string& message) const;
  // "message" at the key itself (for problems of the key's presence).
  void ErrorAtKey(std::string_view key, const std::string& message) const;

  std::optional<std::string> String(std::string_view key) const;
  std::optional<slo::Millis> Duration(std::string_view key) const;
  std::optional<int64_t> Int(std::string_view key) const;
  std::optional<double> Number(std::string_view key) const;  // kNumber, kPercent
  std::optional<bool> Bool(std::string_view key) const;
  // The value's index in the option's "a|b|c" values.
  std::optional<size_t> Enum(std::string_view key) const;
  std::optional<HostPort> Address(std::string_view key) const;
  std::optional<std::string> Url(std::string_view key) const;
  std::optional<std::string> TimeZone(std::string_view key) const;
  std::optional<slo::Millis> Timestamp(std::string_view key) const;
  std::optional<int> TimeOfDay(std::string_view key) const;  // minutes after midnight

  // Lists: nullopt when absent; otherwise the valid items (invalid ones are
  // reported). `non_empty` reports an empty list.
  std::optional<std::vector<Located>> Strings(std::string_view key, bool non_empty) const;
  std::optional<std::vector<At<slo::Millis>>> Durations(std::string_view key) const;
  std::optional<std::vector<At<int64_t>>> Ints(std::string_view key) const;
  std::optional<std::vector<At<size_t>>> Enums(std::string_view key) const;
  std::optional<std::vector<Located>> Urls(std::string_view key) const;
  // Free-form string map, in file order (duplicate keys reported).
  struct Pair {
    std::string key;
    std::string value;
    yaml::Mark key_mark;
    yaml::Mark value_mark;
  };
  std::optional<std::vector<Pair>> StringMap(std::string_view key) const;

  // Nested mapping (absent: an empty, non-present section).
  Section Sub(std::string_view key) const;
  // List of mappings (absent: empty).
  std::vector<Section> SubList(std::string_view key) const;

 private:
  struct Entry {
    std::string key;
    yaml::Node key_node;
    yaml::Node value;
  };
  const Option& Opt(std::string_view key) const;
  const Entry* Find(std::string_view key) const;
  // Find() for a key that must be declared in the option table; nullptr when
  // absent (the getter then applies the option's default).
  const Entry* Value(std::string_view key) const;
  // A list of `key`; read(item, path, mark) reads one item.
  template <typename T, typename Read>
  std::optional<std::vector<At<T>>> List(std::string_view key, bool non_empty, Read read) const;
  std::string ItemsSchema(std::string_view key) const;

  Diagnostics* diag_;
  std::string schema_;
  std::span<const Option> options_;  // the schema's options
  std::string path_;
  yaml::Mark mark_;
  bool present_ = false;
  std::vector<Entry> entries_;
};

}  // namespace ninesd::config::internal
