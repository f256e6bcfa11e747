// SPDX-License-Identifier: LGPL-2.1-or-later
// make_plugin_stream: the mux's ByteStream over a transport plugin, driven by the Asio loop.
//
// Each direction tries the plugin first and waits on its poll fd only when the call would block, in the
// direction the plugin asks for (libssh2 may need to read before it can write, and the other way round).
// Reads and writes wait on two dup()s of the fd, so either wait can be cancelled alone: a plugin buffers
// internally, so a successful call in one direction can make the other ready without the fd ever becoming
// readable again; after every successful call the other direction is retried at once ("kicked").
#include "transport/plugin_stream.hpp"

#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "transport/transport_error.hpp"

namespace sshuttle::transport {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr auto kTickInterval = std::chrono::seconds(1);

class PluginStream final : public stream::ByteStream, public std::enable_shared_from_this<PluginStream> {
   public:
    PluginStream(asio::io_context& io, std::shared_ptr<PluginConnection> connection, std::string description)
        : io_(io),
          connection_(std::move(connection)),
          reader_(io, dup_or_throw(connection_->poll_fd())),
          writer_(io, dup_or_throw(connection_->poll_fd())),
          timer_(io),
          description_(std::move(description)) {}
    ~PluginStream() override { close(); }

    void start_ticks() { schedule_tick(); }

    void async_read_some(void* data, std::size_t size, Handler handler) override {
        read_ = Op{data, size, std::move(handler), true};
        try_read();
    }
    void async_write_some(const void* data, std::size_t size, Handler handler) override {
        write_ = Op{const_cast<void*>(data), size, std::move(handler), true};
        try_write();
    }
    void shutdown_write() override {
        if (!closed_) connection_->shutdown_write();
    }
    void close() override {
        if (closed_) return;
        closed_ = true;
        error_code ignored;
        timer_.cancel();
        reader_.close(ignored);
        writer_.close(ignored);
        fail_pending(asio::error::operation_aborted);
    }
    std::string describe() const override { return description_; }

   private:
    struct Op {
        void* data = nullptr;
        std::size_t size = 0;
        Handler handler;
        bool active = false;
        bool waiting = false;
    };

    static int dup_or_throw(int fd) {
        int copy = fd >= 0 ? ::dup(fd) : -1;
        if (copy < 0) throw TransportError(std::string("transport: no pollable descriptor: ") + strerror(errno));
        return copy;
    }

    void complete(Op& op, const error_code& ec, std::size_t n) {
        Handler handler = std::move(op.handler);
        op = Op{};
        // Never call back from inside the initiating call: the mux may start the next operation re-entrantly.
        asio::post(io_, [handler = std::move(handler), ec, n] { handler(ec, n); });
    }

    void fail_pending(const error_code& ec) {
        if (read_.active) complete(read_, ec, 0);
        if (write_.active) complete(write_, ec, 0);
    }

    // The plugin said the stream ended (or failed): log its reason once and end both directions.
    void ended(long status) {
        if (!reported_) {
            reported_ = true;
            const std::string& why = connection_->end_message();
            if (status == SSHUTTLE_ECLOSED)
                spdlog::info("{}: the remote closed the connection{}", description_, why.empty() ? "" : ": " + why);
            else
                spdlog::error("{}: {}", description_, why);
        }
        dead_ = true;
        timer_.cancel();  // nothing more to tick: do not keep the loop alive for it
        fail_pending(status == SSHUTTLE_ECLOSED ? error_code(asio::error::eof) : error_code(asio::error::connection_reset));
    }

    void try_read() {
        if (!read_.active || read_.waiting) return;
        if (closed_ || dead_) return complete(read_, asio::error::connection_reset, 0);
        long n = connection_->read_some(read_.data, read_.size);
        if (n > 0) {
            complete(read_, {}, static_cast<std::size_t>(n));
            kick(writer_, write_);
        } else if (n < 0) {
            ended(n);
        } else {
            wait(reader_, read_, [self = shared_from_this()] { self->try_read(); });
        }
    }

    void try_write() {
        if (!write_.active || write_.waiting) return;
        if (closed_ || dead_) return complete(write_, asio::error::broken_pipe, 0);
        long n = connection_->write_some(write_.data, write_.size);
        if (n > 0) {
            complete(write_, {}, static_cast<std::size_t>(n));
            kick(reader_, read_);
        } else if (n < 0) {
            ended(n);
        } else {
            wait(writer_, write_, [self = shared_from_this()] { self->try_write(); });
        }
    }

    template <typename Retry>
    void wait(asio::posix::stream_descriptor& descriptor, Op& op, Retry retry) {
        op.waiting = true;
        // Each blocked call waits for what the plugin asks right after it: input, or room to send (libssh2 may
        // have to flush a window adjustment or a rekey before a read can go on, or read one before a write can).
        const bool for_write = connection_->wants_write();
        auto direction = for_write ? asio::posix::descriptor_base::wait_write : asio::posix::descriptor_base::wait_read;
        descriptor.async_wait(direction, [this, &op, retry, self = shared_from_this()](const error_code& ec) {
            op.waiting = false;
            if (closed_) return;
            // operation_aborted is a kick: retry at once. Other errors are the fd's; the plugin call reports them.
            (void)ec;
            retry();
        });
    }

    void kick(asio::posix::stream_descriptor& descriptor, const Op& op) {
        if (op.active && op.waiting) descriptor.cancel();
    }

    void schedule_tick() {
        timer_.expires_after(kTickInterval);
        timer_.async_wait([self = shared_from_this()](const error_code& ec) {
            if (ec || self->closed_ || self->dead_) return;
            if (!self->connection_->tick()) {
                self->ended(SSHUTTLE_EINTERNAL);
                return;
            }
            // A tick may have moved data through the plugin's buffers.
            self->kick(self->reader_, self->read_);
            self->kick(self->writer_, self->write_);
            self->schedule_tick();
        });
    }

    asio::io_context& io_;
    std::shared_ptr<PluginConnection> connection_;
    asio::posix::stream_descriptor reader_;
    asio::posix::stream_descriptor writer_;
    asio::steady_timer timer_;
    std::string description_;
    Op read_;
    Op write_;
    bool closed_ = false;
    bool dead_ = false;
    bool reported_ = false;
};

// The engine owns its ByteStream through a unique_ptr, while the stream's callbacks need shared ownership to
// outlive a close() from inside a handler: a thin owner forwards to the shared implementation.
class PluginStreamOwner final : public stream::ByteStream {
   public:
    explicit PluginStreamOwner(std::shared_ptr<PluginStream> stream) : stream_(std::move(stream)) {}
    ~PluginStreamOwner() override { stream_->close(); }
    void async_read_some(void* data, std::size_t size, Handler handler) override {
        stream_->async_read_some(data, size, std::move(handler));
    }
    void async_write_some(const void* data, std::size_t size, Handler handler) override {
        stream_->async_write_some(data, size, std::move(handler));
    }
    void shutdown_write() override { stream_->shutdown_write(); }
    void close() override { stream_->close(); }
    std::string describe() const override { return stream_->describe(); }

   private:
    std::shared_ptr<PluginStream> stream_;
};

}  // namespace

std::unique_ptr<stream::ByteStream> make_plugin_stream(asio::io_context& io,
                                                       std::shared_ptr<PluginConnection> connection,
                                                       std::string description) {
    auto stream = std::make_shared<PluginStream>(io, std::move(connection), std::move(description));
    stream->start_ticks();
    return std::make_unique<PluginStreamOwner>(std::move(stream));
}

}  // namespace sshuttle::transport
