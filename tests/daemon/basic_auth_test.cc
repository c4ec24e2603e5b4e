#include "daemon/basic_auth.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/common/temp_dir.h"

namespace ninesd::daemon {
namespace {

using test_support::TempDir;

// printf '%s' 'abc' | sha256sum
constexpr const char* kAbcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::string Hex(const Sha256Digest& digest) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

BasicAuth MakeAuth() { return BasicAuth("prom", Sha256("s3cret")); }

TEST(Sha256Test, MatchesKnownVector) { EXPECT_EQ(Hex(Sha256("abc")), kAbcHex); }

TEST(ParseSha256HexTest, AcceptsBareDigestWithNewline) {
  auto digest = ParseSha256Hex(std::string(kAbcHex) + "\n");
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  EXPECT_EQ(*digest, Sha256("abc"));
}

TEST(ParseSha256HexTest, AcceptsSha256sumOutput) {
  auto digest = ParseSha256Hex(std::string(kAbcHex) + "  -\n");
  ASSERT_TRUE(digest.ok()) << digest.error().message;
  EXPECT_EQ(*digest, Sha256("abc"));
}

TEST(ParseSha256HexTest, AcceptsUpperCase) {
  auto digest = ParseSha256Hex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(*digest, Sha256("abc"));
}

TEST(ParseSha256HexTest, RejectsWrongLength) {
  auto digest = ParseSha256Hex("ba7816bf");
  ASSERT_FALSE(digest.ok());
  EXPECT_NE(digest.error().message.find("64 hex digits"), std::string::npos);
}

TEST(ParseSha256HexTest, RejectsNonHex) {
  std::string text(kAbcHex);
  text[10] = 'g';
  EXPECT_FALSE(ParseSha256Hex(text).ok());
}

TEST(ParseSha256HexTest, RejectsEmptyFile) { EXPECT_FALSE(ParseSha256Hex("\n").ok()); }

TEST(Base64DecodeTest, DecodesWithAndWithoutPadding) {
  EXPECT_EQ(Base64Decode("cHJvbTpzM2NyZXQ="), "prom:s3cret");
  EXPECT_EQ(Base64Decode("YWI="), "ab");
  EXPECT_EQ(Base64Decode("YQ=="), "a");
  EXPECT_EQ(Base64Decode("YWJj"), "abc");
  EXPECT_EQ(Base64Decode(""), "");
}

TEST(Base64DecodeTest, RejectsMalformed) {
  EXPECT_FALSE(Base64Decode("YWJ").has_value());       // length
  EXPECT_FALSE(Base64Decode("Y=Jj").has_value());      // padding inside
  EXPECT_FALSE(Base64Decode("YW=j").has_value());      // data after padding
  EXPECT_FALSE(Base64Decode("YW*j").has_value());      // alphabet
  EXPECT_FALSE(Base64Decode("YQ==YWJj").has_value());  // padding before the end
}

TEST(BasicAuthTest, AcceptsRightCredentials) {
  EXPECT_TRUE(MakeAuth().CheckCredentials("prom", "s3cret"));
}

TEST(BasicAuthTest, RejectsWrongPassword) {
  EXPECT_FALSE(MakeAuth().CheckCredentials("prom", "s3cres"));
  EXPECT_FALSE(MakeAuth().CheckCredentials("prom", ""));
}

TEST(BasicAuthTest, RejectsWrongUser) {
  EXPECT_FALSE(MakeAuth().CheckCredentials("admin", "s3cret"));
  EXPECT_FALSE(MakeAuth().CheckCredentials("", "s3cret"));
}

TEST(BasicAuthTest, ChecksAuthorizationHeader) {
  BasicAuth auth = MakeAuth();
  EXPECT_TRUE(auth.CheckHeader("Basic cHJvbTpzM2NyZXQ="));   // prom:s3cret
  EXPECT_TRUE(auth.CheckHeader("basic cHJvbTpzM2NyZXQ="));   // scheme is case-insensitive
  EXPECT_FALSE(auth.CheckHeader("Basic cHJvbTpzM2NyZXM="));  // prom:s3cres
  EXPECT_FALSE(auth.CheckHeader("Bearer cHJvbTpzM2NyZXQ="));
  EXPECT_FALSE(auth.CheckHeader("Basic cHJvbXMzY3JldA=="));  // no colon
  EXPECT_FALSE(auth.CheckHeader("Basic !!!!"));
  EXPECT_FALSE(auth.CheckHeader("Basic "));
  EXPECT_FALSE(auth.CheckHeader(""));
}

TEST(BasicAuthTest, PasswordMayContainColons) {
  BasicAuth auth("u", Sha256("a:b"));
  EXPECT_TRUE(auth.CheckHeader("Basic dTphOmI="));  // u:a:b
}

class DigestFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string Write(const std::string& text) {
    std::string path = dir_.path() + "/digest";
    std::ofstream(path) << text;
    return path;
  }
  TempDir dir_;
};

TEST_F(DigestFileTest, LoadsDigestFile) {
  auto auth = BasicAuth::FromDigestFile("prom", Write(Hex(Sha256("s3cret")) + "  -\n"));
  ASSERT_TRUE(auth.ok()) << auth.error().message;
  EXPECT_TRUE(auth->CheckCredentials("prom", "s3cret"));
}

TEST_F(DigestFileTest, MissingFileNamesThePath) {
  auto auth = BasicAuth::FromDigestFile("prom", dir_.path() + "/nope");
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.error().message.find(dir_.path() + "/nope"), std::string::npos);
}

TEST_F(DigestFileTest, PlaintextPasswordIsRejected) {
  auto auth = BasicAuth::FromDigestFile("prom", Write("s3cret\n"));
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.error().message.find("64 hex digits"), std::string::npos);
}

}  // namespace
}  // namespace ninesd::daemon
