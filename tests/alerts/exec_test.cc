// The exec hook running real programs: argv without a shell, alert on stdin
// and in NINESD_* variables, a hanging program and its children killed at the
// timeout, exit status counted, concurrency limit.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "alerts/dispatcher.h"
#include "tests/alerts/receiver.h"
#include "tests/common/temp_dir.h"

namespace ninesd::alerts {
namespace {

using testing::RunUntil;
using testing::Sent;

AlertEvent Event(bool firing, const std::string& slo = "checkout-month") {
  AlertEvent e;
  e.slo = slo;
  e.service = "checkout";
  e.kind = slo::AlertKind::kExhausted;
  e.firing = firing;
  e.at = 1'795'766'400'000;
  e.objective = 0.999;
  e.window = "30d";
  e.unit = "events";
  return e;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SplitNul(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\0') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Gone, or a zombie nobody reaped yet (containers without an init that reaps).
bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

class ExecTest : public ::testing::Test {
 protected:
  std::unique_ptr<Dispatcher> Make(std::vector<std::string> command, slo::Millis timeout = 5000,
                                   int concurrency = 4) {
    config::HookConfig h;
    h.type = config::HookType::kExec;
    h.name = "exec-1";
    h.command = std::move(command);
    h.timeout = timeout;
    h.concurrency = concurrency;
    DispatcherOptions o;
    o.alerting.keep_firing_for = 0;
    o.alerting.hooks = {h};
    auto d = Dispatcher::Create(io_, registry_, o);
    EXPECT_TRUE(d.ok());
    return std::move(*d);
  }

  ninesd::test_support::TempDir dir_;
  asio::io_context io_;
  prometheus::Registry registry_;
};

TEST_F(ExecTest, ArgumentsStdinAndEnvironmentArriveVerbatim) {
  const std::string out = dir_.path() + "/out";
  const std::string injection =
      "x; touch " + dir_.path() + "/PWNED #$(touch " + dir_.path() + "/PWNED2)";
  const std::string quotes = "'\"`$HOME`*? \\ end";
  auto d = Make({"/usr/bin/python3", "-c",
                 "import os, sys\n"
                 "out = sys.argv[1]\n"
                 "open(out + '.argv', 'w').write(''.join(a + '\\0' for a in sys.argv[2:]))\n"
                 "open(out + '.stdin', 'w').write(sys.stdin.read())\n"
                 "open(out + '.env', 'w').write(''.join(k + '=' + v + '\\0' for k, v in "
                 "sorted(os.environ.items())))\n",
                 out, injection, "two words", quotes, ""});
  d->OnAlert(Event(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "exec-1", "success") == 1; }));
  EXPECT_EQ(SplitNul(ReadFile(out + ".argv")),
            (std::vector<std::string>{injection, "two words", quotes, ""}));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/PWNED"));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/PWNED2"));
  std::string stdin_text = ReadFile(out + ".stdin");
  EXPECT_TRUE(
      stdin_text.starts_with("{\"version\":\"1\",\"status\":\"firing\","
                             "\"alertname\":\"ErrorBudgetExhausted\""))
      << stdin_text;
  std::vector<std::string> env = SplitNul(ReadFile(out + ".env"));
  auto has = [&](const std::string& kv) {
    return std::find(env.begin(), env.end(), kv) != env.end();
  };
  EXPECT_TRUE(has("NINESD_STATUS=firing"));
  EXPECT_TRUE(has("NINESD_ALERTNAME=ErrorBudgetExhausted"));
  EXPECT_TRUE(has("NINESD_SLO=checkout-month"));
  // Nothing of the test process's environment (HOME, secrets) leaks in.
  for (const std::string& kv : env) {
    EXPECT_TRUE(kv.starts_with("NINESD_") || kv.starts_with("PATH=") || kv.starts_with("LC_ALL="))
        << kv;
  }
}

TEST_F(ExecTest, HangingProgramAndItsChildrenAreKilledAtTheTimeout) {
  const std::string pidfile = dir_.path() + "/bg.pid";
  auto d = Make({"/bin/sh", "-c", "sleep 30 & echo $! > " + pidfile + "; wait"}, 300);
  auto started = std::chrono::steady_clock::now();
  d->OnAlert(Event(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "exec-1", "timeout") == 1; }));
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
  EXPECT_EQ(d->queue_length(), 0u);
  std::string pid_text = ReadFile(pidfile);
  ASSERT_FALSE(pid_text.empty());
  pid_t bg = std::stoi(pid_text);
  // SIGKILL went to the whole group: the background child dies too.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!ProcessGone(bg) && std::chrono::steady_clock::now() < deadline) {
    io_.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(ProcessGone(bg));
}

TEST_F(ExecTest, NonZeroExitCountsAsFailed) {
  auto d = Make({"/bin/sh", "-c", "echo 'no route to pager' >&2; exit 3"});
  d->OnAlert(Event(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "exec-1", "failed") == 1; }));
  EXPECT_EQ(Sent(registry_, "exec-1", "success"), 0);
}

TEST_F(ExecTest, MissingProgramIsAnErrorAtStart) {
  config::HookConfig h;
  h.type = config::HookType::kExec;
  h.name = "exec-1";
  h.command = {dir_.path() + "/no-such-program"};
  DispatcherOptions o;
  o.alerting.hooks = {h};
  auto d = Dispatcher::Create(io_, registry_, o);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().message,
            "hook exec-1: command " + dir_.path() + "/no-such-program: No such file or directory");
}

TEST_F(ExecTest, ProgramRemovedAfterStartCountsAsFailed) {
  const std::string program = dir_.path() + "/page";
  std::ofstream(program) << "#!/bin/sh\nexit 0\n";
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  auto d = Make({program});
  std::filesystem::remove(program);
  d->OnAlert(Event(true));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "exec-1", "failed") == 1; }));
}

TEST_F(ExecTest, ProgramThatIgnoresStdinIsFine) {
  auto d = Make({"/bin/true"});
  for (int i = 0; i < 3; ++i) d->OnAlert(Event(true, "slo-" + std::to_string(i)));
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "exec-1", "success") == 3; }));
}

TEST_F(ExecTest, ConcurrencyLimitHoldsTheRestInTheQueue) {
  const std::string log = dir_.path() + "/log";
  auto d = Make({"/bin/sh", "-c", "echo s >> " + log + "; sleep 0.2; echo e >> " + log}, 5000,
                /*concurrency=*/2);
  for (int i = 0; i < 5; ++i) d->OnAlert(Event(true, "slo-" + std::to_string(i)));
  EXPECT_EQ(d->queue_length(), 5u);
  ASSERT_TRUE(RunUntil(io_, [&] { return Sent(registry_, "exec-1", "success") == 5; }));
  int running = 0;
  int most = 0;
  std::istringstream lines(ReadFile(log));
  for (std::string line; std::getline(lines, line);) {
    running += line == "s" ? 1 : -1;
    most = std::max(most, running);
  }
  EXPECT_EQ(most, 2);
  EXPECT_EQ(running, 0);
}

}  // namespace
}  // namespace ninesd::alerts
