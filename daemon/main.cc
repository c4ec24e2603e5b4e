// ninesd: command line entry point. `run` is the daemon; the other commands
// are one-shot tools sharing its config loader and engine.

#include <malloc.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "calc/calc.h"
#include "config/config.h"
#include "daemon/app.h"
#include "daemon/daemon.h"
#include "daemon/logging.h"
#include "daemon/version_info.h"
#include "replay/replay.h"
#include "report/report.h"

namespace {

using namespace ninesd;

// reset_state: --reset-state, for store::StoreOptions::reset where the state
// store is opened (after Start() holds the state directory lock).
int RunDaemon(const std::string& config_path, const std::string& log_level, bool reset_state) {
  daemon::SetupLogging(*daemon::ParseLogLevel(log_level), daemon::StderrIsJournal());
  auto log = daemon::Logger("daemon");
  log->debug("starting version={} config={} reset_state={}", daemon::NinesdVersion(), config_path,
             reset_state);

  const auto load_start = std::chrono::steady_clock::now();
  config::LoadResult loaded = config::LoadConfigFile(config_path);
  if (!loaded.ok()) {
    for (const auto& diagnostic : loaded.errors) log->error("{}", diagnostic.ToString());
    if (loaded.errors.empty()) log->error("{}: cannot load config", config_path);
    return 1;
  }
  // The YAML tree is gone by now: hand its pages back (a config of 100 000
  // SLOs peaks near 250 MB while it is read).
  malloc_trim(0);
  log->debug("config: loaded {} services={} slos={} ms={}", config_path,
             loaded.config->model.services.size(), loaded.config->model.slos.size(),
             std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - load_start)
                 .count());
  daemon::Daemon d(config_path, std::move(*loaded.config));
  // Locked before wiring: the state file is read while the core is set up.
  if (Status locked = d.LockStateDir(); !locked) {
    log->error("{}", locked.error().message);
    return 1;
  }
  // Modules are wired here, before Start(): each registers its metrics
  // (d.registry(), d.AddMetricsWriter), endpoints (d.AddHttpHandler),
  // d.OnConfigReloaded and d.OnShutdown (final checkpoint), and schedules its
  // work on d.io().
  auto app = daemon::App::Wire(d, daemon::AppOptions{reset_state});
  if (!app) {
    log->error("{}", app.error().message);
    return 1;
  }
  if (Status started = d.Start(); !started) {
    log->error("{}", started.error().message);
    return 1;
  }
  (*app)->Run();
  return d.Run();
}

int CheckConfig(const std::vector<std::string>& files) {
  bool all_ok = true;
  for (const auto& file : files) {
    config::LoadResult loaded = config::LoadConfigFile(file);
    if (loaded.ok()) {
      std::cout << file << ": ok\n";
      continue;
    }
    all_ok = false;
    for (const auto& diagnostic : loaded.errors) std::cerr << diagnostic.ToString() << "\n";
    if (loaded.errors.empty()) std::cerr << file << ": cannot load config\n";
  }
  return all_ok ? 0 : 1;
}

