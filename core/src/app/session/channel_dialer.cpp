// SPDX-License-Identifier: LGPL-2.1-or-later
#include "app/session/channel_dialer.hpp"

#include <boost/asio/post.hpp>

#include <condition_variable>
#include <exception>
#include <mutex>

namespace sshuttle::app {

struct ChannelDialer::Attempt {
    std::mutex mutex;
    std::condition_variable finished_cv;
    bool finished = false;
    std::thread thread;
};

ChannelDialer::~ChannelDialer() {
    for (auto& attempt : attempts_)
        if (attempt->thread.joinable()) attempt->thread.join();
}

void ChannelDialer::join_finished() {
    for (auto it = attempts_.begin(); it != attempts_.end();) {
        bool finished;
        {
            std::lock_guard lock((*it)->mutex);
            finished = (*it)->finished;
        }
        if (!finished) {
            ++it;
            continue;
        }
        (*it)->thread.join();  // it has posted its result: returns at once
        it = attempts_.erase(it);
    }
}

void ChannelDialer::dial(uint64_t id, std::shared_ptr<const transport::ExtraChannelSource> source, Done done) {
    join_finished();
    auto attempt = std::make_shared<Attempt>();
    attempts_.push_back(attempt);
    attempt->thread = std::thread([&io = io_, id, source = std::move(source), done = std::move(done),
                                   raw = attempt.get()] {
        auto connection = std::make_shared<std::unique_ptr<transport::ServerConnection>>();
        std::string error;
        try {
            *connection = source->open();
        } catch (const std::exception& e) {
            error = e.what();
            if (error.empty()) error = "opening another channel failed";
        }
        // The result goes to the loop first: the destructor may join as soon as `finished` is set.
        boost::asio::post(io, [id, connection, error, done] { done(id, std::move(*connection), error); });
        {
            std::lock_guard lock(raw->mutex);
            raw->finished = true;
        }
        raw->finished_cv.notify_all();
    });
}

bool ChannelDialer::still_busy_after(std::chrono::milliseconds grace) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (auto& attempt : attempts_) {
        std::unique_lock lock(attempt->mutex);
        if (!attempt->finished_cv.wait_until(lock, deadline, [&] { return attempt->finished; })) return true;
    }
    return false;
}

}  // namespace sshuttle::app
