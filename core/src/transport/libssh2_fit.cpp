// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/libssh2_fit.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "transport/ssh_config.hpp"

namespace sshuttle::transport {
namespace {

constexpr int kSshGTimeoutMs = 5000;
constexpr int kAgentTimeoutMs = 2000;
constexpr int kBannerTimeoutMs = 3000;

// The settings libssh2 cannot follow: it picks its own algorithms and knows no PKCS#11 or FIDO provider.
constexpr const char* kFixedSettings[][2] = {
    {"ciphers", "Ciphers"},
    {"kexalgorithms", "KexAlgorithms"},
    {"macs", "MACs"},
    {"hostkeyalgorithms", "HostKeyAlgorithms"},
    {"pubkeyacceptedalgorithms", "PubkeyAcceptedAlgorithms"},
    {"pkcs11provider", "PKCS11Provider"},
    {"securitykeyprovider", "SecurityKeyProvider"},
};

std::string first(const SshGValues& values, const std::string& key, const std::string& fallback = "") {
    auto it = values.find(key);
    return it == values.end() || it->second.empty() ? fallback : it->second.front();
}

std::string read_file(const std::string& path, std::size_t limit) {
    std::ifstream in(path, std::ios::binary);
    std::string text;
    if (!in) return text;
    text.resize(limit);
    in.read(text.data(), static_cast<std::streamsize>(limit));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return text;
}

bool is_socket(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// The base argv of `ssh -G`, as the libssh2 transport runs it (its ssh= and ssh-config= options).
std::vector<std::string> ssh_g_base(const LaunchConfig& options, const std::string& config) {
    std::string ssh = "ssh";
    for (const auto& [key, value] : options.transport_options)
        if (key == "ssh") ssh = value;
    std::vector<std::string> argv{ssh, "-T", "-G"};
    if (!config.empty()) argv.insert(argv.end(), {"-F", config});
    return argv;
}

// The first line starting "SSH-" that the server at host:port sends, "" when none comes within the timeout.
std::string read_banner(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return "";
    std::string banner;
    for (addrinfo* ai = found; ai != nullptr && banner.empty(); ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
            std::string line;
            pollfd pfd{fd, POLLIN, 0};
            // Lines before the banner are allowed (RFC 4253 4.2); a short wait is enough for sshd's first line.
            while (poll(&pfd, 1, kBannerTimeoutMs) == 1) {
                char c;
                ssize_t n = read(fd, &c, 1);
                if (n != 1 || line.size() > 255) break;
                if (c != '\n') {
                    line += c;
                    continue;
                }
                if (line.rfind("SSH-", 0) == 0) {
                    banner = line;
                    break;
                }
                line.clear();
            }
        }
        close(fd);
    }
    freeaddrinfo(found);
    if (!banner.empty() && banner.back() == '\r') banner.pop_back();
    return banner;
}

// Identities of the agent that libssh2 would offer, as `ssh-add -L` lines; empty when there is no agent.
std::vector<std::string> agent_keys(const SshGValues& host) {
    const std::string agent = first(host, "identityagent", "SSH_AUTH_SOCK");
    if (agent == "none") return {};
    if (agent == "SSH_AUTH_SOCK" && std::getenv("SSH_AUTH_SOCK") == nullptr) return {};
    std::string output;
    if (!run_with_timeout({"ssh-add", "-L"}, kAgentTimeoutMs, output)) return {};
    std::vector<std::string> keys;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) keys.push_back(line);
    return keys;
}

// The RSA identity libssh2 would sign with, or "": identity files that exist, and the agent's keys unless
// IdentitiesOnly limits them to those files.
std::string rsa_identity(const SshGValues& host) {
    auto files = host.find("identityfile");
    if (files != host.end())
        for (const auto& file : files->second) {
            const std::string path = expand_home(file);
            if (exists(path) && is_rsa_key_file(path)) return path;
        }
    if (first(host, "identitiesonly") == "yes") return "";
    for (const auto& key : agent_keys(host))
        if (key.rfind("ssh-rsa ", 0) == 0) return "an RSA key of ssh-agent";
    return "";
}

// A certificate libssh2 would not present: an `<identity>-cert.pub` that ssh would load next to an identity.
std::string certificate_next_to_identity(const SshGValues& host) {
    auto files = host.find("identityfile");
    if (files == host.end()) return "";
    for (const auto& file : files->second) {
        const std::string cert = expand_home(file) + "-cert.pub";
        if (exists(cert)) return cert;
    }
    return "";
}

}  // namespace

