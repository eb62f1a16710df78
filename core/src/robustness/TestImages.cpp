#include "robustness/TestImages.h"

#include <filesystem>

#include "netsight/data/DataLoader.h"
#include "netsight/runtime/Device.h"
#include "tensor/ImageTensors.h"
#include "train/DataBridge.h"

namespace netsight::robustness {

Bench openBench(const std::string& modelPath, const std::string& dataSource, std::size_t count,
                const std::string& device, const runtime::JobContext& job,
                const std::string& cacheDirectory) {
    Bench bench;
    bench.classifier = models::loadFrozenClassifier(modelPath, device);
    bench.name = std::filesystem::path(modelPath).stem().string();
    const auto dataset = data::openDataset(dataSource, runtime::dataOpenOptions(job, cacheDirectory));
    for (const auto& note : train::checkCompatible(bench.classifier->meta(), dataset->info(), modelPath))
        job.log(note);
    const std::size_t images = std::min(count, dataset->size(data::Split::Test));
    if (images == 0) throw std::runtime_error(dataSource + " has no test images to measure robustness on");

    data::LoaderOptions loaderOptions;
    loaderOptions.batchSize = 128;
    loaderOptions.shuffle = false;
    data::DataLoader loader(*dataset, data::Split::Test, loaderOptions,
                            train::shapeAdapter(dataset->info().shape, bench.classifier->meta().input.shape));
    std::vector<torch::Tensor> x, y;
    std::size_t seen = 0;
    while (seen < images) {
        job.checkCancelled();
        auto batch = loader.next();
        if (!batch) break;
        const auto take = static_cast<int64_t>(std::min(batch->count(), images - seen));
        x.push_back(tensor::imagesToTensor(*batch, torch::kCPU).narrow(0, 0, take));
        y.push_back(tensor::labelsToTensor(*batch, torch::kCPU).narrow(0, 0, take));
        seen += static_cast<std::size_t>(take);
    }
    bench.images = torch::cat(x);
    bench.labels = torch::cat(y);
    return bench;
}

}  // namespace netsight::robustness
