#include "netsight/runtime/JobQueue.h"

#include <algorithm>
#include <stdexcept>

namespace netsight::runtime {

JobQueue::JobQueue(EventSink& sink) : sink_(sink), worker_([this] { loop(); }) {}

JobQueue::~JobQueue() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
        cancelRunning_.store(true);
        for (const auto& entry : queue_)
            sink_.post(FinishedEvent{entry.name, Outcome::Cancelled, "cancelled before it started"});
        queue_.clear();
    }
    wake_.notify_all();
    worker_.join();
}

void JobQueue::submit(const std::string& name, Work work) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const bool queued =
            std::any_of(queue_.begin(), queue_.end(), [&](const Entry& entry) { return entry.name == name; });
        if (queued || running_ == name)
            throw std::invalid_argument("a job named '" + name + "' is already queued or running");
        queue_.push_back(Entry{name, std::move(work)});
    }
    wake_.notify_all();
}

bool JobQueue::cancel(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!name.empty() && running_ == name) {
        cancelRunning_.store(true);
        return true;
    }
    const auto found =
        std::find_if(queue_.begin(), queue_.end(), [&](const Entry& entry) { return entry.name == name; });
    if (found == queue_.end()) return false;
    sink_.post(FinishedEvent{name, Outcome::Cancelled, "cancelled before it started"});
    queue_.erase(found);
    idleChanged_.notify_all();
    return true;
}

void JobQueue::cancelAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : queue_)
        sink_.post(FinishedEvent{entry.name, Outcome::Cancelled, "cancelled before it started"});
    queue_.clear();
    if (!running_.empty()) cancelRunning_.store(true);
    idleChanged_.notify_all();
}

bool JobQueue::idle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queue_.empty() && running_.empty();
}

std::string JobQueue::running() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return running_;
}

std::vector<std::string> JobQueue::queued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> names;
    for (const auto& entry : queue_)
        names.push_back(entry.name);
    return names;
}

void JobQueue::waitIdle() {
    std::unique_lock<std::mutex> lock(mutex_);
    idleChanged_.wait(lock, [this] { return queue_.empty() && running_.empty(); });
}

void JobQueue::loop() {
    for (;;) {
        Entry entry;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            entry = std::move(queue_.front());
            queue_.pop_front();
            running_ = entry.name;
            cancelRunning_.store(false);
        }
        runJob(entry.name, sink_, cancelRunning_, entry.work);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            running_.clear();
        }
        idleChanged_.notify_all();
    }
}

}  // namespace netsight::runtime