int PrintVersion() {
  std::cout << "ninesd " << daemon::NinesdVersion() << "\n";
  for (const auto& [library, version] : daemon::LibraryVersions()) {
    std::cout << library << " " << version << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A peer closing a socket must be an error return, not a dead process.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"ninesd: availability and SLO monitoring daemon", "ninesd"};
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "ninesd: " + std::string(e.what()) + " (see --help)\n";
  });
  app.require_subcommand(1);

  std::string config_path;
  std::string log_level = "info";
  CLI::App* run = app.add_subcommand("run", "Run the daemon");
  run->add_option("--config", config_path, "Configuration file (YAML)")->required();
  run->add_option("--log-level", log_level, "Minimum level logged")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  bool reset_state = false;
  run->add_flag("--reset-state", reset_state,
                "Start with empty state: the state file is moved aside (never deleted)");

  std::vector<std::string> check_files;
  CLI::App* check = app.add_subcommand(
      "check-config", "Validate configuration files; errors as FILE:LINE:COL: message");
  check->add_option("FILE", check_files, "Configuration files")->required();

  CLI::App* version =
      app.add_subcommand("version", "Print the versions of ninesd and its libraries");

  replay::ReplayOptions replay_options;
  std::string at;
  CLI::App* replay_cmd = app.add_subcommand(
      "replay", "Feed a JSONL event file through the engine and print the SLO state");
  replay_cmd->add_option("--config", replay_options.config_path, "Configuration file (YAML)")
      ->required();
  replay_cmd->add_option("--events", replay_options.events_path, "Event file, one JSON per line")
      ->required();
  replay_cmd->add_option("--at", at, "Time to evaluate at, RFC 3339 (default: the last event's)");
  replay_cmd->add_option("--format", replay_options.format, "Output format")
      ->check(CLI::IsMember({"json", "table"}))
      ->capture_default_str();

  CLI::App* calc_cmd = app.add_subcommand(
      "calc", "Allowed downtime of an objective; composite availability of a design");
  calc_cmd->require_subcommand(1);
  std::vector<std::string> calc_objectives;
  CLI::App* calc_nines =
      calc_cmd->add_subcommand("nines", "Allowed downtime per day, week, month, quarter, year");
  calc_nines->add_option("OBJECTIVE", calc_objectives, "Objective in percent, e.g. 99.95")
      ->required();
  std::string calc_design_file, calc_target;
  CLI::App* calc_design = calc_cmd->add_subcommand(
      "design", "Availability of a design (series, parallel, k-of-n; see docs/calc.md)");
  calc_design->add_option("FILE", calc_design_file, "Design file (YAML)")->required();
  calc_design->add_option("--target", calc_target,
                          "Objective in percent; exit 3 and list changes when not met");

  report::ReportOptions report_options;
  CLI::App* report_cmd = app.add_subcommand(
      "report", "SLA report of a period: attainment, downtime, credits, outages");
  report_cmd->add_option("--config", report_options.config_path, "Configuration file (YAML)")
      ->required();
  report_cmd->add_option("--events", report_options.events_path,
                         "Event file (JSONL) holding the period's history (default: the "
                         "daemon's stored history)");
  report_cmd->add_option("--state", report_options.state_path,
                         "State file to read the history from (default: the config's "
                         "state.path)");
  report_cmd->add_option("--period", report_options.period,
                         "2026-11, 2026-Q4 or 2026, in each SLO's time zone");
  report_cmd->add_option("--from", report_options.from, "Start of the period, RFC 3339");
  report_cmd->add_option("--to", report_options.to, "End of the period (exclusive), RFC 3339");
  report_cmd->add_option("--slo", report_options.slos, "SLOs to report (default: all)");
  report_cmd->add_option("--format", report_options.format, "Output format")
      ->check(CLI::IsMember({"md", "html", "json", "csv"}))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (*run) return RunDaemon(config_path, log_level, reset_state);
    if (*check) return CheckConfig(check_files);
    if (*version) return PrintVersion();
    if (*replay_cmd) {
      if (!at.empty()) replay_options.at = at;
      return replay::RunReplay(replay_options, std::cout, std::cerr);
    }
    if (*report_cmd) return report::RunReport(report_options, std::cout, std::cerr);
    if (*calc_nines) return calc::RunNines(calc_objectives, std::cout, std::cerr);
    if (*calc_design) {
      std::optional<std::string> target;
      if (!calc_target.empty()) target = calc_target;
      return calc::RunDesign(calc_design_file, target, std::cout, std::cerr);
    }
  } catch (const std::exception& e) {
    std::cerr << "ninesd: fatal: " << e.what() << "\n";
    return 1;
  }
  return 2;  // unreachable: require_subcommand(1)
}
