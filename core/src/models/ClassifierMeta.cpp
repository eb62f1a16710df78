#include "netsight/models/ClassifierMeta.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/JsonValue.h"

namespace netsight::models {

using nlohmann::json;

std::string toJson(const ClassifierMeta& meta) {
    json training = {{"data", meta.training.dataSource},
                     {"epochs", meta.training.epochs},
                     {"epochs_planned", meta.training.plannedEpochs},
                     {"steps", meta.training.steps},
                     {"optimizer", meta.training.optimizer},
                     {"learning_rate", meta.training.learningRate},
                     {"seed", meta.training.seed},
                     {"validation_accuracy", meta.training.validationAccuracy},
                     {"best_epoch", meta.training.bestEpoch},
                     {"seconds", meta.training.seconds}};
    json document = {{"netsight_model", ClassifierMeta::kSchemaVersion},
                     {"architecture", meta.architecture},
                     {"input",
                      {{"channels", meta.input.shape.channels},
                       {"height", meta.input.shape.height},
                       {"width", meta.input.shape.width},
                       {"mean", meta.input.mean},
                       {"std", meta.input.stdDev}}},
                     {"classes", meta.classNames},
                     {"training", training}};
    return document.dump(2);
}

namespace {

// Reads object[key] as a T, with an error naming the field (`path` is its parents, e.g. "input.").
template <typename T>
T field(const json& object, const char* key, const std::string& path, const std::string& where) {
    if (!object.contains(key))
        throw std::runtime_error(where + ": metadata field '" + path + key + "' is missing");
    const json& value = object.at(key);
    if (runtime::jsonFits<T>(value)) {
        try {
            return value.get<T>();
        } catch (const json::exception&) {
        }
    }
    throw std::runtime_error(where + ": metadata field '" + path + key +
                             "' has the wrong type or range: " + runtime::jsonForMessage(value) +
                             " (expected " + runtime::jsonExpected<T>() + ")");
}

// As field(), but `fallback` if the field is absent.
template <typename T>
T optionalField(const json& object, const char* key, const std::string& path, const std::string& where,
                T fallback) {
    return object.contains(key) ? field<T>(object, key, path, where) : fallback;
}

}  // namespace

ClassifierMeta metaFromJson(const std::string& text, const std::string& where) {
    json document;
    try {
        document = json::parse(text);
    } catch (const json::exception& error) {  // parse_error, or out_of_range for a number like 1e999
        throw std::runtime_error(where + ": metadata is not valid JSON (" + error.what() + ")");
    }
    if (!document.is_object()) throw std::runtime_error(where + ": metadata must be a JSON object");
    ClassifierMeta meta;
    meta.architecture = optionalField(document, "architecture", "", where, std::string("torchscript"));
    const json input = document.contains("input") ? document.at("input") : json();
    if (!input.is_object())
        throw std::runtime_error(where +
                                 ": metadata field 'input' is missing (channels, height, width, mean, std)");
    meta.input.shape.channels = field<int>(input, "channels", "input.", where);
    meta.input.shape.height = field<int>(input, "height", "input.", where);
    meta.input.shape.width = field<int>(input, "width", "input.", where);
    if (meta.input.shape.channels != 1 && meta.input.shape.channels != 3)
        throw std::runtime_error(where + ": metadata field 'input.channels' must be 1 or 3, not " +
                                 std::to_string(meta.input.shape.channels));
    if (meta.input.shape.height < 4 || meta.input.shape.width < 4)
        throw std::runtime_error(where +
                                 ": metadata fields 'input.height' and 'input.width' must be at least 4");
    meta.input.mean = optionalField(input, "mean", "input.", where, std::vector<float>{0.0f});
    meta.input.stdDev = optionalField(input, "std", "input.", where, std::vector<float>{1.0f});
    for (const auto* values : {&meta.input.mean, &meta.input.stdDev})
        if (values->size() != 1 && static_cast<int>(values->size()) != meta.input.shape.channels)
            throw std::runtime_error(where + ": metadata 'input.mean' and 'input.std' need 1 or " +
                                     std::to_string(meta.input.shape.channels) + " values");
    for (float s : meta.input.stdDev)
        if (!(s > 0)) throw std::runtime_error(where + ": metadata 'input.std' values must be positive");
    meta.classNames = field<std::vector<std::string>>(document, "classes", "", where);
    if (meta.classNames.empty()) throw std::runtime_error(where + ": metadata field 'classes' is empty");
    if (document.contains("training") && document.at("training").is_object()) {
        const json& training = document.at("training");
        const std::string path = "training.";
        meta.training.dataSource = optionalField(training, "data", path, where, std::string());
        meta.training.epochs = optionalField(training, "epochs", path, where, 0);
        meta.training.plannedEpochs = optionalField(training, "epochs_planned", path, where, 0);
        meta.training.steps = optionalField(training, "steps", path, where, std::int64_t{0});
        meta.training.optimizer = optionalField(training, "optimizer", path, where, std::string());
        meta.training.learningRate = optionalField(training, "learning_rate", path, where, 0.0);
        meta.training.seed = optionalField(training, "seed", path, where, std::uint64_t{0});
        meta.training.validationAccuracy = optionalField(training, "validation_accuracy", path, where, -1.0);
        meta.training.bestEpoch = optionalField(training, "best_epoch", path, where, -1);
        meta.training.seconds = optionalField(training, "seconds", path, where, 0.0);
    }
    return meta;
}

std::vector<std::string> nearestNames(const std::string& wanted, const std::vector<std::string>& known,
                                      std::size_t count) {
    auto distance = [](const std::string& a, const std::string& b) {
        std::vector<std::size_t> row(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j)
            row[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            std::size_t diagonal = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= b.size(); ++j) {
                const std::size_t above = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = above;
            }
        }
        return row[b.size()];
    };
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const auto& name : known)
        scored.push_back({distance(wanted, name), name});
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> nearest;
    for (std::size_t i = 0; i < std::min(count, scored.size()); ++i)
        nearest.push_back(scored[i].second);
    return nearest;
}

}  // namespace netsight::models
