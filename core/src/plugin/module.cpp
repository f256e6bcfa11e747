// SPDX-License-Identifier: LGPL-2.1-or-later
#include "plugin/module.hpp"

#include <dlfcn.h>

#include <initializer_list>
#include <system_error>
#include <utility>

#include "plugin/plugins.hpp"

namespace sshuttle::plugin {
namespace fs = std::filesystem;
namespace {

// A table must reach at least to the end of its last required member; later members are optional.
constexpr size_t kFirewallRequiredSize =
    offsetof(sshuttle_firewall_v1, render) + sizeof(sshuttle_firewall_v1::render);
constexpr size_t kTransportRequiredSize =
    offsetof(sshuttle_transport_v1, shutdown_write) + sizeof(sshuttle_transport_v1::shutdown_write);

struct Required {
    const char* name;
    bool present;
};

std::string status_name(int status) {
    switch (status) {
        case SSHUTTLE_EINVAL: return "invalid argument";
        case SSHUTTLE_EUNSUPPORTED: return "unsupported";
        case SSHUTTLE_ESYSTEM: return "system call failed";
        case SSHUTTLE_ECOMMAND: return "command failed";
        case SSHUTTLE_EINTERNAL: return "internal error";
        case SSHUTTLE_ECLOSED: return "closed";
        case SSHUTTLE_EAUTH: return "authentication failed";
        case SSHUTTLE_EHOSTKEY: return "host key rejected";
        default: return "status " + std::to_string(status);
    }
}

// dlopen's own words ("invalid ELF header"), without the path it repeats (the /proc/self/fd name it was given).
std::string dl_reason(const std::string& load_path, const boost::dll::fs::error_code& ec) {
    const char* text = dlerror();
    std::string reason = text != nullptr ? text : ec.message();
    std::string prefix = load_path + ": ";
    if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    return reason;
}

}  // namespace

PluginError::PluginError(const fs::path& file, const std::string& detail)
    : std::runtime_error("plugin " + file.string() + ": " + detail), detail_(detail) {}

std::string one_line(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\r') continue;
        if (c == '\n') out += "; ";
        else out += c;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ';' || out.back() == '\t')) out.pop_back();
    return out;
}

std::string format_abi_version(uint32_t version) {
    return std::to_string(SSHUTTLE_ABI_VERSION_MAJOR(version)) + "." +
           std::to_string(SSHUTTLE_ABI_VERSION_MINOR(version));
}

std::string abi_incompatibility(uint32_t plugin_version, uint32_t host_version) {
    std::string plugin = format_abi_version(plugin_version);
    std::string host = format_abi_version(host_version);
    if (SSHUTTLE_ABI_VERSION_MAJOR(plugin_version) != SSHUTTLE_ABI_VERSION_MAJOR(host_version))
        return "built for ABI " + plugin + ", this sshuttle speaks " + host;
    if (SSHUTTLE_ABI_VERSION_MINOR(plugin_version) > SSHUTTLE_ABI_VERSION_MINOR(host_version))
        return "built for ABI " + plugin + ", newer than this sshuttle's " + host + " (upgrade sshuttle)";
    return {};
}

Module::Module(ModuleFile opened, boost::dll::shared_library library, fs::path file, uint32_t abi_version)
    : opened_(std::move(opened)), library_(std::move(library)), file_(std::move(file)), abi_version_(abi_version) {}

