#pragma once
// The declaration of every configuration option: key, type, default, bounds,
// whether a change needs a restart, and a one-line doc. The loader reads
// defaults, bounds, enum values and the set of allowed keys from this table,
// and docs/config.md carries its rendering (a test keeps the two equal), so an
// option exists in exactly one place.

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace ninesd::config {

enum class OptionType : uint8_t {
  kSection,      // a mapping with its own keys (section "<parent>.<key>")
  kSectionList,  // a list of mappings (section "<parent>.<key>[]")
  kString,
  kBool,
  kInt,
  kNumber,
  kPercent,  // a number of percent, e.g. 99.95
  kDuration,
  kEnum,
  kStringList,
  kEnumList,
  kIntList,
  kDurationList,
  kUrlList,
  kStringMap,
  kUrl,
  kHostPort,
  kPath,
  kTimeZone,
  kTimestamp,  // RFC 3339
  kTimeOfDay,  // "HH:MM"
  kWindow,     // rolling duration or calendar unit
  kDayOfMonth,
};

// Name of a type as shown in docs/config.md.
std::string_view OptionTypeName(OptionType t);

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

struct Option {
  std::string_view section;  // "" (top level), "server", "services[]", "services[].probes[]"
  std::string_view key;
  OptionType type = OptionType::kString;
  std::string_view doc;
  // Probe and hook types this key belongs to ("http", "alertmanager|webhook");
  // empty: every type.
  std::string_view variants;
  // Used by the loader when the key is absent (parsed as the option's type);
  // empty: no literal default.
  std::string_view default_value;
  std::string_view default_doc;  // default computed by the loader, for docs only
  std::string_view values;       // kEnum / kEnumList: "a|b|c"
  // Numbers: value bounds. Durations: bounds in ms. Strings: minimum length.
  // Lists: bounds of every item.
  double min = -kUnbounded;
  double max = kUnbounded;
  bool min_open = false;
  bool max_open = false;
  bool required = false;  // required when the enclosing mapping is present (for its variants)
  bool restart = false;   // not applied by a reload (SIGHUP); needs a restart

  constexpr Option Default(std::string_view v) const {
    Option o = *this;
    o.default_value = v;
    return o;
  }
  constexpr Option DefaultDoc(std::string_view v) const {
    Option o = *this;
    o.default_doc = v;
    return o;
  }
  constexpr Option Values(std::string_view v) const {
    Option o = *this;
    o.values = v;
    return o;
  }
  constexpr Option For(std::string_view v) const {
    Option o = *this;
    o.variants = v;
    return o;
  }
  constexpr Option Min(double v, bool open = false) const {
    Option o = *this;
    o.min = v;
    o.min_open = open;
    return o;
  }
  constexpr Option Max(double v, bool open = false) const {
    Option o = *this;
    o.max = v;
    o.max_open = open;
    return o;
  }
  constexpr Option Required() const {
    Option o = *this;
    o.required = true;
    return o;
  }
  constexpr Option Restart() const {
    Option o = *this;
    o.restart = true;
    return o;
  }
  // True when `variant` is one of variants (or variants is empty).
  bool AppliesTo(std::string_view variant) const;
  // Strings and string list items: min and max bound the length.
  bool bounds_length() const {
    return type == OptionType::kString || type == OptionType::kPath || type == OptionType::kUrl ||
           type == OptionType::kHostPort || type == OptionType::kStringList;
  }
};

// Every option, grouped by section in document order.
std::span<const Option> Options();
// The options of one section (empty for an unknown section).
std::span<const Option> SectionOptions(std::string_view section);
// nullptr when section has no such key.
const Option* FindOption(std::string_view section, std::string_view key);
// The same among one section's options (a Section keeps its own).
const Option* FindOption(std::span<const Option> options, std::string_view key);

// min <= v <= max (or < for open bounds); false for NaN.
bool WithinBounds(const Option& o, double v);
// Bounds in docs notation: "1..65535", "(0, 100)", "> 0", ">= 1", "<= 7d".
std::string BoundsDoc(const Option& o);
// Bounds as a phrase for messages: "between 1 and 65535", "greater than 0s".
std::string BoundsPhrase(const Option& o);
// The option reference (one table per section) as it appears in docs/config.md.
std::string RenderOptionsMarkdown();

}  // namespace ninesd::config
