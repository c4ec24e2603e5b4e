#pragma once
// `ninesd calc`: the nines table of an objective and the composite
// availability of a design. Output to `out`, problems to `err`.

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ninesd::calc {

// Formats an availability given by its unavailability `down` as a percentage
// with enough decimals to show four significant digits of `down`, computed
// in decimal so that binary noise never shows ("99.8001", not
// "99.80009999"). round_up: round the percentage up (for requirements).
std::string FormatPercent(double down, bool round_up = false);

// `calc nines OBJECTIVE...`: exit 0, or 1 on a bad objective.
int RunNines(const std::vector<std::string>& objectives, std::ostream& out, std::ostream& err);

// `calc design FILE [--target PERCENT]`: exit 0 (no target, or met), 3 when
// the target is not met, 1 on errors.
int RunDesign(const std::string& path, const std::optional<std::string>& target, std::ostream& out,
              std::ostream& err);

}  // namespace ninesd::calc
