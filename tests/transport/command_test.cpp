// SPDX-License-Identifier: LGPL-2.1-or-later
// The ssh argv, the server arguments and the remote script text: pure functions, checked exactly.
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include "common/shell_quote.hpp"
#include "mux_probe.hpp"
#include "scratch.hpp"
#include "transport/remote_script.hpp"
#include "transport/server_args.hpp"
#include "transport/server_helper.hpp"
#include "transport/server_launch.hpp"
#include "transport/ssh_command.hpp"
#include "util/process.hpp"

using namespace sshuttle;
using namespace sshuttle::transport;
using Words = std::vector<std::string>;

namespace {

LaunchConfig remote_options(const std::string& user, const std::string& host, uint16_t port) {
    LaunchConfig options;
    options.remote = RemoteHost{user, "", host, port};
    return options;
}

}  // namespace

TEST_CASE("ssh argv: default ssh, host only") {
    LaunchConfig options = remote_options("", "example.org", 0);
    CHECK(ssh_argv(options, "CMD") == Words{"ssh", "example.org", "--", "CMD"});
}

TEST_CASE("ssh argv: user, port and the delimiter") {
    LaunchConfig options = remote_options("alice", "example.org", 2222);
    CHECK(ssh_argv(options, "CMD") == Words{"ssh", "-p", "2222", "alice@example.org", "--", "CMD"});
    options.no_cmd_delimiter = true;
    CHECK(ssh_argv(options, "CMD") == Words{"ssh", "-p", "2222", "alice@example.org", "CMD"});
}

TEST_CASE("ssh argv: -e with arguments is shlex-split") {
    LaunchConfig options = remote_options("bob", "192.0.2.5", 0);
    options.ssh_cmd = "/usr/bin/ssh -i '/keys/my key' -o StrictHostKeyChecking=no";
    CHECK(ssh_argv(options, "CMD") == Words{"/usr/bin/ssh", "-i", "/keys/my key", "-o",
                                            "StrictHostKeyChecking=no", "bob@192.0.2.5", "--", "CMD"});
    options.ssh_cmd = "tsh ssh";
    options.no_cmd_delimiter = true;
    CHECK(ssh_argv(options, "CMD") == Words{"tsh", "ssh", "bob@192.0.2.5", "CMD"});
}

TEST_CASE("ssh argv: IPv6 host stays unbracketed, as upstream passes it") {
    LaunchConfig options = remote_options("carol", "2001:db8::1", 22);
    CHECK(ssh_argv(options, "CMD") == Words{"ssh", "-p", "22", "carol@2001:db8::1", "--", "CMD"});
    options.remote->user.clear();
    CHECK(ssh_argv(options, "CMD") == Words{"ssh", "-p", "22", "2001:db8::1", "--", "CMD"});
}

TEST_CASE("ssh argv: user:password@host goes through sshpass -e") {
    LaunchConfig options = remote_options("dave", "example.org", 0);
    options.remote->password = "secret";
    CHECK(ssh_argv(options, "CMD") == Words{"sshpass", "-e", "ssh", "dave@example.org", "--", "CMD"});
}

TEST_CASE("ssh argv: an empty or broken -e is an error") {
    LaunchConfig options = remote_options("", "example.org", 0);
    options.ssh_cmd = "   ";
    CHECK_THROWS_WITH_AS(ssh_argv(options, "CMD"), "invalid ssh command '   ': no program", TransportError);
    options.ssh_cmd = "ssh -o 'x";
    CHECK_THROWS_AS(ssh_argv(options, "CMD"), TransportError);
}

TEST_CASE("server arguments: defaults and every option") {
    LaunchConfig options;
    CHECK(server_arguments(options, 0) == Words{"--server"});
    options.verbose = 2;
    options.latency_control = false;
    options.latency_buffer_size = 65536;
    options.auto_nets = true;
    net::Endpoint ns;
    ns.address.family = net::Family::kIPv6;
    inet_pton(AF_INET6, "2001:db8::53", ns.address.bytes.data());
    options.to_ns = ns;
    CHECK(server_arguments(options, 0) == Words{"--server", "-v", "-v", "--no-latency-control", "--latency-buffer-size",
                                                "65536", "--to-ns", "2001:db8::53@53", "--auto-nets"});
    options = LaunchConfig{};
    net::Endpoint ns4;
    inet_pton(AF_INET, "192.0.2.53", ns4.address.bytes.data());
    ns4.port = 5353;
    options.to_ns = ns4;
    CHECK(server_arguments(options, 0x2a) == Words{"--server", "--to-ns", "192.0.2.53@5353", "--mark", "42"});
}

