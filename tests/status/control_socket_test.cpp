// SPDX-License-Identifier: LGPL-2.1-or-later
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "app/status/control_socket.hpp"
#include "../util/temp_dir.hpp"

using namespace sshuttle::app::status;

TEST_CASE("socket directories: root's in /run, a user's in its runtime dir, then /run/user, then /tmp") {
    CHECK(socket_dirs_for(0, "/run/user/0") == std::vector<std::string>{"/run/sshuttle"});
    CHECK(socket_dirs_for(1000, "/run/user/1000") ==
          std::vector<std::string>{"/run/user/1000/sshuttle", "/tmp/sshuttle-1000"});
    CHECK(socket_dirs_for(1000, "/home/u/rt") ==
          std::vector<std::string>{"/home/u/rt/sshuttle", "/run/user/1000/sshuttle", "/tmp/sshuttle-1000"});
    // A relative XDG_RUNTIME_DIR would depend on the working directory: ignored.
    CHECK(socket_dirs_for(1000, "rt") == std::vector<std::string>{"/run/user/1000/sshuttle", "/tmp/sshuttle-1000"});
    CHECK(socket_dirs_for(1000, nullptr).size() == 2);
}

TEST_CASE("socket names carry the pid and a cleaned profile; the pid is read back") {
    CHECK(socket_name(123, "") == "123.sock");
    CHECK(socket_name(123, "office") == "office-123.sock");
    CHECK(socket_name(123, "../etc/x y") == "_._etc_x_y-123.sock");
    CHECK(pid_of_socket_name("123.sock") == 123);
    CHECK(pid_of_socket_name("office-123.sock") == 123);
    CHECK(pid_of_socket_name("a-b-77.sock") == 77);
    CHECK(!pid_of_socket_name("office.sock"));
    CHECK(!pid_of_socket_name(".sock"));
    CHECK(!pid_of_socket_name("123.socket"));
    CHECK(!pid_of_socket_name("0.sock"));
    CHECK(!pid_of_socket_name("99999999999.sock"));
}

TEST_CASE("checked directory: created private; a symlink, another owner or a group-writable one are refused") {
    TempDir temp;
    std::string why;
    const std::string dir = temp.path() + "/sshuttle";
    int fd = open_checked_dir(dir, ::geteuid(), 0700, why);
    REQUIRE_MESSAGE(fd >= 0, why);
    ::close(fd);
    struct stat st {};
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    CHECK(open_checked_dir(dir, ::geteuid() + 1, 0700, why) < 0);
    CHECK(why.find("belongs to uid") != std::string::npos);

    const std::string link = temp.path() + "/planted";
    REQUIRE(::symlink(dir.c_str(), link.c_str()) == 0);
    CHECK(open_checked_dir(link, ::geteuid(), 0700, why) < 0);
    CHECK(why == link + " is not a directory (a symlink?); not used");

    REQUIRE(::chmod(dir.c_str(), 0770) == 0);
    CHECK(open_checked_dir(dir, ::geteuid(), 0700, why) < 0);
    CHECK(why == dir + " is writable by others (mode 770); not used");
}

TEST_CASE("control socket: 0600, listening, removed again; a stale one of the same name is replaced") {
    TempDir temp;
    const std::string dir = temp.path() + "/sshuttle";
    const std::string path = dir + "/office-77.sock";
    std::string why;
    {
        auto first = ControlSocket::create_in(dir, ::geteuid(), 0700, "office-77.sock", -1, why);
        REQUIRE_MESSAGE(first, why);
        ::close(first->release_fd());
    }
    // The destructor removed it. A client that died without cleaning up leaves its file; the next client
    // with the same pid takes the name over.
    REQUIRE(!std::filesystem::exists(path));
    { std::ofstream stale(path); }
    {
        auto socket = ControlSocket::create_in(dir, ::geteuid(), 0700, "office-77.sock", -1, why);
        REQUIRE_MESSAGE(socket, why);
        CHECK(socket->path() == path);
        struct stat st {};
        REQUIRE(::lstat(path.c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK((st.st_mode & 0777) == 0600);
        CHECK(st.st_uid == ::geteuid());
        CHECK(socket->allowed_uids() == std::vector<uid_t>{::geteuid()});
        const int fd = socket->release_fd();
        CHECK(fd >= 0);
        ::close(fd);
    }
    CHECK(!std::filesystem::exists(path));
}

TEST_CASE("control socket: with an extra reader (sudo's user) the socket is that user's, still 0600") {
    if (::geteuid() != 0) {
        // chown to another user needs root; as a plain user the same call must fail with a reason.
        TempDir temp;
        std::string why;
        CHECK(!ControlSocket::create_in(temp.path() + "/s", ::geteuid(), 0700, "1.sock", ::geteuid() + 1, why));
        CHECK(why.find("cannot chown") != std::string::npos);
        return;
    }
    TempDir temp;
    std::string why;
    auto socket = ControlSocket::create_in(temp.path() + "/s", 0, 0755, "1.sock", 65534, why);
    REQUIRE_MESSAGE(socket, why);
    struct stat st {};
    REQUIRE(::lstat(socket->path().c_str(), &st) == 0);
    CHECK(st.st_uid == 65534u);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(socket->allowed_uids() == std::vector<uid_t>{0, 65534});
}
