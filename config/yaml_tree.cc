#include "config/yaml_tree.h"

#include <yaml.h>

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace ninesd::yaml {
namespace detail {
namespace {
const Data kNull{};
}  // namespace
}  // namespace detail

const detail::Data& Node::data() const {
  return store_ == nullptr ? detail::kNull : store_->nodes[index_];
}

std::string_view Node::Scalar() const {
  const detail::Data& d = data();
  if (d.type != NodeType::Scalar) return {};
  return std::string_view(store_->chars).substr(d.first, d.size);
}

std::string_view Node::Tag() const {
  const detail::Data& d = data();
  if (d.tag != 0) return store_->tags[d.tag];
  return d.plain || d.type != NodeType::Scalar ? "?" : "!";
}

Node Node::operator[](size_t i) const {
  const detail::Data& d = data();
  if (d.type != NodeType::Sequence || i >= d.size) return Node();
  return Node(store_, store_->kids[d.first + i]);
}

Node::iterator Node::begin() const {
  const detail::Data& d = data();
  bool collection = d.type == NodeType::Sequence || d.type == NodeType::Map;
  return iterator(store_, collection ? d.first : 0, 0, d.type == NodeType::Map);
}

Node::iterator Node::end() const {
  const detail::Data& d = data();
  bool collection = d.type == NodeType::Sequence || d.type == NodeType::Map;
  return iterator(store_, collection ? d.first : 0, collection ? d.size : 0,
                  d.type == NodeType::Map);
}

void Node::iterator::Load() const {
  if (map_) {
    item_.first = Node(store_, store_->kids[kid_ + 2 * pos_]);
    item_.second = Node(store_, store_->kids[kid_ + 2 * pos_ + 1]);
  } else {
    static_cast<Node&>(item_) = Node(store_, store_->kids[kid_ + pos_]);
  }
}

Mark MarkAtOffset(std::string_view text, size_t offset) {
  size_t at = std::min(offset, text.size());
  std::string_view before = text.substr(0, at);
  size_t nl = before.rfind('\n');
  return Mark{static_cast<int>(at),
              static_cast<int>(std::count(before.begin(), before.end(), '\n')),
              static_cast<int>(nl == std::string_view::npos ? at : at - nl - 1)};
}

namespace {

Mark ToMark(const yaml_mark_t& m) {
  auto clamp = [](size_t v) {
    return static_cast<int>(std::min<size_t>(v, std::numeric_limits<int>::max()));
  };
  return Mark{clamp(m.index), clamp(m.line), clamp(m.column)};
}

// Owns the parser and the current event.
struct Parser {
  yaml_parser_t parser;
  yaml_event_t event;
  bool have_event = false;

  explicit Parser(std::string_view text) {
    yaml_parser_initialize(&parser);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&parser, reinterpret_cast<const unsigned char*>(text.data()),
                                 text.size());
  }
  ~Parser() {
    Drop();
    yaml_parser_delete(&parser);
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  bool Next() {
    Drop();
    have_event = yaml_parser_parse(&parser, &event) != 0;
    return have_event;
  }
  void Drop() {
    if (have_event) yaml_event_delete(&event);
    have_event = false;
  }
};

// libyaml's own message, with its context ("while parsing a flow mapping").
Error SyntaxError(const yaml_parser_t& p, std::string_view text) {
  Error e;
  std::string problem = p.problem != nullptr ? p.problem : "unknown error";
  if (p.error == YAML_READER_ERROR) {
    // Reader errors give a byte offset only.
    e.mark = MarkAtOffset(text, p.problem_offset);
    e.message = "invalid YAML: " + problem + " (a config file is UTF-8 text)";
    e.syntax = true;
    return e;
  }
  std::string context = p.context != nullptr ? p.context : "";
  if (problem == "found unexpected end of stream" && context == "while scanning a quoted scalar") {
    e.mark = ToMark(p.context_mark);
    e.message = "unterminated quoted string";
    return e;
  }
  e.mark = ToMark(p.problem_mark);
  e.message = "invalid YAML: " + problem;
  e.syntax = true;
  if (!context.empty()) {
    e.message += " " + context + " started at line " + std::to_string(p.context_mark.line + 1);
  }
  return e;
}

}  // namespace

// Builds the tree from libyaml's events and enforces the limits.
class Builder {
 public:
  Builder(const Limits& limits, Documents& out) : limits_(limits), out_(out), s_(*out.store_) {}

  // false with *error set.
  bool Run(std::string_view text, Error* error) {
    s_.chars.reserve(text.size());
    s_.nodes.reserve(text.size() / 8);
    Parser p(text);
    try {
      while (true) {
        if (!p.Next()) {
          *error = SyntaxError(p.parser, text);
          return false;
        }
        const yaml_event_t& ev = p.event;
        if (ev.type == YAML_STREAM_END_EVENT) return true;
        Handle(ev);
      }
    } catch (const Error& e) {
      *error = e;
      return false;
    }
  }

 private:
  struct Frame {
    uint32_t node;
    size_t kids_start;  // into pending_
    uint64_t expanded;  // nodes in the subtree with aliases expanded
    std::string anchor;
  };
  struct Anchor {
    uint32_t node = 0;
    uint64_t expanded = 0;  // 0 while the node is open: an alias to it is a cycle
  };

  void Handle(const yaml_event_t& ev) {
    Mark mark = ToMark(ev.start_mark);
    switch (ev.type) {
      case YAML_DOCUMENT_START_EVENT:
        if (++documents_ > limits_.max_documents) {
          throw Error{mark, limits_.max_documents == 1
                                ? std::string("only one YAML document is allowed per file")
                                : "more than " + std::to_string(limits_.max_documents) +
                                      " YAML documents in one file"};
        }
        return;
      case YAML_DOCUMENT_END_EVENT:
        return;
      case YAML_ALIAS_EVENT: {
        auto it = anchors_.find(Text(ev.data.alias.anchor));
        if (it == anchors_.end() || it->second.expanded == 0) {
          throw Error{mark, it == anchors_.end()
                                ? "alias to an undefined anchor"
                                : "an alias may not refer to a node that contains it"};
        }
        // Only what aliases add counts toward the limit: nodes written out
        // are bounded by the file's size.
        aliased_ += it->second.expanded;
        if (aliased_ > limits_.max_alias_nodes) {
          throw Error{mark, "aliases expand to more than " +
                                std::to_string(limits_.max_alias_nodes) + " nodes"};
        }
        Attach(it->second.node, it->second.expanded);
        return;
      }
      case YAML_SCALAR_EVENT: {
        const auto& sc = ev.data.scalar;
        std::string_view value(reinterpret_cast<const char*>(sc.value), sc.length);
        detail::Data d;
        d.mark = mark;
        d.tag = Tag(sc.tag);
        d.plain = sc.style == YAML_PLAIN_SCALAR_STYLE;
        // yaml-cpp's and YAML 1.2's null: a plain, untagged ~, null or nothing.
        if (d.plain && d.tag == 0 &&
            (value.empty() || value == "~" || value == "null" || value == "Null" ||
             value == "NULL")) {
          d.type = NodeType::Null;
        } else {
          d.type = NodeType::Scalar;
          d.first = Offset(s_.chars.size());
          d.size = Offset(value.size());
          s_.chars.append(value);
        }
        uint32_t index = Add(d);
        if (sc.anchor != nullptr) anchors_[Text(sc.anchor)] = Anchor{index, 1};
        Attach(index, 1);
        return;
      }
      case YAML_SEQUENCE_START_EVENT:
        Open(NodeType::Sequence, mark, ev.data.sequence_start.tag, ev.data.sequence_start.anchor);
        return;
      case YAML_MAPPING_START_EVENT:
        Open(NodeType::Map, mark, ev.data.mapping_start.tag, ev.data.mapping_start.anchor);
        return;
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        Close();
        return;
      default:
        return;
    }
  }

  static std::string Text(const yaml_char_t* s) {
    return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
  }

  static uint32_t Offset(size_t n) {
    if (n > std::numeric_limits<uint32_t>::max()) throw Error{Mark{}, "YAML text too large"};
    return static_cast<uint32_t>(n);
  }

  uint32_t Tag(const yaml_char_t* tag) {
    if (tag == nullptr) return 0;
    std::string t = Text(tag);
    for (size_t i = 1; i < s_.tags.size(); ++i) {
      if (s_.tags[i] == t) return static_cast<uint32_t>(i);
    }
    s_.tags.push_back(std::move(t));
    return static_cast<uint32_t>(s_.tags.size() - 1);
  }

  uint32_t Add(const detail::Data& d) {
    s_.nodes.push_back(d);
    return Offset(s_.nodes.size() - 1);
  }

  // A finished node becomes a child of the open collection, or a document root.
  void Attach(uint32_t node, uint64_t expanded) {
    if (stack_.empty()) {
      out_.roots_.push_back(node);
      return;
    }
    pending_.push_back(node);
    stack_.back().expanded += expanded;
  }

  void Open(NodeType type, const Mark& mark, const yaml_char_t* tag, const yaml_char_t* anchor) {
    if (stack_.size() >= limits_.max_depth) {
      throw Error{mark, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels"};
    }
    detail::Data d;
    d.type = type;
    d.mark = mark;
    d.tag = Tag(tag);
    uint32_t index = Add(d);
    std::string name = Text(anchor);
    if (!name.empty()) anchors_[name] = Anchor{index, 0};
    stack_.push_back(Frame{index, pending_.size(), 1, std::move(name)});
  }

  void Close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    detail::Data& d = s_.nodes[f.node];
    size_t n = pending_.size() - f.kids_start;
    d.first = Offset(s_.kids.size());
    d.size = Offset(d.type == NodeType::Map ? n / 2 : n);
    s_.kids.insert(s_.kids.end(), pending_.begin() + static_cast<std::ptrdiff_t>(f.kids_start),
                   pending_.end());
    pending_.resize(f.kids_start);
    if (!f.anchor.empty()) anchors_[f.anchor] = Anchor{f.node, f.expanded};
    Attach(f.node, f.expanded);
  }

  const Limits& limits_;
  Documents& out_;
  detail::Store& s_;
  int documents_ = 0;
  uint64_t aliased_ = 0;  // over every document of the stream
  std::vector<Frame> stack_;
  std::vector<uint32_t> pending_;  // children of the open collections
  std::unordered_map<std::string, Anchor> anchors_;
};

std::optional<Documents> Documents::Parse(std::string_view text, const Limits& limits,
                                          Error* error) {
  Documents docs;
  Builder b(limits, docs);
  Error ignored;
  if (!b.Run(text, error != nullptr ? error : &ignored)) return std::nullopt;
  return docs;
}

}  // namespace ninesd::yaml
