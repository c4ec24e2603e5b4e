// The YAML tree the loaders read: node kinds, tags, marks, aliases, limits.
#include "config/yaml_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ninesd::yaml {
namespace {

Documents MustParse(std::string_view text) {
  Error e;
  std::optional<Documents> docs = Documents::Parse(text, Limits{}, &e);
  EXPECT_TRUE(docs.has_value()) << e.message;
  return docs ? std::move(*docs) : Documents();
}

Error MustFail(std::string_view text, const Limits& limits = Limits{}) {
  Error e;
  EXPECT_FALSE(Documents::Parse(text, limits, &e).has_value()) << text;
  return e;
}

TEST(YamlTreeTest, ScalarsNullsAndTags) {
  Documents d =
      MustParse("a: 1\nb: \"2\"\nc:\nd: ~\ne: null\nf: \"null\"\ng: !!str 3\nh: |\n  x\n");
  ASSERT_EQ(d.size(), 1u);
  Node root = d[0];
  ASSERT_TRUE(root.IsMap());
  ASSERT_EQ(root.size(), 8u);
  std::vector<std::pair<std::string, Node>> kv;
  for (const auto& it : root) kv.emplace_back(std::string(it.first.Scalar()), it.second);
  EXPECT_EQ(kv[0].first, "a");
  EXPECT_EQ(kv[0].second.Scalar(), "1");
  EXPECT_EQ(kv[0].second.Tag(), "?");  // plain: may be a number
  EXPECT_EQ(kv[0].second.size(), 0u);  // a scalar has no items
  EXPECT_TRUE(kv[0].second.begin() == kv[0].second.end());
  EXPECT_EQ(kv[1].second.Scalar(), "2");
  EXPECT_EQ(kv[1].second.Tag(), "!");  // quoted: a string
  EXPECT_TRUE(kv[2].second.IsNull());  // nothing
  EXPECT_TRUE(kv[3].second.IsNull());
  EXPECT_TRUE(kv[4].second.IsNull());
  EXPECT_TRUE(kv[5].second.IsScalar());  // a quoted "null" is text
  EXPECT_EQ(kv[5].second.Scalar(), "null");
  EXPECT_EQ(kv[6].second.Tag(), "tag:yaml.org,2002:str");
  EXPECT_EQ(kv[7].second.Scalar(), "x\n");
  EXPECT_EQ(kv[7].second.Tag(), "!");
}

TEST(YamlTreeTest, MarksAreZeroBasedStartsOfNodes) {
  Documents d = MustParse("top:\n  list:\n    - x\n    - {k: 'v'}\n");
  Node list = d[0].begin()->second.begin()->second;
  ASSERT_TRUE(list.IsSequence());
  EXPECT_EQ(list.Mark().line, 2);
  EXPECT_EQ(list.Mark().column, 4);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].Scalar(), "x");
  EXPECT_EQ(list[0].Mark().column, 6);
  Node flow = list[1];
  EXPECT_TRUE(flow.IsMap());
  EXPECT_EQ(flow.Mark().line, 3);
  EXPECT_EQ(flow.Mark().column, 6);
  EXPECT_EQ(flow.begin()->second.Mark().column, 10);  // at the quote
  EXPECT_TRUE(list[2].IsNull());                      // past the end
  std::vector<std::string> items;
  for (const Node& n : list) items.emplace_back(n.IsScalar() ? n.Scalar() : "map");
  EXPECT_EQ(items, (std::vector<std::string>{"x", "map"}));
}

TEST(YamlTreeTest, AnAliasIsTheAnchoredNode) {
  Documents d = MustParse("a: &x [1, 2]\nb: *x\n");
  Node a = d[0].begin()->second;
  Node b = (++d[0].begin())->second;
  ASSERT_TRUE(b.IsSequence());
  EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].Scalar(), "2");
  EXPECT_EQ(b.Mark().line, a.Mark().line);  // written once, at the anchor
}

TEST(YamlTreeTest, SeveralDocumentsAndEmptyStreams) {
  Limits three;
  three.max_documents = 3;
  Error e;
  std::optional<Documents> d = Documents::Parse("a: 1\n---\n- b\n", three, &e);
  ASSERT_TRUE(d.has_value()) << e.message;
  ASSERT_EQ(d->size(), 2u);
  EXPECT_TRUE((*d)[1].IsSequence());
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse("# only a comment\n").empty());
  Error one = MustFail("a: 1\n---\nb: 2\n");
  EXPECT_EQ(one.message, "only one YAML document is allowed per file");
  EXPECT_EQ(one.mark.line, 1);
}

TEST(YamlTreeTest, LimitsAreCheckedWhileParsing) {
  Limits small;
  small.max_depth = 3;
  small.max_alias_nodes = 10;
  EXPECT_EQ(MustFail("a: [[[1]]]\n", small).message, "nesting deeper than 3 levels");
  EXPECT_TRUE(Documents::Parse("a: [[1]]\n", small, nullptr).has_value());
  // [1, 2, 3] is 4 nodes: two aliases add 8, a third 12.
  Error e;
  EXPECT_TRUE(Documents::Parse("a: &x [1, 2, 3]\nb: [*x, *x]\n", small, &e).has_value());
  EXPECT_EQ(MustFail("a: &x [1, 2, 3]\nb: [*x, *x, *x]\n", small).message,
            "aliases expand to more than 10 nodes");
  Error cycle = MustFail("a: &x [*x]\n");
  EXPECT_EQ(cycle.message, "an alias may not refer to a node that contains it");
  EXPECT_EQ(cycle.mark.column, 7);  // at the alias
  EXPECT_NE(MustFail("a: *nope\n").message.find("undefined"), std::string::npos);
}

TEST(YamlTreeTest, SyntaxErrorsArePositioned) {
  Error e = MustFail("a: [1, 2\nb: 3\n");
  EXPECT_EQ(e.message.rfind("invalid YAML: ", 0), 0u) << e.message;
  EXPECT_EQ(e.mark.line, 1);
  Error quote = MustFail("a: 1\nb: 'open\n");
  EXPECT_EQ(quote.message, "unterminated quoted string");
  EXPECT_EQ(quote.mark.line, 1);
  EXPECT_EQ(quote.mark.column, 3);
  Error utf8 = MustFail("a: 1\nb: \xff\n");
  EXPECT_NE(utf8.message.find("UTF-8"), std::string::npos) << utf8.message;
  EXPECT_EQ(utf8.mark.line, 1);
  EXPECT_EQ(utf8.mark.column, 3);
}

}  // namespace
}  // namespace ninesd::yaml
