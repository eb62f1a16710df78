// The scheduler that spreads a probe's fine-tunings over devices, driven with simulated device lanes.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "netsight/runtime/Device.h"

using namespace netsight::runtime;

namespace {

TEST(SpreadOverLanes, EveryTaskRunsOnceAndTheLanesWorkAtOnce) {
    const std::vector<std::string> lanes = {"sim:0", "sim:1", "sim:2", "sim:3"};
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::size_t, int> runs;
    std::set<std::string> lanesUsed;
    int inFlight = 0, mostInFlight = 0;
    bool gateOpen = false;
    spreadOverLanes(lanes, 10, [&](std::size_t task, const std::string& lane) {
        std::unique_lock lock(mutex);
        ++runs[task];
        lanesUsed.insert(lane);
        mostInFlight = std::max(mostInFlight, ++inFlight);
        // The first four tasks wait until all four lanes hold one (a hang guard, not a speed limit).
        if (inFlight == 4) gateOpen = true;
        changed.notify_all();
        changed.wait_for(lock, std::chrono::seconds(30), [&] { return gateOpen; });
        --inFlight;
    });
    EXPECT_EQ(runs.size(), 10u);
    for (const auto& [task, count] : runs)
        EXPECT_EQ(count, 1) << "task " << task;
    EXPECT_EQ(mostInFlight, 4);
    EXPECT_EQ(lanesUsed.size(), 4u);
}

TEST(SpreadOverLanes, OneLaneRunsInOrderOnTheCallingThread) {
    std::vector<std::size_t> order;
    const auto caller = std::this_thread::get_id();
    spreadOverLanes({"cpu"}, 5, [&](std::size_t task, const std::string& lane) {
        EXPECT_EQ(lane, "cpu");
        EXPECT_EQ(std::this_thread::get_id(), caller);
        order.push_back(task);
    });
    EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

TEST(SpreadOverLanes, AFailureStopsNewTasksAndIsRethrownAfterTheOthersFinish) {
    std::mutex mutex;
    std::set<std::size_t> started;
    bool otherFinished = false;
    try {
        spreadOverLanes({"sim:0", "sim:1"}, 50, [&](std::size_t task, const std::string&) {
            {
                std::lock_guard lock(mutex);
                started.insert(task);
            }
            if (task == 1) throw std::runtime_error("out of memory on the simulated device");
            if (task == 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));  // still running when 1 fails
                std::lock_guard lock(mutex);
                otherFinished = true;
            }
        });
        FAIL() << "the failure was not rethrown";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "out of memory on the simulated device");
    }
    EXPECT_TRUE(otherFinished);      // joined, not abandoned
    EXPECT_LT(started.size(), 50u);  // no further tasks after the failure
}

}  // namespace
