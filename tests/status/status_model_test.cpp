// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include "app/status/status_model.hpp"

using namespace sshuttle::app::status;

namespace {

SessionStatus sample_status() {
    SessionStatus s;
    s.pid = 4242;
    s.name = "office";
    s.remote = "root@192.0.2.2";
    s.transport = "ssh";
    s.method = "nat";
    s.state = "up";
    s.state_since_unix_ms = 1'000'000'000'000;
    s.reconnects = 2;
    s.last_error = "keepalive timeout";
    s.rtt_ms = 12.5;
    s.bytes_up = 1536;
    s.bytes_down = 3 * 1024 * 1024;
    s.rate_up = 2048;
    s.rate_down = 0;
    s.connections.push_back({"192.0.2.1:40000", "198.51.100.2:80", 1'000'000'060'000, 100, 5 * 1024 * 1024});
    s.connections_opened = 7;
    s.udp_flows = 1;
    s.dns_queries = 3;
    s.subnets = {"198.51.100.0/24", "203.0.113.0/24"};
    s.excludes = {"192.0.2.2/32"};
    return s;
}

}  // namespace

TEST_CASE("status JSON: one line, read back field for field") {
    const auto original = sample_status();
    const std::string text = to_json(original);
    CHECK(text.find('\n') == std::string::npos);
    CHECK(text.find("\"destination\":\"198.51.100.2:80\"") != std::string::npos);
    std::string error;
    const auto back = from_json(text, error);
    REQUIRE_MESSAGE(back, error);
    CHECK(back->pid == 4242);
    CHECK(back->name == "office");
    CHECK(back->state == "up");
    CHECK(back->reconnects == 2);
    CHECK(back->last_error == "keepalive timeout");
    REQUIRE(back->rtt_ms);
    CHECK(*back->rtt_ms == doctest::Approx(12.5));
    CHECK(back->bytes_down == 3 * 1024 * 1024);
    REQUIRE(back->connections.size() == 1);
    CHECK(back->connections[0].destination == "198.51.100.2:80");
    CHECK(back->connections[0].bytes_down == 5 * 1024 * 1024);
    CHECK(back->subnets == original.subnets);
    CHECK(back->excludes == original.excludes);
}

TEST_CASE("status JSON: no RTT yet is null and reads back as none") {
    auto s = sample_status();
    s.rtt_ms.reset();
    const std::string text = to_json(s);
    CHECK(text.find("\"rtt_ms\":null") != std::string::npos);
    std::string error;
    const auto back = from_json(text, error);
    REQUIRE(back);
    CHECK(!back->rtt_ms);
}

TEST_CASE("status JSON: garbage, wrong types and missing keys are errors naming the problem") {
    std::string error;
    CHECK(!from_json("not json {", error));
    CHECK(error == "not JSON");
    CHECK(!from_json("[1,2]", error));
    CHECK(error == "not a JSON object");
    CHECK(!from_json(R"({"pid":1})", error));
    CHECK(error == "key 'name' is missing");

    std::string text = to_json(sample_status());
    const auto at = text.find("\"bytes_up\":1536");
    REQUIRE(at != std::string::npos);
    text.replace(at, 15, "\"bytes_up\":\"lots\"");
    CHECK(!from_json(text, error));
    CHECK(error == "key 'bytes_up' has the wrong type (string)");

    std::string negative = to_json(sample_status());
    const auto flows = negative.find("\"udp_flows\":1");
    negative.replace(flows, 13, "\"udp_flows\":-5");
    CHECK(!from_json(negative, error));
    CHECK(error.find("udp_flows") != std::string::npos);

    CHECK(!from_json(R"({"connections":[1]})", error));
}

TEST_CASE("status JSON: invalid UTF-8 in a text is replaced, never an exception") {
    auto s = sample_status();
    s.last_error = std::string("bad \xff\xfe byte");
    std::string text;
    CHECK_NOTHROW(text = to_json(s));
    std::string error;
    CHECK(from_json(text, error));
}

TEST_CASE("human page: every item, with the connection's destination, age and bytes") {
    const std::string page = render_human(sample_status(), 1'000'000'075'000);
    CHECK(page.find("sshuttle client 4242 (office)") != std::string::npos);
    CHECK(page.find("root@192.0.2.2 via ssh, method nat") != std::string::npos);
    CHECK(page.find("up since 2001-09-09 01:46:40 UTC (1m 15s), 2 reconnects") != std::string::npos);
    CHECK(page.find("last error   keepalive timeout") != std::string::npos);
    CHECK(page.find("RTT 12.5 ms") != std::string::npos);
    CHECK(page.find("up 1.5 KiB (2.0 KiB/s), down 3.0 MiB (0 B/s)") != std::string::npos);
    CHECK(page.find("198.51.100.0/24, 203.0.113.0/24") != std::string::npos);
    CHECK(page.find("excluded     192.0.2.2/32") != std::string::npos);
    CHECK(page.find("UDP flows    1") != std::string::npos);
    CHECK(page.find("DNS queries  3") != std::string::npos);
    CHECK(page.find("1 open, 7 since start") != std::string::npos);
    CHECK(page.find("192.0.2.1:40000 -> 198.51.100.2:80  age 15s  up 100 B  down 5.0 MiB") != std::string::npos);
}

TEST_CASE("human page: control bytes from the client never reach the terminal") {
    auto s = sample_status();
    s.last_error = "evil\x1b[2J\nline";
    const std::string page = render_human(s, 0);
    CHECK(page.find('\x1b') == std::string::npos);
    CHECK(page.find("evil?[2J?line") != std::string::npos);
}

