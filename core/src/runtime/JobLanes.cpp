#include "netsight/runtime/JobLanes.h"

#include <algorithm>
#include <stdexcept>

namespace netsight::runtime {

JobLanes::JobLanes(EventSink& sink) : sink_(sink) {}

JobLanes::~JobLanes() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, queue] : lanes_)
        queue->cancelAll();
    lanes_.clear();  // each queue joins its worker
}

namespace {

bool holds(const JobQueue& queue, const std::string& name) {
    if (queue.running() == name) return true;
    const auto queued = queue.queued();
    return std::find(queued.begin(), queued.end(), name) != queued.end();
}

}  // namespace

void JobLanes::submit(const std::string& lane, const JobTicket& ticket, Work work) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [laneName, queue] : lanes_)
        if (holds(*queue, ticket.name))
            throw std::invalid_argument("a job named '" + ticket.name + "' is already queued or running on " +
                                        laneName);
    auto& queue = lanes_[lane];
    if (!queue) queue = std::make_unique<JobQueue>(sink_);
    queue->submit(ticket.name, std::move(work));
}

bool JobLanes::cancel(const std::string& name) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [laneName, queue] : lanes_)
        if (queue->cancel(name)) return true;
    return false;
}

void JobLanes::cancelAll() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, queue] : lanes_)
        queue->cancelAll();
}

bool JobLanes::idle() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::all_of(lanes_.begin(), lanes_.end(), [](const auto& lane) { return lane.second->idle(); });
}

void JobLanes::waitIdle() {
    for (;;) {
        std::vector<JobQueue*> queues;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (auto& [name, queue] : lanes_)
                queues.push_back(queue.get());
        }
        for (auto* queue : queues)
            queue->waitIdle();
        if (idle()) return;  // a job on one lane may have queued work on another meanwhile
    }
}

std::vector<std::string> JobLanes::lanes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, queue] : lanes_)
        names.push_back(name);
    return names;
}

std::string JobLanes::laneOf(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [laneName, queue] : lanes_)
        if (holds(*queue, name)) return laneName;
    return {};
}

}  // namespace netsight::runtime
