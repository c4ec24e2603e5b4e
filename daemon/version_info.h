#pragma once
// `ninesd version`: the daemon's version and those of the libraries it runs
// with. Runtime calls where a library has one (so a distro upgrade shows),
// otherwise the version the build found.

#include <string>
#include <utility>
#include <vector>

namespace ninesd::daemon {

// "0.1.0" or "0.1.0 (abc123def456)" with the git revision when known.
std::string NinesdVersion();

// (library, version) pairs, in a stable order. libcurl appears only when it is
// linked into the process.
std::vector<std::pair<std::string, std::string>> LibraryVersions();

}  // namespace ninesd::daemon
