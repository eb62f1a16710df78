#include "netsight/runtime/Events.h"

namespace netsight::runtime {

void EventSink::post(Event event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
}

std::vector<Event> EventSink::drain() {
    std::lock_guard lock(mutex_);
    std::vector<Event> drained;
    drained.swap(events_);
    return drained;
}

}  // namespace netsight::runtime
