// SPDX-License-Identifier: LGPL-2.1-or-later
// A transport plugin loaded and driven through its table, as the transport area does.
#include <doctest/doctest.h>
#include <poll.h>

#include "abi_support.hpp"

using namespace sshuttle::plugin;

TEST_CASE("transport: options arrive, bytes go round the loopback fixture, EOF after shutdown_write") {
    HostServices host(false);
    auto transport = load_transport_file(ABI_FIXTURE_TRANSPORT, host, {{"mode", "echo"}});
    CHECK(transport->name() == "loopback");
    std::string reason;
    CHECK(transport->is_supported(reason));
    CHECK(reason == "mode=echo");

    const sshuttle_transport_v1& t = transport->table();
    void* self = transport->self();
    const char* argv[] = {"sshuttle", "--server", nullptr};
    sshuttle_transport_request req{sizeof(sshuttle_transport_request), "localhost", nullptr, 0, argv,
                                   "sshuttle --server"};
    sshuttle_error err{};
    REQUIRE(t.open(self, &req, &err) == SSHUTTLE_OK);
    REQUIRE(t.step(self, &err) == SSHUTTLE_OK);
    CHECK(t.wants(self) == SSHUTTLE_WANT_READ);

    char buf[64] = {};
    CHECK(t.read(self, buf, sizeof buf, &err) == 0);  // nothing yet: would block
    CHECK(t.write(self, "hello", 5, &err) == 5);
    pollfd pfd{t.poll_fd(self), POLLIN, 0};
    REQUIRE(poll(&pfd, 1, -1) == 1);
    CHECK(t.read(self, buf, sizeof buf, &err) == 5);
    CHECK(std::string(buf, 5) == "hello");
    REQUIRE(t.shutdown_write(self, &err) == SSHUTTLE_OK);
    CHECK(t.read(self, buf, sizeof buf, &err) == SSHUTTLE_ECLOSED);
}

TEST_CASE("transport: a failed call becomes a PluginError naming the file") {
    HostServices host(false);
    auto transport = load_transport_file(ABI_FIXTURE_TRANSPORT, host, {});
    sshuttle_transport_request req{sizeof(sshuttle_transport_request), "unreachable", nullptr, 0, nullptr, ""};
    sshuttle_error err{};
    int status = transport->table().open(transport->self(), &req, &err);
    CHECK(status == SSHUTTLE_ESYSTEM);
    CHECK_THROWS_WITH_AS(transport->fail("open", status, err),
                         "plugin " ABI_FIXTURE_TRANSPORT ": open failed: connection to unreachable refused",
                         PluginError);
}

TEST_CASE("transport: a firewall module is not a transport") {
    HostServices host(false);
    CHECK_THROWS_WITH_AS(load_transport_file(ABI_FIXTURE_GOOD, host, {}),
                         "plugin " ABI_FIXTURE_GOOD ": not a transport plugin (no sshuttle_get_transport_v1)",
                         PluginError);
}
