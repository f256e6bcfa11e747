// SPDX-License-Identifier: LGPL-2.1-or-later
// The remote script's Python fallback, run under a real /bin/sh with a scratch cache: another platform, a
// helper that does not run, no usable Python, --python, and the SSHUTTLE_TEST_HELPER_PLATFORM hook; and the
// cache's checks (the SHA-256 of a cached copy, a private directory, no SHA-256 program on the remote). The
// launcher's part (answering the upload lines) is played by run_remote_script.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/shell_quote.hpp"
#include "python_test_support.hpp"
#include "stand_in_server.hpp"
#include "transport/server_helper.hpp"
#include "transport/server_launch.hpp"

using namespace sshuttle;
using namespace sshuttle::test;
using transport::PythonSpec;
using transport::UploadSpec;

namespace {

const std::vector<std::string> kServerArgs = {"--server", "-v"};

PythonSpec embedded(const std::string& interpreter = "") {
    return PythonSpec{interpreter, std::string(server_py::python_server_hash()),
                      server_py::python_server_source().size()};
}

// A scratch "remote": cache directory, helper bytes, and a bin directory put first in the script's PATH.
struct Remote {
    ScratchDir dir;
    ScopedEnv home{"HOME", dir / "home"};
    ScopedEnv cache{"XDG_CACHE_HOME", dir / "cache"};
    ScopedEnv stand_in_argv{"STAND_IN_ARGV", dir / "server-argv"};
    ScopedEnv platform{transport::kPlatformOverrideEnv, std::nullopt};
    std::string helper = kStandInServer;

    void fake_uname(const std::string& output) { dir.write("bin/uname", "#!/bin/sh\necho '" + output + "'\n", 0755); }
    void no_python() {
        // Both names exist but fail the version check, as an old Python 2 would.
        dir.write("bin/python3", "#!/bin/sh\nexit 1\n", 0755);
        dir.write("bin/python", "#!/bin/sh\nexit 1\n", 0755);
    }
    std::string cached() const { return dir / ("cache/sshuttle/sshuttle-server-" + transport::sha256_hex(helper)); }

    UploadSpec spec() const {
        return UploadSpec{transport::sha256_hex(helper), helper.size(), transport::helper_platform_pattern(),
                          embedded()};
    }
    ScriptRun run(const std::string& script) const {
        return run_remote_script("PATH=" + common::shell_quote(dir / "bin") + ":$PATH; " + script, helper,
                                 transport::sha256_hex(helper));
    }
    ScriptRun run_upload() const { return run(transport::upload_script(spec(), kServerArgs)); }
};

// Skips the ssh options, the host and "--", then runs the remote command as sshd would, with FAKE_REMOTE_PATH
// first in PATH (for a fake uname or python).
constexpr const char* kFakeSsh = R"(#!/bin/sh
while [ $# -gt 1 ]; do
  case "$1" in
    --) shift; break ;;
    -p|-o|-i|-l|-F) shift 2 ;;
    -*) shift ;;
    *) shift; [ "$1" = "--" ] && shift; break ;;
  esac
done
[ -n "$FAKE_REMOTE_PATH" ] && PATH="$FAKE_REMOTE_PATH:$PATH"
exec /bin/sh -c "$1"
)";

// start_server over the fake ssh, with the stand-in as the helper.
struct LaunchRemote : Remote {
    std::string fake_ssh = dir.write("fake-ssh", kFakeSsh, 0755);
    std::string helper_file = dir.write("helper/sshuttle-server", helper, 0755);
    ScopedEnv helper_env{"SSHUTTLE_SERVER_HELPER", helper_file};
    ScopedEnv remote_path{"FAKE_REMOTE_PATH", dir / "bin"};
    // The stand-in is not the helper this client was built with: the test names its digest.
    transport::LaunchParams params() const {
        transport::LaunchParams p;
        p.helper_sha256 = transport::sha256_hex(helper);
        return p;
    }

    transport::LaunchConfig options() const {
        transport::LaunchConfig o;
        o.remote = transport::RemoteHost{"alice", "", "192.0.2.1", 0};
        o.ssh_cmd = fake_ssh;
        return o;
    }
};

// The started Python server speaks the mux: PING, ROUTES, and a PONG for our PING; then it exits cleanly.
void check_python_mux(ScriptRun& run) {
    REQUIRE(run.synced);
    CHECK(read_frame(run.child.fd).command == kCmdPing);
    check_real_server(run.child.fd);
    CHECK(end_server(run.child.fd, run.child.pid) == 0);
}

}  // namespace

