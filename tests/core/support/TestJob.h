#pragma once

#include <atomic>

#include "netsight/runtime/Job.h"

namespace netsight::test {

/// A job context for calling core directly in a test, with the sink it reports to (to look at the events)
/// and the cancel flag (to cancel from the test).
struct TestJob {
    runtime::EventSink sink;
    std::atomic<bool> cancel{false};
    runtime::JobContext context{"test", sink, cancel};
};

}  // namespace netsight::test
