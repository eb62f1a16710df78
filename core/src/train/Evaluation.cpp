#include <sstream>

#include "netsight/runtime/AtomicFile.h"
#include "netsight/runtime/Device.h"
#include "netsight/train/Training.h"
#include "train/DataBridge.h"

namespace netsight::train {

EvalResult evaluateModel(const std::string& modelPath, const std::string& dataSource, data::Split split,
                         const std::string& device, std::size_t maxSamples, const runtime::JobContext& job) {
    runtime::configureThreads();
    auto classifier = models::loadClassifier(modelPath);
    const auto dataset = data::openDataset(dataSource, runtime::dataOpenOptions(job));
    EvalResult result;
    result.notes = checkCompatible(classifier->meta(), dataset->info(), modelPath);
    result.classNames = classifier->meta().classNames;
    classifier->to(torch::Device(runtime::resolveDeviceName(device)));
    if (dataset->size(split) == 0)
        throw std::invalid_argument(dataSource + " has no " + data::toString(split) +
                                    " samples to evaluate on");
    result.accuracy = accuracyOn(*classifier, *dataset, split, maxSamples, job, &result.confusion);
    for (const auto& row : result.confusion) {
        std::int64_t total = 0;
        for (auto count : row)
            total += count;
        result.samples += static_cast<std::size_t>(total);
        const std::size_t index = result.perClassAccuracy.size();
        result.perClassAccuracy.push_back(total ? static_cast<double>(row[index]) / total : -1.0);
    }
    return result;
}

void writeConfusionCsv(const EvalResult& result, const std::string& path) {
    auto quote = [](const std::string& text) {
        std::string quoted = "\"";
        for (char c : text)
            quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        return quoted + "\"";
    };
    std::ostringstream csv;
    csv << "true\\predicted";
    for (const auto& name : result.classNames)
        csv << "," << quote(name);
    csv << "\n";
    for (std::size_t row = 0; row < result.confusion.size(); ++row) {
        csv << quote(result.classNames[row]);
        for (auto count : result.confusion[row])
            csv << "," << count;
        csv << "\n";
    }
    runtime::writeFileAtomically(path, csv.str());
}

}  // namespace netsight::train
