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

TEST_CASE("transport 1.2: open_channel gives a second instance with its own stream; the first goes on") {
    HostServices host(false);
    auto transport = load_transport_file(ABI_FIXTURE_TRANSPORT, host, {{"mode", "echo"}});
    REQUIRE(transport->can_open_channel());
    const char* argv[] = {"sshuttle", "--server", nullptr};
    sshuttle_transport_request req{sizeof(sshuttle_transport_request), "localhost", nullptr, 0, argv,
                                   "sshuttle --server"};
    sshuttle_error err{};
    int status = SSHUTTLE_OK;
    auto channel = transport->open_channel(req, status, err);
    REQUIRE(status == SSHUTTLE_OK);
    REQUIRE(channel != nullptr);
    CHECK(channel->name() == "loopback");
    const sshuttle_transport_v1& t = channel->table();
    CHECK(t.write(channel->self(), "second", 6, &err) == 6);
    char buf[16] = {};
    CHECK(transport->table().read(transport->self(), buf, sizeof buf, &err) == 0);  // not on the first stream
    CHECK(t.read(channel->self(), buf, sizeof buf, &err) == 6);
    CHECK(std::string(buf, 6) == "second");
    channel.reset();  // destroyed before the instance it came from, as the ABI asks
    CHECK(transport->table().write(transport->self(), "x", 1, &err) == 1);
}

TEST_CASE("transport 1.2: a refused channel is a status, not an instance") {
    HostServices host(false);
    auto transport = load_transport_file(ABI_FIXTURE_TRANSPORT, host, {});
    sshuttle_transport_request req{sizeof(sshuttle_transport_request), "refuses-channels", nullptr, 0, nullptr, ""};
    sshuttle_error err{};
    int status = SSHUTTLE_OK;
    CHECK(transport->open_channel(req, status, err) == nullptr);
    CHECK(status == SSHUTTLE_EUNSUPPORTED);
    CHECK(std::string(err.message) == "channel open failed: administratively prohibited");
}

TEST_CASE("transport: a 1.1 module (no open_channel in its table) loads; the host then keeps one channel, no forwards") {
    HostServices host(false);
    auto transport = load_transport_file(ABI_FIXTURE_TRANSPORT_MINOR_ONE, host, {});
    CHECK(transport->name() == "loopback");
    CHECK((transport->table().open_channel == nullptr));  // past its struct_size: read as NULL
    CHECK_FALSE(transport->can_open_channel());
    CHECK((transport->table().forward_tcp == nullptr));  // 1.4's forward_tcp likewise
    CHECK_FALSE(transport->can_forward_tcp());
    sshuttle_transport_request req{sizeof(sshuttle_transport_request), "localhost", nullptr, 0, nullptr, ""};
    sshuttle_error err{};
    int status = SSHUTTLE_OK;
    CHECK(transport->open_channel(req, status, err) == nullptr);
    CHECK(status == SSHUTTLE_EUNSUPPORTED);
}
