#pragma once
// Composite availability of a design: a tree of components in series, in
// parallel and k-of-n. A component named more than once is one component
// (shared failure), so the tree is not a product of independent parts; the
// evaluation conditions on every shared component (2^s cases) and treats the
// rest, which occur once each, as independent. Exact formulas: docs/calc.md.
//
// Figures are carried as both P(up) and P(down), each computed without
// subtracting from 1 where that would lose digits (five nines and beyond).
// Pure: no I/O. Thread: any.

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace ninesd::calc {

struct Component {
  std::string name;
  double up = 1;                  // availability as a probability
  double down = 0;                // 1 - up, from the exact decimal
  std::string availability_text;  // as written (percent)
};

struct Node {
  enum class Kind : uint8_t { kComponent, kSeries, kParallel, kAtLeast };
  Kind kind = Kind::kComponent;
  uint32_t component = 0;  // kComponent: index into Design::components
  int k = 0;               // kAtLeast: members that must be up
  std::vector<Node> children;
  std::string path;  // where it is written: "design.parallel[0]"
};

struct Design {
  std::vector<Component> components;
  Node root;
};

struct Availability {
  double up = 0;
  double down = 0;
  double nines() const;  // -log10(down); infinity when down is 0
};

// Components that may be shared (named twice or more) before the
// enumeration is refused: 2^kMaxShared evaluations of the tree.
inline constexpr int kMaxShared = 20;

// Error when the design has more than kMaxShared shared components.
Result<Availability> Evaluate(const Design& design);

// One change that makes the design meet a target.
struct Change {
  enum class Kind : uint8_t { kImprove, kRedundancy };
  Kind kind = Kind::kImprove;
  int components_added = 0;
  std::string description;
  double needed_down = 0;  // kImprove: the component's unavailability must be at most this
  Availability result;     // the design's availability after the change
};

// The single changes that make the design's unavailability at most
// target_down, cheapest first (components added, then best result):
// improving one component (0 added), or adding 1..3 redundant copies of one
// component (every place it occurs) or of one branch of the tree.
Result<std::vector<Change>> ChangesToMeet(const Design& design, double target_down);

// "series(web-a, db)", "2 of (a, b, c)": a short text of a subtree.
std::string Describe(const Design& design, const Node& node);

}  // namespace ninesd::calc
