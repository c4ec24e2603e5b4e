#pragma once
// A fresh directory under /tmp for one test, removed with its contents when
// the object goes.

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace ninesd::test_support {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/ninesd-test-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when mkdtemp failed.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ninesd::test_support
