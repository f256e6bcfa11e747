// SPDX-License-Identifier: LGPL-2.1-or-later
// When the default transport is libssh2 and when the ssh program: real `ssh -G` on config files in a scratch
// directory, real keys from ssh-keygen, a real unix socket as the ControlMaster and a loopback listener that
// sends an SSH banner.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "scratch.hpp"
#include "transport/libssh2_fit.hpp"
#include "transport/ssh_command.hpp"
#include "util/process.hpp"

using namespace sshuttle;
using namespace sshuttle::transport;

namespace {

constexpr const char* kLibssh2_1_10 = "libssh2 1.10.0";
constexpr const char* kLibssh2_1_11 = "libssh2 1.11.1 (built with 1.11.1)";

std::string keygen(const test::ScratchDir& dir, const std::string& name, const std::string& type) {
    const std::string path = dir / name;
    REQUIRE(util::run_command({"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "fit-test", "-f", path}).exit_status == 0);
    return path;
}

// Options for -r fit-host with --transport-option ssh-config=<dir>/config holding `lines` for every host.
LaunchConfig with_config(const test::ScratchDir& dir, const std::string& lines, const std::string& key) {
    dir.write("config", "Host *\n" + lines + "    IdentityFile " + key +
                            "\n    IdentitiesOnly yes\n    HostName 127.0.0.1\n    BatchMode yes\n");
    LaunchConfig options;
    options.remote = RemoteHost{"root", "", "fit-host", 0};
    options.transport_options = {{"ssh-config", dir / "config"}};
    return options;
}

LaunchConfig alias_with_config(const std::string& config) {
    LaunchConfig options;
    options.remote = RemoteHost{"", "", "alias", 0};
    options.transport_options = {{"ssh-config", config}};
    return options;
}

// A loopback listener that greets each connection with `banner`; port() is where.
class BannerServer {
   public:
    explicit BannerServer(std::string banner) : banner_(std::move(banner)) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        socklen_t len = sizeof addr;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        REQUIRE(listen(fd_, 4) == 0);
        thread_ = std::thread([this] {
            int client = accept(fd_, nullptr, nullptr);
            if (client < 0) return;
            (void)!write(client, banner_.data(), banner_.size());
            char c;
            (void)!read(client, &c, 1);  // until the client closes
            close(client);
        });
    }
    ~BannerServer() {
        shutdown(fd_, SHUT_RDWR);
        thread_.join();
        close(fd_);
    }
    int port() const { return port_; }

   private:
    std::string banner_;
    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace

TEST_CASE("libssh2 fit: a plain configuration with an ed25519 key keeps libssh2") {
    test::ScratchDir dir;
    const std::string key = keygen(dir, "id_ed25519", "ed25519");
    CHECK(libssh2_obstacle(with_config(dir, "", key), kLibssh2_1_10) == "");
}

TEST_CASE("libssh2 fit: algorithm lists, providers and ProxyCommand set by the user need the ssh program") {
    test::ScratchDir dir;
    const std::string key = keygen(dir, "id_ed25519", "ed25519");
    struct Case {
        const char* line;
        const char* expect;
    };
    const Case cases[] = {
        {"    Ciphers aes256-ctr\n", "Ciphers is set to 'aes256-ctr' for fit-host, which libssh2 cannot honour"},
        {"    KexAlgorithms curve25519-sha256\n", "KexAlgorithms is set to 'curve25519-sha256'"},
        {"    MACs hmac-sha2-256\n", "MACs is set to 'hmac-sha2-256'"},
        {"    HostKeyAlgorithms ssh-ed25519\n", "HostKeyAlgorithms is set to 'ssh-ed25519'"},
        {"    PubkeyAcceptedAlgorithms ssh-ed25519\n", "PubkeyAcceptedAlgorithms is set to 'ssh-ed25519'"},
        {"    PKCS11Provider /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\n", "PKCS11Provider is set to"},
        {"    SecurityKeyProvider /usr/lib/fido.so\n", "SecurityKeyProvider is set to '/usr/lib/fido.so'"},
        {"    ProxyCommand nc %h %p\n", "ProxyCommand is set ('nc %h %p')"},
        {"    CertificateFile /nonexistent/cert.pub\n", "CertificateFile is set ('/nonexistent/cert.pub')"},
    };
    for (const auto& c : cases) {
        const std::string line = c.line;
        CAPTURE(line);
        const std::string why = libssh2_obstacle(with_config(dir, c.line, key), kLibssh2_1_11);
        CHECK(why.find(c.expect) != std::string::npos);
    }
}

TEST_CASE("libssh2 fit: a certificate next to the identity needs the ssh program") {
    test::ScratchDir dir;
    const std::string key = keygen(dir, "id_ed25519", "ed25519");
    dir.write("id_ed25519-cert.pub", "ssh-ed25519-cert-v01@openssh.com AAAA fit-test\n");
    CHECK(libssh2_obstacle(with_config(dir, "", key), kLibssh2_1_11) ==
          "libssh2 cannot present the certificate " + key + "-cert.pub");
}

TEST_CASE("libssh2 fit: a ControlMaster socket that is up is reused through the ssh program") {
    test::ScratchDir dir;
    const std::string key = keygen(dir, "id_ed25519", "ed25519");
    const std::string control = dir / "cm-socket";
    LaunchConfig options = with_config(dir, "    ControlMaster auto\n    ControlPath " + control + "\n", key);
    CHECK(libssh2_obstacle(options, kLibssh2_1_11) == "");  // configured, but no master runs
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    control.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(fd, 1) == 0);
    CHECK(libssh2_obstacle(options, kLibssh2_1_11) ==
          "a ControlMaster for fit-host is up (" + control + "); ssh reuses it");
    close(fd);
}

TEST_CASE("libssh2 fit: an RSA key with libssh2 1.10 depends on the server's OpenSSH version") {
    test::ScratchDir dir;
    const std::string key = keygen(dir, "id_rsa", "rsa");
    SUBCASE("OpenSSH 9.2 refuses ssh-rsa") {
        BannerServer server("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
        LaunchConfig options = with_config(dir, "    Port " + std::to_string(server.port()) + "\n", key);
        CHECK(libssh2_obstacle(options, kLibssh2_1_10) ==
              "libssh2 1.10 signs " + key + " only with ssh-rsa (SHA-1), which OpenSSH_9.2p1 Debian-2+deb12u3 refuses");
        CHECK(libssh2_obstacle(options, kLibssh2_1_11) == "");  // rsa-sha2 signatures
    }
    SUBCASE("OpenSSH 8.4 still accepts it") {
        BannerServer server("SSH-2.0-OpenSSH_8.4p1\r\n");
        LaunchConfig options = with_config(dir, "    Port " + std::to_string(server.port()) + "\n", key);
        CHECK(libssh2_obstacle(options, kLibssh2_1_10) == "");
    }
    SUBCASE("behind a ProxyJump the server is unknown: the safe guess") {
        LaunchConfig options = with_config(dir, "    ProxyJump jump.example\n", key);
        CHECK(libssh2_obstacle(options, kLibssh2_1_10).find("which OpenSSH 8.8+ refuses") != std::string::npos);
    }
}

TEST_CASE("libssh2 fit: RSA key files are recognised with and without their .pub") {
    test::ScratchDir dir;
    const std::string rsa = keygen(dir, "id_rsa", "rsa");
    const std::string ed = keygen(dir, "id_ed25519", "ed25519");
    CHECK(is_rsa_key_file(rsa));
    CHECK_FALSE(is_rsa_key_file(ed));
    unlink((rsa + ".pub").c_str());
    unlink((ed + ".pub").c_str());
    CHECK(is_rsa_key_file(rsa));  // the openssh-key-v1 public part
    CHECK_FALSE(is_rsa_key_file(ed));
    CHECK_FALSE(is_rsa_key_file(dir / "missing"));
}

TEST_CASE("libssh2 fit: versions and banners") {
    CHECK(libssh2_version_in("libssh2 1.10.0 (built with 1.11.1)") == std::pair{1, 10});
    CHECK(libssh2_version_in("no version") == std::pair{0, 0});
    CHECK(server_refuses_ssh_rsa("SSH-2.0-OpenSSH_8.8"));
    CHECK(server_refuses_ssh_rsa("SSH-2.0-OpenSSH_10.0"));
    CHECK_FALSE(server_refuses_ssh_rsa("SSH-2.0-OpenSSH_8.7p1"));
    CHECK_FALSE(server_refuses_ssh_rsa("SSH-2.0-OpenSSH_7.4"));
    CHECK(server_refuses_ssh_rsa("SSH-2.0-dropbear_2022.83"));
    CHECK(server_refuses_ssh_rsa(""));
}

TEST_CASE("the ssh program standing in for libssh2 keeps ssh-config=FILE as -F") {
    LaunchConfig options = alias_with_config("/etc/lab/ssh_config");
    const auto argv = ssh_argv(options, "true");
    REQUIRE(argv.size() >= 4);
    CHECK(argv[0] == "ssh");
    CHECK(argv[1] == "-F");
    CHECK(argv[2] == "/etc/lab/ssh_config");
    options.ssh_cmd = "ssh -F /mine";  // -e is the user's own command line: left alone
    CHECK(ssh_argv(options, "true")[2] == "/mine");
}
