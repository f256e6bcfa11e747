// SPDX-License-Identifier: LGPL-2.1-or-later
#include "support/loaded_firewall.hpp"

#include <cstddef>

#include <dlfcn.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace sshuttle::test {

LoadedFirewall::LoadedFirewall(const std::string& name, const sshuttle_host_v1* host,
                               const std::vector<std::pair<std::string, std::string>>& options) {
    const std::string path = std::string(SSHUTTLE_TEST_PLUGIN_DIR) + "/sshuttle-" + name + ".so";
    library_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library_ == nullptr) throw std::runtime_error("dlopen '" + path + "': " + dlerror());
    auto version = reinterpret_cast<sshuttle_plugin_abi_version_fn>(dlsym(library_, SSHUTTLE_SYMBOL_ABI_VERSION));
    auto get = reinterpret_cast<sshuttle_get_firewall_v1_fn>(dlsym(library_, SSHUTTLE_SYMBOL_FIREWALL_V1));
    if (version == nullptr || get == nullptr || SSHUTTLE_ABI_VERSION_MAJOR(version()) != SSHUTTLE_ABI_MAJOR)
        throw std::runtime_error("'" + path + "' is not a firewall module of ABI major 1");
    table_ = get();
    std::vector<sshuttle_kv> kvs;
    for (const auto& [k, v] : options) kvs.push_back({k.c_str(), v.c_str()});
    sshuttle_error err{};
    if (table_->create(host, kvs.data(), kvs.size(), &self_, &err) != SSHUTTLE_OK)
        throw std::runtime_error("create '" + name + "': " + err.message);
}

LoadedFirewall::~LoadedFirewall() {
    if (self_ != nullptr) table_->destroy(self_);
    if (library_ != nullptr) dlclose(library_);
}

int LoadedFirewall::setup(const sdk::FwRequest& req, std::string& error) {
    CRequest c(req);
    sshuttle_error err{};
    const int rc = table_->setup(self_, c.get(), &err);
    error = err.message;
    return rc;
}

int LoadedFirewall::update(const sdk::FwRequest& req, std::string& error) {
    if (table_->struct_size < offsetof(sshuttle_firewall_v1, update) + sizeof table_->update ||
        table_->update == nullptr) {
        error = "no update member";
        return SSHUTTLE_EUNSUPPORTED;
    }
    CRequest c(req);
    sshuttle_error err{};
    const int rc = table_->update(self_, c.get(), &err);
    error = err.message;
    return rc;
}

int LoadedFirewall::preflight(const std::vector<sdk::FwRequest>& requests, std::string& error) {
    if (table_->struct_size < offsetof(sshuttle_firewall_v1, preflight) + sizeof table_->preflight ||
        table_->preflight == nullptr) {
        error = "no preflight member";
        return SSHUTTLE_EUNSUPPORTED;
    }
    std::vector<std::unique_ptr<CRequest>> owners;  // each C struct points into its CRequest
    std::vector<sshuttle_fw_request> array;
    for (const auto& req : requests) {
        owners.push_back(std::make_unique<CRequest>(req));
        array.push_back(*owners.back()->get());
    }
    sshuttle_error err{};
    const int rc = table_->preflight(self_, array.data(), array.size(), &err);
    error = err.message;
    return rc;
}

int LoadedFirewall::restore(const sdk::FwRequest& req, std::string& error) {
    CRequest c(req);
    sshuttle_error err{};
    const int rc = table_->restore(self_, c.get(), &err);
    error = err.message;
    return rc;
}

int LoadedFirewall::render(const sdk::FwRequest& req, std::string& text) {
    CRequest c(req);
    sshuttle_error err{};
    size_t needed = 0;
    int rc = table_->render(self_, c.get(), nullptr, 0, &needed, &err);
    if (rc != SSHUTTLE_OK) {
        text = err.message;
        return rc;
    }
    std::vector<char> buf(needed);
    rc = table_->render(self_, c.get(), buf.data(), buf.size(), &needed, &err);
    text = rc == SSHUTTLE_OK ? std::string(buf.data()) : std::string(err.message);
    return rc;
}

bool LoadedFirewall::is_supported(std::string& reason) {
    char buf[256] = {};
    const bool ok = table_->is_supported(self_, buf, sizeof buf) == 1;
    reason = buf;
    return ok;
}

int LoadedFirewall::original_dst(int fd, sockaddr_storage& out, std::string& error) {
    if (table_->original_dst == nullptr) return SSHUTTLE_EUNSUPPORTED;
    sshuttle_error err{};
    uint32_t len = sizeof out;
    const int rc = table_->original_dst(self_, fd, &out, &len, &err);
    error = err.message;
    return rc;
}

int LoadedFirewall::prepare_listener(int fd, int family, bool is_udp, std::string& error) {
    if (table_->prepare_listener == nullptr) return SSHUTTLE_EUNSUPPORTED;
    sshuttle_error err{};
    const int rc = table_->prepare_listener(self_, fd, family, is_udp ? 1 : 0, &err);
    error = err.message;
    return rc;
}

}  // namespace sshuttle::test
