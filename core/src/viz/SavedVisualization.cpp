#include "netsight/viz/SavedVisualization.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "netsight/runtime/AtomicFile.h"

namespace fs = std::filesystem;

namespace netsight::viz {
namespace {

using nlohmann::json;

// A file name from free text: letters, digits, '.', '-' and '_' stay, the rest becomes '_'.
std::string fileSafe(const std::string& text) {
    std::string safe;
    for (char c : text)
        safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
    return safe.empty() ? "unnamed" : safe;
}

}  // namespace

SavedVisualization saveVisualization(const std::string& directory, SavedVisualization record,
                                     const std::vector<data::RgbBuffer>& images) {
    if (images.size() != record.labels.size())
        throw std::invalid_argument("saveVisualization: " + std::to_string(images.size()) + " images but " +
                                    std::to_string(record.labels.size()) + " labels");
    fs::create_directories(directory);
    const std::string stem = fileSafe(record.kind + "-" + record.classifier);
    int number = 1;
    while (fs::exists(fs::path(directory) / (stem + "-" + std::to_string(number) + ".json")))
        ++number;
    const std::string base = stem + "-" + std::to_string(number);
    record.imageFiles.clear();
    json files = json::array();
    for (std::size_t i = 0; i < images.size(); ++i) {
        const std::string name = base + "-" + std::to_string(i) + ".png";
        data::writePng(images[i], (fs::path(directory) / name).string());
        record.imageFiles.push_back((fs::path(directory) / name).string());
        files.push_back({{"file", name}, {"label", record.labels[i]}});
    }
    json settings = json::object();
    for (const auto& [key, value] : record.settings)
        settings[key] = value;
    const json document = {{"kind", record.kind},
                           {"classifier", record.classifier},
                           {"title", record.title},
                           {"settings", settings},
                           {"images", files}};
    record.file = (fs::path(directory) / (base + ".json")).string();
    runtime::writeFileAtomically(record.file, document.dump(2) + "\n");  // last: a record is whole or absent
    return record;
}

std::vector<SavedVisualization> readSavedVisualizations(const std::string& directory,
                                                        std::vector<std::string>* problems) {
    std::vector<std::pair<fs::file_time_type, SavedVisualization>> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory, error)) {
        if (entry.path().extension() != ".json") continue;
        try {
            std::ifstream in(entry.path());
            const json document = json::parse(in);
            SavedVisualization record;
            record.file = entry.path().string();
            record.kind = document.at("kind").get<std::string>();
            record.classifier = document.at("classifier").get<std::string>();
            record.title = document.at("title").get<std::string>();
            for (const auto& [key, value] : document.at("settings").items())
                record.settings.emplace_back(key, value.get<std::string>());
            for (const auto& image : document.at("images")) {
                const fs::path file = fs::path(directory) / image.at("file").get<std::string>();
                if (!fs::exists(file)) throw std::runtime_error(file.string() + " is missing");
                record.imageFiles.push_back(file.string());
                record.labels.push_back(image.at("label").get<std::string>());
            }
            found.emplace_back(fs::last_write_time(entry.path()), std::move(record));
        } catch (const std::exception& e) {
            if (problems) problems->push_back(entry.path().string() + ": " + e.what());
        }
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<SavedVisualization> records;
    for (auto& [time, record] : found)
        records.push_back(std::move(record));
    return records;
}

std::vector<std::string> inversionDepths(const std::vector<models::LayerInfo>& layers,
                                         const std::string& layer) {
    std::vector<std::string> chosen;
    for (const auto& info : layers) {
        if (info.shape.size() == 3 && info.name.find('.') == std::string::npos) chosen.push_back(info.name);
        if (info.name == layer) break;
    }
    if (std::find(chosen.begin(), chosen.end(), layer) == chosen.end()) chosen.push_back(layer);
    if (chosen.size() > 4) chosen.erase(chosen.begin(), chosen.end() - 4);
    return chosen;
}

std::vector<std::pair<std::string, InversionResult>> invertAtDepths(const std::string& modelPath,
                                                                    const data::Image& target,
                                                                    const std::vector<std::string>& layers,
                                                                    const InversionOptions& options,
                                                                    const runtime::JobContext& job) {
    std::vector<std::pair<std::string, InversionResult>> results;
    for (const auto& layer : layers) {
        job.checkCancelled();
        InversionOptions layerOptions = options;
        layerOptions.layer = layer;
        job.log("inverting at " + layer);
        results.emplace_back(layer, invert(modelPath, target, layerOptions, job));
    }
    return results;
}

}  // namespace netsight::viz