std::string config_obstacle(const SshGValues& host, const SshGValues& defaults) {
    if (std::string proxy = first(host, "proxycommand", "none"); proxy != "none")
        return "ProxyCommand is set ('" + proxy + "')";
    for (const auto& [key, name] : kFixedSettings) {
        const std::string value = first(host, key, "none");
        if (value != first(defaults, key, "none")) return std::string(name) + " is set to '" + value + "'";
    }
    if (auto certs = host.find("certificatefile"); certs != host.end())
        for (const auto& cert : certs->second)
            if (cert != "none") return "CertificateFile is set ('" + cert + "')";
    return "";
}

std::pair<int, int> libssh2_version_in(const std::string& text) {
    static const std::regex kVersion(R"(libssh2 (\d+)\.(\d+))");
    std::smatch m;
    if (!std::regex_search(text, m, kVersion)) return {0, 0};
    return {std::stoi(m[1]), std::stoi(m[2])};
}

bool server_refuses_ssh_rsa(const std::string& banner) {
    static const std::regex kOpenSsh(R"(^SSH-2\.0-OpenSSH_(\d+)\.(\d+))");
    std::smatch m;
    if (!std::regex_search(banner, m, kOpenSsh)) return true;
    const int major = std::stoi(m[1]), minor = std::stoi(m[2]);
    return major > 8 || (major == 8 && minor >= 8);
}

bool is_rsa_key_file(const std::string& path) {
    const std::string pub = read_file(path + ".pub", 64);
    if (!pub.empty()) return pub.rfind("ssh-rsa ", 0) == 0;
    const std::string key = read_file(path, 16384);
    if (key.find("-----BEGIN RSA PRIVATE KEY-----") != std::string::npos) return true;
    static const std::string kOpenSshBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    size_t begin = key.find(kOpenSshBegin);
    if (begin == std::string::npos) return false;
    std::string b64;
    for (size_t i = begin + kOpenSshBegin.size(); i < key.size() && key[i] != '-'; ++i)
        if (!std::isspace(static_cast<unsigned char>(key[i]))) b64 += key[i];
    // The public key part of the openssh-key-v1 format is never encrypted: its type is a length-prefixed string.
    std::string raw(b64.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                            reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
    if (n <= 0) return false;
    raw.resize(static_cast<size_t>(n));
    return raw.find(std::string("\0\0\0\x07ssh-rsa", 11)) != std::string::npos;
}

std::string expand_home(const std::string& path) {
    const char* home = std::getenv("HOME");
    if (path.rfind("~/", 0) == 0 && home != nullptr) return std::string(home) + path.substr(1);
    return path;
}

std::string libssh2_obstacle(const LaunchConfig& options, const std::string& libssh2_version) {
    const RemoteHost& remote = options.remote.value();
    std::string config;
    for (const auto& [key, value] : options.transport_options)
        if (key == "ssh-config") config = value;
    std::vector<std::string> argv = ssh_g_base(options, config);
    if (argv.front() == "none") return "";  // no ssh configuration to honour: ssh's defaults
    if (remote.port > 0) argv.insert(argv.end(), {"-p", std::to_string(remote.port)});
    if (!remote.user.empty()) argv.insert(argv.end(), {"-l", remote.user});
    argv.push_back(remote.host);
    std::string host_text, default_text;
    // Without a readable configuration there is nothing to compare; the transport itself reports the problem.
    if (!run_with_timeout(argv, kSshGTimeoutMs, host_text)) return "";
    std::vector<std::string> defaults_argv = ssh_g_base(options, "/dev/null");
    defaults_argv.push_back(remote.host);
    if (!run_with_timeout(defaults_argv, kSshGTimeoutMs, default_text)) return "";
    const SshGValues host = parse_ssh_g_values(host_text);
    const std::string alias = remote.host;

    const std::string control_path = first(host, "controlpath", "none");
    if (control_path != "none" && is_socket(expand_home(control_path)))
        return "a ControlMaster for " + alias + " is up (" + control_path + "); ssh reuses it";
    if (std::string why = config_obstacle(host, parse_ssh_g_values(default_text)); !why.empty())
        return why + " for " + alias + ", which libssh2 cannot honour";
    if (std::string cert = certificate_next_to_identity(host); !cert.empty())
        return "libssh2 cannot present the certificate " + cert;

    const auto [major, minor] = libssh2_version_in(libssh2_version);
    if (major == 1 && minor < 11) {
        const std::string rsa = rsa_identity(host);
        if (!rsa.empty()) {
            const std::string jump = first(host, "proxyjump", "none");
            const std::string banner =
                jump == "none" ? read_banner(first(host, "hostname", alias), first(host, "port", "22")) : "";
            if (server_refuses_ssh_rsa(banner))
                return "libssh2 " + std::to_string(major) + "." + std::to_string(minor) + " signs " + rsa +
                       " only with ssh-rsa (SHA-1), which " + (banner.empty() ? "OpenSSH 8.8+" : banner.substr(8)) +
                       " refuses";
        }
    }
    return "";
}

}  // namespace sshuttle::transport
