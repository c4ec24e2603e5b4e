#include "calc/design.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace ninesd::calc {
namespace {

// Per-component probabilities used by one evaluation.
struct Probs {
  std::vector<double> up, down;
};

Availability EvalNode(const Node& n, const Probs& p) {
  switch (n.kind) {
    case Node::Kind::kComponent:
      return {p.up[n.component], p.down[n.component]};
    case Node::Kind::kSeries: {
      // up = prod(up_i); down = 1 - prod(1 - down_i) without the subtraction.
      double up = 1, log_up = 0;
      for (const Node& c : n.children) {
        Availability a = EvalNode(c, p);
        up *= a.up;
        log_up += std::log1p(-a.down);
      }
      return {up, -std::expm1(log_up)};
    }
    case Node::Kind::kParallel: {
      double down = 1, log_down = 0;
      for (const Node& c : n.children) {
        Availability a = EvalNode(c, p);
        down *= a.down;
        log_down += std::log1p(-a.up);
      }
      return {-std::expm1(log_down), down};
    }
    case Node::Kind::kAtLeast: {
      // dist[j]: probability that exactly j of the children seen so far are
      // up (Poisson binomial); only sums of products, so no digits are lost.
      std::vector<double> dist{1.0};
      for (const Node& c : n.children) {
        Availability a = EvalNode(c, p);
        std::vector<double> next(dist.size() + 1, 0.0);
        for (size_t j = 0; j < dist.size(); ++j) {
          next[j] += dist[j] * a.down;
          next[j + 1] += dist[j] * a.up;
        }
        dist = std::move(next);
      }
      Availability r;
      for (size_t j = 0; j < dist.size(); ++j) {
        (static_cast<int>(j) >= n.k ? r.up : r.down) += dist[j];
      }
      return r;
    }
  }
  return {};
}

void CountUses(const Node& n, std::vector<int>& uses) {
  if (n.kind == Node::Kind::kComponent) {
    ++uses[n.component];
    return;
  }
  for (const Node& c : n.children) CountUses(c, uses);
}

void CollectComponents(const Node& n, std::set<uint32_t>& out) {
  if (n.kind == Node::Kind::kComponent) {
    out.insert(n.component);
    return;
  }
  for (const Node& c : n.children) CollectComponents(c, out);
}

// Replaces every leaf of component c by parallel(c, extra...).
void ReplaceLeaves(Node& n, uint32_t c, const std::vector<uint32_t>& extra) {
  if (n.kind == Node::Kind::kComponent) {
    if (n.component != c) return;
    Node par;
    par.kind = Node::Kind::kParallel;
    par.path = n.path;
    par.children.push_back(n);
    for (uint32_t e : extra) {
      Node leaf = n;
      leaf.component = e;
      par.children.push_back(leaf);
    }
    n = std::move(par);
    return;
  }
  for (Node& child : n.children) ReplaceLeaves(child, c, extra);
}

void Remap(Node& n, const std::map<uint32_t, uint32_t>& to) {
  if (n.kind == Node::Kind::kComponent) {
    n.component = to.at(n.component);
    return;
  }
  for (Node& c : n.children) Remap(c, to);
}

Node* FindPath(Node& n, const std::string& path) {
  if (n.path == path) return &n;
  for (Node& c : n.children) {
    if (Node* f = FindPath(c, path)) return f;
  }
  return nullptr;
}

void InnerNodes(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == Node::Kind::kComponent) return;
  out.push_back(&n);
  for (const Node& c : n.children) InnerNodes(c, out);
}

// Relative slack on the target: figures that equal it up to rounding meet it.
bool Meets(double down, double target_down) { return down <= target_down * (1 + 1e-9); }

std::string CopyName(const std::string& name, int copy) {
  return name + "#" + std::to_string(copy);
}

}  // namespace

double Availability::nines() const {
  if (down <= 0) return std::numeric_limits<double>::infinity();
  return -std::log10(down);
}

Result<Availability> Evaluate(const Design& design) {
  const size_t n = design.components.size();
  std::vector<int> uses(n, 0);
  CountUses(design.root, uses);
  std::vector<uint32_t> shared;
  for (uint32_t i = 0; i < n; ++i) {
    if (uses[i] > 1) shared.push_back(i);
  }
  if (shared.size() > static_cast<size_t>(kMaxShared)) {
    return Error{std::to_string(shared.size()) + " components are shared (named more than once); " +
                 "at most " + std::to_string(kMaxShared) + " can be evaluated exactly"};
  }
  Probs p;
  for (const Component& c : design.components) {
    p.up.push_back(c.up);
    p.down.push_back(c.down);
  }
  // Condition on each up/down combination of the shared components.
  Availability total;
  const uint64_t cases = uint64_t{1} << shared.size();
  for (uint64_t mask = 0; mask < cases; ++mask) {
    double weight = 1;
    for (size_t i = 0; i < shared.size(); ++i) {
      const Component& c = design.components[shared[i]];
      bool up = (mask >> i) & 1;
      weight *= up ? c.up : c.down;
      p.up[shared[i]] = up ? 1 : 0;
      p.down[shared[i]] = up ? 0 : 1;
    }
    if (weight == 0) continue;
    Availability a = EvalNode(design.root, p);
    total.up += weight * a.up;
    total.down += weight * a.down;
  }
  return total;
}

