// SPDX-License-Identifier: LGPL-2.1-or-later
#include "fwmgr/line_protocol.hpp"

#include <doctest/doctest.h>

#include "support/addresses.hpp"

using namespace sshuttle;
using namespace sshuttle::fwmgr;
using testing::ip;
using testing::rule;

TEST_CASE("line protocol: route lines round-trip with upstream's field order") {
    CHECK(format_route(rule("10.0.0.0", 8)) == "2,8,0,10.0.0.0,0,0\n");
    CHECK(format_route(rule("10.1.0.0", 16, true)) == "2,16,1,10.1.0.0,0,0\n");
    CHECK(format_route(rule("2001:db8::", 32, false, 80, 90)) == "10,32,0,2001:db8::,80,90\n");
    CHECK(parse_route("2,24,0,192.0.2.0,0,0") == rule("192.0.2.0", 24));
    CHECK(parse_route("2,32,1,198.51.100.7,22,22") == rule("198.51.100.7", 32, true, 22, 22));
    CHECK(parse_route("10,128,0,2001:db8::1,1,65535") == rule("2001:db8::1", 128, false, 1, 65535));
    auto longest = rule("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 128, true, 65535, 65535);
    CHECK(parse_route(format_route(longest).substr(0, format_route(longest).size() - 1)) == longest);
}

TEST_CASE("line protocol: bad route lines are one-line errors naming the line") {
    CHECK_THROWS_WITH_AS(parse_route("2,33,0,10.0.0.0,0,0"),
                         "invalid route line '2,33,0,10.0.0.0,0,0': bad prefix '33'", ProtocolError);
    CHECK_THROWS_WITH_AS(parse_route("7,8,0,10.0.0.0,0,0"),
                         "invalid route line '7,8,0,10.0.0.0,0,0': unknown address family '7'", ProtocolError);
    CHECK_THROWS_WITH_AS(parse_route("2,8,0,2001:db8::,0,0"),
                         "invalid route line '2,8,0,2001:db8::,0,0': bad address '2001:db8::'", ProtocolError);
    CHECK_THROWS_AS(parse_route("2,8,2,10.0.0.0,0,0"), ProtocolError);      // exclude flag
    CHECK_THROWS_AS(parse_route("2,8,0,10.0.0.0,90,80"), ProtocolError);    // reversed range
    CHECK_THROWS_AS(parse_route("2,8,0,10.0.0.0,0,65536"), ProtocolError);  // port too big
    CHECK_THROWS_AS(parse_route("2,8,0,10.0.0.0,0"), ProtocolError);        // field missing
    CHECK_THROWS_AS(parse_route("2,8,0,10.0.0.0,0,0,0"), ProtocolError);    // field too many
    CHECK_THROWS_AS(parse_route("2,-8,0,10.0.0.0,0,0"), ProtocolError);     // sign
    CHECK_THROWS_AS(parse_route("2, 8,0,10.0.0.0,0,0"), ProtocolError);     // space
    CHECK_THROWS_AS(parse_route(""), ProtocolError);
}

TEST_CASE("line protocol: nameserver lines") {
    CHECK(format_nameserver(ip("192.0.2.53")) == "2,192.0.2.53\n");
    CHECK(format_nameserver(ip("2001:db8::53")) == "10,2001:db8::53\n");
    CHECK(parse_nameserver("2,192.0.2.53") == ip("192.0.2.53"));
    CHECK(parse_nameserver("10,2001:db8::53") == ip("2001:db8::53"));
    CHECK_THROWS_WITH_AS(parse_nameserver("2,2001:db8::53"),
                         "invalid nameserver line '2,2001:db8::53': bad address '2001:db8::53'", ProtocolError);
    CHECK_THROWS_AS(parse_nameserver("2"), ProtocolError);
    CHECK_THROWS_AS(parse_nameserver("2,192.0.2.53,1"), ProtocolError);
}

TEST_CASE("line protocol: PORTS") {
    CHECK(format_ports(Ports{1024, 1025, 1026, 1027}) == "PORTS 1024,1025,1026,1027\n");
    CHECK(parse_ports("PORTS 1024,1025,1026,1027") == Ports{1024, 1025, 1026, 1027});
    CHECK(parse_ports("PORTS 0,12300,0,0") == Ports{0, 12300, 0, 0});
    CHECK_THROWS_WITH_AS(parse_ports("PORTS 1,2,3"),
                         "invalid PORTS line 'PORTS 1,2,3': expected 4 comma-separated ports", ProtocolError);
    CHECK_THROWS_AS(parse_ports("PORTS 1,2,3,70000"), ProtocolError);
    CHECK_THROWS_AS(parse_ports("PORTS"), ProtocolError);
    CHECK_THROWS_AS(parse_ports("PORT 1,2,3,4"), ProtocolError);
}

TEST_CASE("line protocol: GO, with and without our bypass mark") {
    GoFields go;
    go.udp = true;
    go.client_pid = 12345;
    CHECK(format_go(go) == "GO 1 - - 0x01 12345\n");  // upstream's unit test line
    CHECK(parse_go("GO 1 - - 0x01 12345") == go);

    GoFields full;
    full.uid = 1000;
    full.gid = 100;
    full.tmark = "0xff";
    full.client_pid = 42;
    full.bypass_mark = 0x5353;
    CHECK(format_go(full) == "GO 0 1000 100 0xff 42 0x5353\n");
    CHECK(parse_go("GO 0 1000 100 0xff 42 0x5353") == full);

    CHECK_THROWS_WITH_AS(parse_go("GO 1 - - 1 12345"), "invalid GO line 'GO 1 - - 1 12345': bad tmark '1'",
                         ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 2 - - 0x01 12345"), ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 1 bob - 0x01 12345"), ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 1 - - 0x01 0"), ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 1 - - 0x01 -5"), ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 1 - - 0x01"), ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 1 - - 0x01 12345 0x0"), ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 1 - - 0x01 12345 0x1 extra"), ProtocolError);
    CHECK_THROWS_AS(parse_go("GO 1 - - 0x123456789 12345"), ProtocolError);
}

