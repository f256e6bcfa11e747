// SPDX-License-Identifier: LGPL-2.1-or-later
// One connection made by a transport plugin (libssh2, exec, ...): the plugin instance, the open/step handshake,
// and the blocking helpers the bootstrap needs before the mux takes over. The asynchronous side is
// make_plugin_stream() (plugin_stream.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "plugin/plugins.hpp"
#include "transport/transport_error.hpp"

namespace sshuttle::transport {

/// What open() needs: the -r destination and the command the remote must run.
struct PluginTarget {
    std::string host;
    std::string user;                      // empty = the plugin's default
    int port = 0;                          // 0 = the plugin's default
    std::vector<std::string> remote_argv;  // e.g. {"/bin/sh", "-c", script}
    std::string remote_command;            // the same as one shell-quoted string
};

class PluginConnection : public std::enable_shared_from_this<PluginConnection> {
   public:
    /// Loads the transport `name` with its --transport-option pairs. Throws plugin::PluginError.
    PluginConnection(const std::string& name, const std::vector<std::string>& plugin_dirs,
                     const std::vector<std::pair<std::string, std::string>>& options);
    ~PluginConnection();
    PluginConnection(const PluginConnection&) = delete;
    PluginConnection& operator=(const PluginConnection&) = delete;

    std::string name() const { return plugin_->name(); }
    /// The plugin's is_supported() text, e.g. "libssh2 1.10.0" (empty when it says nothing).
    std::string support_note() const;
    /// Empty when the plugin can work here; else one line saying why not (is_supported() refused).
    std::string why_unusable() const;

    /// Starts connecting (non-blocking). Returns "" when under way, or the plugin's one-line reason when it
    /// cannot make this connection (SSHUTTLE_EUNSUPPORTED: the caller may let the ssh program stand in).
    /// Throws TransportError for any other failure.
    std::string open(const PluginTarget& target);
    /// Drives step() until the connection is up (blocking; the plugin may prompt on the terminal meanwhile).
    /// Returns "" once open, or why the plugin cannot make it, as open() does. Throws TransportError.
    std::string wait_open();

    /// The plugin can open more channels on this connection (ABI 1.2 open_channel).
    bool can_open_channel() const { return plugin_->can_open_channel(); }
    /// One more channel on this (open) connection running target's command: a connection of its own, to be
    /// driven from wait_open() on. It keeps this one alive. Safe on another thread than this one's user
    /// (the ABI makes the plugin serialise). Throws TransportError (also when the plugin refuses).
    std::shared_ptr<PluginConnection> open_channel(const PluginTarget& target);

    /// The plugin can carry single TCP connections on channels of their own (ABI 1.4 forward_tcp).
    bool can_forward_tcp() const { return plugin_->can_forward_tcp(); }
    /// What a forward reports, on a thread of the plugin's (see forward_tcp in plugin_abi.h).
    struct ForwardEvent {
        enum class Kind { kOpened, kRefused, kEnded, kBroken };
        uint64_t id = 0;
        Kind kind = Kind::kOpened;
        std::string message;  // why (refused, broken); escaped
    };
    using ForwardEvents = std::function<void(ForwardEvent event)>;
    /// Where forward reports go from now on (empty: dropped). Any thread.
    void set_forward_events(ForwardEvents events);
    /// Hands the accepted connection `fd` (still the caller's, see plugin_abi.h) to the plugin for `target`.
    /// false when the plugin declines it now; `why` then says why.
    bool forward_tcp(int fd, const std::string& host, uint16_t port, const std::string& origin_host,
                     uint16_t origin_port, uint64_t id, std::string& why);

    /// Blocking: one byte (false at the end of the stream; then end_message() says why).
    bool read_byte(char& c);
    /// Blocking: all of data (false when the stream has ended).
    bool write_all(const std::string& data);

    /// Non-blocking calls for the stream: >0 moved, 0 would block, <0 ended or failed (end_message()).
    long read_some(void* data, std::size_t size);
    long write_some(const void* data, std::size_t size);
    void shutdown_write();
    /// The keepalive tick: false when the plugin reports the transport dead (end_message() says why).
    bool tick();

    int poll_fd() const;
    bool wants_write() const;

    /// Why the stream ended or failed: the plugin's message ("exit status 3: ..." for a remote command that
    /// exited), empty when it said nothing.
    const std::string& end_message() const { return end_message_; }

   private:
    // A channel opened on `parent`'s connection.
    PluginConnection(std::shared_ptr<PluginConnection> parent, std::unique_ptr<plugin::TransportPlugin> channel);

    // Waits until poll_fd is ready for what the plugin wants, ticking the keepalive once a second.
    void wait_ready();
    [[noreturn]] void fail(const std::string& what, int status, const sshuttle_error& err);
    // The reason of an SSHUTTLE_EUNSUPPORTED answer, never empty.
    std::string unsupported_reason(const sshuttle_error& err) const;
    long finish_io(long result, const sshuttle_error& err);

    // The callbacks' context: it outlives the plugin, which may report until its destroy returns.
    struct ForwardInbox {
        std::mutex mutex;
        ForwardEvents events;
        void deliver(ForwardEvent event);
    };

    std::shared_ptr<PluginConnection> parent_;        // a channel's connection: destroyed after the channel
    std::unique_ptr<ForwardInbox> forward_inbox_ = std::make_unique<ForwardInbox>();  // before plugin_
    plugin::HostServices host_;                       // must outlive the plugin, which keeps its table
    std::unique_ptr<plugin::TransportPlugin> plugin_;
    std::string end_message_;
};

}  // namespace sshuttle::transport
