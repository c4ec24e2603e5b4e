#include "daemon/basic_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ninesd::daemon {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int len = 0;
  // EVP_Digest cannot fail for SHA-256 on in-memory input short of an
  // allocation failure inside OpenSSL, which we treat as fatal.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    std::abort();
  }
  return out;
}

Result<Sha256Digest> ParseSha256Hex(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size() && IsSpace(text[begin])) ++begin;
  text.remove_prefix(begin);
  size_t end = 0;
  while (end < text.size() && !IsSpace(text[end])) ++end;
  std::string_view hex = text.substr(0, end);
  if (hex.size() != 64) {
    return Error{"expected 64 hex digits (a SHA-256 digest), got " + std::to_string(hex.size()) +
                 " characters"};
  }
  Sha256Digest out{};
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error{"expected 64 hex digits (a SHA-256 digest)"};
    out[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int v[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        v[j] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      v[j] = Base64Value(c);
      if (v[j] < 0) return std::nullopt;
    }
    uint32_t triple = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                      (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<char>((triple >> 16) & 0xff));
    if (padding < 2) out.push_back(static_cast<char>((triple >> 8) & 0xff));
    if (padding < 1) out.push_back(static_cast<char>(triple & 0xff));
  }
  return out;
}

BasicAuth::BasicAuth(std::string_view user, const Sha256Digest& password_digest)
    : user_digest_(Sha256(user)), password_digest_(password_digest) {}

Result<BasicAuth> BasicAuth::FromDigestFile(std::string_view user, const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Error{"cannot read basic auth password digest file " + path + ": " +
                 std::strerror(errno)};
  }
  std::stringstream text;
  text << in.rdbuf();
  auto digest = ParseSha256Hex(text.str());
  if (!digest) return digest.error().Wrap("basic auth password digest file " + path);
  return BasicAuth(user, *digest);
}

bool BasicAuth::CheckCredentials(std::string_view user, std::string_view password) const {
  Sha256Digest user_digest = Sha256(user);
  Sha256Digest password_digest = Sha256(password);
  // Both comparisons always run: which of the two failed must not show in the timing.
  int user_diff = CRYPTO_memcmp(user_digest.data(), user_digest_.data(), user_digest.size());
  int password_diff =
      CRYPTO_memcmp(password_digest.data(), password_digest_.data(), password_digest.size());
  return (user_diff | password_diff) == 0;
}

bool BasicAuth::CheckHeader(std::string_view header) const {
  constexpr std::string_view kScheme = "Basic ";
  if (header.size() <= kScheme.size()) return false;
  // The scheme name is case-insensitive (RFC 7617 section 2).
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    char k = kScheme[i];
    if (k >= 'A' && k <= 'Z') k = static_cast<char>(k - 'A' + 'a');
    if (c != k) return false;
  }
  std::string_view encoded = header.substr(kScheme.size());
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && IsSpace(encoded.back())) encoded.remove_suffix(1);
  auto decoded = Base64Decode(encoded);
  if (!decoded) return false;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  std::string_view credentials(*decoded);
  return CheckCredentials(credentials.substr(0, colon), credentials.substr(colon + 1));
}

}  // namespace ninesd::daemon