TEST_CASE("remote command: upload script under /bin/sh -c") {
    LaunchConfig options = remote_options("", "example.org", 0);
    UploadSpec spec{"abc123", 4096, "\"Linux \"x86_64"};
    const std::string script = upload_script(spec, server_arguments(options, 0));
    CHECK(remote_command(options, script) == "/bin/sh -c " + common::shell_quote(script));
    // The parts a reader of the remote side relies on.
    CHECK(script.find("d=\"${XDG_CACHE_HOME:-$HOME/.cache}/sshuttle\"; h=abc123; f=\"$d/sshuttle-server-$h\"; ") == 0);
    CHECK(script.find("case \"$p\" in \"Linux \"x86_64) ;; *) echo \"SSHUTTLE-ERROR platform $p\"; exit 90;; esac")
          != std::string::npos);
    CHECK(script.find("echo \"SSHUTTLE-UPLOAD $h 4096\"; head -c 4096 > \"$t\"; ") != std::string::npos);
    CHECK(script.find("exec \"$f\" --server; ") != std::string::npos);
    CHECK(script.find('\n') == std::string::npos);  // one line: csh rejects newlines inside quotes
    CHECK(script.find('!') == std::string::npos);   // no csh history expansion
}

TEST_CASE("remote command: --server-cmd replaces the upload and gets the server arguments") {
    LaunchConfig options = remote_options("", "example.org", 0);
    options.server_cmd = "/opt/sshuttle/bin/sshuttle";
    options.verbose = 1;
    CHECK(remote_command(options, "unused") == "/bin/sh -c '/opt/sshuttle/bin/sshuttle --server -v'");
    options.remote_shell = "powershell";
    CHECK(remote_command(options, "unused") == "/opt/sshuttle/bin/sshuttle --server -v");
}

TEST_CASE("remote command: a non-POSIX --remote-shell needs --server-cmd") {
    LaunchConfig options = remote_options("", "example.org", 0);
    options.remote_shell = "cmd";
    CHECK_THROWS_WITH_AS(remote_command(options, "x"),
                         "--remote-shell 'cmd': the uploaded server needs a POSIX /bin/sh on the remote; use "
                         "--server-cmd",
                         TransportError);
}

TEST_CASE("server helper: hash, platform and path override") {
    // SHA-1 test vector (FIPS 180-1).
    CHECK(content_hash("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    // The helper is built for the machine the tests run on, so the pattern must match its real uname.
    CHECK(helper_platform() + "\n" == util::run_command({"uname", "-sm"}).output);
    const std::string probe = "case \"$(uname -sm)\" in " + helper_platform_pattern() + ") echo yes;; *) echo no;; esac";
    CHECK(util::run_command({"/bin/sh", "-c", probe}).output == "yes\n");
    CHECK_THROWS_WITH_AS(load_server_helper("/nonexistent/sshuttle-server", built_helper_sha256()),
                         "cannot read the server helper '/nonexistent/sshuttle-server': No such file or directory "
                         "(build the sshuttle-server target, set SSHUTTLE_SERVER_HELPER, or use --server-cmd)",
                         TransportError);
}

TEST_CASE("server helper: only the helper this client was built with is loaded for upload") {
    // SHA-256 test vector (FIPS 180-2).
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // The digest compiled in is the built helper's.
    CHECK(load_server_helper(test::built_helper(), built_helper_sha256()).hash == built_helper_sha256());
    test::ScratchDir dir;
    const std::string other = dir.write("sshuttle-server", "#!/bin/sh\necho not the helper\n", 0755);
    CHECK_THROWS_WITH_AS(load_server_helper(other, built_helper_sha256()),
                         ("the server helper '" + other + "' is not the one this sshuttle was built with (SHA-256 " +
                          sha256_hex("#!/bin/sh\necho not the helper\n") + ", expected " +
                          std::string(built_helper_sha256()) +
                          "): refusing to upload it (reinstall sshuttle, or use --server-cmd or --python)")
                             .c_str(),
                         TransportError);
}

TEST_CASE("ssh argv: batch mode (nobody to answer a prompt) adds -o BatchMode=yes, except for sshpass") {
    LaunchConfig options = remote_options("", "example.org", 2222);
    CHECK(ssh_argv(options, "CMD", {}, true) ==
          Words{"ssh", "-o", "BatchMode=yes", "-p", "2222", "example.org", "--", "CMD"});
    options.remote->password = "secret";
    CHECK(ssh_argv(options, "CMD", {}, true) == Words{"sshpass", "-e", "ssh", "-p", "2222", "example.org", "--", "CMD"});
}