TEST_CASE("python fallback: a helper that runs is uploaded and used, Python is not involved") {
    Remote remote;
    ScriptRun run = remote.run_upload();
    REQUIRE(run.synced);
    CHECK(run.helper_uploads == 1);
    CHECK(run.python_uploads == 0);
    CHECK_FALSE(run.saw(transport::kFallbackMarker));
    char hello[5];
    read_exact(run.child.fd, hello, sizeof hello);
    CHECK(std::string(hello, 5) == "HELLO");
    CHECK(end_server(run.child.fd, run.child.pid) == 0);
    CHECK(read_file(remote.dir / "server-argv") == "--server\n-v\n");
    ScriptRun cached = remote.run_upload();
    CHECK(cached.synced);
    CHECK(cached.helper_uploads == 0);
    end_server(cached.child.fd, cached.child.pid);
}

TEST_CASE("python fallback: another platform gets the Python server, without uploading the helper") {
    Remote remote;
    remote.fake_uname("Plan9 mips");
    ScriptRun run = remote.run_upload();
    CHECK(run.saw("SSHUTTLE-FALLBACK platform Plan9 mips"));
    CHECK(run.helper_uploads == 0);
    CHECK(run.python_uploads == 1);
    check_python_mux(run);
    CHECK_FALSE(is_executable_file(remote.cached()));
}

TEST_CASE("python fallback: a fresh helper that does not run is dropped, remembered, and Python takes over") {
    Remote remote;
    remote.helper = "#!/nonexistent/interpreter\n";  // exec fails, as on a noexec mount or with a foreign libc
    ScriptRun first = remote.run_upload();
    CHECK(first.helper_uploads == 1);
    CHECK(first.saw("SSHUTTLE-FALLBACK exec " + remote.cached()));
    CHECK(first.python_uploads == 1);
    check_python_mux(first);
    CHECK_FALSE(is_executable_file(remote.cached()));
    CHECK(read_file(remote.cached() + ".noexec") == std::to_string(transport::kNoexecSkippedStarts) + "\n");
    // The next start does not upload the helper again, and counts down.
    ScriptRun second = remote.run_upload();
    CHECK(second.helper_uploads == 0);
    CHECK(second.saw("SSHUTTLE-FALLBACK noexec " + remote.cached() + ".noexec"));
    check_python_mux(second);
    CHECK(read_file(remote.cached() + ".noexec") == std::to_string(transport::kNoexecSkippedStarts - 1) + "\n");
}

TEST_CASE("python fallback: the noexec marker expires: once its count is down, the helper is tried again") {
    Remote remote;  // the stand-in helper runs: whatever made it fail before (a full disk...) is gone
    const std::string marker = remote.cached() + ".noexec";
    remote.dir.write("cache/sshuttle/sshuttle-server-" + transport::sha256_hex(remote.helper) + ".noexec", "1\n");
    ScriptRun skipped = remote.run_upload();
    CHECK(skipped.helper_uploads == 0);
    CHECK(skipped.saw("SSHUTTLE-FALLBACK noexec " + marker));
    check_python_mux(skipped);
    CHECK(read_file(marker) == "0\n");

    ScriptRun retried = remote.run_upload();
    REQUIRE(retried.synced);
    CHECK(retried.helper_uploads == 1);
    CHECK_FALSE(retried.saw(transport::kFallbackMarker));
    CHECK(end_server(retried.child.fd, retried.child.pid) == 0);
    CHECK_FALSE(std::filesystem::exists(marker));
}

TEST_CASE("python fallback: an empty marker (from before the count) does not hold the helper back") {
    Remote remote;
    remote.dir.write("cache/sshuttle/sshuttle-server-" + transport::sha256_hex(remote.helper) + ".noexec", "");
    ScriptRun run = remote.run_upload();
    REQUIRE(run.synced);
    CHECK(run.helper_uploads == 1);
    CHECK_FALSE(run.saw(transport::kFallbackMarker));
    CHECK(end_server(run.child.fd, run.child.pid) == 0);
}

TEST_CASE("remote cache: a cached copy whose SHA-256 is not the helper's is never run, and is replaced") {
    Remote remote;
    ScriptRun first = remote.run_upload();
    REQUIRE(first.synced);
    end_server(first.child.fd, first.child.pid);
    // Someone replaced the cached file under the same name.
    const std::string ran = remote.dir / "replaced-copy-ran";
    {
        std::ofstream out(remote.cached(), std::ios::trunc);
        out << "#!/bin/sh\ntouch '" << ran << "'\nexit 1\n";
    }
    ScriptRun second = remote.run_upload();
    REQUIRE(second.synced);
    CHECK(second.helper_uploads == 1);
    CHECK(end_server(second.child.fd, second.child.pid) == 0);
    CHECK_FALSE(std::filesystem::exists(ran));
    CHECK(read_file(remote.cached()) == remote.helper);
}

