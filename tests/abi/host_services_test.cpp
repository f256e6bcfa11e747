// SPDX-License-Identifier: LGPL-2.1-or-later
// The services lent to plugins, called through the C table exactly as a plugin would.
#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "abi_support.hpp"

using namespace sshuttle::plugin;

namespace {

struct Captured {
    std::string text;
};

void capture(void* ctx, const char* data, size_t len) { static_cast<Captured*>(ctx)->text.append(data, len); }

int run(const sshuttle_host_v1* abi, std::vector<const char*> argv, const char* stdin_text, Captured& out,
        sshuttle_error& err) {
    argv.push_back(nullptr);
    return abi->run(abi->ctx, argv.data(), stdin_text, &capture, &out, &err);
}

/// Routes the default logger into a string for the lifetime of the object.
class LogCapture {
   public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
        auto logger = std::make_shared<spdlog::logger>("abi-test", sink);
        logger->set_pattern("%l %v");
        logger->set_level(spdlog::level::trace);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    std::string text() const { return stream_.str(); }

   private:
    std::shared_ptr<spdlog::logger> previous_;
    std::ostringstream stream_;
};

}  // namespace

TEST_CASE("host: run feeds stdin and delivers stdout") {
    HostServices host(false);
    const sshuttle_host_v1* abi = host.abi();
    CHECK(abi->struct_size == sizeof(sshuttle_host_v1));
    CHECK(abi->dry_run == 0);
    Captured out;
    sshuttle_error err{};
    CHECK(run(abi, {"cat"}, "line one\nline two\n", out, err) == 0);
    CHECK(out.text == "line one\nline two\n");
    CHECK(host.recorded().empty());
}

TEST_CASE("host: run returns the exit status") {
    HostServices host(false);
    Captured out;
    sshuttle_error err{};
    CHECK(run(host.abi(), {"sh", "-c", "echo out; exit 3"}, nullptr, out, err) == 3);
    CHECK(out.text == "out\n");
}

TEST_CASE("host: run reports a missing program and an empty argv") {
    HostServices host(false);
    Captured out;
    sshuttle_error err{};
    CHECK(run(host.abi(), {"sshuttle-no-such-program"}, nullptr, out, err) == SSHUTTLE_ECOMMAND);
    CHECK(std::string(err.message) == "command not found: 'sshuttle-no-such-program'");
    CHECK(run(host.abi(), {}, nullptr, out, err) == SSHUTTLE_EINVAL);
    CHECK(std::string(err.message) == "empty command");
}

TEST_CASE("host: dry run records commands, quoted, with their stdin, and runs nothing") {
    HostServices host(true);
    CHECK(host.abi()->dry_run == 1);
    Captured out;
    sshuttle_error err{};
    CHECK(run(host.abi(), {"sh", "-c", "echo ran; exit 9"}, nullptr, out, err) == 0);
    CHECK(run(host.abi_for("nat"), {"iptables-restore", "--noflush"}, "*nat\nCOMMIT\n", out, err) == 0);
    CHECK(out.text.empty());
    REQUIRE(host.recorded().size() == 2);
    CHECK(host.recorded()[0] == "sh -c 'echo ran; exit 9'");
    CHECK(host.recorded()[1] == "iptables-restore --noflush\n*nat\nCOMMIT\n");
    host.clear_recorded();
    CHECK(host.recorded().empty());
}

TEST_CASE("host: one stable table per plugin name") {
    HostServices host(false);
    const sshuttle_host_v1* nat = host.abi_for("nat");
    host.abi_for("nft");
    host.abi_for("pf");
    CHECK(host.abi_for("nat") == nat);
    CHECK(host.abi_for("nft") != nat);
}

TEST_CASE("host: plugin log lines go to spdlog at the mapped level with the plugin's name") {
    LogCapture logs;
    HostServices host(true);
    const sshuttle_host_v1* nat = host.abi_for("nat");
    nat->log(nat->ctx, SSHUTTLE_LOG_WARN, "chain exists");
    nat->log(nat->ctx, SSHUTTLE_LOG_ERROR, "gone");
    nat->log(nat->ctx, SSHUTTLE_LOG_TRACE, "detail");
    host.abi()->log(host.abi()->ctx, SSHUTTLE_LOG_DEBUG, "anonymous");
    nat->log(nat->ctx, 77, "unknown level");
    auto plugin = load_firewall_file(ABI_FIXTURE_GOOD, host);  // logs from its constructor
    CHECK(logs.text() ==
          "warning [nat] chain exists\n"
          "error [nat] gone\n"
          "trace [nat] detail\n"
          "debug anonymous\n"
          "info [nat] unknown level\n"
          "debug [fixture-good] fixture created\n");
}
