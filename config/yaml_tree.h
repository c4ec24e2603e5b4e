#pragma once
// A read-only YAML tree parsed by libyaml (internal to config/ and calc/).
//
// libyaml's parser reads a config of 100 000 SLOs (11 MB) in 0.35 s where
// yaml-cpp 0.7's took 2.1 s before building its tree, so the tree is ours: one
// array of nodes, one of child indices and one of scalar text. Nodes are
// handles into a Documents that must outlive them. An alias is the node its
// anchor names (the same node, as in the file it is written once), so the
// limits on what aliases expand to are checked while parsing.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ninesd::yaml {

// 0-based, as libyaml counts.
struct Mark {
  int pos = 0;
  int line = 0;
  int column = 0;
};

enum class NodeType : uint8_t { Null, Scalar, Sequence, Map };

namespace detail {
struct Data {
  NodeType type = NodeType::Null;
  bool plain = false;  // a plain scalar (Tag() "?" unless tagged)
  uint32_t tag = 0;    // index into Store::tags; 0: none
  uint32_t first = 0;  // scalar: offset into Store::chars; collection: into Store::kids
  uint32_t size = 0;   // scalar: length; sequence: items; map: pairs
  Mark mark;
};
struct Store {
  std::vector<Data> nodes;
  std::vector<uint32_t> kids;  // a map's pairs as key, value
  std::string chars;
  std::vector<std::string> tags{""};
};
}  // namespace detail

class Node;

// A map entry or a sequence item, as the iterators give them.
struct Item;

class Node {
 public:
  // A null node that belongs to no document (an absent value).
  Node() = default;

  NodeType Type() const { return data().type; }
  bool IsNull() const { return Type() == NodeType::Null; }
  bool IsScalar() const { return Type() == NodeType::Scalar; }
  bool IsSequence() const { return Type() == NodeType::Sequence; }
  bool IsMap() const { return Type() == NodeType::Map; }

  // The text of a scalar; "" for other nodes.
  std::string_view Scalar() const;
  // The tag as yaml-cpp reports it: "?" for a plain scalar or an untagged
  // collection, "!" for an untagged quoted or block scalar, else the resolved
  // tag ("tag:yaml.org,2002:str" for !!str).
  std::string_view Tag() const;
  yaml::Mark Mark() const { return data().mark; }

  // Items of a sequence, pairs of a map, 0 otherwise.
  size_t size() const { return IsSequence() || IsMap() ? data().size : 0; }
  // Item i of a sequence (i < size()).
  Node operator[](size_t i) const;

  class iterator;
  iterator begin() const;
  iterator end() const;

 private:
  friend class Documents;
  friend class Builder;
  Node(const detail::Store* store, uint32_t index) : store_(store), index_(index) {}
  const detail::Data& data() const;

  const detail::Store* store_ = nullptr;
  uint32_t index_ = 0;
};

struct Item : Node {
  Node first;   // a map's key
  Node second;  // a map's value
};

// Walks a sequence's items (as the Item's Node) or a map's pairs (first, second).
class Node::iterator {
 public:
  using value_type = Item;
  using difference_type = std::ptrdiff_t;
  using reference = const Item&;
  using pointer = const Item*;
  using iterator_category = std::forward_iterator_tag;

  iterator() = default;
  const Item& operator*() const {
    Load();
    return item_;
  }
  const Item* operator->() const {
    Load();
    return &item_;
  }
  iterator& operator++() {
    ++pos_;
    return *this;
  }
  bool operator==(const iterator& o) const { return pos_ == o.pos_; }

 private:
  friend class Node;
  iterator(const detail::Store* store, uint32_t kid, uint32_t pos, bool map)
      : store_(store), kid_(kid), pos_(pos), map_(map) {}
  void Load() const;

  const detail::Store* store_ = nullptr;
  uint32_t kid_ = 0;  // the collection's first child in Store::kids
  uint32_t pos_ = 0;
  bool map_ = false;
  mutable Item item_;
};

// What parsing may refuse beyond YAML syntax.
struct Limits {
  size_t max_depth = 64;               // nested collections
  uint64_t max_alias_nodes = 1 << 20;  // nodes that aliases add when expanded
  int max_documents = 1;
};

struct Error {
  Mark mark;
  std::string message;
  bool syntax = false;  // the parser's own "invalid YAML" (not a limit, not an open quote)
};

// Where byte `offset` of text is.
Mark MarkAtOffset(std::string_view text, size_t offset);

// The documents of one YAML stream.
class Documents {
 public:
  // nullopt with *error (if given) set when the text is not YAML or breaks a
  // limit. An
  // empty stream has no documents.
  static std::optional<Documents> Parse(std::string_view text, const Limits& limits, Error* error);

  size_t size() const { return roots_.size(); }
  bool empty() const { return roots_.empty(); }
  Node operator[](size_t i) const { return Node(store_.get(), roots_[i]); }

 private:
  friend class Builder;
  std::unique_ptr<detail::Store> store_ = std::make_unique<detail::Store>();
  std::vector<uint32_t> roots_;
};

}  // namespace ninesd::yaml
