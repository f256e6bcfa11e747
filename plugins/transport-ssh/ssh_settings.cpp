// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ssh_settings.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "common/ssh_g.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

std::vector<std::string> split_words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

bool is_yes(const std::string& v) { return v == "yes" || v == "true"; }

int to_int(const std::string& v, int fallback) {
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    return (end != v.c_str() && *end == '\0' && n >= 0 && n < 1000000) ? static_cast<int>(n) : fallback;
}

StrictMode to_strict(const std::string& v) {
    if (v == "true" || v == "yes") return StrictMode::kYes;
    if (v == "false" || v == "no" || v == "off") return StrictMode::kNo;
    if (v == "accept-new") return StrictMode::kAcceptNew;
    return StrictMode::kAsk;
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// Applies one `key value` line of ssh -G output.
void apply(SshSettings& s, const std::string& key, const std::string& value, const std::string& home) {
    if (key == "hostname") s.hostname = value;
    else if (key == "user") s.user = value;
    else if (key == "port") s.port = to_int(value, 22);
    else if (key == "identityfile") s.identity_files.push_back(expand_tilde(value, home));
    else if (key == "certificatefile") s.certificate_files.push_back(expand_tilde(value, home));
    else if (key == "proxyjump") s.proxy_jump = value == "none" ? "" : value;
    else if (key == "proxycommand") s.proxy_command = value == "none" ? "" : value;
    else if (key == "serveraliveinterval") s.server_alive_interval_s = to_int(value, 0);
    else if (key == "serveralivecountmax") s.server_alive_count_max = to_int(value, 3);
    else if (key == "stricthostkeychecking") s.strict = to_strict(value);
    else if (key == "connecttimeout") s.connect_timeout_s = to_int(value, 0);
    else if (key == "batchmode") s.batch_mode = is_yes(value);
    else if (key == "gssapiauthentication") s.gssapi = is_yes(value);
    else if (key == "identitiesonly") s.identities_only = is_yes(value);
    else if (key == "hashknownhosts") s.hash_known_hosts = is_yes(value);
    else if (key == "passwordauthentication") s.password_auth = is_yes(value);
    else if (key == "kbdinteractiveauthentication") s.kbd_interactive_auth = is_yes(value);
    else if (key == "pubkeyauthentication") s.pubkey_auth = is_yes(value) || value == "unbound" || value == "host-bound";
    else if (key == "numberofpasswordprompts") s.password_prompts = to_int(value, 3);
    else if (key == "identityagent") s.identity_agent = value == "SSH_AUTH_SOCK" ? "" : expand_tilde(value, home);
    else if (key == "hostkeyalias") s.host_key_alias = value == "none" ? "" : value;
    else if (key == "userknownhostsfile" || key == "globalknownhostsfile") {
        auto& files = key[0] == 'u' ? s.user_known_hosts_files : s.global_known_hosts_files;
        files.clear();
        for (const auto& f : split_words(value)) files.push_back(expand_tilde(f, home));
    }
}

}  // namespace

std::string expand_tilde(const std::string& path, const std::string& home) {
    if (path == "~") return home;
    if (path.rfind("~/", 0) == 0) return home + path.substr(1);
    return path;
}

SshSettings default_settings(const std::string& host, const std::string& user, int port, const std::string& home) {
    SshSettings s;
    s.hostname = host;
    s.host_alias = host;
    s.user = user;
    if (port > 0) s.port = port;
    for (const char* name : {"id_rsa", "id_ecdsa", "id_ed25519", "id_dsa"})
        s.identity_files.push_back(home + "/.ssh/" + name);
    s.user_known_hosts_files = {home + "/.ssh/known_hosts", home + "/.ssh/known_hosts2"};
    s.global_known_hosts_files = {"/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"};
    return s;
}

SshSettings parse_ssh_g(const std::string& output, const std::string& host, const std::string& home) {
    SshSettings s = default_settings(host, "", 0, home);
    s.identity_files.clear();  // ssh -G lists the effective ones
    // Each key's values in the order printed; the keys apply independently of one another.
    for (const auto& [key, values] : common::parse_ssh_g_values(output))
        for (const auto& value : values) apply(s, key, value, home);
    return s;
}

std::string unsupported_reason(const SshSettings& s) {
    if (!s.proxy_command.empty()) return "ProxyCommand '" + s.proxy_command + "' needs the ssh binary";
    if (!s.certificate_files.empty())
        return "CertificateFile '" + s.certificate_files.front() + "' is set and libssh2 cannot use certificates";
    for (const auto& id : s.identity_files)
        if (file_exists(id + "-cert.pub"))
            return "certificate '" + id + "-cert.pub' exists and libssh2 cannot use certificates";
    // GSSAPI only matters when the user holds Kerberos credentials; otherwise ssh skips it as well.
    if (s.gssapi) {
        const char* cache = std::getenv("KRB5CCNAME");
        if ((cache != nullptr && *cache != '\0') || file_exists("/tmp/krb5cc_" + std::to_string(::getuid())))
            return "GSSAPIAuthentication is on and Kerberos credentials exist; libssh2 cannot do GSSAPI";
    }
    return "";
}

}  // namespace sshuttle::plugins::transport_ssh
