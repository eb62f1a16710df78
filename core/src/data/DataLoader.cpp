#include "netsight/data/DataLoader.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

#include "data/Random.h"

namespace netsight::data {

struct DataLoader::State {
    const Dataset& dataset;
    Split split;
    LoaderOptions options;
    ImageTransform transform;

    std::vector<std::size_t> order;
    std::size_t batchCount = 0;
    bool started = false;

    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::size_t, std::pair<Batch, std::exception_ptr>> ready;
    std::size_t nextToBuild = 0;
    std::size_t nextToHand = 0;
    bool stopping = false;
    std::vector<std::thread> workers;

    State(const Dataset& source, Split which, LoaderOptions loaderOptions, ImageTransform imageTransform)
        : dataset(source), split(which), options(loaderOptions), transform(std::move(imageTransform)) {
        if (options.batchSize == 0) throw std::invalid_argument("DataLoader: batch size must be at least 1");
        options.workers = std::max(1, options.workers);
        options.prefetchBatches = std::max(1, options.prefetchBatches);
        const std::size_t samples = dataset.size(split);
        batchCount = options.dropLast ? samples / options.batchSize
                                      : (samples + options.batchSize - 1) / options.batchSize;
    }

    ~State() { stopWorkers(); }

    void stopWorkers() {
        {
            std::lock_guard lock(mutex);
            stopping = true;
        }
        changed.notify_all();
        for (auto& worker : workers)
            worker.join();
        workers.clear();
    }

    Batch build(std::size_t batchIndex) const {
        const std::size_t begin = batchIndex * options.batchSize;
        const std::size_t end = std::min(order.size(), begin + options.batchSize);
        Batch batch;
        for (std::size_t i = begin; i < end; ++i) {
            Sample sample = dataset.sample(split, order[i]);
            Image image = transform ? transform(sample.image) : std::move(sample.image);
            if (i == begin) {
                batch.shape = image.shape;
                batch.factorCount = static_cast<int>(sample.factors.size());
                batch.images.reserve((end - begin) * image.shape.elementCount());
                batch.factors.reserve((end - begin) * sample.factors.size());
            } else if (image.shape != batch.shape) {
                throw std::runtime_error(dataset.info().source + ": " + toString(split) + " sample " +
                                         std::to_string(order[i]) + " is " + toString(image.shape) +
                                         " but the batch is " + toString(batch.shape) +
                                         "; add a transform that resizes to one shape");
            }
            batch.images.insert(batch.images.end(), image.pixels.begin(), image.pixels.end());
            batch.labels.push_back(sample.label);
            batch.factors.insert(batch.factors.end(), sample.factors.begin(), sample.factors.end());
            batch.indices.push_back(order[i]);
        }
        return batch;
    }

    void work() {
        for (;;) {
            std::size_t batchIndex;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] {
                    return stopping || nextToBuild >= batchCount ||
                           nextToBuild < nextToHand + static_cast<std::size_t>(options.prefetchBatches);
                });
                if (stopping || nextToBuild >= batchCount) return;
                batchIndex = nextToBuild++;
            }
            std::pair<Batch, std::exception_ptr> result;
            try {
                result.first = build(batchIndex);
            } catch (...) {
                result.second = std::current_exception();
            }
            {
                std::lock_guard lock(mutex);
                ready.emplace(batchIndex, std::move(result));
            }
            changed.notify_all();
        }
    }

    void start(int epoch) {
        stopWorkers();
        order.resize(dataset.size(split));
        std::iota(order.begin(), order.end(), std::size_t{0});
        if (options.shuffle) {
            // Fisher–Yates with our own generator: the same order on every platform.
            Random random(mixSeed(options.seed, 0x5F, static_cast<std::uint64_t>(epoch)));
            for (std::size_t i = order.size(); i > 1; --i)
                std::swap(order[i - 1], order[random.next() % i]);
        }
        ready.clear();
        nextToBuild = 0;
        nextToHand = 0;
        stopping = false;
        started = true;
        for (int w = 0; w < options.workers; ++w)
            workers.emplace_back([this] { work(); });
    }
};

DataLoader::DataLoader(const Dataset& dataset, Split split, LoaderOptions options, ImageTransform transform)
    : state_(std::make_unique<State>(dataset, split, options, std::move(transform))) {}

DataLoader::~DataLoader() = default;

void DataLoader::startEpoch(int epoch) {
    state_->start(epoch);
}

std::optional<Batch> DataLoader::next() {
    State& state = *state_;
    if (!state.started) state.start(0);
    std::pair<Batch, std::exception_ptr> result;
    {
        std::unique_lock lock(state.mutex);
        if (state.nextToHand >= state.batchCount) return std::nullopt;
        state.changed.wait(lock, [&] { return state.ready.count(state.nextToHand) > 0; });
        auto found = state.ready.find(state.nextToHand);
        result = std::move(found->second);
        state.ready.erase(found);
        ++state.nextToHand;
    }
    state.changed.notify_all();
    if (result.second) std::rethrow_exception(result.second);
    return std::move(result.first);
}

std::size_t DataLoader::batchesPerEpoch() const {
    return state_->batchCount;
}

std::size_t DataLoader::samplesPerEpoch() const {
    return std::min(state_->dataset.size(state_->split), state_->batchCount * state_->options.batchSize);
}

}  // namespace netsight::data
