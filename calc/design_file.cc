#include "calc/design_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "calc/nines.h"
#include "config/reader.h"
#include "config/yaml_input.h"

namespace ninesd::calc {
namespace {

using config::internal::Describe;
using config::internal::Diagnostics;
using config::internal::DidYouMean;
using config::internal::Quote;

constexpr size_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxNodes = 10'000;

struct Entry {
  std::string key;
  yaml::Node key_node;
  yaml::Node value;
};

class Reader {
 public:
  explicit Reader(Diagnostics& diag) : diag_(diag) {}

  void ReadRoot(const yaml::Node& root, Design& out) {
    if (!root.IsMap()) {
      diag_.Add(root.Mark(), "expected a map with the key \"design\", got " + Describe(root));
      return;
    }
    std::vector<Entry> entries = Entries(root, "", {"design"});
    const Entry* design = nullptr;
    for (const Entry& e : entries) {
      if (e.key == "design") design = &e;
    }
    if (!design) {
      diag_.Add(root.Mark(), "missing key \"design\" (the tree of components)");
      return;
    }
    design_ = &out;
    std::optional<Node> tree = ReadNode(design->value, "design", design->key_node.Mark());
    for (const auto& [name, info] : names_) {
      if (!info.availability) {
        diag_.Add(info.first_mark, "component " + Quote(name) +
                                       ": no availability given (add availability: PERCENT)");
      }
    }
    if (tree) out.root = std::move(*tree);
  }

 private:
  struct NameInfo {
    uint32_t index;
    yaml::Mark first_mark;
    std::optional<Percent> availability;
    yaml::Mark availability_mark;
  };

  // The entries of a map; duplicate and unknown keys are reported.
  std::vector<Entry> Entries(const yaml::Node& map, const std::string& path,
                             const std::vector<std::string_view>& allowed) {
    std::vector<Entry> out;
    for (const auto& kv : map) {
      yaml::Node k = kv.first;
      if (!k.IsScalar()) {
        diag_.Add(k.Mark(), "expected a string key, got " + Describe(k));
        continue;
      }
      std::string key(k.Scalar());
      std::string where = path.empty() ? "" : " in " + path;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        diag_.Add(k.Mark(), "unknown key " + Quote(key) + where + DidYouMean(key, allowed));
        continue;
      }
      bool dup = false;
      for (const Entry& e : out) dup |= e.key == key;
      if (dup) {
        diag_.Add(k.Mark(), "duplicate key " + Quote(key) + where);
        continue;
      }
      out.push_back({key, k, kv.second});
    }
    return out;
  }

