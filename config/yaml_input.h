#pragma once
// Parsing of untrusted YAML text into a tree (internal to config/ and calc/).
// Every failure becomes one positioned diagnostic, and input that would make
// the loader's work explode is refused: nesting deeper than kMaxDepth, alias
// expansion beyond kMaxNodes ("billion laughs"), aliases to an enclosing node
// (cycles), too many documents, NUL bytes.

#include <optional>
#include <string_view>

#include "config/reader.h"
#include "config/yaml_tree.h"

namespace ninesd::config::internal {

inline constexpr size_t kMaxDepth = 64;
inline constexpr uint64_t kMaxNodes = 1'000'000;
inline constexpr int kMaxDocuments = 1000;

// nullopt (with a diagnostic in diag) when the text is not acceptable YAML.
// An empty file gives no documents (Root() gives a null node then).
std::optional<yaml::Documents> ParseYaml(std::string_view text, Diagnostics& diag);
// Same for a stream of documents separated by `---` (a config followed by
// OpenSLO documents); the limits apply to the whole stream.
std::optional<yaml::Documents> ParseYamlDocuments(std::string_view text, Diagnostics& diag);

// The first document's root; a null node for an empty file.
inline yaml::Node Root(const yaml::Documents& docs) {
  return docs.empty() ? yaml::Node() : docs[0];
}

}  // namespace ninesd::config::internal
