#include "netsight/runtime/JobQueue.h"

#include "netsight/runtime/JobLanes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>

namespace netsight::runtime {
namespace {

std::map<std::string, FinishedEvent> finishedByJob(EventSink& sink,
                                                   std::vector<std::string>* order = nullptr) {
    std::map<std::string, FinishedEvent> finished;
    for (auto& event : sink.drain())
        if (auto* f = std::get_if<FinishedEvent>(&event)) {
            EXPECT_EQ(finished.count(f->job), 0u) << f->job << " finished twice";
            finished[f->job] = *f;
            if (order) order->push_back(f->job);
        }
    return finished;
}

// A job that runs until cancelled, checking like a training loop does once per "batch".
void untilCancelled(JobContext& job) {
    for (;;) {
        job.checkCancelled();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

TEST(JobQueue, RunsJobsInOrderAndReportsEachOutcome) {
    EventSink sink;
    JobQueue queue(sink);
    std::vector<int> ran;
    queue.submit("a", [&](JobContext& job) {
        ran.push_back(1);
        job.log("hello");
    });
    queue.submit("b", [&](JobContext&) {
        ran.push_back(2);
        throw std::runtime_error("data/x.png: not an image");
    });
    queue.submit("c", [&](JobContext&) { ran.push_back(3); });
    queue.waitIdle();
    EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
    std::vector<std::string> order;
    auto finished = finishedByJob(sink, &order);
    EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(finished["a"].outcome, Outcome::Succeeded);
    EXPECT_EQ(finished["b"].outcome, Outcome::Failed);
    EXPECT_EQ(finished["b"].message, "data/x.png: not an image");
    EXPECT_EQ(finished["c"].outcome, Outcome::Succeeded);  // a failure does not stop the queue
    EXPECT_TRUE(queue.idle());
}

TEST(JobQueue, CancelStopsTheRunningJobAndRemovesAQueuedOne) {
    EventSink sink;
    JobQueue queue(sink);
    bool queuedRan = false;
    queue.submit("long", untilCancelled);
    queue.submit("next", [&](JobContext&) { queuedRan = true; });
    while (queue.running() != "long")
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(queue.queued(), std::vector<std::string>{"next"});
    EXPECT_TRUE(queue.cancel("next"));
    EXPECT_TRUE(queue.cancel("long"));
    EXPECT_FALSE(queue.cancel("nonexistent"));
    queue.waitIdle();
    auto finished = finishedByJob(sink);
    EXPECT_EQ(finished["long"].outcome, Outcome::Cancelled);
    EXPECT_EQ(finished["next"].outcome, Outcome::Cancelled);
    EXPECT_FALSE(queuedRan);
    // The queue keeps working after a cancel, and the cancel flag does not leak into the next job.
    queue.submit("after", [](JobContext& job) { job.checkCancelled(); });
    queue.waitIdle();
    EXPECT_EQ(finishedByJob(sink)["after"].outcome, Outcome::Succeeded);
}

TEST(JobQueue, RefusesADuplicateNameWhileItIsPending) {
    EventSink sink;
    JobQueue queue(sink);
    queue.submit("probe", untilCancelled);
    EXPECT_THROW(queue.submit("probe", [](JobContext&) {}), std::invalid_argument);
    queue.cancelAll();
    queue.waitIdle();
    EXPECT_EQ(finishedByJob(sink)["probe"].outcome, Outcome::Cancelled);
    queue.submit("probe", [](JobContext&) {});  // a finished name can run again (retry)
    queue.waitIdle();
    EXPECT_EQ(finishedByJob(sink)["probe"].outcome, Outcome::Succeeded);
}

TEST(JobQueue, DestructorCancelsAndJoins) {
    EventSink sink;
    {
        JobQueue queue(sink);
        queue.submit("long", untilCancelled);
        queue.submit("queued", [](JobContext&) {});
        while (queue.running().empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::map<std::string, Outcome> outcomes;
    for (auto& event : sink.drain())
        if (auto* f = std::get_if<FinishedEvent>(&event)) outcomes[f->job] = f->outcome;
    EXPECT_EQ(outcomes["long"], Outcome::Cancelled);
    EXPECT_EQ(outcomes["queued"], Outcome::Cancelled);
}

TEST(JobContext, PreviewCarriesPlainPixels) {
    EventSink sink;
    std::atomic<bool> cancel{false};
    JobContext job("j", sink, cancel);
    data::RgbBuffer image{2, 1, {1, 2, 3, 4, 5, 6}};
    job.preview("pretrained", {image});
    auto events = sink.drain();
    ASSERT_EQ(events.size(), 1u);
    const auto& preview = std::get<PreviewEvent>(events[0]);
    EXPECT_EQ(preview.key, "pretrained");
    ASSERT_EQ(preview.images.size(), 1u);
    EXPECT_EQ(preview.images[0].rgb[5], 6);
}

}  // namespace
}  // namespace netsight::runtime

namespace netsight::runtime {
namespace {

TEST(JobLanes, TheInteractiveLaneDoesNotWaitBehindATrainingJob) {
    EventSink sink;
    JobLanes lanes(sink);
    std::atomic<bool> trainingStarted{false};
    lanes.submit("cpu", {"train a", JobKind::TrainClassifier, "a"}, [&](JobContext& job) {
        trainingStarted = true;
        untilCancelled(job);
    });
    lanes.submit("cpu", {"train b", JobKind::TrainClassifier, "b"}, [](JobContext&) {});
    while (!trainingStarted)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::atomic<bool> answered{false};
    lanes.submit(kInteractiveLane, {"layers of a #1", JobKind::Query, {}},
                 [&](JobContext&) { answered = true; });
    for (int i = 0; i < 5000 && !answered; ++i)  // up to 5 s: a lane of its own answers at once
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_TRUE(answered) << "the query waited behind the training";
    EXPECT_EQ(lanes.laneOf("train b"), "cpu");
    EXPECT_EQ(lanes.lanes(), (std::vector<std::string>{"cpu", kInteractiveLane}));

    // Names are unique across lanes; cancelling by name finds the lane.
    EXPECT_THROW(lanes.submit("cuda:0", {"train a", JobKind::TrainClassifier, "a"}, [](JobContext&) {}),
                 std::invalid_argument);
    EXPECT_TRUE(lanes.cancel("train a"));
    EXPECT_FALSE(lanes.cancel("nothing"));
    lanes.waitIdle();
    auto finished = finishedByJob(sink);
    EXPECT_EQ(finished["train a"].outcome, Outcome::Cancelled);
    EXPECT_EQ(finished["train b"].outcome, Outcome::Succeeded);
    EXPECT_EQ(finished["layers of a #1"].outcome, Outcome::Succeeded);
}

}  // namespace
}  // namespace netsight::runtime
