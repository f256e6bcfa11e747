// SPDX-License-Identifier: LGPL-2.1-or-later
// FirewallPlugin: the C++ face of one sshuttle_firewall_v1 instance.
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "plugin/abi_request.hpp"
#include "plugin/module.hpp"
#include "plugin/plugins.hpp"

namespace sshuttle::plugin {
namespace {

constexpr size_t kReasonBytes = 512;
constexpr size_t kFirstRenderBytes = 16 * 1024;

}  // namespace

FirewallPlugin::FirewallPlugin(std::shared_ptr<Module> module, const sshuttle_firewall_v1& table,
                               const HostServices& host, const PluginOptions& options)
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

FirewallPlugin::~FirewallPlugin() {
    if (self_ != nullptr) table_.destroy(self_);
}

std::string FirewallPlugin::name() const { return table_.name; }
std::string FirewallPlugin::description() const { return table_.description ? table_.description : ""; }
uint64_t FirewallPlugin::features() const { return table_.features; }
int FirewallPlugin::priority() const { return table_.priority; }
std::filesystem::path FirewallPlugin::file() const { return module_->file(); }

bool FirewallPlugin::is_supported(std::string& reason) const {
    char buf[kReasonBytes] = {};
    int result = table_.is_supported(self_, buf, sizeof buf);
    reason = one_line(std::string(buf, strnlen(buf, sizeof buf)));
    return result == 1;
}

void FirewallPlugin::setup(const FirewallRequest& request) const {
    AbiRequest abi(request);
    sshuttle_error err{};
    int status = table_.setup(self_, abi.get(), &err);
    if (status != SSHUTTLE_OK) module_->fail_call("setup", status, err);
}

void FirewallPlugin::restore(const FirewallRequest& request) const {
    AbiRequest abi(request);
    sshuttle_error err{};
    int status = table_.restore(self_, abi.get(), &err);
    if (status != SSHUTTLE_OK) module_->fail_call("restore", status, err);
}

void FirewallPlugin::update(const FirewallRequest& request) const {
    if (table_.update == nullptr) module_->fail("update: the method cannot replace its rules in one step");
    AbiRequest abi(request);
    sshuttle_error err{};
    int status = table_.update(self_, abi.get(), &err);
    if (status != SSHUTTLE_OK) module_->fail_call("update", status, err);
}

void FirewallPlugin::preflight(const std::vector<FirewallRequest>& requests) const {
    if (table_.preflight == nullptr) return;
    // Each C struct points into its AbiRequest, so those stay where they are while the array of copies is used.
    std::vector<std::unique_ptr<AbiRequest>> owners;
    std::vector<sshuttle_fw_request> abi;
    for (const FirewallRequest& request : requests) {
        owners.push_back(std::make_unique<AbiRequest>(request));
        abi.push_back(*owners.back()->get());
    }
    sshuttle_error err{};
    int status = table_.preflight(self_, abi.data(), abi.size(), &err);
    if (status == SSHUTTLE_OK) return;
    const std::string message = one_line(std::string(err.message, strnlen(err.message, sizeof err.message)));
    if (message.empty()) module_->fail_call("preflight", status, err);
    // The ABI makes this line the user's error as it is (what to fix on the machine): no module file in front.
    throw PluginError(message);
}

std::string FirewallPlugin::render(const FirewallRequest& request) const {
    AbiRequest abi(request);
    std::vector<char> buf(kFirstRenderBytes);
    // The plugin reports the size it needs; a second call with that much room must succeed.
    for (int attempt = 0; attempt < 2; ++attempt) {
        sshuttle_error err{};
        size_t needed = 0;
        int status = table_.render(self_, abi.get(), buf.data(), buf.size(), &needed, &err);
        if (status != SSHUTTLE_OK) module_->fail_call("render", status, err);
        if (needed <= buf.size()) return std::string(buf.data(), strnlen(buf.data(), buf.size()));
        buf.assign(needed + 1, '\0');
    }
    module_->fail("render: text still larger than the size the plugin asked for");
}

void FirewallPlugin::prepare_listener(int fd, int family, bool is_udp) const {
    if (table_.prepare_listener == nullptr) return;
    sshuttle_error err{};
    int status = table_.prepare_listener(self_, fd, family, is_udp ? 1 : 0, &err);
    if (status != SSHUTTLE_OK) module_->fail_call("prepare_listener", status, err);
}

std::optional<sockaddr_storage> FirewallPlugin::original_dst(int fd, std::string& reason) const {
    if (table_.original_dst == nullptr) {
        reason = "method " + name() + " cannot look up original destinations";
        return std::nullopt;
    }
    sockaddr_storage address{};
    uint32_t length = sizeof address;
    sshuttle_error err{};
    int status = table_.original_dst(self_, fd, &address, &length, &err);
    if (status != SSHUTTLE_OK) {
        reason = one_line(std::string(err.message, strnlen(err.message, sizeof err.message)));
        if (reason.empty()) reason = "original_dst failed with status " + std::to_string(status);
        return std::nullopt;
    }
    return address;
}

std::optional<net::Endpoint> FirewallPlugin::nat_lookup(int proto, const net::Endpoint& src,
                                                       const net::Endpoint& dst, std::string& reason) const {
    if (table_.nat_lookup == nullptr) module_->fail("nat_lookup: the method cannot look up NAT states");
    const net::Family family = src.address.family;
    net::Endpoint original;
    original.address.family = family;
    sshuttle_error err{};
    int status = table_.nat_lookup(self_, family == net::Family::kIPv6 ? SSHUTTLE_AF_INET6 : SSHUTTLE_AF_INET,
                                   proto, src.address.bytes.data(), src.port, dst.address.bytes.data(), dst.port,
                                   original.address.bytes.data(), &original.port, &err);
    if (status != SSHUTTLE_OK) {
        reason = one_line(std::string(err.message, strnlen(err.message, sizeof err.message)));
        if (reason.empty()) reason = "nat_lookup failed with status " + std::to_string(status);
        return std::nullopt;
    }
    // An IPv4 answer has only 4 meaningful bytes; the rest must be zero for comparisons.
    if (family == net::Family::kIPv4)
        std::fill(original.address.bytes.begin() + 4, original.address.bytes.end(), uint8_t{0});
    return original;
}

std::optional<FirewallPlugin::UdpDatagram> FirewallPlugin::recv_udp(int fd, std::span<uint8_t> buffer) const {
    if (table_.recv_udp == nullptr) module_->fail("recv_udp: the method cannot receive UDP");
    UdpDatagram datagram;
    uint32_t source_len = sizeof datagram.source;
    uint32_t destination_len = sizeof datagram.destination;
    sshuttle_error err{};
    int status = table_.recv_udp(self_, fd, buffer.data(), buffer.size(), &datagram.size, &datagram.source,
                                 &source_len, &datagram.destination, &destination_len, &err);
    if (status == SSHUTTLE_AGAIN) return std::nullopt;
    if (status != SSHUTTLE_OK) module_->fail_call("recv_udp", status, err);
    return datagram;
}

int FirewallPlugin::open_udp_reply(const sockaddr_storage& from, const sockaddr_storage* to) const {
    if (table_.open_udp_reply == nullptr) module_->fail("open_udp_reply: the method cannot send UDP replies");
    auto length = [](const sockaddr_storage& ss) -> uint32_t {
        return ss.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    };
    int fd = -1;
    sshuttle_error err{};
    int status = table_.open_udp_reply(self_, &from, length(from), to, to != nullptr ? length(*to) : 0, &fd, &err);
    if (status != SSHUTTLE_OK) module_->fail_call("open_udp_reply", status, err);
    if (fd < 0) module_->fail("open_udp_reply returned no socket");
    return fd;
}

}  // namespace sshuttle::plugin
