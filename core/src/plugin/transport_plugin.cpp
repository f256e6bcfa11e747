// SPDX-License-Identifier: LGPL-2.1-or-later
// TransportPlugin: owns one sshuttle_transport_v1 instance; the transport area drives its table.
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "plugin/module.hpp"
#include "plugin/plugins.hpp"

namespace sshuttle::plugin {

TransportPlugin::TransportPlugin(std::shared_ptr<Module> module, const sshuttle_transport_v1& table,
                                 const HostServices& host,
                                 const std::vector<std::pair<std::string, std::string>>& options)
    : module_(std::move(module)), table_(table) {
    std::vector<sshuttle_kv> kv;
    for (const auto& [key, value] : options) kv.push_back({key.c_str(), value.c_str()});
    sshuttle_error err{};
    void* self = nullptr;
    int status = table_.create(host.abi_for(table_.name), kv.data(), kv.size(), &self, &err);
    if (status != SSHUTTLE_OK) module_->fail_call("create", status, err);
    if (self == nullptr) module_->fail("create returned no instance");
    self_ = self;
}

TransportPlugin::~TransportPlugin() {
    if (self_ != nullptr) table_.destroy(self_);
}

std::string TransportPlugin::name() const { return table_.name; }
std::filesystem::path TransportPlugin::file() const { return module_->file(); }

bool TransportPlugin::is_supported(std::string& reason) const {
    char buf[512] = {};
    int result = table_.is_supported(self_, buf, sizeof buf);
    reason = one_line(std::string(buf, strnlen(buf, sizeof buf)));
    return result == 1;
}

bool TransportPlugin::can_open_channel() const {
    // A minor-1 module's table ends before the member: its struct_size says so (plugin_abi.h rules).
    return table_.struct_size >= offsetof(sshuttle_transport_v1, open_channel) + sizeof table_.open_channel &&
           table_.open_channel != nullptr;
}

bool TransportPlugin::can_forward_tcp() const {
    return table_.struct_size >= offsetof(sshuttle_transport_v1, forward_tcp) + sizeof table_.forward_tcp &&
           table_.forward_tcp != nullptr;
}

std::unique_ptr<TransportPlugin> TransportPlugin::open_channel(const sshuttle_transport_request& req, int& status,
                                                               sshuttle_error& err) const {
    if (!can_open_channel()) {
        status = SSHUTTLE_EUNSUPPORTED;
        return nullptr;
    }
    void* channel = nullptr;
    status = table_.open_channel(self_, &req, &channel, &err);
    if (status != SSHUTTLE_OK) return nullptr;
    if (channel == nullptr) {
        status = SSHUTTLE_EINTERNAL;
        std::snprintf(err.message, sizeof err.message, "open_channel returned no instance");
        return nullptr;
    }
    return std::unique_ptr<TransportPlugin>(new TransportPlugin(module_, table_, channel));
}

void TransportPlugin::fail(const std::string& what, int status, const sshuttle_error& err) const {
    module_->fail_call(what, status, err);
}

}  // namespace sshuttle::plugin