TEST_CASE("remote cache: a copy that arrives altered is not run") {
    Remote remote;
    // The script is told another digest than the bytes it gets: as if the upload had been altered on the way.
    const std::string other_hash = transport::sha256_hex("something else");
    UploadSpec spec = remote.spec();
    spec.hash = other_hash;
    ScriptRun run = run_remote_script("PATH=" + common::shell_quote(remote.dir / "bin") + ":$PATH; " +
                                          transport::upload_script(spec, kServerArgs),
                                      remote.helper, other_hash);
    CHECK_FALSE(run.synced);
    CHECK(run.saw("SSHUTTLE-ERROR checksum " + transport::sha256_hex(remote.helper)));
    close(run.child.fd);
    CHECK(util::wait_child(run.child.pid) == transport::kExitUpload);
    CHECK(std::filesystem::is_empty(remote.dir / "cache/sshuttle"));
}

TEST_CASE("remote cache: without a SHA-256 program nothing is cached; a fresh private copy runs once and goes") {
    Remote remote;
    // Only the tools the script needs besides the SHA-256 programs (sha256sum, shasum, openssl).
    std::filesystem::create_directories(remote.dir / "tools");
    for (const char* tool : {"uname", "mkdir", "chmod", "head", "wc", "tr", "mv", "rm", "find", "cat", "printf"}) {
        const std::string path = util::run_command({"/bin/sh", "-c", std::string("command -v ") + tool}).output;
        std::filesystem::create_symlink(path.substr(0, path.size() - 1), remote.dir / (std::string("tools/") + tool));
    }
    const std::string script = "PATH=" + common::shell_quote(remote.dir / "tools") + "; " +
                               transport::upload_script(remote.spec(), kServerArgs);
    for (int start = 0; start < 2; ++start) {
        ScriptRun run = run_remote_script(script, remote.helper, transport::sha256_hex(remote.helper));
        REQUIRE(run.synced);
        CHECK(run.helper_uploads == 1);
        char hello[5];
        read_exact(run.child.fd, hello, sizeof hello);
        CHECK(std::string(hello, 5) == "HELLO");
        CHECK(end_server(run.child.fd, run.child.pid) == 0);
        // The server has exited: its copy is gone, and nothing was put in the cache.
        CHECK(std::filesystem::is_empty(remote.dir / "cache/sshuttle"));
    }
}

TEST_CASE("remote cache: the cache directory is made private, and one that is not the user's is refused") {
    REQUIRE_MESSAGE(geteuid() == 0, "run as root: the test gives the cache directory to another user");
    Remote remote;
    const std::filesystem::path cache_dir = remote.dir / "cache/sshuttle";
    std::filesystem::create_directories(cache_dir);
    std::filesystem::permissions(cache_dir, std::filesystem::perms::all);  // 0777
    ScriptRun run = remote.run_upload();
    REQUIRE(run.synced);
    end_server(run.child.fd, run.child.pid);
    CHECK((std::filesystem::status(cache_dir).permissions() & std::filesystem::perms::all) ==
          std::filesystem::perms::owner_all);

    REQUIRE(chown(cache_dir.c_str(), 65534, 65534) == 0);
    ScriptRun refused = remote.run_upload();
    CHECK_FALSE(refused.synced);
    CHECK(refused.saw("SSHUTTLE-ERROR private " + cache_dir.string()));
    CHECK(refused.helper_uploads == 0);
    close(refused.child.fd);
    CHECK(util::wait_child(refused.child.pid) == transport::kExitCacheDir);
}

TEST_CASE("python fallback: no usable Python is exit code 97 with the reason") {
    Remote remote;
    remote.fake_uname("Plan9 mips");
    remote.no_python();
    ScriptRun run = remote.run_upload();
    CHECK_FALSE(run.synced);
    CHECK(run.saw("no python3 or python (3.6 or later) on the remote for the Python server (platform Plan9 mips)"));
    CHECK(run.saw("SSHUTTLE-ERROR python platform Plan9 mips"));
    CHECK(run.python_uploads == 0);
    close(run.child.fd);
    CHECK(util::wait_child(run.child.pid) == transport::kExitNoPython);
}

