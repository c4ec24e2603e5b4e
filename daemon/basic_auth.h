#pragma once
// HTTP Basic authentication against a SHA-256 digest of the password.
//
// The password never sits in the config or in memory: `server.basic_auth`
// names a user and a file holding the hex SHA-256 of the password. Checks hash
// the presented user and password and compare digests with CRYPTO_memcmp, so
// the time taken does not depend on how much of a guess was right.
// Immutable after construction; safe to share between HTTP worker threads.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ninesd::daemon {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest Sha256(std::string_view data);

// 64 hex digits, optionally followed by whitespace and anything else, so the
// output of `sha256sum` can be used as is.
Result<Sha256Digest> ParseSha256Hex(std::string_view text);

// Standard base64 (RFC 4648) with padding; nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);

class BasicAuth {
 public:
  BasicAuth(std::string_view user, const Sha256Digest& password_digest);

  // Reads the digest file (see ParseSha256Hex); the error names the file.
  static Result<BasicAuth> FromDigestFile(std::string_view user, const std::string& path);

  // `header` is the Authorization header value ("Basic dXNlcjpwYXNz"), or
  // empty when the request had none.
  bool CheckHeader(std::string_view header) const;
  bool CheckCredentials(std::string_view user, std::string_view password) const;

 private:
  Sha256Digest user_digest_;
  Sha256Digest password_digest_;
};

}  // namespace ninesd::daemon
