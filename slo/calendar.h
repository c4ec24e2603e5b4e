#pragma once
// Calendar arithmetic in named time zones (howardhinnant-date, system tz
// database): calendar SLO periods and recurring maintenance windows. Local
// times that do not exist (spring-forward gaps) map to the instant the clock
// jumps; ambiguous ones (fall-back) to the earlier instant.

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "slo/model.h"
#include "slo/time.h"

namespace date {
class time_zone;
}

namespace ninesd::slo {

class ZoneCalendar {
 public:
  static Result<ZoneCalendar> Create(const std::string& name);

  // The calendar period [start, end) that contains t.
  std::pair<Millis, Millis> Period(CalendarUnit unit, Millis t) const;
  // Local date (days since epoch, local calendar) that contains t.
  int64_t LocalDay(Millis t) const;
  // The instant of local day `day` at `minute_of_day` local time.
  Millis LocalToSys(int64_t day, int minute_of_day) const;

 private:
  explicit ZoneCalendar(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_;
};

using Interval = std::pair<Millis, Millis>;

// The maintenance windows that apply to one service: intervals overlapping a
// range, sorted and merged.
class MaintenanceSchedule {
 public:
  static Result<MaintenanceSchedule> Create(const std::vector<const MaintenanceSpec*>& rules);
  bool empty() const { return rules_.empty(); }
  std::vector<Interval> Intervals(Millis from, Millis to) const;

 private:
  struct Rule {
    const MaintenanceSpec* spec;
    std::vector<ZoneCalendar> zone;  // one element for recurring rules
  };
  std::vector<Rule> rules_;
};

}  // namespace ninesd::slo