TEST_CASE("brief line: connected, rates only when moving, RTT; another state with its last error") {
    auto s = sample_status();
    CHECK(render_brief(s) ==
          "Connected to root@192.0.2.2, 1 open connections, up 2.0 KiB/s, down 0 B/s, RTT 12 ms, 2 reconnects");
    s.rate_up = 0;
    s.rtt_ms.reset();
    s.reconnects = 0;
    CHECK(render_brief(s) == "Connected to root@192.0.2.2, 1 open connections");
    s.state = "reconnecting";
    CHECK(render_brief(s) == "reconnecting (root@192.0.2.2), last error: keepalive timeout");
}

TEST_CASE("human units") {
    CHECK(human_bytes(0) == "0 B");
    CHECK(human_bytes(1023) == "1023 B");
    CHECK(human_bytes(1024) == "1.0 KiB");
    CHECK(human_bytes(5.5 * 1024 * 1024 * 1024) == "5.5 GiB");
    CHECK(human_duration(-3) == "0s");
    CHECK(human_duration(59) == "59s");
    CHECK(human_duration(3600 + 120) == "1h 2m");
    CHECK(human_duration(2 * 86400 + 3 * 3600) == "2d 3h");
}

TEST_CASE("reconnect causes: bounded, newest last, cut to size; back marks the open loss once") {
    std::vector<ReconnectCause> causes;
    record_back(causes, 5);  // nothing open: nothing happens
    CHECK(causes.empty());
    for (int i = 0; i < 8; ++i) {
        record_loss(causes, 1000 * i, "loss " + std::to_string(i));
        record_back(causes, 1000 * i + 500);
        record_back(causes, 1000 * i + 900);  // only the first counts
    }
    REQUIRE(causes.size() == kMaxReconnectCauses);
    CHECK(causes.front() == ReconnectCause{3000, "loss 3", 3500});
    CHECK(causes.back() == ReconnectCause{7000, "loss 7", 7500});
    record_loss(causes, 9000, std::string(1000, 'x'));
    CHECK(causes.back().cause.size() == kMaxCauseBytes);
    CHECK(causes.back().back_unix_ms == 0);
    record_loss(causes, 9500, "");
    CHECK(causes.back().cause == "unknown");
}

TEST_CASE("reconnect causes: JSON round trip, optional for older clients, bounded when read") {
    SessionStatus s = sample_status();
    s.recent_reconnects = {{1'000'000'000'000, "server exited (exit code 255)", 1'000'000'003'000},
                           {1'000'000'050'000, "keepalive timeout", 0}};
    std::string error;
    auto back = from_json(to_json(s), error);
    REQUIRE_MESSAGE(back, error);
    CHECK(back->recent_reconnects == s.recent_reconnects);

    // A client from before the key existed.
    std::string old_text = to_json(sample_status());
    const std::string key = "\"recent_reconnects\":[],";
    REQUIRE(old_text.find(key) != std::string::npos);
    old_text.erase(old_text.find(key), key.size());
    back = from_json(old_text, error);
    REQUIRE_MESSAGE(back, error);
    CHECK(back->recent_reconnects.empty());

    // A hostile one: too many, too long; or the wrong shape.
    s.recent_reconnects.assign(50, ReconnectCause{1, std::string(5000, 'y'), 2});
    back = from_json(to_json(s), error);
    REQUIRE_MESSAGE(back, error);
    CHECK(back->recent_reconnects.size() == kMaxReconnectCauses);
    CHECK(back->recent_reconnects[0].cause.size() == kMaxCauseBytes);
    std::string bad = to_json(sample_status());
    bad.replace(bad.find(key), key.size(), "\"recent_reconnects\":[{\"cause\":7}],");
    CHECK_FALSE(from_json(bad, error));
    CHECK(error.find("lost_unix_ms") != std::string::npos);
}

TEST_CASE("reconnect causes: the human page lists them with times and outcome; the brief line names the last") {
    SessionStatus s = sample_status();
    s.recent_reconnects = {{1'000'000'000'000, "server exited (exit code 255)", 1'000'000'003'000},
                           {1'000'000'050'000, "keepalive\ttimeout", 0}};
    const std::string page = render_human(s, 1'000'000'075'000);
    CHECK(page.find("  reconnects   the last 2:\n") != std::string::npos);
    CHECK(page.find("    2001-09-09 01:46:40 UTC  server exited (exit code 255); back after 3s\n") != std::string::npos);
    CHECK(page.find("keepalive?timeout; still reconnecting\n") != std::string::npos);
    s.recent_reconnects.back().back_unix_ms = 1'000'000'051'000;
    CHECK(render_brief(s) == "Connected to root@192.0.2.2, 1 open connections, up 2.0 KiB/s, down 0 B/s, RTT 12 ms, "
                             "2 reconnects (last: keepalive?timeout)");
    s.recent_reconnects.back().cause = std::string(100, 'z');
    CHECK(render_brief(s).ends_with(" (last: " + std::string(57, 'z') + "...)"));
    s.state = "reconnecting";
    CHECK(render_brief(s) == "reconnecting (root@192.0.2.2), last error: keepalive timeout, 2 reconnects");
    CHECK(render_human(sample_status(), 1'000'000'075'000).find("reconnects   the last") == std::string::npos);
}
