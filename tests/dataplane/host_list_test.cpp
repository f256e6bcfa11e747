// SPDX-License-Identifier: LGPL-2.1-or-later
// The server's HOST_LIST as the client reads it: only strict names with an address get through.
#include "client/host_list.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sshuttle;

namespace {

std::vector<std::string> names(const std::vector<client::LearntHost>& hosts) {
    std::vector<std::string> out;
    for (const auto& h : hosts) out.push_back(h.name + "=" + h.ip.to_string());
    return out;
}

}  // namespace

TEST_CASE("host list: valid lines, split across frames") {
    client::HostListReader reader;
    CHECK(names(reader.feed("web,203.0.113.10\nsi")).size() == 1);
    CHECK(names(reader.feed("x,2001:db8::6\n")) == std::vector<std::string>{"six=2001:db8::6"});
    CHECK(reader.refused() == 0);
}

TEST_CASE("host list: a space, an escape sequence, localhost in any case, a bad address: dropped") {
    client::HostListReader reader;
    const auto got = reader.feed(
        "two words,192.0.2.1\n\x1b[2Jesc,192.0.2.1\nLocalHost,192.0.2.1\nname,not-an-ip\nnocomma\nok,192.0.2.7\n");
    CHECK(names(got) == std::vector<std::string>{"ok=192.0.2.7"});
    CHECK(reader.refused() == 5);
}

TEST_CASE("host list: a partial line is bounded; the line after it still counts") {
    client::HostListReader reader;
    const std::string chunk(1000, 'a');
    for (int i = 0; i < 100; ++i) CHECK(reader.feed(chunk).empty());  // 100 KB without a newline
    CHECK(reader.refused() == 1);
    CHECK(names(reader.feed("still-long\nafter,192.0.2.8\n")) == std::vector<std::string>{"after=192.0.2.8"});
}
