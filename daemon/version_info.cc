#include "daemon/version_info.h"

#include <civetweb.h>
#include <dlfcn.h>
#include <librdkafka/rdkafka.h>
#include <openssl/crypto.h>
#include <spdlog/version.h>
#include <sqlite3.h>
#include <yaml.h>

#include <asio/version.hpp>
#include <string_view>

#include "daemon/version.h"

namespace ninesd::daemon {
namespace {

std::string AsioVersion() {
  // ASIO_VERSION is XXYYZZ: major * 100000 + minor * 100 + patch.
  return std::to_string(ASIO_VERSION / 100000) + "." + std::to_string(ASIO_VERSION / 100 % 1000) +
         "." + std::to_string(ASIO_VERSION % 100);
}

// libcurl is linked by the probe and alert modules when they are built; look
// it up at run time instead of making the daemon depend on it.
std::string CurlVersion() {
  using CurlVersionFn = char* (*)();
  void* symbol = dlsym(RTLD_DEFAULT, "curl_version");
  if (symbol == nullptr) return "";
  std::string_view text(reinterpret_cast<CurlVersionFn>(symbol)());  // "libcurl/7.88.1 OpenSSL/..."
  text = text.substr(0, text.find(' '));
  size_t slash = text.find('/');
  return std::string(slash == std::string_view::npos ? text : text.substr(slash + 1));
}

}  // namespace

std::string NinesdVersion() {
  std::string revision = NINESD_REVISION;
  return revision.empty() ? NINESD_VERSION : std::string(NINESD_VERSION) + " (" + revision + ")";
}

std::vector<std::pair<std::string, std::string>> LibraryVersions() {
  std::vector<std::pair<std::string, std::string>> out = {
      {"librdkafka", rd_kafka_version_str()},
      {"prometheus-cpp", NINESD_PROMETHEUS_CPP_VERSION},
      {"civetweb", mg_version()},
      {"asio", AsioVersion()},
      {"spdlog", std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) + "." +
                     std::to_string(SPDLOG_VER_PATCH)},
      {"sqlite", sqlite3_libversion()},
      {"libyaml", yaml_get_version_string()},
      {"simdjson", NINESD_SIMDJSON_VERSION},
      {"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)},
  };
  if (std::string curl = CurlVersion(); !curl.empty()) out.emplace_back("libcurl", curl);
  return out;
}

}  // namespace ninesd::daemon