  std::optional<Node> ReadNode(const yaml::Node& n, const std::string& path,
                               const yaml::Mark& where) {
    if (++nodes_ > kMaxNodes) {
      if (nodes_ == kMaxNodes + 1) {
        diag_.Add(where,
                  path + ": the design has more than " + std::to_string(kMaxNodes) + " nodes");
      }
      return std::nullopt;
    }
    const yaml::Mark mark = n.IsNull() ? where : n.Mark();
    if (!n.IsMap()) {
      diag_.Add(mark, path + ": expected a map with one of component, series, parallel or " +
                          "at_least, got " + Describe(n));
      return std::nullopt;
    }
    std::vector<Entry> entries =
        Entries(n, path, {"component", "availability", "series", "parallel", "at_least", "of"});
    auto find = [&](std::string_view key) -> const Entry* {
      for (const Entry& e : entries) {
        if (e.key == key) return &e;
      }
      return nullptr;
    };
    // Exactly one kind per node.
    const Entry* kind = nullptr;
    for (const Entry& e : entries) {
      if (e.key != "component" && e.key != "series" && e.key != "parallel" && e.key != "at_least") {
        continue;
      }
      if (kind) {
        diag_.Add(e.key_node.Mark(), path + ": a node is one of component, series, parallel or " +
                                         "at_least; found both " + Quote(kind->key) + " and " +
                                         Quote(e.key));
        return std::nullopt;
      }
      kind = &e;
    }
    if (!kind) {
      diag_.Add(mark, path + ": expected one of component, series, parallel or at_least");
      return std::nullopt;
    }
    Node node;
    node.path = path;
    auto misplaced = [&](std::string_view key, const std::string& why) {
      if (const Entry* e = find(key))
        diag_.Add(e->key_node.Mark(), path + "." + e->key + ": " + why);
    };
    if (kind->key == "component") {
      node.kind = Node::Kind::kComponent;
      misplaced("of", "only an at_least node has \"of\"");
      if (!kind->value.IsScalar() || kind->value.Scalar().empty()) {
        diag_.Add(kind->value.IsNull() ? kind->key_node.Mark() : kind->value.Mark(),
                  path + ".component: expected a component name, got " + Describe(kind->value));
        return std::nullopt;
      }
      const std::string name(kind->value.Scalar());
      std::optional<Percent> avail;
      yaml::Mark avail_mark;
      if (const Entry* a = find("availability")) {
        avail_mark = a->value.IsNull() ? a->key_node.Mark() : a->value.Mark();
        if (!a->value.IsScalar()) {
          diag_.Add(avail_mark, path + ".availability: expected a percentage such as 99.95, got " +
                                    Describe(a->value));
          return std::nullopt;
        }
        auto p = ParsePercent(a->value.Scalar());
        if (!p.ok()) {
          diag_.Add(avail_mark, path + ".availability: " + p.error().message);
          return std::nullopt;
        }
        avail = *p;
      }
      auto it = names_.find(name);
      if (it == names_.end()) {
        NameInfo info{static_cast<uint32_t>(design_->components.size()), kind->value.Mark(), avail,
                      avail_mark};
        Component c;
        c.name = name;
        if (avail) Set(c, *avail);
        design_->components.push_back(c);
        it = names_.emplace(name, info).first;
      } else if (avail) {
        NameInfo& info = it->second;
        if (!info.availability) {
          info.availability = avail;
          info.availability_mark = avail_mark;
          Set(design_->components[info.index], *avail);
        } else if (info.availability->digits *
                       Scale(info.availability->decimals, avail->decimals) !=
                   avail->digits * Scale(avail->decimals, info.availability->decimals)) {
          diag_.Add(avail_mark, path + ": component " + Quote(name) + " is given availability " +
                                    avail->text + " here but " + info.availability->text +
                                    " at line " + std::to_string(info.availability_mark.line + 1) +
                                    " (a component named twice is the same component)");
        }
      }
      node.component = it->second.index;
      return node;
    }
    misplaced("availability", "only a component has an availability");
    const Entry* list = kind;
    if (kind->key == "at_least") {
      node.kind = Node::Kind::kAtLeast;
      list = find("of");
      if (!list) {
        diag_.Add(kind->key_node.Mark(), path + ": at_least needs \"of\": the list of members");
        return std::nullopt;
      }
    } else {
      node.kind = kind->key == "series" ? Node::Kind::kSeries : Node::Kind::kParallel;
      misplaced("of", "only an at_least node has \"of\"");
    }
    const std::string list_path = path + "." + list->key;
    if (!list->value.IsSequence() || list->value.size() == 0) {
      diag_.Add(
          list->value.IsNull() ? list->key_node.Mark() : list->value.Mark(),
          list_path + ": expected a non-empty list of components or branches, got " +
              (list->value.IsSequence() ? std::string("an empty list") : Describe(list->value)));
      return std::nullopt;
    }
    bool ok = true;
    for (size_t i = 0; i < list->value.size(); ++i) {
      std::optional<Node> child =
          ReadNode(list->value[i], list_path + "[" + std::to_string(i) + "]", list->value.Mark());
      if (child) {
        node.children.push_back(std::move(*child));
      } else {
        ok = false;
      }
    }
    if (node.kind == Node::Kind::kAtLeast) {
      const yaml::Node& k = kind->value;
      long long v = 0;
      std::string text(k.Scalar());
      size_t used = 0;
      bool is_int = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
      if (is_int) {
        try {
          v = std::stoll(text, &used);
        } catch (const std::exception&) {
          is_int = false;
        }
      }
      const long long n_members = static_cast<long long>(list->value.size());
      if (!is_int || v < 1 || v > n_members) {
        diag_.Add(k.IsNull() ? kind->key_node.Mark() : k.Mark(),
                  path + ".at_least: expected an integer from 1 to " + std::to_string(n_members) +
                      " (the number of members), got " + Describe(k));
        return std::nullopt;
      }
      node.k = static_cast<int>(v);
    }
    if (!ok) return std::nullopt;
    return node;
  }

  static int64_t Scale(int have, int want) {
    int64_t s = 1;
    for (int i = have; i < want; ++i) s *= 10;
    return s;
  }

  static void Set(Component& c, const Percent& p) {
    c.availability_text = p.text;
    c.down = p.unavailable();
    c.up = p.value() / 100;
  }

  Diagnostics& diag_;
  Design* design_ = nullptr;
  std::map<std::string, NameInfo> names_;
  size_t nodes_ = 0;
};

}  // namespace

DesignLoad LoadDesignText(const std::string& text, const std::string& path) {
  Diagnostics diag(path);
  DesignLoad out;
  if (std::optional<yaml::Documents> docs = config::internal::ParseYaml(text, diag)) {
    try {
      Reader(diag).ReadRoot(config::internal::Root(*docs), out.design);
    } catch (const std::exception& e) {
      diag.Add(yaml::Mark(), std::string("internal error while reading the design: ") + e.what());
    }
  }
  out.errors = diag.Take();
  return out;
}

DesignLoad LoadDesignFile(const std::string& path) {
  auto fail = [&](const std::string& message) {
    DesignLoad r;
    r.errors.push_back(config::Diagnostic{path, 0, 0, message});
    return r;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return fail("cannot read design file: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open design file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail("cannot read design file");
  if (text.str().size() > kMaxFileBytes) return fail("design file too large");
  return LoadDesignText(text.str(), path);
}

}  // namespace ninesd::calc
