#include "config/yaml_input.h"

#include <algorithm>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "yaml-cpp/eventhandler.h"

namespace ninesd::config::internal {
namespace {

struct Rejected {
  YAML::Mark mark;
  std::string message;
};

YAML::Mark MarkAt(int line, int column) {
  YAML::Mark m;
  m.line = line;
  m.column = column;
  return m;
}

// Byte offset of the start of every line.
std::vector<size_t> LineStarts(std::string_view text) {
  std::vector<size_t> starts{0};
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts.push_back(i + 1);
  }
  return starts;
}

// yaml-cpp 0.7 reads a quoted scalar that is never closed as if the end of
// the file closed it. Only the last scalar can be affected: an earlier one
// would have been closed by the next quote character.
void CheckLastScalar(std::string_view text, const std::optional<YAML::Mark>& last) {
  if (!last) return;
  const YAML::Mark& m = *last;
  std::vector<size_t> starts = LineStarts(text);
  // Only where the mark's byte offset agrees with its line and column.
  if (m.line < 0 || static_cast<size_t>(m.line) >= starts.size() ||
      starts[static_cast<size_t>(m.line)] + static_cast<size_t>(m.column) !=
          static_cast<size_t>(m.pos)) {
    return;
  }
  size_t i = static_cast<size_t>(m.pos);
  // Skip an anchor and a tag in front of the scalar.
  while (i < text.size() && (text[i] == '&' || text[i] == '!')) {
    while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') ++i;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
  }
  if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) return;
  char quote = text[i];
  for (size_t j = i + 1; j < text.size(); ++j) {
    if (quote == '"' && text[j] == '\\') {
      ++j;
    } else if (text[j] == quote) {
      if (quote == '\'' && j + 1 < text.size() && text[j + 1] == '\'') {
        ++j;  // '' is an escaped quote
      } else {
        return;
      }
    }
  }
  throw Rejected{m, "unterminated quoted string"};
}

