#include "config/config.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/reader.h"
#include "config/yaml_input.h"

namespace ninesd::config {
namespace {

// Far beyond any real configuration; keeps a wrong path (a log, a disk image)
// from being read into memory.
constexpr std::streamoff kMaxFileBytes = 16 << 20;

}  // namespace

std::string Diagnostic::ToString() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

LoadResult LoadConfigText(const std::string& text, const std::string& path) {
  internal::Diagnostics diag(path);
  Config cfg;
  cfg.source_path = path;
  if (std::optional<yaml::Documents> docs = internal::ParseYamlDocuments(text, diag)) {
    // Whatever the readers throw (std::bad_alloc) stays in this adapter.
    try {
      // One ninesd document, and any number of OpenSLO ones (apiVersion: ...).
      yaml::Node root;
      bool have_root = false;
      std::vector<std::pair<int, yaml::Node>> openslo;
      int number = 0;
      for (size_t i = 0; i < docs->size(); ++i) {
        const yaml::Node doc = (*docs)[i];
        ++number;
        bool is_openslo = false;
        if (doc.IsMap()) {
          for (const auto& kv : doc) {
            is_openslo |= kv.first.IsScalar() && kv.first.Scalar() == "apiVersion";
          }
        }
        if (is_openslo) {
          openslo.emplace_back(number, doc);
        } else if (have_root) {
          diag.Add(doc.Mark(),
                   "a second ninesd document; further documents must be OpenSLO (apiVersion: "
                   "openslo/v1)");
        } else {
          root = doc;
          have_root = true;
        }
      }
      internal::Section top(diag, root, "", "", yaml::Mark());
      internal::ReadShell(top, cfg);
      internal::ReadModel(top, cfg);
      if (!openslo.empty()) internal::ReadOpenSlo(openslo, diag, cfg);
    } catch (const std::exception& e) {
      diag.Add(yaml::Mark(), std::string("internal error while reading the config: ") + e.what());
    }
  }
  LoadResult result;
  result.errors = diag.Take();
  if (result.errors.empty()) result.config = std::move(cfg);
  return result;
}

LoadResult LoadConfigFile(const std::string& path) {
  auto fail = [&](const std::string& message) {
    LoadResult r;
    r.errors.push_back(Diagnostic{path, 0, 0, message});
    return r;
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return fail("cannot read config file: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string("cannot open config file: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size > kMaxFileBytes) {
    return fail("config file too large (" + std::to_string(size) + " bytes; at most " +
                std::to_string(kMaxFileBytes) + ")");
  }
  in.seekg(0, std::ios::beg);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return fail(std::string("cannot read config file: ") + std::strerror(errno));
  return LoadConfigText(text.str(), path);
}

}  // namespace ninesd::config
