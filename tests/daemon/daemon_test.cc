#include "daemon/daemon.h"

#include <gtest/gtest.h>

#include <asio/post.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "tests/common/temp_dir.h"
#include "tests/daemon/http_client.h"

namespace ninesd::daemon {
namespace {

using test_support::TempDir;

// A Daemon on 127.0.0.1:0 in a temporary state directory, its loop on a
// thread of the test. Exercises the seams later modules use.
class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.empty());
    config_path_ = dir_ + "/ninesd.yaml";
    WriteConfig("99.9");
    config::LoadResult loaded = config::LoadConfigFile(config_path_);
    ASSERT_TRUE(loaded.ok()) << loaded.errors.front().ToString();
    loaded.config->server.listen = "127.0.0.1:0";  // the loader rightly refuses port 0
    daemon_ = std::make_unique<Daemon>(config_path_, std::move(*loaded.config));
  }

  void TearDown() override {
    if (loop_.joinable()) {
      asio::post(daemon_->io(), [this] { daemon_->RequestStop("test"); });
      loop_.join();
    }
    daemon_.reset();
  }

  void WriteConfig(const std::string& objective) {
    std::ofstream(config_path_) << "server: {listen: \"127.0.0.1:9929\"}\n"
                                << "state: {path: " << dir_ << "/state/ninesd.db}\n"
                                << "services: [{name: web}]\n"
                                << "slos: [{name: web-a, service: web, kind: availability, "
                                << "objective: " << objective << ", window: 30d}]\n";
  }

  void StartAndRun() {
    Status started = daemon_->Start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    port_ = daemon_->listen_address().port;
    loop_ = std::thread([this] { exit_code_ = daemon_->Run(); });
  }

  // Runs fn on the loop and waits for it.
  template <typename F>
  void OnLoop(F fn) {
    std::promise<void> done;
    asio::post(daemon_->io(), [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  TempDir temp_;
  const std::string& dir_ = temp_.path();
  std::string config_path_;
  std::unique_ptr<Daemon> daemon_;
  std::thread loop_;
  int exit_code_ = -1;
  int port_ = 0;
};

TEST_F(DaemonTest, ServesHealthzAndMetrics) {
  StartAndRun();
  EXPECT_EQ(Fetch(port_, "GET", "/healthz").body, "ok\n");
  Reply metrics = Fetch(port_, "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.head.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("\nninesd_config_last_reload_successful 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("\nprocess_open_fds "), std::string::npos);
}

TEST_F(DaemonTest, MetricsWritersRunOnTheLoopAfterTheRegistry) {
  std::thread::id writer_thread;
  daemon_->AddMetricsWriter([&](std::string& out) {
    writer_thread = std::this_thread::get_id();
    out +=
        "# HELP ninesd_hot_total A hand-written family.\n# TYPE ninesd_hot_total counter\n"
        "ninesd_hot_total 7\n";
  });
  StartAndRun();
  std::string body = Fetch(port_, "GET", "/metrics").body;
  size_t hot = body.find("ninesd_hot_total 7\n");
  ASSERT_NE(hot, std::string::npos) << body;
  EXPECT_LT(body.find("ninesd_build_info"), hot);
  EXPECT_EQ(writer_thread, loop_.get_id());
}

TEST_F(DaemonTest, LoopHandlersRunOnTheLoop) {
  std::thread::id handler_thread;
  daemon_->AddHttpHandler("/status", [&](const HttpRequest&) {
    handler_thread = std::this_thread::get_id();
    return HttpResponse::Text(200, "fine\n");
  });
  StartAndRun();
  EXPECT_EQ(Fetch(port_, "GET", "/status").body, "fine\n");
  EXPECT_EQ(handler_thread, loop_.get_id());
}

TEST_F(DaemonTest, HandlersAddedAfterStartAreServed) {
  StartAndRun();
  OnLoop([&] {
    daemon_->AddHttpHandler(
        "/api/v1", [](const HttpRequest& r) { return HttpResponse::Text(200, r.path + "\n"); },
        Access::kPublic, HandlerThread::kHttpWorker);
  });
  EXPECT_EQ(Fetch(port_, "GET", "/api/v1/slos").body, "/api/v1/slos\n");
}

TEST_F(DaemonTest, ReloadCallsHooksOnSuccessOnly) {
  std::vector<std::string> seen;
  daemon_->OnConfigReloaded([&](const config::Config& next) {
    seen.push_back(std::to_string(next.model.slos.at(0).objective));
  });
  StartAndRun();

  WriteConfig("101");
  OnLoop([&] { daemon_->Reload(); });
  EXPECT_TRUE(seen.empty());
  EXPECT_NE(Fetch(port_, "GET", "/metrics").body.find("\nninesd_config_last_reload_successful 0\n"),
            std::string::npos);

  WriteConfig("99.5");
  OnLoop([&] { daemon_->Reload(); });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_NE(Fetch(port_, "GET", "/metrics").body.find("\nninesd_config_last_reload_successful 1\n"),
            std::string::npos);
  double objective = 0;
  OnLoop([&] { objective = daemon_->config().model.slos.at(0).objective; });
  EXPECT_EQ(std::to_string(objective), seen[0]);
}

TEST_F(DaemonTest, ReloadKeepsSettingsThatNeedARestart) {
  StartAndRun();
  std::string listen_before;
  OnLoop([&] { listen_before = daemon_->config().server.listen; });
  WriteConfig("99.5");  // also says listen 127.0.0.1:9929
  OnLoop([&] { daemon_->Reload(); });
  OnLoop([&] { EXPECT_EQ(daemon_->config().server.listen, listen_before); });
  EXPECT_EQ(Fetch(port_, "GET", "/healthz").status, 200);
}

TEST_F(DaemonTest, StopRunsShutdownHooksInReverseOrderAndExitsZero) {
  std::vector<int> order;
  int status_during_hook = -1;
  daemon_->OnShutdown([&] { order.push_back(1); });
  daemon_->OnShutdown([&] {
    order.push_back(2);
    status_during_hook = Fetch(port_, "GET", "/healthz").status;
  });
  StartAndRun();
  asio::post(daemon_->io(), [this] { daemon_->RequestStop("test"); });
  loop_.join();
  EXPECT_EQ(exit_code_, 0);
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
  EXPECT_EQ(status_during_hook, 0);  // the endpoint closed before the hooks ran
}

TEST_F(DaemonTest, StartingHooksRunUnderTheLockBeforeReady) {
  std::vector<int> order;
  bool locked_during_hook = false;
  daemon_->OnStarting([&]() -> Status {
    order.push_back(1);
    // A second lock on the same directory must fail while the hook runs.
    locked_during_hook = !StateDirLock::Acquire(dir_ + "/state").ok();
    return Ok{};
  });
  daemon_->OnStarting([&]() -> Status {
    order.push_back(2);
    return Ok{};
  });
  StartAndRun();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_TRUE(locked_during_hook);
}

TEST_F(DaemonTest, AFailingStartingHookFailsStartWithItsMessage) {
  bool second_ran = false;
  daemon_->OnStarting([]() -> Status { return Error{"state: file is corrupt"}; });
  daemon_->OnStarting([&]() -> Status {
    second_ran = true;
    return Ok{};
  });
  Status started = daemon_->Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().message, "state: file is corrupt");
  EXPECT_FALSE(second_ran);
}

}  // namespace
}  // namespace ninesd::daemon