// A first pass over the parser's events, before any tree is built: bounds the
// nesting depth and the size of the document with aliases expanded.
class Guard : public YAML::EventHandler {
 public:
  explicit Guard(int max_documents) : max_documents_(max_documents) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > max_documents_) {
      throw Rejected{mark, max_documents_ == 1
                               ? std::string("only one YAML document is allowed per file")
                               : "more than " + std::to_string(max_documents_) +
                                     " YAML documents in one file"};
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& /*mark*/, YAML::anchor_t anchor) override { Leaf(anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = sizes_.find(anchor);
    if (it == sizes_.end() || it->second == 0) {
      throw Rejected{mark, "an alias may not refer to a node that contains it"};
    }
    // Only what aliases add counts toward the limit: nodes written out are
    // bounded by the file's size (a config of 100 000 SLOs has millions).
    aliased_ += it->second;
    if (aliased_ > kMaxNodes) {
      throw Rejected{mark, "aliases expand to more than " + std::to_string(kMaxNodes) + " nodes"};
    }
    Add(it->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                const std::string& /*value*/) override {
    last_scalar_ = mark;
    Leaf(anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

  // The mark of the last scalar read, if any.
  const std::optional<YAML::Mark>& last_scalar() const { return last_scalar_; }

 private:
  struct Frame {
    YAML::anchor_t anchor;
    uint64_t size;
  };

  void Add(uint64_t nodes) {
    if (!stack_.empty()) stack_.back().size += nodes;
  }
  void Leaf(YAML::anchor_t anchor) {
    Add(1);
    if (anchor != 0) sizes_[anchor] = 1;
  }
  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (stack_.size() >= kMaxDepth) {
      throw Rejected{mark, "nesting deeper than " + std::to_string(kMaxDepth) + " levels"};
    }
    Add(1);
    stack_.push_back(Frame{anchor, 1});
    if (anchor != 0) sizes_[anchor] = 0;  // open: an alias to it now would be a cycle
  }
  void Close() {
    Frame f = stack_.back();
    stack_.pop_back();
    if (f.anchor != 0) sizes_[f.anchor] = f.size;
    if (!stack_.empty()) stack_.back().size += f.size;
  }

  int max_documents_;
  int documents_ = 0;
  uint64_t aliased_ = 0;  // nodes added by expanding aliases, in every document
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, uint64_t> sizes_;  // expanded size per anchor; 0: open
  std::optional<YAML::Mark> last_scalar_;
};

// A parser error on a line indented with a tab is reported at the tab.
std::optional<YAML::Mark> TabIndentNear(std::string_view text, int error_line) {
  std::vector<size_t> starts = LineStarts(text);
  for (int line = std::max(0, error_line - 1); line <= error_line; ++line) {
    if (line < 0 || static_cast<size_t>(line) >= starts.size()) continue;
    for (size_t i = starts[static_cast<size_t>(line)]; i < text.size(); ++i) {
      if (text[i] == '\t') return MarkAt(line, static_cast<int>(i - starts[line]));
      if (text[i] != ' ') break;
    }
  }
  return std::nullopt;
}

// What the guard looks at, read from a loaded tree without aliases: the
// deepest nesting of collections and the last scalar.
struct TreeFacts {
  size_t depth = 0;
  std::optional<YAML::Mark> last_scalar;
  void Walk(const YAML::Node& node, size_t level) {
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        if (!last_scalar || node.Mark().pos > last_scalar->pos) last_scalar = node.Mark();
        return;
      case YAML::NodeType::Sequence:
        depth = std::max(depth, level + 1);
        if (level + 1 > kMaxDepth) return;
        for (const YAML::Node& item : node) Walk(item, level + 1);
        return;
      case YAML::NodeType::Map:
        depth = std::max(depth, level + 1);
        if (level + 1 > kMaxDepth) return;
        for (const auto& kv : node) {
          Walk(kv.first, level + 1);
          Walk(kv.second, level + 1);
        }
        return;
      default:
        return;
    }
  }
};

// The guard's pass costs as much as the load itself: yaml-cpp's scanner runs
// twice (3.4 s each for a config of 100 000 SLOs). A file without an anchor
// has no alias to expand, so the rest of what the guard checks is read from
// the loaded tree instead. nullopt when anything is amiss: the guard's pass
// then gives the diagnostic, exactly as it would have.
std::optional<std::vector<YAML::Node>> LoadWithoutAnchors(std::string_view text,
                                                          const std::string& copy,
                                                          int max_documents) {
  if (copy.find('&') != std::string::npos) return std::nullopt;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(copy);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (docs.empty() || docs.size() > static_cast<size_t>(max_documents)) return std::nullopt;
  TreeFacts facts;
  for (const YAML::Node& d : docs) facts.Walk(d, 0);
  if (facts.depth > kMaxDepth) return std::nullopt;
  try {
    CheckLastScalar(text, facts.last_scalar);
  } catch (const Rejected&) {
    return std::nullopt;
  }
  return docs;
}

std::optional<std::vector<YAML::Node>> Parse(std::string_view text, Diagnostics& diag,
                                             int max_documents) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    std::vector<size_t> starts = LineStarts(text.substr(0, nul));
    diag.Add(MarkAt(static_cast<int>(starts.size() - 1), static_cast<int>(nul - starts.back())),
             "NUL byte in the file (a config file is UTF-8 text)");
    return std::nullopt;
  }
  std::string copy(text);
  if (auto docs = LoadWithoutAnchors(text, copy, max_documents)) return docs;
  try {
    std::istringstream events(copy);
    YAML::Parser parser(events);
    Guard guard(max_documents);
    while (parser.HandleNextDocument(guard)) {
    }
    CheckLastScalar(text, guard.last_scalar());
    if (max_documents == 1) return std::vector<YAML::Node>{YAML::Load(copy)};
    return YAML::LoadAll(copy);
  } catch (const Rejected& e) {
    diag.Add(e.mark, e.message);
  } catch (const YAML::Exception& e) {
    if (auto tab = TabIndentNear(text, e.mark.line)) {
      diag.Add(*tab, "tab character in indentation; YAML indents with spaces only");
    } else {
      diag.Add(e.mark, "invalid YAML: " + e.msg);
    }
  } catch (const std::exception& e) {
    diag.Add(YAML::Mark(), std::string("invalid YAML: ") + e.what());
  }
  return std::nullopt;
}

}  // namespace

std::optional<YAML::Node> ParseYaml(std::string_view text, Diagnostics& diag) {
  auto docs = Parse(text, diag, 1);
  if (!docs) return std::nullopt;
  return docs->front();
}

std::optional<std::vector<YAML::Node>> ParseYamlDocuments(std::string_view text,
                                                          Diagnostics& diag) {
  return Parse(text, diag, kMaxDocuments);
}

}  // namespace ninesd::config::internal
