#include "report/period.h"

#include <cstdio>

#include "slo/calendar.h"

namespace ninesd::report {

Result<std::pair<slo::Millis, slo::Millis>> PeriodBounds(const std::string& text,
                                                         const std::string& time_zone) {
  auto zone = slo::ZoneCalendar::Create(time_zone);
  if (!zone.ok()) return zone.error();
  int year = 0, month = 0, quarter = 0;
  char tail = 0;
  slo::CalendarUnit unit;
  if (std::sscanf(text.c_str(), "%4d-Q%1d%c", &year, &quarter, &tail) == 2 && quarter >= 1 &&
      quarter <= 4) {
    unit = slo::CalendarUnit::kQuarter;
    month = (quarter - 1) * 3 + 1;
  } else if (text.size() == 7 &&
             std::sscanf(text.c_str(), "%4d-%2d%c", &year, &month, &tail) == 2 && month >= 1 &&
             month <= 12) {
    unit = slo::CalendarUnit::kMonth;
  } else if (text.size() == 4 && std::sscanf(text.c_str(), "%4d%c", &year, &tail) == 1) {
    unit = slo::CalendarUnit::kYear;
    month = 1;
  } else {
    return Error{"period \"" + text + "\": expected YYYY-MM, YYYY-QN or YYYY"};
  }
  if (year < 2000 || year > 2100) return Error{"period \"" + text + "\": year out of range"};
  // Days since 1970-01-01 of the period's first day (civil calendar).
  int y = month <= 2 ? year - 1 : year;
  int era = y / 400, yoe = y - era * 400;
  int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5;
  int64_t day = era * 146097 + (yoe * 365 + yoe / 4 - yoe / 100 + doy) - 719468;
  // Noon local time of the first day lies inside the period whatever the offset.
  slo::Millis inside = zone->LocalToSys(day, 12 * 60);
  return zone->Period(unit, inside);
}

}  // namespace ninesd::report
