#pragma once
// Parsing of untrusted YAML text into a yaml-cpp tree (internal to config/).
// yaml-cpp 0.7 throws on malformed input and has blind spots; this adapter
// turns every failure into one positioned diagnostic and refuses input that
// would make the loader's work explode: nesting deeper than kMaxDepth, alias
// expansion beyond kMaxNodes ("billion laughs"), aliases to an enclosing node
// (cycles), several documents, NUL bytes, and a quoted scalar left open at the
// end of the file (yaml-cpp 0.7 accepts `"99.9` as "99.9 ").

#include <optional>
#include <string_view>
#include <vector>

#include "config/reader.h"
#include "yaml-cpp/yaml.h"

namespace ninesd::config::internal {

inline constexpr size_t kMaxDepth = 64;
inline constexpr uint64_t kMaxNodes = 1'000'000;
inline constexpr int kMaxDocuments = 1000;

// nullopt (with a diagnostic in diag) when the text is not acceptable YAML.
// An empty file gives a null node.
std::optional<YAML::Node> ParseYaml(std::string_view text, Diagnostics& diag);
// Same for a stream of documents separated by `---` (a config followed by
// OpenSLO documents); the limits apply to the whole stream. An empty file
// gives no documents.
std::optional<std::vector<YAML::Node>> ParseYamlDocuments(std::string_view text, Diagnostics& diag);

}  // namespace ninesd::config::internal