TEST_CASE("line protocol: HOST") {
    CHECK(format_host({"printer.example", ip("192.0.2.9")}) == "HOST printer.example,192.0.2.9\n");
    CHECK(parse_host("HOST printer.example,192.0.2.9") == HostEntry{"printer.example", ip("192.0.2.9")});
    CHECK(parse_host("HOST db6,2001:db8::6") == HostEntry{"db6", ip("2001:db8::6")});
    CHECK_THROWS_AS(parse_host("HOST printer.example"), ProtocolError);
    CHECK_THROWS_AS(parse_host("HOST ,192.0.2.9"), ProtocolError);
    CHECK_THROWS_AS(parse_host("HOST a b,192.0.2.9"), ProtocolError);
    CHECK_THROWS_AS(parse_host("HOST a,192.0.2.999"), ProtocolError);
    std::string long_name(130, 'a');
    CHECK_THROWS_AS(format_host({long_name, ip("192.0.2.9")}), ProtocolError);
}

TEST_CASE("line protocol: READY, STARTED and ERROR") {
    CHECK(format_ready("nat") == "READY nat\n");
    CHECK(parse_ready("READY nft") == std::optional<std::string>("nft"));
    CHECK_FALSE(parse_ready("READY").has_value());
    CHECK_FALSE(parse_ready("READY ").has_value());
    CHECK_FALSE(parse_ready("[sudo] lecture READY nat").has_value());
    CHECK_FALSE(parse_ready("READY nat extra").has_value());
    CHECK(kStartedLine == "STARTED");

    CHECK(format_error("IPv4 setup failed: iptables exited 4") == "ERROR IPv4 setup failed: iptables exited 4\n");
    CHECK(format_error("two\nlines") == "ERROR two lines\n");
    // ERROR may be longer than the other lines (exact commands to run), within kMaxErrorLineBytes.
    CHECK(format_error(std::string(300, 'x')) == "ERROR " + std::string(300, 'x') + "\n");
    std::string long_error = format_error(std::string(3000, 'x'));
    CHECK(long_error.size() == kMaxErrorLineBytes);
    CHECK(long_error.ends_with("...\n"));
    CHECK(parse_error("ERROR no method") == std::optional<std::string>("no method"));
    CHECK_FALSE(parse_error("READY nat").has_value());
}

TEST_CASE("line protocol: ROUTES_UPDATE's answer lines") {
    CHECK(kRoutesUpdateLine == "ROUTES_UPDATE");
    CHECK(kRoutesEndLine == "ROUTES_END");
    CHECK(kRoutesUpdatedLine == "ROUTES_UPDATED");
    CHECK(format_update_failure("IPv4: nft\nsaid no") == "ROUTES_UPDATE_FAILED IPv4: nft said no\n");
    CHECK(format_update_failure(std::string(300, 'x')).size() == kMaxLineBytes);
    CHECK(parse_update_failure("ROUTES_UPDATE_FAILED refused: port") == std::optional<std::string>("refused: port"));
    CHECK_FALSE(parse_update_failure("ROUTES_UPDATED").has_value());
    CHECK_FALSE(parse_update_failure("ERROR x").has_value());
}