Result<std::vector<Change>> ChangesToMeet(const Design& design, double target_down) {
  std::vector<Change> out;
  auto base = Evaluate(design);
  if (!base.ok()) return base.error();

  // Improving one component: the design's unavailability is linear in it,
  // D(u) = D1 + u (D0 - D1), with D1 (D0) the design's when it is always up (down).
  for (uint32_t c = 0; c < design.components.size(); ++c) {
    Design d1 = design, d0 = design;
    d1.components[c].up = 1;
    d1.components[c].down = 0;
    d0.components[c].up = 0;
    d0.components[c].down = 1;
    auto a1 = Evaluate(d1), a0 = Evaluate(d0);
    if (!a1.ok() || !a0.ok()) continue;
    if (!Meets(a1->down, target_down) || a0->down <= a1->down) continue;
    double u = (target_down - a1->down) / (a0->down - a1->down);
    if (u >= design.components[c].down) continue;  // already good enough alone
    Design improved = design;
    improved.components[c].down = u;
    improved.components[c].up = 1 - u;
    auto r = Evaluate(improved);
    if (!r.ok()) continue;
    Change ch;
    ch.kind = Change::Kind::kImprove;
    ch.components_added = 0;
    ch.needed_down = u;
    ch.result = *r;
    ch.description = "improve " + design.components[c].name;
    out.push_back(ch);
  }

  // Redundant copies of one component, wherever it occurs.
  for (uint32_t c = 0; c < design.components.size(); ++c) {
    for (int copies = 1; copies <= 3; ++copies) {
      Design d = design;
      std::vector<uint32_t> extra;
      for (int i = 0; i < copies; ++i) {
        Component copy = design.components[c];
        copy.name = CopyName(copy.name, i + 2);
        extra.push_back(static_cast<uint32_t>(d.components.size()));
        d.components.push_back(copy);
      }
      ReplaceLeaves(d.root, c, extra);
      auto r = Evaluate(d);
      if (!r.ok()) break;
      if (!Meets(r->down, target_down)) continue;
      Change ch;
      ch.kind = Change::Kind::kRedundancy;
      ch.components_added = copies;
      ch.result = *r;
      ch.description = "add " + std::to_string(copies) + " redundant " + design.components[c].name +
                       (copies == 1 ? "" : "s") + " (in parallel)";
      out.push_back(ch);
      break;
    }
  }

  // Redundant copies of one branch (independent new instances of its components).
  std::vector<const Node*> inner;
  InnerNodes(design.root, inner);
  for (const Node* node : inner) {
    std::set<uint32_t> members;
    CollectComponents(*node, members);
    const int size = static_cast<int>(members.size());
    for (int copies = 1; copies <= 3; ++copies) {
      Design d = design;
      Node* target = FindPath(d.root, node->path);
      Node par;
      par.kind = Node::Kind::kParallel;
      par.path = node->path;
      par.children.push_back(*target);
      for (int i = 0; i < copies; ++i) {
        std::map<uint32_t, uint32_t> to;
        for (uint32_t m : members) {
          Component copy = design.components[m];
          copy.name = CopyName(copy.name, i + 2);
          to[m] = static_cast<uint32_t>(d.components.size());
          d.components.push_back(copy);
        }
        Node branch = *target;
        Remap(branch, to);
        par.children.push_back(std::move(branch));
      }
      *target = std::move(par);
      auto r = Evaluate(d);
      if (!r.ok()) break;
      if (!Meets(r->down, target_down)) continue;
      Change ch;
      ch.kind = Change::Kind::kRedundancy;
      ch.components_added = copies * size;
      ch.result = *r;
      ch.description = "add " + std::to_string(copies) + " redundant cop" +
                       (copies == 1 ? "y" : "ies") + " of " + node->path + " " +
                       Describe(design, *node);
      out.push_back(ch);
      break;
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Change& a, const Change& b) {
    if (a.components_added != b.components_added) return a.components_added < b.components_added;
    return a.result.down < b.result.down;
  });
  return out;
}

std::string Describe(const Design& design, const Node& node) {
  auto list = [&](const std::string& head) {
    std::string s = head + "(";
    for (size_t i = 0; i < node.children.size(); ++i) {
      if (i > 0) s += ", ";
      s += Describe(design, node.children[i]);
    }
    return s + ")";
  };
  switch (node.kind) {
    case Node::Kind::kComponent:
      return design.components[node.component].name;
    case Node::Kind::kSeries:
      return list("series");
    case Node::Kind::kParallel:
      return list("parallel");
    case Node::Kind::kAtLeast:
      return list(std::to_string(node.k) + " of ");
  }
  return "";
}

}  // namespace ninesd::calc
