#include "slo/calendar.h"

#include <algorithm>
#include <chrono>
#include <exception>

#include "date/date.h"
#include "date/tz.h"

namespace ninesd::slo {
namespace {

using std::chrono::milliseconds;
using LocalMs = date::local_time<milliseconds>;
using SysMs = date::sys_time<milliseconds>;

}  // namespace

Result<ZoneCalendar> ZoneCalendar::Create(const std::string& name) {
  try {
    return ZoneCalendar(date::locate_zone(name.empty() ? "UTC" : name));
  } catch (const std::exception& e) {
    return Error{"unknown time zone \"" + name + "\""};
  }
}

Millis ZoneCalendar::LocalToSys(int64_t day, int minute_of_day) const {
  LocalMs local{milliseconds{day * kDay + minute_of_day * kMinute}};
  date::local_info info = zone_->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // the earlier instant
      return (local.time_since_epoch() - info.first.offset).count();
    case date::local_info::nonexistent:  // the instant the clock jumps
      return std::chrono::duration_cast<milliseconds>(info.second.begin.time_since_epoch()).count();
  }
  return 0;
}

int64_t ZoneCalendar::LocalDay(Millis t) const {
  SysMs sys{milliseconds{t}};
  date::sys_info info = zone_->get_info(sys);
  Millis local = t + std::chrono::duration_cast<milliseconds>(info.offset).count();
  return FloorTo(local, kDay) / kDay;
}

std::pair<Millis, Millis> ZoneCalendar::Period(CalendarUnit unit, Millis t) const {
  int64_t day = LocalDay(t);
  date::sys_days sd{date::days{day}};
  date::year_month_day ymd{sd};
  int64_t start_day = day, end_day = day + 1;
  switch (unit) {
    case CalendarUnit::kNone:
    case CalendarUnit::kDay:
      break;
    case CalendarUnit::kWeek: {
      // ISO weeks start on Monday.
      unsigned wd = date::weekday{sd}.iso_encoding();  // 1 = Monday .. 7 = Sunday
      start_day = day - (wd - 1);
      end_day = start_day + 7;
      break;
    }
    case CalendarUnit::kMonth: {
      auto first = ymd.year() / ymd.month() / 1;
      start_day = date::sys_days{first}.time_since_epoch().count();
      end_day = date::sys_days{first + date::months{1}}.time_since_epoch().count();
      break;
    }
    case CalendarUnit::kQuarter: {
      unsigned m = static_cast<unsigned>(ymd.month());
      unsigned qm = (m - 1) / 3 * 3 + 1;
      auto first = ymd.year() / date::month{qm} / 1;
      start_day = date::sys_days{first}.time_since_epoch().count();
      end_day = date::sys_days{first + date::months{3}}.time_since_epoch().count();
      break;
    }
    case CalendarUnit::kYear: {
      auto first = ymd.year() / 1 / 1;
      start_day = date::sys_days{first}.time_since_epoch().count();
      end_day = date::sys_days{first + date::years{1}}.time_since_epoch().count();
      break;
    }
  }
  return {LocalToSys(start_day, 0), LocalToSys(end_day, 0)};
}

Result<MaintenanceSchedule> MaintenanceSchedule::Create(
    const std::vector<const MaintenanceSpec*>& rules) {
  MaintenanceSchedule s;
  for (const MaintenanceSpec* r : rules) {
    Rule rule{r, {}};
    if (r->kind != MaintenanceSpec::Kind::kOnce) {
      auto zone = ZoneCalendar::Create(r->time_zone);
      if (!zone.ok()) return zone.error();
      rule.zone.push_back(*zone);
    }
    s.rules_.push_back(std::move(rule));
  }
  return s;
}

std::vector<Interval> MaintenanceSchedule::Intervals(Millis from, Millis to) const {
  std::vector<Interval> out;
  auto add = [&](Millis a, Millis b) {
    if (b > from && a < to && b > a) out.emplace_back(a, b);
  };
  for (const Rule& rule : rules_) {
    const MaintenanceSpec& m = *rule.spec;
    if (m.kind == MaintenanceSpec::Kind::kOnce) {
      add(m.start, m.end);
      continue;
    }
    const ZoneCalendar& zone = rule.zone.front();
    // Occurrences that start up to `duration` (plus a day of slack for
    // offsets) before `from` can still overlap the range.
    int64_t first_day = zone.LocalDay(from - m.duration) - 1;
    int64_t last_day = zone.LocalDay(to) + 1;
    for (int64_t day = first_day; day <= last_day; ++day) {
      date::sys_days sd{date::days{day}};
      bool match = false;
      if (m.kind == MaintenanceSpec::Kind::kWeekly) {
        int wd = static_cast<int>(date::weekday{sd}.c_encoding());  // 0 = Sunday
        match = std::find(m.weekdays.begin(), m.weekdays.end(), wd) != m.weekdays.end();
      } else {
        date::year_month_day ymd{sd};
        if (m.day_of_month == -1) {  // the last day: tomorrow is the 1st
          match = date::year_month_day{sd + date::days{1}}.day() == date::day{1};
        } else {
          match = static_cast<unsigned>(ymd.day()) == static_cast<unsigned>(m.day_of_month);
        }
      }
      if (!match) continue;
      Millis start = zone.LocalToSys(day, m.minute_of_day);
      add(start, start + m.duration);
    }
  }
  std::sort(out.begin(), out.end());
  std::vector<Interval> merged;
  for (const Interval& iv : out) {
    if (!merged.empty() && iv.first <= merged.back().second) {
      merged.back().second = std::max(merged.back().second, iv.second);
    } else {
      merged.push_back(iv);
    }
  }
  return merged;
}

}  // namespace ninesd::slo
