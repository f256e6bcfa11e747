// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include "app/status/control_request.hpp"

using namespace sshuttle::app::status;

TEST_CASE("control request: the known requests") {
    CHECK(parse_request("status").kind == RequestKind::kStatus);
    CHECK(parse_request("status\r").kind == RequestKind::kStatus);
    CHECK(parse_request("ping").kind == RequestKind::kPing);
}

TEST_CASE("control request: everything else is an error naming the bad value") {
    auto r = parse_request("");
    CHECK(r.kind == RequestKind::kInvalid);
    CHECK(r.error == "empty request (try 'status')");

    r = parse_request("stats");
    CHECK(r.kind == RequestKind::kInvalid);
    CHECK(r.error == "unknown request 'stats' (known: status, ping)");

    r = parse_request("status now");
    CHECK(r.kind == RequestKind::kInvalid);
    CHECK(r.error == "unknown request 'status now' (known: status, ping)");

    r = parse_request("STATUS");
    CHECK(r.kind == RequestKind::kInvalid);

    r = parse_request(std::string_view("sta\0tus", 7));
    CHECK(r.kind == RequestKind::kInvalid);
    CHECK(r.error == "request has control or non-ASCII bytes: 'sta\\x00tus'");

    r = parse_request("\x1b[2J\xff");
    CHECK(r.error == "request has control or non-ASCII bytes: '\\x1b[2J\\xff'");

    r = parse_request(std::string(kMaxRequestBytes, 'a'));
    CHECK(r.kind == RequestKind::kInvalid);
    CHECK(r.error == "request too long (256 bytes, at most 255)");

    r = parse_request(std::string(100, 'b'));
    CHECK(r.kind == RequestKind::kInvalid);
    CHECK(r.error == "unknown request '" + std::string(40, 'b') + "'... (known: status, ping)");
}

TEST_CASE("control reply: error objects") {
    const std::string reply = error_reply("unknown request 'x'");
    CHECK(reply == R"({"error":"unknown request 'x'"})");
    CHECK(reply_error(reply) == "unknown request 'x'");
    CHECK(reply_error(R"({"pid":1})").empty());
    CHECK(reply_error("garbage").empty());
    CHECK(reply_error(R"({"error":5})").empty());
}
