// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transport/plugin_connection.hpp"

#include <poll.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/untrusted_text.hpp"

namespace sshuttle::transport {
namespace {

constexpr int kTickMillis = 1000;  // the keepalive contract: step() about once a second

// A plugin's message may quote the remote's stderr (the ssh transport does): escaped before anyone logs it.
std::string message_of(const sshuttle_error& err) {
    return common::escape_untrusted(std::string_view(err.message, strnlen(err.message, sizeof err.message)));
}

// The ABI's view of target; argv holds the pointers req.remote_argv points to, so it must outlive req.
sshuttle_transport_request transport_request(const PluginTarget& target, std::vector<const char*>& argv) {
    argv.clear();
    for (const auto& a : target.remote_argv) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    sshuttle_transport_request req{};
    req.struct_size = sizeof req;
    req.host = target.host.c_str();
    req.user = target.user.empty() ? nullptr : target.user.c_str();
    req.port = target.port;
    req.remote_argv = argv.data();
    req.remote_command = target.remote_command.c_str();
    return req;
}

}  // namespace

PluginConnection::PluginConnection(const std::string& name, const std::vector<std::string>& plugin_dirs,
                                   const std::vector<std::pair<std::string, std::string>>& options)
    : plugin_(plugin::load_transport(name, plugin::search_dirs(plugin_dirs), host_, options)) {}

PluginConnection::PluginConnection(std::shared_ptr<PluginConnection> parent,
                                   std::unique_ptr<plugin::TransportPlugin> channel)
    : parent_(std::move(parent)), plugin_(std::move(channel)) {}

PluginConnection::~PluginConnection() = default;

std::string PluginConnection::support_note() const {
    std::string reason;
    plugin_->is_supported(reason);
    return reason;
}

std::string PluginConnection::why_unusable() const {
    std::string reason;
    if (plugin_->is_supported(reason)) return {};
    return "transport '" + name() + "' is not usable here: " + reason;
}

std::shared_ptr<PluginConnection> PluginConnection::open_channel(const PluginTarget& target) {
    std::vector<const char*> argv;
    const sshuttle_transport_request req = transport_request(target, argv);
    sshuttle_error err{};
    int status = SSHUTTLE_OK;
    auto channel = plugin_->open_channel(req, status, err);
    if (!channel) fail("open_channel", status, err);
    return std::shared_ptr<PluginConnection>(new PluginConnection(shared_from_this(), std::move(channel)));
}

void PluginConnection::ForwardInbox::deliver(ForwardEvent event) {
    std::lock_guard lock(mutex);
    if (events) events(std::move(event));
}

void PluginConnection::set_forward_events(ForwardEvents events) {
    if (parent_) return parent_->set_forward_events(std::move(events));  // its connection forwards
    std::lock_guard lock(forward_inbox_->mutex);
    forward_inbox_->events = std::move(events);
}

namespace {

using ForwardKind = PluginConnection::ForwardEvent::Kind;

template <typename Inbox>
void forward_opened(void* context, uint64_t id, int status, const char* message) {
    const std::string why = message != nullptr ? common::escape_untrusted(message) : std::string();
    static_cast<Inbox*>(context)->deliver({id, status == SSHUTTLE_OK ? ForwardKind::kOpened : ForwardKind::kRefused,
                                           status == SSHUTTLE_OK ? std::string() : why});
}

template <typename Inbox>
void forward_ended(void* context, uint64_t id, const char* message) {
    if (message == nullptr) {
        static_cast<Inbox*>(context)->deliver({id, ForwardKind::kEnded, {}});
    } else {
        static_cast<Inbox*>(context)->deliver({id, ForwardKind::kBroken, common::escape_untrusted(message)});
    }
}

}  // namespace

bool PluginConnection::forward_tcp(int fd, const std::string& host, uint16_t port, const std::string& origin_host,
                                   uint16_t origin_port, uint64_t id, std::string& why) {
    if (parent_) return parent_->forward_tcp(fd, host, port, origin_host, origin_port, id, why);
    if (!can_forward_tcp()) {
        why = "transport '" + name() + "' does not forward single connections";
        return false;
    }
    sshuttle_forward_callbacks callbacks{};
    callbacks.struct_size = sizeof callbacks;
    callbacks.context = forward_inbox_.get();
    callbacks.opened = &forward_opened<ForwardInbox>;
    callbacks.ended = &forward_ended<ForwardInbox>;
    sshuttle_error err{};
    const int status = plugin_->table().forward_tcp(plugin_->self(), fd, host.c_str(), port, origin_host.c_str(),
                                                    origin_port, id, &callbacks, &err);
    if (status == SSHUTTLE_OK) return true;
    why = message_of(err);
    if (why.empty()) why = "forward_tcp failed (status " + std::to_string(status) + ")";
    return false;
}

std::string PluginConnection::unsupported_reason(const sshuttle_error& err) const {
    std::string message = message_of(err);
    return message.empty() ? "transport '" + name() + "' cannot make this connection" : message;
}

void PluginConnection::fail(const std::string& what, int status, const sshuttle_error& err) {
    if (status == SSHUTTLE_EUNSUPPORTED) throw TransportError(unsupported_reason(err));
    std::string message = message_of(err);
    if (message.empty()) message = what + " failed (status " + std::to_string(status) + ")";
    // The plugin's message is meant for the user as it is ("host key for ... changed", "auth failed ...").
    throw TransportError(message);
}

std::string PluginConnection::open(const PluginTarget& target) {
    std::vector<const char*> argv;
    const sshuttle_transport_request req = transport_request(target, argv);
    sshuttle_error err{};
    int status = plugin_->table().open(plugin_->self(), &req, &err);
    if (status == SSHUTTLE_EUNSUPPORTED) return unsupported_reason(err);
    if (status != SSHUTTLE_OK && status != SSHUTTLE_AGAIN) fail("open", status, err);
    return {};
}

std::string PluginConnection::wait_open() {
    while (true) {
        sshuttle_error err{};
        int status = plugin_->table().step(plugin_->self(), &err);
        if (status == SSHUTTLE_OK) return {};
        if (status == SSHUTTLE_EUNSUPPORTED) return unsupported_reason(err);
        if (status != SSHUTTLE_AGAIN) fail("connect", status, err);
        pollfd p{poll_fd(), static_cast<short>(wants_write() ? POLLOUT : POLLIN), 0};
        if (p.fd < 0) continue;  // nothing to wait for: the plugin is busy on its own
        if (poll(&p, 1, kTickMillis) < 0 && errno != EINTR)
            throw TransportError(std::string("poll on the transport failed: ") + strerror(errno));
    }
}

long PluginConnection::finish_io(long result, const sshuttle_error& err) {
    if (result >= 0) return result;
    end_message_ = message_of(err);
    if (result != SSHUTTLE_ECLOSED && end_message_.empty())
        end_message_ = "transport error (status " + std::to_string(result) + ")";
    return result;
}

long PluginConnection::read_some(void* data, std::size_t size) {
    sshuttle_error err{};
    return finish_io(plugin_->table().read(plugin_->self(), data, size, &err), err);
}

long PluginConnection::write_some(const void* data, std::size_t size) {
    sshuttle_error err{};
    return finish_io(plugin_->table().write(plugin_->self(), data, size, &err), err);
}

void PluginConnection::shutdown_write() {
    sshuttle_error err{};
    if (plugin_->table().shutdown_write(plugin_->self(), &err) != SSHUTTLE_OK)
        spdlog::debug("transport: half-close failed: {}", message_of(err));
}

bool PluginConnection::tick() {
    sshuttle_error err{};
    int status = plugin_->table().step(plugin_->self(), &err);
    if (status >= 0) return true;
    end_message_ = message_of(err);
    if (end_message_.empty()) end_message_ = "the transport reported an error (status " + std::to_string(status) + ")";
    return false;
}

int PluginConnection::poll_fd() const { return plugin_->table().poll_fd(plugin_->self()); }

bool PluginConnection::wants_write() const {
    return (plugin_->table().wants(plugin_->self()) & SSHUTTLE_WANT_WRITE) != 0;
}

void PluginConnection::wait_ready() {
    pollfd p{poll_fd(), static_cast<short>(wants_write() ? POLLOUT : POLLIN), 0};
    if (p.fd < 0) return;
    int n = poll(&p, 1, kTickMillis);
    if (n < 0 && errno != EINTR) throw TransportError(std::string("poll on the transport failed: ") + strerror(errno));
    // A quiet second: give the plugin its keepalive tick, which also notices a dead peer.
    if (n == 0 && !tick()) throw TransportError(end_message_);
}

bool PluginConnection::read_byte(char& c) {
    while (true) {
        long n = read_some(&c, 1);
        if (n == 1) return true;
        if (n < 0) return false;
        wait_ready();
    }
}

bool PluginConnection::write_all(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        long n = write_some(data.data() + sent, data.size() - sent);
        if (n < 0) return false;
        if (n == 0) {
            wait_ready();
            continue;
        }
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace sshuttle::transport
