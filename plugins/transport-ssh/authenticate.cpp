// SPDX-License-Identifier: LGPL-2.1-or-later
#include "authenticate.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "key_file.hpp"

namespace sshuttle::plugins::transport_ssh {

namespace {

// State of one authentication run, shared with the keyboard-interactive callback through the session.
struct AuthRun {
    SshHop& hop;
    const AuthRequest& req;
    std::string offered;
    std::vector<std::string> tried;
    bool rsa_refused = false;
    std::string kbd_answer;  // non-empty: answer every secret prompt with it
    bool kbd_gave_up = false;
    std::vector<std::string> unasked;  // what needed a person who was not there (no terminal, BatchMode)

    AuthRun(SshHop& h, const AuthRequest& r) : hop(h), req(r) {}

    LIBSSH2_SESSION* session() const { return hop.session(); }
    const std::string& user() const { return req.settings->user; }
    long wait(auto&& call) { return wait_until(req.outer, hop.fd(), Clock::now() + req.step_timeout, call); }
    bool offers(const std::string& method) const {
        return ("," + offered + ",").find("," + method + ",") != std::string::npos;
    }
};

bool file_readable(const std::string& path) { return std::ifstream(path).good(); }

// The public key blob of `<private>.pub`, for IdentitiesOnly matching of agent keys.
std::string public_blob_of(const std::string& private_path) {
    std::ifstream in(private_path + ".pub");
    std::string type, b64;
    in >> type >> b64;
    return base64_decode(b64);
}

bool blob_is_rsa(const unsigned char* blob, size_t len) {
    return len > 11 && std::memcmp(blob + 4, "ssh-rsa", 7) == 0;
}

bool try_agent(AuthRun& run) {
    const SshSettings& s = *run.req.settings;
    if (s.identity_agent == "none") return false;
    if (s.identity_agent.empty() && std::getenv("SSH_AUTH_SOCK") == nullptr) return false;
    LIBSSH2_AGENT* agent = libssh2_agent_init(run.session());
    if (agent == nullptr) return false;
    if (!s.identity_agent.empty()) libssh2_agent_set_identity_path(agent, s.identity_agent.c_str());
    bool ok = false;
    int keys = 0;
    if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
        std::vector<std::string> wanted;
        if (s.identities_only)
            for (const auto& f : s.identity_files) wanted.push_back(public_blob_of(f));
        libssh2_agent_publickey* id = nullptr;
        while (!ok && libssh2_agent_get_identity(agent, &id, id) == 0) {
            std::string blob(reinterpret_cast<const char*>(id->blob), id->blob_len);
            if (s.identities_only && std::find(wanted.begin(), wanted.end(), blob) == wanted.end()) continue;
            ++keys;
            long rc = run.wait([&] { return libssh2_agent_userauth(agent, run.user().c_str(), id); });
            ok = rc == 0;
            if (!ok && blob_is_rsa(id->blob, id->blob_len)) run.rsa_refused = true;
        }
        libssh2_agent_disconnect(agent);
    }
    libssh2_agent_free(agent);
    if (keys > 0) run.tried.push_back("publickey (agent: " + std::to_string(keys) + " key" + (keys == 1 ? ")" : "s)"));
    return ok;
}

bool try_identity_file(AuthRun& run, const std::string& file) {
    if (!file_readable(file)) return false;
    KeyFileInfo info = inspect_key_file(file);
    if (info.key_type.rfind("sk-", 0) == 0) {
        run.req.host->debug("skipping security-key identity " + file + ": libssh2 cannot use it");
        return false;
    }
    run.tried.push_back("publickey (" + file + ")");
    for (int attempt = 0; attempt < (info.encrypted ? 3 : 1); ++attempt) {
        std::string passphrase;
        if (info.encrypted) {
            auto answer = run.req.prompter->ask("Enter passphrase for key '" + file + "': ", true);
            if (!answer) {
                if (attempt == 0) run.unasked.push_back("the passphrase of " + file);
                return false;
            }
            passphrase = *answer;
        }
        long rc = run.wait([&] {
            return libssh2_userauth_publickey_fromfile_ex(run.session(), run.user().c_str(),
                                                          static_cast<unsigned>(run.user().size()), nullptr,
                                                          file.c_str(), passphrase.c_str());
        });
        if (rc == 0) return true;
        if (rc == LIBSSH2_ERROR_FILE && info.encrypted) continue;  // wrong passphrase: ask again, like ssh
        if (rc == LIBSSH2_ERROR_FILE) run.req.host->debug("cannot use identity " + file + ": " + run.hop.last_error());
        if (info.key_type == "ssh-rsa") run.rsa_refused = true;
        return false;
    }
    return false;
}

LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(answer_prompts) {
    (void)name;
    (void)name_len;
    (void)instruction;
    (void)instruction_len;
    auto* run = static_cast<AuthRun*>(static_cast<SshHop*>(*abstract)->auth_context);
    for (int i = 0; i < num_prompts; ++i) {
        std::string answer = run->kbd_answer;
        if (answer.empty() && !run->kbd_gave_up) {
            std::string text(reinterpret_cast<const char*>(prompts[i].text), prompts[i].length);
            auto asked = run->req.prompter->ask("(" + run->user() + "@" + run->req.settings->hostname + ") " + text,
                                                prompts[i].echo == 0);
            if (asked) {
                answer = *asked;
            } else {
                run->kbd_gave_up = true;
                run->unasked.push_back("a keyboard-interactive answer");
            }
        }
        responses[i].text = strdup(answer.c_str());  // libssh2 frees it with free()
        responses[i].length = static_cast<unsigned>(answer.size());
    }
}

bool try_keyboard_interactive(AuthRun& run) {
    run.tried.push_back("keyboard-interactive");
    int attempts = run.req.password ? 1 : run.req.settings->password_prompts;
    run.kbd_answer = run.req.password.value_or("");
    run.hop.auth_context = &run;
    for (int i = 0; i < attempts && !run.kbd_gave_up; ++i) {
        long rc = run.wait([&] {
            return libssh2_userauth_keyboard_interactive_ex(run.session(), run.user().c_str(),
                                                            static_cast<unsigned>(run.user().size()), &answer_prompts);
        });
        if (rc == 0) return true;
    }
    return false;
}

bool try_password(AuthRun& run) {
    run.tried.push_back("password");
    int attempts = run.req.password ? 1 : run.req.settings->password_prompts;
    for (int i = 0; i < attempts; ++i) {
        std::string password;
        if (run.req.password) {
            password = *run.req.password;
        } else {
            auto asked = run.req.prompter->ask(run.user() + "@" + run.req.settings->hostname + "'s password: ", true);
            if (!asked) {
                if (i == 0) run.unasked.push_back("the password");
                return false;
            }
            password = *asked;
        }
        long rc = run.wait([&] {
            return libssh2_userauth_password_ex(run.session(), run.user().c_str(),
                                                static_cast<unsigned>(run.user().size()), password.c_str(),
                                                static_cast<unsigned>(password.size()), nullptr);
        });
        if (rc == 0) return true;
    }
    return false;
}

std::string failure_message(const AuthRun& run) {
    std::string tried;
    for (const auto& t : run.tried) tried += (tried.empty() ? "" : ", ") + t;
    std::string msg = "authentication as " + run.user() + "@" + run.req.settings->hostname + " failed: tried " +
                      (tried.empty() ? std::string("nothing usable") : tried) + "; the server offers " +
                      (run.offered.empty() ? std::string("nothing") : run.offered);
    std::string unasked;
    for (const auto& u : run.unasked) unasked += (unasked.empty() ? "" : ", ") + u;
    if (!unasked.empty()) msg += "; nobody could be asked for " + unasked + " (no terminal, BatchMode, or no answer)";
#if LIBSSH2_VERSION_NUM < 0x010b00
    if (run.rsa_refused)
        msg += "; note: libssh2 " LIBSSH2_VERSION " signs RSA keys only with ssh-rsa (SHA-1), which OpenSSH 8.8+ "
               "servers refuse: use an ed25519 key, or the OpenSSH transport (-e ssh)";
#endif
    return msg;
}

}  // namespace

void authenticate(SshHop& hop, const AuthRequest& req) {
    AuthRun run(hop, req);
    const std::string& user = req.settings->user;
    const char* list = wait_for_pointer(hop.session(), req.outer, hop.fd(), Clock::now() + req.step_timeout, [&] {
        return libssh2_userauth_list(hop.session(), user.c_str(), static_cast<unsigned>(user.size()));
    });
    if (list == nullptr) {
        if (libssh2_userauth_authenticated(hop.session())) return;  // the server accepted "none"
        throw sdk::Error(SSHUTTLE_EAUTH, "authentication with " + hop.label() + " failed: " + hop.last_error());
    }
    run.offered = list;
    const SshSettings& s = *req.settings;
    if (s.pubkey_auth && run.offers("publickey")) {
        if (try_agent(run)) return;
        for (const auto& file : s.identity_files)
            if (try_identity_file(run, file)) return;
    }
    if (s.kbd_interactive_auth && run.offers("keyboard-interactive") && try_keyboard_interactive(run)) return;
    if (s.password_auth && run.offers("password") && try_password(run)) return;
    throw sdk::Error(SSHUTTLE_EAUTH, failure_message(run));
}

}  // namespace sshuttle::plugins::transport_ssh
