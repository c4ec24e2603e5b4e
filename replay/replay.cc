#include "replay/replay.h"

#include <ostream>

namespace ninesd::replay {

int RunReplay(const ReplayOptions&, std::ostream&, std::ostream& err) {
  err << "replay: not built yet\n";
  return 1;
}

}  // namespace ninesd::replay
