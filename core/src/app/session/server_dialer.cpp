// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/server_dialer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>

#include "app/area_configs.hpp"

namespace sshuttle::app {
namespace {

/// Whether a person could answer a prompt of this attempt: only on our controlling terminal, and never in a
/// daemon (-D detached from it; under systemd there is none).
bool someone_can_answer(const cli::Options& options) {
    if (options.daemon) return false;
    const int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return false;
    ::close(fd);
    return true;
}

}  // namespace

struct ServerDialer::Attempt {
    std::mutex mutex;
    std::condition_variable finished_cv;
    bool finished = false;
    std::unique_ptr<transport::ServerConnection> connection;  // until the io_context's handler takes it
    std::string error;
};

ServerDialer::ServerDialer(boost::asio::io_context& io, const cli::Options& options, transport::LaunchParams params)
    : io_(io), options_(options), launch_(launch_config_from(options)), params_(std::move(params)) {}

ServerDialer::~ServerDialer() {
    if (thread_.joinable()) thread_.join();
    // attempt_ (and a connection no handler took) goes with it: the server is ended.
}

void ServerDialer::dial(Done done) {
    if (thread_.joinable()) thread_.join();  // the previous attempt has posted its result already
    auto attempt = std::make_shared<Attempt>();
    attempt_ = attempt;
    transport::LaunchParams params = params_;
    // Decided per attempt: -D detaches from the terminal only after the first connection.
    params.batch_mode = !someone_can_answer(options_);
    thread_ = std::thread([&io = io_, &launch = launch_, params = std::move(params), attempt,
                           done = std::move(done)] {
        std::unique_ptr<transport::ServerConnection> connection;
        std::string error;
        try {
            connection = transport::start_server(launch, params);
        } catch (const std::exception& e) {
            error = e.what();
            if (error.empty()) error = "connecting to the server failed";
        }
        {
            std::lock_guard lock(attempt->mutex);
            attempt->connection = std::move(connection);
            attempt->error = error;
            attempt->finished = true;
        }
        attempt->finished_cv.notify_all();
        boost::asio::post(io, [attempt, done] {
            std::unique_ptr<transport::ServerConnection> taken;
            std::string why;
            {
                std::lock_guard lock(attempt->mutex);
                taken = std::move(attempt->connection);
                why = attempt->error;
            }
            done(std::move(taken), why);
        });
    });
}

bool ServerDialer::still_busy_after(std::chrono::milliseconds grace) {
    if (!attempt_) return false;
    std::unique_lock lock(attempt_->mutex);
    return !attempt_->finished_cv.wait_for(lock, grace, [&] { return attempt_->finished; });
}

}  // namespace sshuttle::app