std::shared_ptr<Module> Module::open(const fs::path& file) {
    // Declared before the library: on any throw below the library is unloaded first, then the descriptor closed.
    ModuleFile opened = ModuleFile::open(file);
    const std::string load_path = opened.load_path();
    boost::dll::shared_library library;
    boost::dll::fs::error_code ec;
    // Through the descriptor that was checked, never by name again (a name can be swapped in between).
    library.load(load_path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
    if (ec) throw PluginError(file, "cannot load: " + dl_reason(load_path, ec));
    // The version symbol is the only one touched before the version is known to be compatible.
    if (!library.has(SSHUTTLE_SYMBOL_ABI_VERSION))
        throw PluginError(file, "not an sshuttle plugin (no " SSHUTTLE_SYMBOL_ABI_VERSION " symbol)");
    uint32_t version = library.get<uint32_t()>(SSHUTTLE_SYMBOL_ABI_VERSION)();
    std::string why = abi_incompatibility(version, SSHUTTLE_ABI_VERSION);
    if (!why.empty()) throw PluginError(file, why);
    if (!library.has(SSHUTTLE_SYMBOL_FIREWALL_V1) && !library.has(SSHUTTLE_SYMBOL_TRANSPORT_V1))
        throw PluginError(file, "exports neither " SSHUTTLE_SYMBOL_FIREWALL_V1 " nor " SSHUTTLE_SYMBOL_TRANSPORT_V1);
    return std::shared_ptr<Module>(new Module(std::move(opened), std::move(library), file, version));
}

bool Module::has_firewall() const { return library_.has(SSHUTTLE_SYMBOL_FIREWALL_V1); }
bool Module::has_transport() const { return library_.has(SSHUTTLE_SYMBOL_TRANSPORT_V1); }

void Module::fail(const std::string& detail) const { throw PluginError(file_, one_line(detail)); }

void Module::fail_call(const std::string& what, int status, const sshuttle_error& err) const {
    // The buffer is the plugin's to fill; never trust it to be terminated.
    std::string message(err.message, strnlen(err.message, sizeof err.message));
    if (message.empty()) message = status_name(status);
    fail(what + " failed: " + message);
}

namespace {

void check_required(const Module& module, const char* kind, std::initializer_list<Required> members) {
    for (const Required& member : members) {
        if (!member.present)
            module.fail(std::string(kind) + " table: required function '" + member.name + "' is NULL");
    }
}

void check_size(const Module& module, const char* kind, uint32_t struct_size, size_t required) {
    if (struct_size < required)
        module.fail(std::string(kind) + " table too short: struct_size " + std::to_string(struct_size) +
                    ", need at least " + std::to_string(required));
}

}  // namespace

sshuttle_firewall_v1 Module::firewall_table() const {
    if (!has_firewall()) fail("not a firewall plugin (no " SSHUTTLE_SYMBOL_FIREWALL_V1 ")");
    const sshuttle_firewall_v1* raw = library_.get<const sshuttle_firewall_v1*()>(SSHUTTLE_SYMBOL_FIREWALL_V1)();
    if (raw == nullptr) fail(SSHUTTLE_SYMBOL_FIREWALL_V1 " returned NULL");
    check_size(*this, "firewall", raw->struct_size, kFirewallRequiredSize);
    sshuttle_firewall_v1 t = copy_table(raw);
    if (t.name == nullptr || *t.name == '\0') fail("firewall table has no name");
    check_required(*this, "firewall",
                   {{"create", t.create != nullptr},
                    {"destroy", t.destroy != nullptr},
                    {"is_supported", t.is_supported != nullptr},
                    {"setup", t.setup != nullptr},
                    {"restore", t.restore != nullptr},
                    {"render", t.render != nullptr}});
    return t;
}

sshuttle_transport_v1 Module::transport_table() const {
    if (!has_transport()) fail("not a transport plugin (no " SSHUTTLE_SYMBOL_TRANSPORT_V1 ")");
    const sshuttle_transport_v1* raw =
        library_.get<const sshuttle_transport_v1*()>(SSHUTTLE_SYMBOL_TRANSPORT_V1)();
    if (raw == nullptr) fail(SSHUTTLE_SYMBOL_TRANSPORT_V1 " returned NULL");
    check_size(*this, "transport", raw->struct_size, kTransportRequiredSize);
    sshuttle_transport_v1 t = copy_table(raw);
    if (t.name == nullptr || *t.name == '\0') fail("transport table has no name");
    check_required(*this, "transport",
                   {{"create", t.create != nullptr},
                    {"destroy", t.destroy != nullptr},
                    {"is_supported", t.is_supported != nullptr},
                    {"open", t.open != nullptr},
                    {"step", t.step != nullptr},
                    {"poll_fd", t.poll_fd != nullptr},
                    {"wants", t.wants != nullptr},
                    {"read", t.read != nullptr},
                    {"write", t.write != nullptr},
                    {"shutdown_write", t.shutdown_write != nullptr}});
    return t;
}

}  // namespace sshuttle::plugin
