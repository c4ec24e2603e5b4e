#include "config/yaml_input.h"

#include <algorithm>
#include <vector>

namespace ninesd::config::internal {
namespace {

// Byte offset of the start of every line.
std::vector<size_t> LineStarts(std::string_view text) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  return starts;
}

// A parser error on a line indented with a tab is reported at the tab.
std::optional<yaml::Mark> TabIndentNear(std::string_view text, int error_line) {
  std::vector<size_t> starts = LineStarts(text);
  for (int line = std::max(0, error_line - 1); line <= error_line; ++line) {
    if (line < 0 || static_cast<size_t>(line) >= starts.size()) continue;
    size_t start = starts[static_cast<size_t>(line)];
    for (size_t i = start; i < text.size(); ++i) {
      if (text[i] == '\t')
        return yaml::Mark{static_cast<int>(i), line, static_cast<int>(i - start)};
      if (text[i] != ' ') break;
    }
  }
  return std::nullopt;
}

std::optional<yaml::Documents> Parse(std::string_view text, Diagnostics& diag, int max_documents) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    diag.Add(yaml::MarkAtOffset(text, nul), "NUL byte in the file (a config file is UTF-8 text)");
    return std::nullopt;
  }
  yaml::Limits limits;
  limits.max_depth = kMaxDepth;
  limits.max_alias_nodes = kMaxNodes;
  limits.max_documents = max_documents;
  yaml::Error error;
  std::optional<yaml::Documents> docs = yaml::Documents::Parse(text, limits, &error);
  if (docs) return docs;
  if (error.syntax) {
    if (auto tab = TabIndentNear(text, error.mark.line)) {
      diag.Add(*tab, "tab character in indentation; YAML indents with spaces only");
      return std::nullopt;
    }
  }
  diag.Add(error.mark, error.message);
  return std::nullopt;
}

}  // namespace

std::optional<yaml::Documents> ParseYaml(std::string_view text, Diagnostics& diag) {
  return Parse(text, diag, 1);
}

std::optional<yaml::Documents> ParseYamlDocuments(std::string_view text, Diagnostics& diag) {
  return Parse(text, diag, kMaxDocuments);
}

}  // namespace ninesd::config::internal