TEST_CASE("upload script: an upload cut short, or one that cannot be read back, is exit code 92 with the count") {
    struct FakeTool {
        const char* name;
        const char* script;
        const char* error_line;
    };
    for (const FakeTool& tool : {
             // A head that stops after 3 bytes plays a connection cut mid-upload.
             FakeTool{"head", "#!/bin/sh\nexec dd bs=1 count=3 2>/dev/null\n", "SSHUTTLE-ERROR upload 3"},
             // A wc that fails plays a temporary file removed meanwhile: the count is 0, not an empty word.
             FakeTool{"wc", "#!/bin/sh\nexit 1\n", "SSHUTTLE-ERROR upload 0"},
         }) {
        CAPTURE(tool.name);
        Remote remote;
        remote.dir.write(std::string("bin/") + tool.name, tool.script, 0755);
        ScriptRun run = remote.run_upload();
        CHECK_FALSE(run.synced);
        CHECK(run.saw(tool.error_line));
        close(run.child.fd);
        CHECK(util::wait_child(run.child.pid) == transport::kExitUpload);
        CHECK_FALSE(is_executable_file(remote.cached()));
    }
}

TEST_CASE("python fallback: --python runs the Python server directly, with the server arguments") {
    Remote remote;
    ScriptRun run = remote.run(transport::python_script(embedded("python3"), kServerArgs));
    CHECK(run.helper_uploads == 0);
    CHECK(run.python_uploads == 1);
    CHECK_FALSE(run.saw(transport::kFallbackMarker));
    check_python_mux(run);

    ScriptRun missing = remote.run(transport::python_script(embedded("/nonexistent/python"), kServerArgs));
    CHECK_FALSE(missing.synced);
    CHECK(missing.saw("python interpreter '/nonexistent/python' not found on the remote"));
    close(missing.child.fd);
    CHECK(util::wait_child(missing.child.pid) == transport::kExitNoPython);
}

TEST_CASE("python fallback: SSHUTTLE_TEST_HELPER_PLATFORM forces it even when the helper is cached") {
    Remote remote;
    ScriptRun native = remote.run_upload();
    REQUIRE(native.synced);
    end_server(native.child.fd, native.child.pid);
    REQUIRE(is_executable_file(remote.cached()));
    ScopedEnv forced{transport::kPlatformOverrideEnv, "NoSuchOS*"};
    ScriptRun run = remote.run_upload();
    CHECK(run.saw("SSHUTTLE-FALLBACK platform "));
    CHECK(run.python_uploads == 1);
    check_python_mux(run);
}

TEST_CASE("python fallback: one-line scripts of valid sh without '!', and the client's messages") {
    Remote remote;
    for (const std::string& script :
         {transport::upload_script(remote.spec(), kServerArgs), transport::python_script(embedded(), kServerArgs),
          transport::python_script(embedded("/opt/py 3/bin/python"), kServerArgs)}) {
        CHECK(script.find('\n') == std::string::npos);
        CHECK(script.find('!') == std::string::npos);
        CHECK(util::run_command({"/bin/sh", "-n", "-c", script}).exit_status == 0);
    }
    CHECK(transport::describe_fallback("platform Plan9 mips") ==
          "the native server cannot run on the remote (platform Plan9 mips): starting the Python server");
    CHECK(transport::describe_fallback("noexec /c/x.noexec") ==
          "the native server cannot run on the remote (the helper did not start there recently; it is tried again "
          "after 9 starts, or at the next start once '/c/x.noexec' is removed): starting the Python server");
    CHECK(transport::python_stage1(1234) ==
          "import sys; exec(compile(sys.stdin.buffer.read(1234), 'sshuttle_server.py', 'exec')); sys.exit(98)");
}

TEST_CASE("python fallback: start_server with --python sends the embedded server and speaks the mux") {
    LaunchRemote remote;
    transport::LaunchConfig options = remote.options();
    options.python = "python3";
    test::StartedChild launch = test::take_child(transport::start_server(options, transport::LaunchParams{}));
    CHECK(launch.description == "ssh alice@192.0.2.1 (Python server)");
    CHECK_FALSE(launch.uploaded);
    guard_reads(launch.fd);
    check_real_server(launch.fd);
    CHECK(end_server(launch.fd, launch.pid) == 0);
}

TEST_CASE("python fallback: start_server falls back on another platform; without Python it names the reason") {
    LaunchRemote remote;
    remote.fake_uname("Linux aarch64");
    test::StartedChild launch = test::take_child(transport::start_server(remote.options(), remote.params()));
    CHECK_FALSE(launch.uploaded);
    guard_reads(launch.fd);
    check_real_server(launch.fd);
    CHECK(end_server(launch.fd, launch.pid) == 0);

    remote.no_python();
    CHECK_THROWS_WITH_AS(transport::start_server(remote.options(), remote.params()),
                         ("ssh alice@192.0.2.1 ended before the server's sync header: " + transport::describe_exit(97) +
                          " (last output: no python3 or python (3.6 or later) on the remote for the Python server "
                          "(platform Linux aarch64))")
                             .c_str(),
                         transport::TransportError);
}
